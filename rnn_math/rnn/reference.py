"""The vanilla RNN at 50 significant digits: an independent reference for its loss and gradients.

[`reference_bptt`][rnn_math.rnn.reference.reference_bptt] runs the forward pass and backpropagation
through time of the BPTT page with mpmath at 50 significant digits, starting from the exact values
of the float inputs (every float32 and float64 number is a binary fraction that mpmath holds
exactly), and rounds every gradient to float64 only at the end. It shares no code with
[`rnn_math.rnn.forward`][rnn_math.rnn.forward] or [`rnn_math.rnn.bptt`][rnn_math.rnn.bptt]: it is written out
loop by loop from the equations, so a mistake in the NumPy version cannot reappear here.

Extra digits alone do not make a saturated unit exact: 1 − tanh²(z) still cancels completely at
50 digits once |z| is above about 60, and so does ŷ_k − 1 for a confident prediction. The slopes,
the loss and the output gradient are therefore taken from
[`rnn_math.verification.highprecision`][rnn_math.verification.highprecision], in forms with no such subtraction.

The encoder-decoder's reference ([`rnn_math.seq2seq.reference`][rnn_math.seq2seq.reference])
is built from the same helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

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
    matvec,
    rounded,
    transpose_times,
)


class NamedParameters(Protocol):
    """What `reference_bptt` reads its parameters from: an ``as_dict()`` of arrays by name."""

    def as_dict(self) -> Mapping[str, ArrayLike]: ...


@dataclass(frozen=True)
class RNNReference:
    """Loss and every gradient of the vanilla RNN at 50 digits, rounded to float64.

    Attributes
    ----------
    loss
        L, summed over steps and sequences.
    grads
        ∂L/∂W_h, ∂L/∂W_e, ∂L/∂b_1, ∂L/∂U, ∂L/∂b_2 keyed by parameter name, then ∂L/∂h^0 as
        ``"h_0"`` and ∂L/∂x^t as ``"xs"``, each shaped as [`bptt`][rnn_math.rnn.bptt.bptt] returns it.
    max_abs_pre_activation
        The largest |z^t| of the pass: how far the units were driven into saturation.
    max_abs_logit
        The largest |θ^t|.
    """

    loss: float
    grads: dict[str, NDArray[np.float64]]
    max_abs_pre_activation: float
    max_abs_logit: float


def _mp(value: ArrayLike) -> list:
    """Nested lists of mpf holding the exact binary values of a float array, any shape."""
    array = np.asarray(value, dtype=np.float64)  # float32 → float64 is exact
    return [_mp(row) for row in array] if array.ndim else mpmath.mpf(float(array))


def _sequence(p: dict, xs: Matrix, targets: list[int], h_0: Vector, activation: str, grads: dict) -> tuple:
    """Forward and backward of one sequence; adds its parameter gradients to `grads`."""
    h, slopes, output_grads, losses, z_max, theta_max = [h_0], [], [], [], mpmath.mpf(0), mpmath.mpf(0)
    for x_t, k in zip(xs, targets, strict=True):
        z = [a + b + c for a, b, c in zip(matvec(p["W_h"], h[-1]), matvec(p["W_e"], x_t), p["b_1"], strict=True)]
        pairs = [activation_and_slope(z_i, activation) for z_i in z]
        h.append([pair[0] for pair in pairs])
        slopes.append([pair[1] for pair in pairs])
        theta = [a + b for a, b in zip(matvec(p["U"], h[-1]), p["b_2"], strict=True)]
        loss, g = loss_and_output_gradient(theta, k)
        losses.append(loss)
        output_grads.append(g)
        z_max, theta_max = max(z_max, *map(abs, z)), max(theta_max, *map(abs, theta))
    T = len(xs)
    delta_next = [mpmath.mpf(0)] * len(h_0)
    grad_xs: list[Vector | None] = [None] * T
    for t in range(T - 1, -1, -1):
        from_output = transpose_times(p["U"], output_grads[t])
        from_next = transpose_times(p["W_h"], delta_next)
        delta = [(a + b) * s for a, b, s in zip(from_output, from_next, slopes[t], strict=True)]
        add_outer(grads["W_h"], delta, h[t])
        add_outer(grads["W_e"], delta, xs[t])
        add_outer(grads["U"], output_grads[t], h[t + 1])
        grads["b_1"] = [a + b for a, b in zip(grads["b_1"], delta, strict=True)]
        grads["b_2"] = [a + b for a, b in zip(grads["b_2"], output_grads[t], strict=True)]
        grad_xs[t] = transpose_times(p["W_e"], delta)
        delta_next = delta
    return mpmath.fsum(losses), transpose_times(p["W_h"], delta_next), grad_xs, (z_max, theta_max)


def reference_bptt(
    params: NamedParameters,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> RNNReference:
    """Loss and every gradient of the vanilla RNN at 50 significant digits, rounded to float64.

    Parameters
    ----------
    params
        An [`RNNParams`][rnn_math.rnn.params.RNNParams] (float32 or float64), or any object with an
        ``as_dict()`` of ``W_h, W_e, b_1, U, b_2``.
    xs
        Inputs, shape (T, d) or (B, T, d).
    targets
        Target indices, shape (T,) or (B, T); batches are summed, as in
        [`bptt`][rnn_math.rnn.bptt.bptt].
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial state, (D_h,) (shared by every sequence) or (B, D_h); zeros if omitted.

    Returns
    -------
    RNNReference
        Every gradient correctly rounded from a value good to far more digits than float64
        holds, shaped as `bptt` shapes it, so a float64 gradient within a few ulps of it is
        exact to rounding.
    """
    values = {name: np.asarray(v) for name, v in params.as_dict().items()}
    xs_arr, target_rows = np.asarray(xs), np.atleast_2d(np.asarray(targets))
    batched = xs_arr.ndim == 3
    xs3 = xs_arr if batched else xs_arr[None]
    D_h = values["W_h"].shape[0]
    h_rows = np.zeros((len(xs3), D_h)) if h_0 is None else np.broadcast_to(np.asarray(h_0), (len(xs3), D_h))
    with mpmath.workdps(DIGITS):
        p = {name: _mp(v) for name, v in values.items()}
        grads = {name: _mp(np.zeros(v.shape)) for name, v in values.items()}
        loss, grad_h_0, grad_xs, z_max, theta_max = mpmath.mpf(0), [], [], mpmath.mpf(0), mpmath.mpf(0)
        for x_seq, k_seq, h_row in zip(xs3, target_rows.tolist(), h_rows, strict=True):
            sequence_loss, g_h0, g_xs, (z_m, theta_m) = _sequence(p, _mp(x_seq), k_seq, _mp(h_row), activation, grads)
            loss += sequence_loss
            grad_h_0.append(g_h0)
            grad_xs.append(g_xs)
            z_max, theta_max = max(z_max, z_m), max(theta_max, theta_m)
        result = {name: rounded(g, values[name].shape) for name, g in grads.items()}
        g_h0_rows = rounded(grad_h_0, (len(xs3), D_h))
        if h_0 is not None and np.ndim(h_0) == 1:
            g_h0_rounded = rounded([mpmath.fsum(column) for column in zip(*grad_h_0, strict=True)], (D_h,))
        else:
            g_h0_rounded = g_h0_rows if batched or h_0 is not None else g_h0_rows[0]
        result["h_0"] = g_h0_rounded
        result["xs"] = rounded(grad_xs, xs_arr.shape)
        return RNNReference(float(loss), result, float(z_max), float(theta_max))
