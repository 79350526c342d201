"""Truncated BPTT is the exact gradient of the objective L̃_k, and of no neighbouring one.

The gradient check differentiates L̃_k itself (with the stop-gradient states held at their
forward values), so it can tell k from k − 1 and k + 1, and from the full gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.forward import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.truncated import truncated_bptt, truncated_objective
from rnn_math.verification.engine import verify
from rnn_math.verification.evaluate import relative_error
from rnn_math.verification.gradcheck import check_gradients
from rnn_math.verification.mistakes import get_mistake

AGREES = 1e-13
ACTIVATIONS = ["sigmoid", "tanh"]
CENTRAL = {"methods": ("central",)}


def problem(seed: int = 0, T: int = 7, activation: str = "tanh", B: int | None = None):
    """A model whose gradient neither vanishes nor explodes over T steps, with inputs and targets."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=0.7)
    gamma = 0.25 if activation == "sigmoid" else 1.0
    params = RNNParams(**{**params.as_dict(), "W_h": params.W_h * (1.0 / gamma)})
    shape = (T,) if B is None else (B, T)
    return params, rng.standard_normal((*shape, 3)), rng.integers(0, 5, shape)


# ---- the engine: twins at 50 digits, and the gradient of THAT objective by central differences ----


@pytest.fixture(scope="module")
def truncation_reports():
    return {r.eq_id: r for r in verify(model="truncated-bptt")}


@pytest.mark.equation("eq-truncated-delta")
def test_truncated_deltas_equal_their_twin_and_truncated_bptt_is_the_gradient_of_the_truncated_objective(
    truncation_reports,
):
    report = truncation_reports["eq-truncated-delta"]
    assert report.passed, report.failures
    assert report.fifty_digit <= AGREES and report.central <= 1e-7


@pytest.mark.equation("eq-truncated-objective")
def test_the_truncated_objective_equals_its_twin_and_its_gradient_is_truncated_bptt(truncation_reports):
    report = truncation_reports["eq-truncated-objective"]
    assert report.passed, report.failures
    assert report.fifty_digit <= AGREES and report.central <= 1e-7


@pytest.mark.parametrize(
    "name",
    ["truncation-one-step-more", "truncation-one-step-less", "truncation-ignored", "truncated-objective-one-step-more"],
)
def test_a_truncation_off_by_one_step_or_ignored_is_rejected_by_every_check(truncation_reports, name):
    mistake = get_mistake(name)
    report = truncation_reports[mistake.eq_id]
    assert report.controls_rejected == report.controls and not any(name in f for f in report.failures)


@pytest.mark.equation("eq-truncated-objective")
@pytest.mark.parametrize("k", [1, 3, 10])
def test_the_truncated_objective_equals_the_loss_at_the_frozen_point(k: int):
    params, xs, targets = problem(3)
    fp = forward(params, xs, targets, activation="tanh")
    assert truncated_objective(params, xs, targets, k, fp.h, activation="tanh") == pytest.approx(fp.loss, rel=1e-14)


# ---- the truncated gradient is not the gradient of the full loss ------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_truncated_gradient_fails_the_check_of_the_full_loss(activation: str):
    params, xs, targets = problem(4, activation=activation)
    grads = truncated_bptt(params, xs, targets, 2, activation=activation).grads.as_dict()
    full_loss = lambda p: forward(RNNParams(**p), xs, targets, activation=activation).loss  # noqa: E731
    assert not check_gradients(full_loss, params.as_dict(), grads, **CENTRAL).passed


# ---- relations with full BPTT ------------------------------------------------------------------


@pytest.mark.equation("eq-truncated-delta")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("k", [7, 8, 50])
def test_k_at_least_T_is_full_bptt(activation: str, k: int):
    params, xs, targets = problem(5, activation=activation)
    full, truncated = (
        bptt(params, xs, targets, activation=activation),
        truncated_bptt(params, xs, targets, k, activation=activation),
    )
    for name, value in full.grads.as_dict().items():
        np.testing.assert_allclose(truncated.grads.as_dict()[name], value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(truncated.grad_h_0, full.grad_h_0, rtol=1e-12, atol=1e-15)


def test_k_one_below_T_is_not_full_bptt():
    params, xs, targets = problem(5)
    full, truncated = (
        bptt(params, xs, targets, activation="tanh"),
        truncated_bptt(params, xs, targets, 6, activation="tanh"),
    )
    # The one dropped term is ∂L^7/∂z^1. It reaches b_1 but not W_h, whose step-1 term δ^1 (h^0)ᵀ is 0 at h^0 = 0.
    assert relative_error(truncated.grads.grad_b_1, full.grads.grad_b_1) > 1e-8


@pytest.mark.parametrize("k", [1, 3])
def test_output_layer_gradients_do_not_depend_on_the_truncation(k: int):
    params, xs, targets = problem(6)
    full, truncated = (
        bptt(params, xs, targets, activation="tanh"),
        truncated_bptt(params, xs, targets, k, activation="tanh"),
    )
    np.testing.assert_allclose(truncated.grads.grad_U, full.grads.grad_U, rtol=1e-13)
    np.testing.assert_allclose(truncated.grads.grad_b_2, full.grads.grad_b_2, rtol=1e-13)


def test_a_batch_gives_the_sum_of_its_sequences_gradients():
    params, xs, targets = problem(7, B=3)
    batch = truncated_bptt(params, xs, targets, 3, activation="tanh")
    singles = [truncated_bptt(params, xs[b], targets[b], 3, activation="tanh") for b in range(3)]
    np.testing.assert_allclose(batch.grads.grad_W_h, sum(s.grads.grad_W_h for s in singles), rtol=1e-13)
    np.testing.assert_allclose(batch.deltas[1], singles[1].deltas, rtol=1e-13)


def test_a_batch_objective_is_the_sum_of_its_sequences_objectives():
    params, xs, targets = problem(7, B=3)
    frozen = forward(params, xs, targets, activation="tanh").h
    moved = RNNParams(**{name: v * 1.1 for name, v in params.as_dict().items()})
    batch = truncated_objective(moved, xs, targets, 2, frozen, activation="tanh")
    singles = sum(truncated_objective(moved, xs[b], targets[b], 2, frozen[b], activation="tanh") for b in range(3))
    assert batch == pytest.approx(singles, rel=1e-14)


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError), ("3", TypeError)]
)
def test_a_truncation_that_is_not_a_positive_integer_is_refused(k, error):
    params, xs, targets = problem(0)
    with pytest.raises(error, match=r"^k: expected a positive integer number of steps"):
        truncated_bptt(params, xs, targets, k)


def test_frozen_states_of_the_wrong_length_are_refused():
    params, xs, targets = problem(0)
    frozen = forward(params, xs, targets).h
    with pytest.raises(ValueError, match=r"^frozen_h: expected shape \(8, 4\)"):
        truncated_objective(params, xs, targets, 2, frozen[:-1])


def test_bad_inputs_are_reported_as_forward_reports_them():
    params, xs, targets = problem(0)
    with pytest.raises(ValueError, match=r"^targets: expected indices in 0..4"):
        truncated_bptt(params, xs, targets + 5, 2)
