"""Truncated BPTT, declared as a group: the truncated objective and δ, at 50 digits and by central differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnn_math.core.activations import get_activation
from rnn_math.rnn.analysis_declaration import ACTIVATIONS, AGREES, CENTRAL, analysis_mistake, columns, one_equation
from rnn_math.rnn.forward import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.truncated import truncated_bptt, truncated_deltas, truncated_objective
from rnn_math.verification.checks import arguments, numerical_gradients, sampled_equation, worst_of
from rnn_math.verification.declaration import Check, Model, Replacements, declare, equation_functions
from rnn_math.verification.evaluate import evaluate, to_matrix
from rnn_math.verification.mistakes import Mistake


def truncation_problem(seed: int, activation: str, T: int = 5):
    """An RNN whose gradient neither vanishes nor explodes over T steps, with inputs and targets."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=0.7)
    gamma = get_activation(activation).derivative_bound
    params = RNNParams(**{**params.as_dict(), "W_h": params.W_h * (1.0 / gamma)})
    return params, rng.standard_normal((T, 3)), rng.integers(0, 5, T)


def _truncation_checks() -> list[Check]:
    checks = []
    for k in (1, 3):
        params, xs, targets = truncation_problem(1, "tanh")
        result = truncated_bptt(params, xs, targets, k, activation="tanh")
        z, out = result.forward.z, result.output_grads

        def every_step(twin: Callable[..., Any], z: Any = z, out: Any = out, k: int = k, p: Any = params) -> list[Any]:
            U, W_h = to_matrix(p.U), to_matrix(p.W_h)
            return [twin(U, W_h, columns(out), columns(z), s, k, "tanh") for s in range(1, len(z) + 1)]

        checks.append(
            sampled_equation(
                "eq-truncated-delta",
                arguments(params.U, params.W_h, out, z, k, "tanh"),
                arguments(),
                call_twin=every_step,
                sympy_result=lambda values: np.stack([evaluate(v).ravel() for v in values]),
                tolerance=AGREES,
                name=f"eq-truncated-delta at 50 digits, k = {k}",
            )
        )
    params, xs, targets = truncation_problem(2, "tanh")
    frozen = forward(params, xs, targets, activation="tanh").h
    moved = RNNParams(**{name: v + 0.05 for name, v in params.as_dict().items()})
    checks.append(
        sampled_equation(
            "eq-truncated-objective",
            lambda: (moved, xs, targets, 2, frozen),
            lambda: (),
            tolerance=AGREES,
            call_twin=lambda twin: twin(
                *(to_matrix(v) for v in moved.as_dict().values()),
                columns(xs),
                list(targets),
                2,
                columns(frozen),
                "sigmoid",
            ),
            # One step more changes the objective a little away from the frozen point, yet far beyond rounding.
            margin=1e-6,
        )
    )
    gradient_checks = [_truncated_gradient_check(a, k) for a in ACTIVATIONS for k in TRUNCATIONS]
    return [
        worst_of("eq-truncated-delta at 50 digits, k = 1 and 3", checks[:2]),
        checks[2],
        worst_of(
            "truncated BPTT against central differences of the truncated objective, sigmoid and tanh, "
            f"k = {', '.join(map(str, TRUNCATIONS))}",
            gradient_checks,
        ),
    ]


#: The truncations the finite-difference check tells apart (from each other and from full BPTT, T = 7).
TRUNCATIONS = (1, 2, 4)


