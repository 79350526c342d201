"""The LSTM's composer: its forward pass and BPTT from the registered equation functions, any replaceable.

Every equation function, the LSTM's own and the vanilla RNN's output layer, is looked up in the
registry by id ([`rnn_math.core.registry`][rnn_math.core.registry]); a replacement (a
[`Mistake`][rnn_math.verification.mistakes.Mistake]'s wrong version) is passed by the same id and
is used wherever the equation is, in the forward pass as in the backward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_targets
from rnn_math.lstm.params import LSTMParams
from rnn_math.lstm.results import LSTMForward, LSTMResult
from rnn_math.verification.declaration import equation_functions

#: The LSTM's own forward equations, in derivation order.
LSTM_FORWARD: tuple[str, ...] = (
    "eq-lstm-preactivation", "eq-lstm-gate-split", "eq-lstm-gates", "eq-lstm-cell", "eq-lstm-hidden",
)  # fmt: skip

#: The vanilla RNN's output layer, the same equations on the LSTM's hidden state.
OUTPUT_FORWARD: tuple[str, ...] = ("eq-forward-theta", "eq-softmax", "eq-loss-step", "eq-loss-total")

#: The LSTM's own backward equations, in derivation order.
LSTM_BACKWARD: tuple[str, ...] = (
    "eq-lstm-hidden-grad", "eq-lstm-output-gate-grad", "eq-lstm-cell-grad", "eq-lstm-forget-gate-grad",
    "eq-lstm-input-gate-grad", "eq-lstm-candidate-grad", "eq-lstm-gate-stack", "eq-lstm-grad-whh",
    "eq-lstm-grad-wih", "eq-lstm-grad-biases", "eq-lstm-grad-h0", "eq-lstm-grad-c0", "eq-lstm-grad-x",
)  # fmt: skip

#: The vanilla RNN's output-layer gradients.
OUTPUT_BACKWARD: tuple[str, ...] = ("eq-bptt-output-grad", "eq-bptt-grad-u", "eq-bptt-grad-b2")

#: Every equation the composer uses: the ids a replacement may name.
COMPOSED: tuple[str, ...] = LSTM_FORWARD + OUTPUT_FORWARD + OUTPUT_BACKWARD + LSTM_BACKWARD

Replacements = Mapping[str, Callable[..., Any]]


def _prepare(
    params: LSTMParams, xs: ArrayLike, targets: ArrayLike, h_0: ArrayLike | None, c_0: ArrayLike | None
) -> tuple[Array, NDArray[np.intp], Array, Array, bool]:
    """Checked inputs with a batch axis (xs (B, T, d), targets (B, T), h^0, c^0 (B, D_h)), and whether xs was one."""
    if not isinstance(params, LSTMParams):
        raise TypeError(f"params: expected LSTMParams, got {type(params).__name__}")
    x = as_float_array("xs", xs, ndim=(2, 3))
    batched = x.ndim == 3
    x3 = x if batched else x[None]
    dims = params.dims
    check_shapes([("xs", x3.shape, ("B", "T", dims.d))])
    k = check_targets("targets", targets, dims.V)
    if k.shape != x.shape[:-1]:
        raise ValueError(f"targets: expected shape {x.shape[:-1]} (one index per input), got {k.shape}")
    states = []
    for name, value in (("h_0", h_0), ("c_0", c_0)):
        if value is None:
            states.append(np.zeros((x3.shape[0], dims.D_h), dtype=params.dtype))
            continue
        state = as_float_array(name, value, ndim=2 if batched else 1)
        wanted = (x3.shape[0], dims.D_h) if batched else (dims.D_h,)
        if state.shape != wanted:
            raise ValueError(f"{name}: expected shape {wanted}, got {state.shape}")
        states.append(state if batched else state[None])
    return x3, (k if batched else k[None]), states[0], states[1], batched


def _forward(
    eq: Mapping[str, Callable[..., Any]], params: LSTMParams, x3: Array, k2: NDArray[np.intp], h0: Array, c0: Array
) -> LSTMForward:
    B, T = k2.shape
    h, c = [h0], [c0]
    parts: dict[str, list[Array]] = {name: [] for name in ("a", "a_i", "a_f", "a_g", "a_o", "i", "f", "g", "o")}
    for t in range(T):
        a = eq["eq-lstm-preactivation"](params.W_ih, x3[:, t], params.b_ih, params.W_hh, h[-1], params.b_hh)
        blocks = eq["eq-lstm-gate-split"](a)
        gates = eq["eq-lstm-gates"](*blocks)
        for name, value in zip(parts, (a, *blocks, *gates), strict=True):
            parts[name].append(value)
        i_t, f_t, g_t, o_t = gates
        c.append(eq["eq-lstm-cell"](f_t, c[-1], i_t, g_t))
        h.append(eq["eq-lstm-hidden"](o_t, c[-1]))
    stacked = {name: np.stack(values, axis=1) for name, values in parts.items()}
    h_all, c_all = np.stack(h, axis=1), np.stack(c, axis=1)
    theta = eq["eq-forward-theta"](params.U, h_all[:, 1:], params.b_2)
    losses = eq["eq-loss-step"](theta, k2)
    return LSTMForward(
        **stacked,
        c=c_all,
        h=h_all,
        theta=theta,
        y_hat=eq["eq-softmax"](theta),
        step_losses=losses,
        loss=eq["eq-loss-total"](losses),
    )


def lstm_forward(
    params: LSTMParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    h_0: ArrayLike | None = None,
    c_0: ArrayLike | None = None,
    replace: Replacements | None = None,
) -> LSTMForward:
    """The LSTM's forward pass, composed from the registered equations, with the batch axis kept.

    Parameters
    ----------
    params
        The LSTM's parameters.
    xs
        Inputs, shape (T, d) for one sequence or (B, T, d) for a batch.
    targets
        Correct indices, shape (T,) or (B, T).
    h_0, c_0
        Initial hidden and cell states, (D_h,) or (B, D_h); zeros if omitted.
    replace
        Wrong versions of equations by id (among the composer's `COMPOSED`).

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, naming it.
    """
    eq = equation_functions(COMPOSED, replace)
    return _forward(eq, params, *_prepare(params, xs, targets, h_0, c_0)[:4])


def lstm_gradients(
    params: LSTMParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    h_0: ArrayLike | None = None,
    c_0: ArrayLike | None = None,
    replace: Replacements | None = None,
) -> LSTMResult:
    """The loss and every gradient of an LSTM, composed step by step as the LSTM page derives them.

    Parameters
    ----------
    params, xs, targets, h_0, c_0, replace
        As for [`lstm_forward`][rnn_math.lstm.composer.lstm_forward].

    Returns
    -------
    LSTMResult
        With a leading batch axis B on every per-sequence array (1 for a single sequence).
    """
    eq = equation_functions(COMPOSED, replace)
    x3, k2, h0, c0, _ = _prepare(params, xs, targets, h_0, c_0)
    fp = _forward(eq, params, x3, k2, h0, c0)
    T = k2.shape[1]
    output_grads = eq["eq-bptt-output-grad"](fp.y_hat, k2)
    deltas = np.empty_like(fp.a)
    grad_c = np.empty_like(fp.c[:, 1:])
    delta_next = np.zeros_like(fp.a[:, 0])  # δ^{T+1} = 0
    grad_c_next = f_next = np.zeros_like(fp.c[:, 0])  # ∂L/∂c^{T+1} = 0, so f^{T+1} never matters
    for t in reversed(range(T)):
        step = fp.step(t)
        grad_h = eq["eq-lstm-hidden-grad"](params.U, output_grads[:, t], params.W_hh, delta_next)
        grad_c[:, t] = grad_c_next = eq["eq-lstm-cell-grad"](grad_h, step, f_next, grad_c_next)
        deltas[:, t] = delta_next = eq["eq-lstm-gate-stack"](
            eq["eq-lstm-input-gate-grad"](grad_c_next, step),
            eq["eq-lstm-forget-gate-grad"](grad_c_next, step),
            eq["eq-lstm-candidate-grad"](grad_c_next, step),
            eq["eq-lstm-output-gate-grad"](grad_h, step),
        )
        f_next = step.f
    bias = eq["eq-lstm-grad-biases"](deltas)
    grads = {
        "W_ih": eq["eq-lstm-grad-wih"](deltas, x3), "W_hh": eq["eq-lstm-grad-whh"](deltas, fp.h[:, :-1]),
        "b_ih": bias, "b_hh": bias.copy(),
        "U": eq["eq-bptt-grad-u"](output_grads, fp.h[:, 1:]), "b_2": eq["eq-bptt-grad-b2"](output_grads),
    }  # fmt: skip
    return LSTMResult(
        loss=fp.loss,
        grads=grads,
        grad_h_0=eq["eq-lstm-grad-h0"](params.W_hh, deltas[:, 0]),
        grad_c_0=eq["eq-lstm-grad-c0"](fp.f[:, 0], grad_c[:, 0]),
        grad_xs=eq["eq-lstm-grad-x"](params.W_ih, deltas),
        deltas=deltas,
        grad_c=grad_c,
        output_grads=output_grads,
        forward=fp,
    )
