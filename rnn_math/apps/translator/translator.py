"""The trained translator: its parameters, its two vocabularies, and greedy decoding.

Translation is greedy: at each decoder step the most probable word is emitted and read back in,
until the end token or a maximum length. The translator is made by
[`train_translator`][rnn_math.apps.translator.training.train_translator].
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.translator.phrases import END, WordVocabulary, english_words
from rnn_math.seq2seq import Seq2SeqParams, context, decoder_logits, decoder_state, embed, encode


class UnknownWordError(ValueError):
    """An English word the translator never saw in training (it has no embedding)."""


@dataclass(frozen=True)
class Translator:
    """Trained parameters with the two vocabularies they index."""

    params: Seq2SeqParams
    english: WordVocabulary
    hindi: WordVocabulary

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
        if not isinstance(max_length, (int, np.integer)) or max_length < 1:
            raise ValueError(f"max_length: expected a positive integer, got {max_length!r}")
        p = self.params
        _, _, h = encode(p, np.asarray(source)[None])
        s = context(h)
        token, end, out = p.start, self.hindi.index(END), []
        for _ in range(max_length):
            _, s = decoder_state(p.W_dec, s, p.V, embed(p.E_hi, np.array([token])), p.c)
            token = int(np.argmax(decoder_logits(p.W_out, s, p.b_out)[0]))
            out.append(token)
            if token == end:
                break
        return out

    def translate(self, sentence: str, max_length: int = 12) -> str:
        """Translate an English sentence by greedy decoding; the end token is not shown.

        If the end token never wins within `max_length` words, the words emitted so far are
        returned followed by ``…``, so a runaway decoding is visible rather than hidden.
        """
        words = [self.hindi.words[i] for i in self.translate_indices(self.source_indices(sentence), max_length)]
        return " ".join(words[:-1]) if words and words[-1] == END else " ".join(words) + " …"
