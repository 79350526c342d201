"""The Worked-example page's LSTM and GRU steps: the notes' inputs and weights in every gate, forward and back.

The RNN-theory notes give no gated weights, so every gate here takes the notes' W_h as its recurrent
weights and W_e as its input weights, with zero biases, except the LSTM's forget gate, whose bias is
the common initialisation 1. Both cells read the notes' two words; the forward pass runs both steps,
the backward pass the second (last) step, from the same gradient at h_2 as the vanilla encoder
receives from the decoder. Every line is one of the package's registered equations, looked up by id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from rnn_math.core.registry import lookup
from rnn_math.core.types import Array
from rnn_math.lstm.params import GATE_ORDER
from rnn_math.lstm.results import LSTMStep
from rnn_math.rnn.example import NOTES_W_e, NOTES_W_h, NOTES_xs
from rnn_math.seq2seq.example import notes_translation_step
from rnn_math_docs.formatting import latex_matrix, markdown_table, number

#: The LSTM's forget-gate bias (every other bias is 0).
FORGET_BIAS = 1.0

D_H = NOTES_W_h.shape[0]


def eq(eq_id: str) -> Callable[..., Array]:
    """The registered NumPy function of an equation: the page computes with what the site displays."""
    return lookup(eq_id).numpy


def incoming_gradient() -> Array:
    """∂L/∂h_2: the gradient the decoder hands the vanilla encoder's last state, reused for both cells."""
    return notes_translation_step().before.grad_context


def _m(values: Array) -> str:
    return f"${latex_matrix(values)}$"


# ---- LSTM ------------------------------------------------------------------------------------------


def lstm_weights() -> tuple[Array, Array, Array, Array]:
    """(W_ih, W_hh, b_ih, b_hh): the notes' W_e and W_h in every block, the forget block's bias 1."""
    W_ih = np.vstack([NOTES_W_e] * len(GATE_ORDER))
    W_hh = np.vstack([NOTES_W_h] * len(GATE_ORDER))
    b_ih = np.zeros(len(GATE_ORDER) * D_H)
    forget = GATE_ORDER.index("f")
    b_ih[forget * D_H : (forget + 1) * D_H] = FORGET_BIAS
    return W_ih, W_hh, b_ih, np.zeros_like(b_ih)


@cache
def _lstm_steps() -> tuple[LSTMStep, ...]:
    """Both steps' forward quantities, from h_0 = c_0 = 0."""
    W_ih, W_hh, b_ih, b_hh = lstm_weights()
    h, c = np.zeros(D_H), np.zeros(D_H)
    steps = []
    for x in NOTES_xs:
        a = eq("eq-lstm-preactivation")(W_ih, x, b_ih, W_hh, h, b_hh)
        blocks = eq("eq-lstm-gate-split")(a)
        i, f, g, o = eq("eq-lstm-gates")(*blocks)
        c_new = eq("eq-lstm-cell")(f, c, i, g)
        steps.append(LSTMStep(*blocks, i, f, g, o, c, c_new))
        h, c = eq("eq-lstm-hidden")(o, c_new), c_new
    return tuple(steps)


def lstm_hidden(t: int) -> Array:
    """h_t (1-based; h_0 = 0)."""
    return np.zeros(D_H) if t == 0 else eq("eq-lstm-hidden")(_lstm_steps()[t - 1].o, _lstm_steps()[t - 1].c)


def lstm_forward_table() -> str:
    """Every forward quantity of both LSTM steps."""
    s1, s2 = _lstm_steps()
    rows = [
        ["$a_i^t$, input gate's pre-activation", _m(s1.a_i), _m(s2.a_i)],
        ["$a_f^t$, forget gate's", _m(s1.a_f), _m(s2.a_f)],
        ["$a_g^t$, candidate's", _m(s1.a_g), _m(s2.a_g)],
        ["$a_o^t$, output gate's", _m(s1.a_o), _m(s2.a_o)],
        ["$i^t = \\operatorname{sigmoid}(a_i^t)$", _m(s1.i), _m(s2.i)],
        ["$f^t = \\operatorname{sigmoid}(a_f^t)$", _m(s1.f), _m(s2.f)],
        ["$g^t = \\tanh(a_g^t)$", _m(s1.g), _m(s2.g)],
        ["$o^t = \\operatorname{sigmoid}(a_o^t)$", _m(s1.o), _m(s2.o)],
        ["$c^t = f^t \\odot c^{t-1} + i^t \\odot g^t$", _m(s1.c), _m(s2.c)],
        ["$h^t = o^t \\odot \\tanh(c^t)$", _m(lstm_hidden(1)), _m(lstm_hidden(2))],
    ]
    return markdown_table(["", "step 1 (“I”)", "step 2 (“go”)"], rows, "lll")


