"""Truncated backpropagation through time with k steps, and the objective it is the gradient of.

Full BPTT sends the error of every loss term L^t back to step 1. Truncated BPTT with k steps
sends it back k steps only: L^t reaches z^t, …, z^{t−k+1} and stops. This is exactly the
gradient of an objective in which, for each t, the state h^{t−k} entering L^t's chain is a
constant (a "stop-gradient" copy of its forward value):

    L̃_k(θ) = Σ_t L^t( Φ^θ_{s_t→t}( sg[h^{s_t}] ) ),   s_t = max(t − k, 0),

where Φ^θ_{s→t} runs the recurrence from step s to step t with parameters θ. At the current
parameters L̃_k equals L; its gradient does not.

Because the parameter gradients are linear in the pre-activation errors, the only change from
full BPTT is the error itself: [`truncated_deltas`][rnn_math.rnn.truncated.truncated_deltas] sums
∂L^t/∂z^s over the k losses t = s..s+k−1 instead of all t ≥ s, and the gradient equations of
[`rnn_math.rnn.bptt`][rnn_math.rnn.bptt] are then applied unchanged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_targets
from rnn_math.rnn.backward_checks import check_finite_gradients, grad_h_0_like
from rnn_math.rnn.bptt import (
    BPTTResult,
    RNNGrads,
    delta,
    grad_b_1,
    grad_b_2,
    grad_h_0,
    grad_U,
    grad_W_e,
    grad_W_h,
    grad_x,
    hidden_gradient,
    output_gradient,
)
from rnn_math.rnn.forward import forward, hidden_states, output_logits, step_loss
from rnn_math.rnn.params import RNNParams


def check_truncation(k: object) -> int:
    """Return the truncation length k after checking that it is a positive integer.

    Raises
    ------
    TypeError
        If `k` is not an integer (booleans included).
    ValueError
        If `k` is below 1 (k = 0 would send no error back at all, not even to z^t).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k: expected a positive integer number of steps, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k: expected a positive integer number of steps, got {k}")
    return int(k)


@equation(
    "eq-truncated-objective",
    title="The objective of truncated BPTT",
    latex=(
        r"\tilde{L}_k(\theta) = \sum_{t=1}^{T}"
        r" L^t\Bigl(\Phi^{\theta}_{s_t \to t}\bigl(\operatorname{sg}[h^{s_t}]\bigr)\Bigr),"
        r"\qquad s_t = \max(t - k,\, 0)"
    ),
)
def truncated_objective(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    k: int,
    frozen_h: ArrayLike,
    *,
    activation: str = "sigmoid",
) -> float:
    """L̃_k at `params`, with the hidden states where the gradient stops held at `frozen_h`.

    Parameters
    ----------
    params
        The parameters θ at which the objective is evaluated.
    xs
        Inputs x^1..x^T, shape (B, T, d) or (T, d).
    targets
        Correct indices, shape (B, T) or (T,).
    k
        Truncation length, a positive integer.
    frozen_h
        The stop-gradient values sg[h^0..h^T], shape (B, T + 1, D_h) or (T + 1, D_h): the hidden
        states of the forward pass at the parameters where the gradient is taken. Entry 0 is h^0.
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    float
        Σ_t L^t, each term computed by restarting the recurrence at step max(t − k, 0) from the
        frozen state. With `frozen_h` from a forward pass at `params` itself this equals L.
    """
    k = check_truncation(k)
    xs = as_float_array("xs", xs, ndim=(2, 3))
    frozen_h = as_float_array("frozen_h", frozen_h, ndim=xs.ndim)
    # Integer indices in range, one per input step: a -1 or a float would otherwise index silently.
    targets = check_targets("targets", targets, params.dims.V)
    if targets.shape != xs.shape[:-1]:
        raise ValueError(f"targets: expected shape {xs.shape[:-1]} (one index per input step), got {targets.shape}")
    T = xs.shape[-2]
    check_shapes([("frozen_h", frozen_h.shape[-2:], (T + 1, params.dims.D_h))])
    total = 0.0
    for t in range(1, T + 1):
        s = max(t - k, 0)
        _, h = hidden_states(
            params.W_h, params.W_e, params.b_1, xs[..., s:t, :], activation=activation, h_0=frozen_h[..., s, :]
        )
        theta_t = output_logits(params.U, h[..., -1, :], params.b_2)
        total += float(np.sum(step_loss(theta_t, targets[..., t - 1])))
    return total


