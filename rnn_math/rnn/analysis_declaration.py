"""The RNN's analysis equations, declared as groups: truncated BPTT and the flow of gradients.

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
from rnn_math.rnn.truncated import truncated_bptt, truncated_deltas, truncated_objective
from rnn_math.verification.checks import numerical_gradients, sampled_equation, worst_of
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


def truncation_problem(seed: int, activation: str, T: int = 5):
    """An RNN whose gradient neither vanishes nor explodes over T steps, with inputs and targets."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=0.7)
    gamma = get_activation(activation).derivative_bound
    params = RNNParams(**{**params.as_dict(), "W_h": params.W_h * (1.0 / gamma)})
    return params, rng.standard_normal((T, 3)), rng.integers(0, 5, T)


def _columns(values: Any) -> list[Any]:
    return [to_matrix(v) for v in values]


def _one(eq_id: str, replace: Replacements) -> Any:
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
        product = _one("eq-jacobian-product", replace)
        return {name: product(W_h, z, k, t, activation).T @ weights[name]
                for name, (k, t) in zip(point, JACOBIAN_PAIRS, strict=True)}

    return numerical_gradients(
        f"eq-jacobian-product against finite differences of h^t in h^k, {activation}", ("eq-jacobian-product",),
        loss, point, gradients, methods=CENTRAL,
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
        total = 0.0
        for k in steps:
            h_T = hidden_states(params.W_h, params.W_e, params.b_1, xs[k:], activation=activation, h_0=arrays[f"h^{k}"])
            total = total + step_loss(output_logits(params.U, h_T[1][-1], params.b_2), target_T)
        return total

    def gradients(replace: Replacements) -> dict[str, Any]:
        rows = _one("eq-last-loss-hidden-grad", replace)(params.U, params.W_h, out, z, activation)
        return {f"h^{k}": rows[k] for k in steps}

    return numerical_gradients(
        f"eq-last-loss-hidden-grad against finite differences of L^T in h^k, {activation}",
        ("eq-last-loss-hidden-grad",), loss, {f"h^{k}": h[k] for k in steps}, gradients, methods=CENTRAL,
        step=1e-4,  # L^T is about 1: a larger step keeps rounding below 1e-11
    )


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
    checks.append(worst_of("eq-jacobian-product against finite differences, sigmoid and tanh",
                           [_jacobian_check(a) for a in ACTIVATIONS]))
    checks.append(worst_of("eq-last-loss-hidden-grad against finite differences, sigmoid and tanh",
                           [_last_loss_check(a) for a in ACTIVATIONS]))
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
    gradient_checks = [_truncated_gradient_check(a, k) for a in ACTIVATIONS for k in TRUNCATIONS]
    return [
        worst_of("eq-truncated-delta at 50 digits, k = 1 and 3", checks[:2]), checks[2],
        worst_of("truncated BPTT against central differences of the truncated objective, sigmoid and tanh, "
                 f"k = {', '.join(map(str, TRUNCATIONS))}", gradient_checks),
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
    sums = equation_functions(("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u",
                               "eq-bptt-grad-b2"))
    full = truncated_bptt(params, xs, targets, k, activation=activation)
    fp, out = full.forward, full.output_grads

    def objective(replace: Replacements) -> Any:
        wrong = _one("eq-truncated-objective", replace)
        return lambda p: wrong(RNNParams(**p), xs, targets, k, frozen, activation=activation)

    def gradients(replace: Replacements) -> dict[str, Any]:
        deltas = _one("eq-truncated-delta", replace)(params.U, params.W_h, out, fp.z, k, activation)
        return {
            "W_h": sums["eq-bptt-grad-wh"](deltas, fp.h[:-1]), "W_e": sums["eq-bptt-grad-we"](deltas, xs),
            "b_1": sums["eq-bptt-grad-b1"](deltas), "U": sums["eq-bptt-grad-u"](out, fp.h[1:]),
            "b_2": sums["eq-bptt-grad-b2"](out),
        }

    # U and b_2 do not travel through time: only the objective is measured on them.
    recurrent = ("W_h", "W_e", "b_1")
    return numerical_gradients(
        f"truncated BPTT against central differences of the truncated objective, {activation}, k = {k}",
        ("eq-truncated-objective", "eq-truncated-delta"), objective({}), params.as_dict(), gradients,
        methods=CENTRAL, loss_with=objective,
        attribution={"eq-truncated-objective": (*recurrent, "U", "b_2"), "eq-truncated-delta": recurrent},
    )


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
    _mistake("jacobian-slope-at-h", "gradient-flow", "eq-jacobian-product", r"Slope taken at $h$, not at $z$",
             r"Each factor's slope is $\sigma'(z^j)$; $\sigma'(h^j) = \sigma'(\sigma(z^j))$ is another number.",
             r"\frac{\partial h^t}{\partial h^k} = \prod_{j=t}^{k+1} \operatorname{diag}(\sigma'(h^j))\, W_h",
             _slope_at_h_jacobian),
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
    _mistake("truncation-one-step-less", "truncated-bptt", "eq-truncated-delta", "One step less than $k$",
             r"The truncated error sums exactly $k$ losses; $k - 1$ is another truncation.",
             r"\bar{\delta}^s_{k-1}",
             lambda U, W_h, output_grads, z, k, activation="sigmoid":
                 truncated_deltas(U, W_h, output_grads, z, max(k - 1, 1), activation)),
    _mistake("truncation-ignored", "truncated-bptt", "eq-truncated-delta", "The full error in place of the truncated one",
             r"Full BPTT's $\delta^s$ is the gradient of $L$, not of the truncated objective $\tilde{L}_k$.",
             r"\bar{\delta}^s_k = \delta^s",
             lambda U, W_h, output_grads, z, k, activation="sigmoid":
                 truncated_deltas(U, W_h, output_grads, z, np.shape(z)[-2], activation)),
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
