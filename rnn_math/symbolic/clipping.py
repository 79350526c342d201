"""SymPy twins of gradient clipping: the global norm, norm clipping and element-wise clipping."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.types import Expr, Matrix


@symbolic_twin("eq-grad-global-norm")
def global_norm(grads: Mapping[str, Matrix]) -> Expr:
    """Twin of ‖g‖ = sqrt(Σ_P Σ_ij (∂L/∂P_ij)²): every entry of every matrix squared and summed."""
    return sp.sqrt(sp.Add(*(entry**2 for matrix in grads.values() for entry in matrix)))


@symbolic_twin("eq-clip-global-norm")
def clip_by_global_norm(grads: Mapping[str, Matrix], max_norm: Expr) -> tuple[dict[str, Matrix], Expr]:
    """Twin of ĝ = g · c/‖g‖ if ‖g‖ > c, else g, written as a Piecewise factor.

    Returns the clipped matrices and the norm before clipping, like the NumPy version.
    """
    norm = global_norm(grads)
    factor = sp.Piecewise((max_norm / norm, norm > max_norm), (sp.Integer(1), True))
    return {name: matrix * factor for name, matrix in grads.items()}, norm


@symbolic_twin("eq-clip-elementwise")
def clip_elementwise(grads: Mapping[str, Matrix], limit: Expr) -> dict[str, Matrix]:
    """Twin of ĝ_i = min(max(g_i, −c), c), applied to every entry."""
    return {name: matrix.applyfunc(lambda g: sp.Min(sp.Max(g, -limit), limit)) for name, matrix in grads.items()}
