"""Each encoder-decoder equation: NumPy equals its SymPy twin at 50 digits, and a plausible wrong version does not."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math import seq2seq as s2s
from rnn_math.symbolic import seq2seq as sym
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix

#: NumPy against 50 digits: a handful of float64 roundings.
AGREES = 1e-14
#: A wrong formula misses by far more than rounding could explain.
DISAGREES = 1e-3

rng = np.random.default_rng(11)
P = s2s.Seq2SeqParams.random(4, 3, D_h=3, d_en=2, d_hi=2, seed=5, scale=0.8)
S = rng.uniform(-1, 1, (4, 3))  # s_0..s_3 (or h_0..h_3)
Y = rng.standard_normal((3, 2))  # y_0..y_2
G = rng.standard_normal((3, 3))  # g_1..g_3 (n_hi = 3)
DELTAS = rng.standard_normal((3, 3))  # δ_1..δ_3
TOKENS = np.array([2, 0, 2])  # token 2 read twice


def cols(rows) -> list[sp.Matrix]:
    return [to_matrix(r) for r in np.atleast_2d(rows)]


def case_embed():
    wrong = P.E_en[1]  # off by one: the row of the word before
    return s2s.embed(P.E_en, 2), evaluate(sym.embed(to_matrix(P.E_en), 2)), wrong


def case_context():
    wrong = S[0]  # the RNN-theory notes' chart: s_0 = h_0
    return s2s.context(S), evaluate(sym.context(cols(S))), wrong


def case_teacher_forcing():
    targets = np.array([1, 2, 0])
    twin = np.array(sym.teacher_forcing(list(targets), start=3))
    wrong = targets  # the decoder reads the word it is asked to predict
    return s2s.teacher_forcing(targets, 3), twin, wrong


def case_decoder_state():
    twin_a, twin_s = sym.decoder_state(
        to_matrix(P.W_dec), to_matrix(S[0]), to_matrix(P.V), to_matrix(Y[0]), to_matrix(P.c)
    )
    a_t, s_t = s2s.decoder_state(P.W_dec, S[0], P.V, Y[0], P.c)
    wrong_a = P.W_dec @ S[0] + P.c  # the previous word's embedding forgotten
    return (
        np.concatenate([a_t, s_t]),
        np.concatenate([evaluate(twin_a), evaluate(twin_s)]),
        np.concatenate([wrong_a, np.tanh(wrong_a)]),
    )


def case_decoder_logits():
    wrong = P.W_out @ S[1]  # bias forgotten
    return (
        s2s.decoder_logits(P.W_out, S[1], P.b_out),
        evaluate(sym.decoder_logits(to_matrix(P.W_out), to_matrix(S[1]), to_matrix(P.b_out))),
        wrong,
    )


def case_seq2seq_loss():
    o, targets = rng.uniform(-3, 3, (3, 3)), np.array([0, 2, 1])
    wrong = -o[np.arange(3), targets].sum()  # normaliser forgotten
    return s2s.seq2seq_loss(o, targets), evaluate(sym.seq2seq_loss(cols(o), list(targets))), wrong


def case_grad_W_out():
    wrong = s2s.grad_W_out(G, S[:-1])  # s_{t-1} where s_t belongs
    return s2s.grad_W_out(G, S[1:]), evaluate(sym.grad_W_out(cols(G), cols(S[1:]))), wrong


def case_grad_b_out():
    wrong = G[-1]  # the last step only
    return s2s.grad_b_out(G), evaluate(sym.grad_b_out(cols(G))), wrong


def case_decoder_state_gradient():
    twin = sym.decoder_state_gradient(to_matrix(P.W_out), to_matrix(G[0]), to_matrix(P.W_dec), to_matrix(DELTAS[1]))
    wrong = G[0] @ P.W_out + P.W_dec @ DELTAS[1]  # W_dec without its transpose
    return s2s.decoder_state_gradient(P.W_out, G[0], P.W_dec, DELTAS[1]), evaluate(twin), wrong


def case_decoder_delta():
    grad_s, a_t = rng.standard_normal(3), np.array([0.4, -2.5, 1.3])
    wrong = grad_s * (1 - np.tanh(a_t))  # the square forgotten
    return s2s.decoder_delta(grad_s, a_t), evaluate(sym.decoder_delta(to_matrix(grad_s), to_matrix(a_t))), wrong


def case_grad_W_dec():
    wrong = s2s.grad_W_dec(DELTAS, S[1:])  # s_t where s_{t-1} belongs
    return s2s.grad_W_dec(DELTAS, S[:-1]), evaluate(sym.grad_W_dec(cols(DELTAS), cols(S[:-1]))), wrong


def case_grad_V():
    wrong = DELTAS[:-1].T @ Y[1:]  # δ_t paired with y_t instead of y_{t-1}
    return s2s.grad_V(DELTAS, Y), evaluate(sym.grad_V(cols(DELTAS), cols(Y))), wrong


def case_grad_c():
    wrong = DELTAS.mean(axis=0)  # averaged, not summed
    return s2s.grad_c(DELTAS), evaluate(sym.grad_c(cols(DELTAS))), wrong


def case_handoff():
    wrong = P.W_dec @ DELTAS[0]  # W_dec without its transpose
    return (
        s2s.handoff_gradient(P.W_dec, DELTAS[0]),
        evaluate(sym.handoff_gradient(to_matrix(P.W_dec), to_matrix(DELTAS[0]))),
        wrong,
    )


def case_encoder_state_gradient():
    wrong = P.W_h @ DELTAS[1]  # W_h without its transpose
    return (
        s2s.encoder_state_gradient(P.W_h, DELTAS[1]),
        evaluate(sym.encoder_state_gradient(to_matrix(P.W_h), to_matrix(DELTAS[1]))),
        wrong,
    )


def case_grad_embedding():
    grads = rng.standard_normal((3, 2))
    wrong = np.zeros((4, 2))
    wrong[TOKENS] = grads  # assignment: a word read twice keeps only its last gradient
    twin = sym.grad_embedding(4, list(TOKENS), cols(grads))
    return s2s.grad_embedding(4, TOKENS, grads), evaluate(twin), wrong


CASES = [
    pytest.param(case_embed, marks=pytest.mark.equation("eq-embedding-lookup"), id="embedding-lookup"),
    pytest.param(case_context, marks=pytest.mark.equation("eq-context"), id="context"),
    pytest.param(case_teacher_forcing, marks=pytest.mark.equation("eq-teacher-forcing"), id="teacher-forcing"),
    pytest.param(case_decoder_state, marks=pytest.mark.equation("eq-decoder-state"), id="decoder-state"),
    pytest.param(case_decoder_logits, marks=pytest.mark.equation("eq-decoder-logits"), id="decoder-logits"),
    pytest.param(case_seq2seq_loss, marks=pytest.mark.equation("eq-seq2seq-loss"), id="loss"),
    pytest.param(case_grad_W_out, marks=pytest.mark.equation("eq-decoder-grad-wout"), id="grad-W_out"),
    pytest.param(case_grad_b_out, marks=pytest.mark.equation("eq-decoder-grad-bout"), id="grad-b_out"),
    pytest.param(
        case_decoder_state_gradient, marks=pytest.mark.equation("eq-decoder-state-grad"), id="decoder-state-grad"
    ),
    pytest.param(case_decoder_delta, marks=pytest.mark.equation("eq-decoder-delta"), id="decoder-delta"),
    pytest.param(case_grad_W_dec, marks=pytest.mark.equation("eq-decoder-grad-wdec"), id="grad-W_dec"),
    pytest.param(case_grad_V, marks=pytest.mark.equation("eq-decoder-grad-v"), id="grad-V"),
    pytest.param(case_grad_c, marks=pytest.mark.equation("eq-decoder-grad-c"), id="grad-c"),
    pytest.param(case_handoff, marks=pytest.mark.equation("eq-handoff"), id="handoff"),
    pytest.param(
        case_encoder_state_gradient, marks=pytest.mark.equation("eq-encoder-state-grad"), id="encoder-state-grad"
    ),
    pytest.param(case_grad_embedding, marks=pytest.mark.equation("eq-embedding-grad"), id="grad-embedding"),
]


@pytest.mark.parametrize("case", CASES)
def test_numpy_equals_its_sympy_twin_at_50_digits(case: Callable):
    numpy_value, twin_value, _ = case()
    assert relative_error(numpy_value, twin_value) <= AGREES


@pytest.mark.parametrize("case", CASES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(case: Callable):
    _, twin_value, wrong_value = case()
    assert relative_error(wrong_value, twin_value) > DISAGREES
