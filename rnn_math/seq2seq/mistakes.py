"""Plausible wrong versions of the encoder-decoder's backward pass: the negative controls.

Each mistake replaces one equation of the backward pass, in NumPy
([`run_backward`][rnn_math.seq2seq.passes.run_backward]) and in SymPy
([`closed_form_gradients`][rnn_math.symbolic.seq2seq.closed_form_gradients]) alike. The tests
show that every check — the exact proof, the 50-digit comparison, finite differences and complex
step — rejects every one of them; a check that accepted one would be proving nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from rnn_math.core.activations import tanh_derivative


@dataclass(frozen=True)
class Seq2SeqMistake:
    """One wrong version of one equation.

    Attributes
    ----------
    name
        Short identifier, used as a test id.
    title
        Short heading for the Common-mistakes page.
    wrong_latex
        The wrong formula in LaTeX, shown beside the right one.
    description
        What the mistake is, in a sentence.
    numpy
        Replacements for [`run_backward`][rnn_math.seq2seq.passes.run_backward], by equation id.
    sympy
        The same replacements for the SymPy closed form, by equation id.
    """

    name: str
    title: str
    wrong_latex: str
    description: str
    numpy: Mapping[str, Callable[..., np.ndarray]]
    sympy: Mapping[str, Callable[..., sp.MatrixBase]]


MISTAKES: tuple[Seq2SeqMistake, ...] = (
    Seq2SeqMistake(
        "handoff-without-w-dec-transpose",
        r"Hand-off without $W_{\text{dec}}^\top$",
        r"\frac{\partial L}{\partial h_T} = \delta^{\text{dec}}_1",
        "The hand-off passes δ^dec_1 to the encoder as it is, forgetting the factor W_decᵀ.",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1},
    ),
    Seq2SeqMistake(
        "handoff-without-transpose",
        r"Hand-off with $W_{\text{dec}}$ untransposed",
        r"\frac{\partial L}{\partial h_T} = W_{\text{dec}}\, \delta^{\text{dec}}_1",
        "The hand-off multiplies by W_dec instead of W_decᵀ.",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: delta_dec_1 @ W_dec.T},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: W_dec * delta_dec_1},
    ),
    Seq2SeqMistake(
        "no-tanh-slope-at-last-encoder-step",
        r"No slope at the last encoder step",
        r"\delta^{\text{enc}}_T = \frac{\partial L}{\partial h_T}",
        "The encoder's last error δ^enc_T is taken to be ∂L/∂h_T, forgetting the factor tanh'(z_T).",
        numpy={"eq-bptt-delta@T": lambda grad_h, z_t, activation="tanh": grad_h},
        sympy={"eq-bptt-delta@T": lambda grad_h, z_t, activation="tanh": grad_h},
    ),
    Seq2SeqMistake(
        "gradient-cut-at-context",
        r"Gradient cut at the context",
        r"\frac{\partial L}{\partial h_T} = 0",
        "Nothing flows back through s_0 = h_T: the encoder and the English embeddings get zero gradient.",
        numpy={"eq-handoff": lambda W_dec, delta_dec_1: np.zeros_like(delta_dec_1)},
        sympy={"eq-handoff": lambda W_dec, delta_dec_1: sp.zeros(W_dec.rows, 1)},
    ),
    Seq2SeqMistake(
        "decoder-slope-at-state",
        r"Decoder slope taken at the state",
        r"\delta^{\text{dec}}_t = \frac{\partial L}{\partial s_t} \odot \tanh'(s_t)",
        "The decoder's slope belongs at the pre-activation a_t; tanh'(s_t) is tanh'(tanh(a_t)).",
        numpy={"eq-decoder-delta": lambda grad_s_t, a_t: grad_s_t * tanh_derivative(np.tanh(a_t))},
        sympy={
            "eq-decoder-delta": lambda grad_s_t, a_t: grad_s_t.multiply_elementwise(
                a_t.applyfunc(lambda v: 1 - sp.tanh(sp.tanh(v)) ** 2)
            )
        },
    ),
    Seq2SeqMistake(
        "decoder-without-recurrent-term",
        r"Decoder recurrent term dropped",
        r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t",
        "∂L/∂s_t keeps only the output's share W_outᵀ g_t and drops W_decᵀ δ^dec_{t+1} from the next step.",
        numpy={"eq-decoder-state-grad": lambda W_out, g_t, W_dec, delta_next: g_t @ W_out},
        sympy={"eq-decoder-state-grad": lambda W_out, g_t, W_dec, delta_next: W_out.T * g_t},
    ),
)
