"""The tuned forward and BPTT equal the plain step-by-step composition of the per-equation functions.

`forward` and `bptt` hoist work out of the time loop (input projections and output-layer
gradients of all steps as single products, slopes σ'(z) from the stored h, in-place buffers,
time-major storage). Here the reference is the derivation read literally: one call per equation
per step. Agreement is required to a few float64 roundings; each check is also shown to reject a
plausible slip in the fast path (a negative control), so the tolerance is not vacuous.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnn_math.core.activations import get_activation, sigmoid
from rnn_math.rnn import bptt as bptt_module
from rnn_math.rnn import fast_path
from rnn_math.rnn.bptt import (
    bptt,
    delta,
    grad_b_1,
    grad_b_2,
    grad_h_0,
    grad_U,
    grad_W_e,
    grad_W_h,
    grad_x,
    hidden_gradient,
    output_gradient,
)
from rnn_math.rnn.forward import (
    forward,
    hidden_state,
    hidden_states,
    output_logits,
    pre_activation,
    softmax,
    step_loss,
    total_loss,
)
from rnn_math.rnn.params import RNNParams

#: float64: a handful of roundings through T = 7 steps, relative to the largest entry.
AGREES_64 = 1e-12
#: float32 against the float64 reference: single-precision rounding accumulated over the steps.
AGREES_32 = 2e-5
#: A slip must miss by far more than rounding explains.
DISAGREES = 1e-4

ACTIVATIONS = ("sigmoid", "tanh")


def reference_forward(params: RNNParams, xs, targets, activation, h_0=None):
    """Every equation once per step, batch-major, exactly as the Forward-pass page reads."""
    B, T, _ = xs.shape
    h = np.zeros((B, T + 1, params.dims.D_h), dtype=xs.dtype)
    if h_0 is not None:
        h[:, 0] = h_0
    z = np.empty((B, T, params.dims.D_h), dtype=xs.dtype)
    theta = np.empty((B, T, params.dims.V), dtype=xs.dtype)
    for t in range(T):
        z[:, t] = pre_activation(params.W_h, h[:, t], params.W_e, xs[:, t], params.b_1)
        h[:, t + 1] = hidden_state(z[:, t], activation)
        theta[:, t] = output_logits(params.U, h[:, t + 1], params.b_2)
    y_hat = np.stack([softmax(theta[:, t]) for t in range(T)], axis=1)
    losses = np.stack([step_loss(theta[:, t], targets[:, t]) for t in range(T)], axis=1)
    return {"z": z, "h": h, "theta": theta, "y_hat": y_hat, "step_losses": losses, "loss": total_loss(losses)}


def reference_bptt(params: RNNParams, xs, targets, activation, h_0=None):
    """The BPTT page read literally: the recursion one step at a time from t = T down to 1."""
    fp = reference_forward(params, xs, targets, activation, h_0)
    B, T, _ = xs.shape
    output_grads = np.stack([output_gradient(fp["y_hat"][:, t], targets[:, t]) for t in range(T)], axis=1)
    deltas = np.empty_like(fp["z"])
    delta_next = np.zeros_like(fp["z"][:, 0])
    for t in range(T - 1, -1, -1):
        grad_h = hidden_gradient(params.U, output_grads[:, t], params.W_h, delta_next)
        deltas[:, t] = delta_next = delta(grad_h, fp["z"][:, t], activation)
    return {
        "loss": fp["loss"],
        "W_h": grad_W_h(deltas, fp["h"][:, :-1]),
        "W_e": grad_W_e(deltas, xs),
        "b_1": grad_b_1(deltas),
        "U": grad_U(output_grads, fp["h"][:, 1:]),
        "b_2": grad_b_2(output_grads),
        "grad_h_0": grad_h_0(params.W_h, deltas[:, 0]),
        "grad_xs": grad_x(params.W_e, deltas),
        "deltas": deltas,
        "output_grads": output_grads,
    }


def problem(dtype=np.float64, B=3, T=7, d=5, D_h=6, V=4, seed=0):
    params = RNNParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=0.8, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    xs = rng.standard_normal((B, T, d)).astype(dtype)
    targets = rng.integers(0, V, size=(B, T))
    h_0 = (0.5 * rng.standard_normal((B, D_h))).astype(dtype)
    return params, xs, targets, h_0


def relative_error(got, want) -> float:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


def fast_results(params, xs, targets, activation, h_0):
    result = bptt(params, xs, targets, activation=activation, h_0=h_0)
    fp = result.forward
    out = {name: getattr(fp, name) for name in ("z", "h", "theta", "y_hat", "step_losses")}
    out |= result.grads.as_dict()
    out |= {
        "grad_h_0": result.grad_h_0,
        "grad_xs": result.grad_xs,
        "deltas": result.deltas,
        "output_grads": result.output_grads,
        "loss": result.loss,
    }
    return out


def reference_results(params, xs, targets, activation, h_0):
    fp = reference_forward(params, xs, targets, activation, h_0)
    return fp | reference_bptt(params, xs, targets, activation, h_0)


QUANTITIES = (
    "z",
    "h",
    "theta",
    "y_hat",
    "step_losses",
    "loss",
    "W_h",
    "W_e",
    "b_1",
    "U",
    "b_2",
    "grad_h_0",
    "grad_xs",
    "deltas",
    "output_grads",
)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fast_bptt_equals_the_step_by_step_composition_in_float64(activation):
    params, xs, targets, h_0 = problem()
    fast, ref = (
        fast_results(params, xs, targets, activation, h_0),
        reference_results(params, xs, targets, activation, h_0),
    )
    errors = {name: relative_error(fast[name], ref[name]) for name in QUANTITIES}
    assert max(errors.values()) < AGREES_64, errors


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fast_bptt_in_float32_agrees_with_the_float64_composition(activation):
    params, xs, targets, h_0 = problem(np.float32)
    params64 = RNNParams(**{k: v.astype(np.float64) for k, v in params.as_dict().items()})
    fast = fast_results(params, xs, targets, activation, h_0)
    ref = reference_results(params64, xs.astype(np.float64), targets, activation, h_0.astype(np.float64))
    assert all(np.asarray(fast[name]).dtype == np.float32 for name in QUANTITIES if name != "loss")
    errors = {name: relative_error(fast[name], ref[name]) for name in QUANTITIES}
    assert max(errors.values()) < AGREES_32, errors


def test_one_sequence_gives_the_first_row_of_a_batch():
    params, xs, targets, h_0 = problem()
    single = bptt(params, xs[0], targets[0], activation="tanh", h_0=h_0[0])
    ref = reference_bptt(params, xs[:1], targets[:1], "tanh", h_0[:1])
    assert single.deltas.shape == xs[0].shape[:1] + (params.dims.D_h,)
    assert relative_error(single.grads.grad_W_h, ref["W_h"]) < AGREES_64
    assert relative_error(single.grad_xs, ref["grad_xs"][0]) < AGREES_64
    assert (
        relative_error(single.forward.h, reference_forward(params, xs[:1], targets[:1], "tanh", h_0[:1])["h"][0])
        < AGREES_64
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hidden_states_equal_the_step_by_step_recurrence(activation):
    params, xs, targets, h_0 = problem()
    z, h = hidden_states(params.W_h, params.W_e, params.b_1, xs, activation=activation, h_0=h_0)
    ref = reference_forward(params, xs, targets, activation, h_0)
    assert relative_error(z, ref["z"]) < AGREES_64
    assert relative_error(h, ref["h"]) < AGREES_64


def test_a_dropped_recurrent_term_is_caught(monkeypatch):
    """Negative control for the forward loop: forgetting W_h h^{t-1} after hoisting W_e x^t."""
    params, xs, targets, h_0 = problem()
    ref = reference_forward(params, xs, targets, "tanh", h_0)

    def slipped(W_h, W_e, b_1, xs_tm, h_0, activation):
        z = xs_tm @ W_e.T + b_1
        h = np.concatenate([np.asarray(h_0)[None], np.tanh(z)])
        return z, h

    monkeypatch.setattr(fast_path, "recurrence_time_major", slipped)
    assert relative_error(forward(params, xs, targets, activation="tanh", h_0=h_0).h, ref["h"]) > DISAGREES


@pytest.mark.parametrize(
    ("activation", "wrong"),
    [("tanh", lambda z, out=None: 1.0 - np.tanh(z)), ("sigmoid", lambda z, out=None: sigmoid(z) * (1.0 + sigmoid(z)))],
)
def test_a_wrong_slope_in_the_fast_path_is_caught(monkeypatch, activation, wrong):
    """Negative control for the slopes σ'(z) of all steps at once: a slip there must show."""
    params, xs, targets, h_0 = problem()
    ref = reference_bptt(params, xs, targets, activation, h_0)
    slipped = dataclasses.replace(get_activation(activation), derivative=wrong)
    monkeypatch.setattr(fast_path, "get_activation", lambda name: slipped)
    got = bptt(params, xs, targets, activation=activation, h_0=h_0)
    assert relative_error(got.grads.grad_W_h, ref["W_h"]) > DISAGREES


