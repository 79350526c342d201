"""The GRU's forward pass, its loss as a function of the parameters, and BPTT composed from the equations.

[`gru_gradients`][rnn_math.gru.passes.gru_gradients] composes the registered equations step by step,
as the GRU page derives them, looking each up in the registry by id so that any of them can be
replaced by a wrong version (a [`Mistake`][rnn_math.verification.mistakes.Mistake]). The variant
``"pytorch"`` is the form of PyTorch's ``nn.GRU`` (the reset gate multiplies W_hn h^{t-1} + b_hn);
``"cho"`` applies the reset gate to h^{t-1} before the product, as Cho et al. (2014) write it.

[`gru_loss`][rnn_math.gru.passes.gru_loss] and [`untied_gru_loss`][rnn_math.gru.passes.untied_gru_loss]
are the loss as a plain function of named arrays (complex arrays accepted, for complex step), tied
or with one copy of every parameter per step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, batch_targets_and_state, check_choice, check_shapes
from rnn_math.gru.forward_equations import candidate, cho_candidate, new_state, reset_gate, update_gate
from rnn_math.gru.params import PARAMETER_NAMES, SHAPES, GRUParams
from rnn_math.rnn.forward_equations import output_logits, softmax, step_loss, total_loss
from rnn_math.verification.declaration import equation_functions

#: The two forms of the candidate: PyTorch's (reset after the product) and Cho et al.'s (before).
VARIANTS = ("pytorch", "cho")

#: The output layer's equations, the vanilla RNN's: the GRU borrows them unchanged.
OUTPUT_FORWARD: tuple[str, ...] = ("eq-forward-theta", "eq-softmax", "eq-loss-step", "eq-loss-total")
OUTPUT_BACKWARD: tuple[str, ...] = ("eq-bptt-output-grad", "eq-bptt-grad-u", "eq-bptt-grad-b2")

#: Each variant's own forward equations, in derivation order.
FORWARD_EQUATIONS: dict[str, tuple[str, ...]] = {
    "pytorch": ("eq-gru-reset", "eq-gru-update", "eq-gru-candidate", "eq-gru-state"),
    "cho": ("eq-gru-reset", "eq-gru-update", "eq-gru-cho-candidate", "eq-gru-state"),
}

_SHARED_BACKWARD = ("eq-gru-hidden-grad", "eq-gru-delta-n", "eq-gru-delta-z")
_SUMS = ("eq-gru-grad-wi", "eq-gru-grad-wh", "eq-gru-grad-b")

#: Each variant's own backward equations, in derivation order (the output layer's are borrowed).
BACKWARD_EQUATIONS: dict[str, tuple[str, ...]] = {
    "pytorch": (
        *_SHARED_BACKWARD,
        "eq-gru-delta-r",
        "eq-gru-carry",
        *_SUMS,
        "eq-gru-grad-whn",
        "eq-gru-grad-bhn",
        "eq-gru-grad-x",
    ),
    "cho": (
        *_SHARED_BACKWARD,
        "eq-gru-cho-delta-r",
        "eq-gru-cho-carry",
        *_SUMS,
        "eq-gru-cho-grad-whn",
        "eq-gru-cho-grad-bhn",
        "eq-gru-grad-x",
    ),
}

#: Which registered id plays each role in each variant.
ROLES: dict[str, dict[str, str]] = {
    "pytorch": {
        "delta_r": "eq-gru-delta-r",
        "carry": "eq-gru-carry",
        "W_hn": "eq-gru-grad-whn",
        "b_hn": "eq-gru-grad-bhn",
    },
    "cho": {
        "delta_r": "eq-gru-cho-delta-r",
        "carry": "eq-gru-cho-carry",
        "W_hn": "eq-gru-cho-grad-whn",
        "b_hn": "eq-gru-cho-grad-bhn",
    },
}

_CANDIDATES = {"pytorch": candidate, "cho": cho_candidate}

#: Names the loss functions differentiate with respect to, besides the parameters, when given.
STATE_NAMES = ("h_0", "xs")


@dataclass(frozen=True)
class GRUForward:
    """Every intermediate of the forward pass, batched: shape (B, T, width); ``h`` holds h^0..h^T."""

    a_r: Array
    r: Array
    a_z: Array
    z: Array
    a_n: Array
    n: Array
    h: Array
    theta: Array
    y_hat: Array
    step_losses: Array
    loss: Any


@dataclass(frozen=True)
class GRUGradients:
    """The loss, every gradient by parameter name, ∂L/∂h^0, ∂L/∂x^t, and the errors of the backward pass.

    ``deltas`` holds δ_r, δ_z, δ_n by gate letter, each (B, T, D_h); ``carries`` holds γ^1..γ^T.
    """

    loss: float
    grads: dict[str, Array]
    grad_h_0: Array
    grad_xs: Array
    deltas: dict[str, Array]
    output_grads: Array
    carries: Array
    forward: GRUForward


def _prepare(
    params: Mapping[str, ArrayLike], xs: ArrayLike | None, targets: ArrayLike, h_0: ArrayLike | None, copies: bool
) -> tuple[dict[str, NDArray], NDArray, NDArray, NDArray]:
    """Check everything once; return (parameters, xs (B,T,d), targets (B,T), h_0 (B,D_h)) in one dtype."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping of arrays by name, got {type(params).__name__}")
    missing = [name for name in PARAMETER_NAMES if name not in params]
    extra = sorted(set(params) - set(PARAMETER_NAMES) - set(STATE_NAMES))
    if missing or extra:
        raise ValueError(
            f"params: expected the names {list(PARAMETER_NAMES)} (and optionally {list(STATE_NAMES)}), "
            f"missing {missing}, unexpected {extra}"
        )
    xs = params.get("xs", xs)
    h_0 = params.get("h_0", h_0)
    if xs is None:
        raise ValueError("xs: expected the inputs, as an argument or as params['xs'], got None")
    lead = ("T",) if copies else ()
    arrays = {
        name: as_float_array(name, params[name], ndim=len(SHAPES[name]) + len(lead), allow_complex=True)
        for name in PARAMETER_NAMES
    }
    xs_arr = as_float_array("xs", xs, ndim=(2, 3), allow_complex=True)
    batched = xs_arr.ndim == 3
    xs3 = xs_arr if batched else xs_arr[None]
    sizes = check_shapes(
        [("xs", xs3.shape, ("B", "T", "d"))]
        + [(name, arrays[name].shape, (*lead, *SHAPES[name])) for name in PARAMETER_NAMES]
    )
    B, T, D_h = xs3.shape[0], xs3.shape[1], sizes["D_h"]
    targets2, h0 = batch_targets_and_state(targets, h_0, V=sizes["V"], B=B, T=T, D_h=D_h, batched=batched)
    dtype = np.result_type(*arrays.values(), xs3, h0)
    arrays = {name: array.astype(dtype, copy=False) for name, array in arrays.items()}
    return arrays, xs3.astype(dtype, copy=False), targets2, h0.astype(dtype, copy=False)


