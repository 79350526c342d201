"""The equation index page: every equation with its number, formula, code and verification status."""

from __future__ import annotations

from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.render import short_name
from rnn_math_docs.verification import engine_results

#: Where the status links to: the Verification page's table of every equation.
VERIFICATION_TABLE = "verification.md#every-equation-verified"


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def table_formula(latex: str) -> str:
    """An equation's LaTeX as inline math that a Markdown table cell can hold.

    A table splits its rows at every ``|``, so the bars of ``|V|`` and ``\\|g\\|`` become
    ``\\vert`` and ``\\Vert``, which KaTeX draws the same.
    """
    body = latex.replace(r"\|", r"\Vert ").replace("|", r"\vert ")
    return f"${' '.join(body.split())}$"


def status(eq_id: str, results: dict | None = None) -> str:
    """What the verification engine found for an equation, linked to the Verification page's table."""
    reports = {r["eq_id"]: r for r in (results or engine_results())["equations"]}
    report = reports.get(eq_id)
    if report is None:
        return "**not checked**"
    verdict = "passed" if report["passed"] else "**failed**"
    return f"[{verdict}]({VERIFICATION_TABLE})"


def table() -> str:
    """A Markdown table of every placed equation, in number order."""
    index = scan_docs()
    equations = registry()
    results = engine_results()
    rows = sorted(
        (eq for eq in equations.values() if eq.id in index.placements),
        key=lambda eq: _number_key(index.number(eq.id)),
    )
    lines = [
        "| No. | Equation | Formula | Id | NumPy | SymPy twin | Verified |",
        "|---:|---|---|---|---|---|---|",
    ]
    for eq in rows:
        sympy = f"[`{short_name(eq.sympy_path)}`][{eq.sympy_path}]" if eq.sympy_path else "—"
        lines.append(
            f"| [({index.number(eq.id)})][{eq.id}] | {eq.title} | {table_formula(eq.latex)} | `{eq.id}` "
            f"| [`{short_name(eq.numpy_path)}`][{eq.numpy_path}] | {sympy} | {status(eq.id, results)} |"
        )
    return "\n".join(lines) + f"\n\n{len(rows)} equations."
