"""The encoder-decoder, declared once: its equations, parameters, composers, checks and mistakes.

The verification engine ([`verify`][rnn_math.verification.engine.verify]) runs the checks built
here and every mistake of [`rnn_math.seq2seq.mistakes`][rnn_math.seq2seq.mistakes] through them:

- the exact proof: SymPy's derivative of the unrolled loss minus every closed form is 0
  (T = T' = 2, two hidden units, scalar embeddings, every entry a symbol);
- NumPy's backward pass against the closed form evaluated at 50 digits, on a batch of two pairs;
- the forward pass against its twins at 50 digits;
- central differences and complex step on every entry of every gradient;
- the lemmas of [`rnn_math.seq2seq.lemmas`][rnn_math.seq2seq.lemmas] (the decoder's steps, the
  hand-off and the encoder's steps), which extend the exact proof to every pair of lengths.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from rnn_math.seq2seq.lemmas import LEMMAS
from rnn_math.seq2seq.mistakes import MISTAKES
from rnn_math.seq2seq.params import PARAMETER_NAMES, Seq2SeqParams
from rnn_math.seq2seq.passes import BACKWARD_EQUATIONS as COMPOSED
from rnn_math.seq2seq.passes import loss, run_backward, run_forward
from rnn_math.symbolic import seq2seq as sym
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Model, Replacements, attribute, declare, equation_functions
from rnn_math.verification.evaluate import evaluate, to_matrix

#: The forward equations, in derivation order.
FORWARD_EQUATIONS: tuple[str, ...] = (
    "eq-embedding-lookup", "eq-context", "eq-teacher-forcing", "eq-decoder-state", "eq-decoder-logits",
    "eq-seq2seq-loss",
)  # fmt: skip

#: The backward equations of the encoder-decoder's own page, in derivation order (the composer also
#: reuses the RNN's BPTT equations, which the RNN's declaration owns).
BACKWARD_EQUATIONS: tuple[str, ...] = (
    "eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-decoder-state-grad", "eq-decoder-delta",
    "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-handoff", "eq-encoder-state-grad",
    "eq-embedding-grad",
)  # fmt: skip

#: Every id the composers use, without the step suffix: what a mistake may replace.
CHECKED = tuple(dict.fromkeys(eq_id.split("@")[0] for eq_id in COMPOSED))

#: The encoder's forward equations, the RNN's: the forward check measures the encoder's states too.
ENCODER_FORWARD: tuple[str, ...] = ("eq-forward-z", "eq-forward-h")

#: Which equation produces each gradient.
GRADIENT_OUTPUTS: dict[str, str] = {
    "E_en": "eq-embedding-grad", "W_h": "eq-bptt-grad-wh", "W_e": "eq-bptt-grad-we", "b_1": "eq-bptt-grad-b1",
    "E_hi": "eq-embedding-grad", "W_dec": "eq-decoder-grad-wdec", "V": "eq-decoder-grad-v", "c": "eq-decoder-grad-c",
    "W_out": "eq-decoder-grad-wout", "b_out": "eq-decoder-grad-bout",
}  # fmt: skip

#: Which equation produces each error of the backward pass, where the 50-digit check measures them too.
ERROR_OUTPUTS: dict[str, str] = {
    "output_grads": "eq-bptt-output-grad", "deltas_dec": "eq-decoder-delta", "grad_context": "eq-handoff",
    "deltas_enc": "eq-bptt-delta",
}  # fmt: skip

#: The flow of data through the backward pass (within a step; the recursions through time are left out).
BACKWARD_FEEDS: dict[str, tuple[str, ...]] = {
    "eq-bptt-output-grad": ("eq-decoder-grad-wout", "eq-decoder-grad-bout", "eq-decoder-state-grad"),
    "eq-decoder-state-grad": ("eq-decoder-delta",),
    "eq-decoder-delta": (
        "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-handoff", "eq-bptt-grad-x",
    ),
    "eq-handoff": ("eq-bptt-delta",),
    "eq-encoder-state-grad": ("eq-bptt-delta",),
    "eq-bptt-delta": ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-x"),
    "eq-bptt-grad-x": ("eq-embedding-grad",),
}  # fmt: skip

# The exact proof: T = T' = 2, two hidden units, scalar embeddings, every entry a symbol.
PROOF_SOURCE, PROOF_TARGETS = (0, 1), (1, 0)

# Numerical checks: a batch of two sentences of lengths T = 3, T' = 3, a word repeated.
SOURCE = np.array([[0, 3, 0], [2, 4, 1]])
TARGETS = np.array([[1, 1, 3], [2, 0, 3]])


def small_params() -> Seq2SeqParams:
    """The parameters of the numerical checks: five English words, four Hindi words, D_h = 3."""
    return Seq2SeqParams.random(5, 4, D_h=3, d_en=2, d_hi=2, seed=3, scale=0.8)


def closed_form_at(params: Seq2SeqParams, source, targets, replace: Replacements | None = None) -> dict[str, Any]:
    """The SymPy closed form at these parameters, evaluated at 50 digits, for one sentence pair."""
    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    unrolled = sym.unrolled_loss(exact, list(source), list(targets))
    grads = sym.closed_form_gradients(exact, unrolled, list(targets), source=list(source), replace=replace)
    return {name: evaluate(g).reshape(params.as_dict()[name].shape) for name, g in grads.items()}


def summed_closed_form(replace: Replacements | None = None) -> dict[str, Any]:
    """The closed form summed over the batch of the numerical checks, at 50 digits."""
    singles = [closed_form_at(small_params(), s, t, replace) for s, t in zip(SOURCE, TARGETS, strict=True)]
    return {name: sum(single[name] for single in singles) for name in singles[0]}


#: The twins whose results the 50-digit check records: each error of the backward pass.
_RECORDED = ("eq-bptt-output-grad", "eq-decoder-delta", "eq-handoff", "eq-bptt-delta@T", "eq-bptt-delta")


def _recording(calls: dict[str, list[Any]]) -> dict[str, Any]:
    """The registered twins of `_RECORDED`, each appending its every result to ``calls[eq_id]``."""
    twins = equation_functions(_RECORDED, side="sympy")

    def recorder(eq_id: str) -> Any:
        def record(*args: Any) -> Any:
            calls[eq_id].append(result := twins[eq_id](*args))
            return result

        return record

    return {eq_id: recorder(eq_id) for eq_id in _RECORDED}


def closed_form_with_errors() -> dict[str, Any]:
    """The closed form summed over the batch, and each sentence's errors g_t, δ^dec_t, ∂L/∂c, δ^enc_t, at 50 digits."""
    result = summed_closed_form()
    errors: dict[str, list[Any]] = {name: [] for name in ERROR_OUTPUTS}
    for source, targets in zip(SOURCE, TARGETS, strict=True):
        calls: dict[str, list[Any]] = {eq_id: [] for eq_id in _RECORDED}
        closed_form_at(small_params(), source, targets, _recording(calls))
        # The decoder's and the encoder's recursions run from the last step down: reversed, they count up.
        encoder = [*calls["eq-bptt-delta@T"], *calls["eq-bptt-delta"]][::-1]
        for name, values in (
            ("output_grads", calls["eq-bptt-output-grad"]),
            ("deltas_dec", calls["eq-decoder-delta"][::-1]),
            ("grad_context", calls["eq-handoff"]),
            ("deltas_enc", encoder),
        ):
            errors[name].append(np.hstack([evaluate(v) for v in values]).T)
    return result | {name: np.stack(values) for name, values in errors.items()}


