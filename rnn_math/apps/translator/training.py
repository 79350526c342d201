"""Training the translator: the encoder-decoder on the phrase pairs with full-batch Adam.

Every gradient comes from [`rnn_math.seq2seq.passes.run_backward`][rnn_math.seq2seq.passes.run_backward]
and every update from the Adam equations of [`rnn_math.core.optimizers`][rnn_math.core.optimizers];
training is seeded and deterministic.

```python
from rnn_math.apps.translator import load_pairs, train_translator

result = train_translator(load_pairs())
print(result.translator.translate("I go"))   # मैं जाता हूँ
```
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.errors import TrainingDivergedError
from rnn_math.apps.translator.config_checks import (
    check_fraction,
    check_positive_integer,
    check_positive_number,
    check_seed,
)
from rnn_math.apps.translator.phrases import Pair, build_vocabularies
from rnn_math.apps.translator.translator import Translator
from rnn_math.core.optimizers import adam_moments, adam_update
from rnn_math.seq2seq import Seq2SeqParams, run_backward


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


def length_buckets(translator: Translator, pairs: Sequence[Pair]) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Group pairs by (English length, Hindi length) into batches that need no padding."""
    groups: dict[tuple[int, int], list[tuple[NDArray[np.intp], NDArray[np.intp]]]] = defaultdict(list)
    for pair in pairs:
        src = np.array([translator.english.index(w) for w in pair.english], dtype=np.intp)
        tgt = translator.target_indices(pair.hindi)
        groups[(len(src), len(tgt))].append((src, tgt))
    return [(np.stack([s for s, _ in g]), np.stack([t for _, t in g])) for _, g in sorted(groups.items())]


def train_translator(pairs: Sequence[Pair], config: TrainingConfig = TrainingConfig()) -> TrainingResult:
    """Train an encoder-decoder on `pairs` with full-batch Adam, seeded and deterministic.

    Each epoch sums the loss and the gradients of every pair (batched by length), then takes
    one Adam step ([`adam_moments`][rnn_math.core.optimizers.adam_moments],
    [`adam_update`][rnn_math.core.optimizers.adam_update]) on every parameter.

    Parameters
    ----------
    pairs
        Training pairs, for example [`load_pairs()`][rnn_math.apps.translator.phrases.load_pairs].
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
                    values[name],
                    m[name],
                    v2[name],
                    epoch,
                    config.learning_rate,
                    config.beta_1,
                    config.beta_2,
                    config.epsilon,
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
