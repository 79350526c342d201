"""The forward pass of a vanilla RNN, one function per equation, in derivation order.

Conventions
-----------
The pages write vectors as columns (``z^t = W_h h^{t-1} + ...``). The code stores a batch of
vectors as the rows of an array with any leading axes, so the same equation reads
``z = h_prev @ W_h.T + ...``: the transpose of the column form, applied to every row at once.
A sequence batch has shape (B, T, width); a single sequence may drop the B axis.

The per-equation functions do no input checking (they run inside loops); the entry points
[`hidden_states`][rnn_math.rnn.forward.hidden_states] and [`forward`][rnn_math.rnn.forward.forward]
check every argument once and say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.activations import get_activation
from rnn_math.rnn.params import RNNParams
from rnn_math.core.registry import equation
from rnn_math.core.validation import as_float_array, check_shapes, check_targets, common_dtype

Array = NDArray[np.floating]


@equation(
    "eq-forward-z",
    title="Pre-activation",
    latex=r"z^t = W_h h^{t-1} + W_e x^t + b_1",
)
def pre_activation(W_h: Array, h_prev: Array, W_e: Array, x_t: Array, b_1: Array) -> Array:
    """Pre-activation of the hidden units at step t.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    h_prev
        Previous hidden state(s) h^{t-1}, shape (..., D_h).
    W_e
        Input weights, shape (D_h, d).
    x_t
        Input(s) x^t, shape (..., d).
    b_1
        Hidden bias, shape (D_h,).

    Returns
    -------
    numpy.ndarray
        z^t, shape (..., D_h).
    """
    return h_prev @ W_h.T + x_t @ W_e.T + b_1


@equation(
    "eq-forward-h",
    title="Hidden state",
    latex=r"h^t = \sigma(z^t)",
)
def hidden_state(z_t: Array, activation: str = "sigmoid") -> Array:
    """Hidden state at step t: the activation applied element-wise to the pre-activation.

    Parameters
    ----------
    z_t
        Pre-activation(s) z^t, shape (..., D_h).
    activation
        ``"sigmoid"`` (as in the blog post) or ``"tanh"`` (as in the RNN-theory notes).

    Returns
    -------
    numpy.ndarray
        h^t, shape (..., D_h).
    """
    return get_activation(activation).function(z_t)


@equation(
    "eq-forward-theta",
    title="Output logits",
    latex=r"\theta^t = U h^t + b_2",
)
def output_logits(U: Array, h_t: Array, b_2: Array) -> Array:
    """Output scores (logits) at step t.

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    h_t
        Hidden state(s) h^t, shape (..., D_h).
    b_2
        Output bias, shape (|V|,).

    Returns
    -------
    numpy.ndarray
        θ^t, shape (..., |V|).
    """
    return h_t @ U.T + b_2


@equation(
    "eq-softmax",
    title="Softmax output",
    latex=r"\hat{y}^t_i = \operatorname{softmax}(\theta^t)_i = \frac{e^{\theta^t_i}}{\sum_{j=1}^{|V|} e^{\theta^t_j}}",
)
def softmax(theta_t: Array) -> Array:
    """Softmax over the last axis: the predicted distribution over the vocabulary.

    Parameters
    ----------
    theta_t
        Logits θ^t, shape (..., |V|).

    Returns
    -------
    numpy.ndarray
        ŷ^t, shape (..., |V|); each row is non-negative and sums to 1.

    Notes
    -----
    Softmax is unchanged by adding a constant to every logit, so the largest logit is
    subtracted first: every exponent is then at most 0 and nothing overflows. For complex
    logits (complex-step differentiation) the shift is the largest real part: any constant
    shift leaves the softmax unchanged, and a real one keeps the function analytic.
    """
    shifted = theta_t - np.max(np.real(theta_t), axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


@equation(
    "eq-loss-step",
    title="Cross-entropy at step t",
    latex=(
        r"L^t = -\sum_{i=1}^{|V|} y^t_i \log \hat{y}^t_i"
        r" = -\theta^t_{k_t} + \log \sum_{j=1}^{|V|} e^{\theta^t_j}"
    ),
)
def step_loss(theta_t: Array, target_t: NDArray[np.integer]) -> Array:
    """Cross-entropy between the one-hot target and the softmax of the logits.

    Parameters
    ----------
    theta_t
        Logits θ^t, shape (..., |V|).
    target_t
        Index k_t of the correct entry (the 1 in the one-hot y^t), shape (...).

    Returns
    -------
    numpy.ndarray
        L^t in nats, shape (...).

    Notes
    -----
    Computed from the logits, never as ``-log(softmax(θ)[k])`` (the probability can underflow
    to 0 for very negative logits, its logarithm cannot), in one of two equal forms chosen so
    that neither cancels. With c = Σ_{j≠k} ŷ_j, the probability of every wrong entry, the loss
    is ``-log1p(-c)``; this is used when c ≤ 1/2, where ``logsumexp(θ) - θ[k]`` would round
    ``log(1 + c)`` to 0 for a confident model (c = 10⁻²⁰ gives a loss of 10⁻²⁰, not 0).
    Otherwise (loss ≥ log 2) it is ``logsumexp(θ) - θ[k]``. c is summed with the target's term
    left out, so it is exact to rounding too. The shift is the largest real part, so complex
    logits (complex-step differentiation) work too.
    """
    target = np.asarray(target_t)[..., None]
    peak = np.max(np.real(theta_t), axis=-1, keepdims=True)
    e = np.exp(theta_t - peak)
    normaliser = np.sum(e, axis=-1)
    np.put_along_axis(e, target, 0, -1)
    wrong = np.sum(e, axis=-1) / normaliser  # c = Σ_{j≠k} ŷ_j
    correct = np.take_along_axis(theta_t, target, axis=-1)[..., 0]
    return _loss_from_parts(wrong, peak[..., 0] + np.log(normaliser) - correct)


def _loss_from_parts(wrong: Array, logsumexp_form: Array) -> Array:
    """−log(1 − c) where c = Σ_{j≠k} ŷ_j ≤ 1/2 (no cancellation there), the logsumexp form elsewhere."""
    confident = np.real(wrong) <= 0.5
    return np.where(confident, -np.log1p(-np.where(confident, wrong, 0)), logsumexp_form)


@equation(
    "eq-loss-total",
    title="Sequence loss",
    latex=r"L = \sum_{t=1}^{T} L^t",
)
def total_loss(step_losses: Array) -> float:
    """Loss of a sequence (or a batch of sequences): the sum of the per-step losses.

    Parameters
    ----------
    step_losses
        L^t for every step (and every sequence of a batch), any shape.

    Returns
    -------
    float
        Their sum. Batches are summed too, not averaged, so that the gradients on the
        BPTT page are exactly the derivatives of this number.
    """
    return float(np.sum(step_losses))


@dataclass(frozen=True)
class ForwardPass:
    """Everything the forward pass computed, kept for the backward pass.

    Arrays have a leading batch axis B unless the input was a single sequence. They are views
    of time-major storage (each step's rows contiguous, which the fast path needs), so they are
    not C-contiguous; NumPy indexing and arithmetic do not care.

    Attributes
    ----------
    z
        Pre-activations z^1..z^T, shape (B, T, D_h).
    h
        Hidden states h^0..h^T, shape (B, T + 1, D_h); ``h[:, 0]`` is h^0.
    theta
        Logits θ^1..θ^T, shape (B, T, |V|).
    y_hat
        Softmax outputs ŷ^1..ŷ^T, shape (B, T, |V|).
    step_losses
        L^1..L^T, shape (B, T).
    loss
        L, summed over steps and sequences.
    """

    z: Array
    h: Array
    theta: Array
    y_hat: Array
    step_losses: Array
    loss: float


def _check_sequence_inputs(
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


def hidden_states(
    W_h: ArrayLike,
    W_e: ArrayLike,
    b_1: ArrayLike,
    xs: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Run the recurrence alone: z^t and h^t for t = 1..T (an encoder, with no output layer).

    Parameters
    ----------
    W_h, W_e, b_1
        Recurrent weights (D_h, D_h), input weights (D_h, d), hidden bias (D_h,).
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, shape (D_h,) or (B, D_h); zeros if omitted.

    Returns
    -------
    z : numpy.ndarray
        Pre-activations, shape (B, T, D_h) (or (T, D_h) for one sequence).
    h : numpy.ndarray
        Hidden states h^0..h^T, shape (B, T + 1, D_h) (or (T + 1, D_h)).
    """
    W_h = as_float_array("W_h", W_h, ndim=2)
    W_e = as_float_array("W_e", W_e, ndim=2)
    b_1 = as_float_array("b_1", b_1, ndim=1)
    sizes = check_shapes(
        [("W_h", W_h.shape, ("D_h", "D_h")), ("W_e", W_e.shape, ("D_h", "d")), ("b_1", b_1.shape, ("D_h",))]
    )
    dtype = common_dtype(W_h=W_h, W_e=W_e, b_1=b_1)
    get_activation(activation)
    xs3, h0, batched = _check_sequence_inputs(xs, h_0, sizes["D_h"], sizes["d"], dtype)
    z, h = _recurrence(W_h, W_e, b_1, xs3, h0, activation)
    return (z, h) if batched else (z[0], h[0])


def _recurrence(
    W_h: Array, W_e: Array, b_1: Array, xs: Array, h_0: Array, activation: str
) -> tuple[Array, Array]:
    """Unchecked recurrence over a batch: equations z^t and h^t for t = 1..T.

    Returns batch-major views ``(B, T, D_h)`` and ``(B, T + 1, D_h)`` of the time-major arrays
    that ``_recurrence_time_major`` fills.
    """
    z, h = _recurrence_time_major(W_h, W_e, b_1, _time_major(xs), h_0, activation)
    return z.transpose(1, 0, 2), h.transpose(1, 0, 2)


def _time_major(values: Array) -> Array:
    """(B, T, ...) → a contiguous (T, B, ...) copy, so that every step is one contiguous block."""
    return np.ascontiguousarray(np.swapaxes(values, 0, 1))


#: Activations with a NumPy ufunc that can write σ(z) straight into the hidden-state buffer. The
#: ufunc is the very function the activation module applies (``np.tanh``), so the values are equal.
_ACTIVATION_UFUNCS = {"tanh": np.tanh}


def _recurrence_time_major(
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


def forward(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> ForwardPass:
    """The whole forward pass: hidden states, logits, softmax outputs and the loss.

    Parameters
    ----------
    params
        The model's weights and biases.
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    targets
        Indices k_t of the correct outputs, shape (B, T), or (T,) for one sequence.
    activation
        ``"sigmoid"`` (as in the blog post) or ``"tanh"`` (as in the RNN-theory notes).
    h_0
        Initial hidden state, shape (D_h,) or (B, D_h); zeros if omitted.

    Returns
    -------
    ForwardPass
        Every intermediate quantity and the loss L (summed over steps and sequences).

    Raises
    ------
    ValueError, TypeError
        On a wrong shape, dtype, non-finite value, empty sequence, out-of-range target
        or unknown activation; the message names the argument. ValueError also if the
        pre-activations or the logits overflow (inf or NaN), naming which.
    """
    xs_tm, targets_tm, h0, batched = _check_forward_inputs(params, xs, targets, activation, h_0)
    return _batch_major(_forward_time_major(params, xs_tm, targets_tm, h0, activation), batched)


def _check_forward_inputs(
    params: RNNParams, xs: ArrayLike, targets: ArrayLike, activation: str, h_0: ArrayLike | None
) -> tuple[Array, NDArray[np.intp], Array, bool]:
    """Check every argument of `forward` once; return time-major xs (T, B, d), targets (T, B), h_0, batched."""
    if not isinstance(params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(params).__name__}")
    get_activation(activation)
    dims = params.dims
    xs3, h0, batched = _check_sequence_inputs(xs, h_0, dims.D_h, dims.d, params.dtype)
    targets_arr = check_targets("targets", targets, dims.V)
    expected = xs3.shape[:2] if batched else xs3.shape[1:2]
    if targets_arr.shape != expected:
        raise ValueError(f"targets: expected shape {expected} (one index per input step), got {targets_arr.shape}")
    targets2 = targets_arr if batched else targets_arr[None]
    return _time_major(xs3), np.ascontiguousarray(targets2.T), h0, batched


def _forward_time_major(
    params: RNNParams, xs: Array, targets: NDArray[np.intp], h_0: Array, activation: str
) -> ForwardPass:
    """Unchecked forward pass on time-major arrays: xs (T, B, d), targets (T, B).

    Returns a ForwardPass whose arrays are time-major: z (T, B, D_h), h (T + 1, B, D_h),
    theta and y_hat (T, B, |V|), step_losses (T, B). The logits of all steps are one product.
    """
    z, h = _recurrence_time_major(params.W_h, params.W_e, params.b_1, xs, h_0, activation)
    return _forward_from_states(params, z, h, targets)


def _forward_from_states(params: RNNParams, z: Array, h: Array, targets: NDArray[np.intp]) -> ForwardPass:
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
        losses = _loss_from_parts(wrong, peak + np.log(normaliser) - theta[targets, columns])
        y_hat /= normaliser
    return theta, y_hat, losses


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


def _batch_major(fp: ForwardPass, batched: bool) -> ForwardPass:
    """Batch-major views (B, T, ...) of a time-major ForwardPass, or the one sequence's arrays."""
    z, h, theta, y_hat = (np.swapaxes(a, 0, 1) for a in (fp.z, fp.h, fp.theta, fp.y_hat))
    losses = fp.step_losses.T
    if batched:
        return ForwardPass(z, h, theta, y_hat, losses, fp.loss)
    return ForwardPass(z[0], h[0], theta[0], y_hat[0], losses[0], fp.loss)
