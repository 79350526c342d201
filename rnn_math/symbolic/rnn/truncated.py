"""SymPy twins of truncated BPTT: its objective, and its errors built from Jacobian products."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.rnn.forward import hidden_state, output_logits, pre_activation, step_loss
from rnn_math.symbolic.rnn.gradient_flow import activation_slope, hidden_jacobian
from rnn_math.symbolic.types import Expr, Matrix


@symbolic_twin("eq-truncated-objective")
def truncated_objective(
    W_h: Matrix,
    W_e: Matrix,
    b_1: Matrix,
    U: Matrix,
    b_2: Matrix,
    xs: Sequence[Matrix],
    targets: Sequence[int],
    k: int,
    frozen_h: Sequence[Matrix],
    activation: str | Callable[[Expr], Expr] = "sigmoid",
) -> Expr:
    """Twin of L̃_k = Σ_t L^t(Φ_{s_t→t}(sg[h^{s_t}])): each term restarts at ``frozen_h[s_t]``."""
    terms = []
    for t in range(1, len(xs) + 1):
        s = max(t - k, 0)
        h = frozen_h[s]
        for j in range(s + 1, t + 1):
            h = hidden_state(pre_activation(W_h, h, W_e, xs[j - 1], b_1), activation)
        terms.append(step_loss(output_logits(U, h, b_2), targets[t - 1]))
    return sp.Add(*terms)


@symbolic_twin("eq-truncated-delta")
def truncated_delta(
    U: Matrix,
    W_h: Matrix,
    output_grads: Sequence[Matrix],
    z: Sequence[Matrix],
    s: int,
    k: int,
    activation: str | Callable[[Expr], Expr] = "sigmoid",
) -> Matrix:
    """Twin of δ̄^s_k = Σ_{t=s}^{min(s+k−1, T)} ∂L^t/∂z^s, each term written with Jacobians:

    ∂L^t/∂z^s = diag(σ'(z^s)) (∂h^t/∂h^s)ᵀ Uᵀ (ŷ^t − y^t).
    """
    slope = activation_slope(activation)
    slopes = sp.diag(*[slope(entry) for entry in z[s - 1]])
    total = sp.zeros(W_h.shape[0], 1)
    for t in range(s, min(s + k - 1, len(z)) + 1):
        total += slopes * hidden_jacobian(W_h, z, s, t, activation).T * (U.T * output_grads[t - 1])
    return total
