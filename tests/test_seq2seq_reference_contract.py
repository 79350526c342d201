"""The encoder-decoder's 50-digit reference and its saturated cases, called directly (not cached).

Each test pins one behaviour a small wrong edit of rnn_math/seq2seq/reference.py or
rnn_math/seq2seq/saturation.py would change. The module-level cache of references is bypassed on
purpose: every test computes what it checks.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnn_math.seq2seq import PARAMETER_NAMES, Seq2SeqParams, backward
from rnn_math.seq2seq.reference import reference_backward
from rnn_math.seq2seq.saturation import normwise_relative_error, saturated_case, saturated_cases

WINS = saturated_case(1000.0, "right word wins")


def small_params(scale: float = 0.01) -> Seq2SeqParams:
    return Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2, seed=3, scale=scale)


# The reference.


def test_the_reference_loss_when_the_right_word_wins_by_far_is_the_tiny_true_loss():
    # About 1.5e-130: a log-sum-exp shifted by any logit but the largest would leave 50-digit
    # rounding noise of the large logits (about 1e-47) instead.
    reference = reference_backward(WINS.params, WINS.source, WINS.targets)
    assert reference.loss == pytest.approx(backward(WINS.params, WINS.source, WINS.targets).loss, rel=1e-12)
    assert 0 < reference.loss < 1e-100


def test_every_reference_gradient_has_the_shape_of_its_parameter():
    params = small_params()
    reference = reference_backward(params, np.array([1, 2]), np.array([0, 3, 4]))
    for name, value in params.as_dict().items():
        assert reference.grads[name].shape == value.shape, name


def test_the_hand_off_of_one_sentence_has_no_batch_axis_and_a_batch_has_one():
    params = small_params()
    one = reference_backward(params, np.array([1, 2]), np.array([0, 4]))
    batch = reference_backward(params, np.array([[1, 2], [3, 0]]), np.array([[0, 4], [1, 4]]))
    assert one.grad_context.shape == (3,) and batch.grad_context.shape == (2, 3)
    np.testing.assert_array_equal(batch.grad_context[0], one.grad_context)


def test_the_largest_pre_activation_and_logit_are_reported_even_below_one():
    reference = reference_backward(small_params(), np.array([1, 2]), np.array([0, 4]))
    assert isinstance(reference.max_abs_pre_activation, float) and isinstance(reference.max_abs_logit, float)
    assert 0 < reference.max_abs_pre_activation < 1 and 0 < reference.max_abs_logit < 1


def test_sources_and_targets_of_different_batch_sizes_are_refused():
    with pytest.raises(ValueError):
        reference_backward(small_params(), np.array([[1, 2], [3, 0]]), np.array([[0, 4]]))


# The norm-wise relative error.


def test_float32_values_are_compared_in_float64():
    computed, exact = np.float32([1.0, 3.0]), np.float32([1.0000001, 3.0000002])
    c, e = computed.astype(np.float64), exact.astype(np.float64)
    scale = float(np.max(np.abs(e)))
    assert normwise_relative_error(computed, exact) == np.linalg.norm(c / scale - e / scale) / np.linalg.norm(e / scale)


def test_an_exact_value_whose_largest_entry_is_one_gives_a_finite_error():
    assert normwise_relative_error([1.0, 0.5], [1.0, 0.0]) == pytest.approx(0.5, rel=1e-15)


def test_zero_against_an_all_zero_exact_value_is_no_error():
    assert normwise_relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0


def test_anything_but_zero_against_an_all_zero_exact_value_is_an_infinite_error():
    assert normwise_relative_error([0.0, 1e-300], [0.0, 0.0]) == float("inf")


def test_values_of_different_sizes_are_refused_with_both_sizes():
    with pytest.raises(ValueError, match=r"^computed: expected 3 values \(as many as exact\), got 2$"):
        normwise_relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


# The saturated cases.


def test_an_unknown_regime_is_refused_naming_the_known_ones():
    message = "regime: expected one of ('right word wins', 'right word loses'), got 'draw'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        saturated_case(10.0, "draw")


def test_an_unknown_extreme_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"^extreme: expected one of \(10\.0, 30\.0, 100\.0, 1000\.0\), got 20\.0$"):
        saturated_case(20.0, "right word wins")


def test_the_cases_of_a_dtype_are_in_that_dtype():
    for case in saturated_cases(np.float32):
        assert {value.dtype for value in case.params.as_dict().values()} == {np.dtype(np.float32)}, case.name
    assert set(PARAMETER_NAMES) == set(WINS.params.as_dict())
