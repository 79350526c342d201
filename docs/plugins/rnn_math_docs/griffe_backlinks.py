"""A Griffe extension: every function registered for an equation links back to it in the API pages.

The registry knows which function implements (or is the SymPy twin of) which equation; this
extension writes that fact into the function's docstring as mkdocstrings renders it, so the
back-link can never disagree with the forward link, and nobody types an equation number twice.
"""

from __future__ import annotations

from typing import Any

import griffe

from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs


def backlinks() -> dict[str, str]:
    """Map each registered function's dotted path to the sentence that links it to its equation."""
    index = scan_docs()
    links: dict[str, str] = {}
    for eq in registry().values():
        if eq.id not in index.placements:
            continue
        number = index.number(eq.id)
        link = f"[equation ({number}), *{eq.title}*][{eq.id}]"
        links[eq.numpy_path] = f"**Implements** {link}."
        if eq.sympy_path:
            links[eq.sympy_path] = f"**Symbolic twin of** {link}."
    return links


def with_backlink(docstring: str, sentence: str) -> str:
    """Insert `sentence` as the second paragraph, after the summary line.

    Appending it at the end would make it part of the last NumPy-style section (Returns, Notes).
    """
    summary, separator, rest = docstring.partition("\n\n")
    return f"{summary}\n\n{sentence}" + (f"\n\n{rest}" if separator else "")


class EquationBacklinks(griffe.Extension):
    """Add "Implements equation (n)" to the docstring of every registered function."""

    def __init__(self) -> None:
        self._links = backlinks()

    def on_function(self, *, func: griffe.Function, **kwargs: Any) -> None:
        """Insert the back-link once the function's docstring is known."""
        sentence = self._links.get(func.path)
        if sentence is None:
            return
        if func.docstring is None:
            func.docstring = griffe.Docstring(sentence, parent=func)
        else:
            func.docstring.value = with_backlink(func.docstring.value, sentence)
