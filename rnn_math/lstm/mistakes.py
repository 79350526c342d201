"""The LSTM's catalogue of mistakes: plausible wrong versions of its equations.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] here is an error that is easy to make when
deriving or coding LSTM backpropagation by hand, with a wrong NumPy function (substituted into
[`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients]) and a wrong SymPy twin (substituted into
[`closed_form_gradients`][rnn_math.symbolic.lstm.backward.closed_form_gradients]) of the same
signature as the registered ones. The LSTM's declaration lists them, and the verification engine
requires every check to reject every one.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnn_math.core.activations import sigmoid_derivative, tanh_derivative
from rnn_math.core.types import Array
from rnn_math.lstm import backward_equations as np_backward
from rnn_math.lstm.results import LSTMStep
from rnn_math.symbolic.lstm import backward as sym_backward
from rnn_math.symbolic.rnn.bptt import activation_derivative
from rnn_math.verification.mistakes import Mistake

#: The order ONNX's LSTM operator stacks its gates in (input, output, forget, cell): read into
#: PyTorch's stacked weights, it swaps the forget gate, the candidate and the output gate.
ONNX_GATE_ORDER = ("i", "o", "f", "g")


def _no_cell_path_numpy(grad_h_t: Array, step: LSTMStep, f_next: Array, grad_c_next: Array) -> Array:
    return grad_h_t * step.o * tanh_derivative(step.c)


def _no_cell_path_sympy(grad_h_t, step, f_next, grad_c_next):
    return sym_backward.cell_gradient(grad_h_t, step, f_next, sp.zeros(*grad_c_next.shape))


def _no_hidden_path_numpy(grad_h_t: Array, step: LSTMStep, f_next: Array, grad_c_next: Array) -> Array:
    return f_next * grad_c_next


def _no_hidden_path_sympy(grad_h_t, step, f_next, grad_c_next):
    return f_next.multiply_elementwise(grad_c_next)


def _slope_from_c_numpy(grad_h_t: Array, step: LSTMStep, f_next: Array, grad_c_next: Array) -> Array:
    return grad_h_t * step.o * (1 - step.c * step.c) + f_next * grad_c_next  # 1 − t² with t = c, not tanh(c)


def _slope_from_c_sympy(grad_h_t, step, f_next, grad_c_next):
    slope = step.c.applyfunc(lambda c: 1 - c**2)
    return grad_h_t.multiply_elementwise(step.o).multiply_elementwise(slope) + f_next.multiply_elementwise(grad_c_next)


def _forget_with_current_cell_numpy(grad_c_t: Array, step: LSTMStep) -> Array:
    return grad_c_t * step.c * sigmoid_derivative(step.a_f)


def _forget_with_current_cell_sympy(grad_c_t, step):
    slope = step.a_f.applyfunc(activation_derivative("sigmoid"))
    return grad_c_t.multiply_elementwise(step.c).multiply_elementwise(slope)


def _onnx_split_numpy(a_t: Array) -> tuple[Array, Array, Array, Array]:
    D_h = a_t.shape[-1] // 4
    blocks = {gate: a_t[..., k * D_h : (k + 1) * D_h] for k, gate in enumerate(ONNX_GATE_ORDER)}
    return blocks["i"], blocks["f"], blocks["g"], blocks["o"]


def _onnx_split_sympy(a_t):
    D_h = a_t.rows // 4
    blocks = {gate: a_t[k * D_h : (k + 1) * D_h, :] for k, gate in enumerate(ONNX_GATE_ORDER)}
    return blocks["i"], blocks["f"], blocks["g"], blocks["o"]


def _onnx_stack_numpy(delta_i: Array, delta_f: Array, delta_g: Array, delta_o: Array) -> Array:
    blocks = {"i": delta_i, "f": delta_f, "g": delta_g, "o": delta_o}
    return np.concatenate([blocks[gate] for gate in ONNX_GATE_ORDER], axis=-1)


def _onnx_stack_sympy(delta_i, delta_f, delta_g, delta_o):
    blocks = {"i": delta_i, "f": delta_f, "g": delta_g, "o": delta_o}
    return sp.Matrix.vstack(*[blocks[gate] for gate in ONNX_GATE_ORDER])


def _halved_biases_numpy(deltas: Array) -> Array:
    return np_backward.grad_biases(deltas) / 2


def _halved_biases_sympy(deltas):
    return sym_backward.grad_biases(deltas) / 2


NO_CELL_PATH = Mistake(
    name="lstm-no-cell-path",
    model="lstm",
    title=r"Cell path $f^{t+1} \odot \partial L/\partial c^{t+1}$ dropped",
    description=(
        r"$c^t$ also feeds $c^{t+1} = f^{t+1} \odot c^t + \dots$; without that term the gradient reaches"
        r" $c^t$ only through $h^t$, and the path that carries it far back is cut."
    ),
    wrong_latex=r"\frac{\partial L}{\partial c^t} = \frac{\partial L}{\partial h^t} \odot o^t \odot \tanh'(c^t)",
    numpy={"eq-lstm-cell-grad": _no_cell_path_numpy},
    sympy={"eq-lstm-cell-grad": _no_cell_path_sympy},
)

NO_HIDDEN_PATH = Mistake(
    name="lstm-no-hidden-path-into-cell",
    model="lstm",
    title=r"Path from $h^t$ into $c^t$ dropped",
    description=(
        r"$h^t = o^t \odot \tanh(c^t)$, so what reaches $h^t$ also reaches $c^t$, through"
        r" $o^t \odot \tanh'(c^t)$; keeping only the cell path loses every output's gradient."
    ),
    wrong_latex=r"\frac{\partial L}{\partial c^t} = f^{t+1} \odot \frac{\partial L}{\partial c^{t+1}}",
    numpy={"eq-lstm-cell-grad": _no_hidden_path_numpy},
    sympy={"eq-lstm-cell-grad": _no_hidden_path_sympy},
)

SLOPE_FROM_C = Mistake(
    name="lstm-tanh-slope-from-c",
    model="lstm",
    title=r"$\tanh'$ as $1 - (\cdot)^2$ of $c^t$, not of $\tanh(c^t)$",
    description=(
        r"$\tanh'(c) = 1 - \tanh^2(c)$ is $1 - u^2$ of the output $u = \tanh(c)$; filling in $c^t$"
        r" itself, the value the cell holds, gives $1 - (c^t)^2$."
    ),
    wrong_latex=(
        r"\frac{\partial L}{\partial c^t} = \frac{\partial L}{\partial h^t} \odot o^t \odot \bigl(1 - (c^t)^2\bigr)"
        r" + f^{t+1} \odot \frac{\partial L}{\partial c^{t+1}}"
    ),
    numpy={"eq-lstm-cell-grad": _slope_from_c_numpy},
    sympy={"eq-lstm-cell-grad": _slope_from_c_sympy},
)

FORGET_WITH_CURRENT_CELL = Mistake(
    name="lstm-forget-gate-current-cell",
    model="lstm",
    title=r"Forget-gate error paired with $c^t$",
    description=(
        r"The forget gate multiplies the previous cell state, $f^t \odot c^{t-1}$; pairing its error with"
        r" $c^t$, the state of the same step, is off by one step."
    ),
    wrong_latex=r"\delta_f^t = \frac{\partial L}{\partial c^t} \odot c^t \odot \operatorname{sigmoid}'(a_f^t)",
    numpy={"eq-lstm-forget-gate-grad": _forget_with_current_cell_numpy},
    sympy={"eq-lstm-forget-gate-grad": _forget_with_current_cell_sympy},
)

ONNX_GATE_ORDER_MISTAKE = Mistake(
    name="lstm-gate-order-iofc",
    model="lstm",
    title="Stacked gates read in the order i, o, f, g",
    description=(
        r"PyTorch stacks the gates' rows as i, f, g, o; splitting its weights (and stacking the errors"
        r" back) in ONNX's order i, o, f, c gives a consistent LSTM, but of other weights."
    ),
    wrong_latex=r"a^t = \begin{bmatrix} a_i^t \\ a_o^t \\ a_f^t \\ a_g^t \end{bmatrix}",
    numpy={"eq-lstm-gate-split": _onnx_split_numpy, "eq-lstm-gate-stack": _onnx_stack_numpy},
    sympy={"eq-lstm-gate-split": _onnx_split_sympy, "eq-lstm-gate-stack": _onnx_stack_sympy},
)

HALVED_BIASES = Mistake(
    name="lstm-bias-gradient-shared",
    model="lstm",
    title="Bias gradient shared between the two biases",
    description=(
        r"Only $b_{ih} + b_{hh}$ enters $a^t$, so each bias gets the whole $\sum_t \delta^t$;"
        r" splitting it between them gives each half."
    ),
    wrong_latex=(
        r"\frac{\partial L}{\partial b_{ih}} = \frac{\partial L}{\partial b_{hh}}"
        r" = \frac{1}{2} \sum_{t=1}^{T} \delta^t"
    ),
    numpy={"eq-lstm-grad-biases": _halved_biases_numpy},
    sympy={"eq-lstm-grad-biases": _halved_biases_sympy},
)

#: The LSTM's catalogue, in the order the LSTM page meets the equations they corrupt.
MISTAKES: tuple[Mistake, ...] = (
    ONNX_GATE_ORDER_MISTAKE, NO_CELL_PATH, NO_HIDDEN_PATH, SLOPE_FROM_C, FORGET_WITH_CURRENT_CELL, HALVED_BIASES,
)  # fmt: skip
