"""The implementations the benchmark races: this package's `bptt`, PyTorch and JAX.

Each one is built by a function ``make_<name>(problem)`` that returns a callable. Calling it runs
the forward pass and computes *every* gradient the NumPy `bptt` returns — the loss summed over
steps and sequences, the five parameter gradients, and the gradients of the inputs and of h^0 —
and returns them as NumPy arrays keyed like `GRADIENT_NAMES`, so that the benchmark can check
agreement before it times anything. The peers are optional: `peer_status` says whether each can
be imported, and the benchmark reports a missing one as skipped.

PyTorch's ``nn.RNN`` offers tanh and ReLU only, so the benchmark's peers use tanh.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.bptt import bptt
from rnn_math.params import RNNParams

#: What every implementation returns: the loss and the gradients of everything it depends on.
GRADIENT_NAMES = ("loss", "W_h", "W_e", "b_1", "U", "b_2", "xs", "h_0")

#: The Python module each peer needs.
PEER_MODULES = {"torch": "torch", "jax": "jax"}

Run = Callable[[], dict[str, NDArray[np.floating]]]


@dataclass(frozen=True)
class Problem:
    """One benchmark input: parameters, a batch of sequences, targets and h^0, all in one dtype."""

    params: RNNParams
    xs: NDArray[np.floating]
    targets: NDArray[np.intp]
    h_0: NDArray[np.floating]

    @classmethod
    def random(cls, B: int, T: int, d: int, D_h: int, V: int, *, one_hot: bool, dtype: type, seed: int = 0) -> Problem:
        """Seeded random parameters (scale 1/√D_h keeps tanh out of saturation), inputs and targets."""
        params = RNNParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=1.0 / np.sqrt(D_h), dtype=dtype)
        rng = np.random.default_rng(seed + 1)
        if one_hot:
            xs = np.eye(d, dtype=dtype)[rng.integers(0, d, size=(B, T))]
        else:
            xs = rng.standard_normal((B, T, d)).astype(dtype)
        targets = rng.integers(0, V, size=(B, T)).astype(np.intp)
        h_0 = (0.1 * rng.standard_normal((B, D_h))).astype(dtype)
        return cls(params, xs, targets, h_0)


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
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.from_numpy(p.params.W_h))
        rnn.weight_ih_l0.copy_(torch.from_numpy(p.params.W_e))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p.params.b_1))
        rnn.bias_hh_l0.zero_()
        linear.weight.copy_(torch.from_numpy(p.params.U))
        linear.bias.copy_(torch.from_numpy(p.params.b_2))
    rnn.bias_hh_l0.requires_grad_(False)
    xs = torch.from_numpy(p.xs).requires_grad_(True)
    h_0 = torch.from_numpy(np.ascontiguousarray(p.h_0[None])).requires_grad_(True)
    targets = torch.from_numpy(p.targets.reshape(-1).astype(np.int64))
    leaves = {"W_h": rnn.weight_hh_l0, "W_e": rnn.weight_ih_l0, "b_1": rnn.bias_ih_l0,
              "U": linear.weight, "b_2": linear.bias, "xs": xs, "h_0": h_0}

    def run() -> dict[str, NDArray[np.floating]]:
        for leaf in leaves.values():
            leaf.grad = None
        hs, _ = rnn(xs, h_0)
        loss = torch.nn.functional.cross_entropy(linear(hs).reshape(-1, V), targets, reduction="sum")
        loss.backward()
        grads = {name: leaf.grad.numpy() for name, leaf in leaves.items()}
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
        return {"loss": np.asarray(loss), **{k: np.asarray(v) for k, v in named.items()},
                "xs": np.asarray(g_xs), "h_0": np.asarray(g_h_0)}

    return run


#: Every implementation, ours first.
IMPLEMENTATIONS: dict[str, Callable[[Problem], Run]] = {"numpy": make_numpy, "torch": make_torch, "jax": make_jax}


def gradient_disagreement(ours: dict[str, NDArray[np.floating]], theirs: dict[str, NDArray[np.floating]]) -> float:
    """The largest relative difference over the loss and every gradient: max|Δ| / max|ours|, per array."""
    worst = 0.0
    for name in GRADIENT_NAMES:
        a, b = np.asarray(ours[name], dtype=np.float64), np.asarray(theirs[name], dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a))), 1e-300)))
    return worst