def _run(copies: Mapping[str, NDArray], xs: NDArray, targets: NDArray, h_0: NDArray, variant: str) -> GRUForward:
    """The forward pass with step t using copy t of every parameter (unchecked)."""
    steps: dict[str, list[NDArray]] = {name: [] for name in ("a_r", "r", "a_z", "z", "a_n", "n", "theta", "y_hat", "L")}
    h = [h_0]
    for t in range(xs.shape[1]):
        p = {name: copies[name][t] for name in PARAMETER_NAMES}
        x_t, h_prev = xs[:, t], h[-1]
        a_r, r = reset_gate(p["W_ir"], x_t, p["b_ir"], p["W_hr"], h_prev, p["b_hr"])
        a_z, z = update_gate(p["W_iz"], x_t, p["b_iz"], p["W_hz"], h_prev, p["b_hz"])
        a_n, n = _CANDIDATES[variant](p["W_in"], x_t, p["b_in"], r, p["W_hn"], h_prev, p["b_hn"])
        h.append(new_state(z, n, h_prev))
        theta = output_logits(p["U"], h[-1], p["b_2"])
        for name, value in (("a_r", a_r), ("r", r), ("a_z", a_z), ("z", z), ("a_n", a_n), ("n", n), ("theta", theta)):
            steps[name].append(value)
        steps["y_hat"].append(softmax(theta))
        steps["L"].append(step_loss(theta, targets[:, t]))
    stacked = {name: np.stack(values, axis=1) for name, values in steps.items()}
    L = stacked.pop("L")
    loss = np.sum(L) if np.iscomplexobj(L) else total_loss(L)
    return GRUForward(**stacked, h=np.stack(h, axis=1), step_losses=L, loss=loss)


