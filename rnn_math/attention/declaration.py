"""The encoder-decoder with attention, declared once: its equations, parameters, composers, checks, mistakes.

The verification engine ([`verify`][rnn_math.verification.engine.verify]) runs the checks built
here and every mistake of [`rnn_math.attention.mistakes`][rnn_math.attention.mistakes] through them:

- the exact proof: SymPy's derivative of the unrolled loss minus every closed form is 0, at
  T = 2 source words, T' = 1 decoder step, D_h = n_a = 2 (the smallest sizes at which a
  transposition can be wrong), scalar embeddings, every entry a symbol;
- NumPy's backward pass against the closed form evaluated at 50 digits, on a batch of two pairs
  (T = T' = 3, D_h = n_a = 3), gradient by gradient;
- the forward pass (scores, weights, contexts, decoder states) against its twins at 50 digits;
- central differences and complex step on every entry of every gradient;
- the lemmas of [`rnn_math.attention.lemmas`][rnn_math.attention.lemmas] (the decoder's last step,
  one decoder step, the hand-off and the encoder's steps), which make the proof hold for every
  pair of lengths (T, T').

The same four checks of the multiplicative score, its equations and its mistakes come from
[`rnn_math.attention.luong_declaration`][rnn_math.attention.luong_declaration].
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from rnn_math.attention.lemmas import LEMMAS
from rnn_math.attention.luong_declaration import LUONG_EQUATIONS, LUONG_MISTAKES, luong_checks
from rnn_math.attention.mistakes import MISTAKES
from rnn_math.attention.params import PARAMETER_NAMES, AttentionParams
from rnn_math.attention.passes import BACKWARD_EQUATIONS as COMPOSED
from rnn_math.attention.passes import loss, run_backward, run_forward
from rnn_math.symbolic import attention as sym
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Model, Replacements, attribute, declare
from rnn_math.verification.evaluate import evaluate, to_matrix

#: The forward equations of the Attention page, in derivation order.
FORWARD_EQUATIONS: tuple[str, ...] = (
    "eq-attention-score", "eq-attention-weights", "eq-attention-context", "eq-attention-decoder-state",
)  # fmt: skip

#: The backward equations of the Attention page, in derivation order (the composer also reuses the
#: encoder-decoder's and the RNN's, which their declarations own).
BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-attention-state-grad", "eq-attention-context-grad", "eq-attention-weight-grad",
    "eq-attention-softmax-grad", "eq-attention-score-grad", "eq-attention-handoff", "eq-attention-annotation-grad",
    "eq-attention-grad-va", "eq-attention-grad-wa", "eq-attention-grad-ua", "eq-attention-grad-wc",
)  # fmt: skip

#: Every id the composers use, without the position suffix: what a mistake may replace.
CHECKED = tuple(dict.fromkeys(eq_id.split("@")[0] for eq_id in COMPOSED))

#: Which equation produces each gradient.
GRADIENT_OUTPUTS: dict[str, str] = {
    "E_en": "eq-embedding-grad", "W_h": "eq-bptt-grad-wh", "W_e": "eq-bptt-grad-we", "b_1": "eq-bptt-grad-b1",
    "E_hi": "eq-embedding-grad", "W_dec": "eq-decoder-grad-wdec", "V": "eq-decoder-grad-v", "c": "eq-decoder-grad-c",
    "W_out": "eq-decoder-grad-wout", "b_out": "eq-decoder-grad-bout", "W_a": "eq-attention-grad-wa",
    "U_a": "eq-attention-grad-ua", "v_a": "eq-attention-grad-va", "W_c": "eq-attention-grad-wc",
}  # fmt: skip

#: The flow of data through the backward pass (within a step; the recursions through time are left out).
BACKWARD_FEEDS: dict[str, tuple[str, ...]] = {
    "eq-bptt-output-grad": ("eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-attention-state-grad"),
    "eq-attention-state-grad": ("eq-decoder-delta",),
    "eq-decoder-delta": (
        "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-attention-grad-wc",
        "eq-attention-context-grad", "eq-attention-handoff", "eq-bptt-grad-x",
    ),
    "eq-attention-context-grad": ("eq-attention-weight-grad", "eq-attention-annotation-grad"),
    "eq-attention-weight-grad": ("eq-attention-softmax-grad",),
    "eq-attention-softmax-grad": ("eq-attention-score-grad", "eq-attention-grad-va"),
    "eq-attention-score-grad": ("eq-attention-grad-wa", "eq-attention-grad-ua", "eq-attention-annotation-grad"),
    "eq-attention-handoff": ("eq-attention-annotation-grad",),
    "eq-encoder-state-grad": ("eq-attention-annotation-grad",),
    "eq-attention-annotation-grad": ("eq-bptt-delta",),
    "eq-bptt-delta": ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-x"),
    "eq-bptt-grad-x": ("eq-embedding-grad",),
}  # fmt: skip

# The exact proof: T = 2 source words, one decoder step, D_h = n_a = 2, every entry a symbol.
PROOF_SOURCE, PROOF_TARGETS = (0, 1), (1,)

# Numerical checks: a batch of two sentences of lengths T = 3, T' = 3, a word repeated.
SOURCE = np.array([[0, 3, 0], [2, 4, 1]])
TARGETS = np.array([[1, 1, 3], [2, 0, 3]])


def small_params() -> AttentionParams:
    """The parameters of the numerical checks: five English words, four Hindi words, D_h = n_a = 3."""
    return AttentionParams.random(5, 4, D_h=3, d_en=2, d_hi=2, n_a=3, seed=3, scale=0.8)


def closed_form_at(params: AttentionParams, source, targets, replace: Replacements | None = None) -> dict[str, Any]:
    """The SymPy closed form at these parameters, evaluated at 50 digits, for one sentence pair."""
    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    unrolled = sym.unrolled_loss(exact, list(source), list(targets))
    grads = sym.closed_form_gradients(exact, unrolled, list(targets), source=list(source), replace=replace)
    return {name: evaluate(g).reshape(params.as_dict()[name].shape) for name, g in grads.items()}


def summed_closed_form() -> dict[str, Any]:
    """The closed form summed over the batch of the numerical checks, at 50 digits."""
    singles = [closed_form_at(small_params(), s, t) for s, t in zip(SOURCE, TARGETS, strict=True)]
    return {name: sum(single[name] for single in singles) for name in singles[0]}


def _numpy_gradients(replace: Replacements) -> dict[str, Any]:
    return run_backward(small_params(), SOURCE, TARGETS, replace=replace).grads


#: The forward pass's arrays the forward check compares, and the equation that produces each.
_FORWARD_FIELDS: dict[str, str] = {
    "m": "eq-attention-score", "e": "eq-attention-score", "alpha": "eq-attention-weights",
    "contexts": "eq-attention-context", "a": "eq-attention-decoder-state", "s": "eq-attention-decoder-state",
}  # fmt: skip


def forward_outputs() -> dict[str, str]:
    """Which equation produces each array the forward check compares (``e[0]``: the first sentence's scores)."""
    return {f"{name}[{b}]": eq_id for name, eq_id in _FORWARD_FIELDS.items() for b in range(len(SOURCE))}


def _forward_reference() -> dict[str, Any]:
    exact = {name: to_matrix(value) for name, value in small_params().as_dict().items()}
    arrays: dict[str, Any] = {}
    for b, (source, targets) in enumerate(zip(SOURCE, TARGETS, strict=True)):
        u = sym.unrolled_loss(exact, list(source), list(targets))
        arrays[f"m[{b}]"] = np.stack([np.hstack([evaluate(m_tj) for m_tj in m_t]).T for m_t in u.m])
        for name, values in (("e", u.e), ("alpha", u.alpha), ("contexts", u.contexts), ("a", u.a), ("s", u.s[1:])):
            arrays[f"{name}[{b}]"] = np.hstack([evaluate(v) for v in values]).T
    return arrays


def _forward_numpy(replace: Replacements) -> dict[str, Any]:
    fp = run_forward(small_params(), SOURCE, TARGETS)
    arrays = {f"{name}[{b}]": getattr(fp, name)[b] for name in ("m", "e", "alpha", "contexts", "a") for b in (0, 1)}
    return arrays | {f"s[{b}]": fp.s[b, 1:] for b in (0, 1)}


@cache
def _symbolic_model() -> tuple[dict[str, Any], Any]:
    params = sym.parameter_symbols(n_en=2, n_hi=2, D_h=2, d_en=1, d_hi=1, n_a=2)
    return params, sym.unrolled_loss(params, list(PROOF_SOURCE), list(PROOF_TARGETS))


def _build_proof(replace: Replacements):
    params, unrolled = _symbolic_model()
    closed = sym.closed_form_gradients(
        params, unrolled, list(PROOF_TARGETS), source=list(PROOF_SOURCE), replace=replace
    )
    return unrolled.loss, params, closed


def checks() -> list[Check]:
    """The attention model's checks, at the small sizes the fast tests use."""
    gradients = attribute(CHECKED, GRADIENT_OUTPUTS, BACKWARD_FEEDS)
    return [
        exact_proof("exact proof, T = 2, T' = 1, D_h = n_a = 2", CHECKED, _build_proof, attribution=gradients),
        fifty_digits(
            "backward pass against the closed form at 50 digits",
            CHECKED,
            _numpy_gradients,
            summed_closed_form,
            attribution=gradients,
        ),
        fifty_digits(
            "forward pass against the twins at 50 digits",
            FORWARD_EQUATIONS,
            _forward_numpy,
            _forward_reference,
            side=None,
            attribution=attribute(FORWARD_EQUATIONS, forward_outputs()),
        ),
        numerical_gradients(
            "central differences and complex step",
            CHECKED,
            lambda q: loss(q, SOURCE, TARGETS),
            small_params().as_dict(),
            _numpy_gradients,
            attribution=gradients,
        ),
    ]


def both_forms_checks() -> list[Check]:
    """The additive form's checks, then the multiplicative form's (Luong, Pham and Manning, 2015)."""
    return checks() + luong_checks()


ATTENTION = declare(
    Model(
        name="attention",
        title="The encoder-decoder with attention",
        equations=FORWARD_EQUATIONS + BACKWARD_EQUATIONS + LUONG_EQUATIONS,
        parameters=tuple(PARAMETER_NAMES),
        checks=both_forms_checks,
        mistakes=MISTAKES + LUONG_MISTAKES,
        composer=run_backward,
        symbolic_composer=sym.closed_form_gradients,
        loss=loss,
        order=75,
        borrowed=tuple(eq_id for eq_id in CHECKED if eq_id not in BACKWARD_EQUATIONS),
        lemmas=LEMMAS,
    )
)
