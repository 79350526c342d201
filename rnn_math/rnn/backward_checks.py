"""Checks shared by the backward passes: the shape of ∂L/∂h^0, and overflow in the gradients.

Kept apart from [`rnn_math.rnn.bptt`][rnn_math.rnn.bptt] so that every backward pass (full and
truncated BPTT, and models added later) gives ∂L/∂h^0 the same shape and reports an overflow
in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.types import Array


def grad_h_0_like(grad_rows: Array, h_0: ArrayLike | None, batched: bool) -> Array:
    """∂L/∂h^0 shaped like the h_0 the caller passed, from the per-sequence rows (B, D_h).

    Parameters
    ----------
    grad_rows
        ∂L/∂h^0 of each sequence, shape (B, D_h).
    h_0
        The caller's initial state: None (zeros), shape (D_h,) or (B, D_h).
    batched
        Whether the inputs had a batch axis.

    Returns
    -------
    numpy.ndarray
        (D_h,) summed over the batch for a shared (D_h,) state: one vector used by every
        sequence receives the sum of their gradients. (B, D_h) for a (B, D_h) state. Without
        h_0, (B, D_h) for a batch and (D_h,) for one sequence.
    """
    if h_0 is None:
        return grad_rows if batched else grad_rows[0]
    return grad_rows.sum(axis=0) if np.ndim(h_0) == 1 else grad_rows


def check_finite_gradients(grads: Mapping[str, Array]) -> None:
    """Raise a clear error if a parameter gradient overflowed (cheap: parameter-sized arrays).

    Parameters
    ----------
    grads
        Gradients keyed by parameter name (``"W_h"``, …).

    Raises
    ------
    ValueError
        Naming the first gradient with an inf or NaN entry and what to check.
    """
    for name, grad in grads.items():
        if not np.isfinite(grad).all():  # the method: a third cheaper per call than np.all
            raise ValueError(
                f"grad_{name}: the backward pass overflowed (inf or NaN entries in {grad.dtype}); "
                "check the scale of U and W_h (their products with the output errors exceed the "
                f"largest {grad.dtype} number, {np.finfo(grad.dtype).max:.3g})"
            )
