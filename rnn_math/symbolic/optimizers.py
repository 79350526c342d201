"""SymPy twins of the update rules ([`rnn_math.core.optimizers`][rnn_math.core.optimizers]): SGD, Adagrad, Adam."""

from __future__ import annotations

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.types import Expr, Matrix


@symbolic_twin("eq-sgd-update")
def sgd_update(param: Matrix, grad: Matrix, learning_rate: Expr) -> Matrix:
    """Twin of P ← P − η ∂L/∂P."""
    return param - learning_rate * grad


@symbolic_twin("eq-adagrad-memory")
def adagrad_memory(memory: Matrix, grad: Matrix) -> Matrix:
    """Twin of M_P ← M_P + (∂L/∂P) ⊙ (∂L/∂P)."""
    return memory + grad.multiply_elementwise(grad)


@symbolic_twin("eq-adagrad-update")
def adagrad_update(param: Matrix, grad: Matrix, memory: Matrix, learning_rate: Expr, epsilon: Expr) -> Matrix:
    """Twin of P ← P − η (∂L/∂P) ⊘ sqrt(M_P + ε), entry by entry."""
    return param - learning_rate * grad.multiply_elementwise(memory.applyfunc(lambda m: 1 / sp.sqrt(m + epsilon)))


@symbolic_twin("eq-adam-moments")
def adam_moments(m: Matrix, v: Matrix, grad: Matrix, beta_1: Expr, beta_2: Expr) -> tuple[Matrix, Matrix]:
    """Twin of m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g⊙g."""
    return beta_1 * m + (1 - beta_1) * grad, beta_2 * v + (1 - beta_2) * grad.multiply_elementwise(grad)


@symbolic_twin("eq-adam-update")
def adam_update(
    param: Matrix, m: Matrix, v: Matrix, n: int, learning_rate: Expr, beta_1: Expr, beta_2: Expr, epsilon: Expr
) -> Matrix:
    """Twin of P ← P − η m̂ / (√v̂ + ε), with m̂ = m/(1 − β₁ⁿ), v̂ = v/(1 − β₂ⁿ)."""
    m_hat = m / (1 - beta_1**n)
    v_hat = v / (1 - beta_2**n)
    return param - learning_rate * m_hat.multiply_elementwise(v_hat.applyfunc(lambda e: 1 / (sp.sqrt(e) + epsilon)))
