"""Generating text from a trained model: the forward pass run one character at a time.

Each generated character is fed back as the next input. The step is exactly the forward pass of
[`rnn_math.forward`][rnn_math.forward] (pre-activation, hidden state, logits, softmax); the only
new ingredient is the temperature, which sharpens or flattens the distribution drawn from.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rnn_math.corpus import InputError, Vocabulary, one_hot
from rnn_math.forward import hidden_state, output_logits, pre_activation, softmax
from rnn_math.params import RNNParams
from rnn_math.registry import equation

Array = NDArray[np.floating]


@equation(
    "eq-sample-temperature",
    title="Sampling distribution at temperature τ",
    latex=r"p_i = \operatorname{softmax}\!\Bigl(\frac{\theta^t}{\tau}\Bigr)_i = \frac{e^{\theta^t_i / \tau}}{\sum_{j=1}^{|V|} e^{\theta^t_j / \tau}}",
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
    """
    return softmax(theta_t / temperature)


def check_temperature(temperature: float) -> float:
    """Return τ as a float after checking it is a positive finite number.

    Raises
    ------
    InputError
        Otherwise.
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not (
        math.isfinite(temperature) and temperature > 0
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


def step(params: RNNParams, h_prev: Array, x_t: Array, activation: str) -> tuple[Array, Array]:
    """One step of the forward pass: the next hidden state and its logits."""
    h_t = hidden_state(pre_activation(params.W_h, h_prev, params.W_e, x_t, params.b_1), activation)
    return h_t, output_logits(params.U, h_t, params.b_2)


def sample(
    params: RNNParams,
    vocab: Vocabulary,
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
        A trained model, with d = |V| (one-hot inputs).
    vocab
        Its vocabulary.
    activation
        The activation it was trained with.
    length
        Number of characters to generate (0 or more).
    rng
        The random generator to draw from (so a seed gives the same text).
    prime
        Text fed in first, at least one character, every one in the vocabulary; the generated
        characters continue it. The default, a newline, starts a new line (a new name).
    temperature
        τ of the sampling distribution.
    h_0
        The state before the prime; zeros if omitted.

    Returns
    -------
    str
        The generated characters (without the prime).

    Raises
    ------
    InputError
        On an empty prime, a character outside the vocabulary, a negative length or a bad τ.
    """
    tau = check_temperature(temperature)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
        raise InputError(f"length: expected a non-negative integer, got {length!r}")
    if not prime:
        raise InputError("prime: expected at least one character to start from, got ''")
    if params.dims.d != len(vocab) or params.dims.V != len(vocab):
        raise InputError(
            f"params: expected d = |V| = {len(vocab)} (one-hot inputs over the vocabulary), "
            f"got d = {params.dims.d}, |V| = {params.dims.V}"
        )
    V = len(vocab)
    indices = vocab.encode(prime, what="prime")
    h = np.zeros(params.dims.D_h, dtype=params.dtype) if h_0 is None else np.asarray(h_0, dtype=params.dtype)
    theta = np.zeros(V)
    for index in indices:
        h, theta = step(params, h, one_hot(index, V, params.dtype), activation)
    out = []
    for _ in range(length):
        index = draw(sampling_distribution(theta, tau), rng)
        out.append(index)
        h, theta = step(params, h, one_hot(index, V, params.dtype), activation)
    return vocab.decode(np.asarray(out, dtype=np.intp))
