"""SymPy twins of the activations, and the activation functions used inside symbolic proofs."""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.any_size import apply_entrywise
from rnn_math.symbolic.types import Expr


class Sigmoid(sp.Function):
    """The logistic sigmoid as an unevaluated SymPy function whose derivative is σ(1 − σ).

    Keeping σ(x) as one symbol-like node (instead of ``1/(1 + exp(-x))``) keeps derivatives of
    unrolled networks small, which is what makes the exact proofs fast.
    """

    def fdiff(self, argindex: int = 1) -> Expr:
        """Return dσ/dx = σ(x)(1 − σ(x))."""
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x: Expr, **kwargs: object) -> Expr:
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec: int) -> Expr:
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


def elementwise(function: Callable[[Expr], Expr], value: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
    """Apply a scalar function to a scalar or to every entry of a matrix (explicit or of symbolic size)."""
    if isinstance(value, sp.MatrixBase | sp.MatrixExpr):
        return apply_entrywise(function, value)
    return function(value)


@symbolic_twin("eq-sigmoid")
def sigmoid(z: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
    """Twin of the sigmoid: ``1 / (1 + exp(-z))``, written out with `exp`."""
    return elementwise(lambda x: 1 / (1 + sp.exp(-x)), z)


@symbolic_twin("eq-sigmoid-derivative")
def sigmoid_derivative(z: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
    """Twin of σ'(z) = σ(z)(1 − σ(z)), with σ written out with `exp`."""
    return elementwise(lambda x: (1 / (1 + sp.exp(-x))) * (1 - 1 / (1 + sp.exp(-x))), z)


@symbolic_twin("eq-tanh")
def tanh(z: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
    """Twin of tanh, written as the quotient of exponentials it is defined by."""
    return elementwise(lambda x: (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)), z)


@symbolic_twin("eq-tanh-derivative")
def tanh_derivative(z: Expr | sp.MatrixBase) -> Expr | sp.MatrixBase:
    """Twin of tanh'(z) = 1 − tanh²(z)."""
    return elementwise(lambda x: 1 - sp.tanh(x) ** 2, z)


def activation_function(activation: str | Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    """Return the scalar SymPy function for an activation name, or a given function unchanged.

    Parameters
    ----------
    activation
        ``"sigmoid"`` (the compact [`Sigmoid`][rnn_math.symbolic.activations.Sigmoid]),
        ``"tanh"`` (``sympy.tanh``), or any SymPy function such as ``sympy.Function("g")``,
        whose derivative SymPy then leaves symbolic: proofs made with it hold for every
        differentiable activation.
    """
    if callable(activation) and not isinstance(activation, str):
        return activation
    if activation == "sigmoid":
        return Sigmoid
    if activation == "tanh":
        return sp.tanh
    raise ValueError(f"activation: expected 'sigmoid', 'tanh' or a SymPy function, got {activation!r}")
