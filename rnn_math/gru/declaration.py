"""The GRU, declared once: both forms' equations, its parameters, composers, checks and mistakes.

The verification engine ([`verify`][rnn_math.verification.engine.verify]) runs the checks built
here, for PyTorch's form and for the form of Cho et al. (2014) each, and every mistake of
[`rnn_math.gru.mistakes`][rnn_math.gru.mistakes] through them:

- the exact proof (SymPy's derivative of the unrolled loss minus every closed form is 0) with a
  generic candidate activation g, so that it holds for tanh and every other differentiable
  activation: at T = 2 with two hidden units (every matrix product and transpose is seen) and at
  T = 3 with one;
- NumPy's composed BPTT, its fast path ([`rnn_math.gru.fast_path`][rnn_math.gru.fast_path]) and its
  forward pass against the twins evaluated at 50 digits;
- central differences and complex step on every entry of every gradient;
- per-step copies: perturbing only step t's copy of a tied parameter gives the t-th term of its sum.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

import numpy as np

from rnn_math.gru.fast_path import gru_fast_gradients
from rnn_math.gru.lemmas import LEMMAS
from rnn_math.gru.mistakes import MISTAKES
from rnn_math.gru.params import PARAMETER_NAMES, GRUParams
from rnn_math.gru.passes import (
    BACKWARD_EQUATIONS,
    FORWARD_EQUATIONS,
    OUTPUT_BACKWARD,
    OUTPUT_FORWARD,
    ROLES,
    VARIANTS,
    GRUGradients,
    gru_forward,
    gru_gradients,
    gru_loss,
    untie,
    untied_gru_loss,
    variant_step_terms,
)
from rnn_math.symbolic.gru.composer import closed_forms, model_closed_forms, symbolic_gru, unrolled
from rnn_math.verification.checks import exact_proof, fifty_digits, numerical_gradients
from rnn_math.verification.declaration import Check, Model, Replacements, attribute, declare
from rnn_math.verification.evaluate import evaluate, to_matrix
from rnn_math.verification.proof import generic_activation

#: Every equation the GRU page places, both forms, in derivation order.
EQUATIONS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *FORWARD_EQUATIONS["pytorch"],
            *BACKWARD_EQUATIONS["pytorch"],
            *FORWARD_EQUATIONS["cho"],
            *BACKWARD_EQUATIONS["cho"],
        ]
    )
)


def backward_ids(variant: str) -> tuple[str, ...]:
    """The backward equations a variant's composer uses, the output layer's included."""
    return BACKWARD_EQUATIONS[variant] + OUTPUT_BACKWARD


def forward_ids(variant: str) -> tuple[str, ...]:
    """The forward equations a variant's forward pass uses, the output layer's included."""
    return FORWARD_EQUATIONS[variant] + OUTPUT_FORWARD


def gradient_outputs(variant: str, T: int) -> dict[str, str]:
    """Which equation produces each gradient (``x_t`` for every step, ``h_0`` from γ^1)."""
    role = ROLES[variant]
    produced_by = {f"W_i{g}": "eq-gru-grad-wi" for g in "rzn"} | {f"W_h{g}": "eq-gru-grad-wh" for g in "rz"}
    produced_by |= {name: "eq-gru-grad-b" for name in ("b_ir", "b_hr", "b_iz", "b_hz", "b_in")}
    produced_by |= {"W_hn": role["W_hn"], "b_hn": role["b_hn"], "U": "eq-bptt-grad-u", "b_2": "eq-bptt-grad-b2"}
    produced_by |= {"h_0": role["carry"]} | {f"x_{t + 1}": "eq-gru-grad-x" for t in range(T)}
    return produced_by


def backward_feeds(variant: str) -> dict[str, tuple[str, ...]]:
    """The flow of data within a step of the backward pass (γ^t feeding step t − 1 is left out: a cycle)."""
    role = ROLES[variant]
    sums = ("eq-gru-grad-wi", "eq-gru-grad-b", "eq-gru-grad-x")
    return {
        "eq-bptt-output-grad": ("eq-bptt-grad-u", "eq-bptt-grad-b2", "eq-gru-hidden-grad"),
        "eq-gru-hidden-grad": ("eq-gru-delta-n", "eq-gru-delta-z", role["carry"]),
        "eq-gru-delta-n": (role["delta_r"], role["carry"], *sums, role["W_hn"], role["b_hn"]),
        "eq-gru-delta-z": (role["carry"], *sums, "eq-gru-grad-wh"),
        role["delta_r"]: (role["carry"], *sums, "eq-gru-grad-wh"),
    }


#: Which equation produces each error of the backward pass the 50-digit check compares.
def error_outputs(variant: str) -> dict[str, str]:
    """δ_r, δ_z, δ_n, γ^t and ŷ^t − y^t by the equation that gives each."""
    return {
        "delta_r": ROLES[variant]["delta_r"],
        "delta_z": "eq-gru-delta-z",
        "delta_n": "eq-gru-delta-n",
        "carries": ROLES[variant]["carry"],
        "output_grads": "eq-bptt-output-grad",
    }


#: Which forward equation produces each array of the forward pass.
def forward_outputs(variant: str) -> dict[str, str]:
    """The forward check's arrays by the equation that gives each."""
    candidate = FORWARD_EQUATIONS[variant][2]
    return {
        "a_r": "eq-gru-reset",
        "r": "eq-gru-reset",
        "a_z": "eq-gru-update",
        "z": "eq-gru-update",
        "a_n": candidate,
        "n": candidate,
        "h": "eq-gru-state",
        "theta": "eq-forward-theta",
        "y_hat": "eq-softmax",
        "step_losses": "eq-loss-step",
        "loss": "eq-loss-total",
    }


