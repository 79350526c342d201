"""Training a character-level RNN with the site's own equations: update rules, loss units, the loop.

Every gradient comes from [`bptt`][rnn_math.bptt.bptt], clipped by
[`rnn_math.clipping`][rnn_math.clipping]; this module adds only what training needs on top:
the two update rules (plain gradient descent and Adagrad, as in Karpathy's min-char-rnn), the
conversions of the loss into per-character units, and the loop that walks through the corpus
in chunks of `seq_length` characters, carrying the hidden state from one chunk to the next.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from numbers import Integral, Real

import numpy as np
from numpy.typing import NDArray

from rnn_math.activations import ACTIVATIONS
from rnn_math.bptt import bptt
from rnn_math.clipping import clip_by_global_norm, clip_elementwise
from rnn_math.corpus import InputError, check_long_enough, one_hot
from rnn_math.params import PARAMETER_NAMES, RNNParams
from rnn_math.registry import equation

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
        M_P *after* adding this step's squared gradient ([`adagrad_memory`][rnn_math.train.adagrad_memory]).
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
        e^ℓ.
    """
    return math.exp(float(nats))


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


# --- Settings and state --------------------------------------------------------------------------


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InputError(f"{name}: expected a positive integer, got {value!r}")


def _positive_float(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
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
        if isinstance(self.smoothing, bool) or not isinstance(self.smoothing, Real) or not 0 <= self.smoothing < 1:
            raise InputError(f"smoothing: expected a number in [0, 1), got {self.smoothing!r}")

    def as_dict(self) -> dict[str, object]:
        """The settings as plain values (for JSON)."""
        return asdict(self)


@dataclass
class TrainState:
    """Everything that changes while training; with the settings and the corpus it decides the rest.

    Attributes
    ----------
    params
        The current parameters.
    memory
        Adagrad's M_P for each parameter (zeros for SGD, which does not use it).
    step
        Updates done so far.
    position
        Index in the corpus of the next chunk's first input character.
    h
        The hidden state carried into the next chunk, shape (D_h,).
    smoothed
        The smoothed loss ℓ̄ (nats per character).
    losses
        ℓ of every step so far (nats per character), for curves and reports.
    rng
        The random generator (initial weights, then sampled text).
    """

    params: RNNParams
    memory: dict[str, Array]
    step: int
    position: int
    h: Array
    smoothed: float
    losses: list[float] = field(default_factory=list)
    rng: np.random.Generator = field(default_factory=np.random.default_rng)


def initial_state(settings: TrainSettings, vocab_size: int) -> TrainState:
    """A fresh model: weights N(0, init_scale²) drawn from the seeded generator, biases 0.

    Parameters
    ----------
    settings
        The run's settings (hidden size, scale, seed).
    vocab_size
        |V|, which is also d, the width of the one-hot inputs.
    """
    _positive_int("vocab_size", vocab_size)
    rng = np.random.default_rng(settings.seed)
    D_h, V, s = settings.hidden_size, vocab_size, settings.init_scale
    params = RNNParams(
        W_h=s * rng.standard_normal((D_h, D_h)),
        W_e=s * rng.standard_normal((D_h, V)),
        b_1=np.zeros(D_h),
        U=s * rng.standard_normal((V, D_h)),
        b_2=np.zeros(V),
    )
    memory = {name: np.zeros_like(value) for name, value in params.as_dict().items()}
    return TrainState(params, memory, 0, 0, np.zeros(D_h), uniform_loss(V), [], rng)


# --- One step and the loop -----------------------------------------------------------------------


def clip_gradients(grads: Mapping[str, Array], settings: TrainSettings) -> dict[str, Array]:
    """Apply the clipping rule the settings ask for."""
    if settings.clip == "value":
        return clip_elementwise(grads, settings.clip_threshold)
    if settings.clip == "norm":
        return clip_by_global_norm(grads, settings.clip_threshold)[0]
    return dict(grads)


def apply_update(
    params: RNNParams, grads: Mapping[str, Array], memory: dict[str, Array], settings: TrainSettings
) -> tuple[RNNParams, dict[str, Array]]:
    """New parameters (and Adagrad memory) after one update with the settings' rule."""
    new_params: dict[str, Array] = {}
    new_memory: dict[str, Array] = {}
    for name in PARAMETER_NAMES:
        param, grad = getattr(params, name), grads[name]
        if settings.optimizer == "adagrad":
            new_memory[name] = adagrad_memory(memory[name], grad)
            new_params[name] = adagrad_update(param, grad, new_memory[name], settings.learning_rate)
        else:
            new_memory[name] = memory[name]
            new_params[name] = sgd_update(param, grad, settings.learning_rate)
    return RNNParams(**new_params), new_memory


def train_step(state: TrainState, data: NDArray[np.integer], settings: TrainSettings, vocab_size: int) -> float:
    """Do one update in place: the next chunk's BPTT, clipping, the update rule; return ℓ.

    The chunk is ``data[position : position + T]`` with targets shifted by one character. The
    last hidden state of a chunk is the first of the next, so information flows across chunk
    boundaries forward (though gradients stop at them: truncated BPTT). When fewer than T + 1
    characters remain, the walk starts again at the beginning of the corpus with h = 0.
    """
    T = settings.seq_length
    if state.position + T + 1 > len(data):
        state.position = 0
        state.h = np.zeros_like(state.h)
    inputs = data[state.position : state.position + T]
    targets = data[state.position + 1 : state.position + T + 1]
    result = bptt(
        state.params, one_hot(inputs, vocab_size), targets, activation=settings.activation, h_0=state.h
    )
    grads = clip_gradients(result.grads.as_dict(), settings)
    state.params, state.memory = apply_update(state.params, grads, state.memory, settings)
    state.h = result.forward.h[-1].copy()
    state.position += T
    state.step += 1
    loss = loss_per_char(result.loss, T)
    state.smoothed = smoothed_loss(state.smoothed, loss, settings.smoothing)
    state.losses.append(loss)
    return loss


def train(
    state: TrainState, data: NDArray[np.integer], settings: TrainSettings, vocab_size: int, until_step: int
) -> Iterator[float]:
    """Update `state` in place up to step `until_step`, yielding each step's ℓ.

    A generator, so that a caller can show progress, sample, or save a checkpoint between steps;
    what it does between steps cannot change the parameters (only sampling draws from the rng).

    Raises
    ------
    InputError
        If the corpus is shorter than one chunk plus its last target.
    """
    check_long_enough(len(data), settings.seq_length, "the corpus")
    while state.step < until_step:
        yield train_step(state, data, settings, vocab_size)


def smoothed_curve(losses: Sequence[float], vocab_size: int, beta: float, points: int = 200) -> list[list[float]]:
    """The smoothed loss after each step, as [step, ℓ̄] pairs thinned to about `points` (and step 0).

    Recomputed from the per-step losses with [`smoothed_loss`][rnn_math.train.smoothed_loss],
    starting from the uniform loss as training does, so a curve needs no second history.
    """
    value = uniform_loss(vocab_size)
    curve = [[0, value]]
    every = max(1, len(losses) // points)
    for step, loss in enumerate(losses, start=1):
        value = smoothed_loss(value, loss, beta)
        if step % every == 0 or step == len(losses):
            curve.append([step, value])
    return curve
