"""The gradient checker: it passes true gradients, fails wrong ones, and says what it checked."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.verification.gradcheck import (
    DEFAULT_MAX_ENTRIES,
    DEFAULT_TOLERANCES,
    central_difference,
    check_gradients,
    complex_step,
    sample_indices,
)


def loss(p):
    """L(A, b) = Σ exp(sin(A)) · b₀ + log(1 + b·b): analytic, with a gradient known in closed form."""
    return np.sum(np.exp(np.sin(p["A"]))) * p["b"][0] + np.log(1 + np.sum(p["b"] * p["b"]))


def true_gradient(p):
    A, b = p["A"], p["b"]
    grad_b = 2 * b / (1 + b @ b)
    grad_b[0] += np.sum(np.exp(np.sin(A)))
    return {"A": np.exp(np.sin(A)) * np.cos(A) * b[0], "b": grad_b}


rng = np.random.default_rng(5)
POINT = {"A": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}


def test_the_default_tolerances_are_the_stated_ones():
    assert DEFAULT_TOLERANCES == {"central": 1e-7, "complex": 1e-13}


def test_true_gradients_pass_both_methods_for_every_entry():
    report = check_gradients(loss, POINT, true_gradient(POINT))
    assert report.passed and report.failures() == []
    assert [(r.parameter, r.method, r.checked, r.total) for r in report.rows] == [
        ("A", "central", 12, 12),
        ("A", "complex", 12, 12),
        ("b", "central", 3, 3),
        ("b", "complex", 3, 3),
    ]
    assert report.worst("complex") <= 1e-14


def test_a_gradient_wrong_in_one_entry_fails_that_parameter_only():
    grads = true_gradient(POINT)
    grads["A"][1, 2] *= 1.001
    report = check_gradients(loss, POINT, grads)
    assert [(r.parameter, r.method) for r in report.failures()] == [("A", "central"), ("A", "complex")]
    assert "FAIL" in str(report) and "gradient check FAILED (2 of 4 rows)" in str(report)


def test_a_tiny_error_fails_complex_step_but_not_central_differences():
    grads = true_gradient(POINT)
    grads["b"] = grads["b"] * (1 + 1e-10)
    report = check_gradients(loss, POINT, grads)
    assert [(r.parameter, r.method) for r in report.failures()] == [("b", "complex")]


def test_large_parameters_are_checked_on_a_reproducible_random_subset():
    big = {"A": rng.standard_normal((30, 40)), "b": rng.standard_normal(3)}
    first = check_gradients(loss, big, true_gradient(big), max_entries=10, seed=4, methods=("complex",))
    again = check_gradients(loss, big, true_gradient(big), max_entries=10, seed=4, methods=("complex",))
    assert (first.row("A", "complex").checked, first.row("A", "complex").total) == (10, 1200)
    assert first.row("b", "complex").checked == 3
    assert first == again and first.passed
    assert "10 of 1200" in str(first)


def test_the_subset_is_all_entries_up_to_the_limit_and_distinct_entries_beyond():
    assert sample_indices(5, 5, np.random.default_rng(0)).tolist() == [0, 1, 2, 3, 4]
    chosen = sample_indices(1000, 50, np.random.default_rng(0))
    assert len(set(chosen.tolist())) == 50 and np.all(np.diff(chosen) > 0)


def test_each_estimator_recovers_a_known_derivative():
    exact = true_gradient(POINT)["A"][2, 1]
    assert central_difference(loss, POINT, "A", (2, 1)) == pytest.approx(exact, rel=1e-8)
    assert complex_step(loss, POINT, "A", 9) == pytest.approx(exact, rel=1e-14)  # flat index 9 is (2, 1)


def test_the_estimators_leave_the_point_unchanged():
    before = {k: v.copy() for k, v in POINT.items()}
    central_difference(loss, POINT, "b", 0)
    complex_step(loss, POINT, "b", 0)
    assert all(np.array_equal(before[k], POINT[k]) for k in POINT)


def test_complex_step_refuses_a_loss_that_drops_the_imaginary_part():
    with pytest.raises(TypeError, match="loss_fn: expected a complex result"):
        complex_step(lambda p: float(np.real(loss(p))), POINT, "b", 0)


def test_a_non_analytic_loss_is_caught_by_the_disagreement_of_the_two_methods():
    def squared_norm(p):  # b·conj(b) is not analytic: its complex step sees no imaginary part
        return np.sum(p["b"] * np.conj(p["b"]))

    b = np.array([0.5, -1.5, 2.0])
    report = check_gradients(squared_norm, {"b": b}, {"b": 2 * b})
    assert [r.method for r in report.failures()] == ["complex"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"grads": {"A": np.zeros((3, 4))}}, ValueError, r"grads: expected the same names as params \['A', 'b'\]"),
        ({"grads": {"A": np.zeros((4, 3)), "b": np.zeros(3)}}, ValueError, r"grads\['A'\]: expected shape \(3, 4\)"),
        ({"methods": ("forward",)}, ValueError, "methods: expected a non-empty sequence"),
        ({"tolerances": {"forward": 1e-3}}, ValueError, "tolerances: expected keys among"),
        ({"max_entries": 0}, ValueError, "max_entries: expected a positive integer"),
    ],
)
def test_bad_arguments_are_refused_with_a_sentence(kwargs, error, message):
    arguments = {"grads": true_gradient(POINT)} | kwargs
    with pytest.raises(error, match=message):
        check_gradients(loss, POINT, **arguments)


def test_a_loss_that_is_not_scalar_is_refused():
    with pytest.raises(ValueError, match="loss_fn: expected a scalar loss"):
        check_gradients(lambda p: p["b"] * 2, {"b": np.ones(2)}, {"b": np.ones(2)}, methods=("central",))


def sines(p):
    """L(w) = Σ sin(w): its gradient is cos(w), cheap enough to check hundreds of entries."""
    return np.sum(np.sin(p["w"]))


@pytest.mark.parametrize("step", [0.0, -1e-6, np.inf, -np.inf, np.nan])
def test_the_step_must_be_finite_and_positive(step):
    with pytest.raises(ValueError, match=r"step: expected a finite positive number or None, got"):
        check_gradients(loss, POINT, true_gradient(POINT), step=step)


@pytest.mark.parametrize("step", ["1e-6", True, [1e-6]])
def test_a_step_that_is_not_a_number_is_refused_with_its_type(step):
    with pytest.raises(TypeError, match=rf"step: expected a finite positive number or None, got {type(step).__name__}"):
        check_gradients(loss, POINT, true_gradient(POINT), step=step)


@pytest.mark.parametrize("estimator", [central_difference, complex_step])
def test_each_estimator_refuses_a_step_that_is_not_finite_and_positive(estimator):
    for step in (0.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="step: expected a finite positive number"):
            estimator(loss, POINT, "b", 0, step=step)


@pytest.mark.parametrize("tolerance", [-1e-9, np.inf, np.nan])
def test_a_tolerance_must_be_finite_and_non_negative(tolerance):
    with pytest.raises(ValueError, match=r"tolerances\['central'\]: expected a finite non-negative number, got"):
        check_gradients(loss, POINT, true_gradient(POINT), tolerances={"central": tolerance})


def test_a_tolerance_that_is_not_a_number_is_refused_with_its_type():
    with pytest.raises(TypeError, match=r"tolerances\['complex'\]: expected a finite non-negative number, got str"):
        check_gradients(loss, POINT, true_gradient(POINT), tolerances={"complex": "1e-13"})


def test_a_tolerance_of_zero_is_accepted_and_asks_for_exact_agreement():
    grads = {"w": np.cos(np.array([0.3, -1.2]))}
    report = check_gradients(
        sines, {"w": np.array([0.3, -1.2])}, grads, methods=("complex",), tolerances={"complex": 0}
    )
    row = report.row("w", "complex")
    assert row.tolerance == 0.0 and row.passed == (row.normwise_error == 0.0)


def test_a_nan_row_is_what_worst_reports():
    grads = true_gradient(POINT)
    grads["b"][1] = np.nan  # b's rows come after A's, so a max() that skips NaN would report A's error
    report = check_gradients(loss, POINT, grads)
    assert np.isnan(report.worst("central")) and np.isnan(report.worst("complex"))
    assert not report.passed


def test_a_nan_entry_makes_every_error_of_its_row_nan():
    grads = true_gradient(POINT)
    grads["b"][1] = np.nan
    row = check_gradients(loss, POINT, grads, methods=("complex",)).row("b", "complex")
    assert np.isnan(row.normwise_error) and np.isnan(row.max_relative_error) and np.isnan(row.max_abs_error)


def test_worst_of_a_method_that_was_not_run_is_refused_by_name():
    report = check_gradients(loss, POINT, true_gradient(POINT), methods=("complex",))
    with pytest.raises(ValueError, match=r"method: expected one of the report's methods \['complex'\], got 'central'"):
        report.worst("central")


def test_the_report_says_per_parameter_how_many_entries_it_checked_of_how_many():
    big = {"A": rng.standard_normal((30, 40)), "b": rng.standard_normal(3)}
    report = check_gradients(loss, big, true_gradient(big), max_entries=10, methods=("complex",))
    assert report.entries() == {"A": (10, 1200), "b": (3, 3)}
    assert report.coverage() == "checked 13 of 1203 entries in 2 parameters (sampled: A 10 of 1200)"
    assert str(report).endswith(
        "gradient check passed; checked 13 of 1203 entries in 2 parameters (sampled: A 10 of 1200)"
    )


def test_a_full_check_says_it_checked_every_entry():
    report = check_gradients(loss, POINT, true_gradient(POINT))
    assert str(report).endswith("gradient check passed; checked 15 of 15 entries in 2 parameters (every entry)")


def test_by_default_every_entry_of_an_array_up_to_the_threshold_is_checked():
    w = np.linspace(-2.0, 2.0, DEFAULT_MAX_ENTRIES)
    report = check_gradients(sines, {"w": w}, {"w": np.cos(w)}, methods=("complex",))
    assert report.entries() == {"w": (DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES)} and report.passed


def test_by_default_an_array_above_the_threshold_is_sampled_at_the_threshold():
    w = np.linspace(-2.0, 2.0, DEFAULT_MAX_ENTRIES + 1)
    report = check_gradients(sines, {"w": w}, {"w": np.cos(w)}, methods=("complex",))
    assert report.entries() == {"w": (DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES + 1)}


def test_the_docstring_states_the_default_threshold():
    assert DEFAULT_MAX_ENTRIES == 200
    assert f"``DEFAULT_MAX_ENTRIES`` = {DEFAULT_MAX_ENTRIES}" in " ".join(check_gradients.__doc__.split())
