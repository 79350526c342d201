"""The LSTM's equations, as behaviour: shapes, a scalar loop written here, saturation, and bad input.

The independent computation is a plain loop over time steps and units with ``cmath`` (no NumPy
algebra, no registered function): the forward pass, and the loss with a perturbation ε injected
anywhere, so that complex step gives every gradient and every error of the backward pass.
"""

from __future__ import annotations

import cmath

import numpy as np
import pytest
import sympy as sp

from rnn_math.lstm import backward_equations as bw
from rnn_math.lstm.composer import lstm_forward, lstm_gradients
from rnn_math.lstm.mistakes import MISTAKES
from rnn_math.lstm.params import GATE_ORDER, LSTMParams
from rnn_math.lstm.results import LSTMStep
from rnn_math.lstm.unrolled import step_contributions

T, D_h, d, V = 3, 2, 2, 3
STEP = 1e-30


def problem():
    rng = np.random.default_rng(7)
    params = LSTMParams.random(d=d, D_h=D_h, V=V, seed=7, scale=0.9)
    xs, targets = rng.standard_normal((T, d)), np.array([2, 0, 1])
    return params, xs, targets, rng.uniform(-0.5, 0.5, D_h), rng.uniform(-1, 1, D_h)


def _sig(x):
    return 1 / (1 + cmath.exp(-x))


def scalar_loop(p, xs, targets, h_0, c_0, inject=None):
    """The loss, unit by unit; ``inject(kind, t, k)`` is added to a^t_k, c^t_k or h^t_k right after it is computed."""
    bump = inject or (lambda kind, t, k: 0)
    h, c, loss, states = list(h_0), list(c_0), 0, []
    for t in range(len(xs)):
        a = [
            sum(p["W_ih"][r][j] * xs[t][j] for j in range(d))
            + p["b_ih"][r]
            + sum(p["W_hh"][r][j] * h[j] for j in range(D_h))
            + p["b_hh"][r]
            + bump("a", t, r)
            for r in range(4 * D_h)
        ]
        block = {gate: a[n * D_h : (n + 1) * D_h] for n, gate in enumerate("ifgo")}
        c = [
            _sig(block["f"][k]) * c[k] + _sig(block["i"][k]) * cmath.tanh(block["g"][k]) + bump("c", t, k)
            for k in range(D_h)
        ]
        h = [_sig(block["o"][k]) * cmath.tanh(c[k]) + bump("h", t, k) for k in range(D_h)]
        theta = [sum(p["U"][v][k] * h[k] for k in range(D_h)) + p["b_2"][v] for v in range(V)]
        loss += cmath.log(sum(cmath.exp(q) for q in theta)) - theta[targets[t]]
        states.append((c, h))
    return loss, states


def _lists(params, **extra):
    return {name: value.tolist() for name, value in params.as_dict().items()} | extra


def complex_step(fn):
    return (fn(STEP * 1j)[0]).imag / STEP


