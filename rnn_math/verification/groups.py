"""The equations that are not a model's gradients, declared as groups: training, clipping, activations.

Each equation's NumPy function is compared with its SymPy twin at 50 digits on sample inputs, and
each group's catalogue of mistakes (a plausible wrong version of each equation, with the
registered function's signature) must be rejected by that comparison. The activations' slopes
are also checked against central differences and complex step of the activations themselves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnn_math.core import activations as act
from rnn_math.core.optimizers import ADAGRAD_EPSILON
from rnn_math.verification.checks import derivative_of, sampled_equation, worst_of
from rnn_math.verification.declaration import Check, Model, Replacements, declare, equation_functions
from rnn_math.verification.evaluate import evaluate, exact, to_matrix
from rnn_math.verification.mistakes import Mistake

_rng = np.random.default_rng(11)
P, G, M = _rng.standard_normal((3, 4)), _rng.standard_normal((3, 4)) * 3, _rng.uniform(0.5, 4.0, (3, 4))
ETA, NATS, THETA = 0.1, 1.7, _rng.uniform(-3, 3, 6)
ADAM_M, ADAM_V, ADAM_G = _rng.standard_normal((3, 3, 2))
ADAM_V = ADAM_V * ADAM_V
STEP_LOSSES = _rng.uniform(0.2, 3.0, 5)
Z = np.linspace(-4.0, 4.0, 9)


def _pair(values: tuple[Any, Any]) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in values])


def _evaluate_pair(values: tuple[Any, Any]) -> np.ndarray:
    return np.concatenate([np.ravel(evaluate(v)) for v in values])


def _training_checks() -> list[Check]:
    e = exact
    return [
        sampled_equation("eq-sgd-update", lambda: (P, G, ETA), lambda: (to_matrix(P), to_matrix(G), e(ETA))),
        sampled_equation("eq-adagrad-memory", lambda: (M, G), lambda: (to_matrix(M), to_matrix(G))),
        sampled_equation(
            "eq-adagrad-update", lambda: (P, G, M, ETA),
            lambda: (to_matrix(P), to_matrix(G), to_matrix(M), e(ETA), e(ADAGRAD_EPSILON)),
        ),
        sampled_equation(
            "eq-adam-moments", lambda: (ADAM_M, ADAM_V, ADAM_G, 0.9, 0.999),
            lambda: (to_matrix(ADAM_M), to_matrix(ADAM_V), to_matrix(ADAM_G), e(0.9), e(0.999)),
            numpy_result=_pair, sympy_result=_evaluate_pair,
        ),
        sampled_equation(
            "eq-adam-update", lambda: (P[:, :2], ADAM_M, ADAM_V, 3, 0.01, 0.9, 0.999, 1e-8),
            lambda: (to_matrix(P[:, :2]), to_matrix(ADAM_M), to_matrix(ADAM_V), 3, e(0.01), e(0.9), e(0.999), e(1e-8)),
        ),
        sampled_equation(
            "eq-loss-per-char", lambda: (float(np.sum(STEP_LOSSES)), STEP_LOSSES.size),
            lambda: ([e(v) for v in STEP_LOSSES],),
        ),
        sampled_equation("eq-bits-per-char", lambda: (NATS,), lambda: (e(NATS),)),
        sampled_equation("eq-perplexity", lambda: (NATS,), lambda: (e(NATS),)),
        sampled_equation("eq-uniform-loss", lambda: (27,), lambda: (27,)),
        sampled_equation("eq-smoothed-loss", lambda: (3.2, 2.1, 0.99), lambda: (e(3.2), e(2.1), e(0.99))),
        sampled_equation("eq-sample-temperature", lambda: (THETA, 0.7), lambda: (to_matrix(THETA), e(0.7))),
    ]


def _m(name: str, eq_id: str, title: str, description: str, wrong_latex: str, numpy: Any, model: str) -> Mistake:
    return Mistake(name, model, title, description, wrong_latex, numpy={eq_id: numpy})


TRAINING_MISTAKES: tuple[Mistake, ...] = (
    _m("sgd-up-the-gradient", "eq-sgd-update", "A step up the gradient",
       r"Adding $\eta\, g$ climbs the loss.", r"p \leftarrow p + \eta\, g",
       lambda p, g, eta: p + eta * g, "training"),
    _m("adagrad-absolute-values", "eq-adagrad-memory", r"$|g|$ summed instead of $g^2$",
       r"The memory sums squares, not absolute values.", r"M \leftarrow M + |g|",
       lambda memory, g: memory + np.abs(g), "training"),
    _m("adagrad-without-root", "eq-adagrad-update", "Divided by the memory, not its root",
       r"The step divides by $\sqrt{M + \epsilon}$; dividing by $M$ shrinks it far too fast.",
       r"p \leftarrow p - \eta\, g / (M + \epsilon)",
       lambda p, g, memory, eta, epsilon=ADAGRAD_EPSILON: p - eta * g / (memory + epsilon), "training"),
    _m("adam-weights-swapped", "eq-adam-moments", r"$\beta_1$ and $1 - \beta_1$ swapped",
       r"The running average would forget at once.", r"m \leftarrow (1 - \beta_1) m + \beta_1 g",
       lambda m, v, g, b1, b2: ((1 - b1) * m + b1 * g, b2 * v + (1 - b2) * g * g), "training"),
    _m("adam-without-bias-correction", "eq-adam-update", "Start-up bias not removed",
       r"Without dividing by $1 - \beta^n$ the first steps are far too small.",
       r"p \leftarrow p - \eta\, m / (\sqrt{v} + \epsilon)",
       lambda p, m, v, n, eta, b1, b2, epsilon: p - eta * m / (np.sqrt(v) + epsilon), "training"),
    _m("loss-per-char-off-by-one", "eq-loss-per-char", r"$T - 1$ in the denominator",
       r"The loss is averaged over all $T$ characters.", r"\bar{L} = L / (T - 1)",
       lambda loss, n_chars: loss / (n_chars - 1), "training"),
    _m("bits-in-the-wrong-base", "eq-bits-per-char", "The wrong base",
       r"Bits divide nats by $\ln 2$, not $\ln 10$.", r"\text{bpc} = \bar{L} / \ln 10",
       lambda nats: nats / math.log(10), "training"),
    _m("perplexity-base-two-of-nats", "eq-perplexity", "Base 2 with a loss in nats",
       r"Perplexity is $e^{\bar{L}}$ for a loss in nats.", r"\text{PP} = 2^{\bar{L}}",
       lambda nats: 2**nats, "training"),
    _m("uniform-loss-in-bits", "eq-uniform-loss", "Bits where nats are meant",
       r"The uniform loss is $\ln |V|$ in nats.", r"L_{\text{uniform}} = \log_2 |V|",
       lambda vocab_size: math.log2(vocab_size), "training"),
    _m("smoothing-weights-swapped", "eq-smoothed-loss", "Weights swapped",
       r"The previous average keeps the weight $\beta$.", r"\bar{L} \leftarrow (1 - \beta)\bar{L} + \beta L",
       lambda previous, current, beta: (1 - beta) * previous + beta * current, "training"),
    _m("temperature-multiplied", "eq-sample-temperature", r"Multiplied by $\tau$",
       r"The logits are divided by the temperature $\tau$.", r"p = \operatorname{softmax}(\tau\,\theta)",
       lambda theta, tau: np.exp(theta * tau) / np.exp(theta * tau).sum(), "training"),
)

TRAINING = declare(Model(
    name="training",
    title="Training: update rules, loss measures, sampling",
    equations=(
        "eq-sgd-update", "eq-adagrad-memory", "eq-adagrad-update", "eq-adam-moments", "eq-adam-update",
        "eq-loss-per-char", "eq-bits-per-char", "eq-perplexity", "eq-uniform-loss", "eq-smoothed-loss",
        "eq-sample-temperature",
    ),
    parameters=(),
    checks=_training_checks,
    mistakes=TRAINING_MISTAKES,
    order=50,
))


# Clipping.

def _gradients(norm: float, seed: int) -> dict[str, np.ndarray]:
    """Random gradients shaped like an RNN's (d = 3, D_h = 4, |V| = 5), rescaled to a given global norm."""
    from rnn_math.rnn.params import RNNParams

    g = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=1.0).as_dict()
    current = np.sqrt(sum(np.sum(v**2) for v in g.values()))
    return {name: v * (norm / current) for name, v in g.items()}


