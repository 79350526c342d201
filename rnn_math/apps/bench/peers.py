"""The implementations the benchmark races: `bptt`, its textbook-slope twin, the obvious NumPy loop, PyTorch, JAX.

Each one is built by a function ``make_<name>(problem)`` that returns a callable. Calling it runs
the forward pass and computes *every* gradient the NumPy `bptt` returns — the loss summed over
steps and sequences, the five parameter gradients, and the gradients of the inputs and of h^0 —
and returns them as NumPy arrays keyed like `GRADIENT_NAMES`, so that the benchmark can check
agreement before it times anything. The peers are optional: `peer_status` says whether each can
be imported, and the benchmark reports a missing one as skipped.

PyTorch's ``nn.RNN`` offers tanh and ReLU only, so the benchmark's peers use tanh.

The textbook-slope twin (`make_textbook`) is `bptt`'s fast path with the two shortcuts an
accurate backward pass gives up: the slope σ'(z) read off the stored hidden state as 1 − h²,
which cancels to 0 where tanh saturates, and ŷ − y formed by subtracting 1 from ŷ at the target,
which cancels when ŷ_k is close to 1. Everything else is the same arithmetic in the same order
(the tied-weight sums are `bptt`'s own stage), so its time over `bptt`'s is what exactness costs.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.bench.problem import Problem, Run
from rnn_math.apps.bench.textbook import make_textbook
from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.fast_path import (
    backward_time_major,
    check_forward_inputs,
    forward_from_states,
    gradient_sums,
    recurrence_time_major,
)

#: What every implementation returns: the loss and the gradients of everything it depends on.
GRADIENT_NAMES = ("loss", "W_h", "W_e", "b_1", "U", "b_2", "xs", "h_0")

#: The Python module each peer needs.
PEER_MODULES = {"torch": "torch", "jax": "jax"}

#: Names of the steps of `bptt`, in its order, as `make_numpy_staged` times them.
STAGES = ("input checks, time-major copy", "forward recurrence", "output layer", "backward recurrence", "gradient sums")


def peer_status(name: str) -> str | None:
    """None if the peer can run, else the reason it is skipped."""
    module = PEER_MODULES[name]
    if importlib.util.find_spec(module) is None:
        return f"skipped: {module} is not installed (pip install 'rnn-math[bench]')"
    return None


def make_numpy(problem: Problem) -> Run:
    """This package's `bptt` (tanh), the function the site's proofs check."""
    p = problem

    def run() -> dict[str, NDArray[np.floating]]:
        result = bptt(p.params, p.xs, p.targets, activation="tanh", h_0=p.h_0)
        return {"loss": np.asarray(result.loss), **result.grads.as_dict(), "xs": result.grad_xs, "h_0": result.grad_h_0}

    return run


def make_numpy_staged(problem: Problem) -> Callable[[], tuple[list[float], dict[str, NDArray[np.floating]]]]:
    """`bptt`'s own steps called one by one, with the wall time of each (seconds, in `STAGES` order).

    The steps are the stages of [`rnn_math.rnn.fast_path`][rnn_math.rnn.fast_path] that `bptt`
    itself composes, in its order, so the times add up to one call of `bptt`;
    tests/test_bench.py checks that the results are identical to its own.
    """
    p, clock = problem, time.perf_counter

    def run() -> tuple[list[float], dict[str, NDArray[np.floating]]]:
        laps = [clock()]
        xs, targets, h_0, _ = check_forward_inputs(p.params, p.xs, p.targets, "tanh", p.h_0)
        laps.append(clock())
        z, h = recurrence_time_major(p.params.W_h, p.params.W_e, p.params.b_1, xs, h_0, "tanh")
        laps.append(clock())
        fp = forward_from_states(p.params, z, h, targets)
        laps.append(clock())
        deltas, output_grads = backward_time_major(p.params, fp, targets, "tanh")
        laps.append(clock())
        grads, grad_h_0, grad_xs = gradient_sums(p.params, fp, deltas, output_grads, xs)
        laps.append(clock())
        seconds = [after - before for before, after in pairwise(laps)]
        return seconds, {
            "loss": np.asarray(fp.loss),
            **grads.as_dict(),
            "xs": np.swapaxes(grad_xs, 0, 1),
            "h_0": grad_h_0,
        }

    return run


def stage_flops(B: int, T: int, d: int, D_h: int, V: int) -> list[int]:
    """FLOPs of the matrix products inside each of `STAGES`; they add up to `Size.flops`.

    Forward recurrence: W_e x for all steps, W_h h^{t-1} at each of the T steps. Output layer: U h.
    Backward recurrence: Uᵀ(ŷ − y) for all steps, W_hᵀ δ^{t+1} at T − 1 steps. Gradient sums: the
    gradients of W_h, W_e and U, the inputs' W_eᵀ δ, and h^0's W_hᵀ δ^1.
    """
    rows = T * B
    return [
        0,
        2 * rows * (d * D_h + D_h * D_h),
        2 * rows * D_h * V,
        2 * rows * V * D_h + 2 * (T - 1) * B * D_h * D_h,
        2 * rows * (D_h * D_h + 2 * d * D_h + V * D_h) + 2 * B * D_h * D_h,
    ]


def make_numpy_loop(problem: Problem) -> Run:
    """The obvious NumPy loop: the way one first writes forward and backward, for comparison.

    Everything happens inside the time loop, step by step, on batch-major slices: the input and
    recurrent products, the logits and softmax of step t, and on the way back each step's output
    gradient, hidden-state gradient and its share of every weight gradient. Nothing is hoisted.
    """
    p = problem
    W_h, W_e, b_1, U, b_2 = (getattr(p.params, name) for name in ("W_h", "W_e", "b_1", "U", "b_2"))
    xs, targets = p.xs, p.targets
    B, T, _ = xs.shape
    rows = np.arange(B)

    def run() -> dict[str, NDArray[np.floating]]:
        hs, y_hats, loss = [p.h_0], [], 0.0
        for t in range(T):
            hs.append(np.tanh(xs[:, t] @ W_e.T + hs[-1] @ W_h.T + b_1))
            theta = hs[-1] @ U.T + b_2
            theta = theta - theta.max(axis=1, keepdims=True)
            e = np.exp(theta)
            total = e.sum(axis=1, keepdims=True)
            y_hats.append(e / total)
            loss += float(np.sum(np.log(total[:, 0]) - theta[rows, targets[:, t]]))
        grads = {
            name: np.zeros_like(value)
            for name, value in (("W_h", W_h), ("W_e", W_e), ("b_1", b_1), ("U", U), ("b_2", b_2))
        }
        grad_xs = np.empty_like(xs)
        delta_next = np.zeros_like(p.h_0)
        for t in range(T - 1, -1, -1):
            output_grad = y_hats[t].copy()
            output_grad[rows, targets[:, t]] -= 1
            grads["U"] += output_grad.T @ hs[t + 1]
            grads["b_2"] += output_grad.sum(axis=0)
            delta_t = (output_grad @ U + delta_next @ W_h) * (1 - hs[t + 1] ** 2)
            grads["W_h"] += delta_t.T @ hs[t]
            grads["W_e"] += delta_t.T @ xs[:, t]
            grads["b_1"] += delta_t.sum(axis=0)
            grad_xs[:, t] = delta_t @ W_e
            delta_next = delta_t
        return {"loss": np.asarray(loss), **grads, "xs": grad_xs, "h_0": delta_next @ W_h}

    return run


def make_torch(problem: Problem) -> Run:
    """``nn.RNN`` (tanh) + ``nn.Linear`` + summed cross-entropy, gradients by ``backward()``.

    ``nn.RNN`` has two hidden biases; the second is fixed at zero and left out of the gradient
    (it would only repeat ∂L/∂b_1). Gradients are cleared by setting them to None before each call.
    """
    import torch

    p, dtype = problem, {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[problem.xs.dtype]
    d, D_h, V = p.params.dims.d, p.params.dims.D_h, p.params.dims.V
    rnn = torch.nn.RNN(d, D_h, nonlinearity="tanh", batch_first=True, dtype=dtype)
    linear = torch.nn.Linear(D_h, V, dtype=dtype)
    weights = dict(rnn.named_parameters())  # typed Parameters; rnn.weight_hh_l0 is only Module.__getattr__'s
    with torch.no_grad():
        weights["weight_hh_l0"].copy_(torch.from_numpy(p.params.W_h))
        weights["weight_ih_l0"].copy_(torch.from_numpy(p.params.W_e))
        weights["bias_ih_l0"].copy_(torch.from_numpy(p.params.b_1))
        weights["bias_hh_l0"].zero_()
        linear.weight.copy_(torch.from_numpy(p.params.U))
        linear.bias.copy_(torch.from_numpy(p.params.b_2))
    weights["bias_hh_l0"].requires_grad_(False)
    xs = torch.from_numpy(p.xs).requires_grad_(True)
    h_0 = torch.from_numpy(np.ascontiguousarray(p.h_0[None])).requires_grad_(True)
    targets = torch.from_numpy(p.targets.reshape(-1).astype(np.int64))
    leaves = {
        "W_h": weights["weight_hh_l0"],
        "W_e": weights["weight_ih_l0"],
        "b_1": weights["bias_ih_l0"],
        "U": linear.weight,
        "b_2": linear.bias,
        "xs": xs,
        "h_0": h_0,
    }

    def gradient(leaf: torch.Tensor) -> NDArray[np.floating]:
        if leaf.grad is None:  # backward() reaches every leaf: None would be a bug of this peer
            raise RuntimeError("torch peer: a leaf received no gradient")
        return leaf.grad.numpy()

    def run() -> dict[str, NDArray[np.floating]]:
        for leaf in leaves.values():
            leaf.grad = None
        hs, _ = rnn(xs, h_0)
        loss = torch.nn.functional.cross_entropy(linear(hs).reshape(-1, V), targets, reduction="sum")
        loss.backward()
        grads = {name: gradient(leaf) for name, leaf in leaves.items()}
        grads["h_0"] = grads["h_0"][0]
        return {"loss": loss.detach().numpy(), **grads}

    return run


def make_jax(problem: Problem) -> Run:
    """``jit(value_and_grad(...))`` over ``lax.scan``, written as a JAX user would.

    The input projection of all steps is one product outside the scan (as in the NumPy code), so
    the peer is not handicapped by work it need not do; only ``tanh(W_h h + ·)`` is scanned.
    """
    import jax
    import jax.numpy as jnp

    if problem.xs.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)

    def loss_fn(weights, xs, h_0, targets):
        W_h, W_e, b_1, U, b_2 = weights
        projected = jnp.swapaxes(xs @ W_e.T + b_1, 0, 1)  # (T, B, D_h): the scan runs over time

        def step(h, p_t):
            h = jnp.tanh(h @ W_h.T + p_t)
            return h, h

        _, hs = jax.lax.scan(step, h_0, projected)
        log_probs = jax.nn.log_softmax(hs @ U.T + b_2, axis=-1)
        return -jnp.sum(jnp.take_along_axis(log_probs, targets.T[..., None], axis=-1))

    value_and_grads = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1, 2)))
    p = problem
    weights = tuple(jnp.asarray(getattr(p.params, name)) for name in ("W_h", "W_e", "b_1", "U", "b_2"))
    xs, h_0, targets = jnp.asarray(p.xs), jnp.asarray(p.h_0), jnp.asarray(p.targets)

    def run() -> dict[str, NDArray[np.floating]]:
        loss, (g_weights, g_xs, g_h_0) = value_and_grads(weights, xs, h_0, targets)
        jax.block_until_ready((loss, g_weights, g_xs, g_h_0))
        named = dict(zip(("W_h", "W_e", "b_1", "U", "b_2"), g_weights, strict=True))
        return {
            "loss": np.asarray(loss),
            **{k: np.asarray(v) for k, v in named.items()},
            "xs": np.asarray(g_xs),
            "h_0": np.asarray(g_h_0),
        }

    return run


#: Every implementation: ours first, then the two NumPy references that always run (the textbook
#: slope and the obvious loop), then the optional peers.
IMPLEMENTATIONS: dict[str, Callable[[Problem], Run]] = {
    "numpy": make_numpy,
    "textbook": make_textbook,
    "loop": make_numpy_loop,
    "torch": make_torch,
    "jax": make_jax,
}


def gradient_disagreement(ours: dict[str, NDArray[np.floating]], theirs: dict[str, NDArray[np.floating]]) -> float:
    """The largest relative difference over the loss and every gradient: max|Δ| / max|ours|, per array."""
    worst = 0.0
    for name in GRADIENT_NAMES:
        a, b = np.asarray(ours[name], dtype=np.float64), np.asarray(theirs[name], dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a))), 1e-300)))
    return worst
