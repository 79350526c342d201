"""Text for a character-level model: reading a corpus, its vocabulary, and one-hot inputs.

A character-level language model reads one character at a time: the input x^t is the one-hot
vector of the current character (so d = |V|) and the target k_t is the index of the next one.
Everything here is plain bookkeeping around that; the mathematics is in
[`rnn_math.rnn.forward`][rnn_math.rnn.forward] and [`rnn_math.rnn.bptt`][rnn_math.rnn.bptt].
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike, NDArray

from rnn_math.apps.errors import InputError

#: The corpus shipped with the package (600 invented names; see ``rnn_math/data/README.md``).
DEFAULT_CORPUS = "names.txt"


@dataclass(frozen=True)
class Corpus:
    """A text to train on and where it came from.

    Attributes
    ----------
    text
        The whole text.
    source
        The file it was read from, or ``"default"`` for the corpus shipped with the package.
    """

    text: str
    source: str

    @property
    def sha256(self) -> str:
        """Digest of the text (UTF-8), stored in checkpoints to recognise the same corpus."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def default_corpus() -> Corpus:
    """The corpus shipped with the package: 600 invented names, one per line."""
    text = resources.files("rnn_math").joinpath("data", DEFAULT_CORPUS).read_text(encoding="utf-8")
    return Corpus(text, "default")


def read_corpus(path: str | Path | None) -> Corpus:
    """Read a UTF-8 text file, or the default corpus when `path` is None.

    Raises
    ------
    InputError
        If the file is missing, unreadable, not UTF-8 text, or empty.
    """
    if path is None:
        return default_corpus()
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"corpus: no such file: {file}") from None
    except IsADirectoryError:
        raise InputError(f"corpus: expected a text file, got the folder {file}") from None
    except OSError as error:
        raise InputError(f"corpus: cannot read {file}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"corpus: expected UTF-8 text in {file}, got an undecodable byte at offset {error.start}"
        ) from None
    if not text:
        raise InputError(f"corpus: {file} is empty")
    return Corpus(text, str(file))


@dataclass(frozen=True)
class CharVocabulary:
    """The characters a model knows, each with its index (its position in the one-hot vector).

    Attributes
    ----------
    chars
        The characters in index order (sorted, so the same text always gives the same indices).
    """

    chars: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> CharVocabulary:
        """The sorted set of characters of `text`."""
        return cls(tuple(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def index(self) -> dict[str, int]:
        """Each character's index."""
        return {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str, *, what: str = "text") -> NDArray[np.intp]:
        """The indices of the characters of `text`.

        Raises
        ------
        InputError
            If `text` holds a character outside the vocabulary; `what` names the text.
        """
        index = self.index()
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise InputError(
                f"{what}: has characters the model does not know ({''.join(unknown)!r}); "
                f"its vocabulary is {''.join(self.chars)!r}"
            )
        return np.fromiter((index[c] for c in text), dtype=np.intp, count=len(text))

    def decode(self, indices: NDArray[np.integer]) -> str:
        """The characters at `indices`."""
        return "".join(self.chars[int(i)] for i in indices)


def one_hot(indices: int | NDArray[np.integer], size: int, dtype: DTypeLike = np.float64) -> NDArray[np.floating]:
    """One-hot rows: row t has a 1 at ``indices[t]`` and zeros elsewhere; shape (len, size).

    A single index gives a single row, shape (size,).
    """
    return np.eye(size, dtype=dtype)[np.asarray(indices)]


def check_long_enough(n_chars: int, seq_length: int, source: str) -> None:
    """A corpus must hold one input sequence and its targets: seq_length + 1 characters.

    Raises
    ------
    InputError
        If it is shorter.
    """
    if n_chars < seq_length + 1:
        raise InputError(
            f"corpus: {source} has {n_chars} characters, fewer than one sequence of "
            f"{seq_length} inputs plus its last target ({seq_length + 1}); use a longer text "
            f"or a smaller --seq-length"
        )
