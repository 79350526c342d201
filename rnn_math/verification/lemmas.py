"""Lemmas that make the exact proofs hold for every sequence length T, not only the unrolled ones.

An exact proof of an unrolled network ([`prove_gradients`][rnn_math.verification.proof.prove_gradients])
holds for the lengths it unrolls. The backward pass for any T follows by induction from three
finite identities, each checked exactly by SymPy:

- the **base case**: at the last step t = T nothing comes after, and the registered equations give
  ∂L^T/∂z^T and every gradient of step T's copies of the parameters;
- the **one-step lemma**: for one cell followed by an arbitrary differentiable loss R of the next
  state (an undefined SymPy function, standing for everything from step t + 1 on), the derivative
  of the step loss plus R with respect to this step's pre-activation, its copies of the parameters
  and the previous state is what the registered equations give from R's gradient;
- the **tied-weight lemma**: a weight used by T copies has the sum of the per-copy gradients as its
  gradient (the multivariable chain rule at W^{(1)} = … = W^{(T)} = W), and the registered sum
  equations add exactly those terms.

A [`Lemma`][rnn_math.verification.lemmas.Lemma] lives in its model's declaration
([`Model.lemmas`][rnn_math.verification.declaration.Model]); the engine
([`verify_lemmas`][rnn_math.verification.engine.verify_lemmas]) proves it on the correct equations
and on every catalogued mistake of its model that replaces an equation it covers, each of which it
must reject. The tools here are generic:
[`downstream_gradient`][rnn_math.verification.lemmas.downstream_gradient] (R's gradient, as SymPy
writes it) and [`chain_rule_through_ties`][rnn_math.verification.lemmas.chain_rule_through_ties].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from rnn_math.symbolic.types import Expr, Matrix

Replacements = Mapping[str, Callable[..., Any]]


@dataclass(frozen=True)
class Lemma:
    """One finite identity of an induction over the steps, proven exactly by SymPy.

    Attributes
    ----------
    name
        A few words (``"one-step lemma"``); unique within its model.
    statement
        What it states, in LaTeX (for the page).
    equations
        The registered equations it covers: every catalogued mistake of its model that replaces one
        of them (on the SymPy side) must make `prove` fail.
    prove
        ``prove(replace) -> bool``: the identity holds with the equations replaced by the given
        wrong versions (none for the correct ones). Takes a mistake's ``sympy`` replacements.
    sizes
        The sizes it is proven at (``{"D_h": 2, "d": 2, "|V|": 2}``): the very values `prove`
        uses, shown on the page as they are; ``"any"`` for a size that is a symbol in the proof.
    """

    name: str
    statement: str
    equations: tuple[str, ...]
    prove: Callable[[Replacements], bool]
    sizes: Mapping[str, int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"name: expected a non-empty string, got {self.name!r}")
        if not self.equations:
            raise ValueError(f"equations: expected at least one equation id for lemma {self.name!r}")
        if not callable(self.prove):
            raise TypeError(f"prove: expected a function of the replacements, got {type(self.prove).__name__}")
        object.__setattr__(self, "sizes", dict(self.sizes))

    @property
    def code(self) -> str:
        """The dotted name of the function that proves it (for a link to its source)."""
        target = getattr(self.prove, "func", self.prove)  # a functools.partial names its function
        return f"{target.__module__}.{target.__qualname__}"


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class LemmaReport:
    """What the engine found for one lemma: proven, and its negative controls rejected.

    Attributes
    ----------
    name, model, statement, equations, sizes
        The lemma's (see [`Lemma`][rnn_math.verification.lemmas.Lemma]) and its model's name.
    code
        The dotted name of its proof's function.
    proven
        The identity holds for the correct equations.
    controls
        How many catalogued mistakes replace an equation it covers.
    controls_rejected
        How many of them made the proof fail.
    passed
        Proven, at least one control, and every control rejected.
    seconds
        The time of the proof on the correct equations.
    controls_seconds
        The time of all its controls together.
    failures
        One sentence per problem (empty when passed).
    """

    name: str
    model: str
    statement: str
    equations: tuple[str, ...]
    sizes: dict[str, int | str]
    code: str
    proven: bool
    controls: int
    controls_rejected: int
    passed: bool
    seconds: float
    controls_seconds: float
    failures: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready values."""
        return {
            "lemma": self.name,
            "model": self.model,
            "statement": self.statement,
            "equations": list(self.equations),
            "sizes": dict(self.sizes),
            "code": self.code,
            "proven": self.proven,
            "controls": self.controls,
            "controls_rejected": self.controls_rejected,
            "passed": self.passed,
            "seconds": _number(self.seconds),
            "controls_seconds": _number(self.controls_seconds),
            "failures": list(self.failures),
        }


