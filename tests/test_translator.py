"""The toy translator: phrase files, training to every pair correct, greedy decoding, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.apps.translator import (
    END,
    HELD_OUT_FILE,
    TrainingConfig,
    TrainingDivergedError,
    UnknownWordError,
    english_words,
    load_pairs,
    parse_pairs,
    train_translator,
)


@pytest.fixture(scope="module")
def trained():
    return train_translator(load_pairs())


def test_every_training_pair_is_translated_exactly_by_greedy_decoding(trained):
    wrong = [
        (p.english_text, got, p.hindi_text)
        for p in load_pairs()
        if (got := trained.translator.translate(p.english_text)) != p.hindi_text
    ]
    assert wrong == []


def test_training_is_deterministic(trained):
    again = train_translator(load_pairs())
    np.testing.assert_array_equal(again.losses, trained.losses)


def test_the_loss_falls_by_orders_of_magnitude(trained):
    assert trained.losses[-1] < 1e-2 * trained.losses[0]


def test_the_phrase_files_are_devanagari_and_disjoint():
    training, held_out = load_pairs(), load_pairs(HELD_OUT_FILE)
    assert len(training) >= 30
    assert all(any("\u0900" <= ch <= "\u097f" for ch in p.hindi_text) for p in training + held_out)
    assert not {p.english for p in training} & {p.english for p in held_out}


def test_every_held_out_word_occurs_in_training():
    training = load_pairs()
    english = {w for p in training for w in p.english}
    hindi = {w for p in training for w in p.hindi}
    for pair in load_pairs(HELD_OUT_FILE):
        assert set(pair.english) <= english and set(pair.hindi) <= hindi, pair


def test_an_unknown_word_is_named_with_suggestions(trained):
    with pytest.raises(UnknownWordError, match=r"unknown 'goes2' \(did you mean 'goes'"):
        trained.translator.translate("he goes2")


def test_an_empty_sentence_is_refused(trained):
    with pytest.raises(ValueError, match="sentence: expected at least one English word"):
        trained.translator.translate("  ")


def test_a_sentence_that_is_not_a_string_is_refused(trained):
    with pytest.raises(TypeError, match="sentence: expected a string"):
        trained.translator.translate(["I", "go"])


def test_case_and_punctuation_are_ignored():
    assert english_words("I go!") == ("i", "go")


def test_greedy_decoding_stops_at_the_maximum_length(trained):
    t = trained.translator
    out = t.translate_indices(t.source_indices("I drink water"), max_length=2)
    assert len(out) == 2 and t.hindi.words[out[-1]] != END
    assert t.translate("I drink water", max_length=2).endswith("…")


def test_a_bad_maximum_length_is_refused(trained):
    with pytest.raises(ValueError, match="max_length: expected a positive integer"):
        trained.translator.translate("I go", max_length=0)


def test_an_english_sentence_given_twice_is_refused():
    with pytest.raises(ValueError, match="already has a translation on line 1"):
        parse_pairs("I go\tमैं जाता हूँ\nI go\tमैं जाती हूँ\n")


def test_a_line_without_a_tab_is_refused():
    with pytest.raises(ValueError, match="line 1: expected 'English<TAB>Hindi'"):
        parse_pairs("I go मैं जाता हूँ\n")


SIZES = ("D_h", "d_en", "d_hi", "epochs")
RATES = ("learning_rate", "epsilon", "init_scale")


@pytest.mark.parametrize("name", SIZES)
def test_a_size_below_one_is_refused(name):
    with pytest.raises(ValueError, match=f"{name}: expected a positive integer, got 0"):
        TrainingConfig(**{name: 0})


@pytest.mark.parametrize("name", SIZES)
def test_a_size_given_as_a_bool_is_refused(name):
    with pytest.raises(TypeError, match=f"{name}: expected a positive integer, got bool True"):
        TrainingConfig(**{name: True})


@pytest.mark.parametrize("name", SIZES)
def test_a_size_given_as_a_float_is_refused(name):
    with pytest.raises(TypeError, match=f"{name}: expected a positive integer, got float 12.0"):
        TrainingConfig(**{name: 12.0})


@pytest.mark.parametrize("value", [0.0, -0.01])
@pytest.mark.parametrize("name", RATES)
def test_a_rate_that_is_not_positive_is_refused(name, value):
    with pytest.raises(ValueError, match=f"{name}: expected a finite positive number, got {value!r}"):
        TrainingConfig(**{name: value})


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
@pytest.mark.parametrize("name", RATES)
def test_a_rate_that_is_not_finite_is_refused(name, value):
    with pytest.raises(ValueError, match=f"{name}: expected a finite positive number, got {value!r}"):
        TrainingConfig(**{name: value})


@pytest.mark.parametrize("value", [True, "0.01"])
@pytest.mark.parametrize("name", RATES)
def test_a_rate_that_is_not_a_number_is_refused(name, value):
    with pytest.raises(TypeError, match=f"{name}: expected a finite positive number, got {type(value).__name__}"):
        TrainingConfig(**{name: value})


@pytest.mark.parametrize("value", [1.0, -0.1, float("nan")])
@pytest.mark.parametrize("name", ["beta_1", "beta_2"])
def test_a_decay_rate_outside_zero_to_one_is_refused(name, value):
    with pytest.raises(ValueError, match=rf"{name}: expected a number in \[0, 1\), got {value!r}"):
        TrainingConfig(**{name: value})


def test_a_negative_seed_is_refused():
    with pytest.raises(ValueError, match="seed: expected an integer seed >= 0, got -1"):
        TrainingConfig(seed=-1)


@pytest.mark.parametrize("value", [1.0, True])
def test_a_seed_that_is_not_an_integer_is_refused(value):
    with pytest.raises(TypeError, match=f"seed: expected an integer seed >= 0, got {type(value).__name__} {value!r}"):
        TrainingConfig(seed=value)


def test_numpy_integers_and_floats_are_accepted():
    config = TrainingConfig(D_h=np.int64(4), epochs=np.int32(2), learning_rate=np.float32(0.01), seed=np.uint8(3))
    assert config.D_h == 4 and config.seed == 3


def test_a_config_that_is_not_a_training_config_is_refused():
    with pytest.raises(TypeError, match="config: expected a TrainingConfig, got dict"):
        train_translator(load_pairs()[:2], {"epochs": 1})


def test_a_diverging_run_stops_with_the_epoch_and_what_to_try():
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+: .* try a smaller learning_rate"):
        train_translator(load_pairs()[:3], TrainingConfig(learning_rate=1e308, epochs=5, D_h=4, d_en=3, d_hi=3))