@pytest.mark.equation("eq-lstm-preactivation")
@pytest.mark.equation("eq-lstm-gate-split")
@pytest.mark.equation("eq-lstm-gates")
@pytest.mark.equation("eq-lstm-cell")
@pytest.mark.equation("eq-lstm-hidden")
def test_the_forward_pass_is_the_scalar_loop():
    params, xs, targets, h_0, c_0 = problem()
    fp = lstm_forward(params, xs, targets, h_0=h_0, c_0=c_0)
    loss, states = scalar_loop(_lists(params), xs.tolist(), targets, h_0.tolist(), c_0.tolist())
    np.testing.assert_allclose(fp.c[0, 1:], [[z.real for z in c] for c, _ in states], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(fp.h[0, 1:], [[z.real for z in h] for _, h in states], rtol=1e-14, atol=1e-15)
    assert fp.loss == pytest.approx(loss.real, rel=1e-14, abs=0)


def test_a_gate_order_mix_up_changes_the_forward_pass():
    params, xs, targets, h_0, c_0 = problem()
    onnx = next(m for m in MISTAKES if m.name == "lstm-gate-order-iofc")
    right = lstm_forward(params, xs, targets, h_0=h_0, c_0=c_0)
    wrong = lstm_forward(params, xs, targets, h_0=h_0, c_0=c_0, replace=onnx.numpy)
    assert np.max(np.abs(right.h - wrong.h)) > 1e-2


def _parameter_gradient(params, xs, targets, h_0, c_0, name, index):
    def loss(eps):
        values = _lists(params)
        if name in values:
            array = np.asarray(values[name], dtype=complex)
            array[index] += eps
            values[name] = array.tolist()
        h, c, x = list(h_0), list(c_0), [list(row) for row in xs]
        if name == "h_0":
            h[index[0]] += eps
        if name == "c_0":
            c[index[0]] += eps
        if name == "xs":
            x[index[0]][index[1]] += eps
        return scalar_loop(values, x, targets, h, c)

    return complex_step(loss)


def _claimed(result, name):
    states = {"h_0": result.grad_h_0[0], "c_0": result.grad_c_0[0], "xs": result.grad_xs[0]}
    return states.get(name, result.grads.get(name))


GRADIENTS = [
    pytest.param("W_ih", marks=pytest.mark.equation("eq-lstm-grad-wih")),
    pytest.param("W_hh", marks=pytest.mark.equation("eq-lstm-grad-whh")),
    pytest.param("b_ih", marks=pytest.mark.equation("eq-lstm-grad-biases")),
    pytest.param("b_hh", marks=pytest.mark.equation("eq-lstm-grad-biases")),
    pytest.param("U", marks=pytest.mark.equation("eq-bptt-grad-u")),
    pytest.param("b_2", marks=pytest.mark.equation("eq-bptt-grad-b2")),
    pytest.param("h_0", marks=pytest.mark.equation("eq-lstm-grad-h0")),
    pytest.param("c_0", marks=pytest.mark.equation("eq-lstm-grad-c0")),
    pytest.param("xs", marks=pytest.mark.equation("eq-lstm-grad-x")),
]


def _complex_step_gradient(problem_, name, claimed_shape):
    values = [_parameter_gradient(*problem_, name, idx) for idx in np.ndindex(claimed_shape)]
    return np.array(values).reshape(claimed_shape)


@pytest.mark.parametrize("name", GRADIENTS)
def test_each_gradient_is_the_complex_step_derivative_of_the_scalar_loop(name):
    params, xs, targets, h_0, c_0 = problem()
    claimed = _claimed(lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0), name)
    expected = _complex_step_gradient((params, xs, targets, h_0, c_0), name, claimed.shape)
    np.testing.assert_allclose(claimed, expected, rtol=1e-12, atol=1e-14 * np.max(np.abs(expected)))


def _injected_gradient(problem_, kind, shape):
    params, xs, targets, h_0, c_0 = problem_
    values = np.empty(shape)
    for t, k in np.ndindex(shape):

        def loss(eps, t=t, k=k):
            return scalar_loop(
                _lists(params),
                xs.tolist(),
                targets,
                h_0.tolist(),
                c_0.tolist(),
                inject=lambda kind_, s, r: eps if (kind_, s, r) == (kind, t, k) else 0,
            )

        values[t, k] = complex_step(loss)
    return values


