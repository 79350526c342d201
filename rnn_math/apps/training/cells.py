"""The recurrent cells a character model can be trained with: one table from a cell's name to its parts.

Training, checkpoints and sampling do not know which cell they run: they look it up here, once,
in `CELLS`, and use what it names:

- `"rnn"`: [`RNNParams`][rnn_math.rnn.params.RNNParams], carries h, loss and gradients by
  [`bptt`][rnn_math.rnn.bptt.bptt];
- `"lstm"`: [`LSTMParams`][rnn_math.lstm.params.LSTMParams], carries h and c, loss and gradients by
  [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients];
- `"gru"`: [`GRUParams`][rnn_math.gru.params.GRUParams], carries h, loss and gradients by
  [`gru_gradients`][rnn_math.gru.passes.gru_gradients] (PyTorch's form).

A cell's gradients are one field of its entry in `CELLS`: a faster function that computes the
same (a batched path proven equal to the composer) replaces it there and nowhere else.

Every cell reads one-hot characters (d = |V|) and ends in the vanilla RNN's softmax output layer
and cross-entropy, so the loss of each is the same quantity, in the same units. Each cell's
sampling step runs its registered forward equations one character at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.errors import InputError
from rnn_math.core.activations import ACTIVATIONS
from rnn_math.core.types import Array
from rnn_math.gru.forward_equations import candidate, new_state, reset_gate, update_gate
from rnn_math.gru.params import PARAMETER_NAMES as GRU_NAMES
from rnn_math.gru.params import SHAPES as GRU_SHAPES
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import gru_gradients
from rnn_math.lstm.composer import lstm_gradients
from rnn_math.lstm.forward_equations import cell_state, gate_activations, gate_preactivation, hidden_state, split_gates
from rnn_math.lstm.params import PARAMETER_NAMES as LSTM_NAMES
from rnn_math.lstm.params import LSTMParams
from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.forward import hidden_state as rnn_hidden_state
from rnn_math.rnn.forward import output_logits, pre_activation
from rnn_math.rnn.params import PARAMETER_NAMES as RNN_NAMES
from rnn_math.rnn.params import RNNParams

#: Any cell's parameters.
Params = RNNParams | LSTMParams | GRUParams
#: Indices of the correct next characters, shape (T,).
Targets = NDArray[np.integer]
#: The state a cell carries from one character (and one chunk) to the next, by name: h, and c.
CarriedState = dict[str, Array]


class CellPass(NamedTuple):
    """What a training step needs from one chunk: L, every ∂L/∂P by name, and the state at its end."""

    loss: float
    grads: dict[str, Array]
    state: CarriedState


@dataclass(frozen=True)
class Cell:
    """One recurrent cell as training, checkpoints and sampling use it.

    Attributes
    ----------
    name
        ``"rnn"``, ``"lstm"`` or ``"gru"`` (the ``--cell`` value).
    params_type
        The class of its parameters.
    parameter_names
        Its parameters, in the order of its page.
    state_names
        The states carried across characters and chunks (``("h",)``, or ``("h", "c")``).
    activations
        The values ``--activation`` may take (the gated cells' candidate is always tanh).
    shapes
        ``shapes(D_h, V)``: every parameter's shape for one-hot inputs (d = |V|).
    gradients
        ``gradients(params, inputs, targets, state, activation)``: the chunk's loss, gradients and
        final state, from the cell's proven composer.
    step
        ``step(params, state, x_t, activation)``: one forward step, the next state and its logits θ^t.
    bounds
        ``bounds(activation)``: the interval each carried state lies in, None where any finite value can.
    """

    name: str
    params_type: type
    parameter_names: tuple[str, ...]
    state_names: tuple[str, ...]
    activations: tuple[str, ...]
    shapes: Callable[[int, int], dict[str, tuple[int, ...]]]
    gradients: Callable[[Any, Array, Targets, CarriedState, str], CellPass]
    step: Callable[[Any, CarriedState, Array, str], tuple[CarriedState, Array]]
    bounds: Callable[[str], dict[str, tuple[float, float] | None]]


# --- the vanilla RNN ---------------------------------------------------------------------------


def _rnn_shapes(D_h: int, V: int) -> dict[str, tuple[int, ...]]:
    return {"W_h": (D_h, D_h), "W_e": (D_h, V), "b_1": (D_h,), "U": (V, D_h), "b_2": (V,)}


def _rnn_gradients(
    params: RNNParams, inputs: Array, targets: Targets, state: CarriedState, activation: str
) -> CellPass:
    result = bptt(params, inputs, targets, activation=activation, h_0=state["h"])
    return CellPass(result.loss, result.grads.as_dict(), {"h": result.forward.h[-1].copy()})


def _rnn_step(params: RNNParams, state: CarriedState, x_t: Array, activation: str) -> tuple[CarriedState, Array]:
    h_t = rnn_hidden_state(pre_activation(params.W_h, state["h"], params.W_e, x_t, params.b_1), activation)
    return {"h": h_t}, output_logits(params.U, h_t, params.b_2)


def _rnn_bounds(activation: str) -> dict[str, tuple[float, float] | None]:
    return {"h": (0.0, 1.0) if activation == "sigmoid" else (-1.0, 1.0)}


# --- the LSTM ----------------------------------------------------------------------------------


def _lstm_shapes(D_h: int, V: int) -> dict[str, tuple[int, ...]]:
    G = 4 * D_h  # the four gates stacked i, f, g, o
    return {"W_ih": (G, V), "W_hh": (G, D_h), "b_ih": (G,), "b_hh": (G,), "U": (V, D_h), "b_2": (V,)}


def _lstm_gradients(
    params: LSTMParams, inputs: Array, targets: Targets, state: CarriedState, activation: str
) -> CellPass:
    result = lstm_gradients(params, inputs, targets, h_0=state["h"], c_0=state["c"])
    final = {"h": result.forward.h[0, -1].copy(), "c": result.forward.c[0, -1].copy()}
    return CellPass(float(result.loss), dict(result.grads), final)


def _lstm_step(params: LSTMParams, state: CarriedState, x_t: Array, activation: str) -> tuple[CarriedState, Array]:
    a_t = gate_preactivation(params.W_ih, x_t, params.b_ih, params.W_hh, state["h"], params.b_hh)
    i_t, f_t, g_t, o_t = gate_activations(*split_gates(a_t))
    c_t = cell_state(f_t, state["c"], i_t, g_t)
    h_t = hidden_state(o_t, c_t)
    return {"h": h_t, "c": c_t}, output_logits(params.U, h_t, params.b_2)


def _lstm_bounds(activation: str) -> dict[str, tuple[float, float] | None]:
    return {"h": (-1.0, 1.0), "c": None}  # h = o ⊙ tanh(c); c is a sum that can grow without bound


# --- the GRU -----------------------------------------------------------------------------------


def _gru_shapes(D_h: int, V: int) -> dict[str, tuple[int, ...]]:
    sizes = {"d": V, "D_h": D_h, "V": V}
    return {name: tuple(sizes[dim] for dim in GRU_SHAPES[name]) for name in GRU_NAMES}


def _gru_gradients(
    params: GRUParams, inputs: Array, targets: Targets, state: CarriedState, activation: str
) -> CellPass:
    result = gru_gradients(params, inputs, targets, h_0=state["h"])
    return CellPass(float(result.loss), dict(result.grads), {"h": result.forward.h[0, -1].copy()})


def _gru_step(params: GRUParams, state: CarriedState, x_t: Array, activation: str) -> tuple[CarriedState, Array]:
    h_prev = state["h"]
    _, r_t = reset_gate(params.W_ir, x_t, params.b_ir, params.W_hr, h_prev, params.b_hr)
    _, z_t = update_gate(params.W_iz, x_t, params.b_iz, params.W_hz, h_prev, params.b_hz)
    _, n_t = candidate(params.W_in, x_t, params.b_in, r_t, params.W_hn, h_prev, params.b_hn)
    h_t = new_state(z_t, n_t, h_prev)
    return {"h": h_t}, output_logits(params.U, h_t, params.b_2)


def _gru_bounds(activation: str) -> dict[str, tuple[float, float] | None]:
    return {"h": (-1.0, 1.0)}  # a convex combination of tanh outputs and h^0 = 0


#: Every cell by its ``--cell`` name; the first is the default.
CELLS: Mapping[str, Cell] = {
    "rnn": Cell(
        "rnn", RNNParams, RNN_NAMES, ("h",), tuple(ACTIVATIONS),
        shapes=_rnn_shapes, gradients=_rnn_gradients, step=_rnn_step, bounds=_rnn_bounds,
    ),
    "lstm": Cell(
        "lstm", LSTMParams, LSTM_NAMES, ("h", "c"), ("tanh",),
        shapes=_lstm_shapes, gradients=_lstm_gradients, step=_lstm_step, bounds=_lstm_bounds,
    ),
    "gru": Cell(
        "gru", GRUParams, GRU_NAMES, ("h",), ("tanh",),
        shapes=_gru_shapes, gradients=_gru_gradients, step=_gru_step, bounds=_gru_bounds,
    ),
}  # fmt: skip


def get_cell(name: str) -> Cell:
    """The cell called `name`.

    Raises
    ------
    InputError
        If no cell has that name.
    """
    if not isinstance(name, str) or name not in CELLS:
        raise InputError(f"cell: expected one of {', '.join(CELLS)}, got {name!r}")
    return CELLS[name]


def cell_of(params: object) -> Cell:
    """The cell whose parameters `params` are.

    Raises
    ------
    InputError
        If `params` are no cell's parameters.
    """
    for cell in CELLS.values():
        if isinstance(params, cell.params_type):
            return cell
    kinds = ", ".join(cell.params_type.__name__ for cell in CELLS.values())
    raise InputError(f"params: expected the parameters of a cell ({kinds}), got {type(params).__name__}")


def parameter_count(cell: Cell, hidden_size: int, vocab_size: int) -> int:
    """The number of trainable numbers of `cell` with D_h = `hidden_size` and d = |V| = `vocab_size`."""
    return sum(int(np.prod(shape)) for shape in cell.shapes(hidden_size, vocab_size).values())


def initial_params(cell: Cell, hidden_size: int, vocab_size: int, scale: float, rng: np.random.Generator) -> Params:
    """Fresh parameters: every weight matrix N(0, scale²) drawn from `rng` in the page's order, biases 0."""
    arrays = {
        name: scale * rng.standard_normal(shape) if len(shape) == 2 else np.zeros(shape)
        for name, shape in cell.shapes(hidden_size, vocab_size).items()
    }
    params: Params = cell.params_type(**arrays)
    return params


def zero_state(cell: Cell, hidden_size: int) -> CarriedState:
    """h^0 = 0 (and c^0 = 0): the state at the start of the corpus."""
    return {name: np.zeros(hidden_size) for name in cell.state_names}
