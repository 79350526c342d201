"""Truncated BPTT is the exact gradient of the objective L̃_k, and of no neighbouring one.

The gradient check differentiates L̃_k itself (with the stop-gradient states held at their
forward values), so it can tell k from k − 1 and k + 1, and from the full gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.forward import forward
from rnn_math.verification.gradcheck import check_gradients
from rnn_math.rnn.params import RNNParams
from rnn_math.symbolic.rnn import truncated as sym
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix
from rnn_math.rnn.truncated import truncated_bptt, truncated_deltas, truncated_objective

AGREES = 1e-13
DISAGREES = 1e-3
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


def objective_of(params, xs, targets, k, activation):
    """L̃_k as a function of the parameters, the stop-gradient states frozen at `params`."""
    frozen = forward(params, xs, targets, activation=activation).h
    return lambda p: truncated_objective(RNNParams(**p), xs, targets, k, frozen, activation=activation)


# ---- twins at 50 digits ------------------------------------------------------------------------

@pytest.mark.equation("eq-truncated-delta")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("k", [1, 3])
def test_truncated_deltas_equal_their_jacobian_twin_and_reject_one_step_more(activation: str, k: int):
    params, xs, targets = problem(1, T=5, activation=activation)
    result = truncated_bptt(params, xs, targets, k, activation=activation)
    z, out = result.forward.z, result.output_grads
    args = (to_matrix(params.U), to_matrix(params.W_h), [to_matrix(o) for o in out], [to_matrix(v) for v in z])
    twin = np.stack([evaluate(sym.truncated_delta(*args, s, k, activation)).ravel() for s in range(1, 6)])
    assert relative_error(result.deltas, twin) <= AGREES
    wrong = truncated_deltas(params.U, params.W_h, out, z, k + 1, activation)
    assert relative_error(wrong, twin) > DISAGREES


@pytest.mark.equation("eq-truncated-objective")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncated_objective_equals_its_twin_away_from_the_frozen_point(activation: str):
    params, xs, targets = problem(2, T=5, activation=activation)
    frozen = forward(params, xs, targets, activation=activation).h
    moved = RNNParams(**{name: v + 0.05 for name, v in params.as_dict().items()})
    numpy_value = truncated_objective(moved, xs, targets, 2, frozen, activation=activation)
    twin = sym.truncated_objective(
        *(to_matrix(v) for v in moved.as_dict().values()), [to_matrix(x) for x in xs], list(targets), 2,
        [to_matrix(h) for h in frozen], activation,
    )
    assert relative_error(numpy_value, evaluate(twin)) <= AGREES
    off_by_one = truncated_objective(moved, xs, targets, 3, frozen, activation=activation)
    assert relative_error(off_by_one, evaluate(twin)) > 1e-6


@pytest.mark.equation("eq-truncated-objective")
@pytest.mark.parametrize("k", [1, 3, 10])
def test_the_truncated_objective_equals_the_loss_at_the_frozen_point(k: int):
    params, xs, targets = problem(3)
    fp = forward(params, xs, targets, activation="tanh")
    assert truncated_objective(params, xs, targets, k, fp.h, activation="tanh") == pytest.approx(fp.loss, rel=1e-14)


# ---- the gradient of THAT objective, by central differences ------------------------------------

@pytest.mark.equation("eq-truncated-objective", "eq-truncated-delta")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_truncated_bptt_is_the_gradient_of_the_truncated_objective(activation: str, k: int):
    params, xs, targets = problem(4, activation=activation)
    grads = truncated_bptt(params, xs, targets, k, activation=activation).grads.as_dict()
    report = check_gradients(objective_of(params, xs, targets, k, activation), params.as_dict(), grads, **CENTRAL)
    assert report.passed, str(report)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("k, off", [(2, 1), (2, -1), (4, 1), (4, -1)])
def test_a_truncation_off_by_one_step_fails_the_gradient_check(activation: str, k: int, off: int):
    params, xs, targets = problem(4, activation=activation)
    wrong = truncated_bptt(params, xs, targets, k + off, activation=activation).grads.as_dict()
    report = check_gradients(objective_of(params, xs, targets, k, activation), params.as_dict(), wrong, **CENTRAL)
    assert report.row("W_h", "central").normwise_error > DISAGREES


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_full_gradient_fails_the_check_of_the_truncated_objective(activation: str):
    params, xs, targets = problem(4, activation=activation)
    full = bptt(params, xs, targets, activation=activation).grads.as_dict()
    report = check_gradients(objective_of(params, xs, targets, 2, activation), params.as_dict(), full, **CENTRAL)
    assert not report.passed


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
    full, truncated = bptt(params, xs, targets, activation=activation), truncated_bptt(params, xs, targets, k, activation=activation)
    for name, value in full.grads.as_dict().items():
        np.testing.assert_allclose(truncated.grads.as_dict()[name], value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(truncated.grad_h_0, full.grad_h_0, rtol=1e-12, atol=1e-15)


def test_k_one_below_T_is_not_full_bptt():
    params, xs, targets = problem(5)
    full, truncated = bptt(params, xs, targets, activation="tanh"), truncated_bptt(params, xs, targets, 6, activation="tanh")
    # The one dropped term is ∂L^7/∂z^1. It reaches b_1 but not W_h, whose step-1 term δ^1 (h^0)ᵀ is 0 at h^0 = 0.
    assert relative_error(truncated.grads.grad_b_1, full.grads.grad_b_1) > 1e-8


@pytest.mark.parametrize("k", [1, 3])
def test_output_layer_gradients_do_not_depend_on_the_truncation(k: int):
    params, xs, targets = problem(6)
    full, truncated = bptt(params, xs, targets, activation="tanh"), truncated_bptt(params, xs, targets, k, activation="tanh")
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

@pytest.mark.parametrize("k, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError), ("3", TypeError)])
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

