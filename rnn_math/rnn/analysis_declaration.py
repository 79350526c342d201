"""The RNN's analysis equations, declared as groups: truncated BPTT and the flow of gradients.

Each equation's NumPy function is compared with its SymPy twin at 50 digits on a small model,
for the sigmoid and tanh where the equation depends on the activation, and each catalogued
mistake (the wrong versions the tests used) must miss by far more than rounding could explain.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_math.core.activations import get_activation
from rnn_math.rnn.forward import forward, hidden_states
from rnn_math.rnn.gradient_flow import hidden_jacobian, step_jacobian
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.truncated import truncated_bptt, truncated_deltas, truncated_objective
from rnn_math.verification.checks import sampled_equation, worst_of
from rnn_math.verification.declaration import Check, Model, declare
from rnn_math.verification.evaluate import evaluate, exact, to_matrix
from rnn_math.verification.mistakes import Mistake

ACTIVATIONS = ("sigmoid", "tanh")
#: Twins of a handful of float64 operations, composed over a few steps.
AGREES = 1e-13


def flow_model(seed: int, activation: str, D_h: int = 3, d: int = 2, T: int = 6):
    """Random weights scaled by 1/γ (the gradient neither vanishes nor explodes), and the pre-activations."""
    rng = np.random.default_rng(seed)
    scale = 1.2 / get_activation(activation).derivative_bound
    W_h = scale * rng.standard_normal((D_h, D_h)) / np.sqrt(D_h)
    W_e, b_1 = rng.standard_normal((D_h, d)), 0.5 * rng.standard_normal(D_h)
    xs, h_0 = rng.standard_normal((T, d)), rng.uniform(-0.5, 0.5, D_h)
    z, _ = hidden_states(W_h, W_e, b_1, xs, activation=activation, h_0=h_0)
    return W_h, z


def truncation_problem(seed: int, activation: str, T: int = 5):
    """An RNN whose gradient neither vanishes nor explodes over T steps, with inputs and targets."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=0.7)
    gamma = get_activation(activation).derivative_bound
    params = RNNParams(**{**params.as_dict(), "W_h": params.W_h * (1.0 / gamma)})
    return params, rng.standard_normal((T, 3)), rng.integers(0, 5, T)


def _columns(values: Any) -> list[Any]:
    return [to_matrix(v) for v in values]


def _flow_checks() -> list[Check]:
    checks = []
    jacobian_cases = {a: flow_model(2, a) for a in ACTIVATIONS}
    step_cases = {a: flow_model(1, a) for a in ACTIVATIONS}
    checks.append(worst_of("eq-step-jacobian at 50 digits, sigmoid and tanh", [
        sampled_equation(
            "eq-step-jacobian", lambda a=a: (step_cases[a][0], step_cases[a][1][2], a),
            lambda a=a: (to_matrix(step_cases[a][0]), to_matrix(step_cases[a][1][2]), a), tolerance=AGREES,
        )
        for a in ACTIVATIONS
    ]))
    checks.append(worst_of("eq-jacobian-product at 50 digits, sigmoid and tanh", [
        sampled_equation(
            "eq-jacobian-product", lambda a=a: (jacobian_cases[a][0], jacobian_cases[a][1], 1, 5, a),
            lambda a=a: (to_matrix(jacobian_cases[a][0]), _columns(jacobian_cases[a][1]), 1, 5, a), tolerance=AGREES,
        )
        for a in ACTIVATIONS
    ]))
    W_bound = np.array([[0.9, 2.0], [-0.3, 0.4]])
    checks.append(sampled_equation(
        "eq-jacobian-bound", lambda: (W_bound, 5, "sigmoid"), lambda: (to_matrix(W_bound), 5, exact(0.25)), tolerance=AGREES,
    ))
    W_h, z = flow_model(3, "tanh")
    U, out = np.random.default_rng(3).standard_normal((4, 3)), np.array([0.1, -0.7, 0.4, 0.2])
    steps = (0, 3, 6)
    checks.append(sampled_equation(
        "eq-last-loss-hidden-grad", lambda: (U, W_h, out, z, "tanh"), lambda: (),
        numpy_result=lambda rows: np.asarray(rows)[list(steps)],
        call_twin=lambda twin: [twin(to_matrix(U), to_matrix(W_h), to_matrix(out), _columns(z), k, "tanh") for k in steps],
        sympy_result=lambda values: np.stack([evaluate(v).ravel() for v in values]), tolerance=AGREES,
    ))
    return checks