def _numpy_gradients(replace: Replacements) -> dict[str, Any]:
    return run_backward(small_params(), SOURCE, TARGETS, replace=replace).grads.as_dict()


def _numpy_gradients_and_errors(replace: Replacements) -> dict[str, Any]:
    result = run_backward(small_params(), SOURCE, TARGETS, replace=replace)
    errors = {
        "output_grads": result.output_grads, "deltas_dec": result.deltas_dec,
        "grad_context": result.grad_context[:, None], "deltas_enc": result.deltas_enc,
    }  # fmt: skip
    return result.grads.as_dict() | errors


#: The forward pass's arrays, each sentence's separately, and the equation that produces each.
_FORWARD_FIELDS: dict[str, str] = {
    "x": "eq-embedding-lookup", "z": "eq-forward-z", "h": "eq-forward-h", "y": "eq-embedding-lookup",
    "a": "eq-decoder-state", "o": "eq-decoder-logits",
}  # fmt: skip


def forward_outputs() -> dict[str, str]:
    """Which equation produces each array the forward check compares (``z[0]``: the first sentence's z_t)."""
    produced_by = {f"{name}[{b}]": eq_id for name, eq_id in _FORWARD_FIELDS.items() for b in range(len(SOURCE))}
    for b in range(len(SOURCE)):
        produced_by |= {
            f"context[{b}]": "eq-context",
            f"s[{b}]": "eq-decoder-state",
            f"inputs[{b}]": "eq-teacher-forcing",
        }
    return produced_by | {"loss": "eq-seq2seq-loss"}


