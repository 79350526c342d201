"""SymPy twins of the training application's equations: loss units, the smoothed loss, sampling."""

from __future__ import annotations

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.types import Expr, Matrix


@symbolic_twin("eq-loss-per-char")
def loss_per_char(step_losses: list[Expr]) -> Expr:
    """Twin of ℓ = (1/T) Σ_t L^t, from the per-step losses."""
    return sp.Add(*step_losses) / len(step_losses)


@symbolic_twin("eq-bits-per-char")
def bits_per_char(nats: Expr) -> Expr:
    """Twin of ℓ_bits = ℓ / ln 2."""
    return nats / sp.log(2)


@symbolic_twin("eq-perplexity")
def perplexity(nats: Expr) -> Expr:
    """Twin of PP = e^ℓ."""
    return sp.exp(nats)


@symbolic_twin("eq-uniform-loss")
def uniform_loss(vocab_size: int | Expr) -> Expr:
    """Twin of ℓ_uniform = −log(1/|V|)."""
    return -sp.log(sp.Integer(1) / vocab_size)


@symbolic_twin("eq-smoothed-loss")
def smoothed_loss(previous: Expr, current: Expr, beta: Expr) -> Expr:
    """Twin of ℓ̄_n = β ℓ̄_{n−1} + (1 − β) ℓ_n."""
    return beta * previous + (1 - beta) * current


@symbolic_twin("eq-sample-temperature")
def sampling_distribution(theta_t: Matrix, temperature: Expr) -> Matrix:
    """Twin of p = softmax(θ / τ)."""
    exponentials = theta_t.applyfunc(lambda v: sp.exp(v / temperature))
    return exponentials / sum(exponentials)