def small_problem(T: int = 3, D_h: int = 3, d: int = 2, V: int = 4, seed: int = 0):
    """Parameters large enough that every term matters, one sequence of inputs, targets and h^0."""
    rng = np.random.default_rng(seed)
    params = GRUParams.random(d=d, D_h=D_h, V=V, seed=seed + 1, scale=0.8)
    return params, rng.standard_normal((T, d)), rng.integers(0, V, T), rng.uniform(-0.5, 0.5, D_h)


def named_gradients(result: GRUGradients) -> dict[str, Any]:
    """A result's gradients of one sequence, named as the symbolic side names them."""
    return result.grads | {"h_0": result.grad_h_0[0]} | {f"x_{t + 1}": g for t, g in enumerate(result.grad_xs[0])}


def _with_errors(result: GRUGradients) -> dict[str, Any]:
    errors = {f"delta_{g}": result.deltas[g][0] for g in "rzn"}
    return named_gradients(result) | errors | {"carries": result.carries[0], "output_grads": result.output_grads[0]}


def _composed(variant: str, replace: Replacements) -> dict[str, Any]:
    params, xs, targets, h_0 = small_problem()
    return _with_errors(gru_gradients(params, xs, targets, variant=variant, h_0=h_0, replace=replace))


def _exact_inputs():
    params, xs, targets, h_0 = small_problem()
    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    return exact, [to_matrix(x) for x in xs], list(targets), to_matrix(h_0)


def _fast(variant: str, replace: Replacements) -> dict[str, Any]:
    """The fast path's gradients and errors on the small problem (it takes no replacements)."""
    params, xs, targets, h_0 = small_problem()
    return _with_errors(gru_fast_gradients(params, xs, targets, variant=variant, h_0=h_0))


@cache
def twin_reference(variant: str) -> dict[str, Any]:
    """Every gradient and error of the small problem from the twins composed at 50 digits."""
    exact, xs, targets, h_0 = _exact_inputs()
    fwd = unrolled(exact, xs, targets, h_0, variant=variant)
    result = closed_forms(exact, xs, targets, fwd, variant=variant)
    shapes = {name: np.shape(value) for name, value in named_gradients(_correct(variant)).items()}
    expected = {name: evaluate(g).reshape(shapes[name]) for name, g in result.grads.items()}
    steps = {f"delta_{g}": result.deltas[g] for g in "rzn"} | {
        "carries": result.carries,
        "output_grads": result.output_grads,
    }
    return expected | {name: np.hstack([evaluate(v) for v in values]).T for name, values in steps.items()}


def _correct(variant: str) -> GRUGradients:
    params, xs, targets, h_0 = small_problem()
    return gru_gradients(params, xs, targets, variant=variant, h_0=h_0)


@cache
def _forward_reference(variant: str) -> dict[str, Any]:
    from rnn_math.symbolic.rnn.forward import softmax, step_loss

    exact, xs, targets, h_0 = _exact_inputs()
    fwd = unrolled(exact, xs, targets, h_0, variant=variant)
    arrays = {
        name: np.hstack([evaluate(v) for v in getattr(fwd, name)]).T for name in ("a_r", "r", "a_z", "z", "a_n", "n")
    }
    arrays["h"] = np.hstack([evaluate(v) for v in fwd.h[1:]]).T
    arrays["theta"] = np.hstack([evaluate(v) for v in fwd.theta]).T
    arrays["y_hat"] = np.hstack([evaluate(softmax(v)) for v in fwd.theta]).T
    arrays["step_losses"] = np.array(
        [float(evaluate(step_loss(v, k))) for v, k in zip(fwd.theta, targets, strict=True)]
    )
    return arrays | {"loss": evaluate(fwd.loss)}


def _forward_numpy(variant: str, replace: Replacements) -> dict[str, Any]:
    params, xs, targets, h_0 = small_problem()
    fp = gru_forward(params, xs, targets, variant=variant, h_0=h_0)
    arrays = {
        name: getattr(fp, name)[0] for name in ("a_r", "r", "a_z", "z", "a_n", "n", "theta", "y_hat", "step_losses")
    }
    return arrays | {"h": fp.h[0, 1:], "loss": np.array(fp.loss)}


