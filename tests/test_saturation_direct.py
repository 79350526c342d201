"""The saturation checks' own parts: the textbook negative controls are right away from saturation,
the case lists hold what they say, and the reported worst errors rank the forms as they should.

Each test pins one behaviour a small wrong edit of rnn_math/rnn/saturation.py,
rnn_math/seq2seq/saturation.py or rnn_math/rnn/example.py would change. A negative control is
only a control if it is the textbook formula exactly: correct algebra that loses its digits in
saturation, and agrees with the package's form everywhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn import saturation
from rnn_math.rnn.bptt import output_gradient
from rnn_math.rnn.example import NOTES_TOKENS, NOTES_xs, notes_encoder
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.saturation import SaturatedCase, package_bptt, textbook_bptt
from rnn_math.seq2seq import decoder_delta
from rnn_math.seq2seq import saturation as seq2seq_saturation


def calm_case(activation: str, T: int = 3) -> SaturatedCase:
    rng = np.random.default_rng(5)
    params = RNNParams.random(d=3, D_h=4, V=5, seed=5)
    return SaturatedCase(
        "calm",
        activation,
        params,
        rng.standard_normal((2, T, 3)),
        rng.integers(0, 5, (2, T)),
        0.5 * rng.standard_normal((2, 4)),
    )


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("T", [1, 3])
def test_the_textbook_backward_pass_agrees_with_bptt_away_from_saturation(activation, T):
    case = calm_case(activation, T)
    ours, textbook = package_bptt(case), textbook_bptt(case)
    for name, value in ours.items():
        np.testing.assert_allclose(textbook[name], value, rtol=1e-10, atol=1e-14, err_msg=name)


def test_the_textbook_backward_pass_uses_both_textbook_forms_by_default():
    case = saturation.saturated_case(30.0, "tanh")
    default, both = textbook_bptt(case), textbook_bptt(case, slope_from_h=True, target_minus_one=True)
    for name in default:
        np.testing.assert_array_equal(default[name], both[name], err_msg=name)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_the_cases_of_an_activation_and_dtype_are_one_per_extreme_in_that_activation_and_dtype(activation):
    cases = saturation.saturated_cases(activation, np.float32)
    assert len(cases) == len(saturation.EXTREMES)
    assert {c.activation for c in cases} == {activation}
    assert {c.params.W_h.dtype for c in cases} == {np.dtype(np.float32)}
    assert [c.name for c in cases] == [
        saturation.saturated_case(e, activation, np.float32).name for e in saturation.EXTREMES
    ]


def test_the_reported_worst_errors_are_within_tolerance_for_bptt_and_not_for_the_textbook_forms():
    ours = saturation.saturation_errors("tanh", np.float64)
    textbook = saturation.saturation_errors("tanh", np.float64, textbook_bptt)
    assert set(ours) == set(saturation.GRADIENTS)
    assert max(ours.values()) <= saturation.TOLERANCES["float64"]
    assert max(textbook.values()) > 1e-3


def test_the_reported_worst_error_of_a_gradient_is_its_largest_over_the_cases():
    cases = saturation.saturated_cases("sigmoid", np.float64)
    per_case = [saturation.case_errors(case) for case in cases]
    worst = saturation.saturation_errors("sigmoid", np.float64)
    for name in saturation.GRADIENTS:
        assert worst[name] == max(errors[name] for errors in per_case), name


# The encoder-decoder's textbook forms.


def test_the_textbook_decoder_slope_agrees_with_the_packages_away_from_saturation():
    a, g = np.linspace(-3, 3, 13), np.linspace(1, 2, 13)
    np.testing.assert_allclose(seq2seq_saturation.textbook_decoder_delta(g, a), decoder_delta(g, a), rtol=1e-13)


def test_the_textbook_output_gradient_agrees_with_the_packages_away_from_saturation():
    y_hat = np.array([[[0.1, 0.2, 0.3, 0.15, 0.25], [0.5, 0.1, 0.1, 0.2, 0.1]]])  # (B, T, V) with T != V
    targets = np.array([[2, 0]])
    np.testing.assert_allclose(
        seq2seq_saturation.textbook_output_gradient(y_hat, targets),
        output_gradient(y_hat, targets),
        rtol=1e-13,
        atol=1e-16,
    )


def test_the_encoder_decoders_textbook_forms_are_rejected_and_its_own_are_not():
    ours = seq2seq_saturation.saturation_errors(np.float64)
    textbook = seq2seq_saturation.saturation_errors(np.float64, seq2seq_saturation.TEXTBOOK)
    assert max(ours.values()) <= 1e-12 < max(textbook.values())


# The worked example's trace.


def test_the_worked_encoder_trace_carries_its_tokens_and_inputs():
    trace = notes_encoder()
    assert trace.tokens == NOTES_TOKENS
    np.testing.assert_array_equal(trace.xs, NOTES_xs)


def test_the_reported_worst_errors_in_float32_come_from_float32_cases():
    worst = saturation.saturation_errors("tanh", np.float32)
    per_case = [saturation.case_errors(case) for case in saturation.saturated_cases("tanh", np.float32)]
    for name in saturation.GRADIENTS:
        assert worst[name] == max(errors[name] for errors in per_case), name
    assert max(worst.values()) <= saturation.TOLERANCES["float32"]
