"""The encoder-decoder refuses bad input with a sentence naming the argument, what was expected and what came.

Each test pins one behaviour a small wrong edit of the input checks of rnn_math/seq2seq/params.py
and passes.py would change (the parameters' shapes, the token arrays, the pairing of sources and targets).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnn_math.seq2seq import PARAMETER_NAMES, Seq2SeqParams, backward, forward

PARAMS = Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2)  # n_en 4, n_hi 5, D_h 3, d_en 2, d_hi 2
PATTERNS = {
    "E_en": "(n_en, d_en)",
    "W_h": "(D_h, D_h)",
    "W_e": "(D_h, d_en)",
    "b_1": "(D_h,)",
    "E_hi": "(*, d_hi)",
    "W_dec": "(D_h, D_h)",
    "V": "(D_h, d_hi)",
    "c": "(D_h,)",
    "W_out": "(n_hi, D_h)",
    "b_out": "(n_hi,)",
}


def test_the_patterns_cover_every_parameter():
    assert set(PATTERNS) == set(PARAMETER_NAMES)


@pytest.mark.parametrize("name", PARAMETER_NAMES)
def test_a_parameter_of_the_wrong_rank_is_refused_with_its_name_and_named_dimensions(name):
    value = PARAMS.as_dict()[name]
    wrong = {**PARAMS.as_dict(), name: value[..., None]}
    message = f"{name}: expected shape {PATTERNS[name]}, got {(*value.shape, 1)}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Seq2SeqParams(**wrong)


@pytest.mark.parametrize("name", PARAMETER_NAMES)
def test_a_parameter_that_is_not_finite_is_refused_by_name(name):
    value = PARAMS.as_dict()[name].copy()
    value.flat[0] = np.nan
    with pytest.raises(ValueError, match=f"^{name}: expected finite values"):
        Seq2SeqParams(**{**PARAMS.as_dict(), name: value})


def test_an_embedding_table_without_the_start_tokens_row_says_how_many_rows_it_has():
    wrong = {**PARAMS.as_dict(), "E_hi": PARAMS.E_hi[:-2]}
    message = "E_hi: expected 6 rows (the 5 Hindi words of W_out, then the start token), got 4"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Seq2SeqParams(**wrong)


@pytest.mark.parametrize("name", ["n_en", "n_hi", "D_h", "d_en", "d_hi"])
def test_a_random_size_below_one_is_refused_by_name(name):
    sizes = {"n_en": 4, "n_hi": 5, "D_h": 3, "d_en": 2, "d_hi": 2, name: 0}
    with pytest.raises(ValueError, match=f"^{name}: expected a positive integer, got 0$"):
        Seq2SeqParams.random(sizes.pop("n_en"), sizes.pop("n_hi"), **sizes)


def test_random_parameters_default_to_seed_zero_and_scale_three_tenths():
    default = Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2)  # built here, not at import
    explicit = Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2, seed=0, scale=0.3)
    for name, value in default.as_dict().items():
        np.testing.assert_array_equal(value, explicit.as_dict()[name], err_msg=name)


# Token arrays.


@pytest.mark.parametrize(
    ("source", "targets", "message"),
    [
        (np.ones((1, 1, 1), int), np.array([0]), "source: expected shape (T,) or (B, T), got (1, 1, 1)"),
        (np.ones((0, 3), int), np.ones((0, 3), int), "source: expected at least one token, got shape (0, 3)"),
        (np.array([1, 4]), np.array([0]), "source: expected indices in 0..3, got 4"),
        (np.array([-1, 2]), np.array([0]), "source: expected indices in 0..3, got -1"),
        (np.array([1, 2]), np.array([0, 5]), "targets: expected indices in 0..4, got 5"),
        (
            np.array([[1, 2, 3], [0, 1, 2]]),
            np.array([[0, 1]] * 3),
            "targets: expected as many sentences as source (2), got shape (3, 2)",
        ),
    ],
)
def test_bad_tokens_are_refused_naming_the_argument_what_was_expected_and_what_came(source, targets, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        forward(PARAMS, source, targets)


def test_parameters_of_another_type_are_refused_naming_the_type():
    with pytest.raises(TypeError, match=r"^params: expected Seq2SeqParams, got dict$"):
        backward(PARAMS.as_dict(), np.array([1]), np.array([0]))


def test_a_one_word_sentence_and_a_one_word_translation_are_accepted():
    result = backward(PARAMS, np.array([1]), np.array([4]))
    assert np.isfinite(result.loss) and result.grad_context.shape == (3,)


def test_one_sentence_keeps_no_batch_axis_and_a_batch_of_one_keeps_its_axis():
    assert forward(PARAMS, np.array([1, 2]), np.array([0, 4])).o.shape == (2, 5)
    assert forward(PARAMS, np.array([[1, 2]]), np.array([[0, 4]])).o.shape == (1, 2, 5)