def _tied(arrays: Mapping[str, NDArray], T: int) -> dict[str, NDArray]:
    return {name: np.broadcast_to(array, (T, *array.shape)) for name, array in arrays.items()}


def gru_forward(
    params: GRUParams, xs: ArrayLike, targets: ArrayLike, *, variant: str = "pytorch", h_0: ArrayLike | None = None
) -> GRUForward:
    """Run the GRU and its output layer over a sequence (T, d) or a batch (B, T, d), checking every input.

    Returns
    -------
    GRUForward
        Every intermediate with a batch axis (of 1 for a single sequence).
    """
    check_choice("variant", variant, VARIANTS)
    if not isinstance(params, GRUParams):
        raise TypeError(f"params: expected GRUParams, got {type(params).__name__}")
    arrays, xs3, targets2, h0 = _prepare(params.as_dict(), xs, targets, h_0, copies=False)
    return _run(_tied(arrays, xs3.shape[1]), xs3, targets2, h0, variant)


def gru_loss(
    params: Mapping[str, ArrayLike],
    xs: ArrayLike | None,
    targets: ArrayLike,
    *,
    variant: str = "pytorch",
    h_0: ArrayLike | None = None,
) -> float | complex:
    """The loss L as a function of named arrays (``h_0`` and ``xs`` among them if given), for gradient checking."""
    check_choice("variant", variant, VARIANTS)
    arrays, xs3, targets2, h0 = _prepare(params, xs, targets, h_0, copies=False)
    return _scalar(_run(_tied(arrays, xs3.shape[1]), xs3, targets2, h0, variant).loss)


def untied_gru_loss(
    copies: Mapping[str, ArrayLike],
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    variant: str = "pytorch",
    h_0: ArrayLike | None = None,
) -> float | complex:
    """The loss with a separate copy of every parameter at every step (a leading axis of length T)."""
    check_choice("variant", variant, VARIANTS)
    arrays, xs3, targets2, h0 = _prepare(copies, xs, targets, h_0, copies=True)
    return _scalar(_run(arrays, xs3, targets2, h0, variant).loss)


