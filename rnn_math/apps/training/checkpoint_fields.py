"""Reading a checkpoint file back, field by field, each checked before it is trusted.

A checkpoint may be truncated, renamed from another file, edited by hand or written by another
version. Every entry is checked for what the training loop needs of it, and the first that fails
is refused with one sentence naming it (``checkpoint: FILE: memory_W_h: expected ...``), so that
``--resume`` or ``sample`` never ends in a traceback, and never resumes from a state the loop
could not have written.
"""

from __future__ import annotations

import json
import math
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.errors import InputError
from rnn_math.apps.training.cells import CELLS, Cell, Params
from rnn_math.apps.training.corpus import CharVocabulary
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import LossHistory

#: Bumped whenever the layout changes, so an old file is refused with a sentence, not a KeyError.
#: (Recording the cell did not change it: a file without one is a vanilla RNN's, read as before.)
FORMAT_VERSION = 1


def checkpoint_entries(cell: Cell) -> tuple[str, ...]:
    """The entries of a checkpoint of `cell`, no more and no fewer."""
    return (
        *(f"param_{name}" for name in cell.parameter_names),
        *(f"memory_{name}" for name in cell.parameter_names),
        *cell.state_names,
        "losses",
        "vocab",
        "settings",
        "progress",
        "rng",
    )


#: The entries of a vanilla RNN's checkpoint file (the layout of every checkpoint before the cell).
ENTRIES = checkpoint_entries(CELLS["rnn"])
#: The keys of the ``progress`` entry.
PROGRESS_KEYS = ("format", "step", "position", "smoothed", "corpus_source", "corpus_sha256")


@dataclass(frozen=True)
class CheckpointFields:
    """The checked contents of a checkpoint file."""

    settings: TrainSettings
    vocab: CharVocabulary
    params: Params
    memory: dict[str, NDArray[np.float64]]
    h: NDArray[np.float64]
    losses: LossHistory
    step: int
    position: int
    smoothed: float
    rng: np.random.Generator
    corpus_source: str
    corpus_sha256: str
    c: NDArray[np.float64] | None = None


class _Refuse:
    """Builds the one-sentence errors, all starting with the file's name."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def __call__(self, field: str, expected: str, got: object) -> InputError:
        return InputError(f"checkpoint: {self.source}: {field}: expected {expected}, got {got}")


def read_archive(source: Path) -> dict[str, np.ndarray]:
    """All arrays of the ``.npz`` file at `source`, read without pickle.

    Raises
    ------
    InputError
        If the file is missing, not a zip archive (an ``.npy`` or a text renamed to ``.npz``),
        or unreadable.
    """
    if not source.is_file():
        raise InputError(f"checkpoint: no such file: {source}")
    if not zipfile.is_zipfile(source):  # np.load would return a bare array for an .npy
        raise InputError(f"checkpoint: {source} is not a readable .npz checkpoint (not a zip archive of arrays)")
    try:
        with np.load(source, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (
        OSError,
        ValueError,
        zipfile.BadZipFile,
        EOFError,
        KeyError,
        zlib.error,
        struct.error,
        NotImplementedError,
    ) as error:  # every way a damaged or foreign archive fails to read
        raise InputError(f"checkpoint: {source} is not a readable .npz checkpoint ({error})") from None


def _json_entry(stored: dict[str, np.ndarray], key: str, refuse: _Refuse) -> object:
    value = stored[key]
    if value.dtype.kind != "U" or value.shape != ():
        raise refuse(key, "JSON text", f"an array of dtype {value.dtype} and shape {value.shape}")
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as error:
        raise refuse(key, "JSON text", f"unreadable text ({error})") from None


def _float_array(stored: dict[str, np.ndarray], key: str, shape: tuple[int, ...], refuse: _Refuse) -> np.ndarray:
    value = stored[key]
    if value.dtype != np.float64:
        raise refuse(key, "float64 values", f"dtype {value.dtype}")
    if value.shape != shape:
        raise refuse(key, f"shape {shape}", f"shape {value.shape}")
    if not np.all(np.isfinite(value)):
        raise refuse(key, "finite values", f"{int(np.sum(~np.isfinite(value)))} NaN or infinite entries")
    return value


def _integer(value: object, field: str, low: int, refuse: _Refuse) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise refuse(field, f"an integer of at least {low}", repr(value))
    return int(value)


def _finite_float(value: object) -> float | None:
    """`value` as a float if it is a finite real number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range
        return None
    return number if math.isfinite(number) else None


