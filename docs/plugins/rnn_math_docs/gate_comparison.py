"""The GRU page's comparison of the three cells: how the Jacobian of the last state decays with the lag.

For each of a few random networks of each cell, drawn as PyTorch initialises them and run on the
same random inputs, the spectral norms of ∂h^T/∂h^t (and of ∂c^T/∂c^t for the LSTM) at every lag
T − t, from the package's Jacobian functions, and their geometric mean over the networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from rnn_math.core.types import Array
from rnn_math.gru.jacobians import gru_state_jacobians
from rnn_math.gru.params import PARAMETER_NAMES as GRU_NAMES
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import gru_forward
from rnn_math.lstm.composer import lstm_forward
from rnn_math.lstm.jacobians import lstm_state_jacobians
from rnn_math.lstm.params import GATE_ORDER, LSTMParams
from rnn_math.rnn.forward import hidden_states
from rnn_math.rnn.gradient_flow import lag_jacobians
from rnn_math_docs.formatting import markdown_table, number, scientific
from rnn_math_docs.plots import svg_figure

#: Input width, hidden width, sequence length, number of random networks per cell, first seed.
D_IN, D_H, STEPS, NETWORKS, SEED = 4, 16, 60, 8, 2026
#: The forget-gate biases of the two LSTM curves: none, and the common initialisation 1.
FORGET_BIASES = (0.0, 1.0)
#: The lags of the table.
LAGS = (1, 5, 10, 20, 40, 60)


@dataclass(frozen=True)
class Curve:
    """One cell's geometric-mean norms at lags 0..STEPS, and how it is labelled."""

    label: str
    hidden: Array
    cell: Array | None = None
    slowest_gate: float | None = None


def _uniform(rng: np.random.Generator, *shape: int) -> Array:
    """PyTorch's initialisation of every weight and bias of its recurrent layers: U(−k, k), k = 1/√D_h."""
    k = 1 / np.sqrt(D_H)
    return rng.uniform(-k, k, shape)


def _spectral_norms(jacobians: Array) -> Array:
    """‖J[t]‖₂ for each t, reordered by lag T − t (index 0 is lag 0)."""
    return np.linalg.norm(jacobians, ord=2, axis=(-2, -1))[::-1]


def _lstm_params(rng: np.random.Generator, forget_bias: float) -> LSTMParams:
    G = 4 * D_H
    b_ih = _uniform(rng, G)
    forget = GATE_ORDER.index("f")
    b_ih[forget * D_H : (forget + 1) * D_H] += forget_bias
    return LSTMParams(
        W_ih=_uniform(rng, G, D_IN), W_hh=_uniform(rng, G, D_H), b_ih=b_ih, b_hh=_uniform(rng, G),
        U=np.zeros((1, D_H)), b_2=np.zeros(1),
    )  # fmt: skip


def _gru_params(rng: np.random.Generator) -> GRUParams:
    shapes = {"W_i": (D_H, D_IN), "W_h": (D_H, D_H), "b_i": (D_H,), "b_h": (D_H,)}
    arrays = {name: _uniform(rng, *shapes[name[:3]]) for name in GRU_NAMES if name[:3] in shapes}
    return GRUParams(**arrays, U=np.zeros((1, D_H)), b_2=np.zeros(1))


def _geometric_mean(rows: list[Array]) -> Array:
    return np.exp(np.mean(np.log(np.stack(rows)), axis=0))


#: The lags between which the average factor per step is measured.
RATE_LAGS = (20, STEPS)


def _slowest_gate(gate: Array) -> float:
    """max over units k of the geometric mean of a gate's values over the steps the lags of `RATE_LAGS` span.

    From lag 20 to lag T the LSTM's cell path multiplies by diag(f^s), the GRU's direct path by
    diag(z^s), for s = 1..T − 20; the spectral norm of a product of diagonal matrices is its
    largest entry, the product of the slowest unit.
    """
    spanned = gate[: STEPS - RATE_LAGS[0]]
    return float(np.max(np.exp(np.mean(np.log(spanned), axis=0))))


@cache
def curves() -> dict[str, Curve]:
    """The geometric-mean norms by lag of each cell, keyed ``rnn``, ``lstm-0``, ``lstm-1``, ``gru``."""
    norms: dict[str, list[Array]] = {}
    cell_norms: dict[str, list[Array]] = {}
    forgets: dict[str, list[float]] = {}
    for m in range(NETWORKS):
        xs = np.random.default_rng(SEED + m).standard_normal((STEPS, D_IN))  # the same inputs for every cell
        rng = np.random.default_rng([SEED, m, 0])
        W_h, W_e, b_1 = _uniform(rng, D_H, D_H), _uniform(rng, D_H, D_IN), _uniform(rng, D_H) + _uniform(rng, D_H)
        z, _ = hidden_states(W_h, W_e, b_1, xs, activation="tanh")
        norms.setdefault("rnn", []).append(_spectral_norms(lag_jacobians(W_h, z, "tanh")))
        for bias in FORGET_BIASES:
            # The same draw for both biases: the curves differ by the forget bias alone.
            params = _lstm_params(np.random.default_rng([SEED, m, 1]), bias)
            J = lstm_state_jacobians(params, xs)
            f = lstm_forward(params, xs, np.zeros(STEPS, dtype=np.intp)).f[0]
            forgets.setdefault(f"lstm-{bias:g}", []).append(_slowest_gate(f))
            norms.setdefault(f"lstm-{bias:g}", []).append(_spectral_norms(J.hh))
            cell_norms.setdefault(f"lstm-{bias:g}", []).append(_spectral_norms(J.cc))
        gru_params = _gru_params(np.random.default_rng([SEED, m, 2]))
        gru = gru_state_jacobians(gru_params, xs)
        z_gate = gru_forward(gru_params, xs, np.zeros(STEPS, dtype=np.intp)).z[0]
        forgets.setdefault("gru", []).append(_slowest_gate(z_gate))
        norms.setdefault("gru", []).append(_spectral_norms(gru))
    labels = {
        "rnn": "vanilla tanh RNN",
        **{f"lstm-{b:g}": f"LSTM, forget-gate bias {b:g}" for b in FORGET_BIASES},
        "gru": "GRU",
    }
    return {
        key: Curve(
            labels[key],
            _geometric_mean(rows),
            _geometric_mean(cell_norms[key]) if key in cell_norms else None,
            float(np.exp(np.mean(np.log(forgets[key])))) if key in forgets else None,
        )
        for key, rows in norms.items()
    }


