"""The Jacobians ∂s^T/∂s^t of the vanilla RNN, the LSTM (s = [h; c]) and the GRU, each against central
differences of the forward pass, entry by entry, at every t; each check also fails on a planted wrong
version (the LSTM's cell path dropped, the GRU's direct path dropped, ...), so it can fail on what it
tests. Bad input gets an error that names the argument.
"""

from __future__ import annotations

import numpy as np
import pytest

import rnn_math.rnn.gradient_flow as gradient_flow
from rnn_math.gru.jacobians import gru_state_jacobians
from rnn_math.gru.mistakes import DIRECT_PATH_DROPPED, RESET_PATH_DROPPED, UPDATE_GATE_SWAPPED
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import gru_forward
from rnn_math.lstm.composer import lstm_forward
from rnn_math.lstm.jacobians import lstm_state_jacobians
from rnn_math.lstm.mistakes import FORGET_WITH_CURRENT_CELL, NO_CELL_PATH, NO_HIDDEN_PATH
from rnn_math.lstm.params import LSTMParams
from rnn_math.rnn.forward import hidden_states
from rnn_math.rnn.gradient_flow import lag_jacobians

T, D_h, d = 5, 3, 2
STEP = 1e-6
#: Central differences with step 1e-6 are accurate to about 1e-10 here; an entry passes within
#: 1e-8 + 1e-6 |estimate|, a hundred times that error, and far below any wrong path's size.
ATOL, RTOL = 1e-8, 1e-6


def central(f, state: np.ndarray) -> np.ndarray:
    """Central differences of f at `state`, one column per entry of the state."""
    eye = STEP * np.eye(state.size)
    return np.stack([(f(state + e) - f(state - e)) / (2 * STEP) for e in eye], axis=1)


def worst_entry(jacobian: np.ndarray, estimate: np.ndarray) -> float:
    """The largest entry's error in units of its tolerance: at most 1 passes."""
    return float(np.max(np.abs(jacobian - estimate) / (ATOL + RTOL * np.abs(estimate))))


