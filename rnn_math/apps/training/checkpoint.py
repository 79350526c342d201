"""Checkpoints: a training run saved to one ``.npz`` file, written atomically, read back with checks.

A checkpoint holds everything needed to continue *exactly* as if the run had never stopped:
the parameters, Adagrad's memory, the vocabulary, the settings (the cell among them), the step
count, the position in the corpus, the hidden state (and the LSTM's cell state) carried into the
next chunk, the smoothed loss and its history, and the state of the random generator. Arrays
are stored as they are (float64 stays float64), so a resumed run reproduces an uninterrupted one
bit for bit.

The file is written to a temporary file in the same folder, synced to disk and then renamed over
the old one (``os.replace``, atomic on POSIX and Windows): an interrupted save leaves the previous
checkpoint whole (see ``rnn_math.apps.safe_files``). Nothing is pickled; strings travel as JSON.

Reading one back checks every field (``rnn_math.apps.training.checkpoint_fields``): a file that is not an
``.npz`` archive, a missing or unexpected entry, an array of the wrong shape or dtype, a
non-finite or negative number where none can be, a step or position out of range, invalid
settings; each is refused with one sentence naming the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from rnn_math.apps.safe_files import write_atomically
from rnn_math.apps.training.checkpoint_fields import FORMAT_VERSION, read_checkpoint_fields
from rnn_math.apps.training.corpus import CharVocabulary
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import TrainState


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
    vocab: CharVocabulary
    state: TrainState
    corpus_source: str
    corpus_sha256: str


def _json(value: object) -> np.ndarray:
    return np.array(json.dumps(value, allow_nan=False))


def checkpoint_arrays(checkpoint: Checkpoint) -> dict[str, np.ndarray]:
    """The named arrays a checkpoint file holds (strings as 0-d JSON text)."""
    state = checkpoint.state
    params = state.params.as_dict()
    arrays = {f"param_{name}": value for name, value in params.items()}
    arrays |= {f"memory_{name}": state.memory[name] for name in params}
    return (
        arrays
        | state.carried()
        | {
            "losses": np.array(list(state.losses), dtype=np.float64),
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
    )


def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> Path:
    """Write `checkpoint` to `path` atomically (temporary file, fsync, rename, fsync the folder).

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
        If the folder does not exist or cannot be written, or the path exists and is not a
        regular file.
    """
    arrays = checkpoint_arrays(checkpoint)

    def write(file: BinaryIO) -> None:
        np.savez(file, allow_pickle=False, **arrays)  # numbers only: the loader refuses pickles too

    return write_atomically(path, write, what="checkpoint")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by [`save_checkpoint`][rnn_math.apps.training.checkpoint.save_checkpoint].

    Raises
    ------
    InputError
        If the file is missing, is not an ``.npz`` archive, lacks an entry or has one too many,
        or any field is malformed (each with a sentence naming the field).
    """
    fields = read_checkpoint_fields(path)
    state = TrainState(
        params=fields.params,
        memory=fields.memory,
        step=fields.step,
        position=fields.position,
        h=fields.h,
        smoothed=fields.smoothed,
        losses=fields.losses,
        rng=fields.rng,
        c=fields.c,
    )
    return Checkpoint(fields.settings, fields.vocab, state, fields.corpus_source, fields.corpus_sha256)
