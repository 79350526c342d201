"""Sums over time (and batch) that every model's gradient equations share.

A parameter used at every step gets the sum of its per-step gradients. The backward equations
store per-step vectors as the rows of arrays with leading axes (batch B, time T), so "sum over t"
means "sum over every leading axis": the batch is summed too, matching the loss, which is summed
over steps and sequences. Two shapes of sum occur: a weight matrix's gradient is a sum of outer
products, a bias's gradient a sum of vectors.
"""

from __future__ import annotations

from rnn_math.core.types import Array

__all__ = ["sum_outer", "sum_rows"]


def sum_outer(left: Array, right: Array) -> Array:
    """The sum of outer products Σ_t a_t b_tᵀ over every leading axis.

    Parameters
    ----------
    left : Array, shape (..., m)
        The vectors a_t (for a weight's gradient, the errors δ^t).
    right : Array, shape (..., n)
        The vectors b_t (the inputs the weight multiplied), with the same leading axes.

    Returns
    -------
    Array, shape (m, n)
        Σ_t a_t b_tᵀ, computed as one matrix product: the leading axes are flattened into one, so
        the sum runs over every step of every sequence.
    """
    return left.reshape(-1, left.shape[-1]).T @ right.reshape(-1, right.shape[-1])


def sum_rows(values: Array) -> Array:
    """The sum Σ_t v_t over every leading axis.

    Parameters
    ----------
    values : Array, shape (..., m)
        The vectors v_t (for a bias's gradient, the errors δ^t).

    Returns
    -------
    Array, shape (m,)
        Σ_t v_t, over every step of every sequence.
    """
    return values.reshape(-1, values.shape[-1]).sum(axis=0)
