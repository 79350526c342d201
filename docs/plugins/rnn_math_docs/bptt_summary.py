"""The BPTT page's one-box summary and the code beside it, both read from the package at build time.

The composer is the one the vanilla RNN's model declaration names. The box lists the equations
its source looks up, in the declaration's derivation order, each formula taken from the registry;
the code is the composer's own source. Neither is typed into the page, so the two cannot drift
apart: an equation the composer starts or stops using changes the box.
"""

from __future__ import annotations

import inspect
import re

from rnn_math.core.registry import lookup
from rnn_math.verification.declaration import Model, declared_models
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.render import equation_reference

#: An equation looked up by id in a composer's source: ``eq["eq-bptt-delta"]``.
_EQ_USE = re.compile(r"""eq\[\s*["'](?P<id>eq-[\w-]+)["']\s*\]""")


#: The declared model whose backward pass the BPTT page summarises.
MODEL = "rnn"


def rnn_model() -> Model:
    """The vanilla RNN's declaration."""
    for model in declared_models():
        if model.name == MODEL:
            return model
    raise LookupError(f"model: expected a declared model named {MODEL!r}, got {[m.name for m in declared_models()]}")


def composer_source() -> str:
    """The source text of the RNN's composer, exactly as the package has it."""
    return inspect.getsource(rnn_model().composer)


def ids_used(source: str) -> list[str]:
    """The equation ids a composer's source looks up, in order of first use."""
    return list(dict.fromkeys(match["id"] for match in _EQ_USE.finditer(source)))


def summary_ids() -> tuple[str, ...]:
    """The ids the box lists: those the composer's source looks up, in the declaration's order.

    Raises
    ------
    ValueError
        If the composer looks up an equation its model does not declare (it would have no place
        in the derivation order), so that the build fails.
    """
    declared = rnn_model().equations
    used = ids_used(composer_source())
    undeclared = sorted(set(used) - set(declared))
    if undeclared:
        raise ValueError(f"composer: expected equations of the model {MODEL!r}, got the undeclared {undeclared}")
    return tuple(eq_id for eq_id in declared if eq_id in used)


def summary() -> str:
    """The whole backward pass in one box: number, what it computes, formula, the id the code uses."""
    index = scan_docs()
    rows = []
    for eq_id in summary_ids():
        eq = lookup(eq_id)
        rows.append(
            [equation_reference(eq, index.number(eq_id)), eq.title, f"$\\displaystyle {eq.latex}$", f"`{eq_id}`"]
        )
    table = markdown_table(["", "computes", "formula", "id in the code"], rows, "llll")
    return f'<div class="rm-summary" markdown="block">\n\n{table}\n\n</div>'


def implementation() -> str:
    """The composer's source as a Python code block."""
    return f"```python\n{composer_source().rstrip()}\n```"