@dataclass(frozen=True)
class LSTMBackwardStep:
    """The last step's backward pass: ∂L/∂c_2, the four gates' errors, what goes back, the step's terms."""

    grad_c: Array
    deltas: dict[str, Array]
    delta: Array
    grad_h_prev: Array
    grad_c_prev: Array
    grad_W_hh: Array
    grad_W_ih: Array
    grad_b: Array
    grad_x: Array


@cache
def lstm_backward() -> LSTMBackwardStep:
    """Step 2 backwards from ∂L/∂h_2 = the incoming gradient and ∂L/∂c_3 = 0 (nothing after it)."""
    W_ih, W_hh, _, _ = lstm_weights()
    step = _lstm_steps()[1]
    grad_h = incoming_gradient()
    zero = np.zeros(D_H)
    grad_c = eq("eq-lstm-cell-grad")(grad_h, step, zero, zero)
    deltas = {
        "i": eq("eq-lstm-input-gate-grad")(grad_c, step),
        "f": eq("eq-lstm-forget-gate-grad")(grad_c, step),
        "g": eq("eq-lstm-candidate-grad")(grad_c, step),
        "o": eq("eq-lstm-output-gate-grad")(grad_h, step),
    }
    delta = eq("eq-lstm-gate-stack")(deltas["i"], deltas["f"], deltas["g"], deltas["o"])
    h_1, x_2 = lstm_hidden(1), NOTES_xs[1]
    return LSTMBackwardStep(
        grad_c=grad_c,
        deltas=deltas,
        delta=delta,
        grad_h_prev=eq("eq-lstm-grad-h0")(W_hh, delta),  # W_hhᵀ δ_2: the same product as ∂L/∂h^0 at step 1
        grad_c_prev=eq("eq-lstm-grad-c0")(step.f, grad_c),
        grad_W_hh=eq("eq-lstm-grad-whh")(delta[None], h_1[None]),
        grad_W_ih=eq("eq-lstm-grad-wih")(delta[None], x_2[None]),
        grad_b=eq("eq-lstm-grad-biases")(delta[None]),
        grad_x=eq("eq-lstm-grad-x")(W_ih, delta),
    )


def lstm_setup() -> str:
    """The LSTM's weights, in words and numbers."""
    return (
        f"every block of $W_{{ih}}$ is the notes' $W_e = {latex_matrix(NOTES_W_e, 1)}$, every block of "
        f"$W_{{hh}}$ their $W_h$, and every bias is $0$ except the forget gate's, "
        f"$b_{{ih,f}} = {latex_matrix(np.full(D_H, FORGET_BIAS), 0)}$"
    )


def lstm_cell_gradient() -> str:
    """∂L/∂h_2 and ∂L/∂c_2 of the last step."""
    b = lstm_backward()
    return (
        f"$\\dfrac{{\\partial L}}{{\\partial h_2}} = {latex_matrix(incoming_gradient())}$, "
        f"$\\dfrac{{\\partial L}}{{\\partial c_2}} = \\dfrac{{\\partial L}}{{\\partial h_2}} \\odot o_2 \\odot "
        f"\\tanh'(c_2) = {latex_matrix(b.grad_c)}$"
    )


def lstm_gate_errors() -> str:
    """The four gates' errors at step 2 (each also the step's term of both biases' gradient) and their rows
    of the step's terms of ∂L/∂W_hh and ∂L/∂W_ih."""
    b = lstm_backward()
    formulas = {
        "i": "\\dfrac{\\partial L}{\\partial c_2} \\odot g_2 \\odot \\operatorname{sigmoid}'(a_{i,2})",
        "f": "\\dfrac{\\partial L}{\\partial c_2} \\odot c_1 \\odot \\operatorname{sigmoid}'(a_{f,2})",
        "g": "\\dfrac{\\partial L}{\\partial c_2} \\odot i_2 \\odot \\tanh'(a_{g,2})",
        "o": "\\dfrac{\\partial L}{\\partial h_2} \\odot \\tanh(c_2) \\odot \\operatorname{sigmoid}'(a_{o,2})",
    }
    rows = []
    for k, gate in enumerate(GATE_ORDER):
        block = slice(k * D_H, (k + 1) * D_H)
        rows.append(
            [f"$\\delta_{{{gate},2}} = {formulas[gate]}$", _m(b.deltas[gate]), _m(b.grad_W_hh[block]),
             _m(b.grad_W_ih[block])]
        )  # fmt: skip
    header = ["error", "value", "its rows of $\\delta_2 h_1^\\top$", "of $\\delta_2 x_2^\\top$"]
    return markdown_table(header, rows, "llll")


