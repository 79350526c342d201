"""SymPy twins of the LSTM's forward equations, with column vectors exactly as the LSTM page writes them.

The output layer is the vanilla RNN's: its twins
([`rnn_math.symbolic.rnn.forward`][rnn_math.symbolic.rnn.forward]) are composed here too. The
candidate's activation may be any SymPy function (a generic g whose derivative is unknown), so
a proof made with it holds for every differentiable candidate activation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.lstm.params import GATE_ORDER
from rnn_math.lstm.results import LSTMStep
from rnn_math.symbolic.activations import Sigmoid, activation_function
from rnn_math.symbolic.types import Expr, Matrix

Activation = str | Callable[[Expr], Expr]


@symbolic_twin("eq-lstm-preactivation")
def gate_preactivation(W_ih: Matrix, x_t: Matrix, b_ih: Matrix, W_hh: Matrix, h_prev: Matrix, b_hh: Matrix) -> Matrix:
    """Twin of a^t = W_ih x^t + b_ih + W_hh h^{t-1} + b_hh."""
    return W_ih * x_t + b_ih + W_hh * h_prev + b_hh


@symbolic_twin("eq-lstm-gate-split")
def split_gates(a_t: Matrix) -> tuple[Matrix, Matrix, Matrix, Matrix]:
    """Twin of the split of a^t into its blocks a_i, a_f, a_g, a_o (rows stacked i, f, g, o)."""
    D_h = a_t.rows // len(GATE_ORDER)
    blocks = {gate: a_t[k * D_h : (k + 1) * D_h, :] for k, gate in enumerate(GATE_ORDER)}
    return blocks["i"], blocks["f"], blocks["g"], blocks["o"]


@symbolic_twin("eq-lstm-gates")
def gate_activations(
    a_i: Matrix, a_f: Matrix, a_g: Matrix, a_o: Matrix, candidate: Activation = "tanh"
) -> tuple[Matrix, Matrix, Matrix, Matrix]:
    """Twin of i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g) (or a generic candidate), o = sigmoid(a_o)."""
    g_t = a_g.applyfunc(activation_function(candidate))
    return a_i.applyfunc(Sigmoid), a_f.applyfunc(Sigmoid), g_t, a_o.applyfunc(Sigmoid)


@symbolic_twin("eq-lstm-cell")
def cell_state(f_t: Matrix, c_prev: Matrix, i_t: Matrix, g_t: Matrix) -> Matrix:
    """Twin of c^t = f^t ⊙ c^{t-1} + i^t ⊙ g^t."""
    return f_t.multiply_elementwise(c_prev) + i_t.multiply_elementwise(g_t)


@symbolic_twin("eq-lstm-hidden")
def hidden_state(o_t: Matrix, c_t: Matrix) -> Matrix:
    """Twin of h^t = o^t ⊙ tanh(c^t)."""
    return o_t.multiply_elementwise(c_t.applyfunc(sp.tanh))


@dataclass(frozen=True)
class SymbolicLSTMForward:
    """The symbolic forward pass: every quantity as a list over steps (``c`` and ``h`` start at step 0)."""

    a: list[Matrix]
    steps: list[LSTMStep]
    c: list[Matrix]
    h: list[Matrix]
    theta: list[Matrix]
    step_losses: list[Expr]
    loss: Expr


def forward(
    params: Mapping[str, Matrix],
    xs: Sequence[Matrix],
    targets: Sequence[int],
    *,
    h_0: Matrix,
    c_0: Matrix,
    candidate: Activation = "tanh",
    replace: Mapping[str, Callable[..., object]] | None = None,
) -> SymbolicLSTMForward:
    """Unroll the LSTM symbolically: the twins composed over T steps (any of them replaceable by id).

    Parameters
    ----------
    params
        ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``, ``U``, ``b_2`` as SymPy matrices (biases as columns).
    xs, targets
        Inputs x^1..x^T as columns, and the correct indices.
    h_0, c_0
        Initial hidden and cell states (columns).
    candidate
        The candidate's activation: ``"tanh"`` or a SymPy function.
    replace
        Wrong versions of twins by equation id (a mistake's ``sympy``).
    """
    from rnn_math.lstm.composer import COMPOSED  # at call time: the registry must be complete
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(COMPOSED, replace, side="sympy")
    a_list: list[Matrix] = []
    steps: list[LSTMStep] = []
    h, c = [h_0], [c_0]
    theta: list[Matrix] = []
    losses: list[Expr] = []
    for x_t, k_t in zip(xs, targets, strict=True):
        a = eq["eq-lstm-preactivation"](params["W_ih"], x_t, params["b_ih"], params["W_hh"], h[-1], params["b_hh"])
        blocks = eq["eq-lstm-gate-split"](a)
        i_t, f_t, g_t, o_t = eq["eq-lstm-gates"](*blocks, candidate=candidate)
        c.append(eq["eq-lstm-cell"](f_t, c[-1], i_t, g_t))
        h.append(eq["eq-lstm-hidden"](o_t, c[-1]))
        a_list.append(a)
        a_i, a_f, a_g, a_o = blocks
        steps.append(LSTMStep(a_i, a_f, a_g, a_o, i_t, f_t, g_t, o_t, c[-2], c[-1]))
        theta.append(eq["eq-forward-theta"](params["U"], h[-1], params["b_2"]))
        losses.append(eq["eq-loss-step"](theta[-1], k_t))
    return SymbolicLSTMForward(a_list, steps, c, h, theta, losses, eq["eq-loss-total"](losses))
