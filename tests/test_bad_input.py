"""Bad input fails early with a message naming the argument, what was expected and what came."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.core.activations import get_activation
from rnn_math.core.validation import batch_targets_and_state
from rnn_math.rnn.forward import forward, hidden_states
from rnn_math.rnn.params import RNNParams

P = RNNParams.random(d=3, D_h=4, V=5, seed=0)
XS = np.zeros((2, 6, 3))
TARGETS = np.zeros((2, 6), dtype=int)


def params_with(**changes) -> dict:
    values = P.as_dict()
    values.update(changes)
    return values


def test_a_non_square_recurrent_matrix_names_W_h_and_both_shapes():
    with pytest.raises(ValueError, match=r"W_h: expected shape \(D_h, D_h\) \(every D_h axis equal\), got \(4, 3\)"):
        RNNParams(**params_with(W_h=np.zeros((4, 3))))


def test_an_input_matrix_of_the_wrong_height_names_W_e_and_D_h():
    with pytest.raises(ValueError, match=r"W_e: expected shape \(D_h, d\) with D_h = 4 \(from W_h\), got \(5, 3\)"):
        RNNParams(**params_with(W_e=np.zeros((5, 3))))


def test_inputs_of_the_wrong_width_name_xs():
    with pytest.raises(ValueError, match=r"xs: expected shape \(B, T, 3\), got \(2, 6, 7\)"):
        forward(P, np.zeros((2, 6, 7)), TARGETS)


def test_integer_weights_are_refused_with_their_dtype():
    with pytest.raises(TypeError, match="W_h: expected a float32 or float64 array, got dtype int64"):
        RNNParams(**params_with(W_h=np.zeros((4, 4), dtype=np.int64)))


def test_mixed_precision_parameters_are_refused():
    with pytest.raises(TypeError, match="U: expected dtype float64 \\(the dtype of W_h\\), got float32"):
        RNNParams(**params_with(U=P.U.astype(np.float32)))


def test_inputs_of_another_dtype_than_the_parameters_are_refused():
    with pytest.raises(TypeError, match="xs: expected dtype float64 .*, got float32"):
        forward(P, XS.astype(np.float32), TARGETS)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused_with_a_count(bad: float):
    xs = XS.copy()
    xs[1, 2, 0] = bad
    with pytest.raises(ValueError, match="xs: expected finite values, got 1 NaN or infinite entries"):
        forward(P, xs, TARGETS)


def test_a_nan_weight_is_refused():
    W_h = P.W_h.copy()
    W_h[0, 0] = np.nan
    with pytest.raises(ValueError, match="W_h: expected finite values"):
        RNNParams(**params_with(W_h=W_h))


@pytest.mark.parametrize("bad_target", [5, -1])
def test_targets_outside_the_vocabulary_are_refused(bad_target: int):
    targets = TARGETS.copy()
    targets[0, 3] = bad_target
    with pytest.raises(ValueError, match=rf"targets: expected indices in 0..4 \(\|V\| = 5\), got {bad_target}"):
        forward(P, XS, targets)


def test_float_targets_are_refused():
    with pytest.raises(TypeError, match="targets: expected integer class indices, got dtype float64"):
        forward(P, XS, TARGETS.astype(float))


def test_targets_of_another_length_than_the_inputs_are_refused():
    with pytest.raises(
        ValueError, match=r"targets: expected shape \(2, 6\) \(one index per input step\), got \(2, 5\)"
    ):
        forward(P, XS, TARGETS[:, :5])


def test_an_empty_sequence_is_refused():
    with pytest.raises(ValueError, match=r"xs: expected a non-empty array, got shape \(0, 3\)"):
        forward(P, np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_an_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="activation: expected one of 'sigmoid', 'tanh', got 'relu'"):
        forward(P, XS, TARGETS, activation="relu")


def test_an_activation_that_is_not_a_name_is_refused():
    with pytest.raises(TypeError, match="activation: expected a name"):
        get_activation(np.tanh)


def test_an_initial_state_of_the_wrong_width_names_h_0():
    with pytest.raises(ValueError, match=r"h_0: expected shape \(2, 4\), got \(2, 3\)"):
        forward(P, XS, TARGETS, h_0=np.zeros((2, 3)))


def test_hidden_states_checks_its_arguments_too():
    with pytest.raises(ValueError, match=r"b_1: expected shape \(D_h,\) with D_h = 2"):
        hidden_states(np.eye(2), np.ones((2, 1)), np.zeros(3), np.ones((2, 1)))


def test_random_parameters_refuse_a_zero_size():
    with pytest.raises(ValueError, match="D_h: expected a positive integer, got 0"):
        RNNParams.random(d=3, D_h=0, V=5)


# Overflow in the forward or backward pass: a clear error naming what overflowed, never NaN.


def float32_params(**changes) -> RNNParams:
    return RNNParams(**{name: value.astype(np.float32) for name, value in params_with(**changes).items()})


def test_overflowing_float32_logits_name_theta_and_U_in_forward():
    params = float32_params(U=np.full((5, 4), 3e38), b_1=np.full(4, 10.0))  # h ≈ 1, so U h = 1.2e39
    with pytest.raises(ValueError, match=r"theta: the logits overflowed .* check the scale of U and b_2"):
        forward(params, np.ones((2, 6, 3), np.float32), TARGETS, activation="tanh")


@pytest.mark.parametrize("backward", ["bptt", "truncated_bptt"])
def test_overflowing_float32_logits_raise_in_the_backward_passes_too(backward):
    from rnn_math.rnn.bptt import bptt
    from rnn_math.rnn.truncated import truncated_bptt

    params = float32_params(U=np.full((5, 4), 3e38), b_1=np.full(4, 10.0))
    run = {
        "bptt": lambda: bptt(params, np.ones((2, 6, 3), np.float32), TARGETS, activation="tanh"),
        "truncated_bptt": lambda: truncated_bptt(params, np.ones((2, 6, 3), np.float32), TARGETS, 3, activation="tanh"),
    }
    with pytest.raises(ValueError, match=r"theta: the logits overflowed"):
        run[backward]()


def test_nan_pre_activations_from_overflow_name_z_and_the_input_weights():
    W_e = np.array([[3e38, 3e38, 0.0]] * 4)  # W_e x = 3e38 + 3e38 overflows; inf - inf would follow
    params = float32_params(W_e=W_e, W_h=np.full((4, 4), -3e38))
    with pytest.raises(
        ValueError, match=r"z: the pre-activations overflowed .* check the scale of W_h, W_e, b_1 and xs"
    ):
        forward(params, np.ones((2, 6, 3), np.float32), TARGETS, activation="tanh")


def test_a_backward_overflow_names_the_gradient():
    from rnn_math.rnn.bptt import bptt

    # h = tanh(0) = 0 keeps the logits finite, but Uᵀ(ŷ − y) sums entries near 3e38 and overflows;
    # W_e is the first gradient it reaches (h^{t-1} = 0 leaves W_h's finite).
    U = np.full((5, 4), 3e38)
    U[1::2] *= -1
    params = float32_params(U=U, W_h=np.zeros((4, 4)), W_e=np.zeros((4, 3)), b_1=np.zeros(4))
    with pytest.raises(ValueError, match=r"grad_W_e: the backward pass overflowed .* check the scale of U and W_h"):
        bptt(params, np.ones((2, 6, 3), np.float32), np.zeros((2, 6), dtype=int), activation="tanh")


# truncated_objective's targets: integers in range, one per step.


def truncated_objective_call(targets):
    from rnn_math.rnn.truncated import truncated_objective

    fp = forward(P, XS, TARGETS, activation="tanh")
    return truncated_objective(P, XS, targets, 2, fp.h, activation="tanh")


def test_truncated_objective_rejects_a_negative_target_instead_of_wrapping():
    targets = TARGETS.copy()
    targets[0, 0] = -1
    with pytest.raises(ValueError, match=r"targets: .*-1"):
        truncated_objective_call(targets)


def test_truncated_objective_rejects_a_target_beyond_the_vocabulary():
    with pytest.raises(ValueError, match=r"targets: .*5"):
        truncated_objective_call(TARGETS + 5)


def test_truncated_objective_rejects_float_targets():
    with pytest.raises(TypeError, match=r"targets: expected integer class indices, got dtype float64"):
        truncated_objective_call(TARGETS.astype(float))


def test_truncated_objective_rejects_targets_of_the_wrong_shape():
    with pytest.raises(
        ValueError, match=r"targets: expected shape \(2, 6\) \(one index per input step\), got \(2, 5\)"
    ):
        truncated_objective_call(TARGETS[:, :5])


# ---- the shared check of a sequence model's targets and initial state ---------------------------


def test_batch_targets_and_state_names_targets_that_do_not_match_the_inputs():
    with pytest.raises(ValueError, match=r"targets: expected shape \(3,\) \(one index per input step\), got \(2,\)"):
        batch_targets_and_state(np.array([0, 1]), None, V=2, B=1, T=3, D_h=2, batched=False)


def test_batch_targets_and_state_names_an_initial_state_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"h_0: expected shape \(2,\) or \(1, 2\), got \(3,\)"):
        batch_targets_and_state(np.array([0, 1, 1]), np.zeros(3), V=2, B=1, T=3, D_h=2, batched=False)


def test_batch_targets_and_state_shares_one_initial_state_across_the_batch():
    h_0 = np.array([0.5, -0.25])
    targets, state = batch_targets_and_state(np.zeros((4, 3), dtype=int), h_0, V=2, B=4, T=3, D_h=2, batched=True)
    assert targets.shape == (4, 3)
    np.testing.assert_array_equal(state, np.tile(h_0, (4, 1)))


@pytest.mark.parametrize("size", [0, -1, 2.0, True])
def test_random_parameters_name_a_size_that_is_not_a_positive_integer(size):
    with pytest.raises(ValueError, match=rf"D_h: expected a positive integer, got {size!r}"):
        RNNParams.random(d=2, D_h=size, V=3)
