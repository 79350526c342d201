"""The gated cells' lemmas of the induction over the steps: proven exactly, and failing on wrong versions.

The generic tests of tests/test_lemmas.py prove every declared lemma and run every catalogued
mistake through it; here: every mistake reaches a lemma, and a planted wrong version of each
covered equation that no catalogued mistake replaces is rejected too.
"""

from __future__ import annotations

import pytest
import sympy as sp

from rnn_math.gru import lemmas as gru_lemmas
from rnn_math.gru.declaration import GRU
from rnn_math.lstm import lemmas as lstm_lemmas
from rnn_math.lstm.declaration import LSTM
from rnn_math.symbolic.lstm import backward as sym_lstm
from rnn_math.symbolic.rnn.bptt import activation_derivative
from rnn_math.verification import engine

LSTM_LEMMAS = {lemma.name: lemma for lemma in LSTM.lemmas}


def _slope(name, z):
    return z.applyfunc(activation_derivative(name))


def _recurrent_only(U, output_grad_t, W_hh, delta_next):
    return W_hh.T * delta_next


def _output_gate_without_tanh(grad_h_t, step):
    return grad_h_t.multiply_elementwise(step.c).multiply_elementwise(_slope("sigmoid", step.a_o))


def _input_gate_with_itself(grad_c_t, step):
    return grad_c_t.multiply_elementwise(step.i).multiply_elementwise(_slope("sigmoid", step.a_i))


def _candidate_with_itself(grad_c_t, step, candidate="tanh"):
    return grad_c_t.multiply_elementwise(step.g).multiply_elementwise(_slope(candidate, step.a_g))


def _h_prev_through_output_gate_only(W_hh, delta_1):
    D_h = W_hh.cols
    return W_hh[3 * D_h :, :].T * delta_1[3 * D_h :, :]


def _c_prev_without_forget_gate(f_1, grad_c_1):
    return grad_c_1


def _x_through_input_gate_only(W_ih, delta_t):
    D_h = W_ih.rows // 4
    return W_ih[:D_h, :].T * delta_t[:D_h, :]


def _last_copy_only(deltas, inputs):
    return deltas[-1] * inputs[-1].T


#: A plausible wrong version of each covered equation that no catalogued LSTM mistake replaces.
PLANTED = {
    "eq-lstm-hidden-grad": _recurrent_only,
    "eq-lstm-output-gate-grad": _output_gate_without_tanh,
    "eq-lstm-input-gate-grad": _input_gate_with_itself,
    "eq-lstm-candidate-grad": _candidate_with_itself,
    "eq-lstm-grad-h0": _h_prev_through_output_gate_only,
    "eq-lstm-grad-c0": _c_prev_without_forget_gate,
    "eq-lstm-grad-x": _x_through_input_gate_only,
    "eq-lstm-grad-whh": _last_copy_only,
    "eq-lstm-grad-wih": _last_copy_only,
}

PLANTED_CASES = [
    pytest.param(lemma, eq_id, id=f"{lemma.name}: {eq_id}")
    for lemma in LSTM.lemmas
    for eq_id in lemma.equations
    if eq_id in PLANTED
]


def test_every_catalogued_lstm_mistake_reaches_a_lemma():
    reached = {
        m.name
        for lemma in LSTM.lemmas
        for m in LSTM.mistakes
        if {e.split("@")[0] for e in m.sympy} & set(lemma.equations)
    }
    assert reached == {m.name for m in LSTM.mistakes}


def test_every_covered_lstm_equation_is_replaced_by_a_catalogued_mistake_or_a_planted_one():
    catalogued = {e.split("@")[0] for m in LSTM.mistakes for e in m.sympy}
    covered = {eq_id for lemma in LSTM.lemmas for eq_id in lemma.equations}
    assert covered <= catalogued | set(PLANTED)


