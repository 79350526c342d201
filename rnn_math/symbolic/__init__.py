"""SymPy twins: each registered equation rebuilt as an exact symbolic expression.

The twins take SymPy matrices with column vectors, exactly as the pages write them, so that a
twin reads like its equation. Tests evaluate them at 50 significant digits and compare with the
NumPy implementations, and differentiate them exactly to prove the gradient formulas.
"""

from rnn_math.symbolic.activations import Sigmoid, activation_function
from rnn_math.symbolic.types import Expr, Matrix

__all__ = ["Expr", "Matrix", "Sigmoid", "activation_function"]
