"""The training equations: each NumPy function equals its SymPy twin at 50 digits, and a wrong version does not."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from rnn_math.apps.training import metrics, sampling
from rnn_math.rnn.forward import step_loss
from rnn_math.symbolic import training as sym
from rnn_math.verification.engine import verify

THETA = np.random.default_rng(11).uniform(-3, 3, 6)

#: The measures of training and sampling; the update rules have their own test file.
MEASURES = (
    "eq-loss-per-char",
    "eq-bits-per-char",
    "eq-perplexity",
    "eq-uniform-loss",
    "eq-smoothed-loss",
    "eq-sample-temperature",
)


@pytest.mark.equation(
    "eq-loss-per-char",
    "eq-bits-per-char",
    "eq-perplexity",
    "eq-uniform-loss",
    "eq-smoothed-loss",
    "eq-sample-temperature",
)
@pytest.mark.parametrize("eq_id", MEASURES)
def test_the_engine_finds_numpy_equal_to_its_twin_at_50_digits_and_rejects_the_wrong_formula(eq_id):
    # The comparison and the catalogued wrong version live in the "training" declaration.
    (report,) = verify(equation=eq_id)
    assert report.model == "training" and report.passed, report.failures
    assert report.fifty_digit <= 1e-14
    assert report.controls >= 1 and report.controls_rejected == report.controls


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
