"""Content of the BPTT page computed when the site is built: each step's share of the tied gradients."""

from __future__ import annotations

from functools import cache, partial

import numpy as np

from rnn_math.rnn.bptt import BPTTResult, bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.unrolled import step_contributions, untie, untied_loss
from rnn_math.verification.gradcheck import check_gradients
from rnn_math_docs.formatting import markdown_table, number, scientific

#: The example of the page: four steps, three hidden units, tanh, a seeded sequence.
T, D_H, D, V = 4, 3, 2, 4
ACTIVATION = "tanh"
NAMES = ("W_h", "W_e", "b_1", "U", "b_2")
SYMBOLS = {"W_h": "W_h", "W_e": "W_e", "b_1": "b_1", "U": "U", "b_2": "b_2"}


@cache
def example() -> tuple[RNNParams, np.ndarray, np.ndarray, BPTTResult]:
    """The page's example network, its inputs and targets, and its BPTT result."""
    rng = np.random.default_rng(2)
    params = RNNParams.random(d=D, D_h=D_H, V=V, seed=2, scale=0.8)
    xs, targets = rng.standard_normal((T, D)), rng.integers(0, V, T)
    return params, xs, targets, bptt(params, xs, targets, activation=ACTIVATION)


@cache
def _contributions() -> dict[str, np.ndarray]:
    params, xs, _, result = example()
    return step_contributions(result, xs)


def contributions() -> str:
    """Norm of each step's term of every tied-weight gradient (the gradient of its copy at step t),
    the norm of their sum, and the norm of the tied gradient."""
    _, _, _, result = example()
    terms = _contributions()
    tied = result.grads.as_dict()
    rows = [
        [
            f"${SYMBOLS[n]}$",
            *(number(np.linalg.norm(terms[n][t])) for t in range(T)),
            number(np.linalg.norm(terms[n].sum(axis=0))),
            number(np.linalg.norm(tied[n])),
        ]
        for n in NAMES
    ]
    header = ["parameter", *(f"step {t + 1}" for t in range(T)), "sum of the steps", "tied gradient"]
    largest = max(float(np.max(np.abs(terms[n].sum(axis=0) - tied[n]))) for n in NAMES)
    return (
        markdown_table(header, rows, "l" + "r" * (T + 2))
        + f"\n\nLargest difference between an entry of $\\sum_t$ of the terms and of the tied gradient: "
        f"${scientific(largest)}$ (float64 rounding)."
    )


def copies_check() -> str:
    """The copies' gradients measured by complex step against the per-step terms, per parameter."""
    params, xs, targets, _ = example()
    loss = partial(untied_loss, xs=xs, targets=targets, activation=ACTIVATION)
    report = check_gradients(loss, untie(params.as_dict(), T), _contributions(), methods=("complex",))
    rows = [
        [
            f"${SYMBOLS[r.parameter]}^{{(1)}}, \\dots, {SYMBOLS[r.parameter]}^{{({T})}}$",
            str(r.checked),
            f"${scientific(r.normwise_error)}$",
        ]
        for r in report.rows
    ]
    return markdown_table(["copies", "entries perturbed", "norm-wise relative error"], rows, "lrr")


def setting() -> str:
    """One sentence describing the example, with its sizes and loss."""
    _, _, targets, result = example()
    return (
        f"$T = {T}$ steps, $D_h = {D_H}$ tanh units, inputs of width $d = {D}$, $|V| = {V}$ classes, "
        f"targets $k = ({', '.join(str(int(k)) for k in targets)})$, parameters drawn from "
        f"$\\mathcal{{N}}(0, 0.8^2)$ with random seed 2; loss $L = {number(result.loss)}$"
    )


#: The saturated pre-activation of the BPTT page's example of a cancelling slope.
SATURATED_Z = 30.0


def saturated_slope_example() -> str:
    """A tanh unit at SATURATED_Z: the stored h, the slope 1 − h² from it, and tanh'(z) from z."""
    from rnn_math.core.activations import tanh_derivative

    h = float(np.tanh(SATURATED_Z))
    from_h = 1.0 - h * h
    h_text = "1" if h == 1.0 else number(h, 17)
    return (
        f"A tanh unit at $z = {SATURATED_Z:g}$ has $h = {h_text}$ in float64, so $1 - h^2 = "
        f"{scientific(from_h) if from_h else '0'}$, while the true slope is "
        f"${scientific(float(tanh_derivative(SATURATED_Z)))}$"
    )
