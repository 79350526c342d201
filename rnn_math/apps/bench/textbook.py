"""The textbook-slope twin of `bptt`: its old fast path, the slope taken as 1 − h² or s(1 − s) from h.

The benchmark runs it beside [`bptt`][rnn_math.rnn.bptt.bptt] to measure what the accurate slope
(taken from z) costs. A copy of the fast path as it was before the accurate slope (tanh,
time-major), built from the package's public functions and local code only, step for step in the
order of the benchmark's stages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.bench.problem import Problem, Run
from rnn_math.core.validation import as_float_array, check_shapes, check_targets, common_dtype
from rnn_math.rnn.fast_path import (
    batch_major,
    gradient_sums,
)
from rnn_math.rnn.forward_equations import total_loss
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.results import BPTTResult, ForwardPass


def _textbook_inputs(p: Problem) -> tuple[NDArray[np.floating], NDArray[np.intp], NDArray[np.floating]]:
    """The same checks as `bptt`'s, then the time-major copies: xs (T, B, d), targets (T, B), h_0 (B, D_h)."""
    if not isinstance(p.params, RNNParams):
        raise TypeError(f"params: expected RNNParams, got {type(p.params).__name__}")
    dims, dtype, xs = p.params.dims, p.params.dtype, as_float_array("xs", p.xs, ndim=3)
    check_shapes([("xs", xs.shape, ("B", "T", dims.d))])
    if xs.dtype != dtype:
        raise TypeError(f"xs: expected dtype {dtype} (the dtype of the parameters), got {xs.dtype}")
    B = xs.shape[0]
    h_0 = as_float_array("h_0", p.h_0, ndim=(1, 2))
    h_0 = np.broadcast_to(h_0, (B, dims.D_h)) if h_0.shape in ((dims.D_h,), (B, dims.D_h)) else h_0
    check_shapes([("h_0", h_0.shape, (B, dims.D_h))])
    common_dtype(xs=xs, h_0=h_0)
    targets = check_targets("targets", p.targets, dims.V)
    if targets.shape != xs.shape[:2]:
        raise ValueError(f"targets: expected shape {xs.shape[:2]} (one index per input step), got {targets.shape}")
    return np.ascontiguousarray(np.swapaxes(xs, 0, 1)), np.ascontiguousarray(targets.T), h_0


def _textbook_recurrence(params: RNNParams, xs: NDArray, h_0: NDArray) -> tuple[NDArray, NDArray]:
    """z (T, B, D_h) and h (T + 1, B, D_h): the input products hoisted, W_h h^{t-1} in the loop."""
    (T, B, d), D_h = xs.shape, params.W_h.shape[0]
    z, h = np.empty((T, B, D_h), dtype=xs.dtype), np.empty((T + 1, B, D_h), dtype=xs.dtype)
    h[0] = h_0
    np.matmul(xs.reshape(T * B, d), params.W_e.T, out=z.reshape(T * B, D_h))
    z += params.b_1
    W_h_T, recurrent = np.ascontiguousarray(params.W_h.T), np.empty((B, D_h), dtype=xs.dtype)
    for t in range(T):
        np.dot(h[t], W_h_T, out=recurrent)
        z[t] += recurrent
        np.tanh(z[t], out=h[t + 1])
    return z, h


def _textbook_outputs(params: RNNParams, z: NDArray, h: NDArray, targets: NDArray[np.intp]) -> ForwardPass:
    """Logits, softmax and losses of all T·B rows at once, vocabulary-major; a time-major ForwardPass."""
    T, B, D_h = z.shape
    N, V = T * B, params.U.shape[0]
    theta = np.matmul(params.U, h[1:].reshape(N, D_h).T)
    theta += params.b_2[:, None]
    peak = np.max(theta, axis=0)
    y_hat = np.subtract(theta, peak)
    np.exp(y_hat, out=y_hat)
    normaliser = np.sum(y_hat, axis=0)
    losses = (peak + np.log(normaliser) - theta[targets.reshape(-1), np.arange(N)]).reshape(T, B)
    y_hat /= normaliser
    theta, y_hat = (a.reshape(V, T, B).transpose(1, 2, 0) for a in (theta, y_hat))
    return ForwardPass(z, h, theta, y_hat, losses, total_loss(losses))


