"""The GRU's fast path, both forms: forward and every gradient of a batch, on time-major arrays, in stages.

[`gru_fast_gradients`][rnn_math.gru.fast_path.gru_fast_gradients] returns what the composer
[`gru_gradients`][rnn_math.gru.passes.gru_gradients] returns, for PyTorch's form (``"pytorch"``,
the reset gate multiplies W_hn h^{t-1} + b_hn) and for that of Cho et al. (``"cho"``, the reset
gate multiplies h^{t-1} before W_hn), computed by the same equations with the work reorganised
(tests/test_gru_fast_path.py proves the two equal per gradient). The three gates' weights are
stacked in PyTorch's order r, z, n, so that

1. [`gru_recurrence`][rnn_math.gru.fast_path.gru_recurrence]: the input part of every gate at every
   step is one product over all T·B rows; per step one product with the stacked recurrent
   weights (PyTorch's form; two in Cho's, whose candidate needs r^t first);
2. the output layer and ŷ − y are the vanilla RNN's, as the LSTM's fast path computes them
   ([`gated_output_layer`][rnn_math.lstm.fast_path.gated_output_layer]);
3. [`gru_backward`][rnn_math.gru.fast_path.gru_backward]: ``U^T (ŷ^t − y^t)`` of all steps as
   one product; per step one product of the stacked error with the stacked recurrent weights
   gives the three matrix paths of γ^t (two products in Cho's form);
4. [`gru_sums`][rnn_math.gru.fast_path.gru_sums]: each stacked tied-weight sum as one product
   over all T·B rows.

1 − z^t in the errors is σ(−a_z^t) and every slope is taken at a pre-activation, as in the
composer, so the gradients stay exact to rounding where the gates saturate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.activations import tanh_derivative
from rnn_math.core.types import Array
from rnn_math.core.validation import check_choice
from rnn_math.gru.backward_equations import grad_b, grad_W_h, grad_W_i
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import VARIANTS, GRUForward, GRUGradients
from rnn_math.lstm.fast_path import check_gated_inputs, gated_output_layer, sigmoid_from_exp, slope_from_exp
from rnn_math.rnn.backward_equations import grad_b_2, grad_U


@dataclass(frozen=True)
class GRUStacked:
    """The parameters stacked in the order r, z, n: W_i (3 D_h, d), W_h (3 D_h, D_h), the input part's bias (3 D_h,)."""

    W_i: Array
    W_h: Array
    b_x: Array
    b_hn: Array
    variant: str

    @classmethod
    def of(cls, params: GRUParams, variant: str) -> GRUStacked:
        """Stack `params`; b_x holds b_i⋆ + b_h⋆ for r and z, and b_in (+ b_hn in Cho's form, outside r^t)."""
        p = params
        W_i = np.concatenate([p.W_ir, p.W_iz, p.W_in])
        W_h = np.concatenate([p.W_hr, p.W_hz, p.W_hn])
        b_n = p.b_in + p.b_hn if variant == "cho" else p.b_in
        return cls(W_i, W_h, np.concatenate([p.b_ir + p.b_hr, p.b_iz + p.b_hz, b_n]), p.b_hn, variant)


@dataclass(frozen=True)
class GRUStates:
    """The forward recurrence's arrays, time-major: a = [a_r, a_z, a_n] and gates = [r, z, n] (T, B, 3 D_h),
    h (T + 1, B, D_h), what the reset gate multiplied (T, B, D_h): W_hn h^{t-1} + b_hn, or h^{t-1} itself,
    and exp(−|a|) of the two gates (T, B, 2 D_h), from which the backward pass takes σ' and σ(−a_z)."""

    a: Array
    gates: Array
    h: Array
    reset_input: Array
    exps: Array


