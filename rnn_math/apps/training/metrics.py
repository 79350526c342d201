"""The loss of a training run in per-character units: nats, bits, perplexity, and their baselines.

The loss [`bptt`][rnn_math.rnn.bptt.bptt] returns is summed over a chunk; these conversions make
runs with different chunk lengths and vocabularies comparable, and give the number the progress
bar shows ([`smoothed_loss`][rnn_math.apps.training.metrics.smoothed_loss]).
"""

from __future__ import annotations

import math

from rnn_math.core.registry import equation


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
