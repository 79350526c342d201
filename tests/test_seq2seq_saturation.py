"""The encoder-decoder in saturation: every gradient exact to rounding against a 50-digit reference.

The cases (rnn_math.seq2seq.saturation) drive both halves to a largest |pre-activation| of 10, 30,
100 and 1000 and the logits to ±10 … ±1000, with the right word winning by a wide margin (tiny
output gradients) or losing (output gradients of order 1). Every gradient is checked on its own,
norm-wise, so that a tiny gradient cannot hide behind a large one.

Where a true value underflows: the unit held at the largest |pre-activation| has a slope of
about 4 e^{-2|a|} (10⁻⁸⁶⁹ at 1000), which rounds to 0 in the dtype; the reference, rounded to
float64, is 0 there too, and the test below shows both sides agree on that 0. The gradients as a
whole are carried by the other two units and are normal numbers of the dtype in every case.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.seq2seq import PARAMETER_NAMES, Seq2SeqParams, backward, run_backward
from rnn_math.seq2seq.reference import reference_backward
from rnn_math.seq2seq.saturation import (
    EXTREMES,
    REGIMES,
    case_errors,
    normwise_relative_error,
    reference,
    saturated_case,
    saturated_cases,
    saturation_errors,
    textbook_decoder_delta,
    textbook_output_gradient,
)

#: Exact to rounding: a few ulps of float64, far above it for float32.
BOUND = {"float64": 1e-12, "float32": 1e-4}
#: Gradients that the decoder's slope reaches (all but the output layer's).
SLOPE_DEPENDENT = tuple(name for name in PARAMETER_NAMES if name not in ("W_out", "b_out"))

CASES = [(dtype, extreme, regime) for dtype in BOUND for extreme in EXTREMES for regime in REGIMES]


def case_id(case) -> str:
    dtype, extreme, regime = case
    return f"{dtype}-z{extreme:g}-{regime.split()[-1]}"


def errors(case, replace=None) -> dict[str, float]:
    return case_errors(saturated_case(case[1], case[2], case[0]), replace)


# --- The cases are what they claim ---------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_case_reaches_its_largest_pre_activation_and_logit(case):
    dtype, extreme, regime = case
    exact = reference(saturated_case(extreme, regime, dtype).name, dtype)
    assert extreme <= exact.max_abs_pre_activation <= extreme + 0.5
    assert exact.max_abs_logit == pytest.approx(extreme, rel=1e-6)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_true_gradient_is_a_normal_number_of_the_dtype(case):
    dtype, extreme, regime = case
    exact = reference(saturated_case(extreme, regime, dtype).name, dtype)
    smallest = min(float(np.max(np.abs(g))) for g in exact.grads.values())
    assert smallest >= np.finfo(dtype).tiny


@pytest.mark.parametrize("dtype", BOUND)
def test_what_passes_through_a_unit_at_1000_underflows_to_zero_on_both_sides(dtype):
    case = saturated_case(1000.0, REGIMES[0], dtype)
    exact = reference(case.name, dtype).grads["c"]
    computed = backward(case.params, case.source, case.targets).grads.grad_c
    assert exact[0] == 0.0 and computed[0] == 0.0  # unit 0 sits at |a| ≈ 1000
    assert np.all(exact[1:] != 0) and np.all(computed[1:] != 0)  # the other units carry the gradient


# --- Every gradient exact to rounding -------------------------------------------------------------


@pytest.mark.equation("eq-decoder-delta", "eq-bptt-output-grad", "eq-bptt-delta", "eq-handoff")
@pytest.mark.parametrize("name", PARAMETER_NAMES)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_gradient_is_exact_to_rounding_in_saturation(case, name):
    assert errors(case)[name] <= BOUND[case[0]]


@pytest.mark.equation("eq-seq2seq-loss")
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_loss_is_exact_to_rounding_in_saturation(case):
    assert errors(case)["loss"] <= BOUND[case[0]]


# --- Negative controls: the same check rejects the cancelling forms -------------------------------


@pytest.mark.parametrize("name", SLOPE_DEPENDENT)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_textbook_decoder_slope_one_minus_s_squared_is_rejected(case, name):
    assert errors(case, replace={"eq-decoder-delta": textbook_decoder_delta})[name] > BOUND[case[0]]


@pytest.mark.parametrize("name", ["W_out", "b_out"])
@pytest.mark.parametrize("case", [c for c in CASES if c[2] == REGIMES[0] and c[1] >= 30], ids=case_id)
def test_the_output_gradient_p_k_minus_one_is_rejected_when_the_right_word_wins_by_far(case, name):
    assert errors(case, replace={"eq-bptt-output-grad": textbook_output_gradient})[name] > BOUND[case[0]]


# --- The reference itself -------------------------------------------------------------------------


def test_the_reference_equals_the_proven_backward_pass_away_from_saturation():
    # Ordinary values, where the NumPy pass is proven against SymPy (test_seq2seq_proofs).
    params = Seq2SeqParams.random(5, 4, D_h=3, d_en=2, d_hi=2, seed=3, scale=0.8)
    source, targets = np.array([[0, 3, 0], [2, 4, 1]]), np.array([[1, 1, 3], [2, 0, 3]])
    exact, computed = reference_backward(params, source, targets), backward(params, source, targets)
    assert exact.loss == pytest.approx(computed.loss, rel=1e-14, abs=0)
    for name, g in computed.grads.as_dict().items():
        assert normwise_relative_error(g, exact.grads[name]) <= 1e-14, name
    assert normwise_relative_error(computed.grad_context, exact.grad_context) <= 1e-14


def test_the_reference_rejects_a_wrong_hand_off_away_from_saturation():
    params = Seq2SeqParams.random(5, 4, D_h=3, d_en=2, d_hi=2, seed=3, scale=0.8)
    source, targets = np.array([[0, 3, 0]]), np.array([[1, 1, 3]])
    wrong = run_backward(params, source, targets, replace={"eq-handoff": lambda W_dec, d: d @ W_dec.T})
    exact = reference_backward(params, source, targets)
    assert normwise_relative_error(wrong.grads.grad_W_h, exact.grads["W_h"]) > 1e-3


def test_the_norm_wise_error_of_tiny_gradients_does_not_underflow():
    exact = np.array([3e-170, 4e-170])  # squares of 10⁻¹⁷⁰ underflow: a plain ‖·‖ would give 0/0
    assert normwise_relative_error(exact * (1 + 1e-10), exact) == pytest.approx(1e-10, rel=1e-5, abs=0)


# --- The summary the Verification page shows ------------------------------------------------------


@pytest.mark.parametrize("dtype", BOUND)
def test_saturation_errors_reports_the_worst_case_of_every_gradient(dtype):
    per_case = [case_errors(case) for case in saturated_cases(dtype)]
    summary = saturation_errors(dtype)
    assert list(summary) == list(PARAMETER_NAMES)
    assert summary == {name: max(e[name] for e in per_case) for name in PARAMETER_NAMES}


def test_saturation_errors_refuses_an_unknown_dtype():
    with pytest.raises(ValueError, match="dtype: expected float32 or float64, got float16"):
        saturation_errors(np.float16)
