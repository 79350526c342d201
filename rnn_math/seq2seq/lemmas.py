"""The encoder-decoder's backward pass for every pair of lengths: the lemmas of the induction over steps.

The decoder is an RNN of its own: from step t + 1 on, its loss depends on s_t only through the
next pre-activation a_{t+1} = W_dec^{(t+1)} s_t + (V y_t + c), so the loss from step t on is
L_t(o_t) + R(a_{t+1}) for an arbitrary differentiable R, and δ^dec_{t+1} = ∂R/∂a_{t+1}. The
hand-off is one more step of the same lemma: the whole decoder depends on the encoder's last state
h_T = s_0 only through a_1 = W_dec h_T + (V y_0 + c). Below it, the encoder's steps have no output
of their own: from step t + 1 on, everything is a function R of z_{t+1} = W_h^{(t+1)} h_t + ….

- [`decoder_step`][rnn_math.seq2seq.lemmas.decoder_step] without R: the decoder's last step;
- [`decoder_step`][rnn_math.seq2seq.lemmas.decoder_step] with R: one decoder step, whose gradient
  with respect to s_{t−1} is the hand-off's W_decᵀ δ^dec_t (at t = 1, exactly the hand-off);
- [`encoder_steps`][rnn_math.seq2seq.lemmas.encoder_steps]: the encoder's last step, fed by the
  hand-off, and any earlier step of the encoder.

The sums over steps are the RNN's tied-weight lemma's pattern; they are not restated here.
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from rnn_math.seq2seq.passes import BACKWARD_EQUATIONS as COMPOSED
from rnn_math.symbolic import seq2seq as sym
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.symbolic.types import Expr
from rnn_math.verification.declaration import Replacements, equation_functions
from rnn_math.verification.lemmas import Lemma, downstream_gradient
from rnn_math.verification.proof import prove_gradients, symbol_matrix

#: The sizes the lemmas are proven at (every target word k of the decoder's vocabulary).
SIZES: dict[str, int] = {"D_h": 2, "d_en": 1, "d_hi": 1, "|V_hi|": 2}


def _decoder_proof(D_h: int, d_hi: int, V_hi: int, k: int, downstream: bool, replace: Replacements) -> bool:
    eq = equation_functions(COMPOSED, replace, side="sympy")
    W_dec, V, c = symbol_matrix("W_dec", D_h, D_h), symbol_matrix("V", D_h, d_hi), symbol_matrix("c", D_h)
    W_out, b_out = symbol_matrix("W_out", V_hi, D_h), symbol_matrix("b_out", V_hi)
    s_prev, y_prev = symbol_matrix("s_prev", D_h), symbol_matrix("y_prev", d_hi)
    a, s = sym.decoder_state(W_dec, s_prev, V, y_prev, c)
    o = sym.decoder_logits(W_out, s, b_out)
    loss: Expr = sym.seq2seq_loss([o], [k])
    W_dec_next, rest = symbol_matrix("W_dec_next", D_h, D_h), symbol_matrix("rest", D_h)
    if downstream:
        R = sp.Function("R")(*(W_dec_next * s + rest))
        loss += R
        delta_next = downstream_gradient(R, rest)  # δ^dec_{t+1} = ∂R/∂a_{t+1}
    else:
        delta_next = sp.zeros(D_h, 1)  # nothing follows the decoder's last step
    g = eq["eq-bptt-output-grad"](o, k)
    delta = eq["eq-decoder-delta"](eq["eq-decoder-state-grad"](W_out, g, W_dec_next, delta_next), a)
    closed = {
        "W_out": eq["eq-decoder-grad-wout"]([g], [s]),
        "b_out": eq["eq-decoder-grad-bout"]([g]),
        "W_dec": eq["eq-decoder-grad-wdec"]([delta], [s_prev]),
        "V": eq["eq-decoder-grad-v"]([delta], [y_prev]),
        "c": eq["eq-decoder-grad-c"]([delta]),
        "s_prev": eq["eq-handoff"](W_dec, delta),
        "y_prev": eq["eq-bptt-grad-x"](V, delta),
    }
    variables = {"W_out": W_out, "b_out": b_out, "W_dec": W_dec, "V": V, "c": c, "s_prev": s_prev, "y_prev": y_prev}
    return all(p.proven for p in prove_gradients(loss, variables, closed, stop_at_first=bool(replace)))


def decoder_step(replace: Replacements, *, D_h: int, d_hi: int, V_hi: int, downstream: bool = True) -> bool:
    """One decoder step followed by an arbitrary loss R of a_{t+1} (or, without `downstream`, the last step).

    SymPy's derivative of L_t + R with respect to every entry of W_out, b_out, W_dec, V, c (step t's
    copies), s_{t−1} and y_{t−1} equals the registered equations' result, for every target k.
    """
    return all(_decoder_proof(D_h, d_hi, V_hi, k, downstream, replace) for k in range(V_hi))


def _encoder_proof(D_h: int, d_en: int, last: bool, replace: Replacements) -> bool:
    eq = equation_functions(COMPOSED, replace, side="sympy")
    W_h, W_e, b_1 = symbol_matrix("W_h", D_h, D_h), symbol_matrix("W_e", D_h, d_en), symbol_matrix("b_1", D_h)
    h_prev, x = symbol_matrix("h_prev", D_h), symbol_matrix("x", d_en)
    z = sym_forward.pre_activation(W_h, h_prev, W_e, x, b_1)
    h = sym_forward.hidden_state(z, "tanh")
    # What follows, as a function of the next pre-activation: the decoder's a_1 (through W_dec) after
    # the last step, the encoder's z_{t+1} (through W_h's next copy) after an earlier one.
    W_next, rest = symbol_matrix("W_next", D_h, D_h), symbol_matrix("rest", D_h)
    R = sp.Function("R")(*(W_next * h + rest))
    delta_next = downstream_gradient(R, rest)
    if last:
        delta = eq["eq-bptt-delta@T"](eq["eq-handoff"](W_next, delta_next), z, "tanh")
    else:
        delta = eq["eq-bptt-delta"](eq["eq-encoder-state-grad"](W_next, delta_next), z, "tanh")
    closed = {
        "W_h": eq["eq-bptt-grad-wh"]([delta], [h_prev]),
        "W_e": eq["eq-bptt-grad-we"]([delta], [x]),
        "b_1": eq["eq-bptt-grad-b1"]([delta]),
        "h_prev": eq["eq-encoder-state-grad"](W_h, delta),
        "x": eq["eq-bptt-grad-x"](W_e, delta),
    }
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "h_prev": h_prev, "x": x}
    return all(p.proven for p in prove_gradients(R, variables, closed, stop_at_first=bool(replace)))


def encoder_steps(replace: Replacements, *, D_h: int, d_en: int) -> bool:
    """The encoder's last step after the hand-off, and an earlier encoder step, each followed by an arbitrary R.

    The last step: R(W_dec h_T + …) is the decoder's whole loss, δ^enc_T from the hand-off
    W_decᵀ ∂R/∂a_1. An earlier step: R(W_h^{(t+1)} h_t + …), δ^enc_t from W_hᵀ ∂R/∂z_{t+1}. Both:
    the gradients of step t's copies of W_h, W_e, b_1, of h_{t−1} and of x_t.
    """
    return _encoder_proof(D_h, d_en, True, replace) and _encoder_proof(D_h, d_en, False, replace)


_DECODER = partial(decoder_step, D_h=SIZES["D_h"], d_hi=SIZES["d_hi"], V_hi=SIZES["|V_hi|"])

LEMMAS: tuple[Lemma, ...] = (
    Lemma(
        name="decoder base case",
        statement=r"\delta^{\text{dec}}_{T'+1} = 0 \implies "
        r"\partial L_{T'} / \partial a_{T'} = \delta^{\text{dec}}_{T'}",
        equations=("eq-decoder-delta", "eq-handoff"),
        prove=partial(_DECODER, downstream=False),
        sizes={"D_h": SIZES["D_h"], "d_hi": SIZES["d_hi"], "|V_hi|": SIZES["|V_hi|"]},
    ),
    Lemma(
        name="decoder one-step lemma",
        statement=r"\delta^{\text{dec}}_{t+1} = \partial R / \partial a_{t+1} \implies "
        r"\partial (L_t + R) / \partial a_t = \delta^{\text{dec}}_t",
        equations=("eq-decoder-state-grad", "eq-decoder-delta", "eq-handoff"),
        prove=_DECODER,
        sizes={"D_h": SIZES["D_h"], "d_hi": SIZES["d_hi"], "|V_hi|": SIZES["|V_hi|"]},
    ),
    Lemma(
        name="hand-off and encoder steps",
        statement=r"\partial R(W_{\text{dec}} h_T + \dots) / \partial z_T = \delta^{\text{enc}}_T,\ "
        r"\partial R(W_h h_t + \dots) / \partial z_t = \delta^{\text{enc}}_t",
        equations=("eq-handoff", "eq-encoder-state-grad", "eq-bptt-delta"),
        prove=partial(encoder_steps, D_h=SIZES["D_h"], d_en=SIZES["d_en"]),
        sizes={"D_h": SIZES["D_h"], "d_en": SIZES["d_en"]},
    ),
)
