"""Scoring translations against reference translations: whole sentences and words.

A translation is *exact* when it is the reference word for word. Its *word score* is the number
of positions holding the reference's word, out of the longer of the two lengths, so that a
missing word and an extra word each cost one (a translation cut short at the maximum length
ends in ``…``, which matches no word). Scores add over sentences: the word accuracy of a set is
its matched positions over its positions, not an average of per-sentence fractions.

```python
from rnn_math.apps.translator import HELD_OUT_FILE, evaluate, load_pairs, train_translator

translator = train_translator(load_pairs()).translator
print(evaluate(translator, load_pairs(HELD_OUT_FILE)).total.exact)
```
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rnn_math.apps.translator.phrases import Pair
from rnn_math.apps.translator.translator import Translator


def word_matches(got: Sequence[str], reference: Sequence[str]) -> tuple[int, int]:
    """Positions where `got` has the reference's word, and the longer of the two lengths.

    >>> word_matches(["वह", "घर", "जाता", "है"], ["वह", "घर", "जाती", "है"])
    (3, 4)
    >>> word_matches(["मैं", "जाता"], ["मैं", "जाता", "हूँ"])
    (2, 3)
    """
    matched = sum(a == b for a, b in zip(got, reference, strict=False))  # words past the shorter match nothing
    return matched, max(len(got), len(reference))


@dataclass(frozen=True)
class Score:
    """Exact sentences and matched word positions of a set of translations."""

    exact: int
    sentences: int
    words_right: int
    words: int

    @property
    def exact_fraction(self) -> float:
        """Exact sentences over sentences (0 for no sentence)."""
        return self.exact / self.sentences if self.sentences else 0.0

    @property
    def word_fraction(self) -> float:
        """Matched word positions over positions (0 for no sentence)."""
        return self.words_right / self.words if self.words else 0.0


@dataclass(frozen=True)
class Scored:
    """One pair with its greedy translation and how it scores."""

    pair: Pair
    got: tuple[str, ...]
    words_right: int
    words: int

    @property
    def exact(self) -> bool:
        """The translation is the reference word for word."""
        return self.got == self.pair.hindi


@dataclass(frozen=True)
class Evaluation:
    """Every pair's translation and score, in the order given."""

    rows: tuple[Scored, ...]

    @property
    def total(self) -> Score:
        """The score of all the pairs."""
        return _score(self.rows)

    def by_length(self, groups: Sequence[tuple[int, int]]) -> list[Score]:
        """The score of the pairs whose English length lies in each (shortest, longest) group."""
        return [_score([r for r in self.rows if low <= len(r.pair.english) <= high]) for low, high in groups]


def _score(rows: Sequence[Scored]) -> Score:
    return Score(sum(r.exact for r in rows), len(rows), sum(r.words_right for r in rows), sum(r.words for r in rows))


def evaluate(translator: Translator, pairs: Sequence[Pair]) -> Evaluation:
    """Translate every pair's English greedily and score it against the pair's Hindi.

    Raises
    ------
    UnknownWordError
        If a pair has an English word outside the translator's vocabulary.
    """
    rows = []
    for pair in pairs:
        got = tuple(translator.translate(pair.english_text).split())
        rows.append(Scored(pair, got, *word_matches(got, pair.hindi)))
    return Evaluation(tuple(rows))


def length_groups(pairs: Sequence[Pair], width: int = 2) -> list[tuple[int, int]]:
    """English sentence lengths in groups of `width` consecutive lengths, covering every pair.

    The last group reaches the longest sentence, so it may be wider than `width` by less than one
    group (a lone longest length joins the group before it rather than standing alone).
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width: expected a positive integer, got {width!r}")
    if not pairs:
        raise ValueError("pairs: expected at least one phrase pair, got none")
    shortest, longest = min(len(p.english) for p in pairs), max(len(p.english) for p in pairs)
    starts = list(range(shortest, longest + 1, width))
    groups = [(low, min(low + width - 1, longest)) for low in starts]
    if len(groups) > 1 and groups[-1][1] - groups[-1][0] + 1 < width:
        groups[-2:] = [(groups[-2][0], longest)]
    return groups
