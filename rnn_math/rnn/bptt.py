"""Backpropagation through time: `bptt`, with the gradient equations it composes.

[`bptt`][rnn_math.rnn.bptt.bptt] runs the forward pass, then the output gradients of all steps at
once, then the hidden-state recursion from t = T down to 1, then the tied-weight sums: the stages
of [`rnn_math.rnn.fast_path`][rnn_math.rnn.fast_path]. The equations are in
[`rnn_math.rnn.backward_equations`][rnn_math.rnn.backward_equations] and are importable from here
too, as the result types of [`rnn_math.rnn.results`][rnn_math.rnn.results] are.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.rnn.backward_checks import check_finite_gradients, grad_h_0_like
from rnn_math.rnn.backward_equations import (
    delta,
    grad_b_1,
    grad_b_2,
    grad_h_0,
    grad_U,
    grad_W_e,
    grad_W_h,
    grad_x,
    hidden_gradient,
    output_gradient,
)
from rnn_math.rnn.fast_path import (
    backward_time_major,
    batch_major,
    check_forward_inputs,
    forward_time_major,
    gradient_sums,
)
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.results import BPTTResult, RNNGrads

__all__ = [
    "output_gradient",
    "grad_U",
    "grad_b_2",
    "hidden_gradient",
    "delta",
    "grad_W_h",
    "grad_W_e",
    "grad_b_1",
    "grad_h_0",
    "grad_x",
    "RNNGrads",
    "BPTTResult",
    "bptt",
]


def bptt(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> BPTTResult:
    """Loss and all gradients of a vanilla RNN by backpropagation through time.

    Parameters
    ----------
    params
        The model's weights and biases.
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    targets
        Indices k_t of the correct outputs, shape (B, T), or (T,) for one sequence.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, shape (D_h,) (shared by every sequence) or (B, D_h); zeros if
        omitted. ``grad_h_0`` has the shape of this argument (see
        [`BPTTResult`][rnn_math.rnn.results.BPTTResult]).

    Returns
    -------
    BPTTResult
        The loss (summed over steps and sequences) and its gradients.

    Raises
    ------
    ValueError, TypeError
        On bad input, as [`forward`][rnn_math.rnn.forward.forward] reports it; ValueError also if
        the loss or a gradient overflows (is not finite), naming what overflowed.

    Notes
    -----
    Exact to rounding in saturation and at extreme logits: the slopes σ'(z^t) come from the
    pre-activations through the activation module's derivative (never from h^t, where
    1 − h² and h(1 − h) cancel), and the target's entry of ŷ^t − y^t is −Σ_{j≠k} ŷ^t_j
    (see [`output_gradient`][rnn_math.rnn.backward_equations.output_gradient]).
    """
    xs_tm, targets_tm, h0, batched = check_forward_inputs(params, xs, targets, activation, h_0)
    fp = forward_time_major(params, xs_tm, targets_tm, h0, activation)
    deltas, output_grads = backward_time_major(params, fp, targets_tm, activation)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported just below
        grads, g_h0, g_xs = gradient_sums(params, fp, deltas, output_grads, xs_tm)
    check_finite_gradients(grads.as_dict())
    g_xs, deltas, output_grads = (np.swapaxes(a, 0, 1) for a in (g_xs, deltas, output_grads))
    g_h0 = grad_h_0_like(g_h0, h_0, batched)
    if not batched:
        g_xs, deltas, output_grads = g_xs[0], deltas[0], output_grads[0]
    return BPTTResult(fp.loss, grads, g_h0, g_xs, deltas, output_grads, batch_major(fp, batched))
