"""Generating text from a trained model: the forward pass run one character at a time.

Each generated character is fed back as the next input. The step is exactly the forward pass of
the model's cell, read off the type of its parameters ([`cell_of`][rnn_math.apps.training.cells.cell_of]):
for the vanilla RNN that of [`rnn_math.rnn.forward`][rnn_math.rnn.forward] (pre-activation, hidden
state, logits, softmax), for the LSTM and the GRU their forward equations. The only new
ingredient is the temperature, which sharpens or flattens the distribution drawn from.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np

from rnn_math.apps.errors import InputError
from rnn_math.apps.training.cells import CarriedState, Cell, Params, cell_of
from rnn_math.apps.training.corpus import CharVocabulary, one_hot
from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.rnn.forward import softmax


@equation(
    "eq-sample-temperature",
    title="Sampling distribution at temperature τ",
    latex=(
        r"p_i = \operatorname{softmax}\!\Bigl(\frac{\theta^t}{\tau}\Bigr)_i"
        r" = \frac{e^{\theta^t_i / \tau}}{\sum_{j=1}^{|V|} e^{\theta^t_j / \tau}}"
    ),
)
def sampling_distribution(theta_t: Array, temperature: float) -> Array:
    """The distribution the next character is drawn from: softmax of the logits divided by τ.

    Parameters
    ----------
    theta_t
        Logits θ^t, shape (..., |V|).
    temperature
        τ > 0. At τ = 1 this is the model's own prediction ŷ^t; below 1 it favours likely
        characters (τ → 0 always picks the most likely one), above 1 it flattens towards uniform.

    Returns
    -------
    numpy.ndarray
        p, shape (..., |V|), non-negative and summing to 1.

    Notes
    -----
    When τ is so small that θ/τ overflows, the distribution is its limit as τ → 0: all the
    probability on the largest logit (shared equally by ties), the greedy choice, never NaN.
    """
    theta_t = np.asarray(theta_t)
    with np.errstate(over="ignore"):  # an overflow is the signal to take the limit below
        scaled = theta_t / temperature
    if np.all(np.isfinite(scaled)):
        return softmax(scaled)
    top = theta_t == np.max(theta_t, axis=-1, keepdims=True)
    return top / np.sum(top, axis=-1, keepdims=True)


class LogitsOverflow(InputError):
    """The model's logits are beyond the floating-point range: its weights cannot be sampled from."""


#: The longest text `sample` builds in memory; `generate` streams any length.
MAX_SAMPLE_LENGTH = 1_000_000


def check_temperature(temperature: float) -> float:
    """Return τ as a float after checking it is a positive finite number (NumPy scalars too).

    Raises
    ------
    InputError
        Otherwise.
    """
    if (
        isinstance(temperature, (bool, np.bool_))
        or not isinstance(temperature, Real)
        or not (math.isfinite(temperature) and temperature > 0)
    ):
        raise InputError(f"temperature: expected a positive finite number, got {temperature!r}")
    return float(temperature)


def draw(p: Array, rng: np.random.Generator) -> int:
    """Draw an index with probabilities `p` by inverting their cumulative sum with one uniform number.

    Dividing the uniform draw by the sum, rather than insisting the sum be exactly 1, keeps a
    float32 distribution (whose sum can be off by a unit in the last place) usable.
    """
    cumulative = np.cumsum(p, dtype=np.float64)
    return min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), len(p) - 1)


def step(params: Params, state: CarriedState, x_t: Array, activation: str) -> tuple[CarriedState, Array]:
    """One step of the forward pass of the parameters' cell: the next carried state and its logits.

    Raises
    ------
    LogitsOverflow
        If the logits are not finite (weights too large for the floating-point range).
    """
    with np.errstate(over="ignore", invalid="ignore"):  # reported just below, as a sentence
        state_t, theta_t = cell_of(params).step(params, state, x_t, activation)
    if not np.all(np.isfinite(theta_t)):
        raise LogitsOverflow(
            "params: the logits overflow the floating-point range; these weights cannot be sampled from"
        )
    return state_t, theta_t


