"""The encoder-decoder at 50 significant digits: an independent reference for its gradients.

[`reference_backward`][rnn_math.seq2seq_reference.reference_backward] runs the forward and the
backward pass of the Encoder-decoder page with mpmath at 50 significant digits, starting from the
exact values of the float parameters (every float32 and float64 number is a binary fraction that
mpmath holds exactly), and rounds every gradient to float64 only at the end. It shares no code
with [`rnn_math.seq2seq`][rnn_math.seq2seq]: it is written out loop by loop from the equations, so
a mistake in the NumPy version cannot reappear here.

Extra digits alone do not make a saturated unit exact: 1 − tanh²(a) still cancels completely at
50 digits once |a| is above about 60. So every quantity that a subtraction would cancel is
written in a form without one:

- the slopes are sech²(a) = 1 / cosh²(a), which mpmath evaluates for any |a| (its exponent range
  is unbounded, so sech²(1000) ≈ 10⁻⁸⁶⁹ is a number, not 0);
- the output gradient's target entry p_k − 1 is −Σ_{j≠k} p_j, which is the same number since the
  probabilities sum to 1;
- the loss log Σ_j e^{o_j} − o_k is m − o_k + log1p(Σ_{j≠m} e^{o_j − m}), with m the largest
  logit, so a confident right prediction has its tiny loss rather than 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # for the annotation only: the computation uses nothing of rnn_math.seq2seq
    from rnn_math.seq2seq import Seq2SeqParams

#: Significant digits of the reference.
DIGITS = 50

Vector = list[mpmath.mpf]
Matrix = list[Vector]


@dataclass(frozen=True)
class ReferenceResult:
    """The loss and every gradient of the encoder-decoder, computed at 50 digits, rounded to float64.

    Attributes
    ----------
    loss
        L, summed over steps and sentences.
    grads
        ∂L/∂P for every parameter P, keyed by parameter name (``"W_dec"``, …), shaped like P.
    grad_context
        The hand-off ∂L/∂h_T, shape (D_h,) for one sentence, (B, D_h) for a batch.
    max_abs_pre_activation
        The largest |z_t| or |a_t| of the pass: how far the units were driven into saturation.
    max_abs_logit
        The largest |o_t|.
    """

    loss: float
    grads: dict[str, NDArray[np.float64]]
    grad_context: NDArray[np.float64]
    max_abs_pre_activation: float
    max_abs_logit: float


def _matrix(value: ArrayLike) -> Matrix:
    # float32 and float64 values are exact in mpmath; 1-D arrays become one row.
    array = np.atleast_2d(np.asarray(value, dtype=np.float64))
    return [[mpmath.mpf(float(v)) for v in row] for row in array]


def _vector(value: ArrayLike) -> Vector:
    return [mpmath.mpf(float(v)) for v in np.asarray(value, dtype=np.float64).ravel()]


def _affine(W: Matrix, u: Vector, U: Matrix, v: Vector, b: Vector) -> Vector:
    """W u + U v + b, entry by entry."""
    return [
        mpmath.fsum(W[i][j] * u[j] for j in range(len(u))) + mpmath.fsum(U[i][j] * v[j] for j in range(len(v))) + b[i]
        for i in range(len(b))
    ]


def _transpose_times(W: Matrix, u: Vector) -> Vector:
    """Wᵀ u."""
    return [mpmath.fsum(W[i][j] * u[i] for i in range(len(u))) for j in range(len(W[0]))]


def _add_outer(total: Matrix, u: Vector, v: Vector) -> None:
    """total += u vᵀ, in place."""
    for i, u_i in enumerate(u):
        for j, v_j in enumerate(v):
            total[i][j] += u_i * v_j


def _add_to_row(total: Matrix, row: int, v: Vector) -> None:
    """total[row] += v, in place: the gradient of an embedding goes to the row that was read."""
    total[row] = [t + v_j for t, v_j in zip(total[row], v, strict=True)]


def _zeros(rows: int, cols: int) -> Matrix:
    return [[mpmath.mpf(0)] * cols for _ in range(rows)]


def _slope(a: Vector) -> Vector:
    """tanh'(a) = sech²(a), free of the cancellation of 1 − tanh²(a)."""
    return [mpmath.sech(v) ** 2 for v in a]


def _loss_and_output_gradient(o: Vector, k: int) -> tuple[mpmath.mpf, Vector]:
    """−log p_k and g = p − 1_k, both without cancellation (see the module docstring)."""
    m = max(range(len(o)), key=lambda j: o[j])
    rest = mpmath.fsum(mpmath.exp(o[j] - o[m]) for j in range(len(o)) if j != m)
    log_normaliser = o[m] + mpmath.log1p(rest)
    loss = (o[m] - o[k]) + mpmath.log1p(rest)
    g = [mpmath.exp(o_j - log_normaliser) for o_j in o]
    g[k] = -mpmath.fsum(g[j] for j in range(len(o)) if j != k)
    return loss, g


