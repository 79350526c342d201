"""The phrase pairs the translator learns from, and the two word vocabularies they give.

The phrase set (``rnn_math/data/en_hi.tsv``) was written for this project: a few dozen short
English sentences and their Hindi, one pair per line, read with
[`load_pairs`][rnn_math.apps.translator.phrases.load_pairs]. A word's index in its
[`WordVocabulary`][rnn_math.apps.translator.phrases.WordVocabulary] is its row in an embedding table
(English) or in W_out (Hindi).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

#: The end token: the decoder emits it to say the sentence is complete.
END = "</s>"
#: The start token: read by the decoder at step 1, never emitted.
START = "<s>"
#: Packaged phrase files.
TRAINING_FILE = "en_hi.tsv"
HELD_OUT_FILE = "en_hi_heldout.tsv"
#: Characters stripped from the ends of English words ("Go!" reads as "go").
_PUNCTUATION = ".,!?;:\"'"


@dataclass(frozen=True)
class Pair:
    """One English sentence and its Hindi translation, as words."""

    english: tuple[str, ...]
    hindi: tuple[str, ...]

    @property
    def english_text(self) -> str:
        """The English sentence as written in the phrase file."""
        return " ".join(self.english)

    @property
    def hindi_text(self) -> str:
        """The Hindi sentence."""
        return " ".join(self.hindi)


def english_words(sentence: str) -> tuple[str, ...]:
    """Split an English sentence into lower-case words, dropping punctuation at word ends.

    Raises
    ------
    TypeError
        If `sentence` is not a string.
    ValueError
        If it holds no word at all.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence: expected a string, got {type(sentence).__name__}")
    words = tuple(w for w in (part.strip(_PUNCTUATION).lower() for part in sentence.split()) if w)
    if not words:
        raise ValueError(f"sentence: expected at least one English word, got {sentence!r}")
    return words


def parse_pairs(text: str, source: str = "phrase file") -> list[Pair]:
    """Read tab-separated English/Hindi lines; ``#`` lines and blank lines are skipped.

    Raises
    ------
    ValueError
        On a line without exactly one tab, an empty side, or an English sentence given twice
        (one sentence must have one translation, or greedy decoding cannot get both right).
    """
    pairs: list[Pair] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{source}, line {number}: expected 'English<TAB>Hindi', got {line!r}")
        english = english_words(parts[0])
        if english in seen:
            raise ValueError(f"{source}, line {number}: {parts[0]!r} already has a translation on line {seen[english]}")
        seen[english] = number
        pairs.append(Pair(english, tuple(parts[1].split())))
    return pairs


def load_pairs(name: str = TRAINING_FILE) -> list[Pair]:
    """The packaged phrase pairs: ``en_hi.tsv`` (training, default) or ``en_hi_heldout.tsv``."""
    text = resources.files("rnn_math.data").joinpath(name).read_text(encoding="utf-8")
    return parse_pairs(text, name)


@dataclass(frozen=True)
class WordVocabulary:
    """Words in a fixed order; a word's index is its row in the embedding table (or W_out)."""

    words: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def index(self, word: str) -> int:
        """The index of a known word (KeyError otherwise)."""
        return self._index[word]


def build_vocabularies(pairs: Sequence[Pair]) -> tuple[WordVocabulary, WordVocabulary]:
    """English and Hindi vocabularies in order of first appearance; the Hindi one ends with ``</s>``."""
    english = dict.fromkeys(w for p in pairs for w in p.english)
    hindi = dict.fromkeys(w for p in pairs for w in p.hindi)
    return WordVocabulary(tuple(english)), WordVocabulary((*hindi, END))
