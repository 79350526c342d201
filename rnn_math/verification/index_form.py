"""Exact proofs at symbolic sizes: both sides written entry by entry, as finite sums of symbolic length.

A gradient of a matrix of size D_h × D_h with D_h a symbol has no list of entries to compare; its
entry [p, q] at symbolic indices p, q is an expression with sums like Σ_{i=0}^{D_h−1}. SymPy's
derivative with respect to ``W_h[p, q]`` brings Kronecker deltas δ_{ip} into such sums, and the
closed form's entry ``(δ hᵀ)[p, q]`` is a product of two such entries. Two expressions of this kind
are equal if they have the same **normal form**, built by rewriting steps that are each an
identity of finite sums, given that every free index lies in its range (0 ≤ p < D_h, …):

1. a sum over an index fixed by a Kronecker delta collapses: Σ_i δ_{ie} f(i) = f(e), when e lies
   in i's range (a free index with that range, or another summation index over the same range);
2. a sum over a single value is that term; a sum whose summand does not involve its index is the
   summand times the number of terms;
3. nested and multiplied sums become one sum over several indices, split over the terms of its
   summand (Σ_i a_i Σ_j b_j = Σ_{i,j} a_i b_j), with the factors free of them pulled out;
4. exponentials are merged, exp(a) exp(b) = exp(a + b), and a product of exponentials is the
   exponential of a sum (SymPy writes exp(Σ_i a_i) as Π_i exp(a_i) at times);
5. summation indices are renamed canonically (by the nesting depth, and among the indices of one
   sum, by trying every order and keeping the first in a fixed ordering), so that sums that differ
   only in the names of their indices become the same expression.

The same rewriting is applied inside every function's argument (g(z_p), the softmax's denominator).
The proof is that the difference of the two normal forms is 0. This is sound (every step is an
identity) but not complete: a difference that is not 0 means "not shown equal". That a catalogued
mistake is really wrong, and not merely in a form the rewriting does not reach, is shown by the
same model's lemmas at fixed sizes, where the comparison is entry by entry and complete.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from rnn_math.symbolic.types import Expr

#: The range of each free index, inclusive: ``{p: (0, D_h - 1)}``.
Ranges = Mapping[sp.Symbol, tuple[Expr, Expr]]
#: One summation index with its inclusive bounds.
Limit = tuple[sp.Symbol, Expr, Expr]

_fresh_names = itertools.count()


def _collapse_deltas(body: Expr, limits: list[Limit], ranges: Ranges) -> tuple[Expr, list[Limit]]:
    """Rule 1 and the single-value part of rule 2, on one monomial summed over `limits`."""
    changed = True
    while changed:
        changed = False
        factors = sp.Mul.make_args(body)
        for factor in factors:
            if not isinstance(factor, sp.KroneckerDelta):
                continue
            for limit in limits:
                index, low, high = limit
                if index not in factor.args[:2]:
                    continue
                other = factor.args[1] if factor.args[0] == index else factor.args[0]
                # `ranges` holds every free index and every summation index of this monomial.
                if ranges.get(other) != (low, high) or other == index:
                    continue
                body = sp.Mul(*[f for f in factors if f is not factor]).xreplace({index: other})
                limits = [lim for lim in limits if lim is not limit]
                changed = True
                break
            if changed:
                break
    for limit in [lim for lim in limits if lim[1] == lim[2]]:
        body = body.xreplace({limit[0]: limit[1]})
        limits = [lim for lim in limits if lim is not limit]
    return body, limits


def _merge_exponentials(factors: list[Expr], ranges: Ranges, depth: int) -> list[Expr]:
    """Rule 4 on the factors of one monomial."""
    exponents, rest = [], []
    for factor in factors:
        if isinstance(factor, sp.exp):
            exponents.append(factor.args[0])
        elif isinstance(factor, sp.Pow) and isinstance(factor.base, sp.exp) and factor.exp.is_integer:
            exponents.append(factor.exp * factor.base.args[0])
        else:
            rest.append(factor)
    if not exponents:
        return factors
    return [*rest, sp.exp(normal_form(sp.Add(*exponents), ranges, depth))]


def _normal_factor(factor: Expr, ranges: Ranges, depth: int) -> Expr:
    """A factor that is not a sum, with every argument in normal form."""
    if isinstance(factor, sp.KroneckerDelta):
        return sp.KroneckerDelta(factor.args[0], factor.args[1])  # both indices lie in range
    if not factor.args or isinstance(factor, MatrixElement | sp.Indexed):
        return factor
    if isinstance(factor, sp.Pow):
        return sp.Pow(normal_form(factor.base, ranges, depth), factor.exp)
    if isinstance(factor, sp.Product) and isinstance(factor.function, sp.exp):
        return sp.exp(normal_form(sp.Sum(factor.function.args[0], *factor.limits), ranges, depth))
    return factor.func(*[normal_form(arg, ranges, depth) for arg in factor.args])


def _monomials(expr: Expr, ranges: Ranges, depth: int) -> list[tuple[Expr, list[Limit]]]:
    """Rule 3: `expr` as Σ_k Σ_{limits_k} monomial_k, every sum flattened."""
    result: list[tuple[Expr, list[Limit]]] = []
    for term in sp.Add.make_args(sp.expand(expr, power_exp=False)):
        partial: list[tuple[list[Expr], list[Limit]]] = [([], [])]
        taken = set(term.free_symbols)  # an index bound twice in one product must be renamed apart
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, sp.Sum):
                renaming = {
                    i: sp.Dummy(f"j{next(_fresh_names)}", integer=True) for i, _, _ in factor.limits if i in taken
                }
                taken.update(i for i, _, _ in factor.limits)
                limits = [(renaming.get(i, i), lo, hi) for i, lo, hi in factor.limits]
                inner_ranges = {**ranges, **{i: (lo, hi) for i, lo, hi in limits}}
                body = factor.function.xreplace(renaming) if renaming else factor.function
                inner = _monomials(body, inner_ranges, depth)
                partial = [(fs + [b], ls + limits + bl) for fs, ls in partial for b, bl in inner]
            else:
                normal = _normal_factor(factor, ranges, depth + 1)
                partial = [(fs + [normal], ls) for fs, ls in partial]
        for factors, limits in partial:
            merged = sp.Mul(*_merge_exponentials(factors, ranges, depth + 1))
            all_ranges = {**ranges, **{i: (lo, hi) for i, lo, hi in limits}}
            body, kept = _collapse_deltas(sp.expand(merged, power_exp=False), limits, all_ranges)
            result.extend((monomial, kept) for monomial in sp.Add.make_args(body))
    return result


def _canonical(body: Expr, limits: list[Limit], depth: int) -> Expr:
    """Rules 2 and 5 on one monomial: unused indices counted, the used ones renamed canonically."""
    used = [lim for lim in limits if lim[0] in body.free_symbols]
    count = sp.Mul(*[high - low + 1 for index, low, high in limits if index not in body.free_symbols])
    if not used:
        return count * body
    best: tuple[str, Expr, list[Limit]] | None = None
    for order in itertools.permutations(used):
        names = {lim[0]: sp.Symbol(f"ι{depth}_{n}", integer=True) for n, lim in enumerate(order)}
        renamed = body.xreplace(names)
        key = sp.srepr(renamed)
        if best is None or key < best[0]:
            best = (key, renamed, [(names[i], lo, hi) for i, lo, hi in order])
    assert best is not None
    _, renamed, canonical_limits = best
    bound = {lim[0] for lim in canonical_limits}
    factors = sp.Mul.make_args(renamed)
    outside = sp.Mul(*[f for f in factors if not f.free_symbols & bound])
    inside = sp.Mul(*[f for f in factors if f.free_symbols & bound])
    return count * outside * sp.Sum(inside, *canonical_limits)


def normal_form(expr: Expr, ranges: Ranges, depth: int = 0) -> Expr:
    """The normal form of an index expression, given the range of each free index (see the module)."""
    return sp.Add(*[_canonical(body, limits, depth) for body, limits in _monomials(expr, ranges, depth)])


def _as_indexed(expr: Expr) -> Expr:
    """Every matrix entry W[i, j] as an indexed symbol: the same expression, cheaper to rewrite.

    A ``MatrixElement`` checks its indices against the matrix's symbolic shape each time it is
    rebuilt; an ``Indexed`` does not, and the rewriting rebuilds entries many times.
    """
    return expr.replace(
        lambda e: isinstance(e, MatrixElement),
        lambda e: sp.Indexed(sp.IndexedBase(e.parent.name), *e.indices),
    )


@dataclass(frozen=True)
class EntryProof:
    """The proof of one gradient's entry [p, q] at symbolic sizes."""

    variable: str
    proven: bool
    difference: Expr


