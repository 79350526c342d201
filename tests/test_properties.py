"""Properties over random networks: sizes, activations, seeds and scales drawn by hypothesis.

Two properties hold for *every* small vanilla RNN, not only for the fixed cases of the other tests:

1. BPTT's gradients (of every parameter, of h^0 and of every input x^t) equal complex-step
   derivatives of the loss, which have no cancellation and so are exact to float64 rounding.
2. The NumPy forward pass equals its SymPy twin unrolled over the same steps and evaluated at
   50 digits.

A property that cannot fail proves nothing, so the same property is run against plausible wrong
backward passes: hypothesis must find a counterexample, and shrinking must reduce it to the
smallest network that can show the mistake (a dropped recurrent term needs two steps; a missing
transpose needs two steps and two hidden units, since a 1 × 1 matrix is its own transpose).

The number of examples comes from the hypothesis profile (tests/conftest.py): a few per property
by default, many with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from rnn_math.core import activations
from rnn_math.rnn import forward
from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.mistakes import rnn_gradients, wrong_bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.unrolled import sequence_loss
from rnn_math.symbolic.rnn import forward as sym
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix
from rnn_math.verification.gradcheck import complex_step

#: BPTT against complex step. Both are exact up to rounding (about 1e-15 relative); a sum over
#: steps can cancel, so allow a margin of a few hundred. Any wrong formula misses by far more.
COMPLEX_AGREES = 1e-12
#: ...plus an absolute floor, relative to the largest gradient of the network. Behind a saturated
#: unit σ'(z) = 1 − h² (or h(1 − h)) is a difference of nearly equal numbers: its error is about
#: ε in absolute terms, not relative to the tiny slope, so a gradient that reaches h^0 only through
#: such a unit is exact to ε·max|∂L/∂·|, not to ε·|itself|. Hypothesis found this (tanh, z ≈ 6).
ABSOLUTE_FLOOR = 1e-14
#: NumPy forward values against the 50-digit twin: a few float64 roundings per step.
TWIN_AGREES = 1e-13

ACTIVATIONS = ("sigmoid", "tanh")


@dataclass(frozen=True)
class Case:
    """One small network and one batch of data for it."""

    T: int
    d: int
    D_h: int
    V: int
    batch: int | None  # None: a single sequence without a batch axis
    activation: str
    seed: int
    scale: float

    @property
    def params(self) -> RNNParams:
        return RNNParams.random(d=self.d, D_h=self.D_h, V=self.V, seed=self.seed, scale=self.scale)

    def data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs (unit-variance reals), targets and a non-zero initial state, from the seed."""
        rng = np.random.default_rng(self.seed + 1)
        lead = () if self.batch is None else (self.batch,)
        xs = rng.standard_normal((*lead, self.T, self.d))
        targets = rng.integers(0, self.V, (*lead, self.T))
        h_0 = rng.uniform(-1, 1, (*lead, self.D_h))
        return xs, targets, h_0


@st.composite
def cases(
    draw: st.DrawFn, max_T: int = 4, max_d: int = 3, max_D_h: int = 4, max_V: int = 5, batches=(None, 1, 3)
) -> Case:
    """Small networks; every draw shrinks towards the smallest and simplest (T = d = D_h = 1, |V| = 2)."""
    return Case(
        T=draw(st.integers(1, max_T)),
        d=draw(st.integers(1, max_d)),
        D_h=draw(st.integers(1, max_D_h)),
        V=draw(st.integers(2, max_V)),
        batch=draw(st.sampled_from(batches)),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        seed=draw(st.integers(0, 2**32 - 1)),
        scale=draw(st.floats(0.05, 2.0)),
    )


def worst_complex_step_error(case: Case, backward=None) -> float:
    """Largest error of `backward`'s gradients (default: `bptt`) against complex step.

    For every parameter, and for h^0 and the inputs, ‖g − ĝ‖ / (‖ĝ‖ + ABSOLUTE_FLOOR / COMPLEX_AGREES · G)
    with ĝ the complex-step gradient, entry by entry, and G the largest ‖ĝ‖ of the network.
    """
    params = case.params
    xs, targets, h_0 = case.data()
    result = (backward or bptt)(params, xs, targets, activation=case.activation, h_0=h_0)
    point = {**params.as_dict(), "h_0": h_0, "xs": xs}
    grads = {**result.grads.as_dict(), "h_0": result.grad_h_0, "xs": result.grad_xs}
    loss = partial(sequence_loss, xs=None, targets=targets, activation=case.activation)
    estimates = {
        name: np.array([complex_step(loss, point, name, i) for i in range(value.size)]).reshape(value.shape)
        for name, value in point.items()
    }
    largest = max(np.linalg.norm(estimate) for estimate in estimates.values())
    floor = ABSOLUTE_FLOOR / COMPLEX_AGREES * largest
    return max(
        float(np.linalg.norm(grads[name] - estimates[name]) / (np.linalg.norm(estimates[name]) + floor))
        for name in point
    )


