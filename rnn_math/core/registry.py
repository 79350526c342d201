"""The equation registry: the single source of truth for every display equation on the site.

An equation is declared once, by decorating the NumPy function that implements it:

```python
@equation("eq-forward-z", title="Pre-activation", latex=r"z^t = W_h h^{t-1} + W_e x^t + b_1")
def pre_activation(W_h, h_prev, W_e, x_t, b_1): ...
```

and its SymPy twin is tied to it by id:

```python
@symbolic_twin("eq-forward-z")
def pre_activation(W_h, h_prev, W_e, x_t, b_1): ...
```

Everything else is derived from these records: the rendered equation (a page places it with
`{{eq eq-forward-z}}`), its number (the page's chapter and its position on the page), its
permalink and anchor, the link to the code, the code's link back to the equation, the equation
index, and the audit that the tests run.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: What an equation id looks like: `eq-` and lower-case words joined by hyphens.
EQUATION_ID = re.compile(r"^eq-[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Modules that are tooling, not mathematics: never imported to collect equations.
_NOT_MATHEMATICS = ("rnn_math_docs", "rnn_math.__main__")


@dataclass(frozen=True)
class Equation:
    """One display equation: what the page shows and the code that implements it.

    Attributes
    ----------
    id
        Stable identifier, also the HTML anchor (`eq-forward-z`). Never changes once published.
    title
        Short name shown beside the number and in the equation index.
    latex
        The equation's body in LaTeX (without `$$` and without `\\tag`).
    numpy
        The NumPy function that implements it.
    sympy
        Its SymPy twin, or ``None`` while none is registered (the audit reports that).
    aliases
        Former ids that must keep resolving after a rename.
    """

    id: str
    title: str
    latex: str
    numpy: Callable[..., Any]
    sympy: Callable[..., Any] | None = None
    aliases: tuple[str, ...] = ()

    @property
    def numpy_path(self) -> str:
        """Dotted path of the NumPy implementation (its API-reference identifier)."""
        return qualified_name(self.numpy)

    @property
    def sympy_path(self) -> str | None:
        """Dotted path of the SymPy twin, if there is one."""
        return qualified_name(self.sympy) if self.sympy is not None else None


_IMPLEMENTED: dict[str, Equation] = {}
_TWINS: dict[str, Callable[..., Any]] = {}


def qualified_name(func: Callable[..., Any]) -> str:
    """Return ``module.qualname`` of a function: the identifier mkdocstrings documents it under."""
    return f"{func.__module__}.{func.__qualname__}"


def _check_id(eq_id: str) -> None:
    if not EQUATION_ID.match(eq_id):
        raise ValueError(f"equation id: expected 'eq-' followed by lower-case words joined by hyphens, got {eq_id!r}")


def equation(eq_id: str, *, title: str, latex: str, aliases: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Register the decorated NumPy function as the implementation of equation `eq_id`.

    Parameters
    ----------
    eq_id
        The equation's stable id, for example ``"eq-forward-z"``.
    title
        Short name of the equation.
    latex
        The equation's body in LaTeX.
    aliases
        Former ids that must keep resolving.

    Returns
    -------
    Callable
        A decorator that records the function and returns it unchanged.
    """
    for name in (eq_id, *aliases):
        _check_id(name)

    def register(func: F) -> F:
        known = _IMPLEMENTED.get(eq_id)
        if known is not None and known.numpy_path != qualified_name(func):
            raise ValueError(
                f"equation id {eq_id!r}: already implemented by {known.numpy_path}, "
                f"cannot also be implemented by {qualified_name(func)}"
            )
        _IMPLEMENTED[eq_id] = Equation(eq_id, title, latex, func, aliases=tuple(aliases))
        return func

    return register


def symbolic_twin(eq_id: str) -> Callable[[F], F]:
    """Register the decorated SymPy function as the symbolic twin of equation `eq_id`.

    Parameters
    ----------
    eq_id
        The id of the equation this function rebuilds symbolically.

    Returns
    -------
    Callable
        A decorator that records the function and returns it unchanged.
    """
    _check_id(eq_id)

    def register(func: F) -> F:
        known = _TWINS.get(eq_id)
        if known is not None and qualified_name(known) != qualified_name(func):
            raise ValueError(
                f"equation id {eq_id!r}: already has the SymPy twin {qualified_name(known)}, "
                f"cannot also have {qualified_name(func)}"
            )
        _TWINS[eq_id] = func
        return func

    return register


#: Set once every mathematical module has been imported: the walk lists every folder of the
#: package, and the passes look their equations up on every call (thousands of times in training).
_all_imported = False


def _import_all_modules() -> None:
    """Import every mathematical module of the package so that its decorators have run (once)."""
    global _all_imported
    if _all_imported:
        return
    import rnn_math

    for module in pkgutil.walk_packages(rnn_math.__path__, prefix="rnn_math."):
        if not module.name.startswith(_NOT_MATHEMATICS):
            importlib.import_module(module.name)
    _all_imported = True  # only after a complete walk: an import that failed is retried next time


def registry() -> dict[str, Equation]:
    """Return every registered equation by id, each joined with its SymPy twin.

    Returns
    -------
    dict[str, Equation]
        Equations keyed by id, in no particular order (pages decide the order).
    """
    _import_all_modules()
    return {
        eq_id: Equation(eq.id, eq.title, eq.latex, eq.numpy, _TWINS.get(eq_id), eq.aliases)
        for eq_id, eq in _IMPLEMENTED.items()
    }


def orphan_twins() -> list[str]:
    """Return ids that have a SymPy twin but no registered equation (typos, stale twins)."""
    _import_all_modules()
    return sorted(set(_TWINS) - set(_IMPLEMENTED))


def lookup(eq_id_or_alias: str) -> Equation:
    """Return the equation with this id, or whose aliases include it.

    Raises
    ------
    KeyError
        If no equation has this id or alias; the message lists the nearest known ids.
    """
    equations = registry()
    if eq_id_or_alias in equations:
        return equations[eq_id_or_alias]
    for eq in equations.values():
        if eq_id_or_alias in eq.aliases:
            return eq
    import difflib

    near = difflib.get_close_matches(eq_id_or_alias, list(equations), n=3)
    raise KeyError(f"no equation has the id {eq_id_or_alias!r}" + (f"; did you mean {near}?" if near else ""))