@pytest.mark.parametrize(("lemma", "eq_id"), PLANTED_CASES)
def test_each_lstm_lemma_rejects_a_planted_wrong_version_of_each_equation_without_a_catalogued_mistake(lemma, eq_id):
    assert lemma.prove({eq_id: PLANTED[eq_id]}) is False


def test_the_lstm_base_case_holds_without_the_recurrent_terms_so_it_does_not_claim_them():
    # At t = T nothing follows: dropping f^{T+1} ⊙ ∂L/∂c^{T+1} or W_hhᵀ δ^{T+1} changes nothing there.
    no_cell_path = next(m for m in LSTM.mistakes if m.name == "lstm-no-cell-path")
    base = LSTM_LEMMAS["base case"]
    assert base.prove(no_cell_path.sympy) is True
    assert base.prove({"eq-lstm-hidden-grad": lambda U, output_grad_t, W_hh, delta_next: U.T * output_grad_t}) is True
    assert {"eq-lstm-cell-grad", "eq-lstm-hidden-grad"}.isdisjoint(base.equations)
    assert {"eq-lstm-cell-grad", "eq-lstm-hidden-grad"} <= set(LSTM_LEMMAS["one-step lemma"].equations)


def test_the_lstm_lemma_sizes_are_the_ones_the_proofs_use():
    assert LSTM_LEMMAS["one-step lemma"].sizes == lstm_lemmas.STEP_SIZES == {"D_h": 2, "d": 1, "|V|": 2}
    assert LSTM_LEMMAS["one-step lemma"].prove.keywords == {"D_h": 2, "d": 1, "V": 2}
    assert LSTM_LEMMAS["tied-weight lemma"].prove.keywords == {"T": 3, "D_h": 2, "d": 1}
    assert LSTM_LEMMAS["tied-weight lemma"].sizes == lstm_lemmas.TIED_SIZES


def test_the_engine_reports_every_lstm_lemma_passed_with_every_control_rejected():
    reports = engine.verify_lemmas(model="lstm")
    assert [r.name for r in reports] == ["base case", "one-step lemma", "tied-weight lemma"]
    assert all(r.passed and r.controls == r.controls_rejected > 0 for r in reports)


def test_the_planted_wrong_versions_have_the_registered_signatures():
    # A planted version that fails only by raising would prove nothing: each returns a matrix of the right shape.
    W_hh, delta = sp.ones(8, 2), sp.ones(8, 1)
    assert PLANTED["eq-lstm-grad-h0"](W_hh, delta).shape == sym_lstm.grad_h_0(W_hh, delta).shape
    W_ih = sp.ones(8, 1)
    assert PLANTED["eq-lstm-grad-x"](W_ih, delta).shape == sym_lstm.grad_x(W_ih, delta).shape


# --- the GRU -------------------------------------------------------------------------------------

GRU_LEMMAS = {lemma.name: lemma for lemma in GRU.lemmas}


def _carry_dropped(U, output_grad_t, carry_next):
    return U.T * output_grad_t


def _cho_delta_r_untransposed(delta_n_t, W_hn, h_prev, a_r_t):
    return (W_hn * delta_n_t).multiply_elementwise(h_prev).multiply_elementwise(_slope("sigmoid", a_r_t))


def _x_without_the_reset_gate(W_ir, delta_r_t, W_iz, delta_z_t, W_in, delta_n_t):
    return W_iz.T * delta_z_t + W_in.T * delta_n_t


#: A plausible wrong version of each covered GRU equation that no catalogued GRU mistake replaces.
GRU_PLANTED = {
    "eq-gru-hidden-grad": _carry_dropped,
    "eq-gru-cho-delta-r": _cho_delta_r_untransposed,
    "eq-gru-grad-x": _x_without_the_reset_gate,
}

GRU_PLANTED_CASES = [
    pytest.param(lemma, eq_id, id=f"{lemma.name}: {eq_id}")
    for lemma in GRU.lemmas
    for eq_id in lemma.equations
    if eq_id in GRU_PLANTED
]


