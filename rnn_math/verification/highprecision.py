"""Arithmetic at 50 significant digits for the reference computations, free of cancellation.

The 50-digit references ([`rnn_math.rnn.reference`][rnn_math.rnn.reference] for the vanilla RNN,
[`rnn_math.seq2seq.reference`][rnn_math.seq2seq.reference] for the encoder-decoder) are written
loop by loop from the equations with these few helpers, on plain lists of mpmath numbers, so that
no NumPy code of the package is reused and a mistake in it cannot reappear in its reference.

Every float32 and float64 number is a binary fraction that mpmath holds exactly, so the inputs
enter without rounding; results are rounded to float64 once, at the end.

Extra digits alone do not make a saturated unit exact: 1 − tanh²(z) cancels completely even at
50 digits once |z| is above about 60. So the slopes and the output gradient are written in forms
with no such subtraction (see [`activation_and_slope`][rnn_math.verification.highprecision.activation_and_slope]
and [`loss_and_output_gradient`][rnn_math.verification.highprecision.loss_and_output_gradient]); mpmath's
exponent range is unbounded, so sech²(1000) ≈ 10⁻⁸⁶⁹ is a number, not 0.
"""

from __future__ import annotations

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DIGITS",
    "Matrix",
    "Vector",
    "activation_and_slope",
    "add_outer",
    "loss_and_output_gradient",
    "matrix",
    "matvec",
    "normwise_relative_error",
    "rounded",
    "transpose_times",
    "zeros",
]

#: Significant digits of every reference computation.
DIGITS = 50

Vector = list[mpmath.mpf]
Matrix = list[Vector]


def matrix(value: ArrayLike) -> Matrix:
    """A float array as rows of exact mpf values; a 1-D array becomes one row."""
    array = np.atleast_2d(np.asarray(value, dtype=np.float64))  # float32 → float64 is exact
    return [[mpmath.mpf(float(v)) for v in row] for row in array]


def zeros(rows: int, cols: int) -> Matrix:
    """A rows × cols matrix of zeros, to accumulate a gradient in."""
    return [[mpmath.mpf(0)] * cols for _ in range(rows)]


def matvec(W: Matrix, u: Vector) -> Vector:
    """W u, each entry an exactly rounded sum (``fsum``)."""
    return [mpmath.fsum(w * x for w, x in zip(row, u, strict=True)) for row in W]


def transpose_times(W: Matrix, u: Vector) -> Vector:
    """Wᵀ u."""
    return [mpmath.fsum(W[i][j] * u[i] for i in range(len(u))) for j in range(len(W[0]))]


def add_outer(total: Matrix, u: Vector, v: Vector) -> None:
    """total += u vᵀ, in place: one step's share of a tied-weight gradient."""
    for i, u_i in enumerate(u):
        for j, v_j in enumerate(v):
            total[i][j] += u_i * v_j


def activation_and_slope(z: mpmath.mpf, activation: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """σ(z) and σ'(z) at the working precision, the slope without cancellation for any z.

    Parameters
    ----------
    z
        A pre-activation.
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Notes
    -----
    tanh' is sech²(z), never 1 − tanh²(z); sigmoid' is e/(1 + e)² with e = exp(−|z|), never
    s(1 − s).
    """
    if activation == "tanh":
        return mpmath.tanh(z), mpmath.sech(z) ** 2
    if activation == "sigmoid":
        e = mpmath.exp(-abs(z))
        return (e if z < 0 else 1) / (1 + e), e / (1 + e) ** 2
    raise ValueError(f"activation: expected 'sigmoid' or 'tanh', got {activation!r}")


def loss_and_output_gradient(theta: Vector, k: int) -> tuple[mpmath.mpf, Vector]:
    """−log ŷ_k and ŷ − y for logits θ and target k, both without cancellation.

    The loss log Σ_j e^{θ_j} − θ_k is written m − θ_k + log1p(Σ_{j≠m} e^{θ_j − m}) with m the
    largest logit, so a confident right prediction keeps its tiny loss; the target entry
    ŷ_k − 1 is −Σ_{j≠k} ŷ_j, the same number since the probabilities sum to 1.

    Parameters
    ----------
    theta
        The logits of one step.
    k
        The target index.
    """
    m = max(range(len(theta)), key=lambda j: theta[j])
    rest = mpmath.fsum(mpmath.exp(theta[j] - theta[m]) for j in range(len(theta)) if j != m)
    log_normaliser = theta[m] + mpmath.log1p(rest)
    loss = (theta[m] - theta[k]) + mpmath.log1p(rest)
    y_hat = [mpmath.exp(theta_j - log_normaliser) for theta_j in theta]
    y_hat[k] = -mpmath.fsum(y_hat[j] for j in range(len(theta)) if j != k)
    return loss, y_hat


def rounded(value: list, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Nested lists of mpf rounded to nearest float64, in the given shape."""
    return np.array(value, dtype=object).astype(np.float64).reshape(shape)


def normwise_relative_error(computed: ArrayLike, exact: ArrayLike) -> float:
    """‖computed − exact‖₂ / ‖exact‖₂ over all entries, safe for tiny and huge values.

    Both are divided by the largest |exact| entry first, so that the squares of numbers near
    10⁻²⁶⁰ neither underflow nor lose their digits. An exact value of 0 gives 0 if the computed
    one is 0 too, and infinity otherwise.

    Raises
    ------
    ValueError
        If the two hold different numbers of entries.
    """
    c = np.asarray(computed, dtype=np.float64).ravel()
    e = np.asarray(exact, dtype=np.float64).ravel()
    if c.shape != e.shape:
        raise ValueError(f"computed: expected {e.size} values (as many as exact), got {c.size}")
    scale = float(np.max(np.abs(e)))
    if scale == 0.0:
        return 0.0 if not np.any(c) else float("inf")
    return float(np.linalg.norm(c / scale - e / scale) / np.linalg.norm(e / scale))
