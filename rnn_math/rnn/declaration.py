"""The vanilla RNN, declared once: its equations, parameters, composers, checks and mistakes.

The verification engine ([`verify`][rnn_math.verification.engine.verify]) runs the checks built
here and every mistake of [`rnn_math.rnn.mistakes`][rnn_math.rnn.mistakes] and
[`rnn_math.rnn.sum_mistakes`][rnn_math.rnn.sum_mistakes] through them:

- the exact proof (SymPy's derivative of the unrolled loss minus every closed form is 0, for a
  generic activation g and for the sigmoid);
- NumPy (the composer and the fast path) against the twins evaluated at 50 digits, sigmoid and tanh;
- the forward pass against its twins at 50 digits;
- central differences and complex step on every entry of every gradient, sigmoid and tanh, for one
  sequence and for a batch of two;
- per-step copies: perturbing only step t's copy of a tied parameter gives the t-th term of its sum;
- the lemmas of [`rnn_math.rnn.lemmas`][rnn_math.rnn.lemmas] (base case, one step, tied weights),
  which extend the exact proof to every sequence length.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np

from rnn_math.rnn.bptt import BPTTResult, bptt
from rnn_math.rnn.composer import BACKWARD_EQUATIONS, FORWARD_EQUATIONS, rnn_gradients
from rnn_math.rnn.forward import forward
from rnn_math.rnn.lemmas import LEMMAS
from rnn_math.rnn.mistakes import MISTAKES
from rnn_math.rnn.params import PARAMETER_NAMES, RNNParams
from rnn_math.rnn.sum_mistakes import SUM_MISTAKES
from rnn_math.rnn.unrolled import sequence_loss, step_contributions, untie, untied_loss
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Model, Replacements, attribute, declare
from rnn_math.verification.evaluate import evaluate, to_matrix
from rnn_math.verification.proof import generic_activation, rnn_closed_forms, symbolic_rnn

#: The equations that give δ^t and ŷ^t − y^t, of which every step's term of a tied-weight sum is made.
DELTA_EQUATIONS = ("eq-bptt-output-grad", "eq-bptt-hidden-grad", "eq-bptt-delta")

ACTIVATIONS = ("sigmoid", "tanh")

#: The flow of data through the backward pass: each equation, and the equations that take its result.
#: (δ^{t+1} also feeds step t's hidden-state gradient; only the flow within a step is listed.)
BACKWARD_FEEDS: dict[str, tuple[str, ...]] = {
    "eq-bptt-output-grad": ("eq-bptt-grad-u", "eq-bptt-grad-b2", "eq-bptt-hidden-grad"),
    "eq-bptt-hidden-grad": ("eq-bptt-delta",),
    "eq-bptt-delta": ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-h0", "eq-bptt-grad-x"),
}

#: Which forward equation produces each array the forward pass returns.
FORWARD_OUTPUTS: dict[str, str] = {
    "z": "eq-forward-z", "h": "eq-forward-h", "theta": "eq-forward-theta", "y_hat": "eq-softmax",
    "step_losses": "eq-loss-step", "loss": "eq-loss-total",
}  # fmt: skip


def gradient_outputs(T: int, *, intermediates: bool = False) -> dict[str, str]:
    """Which backward equation produces each gradient (``x_t`` for every step), and δ^t and ŷ^t − y^t if asked."""
    produced_by = {
        "W_h": "eq-bptt-grad-wh", "W_e": "eq-bptt-grad-we", "b_1": "eq-bptt-grad-b1", "U": "eq-bptt-grad-u",
        "b_2": "eq-bptt-grad-b2", "h_0": "eq-bptt-grad-h0",
    }  # fmt: skip
    produced_by |= {f"x_{t + 1}": "eq-bptt-grad-x" for t in range(T)}
    if intermediates:
        produced_by |= {"deltas": "eq-bptt-delta", "output_grads": "eq-bptt-output-grad"}
    return produced_by


def _backward_attribution(T: int, *, intermediates: bool = False) -> dict[str, tuple[str, ...]]:
    return attribute(BACKWARD_EQUATIONS, gradient_outputs(T, intermediates=intermediates), BACKWARD_FEEDS)


def small_problem(T: int = 3, D_h: int = 3, d: int = 2, V: int = 4, B: int | None = None, seed: int = 0):
    """Parameters large enough that every term matters, inputs (a sequence or a batch), targets, h^0."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.8)
    lead = (T,) if B is None else (B, T)
    xs = rng.standard_normal((*lead, d))
    targets = rng.integers(0, V, lead)
    h_0 = rng.uniform(-0.5, 0.5, D_h if B is None else (B, D_h))
    return params, xs, targets, h_0


