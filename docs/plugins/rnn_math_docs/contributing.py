"""Content of the Contributing page: real examples read from the package's source when the site is built.

The page shows an equation, its twin, its placement, the mistake that is its negative control
and the vanilla RNN's declaration exactly as they are in the code (``inspect`` and ``ast`` read
them), so the examples cannot drift from what they illustrate.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from functools import cache
from types import ModuleType
from typing import Any

from rnn_math.apps.verify_command import equation_numbers, format_listing
from rnn_math.core.registry import Equation, registry
from rnn_math.verification import engine
from rnn_math.verification.mistakes import Mistake
from rnn_math_docs.docs_index import scan_docs

#: The model whose declaration and first mistake the page shows.
EXAMPLE_MODEL = "rnn"


def _fenced(code: str, language: str = "python") -> str:
    # Four backticks: the source may itself hold a triple-backtick example in a docstring.
    return f"````{language}\n{textwrap.dedent(code).rstrip()}\n````"


def _model() -> Any:
    return next(m for m in engine.models() if m.name == EXAMPLE_MODEL)


@cache
def example_mistake() -> Mistake:
    """The example's negative control: the first mistake of the example model's catalogue."""
    return _model().mistakes[0]


def example_equation() -> Equation:
    """The equation the example mistake corrupts."""
    return registry()[example_mistake().eq_id]


def _assignment(module: ModuleType, name: str) -> str:
    """The source of the module-level statement that binds `name`."""
    source = inspect.getsource(module)
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.get_source_segment(source, node) or ""
    raise LookupError(f"{module.__name__} binds no {name!r} at module level")


def _bound_name(module: ModuleType, value: object) -> str:
    names = [name for name, bound in vars(module).items() if bound is value]
    if not names:
        raise LookupError(f"{module.__name__} binds no name to {value!r}")
    return names[0]


def _where(obj: Any) -> str:
    return f"`{obj.__module__}`"


def equation_source() -> str:
    """The example equation's NumPy function, its decorator included, as it is in the code."""
    eq = example_equation()
    return f"In {_where(eq.numpy)}:\n\n" + _fenced(inspect.getsource(eq.numpy))


def twin_source() -> str:
    """The example equation's SymPy twin, as it is in the code."""
    eq = example_equation()
    if eq.sympy is None:
        raise LookupError(f"{eq.id} has no SymPy twin")
    return f"In {_where(eq.sympy)}:\n\n" + _fenced(inspect.getsource(eq.sympy))


def placement() -> str:
    """The lines of the example equation's page that number it and place it."""
    eq, index = example_equation(), scan_docs()
    page = index.page(eq.id)
    marker = "{{" + f"eq {eq.id}" + "}}"  # built here: written in a page, the marker would place it twice
    block = _fenced(f"---\nchapter: {index.chapters[page]}\n---\n\n…\n\n{marker}\n", "markdown")
    reference = "{{" + f"ref {eq.id}" + "}}"
    return (
        f"On `{page}` (its front matter declares the chapter), as number {index.number(eq.id)}:\n\n{block}\n\n"
        f"Any page then refers to it with `{reference}`, which prints ({index.number(eq.id)}) as a link."
    )


def mistake_source() -> str:
    """The example mistake as it is declared, and its wrong NumPy function."""
    mistake = example_mistake()
    wrong = mistake.numpy[next(iter(mistake.numpy))]
    module = importlib.import_module(wrong.__module__)
    declared = _assignment(module, _bound_name(module, mistake))
    return f"In `{module.__name__}`:\n\n" + _fenced(inspect.getsource(wrong) + "\n\n" + declared)


def declaration_source() -> str:
    """The vanilla RNN's declaration, as it is in the code (the module that assigns it, not one that imports it)."""
    model = _model()
    for name, module in sorted(sys.modules.items()):
        if name.startswith("rnn_math.") and any(bound is model for bound in vars(module).values()):
            try:
                statement = _assignment(module, _bound_name(module, model))
            except LookupError:
                continue  # imported there, declared elsewhere
            return f"In `{name}`:\n\n" + _fenced(statement)
    raise LookupError(f"no module of the package declares the model {model.name!r}")


def listing() -> str:
    """What ``rnn-math verify --list --model rnn`` prints."""
    declared = [d for d in engine.list_equations() if d[0] == EXAMPLE_MODEL]
    titles = {m.name: m.title for m in engine.models()}
    command = f"$ rnn-math verify --list --model {EXAMPLE_MODEL}\n"
    return _fenced(command + format_listing(declared, equation_numbers(), titles), "text")


def example_ids() -> str:
    """The example equation's id and its mistake's name, for the page's prose."""
    return f"`{example_equation().id}` and its mistake `{example_mistake().name}`"
