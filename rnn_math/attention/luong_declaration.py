"""The checks of the multiplicative score (Luong, Pham and Manning, 2015), declared with the attention model.

The attention model's declaration ([`rnn_math.attention.declaration`][rnn_math.attention.declaration])
adds these equations, checks and mistakes to the additive form's, so that
``rnn-math verify --model attention`` proves both forms. The checks are the additive form's:

- the exact proof at T = 2 source words, T' = 1 decoder step, D_h = 2 (W_a is 2 × 2: the
  smallest size at which a transposition can be wrong), scalar embeddings, every entry a symbol;
- NumPy's backward pass against the closed form evaluated at 50 digits, on a batch of two pairs
  (T = T' = 3, D_h = 3), gradient by gradient;
- the forward pass (scores, weights, contexts, decoder states) against its twins at 50 digits;
- central differences and complex step on every entry of every gradient.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from rnn_math.attention.luong_mistakes import LUONG_MISTAKES
from rnn_math.attention.luong_passes import (
    LUONG_BACKWARD_EQUATIONS,
    LUONG_FORWARD_EQUATIONS,
    LUONG_PARAMETER_NAMES,
    luong_loss,
    run_luong_backward,
    run_luong_forward,
)
from rnn_math.attention.params import AttentionParams
from rnn_math.core.types import Array
from rnn_math.symbolic.attention import luong as sym
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Replacements, attribute
from rnn_math.verification.evaluate import evaluate, to_matrix

__all__ = ["LUONG_EQUATIONS", "LUONG_MISTAKES", "luong_checks"]

#: The equations of the multiplicative form that the additive form does not have, in page order.
LUONG_EQUATIONS: tuple[str, ...] = (
    "eq-luong-score", "eq-luong-state-grad", "eq-luong-handoff", "eq-luong-annotation-grad", "eq-luong-grad-wa",
)  # fmt: skip

#: Every id the composers use, without the position suffix: what a mistake may replace.
CHECKED = tuple(dict.fromkeys(eq_id.split("@")[0] for eq_id in LUONG_BACKWARD_EQUATIONS))

#: Which equation produces each gradient.
GRADIENT_OUTPUTS: dict[str, str] = {
    "E_en": "eq-embedding-grad", "W_h": "eq-bptt-grad-wh", "W_e": "eq-bptt-grad-we", "b_1": "eq-bptt-grad-b1",
    "E_hi": "eq-embedding-grad", "W_dec": "eq-decoder-grad-wdec", "V": "eq-decoder-grad-v", "c": "eq-decoder-grad-c",
    "W_out": "eq-decoder-grad-wout", "b_out": "eq-decoder-grad-bout", "W_a": "eq-luong-grad-wa",
    "W_c": "eq-attention-grad-wc",
}  # fmt: skip

#: The flow of data through the backward pass (within a step; the recursions through time are left out).
BACKWARD_FEEDS: dict[str, tuple[str, ...]] = {
    "eq-bptt-output-grad": ("eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-luong-state-grad"),
    "eq-luong-state-grad": ("eq-decoder-delta",),
    "eq-decoder-delta": (
        "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-attention-grad-wc",
        "eq-attention-context-grad", "eq-luong-handoff", "eq-bptt-grad-x",
    ),
    "eq-attention-context-grad": ("eq-attention-weight-grad", "eq-luong-annotation-grad"),
    "eq-attention-weight-grad": ("eq-attention-softmax-grad",),
    "eq-attention-softmax-grad": ("eq-luong-grad-wa", "eq-luong-annotation-grad", "eq-luong-handoff"),
    "eq-luong-handoff": ("eq-luong-annotation-grad",),
    "eq-encoder-state-grad": ("eq-luong-annotation-grad",),
    "eq-luong-annotation-grad": ("eq-bptt-delta",),
    "eq-bptt-delta": ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-x"),
    "eq-bptt-grad-x": ("eq-embedding-grad",),
}  # fmt: skip

# The exact proof: T = 2 source words, one decoder step, D_h = 2, every entry a symbol.
PROOF_SOURCE, PROOF_TARGETS = (0, 1), (1,)

# Numerical checks: the additive form's batch, two sentences of lengths T = 3, T' = 3, a word repeated.
SOURCE = np.array([[0, 3, 0], [2, 4, 1]])
TARGETS = np.array([[1, 1, 3], [2, 0, 3]])


def luong_small_params() -> dict[str, Array]:
    """The twelve arrays of the numerical checks: five English words, four Hindi words, D_h = 3."""
    params = AttentionParams.random(5, 4, D_h=3, d_en=2, d_hi=2, n_a=3, seed=3, scale=0.8).as_dict()
    return {name: params[name] for name in LUONG_PARAMETER_NAMES}


def _closed_form_at(params: dict[str, Array], source, targets) -> dict[str, Any]:
    exact = {name: to_matrix(value) for name, value in params.items()}
    unrolled = sym.luong_unrolled_loss(exact, list(source), list(targets))
    grads = sym.luong_closed_form_gradients(exact, unrolled, list(targets), source=list(source))
    return {name: evaluate(g).reshape(params[name].shape) for name, g in grads.items()}


@cache
def _summed_closed_form() -> dict[str, Any]:
    singles = [_closed_form_at(luong_small_params(), s, t) for s, t in zip(SOURCE, TARGETS, strict=True)]
    return {name: sum(single[name] for single in singles) for name in singles[0]}


def _numpy_gradients(replace: Replacements) -> dict[str, Any]:
    return run_luong_backward(luong_small_params(), SOURCE, TARGETS, replace=replace).grads


_FORWARD_FIELDS: dict[str, str] = {
    "e": "eq-luong-score", "alpha": "eq-attention-weights", "contexts": "eq-attention-context",
    "a": "eq-attention-decoder-state", "s": "eq-attention-decoder-state",
}  # fmt: skip


def forward_outputs() -> dict[str, str]:
    """Which equation produces each array the forward check compares (``e[0]``: the first sentence's scores)."""
    return {f"{name}[{b}]": eq_id for name, eq_id in _FORWARD_FIELDS.items() for b in range(len(SOURCE))}


@cache
def _forward_reference() -> dict[str, Any]:
    exact = {name: to_matrix(value) for name, value in luong_small_params().items()}
    arrays: dict[str, Any] = {}
    for b, (source, targets) in enumerate(zip(SOURCE, TARGETS, strict=True)):
        u = sym.luong_unrolled_loss(exact, list(source), list(targets))
        for name, values in (("e", u.e), ("alpha", u.alpha), ("contexts", u.contexts), ("a", u.a), ("s", u.s[1:])):
            arrays[f"{name}[{b}]"] = np.hstack([evaluate(v) for v in values]).T
    return arrays


def _forward_numpy(replace: Replacements) -> dict[str, Any]:
    fp = run_luong_forward(luong_small_params(), SOURCE, TARGETS)
    arrays = {f"{name}[{b}]": getattr(fp, name)[b] for name in ("e", "alpha", "contexts", "a") for b in (0, 1)}
    return arrays | {f"s[{b}]": fp.s[b, 1:] for b in (0, 1)}


@cache
def _symbolic_model() -> tuple[dict[str, Any], Any]:
    params = sym.luong_parameter_symbols(n_en=2, n_hi=2, D_h=2, d_en=1, d_hi=1)
    return params, sym.luong_unrolled_loss(params, list(PROOF_SOURCE), list(PROOF_TARGETS))


def _build_proof(replace: Replacements):
    params, unrolled = _symbolic_model()
    closed = sym.luong_closed_form_gradients(
        params, unrolled, list(PROOF_TARGETS), source=list(PROOF_SOURCE), replace=replace
    )
    return unrolled.loss, params, closed


def luong_checks() -> list[Check]:
    """The multiplicative form's checks, at the small sizes the fast tests use."""
    gradients = attribute(CHECKED, GRADIENT_OUTPUTS, BACKWARD_FEEDS)
    return [
        exact_proof(
            "exact proof, multiplicative, T = 2, T' = 1, D_h = 2", CHECKED, _build_proof, attribution=gradients
        ),
        fifty_digits(
            "backward pass against the closed form at 50 digits, multiplicative",
            CHECKED,
            _numpy_gradients,
            _summed_closed_form,
            attribution=gradients,
        ),
        fifty_digits(
            "forward pass against the twins at 50 digits, multiplicative",
            LUONG_FORWARD_EQUATIONS,
            _forward_numpy,
            _forward_reference,
            side=None,
            attribution=attribute(LUONG_FORWARD_EQUATIONS, forward_outputs()),
        ),
        numerical_gradients(
            "central differences and complex step, multiplicative",
            CHECKED,
            lambda q: luong_loss(q, SOURCE, TARGETS),
            luong_small_params(),
            _numpy_gradients,
            attribution=gradients,
        ),
    ]