def test_every_catalogued_gru_mistake_reaches_a_lemma():
    reached = {
        m.name
        for lemma in GRU.lemmas
        for m in GRU.mistakes
        if {e.split("@")[0] for e in m.sympy} & set(lemma.equations)
    }
    assert reached == {m.name for m in GRU.mistakes}


def test_every_covered_gru_equation_is_replaced_by_a_catalogued_mistake_or_a_planted_one():
    catalogued = {e.split("@")[0] for m in GRU.mistakes for e in m.sympy}
    covered = {eq_id for lemma in GRU.lemmas for eq_id in lemma.equations}
    assert covered <= catalogued | set(GRU_PLANTED)


@pytest.mark.parametrize(("lemma", "eq_id"), GRU_PLANTED_CASES)
def test_each_gru_lemma_rejects_a_planted_wrong_version_of_each_equation_without_a_catalogued_mistake(lemma, eq_id):
    assert lemma.prove({eq_id: GRU_PLANTED[eq_id]}) is False


def test_the_gru_base_case_holds_without_the_carry_so_it_does_not_claim_the_hidden_gradient():
    for variant in ("PyTorch's form", "Cho et al.'s form"):
        assert GRU_LEMMAS[f"base case, {variant}"].prove({"eq-gru-hidden-grad": _carry_dropped}) is True
        assert "eq-gru-hidden-grad" not in GRU_LEMMAS[f"base case, {variant}"].equations
        assert "eq-gru-hidden-grad" in GRU_LEMMAS[f"one-step lemma, {variant}"].equations


def test_the_gru_one_step_lemma_covers_both_roads_of_h_into_the_next_step():
    # h^{t−1} enters step t through the gates and directly (z^t ⊙ h^{t−1}): dropping either road from
    # the carry is rejected, in both forms.
    direct = next(m for m in GRU.mistakes if m.name == "gru-direct-path-dropped")
    reset = next(m for m in GRU.mistakes if m.name == "gru-reset-path-dropped")
    for variant in ("PyTorch's form", "Cho et al.'s form"):
        lemma = GRU_LEMMAS[f"one-step lemma, {variant}"]
        assert lemma.prove(direct.sympy) is False
        assert lemma.prove(reset.sympy) is False


def test_the_engine_reports_every_gru_lemma_passed_with_every_control_rejected():
    reports = engine.verify_lemmas(model="gru")
    assert len(reports) == 4
    assert all(r.passed and r.controls == r.controls_rejected > 0 for r in reports)


def test_the_gru_tied_weight_lemma_holds_for_both_forms():
    assert gru_lemmas.tied_weights({}, **gru_lemmas.TIED_SIZES) is True


def _halved(deltas):
    return sp.Add(*deltas) / 2


def _whn_without_reset(r, deltas_n, h_prev):
    return sp.Add(*[d * h.T for d, h in zip(deltas_n, h_prev, strict=True)])


def _bhn_without_reset(r, deltas_n):
    return sp.Add(*deltas_n)


def _bhn_with_reset(r, deltas_n):
    return sp.Add(*[r_t.multiply_elementwise(d) for r_t, d in zip(r, deltas_n, strict=True)])


@pytest.mark.parametrize(
    ("eq_id", "wrong"),
    [
        ("eq-gru-grad-wi", _last_copy_only),
        ("eq-gru-grad-wh", _last_copy_only),
        ("eq-gru-grad-b", _halved),
        ("eq-gru-grad-whn", _whn_without_reset),
        ("eq-gru-grad-bhn", _bhn_without_reset),
        ("eq-gru-cho-grad-whn", _whn_without_reset),
        ("eq-gru-cho-grad-bhn", _bhn_with_reset),
    ],
)
def test_the_gru_tied_weight_lemma_rejects_a_planted_wrong_sum(eq_id, wrong):
    assert gru_lemmas.tied_weights({eq_id: wrong}, **gru_lemmas.TIED_SIZES) is False
