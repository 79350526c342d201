"""The core equations, declared as groups: gradient clipping and the activations' slopes.

Each equation's NumPy function is compared with its SymPy twin at 50 digits on sample inputs, and
the slopes also against central differences and complex step of the activations themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_math.core import activations as act
from rnn_math.verification.checks import arguments, derivative_of, sampled_equation, worst_of
from rnn_math.verification.declaration import Check, Model, Replacements, declare, equation_functions
from rnn_math.verification.evaluate import evaluate, exact, to_matrix
from rnn_math.verification.groups import group_mistake
from rnn_math.verification.mistakes import Mistake

Z = np.linspace(-4.0, 4.0, 9)


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
    entries = {
        "W_h": np.random.default_rng(11).uniform(-9, 9, (4, 4)),
        "b_1": np.random.default_rng(12).uniform(-9, 9, 4),
    }

    def twin(grads: dict[str, np.ndarray]) -> dict[str, Any]:
        return {name: to_matrix(v) for name, v in grads.items()}

    return [
        sampled_equation("eq-grad-global-norm", lambda: (norm_of,), lambda: (twin(norm_of),)),
        worst_of(
            "eq-clip-global-norm at 50 digits, above and below the threshold",
            [
                sampled_equation(
                    "eq-clip-global-norm",
                    arguments(g, 2.5),
                    arguments(twin(g), exact(2.5)),
                    numpy_result=_flat_clipped,
                    sympy_result=_evaluate_clipped,
                )
                for g in (above, below)
            ],
        ),
        sampled_equation(
            "eq-clip-elementwise",
            lambda: (entries, 5.0),
            lambda: (twin(entries), exact(5.0)),
            numpy_result=_flat,
            sympy_result=_evaluate_flat,
        ),
    ]


def _per_parameter_clip(grads: dict[str, np.ndarray], max_norm: float):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {
        n: g * (max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > max_norm else g.copy() for n, g in grads.items()
    }, norm


def _always_rescale(grads: dict[str, np.ndarray], max_norm: float):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    return {n: g * (max_norm / norm) for n, g in grads.items()}, norm


CLIPPING_MISTAKES: tuple[Mistake, ...] = (
    group_mistake(
        "sum-of-parameter-norms",
        "eq-grad-global-norm",
        "Sum of the parameters' norms",
        r"The global norm is the root of the sum of all squares, not $\sum_p \lVert g_p \rVert$.",
        r"\lVert g \rVert = \sum_p \lVert g_p \rVert",
        lambda grads: sum(float(np.linalg.norm(v)) for v in grads.values()),
        "clipping",
    ),
    group_mistake(
        "clip-each-parameter",
        "eq-clip-global-norm",
        "Each parameter clipped separately",
        r"Clipping each $g_p$ to its own norm changes the direction of the whole gradient.",
        r"g_p \leftarrow \frac{c}{\lVert g_p \rVert} g_p",
        _per_parameter_clip,
        "clipping",
    ),
    group_mistake(
        "always-rescale",
        "eq-clip-global-norm",
        "Always rescaled",
        r"A gradient already shorter than $c$ must be left alone.",
        r"g \leftarrow \frac{c}{\lVert g \rVert} g",
        _always_rescale,
        "clipping",
    ),
    group_mistake(
        "upper-bound-only",
        "eq-clip-elementwise",
        "Lower bound forgotten",
        r"Element-wise clipping bounds each entry to $[-c, c]$, not only from above.",
        r"g_i \leftarrow \min(g_i, c)",
        lambda grads, limit: {n: np.minimum(g, limit) for n, g in grads.items()},
        "clipping",
    ),
)

CLIPPING = declare(
    Model(
        name="clipping",
        title="Gradient clipping",
        equations=("eq-grad-global-norm", "eq-clip-global-norm", "eq-clip-elementwise"),
        parameters=(),
        checks=_clipping_checks,
        mistakes=CLIPPING_MISTAKES,
        order=60,
    )
)


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
        derivative_of(
            "sigmoid' against the derivative of the sigmoid",
            ("eq-sigmoid-derivative",),
            lambda v: 1 / (1 + np.exp(-v)),
            _slope("eq-sigmoid-derivative", act.sigmoid),
            Z,
        ),
        derivative_of(
            "tanh' against the derivative of tanh",
            ("eq-tanh-derivative",),
            np.tanh,
            _slope("eq-tanh-derivative", act.tanh),
            Z,
        ),
    ]


ACTIVATION_MISTAKES: tuple[Mistake, ...] = (
    group_mistake(
        "sigmoid-slope-without-square",
        "eq-sigmoid-derivative",
        "A square missing",
        r"$\sigma'(z) = e^{-z}/(1 + e^{-z})^2$; without the square it is $1 - \sigma(z)$.",
        r"\sigma'(z) = \frac{e^{-z}}{1 + e^{-z}}",
        lambda z, out=None: 1 - 1 / (1 + np.exp(-z)),
        "activations",
    ),
    group_mistake(
        "tanh-slope-without-square",
        "eq-tanh-derivative",
        "A square missing",
        r"$\tanh'(z) = 1 - \tanh^2(z)$, not $1 - \tanh(z)$.",
        r"\tanh'(z) = 1 - \tanh(z)",
        lambda z, out=None: 1 - np.tanh(z),
        "activations",
    ),
)

ACTIVATIONS = declare(
    Model(
        name="activations",
        title="Activations and their slopes",
        equations=("eq-sigmoid", "eq-sigmoid-derivative", "eq-tanh", "eq-tanh-derivative"),
        parameters=(),
        checks=_activation_checks,
        mistakes=ACTIVATION_MISTAKES,
        order=10,
    )
)


__all__ = ["ACTIVATIONS", "CLIPPING"]
