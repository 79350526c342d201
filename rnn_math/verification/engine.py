"""The verification engine: every registered equation's checks, run from the model declarations.

[`verify`][rnn_math.verification.engine.verify] runs, for every declared model (and every
declared group of equations that are not a model's gradients), each check the declaration names
(the exact SymPy proof, NumPy against SymPy at 50 digits, central differences, complex step), then
every mistake of its catalogue through the same checks, and returns one
[`EquationReport`][rnn_math.verification.report.EquationReport] per equation, in derivation order.

A check measures each of its outputs (every gradient, δ, …) separately, and each equation reports
the values of the outputs its declaration attributes to it (those it produces, else the nearest
downstream): a wrong small gradient fails its own equation, and no other.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from rnn_math.core.registry import registry
from rnn_math.verification.declaration import KINDS, Check, Measurement, Model, declared_models, worst_value
from rnn_math.verification.lemmas import Lemma, LemmaReport
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
        What it measured on the correct equations, by kind: the worst over its outputs.
    passed
        Every value passes.
    rejected
        For each mistake it applies to (by name): whether it rejected it (some value fails).
    outputs
        What it measured on the correct equations, by kind and output.
    mistake_outputs
        What it measured on each mistake it applies to, by kind and output (a proof stops at
        the first output it disproves, so later outputs may be missing).
    """

    check: Check
    values: dict[str, float | bool]
    passed: bool
    rejected: dict[str, bool]
    outputs: Measurement = dataclasses.field(default_factory=dict)
    mistake_outputs: Mapping[str, Measurement] = dataclasses.field(default_factory=dict)

    def values_of(self, eq_id: str) -> tuple[dict[str, float | bool], tuple[str, ...]]:
        """What the check measured on the outputs attributed to `eq_id`: the worst value by kind, and those outputs.

        Raises
        ------
        ValueError
            If the check measured none of the outputs its attribution names for `eq_id`.
        """
        values: dict[str, float | bool] = {}
        names: dict[str, None] = {}
        for kind, per_output in self.outputs.items():
            mine = self.check.outputs_of(eq_id, per_output)
            if not mine:
                raise ValueError(f"check {self.check.name!r} measured no output attributed to {eq_id!r}")
            values[kind] = worst_value(kind, [per_output[n] for n in mine])
            names |= dict.fromkeys(mine)
        return values, tuple(names)

    def rejects_on(self, mistake: Mistake, eq_id: str) -> bool:
        """Whether the check rejected `mistake` on the outputs attributed to `eq_id` (all, if it measured none)."""
        measured = self.mistake_outputs[mistake.name]
        mine = {kind: self.check.outputs_of(eq_id, per_output) for kind, per_output in measured.items()}
        if not any(mine.values()):
            return self.rejected[mistake.name]
        return any(self.check.rejects(kind, measured[kind][name]) for kind, names in mine.items() for name in names)


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


def _worst(measured: Measurement) -> dict[str, float | bool]:
    return {kind: worst_value(kind, per_output.values()) for kind, per_output in measured.items()}


def run_check(check: Check, mistakes: Sequence[Mistake]) -> CheckOutcome:
    """Run one check on the correct equations and on each mistake it applies to."""
    outputs = check.measure_outputs({})
    on_mistakes = {m.name: check.measure_outputs(getattr(m, str(check.side))) for m in mistakes if check.applies_to(m)}
    rejected = {name: _rejects(check, _worst(measured)) for name, measured in on_mistakes.items()}
    values = _worst(outputs)
    return CheckOutcome(check, values, not _fails(check, values), rejected, outputs, on_mistakes)


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


def _worst_number(values: list[float | bool]) -> float | None:
    return None if not values else float(worst_value("fifty_digit", values))


