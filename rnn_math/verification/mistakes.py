"""Plausible wrong versions of equations, as data: the negative controls of every check.

A check that cannot fail proves nothing. Each [`Mistake`][rnn_math.verification.mistakes.Mistake]
is an error that is easy to make when deriving or coding an equation by hand: it names the model
whose equations it corrupts, says in one line what is wrong, shows the wrong formula, and carries
wrong NumPy and SymPy functions by equation id, each with the signature of the registered function
it replaces (one mistake may replace several equations). The verification engine
([`verify`][rnn_math.verification.engine.verify]) substitutes them into the model's composers and
requires every applicable check to reject each one.

Adding a mistake to a model's catalogue (in the model's own ``mistakes`` module)::

    from rnn_math.verification.mistakes import Mistake

    MY_MISTAKE = Mistake(
        name="my-model-forgot-something",      # stable, lower-case, hyphenated
        model="my-model",                      # the declaration whose composers substitute it
        title="Short title",                   # may hold LaTeX in $...$
        description="One line: what is wrong and why it is tempting.",
        wrong_latex=r"...",                    # the wrong formula, as the page would print it
        numpy={"eq-my-equation": wrong_numpy_function},
        sympy={"eq-my-equation": wrong_sympy_function},
    )

and list it in the model declaration's ``mistakes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rnn_math.core.registry import EQUATION_ID

_NAME = re.compile(EQUATION_ID.pattern.replace("^eq-", "^"))


@dataclass(frozen=True)
class Mistake:
    """One plausible wrong version of one or more equations of one model.

    Attributes
    ----------
    name
        Stable id of the mistake, lower-case words joined by hyphens.
    model
        The declaration whose composers substitute it (``"rnn"``, ``"seq2seq"``, ``"training"``, …).
    title
        A few words, for a table of mistakes (LaTeX allowed in ``$...$``).
    description
        One line: what is wrong (LaTeX allowed in ``$...$``).
    wrong_latex
        The wrong formula in LaTeX, as a careless derivation would print it.
    numpy
        Wrong NumPy functions by equation id, each with the signature of the registered one.
    sympy
        Wrong SymPy functions by equation id, each with the signature of the twin (may be empty
        when the model's checks use no symbolic composer).
    """

    name: str
    model: str
    title: str
    description: str
    wrong_latex: str
    numpy: Mapping[str, Callable[..., Any]]
    sympy: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"name: expected lower-case words joined by hyphens, got {self.name!r}")
        if not isinstance(self.model, str) or not _NAME.match(self.model):
            raise ValueError(f"model: expected a model name such as 'rnn', got {self.model!r}")
        if not isinstance(self.numpy, Mapping) or not self.numpy:
            raise TypeError(f"numpy: expected a non-empty mapping of equation id to function, got {self.numpy!r}")
        if not isinstance(self.sympy, Mapping):
            raise TypeError(f"sympy: expected a mapping of equation id to function, got {type(self.sympy).__name__}")
        for side, replacements in (("numpy", self.numpy), ("sympy", self.sympy)):
            for eq_id, func in replacements.items():
                if not isinstance(eq_id, str) or not EQUATION_ID.match(eq_id.split("@")[0]):
                    raise ValueError(f"{side}: expected equation ids such as 'eq-bptt-delta', got {eq_id!r}")
                if not callable(func):
                    raise TypeError(f"{side}[{eq_id!r}]: expected a function, got {type(func).__name__}")
        # Frozen dataclass: store read-only copies so that a caller's dict cannot change the mistake later.
        object.__setattr__(self, "numpy", dict(self.numpy))
        object.__setattr__(self, "sympy", dict(self.sympy))

    @property
    def eq_ids(self) -> tuple[str, ...]:
        """The registered equations it corrupts, in the order given (a ``@`` suffix names a step)."""
        ids = [eq_id.split("@")[0] for eq_id in (*self.numpy, *self.sympy)]
        return tuple(dict.fromkeys(ids))

    @property
    def eq_id(self) -> str:
        """The first (usually the only) equation it corrupts."""
        return self.eq_ids[0]

    @property
    def numpy_replacement(self) -> dict[str, Callable[..., Any]]:
        """``{eq_id: wrong NumPy function}``, for a NumPy composer's ``replace=`` argument."""
        return dict(self.numpy)

    @property
    def sympy_replacement(self) -> dict[str, Callable[..., Any]]:
        """``{eq_id: wrong SymPy function}``, for a SymPy composer's ``replace=`` argument."""
        return dict(self.sympy)


def all_mistakes(model: str | None = None) -> list[Mistake]:
    """Every declared model's mistakes (or one model's), in the order of the declarations."""
    from rnn_math.verification.declaration import declared_models  # the declarations import this module

    return [m for declared in declared_models() for m in declared.mistakes if model is None or declared.name == model]


def get_mistake(name: str) -> Mistake:
    """The mistake called `name`, in any model's catalogue.

    Raises
    ------
    KeyError
        If no declared model has a mistake of this name; the message lists the known names.
    """
    known = {m.name: m for m in all_mistakes()}
    if name not in known:
        raise KeyError(f"no mistake is called {name!r}; known: {sorted(known)}")
    return known[name]
