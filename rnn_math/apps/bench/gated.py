"""The benchmark's gated cells: the LSTM's and the GRU's fast paths against PyTorch and JAX.

Each ``make_gated_<name>(problem)`` returns a callable that runs the forward pass and computes
every gradient the fast path returns — the loss summed over steps and sequences, every parameter's
gradient, and the gradients of the inputs and of the initial states — as NumPy arrays keyed like
`gated_names`, so that the benchmark checks agreement before it times anything:

- ours: [`lstm_fast_gradients`][rnn_math.lstm.fast_path.lstm_fast_gradients] and
  [`gru_fast_gradients`][rnn_math.gru.fast_path.gru_fast_gradients] (PyTorch's form);
- PyTorch: ``nn.LSTM`` / ``nn.GRU`` + ``nn.Linear`` + ``cross_entropy(reduction="sum")``, then
  ``backward()``;
- JAX: ``jit(value_and_grad(loss))`` with the cell in ``lax.scan``, the input part of every gate
  at every step hoisted out of the scan as one product, as a JAX user would write it.

[`make_gated_staged`][rnn_math.apps.bench.gated.make_gated_staged] runs our fast path's stages
one by one with the wall time of each (the benchmark's `STAGES`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.bench.problem import Run
from rnn_math.gru.fast_path import GRUStacked, gru_backward, gru_fast_gradients, gru_recurrence, gru_sums
from rnn_math.gru.params import GRUParams
from rnn_math.lstm.fast_path import (
    check_gated_inputs,
    gated_output_layer,
    lstm_backward,
    lstm_fast_gradients,
    lstm_recurrence,
    lstm_sums,
)
from rnn_math.lstm.params import LSTMParams

#: The gated cells the benchmark races, and the number of gates stacked in their weights.
CELLS = {"lstm": 4, "gru": 3}


@dataclass(frozen=True)
class GatedProblem:
    """One benchmark input of a gated cell: parameters, a batch of sequences, targets and initial states."""

    cell: str
    params: Any
    xs: NDArray[np.floating]
    targets: NDArray[np.intp]
    states: dict[str, NDArray[np.floating]]

    @classmethod
    def random(cls, cell: str, B: int, T: int, d: int, D_h: int, V: int, *, dtype: type, seed: int = 0) -> GatedProblem:
        """Seeded random parameters (scale 1/√D_h, as for the vanilla RNN), inputs, targets and states."""
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {cell!r}")
        kind = LSTMParams if cell == "lstm" else GRUParams
        params = kind.random(d=d, D_h=D_h, V=V, seed=seed, scale=1.0 / np.sqrt(D_h), dtype=dtype)
        rng = np.random.default_rng(seed + 1)
        xs: NDArray[np.floating] = rng.standard_normal((B, T, d)).astype(dtype)
        targets = rng.integers(0, V, size=(B, T)).astype(np.intp)
        names = ("h_0", "c_0") if cell == "lstm" else ("h_0",)
        states: dict[str, NDArray[np.floating]] = {
            name: (0.1 * rng.standard_normal((B, D_h))).astype(dtype) for name in names
        }
        return cls(cell, params, xs, targets, states)


def gated_names(cell: str) -> tuple[str, ...]:
    """What every implementation of `cell` returns: the loss, each parameter's gradient, xs' and the states'."""
    params = LSTMParams.random(1, 1, 1) if cell == "lstm" else GRUParams.random(1, 1, 1)
    states = ("h_0", "c_0") if cell == "lstm" else ("h_0",)
    return ("loss", *params.as_dict(), "xs", *states)


def gated_flops(cell: str, B: int, T: int, d: int, D_h: int, V: int) -> int:
    """Multiply-add FLOPs of forward + backward: 6 T B D_h (G d + G D_h + |V|) for G stacked gates.

    Each of the three products with W_ih (forward, its gradient, the inputs'), with W_hh (forward,
    the backward recursion, its gradient) and with U (logits, U^T (ŷ − y), its gradient) costs
    2 T B times its two widths; element-wise work is not counted.
    """
    G = CELLS[cell]
    return 6 * T * B * D_h * (G * d + G * D_h + V)


def gated_stage_flops(cell: str, B: int, T: int, d: int, D_h: int, V: int) -> list[int]:
    """FLOPs of the products inside each of the benchmark's `STAGES`; they add up to `gated_flops`."""
    G, rows = CELLS[cell], T * B
    return [
        0,
        2 * rows * G * D_h * (d + D_h),
        2 * rows * D_h * V,
        2 * rows * V * D_h + 2 * (T - 1) * B * G * D_h * D_h,
        2 * rows * (G * D_h * D_h + 2 * G * D_h * d + V * D_h) + 2 * B * G * D_h * D_h,
    ]


def _named(problem: GatedProblem, loss: Any, grads: dict[str, Any], grad_xs: Any, states: dict[str, Any]) -> Any:
    return {"loss": np.asarray(loss), **grads, "xs": np.asarray(grad_xs), **states}