def entry(matrix: sp.MatrixExpr, row: Expr, column: Expr) -> Expr:
    """The entry [row, column] of a matrix expression, its products left as unevaluated sums."""
    return matrix._entry(row, column, expand=False)


def prove_entrywise(
    loss: Expr,
    variables: Mapping[str, sp.MatrixSymbol],
    closed: Mapping[str, sp.MatrixExpr],
    index_ranges: Mapping[sp.Symbol, tuple[Expr, Expr]],
    *,
    stop_at_first: bool = False,
) -> list[EntryProof]:
    """∂loss/∂X[p, q] against the closed form's entry [p, q], for every variable X, at symbolic sizes.

    Parameters
    ----------
    loss
        A scalar built from matrix symbols of symbolic size.
    variables, closed
        The matrix symbols to differentiate by, and each one's closed-form gradient (same names).
    index_ranges
        The ranges of the free indices that are not row or column indices (a target k: (0, |V| − 1)).
    stop_at_first
        Stop at the first gradient not shown equal (for a negative control, which needs only one).

    Returns
    -------
    list of EntryProof
        One per gradient, in the order of `variables`.
    """
    p, q = sp.Symbol("p", integer=True, nonnegative=True), sp.Symbol("q", integer=True, nonnegative=True)
    proofs: list[EntryProof] = []
    for name, variable in variables.items():
        rows, columns = variable.shape
        ranges = {**index_ranges, p: (sp.Integer(0), rows - 1), q: (sp.Integer(0), columns - 1)}
        column = q if columns != 1 else sp.Integer(0)
        derivative = _as_indexed(sp.diff(loss, variable[p, column]))
        closed_entry = _as_indexed(entry(closed[name], p, column))
        difference = sp.expand(normal_form(derivative, ranges) - normal_form(closed_entry, ranges), power_exp=False)
        proofs.append(EntryProof(name, difference == 0, difference))
        if stop_at_first and difference != 0:
            break
    return proofs
