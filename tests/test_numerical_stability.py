"""Sigmoid, softmax and the loss stay finite, without overflow warnings, at extreme inputs.

pyproject.toml turns every RuntimeWarning (overflow, invalid value) into an error, so each of
these tests also fails if NumPy merely warns.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from rnn_math.core.activations import sigmoid, sigmoid_derivative, tanh_derivative
from rnn_math.rnn.forward import softmax, step_loss

EXTREME = np.array([-1e4, -750.0, -40.0, 0.0, 40.0, 750.0, 1e4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_saturates_to_exactly_0_and_1_without_overflow(dtype):
    s = sigmoid(EXTREME.astype(dtype))
    assert s.dtype == dtype
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.diff(s) >= 0)


def test_activation_derivatives_vanish_but_stay_finite_at_saturation():
    assert np.all(np.isfinite(sigmoid_derivative(EXTREME)))
    assert sigmoid_derivative(EXTREME)[0] == 0.0 and tanh_derivative(EXTREME)[-1] == 0.0


#: Points in both tails, where σ'(z) is small and the textbook forms cancel.
TAILS = np.array([-36.0, -25.0, -8.0, 8.0, 18.0, 25.0, 36.0])
#: Relative to its own value, σ' must be exact to a few roundings in float64.
TAIL_ACCURACY = 1e-14


def reference_derivatives(z: float) -> tuple[float, float]:
    """sigmoid'(z) and tanh'(z) at 50 digits: σ(z)(1 − σ(z)) and 1/cosh²(z)."""
    with mpmath.workdps(50):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        return float(s * (1 - s)), float(1 / mpmath.cosh(mpmath.mpf(z)) ** 2)


def tail_error(derivative, which: int) -> float:
    want = np.array([reference_derivatives(z)[which] for z in TAILS])
    return float(np.max(np.abs(derivative(TAILS) - want) / want))


@pytest.mark.equation("eq-sigmoid-derivative")
def test_sigmoid_derivative_is_accurate_relative_to_its_value_in_both_tails():
    assert tail_error(sigmoid_derivative, 0) < TAIL_ACCURACY


@pytest.mark.equation("eq-tanh-derivative")
def test_tanh_derivative_is_accurate_relative_to_its_value_in_both_tails():
    assert tail_error(tanh_derivative, 1) < TAIL_ACCURACY


@pytest.mark.parametrize("derivative", [sigmoid_derivative, tanh_derivative], ids=["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_derivatives_keep_the_dtype_of_z(derivative, dtype):
    assert derivative(TAILS.astype(dtype)).dtype == dtype


def test_the_textbook_forms_fail_the_same_tail_accuracy_check():
    """Negative control: s(1 − s) and 1 − tanh² cancel in the tails, and the check sees it."""

    def textbook_sigmoid(z):
        s = sigmoid(z)
        return s * (1.0 - s)

    assert tail_error(textbook_sigmoid, 0) > 1e-6
    assert tail_error(lambda z: 1.0 - np.tanh(z) ** 2, 1) > 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_huge_logits_is_a_finite_distribution(dtype):
    y = softmax(np.array([1e4, -1e4, 0.0, 1e4 - 1.0], dtype=dtype))
    assert np.all(np.isfinite(y))
    assert y.sum() == pytest.approx(1.0, rel=1e-6)
    assert y[0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-6)


def test_the_loss_of_a_confidently_wrong_prediction_is_large_and_finite():
    theta = np.array([1e4, -1e4, 0.0])
    assert step_loss(theta, np.array(1)) == pytest.approx(2e4, rel=1e-12)
    assert step_loss(theta, np.array(0)) == 0.0


def test_the_loss_of_float32_logits_of_1e4_is_finite():
    theta = np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=np.float32)
    losses = step_loss(theta, np.array([1, 1]))
    assert np.all(np.isfinite(losses)) and losses[1] == 0.0


# Confident predictions: ŷ_k − 1 and −log ŷ_k are computed without cancellation.

CONFIDENT = np.array([[0.0, -46.0, -50.0, -1000.0]])  # target 0 wins; the others' probability is about 1e-20


def confident_truth():
    with mpmath.workdps(50):
        rest = mpmath.fsum(mpmath.exp(mpmath.mpf(float(t))) for t in CONFIDENT[0, 1:])
        loss = mpmath.log1p(rest)
        y_hat = [mpmath.exp(mpmath.mpf(float(t)) - loss) for t in CONFIDENT[0]]
        return float(loss), [float(-mpmath.fsum(y_hat[1:]))] + [float(v) for v in y_hat[1:]]


def test_the_target_entry_of_the_output_gradient_is_exact_for_a_confident_prediction():
    from rnn_math.rnn.bptt import output_gradient

    _, truth = confident_truth()
    got = output_gradient(softmax(CONFIDENT), np.array([0]))[0]
    np.testing.assert_allclose(got, truth, rtol=1e-14, atol=0)
    assert softmax(CONFIDENT)[0, 0] - 1 == 0  # the textbook ŷ_k − 1 loses it entirely (negative control)


def test_the_step_loss_is_exact_for_a_confident_prediction():
    loss, _ = confident_truth()
    assert step_loss(CONFIDENT, np.array([0]))[0] == pytest.approx(loss, rel=1e-14)
    theta = CONFIDENT[0]
    assert np.log(np.sum(np.exp(theta - theta.max()))) - (theta[0] - theta.max()) == 0  # logsumexp form: 0


def test_the_fast_path_loss_and_output_gradient_are_exact_for_a_confident_prediction():
    from rnn_math.rnn.bptt import bptt
    from rnn_math.rnn.params import RNNParams

    # One hidden unit at h = tanh(0) = 0 leaves θ = b_2: the confident logits themselves.
    params = RNNParams(W_h=np.zeros((1, 1)), W_e=np.zeros((1, 1)), b_1=np.zeros(1), U=np.ones((4, 1)), b_2=CONFIDENT[0])
    result = bptt(params, np.zeros((1, 1)), np.array([0]), activation="tanh")
    loss, truth = confident_truth()
    assert result.loss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(result.output_grads[0], truth, rtol=1e-14, atol=0)
    np.testing.assert_allclose(result.grads.grad_b_2, truth, rtol=1e-14, atol=0)


def test_the_loss_of_a_losing_target_keeps_the_logsumexp_form():
    theta = np.array([[0.0, 1000.0, -3.0]])
    assert step_loss(theta, np.array([0]))[0] == pytest.approx(1000.0, rel=1e-15)