def lstm_sent_back() -> str:
    """What step 2 sends back to h_1 and c_1, and the gradient of its input x_2."""
    b = lstm_backward()
    return (
        f"$\\dfrac{{\\partial L}}{{\\partial h_1}} = W_{{hh}}^\\top \\delta_2 = {latex_matrix(b.grad_h_prev)}$, "
        f"$\\dfrac{{\\partial L}}{{\\partial c_1}} = f_2 \\odot \\dfrac{{\\partial L}}{{\\partial c_2}} = "
        f"{latex_matrix(b.grad_c_prev)}$ and "
        f"$\\dfrac{{\\partial L}}{{\\partial x_2}} = W_{{ih}}^\\top \\delta_2 = {number(b.grad_x[0])}$"
    )


# ---- GRU -------------------------------------------------------------------------------------------


def gru_weights() -> dict[str, Array]:
    """The notes' W_e and W_h for every gate's input and recurrent weights, every bias 0."""
    zero = np.zeros(D_H)
    weights = {f"W_i{g}": NOTES_W_e for g in "rzn"} | {f"W_h{g}": NOTES_W_h for g in "rzn"}
    return weights | {f"b_{side}{g}": zero for side in "ih" for g in "rzn"}


@dataclass(frozen=True)
class GRUStep:
    """One GRU step's forward quantities."""

    h_prev: Array
    a_r: Array
    r: Array
    a_z: Array
    z: Array
    a_n: Array
    n: Array
    h: Array


@cache
def _gru_steps() -> tuple[GRUStep, ...]:
    p = gru_weights()
    h = np.zeros(D_H)
    steps = []
    for x in NOTES_xs:
        a_r, r = eq("eq-gru-reset")(p["W_ir"], x, p["b_ir"], p["W_hr"], h, p["b_hr"])
        a_z, z = eq("eq-gru-update")(p["W_iz"], x, p["b_iz"], p["W_hz"], h, p["b_hz"])
        a_n, n = eq("eq-gru-candidate")(p["W_in"], x, p["b_in"], r, p["W_hn"], h, p["b_hn"])
        h_new = eq("eq-gru-state")(z, n, h)
        steps.append(GRUStep(h, a_r, r, a_z, z, a_n, n, h_new))
        h = h_new
    return tuple(steps)


def gru_forward_table() -> str:
    """Every forward quantity of both GRU steps."""
    s1, s2 = _gru_steps()
    p = gru_weights()
    rows = [
        ["$a_r^t$, reset gate's pre-activation", _m(s1.a_r), _m(s2.a_r)],
        ["$r^t = \\sigma(a_r^t)$", _m(s1.r), _m(s2.r)],
        ["$a_z^t$, update gate's pre-activation", _m(s1.a_z), _m(s2.a_z)],
        ["$z^t = \\sigma(a_z^t)$", _m(s1.z), _m(s2.z)],
        ["$W_{hn} h^{t-1} + b_{hn}$", _m(s1.h_prev @ p["W_hn"].T + p["b_hn"]),
         _m(s2.h_prev @ p["W_hn"].T + p["b_hn"])],
        ["$a_n^t$, candidate's pre-activation", _m(s1.a_n), _m(s2.a_n)],
        ["$n^t = \\tanh(a_n^t)$", _m(s1.n), _m(s2.n)],
        ["$h^t = (1 - z^t) \\odot n^t + z^t \\odot h^{t-1}$", _m(s1.h), _m(s2.h)],
    ]  # fmt: skip
    return markdown_table(["", "step 1 (“I”)", "step 2 (“go”)"], rows, "lll")


@dataclass(frozen=True)
class GRUBackwardStep:
    """The last step's backward pass: the three errors, what goes back to h_1, the step's terms."""

    deltas: dict[str, Array]
    grad_h_prev: Array
    grad_W_h: dict[str, Array]
    grad_b_hn: Array
    grad_x: Array


