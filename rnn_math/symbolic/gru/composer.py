"""The GRU unrolled symbolically from the twins, and every closed-form gradient composed from them.

[`symbolic_gru`][rnn_math.symbolic.gru.composer.symbolic_gru] builds a GRU whose every parameter,
input and initial-state entry is its own symbol (for the exact proofs);
[`unrolled`][rnn_math.symbolic.gru.composer.unrolled] runs the forward twins over any parameter
values (exact numbers for the 50-digit checks), and
[`closed_forms`][rnn_math.symbolic.gru.composer.closed_forms] composes the backward twins exactly
as the GRU page composes the equations, any of them replaceable by id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.symbolic.gru import equations as eqs
from rnn_math.symbolic.rnn.forward import matrix_symbols, output_logits, step_loss, total_loss
from rnn_math.symbolic.types import Expr, Matrix

Activation = str | Callable[[Expr], Expr]

_CANDIDATES = {"pytorch": eqs.candidate, "cho": eqs.cho_candidate}


@dataclass(frozen=True)
class SymbolicGRUForward:
    """The symbolic forward pass: lists over steps t = 1..T (``h`` holds h^0..h^T)."""

    a_r: list[Matrix]
    r: list[Matrix]
    a_z: list[Matrix]
    z: list[Matrix]
    a_n: list[Matrix]
    n: list[Matrix]
    h: list[Matrix]
    theta: list[Matrix]
    loss: Expr


def unrolled(
    params: Mapping[str, Matrix],
    xs: Sequence[Matrix],
    targets: Sequence[int],
    h_0: Matrix,
    *,
    variant: str = "pytorch",
    activation: Activation = "tanh",
) -> SymbolicGRUForward:
    """The forward twins composed over T steps (biases as columns), PyTorch's form or Cho et al.'s."""
    p = params
    out: dict[str, list[Matrix]] = {name: [] for name in ("a_r", "r", "a_z", "z", "a_n", "n", "theta")}
    h, losses = [h_0], []
    for x_t, k_t in zip(xs, targets, strict=True):
        a_r, r = eqs.reset_gate(p["W_ir"], x_t, p["b_ir"], p["W_hr"], h[-1], p["b_hr"])
        a_z, z = eqs.update_gate(p["W_iz"], x_t, p["b_iz"], p["W_hz"], h[-1], p["b_hz"])
        a_n, n = _CANDIDATES[variant](p["W_in"], x_t, p["b_in"], r, p["W_hn"], h[-1], p["b_hn"], activation)
        h.append(eqs.new_state(z, n, h[-1]))
        theta = output_logits(p["U"], h[-1], p["b_2"])
        for name, value in (("a_r", a_r), ("r", r), ("a_z", a_z), ("z", z), ("a_n", a_n), ("n", n), ("theta", theta)):
            out[name].append(value)
        losses.append(step_loss(theta, k_t))
    return SymbolicGRUForward(**out, h=h, loss=total_loss(losses))


@dataclass(frozen=True)
class SymbolicGRU:
    """A GRU whose every entry is a symbol: ``variables`` by name (parameters, ``h_0``, ``x_1`` … ``x_T``)."""

    variables: dict[str, Matrix]
    xs: tuple[Matrix, ...]
    targets: tuple[int, ...]
    variant: str
    activation: Activation
    fwd: SymbolicGRUForward


def symbolic_gru(
    T: int, D_h: int, d: int, V: int, *, variant: str = "pytorch", activation: Activation = "tanh"
) -> SymbolicGRU:
    """Unroll a fully symbolic GRU for T steps; step t's target is t mod V, so several classes are targets."""
    from rnn_math.gru.params import PARAMETER_NAMES, SHAPES

    sizes = {"D_h": D_h, "d": d, "V": V}
    variables = {name: matrix_symbols(name, *(sizes[dim] for dim in SHAPES[name])) for name in PARAMETER_NAMES}
    variables["h_0"] = matrix_symbols("h_0", D_h)
    xs = tuple(matrix_symbols(f"x{t + 1}", d) for t in range(T))
    variables |= {f"x_{t + 1}": x for t, x in enumerate(xs)}
    targets = tuple(t % V for t in range(T))
    fwd = unrolled(variables, xs, targets, variables["h_0"], variant=variant, activation=activation)
    return SymbolicGRU(variables, xs, targets, variant, activation, fwd)


@dataclass(frozen=True)
class SymbolicGRUGradients:
    """Every closed-form gradient by variable name, and the errors of the backward pass by step."""

    grads: dict[str, Matrix]
    deltas: dict[str, list[Matrix]]
    output_grads: list[Matrix]
    carries: list[Matrix]


