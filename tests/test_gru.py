"""The GRU: its forward pass against a plain scalar loop, its gradients against central differences of
that loop, per gradient, for both forms of the candidate; each mistake fails the same comparison;
input errors name the argument. The engine's checks (exact proof, 50 digits, complex step, per-step
copies) run in tests/test_engine.py, which covers the GRU's declaration like every other.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from rnn_math.gru.mistakes import MISTAKES
from rnn_math.gru.params import PARAMETER_NAMES, GRUParams
from rnn_math.gru.passes import BACKWARD_EQUATIONS, OUTPUT_BACKWARD, gru_forward, gru_gradients

VARIANTS = ("pytorch", "cho")


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def scalar_loop(p: dict, xs, targets, h_0, variant: str):
    """The GRU written out entry by entry with Python floats, independently of the package's equations."""
    D_h, d = len(p["b_ir"]), len(xs[0])
    h = [float(v) for v in h_0]
    states, loss = [], 0.0
    for x, k in zip(xs, targets, strict=True):

        def pre(gate: str, i: int, hidden: list[float], x: list[float] = x) -> float:
            return (
                sum(p[f"W_i{gate}"][i][j] * x[j] for j in range(d))
                + p[f"b_i{gate}"][i]
                + sum(p[f"W_h{gate}"][i][j] * hidden[j] for j in range(D_h))
            )

        r = [_sigmoid(pre("r", i, h) + p["b_hr"][i]) for i in range(D_h)]
        z = [_sigmoid(pre("z", i, h) + p["b_hz"][i]) for i in range(D_h)]
        if variant == "pytorch":
            n = [
                math.tanh(
                    sum(p["W_in"][i][j] * x[j] for j in range(d))
                    + p["b_in"][i]
                    + r[i] * (sum(p["W_hn"][i][j] * h[j] for j in range(D_h)) + p["b_hn"][i])
                )
                for i in range(D_h)
            ]
        else:
            n = [
                math.tanh(
                    sum(p["W_in"][i][j] * x[j] for j in range(d))
                    + p["b_in"][i]
                    + sum(p["W_hn"][i][j] * r[j] * h[j] for j in range(D_h))
                    + p["b_hn"][i]
                )
                for i in range(D_h)
            ]
        h = [(1 - z[i]) * n[i] + z[i] * h[i] for i in range(D_h)]
        theta = [sum(p["U"][v][i] * h[i] for i in range(D_h)) + p["b_2"][v] for v in range(len(p["b_2"]))]
        peak = max(theta)
        loss += peak + math.log(sum(math.exp(t - peak) for t in theta)) - theta[k]
        states.append((r, z, n, h))
    return states, loss


def problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    params = GRUParams.random(d=2, D_h=3, V=4, seed=seed + 7, scale=0.8)
    return params, rng.standard_normal((3, 2)), rng.integers(0, 4, 3), rng.uniform(-0.5, 0.5, 3)


def central_differences(params: GRUParams, xs, targets, h_0, variant: str, step: float = 1e-6) -> dict:
    """∂L/∂(every parameter entry, h^0, x^t) by central differences of the scalar loop."""
    point = {k: v.copy() for k, v in params.as_dict().items()} | {
        "h_0": np.array(h_0, float),
        "xs": np.array(xs, float),
    }

    def loss() -> float:
        p = {k: point[k].tolist() for k in PARAMETER_NAMES}
        return scalar_loop(p, point["xs"].tolist(), list(targets), point["h_0"].tolist(), variant)[1]

    grads = {}
    for name, array in point.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + step
            up = loss()
            array[index] = saved - step
            grad[index] = (up - loss()) / (2 * step)
            array[index] = saved
        grads[name] = grad
    return grads


def claimed(result) -> dict:
    return result.grads | {"h_0": result.grad_h_0[0], "xs": result.grad_xs[0]}


