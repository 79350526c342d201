"""Training a character-level RNN with the site's own equations: update rules, loss units, settings.

Every gradient comes from [`bptt`][rnn_math.rnn.bptt.bptt], clipped by
[`rnn_math.core.clipping`][rnn_math.core.clipping]; this module adds only what training needs on top:
the two update rules (plain gradient descent and Adagrad, as in Karpathy's min-char-rnn), the
conversions of the loss into per-character units, and the settings of a run. The loop that walks
through the corpus in chunks of `seq_length` characters, carrying the hidden state from one
chunk to the next, is in ``rnn_math.apps.training.train_loop``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
from numpy.typing import NDArray

from rnn_math.core.activations import ACTIVATIONS
from rnn_math.apps.training.corpus import InputError
from rnn_math.core.registry import equation

Array = NDArray[np.floating]

#: Update rules the loop knows.
OPTIMIZERS = ("sgd", "adagrad")
#: Gradient clipping: entry by entry to ±c, by the global norm, or not at all.
CLIPPING = ("value", "norm", "none")
#: Added under Adagrad's square root so that a parameter whose gradient was always 0 gets no 0/0.
ADAGRAD_EPSILON = 1e-8


# --- Update rules -------------------------------------------------------------------------------


@equation(
    "eq-sgd-update",
    title="Gradient-descent step",
    latex=r"P \leftarrow P - \eta\, \frac{\partial L}{\partial P}",
)
def sgd_update(param: Array, grad: Array, learning_rate: float) -> Array:
    """One step of plain gradient descent on one parameter.

    Parameters
    ----------
    param
        The parameter P (any of W_h, W_e, b_1, U, b_2).
    grad
        ∂L/∂P, the same shape.
    learning_rate
        The step size η.

    Returns
    -------
    numpy.ndarray
        The new value P − η ∂L/∂P (a new array).
    """
    return param - learning_rate * grad


@equation(
    "eq-adagrad-memory",
    title="Adagrad memory",
    latex=r"M_P \leftarrow M_P + \frac{\partial L}{\partial P} \odot \frac{\partial L}{\partial P}",
)
def adagrad_memory(memory: Array, grad: Array) -> Array:
    """Adagrad's running sum of squared gradients, entry by entry.

    Parameters
    ----------
    memory
        M_P, the sum of the squares of every earlier gradient of P (zeros before the first step).
    grad
        ∂L/∂P of this step.

    Returns
    -------
    numpy.ndarray
        M_P + (∂L/∂P)², a new array.
    """
    return memory + grad * grad


@equation(
    "eq-adagrad-update",
    title="Adagrad step",
    latex=r"P \leftarrow P - \eta\, \frac{\partial L}{\partial P} \oslash \sqrt{M_P + \epsilon}",
)
def adagrad_update(
    param: Array, grad: Array, memory: Array, learning_rate: float, epsilon: float = ADAGRAD_EPSILON
) -> Array:
    """One Adagrad step: each entry's step is divided by the root of its own squared-gradient sum.

    Parameters
    ----------
    param
        The parameter P.
    grad
        ∂L/∂P of this step.
    memory
        M_P *after* adding this step's squared gradient ([`adagrad_memory`][rnn_math.apps.training.train.adagrad_memory]).
    learning_rate
        The base step size η.
    epsilon
        ε, a small number that keeps the division finite where M_P is 0.

    Returns
    -------
    numpy.ndarray
        P − η (∂L/∂P) / sqrt(M_P + ε), entry by entry (a new array).

    Notes
    -----
    Entries that have seen large gradients take small steps and rarely-updated entries take
    large ones; since the memory only grows, every step size shrinks over time.
    """
    return param - learning_rate * grad / np.sqrt(memory + epsilon)


# --- The loss in per-character units -------------------------------------------------------------


@equation(
    "eq-loss-per-char",
    title="Loss per character",
    latex=r"\ell = \frac{L}{T} = \frac{1}{T} \sum_{t=1}^{T} L^t",
)
def loss_per_char(loss: float, n_chars: int) -> float:
    """The loss of a chunk divided by its number of predicted characters, in nats per character.

    Parameters
    ----------
    loss
        L, the summed cross-entropy of the chunk (natural logarithms, so nats).
    n_chars
        T, the number of characters predicted.

    Returns
    -------
    float
        ℓ = L / T.
    """
    return float(loss) / n_chars


@equation(
    "eq-bits-per-char",
    title="Bits per character",
    latex=r"\ell_{\text{bits}} = \frac{\ell}{\ln 2}",
)
def bits_per_char(nats: float) -> float:
    """Nats per character in bits per character (logarithms base 2 instead of base e).

    Parameters
    ----------
    nats
        ℓ in nats per character.

    Returns
    -------
    float
        ℓ / ln 2.
    """
    return float(nats) / math.log(2.0)


@equation(
    "eq-perplexity",
    title="Perplexity",
    latex=r"\operatorname{PP} = e^{\ell} = 2^{\ell_{\text{bits}}}",
)
def perplexity(nats: float) -> float:
    """Perplexity: the number of equally likely characters that would give the same loss.

    Parameters
    ----------
    nats
        ℓ in nats per character.

    Returns
    -------
    float
        e^ℓ; ``inf`` when e^ℓ is beyond the floating-point range (ℓ above about 709.78), which
        is the correctly rounded value, not an error.
    """
    try:
        return math.exp(float(nats))
    except OverflowError:  # a diverging run's loss: its perplexity is simply too large to hold
        return math.inf


@equation(
    "eq-uniform-loss",
    title="Loss of the uniform guess",
    latex=r"\ell_{\text{uniform}} = -\log \frac{1}{\lvert V \rvert} = \log \lvert V \rvert",
)
def uniform_loss(vocab_size: int) -> float:
    """Nats per character of a model that gives every character the same probability 1/|V|.

    Parameters
    ----------
    vocab_size
        |V|.

    Returns
    -------
    float
        log |V|, the baseline a model must beat to have learnt anything.
    """
    return math.log(vocab_size)


@equation(
    "eq-smoothed-loss",
    title="Smoothed loss",
    latex=r"\bar{\ell}_n = \beta\, \bar{\ell}_{n-1} + (1 - \beta)\, \ell_n, \qquad \bar{\ell}_0 = \log \lvert V \rvert",
)
def smoothed_loss(previous: float, current: float, beta: float) -> float:
    """Exponential moving average of the per-character loss, the number the progress bar shows.

    Parameters
    ----------
    previous
        ℓ̄ after the previous step (the uniform loss before the first).
    current
        ℓ of this step.
    beta
        β in [0, 1): how much of the past is kept.

    Returns
    -------
    float
        β ℓ̄ + (1 − β) ℓ.
    """
    return beta * float(previous) + (1.0 - beta) * float(current)


# --- Settings ----------------------------------------------------------------------------------


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InputError(f"{name}: expected a positive integer, got {value!r}")


def _is_finite_real(value: object) -> bool:
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
    hidden_size
        D_h.
    activation
        ``"tanh"`` or ``"sigmoid"``.
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
        _choice("activation", self.activation, tuple(ACTIVATIONS))
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