def named_gradients(result: BPTTResult) -> dict[str, Any]:
    """A BPTT result's gradients in the symbolic side's names: parameters, ``h_0``, ``x_1`` … ``x_T``."""
    named = result.grads.as_dict() | {"h_0": result.grad_h_0}
    return named | {f"x_{t + 1}": result.grad_xs[..., t, :] for t in range(np.shape(result.grad_xs)[-2])}


def _with_intermediates(result: BPTTResult) -> dict[str, Any]:
    return named_gradients(result) | {"deltas": result.deltas, "output_grads": result.output_grads}


def twin_reference(activation: str) -> dict[str, Any]:
    """Every gradient, δ^t and ŷ^t − y^t from the twins composed at 50 digits on the small problem."""
    params, xs, targets, h_0 = small_problem()
    W_h, W_e, b_1, U, b_2 = (to_matrix(v) for v in params.as_dict().values())
    x_cols = [to_matrix(x) for x in xs]
    fwd = sym_forward.forward(W_h, W_e, b_1, U, b_2, x_cols, list(targets), activation=activation, h_0=to_matrix(h_0))
    grads = sym_bptt.gradients(fwd, W_h, W_e, U, x_cols, list(targets), activation=activation)
    expected = {name: evaluate(value) for name, value in grads.as_dict().items()}
    expected["deltas"] = np.hstack([evaluate(d) for d in grads.deltas]).T
    expected["output_grads"] = np.hstack([evaluate(g) for g in grads.output_grads]).T
    return expected


def composed(activation: str, replace: Replacements | None = None) -> dict[str, Any]:
    """The composer's gradients, δ^t and ŷ^t − y^t on the small problem, named as the 50-digit check names them."""
    params, xs, targets, h_0 = small_problem()
    return _with_intermediates(rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=replace))


def _fast(activation: str, replace: Replacements) -> dict[str, Any]:
    params, xs, targets, h_0 = small_problem()
    return _with_intermediates(bptt(params, xs, targets, activation=activation, h_0=h_0))


def _forward_reference(activation: str) -> dict[str, Any]:
    params, xs, targets, h_0 = small_problem()
    W_h, W_e, b_1, U, b_2 = (to_matrix(v) for v in params.as_dict().values())
    fwd = sym_forward.forward(
        W_h, W_e, b_1, U, b_2, [to_matrix(x) for x in xs], list(targets), activation=activation, h_0=to_matrix(h_0)
    )
    return {
        "z": np.hstack([evaluate(z) for z in fwd.z]).T,
        "h": np.hstack([evaluate(h) for h in fwd.h[1:]]).T,
        "theta": np.hstack([evaluate(t) for t in fwd.theta]).T,
        "y_hat": np.hstack([evaluate(sym_forward.softmax(t)) for t in fwd.theta]).T,
        "step_losses": np.array([float(evaluate(loss)) for loss in fwd.step_losses]),
        "loss": evaluate(fwd.loss),
    }


def _forward_numpy(activation: str, replace: Replacements) -> dict[str, Any]:
    params, xs, targets, h_0 = small_problem()
    fp = forward(params, xs, targets, activation=activation, h_0=h_0)
    return {
        "z": fp.z,
        "h": fp.h[1:],
        "theta": fp.theta,
        "y_hat": fp.y_hat,
        "step_losses": fp.step_losses,
        "loss": fp.loss,
    }


