"""The flow of gradients through time, declared as a group (truncated BPTT is declared beside it).

Each equation's NumPy function is compared with its SymPy twin at 50 digits on a small model,
for the sigmoid and tanh where the equation depends on the activation, and each catalogued
mistake (the wrong versions the tests used) must miss by far more than rounding could explain.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_math.core.activations import get_activation
from rnn_math.rnn.backward_equations import output_gradient
from rnn_math.rnn.forward import forward, hidden_states
from rnn_math.rnn.forward_equations import output_logits, step_loss
from rnn_math.rnn.gradient_flow import hidden_jacobian, step_jacobian
from rnn_math.rnn.params import RNNParams
from rnn_math.verification.checks import arguments, numerical_gradients, sampled_equation, worst_of
from rnn_math.verification.declaration import Check, Model, Replacements, declare, equation_functions
from rnn_math.verification.evaluate import evaluate, exact, to_matrix
from rnn_math.verification.mistakes import Mistake

ACTIVATIONS = ("sigmoid", "tanh")
#: Twins of a handful of float64 operations, composed over a few steps.
AGREES = 1e-13
#: The recurrence checks its states are real, so the finite-difference checks use central differences only.
CENTRAL = ("central",)


def flow_model(seed: int, activation: str, D_h: int = 3, d: int = 2, T: int = 6):
    """Random weights scaled by 1/γ (the gradient neither vanishes nor explodes), and the pre-activations."""
    rng = np.random.default_rng(seed)
    scale = 1.2 / get_activation(activation).derivative_bound
    W_h = scale * rng.standard_normal((D_h, D_h)) / np.sqrt(D_h)
    W_e, b_1 = rng.standard_normal((D_h, d)), 0.5 * rng.standard_normal(D_h)
    xs, h_0 = rng.standard_normal((T, d)), rng.uniform(-0.5, 0.5, D_h)
    z, _ = hidden_states(W_h, W_e, b_1, xs, activation=activation, h_0=h_0)
    return W_h, z


def columns(values: Any) -> list[Any]:
    return [to_matrix(v) for v in values]


def one_equation(eq_id: str, replace: Replacements) -> Any:
    """The registered function of `eq_id`, or its replacement."""
    return equation_functions((eq_id,), {k: v for k, v in replace.items() if k == eq_id})[eq_id]


#: The pairs (k, t) whose ∂h^t/∂h^k finite differences check: one step, all six, a stretch inside.
JACOBIAN_PAIRS = ((0, 1), (0, 6), (2, 5))


def _jacobian_check(activation: str) -> Check:
    """∂h^t/∂h^k against central differences of the recurrence rerun from h^k.

    The gradient of v·h^t in h^k is (∂h^t/∂h^k)ᵀ v, for a fixed random v: every entry of the
    product is then checked, one independent copy of h^k per pair (k, t).
    """
    W_h, _ = flow_model(4, activation)  # the weights only: the inputs below are this check's own
    rng = np.random.default_rng(4)
    W_e, b_1 = rng.standard_normal((3, 2)), 0.5 * rng.standard_normal(3)
    xs, h_0 = rng.standard_normal((6, 2)), rng.uniform(-0.5, 0.5, 3)
    z, h = hidden_states(W_h, W_e, b_1, xs, activation=activation, h_0=h_0)
    weights = {f"h^{k} for h^{t}": rng.standard_normal(3) for k, t in JACOBIAN_PAIRS}
    point = {f"h^{k} for h^{t}": h[k] for k, t in JACOBIAN_PAIRS}

    def loss(arrays: Any) -> Any:
        return sum(
            weights[name] @ hidden_states(W_h, W_e, b_1, xs[k:t], activation=activation, h_0=arrays[name])[1][-1]
            for name, (k, t) in zip(point, JACOBIAN_PAIRS, strict=True)
        )

    def gradients(replace: Replacements) -> dict[str, Any]:
        product = one_equation("eq-jacobian-product", replace)
        return {
            name: product(W_h, z, k, t, activation).T @ weights[name]
            for name, (k, t) in zip(point, JACOBIAN_PAIRS, strict=True)
        }

    return numerical_gradients(
        f"eq-jacobian-product against finite differences of h^t in h^k, {activation}",
        ("eq-jacobian-product",),
        loss,
        point,
        gradients,
        methods=CENTRAL,
    )


def _last_loss_check(activation: str) -> Check:
    """∂L^T/∂h^k against central differences of L^T rerun from h^k, for k = 0, 2, 5."""
    params = RNNParams.random(d=2, D_h=3, V=4, seed=5, scale=0.8)
    # W_h scaled by 1/γ and U by 3, so that ∂L^T/∂h^0 stays well above the rounding noise of L^T.
    gamma = get_activation(activation).derivative_bound
    params = RNNParams(**{**params.as_dict(), "W_h": params.W_h / gamma, "U": 3 * params.U})
    xs, target_T = np.random.default_rng(5).standard_normal((6, 2)), np.array(3)
    z, h = hidden_states(params.W_h, params.W_e, params.b_1, xs, activation=activation)
    theta_T = output_logits(params.U, h[-1], params.b_2)
    out = output_gradient(np.exp(theta_T) / np.exp(theta_T).sum(), target_T)
    steps = (0, 2, 5)

    def loss(arrays: Any) -> Any:
        total: Any = 0.0
        for k in steps:
            h_T = hidden_states(params.W_h, params.W_e, params.b_1, xs[k:], activation=activation, h_0=arrays[f"h^{k}"])
            total = total + step_loss(output_logits(params.U, h_T[1][-1], params.b_2), target_T)
        return total

    def gradients(replace: Replacements) -> dict[str, Any]:
        rows = one_equation("eq-last-loss-hidden-grad", replace)(params.U, params.W_h, out, z, activation)
        return {f"h^{k}": rows[k] for k in steps}

    return numerical_gradients(
        f"eq-last-loss-hidden-grad against finite differences of L^T in h^k, {activation}",
        ("eq-last-loss-hidden-grad",),
        loss,
        {f"h^{k}": h[k] for k in steps},
        gradients,
        methods=CENTRAL,
        step=1e-4,  # L^T is about 1: a larger step keeps rounding below 1e-11
    )


def _unrolled_case(activation: str) -> tuple[RNNParams, Any, Any, Any, Any]:
    """A small model, T = 4: its parameters, inputs, targets, ŷ^t − y^t, and the forward pass."""
    params = RNNParams.random(d=2, D_h=3, V=4, seed=6, scale=0.8)
    rng = np.random.default_rng(6)
    xs, targets = rng.standard_normal((4, 2)), rng.integers(0, 4, size=4)
    state = forward(params, xs, targets, activation=activation)
    return params, xs, targets, output_gradient(state.y_hat, targets), state


def _unrolled_checks(activation: str) -> tuple[Check, Check]:
    """The double sum against its twin at 50 digits, and against central differences of L in W_h."""
    params, xs, targets, out, state = _unrolled_case(activation)
    digits = sampled_equation(
        "eq-recurrent-grad-unrolled",
        arguments(params.U, params.W_h, out, state.z, state.h, activation),
        arguments(
            to_matrix(params.U), to_matrix(params.W_h), columns(out), columns(state.z), columns(state.h), activation
        ),
        tolerance=AGREES,
    )

    def loss(arrays: Any) -> Any:
        return forward(RNNParams(**{**params.as_dict(), "W_h": arrays["W_h"]}), xs, targets, activation=activation).loss

    def gradients(replace: Replacements) -> dict[str, Any]:
        unrolled = one_equation("eq-recurrent-grad-unrolled", replace)
        return {"W_h": unrolled(params.U, params.W_h, out, state.z, state.h, activation)}

    differences = numerical_gradients(
        f"eq-recurrent-grad-unrolled against finite differences of L in W_h, {activation}",
        ("eq-recurrent-grad-unrolled",),
        loss,
        {"W_h": params.W_h},
        gradients,
        methods=CENTRAL,
    )
    return digits, differences


def _flow_checks() -> list[Check]:
    checks = []
    unrolled = {a: _unrolled_checks(a) for a in ACTIVATIONS}
    checks.append(
        worst_of("eq-recurrent-grad-unrolled at 50 digits, sigmoid and tanh", [unrolled[a][0] for a in ACTIVATIONS])
    )
    checks.append(
        worst_of(
            "eq-recurrent-grad-unrolled against finite differences, sigmoid and tanh",
            [unrolled[a][1] for a in ACTIVATIONS],
        )
    )
    jacobian_cases = {a: flow_model(2, a) for a in ACTIVATIONS}
    step_cases = {a: flow_model(1, a) for a in ACTIVATIONS}
    checks.append(
        worst_of(
            "eq-step-jacobian at 50 digits, sigmoid and tanh",
            [
                sampled_equation(
                    "eq-step-jacobian",
                    arguments(step_cases[a][0], step_cases[a][1][2], a),
                    arguments(to_matrix(step_cases[a][0]), to_matrix(step_cases[a][1][2]), a),
                    tolerance=AGREES,
                )
                for a in ACTIVATIONS
            ],
        )
    )
    checks.append(
        worst_of(
            "eq-jacobian-product at 50 digits, sigmoid and tanh",
            [
                sampled_equation(
                    "eq-jacobian-product",
                    arguments(jacobian_cases[a][0], jacobian_cases[a][1], 1, 5, a),
                    arguments(to_matrix(jacobian_cases[a][0]), columns(jacobian_cases[a][1]), 1, 5, a),
                    tolerance=AGREES,
                )
                for a in ACTIVATIONS
            ],
        )
    )
    W_bound = np.array([[0.9, 2.0], [-0.3, 0.4]])
    checks.append(
        sampled_equation(
            "eq-jacobian-bound",
            lambda: (W_bound, 5, "sigmoid"),
            lambda: (to_matrix(W_bound), 5, exact(0.25)),
            tolerance=AGREES,
        )
    )
    W_h, z = flow_model(3, "tanh")
    U, out = np.random.default_rng(3).standard_normal((4, 3)), np.array([0.1, -0.7, 0.4, 0.2])
    steps = (0, 3, 6)
    checks.append(
        sampled_equation(
            "eq-last-loss-hidden-grad",
            lambda: (U, W_h, out, z, "tanh"),
            lambda: (),
            numpy_result=lambda rows: np.asarray(rows)[list(steps)],
            call_twin=lambda twin: [
                twin(to_matrix(U), to_matrix(W_h), to_matrix(out), columns(z), k, "tanh") for k in steps
            ],
            sympy_result=lambda values: np.stack([evaluate(v).ravel() for v in values]),
            tolerance=AGREES,
        )
    )
    checks.append(
        worst_of(
            "eq-jacobian-product against finite differences, sigmoid and tanh",
            [_jacobian_check(a) for a in ACTIVATIONS],
        )
    )
    checks.append(
        worst_of(
            "eq-last-loss-hidden-grad against finite differences, sigmoid and tanh",
            [_last_loss_check(a) for a in ACTIVATIONS],
        )
    )
    return checks


def _reversed_jacobian(W_h, z, k, t, activation="sigmoid"):
    product = np.eye(np.shape(W_h)[0])
    for j in range(k + 1, t + 1):
        product = product @ step_jacobian(W_h, np.asarray(z)[j - 1], activation)
    return product


def _slope_at_h_jacobian(W_h, z, k, t, activation="sigmoid"):
    act = get_activation(activation)
    product = np.eye(np.shape(W_h)[0])
    for j in range(k + 1, t + 1):
        product = (act.derivative(act.function(np.asarray(z)[j - 1]))[:, None] * W_h) @ product
    return product


def _untransposed_last_loss(U, W_h, output_grad_T, z, activation="sigmoid"):
    T = len(z)
    return np.stack([hidden_jacobian(W_h, z, k, T, activation) @ (output_grad_T @ U) for k in range(T + 1)])


def _unrolled_variant(*, state_shift: int, transposed: bool) -> Any:
    """The double sum with the outer product taken with h^{k - state_shift}, the Jacobian maybe untransposed."""

    def wrong(U, W_h, output_grads, z, h, activation="sigmoid"):
        slope = get_activation(activation).derivative
        gradient = np.zeros_like(W_h)
        for t in range(1, len(z) + 1):
            for k in range(1, t + 1):
                jacobian = hidden_jacobian(W_h, z, k, t, activation)
                carried = (jacobian.T if transposed else jacobian) @ (U.T @ output_grads[t - 1])
                gradient += np.outer(slope(z[k - 1]) * carried, h[k - state_shift])
        return gradient

    return wrong


def analysis_mistake(
    name: str, model: str, eq_id: str, title: str, description: str, wrong_latex: str, numpy: Any
) -> Mistake:
    """A catalogued wrong version of one analysis equation (its NumPy side only)."""
    return Mistake(name, model, title, description, wrong_latex, numpy={eq_id: numpy})


FLOW_MISTAKES: tuple[Mistake, ...] = (
    analysis_mistake(
        "unrolled-paired-with-h-k",
        "gradient-flow",
        "eq-recurrent-grad-unrolled",
        r"Outer product with $h^k$, not $h^{k-1}$",
        r"$W_h$ acts at step $k$ on the state it receives, $h^{k-1}$; $h^k$ is what it produces.",
        r"\frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} \sum_{k=1}^{t} \operatorname{diag}\bigl(\sigma'(z^{k})\bigr)"
        r" \Bigl(\frac{\partial h^{t}}{\partial h^{k}}\Bigr)^{\!\top}"
        r" \frac{\partial L^{t}}{\partial h^{t}}\, (h^{k})^\top",
        _unrolled_variant(state_shift=0, transposed=True),
    ),
    analysis_mistake(
        "unrolled-untransposed-jacobian",
        "gradient-flow",
        "eq-recurrent-grad-unrolled",
        "Jacobian not transposed in the double sum",
        r"Carrying $\partial L^t / \partial h^t$ back to $h^k$ multiplies by $(\partial h^t/\partial h^k)^\top$.",
        r"\frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} \sum_{k=1}^{t} \operatorname{diag}\bigl(\sigma'(z^{k})\bigr)"
        r" \frac{\partial h^{t}}{\partial h^{k}} \frac{\partial L^{t}}{\partial h^{t}}\, (h^{k-1})^\top",
        _unrolled_variant(state_shift=1, transposed=False),
    ),
    analysis_mistake(
        "step-jacobian-transposed",
        "gradient-flow",
        "eq-step-jacobian",
        r"$W_h \operatorname{diag}(\sigma')$",
        r"The slope multiplies the rows: $\operatorname{diag}(\sigma'(z^j))\, W_h$.",
        r"\frac{\partial h^j}{\partial h^{j-1}} = W_h \operatorname{diag}(\sigma'(z^j))",
        lambda W_h, z_j, activation="sigmoid": W_h * get_activation(activation).derivative(z_j)[None, :],
    ),
    analysis_mistake(
        "jacobian-product-reversed",
        "gradient-flow",
        "eq-jacobian-product",
        "Product in reversed order",
        r"The latest step's Jacobian stands on the left.",
        r"\frac{\partial h^t}{\partial h^k} = "
        r"\prod_{j=k+1}^{t} \frac{\partial h^j}{\partial h^{j-1}} \text{ (earliest left)}",
        _reversed_jacobian,
    ),
    analysis_mistake(
        "jacobian-slope-at-h",
        "gradient-flow",
        "eq-jacobian-product",
        r"Slope taken at $h$, not at $z$",
        r"Each factor's slope is $\sigma'(z^j)$; $\sigma'(h^j) = \sigma'(\sigma(z^j))$ is another number.",
        r"\frac{\partial h^t}{\partial h^k} = \prod_{j=t}^{k+1} \operatorname{diag}(\sigma'(h^j))\, W_h",
        _slope_at_h_jacobian,
    ),
    analysis_mistake(
        "bound-with-spectral-radius",
        "gradient-flow",
        "eq-jacobian-bound",
        r"Spectral radius for $\lambda_1$",
        r"The bound needs the largest singular value $\lambda_1$, not the largest $|\text{eigenvalue}|$.",
        r"(\gamma\, \rho(W_h))^{t-k}",
        lambda W_h, lag, activation="sigmoid", gamma=None: (0.25 * np.max(np.abs(np.linalg.eigvals(W_h)))) ** lag,
    ),
    analysis_mistake(
        "last-loss-untransposed-jacobian",
        "gradient-flow",
        "eq-last-loss-hidden-grad",
        "Jacobian not transposed",
        r"Going backwards multiplies by the transposed Jacobian $(\partial h^T/\partial h^k)^\top$.",
        r"\frac{\partial L^T}{\partial h^k} = \frac{\partial h^T}{\partial h^k} \frac{\partial L^T}{\partial h^T}",
        _untransposed_last_loss,
    ),
)

GRADIENT_FLOW = declare(
    Model(
        name="gradient-flow",
        title="The flow of gradients through time",
        equations=(
            "eq-recurrent-grad-unrolled",
            "eq-step-jacobian",
            "eq-jacobian-product",
            "eq-jacobian-bound",
            "eq-last-loss-hidden-grad",
        ),
        parameters=(),
        checks=_flow_checks,
        mistakes=FLOW_MISTAKES,
        order=40,
    )
)


__all__ = [
    "ACTIVATIONS",
    "AGREES",
    "CENTRAL",
    "GRADIENT_FLOW",
    "analysis_mistake",
    "columns",
    "flow_model",
    "one_equation",
]
