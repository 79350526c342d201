"""A model declared once: its equations, parameters, composers, checks and mistakes.

A [`Model`][rnn_math.verification.declaration.Model] is what the verification engine knows of a
model (the vanilla RNN, the encoder-decoder) or of a group of equations that are not a model's
gradients (the training equations, clipping): the ids of its equations in derivation order, its
parameters, its composers, and the [`Check`][rnn_math.verification.declaration.Check]s that prove
its equations. A declaration lives in the model's own folder and is made known with
[`declare`][rnn_math.verification.declaration.declare]; everything else (running the checks, the
negative controls, the pages, the audit) is generic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rnn_math.core.registry import registry
from rnn_math.verification.lemmas import Lemma
from rnn_math.verification.mistakes import Mistake

#: What a check measures, and the name of the report's field that holds it.
KINDS = ("exact", "fifty_digit", "central", "complex_step")

#: Which replacements of a mistake a check substitutes: its NumPy or its SymPy functions.
SIDES = ("numpy", "sympy")

Replacements = Mapping[str, Callable[..., Any]]
#: What a check measures: by kind, the value on each named output (one gradient, δ, one layer's states).
Measurement = Mapping[str, Mapping[str, "float | bool"]]


def equation_functions(
    eq_ids: Sequence[str], replace: Replacements | None = None, *, side: str = "numpy"
) -> dict[str, Callable[..., Any]]:
    """The registered functions of `eq_ids` (the NumPy ones, or the SymPy twins), with replacements by id.

    Parameters
    ----------
    eq_ids
        The equations a composer uses.
    replace
        Wrong versions by id (a mistake's ``numpy`` or ``sympy``); each must be among `eq_ids`.
    side
        ``"numpy"`` or ``"sympy"``.

    Raises
    ------
    ValueError
        If `replace` names an id outside `eq_ids`, or `side` is neither side.
    """
    if side not in SIDES:
        raise ValueError(f"side: expected one of {SIDES}, got {side!r}")
    replace = dict(replace or {})
    unknown = set(replace) - set(eq_ids)
    if unknown:
        raise ValueError(f"replace: expected equation ids among {sorted(eq_ids)}, got {sorted(unknown)}")
    equations = registry()
    return {eq_id: getattr(equations[eq_id.split("@")[0]], side) for eq_id in eq_ids} | replace


def worst_value(kind: str, values: Iterable[float | bool]) -> float | bool:
    """The worst of several values of one kind: every proof holds, or the largest error (NaN if any is NaN).

    Raises
    ------
    ValueError
        If there is no value at all.
    """
    values = list(values)
    if not values:
        raise ValueError(f"values: expected at least one value of kind {kind!r}, got none")
    if kind == "exact":
        return all(v is True for v in values)
    numbers = [float(v) for v in values]
    return math.nan if any(math.isnan(v) for v in numbers) else max(numbers)


def attribute(
    equations: Sequence[str], produced_by: Mapping[str, str], feeds: Mapping[str, Sequence[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Which outputs of a check each equation is measured on: the ones it produces, else the nearest downstream.

    An equation whose result is one of the check's outputs (``eq-bptt-grad-b2`` gives ``b_2``) is
    measured on exactly those outputs. One that produces none of them (the hidden-state gradient,
    which only feeds δ) is measured on the outputs of the equations it feeds, and so on down the
    flow of data until equations with outputs are reached.

    Parameters
    ----------
    equations
        The check's equations.
    produced_by
        Output name → the equation (among `equations`) that produces it.
    feeds
        Equation id → the equations that take its result (the flow of data, without cycles).

    Raises
    ------
    ValueError
        If an output's producer or a fed equation is not among `equations`, the flow has a cycle,
        or an equation reaches no output.
    """
    feeds = dict(feeds or {})
    known = set(equations)
    strangers = (set(produced_by.values()) | set(feeds) | {e for fed in feeds.values() for e in fed}) - known
    if strangers:
        raise ValueError(f"produced_by, feeds: expected equations among {sorted(known)}, got {sorted(strangers)}")
    found: dict[str, tuple[str, ...]] = {}

    def outputs(eq_id: str, path: tuple[str, ...]) -> tuple[str, ...]:
        if eq_id in path:
            raise ValueError(f"feeds: expected no cycle, got {' -> '.join((*path, eq_id))}")
        if eq_id not in found:
            own = tuple(name for name, producer in produced_by.items() if producer == eq_id)
            downstream = [name for fed in feeds.get(eq_id, ()) for name in outputs(fed, (*path, eq_id))]
            found[eq_id] = own or tuple(dict.fromkeys(downstream))
        return found[eq_id]

    result = {eq_id: outputs(eq_id, ()) for eq_id in equations}
    silent = [eq_id for eq_id, names in result.items() if not names]
    if silent:
        raise ValueError(f"produced_by: expected every equation to reach an output, but {silent} reach none")
    return result


@dataclass(frozen=True)
class Check:
    """One way of checking some equations of a model.

    Attributes
    ----------
    name
        What is checked, in a few words (``"exact proof, generic g, T = 2"``).
    equations
        The ids of the equations this check covers.
    side
        Which replacements of a mistake it substitutes: ``"numpy"`` or ``"sympy"``; ``None`` for a
        check of code that takes no replacements (a fast path), which no mistake reaches.
    measure_outputs
        ``measure_outputs(replace) -> {kind: {output: value}}``: runs the check with some equations
        replaced (none for the correct version) and returns, per kind in ``KINDS`` and per named
        output (one gradient, the errors δ, …), a bool (``"exact"``: the proof holds) or the error
        (any other kind). Measuring per output keeps a small gradient from hiding behind a large one.
    tolerances
        The bound of every error kind it returns: a value at most this passes.
    margins
        By kind, how far a mistake must miss to count as rejected (a wrong formula misses by
        orders of magnitude more than rounding could explain); the tolerance where none is given.
    attribution
        By equation id, the outputs whose values are that equation's (see
        [`attribute`][rnn_math.verification.declaration.attribute]); empty when every equation is
        measured on every output (a check of one equation). When given, it names every equation.
    """

    name: str
    equations: tuple[str, ...]
    side: str | None
    measure_outputs: Callable[[Replacements], Measurement]
    tolerances: Mapping[str, float] = field(default_factory=dict)
    margins: Mapping[str, float] = field(default_factory=dict)
    attribution: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"side: expected one of {SIDES} or None, got {self.side!r}")
        if not self.equations:
            raise ValueError(f"equations: expected at least one equation id for check {self.name!r}")
        unknown = set(self.tolerances) - set(KINDS)
        if unknown:
            raise ValueError(f"tolerances: expected kinds among {KINDS}, got {sorted(unknown)}")
        for kind, margin in self.margins.items():
            if kind not in self.tolerances or not margin >= self.tolerances[kind]:
                raise ValueError(f"margins[{kind!r}]: expected a kind with a tolerance, and at least that tolerance")
        if self.attribution and set(self.attribution) != set(self.equations):
            raise ValueError(
                f"attribution: expected the outputs of every equation of check {self.name!r} "
                f"{sorted(self.equations)}, got {sorted(self.attribution)}"
            )

    def measure(self, replace: Replacements) -> dict[str, float | bool]:
        """The check's value of each kind over all its outputs: the worst error, or whether every proof holds."""
        return {
            kind: worst_value(kind, per_output.values()) for kind, per_output in self.measure_outputs(replace).items()
        }

    def outputs_of(self, eq_id: str, measured: Iterable[str]) -> tuple[str, ...]:
        """The outputs among `measured` that `eq_id`'s values come from (all of them without an attribution)."""
        if not self.attribution:
            return tuple(measured)
        if eq_id not in self.attribution:
            raise ValueError(f"eq_id: expected an equation of check {self.name!r}, got {eq_id!r}")
        present = set(measured)
        return tuple(name for name in self.attribution[eq_id] if name in present)

    def passes(self, kind: str, value: float | bool) -> bool:
        """Whether one measured value passes: a proof that holds, or a finite error within the tolerance."""
        if kind == "exact":
            return value is True
        if kind not in self.tolerances:
            raise ValueError(f"kind: check {self.name!r} has no tolerance for {kind!r}")
        return bool(value <= self.tolerances[kind])  # NaN compares False: never a pass

    def rejects(self, kind: str, value: float | bool) -> bool:
        """Whether one value measured on a mistake rejects it: a proof that fails, or an error beyond the margin.

        An error that is not a number (a wrong formula overflowed) rejects too.
        """
        if kind == "exact":
            return value is not True
        bound = self.margins.get(kind, self.tolerances[kind])
        return bool(not value <= bound)

    def applies_to(self, mistake: Mistake) -> bool:
        """Whether the check substitutes this mistake: it replaces, on this check's side, one of its equations."""
        if self.side is None:
            return False
        replaced = {eq_id.split("@")[0] for eq_id in getattr(mistake, self.side)}
        return bool(replaced & set(self.equations))


