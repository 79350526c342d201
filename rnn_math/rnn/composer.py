"""The vanilla RNN's composer: BPTT from the registered equation functions, any of them replaceable.

The composer looks every equation function up in the registry by id
([`rnn_math.core.registry`][rnn_math.core.registry]), so there is no second table of them; a
replacement (a [`Mistake`][rnn_math.verification.mistakes.Mistake]'s wrong version) is passed by
the same id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.types import Array
from rnn_math.rnn.bptt import BPTTResult, RNNGrads
from rnn_math.rnn.forward import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.verification.declaration import equation_functions

#: The forward equations, in derivation order.
FORWARD_EQUATIONS: tuple[str, ...] = (
    "eq-forward-z", "eq-forward-h", "eq-forward-theta", "eq-softmax", "eq-loss-step", "eq-loss-total",
)  # fmt: skip

#: The backward equations `rnn_gradients` composes, in derivation order: the ids a replacement may name.
BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-bptt-output-grad", "eq-bptt-grad-u", "eq-bptt-grad-b2", "eq-bptt-hidden-grad", "eq-bptt-delta",
    "eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-h0", "eq-bptt-grad-x",
)  # fmt: skip


def rnn_gradients(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> BPTTResult:
    """BPTT composed plainly from the registered equation functions, any of them replaceable.

    With no replacement this computes what [`bptt`][rnn_math.rnn.bptt.bptt] computes (the tests check
    that), step by step as the BPTT page derives it, without the fast path's reorganisation.

    Parameters
    ----------
    params, xs, targets, activation, h_0
        As for [`bptt`][rnn_math.rnn.bptt.bptt].
    replace
        Wrong versions of equations by id, e.g. ``mistake.numpy``.

    Returns
    -------
    BPTTResult
        The loss and the gradients the (possibly wrong) equations give.
    """
    eq = equation_functions(BACKWARD_EQUATIONS, replace)
    fp = forward(params, xs, targets, activation=activation, h_0=h_0)
    batched = fp.z.ndim == 3
    z, h, y_hat = (fp.z, fp.h, fp.y_hat) if batched else (fp.z[None], fp.h[None], fp.y_hat[None])
    xs3 = np.asarray(xs) if batched else np.asarray(xs)[None]
    targets2 = np.asarray(targets) if batched else np.asarray(targets)[None]

    output_grads = eq["eq-bptt-output-grad"](y_hat, targets2)
    deltas = np.empty_like(z)
    delta_next = np.zeros_like(z[:, 0])  # δ^{T+1} = 0
    for t in reversed(range(z.shape[1])):
        grad_h = eq["eq-bptt-hidden-grad"](params.U, output_grads[:, t], params.W_h, delta_next)
        deltas[:, t] = delta_next = eq["eq-bptt-delta"](grad_h, z[:, t], activation)
    grads = RNNGrads(
        grad_W_h=eq["eq-bptt-grad-wh"](deltas, h[:, :-1]),
        grad_W_e=eq["eq-bptt-grad-we"](deltas, xs3),
        grad_b_1=eq["eq-bptt-grad-b1"](deltas),
        grad_U=eq["eq-bptt-grad-u"](output_grads, h[:, 1:]),
        grad_b_2=eq["eq-bptt-grad-b2"](output_grads),
    )
    g_h0, g_xs = eq["eq-bptt-grad-h0"](params.W_h, deltas[:, 0]), eq["eq-bptt-grad-x"](params.W_e, deltas)
    if not batched:
        g_h0, g_xs, deltas, output_grads = g_h0[0], g_xs[0], deltas[0], output_grads[0]
    return BPTTResult(fp.loss, grads, g_h0, g_xs, deltas, output_grads, fp)


def wrong_bptt(
    mistake: Any,
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> BPTTResult:
    """BPTT with the equations a mistake corrupts replaced by its wrong versions.

    Parameters
    ----------
    mistake
        A [`Mistake`][rnn_math.verification.mistakes.Mistake] of the ``"rnn"`` model, or its name.
    params, xs, targets, activation, h_0
        As for [`rnn_gradients`][rnn_math.rnn.composer.rnn_gradients].
    """
    from rnn_math.rnn.mistakes import get_mistake

    mistake = get_mistake(mistake) if isinstance(mistake, str) else mistake
    if mistake.model != "rnn":
        raise ValueError(f"mistake: expected a mistake of the 'rnn' model, got one of {mistake.model!r}")
    return rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=mistake.numpy)