def _check_inputs(params: Params, vocab: CharVocabulary, rng: object, prime: str, h_0: object) -> CarriedState:
    """Check everything but the length and τ; return the state before the prime.

    h^0 is `h_0`, or zeros when it is None; the LSTM's c^0 is zeros.
    """
    cell: Cell = cell_of(params)
    if not isinstance(rng, np.random.Generator):
        raise InputError(
            f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    if not isinstance(prime, str) or not prime:
        raise InputError(f"prime: expected at least one character to start from, got {prime!r}")
    if params.dims.d != len(vocab) or params.dims.V != len(vocab):
        raise InputError(
            f"params: expected d = |V| = {len(vocab)} (one-hot inputs over the vocabulary), "
            f"got d = {params.dims.d}, |V| = {params.dims.V}"
        )
    D_h, dtype = params.dims.D_h, params.U.dtype
    zeros = {name: np.zeros(D_h, dtype=dtype) for name in cell.state_names}
    if h_0 is None:
        return zeros
    h = np.asarray(h_0)
    if h.dtype.kind != "f" or h.shape != (D_h,):
        raise InputError(f"h_0: expected a float array of shape ({D_h},), got dtype {h.dtype} and shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise InputError(f"h_0: expected finite values, got {int(np.sum(~np.isfinite(h)))} NaN or infinite entries")
    return zeros | {"h": h.astype(dtype, copy=False)}


def generate(
    params: Params,
    vocab: CharVocabulary,
    *,
    activation: str,
    rng: np.random.Generator,
    prime: str = "\n",
    temperature: float = 1.0,
    h_0: Array | None = None,
) -> Iterator[str]:
    """Yield characters that continue `prime`, one at a time, for as long as the caller reads.

    The streaming form of [`sample`][rnn_math.apps.training.sampling.sample] (same arguments but the length,
    same characters for the same generator state): memory stays constant however long the text.

    Raises
    ------
    InputError
        On bad input (checked before the first character is yielded, when iteration starts).
    """
    tau = check_temperature(temperature)
    state = _check_inputs(params, vocab, rng, prime, h_0)
    V, dtype = len(vocab), params.U.dtype
    indices = vocab.encode(prime, what="prime")
    theta: Array = np.zeros(V)
    for index in indices:  # every character of the prime, the last one included
        state, theta = step(params, state, one_hot(index, V, dtype), activation)
    while True:
        index = draw(sampling_distribution(theta, tau), rng)
        yield vocab.chars[index]
        state, theta = step(params, state, one_hot(index, V, dtype), activation)


def sample(
    params: Params,
    vocab: CharVocabulary,
    *,
    activation: str,
    length: int,
    rng: np.random.Generator,
    prime: str = "\n",
    temperature: float = 1.0,
    h_0: Array | None = None,
) -> str:
    """Generate `length` characters that continue `prime`.

    Parameters
    ----------
    params
        A trained model of any cell (``RNNParams``, ``LSTMParams`` or ``GRUParams``), with
        d = |V| (one-hot inputs).
    vocab
        Its vocabulary.
    activation
        The activation it was trained with (the vanilla RNN's; the gated cells ignore it, their
        candidate is tanh).
    length
        Number of characters to generate, 0 to `MAX_SAMPLE_LENGTH`
        ([`generate`][rnn_math.apps.training.sampling.generate] streams longer texts).
    rng
        The random generator to draw from (a ``numpy.random.Generator``, so a seed gives the
        same text).
    prime
        Text fed in first, at least one character, every one in the vocabulary; the generated
        characters continue it. The default, a newline, starts a new line (a new name).
    temperature
        τ of the sampling distribution, a positive number (Python or NumPy). So small that the
        probabilities underflow: the most likely character every time.
    h_0
        The hidden state before the prime, shape (D_h,) and finite; zeros if omitted (the
        LSTM's cell state starts at zeros).

    Returns
    -------
    str
        The generated characters (without the prime).

    Raises
    ------
    InputError
        On an empty prime, a character outside the vocabulary, a length out of range, a bad τ,
        an `rng` that is not a Generator, or an `h_0` of the wrong shape or with non-finite values.
    """
    if isinstance(length, bool) or not isinstance(length, Integral) or not 0 <= length <= MAX_SAMPLE_LENGTH:
        raise InputError(
            f"length: expected an integer from 0 to {MAX_SAMPLE_LENGTH} (generate() streams longer texts), "
            f"got {length!r}"
        )
    characters = generate(params, vocab, activation=activation, rng=rng, prime=prime, temperature=temperature, h_0=h_0)
    if length == 0:  # still check the input, which the generator does on its first step
        check_temperature(temperature)
        _check_inputs(params, vocab, rng, prime, h_0)
        vocab.encode(prime, what="prime")
        return ""
    return "".join(next(characters) for _ in range(length))
