"""Content of the Verification page and the equation index, computed when the site is built.

Every check of every equation comes from the verification engine
([`verify`][rnn_math.verification.engine.verify]), as the very results ``rnn-math verify --json``
writes ([`results_json`][rnn_math.apps.verify_command.results_json]): the page shows what a reader
re-runs after installing the package, and no second copy of the checks lives here. Only the
saturation tables are measured here, by the package's own saturated cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from rnn_math.apps.verify_command import equation_numbers, results_json
from rnn_math.core.registry import registry
from rnn_math.rnn import saturation
from rnn_math.seq2seq import saturation as seq2seq_saturation
from rnn_math.verification import engine
from rnn_math.verification.declaration import KINDS
from rnn_math.verification.mistakes import all_mistakes
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table, scientific
from rnn_math_docs.mistakes import inline_math, typeset_name

#: How each kind of check is named on the page.
CHECK_NAMES = {
    "exact": "exact proof",
    "fifty_digit": "NumPy against SymPy at 50 digits",
    "central": "central differences",
    "complex_step": "complex step",
}


def _ref(eq_id: str) -> str:
    index = scan_docs()
    return f"[({index.number(eq_id)})][{eq_id}]" if eq_id in index.placements else f"`{eq_id}`"


def _sci(value: float) -> str:
    return f"${scientific(value)}$"


@cache
def engine_results() -> dict[str, Any]:
    """Every equation's checks, run by the engine: exactly what ``rnn-math verify --json`` writes."""
    return results_json(engine.verify(), equation_numbers())


def _model_titles() -> dict[str, str]:
    return {m.name: m.title for m in engine.models()}


def exact_cell(value: bool | None) -> str:
    """An exact proof's outcome: proven, failed, or a dash where none applies."""
    return "—" if value is None else ("proven" if value else "**failed**")


def error_cell(value: float | str | None) -> str:
    """A worst error: in scientific notation, spelled out when not finite (``"nan"``), a dash for none."""
    if value is None:
        return "—"
    return f"**{value}**" if isinstance(value, str) else _sci(value)


def controls_cell(report: Mapping[str, Any]) -> str:
    """The negative controls rejected, ``k of n`` (a dash when no mistake corrupts the equation)."""
    if report["controls"] == 0:
        return "—"
    text = f"{report['controls_rejected']} of {report['controls']}"
    return text if report["controls_rejected"] == report["controls"] else f"**{text}**"


def passed_cell(report: Mapping[str, Any]) -> str:
    """Whether every check held and every control was rejected."""
    return "yes" if report["passed"] else "**no**"


def output_lists(reports: list[Mapping[str, Any]]) -> dict[tuple[str, ...], int]:
    """Each distinct list of outputs the reports were measured on, numbered from 1 in order of first use."""
    numbered: dict[tuple[str, ...], int] = {}
    for report in reports:
        numbered.setdefault(tuple(report["measured_on"]), len(numbered) + 1)
    return numbered


def outputs_line(number: int, names: tuple[str, ...]) -> str:
    """One entry of the list under the table: its number and the outputs, as code."""
    return f"{number}. " + (", ".join(f"`{name}`" for name in names) if names else "none")


def equations() -> str:
    """One table of every equation the engine checks, grouped by model, in derivation order.

    Its last column numbers the outputs each equation's errors were measured on (the engine's
    ``measured_on``); the numbered lists follow the table, each list once however many rows share it.
    """
    titles = _model_titles()
    reports = engine_results()["equations"]
    lists = output_lists(reports)
    rows = []
    for report in reports:
        rows.append(
            [
                titles.get(report["model"], report["model"]),
                _ref(report["eq_id"]),
                f"`{report['eq_id']}`",
                exact_cell(report["exact"]),
                error_cell(report["fifty_digit"]),
                error_cell(report["central"]),
                error_cell(report["complex_step"]),
                controls_cell(report),
                passed_cell(report),
                str(lists[tuple(report["measured_on"])]),
            ]
        )
    header = [
        "model",
        "No.",
        "id",
        "exact proof",
        "50 digits",
        "central",
        "complex step",
        "controls rejected",
        "passed",
        "measured on",
    ]
    table = markdown_table(header, rows, "lllcrrrccc")
    legend = "\n".join(outputs_line(number, names) for names, number in lists.items())
    return f"{table}\n\n**Measured on**, by the number in the last column:\n\n{legend}"


def summary() -> str:
    """How many equations the engine checked, of how many models, and how many passed."""
    reports = engine_results()["equations"]
    passed = sum(r["passed"] for r in reports)
    models = len(dict.fromkeys(r["model"] for r in reports))
    verdict = "all of them passed" if passed == len(reports) else f"**{len(reports) - passed} failed**"
    return f"{len(reports)} equations of {models} declarations were checked while this page was built; {verdict}"


def tolerances() -> str:
    """The bound each kind of numerical check is held to, as the engine's reports record them."""
    bounds: dict[str, set[float]] = {}
    for report in engine_results()["equations"]:
        for kind, bound in report["tolerances"].items():
            bounds.setdefault(kind, set()).add(bound)
    parts = []
    for kind in KINDS:
        if kind in bounds:
            low, high = min(bounds[kind]), max(bounds[kind])
            span = _sci(low) if low == high else f"from {_sci(low)} to {_sci(high)}"
            parts.append(f"{CHECK_NAMES[kind]}: worst relative error at most {span}")
    return "; ".join(parts)


def checks_run() -> str:
    """Every check of every declaration, by name: what the table's columns summarise."""
    lines = []
    for model in engine.models():
        names = "; ".join(typeset_name(check.name) for check in model.checks())
        lines.append(f"- **{model.title}** (`--model {model.name}`): {names}.")
    return "\n".join(lines)


