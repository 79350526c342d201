"""The equation index page: every equation with its number, page, NumPy function and SymPy twin."""

from __future__ import annotations

from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.render import short_name


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def table() -> str:
    """A Markdown table of every placed equation, in number order."""
    index = scan_docs()
    equations = registry()
    rows = sorted(
        (eq for eq in equations.values() if eq.id in index.placements),
        key=lambda eq: _number_key(index.number(eq.id)),
    )
    lines = [
        "| No. | Equation | Id | NumPy | SymPy twin |",
        "|---:|---|---|---|---|",
    ]
    for eq in rows:
        sympy = f"[`{short_name(eq.sympy_path)}`][{eq.sympy_path}]" if eq.sympy_path else "—"
        lines.append(
            f"| [({index.number(eq.id)})][{eq.id}] | {eq.title} | `{eq.id}` "
            f"| [`{short_name(eq.numpy_path)}`][{eq.numpy_path}] | {sympy} |"
        )
    return "\n".join(lines) + f"\n\n{len(rows)} equations."
