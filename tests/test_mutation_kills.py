"""Behaviour that mutation testing found unpinned: defaults, dtypes and the one-sequence layout."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from rnn_math import seq2seq
from rnn_math.core.activations import sigmoid, sigmoid_derivative
from rnn_math.core.clipping import global_norm
from rnn_math.rnn.bptt import bptt, delta
from rnn_math.rnn.forward import forward, hidden_state
from rnn_math.rnn.gradient_flow import (
    hidden_jacobian,
    jacobian_norm_bound,
    largest_singular_value,
    last_loss_hidden_gradients,
    step_jacobian,
)
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.truncated import truncated_bptt, truncated_deltas, truncated_objective
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
    p = result.forward.p
    one_hot = np.eye(5)[TARGETS].astype(bool)
    # p - one-hot, with the target's entry p_k - 1 written as -Σ_{j≠k} p_j (no cancellation).
    expected = np.where(one_hot, -np.sum(np.where(one_hot, 0.0, p), axis=-1, keepdims=True), p)
    np.testing.assert_allclose(result.output_grads, expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(result.output_grads, p - one_hot, rtol=1e-14)


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


# --- Truncated BPTT -----------------------------------------------------------------------------

TRUNC = RNNParams.random(d=3, D_h=4, V=5, seed=3, scale=0.7)
TRUNC_XS = np.random.default_rng(3).standard_normal((6, 3))
TRUNC_TARGETS = np.array([0, 4, 2, 2, 1, 3])
TRUNC_H_0 = np.array([0.5, -0.3, 0.8, 0.1])


def test_truncated_bptt_starts_from_the_given_initial_state():
    truncated = truncated_bptt(TRUNC, TRUNC_XS, TRUNC_TARGETS, 6, h_0=TRUNC_H_0)
    full = bptt(TRUNC, TRUNC_XS, TRUNC_TARGETS, h_0=TRUNC_H_0)
    np.testing.assert_array_equal(truncated.forward.h, full.forward.h)
    np.testing.assert_allclose(truncated.grads.grad_W_h, full.grads.grad_W_h, rtol=1e-13)


def test_truncated_bptt_reports_the_full_loss():
    assert truncated_bptt(TRUNC, TRUNC_XS, TRUNC_TARGETS, 2).loss == forward(TRUNC, TRUNC_XS, TRUNC_TARGETS).loss


def test_truncated_bptt_reports_the_input_gradients_of_its_truncated_errors():
    result = truncated_bptt(TRUNC, TRUNC_XS, TRUNC_TARGETS, 2)
    np.testing.assert_allclose(result.grad_xs, result.deltas @ TRUNC.W_e, rtol=1e-14)


def test_truncated_deltas_default_to_the_sigmoid():
    fp = forward(TRUNC, TRUNC_XS, TRUNC_TARGETS)
    output_grads = fp.y_hat - np.eye(5)[TRUNC_TARGETS]
    np.testing.assert_array_equal(
        truncated_deltas(TRUNC.U, TRUNC.W_h, output_grads, fp.z, 2),
        truncated_deltas(TRUNC.U, TRUNC.W_h, output_grads, fp.z, 2, "sigmoid"),
    )


def test_the_truncated_objective_defaults_to_the_sigmoid():
    frozen = forward(TRUNC, TRUNC_XS, TRUNC_TARGETS).h
    default = truncated_objective(TRUNC, TRUNC_XS, TRUNC_TARGETS, 2, frozen)
    assert default == truncated_objective(TRUNC, TRUNC_XS, TRUNC_TARGETS, 2, frozen, activation="sigmoid")


def test_the_truncated_objective_refuses_inputs_of_the_wrong_rank_naming_xs():
    frozen = forward(TRUNC, TRUNC_XS, TRUNC_TARGETS).h
    with pytest.raises(ValueError, match=r"^xs: expected 2 or 3 dimensions, got 1"):
        truncated_objective(TRUNC, TRUNC_XS[:, 0], TRUNC_TARGETS, 2, frozen)


def test_the_truncated_objective_refuses_frozen_states_of_another_rank_than_xs_naming_frozen_h():
    frozen = forward(TRUNC, TRUNC_XS, TRUNC_TARGETS).h
    with pytest.raises(ValueError, match=r"^frozen_h: expected 2 dimensions, got 3"):
        truncated_objective(TRUNC, TRUNC_XS, TRUNC_TARGETS, 2, frozen[None])


# --- Gradient flow ------------------------------------------------------------------------------

FLOW_W_h = np.array([[0.9, -0.4, 0.2], [0.3, 1.1, -0.5], [-0.7, 0.2, 0.8]])
FLOW_Z = np.random.default_rng(4).standard_normal((2, 4, 3))  # two sequences, T = 4, D_h = 3
FLOW_U = np.random.default_rng(5).standard_normal((5, 3))
FLOW_OUTPUT_GRAD = np.array([0.1, -0.6, 0.2, 0.2, 0.1])


def test_the_step_jacobian_defaults_to_the_sigmoid():
    np.testing.assert_array_equal(
        step_jacobian(FLOW_W_h, FLOW_Z[0, 0]), step_jacobian(FLOW_W_h, FLOW_Z[0, 0], "sigmoid")
    )


def test_the_jacobian_across_no_steps_is_one_identity_per_sequence():
    np.testing.assert_array_equal(hidden_jacobian(FLOW_W_h, FLOW_Z, 2, 2), np.broadcast_to(np.eye(3), (2, 3, 3)))


def test_a_float32_jacobian_product_stays_float32():
    W_h, z = FLOW_W_h.astype(np.float32), FLOW_Z.astype(np.float32)
    assert hidden_jacobian(W_h, z, 1, 1).dtype == np.float32
    assert hidden_jacobian(W_h, z, 0, 3).dtype == np.float32


def test_the_jacobian_product_refuses_recurrent_weights_that_are_not_a_matrix_naming_W_h():
    with pytest.raises(ValueError, match=r"^W_h: expected 2 dimensions, got 1"):
        hidden_jacobian(FLOW_W_h[0], FLOW_Z, 0, 2)


def test_the_jacobian_product_refuses_non_square_recurrent_weights_naming_W_h():
    with pytest.raises(ValueError, match=r"^W_h: expected shape"):
        hidden_jacobian(np.ones((3, 4)), np.ones((4, 4)), 0, 2)


def test_the_jacobian_product_refuses_integer_pre_activations_naming_z():
    with pytest.raises(TypeError, match=r"^z: expected a float32 or float64 array"):
        hidden_jacobian(FLOW_W_h, np.ones((4, 3), dtype=int), 0, 2)


def test_the_jacobian_product_refuses_pre_activations_without_a_time_axis_naming_z():
    with pytest.raises(ValueError, match=r"^z: expected shape \(\.\.\., T, D_h\)"):
        hidden_jacobian(FLOW_W_h, FLOW_Z[0, 0], 0, 0)


def test_the_largest_singular_value_refuses_a_vector_naming_W_h():
    with pytest.raises(ValueError, match=r"^W_h: expected 2 dimensions, got 1"):
        largest_singular_value(FLOW_W_h[0])


def test_the_jacobian_bound_defaults_to_the_sigmoid():
    assert jacobian_norm_bound(FLOW_W_h, 3) == jacobian_norm_bound(FLOW_W_h, 3, "sigmoid")


def test_the_jacobian_bound_across_no_steps_is_one():
    assert jacobian_norm_bound(FLOW_W_h, 0) == 1.0


def test_the_jacobian_bound_refuses_a_boolean_lag():
    with pytest.raises(ValueError, match=r"^lag: expected a non-negative integer"):
        jacobian_norm_bound(FLOW_W_h, True)


def test_the_last_loss_gradients_default_to_the_sigmoid():
    np.testing.assert_array_equal(
        last_loss_hidden_gradients(FLOW_U, FLOW_W_h, FLOW_OUTPUT_GRAD, FLOW_Z[0]),
        last_loss_hidden_gradients(FLOW_U, FLOW_W_h, FLOW_OUTPUT_GRAD, FLOW_Z[0], "sigmoid"),
    )


def test_the_last_loss_gradients_of_a_batch_have_one_row_per_state_of_each_sequence():
    grads = last_loss_hidden_gradients(FLOW_U, FLOW_W_h, np.stack([FLOW_OUTPUT_GRAD] * 2), FLOW_Z)
    assert grads.shape == (2, 5, 3)
    np.testing.assert_allclose(
        grads[1], last_loss_hidden_gradients(FLOW_U, FLOW_W_h, FLOW_OUTPUT_GRAD, FLOW_Z[1]), rtol=1e-14
    )


def test_float32_last_loss_gradients_stay_float32():
    f32 = np.float32
    grads = last_loss_hidden_gradients(
        FLOW_U.astype(f32), FLOW_W_h.astype(f32), FLOW_OUTPUT_GRAD.astype(f32), FLOW_Z[0].astype(f32)
    )
    assert grads.dtype == np.float32


def test_the_last_loss_gradients_of_a_one_step_sequence_reach_the_initial_state():
    z = FLOW_Z[0, :1]
    grads = last_loss_hidden_gradients(FLOW_U, FLOW_W_h, FLOW_OUTPUT_GRAD, z)
    np.testing.assert_allclose(grads[1], FLOW_U.T @ FLOW_OUTPUT_GRAD, rtol=1e-14)
    np.testing.assert_allclose(grads[0], FLOW_W_h.T @ (sigmoid_derivative(z[0]) * grads[1]), rtol=1e-14)