@cache
def gru_backward() -> GRUBackwardStep:
    """Step 2 backwards from ∂L/∂h_2 = the incoming gradient (γ_3 = 0: nothing after it)."""
    p, step = gru_weights(), _gru_steps()[1]
    grad_h = incoming_gradient()
    d_n = eq("eq-gru-delta-n")(grad_h, step.a_z, step.a_n)
    d_z = eq("eq-gru-delta-z")(grad_h, step.h_prev, step.n, step.a_z)
    d_r = eq("eq-gru-delta-r")(d_n, p["W_hn"], step.h_prev, p["b_hn"], step.a_r)
    carry = eq("eq-gru-carry")(grad_h, step.z, p["W_hz"], d_z, p["W_hr"], d_r, p["W_hn"], step.r, d_n)
    h_1 = step.h_prev[None]
    return GRUBackwardStep(
        deltas={"r": d_r, "z": d_z, "n": d_n},
        grad_h_prev=carry,
        grad_W_h={
            "r": eq("eq-gru-grad-wh")(d_r[None], h_1),
            "z": eq("eq-gru-grad-wh")(d_z[None], h_1),
            "n": eq("eq-gru-grad-whn")(step.r[None], d_n[None], h_1),
        },
        grad_b_hn=eq("eq-gru-grad-bhn")(step.r[None], d_n[None]),
        grad_x=eq("eq-gru-grad-x")(p["W_ir"], d_r, p["W_iz"], d_z, p["W_in"], d_n),
    )


def gru_errors() -> str:
    """The three errors of step 2 and the step's terms of the recurrent weights' gradients."""
    b = gru_backward()
    formulas = {
        "r": "\\delta_{n,2} \\odot (W_{hn} h_1 + b_{hn}) \\odot \\sigma'(a_{r,2})",
        "z": "\\dfrac{\\partial L}{\\partial h_2} \\odot (h_1 - n_2) \\odot \\sigma'(a_{z,2})",
        "n": "\\dfrac{\\partial L}{\\partial h_2} \\odot (1 - z_2) \\odot \\tanh'(a_{n,2})",
    }
    terms = {
        "r": "\\delta_{r,2} h_1^\\top",
        "z": "\\delta_{z,2} h_1^\\top",
        "n": "(r_2 \\odot \\delta_{n,2}) h_1^\\top",
    }
    # δ_r is small here (W_hn h_1 + b_hn is): more decimals, so that its entries do not all read 0.
    digits = {"n": 4, "z": 4, "r": 6}
    rows = [
        [f"$\\delta_{{{g},2}} = {formulas[g]}$", f"${latex_matrix(b.deltas[g], digits[g])}$",
         f"${terms[g]} = {latex_matrix(b.grad_W_h[g], digits[g])}$"]
        for g in "nzr"
    ]  # fmt: skip
    return markdown_table(["error", "value", "step 2's term of $\\partial L / \\partial W_{h\\star}$"], rows, "lll")


def gru_sent_back() -> str:
    """γ_2 = ∂L/∂h_1, path by path, and ∂L/∂x_2."""
    b = gru_backward()
    step, p = _gru_steps()[1], gru_weights()
    g = incoming_gradient()
    paths = [
        ("z_2 \\odot \\dfrac{\\partial L}{\\partial h_2}", step.z * g),
        ("W_{hz}^\\top \\delta_{z,2}", b.deltas["z"] @ p["W_hz"]),
        ("W_{hr}^\\top \\delta_{r,2}", b.deltas["r"] @ p["W_hr"]),
        ("W_{hn}^\\top (r_2 \\odot \\delta_{n,2})", (step.r * b.deltas["n"]) @ p["W_hn"]),
    ]
    terms = " + ".join(latex_matrix(value) for _, value in paths)
    names = " + ".join(name for name, _ in paths)
    return (
        "$$\n\\begin{aligned}\n"
        f"\\frac{{\\partial L}}{{\\partial h_1}} = \\gamma_2 &= {names} \\\\\n"
        f"&= {terms} \\\\\n"
        f"&= {latex_matrix(b.grad_h_prev)},\n"
        "\\end{aligned}\n$$\n\n"
        f"and $\\dfrac{{\\partial L}}{{\\partial x_2}} = W_{{ir}}^\\top \\delta_{{r,2}} "
        f"+ W_{{iz}}^\\top \\delta_{{z,2}} + W_{{in}}^\\top \\delta_{{n,2}} = {number(b.grad_x[0])}$"
    )
