"""A toy English→Hindi translator: the encoder-decoder trained with its own derived gradients.

The phrase set (``rnn_math/data/en_hi.tsv``) was written for this project: a few dozen short
sentences and their Hindi, read with [`load_pairs`][rnn_math.apps.translator.translator.load_pairs]. Training is
full-batch Adam on the summed loss, with every gradient from
[`rnn_math.seq2seq.passes.backward`][rnn_math.seq2seq.passes.backward]; it is seeded and deterministic.
Translation is greedy: at each decoder step the most probable word is emitted and read back in,
until the end token or a maximum length.

```python
from rnn_math.apps.translator.translator import load_pairs, train

result = train(load_pairs())
print(result.translator.translate("I go"))   # मैं जाता हूँ
```
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.errors import TrainingDivergedError
from rnn_math.apps.translator.config_checks import check_fraction, check_positive_integer, check_positive_number, check_seed
from rnn_math.core.optimizers import adam_moments, adam_update
from rnn_math.seq2seq import (
    Seq2SeqParams,
    context,
    decoder_logits,
    decoder_state,
    embed,
    encode,
    run_backward,
)

Array = NDArray[np.floating]

#: The end token: the decoder emits it to say the sentence is complete.
END = "</s>"
#: The start token: read by the decoder at step 1, never emitted.
START = "<s>"
#: Packaged phrase files.
TRAINING_FILE = "en_hi.tsv"
HELD_OUT_FILE = "en_hi_heldout.tsv"
#: Characters stripped from the ends of English words ("Go!" reads as "go").
_PUNCTUATION = ".,!?;:\"'"


class UnknownWordError(ValueError):
    """An English word the translator never saw in training (it has no embedding)."""


# --- Phrases and vocabularies -------------------------------------------------------------------


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
class Vocabulary:
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


def build_vocabularies(pairs: Sequence[Pair]) -> tuple[Vocabulary, Vocabulary]:
    """English and Hindi vocabularies in order of first appearance; the Hindi one ends with ``</s>``."""
    english = dict.fromkeys(w for p in pairs for w in p.english)
    hindi = dict.fromkeys(w for p in pairs for w in p.hindi)
    return Vocabulary(tuple(english)), Vocabulary((*hindi, END))


# --- The translator -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Translator:
    """Trained parameters with the two vocabularies they index."""

    params: Seq2SeqParams
    english: Vocabulary
    hindi: Vocabulary

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
            detail = "; ".join(f"{w!r}" + (f" (did you mean {', '.join(map(repr, h))}?)" if h else "") for w, h in hints.items())
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


# --- Training -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingConfig:
    """Sizes and optimiser settings; the defaults train the packaged phrase set in seconds."""

    D_h: int = 24
    d_en: int = 12
    d_hi: int = 12
    epochs: int = 300
    learning_rate: float = 0.02
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    init_scale: float = 0.3
    seed: int = 0

    def __post_init__(self) -> None:
        # Each check raises TypeError on a wrong type (bool included), ValueError out of range.
        for name in ("D_h", "d_en", "d_hi", "epochs"):
            check_positive_integer(name, getattr(self, name))
        for name in ("learning_rate", "epsilon", "init_scale"):
            check_positive_number(name, getattr(self, name))
        for name in ("beta_1", "beta_2"):
            check_fraction(name, getattr(self, name))
        check_seed("seed", self.seed)


@dataclass(frozen=True)
class TrainingResult:
    """The trained translator and the loss after every epoch (summed over all pairs)."""

    translator: Translator
    losses: NDArray[np.float64]
    config: TrainingConfig


def length_buckets(
    translator: Translator, pairs: Sequence[Pair]
) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Group pairs by (English length, Hindi length) into batches that need no padding."""
    groups: dict[tuple[int, int], list[tuple[NDArray[np.intp], NDArray[np.intp]]]] = defaultdict(list)
    for pair in pairs:
        src = np.array([translator.english.index(w) for w in pair.english], dtype=np.intp)
        tgt = translator.target_indices(pair.hindi)
        groups[(len(src), len(tgt))].append((src, tgt))
    return [(np.stack([s for s, _ in g]), np.stack([t for _, t in g])) for _, g in sorted(groups.items())]


def train(pairs: Sequence[Pair], config: TrainingConfig = TrainingConfig()) -> TrainingResult:
    """Train an encoder-decoder on `pairs` with full-batch Adam, seeded and deterministic.

    Each epoch sums the loss and the gradients of every pair (batched by length), then takes
    one Adam step ([`adam_moments`][rnn_math.core.optimizers.adam_moments],
    [`adam_update`][rnn_math.core.optimizers.adam_update]) on every parameter.

    Parameters
    ----------
    pairs
        Training pairs, for example [`load_pairs()`][rnn_math.apps.translator.translator.load_pairs].
    config
        Sizes, epochs and optimiser settings.

    Returns
    -------
    TrainingResult
        The translator after the last epoch and the loss before each update.

    Raises
    ------
    TrainingDivergedError
        If the loss or a parameter stops being finite (a learning rate far too large), with the
        epoch it happened at.
    """
    if not pairs:
        raise ValueError("pairs: expected at least one phrase pair, got none")
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config: expected a TrainingConfig, got {type(config).__name__}")
    english, hindi = build_vocabularies(pairs)
    params = Seq2SeqParams.random(
        len(english), len(hindi), D_h=config.D_h, d_en=config.d_en, d_hi=config.d_hi,
        seed=config.seed, scale=config.init_scale,
    )  # fmt: skip
    buckets = length_buckets(Translator(params, english, hindi), pairs)
    values = params.as_dict()
    m = {k: np.zeros_like(v) for k, v in values.items()}
    v2 = {k: np.zeros_like(v) for k, v in values.items()}
    losses = np.empty(config.epochs)
    for epoch in range(1, config.epochs + 1):
        current = Seq2SeqParams(**values)
        total = 0.0
        grads = {k: np.zeros_like(v) for k, v in values.items()}
        with np.errstate(over="ignore", invalid="ignore"):  # a run that overflows is stopped just below
            for src, tgt in buckets:
                result = run_backward(current, src, tgt)
                total += result.loss
                for name, g in result.grads.as_dict().items():
                    grads[name] += g
            losses[epoch - 1] = total
            for name in values:
                m[name], v2[name] = adam_moments(m[name], v2[name], grads[name], config.beta_1, config.beta_2)
                values[name] = adam_update(
                    values[name], m[name], v2[name], epoch, config.learning_rate, config.beta_1, config.beta_2, config.epsilon
                )
        bad = [name for name, v in values.items() if not np.all(np.isfinite(v))]
        if not np.isfinite(total) or bad:
            what = "the loss" if not np.isfinite(total) else f"parameter {bad[0]}"
            raise TrainingDivergedError(
                epoch,
                f"{what} is no longer finite (learning_rate = {config.learning_rate!r}); try a smaller learning_rate",
                unit="epoch",
            )
    return TrainingResult(Translator(Seq2SeqParams(**values), english, hindi), losses, config)