def _forward_reference() -> dict[str, Any]:
    exact = {name: to_matrix(value) for name, value in small_params().as_dict().items()}
    arrays: dict[str, Any] = {}
    total = 0.0
    for b, (source, targets) in enumerate(zip(SOURCE, TARGETS, strict=True)):
        unrolled = sym.unrolled_loss(exact, list(source), list(targets))
        for name in _FORWARD_FIELDS:
            arrays[f"{name}[{b}]"] = np.hstack([evaluate(v) for v in getattr(unrolled, name)]).T
        arrays[f"context[{b}]"] = evaluate(unrolled.s[0]).T
        arrays[f"s[{b}]"] = np.hstack([evaluate(v) for v in unrolled.s[1:]]).T
        arrays[f"inputs[{b}]"] = np.array(unrolled.inputs, dtype=np.float64)
        total += float(evaluate(unrolled.loss))
    return arrays | {"loss": np.array(total)}


def _forward_numpy(replace: Replacements) -> dict[str, Any]:
    fp = run_forward(small_params(), SOURCE, TARGETS)
    arrays = {f"{name}[{b}]": getattr(fp, name)[b] for name in _FORWARD_FIELDS for b in range(len(SOURCE))}
    for b in range(len(SOURCE)):
        arrays |= {f"context[{b}]": fp.s[b, :1], f"s[{b}]": fp.s[b, 1:]}
        arrays[f"inputs[{b}]"] = np.asarray(fp.inputs[b], dtype=np.float64)
    return arrays | {"loss": np.array(fp.loss)}


@cache
def _symbolic_model() -> tuple[dict[str, Any], Any]:
    params = sym.parameter_symbols(n_en=2, n_hi=2, D_h=2, d_en=1, d_hi=1)
    return params, sym.unrolled_loss(params, list(PROOF_SOURCE), list(PROOF_TARGETS))


def _build_proof(replace: Replacements):
    params, unrolled = _symbolic_model()
    closed = sym.closed_form_gradients(
        params, unrolled, list(PROOF_TARGETS), source=list(PROOF_SOURCE), replace=replace
    )
    return unrolled.loss, params, closed


def checks() -> list[Check]:
    """The encoder-decoder's checks, at the small sizes the fast tests use."""
    params = small_params()
    gradients = attribute(CHECKED, GRADIENT_OUTPUTS, BACKWARD_FEEDS)
    with_errors = attribute(CHECKED, GRADIENT_OUTPUTS | ERROR_OUTPUTS, BACKWARD_FEEDS)
    forward_equations = FORWARD_EQUATIONS + ENCODER_FORWARD
    return [
        exact_proof("exact proof, T = T' = 2, D_h = 2", CHECKED, _build_proof, attribution=gradients),
        fifty_digits(
            "backward pass against the closed form at 50 digits",
            CHECKED,
            _numpy_gradients_and_errors,
            closed_form_with_errors,
            attribution=with_errors,
        ),
        fifty_digits(
            "forward pass against the twins at 50 digits",
            forward_equations,
            _forward_numpy,
            _forward_reference,
            side=None,
            attribution=attribute(forward_equations, forward_outputs()),
        ),
        numerical_gradients(
            "central differences and complex step",
            CHECKED,
            lambda q: loss(q, SOURCE, TARGETS),
            params.as_dict(),
            _numpy_gradients,
            attribution=gradients,
        ),
    ]


SEQ2SEQ = declare(
    Model(
        name="seq2seq",
        title="The encoder-decoder",
        equations=FORWARD_EQUATIONS + BACKWARD_EQUATIONS,
        parameters=tuple(PARAMETER_NAMES),
        checks=checks,
        mistakes=MISTAKES,
        composer=run_backward,
        symbolic_composer=sym.closed_form_gradients,
        loss=loss,
        order=70,
        borrowed=ENCODER_FORWARD + tuple(eq_id for eq_id in CHECKED if eq_id not in BACKWARD_EQUATIONS),
        lemmas=LEMMAS,
    )
)
