"""The encoder-decoder at 50 significant digits: an independent reference for its gradients.

[`reference_backward`][rnn_math.seq2seq.reference.reference_backward] runs the forward and the
backward pass of the Encoder-decoder page with mpmath at 50 significant digits, starting from the
exact values of the float parameters (every float32 and float64 number is a binary fraction that
mpmath holds exactly), and rounds every gradient to float64 only at the end. It shares no code
with [`rnn_math.seq2seq.passes`][rnn_math.seq2seq.passes]: it is written out loop by loop from the equations, so
a mistake in the NumPy version cannot reappear here.

Extra digits alone do not make a saturated unit exact: 1 − tanh²(a) still cancels completely at
50 digits once |a| is above about 60. The slopes, the loss and the output gradient are therefore
taken from [`rnn_math.verification.highprecision`][rnn_math.verification.highprecision], in forms with no such
subtraction, like the vanilla RNN's reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.verification.highprecision import (
    DIGITS,
    Matrix,
    Vector,
    activation_and_slope,
    add_outer,
    loss_and_output_gradient,
    matrix,
    matvec,
    rounded,
    transpose_times,
    zeros,
)

if TYPE_CHECKING:  # for the annotation only: the computation uses nothing of the model's NumPy code
    from rnn_math.seq2seq.params import Seq2SeqParams


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


def _affine(W: Matrix, u: Vector, U: Matrix, v: Vector, b: Vector) -> Vector:
    """W u + U v + b, entry by entry."""
    return [x + y + z for x, y, z in zip(matvec(W, u), matvec(U, v), b, strict=True)]


def _add_to_row(total: Matrix, row: int, v: Vector) -> None:
    """total[row] += v, in place: the gradient of an embedding goes to the row that was read."""
    total[row] = [t + v_j for t, v_j in zip(total[row], v, strict=True)]


def _slope(a: Vector) -> Vector:
    """tanh'(a) of every unit, as sech²(a): free of the cancellation of 1 − tanh²(a)."""
    return [activation_and_slope(v, "tanh")[1] for v in a]


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
        o.append([x + b for x, b in zip(matvec(p["W_out"], s[-1]), b_out, strict=True)])
    losses, g = zip(*(loss_and_output_gradient(o_t, k) for o_t, k in zip(o, targets, strict=True)), strict=True)

    # Decoder backward, from t = T' down to 1.
    delta_next = [mpmath.mpf(0)] * D_h
    for t in range(len(o) - 1, -1, -1):
        add_outer(grads["W_out"], g[t], s[t + 1])
        _add_to_row(grads["b_out"], 0, g[t])
        from_output, from_next = transpose_times(p["W_out"], g[t]), transpose_times(p["W_dec"], delta_next)
        delta = [(u + v) * d for u, v, d in zip(from_output, from_next, _slope(a[t]), strict=True)]
        add_outer(grads["W_dec"], delta, s[t])
        add_outer(grads["V"], delta, y[t])
        _add_to_row(grads["c"], 0, delta)
        _add_to_row(grads["E_hi"], inputs[t], transpose_times(p["V"], delta))
        delta_next = delta
    # The hand-off, then the encoder backward from t = T down to 1.
    grad_h = grad_context = transpose_times(p["W_dec"], delta_next)
    for t in range(len(z) - 1, -1, -1):
        delta = [u * d for u, d in zip(grad_h, _slope(z[t]), strict=True)]
        add_outer(grads["W_h"], delta, h[t])
        add_outer(grads["W_e"], delta, x[t])
        _add_to_row(grads["b_1"], 0, delta)
        _add_to_row(grads["E_en"], source[t], transpose_times(p["W_e"], delta))
        grad_h = transpose_times(p["W_h"], delta)
    extremes = (max(abs(v) for v in (*sum(z, []), *sum(a, []))), max(abs(v) for v in sum(o, [])))
    return mpmath.fsum(losses), grad_context, extremes


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
        [`backward`][rnn_math.seq2seq.passes.backward].

    Returns
    -------
    ReferenceResult
        Every gradient correctly rounded from a value good to far more digits than float64
        holds, so that a float64 gradient within a few ulps of it is exact to rounding.
    """
    values = {name: np.asarray(v) for name, v in params.as_dict().items()}
    sources, target_rows = np.atleast_2d(np.asarray(source)), np.atleast_2d(np.asarray(targets))
    with mpmath.workdps(DIGITS):
        p = {name: matrix(v) for name, v in values.items()}
        grads = {name: zeros(*np.atleast_2d(v).shape) for name, v in values.items()}
        loss, contexts, pre, logit = mpmath.mpf(0), [], mpmath.mpf(0), mpmath.mpf(0)
        for src, tgt in zip(sources.tolist(), target_rows.tolist(), strict=True):
            sentence_loss, grad_context, (pre_t, logit_t) = _sentence(p, src, tgt, grads)
            loss += sentence_loss
            contexts.append([float(v) for v in grad_context])
            pre, logit = max(pre, pre_t), max(logit, logit_t)
        result = {name: rounded(g, values[name].shape) for name, g in grads.items()}
        context = np.array(contexts) if np.ndim(source) == 2 else np.array(contexts[0])
        return ReferenceResult(float(loss), result, context, float(pre), float(logit))
