"""The LSTM, declared once: its equations, parameters, composers, checks and mistakes.

The verification engine ([`verify`][rnn_math.verification.engine.verify]) runs the checks built
here and every mistake of [`rnn_math.lstm.mistakes`][rnn_math.lstm.mistakes] through them:

- the exact proof (SymPy's derivative of the unrolled loss minus every closed form is 0), for a
  generic candidate activation g (so for tanh and every differentiable candidate), at T = 3 with
  one hidden unit and at T = 2 with two (where a transposed weight would show);
- NumPy's composer and its fast path ([`rnn_math.lstm.fast_path`][rnn_math.lstm.fast_path]) against
  the twins evaluated at 50 digits (every gradient, δ^t, ∂L/∂c^t, ŷ^t − y^t);
- the forward pass against its twins at 50 digits;
- central differences and complex step on every entry of every gradient, against the loss
  written out plainly ([`rnn_math.lstm.unrolled`][rnn_math.lstm.unrolled]);
- per-step copies: perturbing only step t's copy of a tied parameter gives the t-th term of its sum.

The output layer's equations are the vanilla RNN's (declared there): the LSTM borrows them, its
checks cover them too, and a mistake of theirs would fail every LSTM equation's report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache, partial
from typing import Any

import numpy as np

from rnn_math.lstm.composer import (
    LSTM_BACKWARD,
    LSTM_FORWARD,
    OUTPUT_BACKWARD,
    OUTPUT_FORWARD,
    lstm_gradients,
)
from rnn_math.lstm.fast_path import lstm_fast_gradients
from rnn_math.lstm.lemmas import LEMMAS
from rnn_math.lstm.mistakes import MISTAKES
from rnn_math.lstm.params import PARAMETER_NAMES, LSTMParams
from rnn_math.lstm.results import LSTMResult
from rnn_math.lstm.unrolled import sequence_loss, step_contributions, untie, untied_loss
from rnn_math.symbolic.lstm.backward import closed_form_gradients
from rnn_math.symbolic.lstm.forward import forward as sym_forward
from rnn_math.symbolic.rnn.forward import softmax as sym_softmax
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Model, Replacements, attribute, declare
from rnn_math.verification.evaluate import evaluate, to_matrix
from rnn_math.verification.proof import generic_activation, symbol_matrix

#: The equations the gradients depend on: the forward pass up to the softmax, and the backward pass.
GRADIENT_EQUATIONS: tuple[str, ...] = LSTM_FORWARD + OUTPUT_FORWARD[:2] + OUTPUT_BACKWARD + LSTM_BACKWARD

#: The backward equations: what the exact proof checks (its loss is built by the same forward twins).
BACKWARD_EQUATIONS: tuple[str, ...] = OUTPUT_BACKWARD + LSTM_BACKWARD

#: The equations that make δ^t and ŷ^t − y^t, of which every step's term of a tied-weight sum is made.
TERM_EQUATIONS: tuple[str, ...] = GRADIENT_EQUATIONS[: GRADIENT_EQUATIONS.index("eq-lstm-gate-stack") + 1]
TERM_EQUATIONS = tuple(e for e in TERM_EQUATIONS if e not in ("eq-bptt-grad-u", "eq-bptt-grad-b2"))

#: The flow of data through the passes: each equation, and the equations that take its result (within a step).
FEEDS: dict[str, tuple[str, ...]] = {
    "eq-lstm-preactivation": ("eq-lstm-gate-split",),
    "eq-lstm-gate-split": ("eq-lstm-gates",),
    "eq-lstm-gates": ("eq-lstm-cell",),
    "eq-lstm-cell": ("eq-lstm-hidden",),
    "eq-lstm-hidden": ("eq-forward-theta",),
    "eq-forward-theta": ("eq-softmax", "eq-loss-step"),
    "eq-softmax": ("eq-bptt-output-grad",),
    "eq-loss-step": ("eq-loss-total",),
    "eq-bptt-output-grad": ("eq-bptt-grad-u", "eq-bptt-grad-b2", "eq-lstm-hidden-grad"),
    "eq-lstm-hidden-grad": ("eq-lstm-output-gate-grad", "eq-lstm-cell-grad"),
    "eq-lstm-cell-grad": (
        "eq-lstm-forget-gate-grad", "eq-lstm-input-gate-grad", "eq-lstm-candidate-grad", "eq-lstm-grad-c0",
    ),
    "eq-lstm-output-gate-grad": ("eq-lstm-gate-stack",),
    "eq-lstm-forget-gate-grad": ("eq-lstm-gate-stack",),
    "eq-lstm-input-gate-grad": ("eq-lstm-gate-stack",),
    "eq-lstm-candidate-grad": ("eq-lstm-gate-stack",),
    "eq-lstm-gate-stack": (
        "eq-lstm-grad-whh", "eq-lstm-grad-wih", "eq-lstm-grad-biases", "eq-lstm-grad-h0", "eq-lstm-grad-x",
    ),
}  # fmt: skip

#: Which forward equation produces each array the forward check compares.
FORWARD_OUTPUTS: dict[str, str] = {
    "a": "eq-lstm-preactivation", "a_i": "eq-lstm-gate-split", "a_f": "eq-lstm-gate-split",
    "a_g": "eq-lstm-gate-split", "a_o": "eq-lstm-gate-split", "i": "eq-lstm-gates", "f": "eq-lstm-gates",
    "g": "eq-lstm-gates", "o": "eq-lstm-gates", "c": "eq-lstm-cell", "h": "eq-lstm-hidden",
    "theta": "eq-forward-theta", "y_hat": "eq-softmax", "step_losses": "eq-loss-step", "loss": "eq-loss-total",
}  # fmt: skip


def gradient_outputs(T: int, *, intermediates: bool = False) -> dict[str, str]:
    """Which equation produces each gradient (``x_t`` for every step), and δ^t, ∂L/∂c^t, ŷ^t − y^t if asked."""
    produced_by = {
        "W_ih": "eq-lstm-grad-wih", "W_hh": "eq-lstm-grad-whh", "b_ih": "eq-lstm-grad-biases",
        "b_hh": "eq-lstm-grad-biases", "U": "eq-bptt-grad-u", "b_2": "eq-bptt-grad-b2", "h_0": "eq-lstm-grad-h0",
        "c_0": "eq-lstm-grad-c0",
    }  # fmt: skip
    produced_by |= {f"x_{t + 1}": "eq-lstm-grad-x" for t in range(T)}
    if intermediates:
        produced_by |= {"deltas": "eq-lstm-gate-stack", "grad_c": "eq-lstm-cell-grad"}
        produced_by["output_grads"] = "eq-bptt-output-grad"
    return produced_by


def _attribution(equations: Sequence[str], produced_by: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    known = set(equations)
    feeds = {eq_id: tuple(e for e in fed if e in known) for eq_id, fed in FEEDS.items() if eq_id in known}
    return attribute(equations, produced_by, feeds)


def small_problem(T: int = 3, D_h: int = 3, d: int = 2, V: int = 4, seed: int = 0):
    """Parameters large enough that every term matters, one sequence of inputs, its targets, h^0 and c^0."""
    rng = np.random.default_rng(seed)
    params = LSTMParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.8)
    xs = rng.standard_normal((T, d))
    targets = rng.integers(0, V, T)
    h_0, c_0 = rng.uniform(-0.5, 0.5, D_h), rng.uniform(-1.0, 1.0, D_h)
    return params, xs, targets, h_0, c_0


def named_gradients(result: LSTMResult) -> dict[str, Any]:
    """A one-sequence result's gradients in the symbolic side's names: parameters, ``h_0``, ``c_0``, ``x_1`` …"""
    named = dict(result.grads) | {"h_0": result.grad_h_0[0], "c_0": result.grad_c_0[0]}
    return named | {f"x_{t + 1}": g for t, g in enumerate(result.grad_xs[0])}


def _with_intermediates(result: LSTMResult) -> dict[str, Any]:
    return named_gradients(result) | {
        "deltas": result.deltas[0], "grad_c": result.grad_c[0], "output_grads": result.output_grads[0],
    }  # fmt: skip


def _exact_inputs(params: LSTMParams, xs: Any, h_0: Any, c_0: Any) -> tuple[dict[str, Any], list[Any], Any, Any]:
    exact = {name: to_matrix(v) for name, v in params.as_dict().items()}
    return exact, [to_matrix(x) for x in xs], to_matrix(h_0), to_matrix(c_0)


def twin_reference() -> dict[str, Any]:
    """Every gradient, δ^t, ∂L/∂c^t and ŷ^t − y^t from the twins composed at 50 digits on the small problem."""
    params, xs, targets, h_0, c_0 = small_problem()
    exact, x_cols, h0, c0 = _exact_inputs(params, xs, h_0, c_0)
    closed = closed_form_gradients(exact, x_cols, list(targets), h_0=h0, c_0=c0)
    shapes = named_gradients(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0))  # only their shapes are read
    expected = {name: evaluate(g).reshape(np.shape(shapes[name])) for name, g in closed.gradients.items()}
    for name, values in (("deltas", closed.deltas), ("grad_c", closed.grad_c), ("output_grads", closed.output_grads)):
        expected[name] = np.hstack([evaluate(v) for v in values]).T
    return expected


def composed(replace: Replacements | None = None) -> dict[str, Any]:
    """The composer's gradients, δ^t, ∂L/∂c^t and ŷ^t − y^t on the small problem, named as the twins' are."""
    params, xs, targets, h_0, c_0 = small_problem()
    return _with_intermediates(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0, replace=replace))


def _fast(replace: Replacements) -> dict[str, Any]:
    """The fast path's gradients, δ^t, ∂L/∂c^t and ŷ^t − y^t on the small problem (it takes no replacements)."""
    params, xs, targets, h_0, c_0 = small_problem()
    return _with_intermediates(lstm_fast_gradients(params, xs, targets, h_0=h_0, c_0=c_0))


