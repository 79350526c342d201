"""BPTT: every gradient equals its SymPy twin at 50 digits, finite differences and complex step; tied = Σ copies."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from rnn_math.rnn import bptt as np_bptt
from rnn_math.core.activations import get_activation
from rnn_math.verification.gradcheck import check_gradients
from rnn_math.rnn.mistakes import all_mistakes, rnn_gradients
from rnn_math.rnn.params import RNNParams
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.verification.evaluate import evaluate, relative_error, to_matrix
from rnn_math.rnn.unrolled import sequence_loss, step_contributions, untie, untied_loss

#: NumPy against SymPy at 50 digits: float64 rounding through a few steps of products and sums.
AGREES = 1e-12
#: A wrong formula misses by orders of magnitude more than rounding could explain.
DISAGREES = 1e-3

BPTT_IDS = (
    "eq-bptt-output-grad", "eq-bptt-grad-u", "eq-bptt-grad-b2", "eq-bptt-hidden-grad", "eq-bptt-delta",
    "eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-h0", "eq-bptt-grad-x",
)
ACTIVATIONS = ("sigmoid", "tanh")


def small_problem(T: int = 3, D_h: int = 3, d: int = 2, V: int = 4, B: int | None = None, seed: int = 0):
    """Parameters large enough that every term matters, an input sequence (or batch), targets, h_0."""
    rng = np.random.default_rng(seed)
    params = RNNParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.8)
    lead = (T,) if B is None else (B, T)
    xs = rng.standard_normal((*lead, d))
    targets = rng.integers(0, V, lead)
    h_0 = rng.uniform(-0.5, 0.5, D_h if B is None else (B, D_h))
    return params, xs, targets, h_0


def symbolic_reference(params, xs, targets, h_0, activation):
    """The twins composed over the unrolled network with exact 50-digit inputs."""
    W_h, W_e, b_1, U, b_2 = (to_matrix(v) for v in params.as_dict().values())
    x_cols = [to_matrix(x) for x in xs]
    fwd = sym_forward.forward(W_h, W_e, b_1, U, b_2, x_cols, list(targets), activation=activation, h_0=to_matrix(h_0))
    return sym_bptt.gradients(fwd, W_h, W_e, U, x_cols, list(targets), activation=activation)


def numbers(result) -> dict[str, np.ndarray]:
    """A BPTT result's gradients in the symbolic side's names and layouts."""
    named = result.grads.as_dict() | {"h_0": result.grad_h_0}
    return named | {f"x_{t + 1}": g for t, g in enumerate(result.grad_xs)}


@pytest.fixture(scope="module", params=ACTIVATIONS)
def fifty_digit_case(request):
    activation = request.param
    params, xs, targets, h_0 = small_problem()
    reference = symbolic_reference(params, xs, targets, h_0, activation)
    expected = {name: evaluate(value) for name, value in reference.as_dict().items()}
    expected["deltas"] = np.hstack([evaluate(d) for d in reference.deltas]).T
    expected["output_grads"] = np.hstack([evaluate(g) for g in reference.output_grads]).T
    return activation, (params, xs, targets, h_0), expected


@pytest.mark.equation(*BPTT_IDS)
def test_every_numpy_gradient_equals_the_symbolic_gradient_at_50_digits(fifty_digit_case):
    activation, (params, xs, targets, h_0), expected = fifty_digit_case
    result = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    got = numbers(result) | {"deltas": result.deltas, "output_grads": result.output_grads}
    errors = {name: relative_error(got[name], expected[name]) for name in expected}
    assert max(errors.values()) <= AGREES, errors


@pytest.mark.parametrize("mistake", all_mistakes("rnn"), ids=lambda m: m.name)
def test_the_50_digit_comparison_rejects_every_mistake(fifty_digit_case, mistake):
    activation, (params, xs, targets, h_0), expected = fifty_digit_case
    wrong = numbers(rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=mistake.numpy_replacement))
    assert max(relative_error(wrong[name], expected[name]) for name in wrong) > DISAGREES


# One equation at a time: each NumPy function against its twin on the same random arguments.

rng = np.random.default_rng(11)
D_H, D, V, T = 3, 2, 4, 3
U_, W_H, W_E = rng.standard_normal((V, D_H)), rng.standard_normal((D_H, D_H)), rng.standard_normal((D_H, D))
THETA, Z = rng.standard_normal(V), rng.uniform(-2, 2, D_H)
OUT, H, HPREV = rng.standard_normal((T, V)), rng.uniform(-1, 1, (T, D_H)), rng.uniform(-1, 1, (T, D_H))
DELTAS, XS, GRAD_H, DELTA_NEXT = rng.standard_normal((T, D_H)), rng.standard_normal((T, D)), rng.standard_normal(D_H), rng.standard_normal(D_H)
K = 2


def cols(rows) -> list:
    return [to_matrix(r) for r in rows]


def single_equation_cases():
    from rnn_math.rnn.forward import softmax

    y_hat = softmax(THETA)
    return {
        "eq-bptt-output-grad": (np_bptt.output_gradient(y_hat, np.array(K)), sym_bptt.output_gradient(to_matrix(THETA), K)),
        "eq-bptt-grad-u": (np_bptt.grad_U(OUT, H), sym_bptt.grad_U(cols(OUT), cols(H))),
        "eq-bptt-grad-b2": (np_bptt.grad_b_2(OUT), sym_bptt.grad_b_2(cols(OUT))),
        "eq-bptt-hidden-grad": (
            np_bptt.hidden_gradient(U_, OUT[0], W_H, DELTA_NEXT),
            sym_bptt.hidden_gradient(to_matrix(U_), to_matrix(OUT[0]), to_matrix(W_H), to_matrix(DELTA_NEXT)),
        ),
        "eq-bptt-delta": (np_bptt.delta(GRAD_H, Z, "tanh"), sym_bptt.delta(to_matrix(GRAD_H), to_matrix(Z), "tanh")),
        "eq-bptt-grad-wh": (np_bptt.grad_W_h(DELTAS, HPREV), sym_bptt.grad_W_h(cols(DELTAS), cols(HPREV))),
        "eq-bptt-grad-we": (np_bptt.grad_W_e(DELTAS, XS), sym_bptt.grad_W_e(cols(DELTAS), cols(XS))),
        "eq-bptt-grad-b1": (np_bptt.grad_b_1(DELTAS), sym_bptt.grad_b_1(cols(DELTAS))),
        "eq-bptt-grad-h0": (np_bptt.grad_h_0(W_H, DELTAS[0]), sym_bptt.grad_h_0(to_matrix(W_H), to_matrix(DELTAS[0]))),
        "eq-bptt-grad-x": (np_bptt.grad_x(W_E, DELTAS[1]), sym_bptt.grad_x(to_matrix(W_E), to_matrix(DELTAS[1]))),
    }


def wrong_single_equation(eq_id: str) -> np.ndarray:
    """The catalogued wrong version of an equation, or a plausible one where none is catalogued."""
    from rnn_math.rnn.forward import softmax

    catalogued = {m.eq_id: m for m in all_mistakes("rnn")}
    arguments = {
        "eq-bptt-output-grad": (softmax(THETA), np.array(K)),
        "eq-bptt-hidden-grad": (U_, OUT[0], W_H, DELTA_NEXT),
        "eq-bptt-delta": (GRAD_H, Z, "tanh"),
        "eq-bptt-grad-wh": (DELTAS, HPREV),
    }
    if eq_id in catalogued:
        return catalogued[eq_id].numpy[eq_id](*arguments[eq_id])
    others = {
        "eq-bptt-grad-u": lambda: np_bptt.grad_U(OUT, HPREV),  # h^{t-1} where h^t belongs
        "eq-bptt-grad-b2": lambda: OUT[-1],  # the last step only
        "eq-bptt-grad-we": lambda: np_bptt.grad_W_e(DELTAS[::-1], XS),  # δ paired with the wrong steps
        "eq-bptt-grad-b1": lambda: DELTAS.mean(axis=0),  # averaged, not summed
        "eq-bptt-grad-h0": lambda: W_H @ DELTAS[0],  # transpose missing
        "eq-bptt-grad-x": lambda: np_bptt.grad_x(W_E, DELTAS[2]),  # δ^{t+1} where δ^t belongs
    }
    return others[eq_id]()


SINGLE = [pytest.param(eq_id, marks=pytest.mark.equation(eq_id), id=eq_id) for eq_id in BPTT_IDS]


@pytest.mark.parametrize("eq_id", SINGLE)
def test_each_equation_function_equals_its_twin_at_50_digits(eq_id):
    numpy_value, twin = single_equation_cases()[eq_id]
    assert relative_error(numpy_value, evaluate(twin)) <= AGREES


@pytest.mark.parametrize("eq_id", SINGLE)
def test_each_equation_comparison_rejects_a_wrong_version(eq_id):
    _, twin = single_equation_cases()[eq_id]
    wrong = wrong_single_equation(eq_id)
    assert relative_error(np.ravel(wrong), evaluate(twin)) > DISAGREES


# Finite differences and complex step.

def checked_problem(activation, B=None, T=3):
    params, xs, targets, h_0 = small_problem(T=T, B=B)
    result = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    point = params.as_dict() | {"h_0": h_0, "xs": xs}
    grads = result.grads.as_dict() | {"h_0": result.grad_h_0, "xs": result.grad_xs}
    loss = partial(sequence_loss, xs=None, targets=targets, activation=activation)
    return loss, point, grads, (params, xs, targets, h_0)


@pytest.mark.equation(*BPTT_IDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("B", [None, 2], ids=["one-sequence", "batch"])
def test_every_entry_of_every_gradient_passes_central_differences_and_complex_step(activation, B):
    loss, point, grads, _ = checked_problem(activation, B)
    report = check_gradients(loss, point, grads)
    assert all(row.checked == row.total for row in report.rows)
    assert report.passed, str(report)


@pytest.mark.parametrize("mistake", all_mistakes("rnn"), ids=lambda m: m.name)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_finite_differences_and_complex_step_each_reject_every_mistake(activation, mistake):
    loss, point, _, (params, xs, targets, h_0) = checked_problem(activation, T=2)
    wrong = rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=mistake.numpy_replacement)
    grads = wrong.grads.as_dict() | {"h_0": wrong.grad_h_0, "xs": wrong.grad_xs}
    report = check_gradients(loss, point, grads)
    assert {row.method for row in report.failures()} == {"central", "complex"}, str(report)


@pytest.fixture(scope="module")
def min_char_rnn():
    """A model the size of min-char-rnn: T = 25, D_h = 100, |V| = 65, one-hot inputs."""
    V_, D_h = 65, 100
    rng_ = np.random.default_rng(25)
    params = RNNParams.random(d=V_, D_h=D_h, V=V_, seed=25, scale=0.1)
    chars = rng_.integers(0, V_, 26)
    return params, np.eye(V_)[chars[:-1]], chars[1:]


@pytest.mark.equation("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_random_entries_of_a_min_char_rnn_sized_model_pass_both_checks(min_char_rnn, activation):
    params, xs, targets = min_char_rnn
    result = np_bptt.bptt(params, xs, targets, activation=activation)
    loss = partial(sequence_loss, xs=xs, targets=targets, activation=activation)
    report = check_gradients(loss, params.as_dict(), result.grads.as_dict(), max_entries=24, seed=3)
    assert report.row("W_h", "central").checked == 24 and report.row("W_h", "central").total == 100 * 100
    assert report.passed, str(report)


def test_a_min_char_rnn_sized_model_rejects_a_dropped_recurrent_term(min_char_rnn):
    params, xs, targets = min_char_rnn
    wrong = rnn_gradients(params, xs, targets, replace=all_mistakes("rnn")[0].numpy_replacement)
    loss = partial(sequence_loss, xs=xs, targets=targets)
    report = check_gradients(loss, params.as_dict(), wrong.grads.as_dict(), methods=("central",), max_entries=24, seed=3)
    assert {row.parameter for row in report.failures()} == {"W_h", "W_e", "b_1"}


# Tied weights: one copy per step.

@pytest.mark.equation("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_perturbing_only_the_copy_at_step_t_reproduces_the_t_th_term_of_each_sum(activation):
    params, xs, targets, h_0 = small_problem(T=4)
    result = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    terms = step_contributions(result, xs)
    loss = partial(untied_loss, xs=xs, targets=targets, activation=activation, h_0=h_0)
    report = check_gradients(loss, untie(params.as_dict(), 4), terms)
    assert report.passed, str(report)


def test_the_per_step_terms_sum_to_the_tied_gradient():
    params, xs, targets, h_0 = small_problem(T=4, B=2)
    result = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0)
    terms = step_contributions(result, xs)
    for name, gradient in result.grads.as_dict().items():
        np.testing.assert_allclose(terms[name].sum(axis=0), gradient, rtol=1e-13, atol=1e-15)


def test_the_copies_check_rejects_a_wrong_term():
    params, xs, targets, h_0 = small_problem(T=4)
    terms = step_contributions(np_bptt.bptt(params, xs, targets, h_0=h_0), xs)
    terms["W_h"] = np.repeat(terms["W_h"].sum(axis=0, keepdims=True) / 4, 4, axis=0)  # the sum spread evenly
    loss = partial(untied_loss, xs=xs, targets=targets, h_0=h_0)
    report = check_gradients(loss, untie(params.as_dict(), 4), terms, methods=("complex",))
    assert [row.parameter for row in report.failures()] == ["W_h"]


def test_equal_copies_give_the_tied_loss():
    params, xs, targets, h_0 = small_problem(T=4)
    tied = np_bptt.bptt(params, xs, targets, h_0=h_0).loss
    assert untied_loss(untie(params.as_dict(), 4), xs, targets, h_0=h_0) == pytest.approx(tied, rel=1e-14)
    assert sequence_loss(params.as_dict(), xs, targets, h_0=h_0) == pytest.approx(tied, rel=1e-14)


# The composer the negative controls use is BPTT itself when nothing is replaced.

@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_plain_composition_of_the_equations_equals_bptt(activation):
    params, xs, targets, h_0 = small_problem(B=3)
    fast = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    plain = rnn_gradients(params, xs, targets, activation=activation, h_0=h_0)
    for name, value in fast.grads.as_dict().items():
        np.testing.assert_allclose(plain.grads.as_dict()[name], value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.grad_h_0, fast.grad_h_0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.grad_xs, fast.grad_xs, rtol=1e-12, atol=1e-14)


def test_a_batch_gives_the_sum_of_its_sequences_gradients():
    params, xs, targets, h_0 = small_problem(B=3)
    batch = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0)
    singles = [np_bptt.bptt(params, xs[b], targets[b], activation="tanh", h_0=h_0[b]) for b in range(3)]
    for name, value in batch.grads.as_dict().items():
        np.testing.assert_allclose(value, sum(s.grads.as_dict()[name] for s in singles), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_the_slope_used_is_the_activation_derivative_at_z(activation):
    """δ^t = ∂L/∂h^t ⊙ σ'(z^t) with σ' at z, checked where units saturate (z ≈ +25..+31).

    There 1 − h² and h(1 − h) taken from the stored h are 0 or wrong by orders of magnitude, so a
    slope taken from h fails this check; ∂L/∂h^t is rebuilt from the result's own ŷ − y and δ^{t+1}.
    """
    params, xs, targets, h_0 = small_problem(B=2)
    params = RNNParams(**{**params.as_dict(), "b_1": params.b_1 + 28.0})
    result = np_bptt.bptt(params, xs, targets, activation=activation, h_0=h_0)
    z, deltas = result.forward.z, result.deltas
    assert np.min(z) > 24.0
    delta_next = np.zeros_like(deltas[:, 0])
    for t in range(z.shape[1] - 1, -1, -1):
        grad_h = result.output_grads[:, t] @ params.U + delta_next @ params.W_h
        expected = grad_h * get_activation(activation).derivative(z[:, t])
        np.testing.assert_allclose(deltas[:, t], expected, rtol=1e-12, atol=0)
        assert np.all(deltas[:, t] != 0)
        delta_next = deltas[:, t]


# ∂L/∂h^0 has the shape of the h_0 passed in (full and truncated BPTT alike).


@pytest.mark.parametrize("backward", ["bptt", "truncated_bptt"])
def test_a_shared_initial_state_gets_the_batch_sum_of_its_gradients(backward):
    from rnn_math.rnn.truncated import truncated_bptt

    params, xs, targets, h_0 = small_problem(B=3)
    run = {"bptt": lambda h: np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h),
           "truncated_bptt": lambda h: truncated_bptt(params, xs, targets, 2, activation="tanh", h_0=h)}[backward]
    shared = run(h_0[0])
    per_sequence = run(np.broadcast_to(h_0[0], h_0.shape).copy())
    assert shared.grad_h_0.shape == (params.dims.D_h,)
    assert per_sequence.grad_h_0.shape == h_0.shape
    np.testing.assert_allclose(shared.grad_h_0, per_sequence.grad_h_0.sum(axis=0), rtol=1e-14, atol=0)


@pytest.mark.parametrize("backward", ["bptt", "truncated_bptt"])
def test_without_h_0_the_gradient_has_one_row_per_sequence_or_none_for_one_sequence(backward):
    from rnn_math.rnn.truncated import truncated_bptt

    params, xs, targets, _ = small_problem(B=3)
    run = {"bptt": lambda x, k: np_bptt.bptt(params, x, k, activation="tanh"),
           "truncated_bptt": lambda x, k: truncated_bptt(params, x, k, 2, activation="tanh")}[backward]
    assert run(xs, targets).grad_h_0.shape == (3, params.dims.D_h)
    assert run(xs[0], targets[0]).grad_h_0.shape == (params.dims.D_h,)


def test_one_sequence_with_a_one_row_h_0_keeps_the_row_axis():
    params, xs, targets, h_0 = small_problem()
    result = np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0[None])
    assert result.grad_h_0.shape == (1, params.dims.D_h)
    np.testing.assert_array_equal(result.grad_h_0[0], np_bptt.bptt(params, xs, targets, activation="tanh", h_0=h_0).grad_h_0)
