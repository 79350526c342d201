"""Checkpoints: a training run saved to one ``.npz`` file, written atomically, read back with checks.

A checkpoint holds everything needed to continue *exactly* as if the run had never stopped:
the parameters, Adagrad's memory, the vocabulary, the settings, the step count, the position in
the corpus, the hidden state carried into the next chunk, the smoothed loss and its history, and
the state of the random generator. Arrays are stored as they are (float64 stays float64), so a
resumed run reproduces an uninterrupted one bit for bit.

The file is written to a temporary file in the same folder and then renamed over the old one
(``os.replace``, atomic on POSIX and Windows): an interrupted save leaves the previous
checkpoint whole. Nothing is pickled; strings travel as JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_math.corpus import InputError, Vocabulary
from rnn_math.params import PARAMETER_NAMES, RNNParams
from rnn_math.train import TrainSettings, TrainState

#: Bumped whenever the layout changes, so an old file is refused with a sentence, not a KeyError.
FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    """What a checkpoint file holds.

    Attributes
    ----------
    settings
        The run's settings.
    vocab
        The vocabulary (index order matters: it is the order of the one-hot inputs).
    state
        Parameters, optimizer memory, step, position, hidden state, losses, random generator.
    corpus_source
        Where the corpus came from (a path, or ``"default"``).
    corpus_sha256
        Digest of the corpus text, to tell whether a resumed run reads the same text.
    """

    settings: TrainSettings
    vocab: Vocabulary
    state: TrainState
    corpus_source: str
    corpus_sha256: str


def _json(value: object) -> np.ndarray:
    return np.array(json.dumps(value))


def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> Path:
    """Write `checkpoint` to `path` atomically (temporary file, then rename).

    Parameters
    ----------
    path
        The file to write; ``.npz`` is conventional but not required.
    checkpoint
        What to save.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    InputError
        If the folder does not exist or cannot be written.
    """
    target = Path(path)
    state = checkpoint.state
    arrays = {f"param_{name}": getattr(state.params, name) for name in PARAMETER_NAMES}
    arrays |= {f"memory_{name}": state.memory[name] for name in PARAMETER_NAMES}
    arrays |= {
        "h": state.h,
        "losses": np.asarray(state.losses, dtype=np.float64),
        "vocab": _json(list(checkpoint.vocab.chars)),
        "settings": _json(checkpoint.settings.as_dict()),
        "progress": _json(
            {
                "format": FORMAT_VERSION,
                "step": state.step,
                "position": state.position,
                "smoothed": state.smoothed,
                "corpus_source": checkpoint.corpus_source,
                "corpus_sha256": checkpoint.corpus_sha256,
            }
        ),
        "rng": _json(state.rng.bit_generator.state),
    }
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"checkpoint: the folder {folder} of {target} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise InputError(f"checkpoint: cannot write in {folder}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())  # the bytes reach the disk before the name points at them
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a checkpoint is an ordinary file
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _rng_from_state(state: dict) -> np.random.Generator:
    name = state.get("bit_generator")
    bit_generator_class = getattr(np.random, str(name), None)
    if bit_generator_class is None or not isinstance(bit_generator_class, type):
        raise InputError(f"checkpoint: unknown random generator {name!r}")
    bit_generator = bit_generator_class()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by [`save_checkpoint`][rnn_math.checkpoint.save_checkpoint].

    Raises
    ------
    InputError
        If the file is missing, is not a checkpoint, lacks an entry, or its arrays do not fit
        its vocabulary and settings (each with a sentence saying which).
    """
    source = Path(path)
    if not source.is_file():
        raise InputError(f"checkpoint: no such file: {source}")
    try:
        with np.load(source, allow_pickle=False) as archive:
            stored = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise InputError(f"checkpoint: {source} is not a readable .npz checkpoint ({error})") from None
    expected = [f"{kind}_{name}" for kind in ("param", "memory") for name in PARAMETER_NAMES]
    expected += ["h", "losses", "vocab", "settings", "progress", "rng"]
    missing = [key for key in expected if key not in stored]
    if missing:
        raise InputError(f"checkpoint: {source} lacks {', '.join(missing)}; is it an rnn-math checkpoint?")
    try:
        progress = json.loads(str(stored["progress"]))
        settings = TrainSettings(**json.loads(str(stored["settings"])))
        vocab = Vocabulary(tuple(json.loads(str(stored["vocab"]))))
        rng = _rng_from_state(json.loads(str(stored["rng"])))
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise InputError(f"checkpoint: {source} has unreadable metadata ({error})") from None
    if progress.get("format") != FORMAT_VERSION:
        raise InputError(
            f"checkpoint: {source} has format {progress.get('format')!r}, this version reads {FORMAT_VERSION}"
        )
    V, D_h = len(vocab), settings.hidden_size
    shapes = {"W_h": (D_h, D_h), "W_e": (D_h, V), "b_1": (D_h,), "U": (V, D_h), "b_2": (V,)}
    for name, shape in shapes.items():
        for kind in ("param", "memory"):
            got = stored[f"{kind}_{name}"].shape
            if got != shape:
                raise InputError(
                    f"checkpoint: {source}: {kind} {name} has shape {got}, expected {shape} "
                    f"for |V| = {V} and hidden size {D_h}"
                )
    if stored["h"].shape != (D_h,):
        raise InputError(f"checkpoint: {source}: h has shape {stored['h'].shape}, expected {(D_h,)}")
    try:
        params = RNNParams(**{name: stored[f"param_{name}"] for name in PARAMETER_NAMES})
    except (TypeError, ValueError) as error:
        raise InputError(f"checkpoint: {source}: {error}") from None
    state = TrainState(
        params=params,
        memory={name: stored[f"memory_{name}"] for name in PARAMETER_NAMES},
        step=int(progress["step"]),
        position=int(progress["position"]),
        h=stored["h"],
        smoothed=float(progress["smoothed"]),
        losses=[float(v) for v in stored["losses"]],
        rng=rng,
    )
    return Checkpoint(settings, vocab, state, str(progress["corpus_source"]), str(progress["corpus_sha256"]))
