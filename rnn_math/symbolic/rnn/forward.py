"""SymPy twins of the forward pass, with column vectors exactly as the pages write them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.activations import activation_function, elementwise
from rnn_math.symbolic.any_size import apply_entrywise, column_entry, entry_sum, softmax_column
from rnn_math.symbolic.types import Expr, Matrix


@symbolic_twin("eq-forward-z")
def pre_activation(W_h: Matrix, h_prev: Matrix, W_e: Matrix, x_t: Matrix, b_1: Matrix) -> Matrix:
    """Twin of z^t = W_h h^{t-1} + W_e x^t + b_1 (column vectors)."""
    return W_h * h_prev + W_e * x_t + b_1


@symbolic_twin("eq-forward-h")
def hidden_state(z_t: Matrix, activation: str | Callable[[Expr], Expr] = "sigmoid") -> Matrix:
    """Twin of h^t = σ(z^t), σ applied to every entry."""
    return elementwise(activation_function(activation), z_t)


@symbolic_twin("eq-forward-theta")
def output_logits(U: Matrix, h_t: Matrix, b_2: Matrix) -> Matrix:
    """Twin of θ^t = U h^t + b_2."""
    return U * h_t + b_2


@symbolic_twin("eq-softmax")
def softmax(theta_t: Matrix) -> Matrix:
    """Twin of the softmax: every exponential divided by their sum."""
    return softmax_column(theta_t)


@symbolic_twin("eq-loss-step")
def step_loss(theta_t: Matrix, target_t: int | Expr) -> Expr:
    """Twin of L^t = −θ_k + log Σ_j exp θ_j, for the correct index k = `target_t`."""
    return -column_entry(theta_t, target_t) + sp.log(entry_sum(apply_entrywise(sp.exp, theta_t)))


@symbolic_twin("eq-loss-total")
def total_loss(step_losses: Sequence[Expr]) -> Expr:
    """Twin of L = Σ_t L^t."""
    return sp.Add(*step_losses)


def matrix_symbols(name: str, rows: int, cols: int = 1) -> Matrix:
    """A matrix whose every entry is its own real symbol, ``name_i_j`` (or ``name_i`` for a column)."""
    if cols == 1:
        return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name}_{i}", real=True))
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


@dataclass(frozen=True)
class SymbolicForward:
    """The symbolic forward pass: every intermediate as a list over steps t = 1..T."""

    z: list[Matrix]
    h: list[Matrix]
    theta: list[Matrix]
    step_losses: list[Expr]
    loss: Expr


def forward(
    W_h: Matrix,
    W_e: Matrix,
    b_1: Matrix,
    U: Matrix,
    b_2: Matrix,
    xs: Sequence[Matrix],
    targets: Sequence[int],
    *,
    activation: str | Callable[[Expr], Expr] = "sigmoid",
    h_0: Matrix | None = None,
) -> SymbolicForward:
    """Unroll the network symbolically: the twins above composed over T steps.

    Parameters
    ----------
    W_h, W_e, b_1, U, b_2
        Parameters as SymPy matrices (biases as columns); entries may be symbols or numbers.
    xs
        Inputs x^1..x^T as column matrices.
    targets
        Correct indices k_1..k_T.
    activation
        ``"sigmoid"``, ``"tanh"`` or a SymPy function.
    h_0
        Initial hidden state; zeros if omitted.
    """
    h = [h_0 if h_0 is not None else sp.zeros(W_h.shape[0], 1)]
    z: list[Matrix] = []
    theta: list[Matrix] = []
    losses: list[Expr] = []
    for x_t, k_t in zip(xs, targets, strict=True):
        z.append(pre_activation(W_h, h[-1], W_e, x_t, b_1))
        h.append(hidden_state(z[-1], activation))
        theta.append(output_logits(U, h[-1], b_2))
        losses.append(step_loss(theta[-1], k_t))
    return SymbolicForward(z, h, theta, losses, total_loss(losses))
