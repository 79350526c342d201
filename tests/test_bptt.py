"""BPTT: every gradient equals its SymPy twin at 50 digits, finite differences and complex step; tied = Σ copies.

The checks are the verification engine's, declared once in ``rnn_math.rnn.declaration``: these tests
run them (and the catalogue of mistakes through them) and read what they measured. What the engine
does not check stays here: a model the size of min-char-rnn, batches, shapes, the slope at z.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pytest

from rnn_math.core.activations import get_activation
from rnn_math.rnn import bptt as np_bptt
from rnn_math.rnn import declaration as rnn_declaration
from rnn_math.rnn.declaration import gradient_outputs, small_problem
from rnn_math.rnn.mistakes import all_mistakes, rnn_gradients
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.unrolled import sequence_loss, step_contributions, untie, untied_loss
from rnn_math.verification.engine import equation_report, models, run_check
from rnn_math.verification.gradcheck import DEFAULT_TOLERANCES, check_gradients

#: NumPy against SymPy at 50 digits: float64 rounding through a few steps of products and sums.
AGREES = 1e-12
#: A wrong formula misses by orders of magnitude more than rounding could explain.
DISAGREES = 1e-3

BPTT_IDS = (
    "eq-bptt-output-grad",
    "eq-bptt-grad-u",
    "eq-bptt-grad-b2",
    "eq-bptt-hidden-grad",
    "eq-bptt-delta",
    "eq-bptt-grad-wh",
    "eq-bptt-grad-we",
    "eq-bptt-grad-b1",
    "eq-bptt-grad-h0",
    "eq-bptt-grad-x",
)
ACTIVATIONS = ("sigmoid", "tanh")
RNN = next(m for m in models() if m.name == "rnn")
MISTAKES = [pytest.param(m, id=m.name) for m in RNN.mistakes]

#: Every gradient of the small problem (T = 3), and the errors the 50-digit checks also compare.
GRADIENTS = set(gradient_outputs(3))
WITH_ERRORS = set(gradient_outputs(3, intermediates=True))

# The engine's numerical checks of the RNN, by what they check (the exact proofs: test_symbolic_proofs.py).
FAST = "fast BPTT against the twins at 50 digits, {}"
COMPOSED = "composed BPTT against the twins at 50 digits, {}"
GRADCHECK = "central differences and complex step, {}"
BATCH_GRADCHECK = "central differences and complex step, {}, a batch of 2"
PER_STEP = "per-step copies of the tied weights, {}"
NUMERICAL = (FAST, COMPOSED, GRADCHECK, BATCH_GRADCHECK, PER_STEP)


def declared_check(template: str, activation: str):
    """The RNN declaration's check of this name (built afresh: a test may patch what it calls)."""
    name = template.format(activation)
    return next(c for c in RNN.checks() if c.name == name)


@pytest.fixture(scope="module")
def outcomes():
    """Each numerical check, sigmoid and tanh, run once on the registered equations and on every mistake."""
    checks = {(t, a): declared_check(t, a) for t in NUMERICAL for a in ACTIVATIONS}
    return {key: run_check(check, RNN.mistakes) for key, check in checks.items()}


def worst(outcome, kind: str, mistake=None) -> float:
    measured = outcome.outputs if mistake is None else outcome.mistake_outputs[mistake.name]
    return max(measured[kind].values())


