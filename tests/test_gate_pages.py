"""The pages' gated computations: the worked example's LSTM and GRU steps agree with the package's own
passes and Jacobians; the claims the GRU page's comparison makes in words hold for the numbers it
computes; the set-up numbers the gradient-flow and worked-example pages print come from the constants
their computations use.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.gru.jacobians import gru_state_jacobians
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import gru_forward
from rnn_math.lstm.composer import lstm_forward
from rnn_math.lstm.jacobians import lstm_state_jacobians
from rnn_math.lstm.params import LSTMParams
from rnn_math.rnn.example import NOTES_W_e, NOTES_xs
from rnn_math_docs import gate_comparison, gated_worked_example, gradient_flow, worked_example

D_H = gated_worked_example.D_H


def _lstm_params() -> LSTMParams:
    W_ih, W_hh, b_ih, b_hh = gated_worked_example.lstm_weights()
    return LSTMParams(W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh, U=np.zeros((1, D_H)), b_2=np.zeros(1))


def _gru_params() -> GRUParams:
    return GRUParams(**gated_worked_example.gru_weights(), U=np.zeros((1, D_H)), b_2=np.zeros(1))


# ---- the worked example's gated steps --------------------------------------------------------------


def test_worked_lstm_states_are_the_composers_states():
    fp = lstm_forward(_lstm_params(), NOTES_xs, np.zeros(len(NOTES_xs), dtype=np.intp))
    for t in (1, 2):
        np.testing.assert_allclose(gated_worked_example.lstm_hidden(t), fp.h[0, t], rtol=0, atol=1e-15)


def test_worked_lstm_forget_block_alone_has_the_bias():
    _, _, b_ih, _ = gated_worked_example.lstm_weights()
    blocks = b_ih.reshape(4, D_H)
    assert np.all(blocks[1] == gated_worked_example.FORGET_BIAS) and np.all(blocks[[0, 2, 3]] == 0)


def test_worked_lstm_sends_back_what_the_state_jacobian_gives():
    # [∂L/∂h_1, ∂L/∂c_1] for L = gᵀ h_2 is gᵀ times the h-rows of ∂s_2/∂s_1.
    J = lstm_state_jacobians(_lstm_params(), NOTES_xs).full[1]
    expected = gated_worked_example.incoming_gradient() @ J[:D_H]
    b = gated_worked_example.lstm_backward()
    np.testing.assert_allclose(np.concatenate([b.grad_h_prev, b.grad_c_prev]), expected, rtol=1e-12, atol=1e-15)


def test_worked_gru_states_are_the_forward_pass_states():
    fp = gru_forward(_gru_params(), NOTES_xs, np.zeros(len(NOTES_xs), dtype=np.intp))
    page = gated_worked_example.gru_forward_table()
    for t in (1, 2):
        assert all(f"{v:.4f}" in page for v in fp.h[0, t])


def test_worked_gru_sends_back_what_the_jacobian_gives():
    J = gru_state_jacobians(_gru_params(), NOTES_xs)[1]
    expected = gated_worked_example.incoming_gradient() @ J
    np.testing.assert_allclose(gated_worked_example.gru_backward().grad_h_prev, expected, rtol=1e-12, atol=1e-15)


def test_worked_gru_paths_add_up_to_the_carry_shown():
    b = gated_worked_example.gru_backward()
    shown = gated_worked_example.gru_sent_back()
    assert f"\\begin{{bmatrix}}{b.grad_h_prev[0]:.4f} \\\\ {b.grad_h_prev[1]:.4f}\\end{{bmatrix}}" in shown


# ---- the comparison's claims ---------------------------------------------------------------------------


def _factors() -> dict[str, tuple[float, float | None, float | None]]:
    rate = gate_comparison.per_step_factor
    return {
        key: (rate(c.hidden), None if c.cell is None else rate(c.cell), c.slowest_gate)
        for key, c in gate_comparison.curves().items()
    }


def test_every_curve_vanishes_at_initialisation():
    assert all(hidden < 1 for hidden, _, _ in _factors().values())


def test_the_forget_bias_makes_the_largest_difference():
    f = _factors()
    bias_gap = f["lstm-1"][0] - f["lstm-0"][0]
    others = [f[k][0] for k in ("rnn", "lstm-0", "gru")]
    assert bias_gap > max(others) - min(others)


@pytest.mark.parametrize("key", ["lstm-0", "lstm-1", "gru"])
def test_a_gated_rate_is_a_little_above_its_slowest_gate(key):
    hidden, cell, gate = _factors()[key]
    rate = cell if cell is not None else hidden
    assert gate is not None and gate < rate < gate + 0.1


@pytest.mark.parametrize("key", ["lstm-0", "lstm-1"])
def test_the_lstm_hidden_state_decays_at_almost_the_rate_of_its_cell(key):
    hidden, cell, _ = _factors()[key]
    assert cell is not None and abs(hidden - cell) < 0.01


# ---- set-up numbers from the computations' constants ---------------------------------------------------


def test_worked_example_inputs_are_read_from_the_notes_constants():
    text = worked_example.inputs()
    assert f"$d = {NOTES_W_e.shape[1]}$" in text and f"$D_h = {NOTES_W_e.shape[0]}$" in text
    assert all(f"x_{t + 1} = {x[0]:g}$" in text for t, x in enumerate(NOTES_xs))


def test_gradient_flow_setting_follows_its_constants(monkeypatch):
    assert gradient_flow.threshold_setting().endswith(f"for {gradient_flow.THRESHOLD_T} steps")
    monkeypatch.setattr(gradient_flow, "RANDOM_WIDTHS", (3, 5))
    assert gradient_flow.random_models_setting().startswith("widths 3 to 5")


def test_saturated_lambda_is_read_off_the_cases():
    gammas = {"tanh": 1.0, "sigmoid": 0.25}
    saturated = [(a, W) for a, W, _, _, label in gradient_flow._threshold_cases() if "saturated" in label]
    factor = gammas[saturated[0][0]] * np.linalg.norm(saturated[0][1], 2)
    assert gradient_flow.saturated_lambda() == f"$\\lambda_1 = {factor:g}/\\gamma$"


def test_saturated_lambda_refuses_cases_that_disagree(monkeypatch):
    cases = gradient_flow._threshold_cases()
    changed = [(a, W * (2 if a == "tanh" and "saturated" in label else 1), h, b, label) for a, W, h, b, label in cases]
    monkeypatch.setattr(gradient_flow, "_threshold_cases", lambda: changed)
    with pytest.raises(ValueError, match="saturated examples"):
        gradient_flow.saturated_lambda()
