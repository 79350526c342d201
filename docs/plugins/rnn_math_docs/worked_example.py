"""Content of the Worked-example page, computed by the package when the site is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from rnn_math.core.registry import lookup
from rnn_math.core.types import Array
from rnn_math.rnn.example import NOTES_TOKENS, EncoderTrace, NOTES_b_1, NOTES_W_e, NOTES_W_h, NOTES_xs, notes_encoder
from rnn_math.seq2seq.example import notes_translation_step
from rnn_math_docs.formatting import latex_matrix, markdown_table, number


@dataclass(frozen=True)
class EncoderBackward:
    """The encoder's backward pass, one array per line of the page (row t is step t + 1).

    Attributes
    ----------
    grad_h
        ∂L/∂h_1..∂L/∂h_T, shape (T, D_h); the last row is the gradient handed back by the decoder.
    slopes
        tanh'(z_1)..tanh'(z_T), shape (T, D_h).
    deltas
        δ_1..δ_T, shape (T, D_h).
    grad_W_h, grad_W_e, grad_b_1
        The parameters' gradients, shaped like the parameters.
    grad_x
        ∂L/∂x_1..∂L/∂x_T, shape (T, d).
    grad_h_0
        ∂L/∂h_0, shape (D_h,).
    """

    grad_h: Array
    slopes: Array
    deltas: Array
    grad_W_h: Array
    grad_W_e: Array
    grad_b_1: Array
    grad_x: Array
    grad_h_0: Array


def eq(eq_id: str) -> Callable[..., Array]:
    """The registered NumPy function of an equation: the page computes with what the site displays."""
    return lookup(eq_id).numpy


def encoder_backward(trace: EncoderTrace, W_h: Array, W_e: Array, grad_context: Array) -> EncoderBackward:
    """BPTT through a tanh encoder that has no outputs, from the gradient of its last state.

    Each line is one of the package's equations: δ_t = ∂L/∂h_t ⊙ tanh'(z_t), then
    ∂L/∂h_{t-1} = W_hᵀ δ_t (the only path back, since no step has an output), and the sums over
    the steps for the parameters.
    """
    steps = len(trace.z)
    grad_h, deltas = np.empty_like(trace.z), np.empty_like(trace.z)
    grad = grad_context
    for t in range(steps - 1, -1, -1):
        grad_h[t] = grad
        deltas[t] = eq("eq-bptt-delta")(grad, trace.z[t], "tanh")
        grad = eq("eq-encoder-state-grad")(W_h, deltas[t])
    return EncoderBackward(
        grad_h=grad_h,
        slopes=eq("eq-tanh-derivative")(trace.z),
        deltas=deltas,
        grad_W_h=eq("eq-bptt-grad-wh")(deltas, trace.h[:-1]),
        grad_W_e=eq("eq-bptt-grad-we")(deltas, trace.xs),
        grad_b_1=eq("eq-bptt-grad-b1")(deltas),
        grad_x=eq("eq-bptt-grad-x")(W_e, deltas),
        grad_h_0=eq("eq-bptt-grad-h0")(W_h, deltas[0]),
    )


@cache
def _trace() -> EncoderTrace:
    return notes_encoder()


def inputs() -> str:
    """The sizes and the inputs the encoder runs on, read from the same constants as the computation."""
    D_h, d = NOTES_W_e.shape
    pairs = enumerate(zip(NOTES_TOKENS, NOTES_xs, strict=True))
    words = " and ".join(f"“{token}” is $x_{t + 1} = {', '.join(f'{v:g}' for v in x)}$" for t, (token, x) in pairs)
    size = f"a single number ($d = {d}$)" if d == 1 else f"a row of $d = {d}$ numbers"
    return (
        f"The hidden state has $D_h = {D_h}$ units, the activation is $\\tanh$, "
        f"and each word's embedding is {size}: {words}"
    )


def parameters() -> str:
    """The RNN-theory notes' parameters, in this site's names, as inline math."""
    return (
        f"$W_h = {latex_matrix(NOTES_W_h, 1)}$, "
        f"$W_e = {latex_matrix(NOTES_W_e, 1)}$, "
        f"$b_1 = {latex_matrix(NOTES_b_1, 1)}$"
    )


def steps() -> str:
    """One table row per time step: token, x_t, z_t, h_t."""
    trace = _trace()
    rows = [
        [
            str(t + 1),
            f"“{token}”",
            f"${trace.xs[t, 0]:g}$",
            f"$z_{t + 1} = {latex_matrix(trace.z[t])}$",
            f"$h_{t + 1} = \\tanh(z_{t + 1}) = {latex_matrix(trace.h[t + 1])}$",
        ]
        for t, token in enumerate(trace.tokens)
    ]
    return markdown_table(["$t$", "token", "$x_t$", "pre-activation", "hidden state"], rows, "rlrll")


def context() -> str:
    """The context vector h_2, the encoder's last hidden state."""
    return f"$h_2 = {latex_matrix(_trace().h[-1])}$"


