"""The generic checks a declaration is built from: exact proof, 50 digits, finite differences, complex step.

Each function here returns a [`Check`][rnn_math.verification.declaration.Check]: it names the
equations it covers and measures, with any of them replaced by a wrong version, how far the
result is from the truth. Errors are measured per output (per named array: one gradient, the
errors δ), so a small gradient cannot hide behind a large one, and a declaration says which
equation each output's value belongs to (``attribution``, built by
[`attribute`][rnn_math.verification.declaration.attribute]).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from rnn_math.verification.declaration import Check, Replacements, worst_value
from rnn_math.verification.evaluate import evaluate, relative_error
from rnn_math.verification.gradcheck import DEFAULT_TOLERANCES, check_gradients
from rnn_math.verification.proof import prove_gradients

#: NumPy against SymPy at 50 digits, through a whole model: float64 rounding over a few dozen operations.
MODEL_FIFTY_DIGITS = 1e-12
#: NumPy against SymPy at 50 digits, for one equation of a few float64 operations.
EQUATION_FIFTY_DIGITS = 1e-14
#: How far a wrong formula must miss the 50-digit value: far more than rounding could explain.
WRONG_FIFTY_DIGITS = 1e-3

#: The report's names of the gradient checker's methods.
_METHOD_KINDS = {"central": "central", "complex": "complex_step"}

ArraysFn = Callable[[Replacements], Mapping[str, Any]]


#: The name of the one output of a check of one equation on one sample.
VALUE = "value"

Attribution = Mapping[str, Sequence[str]]


def errors_by_name(actual: Mapping[str, Any], reference: Mapping[str, Any]) -> dict[str, float]:
    """The norm-wise relative error of each named array (one per gradient), NaN where it is not finite."""
    if set(actual) != set(reference):
        raise ValueError(f"actual: expected the names {sorted(reference)}, got {sorted(actual)}")
    errors = {name: relative_error(actual[name], reference[name]) for name in reference}
    return {name: e if np.isfinite(e) else float("nan") for name, e in errors.items()}


def worst_error(actual: Mapping[str, Any], reference: Mapping[str, Any]) -> float:
    """The largest norm-wise relative error over the named arrays (one per gradient), NaN if any is not finite."""
    return float(worst_value("fifty_digit", errors_by_name(actual, reference).values()))


def _attribution(attribution: Attribution | None) -> dict[str, tuple[str, ...]]:
    return {eq_id: tuple(names) for eq_id, names in (attribution or {}).items()}


def exact_proof(
    name: str,
    equations: Sequence[str],
    build: Callable[[Replacements], tuple[sp.Expr, Mapping[str, sp.MatrixBase], Mapping[str, sp.MatrixBase]]],
    *,
    attribution: Attribution | None = None,
) -> Check:
    """The exact proof: every closed form minus SymPy's derivative of the loss is identically 0.

    Parameters
    ----------
    name, equations
        As for [`Check`][rnn_math.verification.declaration.Check].
    build
        ``build(replace) -> (loss, variables, closed_forms)``: the symbolic loss, its symbol
        matrices by name and the closed-form gradients the (possibly replaced) twins give.
    attribution
        By equation, the variables whose gradients are its outputs.
    """

    def measure(replace: Replacements) -> dict[str, dict[str, float | bool]]:
        loss, variables, closed = build(replace)
        # A control needs only one entry that is not zero (the variables after it go unmeasured);
        # the correct version needs every entry.
        proofs = prove_gradients(loss, variables, closed, stop_at_first=bool(replace))
        return {"exact": {p.variable: p.proven for p in proofs}}

    return Check(name, tuple(equations), "sympy", measure, attribution=_attribution(attribution))


def fifty_digits(
    name: str,
    equations: Sequence[str],
    numpy_arrays: ArraysFn,
    reference: Callable[[], Mapping[str, Any]],
    *,
    tolerance: float = MODEL_FIFTY_DIGITS,
    side: str | None = "numpy",
    attribution: Attribution | None = None,
) -> Check:
    """NumPy against the twins evaluated at 50 digits: the worst relative error over the named arrays.

    Parameters
    ----------
    numpy_arrays
        ``numpy_arrays(replace) -> {name: array}``: NumPy's (possibly wrong) results.
    reference
        ``reference() -> {name: array}``: the same quantities at 50 digits, rounded to float64
        (computed once).
    tolerance
        The largest relative error that passes.
    side
        ``"numpy"`` when `numpy_arrays` substitutes replacements, ``None`` when it takes none.
    attribution
        By equation, the names of the arrays it produces (or that are nearest downstream of it).
    """
    expected = cache(reference)

    def measure(replace: Replacements) -> dict[str, dict[str, float]]:
        return {"fifty_digit": errors_by_name(numpy_arrays(replace), expected())}

    return Check(
        name,
        tuple(equations),
        side,
        measure,
        {"fifty_digit": tolerance},
        {"fifty_digit": WRONG_FIFTY_DIGITS},
        _attribution(attribution),
    )


def numerical_gradients(
    name: str,
    equations: Sequence[str],
    loss: Callable[[Mapping[str, Any]], Any],
    point: Mapping[str, Any],
    gradients: ArraysFn,
    *,
    methods: Sequence[str] = ("central", "complex"),
    tolerances: Mapping[str, float] | None = None,
    attribution: Attribution | None = None,
    step: float | None = None,
    loss_with: Callable[[Replacements], Callable[[Mapping[str, Any]], Any]] | None = None,
) -> Check:
    """Central differences and complex step against claimed gradients, every entry, per gradient.

    Parameters
    ----------
    loss, point
        The unrolled loss as a function of named arrays, and where to differentiate it.
    gradients
        ``gradients(replace) -> {name: array}``: the claimed gradients, named like `point`.
    methods
        The estimators (``"central"``, ``"complex"``), as for
        [`check_gradients`][rnn_math.verification.gradcheck.check_gradients].
    tolerances
        Bounds by method; the gradient checker's defaults otherwise (10⁻⁷ and 10⁻¹³).
    attribution
        By equation, the names of the gradients it produces (or that are nearest downstream of it).
    step
        A fixed step for every entry; the gradient checker's own choice by default.
    loss_with
        ``loss_with(replace) -> loss`` when the loss itself is built from replaceable equations
        (an objective that is an equation); `loss` is then the correct one.
    """
    limits = dict(DEFAULT_TOLERANCES) | dict(tolerances or {})
    largest = max(np.asarray(v).size for v in point.values())

    def measure(replace: Replacements) -> dict[str, dict[str, float]]:
        objective = loss if loss_with is None or not replace else loss_with(replace)
        report = check_gradients(
            objective, point, gradients(replace), methods=methods, tolerances=limits, max_entries=largest, step=step
        )
        return {
            _METHOD_KINDS[method]: {
                row.parameter: float(row.normwise_error) for row in report.rows if row.method == method
            }
            for method in methods
        }

    return Check(
        name,
        tuple(equations),
        "numpy",
        measure,
        {_METHOD_KINDS[m]: limits[m] for m in methods},
        {},
        _attribution(attribution),
    )


def sampled_equation(
    eq_id: str,
    numpy_args: Callable[[], tuple[Any, ...]],
    sympy_args: Callable[[], tuple[Any, ...]],
    *,
    tolerance: float = EQUATION_FIFTY_DIGITS,
    numpy_result: Callable[[Any], Any] = lambda value: value,
    sympy_result: Callable[[Any], Any] = evaluate,
    name: str | None = None,
    call_twin: Callable[[Callable[..., Any]], Any] | None = None,
    margin: float = WRONG_FIFTY_DIGITS,
) -> Check:
    """One equation's NumPy function against its twin at 50 digits, on sample inputs.

    Parameters
    ----------
    eq_id
        The registered equation; its NumPy function (or a mistake's replacement) gets `numpy_args`,
        its twin `sympy_args`.
    numpy_args, sympy_args
        The same sample values as NumPy arrays and as exact SymPy numbers.
    tolerance
        The largest relative error that passes.
    numpy_result, sympy_result
        Turn each side's result into an array to compare (by default: as it is, and evaluated at
        50 digits).
    name
        The check's name (``"<eq_id> at 50 digits"`` by default).
    call_twin
        ``call_twin(twin) -> result`` when the twin is not called once with `sympy_args` (a twin
        of one step, called for each step).
    margin
        How far a mistake must miss to count as rejected.
    """
    from rnn_math.verification.declaration import equation_functions

    @cache
    def expected() -> np.ndarray:
        twin = equation_functions((eq_id,), side="sympy")[eq_id]
        value = call_twin(twin) if call_twin is not None else twin(*sympy_args())
        return np.ravel(np.asarray(sympy_result(value), dtype=np.float64))

    def measure(replace: Replacements) -> dict[str, dict[str, float]]:
        function = equation_functions((eq_id,), {k: v for k, v in replace.items() if k == eq_id})[eq_id]
        with np.errstate(all="ignore"):  # a wrong version may overflow: that is a large error, not a crash
            actual = np.ravel(np.asarray(numpy_result(function(*numpy_args())), dtype=np.float64))
        if actual.shape != expected().shape:
            return {"fifty_digit": {VALUE: float("inf")}}  # a wrong shape is as wrong as it gets
        return {"fifty_digit": {VALUE: relative_error(actual, expected())}}

    return Check(
        name or f"{eq_id} at 50 digits",
        (eq_id,),
        "numpy",
        measure,
        {"fifty_digit": tolerance},
        {"fifty_digit": margin},
    )


def derivative_of(
    name: str,
    equations: Sequence[str],
    function: Callable[[Any], Any],
    derivative: Callable[[Replacements], Any],
    point: Any,
    *,
    tolerances: Mapping[str, float] | None = None,
) -> Check:
    """A claimed derivative of an element-wise function, against central differences and complex step.

    The derivative of ``Σ_i f(z_i)`` in ``z_i`` is ``f'(z_i)``, so the gradient checker tests
    every entry of `derivative` at once.

    Parameters
    ----------
    function
        ``f``, element-wise and analytic (it is evaluated at complex points).
    derivative
        ``derivative(replace) -> f'(point)``, the claimed derivative.
    point
        Where to differentiate, an array.
    """

    def loss(arrays: Mapping[str, Any]) -> Any:
        return np.sum(function(arrays["z"]))

    return numerical_gradients(
        name,
        equations,
        loss,
        {"z": np.asarray(point, dtype=np.float64)},
        lambda replace: {"z": derivative(replace)},
        tolerances=tolerances,
    )


def arguments(*values: Any) -> Callable[[], tuple[Any, ...]]:
    """A function that returns `values`: sample inputs for `sampled_equation`."""
    return lambda: values


def worst_of(name: str, checks: Sequence[Check]) -> Check:
    """One check from several of the same equations and side (one per sample input): the worst value of each kind.

    Each output's value is its worst over the samples. A mistake that is visible on one sample
    only (clipping that always rescales changes nothing above the threshold) is then rejected by
    the combined check, as a reader would expect.
    """
    first = checks[0]
    if any(
        c.equations != first.equations or c.side != first.side or c.attribution != first.attribution for c in checks
    ):
        raise ValueError("checks: expected checks of the same equations, side and attribution")

    def measure(replace: Replacements) -> dict[str, dict[str, float | bool]]:
        values = [c.measure_outputs(replace) for c in checks]
        worst: dict[str, dict[str, float | bool]] = {}
        for kind in values[0]:
            names = dict.fromkeys(name for v in values for name in v[kind])
            worst[kind] = {
                name: worst_value(kind, [v[kind][name] for v in values if name in v[kind]]) for name in names
            }
        return worst

    tolerances = {kind: min(c.tolerances[kind] for c in checks) for kind in first.tolerances}
    margins = {kind: max(c.margins.get(kind, tolerances[kind]) for c in checks) for kind in first.tolerances}
    return Check(name, first.equations, first.side, measure, tolerances, margins, dict(first.attribution))