#: The per-step forward quantities the forward check compares, besides a^t, c^t, h^t and the output layer.
STEP_FIELDS = ("a_i", "a_f", "a_g", "a_o", "i", "f", "g", "o")


def _forward_reference() -> dict[str, Any]:
    params, xs, targets, h_0, c_0 = small_problem()
    exact, x_cols, h0, c0 = _exact_inputs(params, xs, h_0, c_0)
    fwd = sym_forward(exact, x_cols, list(targets), h_0=h0, c_0=c0)

    def rows(values: Sequence[Any]) -> Any:
        return np.hstack([evaluate(v) for v in values]).T

    arrays = {name: rows([getattr(s, name) for s in fwd.steps]) for name in STEP_FIELDS}
    arrays |= {"a": rows(fwd.a), "c": rows(fwd.c[1:]), "h": rows(fwd.h[1:]), "theta": rows(fwd.theta)}
    arrays["y_hat"] = rows([sym_softmax(t) for t in fwd.theta])
    arrays["step_losses"] = np.array([float(evaluate(loss)) for loss in fwd.step_losses])
    return arrays | {"loss": evaluate(fwd.loss)}


def _forward_numpy(replace: Replacements) -> dict[str, Any]:
    params, xs, targets, h_0, c_0 = small_problem()
    fp = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0).forward
    arrays = {name: getattr(fp, name)[0] for name in ("a", *STEP_FIELDS, "theta", "y_hat")}
    return arrays | {"c": fp.c[0, 1:], "h": fp.h[0, 1:], "step_losses": fp.step_losses[0], "loss": np.array(fp.loss)}


