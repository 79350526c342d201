"""The BPTT page's one-box summary and the code beside it, both read from the package at build time.

The box lists the equations the package's composer uses, in its order, with each formula taken
from the registry; the code is the composer's own source. Neither is typed into the page, so the
two cannot drift apart: an equation the composer starts or stops using changes the box.
"""

from __future__ import annotations

import inspect
import re

from rnn_math.core.registry import lookup
from rnn_math.rnn.composer import BACKWARD_EQUATIONS, rnn_gradients
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.render import equation_reference

#: An equation looked up by id in a composer's source: ``eq["eq-bptt-delta"]``.
_EQ_USE = re.compile(r"""eq\[\s*["'](?P<id>eq-[\w-]+)["']\s*\]""")


def composer_source() -> str:
    """The source text of the RNN's composer, exactly as the package has it."""
    return inspect.getsource(rnn_gradients)


def ids_used(source: str) -> list[str]:
    """The equation ids a composer's source looks up, in order of first use."""
    return list(dict.fromkeys(match["id"] for match in _EQ_USE.finditer(source)))


def summary_ids() -> tuple[str, ...]:
    """The ids the box lists: the composer's backward equations, in derivation order.

    Raises
    ------
    ValueError
        If the composer's source uses an equation the list does not name, or names one it never
        uses, so that the build fails rather than show a box that differs from the code.
    """
    used, listed = set(ids_used(composer_source())), set(BACKWARD_EQUATIONS)
    if used != listed:
        raise ValueError(
            f"composer: expected the equations it uses, {sorted(used)}, to be those it lists, {sorted(listed)}"
        )
    return BACKWARD_EQUATIONS


def summary() -> str:
    """The whole backward pass in one box: number, what it computes, formula, the id the code uses."""
    index = scan_docs()
    rows = []
    for eq_id in summary_ids():
        eq = lookup(eq_id)
        rows.append([equation_reference(eq, index.number(eq_id)), eq.title, f"$\\displaystyle {eq.latex}$", f"`{eq_id}`"])
    table = markdown_table(["", "computes", "formula", "id in the code"], rows, "llll")
    return f'<div class="rm-summary" markdown="block">\n\n{table}\n\n</div>'


def implementation() -> str:
    """The composer's source as a Python code block."""
    return f"```python\n{composer_source().rstrip()}\n```"
