"""The LSTM's fast path: forward and every gradient of a batch, on time-major arrays, in stages.

[`lstm_fast_gradients`][rnn_math.lstm.fast_path.lstm_fast_gradients] returns what the composer
[`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients] returns, computed by the same equations
with the work reorganised (tests/test_lstm_fast_path.py proves the two equal per gradient):

1. [`check_gated_inputs`][rnn_math.lstm.fast_path.check_gated_inputs]: every argument checked
   once, the inputs made time-major (T, B, d);
2. [`lstm_recurrence`][rnn_math.lstm.fast_path.lstm_recurrence]: the input part
   ``W_ih x^t + b_ih + b_hh`` of every step as one product, then per step one product
   ``W_hh h^{t-1}`` for all four gates at once, the gates, c^t and h^t into preallocated arrays;
3. [`gated_output_layer`][rnn_math.lstm.fast_path.gated_output_layer]: logits, softmax, losses
   and ŷ − y of all steps at once (the vanilla RNN's output layer);
4. [`lstm_backward`][rnn_math.lstm.fast_path.lstm_backward]: ``U^T (ŷ^t − y^t)`` of all steps as
   one product, then per step one product ``W_hh^T δ^{t+1}`` over the stacked error;
5. [`lstm_sums`][rnn_math.lstm.fast_path.lstm_sums]: each tied-weight sum as one product over all
   T·B rows, by the registered gradient equations.

Every slope is the activation module's accurate one, taken at a pre-activation (or at c^t), as
in the composer, so the gradients stay exact to rounding where the gates saturate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.activations import tanh_derivative
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_targets
from rnn_math.lstm.backward_equations import grad_biases, grad_c_0, grad_h_0, grad_W_hh, grad_W_ih, grad_x
from rnn_math.lstm.params import GATE_ORDER, LSTMParams
from rnn_math.lstm.results import LSTMForward, LSTMResult
from rnn_math.rnn.backward_equations import grad_b_2, grad_U
from rnn_math.rnn.fast_path import output_error, output_layer, time_major
from rnn_math.rnn.forward_equations import total_loss


def check_gated_inputs(
    dims: Any, dtype: np.dtype, xs: ArrayLike, targets: ArrayLike, states: dict[str, ArrayLike | None]
) -> tuple[Array, NDArray[np.intp], dict[str, Array]]:
    """Check xs (B, T, d) or (T, d), targets and the initial states; return them time-major, states (B, D_h).

    ``dims`` has ``d``, ``D_h`` and ``V``; every array must have the parameters' `dtype`. A state
    may be omitted (zeros), given once for every sequence (D_h,) or per sequence (B, D_h).
    """
    x = as_float_array("xs", xs, ndim=(2, 3))
    x3 = x if x.ndim == 3 else x[None]
    check_shapes([("xs", x3.shape, ("B", "T", dims.d))])
    if x3.dtype != dtype:
        raise TypeError(f"xs: expected dtype {dtype} (the dtype of the parameters), got {x3.dtype}")
    k = check_targets("targets", targets, dims.V)
    if k.shape != x.shape[:-1]:
        raise ValueError(f"targets: expected shape {x.shape[:-1]} (one index per input), got {k.shape}")
    B = x3.shape[0]
    checked = {}
    for name, value in states.items():
        if value is None:
            checked[name] = np.zeros((B, dims.D_h), dtype=dtype)
            continue
        state = as_float_array(name, value, ndim=(1, 2))
        if state.shape not in ((dims.D_h,), (B, dims.D_h)):
            raise ValueError(f"{name}: expected shape ({dims.D_h},) or ({B}, {dims.D_h}), got {state.shape}")
        if state.dtype != dtype:
            raise TypeError(f"{name}: expected dtype {dtype} (the dtype of the parameters), got {state.dtype}")
        checked[name] = np.ascontiguousarray(np.broadcast_to(state, (B, dims.D_h)))
    return time_major(x3), np.ascontiguousarray((k if x.ndim == 3 else k[None]).T), checked


def sigmoid_from_exp(z: Array, e: Array, out: Array, scratch: Array, negative: NDArray[np.bool_]) -> None:
    """σ(z) into `out` from e = exp(−|z|): 1/(1 + e) where z ≥ 0, e/(1 + e) where z < 0.

    The branches and operations of the activation module's `sigmoid` (so the same values), with
    the exponential computed once by the caller and kept: the backward pass reads σ'(z) from it
    (`slope_from_exp`) instead of exponentiating again. `scratch` and `negative` are buffers of z's shape.
    """
    np.add(e, 1.0, out=scratch)
    np.divide(1.0, scratch, out=out)
    np.less(z, 0, out=negative)
    np.divide(e, scratch, out=out, where=negative)


def slope_from_exp(e: Array, out: Array, scratch: Array) -> Array:
    """e/(1 + e)² into `out`: σ'(z) for e = exp(−|z|), and tanh'(z)/4 for e = exp(−2|z|).

    The accurate forms of [`rnn_math.core.activations`][rnn_math.core.activations]: only positive
    numbers are added, multiplied and divided, so the slope is exact to a few roundings however far
    the unit saturates (1 − s² or s(1 − s) of a stored output would cancel to 0). For tanh,
    4 e/(1 + e)² = 4/(e^z + e^{−z})² = 1 − tanh²(z).
    """
    np.add(e, 1.0, out=scratch)
    np.multiply(scratch, scratch, out=scratch)
    return np.divide(e, scratch, out=out)


@dataclass(frozen=True)
class LSTMStates:
    """The forward recurrence's arrays, time-major.

    a and the gates i, f, g, o stacked (T, B, 4 D_h); c^0..c^T and h^0..h^T (T + 1, B, D_h);
    tanh(c^t) for t = 1..T (T, B, D_h); and ``exps``, exp(−|a|) in the gates' blocks and
    exp(−2|a_g|) in the candidate's (T, B, 4 D_h), from which the backward pass takes the slopes.
    """

    a: Array
    gates: Array
    c: Array
    tanh_c: Array
    h: Array
    exps: Array


#: The factor of |a| in the exponential kept per block i, f, g, o: 2 for the candidate's tanh.
_EXP_SCALE = (1.0, 1.0, 2.0, 1.0)


def lstm_recurrence(params: LSTMParams, xs: Array, h_0: Array, c_0: Array) -> LSTMStates:
    """a^t, the gates i, f, g, o, c^t and h^t of every step (eq-lstm-preactivation … eq-lstm-hidden).

    The input part of a^t does not depend on the recurrence, so it is one product over all T·B
    rows, written straight into ``a``; in the loop only ``W_hh h^{t-1}`` remains, one product for
    the four gates, added in place. The gates are stored stacked like a (i, f, g, o). One
    exponential per gate unit serves the sigmoid here and the slopes in the backward pass.
    """
    T, B, d = xs.shape
    D = params.dims.D_h
    dtype = params.dtype
    a = np.empty((T, B, 4 * D), dtype=dtype)
    gates, exps = np.empty_like(a), np.empty_like(a)
    c = np.empty((T + 1, B, D), dtype=dtype)
    tanh_c = np.empty((T, B, D), dtype=dtype)
    h = np.empty_like(c)
    c[0], h[0] = c_0, h_0
    W_hh_T = np.ascontiguousarray(params.W_hh.T)  # packed once, not by BLAS at every step
    recurrent, scratch = np.empty((B, 4 * D), dtype=dtype), np.empty((B, 4 * D), dtype=dtype)
    negative = np.empty((B, 4 * D), dtype=bool)
    scale = np.repeat(np.asarray(_EXP_SCALE, dtype=dtype), D)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow reaches the loss, checked there
        np.matmul(xs.reshape(T * B, d), params.W_ih.T, out=a.reshape(T * B, 4 * D))
        a += params.b_ih + params.b_hh
        for t in range(T):
            np.dot(h[t], W_hh_T, out=recurrent)
            a[t] += recurrent
            np.copysign(a[t], -1.0, out=exps[t])
            exps[t] *= scale
            np.exp(exps[t], out=exps[t])
            sigmoid_from_exp(a[t], exps[t], gates[t], scratch, negative)  # i, f, o; g is overwritten next
            np.tanh(a[t, :, 2 * D : 3 * D], out=gates[t, :, 2 * D : 3 * D])
            i, f, g, o = (gates[t, :, k * D : (k + 1) * D] for k in range(4))
            np.multiply(f, c[t], out=c[t + 1])
            np.multiply(i, g, out=scratch[:, :D])
            c[t + 1] += scratch[:, :D]
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h[t + 1])
    return LSTMStates(a, gates, c, tanh_c, h, exps)


def gated_output_layer(
    U: Array, b_2: Array, h: Array, targets: NDArray[np.intp]
) -> tuple[Array, Array, Array, Array, float]:
    """The output layer on time-major states h (T + 1, B, D_h): θ, ŷ, ŷ − y (|V|, T·B), step losses (T, B), L.

    Raises ValueError if the loss is not finite (the pre-activations or the logits overflowed).
    """
    T, B = targets.shape
    theta, y_hat, losses = output_layer(U, b_2, h[1:].reshape(T * B, -1), targets.reshape(-1))
    loss = total_loss(losses)
    if not np.isfinite(loss):
        raise ValueError(
            f"loss: the forward pass overflowed (loss {loss}); check the scale of the parameters and of xs"
        )
    return theta, y_hat, output_error(y_hat, targets.reshape(-1)), losses.reshape(T, B), loss


def lstm_backward(params: LSTMParams, states: LSTMStates, output_errors: Array) -> tuple[Array, Array]:
    """δ^t (T, B, 4 D_h) and ∂L/∂c^t (T, B, D_h) of every step (eq-lstm-hidden-grad … eq-lstm-gate-stack).

    ``U^T (ŷ^t − y^t)`` of all steps is one product; per step, one product ``W_hh^T δ^{t+1}``
    over the stacked error reaches h^t from all four gates. The slopes are written into δ^t from
    the forward pass's exponentials and multiplied in place: σ' at the gates' pre-activations,
    tanh' at a_g^t, and tanh' at c^t by the activation module's derivative.
    """
    T, B, D = states.tanh_c.shape
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported on the gradients
        grad_h_all = (output_errors.T @ params.U).reshape(T, B, D)
        deltas = np.empty_like(states.a)
        grad_c = np.empty_like(states.tanh_c)
        W_hh = np.ascontiguousarray(params.W_hh)
        from_next = np.empty((B, D), dtype=deltas.dtype)
        slope_c, product = np.empty((B, D), dtype=deltas.dtype), np.empty((B, D), dtype=deltas.dtype)
        scratch = np.empty((B, 4 * D), dtype=deltas.dtype)
        for t in range(T - 1, -1, -1):
            grad_h = grad_h_all[t]
            if t < T - 1:
                np.dot(deltas[t + 1], W_hh, out=from_next)
                grad_h += from_next
            i, f, g, o = (states.gates[t, :, k * D : (k + 1) * D] for k in range(4))
            tanh_derivative(states.c[t + 1], out=slope_c)
            np.multiply(grad_h, o, out=grad_c[t])
            grad_c[t] *= slope_c
            if t < T - 1:
                np.multiply(states.gates[t + 1, :, D : 2 * D], grad_c[t + 1], out=product)
                grad_c[t] += product  # the cell path, f^{t+1} ⊙ ∂L/∂c^{t+1}
            delta = deltas[t]
            slope_from_exp(states.exps[t], delta, scratch)
            delta[:, 2 * D : 3 * D] *= 4.0  # tanh'(a_g) = 4 e/(1 + e)², e = exp(−2|a_g|)
            for block, partner, error in ((0, g, grad_c[t]), (1, states.c[t], grad_c[t]), (2, i, grad_c[t]),
                                          (3, states.tanh_c[t], grad_h)):  # fmt: skip
                np.multiply(error, partner, out=product)
                delta[:, block * D : (block + 1) * D] *= product
    return deltas, grad_c


def lstm_sums(
    params: LSTMParams, states: LSTMStates, deltas: Array, grad_c: Array, output_errors: Array, xs: Array
) -> tuple[dict[str, Array], Array, Array, Array]:
    """The six parameter gradients, ∂L/∂h^0, ∂L/∂c^0 (B, D_h) and ∂L/∂x^t time-major, each sum one product."""
    T, B, D = grad_c.shape
    with np.errstate(over="ignore", invalid="ignore"):
        bias = grad_biases(deltas)
        grads = {
            "W_ih": grad_W_ih(deltas, xs), "W_hh": grad_W_hh(deltas, states.h[:-1]), "b_ih": bias,
            "b_hh": bias.copy(), "U": grad_U(output_errors.T, states.h[1:].reshape(T * B, D)),
            "b_2": grad_b_2(output_errors.T),
        }  # fmt: skip
        grad_xs = grad_x(params.W_ih, deltas)
    for name, value in grads.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"grad_{name}: the gradient overflowed (inf or NaN); check the scale of the parameters")
    return grads, grad_h_0(params.W_hh, deltas[0]), grad_c_0(states.gates[0, :, D : 2 * D], grad_c[0]), grad_xs


def lstm_fast_gradients(
    params: LSTMParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    h_0: ArrayLike | None = None,
    c_0: ArrayLike | None = None,
) -> LSTMResult:
    """The loss and every gradient of an LSTM over a batch, by the fast path's stages.

    Parameters
    ----------
    params
        The LSTM's parameters.
    xs
        Inputs, (B, T, d), or (T, d) for one sequence; the parameters' dtype.
    targets
        Correct indices, (B, T) or (T,).
    h_0, c_0
        Initial states, (D_h,) for every sequence or (B, D_h); zeros if omitted.

    Returns
    -------
    LSTMResult
        As [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients] returns it (a leading batch
        axis on every per-sequence array, 1 for one sequence), its arrays batch-major views.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, naming it; ValueError also if the loss or a gradient overflows.
    """
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params: expected LSTMParams, got {type(params).__name__}")
    x, k, states0 = check_gated_inputs(params.dims, params.dtype, xs, targets, {"h_0": h_0, "c_0": c_0})
    st = lstm_recurrence(params, x, states0["h_0"], states0["c_0"])
    theta, y_hat, errors, losses, loss = gated_output_layer(params.U, params.b_2, st.h, k)
    deltas, grad_c = lstm_backward(params, st, errors)
    grads, g_h0, g_c0, g_xs = lstm_sums(params, st, deltas, grad_c, errors, x)
    return _result(st, theta, y_hat, errors, losses, loss, deltas, grad_c, grads, g_h0, g_c0, g_xs)


def _result(st: LSTMStates, theta: Array, y_hat: Array, errors: Array, losses: Array, loss: float,
            deltas: Array, grad_c: Array, grads: dict[str, Array], g_h0: Array, g_c0: Array,
            g_xs: Array) -> LSTMResult:  # fmt: skip
    """The composer's result type, batch-major views of the time-major arrays."""
    T, B, D = grad_c.shape

    def bm(a: Array) -> Array:
        return np.swapaxes(a, 0, 1)

    def by_vocabulary(v: Array) -> Array:
        return v.reshape(-1, T, B).transpose(2, 1, 0)

    a, gates = bm(st.a), bm(st.gates)
    blocks = {f"a_{g}": a[..., k * D : (k + 1) * D] for k, g in enumerate(GATE_ORDER)}
    blocks |= {g: gates[..., k * D : (k + 1) * D] for k, g in enumerate(GATE_ORDER)}
    forward = LSTMForward(
        a=a, **blocks, c=bm(st.c), h=bm(st.h), theta=by_vocabulary(theta), y_hat=by_vocabulary(y_hat),
        step_losses=losses.T, loss=loss,
    )  # fmt: skip
    return LSTMResult(loss, grads, g_h0, g_c0, bm(g_xs), bm(deltas), bm(grad_c), by_vocabulary(errors), forward)
