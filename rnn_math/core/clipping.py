"""Gradient clipping: rescaling by the global norm, and clipping every entry to ±c.

Both remedies act on the gradients of *all* parameters at once, given as a mapping from
parameter name to array (``RNNGrads.as_dict()`` gives one). Both are pure: they return new
arrays and never modify the caller's.

- [`clip_by_global_norm`][rnn_math.core.clipping.clip_by_global_norm] is Algorithm 1 of Pascanu,
  Mikolov and Bengio (2013): if the norm of the whole gradient exceeds a threshold, scale the
  whole gradient down to that norm. The direction of the step is kept; only its length changes.
- [`clip_elementwise`][rnn_math.core.clipping.clip_elementwise] clips every entry to [−c, c], as
  Karpathy's min-char-rnn does with c = 5. Entries beyond the limit are flattened, so the
  direction changes whenever any entry is clipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array


def check_threshold(name: str, value: float) -> float:
    """Return a clipping threshold as a float after checking that it is a finite positive number.

    Parameters
    ----------
    name
        The argument's name, used in error messages.
    value
        The threshold.

    Raises
    ------
    TypeError
        If it is not a real number (booleans are refused too: ``True`` is not a threshold).
    ValueError
        If it is zero, negative, NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a positive finite number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number <= 0.0:
        raise ValueError(f"{name}: expected a positive finite number, got {value!r}")
    return number


def check_grads(grads: Mapping[str, Array]) -> dict[str, Array]:
    """Check a mapping of gradients: non-empty, string keys, finite float arrays.

    Raises
    ------
    TypeError
        If `grads` is not a mapping, a key is not a string or an array is not float32/float64.
    ValueError
        If the mapping is empty or an array is empty or holds NaN or infinite values; the
        message names the parameter, as ``grads['W_h']``.
    """
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads: expected a mapping from parameter name to array, got {type(grads).__name__}")
    if not grads:
        raise ValueError("grads: expected at least one gradient, got an empty mapping")
    checked: dict[str, Array] = {}
    for name, value in grads.items():
        if not isinstance(name, str):
            raise TypeError(f"grads: expected parameter names (str) as keys, got {type(name).__name__} {name!r}")
        checked[name] = as_float_array(f"grads[{name!r}]", value)
    return checked


def _largest_magnitude(grads: Mapping[str, Array]) -> float:
    return max(float(np.max(np.abs(g))) for g in grads.values())


def _scaled_norm(grads: Mapping[str, Array], scale: float) -> float:
    """sqrt(Σ (g/scale)²) in float64: with scale = max |g| every term is at most 1, so nothing overflows."""
    return math.sqrt(sum(float(np.sum(np.square(g.astype(np.float64) / scale))) for g in grads.values()))


@equation(
    "eq-grad-global-norm",
    title="Global gradient norm",
    latex=(
        r"\lVert g \rVert = \sqrt{\sum_{P \in \{W_h,\, W_e,\, b_1,\, U,\, b_2\}}\ \sum_{i,j}"
        r" \Bigl(\frac{\partial L}{\partial P_{ij}}\Bigr)^{2}}"
    ),
)
def global_norm(grads: Mapping[str, Array]) -> float:
    """Euclidean norm of all gradients together, as if they were one long vector.

    Parameters
    ----------
    grads
        Gradient arrays by parameter name, any shapes.

    Returns
    -------
    float
        ``sqrt(Σ_P Σ_ij g_P[i, j]²)``, computed in float64.

    Raises
    ------
    TypeError, ValueError
        On input that [`check_grads`][rnn_math.core.clipping.check_grads] refuses.

    Notes
    -----
    The squares are summed after dividing by the largest magnitude, so a gradient of 10²⁰⁰
    (an exploding one) gives its norm instead of overflowing to infinity.
    """
    checked = check_grads(grads)
    peak = _largest_magnitude(checked)
    if peak == 0.0:
        return 0.0
    return peak * _scaled_norm(checked, peak)


@equation(
    "eq-clip-global-norm",
    title="Clipping by the global norm",
    latex=(
        r"\hat{g} = \begin{cases} \dfrac{c}{\lVert g \rVert}\, g & \text{if } \lVert g \rVert > c,"
        r" \\[4pt] g & \text{otherwise} \end{cases}"
        r"\;=\; \min\!\Bigl(1, \frac{c}{\lVert g \rVert}\Bigr)\, g"
    ),
)
def clip_by_global_norm(grads: Mapping[str, Array], max_norm: float) -> tuple[dict[str, Array], float]:
    """Scale all gradients by one common factor so that their global norm is at most `max_norm`.

    Parameters
    ----------
    grads
        Gradient arrays by parameter name (for example ``bptt(...).grads.as_dict()``).
    max_norm
        The threshold c, a positive finite number.

    Returns
    -------
    clipped : dict[str, numpy.ndarray]
        New arrays, same names, shapes and dtypes. If the global norm exceeds c, every array is
        multiplied by c / ‖g‖; otherwise they are copies of the input.
    norm : float
        The global norm ‖g‖ *before* clipping (what a training log should report).

    Raises
    ------
    TypeError, ValueError
        On gradients that [`check_grads`][rnn_math.core.clipping.check_grads] refuses, or a
        threshold that is not a positive finite number.

    Notes
    -----
    Every array is scaled by the same factor, so the direction of the update is unchanged.
    After clipping, the norm equals c up to rounding (a few units in the last place).
    The factor is formed as (c / max|g|) / sqrt(Σ (g/max|g|)²), which stays finite even when
    ‖g‖ itself would overflow.
    """
    checked = check_grads(grads)
    c = check_threshold("max_norm", max_norm)
    peak = _largest_magnitude(checked)
    if peak == 0.0:
        return {name: g.copy() for name, g in checked.items()}, 0.0
    scaled_norm = _scaled_norm(checked, peak)
    norm = peak * scaled_norm
    if not norm > c:
        return {name: g.copy() for name, g in checked.items()}, norm
    factor = (c / peak) / scaled_norm
    return {name: (g * factor).astype(g.dtype, copy=False) for name, g in checked.items()}, norm


@equation(
    "eq-clip-elementwise",
    title="Element-wise clipping",
    latex=r"\hat{g}_i = \min\bigl(\max(g_i, -c),\, c\bigr)",
)
def clip_elementwise(grads: Mapping[str, Array], limit: float) -> dict[str, Array]:
    """Clip every entry of every gradient to the interval [−limit, limit].

    Parameters
    ----------
    grads
        Gradient arrays by parameter name.
    limit
        The bound c, a positive finite number (min-char-rnn uses 5).

    Returns
    -------
    dict[str, numpy.ndarray]
        New arrays, same names, shapes and dtypes; entries inside [−c, c] are unchanged.

    Raises
    ------
    TypeError, ValueError
        On gradients that [`check_grads`][rnn_math.core.clipping.check_grads] refuses, or a limit
        that is not a positive finite number.

    Notes
    -----
    Unlike [`clip_by_global_norm`][rnn_math.core.clipping.clip_by_global_norm] this changes the
    direction of the gradient as soon as one entry is clipped, and it bounds each entry, not
    the norm: D entries can still have a norm of up to c·sqrt(D).
    """
    checked = check_grads(grads)
    c = check_threshold("limit", limit)
    return {name: np.clip(g, -c, c).astype(g.dtype, copy=False) for name, g in checked.items()}