def _gradient_check() -> Check:
    params, xs, targets, h_0, c_0 = small_problem()
    T = len(xs)
    # Every input x^t its own point, so that each step's input gradient is checked on its own.
    point = params.as_dict() | {"h_0": h_0, "c_0": c_0} | {f"x_{t + 1}": x for t, x in enumerate(xs)}

    def loss(arrays: Mapping[str, Any]) -> Any:
        return sequence_loss(arrays, np.stack([arrays[f"x_{t + 1}"] for t in range(T)]), targets)

    def gradients(replace: Replacements) -> dict[str, Any]:
        return named_gradients(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0, replace=replace))

    return numerical_gradients(
        "central differences and complex step",
        GRADIENT_EQUATIONS,
        loss,
        point,
        gradients,
        attribution=_attribution(GRADIENT_EQUATIONS, gradient_outputs(T)),
    )


def _per_step_check() -> Check:
    T = 4
    params, xs, targets, h_0, c_0 = small_problem(T=T)
    loss = partial(untied_loss, xs=xs, targets=targets, h_0=h_0, c_0=c_0)

    def terms(replace: Replacements) -> dict[str, Any]:
        return step_contributions(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0, replace=replace), xs)

    # The terms are built from δ^t and ŷ^t − y^t, not by the sum equations: the check covers what makes them.
    produced_by = dict.fromkeys(("W_ih", "W_hh", "b_ih", "b_hh"), "eq-lstm-gate-stack")
    produced_by |= dict.fromkeys(("U", "b_2"), "eq-bptt-output-grad")
    return numerical_gradients(
        "per-step copies of the tied weights",
        TERM_EQUATIONS,
        loss,
        untie(params.as_dict(), T),
        terms,
        attribution=_attribution(TERM_EQUATIONS, produced_by),
    )