def _gradient_check(variant: str) -> Check:
    params, xs, targets, h_0 = small_problem()
    T = len(xs)
    point = params.as_dict() | {"h_0": h_0} | {f"x_{t + 1}": x for t, x in enumerate(xs)}

    def loss(arrays):
        inputs = np.stack([arrays[f"x_{t + 1}"] for t in range(T)])
        return gru_loss(
            {k: v for k, v in arrays.items() if not k.startswith("x_")} | {"xs": inputs}, None, targets, variant=variant
        )

    def gradients(replace: Replacements) -> dict[str, Any]:
        return named_gradients(gru_gradients(params, xs, targets, variant=variant, h_0=h_0, replace=replace))

    ids = backward_ids(variant)
    return numerical_gradients(
        f"central differences and complex step, {variant}",
        ids,
        loss,
        point,
        gradients,
        attribution=attribute(ids, gradient_outputs(variant, T), backward_feeds(variant)),
    )


def _per_step_check(variant: str) -> Check:
    T = 3
    params, xs, targets, h_0 = small_problem(T=T, D_h=2)
    role = ROLES[variant]
    ids = (
        "eq-bptt-output-grad",
        "eq-gru-hidden-grad",
        "eq-gru-delta-n",
        "eq-gru-delta-z",
        role["delta_r"],
        role["carry"],
    )

    def loss(arrays):
        return untied_gru_loss(
            {k: v for k, v in arrays.items() if k != "h_0"}, xs, targets, variant=variant, h_0=arrays["h_0"]
        )

    def terms(replace: Replacements) -> dict[str, Any]:
        result = gru_gradients(params, xs, targets, variant=variant, h_0=h_0, replace=replace)
        return variant_step_terms(result, xs, variant) | {"h_0": result.grad_h_0[0]}

    # The terms are built from the errors, not by the sum equations: the check covers the equations that make them.
    produced_by = {name: role["delta_r"] for name in ("W_ir", "W_hr", "b_ir", "b_hr")}
    produced_by |= {name: "eq-gru-delta-z" for name in ("W_iz", "W_hz", "b_iz", "b_hz")}
    produced_by |= {name: "eq-gru-delta-n" for name in ("W_in", "W_hn", "b_in", "b_hn")}
    produced_by |= {"U": "eq-bptt-output-grad", "b_2": "eq-bptt-output-grad", "h_0": role["carry"]}
    feeds = {
        "eq-gru-hidden-grad": ("eq-gru-delta-n", "eq-gru-delta-z", role["carry"]),
        "eq-gru-delta-n": (role["delta_r"],),
    }
    return numerical_gradients(
        f"per-step copies of the tied weights, {variant}",
        ids,
        loss,
        untie(params.as_dict(), T) | {"h_0": h_0},
        terms,
        attribution=attribute(ids, produced_by, feeds),
    )


def _exact_check(variant: str, activation: str, T: int, D_h: int) -> Check:
    g, _ = generic_activation("g")
    model = symbolic_gru(T, D_h, 1, 2, variant=variant, activation=g if activation == "g" else activation)
    ids = backward_ids(variant)

    def build(replace: Replacements):
        return model.fwd.loss, model.variables, model_closed_forms(model, replace)

    return exact_proof(
        f"exact proof, {variant}, {activation}, T = {T}, D_h = {D_h}",
        ids,
        build,
        attribution=attribute(ids, gradient_outputs(variant, T), backward_feeds(variant)),
    )


@cache
def checks() -> list[Check]:
    """The GRU's checks, for both forms of the candidate."""
    result: list[Check] = []
    T = len(small_problem()[1])
    for variant in VARIANTS:
        ids = backward_ids(variant)
        with_errors = attribute(ids, gradient_outputs(variant, T) | error_outputs(variant), backward_feeds(variant))
        result += [
            _exact_check(variant, "g", 2, 2),
            _exact_check(variant, "g", 3, 1),
            fifty_digits(
                f"composed BPTT against the twins at 50 digits, {variant}",
                ids,
                partial(_composed, variant),
                partial(twin_reference, variant),
                attribution=with_errors,
            ),
            fifty_digits(
                f"fast path against the twins at 50 digits, {variant}",
                ids,
                partial(_fast, variant),
                partial(twin_reference, variant),
                side=None,
                attribution=with_errors,
            ),
            fifty_digits(
                f"forward pass against the twins at 50 digits, {variant}",
                forward_ids(variant),
                partial(_forward_numpy, variant),
                partial(_forward_reference, variant),
                side=None,
                attribution=attribute(forward_ids(variant), forward_outputs(variant)),
            ),
            _gradient_check(variant),
            _per_step_check(variant),
        ]
    return result


GRU = declare(
    Model(
        name="gru",
        title="The GRU",
        equations=EQUATIONS,
        parameters=tuple(PARAMETER_NAMES),
        checks=checks,
        mistakes=MISTAKES,
        composer=gru_gradients,
        symbolic_composer=model_closed_forms,
        loss=gru_loss,
        order=90,
        borrowed=OUTPUT_FORWARD + OUTPUT_BACKWARD,
        lemmas=LEMMAS,
    )
)
