"""SymPy twins of the Jacobian products and the bound on their norm (column vectors)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.activations import activation_function
from rnn_math.symbolic.types import Expr, Matrix


def activation_slope(activation: str | Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    """σ' as a scalar SymPy function, obtained by differentiating σ (so it is exact by construction)."""
    function = activation_function(activation)
    x = sp.Dummy("x", real=True)
    derivative = sp.diff(function(x), x)
    return lambda value: derivative.subs(x, value)


@symbolic_twin("eq-step-jacobian")
def step_jacobian(W_h: Matrix, z_j: Matrix, activation: str | Callable[[Expr], Expr] = "sigmoid") -> Matrix:
    """Twin of ∂h^j/∂h^{j−1} = diag(σ'(z^j)) W_h."""
    slope = activation_slope(activation)
    return sp.diag(*[slope(entry) for entry in z_j]) * W_h


@symbolic_twin("eq-jacobian-product")
def hidden_jacobian(
    W_h: Matrix, z: Sequence[Matrix], k: int, t: int, activation: str | Callable[[Expr], Expr] = "sigmoid"
) -> Matrix:
    """Twin of ∂h^t/∂h^k = diag(σ'(z^t)) W_h ⋯ diag(σ'(z^{k+1})) W_h; ``z[j - 1]`` is z^j."""
    product = sp.eye(W_h.shape[0])
    for j in range(k + 1, t + 1):
        product = step_jacobian(W_h, z[j - 1], activation) * product
    return product


@symbolic_twin("eq-jacobian-bound")
def jacobian_norm_bound(W_h: Matrix, lag: int, gamma: Expr) -> Expr:
    """Twin of (γ λ_1)^{t−k}, with λ_1 the square root of the largest eigenvalue of W_hᵀ W_h."""
    # Floats become the exact rationals they stand for, so the eigenvalues are exact algebraic
    # numbers (SymPy's numeric eigenvalue search at 50 digits is not reliable).
    gram = (W_h.T * W_h).applyfunc(lambda e: sp.Rational(e) if isinstance(e, sp.Float) else e)
    lambda_1 = sp.sqrt(sp.Max(*gram.eigenvals()))
    return (gamma * lambda_1) ** lag


@symbolic_twin("eq-last-loss-hidden-grad")
def last_loss_hidden_gradient(
    U: Matrix,
    W_h: Matrix,
    output_grad_T: Matrix,
    z: Sequence[Matrix],
    k: int,
    activation: str | Callable[[Expr], Expr] = "sigmoid",
) -> Matrix:
    """Twin of ∂L^T/∂h^k = (∂h^T/∂h^k)ᵀ Uᵀ (ŷ^T − y^T), with T = len(z)."""
    return hidden_jacobian(W_h, z, k, len(z), activation).T * (U.T * output_grad_T)


@symbolic_twin("eq-recurrent-grad-unrolled")
def unrolled_recurrent_gradient(
    U: Matrix,
    W_h: Matrix,
    output_grads: Sequence[Matrix],
    z: Sequence[Matrix],
    h: Sequence[Matrix],
    activation: str | Callable[[Expr], Expr] = "sigmoid",
) -> Matrix:
    """Twin of ∂L/∂W_h = Σ_t Σ_{k≤t} diag(σ'(z^k)) (∂h^t/∂h^k)ᵀ Uᵀ(ŷ^t − y^t) (h^{k−1})ᵀ.

    ``output_grads[t - 1]`` is ŷ^t − y^t, ``z[k - 1]`` is z^k and ``h[k]`` is h^k (columns).
    """
    slope = activation_slope(activation)
    T = len(z)
    gradient = sp.zeros(*W_h.shape)
    for t in range(1, T + 1):
        loss_at_state = U.T * output_grads[t - 1]
        for k in range(1, t + 1):
            carried = hidden_jacobian(W_h, z, k, t, activation).T * loss_at_state
            gradient += sp.diag(*[slope(entry) for entry in z[k - 1]]) * carried * h[k - 1].T
    return gradient
