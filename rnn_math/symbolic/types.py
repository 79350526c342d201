"""The SymPy types the twins' signatures use: defined once, so the annotations read alike."""

from __future__ import annotations

from typing import TypeAlias

import sympy as sp

#: A SymPy matrix (dense or immutable); the twins' vectors are its columns.
Matrix: TypeAlias = sp.MatrixBase

#: A scalar SymPy expression.
Expr: TypeAlias = sp.Expr

__all__ = ["Expr", "Matrix"]
