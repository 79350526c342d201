"""Hidden-unit activations σ and their derivatives σ', by name.

The blog post uses the logistic sigmoid, the RNN-theory notes use tanh; every derivation on the site holds for
either, so the code takes the activation by name and the pages write σ for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.core.validation import check_choice


@equation(
    "eq-sigmoid",
    title="Logistic sigmoid",
    latex=r"\operatorname{sigmoid}(z) = \frac{1}{1 + e^{-z}}",
)
def sigmoid(z: Array) -> Array:
    """Logistic sigmoid, element-wise, finite for any finite input.

    Parameters
    ----------
    z
        Pre-activations, any shape.

    Returns
    -------
    numpy.ndarray
        ``1 / (1 + exp(-z))`` with the same shape and dtype as `z`.

    Notes
    -----
    ``exp(-z)`` overflows for z below about -710 in float64 (-88 in float32). Both branches
    below only ever exponentiate ``-|z|``, which can underflow to 0 (harmless) but not overflow.

    Complex input (complex-step differentiation, see
    [`rnn_math.verification.gradcheck`][rnn_math.verification.gradcheck]) is accepted: the branch
    is chosen by the real part and the exponent is ``-z`` or ``z`` itself, never ``|z|``, so the
    function stays analytic. For real input this is exactly ``-|z|``.
    """
    negative = np.real(z) < 0
    e = np.exp(np.where(negative, z, -z))
    return np.where(negative, e / (1.0 + e), 1.0 / (1.0 + e)).astype(np.result_type(z, np.float32), copy=False)


@equation(
    "eq-sigmoid-derivative",
    title="Derivative of the sigmoid",
    latex=r"\operatorname{sigmoid}'(z) = \operatorname{sigmoid}(z)\,\bigl(1 - \operatorname{sigmoid}(z)\bigr)",
)
def sigmoid_derivative(z: Array, out: Array | None = None) -> Array:
    """Derivative of the logistic sigmoid, element-wise.

    Parameters
    ----------
    z
        Pre-activations, any shape.
    out
        An array of z's shape and dtype to write the result into (real z only), so that a loop
        over time steps reuses one buffer; a new array if omitted.

    Returns
    -------
    numpy.ndarray
        ``sigmoid(z) * (1 - sigmoid(z))``, same shape as `z`; at most 1/4, reached at z = 0.

    Notes
    -----
    Computed as ``e / (1 + e)**2`` with ``e = exp(-|z|)``, which equals ``s (1 - s)`` (multiply
    numerator and denominator by ``e^{2|z|}`` for z < 0; the symbolic twin proves the equality).
    The textbook form loses the tail: for large z, ``1 - s`` cancels to a few ulps of 1 (and to
    0 beyond z ≈ 37 in float64), so σ' would be wrong relative to its own small value exactly
    where vanishing gradients are studied. Here every operation adds or multiplies positive
    numbers, so the result is exact to a few roundings for any z, down to the subnormal range
    (``exp(-|z|)`` is never above 1, so nothing overflows). Every backward pass of the package
    takes σ' from this function (or, for tanh, from `tanh_derivative`), never from h. Complex
    input (complex-step differentiation) picks its branch by the real part and exponentiates
    ``-z`` or ``z``, so the function stays analytic; real input takes the same value as
    ``-|z|``, computed in fewer passes.
    """
    e = _exp_of_minus_abs(z, out)
    denominator = e + 1.0
    denominator *= denominator
    e /= denominator  # in place (into `out` if given); exp keeps a float32 z float32
    return e


def _exp_of_minus_abs(z: Array, out: Array | None = None) -> Array:
    """``exp(-|z|)``, never above 1, in `out` or a new array; analytic in each half-plane for complex z."""
    if np.iscomplexobj(z):
        return np.exp(np.where(np.real(z) < 0, z, -z), out=out)
    if out is None:
        return np.exp(np.copysign(z, -1.0))  # -|z| in one pass
    np.copysign(z, -1.0, out=out)
    return np.exp(out, out=out)


@equation(
    "eq-tanh",
    title="Hyperbolic tangent",
    latex=r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
)
def tanh(z: Array) -> Array:
    """Hyperbolic tangent, element-wise (NumPy's, which saturates to ±1 without overflow).

    Parameters
    ----------
    z
        Pre-activations, any shape.

    Returns
    -------
    numpy.ndarray
        ``tanh(z)``, same shape and dtype as `z`.
    """
    return np.tanh(z)


@equation(
    "eq-tanh-derivative",
    title="Derivative of tanh",
    latex=r"\tanh'(z) = 1 - \tanh^2(z)",
)
def tanh_derivative(z: Array, out: Array | None = None) -> Array:
    """Derivative of tanh, element-wise.

    Parameters
    ----------
    z
        Pre-activations, any shape.
    out
        As in [`sigmoid_derivative`][rnn_math.core.activations.sigmoid_derivative].

    Returns
    -------
    numpy.ndarray
        ``1 - tanh(z)**2``, same shape as `z`; at most 1, reached at z = 0.

    Notes
    -----
    Computed as ``r²`` with ``r = 2 e / (1 + e²)`` and ``e = exp(-|z|)``: ``r`` is
    ``1 / cosh z``, so ``r²`` equals ``1 - tanh²(z)`` (the symbolic twin proves the equality).
    ``1 - t·t`` cancels once ``|tanh z|`` is within a few ulps of 1 (and is exactly 0 beyond
    |z| ≈ 19 in float64), so it is wrong relative to its own small value in the tails. Here
    every operation adds or multiplies positive numbers, so the result is exact to a few
    roundings for any z. Squaring last (rather than forming ``4 e²/(1 + e²)²`` from
    ``exp(-2|z|)``) keeps ``r`` a normal number until the final rounding, so the result is
    right even where it is subnormal (|z| from about 354 to 372 in float64). Every backward
    pass of the package takes tanh' from here, never from h. Complex input picks its branch by
    the real part, as in [`sigmoid_derivative`][rnn_math.core.activations.sigmoid_derivative].
    """
    e = _exp_of_minus_abs(z, out)
    denominator = e * e
    denominator += 1.0
    e *= 2.0  # in place (into `out` if given); a 0-d input gives a NumPy scalar, rebound
    e /= denominator
    e *= e
    return e


class Derivative(Protocol):
    """σ' as a function of z, element-wise, optionally written into `out` (the fast path's buffers)."""

    def __call__(self, z: Array, out: Array | None = None) -> Array: ...


@dataclass(frozen=True)
class Activation:
    """A hidden-unit activation σ with its derivative σ' and the bound γ = max σ'.

    Attributes
    ----------
    name
        ``"sigmoid"`` or ``"tanh"``.
    function
        σ, element-wise.
    derivative
        σ', element-wise, as a function of the pre-activation z.
    derivative_bound
        γ = sup σ': 1/4 for the sigmoid, 1 for tanh.
    """

    name: str
    function: Callable[[Array], Array]
    derivative: Derivative
    derivative_bound: float


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, 0.25),
    "tanh": Activation("tanh", tanh, tanh_derivative, 1.0),
}


def get_activation(name: str) -> Activation:
    """Return the activation called `name`.

    Parameters
    ----------
    name
        ``"sigmoid"`` or ``"tanh"``.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the known names.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation: expected a name such as 'sigmoid' or 'tanh', got {type(name).__name__}")
    return ACTIVATIONS[check_choice("activation", name, tuple(ACTIVATIONS))]