COLOURS = {"rnn": "#616161", "lstm-0": "#c62828", "lstm-1": "#3f51b5", "gru": "#2e7d32"}


def lag_figure() -> str:
    """Two panels on a log scale: ‖∂h^T/∂h^t‖ of the three cells, and ‖∂c^T/∂c^t‖ of the LSTM."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(7.2, 3.4), layout="constrained", sharey=True)
    lags = np.arange(STEPS + 1)
    for key, curve in curves().items():
        axes[0].semilogy(lags, curve.hidden, color=COLOURS[key], label=curve.label)
        if curve.cell is not None:
            axes[1].semilogy(lags, curve.cell, color=COLOURS[key], label=curve.label)
    axes[0].set_title("hidden state")
    axes[0].set_ylabel(r"$\|\partial h^T / \partial h^t\|_2$, $\|\partial c^T / \partial c^t\|_2$")
    axes[1].set_title("LSTM cell state")
    for ax in axes:
        ax.set_xlabel("lag T − t")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    return svg_figure(
        figure,
        f"Left: ‖∂h<sup>T</sup>/∂h<sup>t</sup>‖<sub>2</sub>; right: ‖∂c<sup>T</sup>/∂c<sup>t</sup>‖<sub>2</sub>. "
        f"Geometric mean over {NETWORKS} random networks per cell ({D_H} hidden units, inputs of width "
        f"{D_IN}, {STEPS} steps), initialised as PyTorch does. Computed when this page was built.",
    )


def lag_table() -> str:
    """The curves' values at a few lags."""
    rows = []
    for curve in curves().values():
        rows.append(["$\\lVert \\partial h^T/\\partial h^t \\rVert_2$", curve.label]
                    + [f"${scientific(curve.hidden[lag])}$" for lag in LAGS])  # fmt: skip
    for curve in curves().values():
        if curve.cell is not None:
            rows.append(["$\\lVert \\partial c^T/\\partial c^t \\rVert_2$", curve.label]
                        + [f"${scientific(curve.cell[lag])}$" for lag in LAGS])  # fmt: skip
    header = ["norm", "cell"] + [f"lag {lag}" for lag in LAGS]
    return markdown_table(header, rows, "ll" + "r" * len(LAGS))


def per_step_factor(values: Array, start: int = RATE_LAGS[0], stop: int = RATE_LAGS[1]) -> float:
    """The average factor per step between two lags: (v[stop] / v[start])^(1 / (stop − start))."""
    return float((values[stop] / values[start]) ** (1 / (stop - start)))


def setting() -> str:
    """The networks the figure is computed on, as a sentence fragment."""
    return (
        f"{NETWORKS} random networks of each cell, with $D_h = {D_H}$ hidden units, inputs of width "
        f"$d = {D_IN}$ and $T = {STEPS}$ steps; every weight and bias is drawn from "
        f"$U(-1/\\sqrt{{D_h}}, 1/\\sqrt{{D_h}})$, as PyTorch initialises its recurrent layers, and network "
        f"$m$ of every cell reads the same random inputs"
    )


def rate_lags() -> str:
    """The lags between which the factors per step are measured, as inline math."""
    return f"${RATE_LAGS[0]}$ and ${RATE_LAGS[1]}$"


def decay_rates() -> str:
    """Each curve's average factor per step between the lags of `RATE_LAGS`, and its slowest unit's gate."""
    rows = []
    for curve in curves().values():
        cell = "" if curve.cell is None else f"${number(per_step_factor(curve.cell), 3)}$"
        gate = "" if curve.slowest_gate is None else f"${number(curve.slowest_gate, 3)}$"
        rows.append([curve.label, f"${number(per_step_factor(curve.hidden), 3)}$", cell, gate])
    header = ["cell", "factor per step, $h$", "factor per step, $c$", "slowest unit's gate, $f$ or $z$"]
    return markdown_table(header, rows, "lrrr")


def forget_gates_at_bias() -> str:
    """The forget gate of a unit whose pre-activation is only each bias of `FORGET_BIASES`."""
    from rnn_math.core.activations import sigmoid

    closed, opened = FORGET_BIASES
    return (
        f"from about $\\operatorname{{sigmoid}}({closed:g}) = {number(float(sigmoid(closed)), 2)}$ towards "
        f"$\\operatorname{{sigmoid}}({opened:g}) \\approx {number(float(sigmoid(opened)), 2)}$"
    )