# 50 digits: the fast path and the composer of the registered equations against the twins.


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_numpy_gradient_equals_the_symbolic_gradient_at_50_digits(outcomes, activation):
    for template in (FAST, COMPOSED):
        outcome = outcomes[(template, activation)]
        assert outcome.check.tolerances == {"fifty_digit": AGREES}
        assert set(outcome.outputs["fifty_digit"]) == WITH_ERRORS  # each gradient, δ and ŷ − y on its own
        assert outcome.passed and worst(outcome, "fifty_digit") <= AGREES, outcome.outputs


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_50_digit_comparison_rejects_every_mistake(outcomes, activation, mistake):
    outcome = outcomes[(COMPOSED, activation)]
    assert outcome.rejected[mistake.name]
    assert worst(outcome, "fifty_digit", mistake) > DISAGREES
    # ... and on the outputs of the equation it corrupts, not only somewhere downstream.
    assert outcome.rejects_on(mistake, mistake.eq_id)


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("eq_id", [e for e in BPTT_IDS if e != "eq-bptt-grad-x"])
def test_each_backward_equation_passes_on_its_own_outputs_and_rejects_each_mistake_of_it(outcomes, eq_id):
    report = equation_report(RNN, eq_id, eq_id, list(outcomes.values()))
    assert report.passed, report.failures
    assert report.fifty_digit <= AGREES and report.measured_on
    assert report.controls >= 1 and report.controls_rejected == report.controls


@pytest.fixture
def input_gradient_one_step_late(monkeypatch):
    """The composer with ∂L/∂x^t computed from δ^{t+1} (0 at the last step): no catalogued mistake can write it."""
    composer = rnn_declaration.rnn_gradients

    def late(params, *args, **kwargs):
        result = composer(params, *args, **kwargs)
        later = np.concatenate([result.deltas[..., 1:, :], np.zeros_like(result.deltas[..., :1, :])], axis=-2)
        return dataclasses.replace(result, grad_xs=np_bptt.grad_x(params.W_e, later))

    monkeypatch.setattr(rnn_declaration, "rnn_gradients", late)


@pytest.mark.equation("eq-bptt-grad-x")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_slip_of_one_step_in_the_input_gradients_fails_exactly_their_equation_at_50_digits(
    input_gradient_one_step_late, activation
):
    outcome = run_check(declared_check(COMPOSED, activation), ())
    without_mistakes = dataclasses.replace(RNN, mistakes=())
    failed = {e for e in BPTT_IDS if not equation_report(without_mistakes, e, e, [outcome]).passed}
    assert failed == {"eq-bptt-grad-x"}
    assert min(outcome.outputs["fifty_digit"][f"x_{t}"] for t in (1, 2, 3)) > DISAGREES


@pytest.mark.equation("eq-bptt-grad-x")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_slip_of_one_step_in_the_input_gradients_fails_both_numerical_methods_on_each_step(
    input_gradient_one_step_late, activation
):
    check = declared_check(GRADCHECK, activation)
    outcome = run_check(check, ())
    for kind in ("central", "complex_step"):
        wrong = {name for name, error in outcome.outputs[kind].items() if check.rejects(kind, error)}
        assert wrong == {"x_1", "x_2", "x_3"}, (kind, outcome.outputs[kind])


# Finite differences and complex step.


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("template", [GRADCHECK, BATCH_GRADCHECK], ids=["one-sequence", "batch"])
def test_every_entry_of_every_gradient_passes_central_differences_and_complex_step(outcomes, activation, template):
    outcome = outcomes[(template, activation)]
    assert outcome.check.tolerances == {
        "central": DEFAULT_TOLERANCES["central"],
        "complex_step": DEFAULT_TOLERANCES["complex"],
    }
    for kind in ("central", "complex_step"):
        assert set(outcome.outputs[kind]) == GRADIENTS  # every parameter, h^0 and each step's input
    assert outcome.passed, outcome.outputs


