"""The training equations, declared as a group (clipping and the activations are in `core_groups`).

Each equation's NumPy function is compared with its SymPy twin at 50 digits on sample inputs, and
each group's catalogue of mistakes (a plausible wrong version of each equation, with the
registered function's signature) must be rejected by that comparison. The activations' slopes
are also checked against central differences and complex step of the activations themselves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnn_math.core.optimizers import ADAGRAD_EPSILON
from rnn_math.verification.checks import sampled_equation
from rnn_math.verification.declaration import Check, Model, declare
from rnn_math.verification.evaluate import evaluate, exact, to_matrix
from rnn_math.verification.mistakes import Mistake

_rng = np.random.default_rng(11)
P, G, M = _rng.standard_normal((3, 4)), _rng.standard_normal((3, 4)) * 3, _rng.uniform(0.5, 4.0, (3, 4))
ETA, NATS, THETA = 0.1, 1.7, _rng.uniform(-3, 3, 6)
ADAM_M, ADAM_V, ADAM_G = _rng.standard_normal((3, 3, 2))
ADAM_V = ADAM_V * ADAM_V
STEP_LOSSES = _rng.uniform(0.2, 3.0, 5)


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
            "eq-adagrad-update",
            lambda: (P, G, M, ETA),
            lambda: (to_matrix(P), to_matrix(G), to_matrix(M), e(ETA), e(ADAGRAD_EPSILON)),
        ),
        sampled_equation(
            "eq-adam-moments",
            lambda: (ADAM_M, ADAM_V, ADAM_G, 0.9, 0.999),
            lambda: (to_matrix(ADAM_M), to_matrix(ADAM_V), to_matrix(ADAM_G), e(0.9), e(0.999)),
            numpy_result=_pair,
            sympy_result=_evaluate_pair,
        ),
        sampled_equation(
            "eq-adam-update",
            lambda: (P[:, :2], ADAM_M, ADAM_V, 3, 0.01, 0.9, 0.999, 1e-8),
            lambda: (to_matrix(P[:, :2]), to_matrix(ADAM_M), to_matrix(ADAM_V), 3, e(0.01), e(0.9), e(0.999), e(1e-8)),
        ),
        sampled_equation(
            "eq-loss-per-char",
            lambda: (float(np.sum(STEP_LOSSES)), STEP_LOSSES.size),
            lambda: ([e(v) for v in STEP_LOSSES],),
        ),
        sampled_equation("eq-bits-per-char", lambda: (NATS,), lambda: (e(NATS),)),
        sampled_equation("eq-perplexity", lambda: (NATS,), lambda: (e(NATS),)),
        sampled_equation("eq-uniform-loss", lambda: (27,), lambda: (27,)),
        sampled_equation("eq-smoothed-loss", lambda: (3.2, 2.1, 0.99), lambda: (e(3.2), e(2.1), e(0.99))),
        sampled_equation("eq-sample-temperature", lambda: (THETA, 0.7), lambda: (to_matrix(THETA), e(0.7))),
    ]


def group_mistake(
    name: str, eq_id: str, title: str, description: str, wrong_latex: str, numpy: Any, model: str
) -> Mistake:
    return Mistake(name, model, title, description, wrong_latex, numpy={eq_id: numpy})


TRAINING_MISTAKES: tuple[Mistake, ...] = (
    group_mistake(
        "sgd-up-the-gradient",
        "eq-sgd-update",
        "A step up the gradient",
        r"Adding $\eta\, g$ climbs the loss.",
        r"p \leftarrow p + \eta\, g",
        lambda p, g, eta: p + eta * g,
        "training",
    ),
    group_mistake(
        "adagrad-absolute-values",
        "eq-adagrad-memory",
        r"$|g|$ summed instead of $g^2$",
        r"The memory sums squares, not absolute values.",
        r"M \leftarrow M + |g|",
        lambda memory, g: memory + np.abs(g),
        "training",
    ),
    group_mistake(
        "adagrad-without-root",
        "eq-adagrad-update",
        "Divided by the memory, not its root",
        r"The step divides by $\sqrt{M + \epsilon}$; dividing by $M$ shrinks it far too fast.",
        r"p \leftarrow p - \eta\, g / (M + \epsilon)",
        lambda p, g, memory, eta, epsilon=ADAGRAD_EPSILON: p - eta * g / (memory + epsilon),
        "training",
    ),
    group_mistake(
        "adam-weights-swapped",
        "eq-adam-moments",
        r"$\beta_1$ and $1 - \beta_1$ swapped",
        r"The running average would forget at once.",
        r"m \leftarrow (1 - \beta_1) m + \beta_1 g",
        lambda m, v, g, b1, b2: ((1 - b1) * m + b1 * g, b2 * v + (1 - b2) * g * g),
        "training",
    ),
    group_mistake(
        "adam-without-bias-correction",
        "eq-adam-update",
        "Start-up bias not removed",
        r"Without dividing by $1 - \beta^n$ the first steps are far too small.",
        r"p \leftarrow p - \eta\, m / (\sqrt{v} + \epsilon)",
        lambda p, m, v, n, eta, b1, b2, epsilon: p - eta * m / (np.sqrt(v) + epsilon),
        "training",
    ),
    group_mistake(
        "loss-per-char-off-by-one",
        "eq-loss-per-char",
        r"$T - 1$ in the denominator",
        r"The loss is averaged over all $T$ characters.",
        r"\bar{L} = L / (T - 1)",
        lambda loss, n_chars: loss / (n_chars - 1),
        "training",
    ),
    group_mistake(
        "bits-in-the-wrong-base",
        "eq-bits-per-char",
        "The wrong base",
        r"Bits divide nats by $\ln 2$, not $\ln 10$.",
        r"\text{bpc} = \bar{L} / \ln 10",
        lambda nats: nats / math.log(10),
        "training",
    ),
    group_mistake(
        "perplexity-base-two-of-nats",
        "eq-perplexity",
        "Base 2 with a loss in nats",
        r"Perplexity is $e^{\bar{L}}$ for a loss in nats.",
        r"\text{PP} = 2^{\bar{L}}",
        lambda nats: 2**nats,
        "training",
    ),
    group_mistake(
        "uniform-loss-in-bits",
        "eq-uniform-loss",
        "Bits where nats are meant",
        r"The uniform loss is $\ln |V|$ in nats.",
        r"L_{\text{uniform}} = \log_2 |V|",
        lambda vocab_size: math.log2(vocab_size),
        "training",
    ),
    group_mistake(
        "smoothing-weights-swapped",
        "eq-smoothed-loss",
        "Weights swapped",
        r"The previous average keeps the weight $\beta$.",
        r"\bar{L} \leftarrow (1 - \beta)\bar{L} + \beta L",
        lambda previous, current, beta: (1 - beta) * previous + beta * current,
        "training",
    ),
    group_mistake(
        "temperature-multiplied",
        "eq-sample-temperature",
        r"Multiplied by $\tau$",
        r"The logits are divided by the temperature $\tau$.",
        r"p = \operatorname{softmax}(\tau\,\theta)",
        lambda theta, tau: np.exp(theta * tau) / np.exp(theta * tau).sum(),
        "training",
    ),
)

TRAINING = declare(
    Model(
        name="training",
        title="Training: update rules, loss measures, sampling",
        equations=(
            "eq-sgd-update",
            "eq-adagrad-memory",
            "eq-adagrad-update",
            "eq-adam-moments",
            "eq-adam-update",
            "eq-loss-per-char",
            "eq-bits-per-char",
            "eq-perplexity",
            "eq-uniform-loss",
            "eq-smoothed-loss",
            "eq-sample-temperature",
        ),
        parameters=(),
        checks=_training_checks,
        mistakes=TRAINING_MISTAKES,
        order=50,
    )
)


__all__ = ["TRAINING", "group_mistake"]