def _flat_clipped(result: Any) -> np.ndarray:
    clipped, norm = result
    return np.concatenate([*(np.ravel(v) for v in clipped.values()), [norm]])


def _evaluate_clipped(result: Any) -> np.ndarray:
    clipped, norm = result
    return np.concatenate([*(np.ravel(evaluate(v)) for v in clipped.values()), [float(evaluate(norm))]])


def _flat(result: Any) -> np.ndarray:
    return np.concatenate([np.ravel(v) for v in result.values()])


def _evaluate_flat(result: Any) -> np.ndarray:
    return np.concatenate([np.ravel(evaluate(v)) for v in result.values()])


def _clipping_checks() -> list[Check]:
    above, below = _gradients(7.0, 2), _gradients(1.5, 2)
    norm_of = _gradients(3.7, 1)
    entries = {"W_h": np.random.default_rng(11).uniform(-9, 9, (4, 4)), "b_1": np.random.default_rng(12).uniform(-9, 9, 4)}

    def twin(grads: dict[str, np.ndarray]) -> dict[str, Any]:
        return {name: to_matrix(v) for name, v in grads.items()}

    return [
        sampled_equation("eq-grad-global-norm", lambda: (norm_of,), lambda: (twin(norm_of),)),
        worst_of("eq-clip-global-norm at 50 digits, above and below the threshold", [
            sampled_equation(
                "eq-clip-global-norm", lambda g=g: (g, 2.5), lambda g=g: (twin(g), exact(2.5)),
                numpy_result=_flat_clipped, sympy_result=_evaluate_clipped,
            )
            for g in (above, below)
        ]),
        sampled_equation(
            "eq-clip-elementwise", lambda: (entries, 5.0), lambda: (twin(entries), exact(5.0)),
            numpy_result=_flat, sympy_result=_evaluate_flat,
        ),
    ]