def xs_and_states(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((T, d)), rng.uniform(-0.8, 0.8, D_h), rng.uniform(-1.5, 1.5, D_h)


# ---- LSTM ------------------------------------------------------------------------------------------


def lstm_case():
    params = LSTMParams.random(d, D_h, 2, seed=3, scale=0.8, forget_bias=1.0)
    xs, h_0, c_0 = xs_and_states(4)
    fp = lstm_forward(params, xs, np.zeros(T, dtype=np.intp), h_0=h_0, c_0=c_0)
    return params, xs, h_0, c_0, fp.h[0], fp.c[0]


def lstm_estimates() -> list[np.ndarray]:
    """Central differences of s^T = [h^T; c^T] with respect to s^t = [h^t; c^t], for t = 0..T−1."""
    params, xs, _, _, h, c = lstm_case()

    def last_state(t: int):
        def f(state: np.ndarray) -> np.ndarray:
            run = lstm_forward(params, xs[t:], np.zeros(T - t, dtype=np.intp), h_0=state[:D_h], c_0=state[D_h:])
            return np.concatenate([run.h[0, -1], run.c[0, -1]])

        return f

    return [central(last_state(t), np.concatenate([h[t], c[t]])) for t in range(T)]


def lstm_jacobians(replace=None):
    params, xs, h_0, c_0, _, _ = lstm_case()
    return lstm_state_jacobians(params, xs, h_0=h_0, c_0=c_0, replace=replace)


@pytest.mark.parametrize("t", range(T))
def test_lstm_state_jacobian_matches_central_differences_entry_by_entry(t):
    assert worst_entry(lstm_jacobians().full[t], lstm_estimates()[t]) <= 1


@pytest.mark.parametrize("block", ["hh", "hc", "ch", "cc"])
def test_lstm_blocks_are_the_quarters_of_the_state_jacobian(block):
    J = lstm_jacobians()
    rows = slice(0, D_h) if block[0] == "h" else slice(D_h, 2 * D_h)
    cols = slice(0, D_h) if block[1] == "h" else slice(D_h, 2 * D_h)
    np.testing.assert_array_equal(getattr(J, block), J.full[:, rows, cols])


def test_lstm_jacobian_of_the_last_state_with_itself_is_the_identity():
    np.testing.assert_array_equal(lstm_jacobians().full[T], np.eye(2 * D_h))


@pytest.mark.parametrize("mistake", [NO_CELL_PATH, NO_HIDDEN_PATH, FORGET_WITH_CURRENT_CELL], ids=lambda m: m.name)
def test_lstm_jacobian_check_fails_on_a_planted_wrong_equation(mistake):
    wrong = lstm_jacobians(replace=mistake.numpy).full
    estimates = lstm_estimates()
    assert max(worst_entry(wrong[t], estimates[t]) for t in range(T)) > 100


def test_lstm_cell_path_dropped_fails_on_the_cell_block_alone():
    wrong = lstm_jacobians(replace=NO_CELL_PATH.numpy)
    estimates = lstm_estimates()
    assert worst_entry(wrong.cc[T - 1], estimates[T - 1][D_h:, D_h:]) > 100


def test_lstm_jacobians_name_a_bad_argument():
    params, xs, *_ = lstm_case()
    with pytest.raises(ValueError, match="xs"):
        lstm_state_jacobians(params, xs[None])
    with pytest.raises(TypeError, match="params"):
        lstm_state_jacobians({"W_ih": 1}, xs)  # type: ignore[arg-type]


# ---- GRU -------------------------------------------------------------------------------------------


def gru_case(variant: str):
    params = GRUParams.random(d, D_h, 2, seed=5, scale=0.8)
    xs, h_0, _ = xs_and_states(6)
    h = gru_forward(params, xs, np.zeros(T, dtype=np.intp), variant=variant, h_0=h_0).h[0]
    return params, xs, h_0, h


def gru_estimates(variant: str) -> list[np.ndarray]:
    params, xs, _, h = gru_case(variant)

    def last_state(t: int):
        def f(state: np.ndarray) -> np.ndarray:
            return gru_forward(params, xs[t:], np.zeros(T - t, dtype=np.intp), variant=variant, h_0=state).h[0, -1]

        return f

    return [central(last_state(t), h[t]) for t in range(T)]


def gru_jacobians(variant: str, replace=None) -> np.ndarray:
    params, xs, h_0, _ = gru_case(variant)
    return gru_state_jacobians(params, xs, variant=variant, h_0=h_0, replace=replace)


@pytest.mark.parametrize("variant", ["pytorch", "cho"])
@pytest.mark.parametrize("t", range(T))
def test_gru_state_jacobian_matches_central_differences_entry_by_entry(variant, t):
    assert worst_entry(gru_jacobians(variant)[t], gru_estimates(variant)[t]) <= 1


def test_gru_jacobian_of_the_last_state_with_itself_is_the_identity():
    np.testing.assert_array_equal(gru_jacobians("pytorch")[T], np.eye(D_h))


@pytest.mark.parametrize("variant", ["pytorch", "cho"])
@pytest.mark.parametrize(
    "mistake", [DIRECT_PATH_DROPPED, RESET_PATH_DROPPED, UPDATE_GATE_SWAPPED], ids=lambda m: m.name
)
def test_gru_jacobian_check_fails_on_a_planted_wrong_equation(variant, mistake):
    wrong = gru_jacobians(variant, replace=mistake.numpy)
    estimates = gru_estimates(variant)
    assert max(worst_entry(wrong[t], estimates[t]) for t in range(T)) > 100


def test_gru_jacobians_name_a_bad_argument():
    params, xs, *_ = gru_case("pytorch")
    with pytest.raises(ValueError, match="variant"):
        gru_state_jacobians(params, xs, variant="keras")
    with pytest.raises(ValueError, match="xs"):
        gru_state_jacobians(params, xs[None])


# ---- vanilla RNN -----------------------------------------------------------------------------------


def rnn_case():
    rng = np.random.default_rng(7)
    W_h, W_e, b_1 = rng.standard_normal((D_h, D_h)), rng.standard_normal((D_h, d)), rng.standard_normal(D_h)
    xs, h_0, _ = xs_and_states(8)
    z, h = hidden_states(W_h, W_e, b_1, xs, activation="tanh", h_0=h_0)
    return W_h, W_e, b_1, xs, z, h


def rnn_estimates() -> list[np.ndarray]:
    W_h, W_e, b_1, xs, _, h = rnn_case()

    def last_state(t: int):
        return lambda state: hidden_states(W_h, W_e, b_1, xs[t:], activation="tanh", h_0=state)[1][-1]

    return [central(last_state(t), h[t]) for t in range(T)]


@pytest.mark.parametrize("t", range(T))
def test_rnn_lag_jacobian_matches_central_differences_entry_by_entry(t):
    W_h, _, _, _, z, _ = rnn_case()
    assert worst_entry(lag_jacobians(W_h, z, "tanh")[t], rnn_estimates()[t]) <= 1


def test_rnn_lag_jacobian_check_fails_with_the_slopes_on_the_wrong_side(monkeypatch):
    # W_h diag(σ') scales columns instead of rows: a plausible slip in the one-step Jacobian.
    monkeypatch.setattr(
        gradient_flow, "step_jacobian", lambda W_h, z_j, activation: W_h * (1 - np.tanh(z_j) ** 2)[..., None, :]
    )
    W_h, _, _, _, z, _ = rnn_case()
    wrong, estimates = lag_jacobians(W_h, z, "tanh"), rnn_estimates()
    assert max(worst_entry(wrong[t], estimates[t]) for t in range(T - 1)) > 100


def test_rnn_lag_jacobians_name_a_bad_argument():
    W_h, _, _, _, z, _ = rnn_case()
    with pytest.raises(ValueError, match="z"):
        lag_jacobians(W_h, z[:, :2], "tanh")
