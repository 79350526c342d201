"""Moving numbers between NumPy and SymPy exactly, and measuring how far apart two results are.

Every float64 is a dyadic rational, so it converts to a SymPy Float with no rounding at all;
SymPy then evaluates at 50 significant digits. The only rounding left in a comparison is
NumPy's own, which is what the tests measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import SupportsFloat

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

#: Significant digits of every symbolic evaluation.
DIGITS = 50


def exact(value: SupportsFloat) -> sp.Float:
    """A float64 as a SymPy Float holding exactly the same binary value, at 50 digits."""
    return sp.Float(float(value), DIGITS)


def to_matrix(values: ArrayLike) -> sp.Matrix:
    """A NumPy vector (as a column) or matrix as a SymPy Matrix of exact Floats."""
    array = np.asarray(values, dtype=np.float64)
    rows = array.reshape(-1, 1) if array.ndim == 1 else array
    return sp.Matrix(rows.shape[0], rows.shape[1], lambda i, j: exact(rows[i, j]))


def substitutions(symbols: Mapping[str, sp.MatrixBase], values: Mapping[str, ArrayLike]) -> dict[sp.Symbol, sp.Float]:
    """Pair each symbol of a symbolic parameter matrix with the exact value of its NumPy entry."""
    pairs: dict[sp.Symbol, sp.Float] = {}
    for name, matrix in symbols.items():
        array = np.asarray(values[name], dtype=np.float64)
        flat = array.reshape(matrix.shape)
        for i in range(matrix.rows):
            for j in range(matrix.cols):
                pairs[matrix[i, j]] = exact(flat[i, j])
    return pairs


def evaluate(
    expression: sp.Expr | sp.MatrixBase, subs: Mapping[sp.Symbol, sp.Float] | None = None
) -> NDArray[np.float64]:
    """Evaluate an expression (or every entry of a matrix) at 50 digits, then round to float64."""
    if isinstance(expression, sp.MatrixBase):
        return np.array(
            [[float(sp.N(entry, DIGITS, subs=subs)) for entry in row] for row in expression.tolist()], dtype=np.float64
        )
    return np.array(float(sp.N(expression, DIGITS, subs=subs)), dtype=np.float64)


def relative_error(actual: ArrayLike, reference: ArrayLike) -> float:
    """Norm-wise relative error ``‖actual − reference‖ / max(‖reference‖, tiny)``.

    Norm-wise rather than entry-wise, so that entries that are nearly zero do not turn rounding
    noise into enormous relative errors.
    """
    a = np.asarray(actual, dtype=np.float64).ravel()
    r = np.asarray(reference, dtype=np.float64).ravel()
    if a.shape != r.shape:
        raise ValueError(f"actual: expected {r.size} values (as many as the reference), got {a.size}")
    return float(np.linalg.norm(a - r) / max(np.linalg.norm(r), np.finfo(np.float64).tiny))