@pytest.mark.equation("eq-lstm-hidden-grad")
@pytest.mark.equation("eq-lstm-output-gate-grad")
@pytest.mark.equation("eq-lstm-forget-gate-grad")
@pytest.mark.equation("eq-lstm-input-gate-grad")
@pytest.mark.equation("eq-lstm-candidate-grad")
@pytest.mark.equation("eq-lstm-gate-stack")
def test_the_stacked_errors_are_the_derivatives_at_each_pre_activation():
    params, xs, targets, h_0, c_0 = problem()
    result = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    expected = _injected_gradient((params, xs, targets, h_0, c_0), "a", (T, 4 * D_h))
    np.testing.assert_allclose(result.deltas[0], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.equation("eq-lstm-cell-grad")
def test_the_cell_gradient_is_the_derivative_at_each_cell_state():
    params, xs, targets, h_0, c_0 = problem()
    result = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    expected = _injected_gradient((params, xs, targets, h_0, c_0), "c", (T, D_h))
    np.testing.assert_allclose(result.grad_c[0], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_every_catalogued_mistake_fails_the_scalar_loop_comparison(mistake):
    params, xs, targets, h_0, c_0 = problem()
    wrong = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0, replace=mistake.numpy)
    right = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    # The scalar loop agrees with the right result (tests above); the wrong one must miss it somewhere.
    misses = [np.max(np.abs(wrong.grads[n] - right.grads[n])) / np.max(np.abs(right.grads[n])) for n in right.grads]
    assert max(misses) > 1e-3


@pytest.mark.equation("eq-lstm-grad-biases")
def test_both_biases_get_the_same_gradient_and_it_sums_the_errors():
    params, xs, targets, h_0, c_0 = problem()
    result = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    np.testing.assert_array_equal(result.grads["b_ih"], result.grads["b_hh"])
    np.testing.assert_allclose(result.grads["b_ih"], result.deltas[0].sum(axis=0), rtol=1e-15)


def test_the_per_step_terms_sum_to_the_gradients():
    params, xs, targets, h_0, c_0 = problem()
    result = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    for name, terms in step_contributions(result, xs).items():
        assert terms.shape[0] == T
        np.testing.assert_allclose(terms.sum(axis=0), result.grads[name], rtol=1e-13, atol=1e-16)


def test_a_batch_gives_the_sum_of_its_sequences_gradients():
    params, xs, targets, h_0, c_0 = problem()
    batch = lstm_gradients(
        params,
        np.stack([xs, xs[::-1]]),
        np.stack([targets, targets[::-1]]),
        h_0=np.stack([h_0, c_0]),
        c_0=np.stack([c_0, h_0]),
    )
    one = lstm_gradients(params, xs, targets, h_0=h_0, c_0=c_0)
    other = lstm_gradients(params, xs[::-1], targets[::-1], h_0=c_0, c_0=h_0)
    assert batch.deltas.shape == (2, T, 4 * D_h) and batch.grad_xs.shape == (2, T, d)
    for name in batch.grads:
        np.testing.assert_allclose(batch.grads[name], one.grads[name] + other.grads[name], rtol=1e-13, atol=1e-16)


# Exact in saturation: slopes from pre-activations (and tanh' from c), never from stored outputs.


def _fifty_digit_slope(kind: str, z: float) -> float:
    x = sp.Float(z, 50)
    value = 1 / (sp.exp(x) + 2 + sp.exp(-x)) if kind == "sigmoid" else 4 / (sp.exp(x) + sp.exp(-x)) ** 2
    return float(sp.N(value, 50))


def _step(**fields):
    zero = np.zeros(1)
    base = dict.fromkeys(("a_i", "a_f", "a_g", "a_o", "i", "f", "g", "o", "c_prev", "c"), zero)
    return LSTMStep(**(base | {k: np.array([v]) for k, v in fields.items()}))


@pytest.mark.equation("eq-lstm-cell-grad")
def test_the_cell_gradient_keeps_tanh_slope_of_a_saturated_cell_exact():
    c = 30.0  # tanh(c) rounds to 1, so 1 − tanh² would give exactly 0
    got = bw.cell_gradient(np.ones(1), _step(o=0.5, c=c), np.zeros(1), np.zeros(1))
    assert got[0] == pytest.approx(0.5 * _fifty_digit_slope("tanh", c), rel=1e-14, abs=0)
    assert 1 - np.tanh(c) ** 2 == 0.0  # the negative control: the textbook form loses it


@pytest.mark.equation("eq-lstm-output-gate-grad")
@pytest.mark.equation("eq-lstm-forget-gate-grad")
def test_the_gate_errors_keep_the_sigmoid_slope_of_a_saturated_gate_exact():
    a = 45.0  # sigmoid(a) rounds to 1, so s (1 − s) would give exactly 0
    out = bw.output_gate_delta(np.ones(1), _step(a_o=a, c=1.0))
    forget = bw.forget_gate_delta(np.ones(1), _step(a_f=a, c_prev=2.0))
    assert out[0] == pytest.approx(np.tanh(1.0) * _fifty_digit_slope("sigmoid", a), rel=1e-14, abs=0)
    assert forget[0] == pytest.approx(2.0 * _fifty_digit_slope("sigmoid", a), rel=1e-14, abs=0)
    s = 1 / (1 + np.exp(-a))
    assert s * (1 - s) == 0.0


@pytest.mark.equation("eq-lstm-input-gate-grad")
@pytest.mark.equation("eq-lstm-candidate-grad")
def test_the_input_and_candidate_errors_take_their_slopes_at_their_pre_activations():
    got_i = bw.input_gate_delta(np.ones(1), _step(a_i=-40.0, g=0.5))
    got_g = bw.candidate_delta(np.ones(1), _step(a_g=25.0, i=0.25))
    assert got_i[0] == pytest.approx(0.5 * _fifty_digit_slope("sigmoid", -40.0), rel=1e-14, abs=0)
    assert got_g[0] == pytest.approx(0.25 * _fifty_digit_slope("tanh", 25.0), rel=1e-14, abs=0)


def test_the_stacked_error_follows_pytorchs_gate_order():
    blocks = {gate: np.full((1, 2), float(n)) for n, gate in enumerate("ifgo")}
    stacked = bw.stack_gate_deltas(blocks["i"], blocks["f"], blocks["g"], blocks["o"])
    assert GATE_ORDER == ("i", "f", "g", "o")
    np.testing.assert_array_equal(stacked[0], [0, 0, 1, 1, 2, 2, 3, 3])


# Bad input: a clear error naming the argument.


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a | {"params": "weights"}, "params: expected LSTMParams"),
        (lambda a: a | {"xs": np.zeros(3)}, "xs: expected 2 or 3 dimensions"),
        (lambda a: a | {"xs": np.zeros((T, d + 1))}, "xs: expected shape"),
        (lambda a: a | {"targets": np.array([0, 1, V])}, "targets: expected indices in 0..2"),
        (lambda a: a | {"targets": np.array([0, 1])}, r"targets: expected shape \(3,\)"),
        (lambda a: a | {"h_0": np.zeros(D_h + 1)}, r"h_0: expected shape \(2,\)"),
        (lambda a: a | {"c_0": np.zeros((1, D_h))}, "c_0: expected 1 dimensions"),
    ],
)
def test_bad_input_names_the_argument(change, message):
    params, xs, targets, h_0, c_0 = problem()
    args = change({"params": params, "xs": xs, "targets": targets, "h_0": h_0, "c_0": c_0})
    with pytest.raises((TypeError, ValueError), match=message):
        lstm_gradients(args["params"], args["xs"], args["targets"], h_0=args["h_0"], c_0=args["c_0"])


def test_stacked_weights_without_four_gates_are_refused():
    params = problem()[0].as_dict()
    with pytest.raises(ValueError, match=r"W_hh: expected shape \(4 D_h, D_h\)"):
        LSTMParams(
            **params
            | {
                "W_hh": np.zeros((3 * D_h, D_h)),
                "W_ih": np.zeros((3 * D_h, d)),
                "b_ih": np.zeros(3 * D_h),
                "b_hh": np.zeros(3 * D_h),
            }
        )


def test_a_forget_bias_opens_the_forget_gate_only():
    plain, opened = LSTMParams.random(2, 3, 4, seed=1), LSTMParams.random(2, 3, 4, seed=1, forget_bias=1.0)
    np.testing.assert_array_equal(opened.b_ih - plain.b_ih, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
