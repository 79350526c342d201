"""The RNN's 50-digit reference, called directly (not through a cache), against BPTT per gradient.

The saturation tests read references from a cache filled once per process, so they cannot judge
an edit of rnn_math/rnn/reference.py; these tests compute every reference they check. BPTT and the
reference share no code, so their agreement to 1e-12 on every gradient checks each against the
other, and a wrong edit of either shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.reference import reference_bptt

PARAMS = RNNParams.random(d=3, D_h=4, V=5, seed=7)
XS = np.eye(3)[[0, 2, 1, 1]]
TARGETS = np.array([4, 0, 2, 3])
BATCH_XS = np.stack([XS, np.eye(3)[[2, 2, 0, 1]]])
BATCH_TARGETS = np.stack([TARGETS, np.array([1, 1, 0, 4])])


def normwise(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def assert_agrees(result, reference) -> None:
    assert reference.loss == pytest.approx(result.loss, rel=1e-12)
    computed = {**result.grads.as_dict(), "h_0": result.grad_h_0, "xs": result.grad_xs}
    assert set(computed) == set(reference.grads)
    for name, value in computed.items():
        assert reference.grads[name].shape == np.shape(value), name
        assert normwise(value, reference.grads[name]) <= 1e-12, name


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_one_sequence_agrees_with_bptt_on_every_gradient(activation):
    assert_agrees(
        bptt(PARAMS, XS, TARGETS, activation=activation), reference_bptt(PARAMS, XS, TARGETS, activation=activation)
    )


def test_the_default_activation_is_the_sigmoid():
    assert_agrees(bptt(PARAMS, XS, TARGETS, activation="sigmoid"), reference_bptt(PARAMS, XS, TARGETS))


@pytest.mark.parametrize(
    "h_0",
    [None, np.full(4, 0.3), np.array([[0.3, -0.2, 0.1, 0.0], [0.5, 0.5, -0.5, 0.25]])],
    ids=["zeros", "shared", "per-sequence"],
)
def test_a_batch_agrees_with_bptt_on_every_gradient_for_each_kind_of_initial_state(h_0):
    assert_agrees(
        bptt(PARAMS, BATCH_XS, BATCH_TARGETS, activation="tanh", h_0=h_0),
        reference_bptt(PARAMS, BATCH_XS, BATCH_TARGETS, activation="tanh", h_0=h_0),
    )


def test_one_sequence_with_a_given_initial_state_agrees_with_bptt():
    h_0 = np.array([0.9, -0.9, 0.5, -0.1])
    assert_agrees(
        bptt(PARAMS, XS, TARGETS, activation="tanh", h_0=h_0),
        reference_bptt(PARAMS, XS, TARGETS, activation="tanh", h_0=h_0),
    )


def test_a_saturated_sequence_agrees_with_bptt_on_every_gradient():
    values = PARAMS.as_dict()
    saturated = RNNParams(
        **{**values, "b_1": np.array([30.0, -35.0, 40.0, -45.0]), "b_2": np.array([60.0, 0, 0, 0, 0])}
    )
    for activation in ("sigmoid", "tanh"):
        assert_agrees(
            bptt(saturated, XS, TARGETS, activation=activation),
            reference_bptt(saturated, XS, TARGETS, activation=activation),
        )


def test_float32_parameters_are_read_at_their_exact_values():
    p32 = RNNParams(**{name: value.astype(np.float32) for name, value in PARAMS.as_dict().items()})
    p64 = RNNParams(**{name: value.astype(np.float64) for name, value in p32.as_dict().items()})
    reference = reference_bptt(p32, XS.astype(np.float32), TARGETS, activation="tanh")
    assert_agrees(bptt(p64, XS, TARGETS, activation="tanh"), reference)


def test_the_largest_pre_activation_and_logit_are_those_of_the_forward_pass():
    result = bptt(PARAMS, BATCH_XS, BATCH_TARGETS, activation="tanh")
    reference = reference_bptt(PARAMS, BATCH_XS, BATCH_TARGETS, activation="tanh")
    assert reference.max_abs_pre_activation == pytest.approx(float(np.max(np.abs(result.forward.z))), rel=1e-12)
    assert reference.max_abs_logit == pytest.approx(float(np.max(np.abs(result.forward.theta))), rel=1e-12)


def test_inputs_and_targets_of_different_lengths_are_refused():
    with pytest.raises(ValueError):
        reference_bptt(PARAMS, XS, TARGETS[:3], activation="tanh")


def test_the_largest_logit_is_taken_over_every_step_not_only_the_last():
    values = PARAMS.as_dict()
    xs = np.eye(3)[[0, 1]]
    louder_first = RNNParams(
        **{
            **values,
            "W_h": values["W_h"] * 0,
            "b_1": np.zeros(4),
            "b_2": np.zeros(5),
            "W_e": np.array([[5.0, 0, 0]] * 4),
            "U": np.ones((5, 4)),
        }
    )
    result = bptt(louder_first, xs, np.array([0, 1]), activation="tanh")
    reference = reference_bptt(louder_first, xs, np.array([0, 1]), activation="tanh")
    assert np.max(np.abs(result.forward.theta[0])) > np.max(np.abs(result.forward.theta[1]))
    assert reference.max_abs_logit == pytest.approx(float(np.max(np.abs(result.forward.theta))), rel=1e-12)


def test_a_sigmoid_sequence_with_pre_activations_between_zero_and_one_agrees_with_bptt():
    positive = RNNParams(**{**PARAMS.as_dict(), "b_1": np.array([0.3, 0.5, 0.7, 0.8])})
    result = bptt(positive, XS, TARGETS, activation="sigmoid")
    assert np.all((result.forward.z > 0) & (result.forward.z < 1))
    assert_agrees(result, reference_bptt(positive, XS, TARGETS, activation="sigmoid"))


def test_an_unknown_activation_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"^activation: expected 'sigmoid' or 'tanh', got 'relu'$"):
        reference_bptt(PARAMS, XS, TARGETS, activation="relu")


def test_a_batch_with_fewer_target_rows_than_sequences_is_refused():
    with pytest.raises(ValueError):
        reference_bptt(PARAMS, BATCH_XS, BATCH_TARGETS[:1], activation="tanh")