def make_gated_numpy(problem: GatedProblem) -> Run:
    """This package's fast path of the cell, the functions the tests prove equal to the composers."""
    p = problem

    def run() -> dict[str, NDArray[np.floating]]:
        if p.cell == "lstm":
            r = lstm_fast_gradients(p.params, p.xs, p.targets, **p.states)
            return _named(p, r.loss, r.grads, r.grad_xs, {"h_0": r.grad_h_0, "c_0": r.grad_c_0})
        g = gru_fast_gradients(p.params, p.xs, p.targets, h_0=p.states["h_0"])
        return _named(p, g.loss, g.grads, g.grad_xs, {"h_0": g.grad_h_0})

    return run


def make_gated_staged(problem: GatedProblem) -> Callable[[], tuple[list[float], dict[str, NDArray[np.floating]]]]:
    """The fast path's stages called one by one, with the wall time of each (seconds, in `STAGES` order)."""
    p, clock = problem, time.perf_counter

    def run() -> tuple[list[float], dict[str, NDArray[np.floating]]]:
        laps = [clock()]
        x, k, s0 = check_gated_inputs(p.params.dims, p.xs.dtype, p.xs, p.targets, dict(p.states))
        laps.append(clock())
        if p.cell == "lstm":
            st = lstm_recurrence(p.params, x, s0["h_0"], s0["c_0"])
            laps.append(clock())
            _, _, errors, _, loss = gated_output_layer(p.params.U, p.params.b_2, st.h, k)
            laps.append(clock())
            deltas, grad_c = lstm_backward(p.params, st, errors)
            laps.append(clock())
            grads, g_h0, g_c0, g_xs = lstm_sums(p.params, st, deltas, grad_c, errors, x)
            states = {"h_0": g_h0, "c_0": g_c0}
        else:
            stacked = GRUStacked.of(p.params, "pytorch")
            gs = gru_recurrence(stacked, x, s0["h_0"])
            laps.append(clock())
            _, _, errors, _, loss = gated_output_layer(p.params.U, p.params.b_2, gs.h, k)
            laps.append(clock())
            deltas, recurrent_side, carries = gru_backward(stacked, p.params.U, gs, errors)
            laps.append(clock())
            grads, g_xs = gru_sums(stacked, gs, deltas, recurrent_side, errors, x)
            states = {"h_0": carries[0]}
        laps.append(clock())
        return [b - a for a, b in pairwise(laps)], _named(p, loss, grads, np.swapaxes(g_xs, 0, 1), states)

    return run


def _torch_dtype(dtype: np.dtype) -> Any:
    import torch

    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]


#: PyTorch's stacked names and, for the GRU, the rows of each gate (order r, z, n).
_GRU_STACKS = {"weight_ih_l0": "W_i", "weight_hh_l0": "W_h", "bias_ih_l0": "b_i", "bias_hh_l0": "b_h"}


def make_gated_torch(problem: GatedProblem) -> Run:
    """``nn.LSTM`` or ``nn.GRU`` + ``nn.Linear`` + summed cross-entropy, gradients by ``backward()``."""
    import torch

    p, dtype = problem, _torch_dtype(problem.xs.dtype)
    d, D_h, V = p.params.dims.d, p.params.dims.D_h, p.params.dims.V
    module = (torch.nn.LSTM if p.cell == "lstm" else torch.nn.GRU)(d, D_h, batch_first=True, dtype=dtype)
    linear = torch.nn.Linear(D_h, V, dtype=dtype)
    weights = dict(module.named_parameters())
    ours = p.params.as_dict()
    if p.cell == "lstm":
        stacked = {"weight_ih_l0": "W_ih", "weight_hh_l0": "W_hh", "bias_ih_l0": "b_ih", "bias_hh_l0": "b_hh"}
        values = {name: ours[ours_name] for name, ours_name in stacked.items()}
    else:  # PyTorch stacks the GRU's gates r, z, n
        values = {name: np.concatenate([ours[f"{short}{g}"] for g in "rzn"]) for name, short in _GRU_STACKS.items()}
    with torch.no_grad():
        for name, value in values.items():
            weights[name].copy_(torch.from_numpy(np.ascontiguousarray(value)))
        linear.weight.copy_(torch.from_numpy(p.params.U))
        linear.bias.copy_(torch.from_numpy(p.params.b_2))
    xs = torch.from_numpy(p.xs).requires_grad_(True)
    states = {n: torch.from_numpy(np.ascontiguousarray(s[None])).requires_grad_(True) for n, s in p.states.items()}
    targets = torch.from_numpy(p.targets.reshape(-1).astype(np.int64))
    leaves = [*weights.values(), linear.weight, linear.bias, xs, *states.values()]

    def grad(leaf: Any) -> NDArray[np.floating]:
        if leaf.grad is None:
            raise RuntimeError("torch peer: a leaf received no gradient")
        return leaf.grad.numpy()

    def run() -> dict[str, NDArray[np.floating]]:
        for leaf in leaves:
            leaf.grad = None
        initial = (states["h_0"], states["c_0"]) if p.cell == "lstm" else states["h_0"]
        hs, _ = module(xs, initial)
        loss = torch.nn.functional.cross_entropy(linear(hs).reshape(-1, V), targets, reduction="sum")
        loss.backward()
        if p.cell == "lstm":
            grads = {ours_name: grad(weights[name]) for name, ours_name in stacked.items()}
        else:
            grads = {}
            for name, short in _GRU_STACKS.items():
                blocks = np.split(grad(weights[name]), 3)
                grads |= {f"{short}{g}": block for g, block in zip("rzn", blocks, strict=True)}
        grads |= {"U": grad(linear.weight), "b_2": grad(linear.bias)}
        return _named(p, loss.detach().numpy(), grads, grad(xs), {n: grad(s)[0] for n, s in states.items()})

    return run


