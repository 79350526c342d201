"""Markdown for the page markers: the equation block, equation references, computed content."""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable

from rnn_math.core.registry import Equation, lookup
from rnn_math_docs.docs_index import MARKER, DocsIndex


class MarkerError(ValueError):
    """A marker names an equation or a computation that does not exist."""


def short_name(path: str) -> str:
    """The last component of a dotted path: ``rnn_math.rnn.forward.softmax`` → ``softmax``."""
    return path.rsplit(".", 1)[-1]


def equation_block(eq: Equation, number: str) -> str:
    """The Markdown for a displayed equation.

    An autorefs Markdown anchor per id and alias (so ``page.md#eq-id`` and ``[text][eq-id]``
    both resolve), the LaTeX with its ``\\tag``, and a caption with the permalink, the title,
    the NumPy implementation and the SymPy twin, both linked to their API entries.
    """
    anchors = " ".join(f"[](){{#{anchor}}}" for anchor in (eq.id, *eq.aliases))
    code = f"NumPy [`{short_name(eq.numpy_path)}`][{eq.numpy_path}]"
    if eq.sympy_path:
        code += f" · SymPy [`{short_name(eq.sympy_path)}`][{eq.sympy_path}]"
    title = html.escape(eq.title, quote=True)
    return (
        f"\n{anchors}\n\n"
        f'<div class="rm-equation" data-eq-id="{eq.id}" data-eq-number="{number}" '
        f'data-eq-title="{title}" markdown="block">\n\n'
        f"$$\n{eq.latex} \\tag{{{number}}}\n$$\n\n"
        f'<p class="rm-equation-caption" markdown="span">'
        f'[({number})](#{eq.id} "Permalink to equation ({number})"){{ .rm-permalink }} '
        f"**{eq.title}** · {code}</p>\n\n"
        f"</div>\n"
    )


def equation_reference(eq: Equation, number: str) -> str:
    """An inline, numbered link to an equation on whatever page displays it."""
    return f"[({number})][{eq.id}]"


def computed(target: str) -> str:
    """Call ``rnn_math_docs.<module>.<function>()`` for a ``{{compute module.function}}`` marker."""
    module_name, _, function_name = target.rpartition(".")
    if not module_name:
        raise MarkerError(f"{{{{compute {target}}}}}: expected 'module.function'")
    try:
        module = importlib.import_module(f"rnn_math_docs.{module_name}")
    except ModuleNotFoundError as error:
        raise MarkerError(f"{{{{compute {target}}}}}: no module rnn_math_docs.{module_name}") from error
    function = getattr(module, function_name, None)
    if not callable(function):
        raise MarkerError(f"{{{{compute {target}}}}}: rnn_math_docs.{module_name} has no function {function_name!r}")
    result = function()
    if not isinstance(result, str):
        raise MarkerError(f"{{{{compute {target}}}}}: expected Markdown text, got {type(result).__name__}")
    return result


def render_markers(markdown: str, index: DocsIndex, compute: Callable[[str], str] = computed) -> str:
    """Replace every marker of a page by its Markdown.

    ``compute`` returns the Markdown of a ``{{compute}}`` target: by default it is computed now;
    the build passes the cached results (:class:`rnn_math_docs.computations.Computations`).

    Raises
    ------
    MarkerError
        For an unknown equation id or computation, so that the strict build fails.
    """

    def replace(match: re.Match[str]) -> str:
        kind, arg = match["kind"], match["arg"]
        if kind == "compute":
            return compute(arg)
        try:
            eq = lookup(arg)
        except KeyError as error:
            raise MarkerError(f"{{{{{kind} {arg}}}}}: {error.args[0]}") from error
        if eq.id not in index.placements:
            raise MarkerError(f"{{{{{kind} {arg}}}}}: the equation is placed on no page")
        number = index.number(eq.id)
        return equation_block(eq, number) if kind == "eq" else equation_reference(eq, number)

    return MARKER.sub(replace, markdown)
