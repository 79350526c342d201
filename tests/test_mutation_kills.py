"""Behaviour that mutation testing found unpinned: defaults, dtypes and the one-sequence layout."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from rnn_math import seq2seq
from rnn_math.activations import sigmoid, sigmoid_derivative
from rnn_math.bptt import delta
from rnn_math.clipping import global_norm
from rnn_math.forward import forward, hidden_state
from rnn_math.params import RNNParams
from rnn_math.seq2seq import Seq2SeqParams

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


# --- Encoder-decoder ----------------------------------------------------------------------------

S2S = Seq2SeqParams.random(n_en=4, n_hi=5, D_h=3, d_en=2, d_hi=2, seed=0)
SOURCE, TARGETS = np.array([[1, 0, 3], [2, 2, 1]]), np.array([[4, 0], [1, 4]])


def test_an_encoder_decoder_forward_pass_on_one_sentence_drops_the_batch_axis():
    single = seq2seq.forward(S2S, SOURCE[1], TARGETS[1])
    batch_of_one = seq2seq.forward(S2S, SOURCE[1:], TARGETS[1:])
    for field in fields(single):
        value, batched = getattr(single, field.name), getattr(batch_of_one, field.name)
        if isinstance(batched, np.ndarray):
            np.testing.assert_array_equal(value, batched[0])
        else:
            assert value == batched


def test_an_encoder_decoder_forward_pass_on_a_batch_keeps_the_batch_axis():
    result = seq2seq.forward(S2S, SOURCE, TARGETS)
    assert result.s.shape == (2, 3, 3)
    assert result.p.shape == (2, 2, 5)
    sentence_losses = [seq2seq.forward(S2S, SOURCE[b], TARGETS[b]).loss for b in range(2)]
    np.testing.assert_allclose(result.loss, sum(sentence_losses), rtol=1e-15)  # the same sum, in another order


def test_a_float32_encoder_decoder_computes_its_states_in_float32():
    params = Seq2SeqParams.random(n_en=4, n_hi=5, D_h=3, d_en=2, d_hi=2, seed=0, dtype=np.float32)
    result = seq2seq.forward(params, SOURCE, TARGETS)
    assert (result.z.dtype, result.h.dtype, result.s.dtype, result.o.dtype) == (np.float32,) * 4


def test_a_float32_encoder_decoder_computes_its_gradients_in_float32():
    params = Seq2SeqParams.random(n_en=4, n_hi=5, D_h=3, d_en=2, d_hi=2, seed=0, dtype=np.float32)
    grads = seq2seq.backward(params, SOURCE, TARGETS).grads.as_dict()
    assert {name: g.dtype for name, g in grads.items()} == {name: np.dtype(np.float32) for name in grads}


def test_teacher_forcing_keeps_the_integer_dtype_of_the_targets():
    inputs = seq2seq.teacher_forcing(np.array([3, 1, 4], dtype=np.int32), start=5)
    assert inputs.dtype == np.int32
    np.testing.assert_array_equal(inputs, [5, 3, 1])


def test_the_backward_pass_reports_the_output_errors_p_minus_one_hot():
    result = seq2seq.backward(S2S, SOURCE, TARGETS)
    one_hot = np.eye(5)[TARGETS]
    np.testing.assert_array_equal(result.output_grads, result.forward.p - one_hot)


def test_the_backward_pass_reports_the_decoder_errors_whose_sum_is_grad_c():
    result = seq2seq.backward(S2S, SOURCE, TARGETS)
    assert result.deltas_dec.shape == (2, 2, 3)
    np.testing.assert_allclose(result.deltas_dec.sum(axis=(0, 1)), result.grads.grad_c, rtol=1e-14)


def test_the_backward_pass_reports_the_hand_off_from_the_first_decoder_error():
    result = seq2seq.backward(S2S, SOURCE, TARGETS)
    np.testing.assert_allclose(result.grad_context, result.deltas_dec[:, 0] @ S2S.W_dec, rtol=1e-14)


def test_the_backward_pass_reports_the_encoder_errors_whose_sum_is_grad_b_1():
    result = seq2seq.backward(S2S, SOURCE, TARGETS)
    assert result.deltas_enc.shape == (2, 3, 3)
    np.testing.assert_allclose(result.deltas_enc.sum(axis=(0, 1)), result.grads.grad_b_1, rtol=1e-14)


def test_the_backward_pass_carries_the_forward_pass_it_differentiated():
    result = seq2seq.backward(S2S, SOURCE, TARGETS)
    expected = seq2seq.forward(S2S, SOURCE, TARGETS)
    assert result.forward.loss == result.loss == expected.loss
    np.testing.assert_array_equal(result.forward.s, expected.s)


# --- Gradient clipping --------------------------------------------------------------------------


def test_the_global_norm_of_an_all_zero_gradient_is_zero():
    assert global_norm({"W_h": np.zeros((2, 2)), "b_1": np.zeros(2)}) == 0.0
