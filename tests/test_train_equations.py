"""The training equations: each NumPy function equals its SymPy twin at 50 digits, and a wrong version does not."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math.apps.training import metrics, sampling
from rnn_math.rnn.forward import step_loss
from rnn_math.symbolic import training as sym
from rnn_math.verification.evaluate import evaluate, exact, relative_error, to_matrix

#: NumPy against 50 digits: each of these is a few float64 operations.
AGREES = 1e-14
#: A wrong formula must miss by far more than rounding could explain.
DISAGREES = 1e-3

rng = np.random.default_rng(11)
P = rng.standard_normal((3, 4))
G = rng.standard_normal((3, 4)) * 3
M = rng.uniform(0.5, 4.0, (3, 4))
ETA = 0.1
THETA = rng.uniform(-3, 3, 6)
NATS = 1.7


def case_loss_per_char():
    targets = rng.integers(0, 6, 5)
    thetas = rng.uniform(-3, 3, (5, 6))
    losses = step_loss(thetas, targets)
    twin = sym.loss_per_char([exact(v) for v in losses])
    wrong = float(np.sum(losses)) / 4  # T − 1 in the denominator
    return metrics.loss_per_char(float(np.sum(losses)), 5), evaluate(twin), wrong


def case_bits():
    wrong = NATS / math.log(10)  # the wrong base
    return metrics.bits_per_char(NATS), evaluate(sym.bits_per_char(exact(NATS))), wrong


def case_perplexity():
    wrong = 2**NATS  # base 2 with a loss in nats
    return metrics.perplexity(NATS), evaluate(sym.perplexity(exact(NATS))), wrong


def case_uniform():
    wrong = math.log2(27)  # bits where nats are meant
    return metrics.uniform_loss(27), evaluate(sym.uniform_loss(27)), wrong


def case_smoothed():
    beta, previous, current = 0.99, 3.2, 2.1
    wrong = (1 - beta) * previous + beta * current  # weights swapped
    twin = sym.smoothed_loss(exact(previous), exact(current), exact(beta))
    return metrics.smoothed_loss(previous, current, beta), evaluate(twin), wrong


def case_temperature():
    tau = 0.7
    twin = sym.sampling_distribution(to_matrix(THETA), exact(tau))
    e = np.exp(THETA * tau)
    wrong = e / e.sum()  # multiplied by τ instead of divided
    return sampling.sampling_distribution(THETA, tau), evaluate(twin), wrong


CASES = [
    pytest.param(case_loss_per_char, marks=pytest.mark.equation("eq-loss-per-char"), id="loss-per-char"),
    pytest.param(case_bits, marks=pytest.mark.equation("eq-bits-per-char"), id="bits"),
    pytest.param(case_perplexity, marks=pytest.mark.equation("eq-perplexity"), id="perplexity"),
    pytest.param(case_uniform, marks=pytest.mark.equation("eq-uniform-loss"), id="uniform"),
    pytest.param(case_smoothed, marks=pytest.mark.equation("eq-smoothed-loss"), id="smoothed"),
    pytest.param(case_temperature, marks=pytest.mark.equation("eq-sample-temperature"), id="temperature"),
]


@pytest.mark.parametrize("case", CASES)
def test_numpy_equals_its_sympy_twin_at_50_digits(case: Callable):
    numpy_value, twin_value, _ = case()
    assert relative_error(numpy_value, twin_value) <= AGREES


@pytest.mark.parametrize("case", CASES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(case: Callable):
    _, twin_value, wrong_value = case()
    assert relative_error(wrong_value, twin_value) > DISAGREES


@pytest.mark.equation("eq-uniform-loss")
def test_the_uniform_loss_is_the_cross_entropy_of_equal_logits():
    # Equal logits give every character 1/|V|: the step loss must then be log |V| whatever the target.
    V = 26
    assert step_loss(np.zeros(V), np.array(7)) == pytest.approx(metrics.uniform_loss(V), rel=1e-15)
    assert step_loss(np.zeros(V), np.array(7)) != pytest.approx(math.log2(V), rel=1e-3)


@pytest.mark.equation("eq-perplexity", "eq-bits-per-char")
def test_perplexity_is_two_to_the_bits_exactly():
    nats = sp.Symbol("l", positive=True)
    assert sp.simplify(sym.perplexity(nats) - 2 ** sym.bits_per_char(nats)) == 0
    assert sp.simplify(sym.perplexity(nats) - 10 ** sym.bits_per_char(nats)) != 0


@pytest.mark.equation("eq-sample-temperature")
def test_temperature_one_is_the_models_own_softmax_and_low_temperature_sharpens():
    from rnn_math.rnn.forward import softmax

    np.testing.assert_allclose(sampling.sampling_distribution(THETA, 1.0), softmax(THETA), rtol=1e-15)
    cold = sampling.sampling_distribution(THETA, 0.05)
    assert cold.argmax() == THETA.argmax() and cold.max() > softmax(THETA).max()


def test_temperature_stays_finite_at_extreme_logits():
    p = sampling.sampling_distribution(np.array([1e4, -1e4, 0.0]), 1e-3)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
