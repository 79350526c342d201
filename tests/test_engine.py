"""The verification engine: every registered equation reached, every check passing, every mistake rejected.

Generic over the declarations: a new model is covered by declaring it, with no test to copy.
"""

from __future__ import annotations

import dataclasses

import pytest

from rnn_math.core.registry import registry
from rnn_math.rnn import declaration as rnn_declaration
from rnn_math.verification.declaration import Check, Model, attribute
from rnn_math.verification.engine import equation_report, list_equations, models, run_check, verify
from rnn_math.verification.evaluate import relative_error
from rnn_math.verification.mistakes import Mistake
from rnn_math.verification.report import EquationReport

MODELS = models()
CHECKS = [pytest.param(model, check, id=f"{model.name}: {check.name}") for model in MODELS for check in model.checks()]


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
    [
        ({"model": "transformer"}, r"model: expected one of \[.*'rnn'.*\], got 'transformer'"),
        (
            {"equation": "eq-nope"},
            r"equation: expected a declared equation id, one of \[.*'eq-bptt-delta'.*\], got 'eq-nope'",
        ),
        (
            {"model": "training", "equation": "eq-bptt-delta"},
            r"equation: expected a declared equation id of model 'training'",
        ),
    ],
)
def test_an_unknown_model_or_equation_is_refused_naming_the_argument_and_the_known_ones(arguments, message):
    with pytest.raises(ValueError, match=message):
        verify(**arguments)


# Attribution: each equation reports the outputs it produces, so a small gradient cannot hide behind a large one.

#: What the RNN's declaration says each backward equation produces in the 50-digit checks (the
#: hidden-state gradient produces no output of its own: it is measured on δ, which it feeds).
RNN_FIFTY_DIGIT_OUTPUTS = {
    "eq-bptt-output-grad": ["output_grads"], "eq-bptt-grad-u": ["U"], "eq-bptt-grad-b2": ["b_2"],
    "eq-bptt-hidden-grad": ["deltas"], "eq-bptt-delta": ["deltas"], "eq-bptt-grad-wh": ["W_h"],
    "eq-bptt-grad-we": ["W_e"], "eq-bptt-grad-b1": ["b_1"], "eq-bptt-grad-h0": ["h_0"],
    "eq-bptt-grad-x": ["x_1", "x_2", "x_3"],
}  # fmt: skip


def _rnn_model():
    return next(m for m in MODELS if m.name == "rnn")


def _fifty_digit_reports(model, check_names: set[str]) -> dict[str, EquationReport]:
    """Each RNN backward equation's report from the composed 50-digit checks alone (no exact proof: fast)."""
    outcomes = [run_check(c, ()) for c in model.checks() if c.name in check_names]
    without_mistakes = dataclasses.replace(model, mistakes=())
    return {eq_id: equation_report(without_mistakes, eq_id, eq_id, outcomes) for eq_id in RNN_FIFTY_DIGIT_OUTPUTS}


COMPOSED_CHECKS = {f"composed BPTT against the twins at 50 digits, {a}" for a in ("sigmoid", "tanh")}


def test_each_equation_reports_the_50_digit_error_of_the_outputs_it_is_declared_to_produce():
    reports = _fifty_digit_reports(_rnn_model(), COMPOSED_CHECKS)
    errors = {}  # by activation and output: NumPy's composer against the twins at 50 digits, computed here
    for activation in ("sigmoid", "tanh"):
        actual, expected = rnn_declaration.composed(activation), rnn_declaration.twin_reference(activation)
        errors[activation] = {name: relative_error(actual[name], expected[name]) for name in expected}
    for eq_id, names in RNN_FIFTY_DIGIT_OUTPUTS.items():
        assert reports[eq_id].fifty_digit == max(errors[a][n] for a in errors for n in names), eq_id
        assert reports[eq_id].measured_on == tuple(names), eq_id
    # The attribution matters: the equations' values differ, so no one value is copied to all.
    assert len({r.fifty_digit for r in reports.values()}) > 3


@pytest.fixture
def b_2_nudged(monkeypatch):
    """The composer with grad_b_2 off by one part in 1e9: far below the largest gradient's scale, far above rounding."""
    composer = rnn_declaration.rnn_gradients

    def nudged(*args, **kwargs):
        result = composer(*args, **kwargs)
        grads = dataclasses.replace(result.grads, grad_b_2=result.grads.grad_b_2 * (1 + 1e-9))
        return dataclasses.replace(result, grads=grads)

    monkeypatch.setattr(rnn_declaration, "rnn_gradients", nudged)