def recurrent_product() -> str:
    """Step 2's pre-activation taken apart: the product W_h h_1 row by row, then the sum."""
    trace = _trace()
    h_1 = trace.h[1]
    rows = r" \\ ".join(
        " + ".join(f"({number(w, 1)})({number(v)})" for w, v in zip(row, h_1, strict=True)) for row in NOTES_W_h
    )
    W_e_x_2 = NOTES_W_e @ trace.xs[1]
    # A display, not inline: the row-by-row product is too wide to break well inside a line.
    return (
        "$$\n\\begin{aligned}\n"
        f"W_h h_1 &= \\begin{{bmatrix}}{rows}\\end{{bmatrix}} \\\\\n"
        f"&= {latex_matrix(NOTES_W_h @ h_1)}, \\\\\n"
        f"W_e x_2 &= {latex_matrix(W_e_x_2)}, \\\\\n"
        f"z_2 &= W_h h_1 + W_e x_2 + b_1 \\\\\n"
        f"&= {latex_matrix(trace.z[1])}.\n"
        "\\end{aligned}\n$$"
    )


@cache
def _backward() -> EncoderBackward:
    step = notes_translation_step()
    return encoder_backward(_trace(), NOTES_W_h, NOTES_W_e, step.before.grad_context)


def handoff() -> str:
    """The gradient the decoder hands back to the encoder's last state, and the loss it comes from."""
    step = notes_translation_step()
    return (
        f"$L = {number(step.before.loss)}$ and "
        f"$\\dfrac{{\\partial L}}{{\\partial h_2}} = {latex_matrix(_backward().grad_h[1])}$"
    )


def _error_at(t: int) -> str:
    """∂L/∂h_t, the slope tanh'(z_t) and their element-wise product δ_t, for the step t (1-based)."""
    b = _backward()
    return (
        f"$\\tanh'(z_{t}) = 1 - \\tanh(z_{t})^2 = {latex_matrix(b.slopes[t - 1])}$, "
        f"$\\delta_{t} = \\dfrac{{\\partial L}}{{\\partial h_{t}}} \\odot \\tanh'(z_{t}) = "
        f"{latex_matrix(b.deltas[t - 1])}$"
    )


def error_step_2() -> str:
    """δ_2 from the hand-off."""
    return _error_at(2)


def state_gradient_step_1() -> str:
    """∂L/∂h_1 = W_hᵀ δ_2, the only path back: the encoder has no output of its own."""
    b = _backward()
    return (
        f"$$\\frac{{\\partial L}}{{\\partial h_1}} = W_h^\\top \\delta_2 = {latex_matrix(NOTES_W_h.T, 1)}"
        f"{latex_matrix(b.deltas[1])} = {latex_matrix(b.grad_h[0])}$$"
    )


def error_step_1() -> str:
    """δ_1 from ∂L/∂h_1."""
    return _error_at(1)


def weight_gradients() -> str:
    """∂L/∂W_h, ∂L/∂W_e and ∂L/∂b_1: each step's term, then their sum."""
    b, trace = _backward(), _trace()
    h, x, d = trace.h, trace.xs, b.deltas

    def pair(first: np.ndarray, second: np.ndarray) -> str:
        return f"${latex_matrix(first)} + {latex_matrix(second)}$"

    rows = [
        ["$W_h$", "$\\delta_1 h_0^\\top + \\delta_2 h_1^\\top$", pair(np.outer(d[0], h[0]), np.outer(d[1], h[1])),
         f"${latex_matrix(b.grad_W_h)}$"],
        ["$W_e$", "$\\delta_1 x_1 + \\delta_2 x_2$", pair(np.outer(d[0], x[0]), np.outer(d[1], x[1])),
         f"${latex_matrix(b.grad_W_e)}$"],
        ["$b_1$", "$\\delta_1 + \\delta_2$", pair(d[0], d[1]), f"${latex_matrix(b.grad_b_1)}$"],
    ]  # fmt: skip
    return markdown_table(["$P$", "$\\partial L / \\partial P$", "step 1 + step 2", "sum"], rows, "llll")


def input_gradients() -> str:
    """∂L/∂x_t = W_eᵀ δ_t for both words, and ∂L/∂h_0 = W_hᵀ δ_1."""
    b = _backward()
    words = ", ".join(
        f"$\\dfrac{{\\partial L}}{{\\partial x_{t + 1}}} = {number(b.grad_x[t, 0])}$ (“{token}”)"
        for t, token in enumerate(_trace().tokens)
    )
    return f"{words}; $\\dfrac{{\\partial L}}{{\\partial h_0}} = W_h^\\top \\delta_1 = {latex_matrix(b.grad_h_0)}$"
