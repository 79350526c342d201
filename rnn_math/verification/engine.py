"""The verification engine: every registered equation's checks, run from the model declarations.

[`verify`][rnn_math.verification.engine.verify] runs, for every declared model (and every
declared group of equations that are not a model's gradients), each check the declaration names
(the exact SymPy proof, NumPy against SymPy at 50 digits, central differences, complex step), then
every mistake of its catalogue through the same checks, and returns one
[`EquationReport`][rnn_math.verification.report.EquationReport] per equation, in derivation order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rnn_math.core.registry import registry
from rnn_math.verification.declaration import KINDS, Check, Model, declared_models
from rnn_math.verification.mistakes import Mistake
from rnn_math.verification.report import EquationReport

__all__ = ["CheckOutcome", "equation_report", "list_equations", "models", "run_check", "run_model", "verify"]


@dataclass(frozen=True)
class CheckOutcome:
    """One check run on the correct equations and on every mistake it applies to.

    Attributes
    ----------
    check
        The check.
    values
        What it measured on the correct equations, by kind.
    passed
        Every value passes.
    rejected
        For each mistake it applies to (by name): whether it rejected it (some value fails).
    """

    check: Check
    values: dict[str, float | bool]
    passed: bool
    rejected: dict[str, bool]


def models() -> list[Model]:
    """Every declared model and equation group, in the order the site derives them."""
    return declared_models()


def list_equations() -> list[tuple[str, str, str]]:
    """``(model, eq_id, title)`` of every declared equation, in derivation order."""
    equations = registry()
    return [(m.name, eq_id, equations[eq_id].title) for m in models() for eq_id in m.equations]


def _fails(check: Check, values: dict[str, float | bool]) -> bool:
    return not all(check.passes(kind, value) for kind, value in values.items())


def _rejects(check: Check, values: dict[str, float | bool]) -> bool:
    return any(check.rejects(kind, value) for kind, value in values.items())


def run_check(check: Check, mistakes: Sequence[Mistake]) -> CheckOutcome:
    """Run one check on the correct equations and on each mistake it applies to."""
    values = dict(check.measure({}))
    rejected = {
        m.name: _rejects(check, dict(check.measure(getattr(m, str(check.side)))))
        for m in mistakes
        if check.applies_to(m)
    }
    return CheckOutcome(check, values, not _fails(check, values), rejected)


def run_model(
    model: Model, *, only: Sequence[str] | None = None, progress: Callable[[str], None] | None = None
) -> list[CheckOutcome]:
    """Run a model's checks (those covering an equation of `only`, if given), with their controls."""
    outcomes = []
    for check in model.checks():
        if only is not None and not set(only) & set(check.equations):
            continue
        if progress is not None:
            progress(f"{model.name}: {check.name}")
        outcomes.append(run_check(check, model.mistakes))
    return outcomes


def _worst(values: list[float | bool]) -> float | None:
    if not values:
        return None
    numbers = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in numbers) else max(numbers)


def equation_report(model: Model, eq_id: str, title: str, outcomes: Sequence[CheckOutcome]) -> EquationReport:
    """One equation's report from the outcomes of the checks that cover it."""
    covering = [o for o in outcomes if eq_id in o.check.equations]
    by_kind: dict[str, list[float | bool]] = {kind: [] for kind in KINDS}
    tolerances: dict[str, float] = {}
    failures = [f"{o.check.name}: {o.values}" for o in covering if not o.passed]
    for outcome in covering:
        for kind, value in outcome.values.items():
            by_kind[kind].append(value)
        for kind, bound in outcome.check.tolerances.items():
            tolerances[kind] = max(tolerances.get(kind, 0.0), bound)
    mistakes = [m for m in model.mistakes if eq_id in m.eq_ids]
    rejected = 0
    for mistake in mistakes:
        # Every check that substitutes this mistake must reject it, and at least one must.
        verdicts = {o.check.name: o.rejected[mistake.name] for o in outcomes if mistake.name in o.rejected}
        accepted = [name for name, verdict in verdicts.items() if not verdict]
        if verdicts and not accepted:
            rejected += 1
        elif not verdicts:
            failures.append(f"mistake {mistake.name!r}: no check substitutes it")
        else:
            failures.append(f"mistake {mistake.name!r}: accepted by {accepted}")
    if not covering:
        failures.append("no check covers this equation")
    exact = by_kind["exact"]
    return EquationReport(
        eq_id=eq_id,
        model=model.name,
        title=title,
        exact=all(exact) if exact else None,
        fifty_digit=_worst(by_kind["fifty_digit"]),
        central=_worst(by_kind["central"]),
        complex_step=_worst(by_kind["complex_step"]),
        controls=len(mistakes),
        controls_rejected=rejected,
        passed=not failures,
        tolerances=tolerances,
        failures=tuple(failures),
    )


def _select(model: str | None, equation: str | None) -> list[tuple[Model, list[str]]]:
    declared = models()
    if model is not None:
        names = [m.name for m in declared]
        if model not in names:
            raise ValueError(f"model: expected one of {names}, got {model!r}")
        declared = [m for m in declared if m.name == model]
    if equation is not None:
        known = [eq_id for m in declared for eq_id in m.equations]
        if equation not in known:
            where = f" of model {model!r}" if model is not None else ""
            raise ValueError(f"equation: expected a declared equation id{where}, one of {known}, got {equation!r}")
        return [(m, [equation]) for m in declared if equation in m.equations]
    return [(m, list(m.equations)) for m in declared]


def verify(
    *, model: str | None = None, equation: str | None = None, progress: Callable[[str], None] | None = None
) -> list[EquationReport]:
    """Run the checks of every declared equation (or of one model, or of one equation).

    Parameters
    ----------
    model
        Only this model's equations (a name from [`models`][rnn_math.verification.engine.models]).
    equation
        Only this equation (a registered id).
    progress
        Called with a short label before each unit of work (for a progress bar).

    Returns
    -------
    list[EquationReport]
        One report per equation, in derivation order.

    Raises
    ------
    ValueError
        If `model` or `equation` is not known; the message lists the known ones.
    """
    selection = _select(model, equation)
    titles = {eq_id: eq.title for eq_id, eq in registry().items()}
    reports = []
    for declared, eq_ids in selection:
        outcomes = run_model(declared, only=eq_ids if equation is not None else None, progress=progress)
        model_reports = [equation_report(declared, eq_id, titles[eq_id], outcomes) for eq_id in eq_ids]
        reports += _with_borrowed_controls(declared, model_reports, outcomes)
    return reports


def _with_borrowed_controls(
    model: Model, reports: list[EquationReport], outcomes: Sequence[CheckOutcome]
) -> list[EquationReport]:
    """A mistake that corrupts only borrowed equations belongs to no report: one it escapes fails them all."""
    escaped = []
    for mistake in model.mistakes:
        if set(mistake.eq_ids) & set(model.equations):
            continue  # counted in the reports of the equations it corrupts
        verdicts = [o.rejected[mistake.name] for o in outcomes if mistake.name in o.rejected]
        if verdicts and not all(verdicts):
            escaped.append(f"mistake {mistake.name!r} (of borrowed equations {list(mistake.eq_ids)}) is accepted")
    if not escaped:
        return reports
    return [replace(r, passed=False, failures=(*r.failures, *escaped)) for r in reports]