@dataclass(frozen=True)
class Model:
    """One model (or group of equations), declared once, in its own folder.

    Attributes
    ----------
    name
        Stable name, lower-case (``"rnn"``, ``"seq2seq"``): ``rnn-math verify --model NAME``.
    title
        Its name for a reader.
    equations
        Its equation ids in derivation order.
    parameters
        Its parameters' names, as its composers key their gradients.
    checks
        ``checks() -> [Check, ...]``, built on demand (setting up a symbolic model costs time).
    mistakes
        Its catalogue of mistakes; every mistake's ``model`` is this model's name, and it corrupts
        equations among `equations` and `borrowed`.
    composer
        Its NumPy composer (the full forward + backward pass, any equation replaceable by id with
        ``replace=``), or ``None`` for a group of equations that is not a model.
    symbolic_composer
        Its SymPy composer (the closed forms built from the twins, with ``replace=``), or ``None``.
    loss
        Its unrolled loss for the numerical checks (finite differences, complex step), or ``None``.
    order
        Where its equations come on the site: declarations are listed by increasing order.
    borrowed
        Equations of other models that its composers reuse (the encoder-decoder's encoder is the
        RNN's BPTT): its checks cover them and its mistakes may corrupt them, but another model
        declares them.
    """

    name: str
    title: str
    equations: tuple[str, ...]
    parameters: tuple[str, ...]
    checks: Callable[[], Sequence[Check]]
    mistakes: tuple[Mistake, ...] = ()
    composer: Callable[..., Any] | None = None
    symbolic_composer: Callable[..., Any] | None = None
    loss: Callable[..., Any] | None = None
    order: int = 0
    borrowed: tuple[str, ...] = ()
    lemmas: tuple[Lemma, ...] = ()

    def __post_init__(self) -> None:
        if len(set(self.equations)) != len(self.equations):
            raise ValueError(f"equations: model {self.name!r} lists an equation twice")
        for lemma in self.lemmas:
            outside = set(lemma.equations) - set(self.equations) - set(self.borrowed)
            if outside:
                raise ValueError(f"lemmas: {lemma.name!r} covers {sorted(outside)}, not equations of {self.name!r}")
        if len({lemma.name for lemma in self.lemmas}) != len(self.lemmas):
            raise ValueError(f"lemmas: model {self.name!r} has two lemmas of the same name")
        for mistake in self.mistakes:
            if mistake.model != self.name:
                raise ValueError(f"mistakes: {mistake.name!r} is a mistake of {mistake.model!r}, not of {self.name!r}")
            outside = set(mistake.eq_ids) - set(self.equations) - set(self.borrowed)
            if outside:
                raise ValueError(
                    f"mistakes: {mistake.name!r} corrupts {sorted(outside)}, not equations of {self.name!r}"
                )
        names = [m.name for m in self.mistakes]
        if len(set(names)) != len(names):
            raise ValueError(f"mistakes: model {self.name!r} has two mistakes of the same name")


_DECLARED: dict[str, Model] = {}


def declare(model: Model) -> Model:
    """Make a model known to the engine (once; a second model of the same name is refused) and return it."""
    if not isinstance(model, Model):
        raise TypeError(f"model: expected a Model, got {type(model).__name__}")
    known = _DECLARED.get(model.name)
    if known is not None and known is not model:
        raise ValueError(f"model: the name {model.name!r} is already declared")
    _DECLARED[model.name] = model
    return model


def declared_models() -> list[Model]:
    """Every declared model, by increasing order (imports every module first, so all are declared)."""
    registry()  # imports every mathematical module of the package, and with them the declarations
    return sorted(_DECLARED.values(), key=lambda m: (m.order, m.name))