def gru_recurrence(s: GRUStacked, xs: Array, h_0: Array) -> GRUStates:
    """a^t, the gates, the candidate and h^t of every step (eq-gru-reset … eq-gru-state)."""
    T, B, d = xs.shape
    D = h_0.shape[1]
    dtype = h_0.dtype
    a = np.empty((T, B, 3 * D), dtype=dtype)
    gates = np.empty_like(a)
    h = np.empty((T + 1, B, D), dtype=dtype)
    reset_input = np.empty((T, B, D), dtype=dtype)
    h[0] = h_0
    pytorch = s.variant == "pytorch"
    W_T = np.ascontiguousarray(s.W_h.T if pytorch else s.W_h[: 2 * D].T)
    W_hn_T = np.ascontiguousarray(s.W_h[2 * D :].T)
    recurrent = np.empty((B, W_T.shape[1]), dtype=dtype)
    exps, scratch = np.empty((T, B, 2 * D), dtype=dtype), np.empty((B, 2 * D), dtype=dtype)
    negative = np.empty((B, 2 * D), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow reaches the loss, checked there
        np.matmul(xs.reshape(T * B, d), s.W_i.T, out=a.reshape(T * B, 3 * D))
        a += s.b_x
        for t in range(T):
            np.dot(h[t], W_T, out=recurrent)
            a[t, :, : 2 * D] += recurrent[:, : 2 * D]
            np.copysign(a[t, :, : 2 * D], -1.0, out=exps[t])
            np.exp(exps[t], out=exps[t])
            sigmoid_from_exp(a[t, :, : 2 * D], exps[t], gates[t, :, : 2 * D], scratch, negative)
            r, z = gates[t, :, :D], gates[t, :, D : 2 * D]
            if pytorch:
                np.add(recurrent[:, 2 * D :], s.b_hn, out=reset_input[t])  # W_hn h^{t-1} + b_hn
                a[t, :, 2 * D :] += r * reset_input[t]
            else:
                reset_input[t] = h[t]
                a[t, :, 2 * D :] += (r * h[t]) @ W_hn_T
            n = gates[t, :, 2 * D :]
            np.tanh(a[t, :, 2 * D :], out=n)
            np.multiply(1 - z, n, out=h[t + 1])  # the composer's (1 − z^t) n^t + z^t h^{t-1}
            h[t + 1] += z * h[t]
    return GRUStates(a, gates, h, reset_input, exps)


def gru_backward(s: GRUStacked, U: Array, st: GRUStates, output_errors: Array) -> tuple[Array, Array, Array]:
    """δ = [δ_r, δ_z, δ_n] (T, B, 3 D_h), the recurrent side's errors, and γ^t (T, B, D_h) of every step.

    The recurrent side's error is [δ_r, δ_z, r ⊙ δ_n] in PyTorch's form (the reset gate scales
    W_hn h^{t-1}), so one product with the stacked W_h gives the three matrix paths of γ^t; in
    Cho's form it is [δ_r, δ_z] (W_hn's path, r ⊙ (W_hn^T δ_n), is computed first, for δ_r).
    """
    T, B, D = st.reset_input.shape
    pytorch = s.variant == "pytorch"
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported on the gradients
        grad_h_all = (output_errors.T @ U).reshape(T, B, D)
        deltas = np.empty_like(st.a)
        recurrent_side = np.empty_like(st.a) if pytorch else deltas[..., : 2 * D]
        carries = np.empty_like(st.reset_input)
        W = np.ascontiguousarray(s.W_h if pytorch else s.W_h[: 2 * D])
        W_hn = np.ascontiguousarray(s.W_h[2 * D :])
        slopes, scratch = np.empty((B, 2 * D), dtype=deltas.dtype), np.empty((B, 2 * D), dtype=deltas.dtype)
        keep = np.empty((B, D), dtype=deltas.dtype)
        negative = np.empty((B, D), dtype=bool)
        for t in range(T - 1, -1, -1):
            grad_h = grad_h_all[t]
            if t < T - 1:
                grad_h += carries[t + 1]
            r, z, n = (st.gates[t, :, k * D : (k + 1) * D] for k in range(3))
            a_z = st.a[t, :, D : 2 * D]
            d_r, d_z, d_n = (deltas[t, :, k * D : (k + 1) * D] for k in range(3))
            tanh_derivative(st.a[t, :, 2 * D :], out=d_n)
            e_z = st.exps[t, :, D:]
            sigmoid_from_exp(-a_z, e_z, keep, scratch[:, :D], negative)  # 1 − z^t as σ(−a_z^t): exact near z = 1
            keep *= grad_h
            d_n *= keep
            slope_from_exp(st.exps[t], slopes, scratch)
            np.multiply(grad_h * (st.h[t] - n), slopes[:, D:], out=d_z)
            if pytorch:
                np.multiply(d_n * st.reset_input[t], slopes[:, :D], out=d_r)
                recurrent_side[t, :, : 2 * D] = deltas[t, :, : 2 * D]
                np.multiply(r, d_n, out=recurrent_side[t, :, 2 * D :])
                np.dot(recurrent_side[t], W, out=carries[t])
            else:
                through_W_hn = d_n @ W_hn
                np.multiply(through_W_hn * st.h[t], slopes[:, :D], out=d_r)
                np.dot(deltas[t, :, : 2 * D], W, out=carries[t])
                carries[t] += r * through_W_hn
            carries[t] += z * grad_h
    return deltas, recurrent_side, carries


def gru_sums(s: GRUStacked, st: GRUStates, deltas: Array, recurrent_side: Array, output_errors: Array,
             xs: Array) -> tuple[dict[str, Array], Array]:  # fmt: skip
    """The fourteen parameter gradients and ∂L/∂x^t (time-major): each stacked sum over t is one product.

    The registered sums (eq-gru-grad-wi, eq-gru-grad-wh, eq-gru-grad-b) are applied to the
    stacked errors, which sums every gate's at once; in PyTorch's form the third block of the
    recurrent side is r ⊙ δ_n, so its rows are eq-gru-grad-whn and its sum eq-gru-grad-bhn.
    """
    T, B, D = st.reset_input.shape
    h_prev = st.h[:-1]
    with np.errstate(over="ignore", invalid="ignore"):
        W_i, b_i = grad_W_i(deltas, xs), grad_b(deltas)
        W_h = grad_W_h(recurrent_side, h_prev)
        if s.variant == "pytorch":
            b_hn = grad_b(recurrent_side[..., 2 * D :])
        else:  # Cho's: W_hn multiplies r ⊙ h^{t-1}, and b_hn sits outside the reset gate
            W_h = np.concatenate([W_h, grad_W_h(deltas[..., 2 * D :], st.gates[..., :D] * h_prev)])
            b_hn = b_i[2 * D :].copy()
        grads: dict[str, Array] = {}
        for k, g in enumerate("rzn"):
            rows = slice(k * D, (k + 1) * D)
            grads |= {f"W_i{g}": W_i[rows], f"W_h{g}": W_h[rows], f"b_i{g}": b_i[rows]}
            grads[f"b_h{g}"] = b_hn if g == "n" else b_i[rows].copy()
        grads |= {
            "U": grad_U(output_errors.T, st.h[1:].reshape(T * B, D)), "b_2": grad_b_2(output_errors.T),
        }  # fmt: skip
        grad_xs = deltas @ s.W_i
    for name, value in grads.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"grad_{name}: the gradient overflowed (inf or NaN); check the scale of the parameters")
    return grads, grad_xs


