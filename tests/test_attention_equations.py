"""Each attention equation: NumPy equals its SymPy twin at 50 digits, and a plausible wrong version does not."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math import attention as att
from rnn_math.core.activations import tanh_derivative
from rnn_math.symbolic.attention import equations as sym
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix

#: NumPy against 50 digits: a handful of float64 roundings.
AGREES = 1e-14
#: A wrong formula misses by far more than rounding could explain.
DISAGREES = 1e-3

rng = np.random.default_rng(17)
D_h, n_a, T, T_dec, n_hi = 3, 2, 3, 2, 4  # n_a != D_h: a transposed weight would not even fit
W_a, U_a, v_a = rng.standard_normal((n_a, D_h)), rng.standard_normal((n_a, D_h)), rng.standard_normal(n_a)
W_c, W_dec, V = rng.standard_normal((D_h, D_h)), rng.standard_normal((D_h, D_h)), rng.standard_normal((D_h, 2))
W_out, c_bias = rng.standard_normal((n_hi, D_h)), rng.standard_normal(D_h)
H = rng.uniform(-1, 1, (T, D_h))  # h_1..h_T
S_PREV = rng.uniform(-1, 1, (T_dec, D_h))  # s_0..s_{T'-1}
M = rng.standard_normal((T_dec, T, n_a))
E = rng.standard_normal(T) * 2
ALPHA = att.attention_weights(E)
GRAD_A = rng.standard_normal(T)
GRAD_E = rng.standard_normal((T_dec, T))
EPS = rng.standard_normal((T_dec, T, n_a))
G = rng.standard_normal(n_hi)
DELTAS = rng.standard_normal((T_dec, D_h))
CONTEXTS = rng.standard_normal((T_dec, D_h))


def col(v) -> sp.Matrix:
    return to_matrix(np.asarray(v))


def cols(rows) -> list[sp.Matrix]:
    return [col(r) for r in np.atleast_2d(rows)]


def case_scores():
    m, e = att.attention_scores(W_a, S_PREV[0], U_a, H, v_a)
    m_s, e_s = sym.attention_scores(col(W_a), col(S_PREV[0]), col(U_a), cols(H), col(v_a))
    wrong = np.tanh(S_PREV[0] @ W_a.T + H @ U_a.T).sum(axis=-1)  # no v_a: the units summed
    return e, evaluate(e_s).ravel(), wrong


def case_weights():
    wrong = np.exp(E) / np.sum(np.exp(E[1:]))  # the first position left out of the normaliser
    return ALPHA, evaluate(sym.attention_weights(col(E))).ravel(), wrong


def case_context():
    wrong = ALPHA @ np.roll(H, 1, axis=0)  # weights paired with the wrong positions
    return att.attention_context(ALPHA, H), evaluate(sym.attention_context(col(ALPHA), cols(H))).ravel(), wrong


def case_decoder_state():
    y = rng.standard_normal(2)
    _, s = att.attention_decoder_state(W_dec, S_PREV[0], V, y, W_c, CONTEXTS[0], c_bias)
    _, s_s = sym.attention_decoder_state(
        col(W_dec), col(S_PREV[0]), col(V), col(y), col(W_c), col(CONTEXTS[0]), col(c_bias)
    )
    wrong = np.tanh(S_PREV[0] @ W_dec.T + y @ V.T + c_bias)  # the context never enters
    return s, evaluate(s_s).ravel(), wrong


def case_state_grad():
    args = (W_out, G, W_dec, DELTAS[1], W_a, EPS[1])
    wrong = G @ W_out + DELTAS[1] @ W_dec  # the next step's scores forgotten
    twin = sym.attention_state_gradient(col(W_out), col(G), col(W_dec), col(DELTAS[1]), col(W_a), cols(EPS[1]))
    return att.attention_state_gradient(*args), evaluate(twin).ravel(), wrong


def case_context_grad():
    wrong = W_c @ DELTAS[0]  # W_c not transposed
    return att.context_gradient(W_c, DELTAS[0]), evaluate(sym.context_gradient(col(W_c), col(DELTAS[0]))).ravel(), wrong


def case_weight_grad():
    g = CONTEXTS[0]
    wrong = np.full(T, H.sum(axis=0) @ g)  # every position given the sum of all
    return att.weight_gradient(H, g), evaluate(sym.weight_gradient(cols(H), col(g))).ravel(), wrong


def case_softmax_grad():
    alpha = np.array([0.2, 0.3, 0.5])  # no weight near 1: the bracket does not cancel to rounding noise
    wrong = alpha * GRAD_A  # the diagonal only
    twin = sym.softmax_gradient(col(alpha), col(GRAD_A))
    return att.softmax_gradient(alpha, GRAD_A), evaluate(twin).ravel(), wrong


def case_score_grad():
    wrong = GRAD_E[0][:, None] * v_a * (1 - M[0] ** 2)  # slope 1 - m^2, not tanh'(m)
    twin = sym.score_gradient(col(GRAD_E[0]), col(v_a), cols(M[0]))
    return att.score_gradient(GRAD_E[0], v_a, M[0]), np.hstack([evaluate(t) for t in twin]).T, wrong


def case_grad_va():
    wrong = np.einsum("tj,tja->a", GRAD_E, M)  # tanh left out
    twin = sym.grad_v_a([col(g) for g in GRAD_E], [cols(m_t) for m_t in M])
    return att.grad_v_a(GRAD_E, M), evaluate(twin).ravel(), wrong


def case_grad_wa():
    wrong = np.einsum("tja,td->ad", EPS, np.roll(S_PREV, -1, axis=0))  # s_t where s_{t-1} belongs
    twin = sym.grad_W_a([cols(e) for e in EPS], cols(S_PREV))
    return att.grad_W_a(EPS, S_PREV), evaluate(twin), wrong


def case_grad_ua():
    wrong = np.einsum("tja,td->ad", EPS[:, :T_dec], H[:T_dec])  # positions paired with steps
    twin = sym.grad_U_a([cols(e) for e in EPS], cols(H))
    return att.grad_U_a(EPS, H), evaluate(twin), wrong


def case_grad_wc():
    wrong = CONTEXTS.T @ DELTAS  # transposed
    twin = sym.grad_W_c(cols(DELTAS), cols(CONTEXTS))
    return att.grad_W_c(DELTAS, CONTEXTS), evaluate(twin), wrong


def case_handoff():
    wrong = DELTAS[0] @ W_dec  # the encoder-decoder's hand-off
    twin = sym.attention_handoff(col(W_dec), col(DELTAS[0]), col(W_a), cols(EPS[0]))
    return att.attention_handoff(W_dec, DELTAS[0], W_a, EPS[0]), evaluate(twin).ravel(), wrong


def case_annotation_grad():
    U_sq = rng.standard_normal((D_h, D_h))  # square, so that the untransposed version fits
    eps = rng.standard_normal((T_dec, D_h))
    alpha_j, nxt = rng.uniform(0, 1, T_dec), rng.standard_normal(D_h)
    twin = sym.annotation_gradient(
        [sp.Float(float(a), 50) for a in alpha_j], cols(CONTEXTS), col(U_sq), cols(eps), col(nxt)
    )
    right = att.annotation_gradient(alpha_j, CONTEXTS, U_sq, eps, nxt)
    wrong = alpha_j @ CONTEXTS + (eps @ U_sq.T).sum(axis=0) + nxt  # U_a not transposed
    return right, evaluate(twin).ravel(), wrong


CASES = [
    pytest.param(case_scores, marks=pytest.mark.equation("eq-attention-score"), id="scores"),
    pytest.param(case_weights, marks=pytest.mark.equation("eq-attention-weights"), id="weights"),
    pytest.param(case_context, marks=pytest.mark.equation("eq-attention-context"), id="context"),
    pytest.param(case_decoder_state, marks=pytest.mark.equation("eq-attention-decoder-state"), id="decoder-state"),
    pytest.param(case_state_grad, marks=pytest.mark.equation("eq-attention-state-grad"), id="state-grad"),
    pytest.param(case_context_grad, marks=pytest.mark.equation("eq-attention-context-grad"), id="context-grad"),
    pytest.param(case_weight_grad, marks=pytest.mark.equation("eq-attention-weight-grad"), id="weight-grad"),
    pytest.param(case_softmax_grad, marks=pytest.mark.equation("eq-attention-softmax-grad"), id="softmax-grad"),
    pytest.param(case_score_grad, marks=pytest.mark.equation("eq-attention-score-grad"), id="score-grad"),
    pytest.param(case_grad_va, marks=pytest.mark.equation("eq-attention-grad-va"), id="grad-v_a"),
    pytest.param(case_grad_wa, marks=pytest.mark.equation("eq-attention-grad-wa"), id="grad-W_a"),
    pytest.param(case_grad_ua, marks=pytest.mark.equation("eq-attention-grad-ua"), id="grad-U_a"),
    pytest.param(case_grad_wc, marks=pytest.mark.equation("eq-attention-grad-wc"), id="grad-W_c"),
    pytest.param(case_handoff, marks=pytest.mark.equation("eq-attention-handoff"), id="handoff"),
    pytest.param(
        case_annotation_grad, marks=pytest.mark.equation("eq-attention-annotation-grad"), id="annotation-grad"
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_numpy_equals_its_sympy_twin_at_50_digits(case: Callable):
    numpy_value, exact_value, _ = case()
    assert relative_error(numpy_value, exact_value) <= AGREES


@pytest.mark.parametrize("case", CASES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(case: Callable):
    _, exact_value, wrong = case()
    assert relative_error(wrong, exact_value) > DISAGREES


def test_weights_of_extreme_scores_are_finite_and_sum_to_one():
    alpha = att.attention_weights(np.array([1000.0, -1000.0, 999.0]))
    assert np.all(np.isfinite(alpha)) and abs(alpha.sum() - 1) <= 1e-15
    exact = evaluate(sym.attention_weights(col([1000.0, -1000.0, 999.0]))).ravel()
    assert relative_error(alpha, exact) <= AGREES


def test_score_slope_in_saturation_is_tanh_prime_at_the_pre_activation_not_zero():
    m = np.full((1, 1), 25.0)  # tanh(25) rounds to 1: 1 - tanh^2 would be exactly 0
    eps = att.score_gradient(np.ones(1), np.ones(1), m)
    assert eps[0, 0] == tanh_derivative(np.float64(25.0)) > 0
    exact = float(sp.N(1 - sp.tanh(25) ** 2, 50))
    assert abs(eps[0, 0] - exact) <= AGREES * exact
