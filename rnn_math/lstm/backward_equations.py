"""Backpropagation through time in an LSTM: its gradient equations, in derivation order.

Same conventions as [`rnn_math.rnn.backward_equations`][rnn_math.rnn.backward_equations]: vectors
are rows with leading axes, and an equation that sums over t sums over every leading axis (steps
and sequences). The gradient at the logits and the output layer's gradients are the vanilla RNN's
equations; [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients] composes them with these.

Every slope is taken from a pre-activation (or, for the cell's tanh, from c^t) with the accurate
forms of [`rnn_math.core.activations`][rnn_math.core.activations], never as 1 − tanh² or s(1 − s)
of a stored output, so the gradients stay exact to rounding in saturation.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.activations import sigmoid_derivative, tanh, tanh_derivative
from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array
from rnn_math.lstm.params import GATE_ORDER
from rnn_math.lstm.results import LSTMStep


@equation(
    "eq-lstm-hidden-grad",
    title="Gradient at the LSTM's hidden state",
    latex=(
        r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t) + W_{hh}^\top \delta^{t+1},"
        r"\qquad \delta^{T+1} = 0"
    ),
)
def hidden_gradient(U: Array, output_grad_t: Array, W_hh: Array, delta_next: Array) -> Array:
    """∂L/∂h^t: from the output at step t, and from all four gates of step t + 1.

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    output_grad_t
        ŷ^t − y^t, shape (..., |V|).
    W_hh
        Stacked recurrent weights, shape (4 D_h, D_h).
    delta_next
        δ^{t+1} = ∂L/∂a^{t+1}, shape (..., 4 D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂h^t, shape (..., D_h).
    """
    return output_grad_t @ U + delta_next @ W_hh


@equation(
    "eq-lstm-output-gate-grad",
    title="Error at the output gate",
    latex=(
        r"\delta_o^t = \frac{\partial L}{\partial a_o^t}"
        r" = \frac{\partial L}{\partial h^t} \odot \tanh(c^t) \odot \operatorname{sigmoid}'(a_o^t)"
    ),
)
def output_gate_delta(grad_h_t: Array, step: LSTMStep) -> Array:
    """δ_o^t: what reaches the output gate's pre-activation through h^t = o^t ⊙ tanh(c^t).

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    step
        Step t's forward quantities; reads ``c`` and ``a_o``.

    Returns
    -------
    numpy.ndarray
        δ_o^t, shape (..., D_h).
    """
    return grad_h_t * tanh(step.c) * sigmoid_derivative(step.a_o)


@equation(
    "eq-lstm-cell-grad",
    title="Gradient at the cell state",
    latex=(
        r"\frac{\partial L}{\partial c^t} = \frac{\partial L}{\partial h^t} \odot o^t \odot \tanh'(c^t)"
        r" + f^{t+1} \odot \frac{\partial L}{\partial c^{t+1}},"
        r"\qquad \frac{\partial L}{\partial c^{T+1}} = 0"
    ),
)
def cell_gradient(grad_h_t: Array, step: LSTMStep, f_next: Array, grad_c_next: Array) -> Array:
    """∂L/∂c^t: through h^t at this step, and along the cell path through the next forget gate.

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    step
        Step t's forward quantities; reads ``o`` and ``c`` (tanh' is taken at c^t, from c^t).
    f_next
        f^{t+1}, shape (..., D_h); anything finite at the last step, where `grad_c_next` is 0.
    grad_c_next
        ∂L/∂c^{t+1}, shape (..., D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂c^t, shape (..., D_h).
    """
    return grad_h_t * step.o * tanh_derivative(step.c) + f_next * grad_c_next


@equation(
    "eq-lstm-forget-gate-grad",
    title="Error at the forget gate",
    latex=(
        r"\delta_f^t = \frac{\partial L}{\partial a_f^t}"
        r" = \frac{\partial L}{\partial c^t} \odot c^{t-1} \odot \operatorname{sigmoid}'(a_f^t)"
    ),
)
def forget_gate_delta(grad_c_t: Array, step: LSTMStep) -> Array:
    """δ_f^t: the forget gate multiplies the *previous* cell state.

    Parameters
    ----------
    grad_c_t
        ∂L/∂c^t, shape (..., D_h).
    step
        Step t's forward quantities; reads ``c_prev`` and ``a_f``.

    Returns
    -------
    numpy.ndarray
        δ_f^t, shape (..., D_h).
    """
    return grad_c_t * step.c_prev * sigmoid_derivative(step.a_f)


@equation(
    "eq-lstm-input-gate-grad",
    title="Error at the input gate",
    latex=(
        r"\delta_i^t = \frac{\partial L}{\partial a_i^t}"
        r" = \frac{\partial L}{\partial c^t} \odot g^t \odot \operatorname{sigmoid}'(a_i^t)"
    ),
)
def input_gate_delta(grad_c_t: Array, step: LSTMStep) -> Array:
    """δ_i^t: the input gate multiplies the candidate.

    Parameters
    ----------
    grad_c_t
        ∂L/∂c^t, shape (..., D_h).
    step
        Step t's forward quantities; reads ``g`` and ``a_i``.

    Returns
    -------
    numpy.ndarray
        δ_i^t, shape (..., D_h).
    """
    return grad_c_t * step.g * sigmoid_derivative(step.a_i)


@equation(
    "eq-lstm-candidate-grad",
    title="Error at the candidate",
    latex=(
        r"\delta_g^t = \frac{\partial L}{\partial a_g^t}"
        r" = \frac{\partial L}{\partial c^t} \odot i^t \odot \tanh'(a_g^t)"
    ),
)
def candidate_delta(grad_c_t: Array, step: LSTMStep) -> Array:
    """δ_g^t: the candidate is multiplied by the input gate; tanh' is taken at its pre-activation.

    Parameters
    ----------
    grad_c_t
        ∂L/∂c^t, shape (..., D_h).
    step
        Step t's forward quantities; reads ``i`` and ``a_g``.

    Returns
    -------
    numpy.ndarray
        δ_g^t, shape (..., D_h).
    """
    return grad_c_t * step.i * tanh_derivative(step.a_g)


@equation(
    "eq-lstm-gate-stack",
    title="The stacked error, in the order i, f, g, o",
    latex=(
        r"\delta^t = \frac{\partial L}{\partial a^t}"
        r" = \begin{bmatrix} \delta_i^t \\ \delta_f^t \\ \delta_g^t \\ \delta_o^t \end{bmatrix}"
    ),
)
def stack_gate_deltas(delta_i: Array, delta_f: Array, delta_g: Array, delta_o: Array) -> Array:
    """δ^t: the four gates' errors stacked in the order of the stacked weights' rows (i, f, g, o).

    Parameters
    ----------
    delta_i, delta_f, delta_g, delta_o
        δ_i^t, δ_f^t, δ_g^t, δ_o^t, each shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ^t, shape (..., 4 D_h).
    """
    blocks = {"i": delta_i, "f": delta_f, "g": delta_g, "o": delta_o}
    return np.concatenate([blocks[gate] for gate in GATE_ORDER], axis=-1)


@equation(
    "eq-lstm-grad-whh",
    title="Gradient of the stacked recurrent weights",
    latex=r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta^t\,(h^{t-1})^\top",
)
def grad_W_hh(deltas: Array, h_prev: Array) -> Array:
    """∂L/∂W_hh: δ^t times the previous hidden state, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., 4 D_h).
    h_prev
        h^0..h^{T-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (4 D_h, D_h), like W_hh.
    """
    return sum_outer(deltas, h_prev)


@equation(
    "eq-lstm-grad-wih",
    title="Gradient of the stacked input weights",
    latex=r"\frac{\partial L}{\partial W_{ih}} = \sum_{t=1}^{T} \delta^t\,(x^t)^\top",
)
def grad_W_ih(deltas: Array, xs: Array) -> Array:
    """∂L/∂W_ih: δ^t times the input x^t, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., 4 D_h).
    xs
        x^1..x^T, shape (..., d).

    Returns
    -------
    numpy.ndarray
        Shape (4 D_h, d), like W_ih.
    """
    return sum_outer(deltas, xs)


@equation(
    "eq-lstm-grad-biases",
    title="Gradient of both biases",
    latex=r"\frac{\partial L}{\partial b_{ih}} = \frac{\partial L}{\partial b_{hh}} = \sum_{t=1}^{T} \delta^t",
)
def grad_biases(deltas: Array) -> Array:
    """∂L/∂b_ih, which equals ∂L/∂b_hh: only their sum enters a^t.

    Parameters
    ----------
    deltas
        δ^1..δ^T, shape (..., 4 D_h).

    Returns
    -------
    numpy.ndarray
        Shape (4 D_h,), like each bias.
    """
    return sum_rows(deltas)


@equation(
    "eq-lstm-grad-h0",
    title="Gradient of the LSTM's initial hidden state",
    latex=r"\frac{\partial L}{\partial h^0} = W_{hh}^\top \delta^1",
)
def grad_h_0(W_hh: Array, delta_1: Array) -> Array:
    """∂L/∂h^0: the first step's stacked error carried back through the recurrent weights.

    Parameters
    ----------
    W_hh
        Stacked recurrent weights, shape (4 D_h, D_h).
    delta_1
        δ^1, shape (..., 4 D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h), like h^0.
    """
    return delta_1 @ W_hh


@equation(
    "eq-lstm-grad-c0",
    title="Gradient of the initial cell state",
    latex=r"\frac{\partial L}{\partial c^0} = f^1 \odot \frac{\partial L}{\partial c^1}",
)
def grad_c_0(f_1: Array, grad_c_1: Array) -> Array:
    """∂L/∂c^0: c^0 reaches the loss only through c^1 = f^1 ⊙ c^0 + i^1 ⊙ g^1.

    Parameters
    ----------
    f_1
        The first forget gate f^1, shape (..., D_h).
    grad_c_1
        ∂L/∂c^1, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h), like c^0.
    """
    return f_1 * grad_c_1


@equation(
    "eq-lstm-grad-x",
    title="Gradient of the LSTM's inputs",
    latex=r"\frac{\partial L}{\partial x^t} = W_{ih}^\top \delta^t",
)
def grad_x(W_ih: Array, deltas: Array) -> Array:
    """∂L/∂x^t: what an embedding layer below the LSTM receives at step t.

    Parameters
    ----------
    W_ih
        Stacked input weights, shape (4 D_h, d).
    deltas
        δ^t, shape (..., 4 D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., d), like x^t.
    """
    return deltas @ W_ih