def downstream_gradient(downstream: Expr, offset: Matrix) -> Matrix:
    """The gradient of an undefined downstream loss R(z) at its argument, as SymPy writes it.

    `downstream` is ``R(z_1 + c_1, …)`` with `offset` the column of symbols ``c`` that enter the
    argument additively (the rest of the next pre-activation): ∂R/∂c_i is ∂R/∂z_i at the argument,
    in exactly the form SymPy's own chain rule produces it, so the two sides of a proof meet.
    """
    return offset.applyfunc(lambda c: sp.diff(downstream, c))


def _partial_keys(expr: Expr, keys: dict[tuple[Any, ...], sp.Symbol]) -> Expr:
    """`expr` with every ``Subs(Derivative(F(…), v), vars, point)`` replaced by a symbol for
    (F, the position of v among F's arguments, the full point): a partial derivative's canonical name."""

    def name(node: sp.Subs) -> sp.Symbol:
        derivative, variables, point = node.args
        (variable, order), *rest = derivative.variable_count
        applied = derivative.expr
        if rest or order != 1 or not isinstance(applied, sp.core.function.AppliedUndef):
            raise ValueError(f"expr: expected first partial derivatives of an undefined function, got {node}")
        at = tuple(a.xreplace(dict(zip(variables, point, strict=True))) for a in applied.args)
        return _key(keys, applied.func, applied.args.index(variable), at)

    return expr.replace(lambda node: isinstance(node, sp.Subs), name)


def _key(keys: dict[tuple[Any, ...], sp.Symbol], func: Any, position: int, at: tuple[Expr, ...]) -> sp.Symbol:
    key = (func, position, at)
    if key not in keys:
        keys[key] = sp.Symbol(f"_partial{len(keys)}")
    return keys[key]


def chain_rule_through_ties(copies: int, entries: int, *, wrong: Callable[[list[Expr]], Expr] | None = None) -> bool:
    """The tied-weight lemma for an arbitrary function: d/dw F(w, …, w) = Σ_t ∂F/∂w^{(t)} at the tie.

    F is an undefined SymPy function of `copies` copies of a weight with `entries` entries (all its
    arguments); SymPy's derivative of F with every copy set to the same w is compared, entry by
    entry, with the sum of F's partial derivatives with respect to each copy's entry, taken at the
    tie. Both are put in one canonical form (a partial derivative named by its argument position
    and its point), so the comparison is exact.

    Parameters
    ----------
    copies, entries
        T, and the number of entries of the weight.
    wrong
        A planted wrong right-hand side (given the per-copy partials of one entry, returns their
        "sum"), for a negative control; the sum by default.
    """
    F = sp.Function("F")
    w = sp.symbols(f"w0:{entries}", real=True)
    tied = tuple(w[i] for _ in range(copies) for i in range(entries))
    keys: dict[tuple[Any, ...], sp.Symbol] = {}
    combine = wrong or (lambda terms: sp.Add(*terms))
    for i in range(entries):
        lhs = _partial_keys(sp.diff(F(*tied), w[i]), keys)
        per_copy = [_key(keys, F, t * entries + i, tied) for t in range(copies)]
        if sp.expand(lhs - combine(per_copy)) != 0:
            return False
    return True
