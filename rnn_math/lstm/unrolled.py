"""The LSTM's loss written out plainly, for the numerical checks: tied, and with one copy of every parameter per step.

Nothing here uses the registered equation functions: central differences and complex step
differentiate this code, so that a wrong equation in the composer cannot also be in the loss
it is checked against. It follows the same definitions (PyTorch's gate order i, f, g, o) and
stays analytic, so complex parameters (complex step) give the derivative in the imaginary part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.activations import sigmoid
from rnn_math.core.types import Array
from rnn_math.lstm.params import PARAMETER_NAMES
from rnn_math.lstm.results import LSTMResult


def _log_sum_exp(theta: Array) -> Any:
    peak = np.max(np.real(theta))  # any real shift leaves it unchanged and keeps it analytic
    return peak + np.log(np.sum(np.exp(theta - peak)))


def _unrolled(copy_at: Any, xs: Array, targets: Array, h_0: Array, c_0: Array) -> Any:
    h, c, total = h_0, c_0, 0.0
    for t, (x_t, k_t) in enumerate(zip(xs, targets, strict=True)):
        p = copy_at(t)
        a = p["W_ih"] @ x_t + p["b_ih"] + p["W_hh"] @ h + p["b_hh"]
        D_h = h.shape[0]
        i, f, g, o = (a[k * D_h : (k + 1) * D_h] for k in range(4))  # rows stacked i, f, g, o
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        theta = p["U"] @ h + p["b_2"]
        total = total + _log_sum_exp(theta) - theta[int(k_t)]
    return total


def _scalar(value: Any) -> float | complex:
    return complex(value) if np.iscomplexobj(value) else float(value)


def sequence_loss(arrays: Mapping[str, ArrayLike], xs: ArrayLike, targets: ArrayLike) -> float | complex:
    """L = Σ_t L^t of one sequence, every quantity a plain function of the named arrays.

    Parameters
    ----------
    arrays
        ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``, ``U``, ``b_2``, ``h_0`` and ``c_0`` by name (float64 or
        complex128), as 1-d vectors and 2-d matrices.
    xs
        Inputs x^1..x^T, shape (T, d).
    targets
        Correct indices, shape (T,).
    """
    tied = {name: np.asarray(arrays[name]) for name in PARAMETER_NAMES}
    h_0, c_0 = np.asarray(arrays["h_0"]), np.asarray(arrays["c_0"])
    return _scalar(_unrolled(lambda t: tied, np.asarray(xs), np.asarray(targets), h_0, c_0))


def untie(params: Mapping[str, ArrayLike], T: int) -> dict[str, Array]:
    """One copy of every parameter per step: arrays with a leading axis of length T."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected a positive integer, got {T!r}")
    return {name: np.repeat(np.asarray(params[name])[None], T, axis=0) for name in PARAMETER_NAMES}


def untied_loss(
    copies: Mapping[str, ArrayLike], xs: ArrayLike, targets: ArrayLike, h_0: ArrayLike, c_0: ArrayLike
) -> float | complex:
    """The loss with a separate copy of every parameter at every step: step t uses ``copies[name][t - 1]``.

    Equal to [`sequence_loss`][rnn_math.lstm.unrolled.sequence_loss] when all copies are equal.
    """
    arrays = {name: np.asarray(copies[name]) for name in PARAMETER_NAMES}
    return _scalar(
        _unrolled(
            lambda t: {name: a[t] for name, a in arrays.items()},
            np.asarray(xs),
            np.asarray(targets),
            np.asarray(h_0),
            np.asarray(c_0),
        )
    )


def step_contributions(result: LSTMResult, xs: ArrayLike) -> dict[str, Array]:
    """The gradient of every step's copy: the terms of the tied-weight sums, one per step, summed over the batch.

    ``W_ih[t] = δ^t (x^t)ᵀ``, ``W_hh[t] = δ^t (h^{t-1})ᵀ``, ``b_ih[t] = b_hh[t] = δ^t``,
    ``U[t] = (ŷ^t − y^t)(h^t)ᵀ``, ``b_2[t] = ŷ^t − y^t``; summing over the first axis gives ``result.grads``.
    """
    deltas, out, h = result.deltas, result.output_grads, result.forward.h
    x3 = np.asarray(xs).reshape(deltas.shape[0], deltas.shape[1], -1)
    bias = deltas.sum(axis=0)
    return {
        "W_ih": np.einsum("bti,btj->tij", deltas, x3), "W_hh": np.einsum("bti,btj->tij", deltas, h[:, :-1]),
        "b_ih": bias, "b_hh": bias.copy(), "U": np.einsum("bti,btj->tij", out, h[:, 1:]), "b_2": out.sum(axis=0),
    }  # fmt: skip
