"""The encoder-decoder's gradients proven three ways, and every negative control rejected by each way.

1. Exact: SymPy's derivative of the unrolled loss minus the closed form is identically 0.
2. 50 digits: NumPy's gradients equal the closed form evaluated at 50 significant digits.
3. Numerical: central differences and complex step agree with NumPy's gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.verification.gradcheck import check_gradients
from rnn_math.seq2seq import Seq2SeqParams, backward, loss, run_backward
from rnn_math.seq2seq.mistakes import MISTAKES, Seq2SeqMistake
from rnn_math.symbolic import seq2seq as sym
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix
from rnn_math.verification.proof import prove_gradients

BACKWARD_IDS = (
    "eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-decoder-state-grad", "eq-decoder-delta",
    "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-handoff",
    "eq-encoder-state-grad", "eq-embedding-grad",
)  # fmt: skip
FORWARD_IDS = ("eq-embedding-lookup", "eq-context", "eq-teacher-forcing", "eq-decoder-state", "eq-decoder-logits", "eq-seq2seq-loss")

#: NumPy's gradients against 50 digits: float64 rounding through a few dozen operations.
AGREES = 1e-12
#: A wrong gradient misses by far more.
DISAGREES = 1e-3

# The exact proof: T = T' = 2, two hidden units, scalar embeddings, every entry a symbol.
PROOF_SOURCE, PROOF_TARGETS = [0, 1], [1, 0]

# Numerical checks: a batch of two sentences of lengths T = 3, T' = 3, a word repeated.
P = Seq2SeqParams.random(5, 4, D_h=3, d_en=2, d_hi=2, seed=3, scale=0.8)
SOURCE = np.array([[0, 3, 0], [2, 4, 1]])
TARGETS = np.array([[1, 1, 3], [2, 0, 3]])


@pytest.fixture(scope="module")
def symbolic_model():
    params = sym.parameter_symbols(n_en=2, n_hi=2, D_h=2, d_en=1, d_hi=1)
    return params, sym.unrolled_loss(params, PROOF_SOURCE, PROOF_TARGETS)


def closed_form_at(params: Seq2SeqParams, source, targets, replace=None) -> dict[str, np.ndarray]:
    """The SymPy closed form at these parameters, evaluated at 50 digits, for one sentence pair."""
    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    unrolled = sym.unrolled_loss(exact, list(source), list(targets))
    grads = sym.closed_form_gradients(exact, unrolled, list(targets), source=list(source), replace=replace)
    return {name: evaluate(g).reshape(params.as_dict()[name].shape) for name, g in grads.items()}


def summed_closed_form(replace=None) -> dict[str, np.ndarray]:
    singles = [closed_form_at(P, s, t, replace) for s, t in zip(SOURCE, TARGETS, strict=True)]
    return {name: sum(single[name] for single in singles) for name in singles[0]}


def flat(grads: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([g.ravel() for g in grads.values()])


# --- 1. Exact proof -----------------------------------------------------------------------------


@pytest.mark.equation(*BACKWARD_IDS, *FORWARD_IDS)
def test_every_closed_form_gradient_is_the_exact_derivative_of_the_loss(symbolic_model):
    params, unrolled = symbolic_model
    closed = sym.closed_form_gradients(params, unrolled, PROOF_TARGETS, source=PROOF_SOURCE)
    proofs = prove_gradients(unrolled.loss, params, closed)
    assert [p.variable for p in proofs if not p.proven] == []
    assert sum(p.entries for p in proofs) == sum(m.rows * m.cols for m in params.values())


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_the_exact_proof_rejects_each_mistake(symbolic_model, mistake: Seq2SeqMistake):
    params, unrolled = symbolic_model
    closed = sym.closed_form_gradients(params, unrolled, PROOF_TARGETS, source=PROOF_SOURCE, replace=mistake.sympy)
    proofs = prove_gradients(unrolled.loss, params, closed, stop_at_first=True)
    assert not all(p.proven for p in proofs)


# --- 2. 50 digits -------------------------------------------------------------------------------


@pytest.mark.equation(*BACKWARD_IDS)
def test_numpy_gradients_equal_the_closed_form_at_50_digits():
    numpy_grads = backward(P, SOURCE, TARGETS).grads.as_dict()
    reference = summed_closed_form()
    for name, g in numpy_grads.items():
        assert relative_error(g, reference[name]) <= AGREES, name


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_the_50_digit_comparison_rejects_each_mistake(mistake: Seq2SeqMistake):
    wrong = run_backward(P, SOURCE, TARGETS, replace=mistake.numpy).grads.as_dict()
    assert relative_error(flat(wrong), flat(summed_closed_form())) > DISAGREES


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_numpy_and_sympy_versions_of_each_mistake_are_the_same_mistake(mistake: Seq2SeqMistake):
    wrong_numpy = run_backward(P, SOURCE, TARGETS, replace=mistake.numpy).grads.as_dict()
    assert relative_error(flat(wrong_numpy), flat(summed_closed_form(mistake.sympy))) <= AGREES


# --- 3. Finite differences and complex step -----------------------------------------------------


def report_for(grads: dict[str, np.ndarray]):
    return check_gradients(lambda q: loss(q, SOURCE, TARGETS), P.as_dict(), grads)


@pytest.mark.equation(*BACKWARD_IDS)
def test_central_differences_and_complex_step_agree_with_the_gradients():
    report = report_for(backward(P, SOURCE, TARGETS).grads.as_dict())
    assert report.passed, str(report)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_finite_differences_and_complex_step_reject_each_mistake(mistake: Seq2SeqMistake):
    report = report_for(run_backward(P, SOURCE, TARGETS, replace=mistake.numpy).grads.as_dict())
    failed_methods = {row.method for row in report.failures()}
    assert failed_methods == {"central", "complex"}


# --- Structure ----------------------------------------------------------------------------------


def test_cutting_the_context_leaves_the_encoder_without_gradient():
    cut = next(m for m in MISTAKES if m.name == "gradient-cut-at-context")
    grads = run_backward(P, SOURCE, TARGETS, replace=cut.numpy).grads
    for g in (grads.grad_E_en, grads.grad_W_h, grads.grad_W_e, grads.grad_b_1):
        assert not np.any(g)
    assert np.any(backward(P, SOURCE, TARGETS).grads.grad_W_h)  # while the correct one is not zero


def test_a_batch_gives_the_sums_of_its_sentences():
    batch = backward(P, SOURCE, TARGETS)
    singles = [backward(P, s, t) for s, t in zip(SOURCE, TARGETS, strict=True)]
    assert batch.loss == pytest.approx(sum(s.loss for s in singles), rel=1e-14)
    for name, g in batch.grads.as_dict().items():
        np.testing.assert_allclose(g, sum(s.grads.as_dict()[name] for s in singles), rtol=1e-13, atol=1e-15)


def test_an_unknown_replacement_id_is_refused():
    with pytest.raises(ValueError, match="replace: expected equation ids"):
        run_backward(P, SOURCE, TARGETS, replace={"eq-no-such": lambda *a: None})