def untie(params: Mapping[str, ArrayLike], T: int) -> dict[str, NDArray]:
    """One copy of every parameter per step, all equal to the tied one."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected a positive integer, got {T!r}")
    return {name: np.repeat(np.asarray(params[name])[None], T, axis=0) for name in PARAMETER_NAMES}


def _scalar(value: Any) -> float | complex:
    value = np.asarray(value)
    return complex(value) if np.iscomplexobj(value) else float(value)


def gru_gradients(
    params: GRUParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    variant: str = "pytorch",
    h_0: ArrayLike | None = None,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> GRUGradients:
    """BPTT through a GRU composed plainly from the registered equations, any of them replaceable by id.

    Parameters
    ----------
    params
        The GRU's parameters.
    xs
        Inputs, (T, d) or a batch (B, T, d).
    targets
        Correct indices, (T,) or (B, T).
    variant
        ``"pytorch"`` (reset after the product) or ``"cho"`` (before).
    h_0
        Initial state, (D_h,) or (B, D_h); zeros if omitted.
    replace
        Wrong versions of equations by id (a mistake's ``numpy``); ids of the other variant are ignored.

    Returns
    -------
    GRUGradients
        The loss and what the (possibly wrong) equations give, with the batch axis kept.
    """
    fp = gru_forward(params, xs, targets, variant=variant, h_0=h_0)
    ids = BACKWARD_EQUATIONS[variant] + OUTPUT_BACKWARD
    eq = equation_functions(ids, {k: v for k, v in (replace or {}).items() if k in ids})
    role = {name: eq[eq_id] for name, eq_id in ROLES[variant].items()}
    p = params
    xs3 = np.asarray(xs, dtype=fp.h.dtype).reshape(fp.h.shape[0], fp.h.shape[1] - 1, -1)
    targets2 = np.asarray(targets).reshape(fp.theta.shape[:2])
    h_prev = fp.h[:, :-1]
    output_grads = eq["eq-bptt-output-grad"](fp.y_hat, targets2)
    deltas = {g: np.empty_like(fp.z) for g in "rzn"}
    carries = np.empty_like(fp.z)
    carry_next = np.zeros_like(fp.z[:, 0])  # γ^{T+1} = 0
    for t in reversed(range(fp.z.shape[1])):
        grad_h = eq["eq-gru-hidden-grad"](p.U, output_grads[:, t], carry_next)
        d_n = eq["eq-gru-delta-n"](grad_h, fp.a_z[:, t], fp.a_n[:, t])
        d_z = eq["eq-gru-delta-z"](grad_h, h_prev[:, t], fp.n[:, t], fp.a_z[:, t])
        if variant == "pytorch":
            d_r = role["delta_r"](d_n, p.W_hn, h_prev[:, t], p.b_hn, fp.a_r[:, t])
        else:
            d_r = role["delta_r"](d_n, p.W_hn, h_prev[:, t], fp.a_r[:, t])
        carries[:, t] = carry_next = role["carry"](
            grad_h, fp.z[:, t], p.W_hz, d_z, p.W_hr, d_r, p.W_hn, fp.r[:, t], d_n
        )
        deltas["r"][:, t], deltas["z"][:, t], deltas["n"][:, t] = d_r, d_z, d_n
    grads = {
        "W_ir": eq["eq-gru-grad-wi"](deltas["r"], xs3),
        "W_hr": eq["eq-gru-grad-wh"](deltas["r"], h_prev),
        "b_ir": eq["eq-gru-grad-b"](deltas["r"]),
        "b_hr": eq["eq-gru-grad-b"](deltas["r"]),
        "W_iz": eq["eq-gru-grad-wi"](deltas["z"], xs3),
        "W_hz": eq["eq-gru-grad-wh"](deltas["z"], h_prev),
        "b_iz": eq["eq-gru-grad-b"](deltas["z"]),
        "b_hz": eq["eq-gru-grad-b"](deltas["z"]),
        "W_in": eq["eq-gru-grad-wi"](deltas["n"], xs3),
        "W_hn": role["W_hn"](fp.r, deltas["n"], h_prev),
        "b_in": eq["eq-gru-grad-b"](deltas["n"]),
        "b_hn": role["b_hn"](fp.r, deltas["n"]),
        "U": eq["eq-bptt-grad-u"](output_grads, fp.h[:, 1:]),
        "b_2": eq["eq-bptt-grad-b2"](output_grads),
    }
    grad_xs = eq["eq-gru-grad-x"](p.W_ir, deltas["r"], p.W_iz, deltas["z"], p.W_in, deltas["n"])
    return GRUGradients(float(fp.loss), grads, carries[:, 0], grad_xs, deltas, output_grads, carries, fp)


def step_terms(result: GRUGradients, xs: ArrayLike) -> dict[str, Array]:
    """The gradient of every step's copy of every parameter: the t-th terms of the sums over t.

    Built from the errors δ_r, δ_z, δ_n, r^t ⊙ δ_n^t and ŷ^t − y^t of `result` (summed over the
    batch); summing each over its first axis gives the entry of ``result.grads``.
    The terms of W_hn and b_hn depend on the variant:
    [`variant_step_terms`][rnn_math.gru.passes.variant_step_terms] adds them.
    """
    d, out, fp = result.deltas, result.output_grads, result.forward
    x = np.asarray(xs).reshape(fp.h.shape[0], fp.h.shape[1] - 1, -1)
    h_prev = fp.h[:, :-1]

    def outer(left: Array, right: Array) -> Array:
        return np.einsum("bti,btj->tij", left, right)

    terms: dict[str, Array] = {}
    for g in "rz":
        terms |= {
            f"W_i{g}": outer(d[g], x),
            f"W_h{g}": outer(d[g], h_prev),
            f"b_i{g}": d[g].sum(0),
            f"b_h{g}": d[g].sum(0),
        }
    terms |= {"W_in": outer(d["n"], x), "b_in": d["n"].sum(0)}
    terms |= {"U": outer(out, fp.h[:, 1:]), "b_2": out.sum(0)}
    return terms


def variant_step_terms(result: GRUGradients, xs: ArrayLike, variant: str) -> dict[str, Array]:
    """[`step_terms`][rnn_math.gru.passes.step_terms] with the terms of W_hn and b_hn of `variant`."""
    check_choice("variant", variant, VARIANTS)
    terms = step_terms(result, xs)
    fp, d_n = result.forward, result.deltas["n"]
    h_prev = fp.h[:, :-1]
    if variant == "pytorch":
        terms |= {"W_hn": np.einsum("bti,btj->tij", fp.r * d_n, h_prev), "b_hn": (fp.r * d_n).sum(0)}
    else:
        terms |= {"W_hn": np.einsum("bti,btj->tij", d_n, fp.r * h_prev), "b_hn": d_n.sum(0)}
    return terms
