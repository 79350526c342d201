"""The attention model composed from its twins: the exact unrolled loss and the derived gradients.

[`unrolled_loss`][rnn_math.symbolic.attention.composer.unrolled_loss] builds the loss of one
sentence pair from the forward twins (the encoder's are the vanilla RNN's, the embedding,
teacher forcing, logits and loss the encoder-decoder's), and
[`closed_form_gradients`][rnn_math.symbolic.attention.composer.closed_form_gradients] composes the
backward twins into every parameter's gradient; the exact proof shows the second is the
derivative of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import sympy as sp

from rnn_math.symbolic import seq2seq as sym_seq2seq
from rnn_math.symbolic.attention.equations import (
    attention_context,
    attention_decoder_state,
    attention_scores,
    attention_weights,
)
from rnn_math.symbolic.rnn.forward import hidden_state, matrix_symbols, pre_activation
from rnn_math.symbolic.types import Expr, Matrix

#: Parameter names in the page's order, as in [`rnn_math.attention.params`][rnn_math.attention.params].
PARAMETER_NAMES = sym_seq2seq.PARAMETER_NAMES + ("W_a", "U_a", "v_a", "W_c")


def parameter_symbols(n_en: int, n_hi: int, D_h: int, d_en: int, d_hi: int, n_a: int) -> dict[str, Matrix]:
    """Every parameter entry its own real symbol (biases and v_a as columns), keyed by parameter name."""
    params = sym_seq2seq.parameter_symbols(n_en=n_en, n_hi=n_hi, D_h=D_h, d_en=d_en, d_hi=d_hi)
    shapes = {"W_a": (n_a, D_h), "U_a": (n_a, D_h), "v_a": (n_a, 1), "W_c": (D_h, D_h)}
    return params | {name: matrix_symbols(name, *shape) for name, shape in shapes.items()}


@dataclass(frozen=True)
class SymbolicAttention:
    """The unrolled attention model of one sentence pair: every intermediate, as exact expressions.

    ``m[t]`` and ``alpha[t]`` belong to decoder step t + 1 (``m[t][j]``: the score pre-activation
    of source position j + 1); ``s[0]`` is h_T.
    """

    x: list[Matrix]
    z: list[Matrix]
    h: list[Matrix]
    inputs: list[int]
    y: list[Matrix]
    m: list[list[Matrix]]
    e: list[Matrix]
    alpha: list[Matrix]
    contexts: list[Matrix]
    a: list[Matrix]
    s: list[Matrix]
    o: list[Matrix]
    loss: Expr


def unrolled_loss(
    params: Mapping[str, Matrix],
    source: Sequence[int],
    targets: Sequence[int],
    activation: str | Callable[[Expr], Expr] = "tanh",
) -> SymbolicAttention:
    """The attention model unrolled for one pair, built from the forward twins.

    Parameters
    ----------
    params
        Parameters by name as SymPy matrices (biases and v_a as columns).
    source, targets
        English indices w_1..w_T and Hindi targets k_1..k_{T'}.
    activation
        ``"tanh"`` (the model), or a SymPy function for the encoder, the scores and the decoder.
    """
    p = params
    x = [sym_seq2seq.embed(p["E_en"], w) for w in source]
    h = [sp.zeros(p["W_h"].rows, 1)]
    z: list[Matrix] = []
    for x_t in x:
        z.append(pre_activation(p["W_h"], h[-1], p["W_e"], x_t, p["b_1"]))
        h.append(hidden_state(z[-1], activation))
    annotations = h[1:]
    inputs = sym_seq2seq.teacher_forcing(list(targets), p["E_hi"].rows - 1)
    y = [sym_seq2seq.embed(p["E_hi"], k) for k in inputs]
    s = [sym_seq2seq.context(h)]
    m: list[list[Matrix]] = []
    e: list[Matrix] = []
    alpha: list[Matrix] = []
    contexts: list[Matrix] = []
    a: list[Matrix] = []
    o: list[Matrix] = []
    for y_prev in y:
        m_t, e_t = attention_scores(p["W_a"], s[-1], p["U_a"], annotations, p["v_a"], activation)
        alpha_t = attention_weights(e_t)
        c_t = attention_context(alpha_t, annotations)
        a_t, s_t = attention_decoder_state(p["W_dec"], s[-1], p["V"], y_prev, p["W_c"], c_t, p["c"], activation)
        m.append(m_t)
        e.append(e_t)
        alpha.append(alpha_t)
        contexts.append(c_t)
        a.append(a_t)
        s.append(s_t)
        o.append(sym_seq2seq.decoder_logits(p["W_out"], s_t, p["b_out"]))
    loss = sym_seq2seq.seq2seq_loss(o, targets)
    return SymbolicAttention(x, z, h, inputs, y, m, e, alpha, contexts, a, s, o, loss)


class UnrolledRecurrence(Protocol):
    """What the encoder's and the decoder's RNN gradients read of an unrolled pass (either score)."""

    @property
    def x(self) -> list[Matrix]: ...
    @property
    def h(self) -> list[Matrix]: ...
    @property
    def inputs(self) -> list[int]: ...
    @property
    def y(self) -> list[Matrix]: ...
    @property
    def s(self) -> list[Matrix]: ...


def recurrent_gradients(
    eq: Mapping[str, Callable[..., Matrix]],
    params: Mapping[str, Matrix],
    unrolled: UnrolledRecurrence,
    source: Sequence[int],
    deltas_enc: Sequence[Matrix],
    deltas_dec: Sequence[Matrix],
    output_grads: Sequence[Matrix],
) -> dict[str, Matrix]:
    """The gradients of the tables, the encoder, the decoder and the output layer, from δ^enc, δ^dec and ŷ − y.

    They are the encoder-decoder's equations, whatever the score: both forms of attention call this.
    """
    p, u, g = params, unrolled, list(output_grads)
    deltas_enc, deltas_dec = list(deltas_enc), list(deltas_dec)
    return {
        "E_en": eq["eq-embedding-grad"](
            p["E_en"].rows, list(source), [eq["eq-bptt-grad-x"](p["W_e"], d) for d in deltas_enc]
        ),
        "W_h": eq["eq-bptt-grad-wh"](deltas_enc, u.h[:-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas_enc, u.x),
        "b_1": eq["eq-bptt-grad-b1"](deltas_enc),
        "E_hi": eq["eq-embedding-grad"](
            p["E_hi"].rows, u.inputs, [eq["eq-bptt-grad-x"](p["V"], d) for d in deltas_dec]
        ),
        "W_dec": eq["eq-decoder-grad-wdec"](deltas_dec, u.s[:-1]),
        "V": eq["eq-decoder-grad-v"](deltas_dec, u.y),
        "c": eq["eq-decoder-grad-c"](deltas_dec),
        "W_out": eq["eq-decoder-grad-wout"](g, u.s[1:]),
        "b_out": eq["eq-decoder-grad-bout"](g),
    }


def closed_form_gradients(
    params: Mapping[str, Matrix],
    unrolled: SymbolicAttention,
    targets: Sequence[int],
    *,
    source: Sequence[int],
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
) -> dict[str, Matrix]:
    """Every parameter's gradient from the derived equations (the twins), keyed by parameter name.

    Parameters
    ----------
    params
        The parameters the loss was unrolled with.
    unrolled
        From [`unrolled_loss`][rnn_math.symbolic.attention.composer.unrolled_loss] (with tanh).
    targets, source
        The pair's Hindi targets and English indices.
    replace
        Wrong versions of equations by id (among ``BACKWARD_EQUATIONS`` of
        [`rnn_math.attention.passes`][rnn_math.attention.passes], same signatures), for
        negative controls.
    """
    # Imported at call time: the registry must be complete, and the NumPy side names the composed ids.
    from rnn_math.attention.passes import BACKWARD_EQUATIONS
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    p, u = params, unrolled
    annotations = u.h[1:]
    T_dec, T_enc = len(u.o), len(u.z)
    g = [eq["eq-bptt-output-grad"](o_t, k) for o_t, k in zip(u.o, targets, strict=True)]
    deltas_dec: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    grad_c: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    grad_e: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    eps: list[list[Matrix]] = [[]] * T_dec
    delta_next = sp.zeros(p["W_dec"].rows, 1)  # δ^dec_{T'+1} = 0
    eps_next = [sp.zeros(p["W_a"].rows, 1)] * T_enc  # and no scores after the last step
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-attention-state-grad"](p["W_out"], g[t], p["W_dec"], delta_next, p["W_a"], eps_next)
        deltas_dec[t] = delta_next = eq["eq-decoder-delta"](grad_s, u.a[t])
        grad_c[t] = eq["eq-attention-context-grad"](p["W_c"], deltas_dec[t])
        grad_alpha = eq["eq-attention-weight-grad"](annotations, grad_c[t])
        grad_e[t] = eq["eq-attention-softmax-grad"](u.alpha[t], grad_alpha)
        eps[t] = eps_next = eq["eq-attention-score-grad"](grad_e[t], p["v_a"], u.m[t])
    grad_from_next = eq["eq-attention-handoff"](p["W_dec"], deltas_dec[0], p["W_a"], eps[0])
    deltas_enc: list[Matrix] = [sp.zeros(1, 1)] * T_enc
    for j in range(T_enc - 1, -1, -1):
        annotation = eq["eq-attention-annotation-grad@T"] if j == T_enc - 1 else eq["eq-attention-annotation-grad"]
        grad_h = annotation(
            [alpha_t[j] for alpha_t in u.alpha], grad_c, p["U_a"], [eps_t[j] for eps_t in eps], grad_from_next
        )
        deltas_enc[j] = eq["eq-bptt-delta"](grad_h, u.z[j], "tanh")
        grad_from_next = eq["eq-encoder-state-grad"](p["W_h"], deltas_enc[j])
    return {
        **recurrent_gradients(eq, p, u, source, deltas_enc, deltas_dec, g),
        "W_a": eq["eq-attention-grad-wa"](eps, u.s[:-1]),
        "U_a": eq["eq-attention-grad-ua"](eps, annotations),
        "v_a": eq["eq-attention-grad-va"](grad_e, u.m),
        "W_c": eq["eq-attention-grad-wc"](deltas_dec, u.contexts),
    }
