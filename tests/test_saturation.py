"""Every gradient of `bptt` is exact to rounding in saturation and at extreme logits.

The cases (rnn_math/rnn/saturation.py) drive hidden units to |z| from 10 to 1000 and make the right
output win by margins of 25..2000 (float64) or 11..1000 (float32), with logits up to ±1000. Each
gradient is compared on its own with the 50-digit reference (rnn_math/rnn/reference.py), so a tiny
gradient cannot hide behind a large one. Where a true slope underflows (tanh' beyond |z| ≈ 372 in
float64, ≈ 52 in float32; sigmoid' beyond ≈ 745 and ≈ 103), its correctly rounded value is 0: the
cases keep two carrier units at levels where the gradients are normal numbers, so every compared
gradient is representable, and the units beyond those levels check that 0 (not NaN) comes back.

The negative controls are the textbook forms: the slope taken from h (1 − h², h(1 − h)) and the
target entry ŷ_k − 1. The same comparison must reject each of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn import saturation
from rnn_math.rnn.saturation import (
    ACTIVATIONS,
    EXTREMES,
    GRADIENTS,
    case_errors,
    normwise_relative_error,
    package_bptt,
    reference,
    saturated_case,
    textbook_bptt,
)
from rnn_math.rnn.truncated import truncated_bptt

TOLERANCE = saturation.TOLERANCES  # 1e-12 in float64, 1e-4 in float32
DTYPES = ("float64", "float32")
SLOPE_GRADIENTS = ("W_h", "W_e", "b_1", "h_0", "xs")  # the gradients every slope multiplies
OUTPUT_GRADIENTS = ("U", "b_2")  # the gradients ŷ − y reaches without a slope

CASES = [(a, dt, z) for a in ACTIVATIONS for dt in DTYPES for z in EXTREMES]
CASE_IDS = [f"{a}-{dt}-z{z:g}" for a, dt, z in CASES]
#: Where the slope from h must be rejected: everywhere but the sigmoid at max |z| = 10, where
#: 1 − h is still about 3e-4 and h(1 − h) only loses about 1e-13 (float64) or 1e-4 (float32)
#: relative: at the edge of the tolerance, so nothing for a control to catch yet.
SLOPE_CONTROL_CASES = [c for c in CASES if not (c[0] == "sigmoid" and c[2] == 10.0)]


@pytest.mark.parametrize("gradient", GRADIENTS)
@pytest.mark.parametrize(("activation", "dtype", "extreme"), CASES, ids=CASE_IDS)
def test_each_gradient_equals_the_50_digit_reference(activation, dtype, extreme, gradient):
    case = saturated_case(extreme, activation, dtype)
    assert case_errors(case)[gradient] < TOLERANCE[dtype]


@pytest.mark.parametrize(("activation", "dtype", "extreme"), CASES, ids=CASE_IDS)
def test_the_cases_are_saturated_with_extreme_logits_and_representable_gradients(activation, dtype, extreme):
    case = saturated_case(extreme, activation, dtype)
    exact = reference(case)
    assert exact.max_abs_pre_activation >= 0.95 * extreme
    assert exact.max_abs_logit >= 999
    tiny = np.finfo(dtype).tiny
    assert all(np.max(np.abs(exact.grads[name])) > tiny / np.finfo(dtype).eps for name in GRADIENTS)


@pytest.mark.parametrize(("activation", "dtype", "extreme"), SLOPE_CONTROL_CASES)
def test_the_slope_taken_from_h_is_rejected(activation, dtype, extreme):
    case = saturated_case(extreme, activation, dtype)
    errors = case_errors(case, lambda c: textbook_bptt(c, slope_from_h=True, target_minus_one=False))
    assert all(errors[name] > TOLERANCE[dtype] for name in SLOPE_GRADIENTS), errors


@pytest.mark.parametrize(("activation", "dtype", "extreme"), CASES, ids=CASE_IDS)
def test_the_target_entry_as_y_hat_minus_one_is_rejected(activation, dtype, extreme):
    case = saturated_case(extreme, activation, dtype)
    errors = case_errors(case, lambda c: textbook_bptt(c, slope_from_h=False, target_minus_one=True))
    assert all(errors[name] > TOLERANCE[dtype] for name in OUTPUT_GRADIENTS), errors


@pytest.mark.parametrize(("activation", "dtype", "extreme"), CASES, ids=CASE_IDS)
def test_the_control_with_both_accurate_forms_is_accepted(activation, dtype, extreme):
    """The negative controls' own code, with both forms switched to the package's, passes: what they
    are rejected for is the textbook form, not a difference in how the control is written."""
    case = saturated_case(extreme, activation, dtype)
    errors = case_errors(case, lambda c: textbook_bptt(c, slope_from_h=False, target_minus_one=False))
    assert max(errors.values()) < TOLERANCE[dtype], errors


@pytest.mark.parametrize("gradient", GRADIENTS)
@pytest.mark.parametrize(("activation", "dtype", "extreme"), CASES, ids=CASE_IDS)
def test_truncated_bptt_with_k_equal_to_T_equals_bptt_in_saturation(activation, dtype, extreme, gradient):
    case = saturated_case(extreme, activation, dtype)
    T = case.xs.shape[1]
    truncated = truncated_bptt(case.params, case.xs, case.targets, T, activation=activation, h_0=case.h_0)
    got = truncated.grads.as_dict() | {"h_0": truncated.grad_h_0, "xs": truncated.grad_xs}
    agreement = {"float64": 1e-13, "float32": 1e-5}[dtype]
    assert normwise_relative_error(got[gradient], package_bptt(case)[gradient]) < agreement


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_units_beyond_the_underflow_level_give_zero_slopes_not_nan(activation):
    case = saturated_case(1000.0, activation, "float64")
    deltas = saturation.bptt(case.params, case.xs, case.targets, activation=activation, h_0=case.h_0).deltas
    assert np.all(np.isfinite(deltas))
    assert np.all(deltas[..., 0] == 0)  # the unit at |z| ≈ 1000: its true slope is below 1e-400


def test_the_normwise_error_does_not_underflow_for_tiny_gradients():
    exact = np.array([3e-300, 4e-300])
    assert normwise_relative_error(exact * (1 + 1e-10), exact) == pytest.approx(1e-10, rel=1e-3)
    assert normwise_relative_error(np.zeros(2), exact) == 1.0
    assert normwise_relative_error(np.zeros(2), np.zeros(2)) == 0.0


def test_the_tolerances_are_exact_to_rounding_not_loosened():
    assert TOLERANCE == {"float64": 1e-12, "float32": 1e-4}


# --- The slope tanh' itself, entry by entry, on a dense grid against 50 digits ---
# tanh_derivative computes (2e/(1 + e²))² with e = exp(−|z|): about seven roundings plus twice
# exp's error, measured at up to about 9u in float32 and 6u in float64 (u the unit roundoff).
# SLOPE_BOUND_IN_U allows 12u in both dtypes: a few roundings, far below what the control makes.

#: Relative error allowed for tanh', in units of the dtype's unit roundoff u.
SLOPE_BOUND_IN_U = 12.0


def tanh_slope_grid() -> np.ndarray:
    """z from −25 to 25, dense, and denser where |tanh z| passes √(2/3) (|z| ≈ 1.146)."""
    middle = float(np.arctanh(np.sqrt(2.0 / 3.0)))
    near = np.linspace(middle - 0.2, middle + 0.2, 4001)
    return np.concatenate([np.linspace(-25.0, 25.0, 20001), near, -near])


def reference_tanh_slope(z: np.ndarray) -> np.ndarray:
    """1/cosh²(z) at 50 digits, rounded to float64, for each entry of z."""
    import mpmath

    with mpmath.workdps(50):
        return np.array([float(1 / mpmath.cosh(mpmath.mpf(float(x))) ** 2) for x in z])


def slope_error_in_u(slope_of_z, dtype: str) -> float:
    """Largest relative error of a slope function z → tanh'(z) over the grid, in units u."""
    z = tanh_slope_grid().astype(dtype)
    want = reference_tanh_slope(z)  # the reference at the dtype's own grid points
    got = np.asarray(slope_of_z(z), dtype=np.float64)
    return float(np.max(np.abs(got - want) / want) / (np.finfo(dtype).eps / 2))


@pytest.mark.equation("eq-tanh-derivative")
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_tanh_slope_is_within_a_few_roundings_of_50_digits_everywhere(dtype):
    from rnn_math.core.activations import tanh_derivative

    z = tanh_slope_grid().astype(dtype)
    assert tanh_derivative(z).dtype == dtype
    assert slope_error_in_u(tanh_derivative, dtype) <= SLOPE_BOUND_IN_U


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_textbook_slope_from_h_breaks_the_slope_bound(dtype):
    """Negative control: 1 − h² cancels in the tails (to exactly 0 in float32 beyond |z| ≈ 9)."""
    assert slope_error_in_u(lambda z: 1.0 - np.tanh(z) ** 2, dtype) > 100 * SLOPE_BOUND_IN_U