def test_a_planted_error_in_one_small_gradient_fails_exactly_its_own_equation_at_50_digits(b_2_nudged):
    reports = _fifty_digit_reports(_rnn_model(), COMPOSED_CHECKS)
    assert {eq_id for eq_id, report in reports.items() if not report.passed} == {"eq-bptt-grad-b2"}
    assert 1e-10 < reports["eq-bptt-grad-b2"].fifty_digit < 1e-8  # the nudge itself
    assert all(r.fifty_digit < 1e-14 for eq_id, r in reports.items() if eq_id != "eq-bptt-grad-b2")


def test_a_planted_error_in_one_small_gradient_fails_only_the_equations_measured_on_it_by_complex_step(b_2_nudged):
    model = _rnn_model()
    numerical = {c.name for c in model.checks() if c.name.startswith("central differences")}
    reports = _fifty_digit_reports(model, numerical)
    failed = {eq_id for eq_id, report in reports.items() if not report.passed}
    # The check has no output of ŷ − y's own, so it measures that equation on U, b_2, … downstream:
    # it fails too; every other equation, b_2 not among its outputs, passes.
    assert failed == {"eq-bptt-grad-b2", "eq-bptt-output-grad"}
    assert reports["eq-bptt-grad-b2"].complex_step > 1e-10 and reports["eq-bptt-grad-b2"].measured_on == ("b_2",)
    assert "b_2" in reports["eq-bptt-output-grad"].measured_on
    assert all("b_2" not in r.measured_on for eq_id, r in reports.items() if eq_id not in failed)


def test_a_mistake_is_rejected_for_an_equation_only_where_that_equations_outputs_reject_it():
    # A check of two equations that measures a mistake of the second only on the first's output:
    # the check as a whole rejects it, yet the second equation's own output did not see it.
    wrong = Mistake("planted", "planted", "t", "d", "x", numpy={"eq-bptt-grad-b2": lambda *a: None})

    def measure(replace):
        return {"fifty_digit": {"U": 1.0 if replace else 0.0, "b_2": 0.0}}

    check = Check(
        "planted",
        ("eq-bptt-grad-u", "eq-bptt-grad-b2"),
        "numpy",
        measure,
        {"fifty_digit": 1e-12},
        attribution={"eq-bptt-grad-u": ("U",), "eq-bptt-grad-b2": ("b_2",)},
    )
    model = Model("planted", "t", ("eq-bptt-grad-u", "eq-bptt-grad-b2"), (), lambda: [check], (wrong,))
    outcome = run_check(check, model.mistakes)
    assert outcome.rejected == {"planted": True}
    report = equation_report(model, "eq-bptt-grad-b2", "t", [outcome])
    assert report.controls_rejected == 0 and not report.passed
    assert report.failures == ("mistake 'planted': accepted by ['planted']",)


def test_attribute_gives_each_equation_its_own_outputs_or_the_nearest_downstream():
    equations = ("eq-a", "eq-b", "eq-c", "eq-d")
    found = attribute(
        equations,
        {"c": "eq-c", "d": "eq-d", "b": "eq-b"},
        {"eq-a": ("eq-b", "eq-c"), "eq-b": ("eq-d",), "eq-c": ("eq-d",)},
    )
    # eq-a produces nothing: the outputs of the equations it feeds, not those further down.
    assert found == {"eq-a": ("b", "c"), "eq-b": ("b",), "eq-c": ("c",), "eq-d": ("d",)}
    assert attribute(equations[:2], {"b": "eq-b"}, {"eq-a": ("eq-b",)}) == {"eq-a": ("b",), "eq-b": ("b",)}


@pytest.mark.parametrize(
    ("produced_by", "feeds", "message"),
    [
        ({"b": "eq-b"}, {"eq-a": ("eq-b",), "eq-b": ("eq-a",)}, r"feeds: expected no cycle, got eq-a -> eq-b -> eq-a"),
        ({"b": "eq-z"}, {}, r"expected equations among \['eq-a', 'eq-b'\], got \['eq-z'\]"),
        ({"b": "eq-b"}, {}, r"every equation to reach an output, but \['eq-a'\] reach none"),
    ],
)
def test_attribute_refuses_a_cycle_a_stranger_or_an_equation_that_reaches_no_output(produced_by, feeds, message):
    with pytest.raises(ValueError, match=message):
        attribute(("eq-a", "eq-b"), produced_by, feeds)


def test_a_check_whose_attribution_misses_an_equation_is_refused():
    with pytest.raises(ValueError, match=r"attribution: expected the outputs of every equation of check 'c'"):
        Check("c", ("eq-a", "eq-b"), "numpy", lambda replace: {}, attribution={"eq-a": ("a",)})


def test_the_report_says_which_outputs_its_numbers_come_from_in_json():
    (report,) = verify(equation="eq-bptt-grad-b2")
    assert report.measured_on == ("b_2",)
    assert report.to_json()["measured_on"] == ["b_2"]
