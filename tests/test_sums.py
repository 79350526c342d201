"""The sums over time every model's gradients share, against a plain loop over steps and sequences.

The inputs hold small integers, so every sum is exact in float64 and the comparisons are equalities.
Each check is a function returning True or False, run on the real sum and on a plausible wrong one
(the negative control), which it must reject.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array

rng = np.random.default_rng(5)
B, T, M, N = 3, 4, 2, 5


def integers(*shape: int) -> Array:
    return rng.integers(-9, 10, size=shape).astype(np.float64)


def outer_agrees_with_loop(fn: Callable[[Array, Array], Array]) -> bool:
    left, right = integers(B, T, M), integers(B, T, N)
    expected = np.zeros((M, N))
    for b in range(B):
        for t in range(T):
            expected += np.outer(left[b, t], right[b, t])
    return bool(np.array_equal(fn(left, right), expected))


def rows_agree_with_loop(fn: Callable[[Array], Array]) -> bool:
    values = integers(B, T, M)
    expected = np.zeros(M)
    for b in range(B):
        for t in range(T):
            expected += values[b, t]
    return bool(np.array_equal(fn(values), expected))


def test_sum_outer_is_the_sum_of_the_outer_products_over_every_step_and_sequence():
    assert outer_agrees_with_loop(sum_outer)


def test_sum_rows_is_the_sum_of_the_vectors_over_every_step_and_sequence():
    assert rows_agree_with_loop(sum_rows)


def test_with_one_leading_axis_the_sums_run_over_time():
    left, right = integers(T, M), integers(T, N)
    np.testing.assert_array_equal(sum_outer(left, right), sum(np.outer(a, b) for a, b in zip(left, right, strict=True)))
    np.testing.assert_array_equal(sum_rows(left), sum(left[t] for t in range(T)))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda left, right: np.outer(left.reshape(-1, M).sum(0), right.reshape(-1, N).sum(0)),  # (Σa)(Σb)ᵀ
        lambda left, right: left[0].T @ right[0],  # the first sequence only
        lambda left, right: left[:, -1].T @ right[:, -1],  # the last step only
    ],
    ids=["outer-of-sums", "first-sequence", "last-step"],
)
def test_the_loop_check_rejects_a_wrong_sum_of_outer_products(wrong):
    assert not outer_agrees_with_loop(wrong)


@pytest.mark.parametrize(
    "wrong",
    [lambda values: values.reshape(-1, M).mean(0), lambda values: values[-1].sum(0)],
    ids=["mean", "last-sequence"],
)
def test_the_loop_check_rejects_a_wrong_sum_of_rows(wrong):
    assert not rows_agree_with_loop(wrong)


def test_every_model_sums_its_gradients_with_the_one_core_pair():
    from rnn_math.gru import backward_equations as gru
    from rnn_math.gru import cho_equations as cho
    from rnn_math.lstm import backward_equations as lstm
    from rnn_math.rnn import backward_equations as rnn

    for module in (rnn, lstm, gru, cho):
        assert module.sum_outer is sum_outer, module.__name__
    for module in (rnn, gru, cho):
        assert module.sum_rows is sum_rows, module.__name__
