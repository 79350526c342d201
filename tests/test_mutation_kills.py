"""Behaviour that mutation testing found unpinned: defaults, dtypes and the one-sequence layout."""

from __future__ import annotations

import numpy as np

from rnn_math.activations import sigmoid, sigmoid_derivative
from rnn_math.bptt import delta
from rnn_math.forward import forward, hidden_state
from rnn_math.params import RNNParams

Z = np.array([-2.0, 0.0, 0.5, 3.0])


def test_the_default_activation_of_the_hidden_state_is_the_sigmoid():
    np.testing.assert_array_equal(hidden_state(Z), sigmoid(Z))


def test_the_default_activation_of_delta_is_the_sigmoid():
    grad_h = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_array_equal(delta(grad_h, Z), grad_h * sigmoid_derivative(Z))


def test_the_sigmoid_of_integers_is_a_float_array_of_the_right_values():
    result = sigmoid(np.array([0, 1, -1]))
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [0.5, 1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))], rtol=1e-15)


def test_a_single_sequence_keeps_its_step_losses_which_sum_to_the_loss():
    params = RNNParams.random(d=2, D_h=3, V=4, seed=0)
    xs, targets = np.random.default_rng(0).standard_normal((5, 2)), np.array([0, 3, 1, 1, 2])
    single = forward(params, xs, targets)
    assert single.step_losses.shape == (5,)
    assert single.step_losses.sum() == forward(params, xs[None], targets[None]).loss
