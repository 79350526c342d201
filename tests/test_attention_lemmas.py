"""The attention model's lemmas of the induction over the steps: proven exactly, and failing on wrong versions.

The generic tests of tests/test_lemmas.py also prove every declared lemma and run every catalogued
mistake through it; here: each attention lemma is proven, rejects every catalogued mistake that
replaces an equation it covers, every mistake reaches a lemma, the decoder's lemmas claim no more
than they can reject, and a planted wrong version of each covered attention equation that no
catalogued mistake replaces is rejected too.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rnn_math.attention import lemmas as attention_lemmas
from rnn_math.attention.declaration import ATTENTION, BACKWARD_EQUATIONS
from rnn_math.attention.mistakes import MISTAKES as ADDITIVE_MISTAKES
from rnn_math.symbolic.attention import equations as sym
from rnn_math.verification import engine

LEMMAS = {lemma.name: lemma for lemma in ATTENTION.lemmas}
MISTAKES = {mistake.name: mistake for mistake in ATTENTION.mistakes}


def _replaced(mistake) -> set[str]:
    return {eq_id.split("@")[0] for eq_id in mistake.sympy}


CONTROLS = [
    pytest.param(lemma, mistake, id=f"{lemma.name}: {mistake.name}")
    for lemma in ATTENTION.lemmas
    for mistake in ATTENTION.mistakes
    if _replaced(mistake) & set(lemma.equations)
]


def _state_grad_without_scores(W_out, output_grad_t, W_dec, delta_dec_next, W_a, eps_next):
    return W_out.T * output_grad_t + W_dec.T * delta_dec_next


def _context_grad_untransposed(W_c, delta_dec_t):
    return W_c * delta_dec_t


def _weight_grad_positions_swapped(h, grad_c_t):
    return sp.Matrix([(h_j.T * grad_c_t)[0, 0] for h_j in reversed(h)])


def _score_grad_without_slope(grad_e, v_a, m, activation="tanh"):
    return [grad_e[j] * v_a for j in range(len(m))]


def _grad_va_without_tanh(grad_e, m, activation="tanh"):
    return sp.Add(*[g_t[j] * m_tj for g_t, m_t in zip(grad_e, m, strict=True) for j, m_tj in enumerate(m_t)])


def _grad_wa_last_position_only(eps, s_prev):
    return sp.Add(*[eps_t[-1] * s.T for eps_t, s in zip(eps, s_prev, strict=True)])


def _grad_ua_positions_swapped(eps, h):
    return sp.Add(*[e_tj * h_j.T for eps_t in eps for e_tj, h_j in zip(eps_t, reversed(h), strict=True)])


def _grad_wc_transposed(deltas_dec, contexts):
    return sp.Add(*[c_t * d.T for d, c_t in zip(deltas_dec, contexts, strict=True)])


#: A plausible wrong version of each covered attention equation that no catalogued mistake replaces.
PLANTED = {
    "eq-attention-state-grad": _state_grad_without_scores,
    "eq-attention-context-grad": _context_grad_untransposed,
    "eq-attention-weight-grad": _weight_grad_positions_swapped,
    "eq-attention-score-grad": _score_grad_without_slope,
    "eq-attention-grad-va": _grad_va_without_tanh,
    "eq-attention-grad-wa": _grad_wa_last_position_only,
    "eq-attention-grad-ua": _grad_ua_positions_swapped,
    "eq-attention-grad-wc": _grad_wc_transposed,
}

PLANTED_CASES = [
    pytest.param(lemma, eq_id, id=f"{lemma.name}: {eq_id}")
    for lemma in ATTENTION.lemmas
    for eq_id in lemma.equations
    if eq_id in PLANTED
]


@pytest.mark.parametrize("lemma", ATTENTION.lemmas, ids=lambda lemma: lemma.name)
def test_each_attention_lemma_is_proven_on_the_registered_equations(lemma):
    assert lemma.prove({}) is True


@pytest.mark.parametrize(("lemma", "mistake"), CONTROLS)
def test_each_attention_lemma_rejects_every_catalogued_mistake_that_replaces_an_equation_it_covers(lemma, mistake):
    assert lemma.prove(mistake.sympy) is False


def test_every_catalogued_mistake_of_the_additive_score_reaches_a_lemma():
    # The multiplicative score's own mistakes replace its own equations, which no lemma covers yet.
    assert {p.values[1].name for p in CONTROLS} == {m.name for m in ADDITIVE_MISTAKES}


def test_every_covered_attention_equation_is_replaced_by_a_catalogued_mistake_or_a_planted_one():
    # The borrowed equations (the output layer, the decoder's and the encoder's RNN equations) are
    # the encoder-decoder's and the RNN's, whose lemmas reject their own catalogued mistakes.
    catalogued = {eq_id for m in ATTENTION.mistakes for eq_id in _replaced(m)}
    covered = {eq_id for lemma in ATTENTION.lemmas for eq_id in lemma.equations}
    assert covered & set(BACKWARD_EQUATIONS) <= catalogued | set(PLANTED)
    assert set(PLANTED) <= covered


@pytest.mark.parametrize(("lemma", "eq_id"), PLANTED_CASES)
def test_each_attention_lemma_rejects_a_planted_wrong_version_of_each_equation_without_a_catalogued_mistake(
    lemma, eq_id
):
    assert lemma.prove({eq_id: PLANTED[eq_id]}) is False


def test_the_decoder_lemmas_hold_with_the_encoder_recursion_dropped_so_they_do_not_claim_the_annotation_gradient():
    # A decoder step sends h_j its share α_{t,j} ∂L/∂c_t + U_aᵀ ε_{t,j}; what h_j feeds in the
    # encoder is not the decoder's, so dropping that term changes nothing there. Only the encoder's
    # lemma can reject that mistake, and only it lists the annotation gradient.
    dropped = MISTAKES["encoder-recursion-term-dropped"].sympy
    for name in ("decoder base case", "decoder one-step lemma"):
        assert LEMMAS[name].prove(dropped) is True
        assert "eq-attention-annotation-grad" not in LEMMAS[name].equations
    assert "eq-attention-annotation-grad" in LEMMAS["hand-off and encoder steps"].equations


def test_the_decoder_lemmas_still_reject_the_untransposed_score_weights_in_each_steps_share():
    untransposed = MISTAKES["score-weights-not-transposed"].sympy
    assert LEMMAS["decoder base case"].prove(untransposed) is False
    assert LEMMAS["decoder one-step lemma"].prove(untransposed) is False


def test_the_base_case_holds_without_the_next_steps_terms_so_it_does_not_claim_the_state_gradient():
    # At t = T' nothing follows: δ^dec_{T'+1} = 0 and ε_{T'+1,j} = 0, so dropping W_aᵀ Σ_j ε_{t+1,j}
    # changes nothing there; the one-step lemma rejects it.
    planted = {"eq-attention-state-grad": _state_grad_without_scores}
    assert LEMMAS["decoder base case"].prove(planted) is True
    assert "eq-attention-state-grad" not in LEMMAS["decoder base case"].equations
    assert LEMMAS["decoder one-step lemma"].prove(planted) is False


def test_the_encoder_lemma_rejects_a_hand_off_that_forgets_the_decoders_first_step():
    def handoff_without_the_decoder(W_dec, delta_dec_1, W_a, eps_1):
        return W_a.T * (eps_1[0] + eps_1[1])

    assert LEMMAS["hand-off and encoder steps"].prove({"eq-attention-handoff": handoff_without_the_decoder}) is False


def test_the_attention_lemma_sizes_are_the_ones_the_proofs_use():
    assert attention_lemmas.SIZES == {"T": 2, "D_h": 2, "n_a": 2, "d_en": 1, "d_hi": 1, "|V_hi|": 2}
    for lemma in ATTENTION.lemmas:
        assert lemma.sizes.items() <= attention_lemmas.SIZES.items()
        assert {"T", "D_h", "n_a"} <= set(lemma.sizes)


def test_the_planted_wrong_versions_have_the_registered_signatures():
    # A planted version that fails only by raising would prove nothing: each returns the right shape.
    W, delta, h = sp.ones(2, 2), sp.ones(2, 1), [sp.ones(2, 1), 2 * sp.ones(2, 1)]
    assert PLANTED["eq-attention-context-grad"](W, delta).shape == sym.context_gradient(W, delta).shape
    assert PLANTED["eq-attention-weight-grad"](h, delta).shape == sym.weight_gradient(h, delta).shape
    state = (W, delta, W, delta, W, h)
    assert PLANTED["eq-attention-state-grad"](*state).shape == sym.attention_state_gradient(*state).shape
    eps = [h]
    assert PLANTED["eq-attention-grad-ua"](eps, h).shape == sym.grad_U_a(eps, h).shape
    assert PLANTED["eq-attention-grad-wa"](eps, [delta]).shape == sym.grad_W_a(eps, [delta]).shape
    assert PLANTED["eq-attention-grad-wc"]([delta], [delta]).shape == sym.grad_W_c([delta], [delta]).shape


def test_the_engine_reports_every_attention_lemma_passed_with_every_control_rejected():
    reports = engine.verify_lemmas(model="attention")
    assert [r.name for r in reports] == ["decoder base case", "decoder one-step lemma", "hand-off and encoder steps"]
    assert all(r.passed and r.controls == r.controls_rejected > 0 for r in reports)
