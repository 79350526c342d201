"""Each forward equation: NumPy equals its SymPy twin evaluated at 50 digits, and a wrong version does not."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math.core import activations
from rnn_math.rnn import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.symbolic import activations as sym_act
from rnn_math.symbolic.rnn import forward as sym
from rnn_math.verification.evaluate import evaluate, exact, relative_error, to_matrix

#: NumPy against 50 digits: a forward value passes through a handful of float64 roundings.
AGREES = 1e-14
#: A wrong formula must miss by far more than rounding could ever explain.
DISAGREES = 1e-3

rng = np.random.default_rng(7)
P = RNNParams.random(d=3, D_h=4, V=5, seed=3, scale=0.9)
H_PREV = rng.uniform(-1, 1, 4)
X_T = rng.standard_normal(3)
Z_T = rng.uniform(-3, 3, 4)
THETA = rng.uniform(-4, 4, 5)
K = 2


def column(values) -> np.ndarray:
    return np.asarray(values).ravel()


def case_pre_activation():
    twin = sym.pre_activation(to_matrix(P.W_h), to_matrix(H_PREV), to_matrix(P.W_e), to_matrix(X_T), to_matrix(P.b_1))
    wrong = H_PREV @ P.W_h + X_T @ P.W_e.T + P.b_1  # W_h without its transpose
    return forward.pre_activation(P.W_h, H_PREV, P.W_e, X_T, P.b_1), evaluate(twin), wrong


def case_hidden_state(activation: str):
    def run():
        twin = sym.hidden_state(to_matrix(Z_T), activation)
        wrong = activations.get_activation(activation).derivative(Z_T)  # σ' where σ belongs
        return forward.hidden_state(Z_T, activation), evaluate(twin), wrong

    return run


def case_sigmoid():
    wrong = 1.0 / (1.0 + np.exp(Z_T))  # sign of the exponent flipped
    return activations.sigmoid(Z_T), evaluate(sym_act.sigmoid(to_matrix(Z_T))), wrong


def case_tanh():
    wrong = (np.exp(Z_T) - np.exp(-Z_T)) / 2  # sinh, the numerator alone
    return activations.tanh(Z_T), evaluate(sym_act.tanh(to_matrix(Z_T))), wrong


def case_sigmoid_derivative():
    s = activations.sigmoid(Z_T)
    wrong = s * (1 + s)
    return activations.sigmoid_derivative(Z_T), evaluate(sym_act.sigmoid_derivative(to_matrix(Z_T))), wrong


def case_tanh_derivative():
    wrong = 1 - np.tanh(Z_T)  # square forgotten
    return activations.tanh_derivative(Z_T), evaluate(sym_act.tanh_derivative(to_matrix(Z_T))), wrong


def case_output_logits():
    twin = sym.output_logits(to_matrix(P.U), to_matrix(H_PREV), to_matrix(P.b_2))
    wrong = H_PREV @ P.U.T  # bias forgotten
    return forward.output_logits(P.U, H_PREV, P.b_2), evaluate(twin), wrong


def case_softmax():
    wrong = np.exp(THETA) / np.sum(np.exp(THETA)) ** 0.5  # wrong normaliser
    return forward.softmax(THETA), evaluate(sym.softmax(to_matrix(THETA))), wrong


def case_step_loss():
    twin = sym.step_loss(to_matrix(THETA), K)
    wrong = -np.log(np.exp(THETA[K]))  # normaliser forgotten: -θ_k
    return forward.step_loss(THETA, np.array(K)), evaluate(twin), wrong


def case_total_loss():
    losses = rng.uniform(0, 3, 6)
    twin = sym.total_loss([exact(v) for v in losses])
    return forward.total_loss(losses), evaluate(twin), losses[-1]  # the last step instead of the sum


CASES = [
    pytest.param(case_pre_activation, marks=pytest.mark.equation("eq-forward-z"), id="pre-activation"),
    pytest.param(case_hidden_state("sigmoid"), marks=pytest.mark.equation("eq-forward-h"), id="hidden-sigmoid"),
    pytest.param(case_hidden_state("tanh"), marks=pytest.mark.equation("eq-forward-h"), id="hidden-tanh"),
    pytest.param(case_sigmoid, marks=pytest.mark.equation("eq-sigmoid"), id="sigmoid"),
    pytest.param(case_tanh, marks=pytest.mark.equation("eq-tanh"), id="tanh"),
    pytest.param(case_sigmoid_derivative, marks=pytest.mark.equation("eq-sigmoid-derivative"), id="sigmoid-derivative"),
    pytest.param(case_tanh_derivative, marks=pytest.mark.equation("eq-tanh-derivative"), id="tanh-derivative"),
    pytest.param(case_output_logits, marks=pytest.mark.equation("eq-forward-theta"), id="logits"),
    pytest.param(case_softmax, marks=pytest.mark.equation("eq-softmax"), id="softmax"),
    pytest.param(case_step_loss, marks=pytest.mark.equation("eq-loss-step"), id="step-loss"),
    pytest.param(case_total_loss, marks=pytest.mark.equation("eq-loss-total"), id="total-loss"),
]


@pytest.mark.parametrize("case", CASES)
def test_numpy_equals_its_sympy_twin_at_50_digits(case: Callable):
    numpy_value, twin_value, _ = case()
    assert relative_error(numpy_value, twin_value) <= AGREES


@pytest.mark.parametrize("case", CASES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(case: Callable):
    _, twin_value, wrong_value = case()
    assert relative_error(wrong_value, twin_value) > DISAGREES


@pytest.mark.equation("eq-sigmoid-derivative")
def test_sigmoid_derivative_is_the_exact_derivative_of_the_sigmoid():
    x = sp.Symbol("x", real=True)
    assert sp.simplify(sp.diff(sym_act.sigmoid(x), x) - sym_act.sigmoid_derivative(x)) == 0


@pytest.mark.equation("eq-tanh-derivative")
def test_tanh_derivative_is_the_exact_derivative_of_tanh():
    x = sp.Symbol("x", real=True)
    assert sp.simplify(sp.diff(sym_act.tanh(x), x) - sym_act.tanh_derivative(x)) == 0


def test_a_wrong_derivative_is_not_proven_equal():
    x = sp.Symbol("x", real=True)
    assert sp.simplify(sp.diff(sym_act.tanh(x), x) - (1 - sp.tanh(x))) != 0


@pytest.mark.equation("eq-forward-z", "eq-forward-h", "eq-forward-theta", "eq-loss-step", "eq-loss-total")
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_whole_forward_pass_equals_the_unrolled_symbolic_network(activation: str):
    xs = rng.standard_normal((3, 3))
    targets = np.array([4, 0, 2])
    result = forward.forward(P, xs, targets, activation=activation)
    twin = sym.forward(
        *(to_matrix(v) for v in P.as_dict().values()), [to_matrix(x) for x in xs], list(targets), activation=activation
    )
    assert relative_error(result.h[1:], np.hstack([evaluate(h) for h in twin.h[1:]]).T) <= AGREES
    assert relative_error(result.loss, evaluate(twin.loss)) <= AGREES


def test_a_batch_gives_the_same_numbers_as_its_sequences_one_by_one():
    xs = rng.standard_normal((4, 5, 3))
    targets = rng.integers(0, 5, (4, 5))
    batch = forward.forward(P, xs, targets, activation="tanh")
    singles = [forward.forward(P, xs[b], targets[b], activation="tanh") for b in range(4)]
    np.testing.assert_allclose(batch.h, np.stack([s.h for s in singles]), rtol=1e-14, atol=0)
    assert batch.loss == pytest.approx(sum(s.loss for s in singles), rel=1e-14)


def test_float32_parameters_and_inputs_give_a_float32_forward_pass():
    p32 = P.astype(np.float32)
    result = forward.forward(p32, rng.standard_normal((2, 3)).astype(np.float32), np.array([1, 2]))
    assert result.h.dtype == result.y_hat.dtype == np.float32


def test_softmax_rows_are_distributions():
    y = forward.softmax(rng.uniform(-50, 50, (6, 5)))
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-15)
