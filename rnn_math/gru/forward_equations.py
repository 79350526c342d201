"""The forward equations of a GRU step, one function per equation: PyTorch's form and the variant of Cho et al. (2014).

Conventions as in [`rnn_math.rnn.forward_equations`][rnn_math.rnn.forward_equations]: the page
writes column vectors (``a_r^t = W_ir x^t + ...``), the code stores vectors as the rows of arrays
with any leading axes, so the same equation reads ``x_t @ W_ir.T + ...``.

The gates always use the sigmoid σ; the candidate's activation is tanh (the name is a parameter
so that the same function serves a proof with another activation). Each gate equation returns
its pre-activation too: the backward pass takes every slope at the pre-activation.

These functions do no input checking (they run inside loops); the entry point
[`gru_forward`][rnn_math.gru.passes.gru_forward] checks every argument once.
"""

from __future__ import annotations

from rnn_math.core.activations import get_activation, sigmoid
from rnn_math.core.registry import equation
from rnn_math.core.types import Array


@equation(
    "eq-gru-reset",
    title="Reset gate",
    latex=r"r^t = \sigma(a_r^t), \qquad a_r^t = W_{ir} x^t + b_{ir} + W_{hr} h^{t-1} + b_{hr}",
)
def reset_gate(W_ir: Array, x_t: Array, b_ir: Array, W_hr: Array, h_prev: Array, b_hr: Array) -> tuple[Array, Array]:
    """The reset gate at step t and its pre-activation.

    Parameters
    ----------
    W_ir, b_ir
        Input weights (D_h, d) and input-side bias (D_h,) of the reset gate.
    x_t
        Input(s) x^t, shape (..., d).
    W_hr, b_hr
        Recurrent weights (D_h, D_h) and recurrent-side bias (D_h,) of the reset gate.
    h_prev
        h^{t-1}, shape (..., D_h).

    Returns
    -------
    (a_r, r)
        The pre-activation a_r^t and the gate r^t = σ(a_r^t), each of shape (..., D_h).
    """
    a_r = x_t @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr
    return a_r, sigmoid(a_r)


@equation(
    "eq-gru-update",
    title="Update gate",
    latex=r"z^t = \sigma(a_z^t), \qquad a_z^t = W_{iz} x^t + b_{iz} + W_{hz} h^{t-1} + b_{hz}",
)
def update_gate(W_iz: Array, x_t: Array, b_iz: Array, W_hz: Array, h_prev: Array, b_hz: Array) -> tuple[Array, Array]:
    """The update gate at step t and its pre-activation.

    Parameters
    ----------
    W_iz, b_iz
        Input weights (D_h, d) and input-side bias (D_h,) of the update gate.
    x_t
        Input(s) x^t, shape (..., d).
    W_hz, b_hz
        Recurrent weights (D_h, D_h) and recurrent-side bias (D_h,) of the update gate.
    h_prev
        h^{t-1}, shape (..., D_h).

    Returns
    -------
    (a_z, z)
        The pre-activation a_z^t and the gate z^t = σ(a_z^t), each of shape (..., D_h).
    """
    a_z = x_t @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz
    return a_z, sigmoid(a_z)


@equation(
    "eq-gru-candidate",
    title="Candidate state (reset after the product)",
    latex=(
        r"n^t = \tanh(a_n^t), \qquad"
        r" a_n^t = W_{in} x^t + b_{in} + r^t \odot \left(W_{hn} h^{t-1} + b_{hn}\right)"
    ),
)
def candidate(
    W_in: Array, x_t: Array, b_in: Array, r_t: Array, W_hn: Array, h_prev: Array, b_hn: Array, activation: str = "tanh"
) -> tuple[Array, Array]:
    """The candidate state as PyTorch computes it: the reset gate multiplies W_hn h^{t-1} + b_hn.

    Parameters
    ----------
    W_in, b_in
        Input weights (D_h, d) and input-side bias (D_h,) of the candidate.
    x_t
        Input(s) x^t, shape (..., d).
    r_t
        The reset gate r^t, shape (..., D_h).
    W_hn, b_hn
        Recurrent weights (D_h, D_h) and recurrent-side bias (D_h,) of the candidate.
    h_prev
        h^{t-1}, shape (..., D_h).
    activation
        The candidate's activation, ``"tanh"``.

    Returns
    -------
    (a_n, n)
        The pre-activation a_n^t and the candidate n^t, each of shape (..., D_h).
    """
    a_n = x_t @ W_in.T + b_in + r_t * (h_prev @ W_hn.T + b_hn)
    return a_n, get_activation(activation).function(a_n)


@equation(
    "eq-gru-cho-candidate",
    title="Candidate state (reset before the product)",
    latex=(
        r"n^t = \tanh(a_n^t), \qquad"
        r" a_n^t = W_{in} x^t + b_{in} + W_{hn} \left(r^t \odot h^{t-1}\right) + b_{hn}"
    ),
)
def cho_candidate(
    W_in: Array, x_t: Array, b_in: Array, r_t: Array, W_hn: Array, h_prev: Array, b_hn: Array, activation: str = "tanh"
) -> tuple[Array, Array]:
    """The candidate state of Cho et al. (2014): the reset gate multiplies h^{t-1} before W_hn does.

    Parameters
    ----------
    W_in, x_t, b_in, r_t, W_hn, h_prev, b_hn, activation
        As for [`candidate`][rnn_math.gru.forward_equations.candidate].

    Returns
    -------
    (a_n, n)
        The pre-activation a_n^t and the candidate n^t, each of shape (..., D_h).
    """
    a_n = x_t @ W_in.T + b_in + (r_t * h_prev) @ W_hn.T + b_hn
    return a_n, get_activation(activation).function(a_n)


@equation(
    "eq-gru-state",
    title="GRU hidden state",
    latex=r"h^t = (1 - z^t) \odot n^t + z^t \odot h^{t-1}",
)
def new_state(z_t: Array, n_t: Array, h_prev: Array) -> Array:
    """The new hidden state: the update gate keeps z^t of the old state and takes 1 − z^t of the candidate.

    Parameters
    ----------
    z_t
        The update gate z^t, shape (..., D_h).
    n_t
        The candidate n^t, shape (..., D_h).
    h_prev
        h^{t-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        h^t, shape (..., D_h).
    """
    return (1 - z_t) * n_t + z_t * h_prev