def _gradient_check(activation: str, B: int | None = None) -> Check:
    params, xs, targets, h_0 = small_problem(B=B)
    T = np.shape(xs)[-2]
    # Every input x^t its own point (all sequences' at once): each step's input gradient is checked on its own.
    point = params.as_dict() | {"h_0": h_0} | {f"x_{t + 1}": xs[..., t, :] for t in range(T)}

    def loss(arrays: Mapping[str, Any]) -> Any:
        inputs = np.stack([arrays[f"x_{t + 1}"] for t in range(T)], axis=-2)
        tied = {name: v for name, v in arrays.items() if not name.startswith("x_")}
        return sequence_loss(tied | {"xs": inputs}, None, targets, activation=activation)

    def gradients(replace: Replacements) -> dict[str, Any]:
        return named_gradients(rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=replace))

    batch = "" if B is None else f", a batch of {B}"
    return numerical_gradients(
        f"central differences and complex step, {activation}{batch}",
        BACKWARD_EQUATIONS,
        loss,
        point,
        gradients,
        attribution=_backward_attribution(T),
    )


def _per_step_check(activation: str) -> Check:
    T = 4
    params, xs, targets, h_0 = small_problem(T=T)
    loss = partial(untied_loss, xs=xs, targets=targets, activation=activation, h_0=h_0)

    def terms(replace: Replacements) -> dict[str, Any]:
        return step_contributions(
            rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=replace), xs
        )

    # The terms are built from δ^t and ŷ^t − y^t, not by the sum equations:
    # the check covers the equations that make them.
    produced_by = {"W_h": "eq-bptt-delta", "W_e": "eq-bptt-delta", "b_1": "eq-bptt-delta"}
    produced_by |= {"U": "eq-bptt-output-grad", "b_2": "eq-bptt-output-grad"}
    return numerical_gradients(
        f"per-step copies of the tied weights, {activation}",
        DELTA_EQUATIONS,
        loss,
        untie(params.as_dict(), T),
        terms,
        attribution=attribute(DELTA_EQUATIONS, produced_by, {"eq-bptt-hidden-grad": ("eq-bptt-delta",)}),
    )


def _exact_check(activation: str, T: int, D_h: int, d: int, V: int) -> Check:
    g, _ = generic_activation("g")
    model = symbolic_rnn(T, D_h, d, V, activation=g if activation == "g" else activation)

    def build(replace: Replacements):
        return model.fwd.loss, model.variables, rnn_closed_forms(model, replace)

    return exact_proof(
        f"exact proof, {activation}, T = {T}, D_h = {D_h}",
        BACKWARD_EQUATIONS,
        build,
        attribution=_backward_attribution(T),
    )


def checks() -> list[Check]:
    """The RNN's checks, at the small sizes the fast tests use."""
    result = [_exact_check("g", 3, 2, 1, 2), _exact_check("sigmoid", 2, 2, 1, 2)]
    T = len(small_problem()[1])
    backward, forward_outputs = (
        _backward_attribution(T, intermediates=True),
        attribute(FORWARD_EQUATIONS, FORWARD_OUTPUTS),
    )
    for activation in ACTIVATIONS:
        result += [
            fifty_digits(
                f"composed BPTT against the twins at 50 digits, {activation}",
                BACKWARD_EQUATIONS,
                partial(composed, activation),
                partial(twin_reference, activation),
                attribution=backward,
            ),
            fifty_digits(
                f"fast BPTT against the twins at 50 digits, {activation}",
                BACKWARD_EQUATIONS,
                partial(_fast, activation),
                partial(twin_reference, activation),
                side=None,
                attribution=backward,
            ),
            fifty_digits(
                f"forward pass against the twins at 50 digits, {activation}",
                FORWARD_EQUATIONS,
                partial(_forward_numpy, activation),
                partial(_forward_reference, activation),
                side=None,
                attribution=forward_outputs,
            ),
            _gradient_check(activation),
            _per_step_check(activation),
        ]
    result += [_gradient_check(activation, B=2) for activation in ACTIVATIONS]
    return result


def symbolic_composer(model: Any, replace: Replacements | None = None) -> dict[str, Any]:
    """The RNN's closed forms from the twins: [`rnn_closed_forms`][rnn_math.verification.proof.rnn_closed_forms]."""
    return rnn_closed_forms(model, replace)


RNN = declare(
    Model(
        name="rnn",
        title="The vanilla RNN",
        equations=FORWARD_EQUATIONS + BACKWARD_EQUATIONS,
        parameters=tuple(PARAMETER_NAMES),
        checks=checks,
        mistakes=MISTAKES + SUM_MISTAKES,
        composer=rnn_gradients,
        symbolic_composer=symbolic_composer,
        loss=sequence_loss,
        order=20,
        lemmas=LEMMAS,
    )
)
