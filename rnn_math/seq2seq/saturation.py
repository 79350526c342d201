"""Saturated encoder-decoders: fixed cases, and how far the backward pass is from 50 digits on them.

Each case drives the units of both halves deep into saturation (the largest |z_t| or |a_t| is 10,
30, 100 or 1000) and the logits out to ±10 … ±1000, in one of two ways the output layer can be
extreme: the right word winning by a wide margin (every output gradient tiny, p_k − 1 would
cancel) or losing by one (output gradients of order 1). The cases are built so that every true
gradient is a normal float of the dtype, not an underflow:

- one hidden unit is held at the largest |pre-activation|; its slope (about 4 e^{-2|a|}, 10⁻⁸⁶⁹
  at |a| = 1000) underflows to 0 in both the code and the rounded reference, so what passes
  through it is 0 on both sides and the unit shows only that nothing overflows;
- the other two units sit at |pre-activation| ≈ 20 and 24 in float64 (12 and 14 in float32),
  where tanh rounds to ±1 and 1 − tanh² is exactly 0, but the true slopes (10⁻¹⁷ … 10⁻²¹ in
  float64) keep the gradients of the decoder and of the encoder representable;
- the winning margin is 300 in float64 (e^{-300} ≈ 5·10⁻¹³¹) and 20 in float32, so that tiny
  output gradients times two such slopes stay above the smallest normal number.

[`saturation_errors`][rnn_math.seq2seq.saturation.saturation_errors] reports, per gradient, the
worst norm-wise relative error of [`backward`][rnn_math.seq2seq.passes.backward] against
[`reference_backward`][rnn_math.seq2seq.reference.reference_backward] over these cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import DTypeLike, NDArray

from rnn_math.core.types import Array
from rnn_math.seq2seq.params import PARAMETER_NAMES, Seq2SeqParams
from rnn_math.seq2seq.passes import backward, run_backward
from rnn_math.seq2seq.reference import ReferenceResult, reference_backward
from rnn_math.verification.highprecision import normwise_relative_error

#: The largest |pre-activation| of the cases, and the scale of their largest logits.
EXTREMES = (10.0, 30.0, 100.0, 1000.0)
#: How the right word fares: far ahead of every other word, or far behind.
REGIMES = ("right word wins", "right word loses")
#: Levels of the two units that carry the gradient, and the winning margin, per dtype.
_CARRIERS = {np.dtype(np.float64): (20.0, 24.0), np.dtype(np.float32): (12.0, 14.0)}
_MARGIN = {np.dtype(np.float64): 300.0, np.dtype(np.float32): 20.0}
#: Weights other than the biases and the output layer: small, so every |pre-activation| stays
#: within 0.5 of the level its bias sets.
_WEIGHT_SCALE = 0.1


@dataclass(frozen=True)
class SaturatedCase:
    """One saturated encoder-decoder and the sentence pair it is run on.

    Attributes
    ----------
    name
        A short label (``"float64, |z| 1000, right word wins"``).
    params
        The parameters, in the case's dtype.
    source, targets
        One English sentence (T = 3) and its Hindi targets (T' = 3).
    """

    name: str
    params: Seq2SeqParams
    source: NDArray[np.intp]
    targets: NDArray[np.intp]


def _checked_dtype(dtype: DTypeLike) -> np.dtype:
    kind = np.dtype(dtype)
    if kind not in _CARRIERS:
        raise ValueError(f"dtype: expected float32 or float64, got {kind}")
    return kind


def saturated_case(extreme: float, regime: str, dtype: DTypeLike = np.float64) -> SaturatedCase:
    """The case whose largest |pre-activation| and logit scale are `extreme`, in `regime`.

    Parameters
    ----------
    extreme
        One of ``EXTREMES``.
    regime
        One of ``REGIMES``.
    dtype
        float64 or float32.
    """
    kind = _checked_dtype(dtype)
    if regime not in REGIMES:
        raise ValueError(f"regime: expected one of {REGIMES}, got {regime!r}")
    if extreme not in EXTREMES:
        raise ValueError(f"extreme: expected one of {EXTREMES}, got {extreme!r}")
    rng = np.random.default_rng(int(extreme))
    carriers = _CARRIERS[kind] if extreme > max(_CARRIERS[kind]) else (extreme - 2, extreme - 1)
    # One sign pattern for both halves, so that s_0 = h_T and every later s_t agree in sign and
    # the sums over steps of the weight gradients add terms of one sign: a case whose exact
    # gradient is a cancelling sum would measure its own conditioning, not the code's rounding.
    b_1 = c = np.array([extreme, *carriers]) * [1, -1, 1]
    margin = min(_MARGIN[kind], extreme)
    # Logits o_t ≈ W_out sign(c) + b_out, since every decoder unit is within 10⁻⁶ of ±1: four
    # distinct scores, the largest L, the smallest −L. W_out's rows differ in every column, so
    # W_outᵀ g does not cancel; its entries are quarters and b_out's integers, so float32
    # computes the logits of saturated states exactly.
    logits = np.array([extreme, extreme - margin, -extreme, extreme - 1.5 * margin])
    W_out = np.array([[0.5, -0.5, 0.25], [-0.5, 0.75, -0.25], [0.25, 0.5, -0.75], [-0.25, -0.25, 0.5]])
    small = {name: rng.uniform(-_WEIGHT_SCALE, _WEIGHT_SCALE, shape) for name, shape in
             (("W_h", (3, 3)), ("W_e", (3, 2)), ("W_dec", (3, 3)), ("V", (3, 2)))}  # fmt: skip
    # Positive embeddings, for the same reason as the one sign pattern.
    values = {
        "E_en": rng.uniform(0.5, 1, (4, 2)), "b_1": b_1, "E_hi": rng.uniform(0.5, 1, (5, 2)), "c": c,
        "W_out": W_out, "b_out": logits - W_out @ np.sign(c), **small,
    }  # fmt: skip
    params = Seq2SeqParams(**{name: values[name].astype(kind) for name in PARAMETER_NAMES})
    targets = np.array([0, 0, 0]) if regime == REGIMES[0] else np.array([2, 3, 2])
    name = f"{kind.name}, |z| {extreme:g}, {regime}"
    return SaturatedCase(name, params, np.array([1, 3, 0]), targets)


def saturated_cases(dtype: DTypeLike = np.float64) -> tuple[SaturatedCase, ...]:
    """Every extreme in every regime, in one dtype: eight cases."""
    return tuple(saturated_case(extreme, regime, dtype) for extreme in EXTREMES for regime in REGIMES)


@cache
def reference(case_name: str, dtype_name: str) -> ReferenceResult:
    """The 50-digit reference of the case called `case_name`, computed once."""
    case = next(c for c in saturated_cases(dtype_name) if c.name == case_name)
    return reference_backward(case.params, case.source, case.targets)


def case_errors(case: SaturatedCase, replace: dict | None = None) -> dict[str, float]:
    """Norm-wise relative error of every gradient (and of the loss) of one case against 50 digits.

    `replace` swaps equations of the backward pass for wrong versions, as in
    [`run_backward`][rnn_math.seq2seq.passes.run_backward]: the negative controls use it.
    """
    exact = reference(case.name, case.params.W_h.dtype.name)
    if replace:
        result = run_backward(case.params, case.source[None], case.targets[None], replace=replace)
    else:
        result = backward(case.params, case.source, case.targets)
    errors = {name: normwise_relative_error(g, exact.grads[name]) for name, g in result.grads.as_dict().items()}
    return errors | {"loss": normwise_relative_error(result.loss, exact.loss)}


def textbook_decoder_delta(grad_s_t: Array, a_t: Array) -> Array:
    """δ^dec_t with the slope read off the state, 1 − s_t², as textbooks write it.

    Correct algebra, poor numerics: where s_t rounds to ±1 the slope cancels to 0. A negative
    control for the saturation checks, with the signature of
    [`decoder_delta`][rnn_math.seq2seq.backward_equations.decoder_delta].
    """
    s_t = np.tanh(a_t)
    return grad_s_t * (1 - s_t * s_t)


def textbook_output_gradient(y_hat: Array, targets: NDArray[np.integer]) -> Array:
    """p − 1_k with the target entry formed as p_k − 1, which cancels to 0 when p_k rounds to 1.

    A negative control with the signature of
    [`output_gradient`][rnn_math.rnn.backward_equations.output_gradient].
    """
    grad = y_hat.copy()
    k = np.asarray(targets)[..., None]
    np.put_along_axis(grad, k, np.take_along_axis(grad, k, -1) - 1, -1)
    return grad


#: The textbook forms by the equation they replace: what the saturation checks must reject.
TEXTBOOK = {"eq-decoder-delta": textbook_decoder_delta, "eq-bptt-output-grad": textbook_output_gradient}


def saturation_errors(dtype: DTypeLike = np.float64, replace: dict | None = None) -> dict[str, float]:
    """Worst norm-wise relative error of each gradient of the encoder-decoder over the saturated cases.

    Parameters
    ----------
    dtype
        float64 or float32: the dtype of the parameters and so of the whole computation.
    replace
        Equations of the backward pass swapped for other versions (as in
        [`run_backward`][rnn_math.seq2seq.passes.run_backward]), e.g. ``TEXTBOOK``
        for the negative control; none by default.

    Returns
    -------
    dict[str, float]
        Parameter name (``"E_en"``, …, ``"b_out"``, as in
        [`Seq2SeqGrads.as_dict`][rnn_math.seq2seq.passes.Seq2SeqGrads.as_dict]) → the largest error of
        its gradient over the eight cases of [`saturated_cases`][rnn_math.seq2seq.saturation.saturated_cases].
    """
    per_case = [case_errors(case, replace) for case in saturated_cases(_checked_dtype(dtype))]
    return {name: max(errors[name] for errors in per_case) for name in PARAMETER_NAMES}
