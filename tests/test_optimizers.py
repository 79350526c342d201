"""The update rules (SGD, Adagrad, Adam): each equals its SymPy twin at 50 digits, a wrong version does not,
and each takes the first step its page describes."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from rnn_math.core import optimizers as opt
from rnn_math.verification.engine import models, run_check, verify

#: NumPy against 50 digits: each rule is a few float64 operations per entry.
AGREES = 1e-14
#: A wrong formula must miss by far more than rounding could explain.
DISAGREES = 1e-3

rng = np.random.default_rng(11)
P = rng.standard_normal((3, 4))
G = rng.standard_normal((3, 4)) * 3
ETA = 0.1

# The comparisons with the twins and the wrong formulas live in the engine's "training" declaration.
RULES = [
    pytest.param("eq-sgd-update", marks=pytest.mark.equation("eq-sgd-update"), id="sgd"),
    pytest.param("eq-adagrad-memory", marks=pytest.mark.equation("eq-adagrad-memory"), id="adagrad-memory"),
    pytest.param("eq-adagrad-update", marks=pytest.mark.equation("eq-adagrad-update"), id="adagrad-update"),
    pytest.param("eq-adam-moments", marks=pytest.mark.equation("eq-adam-moments"), id="adam-moments"),
    pytest.param("eq-adam-update", marks=pytest.mark.equation("eq-adam-update"), id="adam-update"),
]


def outcome_of(eq_id: str):
    """The training declaration's 50-digit check of `eq_id`, run on the rule and on its catalogued wrong versions."""
    training = next(m for m in models() if m.name == "training")
    (check,) = [c for c in training.checks() if c.equations == (eq_id,)]
    return run_check(check, [m for m in training.mistakes if eq_id in m.eq_ids])


@pytest.mark.parametrize("eq_id", RULES)
def test_numpy_equals_its_sympy_twin_at_50_digits(eq_id):
    (report,) = verify(equation=eq_id)
    assert report.model == "training" and report.passed, report.failures
    assert report.tolerances == {"fifty_digit": AGREES} and report.fifty_digit <= AGREES


@pytest.mark.parametrize("eq_id", RULES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(eq_id):
    outcome = outcome_of(eq_id)
    assert outcome.rejected and all(outcome.rejected.values()), outcome.rejected
    for name, measured in outcome.mistake_outputs.items():
        assert max(measured["fifty_digit"].values()) > DISAGREES, name


# --- Adagrad ------------------------------------------------------------------------------------


@pytest.mark.equation("eq-adagrad-update")
def test_the_first_adagrad_step_moves_every_entry_by_eta_whatever_its_gradient():
    # With M = g² after one step, |Δ| = η |g| / sqrt(g² + ε) ≈ η: the page's claim.
    memory = opt.adagrad_memory(np.zeros_like(G), G)
    step = P - opt.adagrad_update(P, G, memory, ETA)
    np.testing.assert_allclose(np.abs(step), ETA, rtol=1e-6)
    assert not np.allclose(np.abs(P - opt.sgd_update(P, G, ETA)), ETA, rtol=1e-6)


# --- Adam ---------------------------------------------------------------------------------------


@pytest.mark.equation("eq-adam-moments", "eq-adam-update")
def test_the_first_adam_step_moves_every_entry_by_the_learning_rate_against_its_gradient():
    # After one step m̂ = g and v̂ = g², so the step is η·g/|g| = η·sign(g) (up to ε).
    g = np.array([[3.0, -1e-3], [0.5, -40.0]])
    m, v = opt.adam_moments(np.zeros_like(g), np.zeros_like(g), g, 0.9, 0.999)
    step = opt.adam_update(np.zeros_like(g), m, v, 1, 0.01, 0.9, 0.999, 1e-12)
    np.testing.assert_allclose(step, -0.01 * np.sign(g), rtol=1e-8)


@pytest.mark.equation("eq-adam-update")
def test_without_bias_correction_the_first_step_would_be_three_times_too_large():
    # m = 0.1 g and v = 0.001 g² after one step: m/√v = 0.1/√0.001 ≈ 3.16, not 1.
    g = np.array([2.0])
    m, v = opt.adam_moments(np.zeros(1), np.zeros(1), g, 0.9, 0.999)
    uncorrected = -0.01 * m / (np.sqrt(v) + 1e-12)  # the plausible mistake
    corrected = opt.adam_update(np.zeros(1), m, v, 1, 0.01, 0.9, 0.999, 1e-12)
    assert abs(uncorrected[0]) > 3 * abs(corrected[0])


@pytest.mark.equation("eq-adam-update")
def test_a_decay_rate_of_zero_means_no_averaging_and_no_bias_to_correct():
    param, m, v = np.array([1.0]), np.array([0.5]), np.array([4.0])
    # beta_1 = 0: no bias to correct (1 - 0^n = 1); beta_2 = 0.5 at n = 1: v_hat = v / 0.5.
    step = opt.adam_update(param, m, v, 1, 0.1, 0.0, 0.5, 1e-8)
    np.testing.assert_allclose(step, param - 0.1 * m / (np.sqrt(v / 0.5) + 1e-8), rtol=1e-15)


def _exact_first_steps(beta_1: float, beta_2: float, n: int) -> float:
    """The Adam step of an entry with m = v = 1, η = 1, ε = 0, at 50 digits from the exact floats."""
    with mpmath.workdps(50):
        b1, b2 = mpmath.mpf(beta_1), mpmath.mpf(beta_2)
        return float(-(1 / (1 - b1**n)) / mpmath.sqrt(1 / (1 - b2**n)))


@pytest.mark.equation("eq-adam-update")
def test_the_bias_correction_is_exact_to_rounding_when_beta_is_near_one():
    beta_1, beta_2, n = 0.9, 1 - 1e-10, 3  # 1 − β₂³ ≈ 3·10⁻¹⁰: β₂³ is within 10⁻⁹ of 1
    step = opt.adam_update(np.zeros(1), np.ones(1), np.ones(1), n, 1.0, beta_1, beta_2, 0.0)
    assert step[0] == pytest.approx(_exact_first_steps(beta_1, beta_2, n), rel=1e-15, abs=0)


def test_the_textbook_bias_correction_one_minus_beta_to_the_n_is_rejected_by_the_same_check():
    beta_1, beta_2, n = 0.9, 1 - 1e-10, 3
    textbook = -(1 / (1 - beta_1**n)) / np.sqrt(1 / (1 - beta_2**n))  # βⁿ rounded, then 1 − βⁿ cancels
    assert textbook != pytest.approx(_exact_first_steps(beta_1, beta_2, n), rel=1e-15, abs=0)
