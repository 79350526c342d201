"""Numbers and arrays as text for pages: one place decides how many digits a reader sees."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Decimals shown for computed values unless a page asks otherwise.
DIGITS = 4


def number(value: float, digits: int = DIGITS) -> str:
    """A real number with `digits` decimals and a true minus sign for LaTeX."""
    text = f"{float(value):.{digits}f}"
    return "0." + "0" * digits if text == "-0." + "0" * digits else text


def latex_matrix(values: ArrayLike, digits: int = DIGITS) -> str:
    """A vector (as a column) or matrix as a LaTeX ``bmatrix``."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    rows = array.reshape(-1, 1) if array.ndim == 1 else array
    body = r" \\ ".join(" & ".join(number(v, digits) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def markdown_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A Markdown table; `align` is one character per column, ``l``, ``r`` or ``c``."""
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    spec = align or "l" * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in spec) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def scientific(value: float, digits: int = 1) -> str:
    """A number in scientific notation as LaTeX (``1.2 \\times 10^{-16}``), without the ``$``.

    Written out rather than as ``1.2e-16``, which math mode would typeset as a product with e.
    """
    if value == 0:
        return "0"
    mantissa, exponent = f"{float(value):.{digits}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"
