"""Checkpoint fields in detail: the edges of each range, and each refusal's exact sentence.

Each test pins one behaviour a small wrong edit of rnn_math/apps/training/checkpoint_fields.py would change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.errors import InputError
from rnn_math.apps.training import checkpoint as ckpt
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import initial_state, train

CORPUS = default_corpus()
VOCAB = CharVocabulary.from_text(CORPUS.text)


def saved(tmp_path: Path, settings: TrainSettings) -> Path:
    state = initial_state(settings, len(VOCAB))
    for state in train(state, VOCAB.encode(CORPUS.text), settings, len(VOCAB), 2):  # noqa: B007, B020
        pass
    return ckpt.save_checkpoint(tmp_path / "run.npz", ckpt.Checkpoint(settings, VOCAB, state, "default", CORPUS.sha256))


def edited(path: Path, **changes) -> Path:
    with np.load(path) as archive:
        arrays = dict(archive)
    for key, change in changes.items():
        arrays[key] = change(arrays[key])
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


def json_field(field: str, value):
    def change(entry):
        data = json.loads(str(entry))
        data[field] = value
        return np.array(json.dumps(data))

    return change


def refused(path: Path, field_and_rest: str) -> None:
    with pytest.raises(InputError, match=f"^{re.escape(f'checkpoint: {path}: {field_and_rest}')}$"):
        ckpt.load_checkpoint(path)


TANH = TrainSettings(hidden_size=4, seq_length=10, seed=2, activation="tanh")
SIGMOID = TrainSettings(hidden_size=4, seq_length=10, seed=2, activation="sigmoid")


def test_a_smoothed_loss_of_zero_is_accepted(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("smoothed", 0.0))
    assert ckpt.load_checkpoint(path).state.smoothed == 0.0


def test_a_smoothed_loss_below_one_is_accepted(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("smoothed", 0.5))
    assert ckpt.load_checkpoint(path).state.smoothed == 0.5


def test_a_huge_smoothed_loss_is_refused_showing_the_first_forty_characters_of_what_came(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("smoothed", 10**400))
    refused(path, f"progress: smoothed: expected a finite non-negative number, got {repr(10**400)[:40]}")


def test_a_format_of_another_version_is_refused_showing_it(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("format", 2))
    refused(path, "progress: format: expected format 1 (this version's), got 2")


def test_an_unknown_progress_key_is_refused_listing_the_keys_that_came(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("extra", 1))
    keys = sorted(["format", "step", "position", "smoothed", "corpus_source", "corpus_sha256", "extra"])
    expected = sorted(["format", "step", "position", "smoothed", "corpus_source", "corpus_sha256"])
    refused(path, f"progress: expected exactly the keys {expected}, got keys {keys}")


def test_a_generator_state_that_is_not_an_object_is_refused_in_a_sentence(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), rng=lambda entry: np.array(json.dumps([1, 2])))
    refused(path, "rng: expected the state of a NumPy bit generator, got generator None")


def test_a_generator_state_its_generator_refuses_is_refused_with_the_reason(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), rng=json_field("state", "not a state"))
    with pytest.raises(InputError, match=r"rng: expected a valid PCG64 state, got one it refuses \(.+\)$"):
        ckpt.load_checkpoint(path)


def test_a_sigmoid_hidden_state_may_be_anywhere_in_zero_to_one(tmp_path: Path):
    path = edited(saved(tmp_path, SIGMOID), h=lambda h: np.array([0.0, 0.5, 0.999, 1.0]))
    np.testing.assert_array_equal(ckpt.load_checkpoint(path).state.h, [0.0, 0.5, 0.999, 1.0])


def test_a_negative_sigmoid_hidden_state_is_refused_with_its_range(tmp_path: Path):
    path = edited(saved(tmp_path, SIGMOID), h=lambda h: np.array([-0.25, 0.5, 0.5, 0.5]))
    refused(path, "h: expected values in [0, 1] (outputs of sigmoid), got values from -0.25 to 0.5")


def test_a_negative_tanh_hidden_state_is_accepted(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), h=lambda h: np.array([-0.25, 0.5, -1.0, 0.5]))
    np.testing.assert_array_equal(ckpt.load_checkpoint(path).state.h, [-0.25, 0.5, -1.0, 0.5])


def test_a_corpus_source_that_is_not_a_string_is_refused_showing_what_came(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("corpus_source", 7))
    refused(path, "progress: corpus_source: expected a string, got 7")


def test_a_corpus_digest_that_is_not_hexadecimal_is_refused_showing_what_came(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), progress=json_field("corpus_sha256", "xyz"))
    refused(path, "progress: corpus_sha256: expected 64 hexadecimal digits, got 'xyz'")


def test_a_vocabulary_stored_as_one_string_is_refused(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), vocab=lambda entry: np.array(json.dumps("ab")))
    refused(path, "vocab: expected a list of at least two distinct single characters, got 'ab'")


def test_a_long_bad_vocabulary_is_shown_in_its_first_eighty_characters(tmp_path: Path):
    path = edited(saved(tmp_path, TANH), vocab=lambda entry: np.array(json.dumps(["a"] * 50)))
    refused(path, f"vocab: expected a list of at least two distinct single characters, got {repr(['a'] * 50)[:80]}")


def test_a_vocabulary_of_two_characters_is_accepted(tmp_path: Path):
    settings, text = TrainSettings(hidden_size=3, seq_length=4, seed=0), "ab" * 20
    vocab = CharVocabulary.from_text(text)
    state = initial_state(settings, 2)
    for state in train(state, vocab.encode(text), settings, 2, 1):  # noqa: B007, B020
        pass
    path = ckpt.save_checkpoint(tmp_path / "ab.npz", ckpt.Checkpoint(settings, vocab, state, "ab.txt", "0" * 64))
    assert ckpt.load_checkpoint(path).vocab.chars == ("a", "b")
