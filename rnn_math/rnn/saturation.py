"""Saturated vanilla RNNs, and how far each gradient of `bptt` is from the 50-digit reference there.

Each case drives the hidden units far into saturation (largest |z| from 10 to 1000) and makes the
right output win by a wide margin at every step (logits up to ±1000), which is exactly where the
textbook forms cancel: the slope 1 − h² or h(1 − h) taken from the stored h, and the target's
output gradient ŷ_k − 1. [`case_errors`][rnn_math.rnn.saturation.case_errors] measures every gradient
of [`bptt`][rnn_math.rnn.bptt.bptt] against [`reference_bptt`][rnn_math.rnn.reference.reference_bptt],
one norm-wise relative error per gradient, so that a tiny gradient cannot hide behind a large one;
[`textbook_bptt`][rnn_math.rnn.saturation.textbook_bptt] is the negative control those errors must
expose.

Where the true gradients underflow. A slope below the smallest float (tanh' beyond |z| ≈ 372 in
float64, ≈ 52 in float32; sigmoid' beyond ≈ 745 and ≈ 103) is correctly rounded to 0, and so is
every gradient it alone carries. So each case has two *carrier* units at levels where the slope
(times the output error it multiplies) is still a normal number, and the units at the extreme
level show that 0 is returned without inf or NaN. Every norm-wise error is then an error in
numbers the dtype can hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import DTypeLike, NDArray

from rnn_math.core.activations import get_activation
from rnn_math.rnn.bptt import (
    bptt,
    grad_b_1,
    grad_b_2,
    grad_h_0,
    grad_U,
    grad_W_e,
    grad_W_h,
    grad_x,
    hidden_gradient,
    output_gradient,
)
from rnn_math.rnn.forward import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.reference import RNNReference, reference_bptt
from rnn_math.verification.highprecision import normwise_relative_error

#: Largest |z| of the cases.
EXTREMES = (10.0, 30.0, 100.0, 300.0, 1000.0)
ACTIVATIONS = ("sigmoid", "tanh")
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
#: Norm-wise relative error allowed against 50 digits, per dtype: a few roundings, amplified at
#: most by |z| (the rounding of z moves a slope e^{-|z|} by |z| times its relative error).
TOLERANCES = {"float64": 1e-12, "float32": 1e-4}
#: The gradients checked, in the order the pages list them.
GRADIENTS = ("W_h", "W_e", "b_1", "U", "b_2", "h_0", "xs")
#: Highest carrier level per (dtype, activation): the slope there times the output error is normal.
_CARRIER_CAP = {
    (np.dtype(np.float64), "tanh"): 300.0,
    (np.dtype(np.float64), "sigmoid"): 600.0,
    (np.dtype(np.float32), "tanh"): 30.0,
    (np.dtype(np.float32), "sigmoid"): 60.0,
}
#: Logit biases: the right output (index 0) ahead of the next two by the margins, the last at −1000.
#: In float32 the right logit sits at 0, not 1000: a float32 number near 1000 carries an absolute
#: rounding error of 3e-5, which alone moves the wrong outputs' probability e^{−margin} by that
#: relative amount (the conditioning of the problem, not an error of the method).
_LOGIT_BIASES = {
    np.dtype(np.float64): (1000.0, 1000.0 - 25.0, 1000.0 - 35.0, -1000.0),
    np.dtype(np.float32): (0.0, -11.0, -14.0, -1000.0),
}
#: Weights other than the biases: small, so every |z| stays within about 0.5 of its bias.
_WEIGHT_SCALE = 0.1


@dataclass(frozen=True)
class SaturatedCase:
    """One saturated problem: parameters, inputs, targets and h^0 in one dtype."""

    name: str
    activation: str
    params: RNNParams
    xs: NDArray[np.floating]
    targets: NDArray[np.intp]
    h_0: NDArray[np.floating]


def saturated_case(extreme: float, activation: str, dtype: DTypeLike = np.float64) -> SaturatedCase:
    """The case whose largest |pre-activation| is about `extreme`.

    Parameters
    ----------
    extreme
        The level of the most saturated unit, e.g. 10 to 1000.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    dtype
        float64 or float32.

    Returns
    -------
    SaturatedCase
        B = 2 sequences of T = 6 steps, d = 3, D_h = 4, |V| = 4. Hidden biases put the units at
        ±extreme, ±0.95 extreme and two carrier levels 0.8 and 0.9 times min(extreme, cap), cap
        set by dtype and activation so that the carriers' gradients are normal numbers (see the
        module docstring). For the sigmoid every unit but the most saturated one is positive,
        where h(1 − h) cancels (for z < 0 it does not, and such a unit's larger slope would
        carry the gradient).
    """
    kind = np.dtype(dtype)
    carrier = min(extreme, _CARRIER_CAP[(kind, activation)])
    signs = (1.0, -1.0, 1.0, -1.0) if activation == "tanh" else (-1.0, 1.0, 1.0, 1.0)
    levels = (extreme, 0.8 * carrier, 0.9 * carrier, 0.95 * extreme)
    rng = np.random.default_rng(int(extreme))
    raw = {
        "W_h": _WEIGHT_SCALE * rng.standard_normal((4, 4)),
        "W_e": _WEIGHT_SCALE * rng.standard_normal((4, 3)),
        "b_1": np.array([s * level for s, level in zip(signs, levels, strict=True)]),
        "U": _WEIGHT_SCALE * rng.standard_normal((4, 4)),
        "b_2": np.array(_LOGIT_BIASES[kind]),
    }
    params = RNNParams(**{name: value.astype(kind) for name, value in raw.items()})
    xs = rng.standard_normal((2, 6, 3)).astype(kind)
    h_0 = (0.5 * rng.standard_normal((2, 4))).astype(kind)
    name = f"{activation}, {kind.name}, max |z| ≈ {extreme:g}"
    return SaturatedCase(name, activation, params, xs, np.zeros((2, 6), dtype=np.intp), h_0)


def saturated_cases(activation: str, dtype: DTypeLike = np.float64) -> tuple[SaturatedCase, ...]:
    """One case per extreme level, for one activation and dtype."""
    return tuple(saturated_case(extreme, activation, dtype) for extreme in EXTREMES)


def textbook_bptt(
    case: SaturatedCase, *, slope_from_h: bool = True, target_minus_one: bool = True
) -> dict[str, NDArray]:
    """BPTT with the textbook forms, the negative control: slope from h, target entry ŷ_k − 1.

    Every other step is the package's own per-equation function, so a difference from `bptt`
    comes from those two forms alone. Either can be switched off to see what the other costs
    (off means the package's form: σ' at z, −Σ_{j≠k} ŷ_j).
    """
    fp = forward(case.params, case.xs, case.targets, activation=case.activation, h_0=case.h_0)
    p = case.params
    output_grads = output_gradient(fp.y_hat, case.targets)
    if target_minus_one:
        index = case.targets[..., None]
        np.put_along_axis(output_grads, index, np.take_along_axis(fp.y_hat, index, -1) - 1, -1)
    h = fp.h[:, 1:]
    slopes = get_activation(case.activation).derivative(fp.z)
    if slope_from_h:
        slopes = 1 - h * h if case.activation == "tanh" else h * (1 - h)
    deltas = np.empty_like(fp.z)
    delta_next = np.zeros_like(fp.z[:, 0])
    for t in range(fp.z.shape[1] - 1, -1, -1):
        delta_next = deltas[:, t] = hidden_gradient(p.U, output_grads[:, t], p.W_h, delta_next) * slopes[:, t]
    return {
        "W_h": grad_W_h(deltas, fp.h[:, :-1]),
        "W_e": grad_W_e(deltas, case.xs),
        "b_1": grad_b_1(deltas),
        "U": grad_U(output_grads, h),
        "b_2": grad_b_2(output_grads),
        "h_0": grad_h_0(p.W_h, deltas[:, 0]),
        "xs": grad_x(p.W_e, deltas),
    }


def package_bptt(case: SaturatedCase) -> dict[str, NDArray]:
    """Every gradient of `bptt` for a case, keyed as in `GRADIENTS`."""
    result = bptt(case.params, case.xs, case.targets, activation=case.activation, h_0=case.h_0)
    return result.grads.as_dict() | {"h_0": result.grad_h_0, "xs": result.grad_xs}


@cache
def _reference(extreme: float, activation: str, dtype_name: str) -> RNNReference:
    case = saturated_case(extreme, activation, dtype_name)
    return reference_bptt(case.params, case.xs, case.targets, activation=activation, h_0=case.h_0)


def reference(case: SaturatedCase) -> RNNReference:
    """The 50-digit reference of a case made by `saturated_case`, computed once per case."""
    extreme = next(e for e in EXTREMES if saturated_case(e, case.activation, case.xs.dtype).name == case.name)
    return _reference(extreme, case.activation, case.xs.dtype.name)


def case_errors(
    case: SaturatedCase, gradients: Callable[[SaturatedCase], dict[str, NDArray]] = package_bptt
) -> dict[str, float]:
    """Norm-wise relative error of each gradient of `gradients(case)` against the 50-digit reference."""
    exact = reference(case).grads
    got = gradients(case)
    return {name: normwise_relative_error(got[name], exact[name]) for name in GRADIENTS}


def saturation_errors(
    activation: str,
    dtype: DTypeLike = np.float64,
    gradients: Callable[[SaturatedCase], dict[str, NDArray]] = package_bptt,
) -> dict[str, float]:
    """Worst norm-wise relative error of each gradient over the saturated cases of one activation and dtype.

    Parameters
    ----------
    activation
        ``"sigmoid"`` or ``"tanh"``.
    dtype
        float64 or float32.
    gradients
        The backward pass measured: `package_bptt` (default) or `textbook_bptt`.

    Returns
    -------
    dict
        Gradient name (``"W_h"``, …, ``"h_0"``, ``"xs"``) → the worst error over `EXTREMES`.
    """
    errors = [case_errors(case, gradients) for case in saturated_cases(activation, dtype)]
    return {name: max(e[name] for e in errors) for name in GRADIENTS}