@pytest.mark.parametrize("mistake", MISTAKES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_finite_differences_and_complex_step_each_reject_every_mistake(outcomes, activation, mistake):
    for template in (GRADCHECK, BATCH_GRADCHECK):
        outcome = outcomes[(template, activation)]
        for kind in ("central", "complex_step"):
            assert outcome.check.rejects(kind, worst(outcome, kind, mistake)), (template, kind)


@pytest.fixture(scope="module")
def min_char_rnn():
    """A model the size of min-char-rnn: T = 25, D_h = 100, |V| = 65, one-hot inputs."""
    V_, D_h = 65, 100
    rng_ = np.random.default_rng(25)
    params = RNNParams.random(d=V_, D_h=D_h, V=V_, seed=25, scale=0.1)
    chars = rng_.integers(0, V_, 26)
    return params, np.eye(V_)[chars[:-1]], chars[1:]


@pytest.mark.equation("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_random_entries_of_a_min_char_rnn_sized_model_pass_both_checks(min_char_rnn, activation):
    params, xs, targets = min_char_rnn
    result = np_bptt.bptt(params, xs, targets, activation=activation)
    loss = partial(sequence_loss, xs=xs, targets=targets, activation=activation)
    report = check_gradients(loss, params.as_dict(), result.grads.as_dict(), max_entries=24, seed=3)
    assert report.row("W_h", "central").checked == 24 and report.row("W_h", "central").total == 100 * 100
    assert report.passed, str(report)


def test_a_min_char_rnn_sized_model_rejects_a_dropped_recurrent_term(min_char_rnn):
    params, xs, targets = min_char_rnn
    wrong = rnn_gradients(params, xs, targets, replace=all_mistakes("rnn")[0].numpy_replacement)
    loss = partial(sequence_loss, xs=xs, targets=targets)
    report = check_gradients(
        loss, params.as_dict(), wrong.grads.as_dict(), methods=("central",), max_entries=24, seed=3
    )
    assert {row.parameter for row in report.failures()} == {"W_h", "W_e", "b_1"}


# Tied weights: one copy per step.


@pytest.mark.equation("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_perturbing_only_the_copy_at_step_t_reproduces_the_t_th_term_of_each_sum(outcomes, activation):
    outcome = outcomes[(PER_STEP, activation)]
    for kind in ("central", "complex_step"):
        assert set(outcome.outputs[kind]) == {"W_h", "W_e", "b_1", "U", "b_2"}
    assert outcome.passed, outcome.outputs


def test_the_per_step_terms_sum_to_the_tied_gradient():
    params, xs, targets, h_0 = small_problem(T=4, B=2)
    result = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0)
    terms = step_contributions(result, xs)
    for name, gradient in result.grads.as_dict().items():
        np.testing.assert_allclose(terms[name].sum(axis=0), gradient, rtol=1e-13, atol=1e-15)


@pytest.fixture
def W_h_terms_spread_evenly(monkeypatch):
    """The per-step terms with W_h's sum spread evenly over the steps: right in total, wrong at each step."""

    def spread(result, xs):
        terms = step_contributions(result, xs)
        T = len(terms["W_h"])
        return terms | {"W_h": np.repeat(terms["W_h"].sum(axis=0, keepdims=True) / T, T, axis=0)}

    monkeypatch.setattr(rnn_declaration, "step_contributions", spread)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_copies_check_rejects_a_wrong_term(W_h_terms_spread_evenly, activation):
    check = declared_check(PER_STEP, activation)
    outcome = run_check(check, ())
    assert not outcome.passed
    for kind in ("central", "complex_step"):
        assert [name for name, error in outcome.outputs[kind].items() if not check.passes(kind, error)] == ["W_h"]


def test_equal_copies_give_the_tied_loss():
    params, xs, targets, h_0 = small_problem(T=4)
    tied = np_bptt.bptt(params, xs, targets, h_0=h_0).loss
    assert untied_loss(untie(params.as_dict(), 4), xs, targets, h_0=h_0) == pytest.approx(tied, rel=1e-14)
    assert sequence_loss(params.as_dict(), xs, targets, h_0=h_0) == pytest.approx(tied, rel=1e-14)


# The composer the negative controls use is BPTT itself when nothing is replaced.


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_plain_composition_of_the_equations_equals_bptt(activation):
    params, xs, targets, h_0 = small_problem(B=3)
    fast = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    plain = rnn_gradients(params, xs, targets, activation=activation, h_0=h_0)
    for name, value in fast.grads.as_dict().items():
        np.testing.assert_allclose(plain.grads.as_dict()[name], value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.grad_h_0, fast.grad_h_0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.grad_xs, fast.grad_xs, rtol=1e-12, atol=1e-14)


def test_a_batch_gives_the_sum_of_its_sequences_gradients():
    params, xs, targets, h_0 = small_problem(B=3)
    batch = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0)
    singles = [np_bptt.bptt(params, xs[b], targets[b], activation="tanh", h_0=h_0[b]) for b in range(3)]
    for name, value in batch.grads.as_dict().items():
        np.testing.assert_allclose(value, sum(s.grads.as_dict()[name] for s in singles), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_the_slope_used_is_the_activation_derivative_at_z(activation):
    """δ^t = ∂L/∂h^t ⊙ σ'(z^t) with σ' at z, checked where units saturate (z ≈ +25..+31).

    There 1 − h² and h(1 − h) taken from the stored h are 0 or wrong by orders of magnitude, so a
    slope taken from h fails this check; ∂L/∂h^t is rebuilt from the result's own ŷ − y and δ^{t+1}.
    """
    params, xs, targets, h_0 = small_problem(B=2)
    params = RNNParams(**{**params.as_dict(), "b_1": params.b_1 + 28.0})
    result = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    z, deltas = result.forward.z, result.deltas
    assert np.min(z) > 24.0
    delta_next = np.zeros_like(deltas[:, 0])
    for t in range(z.shape[1] - 1, -1, -1):
        grad_h = result.output_grads[:, t] @ params.U + delta_next @ params.W_h
        expected = grad_h * get_activation(activation).derivative(z[:, t])
        np.testing.assert_allclose(deltas[:, t], expected, rtol=1e-12, atol=0)
        assert np.all(deltas[:, t] != 0)
        delta_next = deltas[:, t]


# ∂L/∂h^0 has the shape of the h_0 passed in (full and truncated BPTT alike).


@pytest.mark.parametrize("backward", ["bptt", "truncated_bptt"])
def test_a_shared_initial_state_gets_the_batch_sum_of_its_gradients(backward):
    from rnn_math.rnn.truncated import truncated_bptt

    params, xs, targets, h_0 = small_problem(B=3)
    run = {
        "bptt": lambda h: np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h),
        "truncated_bptt": lambda h: truncated_bptt(params, xs, targets, 2, activation="tanh", h_0=h),
    }[backward]
    shared = run(h_0[0])
    per_sequence = run(np.broadcast_to(h_0[0], h_0.shape).copy())
    assert shared.grad_h_0.shape == (params.dims.D_h,)
    assert per_sequence.grad_h_0.shape == h_0.shape
    np.testing.assert_allclose(shared.grad_h_0, per_sequence.grad_h_0.sum(axis=0), rtol=1e-14, atol=0)


@pytest.mark.parametrize("backward", ["bptt", "truncated_bptt"])
def test_without_h_0_the_gradient_has_one_row_per_sequence_or_none_for_one_sequence(backward):
    from rnn_math.rnn.truncated import truncated_bptt

    params, xs, targets, _ = small_problem(B=3)
    run = {
        "bptt": lambda x, k: np_bptt.bptt(params, x, k, activation="tanh"),
        "truncated_bptt": lambda x, k: truncated_bptt(params, x, k, 2, activation="tanh"),
    }[backward]
    assert run(xs, targets).grad_h_0.shape == (3, params.dims.D_h)
    assert run(xs[0], targets[0]).grad_h_0.shape == (params.dims.D_h,)


def test_one_sequence_with_a_one_row_h_0_keeps_the_row_axis():
    params, xs, targets, h_0 = small_problem()
    result = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0[None])
    assert result.grad_h_0.shape == (1, params.dims.D_h)
    unbatched = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0)
    np.testing.assert_array_equal(result.grad_h_0[0], unbatched.grad_h_0)