@pytest.mark.equation(
    "eq-bptt-output-grad",
    "eq-bptt-grad-u",
    "eq-bptt-grad-b2",
    "eq-bptt-hidden-grad",
    "eq-bptt-delta",
    "eq-bptt-grad-wh",
    "eq-bptt-grad-we",
    "eq-bptt-grad-b1",
    "eq-bptt-grad-h0",
    "eq-bptt-grad-x",
)
@given(cases())
def test_bptt_gradients_equal_complex_step_derivatives_for_any_small_network(case: Case):
    assert worst_complex_step_error(case) <= COMPLEX_AGREES


@pytest.mark.equation("eq-forward-z", "eq-forward-h", "eq-forward-theta", "eq-softmax", "eq-loss-step", "eq-loss-total")
@given(cases().filter(lambda case: case.batch is None))
def test_forward_pass_equals_its_sympy_twin_at_50_digits_for_any_small_network(case: Case):
    params = case.params
    xs, targets, h_0 = case.data()
    result = forward.forward(params, xs, targets, activation=case.activation, h_0=h_0)
    twin = sym.forward(
        *(to_matrix(value) for value in params.as_dict().values()),
        [to_matrix(x) for x in xs],
        [int(k) for k in targets],
        activation=case.activation,
        h_0=to_matrix(h_0),
    )
    assert relative_error(result.h[1:], np.hstack([evaluate(h) for h in twin.h[1:]]).T) <= TWIN_AGREES
    assert relative_error(result.theta, np.hstack([evaluate(theta) for theta in twin.theta]).T) <= TWIN_AGREES
    twin_y_hat = np.hstack([evaluate(sym.softmax(theta)) for theta in twin.theta]).T
    assert relative_error(result.y_hat, twin_y_hat) <= TWIN_AGREES
    # The loss is log Σ e^θ − θ_k: a difference, whose rounding error is relative to its operands
    # (|θ| ≲ 10 here) rather than to the loss itself, which can be small.
    operands = np.sum(np.abs(result.theta).max(axis=-1)) + result.loss
    assert abs(result.loss - float(evaluate(twin.loss))) <= TWIN_AGREES * operands


@pytest.mark.equation("eq-sigmoid-derivative", "eq-tanh-derivative")
@given(st.sampled_from(ACTIVATIONS), st.floats(-40.0, 40.0))
def test_activation_derivative_equals_the_complex_step_slope_of_the_activation(name: str, z: float):
    activation = activations.get_activation(name)
    step = 1e-20
    slope = np.imag(activation.function(np.array([z + 1j * step]))[0]) / step
    # 1 − s² and s(1 − s) cancel where σ saturates: exact to ε in absolute terms (relative to the
    # bound γ = max σ'), not relative to a tiny slope.
    tolerance = 1e-13 * abs(slope) + 4 * np.finfo(np.float64).eps * activation.derivative_bound
    assert abs(activation.derivative(np.array([z]))[0] - slope) <= tolerance


# Negative controls: the property above must fail for a wrong backward pass, and hypothesis must
# shrink the failure to the smallest network that shows it. The wrong backward passes are the
# catalogue's (rnn_math.rnn.mistakes), substituted into BPTT composed from the equation functions.


def _smallest_failing_case(mistake: str) -> Case:
    wrong = partial(wrong_bptt, mistake)
    # Smaller bounds than the property's own (which hold the answers): every shrinking step costs
    # a complex-step gradient, and the big networks it tries first would make this slow.
    return find(
        cases(max_T=3, max_d=2, max_D_h=3, max_V=3, batches=(None, 2)),
        lambda case: worst_complex_step_error(case, wrong) > COMPLEX_AGREES,
        settings=settings(max_examples=100, database=None, derandomize=True, phases=(Phase.generate, Phase.shrink)),
    )


def test_the_composition_the_mistakes_are_substituted_into_passes_the_property_unaltered():
    # The negative controls below are only meaningful if what they alter is itself right.
    case = Case(T=3, d=2, D_h=3, V=4, batch=2, activation="tanh", seed=5, scale=0.8)
    assert worst_complex_step_error(case, rnn_gradients) <= COMPLEX_AGREES


@pytest.mark.parametrize(
    ("mistake", "smallest_T", "smallest_D_h"),
    [
        ("slope-at-hidden-state", 1, 1),  # σ'(h) ≠ σ'(z) already at one step and one unit
        ("output-gradient-sign", 1, 1),
        ("no-recurrent-term", 2, 1),  # the term W_hᵀ δ^{t+1} exists only from two steps on
        ("last-step-only", 2, 1),  # with one step the last term is the whole sum
        ("untransposed-recurrent-weights", 2, 2),  # needs the recursion and a matrix unequal to its transpose
    ],
)
def test_shrinking_reports_the_smallest_network_that_shows_a_wrong_gradient(mistake, smallest_T, smallest_D_h):
    case = _smallest_failing_case(mistake)
    assert (case.T, case.D_h) == (smallest_T, smallest_D_h)
    assert (case.d, case.V, case.batch) == (1, 2, None)
