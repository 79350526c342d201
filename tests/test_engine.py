"""The verification engine: every registered equation reached, every check passing, every mistake rejected.

Generic over the declarations: a new model is covered by declaring it, with no test to copy.
"""

from __future__ import annotations

import dataclasses

import pytest

from rnn_math.core.registry import registry
from rnn_math.verification.declaration import Check
from rnn_math.verification.engine import list_equations, models, run_check, verify
from rnn_math.verification.report import EquationReport

MODELS = models()
CHECKS = [
    pytest.param(model, check, id=f"{model.name}: {check.name}") for model in MODELS for check in model.checks()
]


def test_every_registered_equation_is_declared_by_exactly_one_model():
    declared = [eq_id for model in MODELS for eq_id in model.equations]
    assert len(declared) == len(set(declared))
    assert set(declared) == set(registry())


def test_every_declared_equation_is_covered_by_a_check():
    for model in MODELS:
        covered = {eq_id for check in model.checks() for eq_id in check.equations}
        assert set(model.equations) <= covered, model.name


def test_list_equations_follows_the_declarations_in_order():
    listed = list_equations()
    assert [(m, e) for m, e, _ in listed] == [(m.name, e) for m in MODELS for e in m.equations]
    assert all(title == registry()[eq_id].title for _, eq_id, title in listed)


@pytest.fixture(scope="module")
def outcomes():
    """Every check of every model, run once on the correct equations and on the mistakes it substitutes."""
    return {(m.name, c.name): run_check(c, m.mistakes) for m in MODELS for c in m.checks()}


@pytest.mark.parametrize(("model", "check"), CHECKS)
def test_each_check_passes_on_the_registered_equations(outcomes, model, check):
    outcome = outcomes[(model.name, check.name)]
    assert outcome.passed, outcome.values


@pytest.mark.parametrize(("model", "check"), CHECKS)
def test_each_check_rejects_every_mistake_it_substitutes(outcomes, model, check):
    outcome = outcomes[(model.name, check.name)]
    assert set(outcome.rejected) == {m.name for m in model.mistakes if check.applies_to(m)}
    assert all(outcome.rejected.values()), outcome.rejected


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_every_mistake_is_substituted_by_some_check_and_every_check_kind_rejects_it(outcomes, model):
    for mistake in model.mistakes:
        reached = [o for (name, _), o in outcomes.items() if name == model.name and mistake.name in o.rejected]
        assert reached, f"no check substitutes {mistake.name}"
        assert all(o.rejected[mistake.name] for o in reached), mistake.name


@pytest.mark.parametrize("model", [m for m in MODELS if m.composer is not None], ids=lambda m: m.name)
def test_a_model_with_gradients_is_checked_by_the_exact_proof_50_digits_and_both_numerical_methods(model):
    kinds = {kind for check in model.checks() for kind in check.tolerances}
    kinds |= {"exact" for check in model.checks() if check.side == "sympy"}
    assert kinds == {"exact", "fifty_digit", "central", "complex_step"}


# The engine's own failure modes: a check that cannot fail, or a threshold planted too loose, is caught.


def _rnn_check(kind: str) -> Check:
    rnn = next(m for m in MODELS if m.name == "rnn")
    return next(c for c in rnn.checks() if kind in c.tolerances or (kind == "exact" and c.side == "sympy"))


@pytest.mark.parametrize("kind", ["fifty_digit", "central", "complex_step"])
def test_a_planted_loose_margin_lets_a_mistake_through_and_the_engine_says_so(kind):
    check = _rnn_check(kind)
    loose = dataclasses.replace(check, margins={k: 1e300 for k in check.tolerances})
    rnn = next(m for m in MODELS if m.name == "rnn")
    assert not all(run_check(loose, rnn.mistakes).rejected.values())


def test_a_planted_zero_tolerance_fails_the_correct_equations():
    check = _rnn_check("central")
    strict = dataclasses.replace(check, tolerances={k: 0.0 for k in check.tolerances}, margins={})
    assert not run_check(strict, ()).passed


def test_a_disabled_check_that_measures_nothing_harmful_is_caught_as_accepting_every_mistake():
    check = _rnn_check("exact")
    outputs = {name for names in check.attribution.values() for name in names}
    disabled = dataclasses.replace(check, measure_outputs=lambda replace: {"exact": dict.fromkeys(outputs, True)})
    rnn = next(m for m in MODELS if m.name == "rnn")
    outcome = run_check(disabled, rnn.mistakes)
    assert outcome.passed and outcome.rejected and not any(outcome.rejected.values())


def test_a_not_a_number_error_never_passes_and_always_rejects():
    check = _rnn_check("fifty_digit")
    assert not check.passes("fifty_digit", float("nan"))
    assert check.rejects("fifty_digit", float("nan"))


# verify(): selection, reports and errors.


def test_verify_one_equation_reports_it_alone_with_its_controls():
    (report,) = verify(equation="eq-bptt-hidden-grad")
    assert isinstance(report, EquationReport)
    assert (report.eq_id, report.model, report.exact) == ("eq-bptt-hidden-grad", "rnn", True)
    assert report.controls == 2 and report.controls_rejected == 2 and report.passed
    assert report.fifty_digit <= 1e-12 and report.central <= 1e-7 and report.complex_step <= 1e-13
    assert report.to_json()["eq_id"] == "eq-bptt-hidden-grad"


def test_verify_one_model_reports_its_equations_in_order_and_says_what_it_runs():
    seen = []
    reports = verify(model="training", progress=seen.append)
    training = next(m for m in MODELS if m.name == "training")
    assert [r.eq_id for r in reports] == list(training.equations)
    assert all(r.passed and r.exact is None and r.central is None for r in reports)
    assert seen and all(label.startswith("training: ") for label in seen)


def test_an_equation_checked_by_no_test_of_its_kind_reports_none():
    (report,) = verify(equation="eq-sigmoid")
    assert report.exact is None and report.central is None and report.fifty_digit is not None


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"model": "lstm"}, r"model: expected one of \[.*'rnn'.*\], got 'lstm'"),
     ({"equation": "eq-nope"}, r"equation: expected a declared equation id, one of \[.*'eq-bptt-delta'.*\], got 'eq-nope'"),
     ({"model": "training", "equation": "eq-bptt-delta"}, r"equation: expected a declared equation id of model 'training'")],
)
def test_an_unknown_model_or_equation_is_refused_naming_the_argument_and_the_known_ones(arguments, message):
    with pytest.raises(ValueError, match=message):
        verify(**arguments)