def equation_report(model: Model, eq_id: str, title: str, outcomes: Sequence[CheckOutcome]) -> EquationReport:
    """One equation's report from the outcomes of the checks that cover it, on the outputs attributed to it."""
    covering = [o for o in outcomes if eq_id in o.check.equations]
    by_kind: dict[str, list[float | bool]] = {kind: [] for kind in KINDS}
    tolerances: dict[str, float] = {}
    measured_on: dict[str, None] = {}
    failures = []
    for outcome in covering:
        values, names = outcome.values_of(eq_id)
        measured_on |= dict.fromkeys(names)
        if _fails(outcome.check, values):
            failures.append(f"{outcome.check.name}, on {', '.join(names)}: {values}")
        for kind, value in values.items():
            by_kind[kind].append(value)
        for kind, bound in outcome.check.tolerances.items():
            tolerances[kind] = max(tolerances.get(kind, 0.0), bound)
    mistakes = [m for m in model.mistakes if eq_id in m.eq_ids]
    rejected = 0
    for mistake in mistakes:
        # Every check that substitutes this mistake must reject it (on this equation's outputs, where
        # it measured them), and at least one must.
        verdicts = {
            o.check.name: o.rejected[mistake.name] and o.rejects_on(mistake, eq_id)
            for o in covering
            if mistake.name in o.rejected
        }
        verdicts |= {
            o.check.name: o.rejected[mistake.name] for o in outcomes if mistake.name in o.rejected and o not in covering
        }
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
        fifty_digit=_worst_number(by_kind["fifty_digit"]),
        central=_worst_number(by_kind["central"]),
        complex_step=_worst_number(by_kind["complex_step"]),
        controls=len(mistakes),
        controls_rejected=rejected,
        passed=not failures,
        tolerances=tolerances,
        failures=tuple(failures),
        measured_on=tuple(measured_on),
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
    """A mistake that corrupts only borrowed equations, or an output only borrowed equations produce,
    belongs to no report: one that fails fails them all."""
    escaped = []
    for outcome in outcomes:
        for eq_id in set(outcome.check.equations) - set(model.equations):
            values, names = outcome.values_of(eq_id)
            if _fails(outcome.check, values):
                escaped.append(f"{outcome.check.name}, on {', '.join(names)} (of borrowed {eq_id}): {values}")
    for mistake in model.mistakes:
        if set(mistake.eq_ids) & set(model.equations):
            continue  # counted in the reports of the equations it corrupts
        verdicts = [o.rejected[mistake.name] for o in outcomes if mistake.name in o.rejected]
        if verdicts and not all(verdicts):
            escaped.append(f"mistake {mistake.name!r} (of borrowed equations {list(mistake.eq_ids)}) is accepted")
    if not escaped:
        return reports
    return [replace(r, passed=False, failures=(*r.failures, *escaped)) for r in reports]


def lemma_check(lemma: Lemma) -> Check:
    """A lemma as a check of the equations it covers: an exact proof with one output, the lemma itself."""

    def measure(replace: Mapping[str, Callable[..., object]]) -> Measurement:
        return {"exact": {"lemma": lemma.prove(replace)}}

    return Check(f"lemma: {lemma.name}", lemma.equations, "sympy", measure)


def run_lemma(model: Model, lemma: Lemma) -> LemmaReport:
    """Prove one lemma of `model` on the correct equations and on each mistake that replaces one it covers."""
    durations: list[float] = []
    check = lemma_check(lemma)

    def timed(replace: Mapping[str, Callable[..., object]]) -> Measurement:
        start = time.perf_counter()
        try:
            return check.measure_outputs(replace)
        finally:
            durations.append(time.perf_counter() - start)

    outcome = run_check(dataclasses.replace(check, measure_outputs=timed), model.mistakes)
    failures = [] if outcome.passed else ["the identity does not hold for the correct equations"]
    accepted = [name for name, rejected in outcome.rejected.items() if not rejected]
    failures += [f"mistake {name!r} is accepted" for name in accepted]
    if not outcome.rejected:
        failures.append("no catalogued mistake replaces an equation it covers: nothing shows it can fail")
    return LemmaReport(
        name=lemma.name,
        model=model.name,
        statement=lemma.statement,
        equations=lemma.equations,
        sizes=dict(lemma.sizes),
        code=lemma.code,
        proven=outcome.passed,
        controls=len(outcome.rejected),
        controls_rejected=len(outcome.rejected) - len(accepted),
        passed=not failures,
        seconds=durations[0],
        controls_seconds=sum(durations[1:]),
        failures=tuple(failures),
    )


def verify_lemmas(
    *, model: str | None = None, equation: str | None = None, progress: Callable[[str], None] | None = None
) -> list[LemmaReport]:
    """Prove the lemmas of every declared model (or of one model, or those covering one equation).

    Parameters
    ----------
    model, equation
        As for [`verify`][rnn_math.verification.engine.verify]; with `equation`, only the lemmas
        that cover it.
    progress
        Called with a short label before each lemma.

    Returns
    -------
    list[LemmaReport]
        One report per lemma, in the order of the declarations.

    Raises
    ------
    ValueError
        If `model` or `equation` is not known.
    """
    reports = []
    for declared, eq_ids in _select(model, equation):
        for lemma in declared.lemmas:
            if equation is not None and not set(eq_ids) & set(lemma.equations):
                continue
            if progress is not None:
                progress(f"{declared.name}: lemma: {lemma.name}")
            reports.append(run_lemma(declared, lemma))
    return reports
