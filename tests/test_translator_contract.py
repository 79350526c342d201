"""The translator's contract in detail: phrase files, configuration, training's record, decoding.

Each test pins one behaviour a small wrong edit of a module of rnn_math/apps/translator/ would
change. Training runs here are tiny (a few units, a few epochs), so that every test trains for
itself and fails on its own.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnn_math.apps.translator import (
    END,
    TrainingConfig,
    TrainingDivergedError,
    Translator,
    UnknownWordError,
    WordVocabulary,
    build_vocabularies,
    english_words,
    length_buckets,
    load_pairs,
    parse_pairs,
    phrases,
    train_translator,
)
from rnn_math.seq2seq import Seq2SeqParams, run_backward

PAIRS = parse_pairs("I go\tमैं जाता हूँ\nyou go\tतुम जाते हो\nwe eat now\tहम अभी खाते हैं\n")
TINY = TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=2)


def tiny_translator(**bias) -> Translator:
    english, hindi = build_vocabularies(PAIRS)
    params = Seq2SeqParams.random(len(english), len(hindi), D_h=3, d_en=2, d_hi=2, seed=0)
    if bias:
        b_out = np.full(len(hindi), -50.0)
        b_out[hindi.index(bias["wins"])] = 50.0
        params = Seq2SeqParams(**{**params.as_dict(), "b_out": b_out})
    return Translator(params, english, hindi)


# Configuration: the edges of each range are accepted.


def test_one_epoch_and_one_unit_are_accepted():
    config = TrainingConfig(D_h=1, d_en=1, d_hi=1, epochs=1)
    assert train_translator(PAIRS, config).losses.shape == (1,)


def test_a_decay_rate_of_zero_is_accepted():
    # What a zero rate means for the step is tested with the rule itself (tests/test_optimizers.py).
    config = TrainingConfig(beta_1=0.0, beta_2=0.0)
    assert (config.beta_1, config.beta_2) == (0.0, 0.0)


# Training's record.


def test_each_epochs_loss_is_the_sum_over_pairs_before_that_epochs_update():
    result = train_translator(PAIRS, TINY)
    english, hindi = build_vocabularies(PAIRS)
    start = Seq2SeqParams.random(len(english), len(hindi), D_h=3, d_en=2, d_hi=2, seed=0, scale=0.3)
    first = sum(
        run_backward(start, src, tgt).loss for src, tgt in length_buckets(Translator(start, english, hindi), PAIRS)
    )
    assert result.losses.shape == (2,)
    assert result.losses[0] == pytest.approx(first, rel=1e-12)
    assert result.losses[1] != result.losses[0]


def test_the_result_keeps_the_config_it_was_trained_with():
    assert train_translator(PAIRS, TINY).config is TINY


def test_the_seed_chooses_the_initial_parameters():
    other = train_translator(PAIRS, TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=1, seed=1))
    assert other.losses[0] != train_translator(PAIRS, TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=1)).losses[0]


def test_the_initial_scale_sets_the_spread_of_the_initial_parameters():
    small = train_translator(PAIRS, TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=1, init_scale=1e-3))
    english, hindi = build_vocabularies(PAIRS)
    start = Seq2SeqParams.random(len(english), len(hindi), D_h=3, d_en=2, d_hi=2, seed=0, scale=1e-3)
    first = sum(
        run_backward(start, src, tgt).loss for src, tgt in length_buckets(Translator(start, english, hindi), PAIRS)
    )
    assert small.losses[0] == pytest.approx(first, rel=1e-12)


def test_a_diverging_run_names_the_parameter_that_stopped_being_finite():
    config = TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=3, learning_rate=1e308)
    with pytest.raises(
        TrainingDivergedError,
        match=r"^training diverged at epoch \d+: parameter \w+ is no longer finite "
        r"\(learning_rate = 1e\+308\); try a smaller learning_rate$",
    ):
        train_translator(PAIRS, config)


def test_a_run_whose_loss_overflows_says_that_the_loss_stopped_being_finite():
    config = TrainingConfig(D_h=3, d_en=2, d_hi=2, epochs=3, init_scale=1e307)  # logits near the float range
    with pytest.raises(TrainingDivergedError, match=r"^training diverged at epoch 1: the loss is no longer finite "):
        train_translator(PAIRS, config)


def test_training_without_pairs_is_refused_with_a_sentence():
    with pytest.raises(ValueError, match=r"^pairs: expected at least one phrase pair, got none$"):
        train_translator([], TINY)


# Phrase files.


def test_an_indented_comment_line_is_skipped():
    assert parse_pairs("   # a note\nI go\tमैं जाता हूँ\n") == parse_pairs("I go\tमैं जाता हूँ\n")


@pytest.mark.parametrize(("line", "shown"), [("\tमैं जाता हूँ", "'\\tमैं जाता हूँ'"), ("I go\t  ", "'I go\\t  '")])
def test_a_line_with_an_empty_side_is_refused_naming_the_source_the_line_and_what_came(line, shown):
    message = f"phrase file, line 2: expected 'English<TAB>Hindi', got {shown}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_pairs("you go\tतुम जाते हो\n" + line)


def test_a_sentence_given_twice_is_refused_naming_it_as_written_and_its_first_line():
    with pytest.raises(ValueError, match=r"^phrase file, line 2: 'I go!' already has a translation on line 1$"):
        parse_pairs("I go\tमैं जाता हूँ\nI go!\tमैं जाती हूँ\n")


class _Packaged:
    """A stand-in for the packaged data folder on a machine whose locale encoding is not UTF-8."""

    def __init__(self, text: str):
        self.text = text

    def joinpath(self, name):
        return self

    def read_text(self, encoding=None):
        return self.text.encode("utf-8").decode(encoding or "latin-1")


def test_the_phrase_file_is_read_as_utf_8_whatever_the_locale(monkeypatch):
    monkeypatch.setattr(phrases.resources, "files", lambda package: _Packaged("I go\tमैं जाता हूँ\n"))
    assert load_pairs()[0].hindi == ("मैं", "जाता", "हूँ")


def test_an_error_in_a_packaged_file_names_that_file(monkeypatch):
    monkeypatch.setattr(phrases.resources, "files", lambda package: _Packaged("no tab here\n"))
    with pytest.raises(ValueError, match=r"^en_hi_heldout\.tsv, line 1: "):
        load_pairs("en_hi_heldout.tsv")


def test_a_sentence_that_is_not_a_string_is_refused_naming_its_type():
    with pytest.raises(TypeError, match=r"^sentence: expected a string, got int$"):
        english_words(3)


# Decoding.


def test_unknown_words_are_each_named_with_at_most_three_suggestions():
    translator = Translator(
        tiny_translator().params, WordVocabulary(("goes", "gone", "gore", "gobe", "i")), tiny_translator().hindi
    )
    message = (
        "sentence: expected words from the translator's 5-word English vocabulary, got unknown "
        "'goxe' (did you mean 'gore', 'gone', 'goes'?); 'zzz'"
    )
    with pytest.raises(UnknownWordError, match=f"^{re.escape(message)}$"):
        translator.source_indices("I goxe zzz")


def test_a_runaway_decoding_stops_at_twelve_words_by_default_and_says_so():
    translator = tiny_translator(wins="मैं")
    assert translator.translate("I go") == " ".join(["मैं"] * 12) + " …"
    assert translator.translate_indices(translator.source_indices("I go")) == [translator.hindi.index("मैं")] * 12


def test_a_maximum_length_of_one_emits_one_word():
    translator = tiny_translator(wins=END)
    assert translator.translate_indices(translator.source_indices("I go"), max_length=1) == [
        translator.hindi.index(END)
    ]
    assert translator.translate("I go", max_length=1) == ""
