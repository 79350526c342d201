"""How far back an LSTM carries a gradient: the Jacobians of its last state with respect to every earlier state.

The LSTM's state between two steps is the pair (h^t, c^t): step t + 1 reads both. So the
Jacobian across many steps is that of the pair,

    ∂s^T/∂s^t  with  s^t = [h^t; c^t],  a (2 D_h) × (2 D_h) matrix,

and ∂h^T/∂h^t and ∂c^T/∂c^t are its diagonal blocks: the change of h^T when h^t alone moves
(c^t held), and of c^T when c^t alone moves (h^t held).

The Jacobians are not formed from hand-written partial derivatives: row k of ∂s^T/∂s^t is the
gradient that the LSTM's own backward equations send back to (h^t, c^t) from the loss
L = s^T_k. All 2 D_h rows are run at once, as a batch of seeds, through the registered
equations (looked up by id, so a wrong version can be planted, as a test does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array
from rnn_math.lstm.composer import lstm_forward
from rnn_math.lstm.params import LSTMParams
from rnn_math.verification.declaration import equation_functions

#: The backward equations the Jacobians are composed from, in the order one step uses them.
JACOBIAN_EQUATIONS: tuple[str, ...] = (
    "eq-lstm-cell-grad", "eq-lstm-input-gate-grad", "eq-lstm-forget-gate-grad", "eq-lstm-candidate-grad",
    "eq-lstm-output-gate-grad", "eq-lstm-gate-stack", "eq-lstm-grad-h0", "eq-lstm-grad-c0",
)  # fmt: skip


@dataclass(frozen=True)
class LSTMStateJacobians:
    """∂s^T/∂s^t for t = 0..T, with s^t = [h^t; c^t].

    Attributes
    ----------
    full
        Shape (T + 1, 2 D_h, 2 D_h); ``full[t]`` is ∂s^T/∂s^t (``full[T]`` is the identity).
        Entry [a, b] is ∂s^T_a / ∂s^t_b.
    """

    full: Array

    @property
    def D_h(self) -> int:
        """The hidden (and cell) width."""
        return self.full.shape[-1] // 2

    @property
    def hh(self) -> Array:
        """∂h^T/∂h^t (c^t held), shape (T + 1, D_h, D_h)."""
        return self.full[:, : self.D_h, : self.D_h]

    @property
    def hc(self) -> Array:
        """∂h^T/∂c^t (h^t held), shape (T + 1, D_h, D_h)."""
        return self.full[:, : self.D_h, self.D_h :]

    @property
    def ch(self) -> Array:
        """∂c^T/∂h^t (c^t held), shape (T + 1, D_h, D_h)."""
        return self.full[:, self.D_h :, : self.D_h]

    @property
    def cc(self) -> Array:
        """∂c^T/∂c^t (h^t held), shape (T + 1, D_h, D_h)."""
        return self.full[:, self.D_h :, self.D_h :]


def lstm_state_jacobians(
    params: LSTMParams,
    xs: ArrayLike,
    *,
    h_0: ArrayLike | None = None,
    c_0: ArrayLike | None = None,
    replace: Mapping[str, Callable[..., Any]] | None = None,
) -> LSTMStateJacobians:
    """The Jacobians ∂s^T/∂s^t of one sequence's last state with respect to every earlier state.

    One step back, from the state gradients (g_h, g_c) at (h^t, c^t) to those at (h^{t-1}, c^{t-1}):

    - ∂/∂c^t inside step t, before h^t is formed: g_h ⊙ o^t ⊙ tanh'(c^t) + g_c, the cell-gradient
      equation with its next-step term f^{t+1} ⊙ ∂L/∂c^{t+1} standing for g_c (f = 1, ∂L/∂c = g_c);
    - the four gates' errors, stacked into δ^t;
    - g_h ← W_hhᵀ δ^t and g_c ← f^t ⊙ ∂L/∂c^t, the equations of ∂L/∂h^0 and ∂L/∂c^0 with step t
      as the first step of what follows.

    Parameters
    ----------
    params
        The LSTM's parameters (its output layer is not used).
    xs
        Inputs x^1..x^T, shape (T, d).
    h_0, c_0
        Initial states, shape (D_h,); zeros if omitted.
    replace
        Wrong versions of equations by id (among `JACOBIAN_EQUATIONS`), for negative controls.

    Returns
    -------
    LSTMStateJacobians
        ``full[t]`` = ∂s^T/∂s^t for t = 0..T.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, naming it.
    """
    x = as_float_array("xs", xs, ndim=2)
    T = x.shape[0]
    fp = lstm_forward(params, x, np.zeros(T, dtype=np.intp), h_0=h_0, c_0=c_0)  # checks every argument
    D_h = params.dims.D_h
    eq = equation_functions(JACOBIAN_EQUATIONS, replace)
    seeds = np.eye(2 * D_h, dtype=fp.h.dtype)  # row k seeds the loss s^T_k
    g_h, g_c = seeds[:, :D_h], seeds[:, D_h:]
    ones = np.ones_like(g_c)
    full = np.empty((T + 1, 2 * D_h, 2 * D_h), dtype=fp.h.dtype)
    full[T] = seeds
    for t in reversed(range(T)):
        step = fp.step(t)  # step t + 1, every field (1, D_h): broadcast over the seeds
        grad_c = eq["eq-lstm-cell-grad"](g_h, step, ones, g_c)
        delta = eq["eq-lstm-gate-stack"](
            eq["eq-lstm-input-gate-grad"](grad_c, step),
            eq["eq-lstm-forget-gate-grad"](grad_c, step),
            eq["eq-lstm-candidate-grad"](grad_c, step),
            eq["eq-lstm-output-gate-grad"](g_h, step),
        )
        g_h = eq["eq-lstm-grad-h0"](params.W_hh, delta)
        g_c = eq["eq-lstm-grad-c0"](step.f, grad_c)
        full[t] = np.concatenate([g_h, g_c], axis=-1)
    return LSTMStateJacobians(full)
