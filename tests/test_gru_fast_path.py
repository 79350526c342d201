"""The GRU's fast path equals the step-by-step composer, per gradient, in both forms, and stays exact in saturation.

The reference is [`gru_gradients`][rnn_math.gru.passes.gru_gradients], one registered equation
per step, proven by the engine. Every comparison is also shown to fail on a planted wrong fast
path (the module's source with one line changed), so the tolerances are not vacuous.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from rnn_math.gru import fast_path
from rnn_math.gru.declaration import GRU
from rnn_math.gru.fast_path import gru_fast_gradients
from rnn_math.gru.params import PARAMETER_NAMES, GRUParams
from rnn_math.gru.passes import VARIANTS, gru_gradients
from rnn_math.symbolic.gru.composer import closed_forms, unrolled
from rnn_math.verification.evaluate import evaluate, to_matrix

#: float64: a few roundings, relative to each array's largest entry.
AGREES_64 = 1e-13
#: float32 against the float64 composer: single-precision rounding over the steps.
AGREES_32 = 1e-4
#: A planted slip must miss by far more than rounding explains.
DISAGREES = 1e-3

FORWARD_ARRAYS = ("a_r", "r", "a_z", "z", "a_n", "n", "h", "theta", "y_hat", "step_losses")


def batch(B: int = 4, T: int = 6, d: int = 3, D_h: int = 5, V: int = 7, seed: int = 3, dtype=np.float64):
    """A batch whose sequences differ in content and scale: inputs, targets and initial states."""
    rng = np.random.default_rng(seed)
    params = GRUParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.7, dtype=dtype)
    xs = rng.standard_normal((B, T, d)) * np.array([0.3, 1.0, 3.0, 0.0] * B)[:B, None, None]  # one all-zero sequence
    targets = rng.integers(0, V, (B, T))
    return params, xs.astype(dtype), targets, rng.uniform(-1, 1, (B, D_h)).astype(dtype)


def relative(got: Any, expected: Any) -> float:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    return float(np.max(np.abs(got - expected)) / max(float(np.max(np.abs(expected))), 1e-300))


def outputs(result) -> dict[str, Any]:
    """Every gradient and intermediate a result holds, by name."""
    named = {f"grad_{name}": result.grads[name] for name in PARAMETER_NAMES}
    named |= {f"delta_{g}": result.deltas[g] for g in "rzn"}
    named |= {name: getattr(result, name) for name in ("grad_h_0", "grad_xs", "output_grads", "carries")}
    named |= {f"forward.{name}": getattr(result.forward, name) for name in FORWARD_ARRAYS}
    return named | {"loss": result.loss}


COMPARED = tuple(outputs(gru_gradients(*batch()[:3])))


@pytest.fixture(scope="module", params=VARIANTS)
def composed_and_fast(request):
    params, xs, targets, h_0 = batch()
    variant = request.param
    return (
        variant,
        outputs(gru_gradients(params, xs, targets, variant=variant, h_0=h_0)),
        outputs(gru_fast_gradients(params, xs, targets, variant=variant, h_0=h_0)),
    )


@pytest.mark.parametrize("name", COMPARED)
def test_each_gradient_and_intermediate_equals_the_composer_in_float64(composed_and_fast, name):
    _, composed, fast = composed_and_fast
    assert relative(fast[name], composed[name]) < AGREES_64


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_sequence_of_a_batch_gets_its_own_gradients(variant):
    params, xs, targets, h_0 = batch()
    whole = gru_fast_gradients(params, xs, targets, variant=variant, h_0=h_0)
    alone = [gru_fast_gradients(params, xs[b], targets[b], variant=variant, h_0=h_0[b]) for b in range(len(xs))]
    for name in PARAMETER_NAMES:  # the tied sums add the sequences' sums
        assert relative(whole.grads[name], sum(r.grads[name] for r in alone)) < AGREES_64
    for b, r in enumerate(alone):
        assert relative(whole.grad_xs[b], r.grad_xs[0]) < AGREES_64
        assert relative(whole.grad_h_0[b], r.grad_h_0[0]) < AGREES_64


@pytest.mark.parametrize("variant", VARIANTS)
def test_float32_agrees_with_the_float64_composer(variant):
    params64, xs, targets, h_0 = batch()
    params32, xs32, _, h32 = batch(dtype=np.float32)
    composed = outputs(gru_gradients(params64, xs, targets, variant=variant, h_0=h_0))
    fast = outputs(gru_fast_gradients(params32, xs32, targets, variant=variant, h_0=h32))
    assert fast["grad_W_hn"].dtype == np.float32
    errors = {name: relative(fast[name], composed[name]) for name in COMPARED}
    assert max(errors.values()) < AGREES_32, errors


def planted(old: str, new: str) -> Any:
    """The fast path's `gru_fast_gradients` with one line of its source replaced (a plausible slip)."""
    source = inspect.getsource(fast_path)
    assert source.count(old) == 1, old  # the planted line must exist, or the control proves nothing
    namespace: dict[str, Any] = {"__name__": fast_path.__name__}
    exec(compile(source.replace(old, new), fast_path.__file__, "exec"), namespace)
    return namespace["gru_fast_gradients"]