def _textbook_backward(params: RNNParams, fp: ForwardPass, targets: NDArray[np.intp]) -> tuple[NDArray, NDArray]:
    """δ (T, B, D_h) and ŷ − y (T, B, |V|), with the two textbook shortcuts this twin exists to time."""
    T, B, V = fp.y_hat.shape
    output_grads_v = fp.y_hat.transpose(2, 0, 1).reshape(V, T * B).copy()
    output_grads_v[targets.reshape(-1), np.arange(T * B)] -= 1  # ŷ_k − 1: cancels when ŷ_k is near 1
    output_grads = output_grads_v.reshape(V, T, B).transpose(1, 2, 0)
    from_output = (output_grads_v.T @ params.U).reshape(T, B, -1)
    deltas = np.multiply(fp.h[1:], fp.h[1:])
    np.subtract(1.0, deltas, out=deltas)  # σ' = 1 − h²: cancels to 0 where tanh saturates
    deltas[T - 1] *= from_output[T - 1]
    from_next, W_h = np.empty_like(deltas[0]), np.ascontiguousarray(params.W_h)
    for t in range(T - 2, -1, -1):
        np.dot(deltas[t + 1], W_h, out=from_next)
        from_next += from_output[t]
        deltas[t] *= from_next
    return deltas, output_grads


def make_textbook(problem: Problem) -> Run:
    """rnn-math with the textbook slope: `bptt`'s fast path with σ' = 1 − h² and ŷ − y by subtraction.

    Returns the same `BPTTResult` `bptt` returns (batch-major views), so that the two do the same
    work apart from the slope and the output gradient.
    """
    p = problem

    def run() -> dict[str, NDArray[np.floating]]:
        xs, targets, h_0 = _textbook_inputs(p)
        z, h = _textbook_recurrence(p.params, xs, h_0)
        fp = _textbook_outputs(p.params, z, h, targets)
        deltas, output_grads = _textbook_backward(p.params, fp, targets)
        grads, g_h0, g_xs = gradient_sums(p.params, fp, deltas, output_grads, xs)
        grad_xs, deltas_b, output_grads_b = (np.swapaxes(a, 0, 1) for a in (g_xs, deltas, output_grads))
        result = BPTTResult(fp.loss, grads, g_h0, grad_xs, deltas_b, output_grads_b, batch_major(fp, batched=True))
        return {"loss": np.asarray(result.loss), **result.grads.as_dict(), "xs": result.grad_xs, "h_0": result.grad_h_0}

    return run


def make_textbook_staged(problem: Problem) -> Callable[[], tuple[list[float], dict[str, NDArray[np.floating]]]]:
    """The textbook twin's steps one by one, timed like `make_numpy_staged` times `bptt`'s (seconds, `STAGES` order)."""
    p, clock = problem, time.perf_counter

    def run() -> tuple[list[float], dict[str, NDArray[np.floating]]]:
        laps = [clock()]
        xs, targets, h_0 = _textbook_inputs(p)
        laps.append(clock())
        z, h = _textbook_recurrence(p.params, xs, h_0)
        laps.append(clock())
        fp = _textbook_outputs(p.params, z, h, targets)
        laps.append(clock())
        deltas, output_grads = _textbook_backward(p.params, fp, targets)
        laps.append(clock())
        grads, g_h0, g_xs = gradient_sums(p.params, fp, deltas, output_grads, xs)
        laps.append(clock())  # the same five laps as make_numpy_staged, in `STAGES` order
        seconds = [after - before for before, after in pairwise(laps)]
        return seconds, {"loss": np.asarray(fp.loss), **grads.as_dict(), "xs": np.swapaxes(g_xs, 0, 1), "h_0": g_h0}

    return run


__all__ = ["make_textbook", "make_textbook_staged"]
