"""The encoder-decoder's gradients proven three ways, and every negative control rejected by each way.

The checks are the model's declaration (rnn_math.seq2seq.declaration), run by the engine:

1. Exact: SymPy's derivative of the unrolled loss minus the closed form is identically 0.
2. 50 digits: NumPy's gradients equal the closed form evaluated at 50 significant digits.
3. Numerical: central differences and complex step agree with NumPy's gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.seq2seq.declaration import SEQ2SEQ, SOURCE, TARGETS, small_params
from rnn_math.seq2seq.mistakes import MISTAKES
from rnn_math.seq2seq.passes import backward, run_backward
from rnn_math.verification.declaration import KINDS
from rnn_math.verification.engine import run_check

P = small_params()
CHECKS = {check.name: check for check in SEQ2SEQ.checks()}


@pytest.fixture(scope="module", params=sorted(CHECKS))
def outcome(request):
    """Each check of the declaration, run on the correct equations and on every mistake it substitutes."""
    return run_check(CHECKS[request.param], MISTAKES)


@pytest.mark.equation(*SEQ2SEQ.equations)
def test_each_check_passes_on_the_derived_equations(outcome):
    assert outcome.passed, (outcome.check.name, outcome.values)


def test_each_check_that_substitutes_mistakes_rejects_every_one(outcome):
    if outcome.check.side is None:
        pytest.skip("this check runs code that takes no replacements")
    assert set(outcome.rejected) == {m.name for m in MISTAKES if outcome.check.applies_to(m)}
    assert outcome.rejected and all(outcome.rejected.values()), outcome.rejected


def test_the_exact_proof_and_every_numerical_check_are_declared():
    kinds = {kind for check in CHECKS.values() for kind in check.tolerances}
    assert kinds | {"exact" for check in CHECKS.values() if check.side == "sympy"} == set(KINDS)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_numpy_and_sympy_versions_of_each_mistake_are_the_same_mistake(mistake):
    from rnn_math.seq2seq.declaration import summed_closed_form
    from rnn_math.verification.evaluate import relative_error

    wrong_numpy = run_backward(P, SOURCE, TARGETS, replace=mistake.numpy).grads.as_dict()
    wrong_sympy = summed_closed_form(mistake.sympy)
    for name, value in wrong_numpy.items():
        assert relative_error(value, wrong_sympy[name]) <= 1e-12, name


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
