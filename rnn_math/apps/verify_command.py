"""``rnn-math verify``: re-run every registered equation's checks and print what they found.

The checks are the verification engine's ([`rnn_math.verification.engine`][rnn_math.verification.engine]):
the exact SymPy proof, NumPy against SymPy at 50 digits, central differences, the complex step, and
the negative controls (each catalogued mistake must be rejected). This module only selects, shows
and saves their results:

- a table on stdout, grouped by model: the equation's number and id, each check's worst error,
  the controls rejected (k/n) and whether it passed; then the lemmas that extend the exact proofs
  to every sequence length, one row each with its sizes, controls and timing; progress goes to stderr;
- ``--equation ID`` (an id or a former, published alias) and ``--model NAME`` select;
  ``--list`` lists the models and their equations without running anything;
- ``--json FILE`` also writes the results, atomically, refusing an existing file without
  ``--overwrite``.

Exit status: 0 when every selected equation passed, 1 when one failed (or a file could not be
used), 2 when the command line names an unknown equation or model (one line, with the nearest
known names).
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from rnn_math.apps.errors import InputError
from rnn_math.apps.safe_files import check_output_paths, write_atomically
from rnn_math.verification.lemmas import LemmaReport
from rnn_math.verification.report import EquationReport

__all__ = [
    "EXIT_BAD_ARGUMENTS",
    "EXIT_FAILED",
    "Selection",
    "SelectionError",
    "add_verify_parser",
    "equation_numbers",
    "format_lemmas",
    "format_listing",
    "format_table",
    "results_json",
    "run_verify",
    "select",
]

PROG = "rnn-math verify"
#: Exit status when a selected equation failed a check (or a control was not rejected).
EXIT_FAILED = 1
#: Exit status when ``--equation`` or ``--model`` names nothing known.
EXIT_BAD_ARGUMENTS = 2
#: The shipped copy of the docs' equation numbers (written by the site tooling from the pages).
NUMBERS_FILE = "equation_numbers.json"


class SelectionError(ValueError):
    """``--equation`` or ``--model`` names no known equation or model."""


@cache
def equation_numbers() -> dict[str, str]:
    """Each equation's number on the site, ``{id: "4.3"}``, from the package data.

    The numbers come from the pages (chapter and position); the wheel has no pages, so it ships
    their recorded copy. An equation the pages do not place has no number.
    """
    text = resources.files("rnn_math").joinpath("data", NUMBERS_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _nearest(name: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return ", ".join(near) if near else ", ".join(known[:3]) + (", …" if len(known) > 3 else "")


@dataclass(frozen=True)
class Selection:
    """What the command line selected: a model name and an equation id, each or both None (all)."""

    model: str | None
    equation: str | None


def select(
    model: str | None, equation: str | None, declared: Sequence[tuple[str, str, str]], aliases: Mapping[str, str]
) -> Selection:
    """Check ``--model`` and ``--equation`` against the declared equations; resolve an alias to its id.

    Parameters
    ----------
    model, equation
        The command line's values (None when not given).
    declared
        ``(model, eq_id, title)`` of every declared equation (the engine's ``list_equations()``).
    aliases
        Former, published ids → today's id (from the registry).

    Raises
    ------
    SelectionError
        Naming the argument, what it got and the nearest known names.
    """
    models = list(dict.fromkeys(m for m, _, _ in declared))
    if model is not None and model not in models:
        known = ", ".join(models)
        raise SelectionError(f"--model {model}: no such model; nearest: {_nearest(model, models)} (known: {known})")
    if equation is None:
        return Selection(model, None)
    ids = [eq_id for _, eq_id, _ in declared]
    eq_id = aliases.get(equation, equation)  # a published alias resolves to today's id
    owners = [m for m, i, _ in declared if i == eq_id]
    if not owners:
        nearest = _nearest(equation, ids)
        raise SelectionError(f"--equation {equation}: no such equation or alias; nearest: {nearest}")
    if model is not None and model not in owners:
        owned_by = ", ".join(owners)
        raise SelectionError(f"--equation {equation}: not an equation of --model {model} (it is one of {owned_by})")
    return Selection(model, eq_id)


# --- output --------------------------------------------------------------------------------------


def _error(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1e}" if math.isfinite(value) else str(value)


def _exact(value: bool | None) -> str:
    return "—" if value is None else ("proven" if value else "FAILED")


def _controls(report: EquationReport) -> str:
    return "—" if report.controls == 0 else f"{report.controls_rejected}/{report.controls}"


_HEADER = ("No.", "equation", "exact proof", "50 digits", "central", "complex step", "controls", "pass")


def _row(report: EquationReport, numbers: dict[str, str]) -> tuple[str, ...]:
    return (
        numbers.get(report.eq_id, "—"),
        report.eq_id,
        _exact(report.exact),
        _error(report.fifty_digit),
        _error(report.central),
        _error(report.complex_step),
        _controls(report),
        "yes" if report.passed else "NO",
    )


def _aligned(rows: Sequence[Sequence[str]], left: frozenset[int] = frozenset({1, 2})) -> list[str]:
    # text columns (`left`) to the left, numbers to the right, as a reader scans them
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def format_table(
    reports: Sequence[EquationReport], numbers: dict[str, str], titles: dict[str, str] | None = None
) -> str:
    """The reports as a text table grouped by model, then one line per failure and a summary.

    Parameters
    ----------
    reports
        The engine's reports, in derivation order.
    numbers
        Equation id → its number on the site.
    titles
        Model name → its title, for the group headings (the name alone otherwise).
    """
    titles = titles or {}
    rows = [_HEADER] + [_row(r, numbers) for r in reports]
    lines = _aligned(rows)
    out, last_model = [lines[0]], None
    for report, line in zip(reports, lines[1:], strict=True):
        if report.model != last_model:
            heading = report.model + (f": {titles[report.model]}" if report.model in titles else "")
            out += ["", heading]
            last_model = report.model
        out.append(line)
    failed = [r for r in reports if not r.passed]
    out.append("")
    for report in failed:
        reasons = "; ".join(report.failures) or "a check did not hold"
        out.append(f"FAILED {report.eq_id} ({numbers.get(report.eq_id, 'no number')}): {reasons}")
    if failed:
        out.append(f"{len(failed)} of {len(reports)} equations failed")
    else:
        out.append(f"{len(reports)} equations: all passed")
    return "\n".join(out) + "\n"


_LEMMA_HEADER = ("lemma", "sizes", "proof", "controls", "seconds", "pass")


def _sizes(report: LemmaReport) -> str:
    shown = (f"every {name}" if isinstance(value, str) else f"{name} = {value}" for name, value in report.sizes.items())
    return ", ".join(shown) or "—"


def format_lemmas(lemmas: Sequence[LemmaReport], titles: dict[str, str] | None = None) -> str:
    """The lemmas as a text table grouped by model (proof, controls rejected k/n, the proof's seconds
    and, after a +, its controls'), then one line per failure; empty when there are none.

    Parameters
    ----------
    lemmas
        The engine's lemma reports, in the order of the declarations.
    titles
        Model name → its title, for the group headings (the name alone otherwise).
    """
    titles = titles or {}
    if not lemmas:
        return ""
    rows = [_LEMMA_HEADER] + [
        (
            r.name,
            _sizes(r),
            "proven" if r.proven else "FAILED",
            f"{r.controls_rejected}/{r.controls}",
            f"{r.seconds:.1f} + {r.controls_seconds:.1f}",
            "yes" if r.passed else "NO",
        )
        for r in lemmas
    ]
    lines = _aligned(rows, frozenset({0, 1, 2}))
    out, last_model = ["", "Lemmas: the exact proofs for every sequence length", lines[0]], None
    for report, line in zip(lemmas, lines[1:], strict=True):
        if report.model != last_model:
            out.append(report.model + (f": {titles[report.model]}" if report.model in titles else ""))
            last_model = report.model
        out.append(line)
    failed = [r for r in lemmas if not r.passed]
    out += [f"FAILED lemma {r.model}: {r.name}: {'; '.join(r.failures)}" for r in failed]
    out.append(f"{len(failed)} of {len(lemmas)} lemmas failed" if failed else f"{len(lemmas)} lemmas: all passed")
    return "\n".join(out) + "\n"


def format_listing(declared: Sequence[tuple[str, str, str]], numbers: dict[str, str], titles: dict[str, str]) -> str:
    """``--list``: every model with its equations (number, id, title), nothing run."""
    out: list[str] = []
    for model in dict.fromkeys(m for m, _, _ in declared):
        equations = [(i, t) for m, i, t in declared if m == model]
        heading = model + (f": {titles[model]}" if model in titles else "")
        out.append(f"{heading} ({len(equations)} equations)")
        width = max(len(numbers.get(i, "—")) for i, _ in equations)
        id_width = max(len(i) for i, _ in equations)
        out += [f"  {numbers.get(i, '—').rjust(width)}  {i.ljust(id_width)}  {t}" for i, t in equations]
        out.append("")
    return "\n".join(out)


def results_json(
    reports: Sequence[EquationReport], numbers: dict[str, str], lemmas: Sequence[LemmaReport] = ()
) -> dict[str, Any]:
    """What ``--json`` writes: the package version, each report with the equation's number, each lemma."""
    from rnn_math import __version__

    return {
        "rnn_math": __version__,
        "passed": all(r.passed for r in reports) and all(r.passed for r in lemmas),
        "equations": [{"number": numbers.get(r.eq_id), **r.to_json()} for r in reports],
        "lemmas": [r.to_json() for r in lemmas],
    }


# --- the command ---------------------------------------------------------------------------------


def add_verify_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the ``verify`` sub-command to the CLI's sub-parsers and return its parser."""
    ve = commands.add_parser(
        "verify",
        help="re-run every equation's proofs and checks, and print what they found",
        description="Re-run the exact proof, the 50-digit comparison, central differences, the complex "
        "step and the negative controls of every registered equation.",
    )
    ve.add_argument("--equation", metavar="ID", help="only this equation (an id such as eq-bptt-delta, or a former id)")
    ve.add_argument("--model", metavar="NAME", help="only this model's equations (see --list)")
    ve.add_argument("--list", action="store_true", help="list the models and their equations; run nothing")
    ve.add_argument("--json", metavar="FILE", help="also write the results as JSON to this file")
    ve.add_argument("--overwrite", action="store_true", help="replace an existing --json file (refused otherwise)")
    ve.set_defaults(handler=run_verify)
    return ve


def _aliases() -> dict[str, str]:
    from rnn_math.core.registry import registry

    return {alias: eq.id for eq in registry().values() for alias in eq.aliases}


def _check_json_target(args: argparse.Namespace) -> Path | None:
    """Refuse, before anything runs, a --json file that would destroy another file."""
    if args.json is None:
        return None
    path = Path(args.json)
    check_output_paths({"--json": path}, {})
    if path.exists() and not args.overwrite:
        raise InputError(f"--json: {path} already exists; pass --overwrite to replace it")
    return path


def _progress(err: TextIO, total: int) -> tuple[Callable[[str], None], Callable[[], None]]:
    """A live bar on a terminal; elsewhere one line saying what runs (a bar would be a wall of text)."""
    if not err.isatty():
        print(f"{PROG}: checking {total} equations", file=err, flush=True)
        return (lambda label: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=None, file=err, unit="check", dynamic_ncols=True, leave=False)

    def step(label: str) -> None:
        bar.set_postfix_str(label, refresh=False)
        bar.update(1)

    return step, bar.close


def run_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The ``verify`` sub-command (module docstring); returns the exit status."""
    from rnn_math.verification import engine

    declared = engine.list_equations()
    titles = {m.name: m.title for m in engine.models()}
    try:
        selection = select(args.model, args.equation, declared, _aliases())
    except SelectionError as error:
        print(f"{PROG}: error: {error}", file=err)
        return EXIT_BAD_ARGUMENTS
    numbers = equation_numbers()
    if args.list:
        chosen = [d for d in declared if selection.model in (None, d[0]) and selection.equation in (None, d[1])]
        out.write(format_listing(chosen, numbers, titles))
        return 0
    target = _check_json_target(args)
    total = sum(1 for m, i, _ in declared if selection.model in (None, m) and selection.equation in (None, i))
    step, close = _progress(err, total)
    try:
        reports = engine.verify(model=selection.model, equation=selection.equation, progress=step)
        lemmas = engine.verify_lemmas(model=selection.model, equation=selection.equation, progress=step)
    finally:
        close()
    out.write(format_table(reports, numbers, titles))
    out.write(format_lemmas(lemmas, titles))
    out.flush()
    if target is not None:
        text = json.dumps(results_json(reports, numbers, lemmas), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        content = text.encode("utf-8")

        def write(file: BinaryIO) -> None:
            file.write(content)

        write_atomically(target, write, what="--json")
    passed = reports and all(r.passed for r in reports) and all(r.passed for r in lemmas)
    return 0 if passed else EXIT_FAILED