def make_gated_jax(problem: GatedProblem) -> Run:
    """``jit(value_and_grad(...))`` over ``lax.scan``, the input part of every gate hoisted out of the scan."""
    import jax
    import jax.numpy as jnp

    if problem.xs.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    p, D = problem, problem.params.dims.D_h

    def output_loss(hs, U, b_2, targets):
        log_probs = jax.nn.log_softmax(hs @ U.T + b_2, axis=-1)
        return -jnp.sum(jnp.take_along_axis(log_probs, targets.T[..., None], axis=-1))

    def lstm_loss(w, xs, states, targets):
        projected = jnp.swapaxes(xs @ w["W_ih"].T + w["b_ih"] + w["b_hh"], 0, 1)

        def step(carry, p_t):
            h, c = carry
            a = p_t + h @ w["W_hh"].T
            i, f, g, o = (jax.nn.sigmoid(a[:, :D]), jax.nn.sigmoid(a[:, D : 2 * D]), jnp.tanh(a[:, 2 * D : 3 * D]),
                          jax.nn.sigmoid(a[:, 3 * D :]))  # fmt: skip
            c = f * c + i * g
            h = o * jnp.tanh(c)
            return (h, c), h

        _, hs = jax.lax.scan(step, (states["h_0"], states["c_0"]), projected)
        return output_loss(hs, w["U"], w["b_2"], targets)

    def gru_loss(w, xs, states, targets):
        W_i = jnp.concatenate([w["W_ir"], w["W_iz"], w["W_in"]])
        W_h = jnp.concatenate([w["W_hr"], w["W_hz"], w["W_hn"]])
        b = jnp.concatenate([w["b_ir"] + w["b_hr"], w["b_iz"] + w["b_hz"], w["b_in"]])
        projected = jnp.swapaxes(xs @ W_i.T + b, 0, 1)

        def step(h, p_t):
            hh = h @ W_h.T
            r = jax.nn.sigmoid(p_t[:, :D] + hh[:, :D])
            z = jax.nn.sigmoid(p_t[:, D : 2 * D] + hh[:, D : 2 * D])
            n = jnp.tanh(p_t[:, 2 * D :] + r * (hh[:, 2 * D :] + w["b_hn"]))
            h = (1 - z) * n + z * h
            return h, h

        _, hs = jax.lax.scan(step, states["h_0"], projected)
        return output_loss(hs, w["U"], w["b_2"], targets)

    loss_fn = lstm_loss if p.cell == "lstm" else gru_loss
    value_and_grads = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1, 2)))
    weights = {name: jnp.asarray(v) for name, v in p.params.as_dict().items()}
    xs, targets = jnp.asarray(p.xs), jnp.asarray(p.targets)
    states = {name: jnp.asarray(s) for name, s in p.states.items()}

    def run() -> dict[str, NDArray[np.floating]]:
        loss, (g_w, g_xs, g_states) = value_and_grads(weights, xs, states, targets)
        jax.block_until_ready((loss, g_w, g_xs, g_states))
        grads = {name: np.asarray(v) for name, v in g_w.items()}
        return _named(p, np.asarray(loss), grads, g_xs, {n: np.asarray(v) for n, v in g_states.items()})

    return run


#: Every implementation of a gated cell: ours first, then the optional peers.
GATED_IMPLEMENTATIONS: dict[str, Callable[[GatedProblem], Run]] = {
    "numpy": make_gated_numpy,
    "torch": make_gated_torch,
    "jax": make_gated_jax,
}


def gated_disagreement(cell: str, ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    """The largest relative difference over the loss and every gradient: max|Δ| / max|ours|, per array."""
    worst = 0.0
    for name in gated_names(cell):
        a, b = np.asarray(ours[name], dtype=np.float64), np.asarray(theirs[name], dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a))), 1e-300)))
    return worst


__all__ = [
    "CELLS",
    "GATED_IMPLEMENTATIONS",
    "GatedProblem",
    "gated_disagreement",
    "gated_flops",
    "gated_names",
    "gated_stage_flops",
    "make_gated_jax",
    "make_gated_numpy",
    "make_gated_staged",
    "make_gated_torch",
]