def _finite_non_negative(value: object, field: str, refuse: _Refuse) -> float:
    number = _finite_float(value)
    if number is None or number < 0:
        raise refuse(field, "a finite non-negative number", repr(value)[:40])
    return number


def _settings(raw: object, refuse: _Refuse) -> TrainSettings:
    if not isinstance(raw, dict):
        raise refuse("settings", f"exactly the keys {sorted(TrainSettings.__dataclass_fields__)}", type(raw).__name__)
    try:
        return TrainSettings.from_record(raw)  # a file without a cell was written for the vanilla RNN
    except InputError as error:
        raise InputError(f"checkpoint: {refuse.source}: {error}") from None


def _vocab(raw: object, refuse: _Refuse) -> CharVocabulary:
    if (
        not isinstance(raw, list)
        or len(raw) < 2
        or len(set(map(str, raw))) != len(raw)
        or not all(isinstance(c, str) and len(c) == 1 for c in raw)
    ):
        raise refuse("vocab", "a list of at least two distinct single characters", repr(raw)[:80])
    return CharVocabulary(tuple(raw))


def _rng(raw: object, refuse: _Refuse) -> np.random.Generator:
    name = raw.get("bit_generator") if isinstance(raw, dict) else None
    cls = getattr(np.random, str(name), None)
    if not (isinstance(raw, dict) and isinstance(cls, type) and issubclass(cls, np.random.BitGenerator)):
        raise refuse("rng", "the state of a NumPy bit generator", f"generator {name!r}")
    try:
        bit_generator = cls()
        bit_generator.state = raw
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise refuse("rng", f"a valid {name} state", f"one it refuses ({error})") from None
    return np.random.Generator(bit_generator)


def _progress(raw: object, seq_length: int, refuse: _Refuse) -> dict:
    if not isinstance(raw, dict):
        raise refuse("progress", "a JSON object", type(raw).__name__)
    if raw.get("format") != FORMAT_VERSION:
        raise refuse("progress: format", f"format {FORMAT_VERSION} (this version's)", repr(raw.get("format")))
    if set(raw) != set(PROGRESS_KEYS):
        raise refuse("progress", f"exactly the keys {sorted(PROGRESS_KEYS)}", f"keys {sorted(raw)}")
    step = _integer(raw["step"], "progress: step", 0, refuse)
    position = _integer(raw["position"], "progress: position", 0, refuse)
    if position % seq_length:  # the walk moves by whole chunks from 0
        raise refuse("progress: position", f"a multiple of seq_length = {seq_length}", position)
    smoothed = _finite_non_negative(raw["smoothed"], "progress: smoothed", refuse)
    for key in ("corpus_source", "corpus_sha256"):
        if not isinstance(raw[key], str):
            raise refuse(f"progress: {key}", "a string", repr(raw[key]))
    if not re.fullmatch(r"[0-9a-f]{64}", raw["corpus_sha256"]):
        raise refuse("progress: corpus_sha256", "64 hexadecimal digits", repr(raw["corpus_sha256"]))
    return {
        "step": step,
        "position": position,
        "smoothed": smoothed,
        "corpus_source": raw["corpus_source"],
        "corpus_sha256": raw["corpus_sha256"],
    }