def gru_fast_gradients(
    params: GRUParams, xs: ArrayLike, targets: ArrayLike, *, variant: str = "pytorch", h_0: ArrayLike | None = None
) -> GRUGradients:
    """The loss and every gradient of a GRU over a batch, by the fast path's stages.

    Parameters
    ----------
    params
        The GRU's parameters.
    xs
        Inputs, (B, T, d), or (T, d) for one sequence; the parameters' dtype.
    targets
        Correct indices, (B, T) or (T,).
    variant
        ``"pytorch"`` (reset after the product) or ``"cho"`` (before).
    h_0
        Initial state, (D_h,) for every sequence or (B, D_h); zeros if omitted.

    Returns
    -------
    GRUGradients
        As [`gru_gradients`][rnn_math.gru.passes.gru_gradients] returns it (a leading batch axis,
        1 for one sequence), its arrays batch-major views.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, naming it; ValueError also if the loss or a gradient overflows.
    """
    check_choice("variant", variant, VARIANTS)
    if not isinstance(params, GRUParams):
        raise TypeError(f"params: expected GRUParams, got {type(params).__name__}")
    x, k, states0 = check_gated_inputs(params.dims, params.W_hr.dtype, xs, targets, {"h_0": h_0})
    s = GRUStacked.of(params, variant)
    st = gru_recurrence(s, x, states0["h_0"])
    theta, y_hat, errors, losses, loss = gated_output_layer(params.U, params.b_2, st.h, k)
    deltas, recurrent_side, carries = gru_backward(s, params.U, st, errors)
    grads, grad_xs = gru_sums(s, st, deltas, recurrent_side, errors, x)
    T, B, D = carries.shape

    def bm(a: Array) -> Array:
        return np.swapaxes(a, 0, 1)

    def by_vocabulary(v: Array) -> Array:
        return v.reshape(-1, T, B).transpose(2, 1, 0)

    a, gates = bm(st.a), bm(st.gates)
    blocks = {f"a_{g}": a[..., k * D : (k + 1) * D] for k, g in enumerate("rzn")}
    blocks |= {g: gates[..., k * D : (k + 1) * D] for k, g in enumerate("rzn")}
    forward = GRUForward(**blocks, h=bm(st.h), theta=by_vocabulary(theta), y_hat=by_vocabulary(y_hat),
                         step_losses=losses.T, loss=loss)  # fmt: skip
    named = {g: bm(deltas[..., k * D : (k + 1) * D]) for k, g in enumerate("rzn")}
    return GRUGradients(loss, grads, carries[0], bm(grad_xs), named, by_vocabulary(errors), bm(carries), forward)
