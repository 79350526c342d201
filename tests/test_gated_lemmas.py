"""The gated cells' lemmas of the induction over the steps: proven exactly, and failing on wrong versions.

The generic tests of tests/test_lemmas.py prove every declared lemma and run every catalogued
mistake through it; here: every mistake reaches a lemma, and a planted wrong version of each
covered equation that no catalogued mistake replaces is rejected too.
"""

from __future__ import annotations

import pytest
import sympy as sp

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

