"""Checkpoints: saved whole or not at all, read back with checks, and resuming continues bit for bit."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.errors import InputError
from rnn_math.apps.training import checkpoint as ckpt
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import TrainState, initial_state, train

SETTINGS = TrainSettings(hidden_size=12, seq_length=15, seed=5)
CORPUS = default_corpus()
VOCAB = CharVocabulary.from_text(CORPUS.text)
DATA = VOCAB.encode(CORPUS.text)


def run(state: TrainState, until: int, settings: TrainSettings = SETTINGS) -> TrainState:
    for state in train(state, DATA, settings, len(VOCAB), until):  # noqa: B020 (each step's new state)
        state.rng.random()  # stands for a sample drawn between steps: the generator must resume too
    return state


def make(state: TrainState, settings: TrainSettings = SETTINGS) -> ckpt.Checkpoint:
    return ckpt.Checkpoint(settings, VOCAB, state, CORPUS.source, CORPUS.sha256)


def assert_same_state(a: TrainState, b: TrainState) -> None:
    for name, value in a.params.as_dict().items():
        np.testing.assert_array_equal(value, getattr(b.params, name), err_msg=name)
        np.testing.assert_array_equal(a.memory[name], b.memory[name], err_msg=f"memory {name}")
    np.testing.assert_array_equal(a.h, b.h)
    assert (a.step, a.position, a.smoothed, a.losses) == (b.step, b.position, b.smoothed, b.losses)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


@pytest.mark.parametrize("optimizer", ["adagrad", "sgd"])
def test_n_steps_straight_equal_k_steps_then_resume_bit_for_bit(tmp_path: Path, optimizer: str):
    settings = TrainSettings(hidden_size=12, seq_length=15, seed=5, optimizer=optimizer, learning_rate=0.05)
    straight = run(initial_state(settings, len(VOCAB)), 40, settings)
    first = run(initial_state(settings, len(VOCAB)), 17, settings)
    ckpt.save_checkpoint(tmp_path / "run.npz", make(first, settings))
    resumed = ckpt.load_checkpoint(tmp_path / "run.npz")
    assert resumed.settings == settings and resumed.vocab == VOCAB
    assert_same_state(straight, run(resumed.state, 40, settings))


def test_resuming_without_the_adagrad_memory_would_not_match(tmp_path: Path):
    # Negative control: the comparison above notices a checkpoint that forgets the optimizer state.
    straight = run(initial_state(SETTINGS, len(VOCAB)), 40)
    first = run(initial_state(SETTINGS, len(VOCAB)), 17)
    first = dataclasses.replace(first, memory={name: np.zeros_like(m) for name, m in first.memory.items()})
    assert not np.array_equal(run(first, 40).params.W_h, straight.params.W_h)


def test_resuming_without_the_carried_hidden_state_would_not_match():
    straight = run(initial_state(SETTINGS, len(VOCAB)), 40)
    first = run(initial_state(SETTINGS, len(VOCAB)), 17)
    first = dataclasses.replace(first, h=np.zeros_like(first.h))
    assert not np.array_equal(run(first, 40).params.W_h, straight.params.W_h)


def _interrupt_mid_write(monkeypatch):
    def crash(file, **arrays):
        if isinstance(file, (str, Path)):  # a save that writes straight to the file
            file = open(file, "wb")  # noqa: SIM115
        file.write(b"half a checkpoint")
        file.flush()
        raise KeyboardInterrupt  # the user pressed Ctrl-C in the middle of writing

    monkeypatch.setattr(ckpt.np, "savez", crash)


def _interrupt_at(name: str):
    def setup(monkeypatch):
        def crash(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(os, name, crash)

    return setup


@pytest.mark.parametrize(
    "interrupt",
    [_interrupt_mid_write, _interrupt_at("fsync"), _interrupt_at("replace")],
    ids=["while writing", "while syncing to disk", "while renaming"],
)
def test_a_save_interrupted_at_any_stage_leaves_the_previous_checkpoint_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch, interrupt
):
    path = tmp_path / "run.npz"
    state = run(initial_state(SETTINGS, len(VOCAB)), 3)
    ckpt.save_checkpoint(path, make(state))
    before = path.read_bytes()
    later = run(copy.deepcopy(state), 6)
    interrupt(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        ckpt.save_checkpoint(path, make(later))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert ckpt.load_checkpoint(path).state.step == 3


def test_a_save_syncs_the_data_before_the_rename_and_the_folder_after_it(tmp_path: Path, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        calls.append("fsync folder" if os.path.isdir(os.readlink(f"/proc/self/fd/{descriptor}")) else "fsync file")
        real_fsync(descriptor)

    def replace(source, target):
        calls.append("replace")
        real_replace(source, target)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc to tell a folder's descriptor from a file's")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    ckpt.save_checkpoint(tmp_path / "run.npz", make(initial_state(SETTINGS, len(VOCAB))))
    assert calls == ["fsync file", "replace", "fsync folder"]


def test_a_checkpoint_file_is_readable_by_others_like_any_file(tmp_path: Path):
    path = ckpt.save_checkpoint(tmp_path / "run.npz", make(initial_state(SETTINGS, len(VOCAB))))
    assert path.stat().st_mode & 0o044  # not left private, as the temporary file was


def test_a_checkpoint_holds_no_pickled_objects(tmp_path: Path):
    path = ckpt.save_checkpoint(tmp_path / "run.npz", make(initial_state(SETTINGS, len(VOCAB))))
    with np.load(path, allow_pickle=False) as archive:
        assert json.loads(str(archive["vocab"])) == list(VOCAB.chars)


def test_saving_into_a_missing_folder_says_so(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        ckpt.save_checkpoint(tmp_path / "nope" / "run.npz", make(initial_state(SETTINGS, len(VOCAB))))


def test_a_missing_checkpoint_is_refused(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        ckpt.load_checkpoint(tmp_path / "absent.npz")


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path):
    path = tmp_path / "text.npz"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a readable .npz checkpoint"):
        ckpt.load_checkpoint(path)


def test_an_npz_from_elsewhere_is_refused_naming_what_it_lacks(tmp_path: Path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(InputError, match="lacks param_W_h"):
        ckpt.load_checkpoint(path)


def test_arrays_that_do_not_fit_the_vocabulary_are_refused(tmp_path: Path):
    path = ckpt.save_checkpoint(tmp_path / "run.npz", make(initial_state(SETTINGS, len(VOCAB))))
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["vocab"] = np.array(json.dumps(list(VOCAB.chars[:-1])))  # one character fewer
    np.savez(path, **arrays)
    with pytest.raises(InputError, match=r"param W_e has shape \(12, 26\), expected \(12, 25\)"):
        ckpt.load_checkpoint(path)
