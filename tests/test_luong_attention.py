"""Luong's multiplicative score: each equation against its twin at 50 digits, and the engine's checks of the form.

The exact proof of the correct equations is run with every other check by tests/test_engine.py
(about half a minute); here the proof is run on the catalogued mistakes it rejects within seconds,
and the numerical checks on the correct equations and on every mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math.attention import luong_equations as luong
from rnn_math.attention.declaration import ATTENTION
from rnn_math.attention.luong_declaration import LUONG_EQUATIONS, LUONG_MISTAKES, luong_checks, luong_small_params
from rnn_math.attention.luong_passes import LUONG_PARAMETER_NAMES, run_luong_backward, run_luong_forward
from rnn_math.attention.params import AttentionParams
from rnn_math.symbolic.attention import luong as sym
from rnn_math.verification.engine import list_equations, run_check
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix

#: NumPy against 50 digits: a handful of float64 roundings.
AGREES = 1e-14
#: A wrong formula misses by far more than rounding could explain.
DISAGREES = 1e-3

rng = np.random.default_rng(29)
D_h, T, T_dec, n_hi = 3, 4, 2, 5
W_a = rng.standard_normal((D_h, D_h))  # square, as the bilinear score needs: a transposition fits
W_dec, W_out = rng.standard_normal((D_h, D_h)), rng.standard_normal((n_hi, D_h))
H = rng.uniform(-1, 1, (T, D_h))  # h_1..h_T
S = rng.uniform(-1, 1, (T_dec + 1, D_h))  # s_0..s_{T'}
GRAD_E = rng.standard_normal((T_dec, T))
GRAD_C = rng.standard_normal((T_dec, D_h))
ALPHA_J = rng.uniform(0, 1, T_dec)
G = rng.standard_normal(n_hi)
DELTA = rng.standard_normal(D_h)
NEXT = rng.standard_normal(D_h)


def col(v) -> sp.Matrix:
    return to_matrix(np.asarray(v))


def cols(rows) -> list[sp.Matrix]:
    return [col(r) for r in np.atleast_2d(rows)]


def floats(values) -> list[sp.Float]:
    return [sp.Float(float(v), 50) for v in values]


def case_score():
    wrong = H @ W_a @ S[0]  # s_{t-1} and h_j swapped sides: h_jᵀ W_a s_{t-1}
    return luong.luong_scores(W_a, S[0], H), evaluate(sym.luong_scores(col(W_a), col(S[0]), cols(H))).ravel(), wrong


def case_state_grad():
    args = (W_out, G, W_dec, DELTA, W_a, GRAD_E[1], H)
    wrong = G @ W_out + DELTA @ W_dec + (GRAD_E[1] @ H) @ W_a  # W_aᵀ where W_a belongs
    twin = sym.luong_state_gradient(col(W_out), col(G), col(W_dec), col(DELTA), col(W_a), col(GRAD_E[1]), cols(H))
    return luong.luong_state_gradient(*args), evaluate(twin).ravel(), wrong


def case_handoff():
    wrong = DELTA @ W_dec  # the encoder-decoder's hand-off: the first scores' share lost
    twin = sym.luong_handoff(col(W_dec), col(DELTA), col(W_a), col(GRAD_E[0]), cols(H))
    return luong.luong_handoff(W_dec, DELTA, W_a, GRAD_E[0], H), evaluate(twin).ravel(), wrong


def case_annotation_grad():
    j = 1
    numpy_value = luong.luong_annotation_gradient(ALPHA_J, GRAD_C, W_a, GRAD_E[:, j], S, NEXT)
    twin = sym.luong_annotation_gradient(
        floats(ALPHA_J), cols(GRAD_C), col(W_a), floats(GRAD_E[:, j]), cols(S), col(NEXT)
    )
    wrong = ALPHA_J @ GRAD_C + (GRAD_E[:, j] @ S[:-1]) @ W_a.T + NEXT  # W_a s_{t-1}: not transposed
    return numpy_value, evaluate(twin).ravel(), wrong


def case_grad_wa():
    wrong = np.einsum("tj,td,je->de", GRAD_E, S[1:], H)  # s_t where s_{t-1} belongs
    twin = sym.luong_grad_W_a(cols(GRAD_E), cols(S), cols(H))
    return luong.luong_grad_W_a(GRAD_E, S, H), evaluate(twin), wrong


CASES = [
    pytest.param(case_score, marks=pytest.mark.equation("eq-luong-score"), id="score"),
    pytest.param(case_state_grad, marks=pytest.mark.equation("eq-luong-state-grad"), id="state-grad"),
    pytest.param(case_handoff, marks=pytest.mark.equation("eq-luong-handoff"), id="handoff"),
    pytest.param(case_annotation_grad, marks=pytest.mark.equation("eq-luong-annotation-grad"), id="annotation-grad"),
    pytest.param(case_grad_wa, marks=pytest.mark.equation("eq-luong-grad-wa"), id="grad-W_a"),
]


@pytest.mark.parametrize("case", CASES)
def test_numpy_equals_its_sympy_twin_at_50_digits(case: Callable):
    numpy_value, exact_value, _ = case()
    assert relative_error(numpy_value, exact_value) <= AGREES


@pytest.mark.parametrize("case", CASES)
def test_the_same_comparison_rejects_a_plausible_wrong_formula(case: Callable):
    _, exact_value, wrong = case()
    assert relative_error(wrong, exact_value) > DISAGREES


def test_the_score_is_the_bilinear_form_entry_by_entry():
    assert luong.luong_scores(W_a, S[0], H) == pytest.approx([S[0] @ W_a @ h_j for h_j in H], rel=1e-14)


# The engine's checks of the form.

CHECKS = {check.name: check for check in luong_checks()}
EXACT = next(check for check in CHECKS.values() if check.name.startswith("exact proof"))
NUMERICAL = [pytest.param(check, id=name) for name, check in CHECKS.items() if check is not EXACT]


def test_the_attention_model_declares_the_form_its_checks_and_its_mistakes():
    checks = {check.name for check in ATTENTION.checks()}
    assert set(LUONG_EQUATIONS) <= set(ATTENTION.equations)
    assert set(CHECKS) <= checks
    assert {m.name for m in LUONG_MISTAKES} <= {m.name for m in ATTENTION.mistakes}
    assert {eq_id for m in LUONG_MISTAKES for eq_id in m.eq_ids} <= set(LUONG_EQUATIONS)


def test_verify_lists_the_form_with_the_attention_model():
    listed = [eq_id for model, eq_id, _ in list_equations() if model == "attention"]
    assert listed[-len(LUONG_EQUATIONS) :] == list(LUONG_EQUATIONS)


@pytest.mark.parametrize("check", NUMERICAL)
def test_each_numerical_check_passes_and_rejects_every_mistake_it_substitutes(check):
    outcome = run_check(check, ATTENTION.mistakes)
    assert outcome.passed, outcome.values
    if check.side is not None:
        assert {m.name for m in LUONG_MISTAKES} <= set(outcome.rejected)
        assert all(outcome.rejected.values()), outcome.rejected


# The proof stops at the first gradient that differs; W_a's comes after ten others, so the mistake
# that corrupts only ∂L/∂W_a costs as much as the whole proof: tests/test_engine.py runs it.
QUICK_TO_REJECT = [m for m in LUONG_MISTAKES if m.name != "luong-grad-wa-transposed"]


@pytest.mark.parametrize("mistake", QUICK_TO_REJECT, ids=lambda m: m.name)
def test_the_exact_proof_rejects_each_mistake_of_the_form(mistake):
    assert EXACT.applies_to(mistake)
    assert EXACT.rejects("exact", EXACT.measure(mistake.sympy)["exact"])


def test_the_exact_proof_cannot_be_reached_by_the_additive_forms_own_mistakes():
    own = {"eq-attention-score-grad", "eq-attention-grad-va", "eq-attention-grad-ua", "eq-attention-annotation-grad"}
    assert not own & set(EXACT.equations)
    assert not [m.name for m in ATTENTION.mistakes if set(m.eq_ids) <= own and EXACT.applies_to(m)]


# The passes' parameters and bad input.


def test_the_gradients_are_those_of_the_twelve_parameters_without_U_a_and_v_a():
    result = run_luong_backward(luong_small_params(), np.array([[0, 1]]), np.array([[2, 3]]))
    assert tuple(result.grads) == LUONG_PARAMETER_NAMES
    assert all(result.grads[name].shape == luong_small_params()[name].shape for name in LUONG_PARAMETER_NAMES)


def test_attention_params_with_a_square_W_a_serve_and_give_the_same_gradients():
    params = AttentionParams.random(5, 4, D_h=3, d_en=2, d_hi=2, n_a=3, seed=3, scale=0.8)
    source, targets = np.array([[0, 3, 0]]), np.array([[1, 1, 3]])
    from_params = run_luong_backward(params, source, targets).grads
    from_arrays = run_luong_backward(luong_small_params(), source, targets).grads
    assert all(np.array_equal(from_params[name], from_arrays[name]) for name in LUONG_PARAMETER_NAMES)


def test_a_W_a_that_is_not_square_is_refused_naming_it():
    params = AttentionParams.random(5, 4, D_h=3, d_en=2, d_hi=2, n_a=2, seed=3)
    with pytest.raises(ValueError, match=r"W_a: expected shape \(D_h, D_h\) = \(3, 3\).*got \(2, 3\)"):
        run_luong_forward(params, np.array([[0, 1]]), np.array([[2, 3]]))


def test_a_missing_array_is_refused_naming_it():
    arrays = {name: value for name, value in luong_small_params().items() if name != "W_c"}
    with pytest.raises(KeyError, match=r"params: expected the arrays .*got none for \['W_c'\]"):
        run_luong_forward(arrays, np.array([[0, 1]]), np.array([[2, 3]]))
