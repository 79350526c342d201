"""The LSTM's fast path equals the step-by-step composer, per gradient, and stays exact in saturation.

The reference is [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients], one registered
equation per step, proven by the engine. Every comparison is also shown to fail on a planted wrong
fast path (the module's source with one line changed), so the tolerances are not vacuous.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from rnn_math.lstm import fast_path
from rnn_math.lstm.composer import lstm_gradients
from rnn_math.lstm.declaration import LSTM, twin_reference
from rnn_math.lstm.fast_path import lstm_fast_gradients
from rnn_math.lstm.params import GATE_ORDER, PARAMETER_NAMES, LSTMParams
from rnn_math.symbolic.lstm.backward import closed_form_gradients
from rnn_math.verification.evaluate import evaluate, to_matrix

#: float64: a few roundings, relative to each array's largest entry.
AGREES_64 = 1e-13
#: float32 against the float64 composer: single-precision rounding over the steps.
AGREES_32 = 1e-4
#: A planted slip must miss by far more than rounding explains.
DISAGREES = 1e-3

RESULT_ARRAYS = ("grad_h_0", "grad_c_0", "grad_xs", "deltas", "grad_c", "output_grads")
FORWARD_ARRAYS = ("a", "i", "f", "g", "o", "c", "h", "theta", "y_hat", "step_losses")


def batch(B: int = 4, T: int = 6, d: int = 3, D_h: int = 5, V: int = 7, seed: int = 3, dtype=np.float64):
    """A batch whose sequences differ in content and scale: inputs, targets and initial states."""
    rng = np.random.default_rng(seed)
    params = LSTMParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.7, dtype=dtype)
    xs = rng.standard_normal((B, T, d)) * np.array([0.3, 1.0, 3.0, 0.0] * B)[:B, None, None]  # one all-zero sequence
    targets = rng.integers(0, V, (B, T))
    h_0, c_0 = rng.uniform(-1, 1, (B, D_h)), rng.uniform(-2, 2, (B, D_h))
    return params, xs.astype(dtype), targets, h_0.astype(dtype), c_0.astype(dtype)


def relative(got: Any, expected: Any) -> float:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    return float(np.max(np.abs(got - expected)) / max(float(np.max(np.abs(expected))), 1e-300))


def outputs(result) -> dict[str, Any]:
    """Every gradient and intermediate a result holds, by name."""
    named = {f"grad_{name}": result.grads[name] for name in PARAMETER_NAMES}
    named |= {name: getattr(result, name) for name in RESULT_ARRAYS}
    named |= {f"forward.{name}": getattr(result.forward, name) for name in FORWARD_ARRAYS}
    return named | {"loss": result.loss}


COMPARED = tuple(outputs(lstm_gradients(*batch()[:3])))


@pytest.fixture(scope="module")
def composed_and_fast():
    params, xs, targets, h_0, c_0 = batch()
    return (
        outputs(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)),
        outputs(lstm_fast_gradients(params, xs, targets, h_0=h_0, c_0=c_0)),
    )


@pytest.mark.parametrize("name", COMPARED)
def test_each_gradient_and_intermediate_equals_the_composer_in_float64(composed_and_fast, name):
    composed, fast = composed_and_fast
    assert relative(fast[name], composed[name]) < AGREES_64


def test_each_sequence_of_a_batch_gets_its_own_gradients():
    params, xs, targets, h_0, c_0 = batch()
    whole = lstm_fast_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    alone = [lstm_fast_gradients(params, xs[b], targets[b], h_0=h_0[b], c_0=c_0[b]) for b in range(len(xs))]
    for name in PARAMETER_NAMES:  # the tied sums add the sequences' sums
        assert relative(whole.grads[name], sum(r.grads[name] for r in alone)) < AGREES_64
    for b, r in enumerate(alone):
        assert relative(whole.grad_xs[b], r.grad_xs[0]) < AGREES_64
        assert relative(whole.grad_c_0[b], r.grad_c_0[0]) < AGREES_64


def test_float32_agrees_with_the_float64_composer():
    params64, xs, targets, h_0, c_0 = batch()
    params32, xs32, _, h32, c32 = batch(dtype=np.float32)
    composed = outputs(lstm_gradients(params64, xs, targets, h_0=h_0, c_0=c_0))
    fast = outputs(lstm_fast_gradients(params32, xs32, targets, h_0=h32, c_0=c32))
    assert fast["grad_W_hh"].dtype == np.float32
    errors = {name: relative(fast[name], composed[name]) for name in COMPARED}
    assert max(errors.values()) < AGREES_32, errors


def planted(old: str, new: str) -> Any:
    """The fast path's `lstm_fast_gradients` with one line of its source replaced (a plausible slip)."""
    source = inspect.getsource(fast_path)
    assert source.count(old) == 1, old  # the planted line must exist, or the control proves nothing
    namespace: dict[str, Any] = {"__name__": fast_path.__name__}
    exec(compile(source.replace(old, new), fast_path.__file__, "exec"), namespace)
    return namespace["lstm_fast_gradients"]


