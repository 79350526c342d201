"""The trained translator: its parameters, its two vocabularies, and greedy decoding.

Translation is greedy: at each decoder step the most probable word is emitted and read back in,
until the end token or a maximum length. The translator is made by
[`train_translator`][rnn_math.apps.translator.training.train_translator]; its parameters say
which model it is (the encoder-decoder, with or without attention,
[`rnn_math.apps.translator.models`][rnn_math.apps.translator.models]), and a translator with
attention also tells where each Hindi word looked
([`Translator.attend`][rnn_math.apps.translator.translator.Translator.attend]).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.translator.models import Decoding, Params, TranslatorModel, model_of
from rnn_math.apps.translator.phrases import END, WordVocabulary, english_words
from rnn_math.core.types import Array


class UnknownWordError(ValueError):
    """An English word the translator never saw in training (it has no embedding)."""


@dataclass(frozen=True)
class Attended:
    """A translation with its attention weights: which English words each Hindi word looked at.

    Attributes
    ----------
    english
        The English words, as read (lower case, punctuation stripped).
    hindi
        The Hindi words emitted, the end token included when it was emitted.
    weights
        Shape (len(hindi), len(english)); row t sums to 1.
    """

    english: tuple[str, ...]
    hindi: tuple[str, ...]
    weights: Array


@dataclass(frozen=True)
class Translator:
    """Trained parameters (of either model) with the two vocabularies they index."""

    params: Params
    english: WordVocabulary
    hindi: WordVocabulary

    def __post_init__(self) -> None:
        model_of(self.params)  # refuses anything that is neither model's parameters

    @property
    def model(self) -> TranslatorModel:
        """The model the parameters belong to (it decodes them)."""
        return model_of(self.params)

    def source_indices(self, sentence: str) -> NDArray[np.intp]:
        """The indices of an English sentence's words.

        Raises
        ------
        ValueError
            On an empty sentence.
        UnknownWordError
            On a word outside the training vocabulary; the message names it and suggests the
            nearest known words. (There is no unknown-word token: a word never seen in training
            has no learned embedding, so any output would be a guess presented as a translation.)
        """
        words = english_words(sentence)
        unknown = [w for w in words if w not in self.english]
        if unknown:
            hints = {w: difflib.get_close_matches(w, self.english.words, n=3) for w in unknown}
            detail = "; ".join(
                f"{w!r}" + (f" (did you mean {', '.join(map(repr, h))}?)" if h else "") for w, h in hints.items()
            )
            raise UnknownWordError(
                f"sentence: expected words from the translator's {len(self.english)}-word English vocabulary, "
                f"got unknown {detail}"
            )
        return np.array([self.english.index(w) for w in words], dtype=np.intp)

    def target_indices(self, hindi: Sequence[str]) -> NDArray[np.intp]:
        """Indices of a Hindi sentence's words followed by the end token: the decoder's targets."""
        return np.array([self.hindi.index(w) for w in (*hindi, END)], dtype=np.intp)

    def translate_indices(self, source: NDArray[np.intp], max_length: int = 12) -> list[int]:
        """Greedy decoding: emit the most probable word, read it back in, stop at ``</s>``.

        Parameters
        ----------
        source
            English word indices, shape (T,).
        max_length
            Most words emitted (the end token included) if the end token never wins.

        Returns
        -------
        list of int
            Hindi word indices, ending with the end token's unless `max_length` cut it short.
        """
        return list(self._decode(source, max_length).tokens)

    def _decode(self, source: NDArray[np.intp], max_length: int) -> Decoding:
        if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or max_length < 1:
            raise ValueError(f"max_length: expected a positive integer, got {max_length!r}")
        return self.model.decode(self.params, np.asarray(source), self.hindi.index(END), int(max_length))

    def translate(self, sentence: str, max_length: int = 12) -> str:
        """Translate an English sentence by greedy decoding; the end token is not shown.

        If the end token never wins within `max_length` words, the words emitted so far are
        returned followed by ``…``, so a runaway decoding is visible rather than hidden.
        """
        words = [self.hindi.words[i] for i in self.translate_indices(self.source_indices(sentence), max_length)]
        return " ".join(words[:-1]) if words and words[-1] == END else " ".join(words) + " …"

    def attend(self, sentence: str, max_length: int = 12) -> Attended:
        """Translate greedily and return, for each Hindi word, its attention weights over the English words.

        Raises
        ------
        TypeError
            If the translator has no attention (the encoder-decoder reads one context vector).
        UnknownWordError, ValueError
            As [`translate`][rnn_math.apps.translator.translator.Translator.translate].
        """
        if self.model.name != "attention":
            raise TypeError(f"translator: expected a translator with attention, got the {self.model.name}")
        decoding = self._decode(self.source_indices(sentence), max_length)
        assert decoding.weights is not None  # the attention model always returns them
        return Attended(english_words(sentence), tuple(self.hindi.words[i] for i in decoding.tokens), decoding.weights)
