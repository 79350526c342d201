"""SymPy twins of the multiplicative-score equations (Luong, Pham and Manning, 2015), and their composition.

Column vectors as the Attention page writes them: ``h`` is the list h_1..h_T, ``s`` the list
s_0..s_{T'}. [`luong_unrolled_loss`][rnn_math.symbolic.attention.luong.luong_unrolled_loss] builds
the loss of one sentence pair with e_{t,j} = s_{t-1}ᵀ W_a h_j and every other forward twin of the
additive model; [`luong_closed_form_gradients`][rnn_math.symbolic.attention.luong.luong_closed_form_gradients]
composes the backward twins into the twelve parameters' gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic import seq2seq as sym_seq2seq
from rnn_math.symbolic.attention.composer import parameter_symbols, recurrent_gradients
from rnn_math.symbolic.attention.equations import attention_context, attention_decoder_state, attention_weights
from rnn_math.symbolic.rnn.forward import hidden_state, pre_activation
from rnn_math.symbolic.types import Expr, Matrix

#: The multiplicative form's parameters, as in [`rnn_math.attention.luong_passes`][rnn_math.attention.luong_passes].
LUONG_PARAMETER_NAMES = sym_seq2seq.PARAMETER_NAMES + ("W_a", "W_c")


def _sum(terms: Sequence[Matrix]) -> Matrix:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _weighted(weights: Sequence[Expr], vectors: Sequence[Matrix]) -> Matrix:
    """Σ_k w_k v_k."""
    return _sum([w * v for w, v in zip(weights, vectors, strict=True)])


@symbolic_twin("eq-luong-score")
def luong_scores(W_a: Matrix, s_prev: Matrix, h: Sequence[Matrix]) -> Matrix:
    """Twin of e_{t,j} = s_{t-1}ᵀ W_a h_j, as a column over j."""
    return sp.Matrix([(s_prev.T * W_a * h_j)[0, 0] for h_j in h])


@symbolic_twin("eq-luong-state-grad")
def luong_state_gradient(
    W_out: Matrix,
    output_grad_t: Matrix,
    W_dec: Matrix,
    delta_dec_next: Matrix,
    W_a: Matrix,
    grad_e_next: Matrix,
    h: Sequence[Matrix],
) -> Matrix:
    """Twin of ∂L/∂s_t = W_outᵀ g_t + W_decᵀ δ^dec_{t+1} + W_a Σ_j (∂L/∂e_{t+1,j}) h_j."""
    return W_out.T * output_grad_t + W_dec.T * delta_dec_next + W_a * _weighted(list(grad_e_next), h)


@symbolic_twin("eq-luong-handoff")
def luong_handoff(W_dec: Matrix, delta_dec_1: Matrix, W_a: Matrix, grad_e_1: Matrix, h: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂s_0 = W_decᵀ δ^dec_1 + W_a Σ_j (∂L/∂e_{1,j}) h_j."""
    return W_dec.T * delta_dec_1 + W_a * _weighted(list(grad_e_1), h)


@symbolic_twin("eq-luong-annotation-grad")
def luong_annotation_gradient(
    alpha_j: Sequence[Expr],
    grad_c: Sequence[Matrix],
    W_a: Matrix,
    grad_e_j: Sequence[Expr],
    s: Sequence[Matrix],
    grad_from_next: Matrix,
) -> Matrix:
    """Twin of ∂L/∂h_j = Σ_t (α_{t,j} ∂L/∂c_t + (∂L/∂e_{t,j}) W_aᵀ s_{t-1}) + (W_hᵀ δ^enc_{j+1}, or ∂L/∂s_0)."""
    terms = [a * g + e * (W_a.T * s_prev) for a, g, e, s_prev in zip(alpha_j, grad_c, grad_e_j, s[:-1], strict=True)]
    return _sum(terms) + grad_from_next