def closed_forms(
    params: Mapping[str, Matrix],
    xs: Sequence[Matrix],
    targets: Sequence[int],
    fwd: SymbolicGRUForward,
    *,
    variant: str = "pytorch",
    activation: Activation = "tanh",
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
) -> SymbolicGRUGradients:
    """Compose the backward twins into every gradient, as the GRU page composes the equations.

    Parameters
    ----------
    params, xs, targets, fwd
        The parameters, inputs (columns), correct indices and the forward pass built from them.
    variant, activation
        As for [`unrolled`][rnn_math.symbolic.gru.composer.unrolled].
    replace
        Wrong versions by equation id (a mistake's ``sympy``); ids of the other variant are ignored.
    """
    from rnn_math.gru.passes import BACKWARD_EQUATIONS, OUTPUT_BACKWARD, ROLES
    from rnn_math.verification.declaration import equation_functions

    ids = BACKWARD_EQUATIONS[variant] + OUTPUT_BACKWARD
    eq = equation_functions(ids, {k: v for k, v in (replace or {}).items() if k in ids}, side="sympy")
    role = {name: eq[eq_id] for name, eq_id in ROLES[variant].items()}
    p, T, D_h = params, len(xs), fwd.h[0].rows
    h_prev = fwd.h[:-1]
    output_grads = [eq["eq-bptt-output-grad"](fwd.theta[t], targets[t]) for t in range(T)]
    deltas: dict[str, list[Matrix]] = {g: [sp.zeros(D_h, 1)] * T for g in "rzn"}
    carries: list[Matrix] = [sp.zeros(D_h, 1)] * T
    carry_next = sp.zeros(D_h, 1)  # γ^{T+1} = 0
    for t in reversed(range(T)):
        grad_h = eq["eq-gru-hidden-grad"](p["U"], output_grads[t], carry_next)
        d_n = eq["eq-gru-delta-n"](grad_h, fwd.a_z[t], fwd.a_n[t], activation)
        d_z = eq["eq-gru-delta-z"](grad_h, h_prev[t], fwd.n[t], fwd.a_z[t])
        if variant == "pytorch":
            d_r = role["delta_r"](d_n, p["W_hn"], h_prev[t], p["b_hn"], fwd.a_r[t])
        else:
            d_r = role["delta_r"](d_n, p["W_hn"], h_prev[t], fwd.a_r[t])
        carries[t] = carry_next = role["carry"](
            grad_h, fwd.z[t], p["W_hz"], d_z, p["W_hr"], d_r, p["W_hn"], fwd.r[t], d_n
        )
        deltas["r"][t], deltas["z"][t], deltas["n"][t] = d_r, d_z, d_n
    d = deltas
    grads = {
        "W_ir": eq["eq-gru-grad-wi"](d["r"], xs),
        "W_hr": eq["eq-gru-grad-wh"](d["r"], h_prev),
        "b_ir": eq["eq-gru-grad-b"](d["r"]),
        "b_hr": eq["eq-gru-grad-b"](d["r"]),
        "W_iz": eq["eq-gru-grad-wi"](d["z"], xs),
        "W_hz": eq["eq-gru-grad-wh"](d["z"], h_prev),
        "b_iz": eq["eq-gru-grad-b"](d["z"]),
        "b_hz": eq["eq-gru-grad-b"](d["z"]),
        "W_in": eq["eq-gru-grad-wi"](d["n"], xs),
        "W_hn": role["W_hn"](fwd.r, d["n"], h_prev),
        "b_in": eq["eq-gru-grad-b"](d["n"]),
        "b_hn": role["b_hn"](fwd.r, d["n"]),
        "U": eq["eq-bptt-grad-u"](output_grads, fwd.h[1:]),
        "b_2": eq["eq-bptt-grad-b2"](output_grads),
        "h_0": carries[0],
    }
    grads |= {
        f"x_{t + 1}": eq["eq-gru-grad-x"](p["W_ir"], d["r"][t], p["W_iz"], d["z"][t], p["W_in"], d["n"][t])
        for t in range(T)
    }
    return SymbolicGRUGradients(grads, deltas, output_grads, carries)


def model_closed_forms(
    model: SymbolicGRU, replace: Mapping[str, Callable[..., Matrix]] | None = None
) -> dict[str, Matrix]:
    """The closed-form gradients of a [`SymbolicGRU`][rnn_math.symbolic.gru.composer.SymbolicGRU], by variable name."""
    return closed_forms(
        model.variables,
        model.xs,
        model.targets,
        model.fwd,
        variant=model.variant,
        activation=model.activation,
        replace=replace,
    ).grads
