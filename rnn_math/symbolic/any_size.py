"""The few operations a twin needs to run on matrices of symbolic size as well as on explicit ones.

An explicit SymPy matrix (``sympy.Matrix``) has a number of rows; a matrix expression
(``sympy.MatrixSymbol("W_h", D_h, D_h)`` and products of such) may have a symbol instead, and its
entry ``[p, q]`` at symbolic indices is a finite sum of symbolic length. The twins call the
functions below where an explicit matrix's own method (``multiply_elementwise``, ``applyfunc``,
``sum``) has no matrix-expression counterpart of the same name, so that one twin serves the
unrolled proofs at fixed sizes and the lemmas at every size
([`rnn_math.verification.index_form`][rnn_math.verification.index_form]).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from rnn_math.symbolic.types import Expr

#: An explicit matrix or a matrix expression (of symbolic size, say).
AnyMatrix: TypeAlias = sp.MatrixBase | sp.MatrixExpr


class EntrywiseColumn(sp.FunctionMatrix):
    """A column given by a formula for its entry i, kept as that formula.

    SymPy's ``FunctionMatrix`` evaluates its sums whenever a product containing it is formed
    (``U.T * column`` calls ``doit``), which for a sum of symbolic length means a slow and useless
    search for a closed form; the proofs compare the entries as they are written.
    """

    def doit(self, **hints: object) -> EntrywiseColumn:
        """Return the column unchanged: its entries are left as written."""
        return self


def is_explicit(value: object) -> bool:
    """Whether `value` is an explicit matrix (every entry stored), not a matrix expression."""
    return isinstance(value, sp.MatrixBase)


def _row(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


def apply_entrywise(function: Callable[[Expr], Expr], value: AnyMatrix) -> AnyMatrix:
    """f applied to every entry: ``applyfunc`` for an explicit matrix, an elementwise map otherwise."""
    if is_explicit(value):
        return value.applyfunc(function)
    return ElementwiseApplyFunction(function, value)


def hadamard(left: AnyMatrix, right: AnyMatrix) -> AnyMatrix:
    """The entrywise product a ⊙ b of two matrices of one shape."""
    if is_explicit(left) and is_explicit(right):
        return left.multiply_elementwise(right)
    return sp.HadamardProduct(left, right)


def entry_sum(column: AnyMatrix) -> Expr:
    """Σ_i v_i of a column: a sum of explicit terms, or a sum with a symbolic upper bound."""
    if is_explicit(column):
        return sp.Add(*column)
    i = sp.Dummy("i", integer=True)
    return sp.Sum(column[i, 0], (i, 0, column.shape[0] - 1))


def softmax_column(theta: AnyMatrix) -> AnyMatrix:
    """exp(θ_i) / Σ_j exp(θ_j), entry by entry, for a column of any size."""
    exponentials = apply_entrywise(sp.exp, theta)
    if is_explicit(theta):
        return exponentials / entry_sum(exponentials)
    i, j = _row("i"), _row("j")
    total = entry_sum(exponentials)
    return EntrywiseColumn(theta.shape[0], 1, sp.Lambda((i, j), sp.exp(theta[i, 0]) / total))


def one_hot_column(k: int | Expr, size: int | Expr) -> AnyMatrix:
    """The column y with y_k = 1 and every other entry 0; symbolic k or size give δ_{ik}."""
    if not any(isinstance(value, sp.Expr) and not value.is_Integer for value in (k, size)):
        return sp.Matrix(int(size), 1, lambda i, _: 1 if i == int(k) else 0)  # k may be a NumPy integer
    i, j = _row("i"), _row("j")
    return EntrywiseColumn(size, 1, sp.Lambda((i, j), sp.KroneckerDelta(i, k, (0, size - 1))))


def column_entry(column: AnyMatrix, k: int | Expr) -> Expr:
    """The entry v_k of a column (k may be a symbol)."""
    return column[k] if is_explicit(column) else column[k, 0]