def relative(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


@functools.cache
def reference(variant: str) -> dict:
    """Central differences of the scalar loop on the test problem, computed once per form."""
    params, xs, targets, h_0 = problem()
    return central_differences(params, xs, targets, h_0, variant)


@pytest.mark.equation("eq-gru-reset")
@pytest.mark.equation("eq-gru-update")
@pytest.mark.equation("eq-gru-candidate")
@pytest.mark.equation("eq-gru-cho-candidate")
@pytest.mark.equation("eq-gru-state")
@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_pass_matches_a_scalar_loop_gate_by_gate(variant):
    params, xs, targets, h_0 = problem()
    fp = gru_forward(params, xs, targets, variant=variant, h_0=h_0)
    p = {k: v.tolist() for k, v in params.as_dict().items()}
    states, loss = scalar_loop(p, xs.tolist(), list(targets), h_0.tolist(), variant)
    for t, (r, z, n, h) in enumerate(states):
        for name, expected in (("r", r), ("z", z), ("n", n)):
            np.testing.assert_allclose(getattr(fp, name)[0, t], expected, rtol=1e-14, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(fp.h[0, t + 1], h, rtol=1e-14, atol=1e-15)
    assert fp.loss == pytest.approx(loss, rel=1e-14)


def test_the_two_forms_compute_different_candidates():
    params, xs, targets, h_0 = problem()
    pytorch, cho = (gru_forward(params, xs, targets, variant=v, h_0=h_0) for v in VARIANTS)
    assert np.abs(pytorch.n - cho.n).max() > 1e-3


@pytest.mark.equation("eq-gru-hidden-grad")
@pytest.mark.equation("eq-gru-delta-n")
@pytest.mark.equation("eq-gru-delta-z")
@pytest.mark.equation("eq-gru-delta-r")
@pytest.mark.equation("eq-gru-carry")
@pytest.mark.equation("eq-gru-grad-wi")
@pytest.mark.equation("eq-gru-grad-wh")
@pytest.mark.equation("eq-gru-grad-b")
@pytest.mark.equation("eq-gru-grad-whn")
@pytest.mark.equation("eq-gru-grad-bhn")
@pytest.mark.equation("eq-gru-grad-x")
@pytest.mark.equation("eq-gru-cho-delta-r")
@pytest.mark.equation("eq-gru-cho-carry")
@pytest.mark.equation("eq-gru-cho-grad-whn")
@pytest.mark.equation("eq-gru-cho-grad-bhn")
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_gradient_matches_central_differences_of_the_scalar_loop(variant):
    expected = reference(variant)
    params, xs, targets, h_0 = problem()
    got = claimed(gru_gradients(params, xs, targets, variant=variant, h_0=h_0))
    errors = {name: relative(got[name], expected[name]) for name in expected}
    assert max(errors.values()) < 1e-7, errors


MISTAKE_CASES = [
    pytest.param(mistake, variant, id=f"{mistake.name}-{variant}")
    for mistake in MISTAKES
    for variant in VARIANTS
    if set(mistake.numpy) & set(BACKWARD_EQUATIONS[variant] + OUTPUT_BACKWARD)
]


@pytest.mark.parametrize(("mistake", "variant"), MISTAKE_CASES)
def test_each_mistake_fails_the_comparison_with_central_differences(mistake, variant):
    expected = reference(variant)
    params, xs, targets, h_0 = problem()
    got = claimed(gru_gradients(params, xs, targets, variant=variant, h_0=h_0, replace=mistake.numpy))
    assert max(relative(got[name], expected[name]) for name in expected) > 1e-3


def test_a_batch_gives_the_sum_of_its_sequences_gradients():
    params, xs, targets, h_0 = problem()
    _, xs2, targets2, h_02 = problem(seed=1)
    batch = gru_gradients(params, np.stack([xs, xs2]), np.stack([targets, targets2]), h_0=np.stack([h_0, h_02]))
    one, two = gru_gradients(params, xs, targets, h_0=h_0), gru_gradients(params, xs2, targets2, h_0=h_02)
    for name in PARAMETER_NAMES:
        np.testing.assert_allclose(batch.grads[name], one.grads[name] + two.grads[name], rtol=1e-12, atol=1e-14)
    assert batch.loss == pytest.approx(one.loss + two.loss, rel=1e-14)


def test_shapes_of_the_gradients_follow_the_parameters():
    params, xs, targets, h_0 = problem()
    result = gru_gradients(params, xs, targets, h_0=h_0)
    assert {name: g.shape for name, g in result.grads.items()} == {n: v.shape for n, v in params.as_dict().items()}
    assert result.grad_xs.shape == (1, *xs.shape) and result.grad_h_0.shape == (1, 3)


def test_pytorch_stacked_matrices_split_in_the_order_r_z_n():
    D_h, d = 2, 3
    weight_ih = np.repeat(np.array([1.0, 2.0, 3.0]), D_h)[:, None] * np.ones((1, d))
    weight_hh = np.repeat(np.array([4.0, 5.0, 6.0]), D_h)[:, None] * np.ones((1, D_h))
    bias_ih, bias_hh = np.repeat([7.0, 8.0, 9.0], D_h), np.repeat([10.0, 11.0, 12.0], D_h)
    params = GRUParams.from_stacked(weight_ih, weight_hh, bias_ih, bias_hh, np.zeros((4, D_h)), np.zeros(4))
    firsts = {name: float(np.ravel(params.as_dict()[name])[0]) for name in PARAMETER_NAMES[:12]}
    assert firsts == {
        "W_ir": 1,
        "W_hr": 4,
        "b_ir": 7,
        "b_hr": 10,
        "W_iz": 2,
        "W_hz": 5,
        "b_iz": 8,
        "b_hz": 11,
        "W_in": 3,
        "W_hn": 6,
        "b_in": 9,
        "b_hn": 12,
    }


def test_stacked_matrices_of_the_wrong_height_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match=r"weight_ih: expected 6 rows \(three gates r, z, n of D_h = 2\), got 4"):
        GRUParams.from_stacked(
            np.zeros((4, 3)), np.zeros((6, 2)), np.zeros(6), np.zeros(6), np.zeros((4, 2)), np.zeros(4)
        )


def test_a_parameter_of_the_wrong_shape_is_refused_naming_it():
    arrays = GRUParams.random(2, 3, 4).as_dict() | {"W_hn": np.zeros((3, 2))}
    with pytest.raises(ValueError, match="W_hn"):
        GRUParams(**arrays)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"variant": "keras"}, r"variant: expected one of 'pytorch', 'cho', got 'keras'"),
        ({"targets": np.zeros(2, dtype=int)}, r"targets: expected shape \(3,\)"),
        ({"h_0": np.zeros(2)}, r"h_0: expected shape \(3,\) or \(1, 3\), got \(2,\)"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(arguments, message):
    params, xs, targets, h_0 = problem()
    call = {"targets": targets, "h_0": h_0, "variant": "pytorch"} | arguments
    with pytest.raises(ValueError, match=message):
        gru_gradients(params, xs, call["targets"], variant=call["variant"], h_0=call["h_0"])


def fifty_digit_gradients(params: GRUParams, xs, targets, h_0, variant: str) -> dict:
    """Every gradient from the SymPy twins evaluated at 50 digits, named as `claimed` names them."""
    from rnn_math.symbolic.gru.composer import closed_forms, unrolled
    from rnn_math.verification.evaluate import evaluate, to_matrix

    exact = {name: to_matrix(value) for name, value in params.as_dict().items()}
    columns = [to_matrix(x) for x in xs]
    fwd = unrolled(exact, columns, list(targets), to_matrix(h_0), variant=variant)
    grads = closed_forms(exact, columns, list(targets), fwd, variant=variant).grads
    named = {name: evaluate(grads[name]).reshape(params.as_dict()[name].shape) for name in PARAMETER_NAMES}
    named["h_0"] = evaluate(grads["h_0"]).ravel()
    return named | {"xs": np.stack([evaluate(grads[f"x_{t + 1}"]).ravel() for t in range(len(xs))])}


def saturated_problem():
    params, xs, targets, h_0 = problem()
    # z = σ(a_z) within e⁻³⁰ of 1 keeps the old state; r within e⁻³⁰ of 0 nearly closes the reset gate.
    arrays = params.as_dict() | {"b_iz": np.full(3, 30.0), "b_ir": np.full(3, -30.0)}
    return GRUParams(**arrays), xs, targets, h_0


@pytest.mark.parametrize("variant", VARIANTS)
def test_gradients_are_exact_to_rounding_where_the_gates_saturate(variant):
    params, xs, targets, h_0 = saturated_problem()
    expected = fifty_digit_gradients(params, xs, targets, h_0, variant)
    got = claimed(gru_gradients(params, xs, targets, variant=variant, h_0=h_0))
    errors = {name: relative(got[name], expected[name]) for name in expected}
    assert max(errors.values()) < 1e-12, errors


def test_a_slope_taken_from_the_gate_value_fails_the_saturated_comparison():
    params, xs, targets, h_0 = saturated_problem()
    expected = fifty_digit_gradients(params, xs, targets, h_0, "pytorch")

    # σ'(a) = s(1 − s) with s rounded to 1 gives 0 for the update gate's slope.
    def delta_z_from_value(grad_h_t, h_prev, n_t, a_z_t):
        s = 1 / (1 + np.exp(-a_z_t))
        return grad_h_t * (h_prev - n_t) * s * (1 - s)

    got = claimed(gru_gradients(params, xs, targets, h_0=h_0, replace={"eq-gru-delta-z": delta_z_from_value}))
    assert relative(got["W_iz"], expected["W_iz"]) > 1e-6  # a million times the tolerance above