SLIPS = {
    "the direct path z dL/dh^t to h^{t-1} dropped": ("carries[t] += z * grad_h", "pass", "grad_h_0", VARIANTS),
    "z and 1 - z swapped in the candidate's error": (
        "sigmoid_from_exp(-a_z, e_z,",
        "sigmoid_from_exp(a_z, e_z,",
        "grad_W_in",
        VARIANTS,
    ),
    "the reset gate's path through W_hn h dropped": (
        "np.multiply(r, d_n, out=recurrent_side[t, :, 2 * D :])",
        "recurrent_side[t, :, 2 * D :] = 0",
        "grad_W_hn",
        ("pytorch",),
    ),
    "b_hn left out of the reset gate's error": (
        "np.add(recurrent[:, 2 * D :], s.b_hn, out=reset_input[t])",
        "reset_input[t] = recurrent[:, 2 * D :]",
        "grad_W_hr",
        ("pytorch",),
    ),
    "Cho's reset gate not applied to W_hn's path": (
        "carries[t] += r * through_W_hn",
        "carries[t] += through_W_hn",
        "grad_h_0",
        ("cho",),
    ),
}


@pytest.mark.parametrize(
    ("slip", "variant"), [(slip, variant) for slip, (*_, variants) in SLIPS.items() for variant in variants]
)
def test_a_planted_slip_in_the_fast_path_is_caught_by_the_same_comparison(slip, variant):
    old, new, name, _ = SLIPS[slip]
    params, xs, targets, h_0 = batch()
    composed = outputs(gru_gradients(params, xs, targets, variant=variant, h_0=h_0))
    assert (
        relative(outputs(gru_fast_gradients(params, xs, targets, variant=variant, h_0=h_0))[name], composed[name])
        < AGREES_64
    )
    wrong = outputs(planted(old, new)(params, xs, targets, variant=variant, h_0=h_0))
    assert relative(wrong[name], composed[name]) > DISAGREES


# Exact in saturation: compared with the twins at 50 digits, as tests/test_gru.py does for the composer.


def saturated() -> tuple[GRUParams, Any, Any, Any]:
    """z within e⁻³⁰ of 1 (the old state kept) and r within e⁻³⁰ of 0 (the reset gate nearly closed)."""
    rng = np.random.default_rng(5)
    T, D_h, d, V = 3, 3, 2, 3
    params = GRUParams.random(d=d, D_h=D_h, V=V, seed=5, scale=0.5)
    arrays = params.as_dict() | {"b_iz": np.full(D_h, 30.0), "b_ir": np.full(D_h, -30.0)}
    return GRUParams(**arrays), rng.standard_normal((T, d)), rng.integers(0, V, T), rng.uniform(-0.5, 0.5, D_h)


def fifty_digit_gradients(params: GRUParams, xs, targets, h_0, variant: str) -> dict[str, Any]:
    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    columns = [to_matrix(x) for x in xs]
    fwd = unrolled(exact, columns, list(targets), to_matrix(h_0), variant=variant)
    grads = closed_forms(exact, columns, list(targets), fwd, variant=variant).grads
    named = {name: evaluate(grads[name]).reshape(params.as_dict()[name].shape) for name in PARAMETER_NAMES}
    return named | {"h_0": evaluate(grads["h_0"]).ravel()}


def named(result) -> dict[str, Any]:
    return result.grads | {"h_0": result.grad_h_0[0]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_fast_path_is_exact_to_rounding_where_the_gates_saturate(variant):
    params, xs, targets, h_0 = saturated()
    expected = fifty_digit_gradients(params, xs, targets, h_0, variant)
    got = named(gru_fast_gradients(params, xs, targets, variant=variant, h_0=h_0))
    errors = {name: relative(got[name], expected[name]) for name in expected}
    assert max(errors.values()) < 1e-12, errors


def test_one_minus_z_by_subtraction_fails_the_saturated_comparison():
    params, xs, targets, h_0 = saturated()
    expected = fifty_digit_gradients(params, xs, targets, h_0, "pytorch")
    subtracted = planted("keep *= grad_h", "np.multiply(1 - z, grad_h, out=keep)")
    got = named(subtracted(params, xs, targets, h_0=h_0))
    assert relative(got["W_in"], expected["W_in"]) > 1e-6  # a million times the tolerance above


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_declared_fast_path_check_passes_against_the_twins(variant):
    (check,) = [c for c in GRU.checks() if c.name == f"fast path against the twins at 50 digits, {variant}"]
    assert check.side is None  # no mistake reaches code that takes no replacements
    errors = check.measure_outputs({})["fifty_digit"]
    assert "W_hn" in errors and "carries" in errors
    assert max(errors.values()) <= check.tolerances["fifty_digit"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"params": {"W_ir": 1}}, "params: expected GRUParams"),
        ({"variant": "keras"}, "variant"),
        ({"xs": np.zeros((2, 6, 4))}, "xs"),
        ({"xs": np.zeros((4, 6, 3), dtype=np.float32)}, "xs: expected dtype float64"),
        ({"targets": np.zeros((4, 5), dtype=int)}, "targets: expected shape"),
        ({"targets": np.full((4, 6), -1)}, "targets"),
        ({"h_0": np.zeros((3, 5))}, "h_0: expected shape"),
        ({"h_0": np.full(5, np.inf)}, "h_0"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(change, message):
    params, xs, targets, h_0 = batch()
    call = {"params": params, "xs": xs, "targets": targets, "h_0": h_0, "variant": "pytorch"} | change
    with pytest.raises((TypeError, ValueError), match=message):
        gru_fast_gradients(call["params"], call["xs"], call["targets"], variant=call["variant"], h_0=call["h_0"])