def _sentence(
    p: Mapping[str, Matrix], source: list[int], targets: list[int], grads: dict[str, Matrix]
) -> tuple[mpmath.mpf, Vector, tuple[mpmath.mpf, mpmath.mpf]]:
    """One sentence pair forward and backward; adds its gradients into `grads`.

    Returns the sentence's loss, its hand-off ∂L/∂h_T, and its largest |pre-activation| and |logit|.
    """
    b_1, c, b_out = p["b_1"][0], p["c"][0], p["b_out"][0]
    D_h, start = len(b_1), len(p["E_hi"]) - 1
    # Encoder: z_t = W_h h_{t-1} + W_e x_t + b_1, h_t = tanh(z_t), from h_0 = 0.
    x = [p["E_en"][w] for w in source]
    h: list[Vector] = [[mpmath.mpf(0)] * D_h]
    z: list[Vector] = []
    for x_t in x:
        z.append(_affine(p["W_h"], h[-1], p["W_e"], x_t, b_1))
        h.append([mpmath.tanh(v) for v in z[-1]])
    # Decoder with teacher forcing: s_0 = h_T, inputs ⟨s⟩, k_1..k_{T'-1}.
    inputs = [start, *targets[:-1]]
    y = [p["E_hi"][k] for k in inputs]
    s: list[Vector] = [h[-1]]
    a: list[Vector] = []
    o: list[Vector] = []
    for y_prev in y:
        a.append(_affine(p["W_dec"], s[-1], p["V"], y_prev, c))
        s.append([mpmath.tanh(v) for v in a[-1]])
        o.append([mpmath.fsum(p["W_out"][i][j] * s[-1][j] for j in range(D_h)) + b_out[i] for i in range(len(b_out))])
    losses, g = zip(*(_loss_and_output_gradient(o_t, k) for o_t, k in zip(o, targets, strict=True)), strict=True)

    # Decoder backward, from t = T' down to 1.
    delta_next = [mpmath.mpf(0)] * D_h
    for t in range(len(o) - 1, -1, -1):
        _add_outer(grads["W_out"], g[t], s[t + 1])
        _add_to_row(grads["b_out"], 0, g[t])
        from_output, from_next = _transpose_times(p["W_out"], g[t]), _transpose_times(p["W_dec"], delta_next)
        delta = [(u + v) * d for u, v, d in zip(from_output, from_next, _slope(a[t]), strict=True)]
        _add_outer(grads["W_dec"], delta, s[t])
        _add_outer(grads["V"], delta, y[t])
        _add_to_row(grads["c"], 0, delta)
        _add_to_row(grads["E_hi"], inputs[t], _transpose_times(p["V"], delta))
        delta_next = delta
    # The hand-off, then the encoder backward from t = T down to 1.
    grad_h = grad_context = _transpose_times(p["W_dec"], delta_next)
    for t in range(len(z) - 1, -1, -1):
        delta = [u * d for u, d in zip(grad_h, _slope(z[t]), strict=True)]
        _add_outer(grads["W_h"], delta, h[t])
        _add_outer(grads["W_e"], delta, x[t])
        _add_to_row(grads["b_1"], 0, delta)
        _add_to_row(grads["E_en"], source[t], _transpose_times(p["W_e"], delta))
        grad_h = _transpose_times(p["W_h"], delta)
    extremes = (max(abs(v) for v in (*sum(z, []), *sum(a, []))), max(abs(v) for v in sum(o, [])))
    return mpmath.fsum(losses), grad_context, extremes


def _rounded(value: Matrix, shape: tuple[int, ...]) -> NDArray[np.float64]:
    # float() of an mpf rounds to nearest; biases were held as one-row matrices.
    return np.array([[float(v) for v in row] for row in value], dtype=np.float64).reshape(shape)


def reference_backward(params: Seq2SeqParams, source: ArrayLike, targets: ArrayLike) -> ReferenceResult:
    """Loss and gradients of the encoder-decoder at 50 significant digits, rounded to float64.

    Parameters
    ----------
    params
        The parameters (float32 or float64); only their ``as_dict()`` is read.
    source
        English indices, shape (T,) or (B, T).
    targets
        Hindi target indices, shape (T',) or (B, T'); batches are summed, as in
        [`backward`][rnn_math.seq2seq.backward].

    Returns
    -------
    ReferenceResult
        Every gradient correctly rounded from a value good to far more digits than float64
        holds, so that a float64 gradient within a few ulps of it is exact to rounding.
    """
    values = {name: np.asarray(v) for name, v in params.as_dict().items()}
    sources, target_rows = np.atleast_2d(np.asarray(source)), np.atleast_2d(np.asarray(targets))
    with mpmath.workdps(DIGITS):
        p = {name: _matrix(v) for name, v in values.items()}
        grads = {name: _zeros(*np.atleast_2d(v).shape) for name, v in values.items()}
        loss, contexts, pre, logit = mpmath.mpf(0), [], mpmath.mpf(0), mpmath.mpf(0)
        for src, tgt in zip(sources.tolist(), target_rows.tolist(), strict=True):
            sentence_loss, grad_context, (pre_t, logit_t) = _sentence(p, src, tgt, grads)
            loss += sentence_loss
            contexts.append([float(v) for v in grad_context])
            pre, logit = max(pre, pre_t), max(logit, logit_t)
        rounded = {name: _rounded(g, values[name].shape) for name, g in grads.items()}
        context = np.array(contexts) if np.ndim(source) == 2 else np.array(contexts[0])
        return ReferenceResult(float(loss), rounded, context, float(pre), float(logit))
