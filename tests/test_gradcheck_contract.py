"""The gradient checker's contract in detail: each step, error measure, message and table line.

Each test pins one behaviour that a small wrong edit of rnn_math/verification/gradcheck.py or
rnn_math/verification/gradcheck_report.py would change (the mutation run makes those edits).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from rnn_math.verification.gradcheck import (
    GradcheckReport,
    GradcheckRow,
    central_difference,
    central_step,
    check_gradients,
    complex_step,
    sample_indices,
)

EPS = np.finfo(np.float64).eps


def cube(p):
    """sum(w^3): its central difference with step h is 3w^2 + h^2, its complex step 3w^2 - h^2."""
    return np.sum(p["w"] ** 3)


def square(p):
    return np.sum(p["w"] ** 2)


# The default central step (eps * max(1, |f|))^(1/3) * max(1, |x|).


def test_the_central_step_is_the_cube_root_of_eps_for_a_small_loss_at_a_small_entry():
    assert central_step(0.5, 0.5) == pytest.approx(EPS ** (1 / 3), rel=1e-15)


def test_the_central_step_grows_as_the_cube_root_of_a_large_loss():
    assert central_step(8.0, 0.0) == pytest.approx((8 * EPS) ** (1 / 3), rel=1e-15)


def test_the_central_step_grows_in_proportion_to_a_large_entry():
    assert central_step(0.0, 4.0) == pytest.approx(4 * EPS ** (1 / 3), rel=1e-15)


def test_the_checker_emits_no_warning_on_an_ordinary_check():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        central_step(3.0, 2.0)
        report = check_gradients(square, {"w": np.array([1.0, 2.0])}, {"w": np.array([2.0, 4.0])})
    assert report.passed


# An explicit step is the one used, by each estimator and by check_gradients.


def test_central_difference_uses_the_step_it_is_given():
    assert central_difference(cube, {"w": np.array([2.0])}, "w", 0, step=1e-2) == pytest.approx(12 + 1e-4, rel=1e-12)


def test_complex_step_uses_the_step_it_is_given():
    assert complex_step(cube, {"w": np.array([2.0])}, "w", 0, step=1e-3) == pytest.approx(12 - 1e-6, rel=1e-14)


def test_check_gradients_uses_the_given_step_for_central_differences():
    report = check_gradients(cube, {"w": np.array([2.0])}, {"w": np.array([12.0])}, methods=("central",), step=1e-2)
    assert report.row("w", "central").max_abs_error == pytest.approx(1e-4, rel=1e-6)


def test_integer_parameters_are_differentiated_as_floats():
    assert central_difference(square, {"w": np.array([3])}, "w", 0, step=0.25) == pytest.approx(6.0, rel=1e-14)


def test_a_loss_that_returns_a_complex_number_at_real_parameters_is_read_by_its_real_part():
    def complex_valued(p):
        return complex(np.sum(p["w"] ** 2))

    assert central_difference(complex_valued, {"w": np.array([3.0])}, "w", 0) == pytest.approx(6.0, rel=1e-8)


def test_a_bad_step_is_refused_before_the_loss_is_ever_evaluated():
    calls = []

    def counted(p):
        calls.append(1)
        return square(p)

    with pytest.raises(ValueError, match=r"^step: expected a finite positive number or None, got -1\.0$"):
        check_gradients(counted, {"w": np.array([1.0])}, {"w": np.array([2.0])}, step=-1.0)
    assert calls == []


# Indices.


def test_a_tuple_index_may_be_zero_in_any_axis():
    params = {"w": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])}
    assert complex_step(square, params, "w", (0, 1)) == pytest.approx(4.0, rel=1e-15)
    assert complex_step(square, params, "w", (1, 0)) == pytest.approx(8.0, rel=1e-15)


@pytest.mark.parametrize(
    ("index", "message"),
    [
        (6, "index: expected a flat index in 0..5, got 6"),
        ((2, 0), "index: expected an index into shape (2, 3), got (2, 0)"),
        ((0, 3), "index: expected an index into shape (2, 3), got (0, 3)"),
        ((1,), "index: expected an index into shape (2, 3), got (1,)"),
    ],
)
def test_an_index_outside_the_array_is_refused_naming_the_range_and_what_came(index, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        complex_step(square, {"w": np.ones((2, 3))}, "w", index)


@pytest.mark.parametrize("estimator", [central_difference, complex_step])
def test_an_unknown_parameter_name_is_refused_naming_the_known_ones(estimator):
    with pytest.raises(ValueError, match=r"^name: expected one of \['a', 'w'\], got 'v'$"):
        estimator(square, {"w": np.ones(2), "a": np.ones(1)}, "v", 0)


def test_a_loss_that_is_not_scalar_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"^loss_fn: expected a scalar loss, got an array of shape \(2,\)$"):
        central_difference(lambda p: p["w"] ** 2, {"w": np.ones(2)}, "w", 0)


def test_a_loss_that_drops_the_imaginary_part_is_refused_naming_what_came_and_what_to_do():
    message = (
        "loss_fn: expected a complex result for complex128 parameters (complex step), got float;"
        " the function must keep the imaginary part (no float(), abs() or max() on the loss path)"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        complex_step(lambda p: float(np.sum(p["w"].real)), {"w": np.ones(2)}, "w", 0)


# Arguments of check_gradients.


@pytest.mark.parametrize(
    ("params", "grads", "error", "message"),
    [
        ({}, {}, TypeError, "params: expected a non-empty mapping of arrays by name, got dict"),
        ([1.0], {}, TypeError, "params: expected a non-empty mapping of arrays by name, got list"),
        ({"w": np.ones(1)}, [1.0], TypeError, "grads: expected a mapping of arrays by name, got list"),
        (
            {"w": np.array([])},
            {"w": np.array([])},
            TypeError,
            "params['w']: expected a non-empty real array, got dtype float64, shape (0,)",
        ),
        (
            {"w": np.array(["a"])},
            {"w": np.array([1.0])},
            TypeError,
            "params['w']: expected a non-empty real array, got dtype <U1, shape (1,)",
        ),
        (
            {"w": np.ones(1)},
            {"w": np.ones(1, complex)},
            TypeError,
            "grads['w']: expected a real array, got dtype complex128",
        ),
    ],
)
def test_bad_params_or_grads_are_refused_naming_the_argument_what_was_expected_and_what_came(
    params, grads, error, message
):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        check_gradients(square, params, grads)


@pytest.mark.parametrize("max_entries", [1.5, True, 0])
def test_max_entries_must_be_a_positive_integer(max_entries):
    with pytest.raises(
        ValueError, match=f"^max_entries: expected a positive integer, got {re.escape(repr(max_entries))}$"
    ):
        check_gradients(square, {"w": np.ones(2)}, {"w": 2 * np.ones(2)}, max_entries=max_entries)


def test_an_empty_list_of_methods_is_refused():
    with pytest.raises(ValueError, match=r"^methods: expected a non-empty sequence drawn from"):
        check_gradients(square, {"w": np.ones(2)}, {"w": 2 * np.ones(2)}, methods=())


def test_a_single_entry_parameter_is_checked():
    report = check_gradients(square, {"w": np.array([3.0])}, {"w": np.array([6.0])})
    assert report.passed and report.entries() == {"w": (1, 1)}


def test_a_threshold_of_one_checks_one_entry_of_each_parameter():
    report = check_gradients(square, {"w": np.arange(3.0)}, {"w": 2 * np.arange(3.0)}, max_entries=1)
    assert report.entries() == {"w": (1, 3)}


# Subsets.


def test_checking_every_entry_draws_nothing_from_the_generator():
    rng, fresh = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(sample_indices(4, 4, rng), np.arange(4))
    assert rng.random() == fresh.random()


def test_the_default_subset_is_the_one_of_seed_zero():
    w = np.arange(1.0, 31.0)
    wrong = 2 * w + np.arange(30.0) ** 2  # every entry wrong by a different amount: the subset shows
    run = {"loss_fn": square, "params": {"w": w}, "grads": {"w": wrong}, "max_entries": 3, "methods": ("complex",)}
    assert check_gradients(**run).rows == check_gradients(**run, seed=0).rows
    assert check_gradients(**run).rows != check_gradients(**run, seed=1).rows


# The three error measures of a row.


def test_a_row_reports_the_norm_wise_the_largest_relative_and_the_largest_absolute_error():
    w = np.array([0.0, 0.25, 2.0])  # true gradient 2w = [0, 0.5, 4]
    report = check_gradients(square, {"w": w}, {"w": np.array([0.0, 0.25, 4.0])}, methods=("complex",))
    row = report.row("w", "complex")
    assert row.max_abs_error == pytest.approx(0.25, rel=1e-14)
    assert row.max_relative_error == pytest.approx(0.5, rel=1e-14)  # 0.25 of 0.5; the zero entry counts 0
    assert row.normwise_error == pytest.approx(0.25 / np.sqrt(0.25 + 16), rel=1e-14)


def test_the_absolute_error_is_of_the_difference_not_the_sum():
    report = check_gradients(square, {"w": np.array([1.0, 2.0])}, {"w": np.array([2.0, 5.0])}, methods=("complex",))
    assert report.row("w", "complex").max_abs_error == pytest.approx(1.0, rel=1e-14)


# The report.


def test_asking_for_a_row_that_is_not_there_names_the_parameter_and_the_method():
    report = check_gradients(square, {"w": np.ones(1)}, {"w": 2 * np.ones(1)})
    with pytest.raises(KeyError, match=r"no row for parameter 'v' and method 'central'"):
        report.row("v", "central")


def test_the_report_prints_an_aligned_table_with_a_verdict_and_what_was_checked():
    report = GradcheckReport(
        (
            GradcheckRow("W_h", "central", 4, 6, 1.234e-10, 5e-9, 3e-12, 1e-7),
            GradcheckRow("embedding_matrix", "complex", 3, 10, 2.5e-3, 1e-2, 4e-4, 1e-13),
        )
    )
    assert str(report).splitlines() == [
        "parameter        | method  | entries | norm-wise rel. | max rel. | max abs. | tolerance |",
        "-----------------+---------+---------+----------------+----------+----------+-----------+-----",
        "W_h              | central | 4 of 6  | 1.23e-10       | 5.00e-09 | 3.00e-12 | 1e-07     | ok",
        "embedding_matrix | complex | 3 of 10 | 2.50e-03       | 1.00e-02 | 4.00e-04 | 1e-13     | FAIL",
        "gradient check FAILED (1 of 2 rows); checked 7 of 16 entries in 2 parameters"
        " (sampled: W_h 4 of 6, embedding_matrix 3 of 10)",
    ]


def test_central_differences_cost_two_evaluations_per_entry_and_one_for_the_whole_check():
    calls = []

    def counted(p):
        calls.append(1)
        return square(p)

    check_gradients(counted, {"w": np.arange(3.0)}, {"w": 2 * np.arange(3.0)}, methods=("central",))
    assert len(calls) == 1 + 2 * 3  # the default steps come from the one value at the point
