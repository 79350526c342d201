"""The fast path of the vanilla RNN: the stages that `forward` and `bptt` compose, on time-major arrays.

[`forward`][rnn_math.rnn.forward.forward] and [`bptt`][rnn_math.rnn.bptt.bptt] are these stages
in order; each is exact algebra on the equations of the Forward-pass and BPTT pages (only the
order of the work changes, never a formula), and tests/test_fast_path.py proves each equal to
the step-by-step composition of the per-equation functions. They are public so that a caller can
run or time one stage at a time (the benchmark does):

1. [`check_forward_inputs`][rnn_math.rnn.fast_path.check_forward_inputs]: every argument checked
   once, the arrays made time-major (T, B, ...), each step's rows contiguous;
2. [`recurrence_time_major`][rnn_math.rnn.fast_path.recurrence_time_major]: z^t and h^t for
   every step;
3. [`forward_from_states`][rnn_math.rnn.fast_path.forward_from_states]: the output layer and the
   loss, as a [`ForwardPass`][rnn_math.rnn.results.ForwardPass] of time-major arrays;
4. [`backward_time_major`][rnn_math.rnn.fast_path.backward_time_major]: δ^t and ŷ^t − y^t for
   every step;
5. [`gradient_sums`][rnn_math.rnn.fast_path.gradient_sums]: the tied-weight sums and the input
   gradients, by the registered gradient equations.

[`batch_major`][rnn_math.rnn.fast_path.batch_major] turns a time-major ForwardPass into the
batch-major views the entry points return. The stages do no checking of their own: call
`check_forward_inputs` first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.activations import get_activation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_targets, common_dtype
from rnn_math.rnn.backward_equations import grad_b_1, grad_b_2, grad_h_0, grad_U, grad_W_e, grad_W_h, grad_x
from rnn_math.rnn.forward_equations import hidden_state, loss_from_parts, total_loss
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.results import ForwardPass, RNNGrads


def check_sequence_inputs(
    xs: ArrayLike, h_0: ArrayLike | None, D_h: int, d: int, dtype: np.dtype
) -> tuple[Array, Array, bool]:
    """Check xs (and h_0), add a batch axis to a single sequence; return (xs, h_0, batched)."""
    xs = as_float_array("xs", xs, ndim=(2, 3))
    batched = xs.ndim == 3
    xs3 = xs if batched else xs[None]
    check_shapes([("xs", xs3.shape if batched else xs.shape, ("B", "T", d) if batched else ("T", d))])
    if xs3.dtype != dtype:
        raise TypeError(f"xs: expected dtype {dtype} (the dtype of the parameters), got {xs3.dtype}")
    B = xs3.shape[0]
    if h_0 is None:
        h0 = np.zeros((B, D_h), dtype=dtype)
    else:
        h0 = as_float_array("h_0", h_0, ndim=(1, 2))
        h0 = np.broadcast_to(h0, (B, D_h)) if h0.shape in ((D_h,), (B, D_h)) else h0
        check_shapes([("h_0", h0.shape, (B, D_h))])
        common_dtype(xs=xs3, h_0=h0)
    return xs3, h0, batched


def time_major(values: Array) -> Array:
    """(B, T, ...) → a contiguous (T, B, ...) copy, so that every step is one contiguous block."""
    return np.ascontiguousarray(np.swapaxes(values, 0, 1))


#: Activations with a NumPy ufunc that can write σ(z) straight into the hidden-state buffer. The
#: ufunc is the very function the activation module applies (``np.tanh``), so the values are equal.
_ACTIVATION_UFUNCS = {"tanh": np.tanh}


def recurrence_time_major(
    W_h: Array, W_e: Array, b_1: Array, xs: Array, h_0: Array, activation: str
) -> tuple[Array, Array]:
    """The recurrence on time-major arrays: xs (T, B, d) → z (T, B, D_h), h (T + 1, B, D_h).

    The speed-ups are exact algebra on the equations z^t and h^t:
    the input part ``W_e x^t + b_1`` of every step does not depend on the recurrence, so it is
    one matrix product over all T·B rows, written straight into ``z``; only ``W_h h^{t-1}`` is
    left in the time loop, computed into a preallocated buffer and added in place. Time-major
    storage makes ``z[t]``, ``h[t]`` contiguous and lets the gradient sums over all steps be
    single products without copies. tests/test_fast_path.py proves this equals the step-by-step
    composition of ``pre_activation`` and ``hidden_state``.
    """
    T, B, d = xs.shape
    D_h = W_h.shape[0]
    dtype = np.result_type(xs, W_h, W_e, b_1, h_0)
    z = np.empty((T, B, D_h), dtype=dtype)
    h = np.empty((T + 1, B, D_h), dtype=dtype)
    h[0] = h_0
    W_h_T = np.ascontiguousarray(W_h.T)  # packed once, not by BLAS at every step
    recurrent = np.empty((B, D_h), dtype=dtype)
    ufunc = _ACTIVATION_UFUNCS.get(activation)
    # A z that overflows to ±inf still gives the right h (±1 or 0/1) and slope (0); a NaN reaches
    # the loss, which _check_finite_loss tests. So no warning here, one clear error there.
    with np.errstate(over="ignore", invalid="ignore"):
        np.matmul(xs.reshape(T * B, d), W_e.T, out=z.reshape(T * B, D_h))
        z += b_1
        for t in range(T):
            # np.dot rather than np.matmul: the same BLAS product with about a microsecond less
            # Python-side overhead per call, which shows at small batches (every operand is contiguous).
            np.dot(h[t], W_h_T, out=recurrent)
            z[t] += recurrent
            if ufunc is not None:
                ufunc(z[t], out=h[t + 1])
            else:
                h[t + 1] = hidden_state(z[t], activation)
    return z, h


def check_forward_inputs(
    params: RNNParams, xs: ArrayLike, targets: ArrayLike, activation: str, h_0: ArrayLike | None
) -> tuple[Array, NDArray[np.intp], Array, bool]:
    """Check every argument of `forward` once; return time-major xs (T, B, d), targets (T, B), h_0, batched."""
    if not isinstance(params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(params).__name__}")
    get_activation(activation)
    dims = params.dims
    xs3, h0, batched = check_sequence_inputs(xs, h_0, dims.D_h, dims.d, params.dtype)
    targets_arr = check_targets("targets", targets, dims.V)
    expected = xs3.shape[:2] if batched else xs3.shape[1:2]
    if targets_arr.shape != expected:
        raise ValueError(f"targets: expected shape {expected} (one index per input step), got {targets_arr.shape}")
    targets2 = targets_arr if batched else targets_arr[None]
    return time_major(xs3), np.ascontiguousarray(targets2.T), h0, batched


def forward_time_major(
    params: RNNParams, xs: Array, targets: NDArray[np.intp], h_0: Array, activation: str
) -> ForwardPass:
    """Unchecked forward pass on time-major arrays: xs (T, B, d), targets (T, B).

    Returns a ForwardPass whose arrays are time-major: z (T, B, D_h), h (T + 1, B, D_h),
    theta and y_hat (T, B, |V|), step_losses (T, B). The logits of all steps are one product.
    """
    z, h = recurrence_time_major(params.W_h, params.W_e, params.b_1, xs, h_0, activation)
    return forward_from_states(params, z, h, targets)


def forward_from_states(params: RNNParams, z: Array, h: Array, targets: NDArray[np.intp]) -> ForwardPass:
    """The output layer on time-major states z (T, B, D_h), h (T + 1, B, D_h): the rest of the forward pass.

    A separate step so that the benchmark can time the recurrence and the output layer apart
    (``rnn_math.apps.bench.bench``) while running exactly the functions `forward` and `bptt` run.
    """
    T, B, D_h = z.shape
    theta, y_hat, losses = _output_layer(params.U, params.b_2, h[1:].reshape(T * B, D_h), targets.reshape(-1))
    V = params.U.shape[0]
    theta, y_hat = (a.reshape(V, T, B).transpose(1, 2, 0) for a in (theta, y_hat))
    losses = losses.reshape(T, B)
    fp = ForwardPass(z, h, theta, y_hat, losses, total_loss(losses))
    _check_finite_loss(fp)
    return fp


def output_layer(U: Array, b_2: Array, h: Array, targets: NDArray[np.intp]) -> tuple[Array, Array, Array]:
    """Logits θ, softmax ŷ and step losses of N rows h (N, D_h), θ and ŷ stored vocabulary-major (|V|, N).

    The vanilla RNN's output layer as the fast path computes it (see `_output_layer`); the gated
    cells' fast paths ([`rnn_math.lstm.fast_path`][rnn_math.lstm.fast_path],
    [`rnn_math.gru.fast_path`][rnn_math.gru.fast_path]) borrow it with their hidden states.
    """
    return _output_layer(U, b_2, h, targets)


def _output_layer(U: Array, b_2: Array, h: Array, targets: NDArray[np.intp]) -> tuple[Array, Array, Array]:
    """Logits, softmax and step losses of N rows h (N, D_h) at once, stored vocabulary-major (|V|, N).

    The same arithmetic as ``output_logits``, ``softmax`` and ``step_loss`` (largest logit
    subtracted; the loss as ``-log1p(-c)`` or ``log Σ e - θ_k``), with two speed-ups that change no formula: the
    exponentials are computed once and shared by softmax and loss, and the arrays are (|V|, N)
    so that the max and the sum over the vocabulary run down contiguous rows (NumPy reduces the
    short last axis of an (N, |V|) array row by row, about twenty times slower at |V| = 64).
    """
    N = h.shape[0]
    columns = np.arange(N)
    # Overflowing logits (inf − inf in the shift) are reported by _check_finite_loss, not warned about.
    with np.errstate(over="ignore", invalid="ignore"):
        theta = np.matmul(U, h.T)
        theta += b_2[:, None]
        peak = np.max(np.real(theta), axis=0)
        y_hat = np.subtract(theta, peak)
        np.exp(y_hat, out=y_hat)
        normaliser = np.sum(y_hat, axis=0)
        at_target = y_hat[targets, columns]
        y_hat[targets, columns] = 0  # c = Σ_{j≠k} e_j / Σ e_j with the target's term left out: no cancellation
        wrong = np.sum(y_hat, axis=0) / normaliser
        y_hat[targets, columns] = at_target
        losses = loss_from_parts(wrong, peak + np.log(normaliser) - theta[targets, columns])
        y_hat /= normaliser
    return theta, y_hat, losses


def output_error(y_hat: Array, targets: NDArray[np.intp]) -> Array:
    """ŷ − y (eq-bptt-output-grad) of N rows from ŷ stored vocabulary-major (|V|, N), in the same storage.

    The target's entry is −Σ_{j≠k} ŷ_j, summed with that entry zeroed (ŷ_k − 1 would cancel for a
    confident model), as in `backward_time_major`; the gated cells' fast paths borrow it.
    """
    errors = y_hat.copy()
    at_target = (targets, np.arange(y_hat.shape[1]))
    errors[at_target] = 0
    errors[at_target] = -np.sum(errors, axis=0)
    return errors


def _check_finite_loss(fp: ForwardPass) -> None:
    """Raise a clear error if the forward pass overflowed; one test on the summed loss (cheap).

    A NaN or inf anywhere upstream (pre-activations, logits) reaches the loss, so only when the
    loss is not finite are the larger arrays inspected to say which one overflowed.
    """
    if np.isfinite(fp.loss):
        return
    largest = f"{np.finfo(fp.z.dtype).max:.3g}"
    if not np.all(np.isfinite(fp.z)):
        raise ValueError(
            f"z: the pre-activations overflowed (inf or NaN in {fp.z.dtype}); check the scale of "
            f"W_h, W_e, b_1 and xs (|W_h h + W_e x + b_1| must stay below {largest})"
        )
    if not np.all(np.isfinite(fp.theta)):
        raise ValueError(
            f"theta: the logits overflowed (inf or NaN in {fp.theta.dtype}); check the scale of U "
            f"and b_2 (|U h + b_2| must stay below {largest})"
        )
    raise ValueError(f"loss: the summed loss overflowed ({fp.loss}); check the scale of U and b_2")


def batch_major(fp: ForwardPass, batched: bool) -> ForwardPass:
    """Batch-major views (B, T, ...) of a time-major ForwardPass, or the one sequence's arrays."""
    z, h, theta, y_hat = (np.swapaxes(a, 0, 1) for a in (fp.z, fp.h, fp.theta, fp.y_hat))
    losses = fp.step_losses.T
    if batched:
        return ForwardPass(z, h, theta, y_hat, losses, fp.loss)
    return ForwardPass(z[0], h[0], theta[0], y_hat[0], losses[0], fp.loss)