@cache
def symbolic_lstm(T: int, D_h: int, candidate: str) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A fully symbolic LSTM (d = 1, |V| = 2): its parameter matrices, every variable by name, its forward pass."""
    cand = generic_activation("g")[0] if candidate == "g" else candidate
    params = {
        "W_ih": symbol_matrix("W_ih", 4 * D_h, 1), "W_hh": symbol_matrix("W_hh", 4 * D_h, D_h),
        "b_ih": symbol_matrix("b_ih", 4 * D_h), "b_hh": symbol_matrix("b_hh", 4 * D_h),
        "U": symbol_matrix("U", 2, D_h), "b_2": symbol_matrix("b_2", 2),
    }  # fmt: skip
    h_0, c_0 = symbol_matrix("h_0", D_h), symbol_matrix("c_0", D_h)
    xs = [symbol_matrix(f"x{t + 1}", 1) for t in range(T)]
    variables = params | {"h_0": h_0, "c_0": c_0} | {f"x_{t + 1}": x for t, x in enumerate(xs)}
    targets = [t % 2 for t in range(T)]
    fwd = sym_forward(params, xs, targets, h_0=h_0, c_0=c_0, candidate=cand)
    return params, variables, (fwd, xs, targets, h_0, c_0, cand)


def _exact_check(candidate: str, T: int, D_h: int) -> Check:
    def build(replace: Replacements):
        params, variables, (fwd, xs, targets, h_0, c_0, cand) = symbolic_lstm(T, D_h, candidate)
        closed = closed_form_gradients(params, xs, targets, h_0=h_0, c_0=c_0, candidate=cand, replace=replace)
        return fwd.loss, variables, closed.gradients

    return exact_proof(
        f"exact proof, candidate {candidate}, T = {T}, D_h = {D_h}",
        BACKWARD_EQUATIONS,
        build,
        attribution=_attribution(BACKWARD_EQUATIONS, gradient_outputs(T)),
    )


def checks() -> list[Check]:
    """The LSTM's checks, at the small sizes the fast tests use."""
    T = len(small_problem()[1])
    forward_equations = LSTM_FORWARD + OUTPUT_FORWARD
    return [
        _exact_check("g", 3, 1),
        _exact_check("g", 2, 2),
        fifty_digits(
            "composed LSTM gradients against the twins at 50 digits",
            GRADIENT_EQUATIONS,
            composed,
            twin_reference,
            attribution=_attribution(GRADIENT_EQUATIONS, gradient_outputs(T, intermediates=True)),
        ),
        fifty_digits(
            "LSTM fast path against the twins at 50 digits",
            GRADIENT_EQUATIONS,
            _fast,
            twin_reference,
            side=None,
            attribution=_attribution(GRADIENT_EQUATIONS, gradient_outputs(T, intermediates=True)),
        ),
        fifty_digits(
            "LSTM forward pass against the twins at 50 digits",
            forward_equations,
            _forward_numpy,
            _forward_reference,
            side=None,
            attribution=_attribution(forward_equations, FORWARD_OUTPUTS),
        ),
        _gradient_check(),
        _per_step_check(),
    ]


LSTM = declare(
    Model(
        name="lstm",
        title="The LSTM",
        equations=LSTM_FORWARD + LSTM_BACKWARD,
        parameters=tuple(PARAMETER_NAMES),
        checks=checks,
        mistakes=MISTAKES,
        composer=lstm_gradients,
        symbolic_composer=closed_form_gradients,
        loss=sequence_loss,
        order=80,
        borrowed=OUTPUT_FORWARD + OUTPUT_BACKWARD,
        lemmas=LEMMAS,
    )
)