CELL_PATH = "grad_c[t] += product"
SLIPS = {
    "the cell path f^{t+1} dL/dc^{t+1} dropped": (CELL_PATH, "pass  #", "grad_c_0"),
    "the forget gate's error paired with c^t": (
        "(1, states.c[t], grad_c[t])",
        "(1, states.c[t + 1], grad_c[t])",
        "grad_W_hh",
    ),
    "the recurrent product left out of the backward loop": ("grad_h += from_next", "pass", "grad_W_ih"),
    "the output gate paired with c^t instead of tanh(c^t)": (
        "(3, states.tanh_c[t], grad_h)",
        "(3, states.c[t + 1], grad_h)",
        "grad_b_ih",
    ),
}


@pytest.mark.parametrize("slip", SLIPS)
def test_a_planted_slip_in_the_fast_path_is_caught_by_the_same_comparison(composed_and_fast, slip):
    old, new, name = SLIPS[slip]
    params, xs, targets, h_0, c_0 = batch()
    wrong = outputs(planted(old, new)(params, xs, targets, h_0=h_0, c_0=c_0))
    composed, _ = composed_and_fast
    assert relative(wrong[name], composed[name]) > DISAGREES


# Exact in saturation: compared with the twins at 50 digits.


def saturated() -> tuple[LSTMParams, Any, Any, Any, Any]:
    """The forget gate within e⁻³⁰ of 1, the input gate within e⁻³⁰ of 0, a cell state near ±30 (tanh rounds to ±1)."""
    rng = np.random.default_rng(5)
    T, D_h, d, V = 3, 2, 2, 3
    params = LSTMParams.random(d=d, D_h=D_h, V=V, seed=5, scale=0.5)
    b_ih = params.b_ih.copy()
    b_ih[D_h : 2 * D_h] += 30.0  # forget gate
    b_ih[:D_h] -= 30.0  # input gate
    arrays = params.as_dict() | {"b_ih": b_ih}
    xs, targets = rng.standard_normal((T, d)), rng.integers(0, V, T)
    return LSTMParams(**arrays), xs, targets, rng.uniform(-0.5, 0.5, D_h), np.array([30.0, -30.0])


def fifty_digit_gradients(params: LSTMParams, xs, targets, h_0, c_0) -> dict[str, Any]:
    exact = {name: to_matrix(v) for name, v in params.as_dict().items()}
    closed = closed_form_gradients(
        exact, [to_matrix(x) for x in xs], list(targets), h_0=to_matrix(h_0), c_0=to_matrix(c_0)
    )
    grads = closed.gradients
    named = {name: evaluate(grads[name]).reshape(params.as_dict()[name].shape) for name in PARAMETER_NAMES}
    return named | {"h_0": evaluate(grads["h_0"]).ravel(), "c_0": evaluate(grads["c_0"]).ravel()}