def backward_time_major(
    params: RNNParams, fp: ForwardPass, targets: NDArray[np.intp], activation: str
) -> tuple[Array, Array]:
    """δ^t and ŷ^t − y^t for every step, on the time-major arrays of `forward_time_major`.

    Exact algebra on eq-bptt-output-grad, eq-bptt-hidden-grad and eq-bptt-delta: the output
    part ``U^T (ŷ^t − y^t)`` does not depend on the recursion, so it is one product over all
    T·B rows; the slopes σ'(z^t) are computed for all steps at once into the array that becomes
    δ, by the activation module's derivative at z (the one accurate slope every backward pass
    uses). Only ``W_h^T δ^{t+1}`` stays in the loop, written into a preallocated buffer, and
    δ^t is formed in place. tests/test_fast_path.py proves this equals the step-by-step
    composition of ``output_gradient``, ``hidden_gradient`` and ``delta``.
    """
    T, B, V = fp.y_hat.shape
    # ŷ − y (eq-bptt-output-grad) on the (|V|, T·B) storage of ŷ. The target's entry is
    # −Σ_{j≠k} ŷ_j, summed with that entry zeroed: ŷ_k − 1 would cancel for confident models.
    output_grads_v = fp.y_hat.transpose(2, 0, 1).reshape(V, T * B).copy()
    at_target = (targets.reshape(-1), np.arange(T * B))
    output_grads_v[at_target] = 0
    output_grads_v[at_target] = -np.sum(output_grads_v, axis=0)
    output_grads = output_grads_v.reshape(V, T, B).transpose(1, 2, 0)
    # An overflow here (huge U) is reported by check_finite_gradients, not as a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        from_output = (output_grads_v.T @ params.U).reshape(T, B, -1)
        deltas = _slopes(fp.z, activation)
        deltas[T - 1] *= from_output[T - 1]  # δ^{T+1} = 0: nothing comes back from beyond the last step
        from_next = np.empty_like(deltas[0])
        W_h = np.ascontiguousarray(params.W_h)  # np.dot's fast path wants contiguous operands
        for t in range(T - 2, -1, -1):
            np.dot(deltas[t + 1], W_h, out=from_next)  # np.dot: less per-call overhead than np.matmul
            from_next += from_output[t]
            deltas[t] *= from_next
    return deltas, output_grads


