"""The settings of a training run: sizes, update rule, clipping, seed, each checked on creation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real
from typing import TypeGuard

from rnn_math.apps.errors import InputError
from rnn_math.apps.training.cells import CELLS
from rnn_math.core.activations import ACTIVATIONS

#: Update rules the loop knows ([`rnn_math.core.optimizers`][rnn_math.core.optimizers]).
OPTIMIZERS = ("sgd", "adagrad")
#: Gradient clipping: entry by entry to ±c, by the global norm, or not at all.
CLIPPING = ("value", "norm", "none")


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InputError(f"{name}: expected a positive integer, got {value!r}")


def _is_finite_real(value: object) -> TypeGuard[Real]:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return False


def _positive_float(name: str, value: object) -> None:
    if not _is_finite_real(value) or value <= 0:
        raise InputError(f"{name}: expected a positive finite number, got {value!r}")


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides what a training run computes (saved in every checkpoint).

    The defaults follow min-char-rnn where it has one (Adagrad, η = 0.1, 25-character chunks,
    entries clipped to ±5, initial weights of scale 0.01) with a smaller hidden layer, which the
    small default corpus does not need to be larger.

    Attributes
    ----------
    cell
        The recurrent cell: ``"rnn"`` (the vanilla RNN), ``"lstm"`` or ``"gru"``
        ([`CELLS`][rnn_math.apps.training.cells]).
    hidden_size
        D_h.
    activation
        ``"tanh"`` or ``"sigmoid"`` for the vanilla RNN; the gated cells' candidate is tanh.
    seq_length
        T, the characters per chunk (the truncation length of BPTT).
    learning_rate
        η.
    optimizer
        ``"adagrad"`` or ``"sgd"``.
    clip
        ``"value"`` (every entry to ±clip_threshold), ``"norm"`` (global norm at most
        clip_threshold) or ``"none"``.
    clip_threshold
        The c of the clipping rule.
    init_scale
        Standard deviation of the initial weights (biases start at 0).
    seed
        Seed of the random generator: initial weights and sampled text.
    smoothing
        β of the smoothed loss.
    """

    cell: str = "rnn"
    hidden_size: int = 64
    activation: str = "tanh"
    seq_length: int = 25
    learning_rate: float = 0.1
    optimizer: str = "adagrad"
    clip: str = "value"
    clip_threshold: float = 5.0
    init_scale: float = 0.01
    seed: int = 0
    smoothing: float = 0.99

    def __post_init__(self) -> None:
        _positive_int("hidden_size", self.hidden_size)
        _positive_int("seq_length", self.seq_length)
        _positive_float("learning_rate", self.learning_rate)
        _positive_float("clip_threshold", self.clip_threshold)
        _positive_float("init_scale", self.init_scale)
        _choice("cell", self.cell, tuple(CELLS))
        _choice("activation", self.activation, tuple(ACTIVATIONS))
        if self.activation not in CELLS[self.cell].activations:
            raise InputError(
                f"activation: the {self.cell} cell's candidate is "
                f"{' or '.join(CELLS[self.cell].activations)}, got {self.activation!r} "
                f"(the activation is a choice of the rnn cell)"
            )
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("clip", self.clip, CLIPPING)
        if isinstance(self.seed, bool) or not isinstance(self.seed, Integral) or self.seed < 0:
            raise InputError(f"seed: expected a non-negative integer, got {self.seed!r}")
        if not _is_finite_real(self.smoothing) or not 0 <= self.smoothing < 1:
            raise InputError(f"smoothing: expected a number in [0, 1), got {self.smoothing!r}")
        # NumPy scalars pass the checks above; store plain Python values so that the settings
        # always turn into JSON (a checkpoint, a report) and compare equal after a round trip.
        for name in ("hidden_size", "seq_length", "seed"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("learning_rate", "clip_threshold", "init_scale", "smoothing"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def as_dict(self) -> dict[str, object]:
        """The settings as plain values (for JSON)."""
        return asdict(self)

    @classmethod
    def from_record(cls, raw: Mapping[str, object]) -> TrainSettings:
        """The settings a checkpoint or a report recorded, checked as on creation.

        A record written before the cell was recorded has no ``cell``: every such run trained
        the vanilla RNN, so it reads as ``"rnn"``.

        Raises
        ------
        InputError
            If the keys are not exactly the settings' (``cell`` optional), or a value is invalid.
        """
        known = {f.name for f in fields(cls)}
        if set(raw) | RECORDED_LATER.keys() != known:
            raise InputError(f"settings: expected exactly the keys {sorted(known)}, got keys {sorted(raw)}")
        try:
            return cls(**(RECORDED_LATER | dict(raw)))  # type: ignore[arg-type]
        except InputError as error:
            raise InputError(f"settings: {error}") from None


#: Settings added after the first checkpoints were written, with the value those checkpoints meant.
RECORDED_LATER: dict[str, object] = {"cell": "rnn"}