def _carried_states(stored: dict[str, np.ndarray], settings: TrainSettings, refuse: _Refuse) -> dict[str, np.ndarray]:
    """h (and the LSTM's c), each (D_h,), finite, and within its range where it has one."""
    states = {}
    for name, bound in CELLS[settings.cell].bounds(settings.activation).items():
        value = _float_array(stored, name, (settings.hidden_size,), refuse)
        if bound is not None and value.size and (value.min() < bound[0] or value.max() > bound[1]):
            source = f"outputs of {settings.activation}" if settings.cell == "rnn" else f"the {settings.cell}'s {name}"
            raise refuse(
                name,
                f"values in [{bound[0]:g}, {bound[1]:g}] ({source})",
                f"values from {value.min():g} to {value.max():g}",
            )
        states[name] = value
    return states


def read_checkpoint_fields(path: str | Path) -> CheckpointFields:
    """Read and check every field of the checkpoint at `path`.

    Raises
    ------
    InputError
        Naming the first field that is missing, unexpected or malformed.
    """
    source = Path(path)
    refuse = _Refuse(source)
    stored = read_archive(source)
    if "settings" not in stored:  # without it the cell is unknown: name what a vanilla RNN's file has
        missing = [key for key in ENTRIES if key not in stored]
        raise InputError(f"checkpoint: {source} lacks {', '.join(missing)}; is it an rnn-math checkpoint?")
    settings = _settings(_json_entry(stored, "settings", refuse), refuse)
    cell = CELLS[settings.cell]
    entries = checkpoint_entries(cell)
    missing = [key for key in entries if key not in stored]
    if missing:
        raise InputError(
            f"checkpoint: {source} lacks {', '.join(missing)}; is it an rnn-math checkpoint of the {cell.name} cell?"
        )
    extra = sorted(set(stored) - set(entries))
    if extra:
        raise InputError(
            f"checkpoint: {source} has entries an rnn-math checkpoint does not: {', '.join(extra)} "
            f"(for the {cell.name} cell)"
        )
    vocab = _vocab(_json_entry(stored, "vocab", refuse), refuse)
    progress = _progress(_json_entry(stored, "progress", refuse), settings.seq_length, refuse)
    rng = _rng(_json_entry(stored, "rng", refuse), refuse)
    V, D_h = len(vocab), settings.hidden_size
    shapes = cell.shapes(D_h, V)
    for name, shape in shapes.items():
        for kind in ("param", "memory"):
            if stored[f"{kind}_{name}"].shape != shape:
                raise InputError(
                    f"checkpoint: {source}: {kind} {name} has shape {stored[f'{kind}_{name}'].shape}, "
                    f"expected {shape} for |V| = {V} and hidden size {D_h}"
                )
    params: Params = cell.params_type(
        **{name: _float_array(stored, f"param_{name}", shapes[name], refuse) for name in cell.parameter_names}
    )
    memory = {name: _float_array(stored, f"memory_{name}", shapes[name], refuse) for name in cell.parameter_names}
    for name, value in memory.items():
        if np.any(value < 0):  # a sum of squares
            raise refuse(
                f"memory_{name}", "non-negative values (a sum of squared gradients)", f"minimum {value.min():g}"
            )
    losses = stored["losses"]
    if losses.dtype != np.float64 or losses.shape != (progress["step"],):
        raise refuse(
            "losses",
            f"{progress['step']} float64 values, one per step done",
            f"dtype {losses.dtype} and shape {losses.shape}",
        )
    if not np.all(np.isfinite(losses)) or np.any(losses < 0):
        raise refuse("losses", "finite non-negative values (cross-entropies)", "NaN, infinite or negative entries")
    states = _carried_states(stored, settings, refuse)
    return CheckpointFields(
        settings=settings,
        vocab=vocab,
        params=params,
        memory=memory,
        h=states["h"],
        losses=LossHistory(losses.tolist()),
        step=progress["step"],
        position=progress["position"],
        smoothed=progress["smoothed"],
        rng=rng,
        corpus_source=progress["corpus_source"],
        corpus_sha256=progress["corpus_sha256"],
        c=states.get("c"),
    )