def _per_parameter_clip(grads: dict[str, np.ndarray], max_norm: float):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {n: g * (max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > max_norm else g.copy() for n, g in grads.items()}, norm


def _always_rescale(grads: dict[str, np.ndarray], max_norm: float):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {n: g * (max_norm / norm) for n, g in grads.items()}, norm


CLIPPING_MISTAKES: tuple[Mistake, ...] = (
    _m("sum-of-parameter-norms", "eq-grad-global-norm", "Sum of the parameters' norms",
       r"The global norm is the root of the sum of all squares, not $\sum_p \lVert g_p \rVert$.",
       r"\lVert g \rVert = \sum_p \lVert g_p \rVert",
       lambda grads: sum(float(np.linalg.norm(v)) for v in grads.values()), "clipping"),
    _m("clip-each-parameter", "eq-clip-global-norm", "Each parameter clipped separately",
       r"Clipping each $g_p$ to its own norm changes the direction of the whole gradient.",
       r"g_p \leftarrow \frac{c}{\lVert g_p \rVert} g_p", _per_parameter_clip, "clipping"),
    _m("always-rescale", "eq-clip-global-norm", "Always rescaled",
       r"A gradient already shorter than $c$ must be left alone.", r"g \leftarrow \frac{c}{\lVert g \rVert} g",
       _always_rescale, "clipping"),
    _m("upper-bound-only", "eq-clip-elementwise", "Lower bound forgotten",
       r"Element-wise clipping bounds each entry to $[-c, c]$, not only from above.", r"g_i \leftarrow \min(g_i, c)",
       lambda grads, limit: {n: np.minimum(g, limit) for n, g in grads.items()}, "clipping"),
)

CLIPPING = declare(Model(
    name="clipping",
    title="Gradient clipping",
    equations=("eq-grad-global-norm", "eq-clip-global-norm", "eq-clip-elementwise"),
    parameters=(),
    checks=_clipping_checks,
    mistakes=CLIPPING_MISTAKES,
    order=60,
))


# Activations: the functions at 50 digits, their slopes also against the functions' derivatives.

def _slope(eq_id: str, function: Any) -> Any:
    def derivative(replace: Replacements) -> Any:
        return equation_functions((eq_id,), {k: v for k, v in replace.items() if k == eq_id})[eq_id](Z)

    return derivative


def _activation_checks() -> list[Check]:
    z = lambda: (Z,)  # noqa: E731
    column = lambda: (to_matrix(Z),)  # noqa: E731
    return [
        sampled_equation("eq-sigmoid", z, column),
        sampled_equation("eq-sigmoid-derivative", z, column),
        sampled_equation("eq-tanh", z, column),
        sampled_equation("eq-tanh-derivative", z, column),
        derivative_of("sigmoid' against the derivative of the sigmoid", ("eq-sigmoid-derivative",),
                      lambda v: 1 / (1 + np.exp(-v)), _slope("eq-sigmoid-derivative", act.sigmoid), Z),
        derivative_of("tanh' against the derivative of tanh", ("eq-tanh-derivative",),
                      np.tanh, _slope("eq-tanh-derivative", act.tanh), Z),
    ]


ACTIVATION_MISTAKES: tuple[Mistake, ...] = (
    _m("sigmoid-slope-without-square", "eq-sigmoid-derivative", "A square missing",
       r"$\sigma'(z) = e^{-z}/(1 + e^{-z})^2$; without the square it is $1 - \sigma(z)$.",
       r"\sigma'(z) = \frac{e^{-z}}{1 + e^{-z}}",
       lambda z, out=None: 1 - 1 / (1 + np.exp(-z)), "activations"),
    _m("tanh-slope-without-square", "eq-tanh-derivative", "A square missing",
       r"$\tanh'(z) = 1 - \tanh^2(z)$, not $1 - \tanh(z)$.", r"\tanh'(z) = 1 - \tanh(z)",
       lambda z, out=None: 1 - np.tanh(z), "activations"),
)

ACTIVATIONS = declare(Model(
    name="activations",
    title="Activations and their slopes",
    equations=("eq-sigmoid", "eq-sigmoid-derivative", "eq-tanh", "eq-tanh-derivative"),
    parameters=(),
    checks=_activation_checks,
    mistakes=ACTIVATION_MISTAKES,
    order=10,
))