@equation(
    "eq-truncated-delta",
    title="Error at the pre-activation, truncated to k steps",
    latex=(
        r"\bar{\delta}^{s}_{k} = \sum_{t=s}^{\min(s+k-1,\,T)} \frac{\partial L^t}{\partial z^s}"
        r"\qquad\text{(full BPTT: } \delta^s = \textstyle\sum_{t=s}^{T} \frac{\partial L^t}{\partial z^s}\text{)}"
    ),
)
def truncated_deltas(U: Array, W_h: Array, output_grads: Array, z: Array, k: int, activation: str = "sigmoid") -> Array:
    """δ̄^s_k for every step s: the errors of the k losses L^s..L^{s+k−1} at z^s, summed.

    Built from [`hidden_gradient`][rnn_math.rnn.backward_equations.hidden_gradient] and
    [`delta`][rnn_math.rnn.backward_equations.delta], one lag at a time: at lag ℓ, ∂L^{s+ℓ}/∂z^s is computed for
    every s at once from ∂L^{s+ℓ}/∂z^{s+1} (lag ℓ − 1), so the cost is k vectorised steps.

    Parameters
    ----------
    U, W_h
        Output and recurrent weights.
    output_grads
        ŷ^t − y^t for every step, shape (..., T, |V|).
    z
        Pre-activations z^1..z^T, shape (..., T, D_h).
    k
        Truncation length, a positive integer; k >= T gives full BPTT's δ.
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        δ̄^1..δ̄^T, shape (..., T, D_h).
    """
    k = check_truncation(k)
    T = z.shape[-2]
    no_output = np.zeros_like(output_grads[..., :1, :])
    zero_next = np.zeros_like(z)
    # Lag 0: ∂L^s/∂z^s, what reaches z^s from its own output.
    lagged = delta(hidden_gradient(U, output_grads, W_h, zero_next), z, activation)
    total = lagged.copy()
    for lag in range(1, min(k, T)):
        # ∂L^{s+lag}/∂z^s for s = 1..T−lag, from ∂L^{s+lag}/∂z^{s+1} one step later.
        grad_h = hidden_gradient(U, no_output, W_h, lagged[..., 1:, :])
        lagged = delta(grad_h, z[..., : T - lag, :], activation)
        total[..., : T - lag, :] += lagged
    return total


def truncated_bptt(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    k: int,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> BPTTResult:
    """Loss and gradients of truncated BPTT with k steps: the exact gradient of L̃_k.

    Parameters
    ----------
    params
        The model's weights and biases.
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    targets
        Indices k_t of the correct outputs, shape (B, T), or (T,) for one sequence.
    k
        Truncation length: the error of L^t reaches z^t..z^{t−k+1}. k >= T is full BPTT.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, shape (D_h,) (shared by every sequence) or (B, D_h); zeros if
        omitted. ``grad_h_0`` has the shape of this argument, as in
        [`bptt`][rnn_math.rnn.bptt.bptt].

    Returns
    -------
    BPTTResult
        The loss L (the full loss: L̃_k equals it at these parameters), the gradients of L̃_k,
        and in ``deltas`` the truncated errors δ̄^s_k. ∂/∂U and ∂/∂b_2 are those of full BPTT:
        they do not travel through time.

    Raises
    ------
    ValueError, TypeError
        On bad input, as [`forward`][rnn_math.rnn.forward.forward] reports it, or a k that is not a
        positive integer; ValueError also if the loss or a gradient overflows.
    """
    k = check_truncation(k)
    fp = forward(params, xs, targets, activation=activation, h_0=h_0)
    xs_arr, targets_arr = np.asarray(xs), np.asarray(targets)
    output_grads = output_gradient(fp.y_hat, targets_arr)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        deltas = truncated_deltas(params.U, params.W_h, output_grads, fp.z, k, activation)
        grads = RNNGrads(
            grad_W_h=grad_W_h(deltas, fp.h[..., :-1, :]),
            grad_W_e=grad_W_e(deltas, xs_arr),
            grad_b_1=grad_b_1(deltas),
            grad_U=grad_U(output_grads, fp.h[..., 1:, :]),
            grad_b_2=grad_b_2(output_grads),
        )
    check_finite_gradients(grads.as_dict())
    batched = xs_arr.ndim == 3
    first = deltas[:, 0] if batched else deltas[None, 0]  # δ̄^1 of each sequence, (B, D_h)
    g_h0 = grad_h_0_like(grad_h_0(params.W_h, first), h_0, batched)
    return BPTTResult(fp.loss, grads, g_h0, grad_x(params.W_e, deltas), deltas, output_grads, fp)
