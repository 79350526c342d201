"""Backpropagation through time, one function per derived equation, in derivation order.

Same conventions as [`rnn_math.rnn.forward`][rnn_math.rnn.forward]: vectors are the rows of arrays with
leading axes (batch B, time T). A function whose equation is a sum over t sums over *every*
leading axis, so the batch is summed too, matching the loss (summed over steps and sequences).

[`bptt`][rnn_math.rnn.bptt.bptt] composes them: the forward pass, then the output gradients of all
steps at once, then the hidden-state recursion from t = T down to 1, then the tied-weight sums.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.activations import get_activation
from rnn_math.rnn.backward_checks import check_finite_gradients, grad_h_0_like
from rnn_math.rnn.forward import ForwardPass, _batch_major, _check_forward_inputs, _forward_time_major
from rnn_math.rnn.params import RNNParams
from rnn_math.core.registry import equation

Array = NDArray[np.floating]


def _sum_outer(left: Array, right: Array) -> Array:
    """Σ over every leading axis of the outer products left_i right_iᵀ: (..., m), (..., n) → (m, n)."""
    return left.reshape(-1, left.shape[-1]).T @ right.reshape(-1, right.shape[-1])


def _sum_rows(values: Array) -> Array:
    """Σ over every leading axis: (..., m) → (m,)."""
    return values.reshape(-1, values.shape[-1]).sum(axis=0)


@equation(
    "eq-bptt-output-grad",
    title="Gradient at the logits",
    latex=r"\frac{\partial L}{\partial \theta^t} = \hat{y}^t - y^t",
)
def output_gradient(y_hat: Array, targets: NDArray[np.integer]) -> Array:
    """Gradient of the loss with respect to the logits: softmax output minus one-hot target.

    Parameters
    ----------
    y_hat
        Softmax outputs ŷ^t, shape (..., |V|).
    targets
        Correct indices k_t, shape (...).

    Returns
    -------
    numpy.ndarray
        ŷ^t − y^t, shape (..., |V|).

    Notes
    -----
    The target's entry ŷ_k − 1 is computed as −Σ_{j≠k} ŷ_j (equal, because ŷ sums to 1): a sum
    of non-negative terms, exact to rounding. Subtracting 1 cancels when the model is confident:
    a target probability of 1 − 10⁻²⁰ rounds to 1 and ŷ_k − 1 to 0, although the true entry is
    −10⁻²⁰ and sets the size of the whole row (and of every gradient upstream).
    """
    grad = y_hat.copy()
    index = np.asarray(targets)[..., None]
    np.put_along_axis(grad, index, 0, -1)
    np.put_along_axis(grad, index, -np.sum(grad, axis=-1, keepdims=True), -1)
    return grad


@equation(
    "eq-bptt-grad-u",
    title="Gradient of the output weights",
    latex=r"\frac{\partial L}{\partial U} = \sum_{t=1}^{T} (\hat{y}^t - y^t)\,(h^t)^\top",
)
def grad_U(output_grads: Array, h: Array) -> Array:
    """∂L/∂U: the sum over steps (and sequences) of output gradient times hidden state, transposed.

    Parameters
    ----------
    output_grads
        ŷ^t − y^t for every step, shape (..., |V|).
    h
        The hidden states h^t of the same steps (h^1..h^T, not h^0), shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (|V|, D_h), like U.
    """
    return _sum_outer(output_grads, h)


@equation(
    "eq-bptt-grad-b2",
    title="Gradient of the output bias",
    latex=r"\frac{\partial L}{\partial b_2} = \sum_{t=1}^{T} (\hat{y}^t - y^t)",
)
def grad_b_2(output_grads: Array) -> Array:
    """∂L/∂b_2: the output gradients summed over steps (and sequences).

    Parameters
    ----------
    output_grads
        ŷ^t − y^t for every step, shape (..., |V|).

    Returns
    -------
    numpy.ndarray
        Shape (|V|,), like b_2.
    """
    return _sum_rows(output_grads)


@equation(
    "eq-bptt-hidden-grad",
    title="Gradient at the hidden state",
    latex=(
        r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t) + W_h^\top \delta^{t+1},"
        r"\qquad \delta^{T+1} = 0"
    ),
)
def hidden_gradient(U: Array, output_grad_t: Array, W_h: Array, delta_next: Array) -> Array:
    """∂L/∂h^t: what reaches h^t from the output at step t and from step t + 1.

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    output_grad_t
        ŷ^t − y^t, shape (..., |V|).
    W_h
        Recurrent weights, shape (D_h, D_h).
    delta_next
        δ^{t+1}, shape (..., D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂h^t, shape (..., D_h).
    """
    return output_grad_t @ U + delta_next @ W_h


@equation(
    "eq-bptt-delta",
    title="Error at the pre-activation",
    latex=r"\delta^t = \frac{\partial L}{\partial z^t} = \frac{\partial L}{\partial h^t} \odot \sigma'(z^t)",
)
def delta(grad_h_t: Array, z_t: Array, activation: str = "sigmoid") -> Array:
    """δ^t: the hidden-state gradient times the activation's slope at the pre-activation.

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    z_t
        The pre-activation z^t (σ' is taken at z^t, not at h^t), shape (..., D_h).
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        δ^t, shape (..., D_h).
    """
    return grad_h_t * get_activation(activation).derivative(z_t)


@equation(
    "eq-bptt-grad-wh",
    title="Gradient of the recurrent weights",
    latex=r"\frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} \delta^t\,(h^{t-1})^\top",
)
def grad_W_h(deltas: Array, h_prev: Array) -> Array:
    """∂L/∂W_h: δ^t times the *previous* hidden state, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., D_h).
    h_prev
        h^0..h^{T-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h), like W_h.
    """
    return _sum_outer(deltas, h_prev)


@equation(
    "eq-bptt-grad-we",
    title="Gradient of the input weights",
    latex=r"\frac{\partial L}{\partial W_e} = \sum_{t=1}^{T} \delta^t\,(x^t)^\top",
)
def grad_W_e(deltas: Array, xs: Array) -> Array:
    """∂L/∂W_e: δ^t times the input x^t, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., D_h).
    xs
        x^1..x^T, shape (..., d).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, d), like W_e.
    """
    return _sum_outer(deltas, xs)


@equation(
    "eq-bptt-grad-b1",
    title="Gradient of the hidden bias",
    latex=r"\frac{\partial L}{\partial b_1} = \sum_{t=1}^{T} \delta^t",
)
def grad_b_1(deltas: Array) -> Array:
    """∂L/∂b_1: the δ^t summed over steps (and sequences).

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,), like b_1.
    """
    return _sum_rows(deltas)


@equation(
    "eq-bptt-grad-h0",
    title="Gradient of the initial state",
    latex=r"\frac{\partial L}{\partial h^0} = W_h^\top \delta^1",
)
def grad_h_0(W_h: Array, delta_1: Array) -> Array:
    """∂L/∂h^0: the first step's δ carried back through the recurrent weights.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    delta_1
        δ^1, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h), like h^0.
    """
    return delta_1 @ W_h


@equation(
    "eq-bptt-grad-x",
    title="Gradient of the inputs",
    latex=r"\frac{\partial L}{\partial x^t} = W_e^\top \delta^t",
)
def grad_x(W_e: Array, deltas: Array) -> Array:
    """∂L/∂x^t: what an embedding layer below the RNN receives at step t.

    Parameters
    ----------
    W_e
        Input weights, shape (D_h, d).
    deltas
        δ^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., d), like x^t.
    """
    return deltas @ W_e


@dataclass(frozen=True)
class RNNGrads:
    """Gradients of the loss with respect to each parameter, each shaped like its parameter."""

    grad_W_h: Array
    grad_W_e: Array
    grad_b_1: Array
    grad_U: Array
    grad_b_2: Array

    def as_dict(self) -> dict[str, Array]:
        """Gradients keyed by *parameter* name (``"W_h"``, …), to pair with ``RNNParams.as_dict()``."""
        return {f.name.removeprefix("grad_"): getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class BPTTResult:
    """The loss, every gradient, and the intermediates that produced them.

    Attributes
    ----------
    loss
        L, summed over steps and sequences.
    grads
        ∂L/∂W_h, ∂L/∂W_e, ∂L/∂b_1, ∂L/∂U, ∂L/∂b_2.
    grad_h_0
        ∂L/∂h^0, shaped like the h_0 that was passed: (D_h,) for one state shared by the whole
        batch (its gradient is summed over the sequences, as in PyTorch and JAX), (B, D_h) for
        one state per sequence. Without an h_0 (zeros), (B, D_h) for a batch and (D_h,) for one
        sequence.
    grad_xs
        ∂L/∂x^t for every step, shape (B, T, d) (or (T, d)).
    deltas
        δ^1..δ^T, shape (B, T, D_h) (or (T, D_h)).
    output_grads
        ŷ^t − y^t, shape (B, T, |V|) (or (T, |V|)).
    forward
        The forward pass the gradients belong to.
    """

    loss: float
    grads: RNNGrads
    grad_h_0: Array
    grad_xs: Array
    deltas: Array
    output_grads: Array
    forward: ForwardPass


def bptt(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> BPTTResult:
    """Loss and all gradients of a vanilla RNN by backpropagation through time.

    Parameters
    ----------
    params
        The model's weights and biases.
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    targets
        Indices k_t of the correct outputs, shape (B, T), or (T,) for one sequence.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, shape (D_h,) (shared by every sequence) or (B, D_h); zeros if
        omitted. ``grad_h_0`` has the shape of this argument (see
        [`BPTTResult`][rnn_math.rnn.bptt.BPTTResult]).

    Returns
    -------
    BPTTResult
        The loss (summed over steps and sequences) and its gradients.

    Raises
    ------
    ValueError, TypeError
        On bad input, as [`forward`][rnn_math.rnn.forward.forward] reports it; ValueError also if
        the loss or a gradient overflows (is not finite), naming what overflowed.

    Notes
    -----
    Exact to rounding in saturation and at extreme logits: the slopes σ'(z^t) come from the
    pre-activations through the activation module's derivative (never from h^t, where
    1 − h² and h(1 − h) cancel), and the target's entry of ŷ^t − y^t is −Σ_{j≠k} ŷ^t_j
    (see [`output_gradient`][rnn_math.rnn.bptt.output_gradient]).
    """
    xs_tm, targets_tm, h0, batched = _check_forward_inputs(params, xs, targets, activation, h_0)
    fp = _forward_time_major(params, xs_tm, targets_tm, h0, activation)
    deltas, output_grads = _backward_time_major(params, fp, targets_tm, activation)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        grads, g_h0, g_xs = _gradient_sums(params, fp, deltas, output_grads, xs_tm)
    check_finite_gradients(grads.as_dict())
    g_xs, deltas, output_grads = (np.swapaxes(a, 0, 1) for a in (g_xs, deltas, output_grads))
    g_h0 = grad_h_0_like(g_h0, h_0, batched)
    if not batched:
        g_xs, deltas, output_grads = g_xs[0], deltas[0], output_grads[0]
    return BPTTResult(fp.loss, grads, g_h0, g_xs, deltas, output_grads, _batch_major(fp, batched))


def _gradient_sums(
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


def _backward_time_major(
    params: RNNParams, fp: ForwardPass, targets: NDArray[np.intp], activation: str
) -> tuple[Array, Array]:
    """δ^t and ŷ^t − y^t for every step, on the time-major arrays of `_forward_time_major`.

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