#: Elements of z per block of `_slopes`: the block and the derivative's temporaries stay in cache.
_SLOPE_BLOCK = 8192


def _slopes(z: Array, activation: str) -> Array:
    """σ'(z) of every step (T, B, D_h) by the activation module's derivative, a block of steps at a time.

    The same values as ``derivative(z)``; blocks of about `_SLOPE_BLOCK` elements keep each pass
    of the derivative in cache and its temporaries small (measured faster than one pass over all
    of z, and than one step at a time).
    """
    derivative = get_activation(activation).derivative
    slopes = np.empty_like(z)
    steps = max(1, _SLOPE_BLOCK // max(1, z[0].size))
    for start in range(0, z.shape[0], steps):
        derivative(z[start : start + steps], out=slopes[start : start + steps])
    return slopes


def gradient_sums(
    params: RNNParams, fp: ForwardPass, deltas: Array, output_grads: Array, xs: Array
) -> tuple[RNNGrads, Array, Array]:
    """The tied-weight sums and the input gradients from time-major δ (T, B, D_h) and ŷ − y (T, B, |V|).

    Returns the parameter gradients, ∂L/∂h^0 (B, D_h) and ∂L/∂x^t time-major (T, B, d). Each sum
    over all steps is one product over the T·B rows.
    """
    T, B, D_h = deltas.shape
    # output_grads is (T, B, |V|) over vocabulary-major storage: its (T·B, |V|) matrix is a free
    # (transposed) view, which the sums over all steps take as one product with no copy.
    output_grad_rows = output_grads.transpose(2, 0, 1).reshape(-1, T * B).T
    grads = RNNGrads(
        grad_W_h=grad_W_h(deltas, fp.h[:-1]),
        grad_W_e=grad_W_e(deltas, xs),
        grad_b_1=grad_b_1(deltas),
        grad_U=grad_U(output_grad_rows, fp.h[1:].reshape(T * B, D_h)),
        grad_b_2=grad_b_2(output_grad_rows),
    )
    g_xs = grad_x(params.W_e, deltas.reshape(T * B, D_h)).reshape(T, B, -1)
    return grads, grad_h_0(params.W_h, deltas[0]), g_xs
