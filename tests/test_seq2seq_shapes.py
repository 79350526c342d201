"""Shapes follow the inputs: one sentence gives results without a batch axis, forward and backward alike."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from rnn_math.seq2seq import Seq2SeqParams, backward, forward

P = Seq2SeqParams.random(4, 5, D_h=3, d_en=2, d_hi=2, seed=0)
SOURCE, TARGETS = np.array([[1, 0, 3], [2, 2, 1]]), np.array([[4, 0], [1, 4]])  # B = 2, T = 3, T' = 2
ERRORS = ("output_grads", "deltas_dec", "grad_context", "deltas_enc")


def test_backward_on_one_sentence_gives_errors_without_a_batch_axis():
    result = backward(P, SOURCE[0], TARGETS[0])
    shapes = {name: getattr(result, name).shape for name in ERRORS}
    assert shapes == {"output_grads": (2, 5), "deltas_dec": (2, 3), "grad_context": (3,), "deltas_enc": (3, 3)}


def test_backward_on_a_batch_keeps_the_batch_axis():
    result = backward(P, SOURCE, TARGETS)
    shapes = {name: getattr(result, name).shape for name in ERRORS}
    assert shapes == {
        "output_grads": (2, 2, 5),
        "deltas_dec": (2, 2, 3),
        "grad_context": (2, 3),
        "deltas_enc": (2, 3, 3),
    }


def test_backward_on_one_sentence_carries_the_forward_pass_of_one_sentence():
    single = forward(P, SOURCE[0], TARGETS[0])
    carried = backward(P, SOURCE[0], TARGETS[0]).forward
    for field in fields(single):
        value = getattr(single, field.name)
        if isinstance(value, np.ndarray):
            assert getattr(carried, field.name).shape == value.shape, field.name
            np.testing.assert_array_equal(getattr(carried, field.name), value)
        else:
            assert getattr(carried, field.name) == value


@pytest.mark.parametrize("name", ERRORS)
def test_one_sentence_has_the_errors_of_a_batch_of_one(name):
    single = backward(P, SOURCE[1], TARGETS[1])
    batch_of_one = backward(P, SOURCE[1:], TARGETS[1:])
    np.testing.assert_array_equal(getattr(single, name), getattr(batch_of_one, name)[0])


@pytest.mark.parametrize(("source", "targets"), [(SOURCE[0], TARGETS[0]), (SOURCE, TARGETS)], ids=["one", "batch"])
def test_every_gradient_has_the_shape_of_its_parameter(source, targets):
    grads = backward(P, source, targets).grads.as_dict()
    assert {name: g.shape for name, g in grads.items()} == {name: v.shape for name, v in P.as_dict().items()}


def test_the_decoder_pre_activations_are_kept_with_the_states():
    one, batch = forward(P, SOURCE[0], TARGETS[0]), forward(P, SOURCE, TARGETS)
    assert (one.a.shape, batch.a.shape) == ((2, 3), (2, 2, 3))
    np.testing.assert_array_equal(np.tanh(batch.a), batch.s[:, 1:])
