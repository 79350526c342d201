"""The backward equations that change when the reset gate acts before the product (Cho et al., 2014).

With a_n^t = W_in x^t + b_in + W_hn (r^t ⊙ h^{t-1}) + b_hn (the candidate of
[`cho_candidate`][rnn_math.gru.forward_equations.cho_candidate]) four gradients change; every other
equation of [`rnn_math.gru.backward_equations`][rnn_math.gru.backward_equations] holds as it is.
"""

from __future__ import annotations

from rnn_math.core.activations import sigmoid_derivative
from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array


@equation(
    "eq-gru-cho-delta-r",
    title="GRU (reset before the product): error at the reset gate",
    latex=r"\delta_r^t = \left(W_{hn}^\top \delta_n^t\right) \odot h^{t-1} \odot \sigma'(a_r^t)",
)
def cho_delta_r(delta_n_t: Array, W_hn: Array, h_prev: Array, a_r_t: Array) -> Array:
    """δ_r^t when r^t scales h^{t-1}: the error reaching r^t ⊙ h^{t-1} is W_hnᵀ δ_n^t.

    Parameters
    ----------
    delta_n_t
        δ_n^t, shape (..., D_h).
    W_hn
        The candidate's recurrent weights, shape (D_h, D_h).
    h_prev
        h^{t-1}, shape (..., D_h).
    a_r_t
        The reset gate's pre-activation a_r^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ_r^t, shape (..., D_h).
    """
    return (delta_n_t @ W_hn) * h_prev * sigmoid_derivative(a_r_t)


@equation(
    "eq-gru-cho-carry",
    title="GRU (reset before the product): what step t sends back",
    latex=(
        r"\gamma^t = z^t \odot \frac{\partial L}{\partial h^t} + W_{hz}^\top \delta_z^t + W_{hr}^\top \delta_r^t"
        r" + r^t \odot \left(W_{hn}^\top \delta_n^t\right)"
    ),
)
def cho_carry(
    grad_h_t: Array,
    z_t: Array,
    W_hz: Array,
    delta_z_t: Array,
    W_hr: Array,
    delta_r_t: Array,
    W_hn: Array,
    r_t: Array,
    delta_n_t: Array,
) -> Array:
    """γ^t when r^t scales h^{t-1}: the candidate's path multiplies by W_hnᵀ first, then by r^t.

    Parameters
    ----------
    grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t
        As for [`carry`][rnn_math.gru.backward_equations.carry].

    Returns
    -------
    numpy.ndarray
        γ^t, shape (..., D_h); at t = 1 this is ∂L/∂h^0.
    """
    return z_t * grad_h_t + delta_z_t @ W_hz + delta_r_t @ W_hr + r_t * (delta_n_t @ W_hn)


@equation(
    "eq-gru-cho-grad-whn",
    title="GRU (reset before the product): gradient of the candidate's recurrent weights",
    latex=r"\frac{\partial L}{\partial W_{hn}} = \sum_{t=1}^{T} \delta_n^t \left(r^t \odot h^{t-1}\right)^\top",
)
def cho_grad_W_hn(r: Array, deltas_n: Array, h_prev: Array) -> Array:
    """∂L/∂W_hn when W_hn multiplies r^t ⊙ h^{t-1}: the reset state is the input of the product.

    Parameters
    ----------
    r
        r^1..r^T, shape (..., D_h).
    deltas_n
        δ_n^1..δ_n^T, shape (..., D_h).
    h_prev
        h^0..h^{T-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h).
    """
    return sum_outer(deltas_n, r * h_prev)


@equation(
    "eq-gru-cho-grad-bhn",
    title="GRU (reset before the product): gradient of the candidate's recurrent bias",
    latex=r"\frac{\partial L}{\partial b_{hn}} = \sum_{t=1}^{T} \delta_n^t",
)
def cho_grad_b_hn(r: Array, deltas_n: Array) -> Array:
    """∂L/∂b_hn when b_hn is added outside the reset gate's reach: the same as ∂L/∂b_in.

    Parameters
    ----------
    r
        r^1..r^T (unused: the signature is that of [`grad_b_hn`][rnn_math.gru.backward_equations.grad_b_hn]).
    deltas_n
        δ_n^1..δ_n^T, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,).
    """
    return sum_rows(deltas_n)