def test_a_misaligned_recursion_is_caught(monkeypatch):
    """Negative control for the hoisted output term: adding U^T(ŷ − y) of step t + 1 instead of t."""
    params, xs, targets, h_0 = problem()
    ref = reference_bptt(params, xs, targets, "tanh", h_0)
    original = fast_path.backward_time_major

    def shifted(params, fp, targets, activation):
        rolled = fp.__class__(fp.z, fp.h, fp.theta, np.roll(fp.y_hat, 1, axis=0), fp.step_losses, fp.loss)
        deltas, _ = original(params, rolled, np.roll(targets, 1, axis=0), activation)
        return deltas, original(params, fp, targets, activation)[1]

    monkeypatch.setattr(bptt_module, "backward_time_major", shifted)
    got = bptt(params, xs, targets, activation="tanh", h_0=h_0)
    assert relative_error(got.grads.grad_W_h, ref["W_h"]) > DISAGREES


def test_returned_arrays_are_batch_major_views_with_the_documented_shapes():
    params, xs, targets, h_0 = problem(B=2, T=5)
    result = bptt(params, xs, targets, activation="tanh", h_0=h_0)
    fp = result.forward
    assert fp.z.shape == (2, 5, 6) and fp.h.shape == (2, 6, 6) and fp.theta.shape == (2, 5, 4)
    assert fp.step_losses.shape == (2, 5) and result.grad_xs.shape == xs.shape
    assert result.deltas.shape == (2, 5, 6) and result.output_grads.shape == (2, 5, 4)
    np.testing.assert_array_equal(fp.h[:, 0], h_0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_stay_finite_and_equal_the_per_equation_loss(dtype):
    """The shared-exponential output layer keeps softmax's and step_loss's protection against overflow."""
    params, xs, targets, h_0 = problem(dtype)
    params = RNNParams(**{**params.as_dict(), "U": (params.U * 1e3).astype(dtype)})  # logits in the thousands
    fp = forward(params, xs, targets, activation="tanh", h_0=h_0)
    assert np.all(np.isfinite(fp.y_hat)) and np.all(np.isfinite(fp.step_losses))
    theta = np.asarray(fp.theta)
    tolerance = AGREES_64 if dtype == np.float64 else 1e-6
    assert relative_error(fp.step_losses, step_loss(theta, targets)) < tolerance
    assert relative_error(fp.y_hat, softmax(theta)) < tolerance
