"""Backpropagation through time: the gradient equations of a vanilla RNN, in derivation order.

Same conventions as [`rnn_math.rnn.forward_equations`][rnn_math.rnn.forward_equations]: vectors are
the rows of arrays with leading axes (batch B, time T). A function whose equation is a sum over t
sums over *every* leading axis, so the batch is summed too, matching the loss (summed over steps
and sequences). [`bptt`][rnn_math.rnn.bptt.bptt] composes them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rnn_math.core.activations import get_activation
from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array


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
    return sum_outer(output_grads, h)


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
    return sum_rows(output_grads)


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
    return sum_outer(deltas, h_prev)


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
    return sum_outer(deltas, xs)


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
    return sum_rows(deltas)


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