def _truncated_gradient_check(activation: str, k: int) -> Check:
    """Truncated BPTT's gradients against central differences of L̃_k, the stop-gradient states frozen.

    Differentiating L̃_k itself tells k from k − 1 and k + 1, and from the full gradient. Both the
    errors δ̄ (``eq-truncated-delta``) and the objective (``eq-truncated-objective``) are replaceable.
    """
    params, xs, targets = truncation_problem(4, activation, T=7)
    frozen = forward(params, xs, targets, activation=activation).h
    sums = equation_functions(
        ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")
    )
    full = truncated_bptt(params, xs, targets, k, activation=activation)
    fp, out = full.forward, full.output_grads

    def objective(replace: Replacements) -> Any:
        wrong = one_equation("eq-truncated-objective", replace)
        return lambda p: wrong(RNNParams(**p), xs, targets, k, frozen, activation=activation)

    def gradients(replace: Replacements) -> dict[str, Any]:
        deltas = one_equation("eq-truncated-delta", replace)(params.U, params.W_h, out, fp.z, k, activation)
        return {
            "W_h": sums["eq-bptt-grad-wh"](deltas, fp.h[:-1]),
            "W_e": sums["eq-bptt-grad-we"](deltas, xs),
            "b_1": sums["eq-bptt-grad-b1"](deltas),
            "U": sums["eq-bptt-grad-u"](out, fp.h[1:]),
            "b_2": sums["eq-bptt-grad-b2"](out),
        }

    # U and b_2 do not travel through time: only the objective is measured on them.
    recurrent = ("W_h", "W_e", "b_1")
    return numerical_gradients(
        f"truncated BPTT against central differences of the truncated objective, {activation}, k = {k}",
        ("eq-truncated-objective", "eq-truncated-delta"),
        objective({}),
        params.as_dict(),
        gradients,
        methods=CENTRAL,
        loss_with=objective,
        attribution={"eq-truncated-objective": (*recurrent, "U", "b_2"), "eq-truncated-delta": recurrent},
    )


TRUNCATION_MISTAKES: tuple[Mistake, ...] = (
    analysis_mistake(
        "truncation-one-step-more",
        "truncated-bptt",
        "eq-truncated-delta",
        "One step more than $k$",
        r"The truncated error sums exactly $k$ losses; $k + 1$ is another truncation.",
        r"\bar{\delta}^s_{k+1}",
        lambda U, W_h, output_grads, z, k, activation="sigmoid": truncated_deltas(
            U, W_h, output_grads, z, k + 1, activation
        ),
    ),
    analysis_mistake(
        "truncation-one-step-less",
        "truncated-bptt",
        "eq-truncated-delta",
        "One step less than $k$",
        r"The truncated error sums exactly $k$ losses; $k - 1$ is another truncation.",
        r"\bar{\delta}^s_{k-1}",
        lambda U, W_h, output_grads, z, k, activation="sigmoid": truncated_deltas(
            U, W_h, output_grads, z, max(k - 1, 1), activation
        ),
    ),
    analysis_mistake(
        "truncation-ignored",
        "truncated-bptt",
        "eq-truncated-delta",
        "The full error in place of the truncated one",
        r"Full BPTT's $\delta^s$ is the gradient of $L$, not of the truncated objective $\tilde{L}_k$.",
        r"\bar{\delta}^s_k = \delta^s",
        lambda U, W_h, output_grads, z, k, activation="sigmoid": truncated_deltas(
            U, W_h, output_grads, z, np.shape(z)[-2], activation
        ),
    ),
    analysis_mistake(
        "truncated-objective-one-step-more",
        "truncated-bptt",
        "eq-truncated-objective",
        "One step more than $k$",
        r"The objective unrolls exactly $k$ steps from the frozen states.",
        r"\tilde{L}_{k+1}",
        lambda params, xs, targets, k, frozen_h, *, activation="sigmoid": truncated_objective(
            params, xs, targets, k + 1, frozen_h, activation=activation
        ),
    ),
)

TRUNCATED_BPTT = declare(
    Model(
        name="truncated-bptt",
        title="Truncated BPTT",
        equations=("eq-truncated-objective", "eq-truncated-delta"),
        parameters=(),
        checks=_truncation_checks,
        mistakes=TRUNCATION_MISTAKES,
        order=30,
    )
)


__all__ = ["TRUNCATED_BPTT", "truncation_problem"]