def mistakes_table() -> str:
    """The vanilla RNN's catalogued mistakes: the equation each corrupts, its right and wrong formula, what is wrong.

    Only the RNN's: this table stands in the BPTT chapter, before the other models are met; the
    Common-mistakes page lists every model's.
    """
    equations = registry()
    # inline_math writes | as \vert: a bare | in |V| would end the table cell inside the formula
    rows = [
        [
            m.title,
            _ref(m.eq_id),
            inline_math(equations[m.eq_id].latex),
            inline_math(m.wrong_latex),
            m.description.replace("|", "\\|"),
        ]
        for m in all_mistakes("rnn")
    ]
    return markdown_table(["mistake", "corrupts", "right formula", "wrong formula", "what is wrong"], rows, "lllll")


#: How a gradient's name reads in the saturation table; names not listed are shown as code.
_GRADIENT_SYMBOLS = {
    "W_h": "W_h",
    "W_e": "W_e",
    "b_1": "b_1",
    "U": "U",
    "b_2": "b_2",
    "h_0": "h^0",
    "xs": "x^t",
    "E_en": r"E_{\text{en}}",
    "E_hi": r"E_{\text{hi}}",
    "W_dec": r"W_{\text{dec}}",
    "V": "V",
    "c": "c",
    "W_out": r"W_{\text{out}}",
    "b_out": r"b_{\text{out}}",
}

Row = tuple[str, str, str]  # (model, activation, dtype)


def _gradient_label(name: str) -> str:
    symbol = _GRADIENT_SYMBOLS.get(name)
    return f"$\\partial L/\\partial {symbol}$" if symbol else f"`{name}`"


def saturation_table(
    errors: Mapping[Row, Mapping[str, float]], controls: Mapping[Row, Mapping[str, float]] | None = None
) -> str:
    """A table of worst norm-wise errors in saturation, for any models.

    Parameters
    ----------
    errors
        (model, activation, dtype) → gradient name → the worst error of the package's gradient
        against the 50-digit reference.
    controls
        The same for the negative control (the textbook forms), shown in brackets beside each
        error; rows missing here show none.

    Returns
    -------
    str
        One row per model and gradient, one column per activation and dtype (a dash where a model
        has no such case).
    """
    controls = controls or {}
    columns = sorted({(activation, dtype) for _, activation, dtype in errors}, key=lambda c: (c[1] != "float64", c[0]))
    models = list(dict.fromkeys(model for model, _, _ in errors))
    rows = []
    for model in models:
        names = list(dict.fromkeys(n for (m, _, _), per in errors.items() if m == model for n in per))
        for name in names:
            row = [model, _gradient_label(name)]
            for activation, dtype in columns:
                error = errors.get((model, activation, dtype), {}).get(name)
                control = controls.get((model, activation, dtype), {}).get(name)
                cell = "—" if error is None else _sci(error)
                row.append(cell if control is None else f"{cell} ({_sci(control)})")
            rows.append(row)
    header = ["model", "gradient", *(f"{activation}, {dtype}" for activation, dtype in columns)]
    return markdown_table(header, rows, "ll" + "r" * len(columns))


@cache
def _rnn_saturation() -> tuple[dict[Row, dict[str, float]], dict[Row, dict[str, float]]]:
    errors, controls = {}, {}
    for dtype in saturation.DTYPES:
        for activation in saturation.ACTIVATIONS:
            row = ("vanilla RNN", activation, dtype.name)
            errors[row] = saturation.saturation_errors(activation, dtype)
            controls[row] = saturation.saturation_errors(activation, dtype, saturation.textbook_bptt)
    return errors, controls


@cache
def _seq2seq_saturation() -> tuple[dict[Row, dict[str, float]], dict[Row, dict[str, float]]]:
    errors, controls = {}, {}
    for dtype in saturation.DTYPES:
        row = ("encoder-decoder", "tanh", dtype.name)
        errors[row] = seq2seq_saturation.saturation_errors(dtype)
        controls[row] = seq2seq_saturation.saturation_errors(dtype, seq2seq_saturation.TEXTBOOK)
    return errors, controls


def saturation_errors() -> str:
    """Worst error of every gradient over the saturated cases, with the textbook forms' beside it."""
    rnn_errors, rnn_controls = _rnn_saturation()
    seq2seq_errors, seq2seq_controls = _seq2seq_saturation()
    return saturation_table(rnn_errors | seq2seq_errors, rnn_controls | seq2seq_controls)


def saturation_setting() -> str:
    """The saturated cases the table measures, and the tolerances their tests hold them to."""
    levels = ", ".join(f"{e:g}" for e in saturation.EXTREMES)
    cases = [
        saturation.saturated_case(e, a, dt)
        for e in saturation.EXTREMES
        for a in saturation.ACTIVATIONS
        for dt in saturation.DTYPES
    ]
    margins = [float(c.params.b_2[0] - b) for c in cases for b in c.params.b_2[1:]]
    logit = max(saturation.reference(c).max_abs_logit for c in cases)
    B, T, d = cases[0].xs.shape
    dims = cases[0].params.dims
    return (
        f"largest $|z|$ of {levels}; the right output ahead of the others by margins of "
        f"{min(margins):g} to {max(margins):g} with logits up to $\\pm {logit:.0f}$; $B = {B}$, $T = {T}$, "
        f"$D_h = {dims.D_h}$, $d = {d}$, $|V| = {dims.V}$. The tests require every error below "
        f"${scientific(saturation.TOLERANCES['float64'], 0)}$ in float64 and "
        f"${scientific(saturation.TOLERANCES['float32'], 0)}$ in float32 (the reference then starts "
        f"from the float32 values)"
    )