def _truncation_checks() -> list[Check]:
    checks = []
    for k in (1, 3):
        params, xs, targets = truncation_problem(1, "tanh")
        result = truncated_bptt(params, xs, targets, k, activation="tanh")
        z, out = result.forward.z, result.output_grads
        checks.append(sampled_equation(
            "eq-truncated-delta", lambda z=z, out=out, k=k, p=params: (p.U, p.W_h, out, z, k, "tanh"), lambda: (),
            call_twin=lambda twin, z=z, out=out, k=k, p=params: [
                twin(to_matrix(p.U), to_matrix(p.W_h), _columns(out), _columns(z), s, k, "tanh") for s in range(1, len(z) + 1)
            ],
            sympy_result=lambda values: np.stack([evaluate(v).ravel() for v in values]),
            tolerance=AGREES, name=f"eq-truncated-delta at 50 digits, k = {k}",
        ))
    params, xs, targets = truncation_problem(2, "tanh")
    frozen = forward(params, xs, targets, activation="tanh").h
    moved = RNNParams(**{name: v + 0.05 for name, v in params.as_dict().items()})
    checks.append(sampled_equation(
        "eq-truncated-objective", lambda: (moved, xs, targets, 2, frozen),
        lambda: (), tolerance=AGREES,
        call_twin=lambda twin: twin(
            *(to_matrix(v) for v in moved.as_dict().values()), _columns(xs), list(targets), 2, _columns(frozen), "sigmoid",
        ),
        margin=1e-6,  # one step more changes the objective a little away from the frozen point, yet far beyond rounding
    ))
    return [worst_of("eq-truncated-delta at 50 digits, k = 1 and 3", checks[:2]), checks[2]]


def _reversed_jacobian(W_h, z, k, t, activation="sigmoid"):
    product = np.eye(np.shape(W_h)[0])
    for j in range(k + 1, t + 1):
        product = product @ step_jacobian(W_h, np.asarray(z)[j - 1], activation)
    return product


def _untransposed_last_loss(U, W_h, output_grad_T, z, activation="sigmoid"):
    T = len(z)
    return np.stack([hidden_jacobian(W_h, z, k, T, activation) @ (output_grad_T @ U) for k in range(T + 1)])


def _mistake(name: str, model: str, eq_id: str, title: str, description: str, wrong_latex: str, numpy: Any) -> Mistake:
    return Mistake(name, model, title, description, wrong_latex, numpy={eq_id: numpy})


FLOW_MISTAKES: tuple[Mistake, ...] = (
    _mistake("step-jacobian-transposed", "gradient-flow", "eq-step-jacobian", r"$W_h \operatorname{diag}(\sigma')$",
             r"The slope multiplies the rows: $\operatorname{diag}(\sigma'(z^j))\, W_h$.",
             r"\frac{\partial h^j}{\partial h^{j-1}} = W_h \operatorname{diag}(\sigma'(z^j))",
             lambda W_h, z_j, activation="sigmoid": W_h * get_activation(activation).derivative(z_j)[None, :]),
    _mistake("jacobian-product-reversed", "gradient-flow", "eq-jacobian-product", "Product in reversed order",
             r"The latest step's Jacobian stands on the left.",
             r"\frac{\partial h^t}{\partial h^k} = "
             r"\prod_{j=k+1}^{t} \frac{\partial h^j}{\partial h^{j-1}} \text{ (earliest left)}",
             _reversed_jacobian),
    _mistake("bound-with-spectral-radius", "gradient-flow", "eq-jacobian-bound", r"Spectral radius for $\lambda_1$",
             r"The bound needs the largest singular value $\lambda_1$, not the largest $|\text{eigenvalue}|$.",
             r"(\gamma\, \rho(W_h))^{t-k}",
             lambda W_h, lag, activation="sigmoid", gamma=None: (0.25 * np.max(np.abs(np.linalg.eigvals(W_h)))) ** lag),
    _mistake("last-loss-untransposed-jacobian", "gradient-flow", "eq-last-loss-hidden-grad", "Jacobian not transposed",
             r"Going backwards multiplies by the transposed Jacobian $(\partial h^T/\partial h^k)^\top$.",
             r"\frac{\partial L^T}{\partial h^k} = \frac{\partial h^T}{\partial h^k} \frac{\partial L^T}{\partial h^T}",
             _untransposed_last_loss),
)

TRUNCATION_MISTAKES: tuple[Mistake, ...] = (
    _mistake("truncation-one-step-more", "truncated-bptt", "eq-truncated-delta", "One step more than $k$",
             r"The truncated error sums exactly $k$ losses; $k + 1$ is another truncation.",
             r"\bar{\delta}^s_{k+1}",
             lambda U, W_h, output_grads, z, k, activation="sigmoid": truncated_deltas(U, W_h, output_grads, z, k + 1, activation)),
    _mistake("truncated-objective-one-step-more", "truncated-bptt", "eq-truncated-objective", "One step more than $k$",
             r"The objective unrolls exactly $k$ steps from the frozen states.",
             r"\tilde{L}_{k+1}",
             lambda params, xs, targets, k, frozen_h, *, activation="sigmoid":
                 truncated_objective(params, xs, targets, k + 1, frozen_h, activation=activation)),
)

GRADIENT_FLOW = declare(Model(
    name="gradient-flow",
    title="The flow of gradients through time",
    equations=("eq-step-jacobian", "eq-jacobian-product", "eq-jacobian-bound", "eq-last-loss-hidden-grad"),
    parameters=(),
    checks=_flow_checks,
    mistakes=FLOW_MISTAKES,
    order=40,
))

TRUNCATED_BPTT = declare(Model(
    name="truncated-bptt",
    title="Truncated BPTT",
    equations=("eq-truncated-objective", "eq-truncated-delta"),
    parameters=(),
    checks=_truncation_checks,
    mistakes=TRUNCATION_MISTAKES,
    order=30,
))

__all__ = ["GRADIENT_FLOW", "TRUNCATED_BPTT"]
