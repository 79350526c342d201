"""A gradient checker for any scalar function of named arrays: central differences and complex step.

In the spirit of ``torch.autograd.gradcheck``, but stronger in two ways. It runs two independent
estimators: central finite differences, accurate to about 10⁻⁸ in float64, and complex-step
differentiation, which has no subtraction and so no cancellation, accurate to float64 rounding
(about 10⁻¹⁵) when the function is analytic. And it reports, for every parameter and method, the
largest entry-wise and the norm-wise relative error against a stated tolerance, so that a reader
sees how close a gradient came, not only whether it passed.

```python
from functools import partial

import numpy as np
from rnn_math import RNNParams
from rnn_math.rnn.bptt import bptt
from rnn_math.verification.gradcheck import check_gradients
from rnn_math.rnn.unrolled import sequence_loss

params = RNNParams.random(d=3, D_h=4, V=5, seed=0)
xs, targets = np.eye(3)[[0, 2, 1]], np.array([2, 1, 0])
report = check_gradients(
    partial(sequence_loss, xs=xs, targets=targets),
    params.as_dict(),
    bptt(params, xs, targets).grads.as_dict(),
)
print(report)          # one row per (parameter, method)
assert report.passed
```

Complex step evaluates ``loss_fn`` at complex128 parameters: the entry being differentiated gets
an imaginary part ``i·h`` with ``h = 1e-20``, and ``Im f(x + i·h) / h`` is the derivative. The
function must therefore be written with operations that are analytic (``exp``, ``log``, ``tanh``,
products and sums, but not ``abs``, ``max`` or comparisons on the value being differentiated) and
must not discard the imaginary part; the checker refuses a real result at complex input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.verification.gradcheck_report import GradcheckReport, GradcheckRow

__all__ = [
    "COMPLEX_STEP",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_TOLERANCES",
    "METHODS",
    "GradcheckReport",
    "GradcheckRow",
    "central_difference",
    "central_step",
    "check_gradients",
    "complex_step",
    "sample_indices",
]

#: The estimators, by name.
METHODS = ("central", "complex")

#: Default norm-wise relative-error tolerances. Central differences with a step near the cube
#: root of machine epsilon have truncation and rounding errors of about 1e-10 relative each; 1e-7
#: leaves room for ill-scaled entries while a wrong formula misses by far more. Complex step has
#: no cancellation: 1e-13 is a few hundred ulps.
DEFAULT_TOLERANCES: dict[str, float] = {"central": 1e-7, "complex": 1e-13}

#: The complex step: it can be tiny, because nothing is subtracted.
COMPLEX_STEP = 1e-20

#: By default a parameter with at most this many entries is checked entry by entry, every one of
#: them; a larger one on a seeded random subset of this many (each entry costs one or two
#: evaluations of the loss, so a 100 × 100 matrix in full would cost 30 000 of them).
DEFAULT_MAX_ENTRIES = 200


def central_step(loss_value: float, x: float) -> float:
    """The default central-difference step for an entry x of a function whose value is `loss_value`.

    Truncation error is about h²·|f‴|/6 and rounding error about ε·|f|/h; their sum is smallest
    near h = (ε·|f|)^(1/3). A loss summed over many steps is large (|f| near 100 for 25 steps over
    65 classes), so the step grows with it; it also scales with |x| once |x| > 1.
    """
    scale = max(1.0, abs(loss_value))
    return float((np.finfo(np.float64).eps * scale) ** (1 / 3) * max(1.0, abs(x)))


LossFunction = Callable[[Mapping[str, NDArray]], "float | complex | np.number"]
Index = int | tuple[int, ...]


def _checked_step(step: object) -> float | None:
    """`step` as a float if it is None or a finite positive number, else a sentence saying what came."""
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating)):
        raise TypeError(f"step: expected a finite positive number or None, got {type(step).__name__} {step!r}")
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step: expected a finite positive number or None, got {step!r}")
    return float(step)


def _multi_index(array: NDArray, index: Index) -> tuple[int, ...]:
    """A flat or multi-dimensional index into `array`, as a tuple (checked)."""
    if isinstance(index, (int, np.integer)):
        if not 0 <= index < array.size:
            raise ValueError(f"index: expected a flat index in 0..{array.size - 1}, got {index}")
        return tuple(int(i) for i in np.unravel_index(int(index), array.shape))
    index = tuple(int(i) for i in index)
    if len(index) != array.ndim or any(not 0 <= i < n for i, n in zip(index, array.shape, strict=True)):
        raise ValueError(f"index: expected an index into shape {array.shape}, got {index}")
    return index


def _evaluate(loss_fn: LossFunction, params: Mapping[str, NDArray]) -> complex:
    value = loss_fn(params)
    if np.ndim(value) != 0:
        raise ValueError(f"loss_fn: expected a scalar loss, got an array of shape {np.shape(value)}")
    return complex(np.asarray(value).item()) if np.iscomplexobj(value) else float(np.asarray(value).item())


def central_difference(
    loss_fn: LossFunction, params: Mapping[str, ArrayLike], name: str, index: Index, *, step: float | None = None
) -> float:
    """Estimate ∂L/∂p for one entry p of one parameter by central differences.

    ``(L(p + h) − L(p − h)) / 2h``: error O(h²) from truncation plus O(ε/h) from rounding.

    Parameters
    ----------
    loss_fn
        ``loss_fn(params) -> scalar``, taking a dict of float64 arrays by name.
    params
        The point to differentiate at, arrays by name. Not modified.
    name
        Which parameter.
    index
        Which entry: a flat index or a tuple.
    step
        The step h, finite and positive; by default [`central_step`][rnn_math.verification.gradcheck.central_step],
        which costs one more evaluation of the loss (at the unperturbed point).

    Returns
    -------
    float
        The estimate of the derivative.
    """
    step = _checked_step(step)
    work = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    if name not in work:
        raise ValueError(f"name: expected one of {sorted(work)}, got {name!r}")
    where = _multi_index(work[name], index)
    centre = work[name][where]
    h = step if step is not None else central_step(abs(_evaluate(loss_fn, work)), centre)
    work[name][where] = centre + h
    upper = _evaluate(loss_fn, work)
    work[name][where] = centre - h
    lower = _evaluate(loss_fn, work)
    # The step actually taken is the difference of the rounded points, not h itself.
    return float(np.real(upper - lower) / ((centre + h) - (centre - h)))


def complex_step(
    loss_fn: LossFunction, params: Mapping[str, ArrayLike], name: str, index: Index, *, step: float | None = None
) -> float:
    """Estimate ∂L/∂p for one entry p of one parameter by complex-step differentiation.

    ``Im L(p + i·h) / h``: no difference of nearby numbers, so no cancellation; the error is
    O(h²) + rounding, and with ``h = 1e-20`` only rounding is left.

    Parameters
    ----------
    loss_fn
        ``loss_fn(params) -> scalar``, analytic in every parameter, taking a dict of complex128
        arrays and returning a complex result.
    params
        The point to differentiate at, arrays by name (real). Not modified.
    name, index
        Which entry of which parameter (flat index or tuple).
    step
        The step h, finite and positive (default 10⁻²⁰).

    Returns
    -------
    float
        The estimate of the derivative.

    Raises
    ------
    TypeError
        If ``loss_fn`` returns a real number for complex input: it discarded the imaginary part,
        so the estimate would be 0 whatever the true derivative.
    """
    step = _checked_step(step)
    work = {key: np.array(value, dtype=np.complex128) for key, value in params.items()}
    if name not in work:
        raise ValueError(f"name: expected one of {sorted(work)}, got {name!r}")
    where = _multi_index(work[name], index)
    h = step if step is not None else COMPLEX_STEP
    work[name][where] += 1j * h
    value = loss_fn(work)
    if not np.iscomplexobj(value):
        raise TypeError(
            f"loss_fn: expected a complex result for complex128 parameters (complex step), got {type(value).__name__};"
            " the function must keep the imaginary part (no float(), abs() or max() on the loss path)"
        )
    return float(np.imag(value) / h)


def sample_indices(size: int, max_entries: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """Flat indices to check: all of them up to `max_entries`, else a sorted random subset."""
    if size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_entries, replace=False))


def _errors(given: NDArray, estimate: NDArray) -> tuple[float, float, float]:
    if not (np.all(np.isfinite(given)) and np.all(np.isfinite(estimate))):
        return float("nan"), float("nan"), float("nan")  # not a number to compare: never a pass
    difference = np.abs(given - estimate)
    scale = np.maximum(np.abs(given), np.abs(estimate))
    relative = np.divide(difference, scale, out=np.zeros_like(difference), where=scale > 0)
    denominator = max(float(np.linalg.norm(estimate)), np.finfo(np.float64).tiny)
    normwise = float(np.linalg.norm(given - estimate)) / denominator
    return normwise, float(relative.max()), float(difference.max())


def _checked_inputs(
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    methods: Sequence[str],
    tolerances,
    max_entries,
    step,
) -> tuple[dict[str, NDArray], dict[str, NDArray], dict[str, float]]:
    if not isinstance(params, Mapping) or not params:
        raise TypeError(f"params: expected a non-empty mapping of arrays by name, got {type(params).__name__}")
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads: expected a mapping of arrays by name, got {type(grads).__name__}")
    if set(grads) != set(params):
        raise ValueError(f"grads: expected the same names as params {sorted(params)}, got {sorted(grads)}")
    arrays, gradients = {}, {}
    for name, value in params.items():
        array = np.asarray(value)
        if array.dtype.kind not in "fi" or array.size == 0:
            raise TypeError(
                f"params[{name!r}]: expected a non-empty real array, got dtype {array.dtype}, shape {array.shape}"
            )
        arrays[name] = array.astype(np.float64)
        gradient = np.asarray(grads[name])
        if gradient.shape != array.shape:
            raise ValueError(
                f"grads[{name!r}]: expected shape {array.shape} (like params[{name!r}]), got {gradient.shape}"
            )
        if np.iscomplexobj(gradient):
            raise TypeError(f"grads[{name!r}]: expected a real array, got dtype {gradient.dtype}")
        gradients[name] = gradient.astype(np.float64)
    if isinstance(methods, str) or not methods or any(m not in METHODS for m in methods):
        raise ValueError(f"methods: expected a non-empty sequence drawn from {METHODS}, got {methods!r}")
    limits = dict(DEFAULT_TOLERANCES)
    if tolerances is not None:
        unknown = set(tolerances) - set(METHODS)
        if unknown:
            raise ValueError(f"tolerances: expected keys among {METHODS}, got {sorted(unknown)}")
        for method, value in tolerances.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(
                    f"tolerances[{method!r}]: expected a finite non-negative number, "
                    f"got {type(value).__name__} {value!r}"
                )
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"tolerances[{method!r}]: expected a finite non-negative number, got {value!r}")
        limits.update({k: float(v) for k, v in tolerances.items()})
    if isinstance(max_entries, bool) or not isinstance(max_entries, (int, np.integer)) or max_entries < 1:
        raise ValueError(f"max_entries: expected a positive integer, got {max_entries!r}")
    _checked_step(step)
    return arrays, gradients, limits


def check_gradients(
    loss_fn: LossFunction,
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    *,
    methods: Sequence[str] = METHODS,
    tolerances: Mapping[str, float] | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    seed: int = 0,
    step: float | None = None,
) -> GradcheckReport:
    """Check claimed gradients against central differences and complex step, parameter by parameter.

    Parameters
    ----------
    loss_fn
        ``loss_fn(params) -> scalar``. Called with a dict of float64 arrays (central differences)
        or complex128 arrays (complex step), keyed like `params`. It must not keep the arrays:
        the checker reuses them.
    params
        The point at which the gradients were computed, real arrays by name.
    grads
        The gradients to check, by the same names, each shaped like its parameter.
    methods
        Estimators to run: ``"central"``, ``"complex"`` or both (default).
    tolerances
        Norm-wise relative-error bounds by method, finite and non-negative (0 asks for exact
        agreement); defaults are ``DEFAULT_TOLERANCES`` (10⁻⁷ and 10⁻¹³).
    max_entries
        The size threshold: a parameter with at most this many entries (by default
        ``DEFAULT_MAX_ENTRIES`` = 200) is checked entry by entry, every one of them; a larger one
        on a random subset of this size. The report says how many were checked of how many.
    seed
        Seed of the subset choice, so a report can be reproduced.
    step
        One step h for every method, finite and positive; by default each method's own: for central differences
        [`central_step`][rnn_math.verification.gradcheck.central_step] at the loss's value, for complex step
        ``COMPLEX_STEP``.

    Returns
    -------
    GradcheckReport
        One row per (parameter, method), each with the entries checked and the parameter's size;
        ``report.passed``, ``report.failures()``, ``report.coverage()``, ``str(report)``.

    Raises
    ------
    ValueError, TypeError
        If names or shapes of `params` and `grads` differ, a method or tolerance is unknown, a
        tolerance is negative or not finite, the step is not finite and positive, or `loss_fn`
        returns something other than a scalar (or a real number at complex input).
    """
    arrays, gradients, limits = _checked_inputs(params, grads, methods, tolerances, max_entries, step)
    estimators = {"central": central_difference, "complex": complex_step}
    rng = np.random.default_rng(seed)
    subsets = {name: sample_indices(array.size, int(max_entries), rng) for name, array in arrays.items()}
    loss_value = abs(_evaluate(loss_fn, {name: array.copy() for name, array in arrays.items()}))
    rows = []
    for name, array in arrays.items():
        given = gradients[name].ravel()[subsets[name]]
        flat = array.ravel()
        for method in methods:
            steps = [
                step if step is not None else central_step(loss_value, flat[i]) if method == "central" else COMPLEX_STEP
                for i in subsets[name]
            ]
            estimate = np.array(
                [
                    estimators[method](loss_fn, arrays, name, int(i), step=h)
                    for i, h in zip(subsets[name], steps, strict=True)
                ]
            )
            normwise, max_rel, max_abs = _errors(given, estimate)
            rows.append(GradcheckRow(name, method, len(given), array.size, normwise, max_rel, max_abs, limits[method]))
    return GradcheckReport(tuple(rows))
