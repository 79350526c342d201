"""The encoder-decoder's catalogue of mistakes: plausible wrong versions of its backward pass.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] replaces equations of the backward pass,
in NumPy ([`run_backward`][rnn_math.seq2seq.passes.run_backward]) and in SymPy
([`closed_form_gradients`][rnn_math.symbolic.seq2seq.closed_form_gradients]) alike. The model's
declaration (``SEQ2SEQ`` in ``rnn_math.seq2seq.declaration``) lists them, and the verification
engine requires every check (the exact proof, the 50-digit comparison, finite differences and
complex step) to reject every one; a check that accepted one would be proving nothing.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnn_math.core.activations import tanh_derivative
from rnn_math.verification.mistakes import Mistake

__all__ = ["MISTAKES", "Mistake"]

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        name="handoff-without-w-dec-transpose",
        model="seq2seq",
        title=r"Hand-off without $W_{\text{dec}}^\top$",
        description=(
            r"The hand-off passes $\delta^{\text{dec}}_1$ to the encoder as it is, "
            r"forgetting the factor $W_{\text{dec}}^\top$."
        ),
        wrong_latex=r"\frac{\partial L}{\partial h_T} = \delta^{\text{dec}}_1",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1},
    ),
    Mistake(
        name="handoff-without-transpose",
        model="seq2seq",
        title=r"Hand-off with $W_{\text{dec}}$ untransposed",
        description=r"The hand-off multiplies by $W_{\text{dec}}$ instead of $W_{\text{dec}}^\top$.",
        wrong_latex=r"\frac{\partial L}{\partial h_T} = W_{\text{dec}}\, \delta^{\text{dec}}_1",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1 @ W_dec.T},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: W_dec * delta_dec_1},
    ),
    Mistake(
        name="no-tanh-slope-at-last-encoder-step",
        model="seq2seq",
        title="No slope at the last encoder step",
        description=(
            r"The encoder's last error $\delta^{\text{enc}}_T$ is taken to be $\partial L/\partial h_T$, "
            r"forgetting the factor $\tanh'(z_T)$."
        ),
        wrong_latex=r"\delta^{\text{enc}}_T = \frac{\partial L}{\partial h_T}",
        numpy={"eq-bptt-delta@T": lambda grad_h, z_t, activation="tanh": grad_h},
        sympy={"eq-bptt-delta@T": lambda grad_h, z_t, activation="tanh": grad_h},
    ),
    Mistake(
        name="gradient-cut-at-context",
        model="seq2seq",
        title="Gradient cut at the context",
        description=(
            r"Nothing flows back through $s_0 = h_T$: the encoder and the English embeddings get zero gradient."
        ),
        wrong_latex=r"\frac{\partial L}{\partial h_T} = 0",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: np.zeros_like(delta_dec_1)},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: sp.zeros(W_dec.rows, 1)},
    ),
    Mistake(
        name="decoder-slope-at-state",
        model="seq2seq",
        title="Decoder slope taken at the state",
        description=r"The decoder's slope belongs at the pre-activation $a_t$; $\tanh'(s_t)$ is $\tanh'(\tanh(a_t))$.",
        wrong_latex=r"\delta^{\text{dec}}_t = \frac{\partial L}{\partial s_t} \odot \tanh'(s_t)",
        numpy={"eq-decoder-delta": lambda grad_s_t, a_t: grad_s_t * tanh_derivative(np.tanh(a_t))},
        sympy={
            "eq-decoder-delta": lambda grad_s_t, a_t: grad_s_t.multiply_elementwise(
                a_t.applyfunc(lambda v: 1 - sp.tanh(sp.tanh(v)) ** 2)
            )
        },
    ),
    Mistake(
        name="decoder-without-recurrent-term",
        model="seq2seq",
        title="Decoder recurrent term dropped",
        description=(
            r"$\partial L/\partial s_t$ keeps only the output's share $W_{\text{out}}^\top g_t$ and drops "
            r"$W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1}$ from the next step."
        ),
        wrong_latex=r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t",
        numpy={"eq-decoder-state-grad": lambda W_out, g_t, W_dec, delta_next: g_t @ W_out},
        sympy={"eq-decoder-state-grad": lambda W_out, g_t, W_dec, delta_next: W_out.T * g_t},
    ),
)