@symbolic_twin("eq-luong-grad-wa")
def luong_grad_W_a(grad_e: Sequence[Matrix], s: Sequence[Matrix], h: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_a = Σ_t Σ_j (∂L/∂e_{t,j}) s_{t-1} h_jᵀ, one term per score."""
    return _sum(
        [g_t[j] * s_prev * h_j.T for g_t, s_prev in zip(grad_e, s[:-1], strict=True) for j, h_j in enumerate(h)]
    )


def luong_parameter_symbols(n_en: int, n_hi: int, D_h: int, d_en: int, d_hi: int) -> dict[str, Matrix]:
    """Every entry of the twelve parameters its own real symbol, W_a of shape (D_h, D_h)."""
    params = parameter_symbols(n_en=n_en, n_hi=n_hi, D_h=D_h, d_en=d_en, d_hi=d_hi, n_a=D_h)
    return {name: params[name] for name in LUONG_PARAMETER_NAMES}


@dataclass(frozen=True)
class SymbolicLuong:
    """The unrolled multiplicative-score model of one sentence pair (as the additive one, without m)."""

    x: list[Matrix]
    z: list[Matrix]
    h: list[Matrix]
    inputs: list[int]
    y: list[Matrix]
    e: list[Matrix]
    alpha: list[Matrix]
    contexts: list[Matrix]
    a: list[Matrix]
    s: list[Matrix]
    o: list[Matrix]
    loss: Expr


def luong_unrolled_loss(params: Mapping[str, Matrix], source: Sequence[int], targets: Sequence[int]) -> SymbolicLuong:
    """The model with multiplicative scores unrolled for one pair, built from the forward twins (tanh)."""
    p = params
    x = [sym_seq2seq.embed(p["E_en"], w) for w in source]
    h = [sp.zeros(p["W_h"].rows, 1)]
    z: list[Matrix] = []
    for x_t in x:
        z.append(pre_activation(p["W_h"], h[-1], p["W_e"], x_t, p["b_1"]))
        h.append(hidden_state(z[-1], "tanh"))
    annotations = h[1:]
    inputs = sym_seq2seq.teacher_forcing(list(targets), p["E_hi"].rows - 1)
    y = [sym_seq2seq.embed(p["E_hi"], k) for k in inputs]
    s = [sym_seq2seq.context(h)]
    e: list[Matrix] = []
    alpha: list[Matrix] = []
    contexts: list[Matrix] = []
    a: list[Matrix] = []
    o: list[Matrix] = []
    for y_prev in y:
        e.append(luong_scores(p["W_a"], s[-1], annotations))
        alpha.append(attention_weights(e[-1]))
        contexts.append(attention_context(alpha[-1], annotations))
        a_t, s_t = attention_decoder_state(p["W_dec"], s[-1], p["V"], y_prev, p["W_c"], contexts[-1], p["c"])
        a.append(a_t)
        s.append(s_t)
        o.append(sym_seq2seq.decoder_logits(p["W_out"], s_t, p["b_out"]))
    loss = sym_seq2seq.seq2seq_loss(o, targets)
    return SymbolicLuong(x, z, h, inputs, y, e, alpha, contexts, a, s, o, loss)


def luong_closed_form_gradients(
    params: Mapping[str, Matrix],
    unrolled: SymbolicLuong,
    targets: Sequence[int],
    *,
    source: Sequence[int],
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
) -> dict[str, Matrix]:
    """The twelve parameters' gradients from the derived equations (the twins), keyed by parameter name.

    Parameters
    ----------
    params, unrolled, targets, source
        As for [`closed_form_gradients`][rnn_math.symbolic.attention.composer.closed_form_gradients],
        with the unrolled model of [`luong_unrolled_loss`][rnn_math.symbolic.attention.luong.luong_unrolled_loss].
    replace
        Wrong versions of equations by id (among ``LUONG_BACKWARD_EQUATIONS`` of
        [`rnn_math.attention.luong_passes`][rnn_math.attention.luong_passes]), for negative controls.
    """
    # Imported at call time: the registry must be complete, and the NumPy side names the composed ids.
    from rnn_math.attention.luong_passes import LUONG_BACKWARD_EQUATIONS
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(LUONG_BACKWARD_EQUATIONS, replace, side="sympy")
    p, u = params, unrolled
    annotations = u.h[1:]
    T_dec, T_enc = len(u.o), len(u.z)
    g = [eq["eq-bptt-output-grad"](o_t, k) for o_t, k in zip(u.o, targets, strict=True)]
    deltas_dec: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    grad_c: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    grad_e: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    delta_next = sp.zeros(p["W_dec"].rows, 1)  # δ^dec_{T'+1} = 0
    grad_e_next = sp.zeros(T_enc, 1)  # and no scores after the last step
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-luong-state-grad"](p["W_out"], g[t], p["W_dec"], delta_next, p["W_a"], grad_e_next, annotations)
        deltas_dec[t] = delta_next = eq["eq-decoder-delta"](grad_s, u.a[t])
        grad_c[t] = eq["eq-attention-context-grad"](p["W_c"], deltas_dec[t])
        grad_alpha = eq["eq-attention-weight-grad"](annotations, grad_c[t])
        grad_e[t] = grad_e_next = eq["eq-attention-softmax-grad"](u.alpha[t], grad_alpha)
    grad_from_next = eq["eq-luong-handoff"](p["W_dec"], deltas_dec[0], p["W_a"], grad_e[0], annotations)
    deltas_enc: list[Matrix] = [sp.zeros(1, 1)] * T_enc
    for j in range(T_enc - 1, -1, -1):
        annotation = eq["eq-luong-annotation-grad@T"] if j == T_enc - 1 else eq["eq-luong-annotation-grad"]
        grad_h = annotation(
            [alpha_t[j] for alpha_t in u.alpha], grad_c, p["W_a"], [g_t[j] for g_t in grad_e], u.s, grad_from_next
        )
        deltas_enc[j] = eq["eq-bptt-delta"](grad_h, u.z[j], "tanh")
        grad_from_next = eq["eq-encoder-state-grad"](p["W_h"], deltas_enc[j])
    return {
        **recurrent_gradients(eq, p, u, source, deltas_enc, deltas_dec, g),
        "W_a": eq["eq-luong-grad-wa"](grad_e, u.s, annotations),
        "W_c": eq["eq-attention-grad-wc"](deltas_dec, u.contexts),
    }
