"""How far back a GRU carries a gradient: the Jacobians ∂h^T/∂h^t of its last state with respect to every earlier one.

A GRU's state between steps is h^t alone, so ∂h^T/∂h^t is a D_h × D_h matrix, the product of the
one-step Jacobians ∂h^s/∂h^{s-1} for s = t + 1..T, the latest on the left.

The one-step Jacobians are not written out by hand: the carry equation γ^s = (∂h^s/∂h^{s-1})ᵀ ∂L/∂h^s
is its transpose applied to a vector, so row k of ∂h^T/∂h^t is what the GRU's own backward
equations send back to h^t from the loss L = h^T_k. All D_h rows run at once, as a batch of seeds,
through the registered equations of either form of the candidate (looked up by id, so that a
wrong version can be planted, as a test does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import ROLES, gru_forward
from rnn_math.verification.declaration import equation_functions


def jacobian_equations(variant: str) -> tuple[str, ...]:
    """The backward equations the Jacobians of `variant` are composed from, in the order one step uses them."""
    return ("eq-gru-delta-n", "eq-gru-delta-z", ROLES[variant]["delta_r"], ROLES[variant]["carry"])


def gru_state_jacobians(
    params: GRUParams,
    xs: ArrayLike,
    *,
    variant: str = "pytorch",
    h_0: ArrayLike | None = None,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> Array:
    """∂h^T/∂h^t for t = 0..T along one sequence.

    One step back, from the gradient g at h^t: δ_n^t, δ_z^t and δ_r^t from g, then g ← γ^t, the
    carry equation (z^t ⊙ g through the direct path, plus the paths through the gates' and the
    candidate's recurrent weights).

    Parameters
    ----------
    params
        The GRU's parameters (its output layer is not used).
    xs
        Inputs x^1..x^T, shape (T, d).
    variant
        ``"pytorch"`` (reset after the product) or ``"cho"`` (before).
    h_0
        Initial state, shape (D_h,); zeros if omitted.
    replace
        Wrong versions of equations by id (among `jacobian_equations(variant)`), for negative controls.

    Returns
    -------
    numpy.ndarray
        Shape (T + 1, D_h, D_h); entry [t, a, b] is ∂h^T_a / ∂h^t_b, and ``[T]`` is the identity.

    Raises
    ------
    TypeError, ValueError
        On a wrong argument, naming it.
    """
    x = as_float_array("xs", xs, ndim=2)
    T = x.shape[0]
    fp = gru_forward(params, x, np.zeros(T, dtype=np.intp), variant=variant, h_0=h_0)  # checks every argument
    ids = jacobian_equations(variant)
    eq = equation_functions(ids, {k: v for k, v in (replace or {}).items() if k in ids})  # other form's ids ignored
    delta_r, carry = eq[ids[2]], eq[ids[3]]
    p = params
    D_h = fp.h.shape[-1]
    g = np.eye(D_h, dtype=fp.h.dtype)  # row k seeds the loss h^T_k
    jacobians = np.empty((T + 1, D_h, D_h), dtype=fp.h.dtype)
    jacobians[T] = g
    for t in reversed(range(T)):
        h_prev = fp.h[:, t]  # h^t, the state step t + 1 reads; (1, D_h) broadcasts over the seeds
        d_n = eq["eq-gru-delta-n"](g, fp.a_z[:, t], fp.a_n[:, t])
        d_z = eq["eq-gru-delta-z"](g, h_prev, fp.n[:, t], fp.a_z[:, t])
        if variant == "pytorch":
            d_r = delta_r(d_n, p.W_hn, h_prev, p.b_hn, fp.a_r[:, t])
        else:
            d_r = delta_r(d_n, p.W_hn, h_prev, fp.a_r[:, t])
        g = carry(g, fp.z[:, t], p.W_hz, d_z, p.W_hr, d_r, p.W_hn, fp.r[:, t], d_n)
        jacobians[t] = g
    return jacobians
