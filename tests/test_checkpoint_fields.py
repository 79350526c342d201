"""Every field of a checkpoint is checked on load: a sentence naming the field, never a traceback."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.cli import main
from rnn_math.apps.errors import InputError
from rnn_math.apps.training import checkpoint as ckpt
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import initial_state, train

SETTINGS = TrainSettings(hidden_size=6, seq_length=10, seed=2)
CORPUS = default_corpus()
VOCAB = CharVocabulary.from_text(CORPUS.text)


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    state = initial_state(SETTINGS, len(VOCAB))
    for state in train(state, VOCAB.encode(CORPUS.text), SETTINGS, len(VOCAB), 3):  # noqa: B007, B020
        pass
    return ckpt.save_checkpoint(tmp_path / "run.npz", ckpt.Checkpoint(SETTINGS, VOCAB, state, "default", CORPUS.sha256))


def rewrite(path: Path, change: Callable[[dict], None]) -> Path:
    with np.load(path) as archive:
        arrays = dict(archive)
    change(arrays)
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


def set_entry(key: str, value) -> Callable[[dict], None]:
    def change(arrays: dict) -> None:
        arrays[key] = value

    return change


def set_json(key: str, field: str | None, value) -> Callable[[dict], None]:
    def change(arrays: dict) -> None:
        data = json.loads(str(arrays[key]))
        if field is None:
            data = value
        elif value is KeyError:
            del data[field]
        else:
            data[field] = value
        arrays[key] = np.array(json.dumps(data))

    return change


def with_entry(key: str, edit: Callable[[np.ndarray], np.ndarray]) -> Callable[[dict], None]:
    def change(arrays: dict) -> None:
        arrays[key] = edit(arrays[key].copy())

    return change


def poke(value: float, index: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    def edit(array: np.ndarray) -> np.ndarray:
        array.flat[index] = value
        return array

    return edit


CASES = {
    # arrays
    "a parameter with a NaN": (with_entry("param_W_h", poke(np.nan)), r"param_W_h: expected finite values, got 1 NaN"),
    "a parameter of integers": (
        with_entry("param_b_1", lambda a: a.astype(np.int64)),
        r"param_b_1: expected float64 values, got dtype int64",
    ),
    "Adagrad memory with an infinity": (with_entry("memory_U", poke(np.inf)), r"memory_U: expected finite values"),
    "negative Adagrad memory": (with_entry("memory_W_e", poke(-1.0)), r"memory_W_e: expected non-negative values"),
    "Adagrad memory of another shape": (
        with_entry("memory_W_h", lambda a: a[:, :5]),
        r"memory W_h has shape \(6, 5\), expected \(6, 6\)",
    ),
    "Adagrad memory in float32": (
        with_entry("memory_b_2", lambda a: a.astype(np.float32)),
        r"memory_b_2: expected float64 values",
    ),
    "a hidden state with a NaN": (with_entry("h", poke(np.nan)), r"h: expected finite values"),
    "a hidden state of another shape": (
        with_entry("h", lambda a: a[:4]),
        r"h: expected shape \(6,\), got shape \(4,\)",
    ),
    "a hidden state no tanh can reach": (with_entry("h", poke(2.0)), r"h: expected values in \[-1, 1\]"),
    "a loss that is NaN": (with_entry("losses", poke(np.nan)), r"losses: expected finite non-negative values"),
    "a negative loss": (with_entry("losses", poke(-0.5)), r"losses: expected finite non-negative values"),
    "losses of text": (
        set_entry("losses", np.array(["a", "b", "c"])),
        r"losses: expected 3 float64 values, one per step done",
    ),
    "one loss too many": (
        with_entry("losses", lambda a: np.append(a, 1.0)),
        r"losses: expected 3 float64 values.*shape \(4,\)",
    ),
    # progress
    "a negative step": (set_json("progress", "step", -1), r"progress: step: expected an integer of at least 0, got -1"),
    "a fractional step": (
        set_json("progress", "step", 2.5),
        r"progress: step: expected an integer of at least 0, got 2.5",
    ),
    "a step that is a boolean": (set_json("progress", "step", True), r"progress: step: expected an integer"),
    "a step of text": (set_json("progress", "step", "3"), r"progress: step: expected an integer"),
    "a negative position": (
        set_json("progress", "position", -10),
        r"progress: position: expected an integer of at least 0",
    ),
    "a position between chunks": (
        set_json("progress", "position", 25),
        r"progress: position: expected a multiple of seq_length = 10, got 25",
    ),
    "a smoothed loss that is NaN": (
        set_json("progress", "smoothed", float("nan")),
        r"progress: smoothed: expected a finite non-negative number, got nan",
    ),
    "a smoothed loss that is infinite": (
        set_json("progress", "smoothed", float("inf")),
        r"progress: smoothed: expected a finite",
    ),
    "a smoothed loss beyond the float range": (
        set_json("progress", "smoothed", 10**400),
        r"progress: smoothed: expected a finite",
    ),
    "a learning rate beyond the float range": (
        set_json("settings", "learning_rate", 10**400),
        r"settings: learning_rate: expected a positive finite",
    ),
    "a smoothed loss of text": (set_json("progress", "smoothed", "low"), r"progress: smoothed: expected a finite"),
    "another format": (set_json("progress", "format", 2), r"progress: format: expected format 1"),
    "a missing progress key": (set_json("progress", "position", KeyError), r"progress: expected exactly the keys"),
    "an extra progress key": (set_json("progress", "epoch", 1), r"progress: expected exactly the keys"),
    "a corpus digest that is not one": (
        set_json("progress", "corpus_sha256", "abc"),
        r"progress: corpus_sha256: expected 64 hexadecimal digits",
    ),
    "a corpus source that is not text": (
        set_json("progress", "corpus_source", 7),
        r"progress: corpus_source: expected a string",
    ),
    "progress that is not an object": (
        set_json("progress", None, [1, 2]),
        r"progress: expected a JSON object, got list",
    ),
    # settings
    "a zero learning rate": (
        set_json("settings", "learning_rate", 0.0),
        r"settings: learning_rate: expected a positive finite number",
    ),
    "a fractional hidden size": (
        set_json("settings", "hidden_size", 6.0),
        r"settings: hidden_size: expected a positive integer",
    ),
    "an unknown activation": (set_json("settings", "activation", "relu"), r"settings: activation: expected one of"),
    "a missing setting": (set_json("settings", "seed", KeyError), r"settings: expected exactly the keys"),
    "an extra setting": (set_json("settings", "momentum", 0.9), r"settings: expected exactly the keys"),
    # vocabulary, generator, JSON entries
    "a vocabulary with a repeated character": (
        set_json("vocab", None, ["a", "a", *VOCAB.chars[2:]]),
        r"vocab: expected a list of at least two distinct single characters",
    ),
    "a vocabulary of words": (
        set_json("vocab", None, ["ab", *VOCAB.chars[1:]]),
        r"vocab: expected a list of at least two distinct",
    ),
    "an unknown random generator": (
        set_json("rng", "bit_generator", "Mersenne"),
        r"rng: expected the state of a NumPy bit generator, got generator 'Mersenne'",
    ),
    "a random generator named after something else in numpy.random": (
        set_json("rng", "bit_generator", "Generator"),
        r"rng: expected the state of a NumPy bit generator",
    ),
    "a broken generator state": (set_json("rng", "state", "garbage"), r"rng: expected a valid PCG64 state"),
    "settings that are an array of numbers": (
        set_entry("settings", np.zeros(3)),
        r"settings: expected JSON text, got an array of dtype float64",
    ),
    "settings that are not JSON": (
        set_entry("settings", np.array("{not json")),
        r"settings: expected JSON text, got unreadable text",
    ),
    # the archive itself
    "a missing entry": (lambda arrays: arrays.pop("memory_b_1"), r"lacks memory_b_1; is it an rnn-math checkpoint"),
    "an extra entry": (set_entry("notes", np.zeros(1)), r"has entries an rnn-math checkpoint does not: notes"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_malformed_field_is_refused_naming_it(saved: Path, case: str):
    change, message = CASES[case]
    rewrite(saved, change)
    with pytest.raises(InputError, match=rf"^checkpoint: {saved}(: | )" + message):
        ckpt.load_checkpoint(saved)


def test_the_unmodified_checkpoint_loads(saved: Path):
    # Control for the cases above: each refusal is caused by its change, not by the rewriting.
    rewrite(saved, lambda arrays: None)
    assert ckpt.load_checkpoint(saved).state.step == 3


def test_an_npy_file_renamed_to_npz_is_refused(tmp_path: Path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))
    renamed = path.rename(tmp_path / "weights.npz")
    with pytest.raises(InputError, match=r"is not a readable \.npz checkpoint \(not a zip archive of arrays\)"):
        ckpt.load_checkpoint(renamed)


def test_a_truncated_checkpoint_is_refused(saved: Path):
    saved.write_bytes(saved.read_bytes()[:-200])
    with pytest.raises(InputError, match=r"is not a readable \.npz checkpoint"):
        ckpt.load_checkpoint(saved)


@pytest.mark.parametrize("case", ["negative Adagrad memory", "a position between chunks", "an npy"])
def test_resuming_from_a_malformed_checkpoint_is_one_line_without_a_traceback(saved: Path, case: str):
    if case == "an npy":
        np.save(saved.with_suffix(".npy"), np.zeros(3))
        saved.with_suffix(".npy").replace(saved)
    else:
        rewrite(saved, CASES[case][0])
    err = io.StringIO()
    code = main(["train", "--resume", str(saved), "--steps", "5", "--quiet"], out=io.StringIO(), err=err)
    assert code == 1
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"rnn-math: error: checkpoint: {saved}"), err.getvalue()


def test_an_archive_damaged_byte_by_byte_is_refused_in_a_sentence_or_read_never_a_traceback(saved: Path):
    with np.load(saved) as archive:
        arrays = dict(archive)
    np.savez_compressed(saved, **arrays)  # compressed: damage can also break the inflating
    raw = saved.read_bytes()
    for position in range(0, len(raw), max(1, len(raw) // 150)):
        for value in (0, 255):
            damaged = bytearray(raw)
            damaged[position] = value
            saved.write_bytes(bytes(damaged))
            try:
                ckpt.load_checkpoint(saved)
            except InputError:
                pass  # any other exception fails the test, naming the position


ODD_VALUES = [None, [], {}, "x", 10**400, -1, 1e308, True, 0.5, {"a": 1}]
JSON_FIELDS = [
    *[("progress", key) for key in ("format", "step", "position", "smoothed", "corpus_source", "corpus_sha256")],
    *[("settings", key) for key in TrainSettings.__dataclass_fields__],
    *[("rng", key) for key in ("bit_generator", "state", "has_uint32", "uinteger")],
]


@pytest.mark.parametrize(("entry", "key"), JSON_FIELDS, ids=[f"{e}.{k}" for e, k in JSON_FIELDS])
def test_any_odd_value_in_a_json_field_is_refused_in_a_sentence_or_read_never_a_traceback(
    saved: Path, entry: str, key: str
):
    original = saved.read_bytes()
    for value in ODD_VALUES:
        saved.write_bytes(original)
        rewrite(saved, set_json(entry, key, value))
        try:
            ckpt.load_checkpoint(saved)
        except InputError:
            pass  # any other exception fails the test