def gate_blocks(grads: dict[str, Any], D_h: int) -> dict[str, Any]:
    """Each stacked gradient split into its four gates' rows, so that a tiny gate's rows are compared on their own."""
    blocks = {}
    for name, value in grads.items():
        if name in ("W_ih", "W_hh", "b_ih", "b_hh"):
            blocks |= {f"{name}[{g}]": value[k * D_h : (k + 1) * D_h] for k, g in enumerate(GATE_ORDER)}
        else:
            blocks[name] = value
    return blocks


def named(result) -> dict[str, Any]:
    return dict(result.grads) | {"h_0": result.grad_h_0[0], "c_0": result.grad_c_0[0]}


def test_the_fast_path_is_exact_to_rounding_where_the_gates_and_the_cell_saturate():
    params, xs, targets, h_0, c_0 = saturated()
    expected = gate_blocks(fifty_digit_gradients(params, xs, targets, h_0, c_0), 2)
    got = gate_blocks(named(lstm_fast_gradients(params, xs, targets, h_0=h_0, c_0=c_0)), 2)
    errors = {name: relative(got[name], expected[name]) for name in expected}
    assert max(errors.values()) < 1e-12, errors


def test_a_slope_taken_from_the_gate_values_fails_the_saturated_comparison():
    params, xs, targets, h_0, c_0 = saturated()
    expected = gate_blocks(fifty_digit_gradients(params, xs, targets, h_0, c_0), 2)
    textbook = planted(
        "slope_from_exp(states.exps[t], delta, scratch)", "np.multiply(states.gates[t], 1 - states.gates[t], out=delta)"
    )
    got = gate_blocks(named(textbook(params, xs, targets, h_0=h_0, c_0=c_0)), 2)
    assert relative(got["W_ih[f]"], expected["W_ih[f]"]) > 1e-6  # a million times the tolerance above


def test_the_declared_fast_path_check_passes_against_the_twins():
    (check,) = [c for c in LSTM.checks() if c.name == "LSTM fast path against the twins at 50 digits"]
    assert check.side is None  # no mistake reaches code that takes no replacements
    errors = check.measure_outputs({})["fifty_digit"]
    assert set(errors) == set(twin_reference())
    assert max(errors.values()) <= check.tolerances["fifty_digit"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"params": "weights"}, "params: expected LSTMParams"),
        ({"xs": np.zeros((2, 6, 4))}, "xs"),
        ({"xs": np.zeros((4, 6, 3), dtype=np.float32)}, "xs: expected dtype float64"),
        ({"targets": np.zeros((4, 5), dtype=int)}, "targets: expected shape"),
        ({"targets": np.full((4, 6), 7)}, "targets"),
        ({"h_0": np.zeros((3, 5))}, "h_0: expected shape"),
        ({"c_0": np.zeros(4)}, "c_0: expected shape"),
        ({"c_0": np.full((4, 5), np.nan)}, "c_0"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(change, message):
    params, xs, targets, h_0, c_0 = batch()
    call = {"params": params, "xs": xs, "targets": targets, "h_0": h_0, "c_0": c_0} | change
    with pytest.raises((TypeError, ValueError), match=message):
        lstm_fast_gradients(call["params"], call["xs"], call["targets"], h_0=call["h_0"], c_0=call["c_0"])


def test_an_overflowing_forward_pass_is_a_clear_error():
    params, xs, targets, h_0, c_0 = batch()
    b_2 = np.full(params.dims.V, -1e308)
    b_2[0] = 1e308  # the loss of every other target is 2e308: inf
    huge = LSTMParams(**(params.as_dict() | {"b_2": b_2}))
    with pytest.raises(ValueError, match="loss"):
        lstm_fast_gradients(huge, xs, targets, h_0=h_0, c_0=c_0)
