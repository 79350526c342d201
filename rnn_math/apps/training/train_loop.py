"""The training loop: the state of a run, one step, and the walk through the corpus.

A step never changes the state it is given: [`train_step`][rnn_math.apps.training.train_loop.train_step]
computes the next state and returns it, and the caller's one assignment ``state = ...`` is the
commit. A Ctrl-C (or any exception) that lands anywhere inside a step therefore leaves the
caller with the whole previous state, never new parameters with the old step count, and a run
saved at that moment resumes bit for bit.

A step whose loss, gradients, parameters or optimizer memory stop being finite raises
[`TrainingDivergedError`][rnn_math.apps.errors.TrainingDivergedError] instead of returning a broken state,
so the last good state is still the caller's to save.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rnn_math.apps.errors import InputError, TrainingDivergedError
from rnn_math.apps.training.cells import CELLS, CarriedState, Params, initial_params
from rnn_math.apps.training.corpus import check_long_enough, one_hot
from rnn_math.apps.training.metrics import loss_per_char, smoothed_loss, uniform_loss
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.core.clipping import clip_by_global_norm, clip_elementwise
from rnn_math.core.optimizers import adagrad_memory, adagrad_update, sgd_update
from rnn_math.core.types import Array


class _Buffer:
    """Storage shared by successive loss histories; `used` is how far the longest one reaches."""

    __slots__ = ("values", "used")

    def __init__(self, values: NDArray[np.float64], used: int) -> None:
        self.values, self.used = values, used


class LossHistory(Sequence[float]):
    """ℓ of every step so far: an immutable sequence that grows without copying.

    [`appended`][rnn_math.apps.training.train_loop.LossHistory.appended] returns a longer history and leaves
    this one as it was, in amortised constant time: the new value is written into spare room of a
    buffer both share, which this history does not read. (A plain list would have to be copied
    at every step to leave the previous state untouched.)
    """

    __slots__ = ("_buffer", "_length")

    def __init__(self, values: Iterable[float] = ()) -> None:
        array = np.array(list(values), dtype=np.float64)
        self._buffer = _Buffer(array, len(array))
        self._length = len(array)

    @classmethod
    def _view(cls, buffer: _Buffer, length: int) -> LossHistory:
        history = cls.__new__(cls)
        history._buffer, history._length = buffer, length
        return history

    def appended(self, loss: float) -> LossHistory:
        """This history with `loss` added at the end (this one is unchanged)."""
        buffer, n = self._buffer, self._length
        if buffer.used != n or n == len(buffer.values):  # shared further already, or full: copy
            values = np.empty(max(16, 2 * (n + 1)), dtype=np.float64)
            values[:n] = buffer.values[:n]
            buffer = _Buffer(values, n)
        buffer.values[n] = loss
        buffer.used = n + 1
        return LossHistory._view(buffer, n + 1)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        values = self._buffer.values[: self._length]
        if isinstance(index, slice):
            return [float(v) for v in values[index]]
        return float(values[index])

    def tolist(self) -> list[float]:
        """The losses as a list of floats."""
        return [float(v) for v in self._buffer.values[: self._length]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LossHistory, list, tuple)):
            return self.tolist() == [float(v) for v in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LossHistory({self.tolist()!r})"


@dataclass(frozen=True)
class TrainState:
    """Everything that changes while training; with the settings and the corpus it decides the rest.

    Frozen: a step returns a new state. The arrays are never written to in place either.

    Attributes
    ----------
    params
        The current parameters, of the settings' cell
        ([`CELLS`][rnn_math.apps.training.cells]).
    memory
        Adagrad's M_P for each parameter (zeros for SGD, which does not use it).
    step
        Updates done so far.
    position
        Index in the corpus of the next chunk's first input character.
    h
        The hidden state carried into the next chunk, shape (D_h,).
    smoothed
        The smoothed loss ℓ̄ (nats per character).
    losses
        ℓ of every step so far (nats per character), for curves and reports.
    rng
        The random generator (initial weights, then sampled text). Sampling draws from it
        between steps; a step does not use it.
    c
        The LSTM's cell state carried into the next chunk, shape (D_h,); None for the cells
        without one.
    """

    params: Params
    memory: Mapping[str, Array]
    step: int
    position: int
    h: Array
    smoothed: float
    losses: LossHistory = field(default_factory=LossHistory)
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    c: Array | None = None

    def carried(self) -> CarriedState:
        """The states carried into the next chunk, by name (h, and c for the LSTM)."""
        return {"h": self.h} if self.c is None else {"h": self.h, "c": self.c}


def initial_state(settings: TrainSettings, vocab_size: int) -> TrainState:
    """A fresh model of the settings' cell: weights N(0, init_scale²) drawn from the seeded generator, biases 0.

    Parameters
    ----------
    settings
        The run's settings (cell, hidden size, scale, seed).
    vocab_size
        |V|, which is also d, the width of the one-hot inputs.
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)) or vocab_size < 1:
        raise InputError(f"vocab_size: expected a positive integer, got {vocab_size!r}")
    rng = np.random.default_rng(settings.seed)
    D_h, V, cell = settings.hidden_size, int(vocab_size), CELLS[settings.cell]
    params = initial_params(cell, D_h, V, settings.init_scale, rng)
    memory = {name: np.zeros_like(value) for name, value in params.as_dict().items()}
    c = np.zeros(D_h) if "c" in cell.state_names else None
    return TrainState(params, memory, 0, 0, np.zeros(D_h), uniform_loss(V), LossHistory(), rng, c)


def clip_gradients(grads: Mapping[str, Array], settings: TrainSettings) -> dict[str, Array]:
    """Apply the clipping rule the settings ask for."""
    if settings.clip == "value":
        return clip_elementwise(grads, settings.clip_threshold)
    if settings.clip == "norm":
        return clip_by_global_norm(grads, settings.clip_threshold)[0]
    return dict(grads)


def apply_update(
    params: Params, grads: Mapping[str, Array], memory: Mapping[str, Array], settings: TrainSettings
) -> tuple[dict[str, Array], dict[str, Array]]:
    """New parameter arrays and Adagrad memory after one update with the settings' rule.

    Plain arrays, not yet parameters of the cell (whose constructor refuses non-finite values):
    the caller checks them for overflow first, so that a diverged update is reported as such.
    """
    new_params: dict[str, Array] = {}
    new_memory: dict[str, Array] = {}
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by the caller's check
        for name, param in params.as_dict().items():
            grad = grads[name]
            if settings.optimizer == "adagrad":
                new_memory[name] = adagrad_memory(memory[name], grad)
                new_params[name] = adagrad_update(param, grad, new_memory[name], settings.learning_rate)
            else:
                new_memory[name] = memory[name]
                new_params[name] = sgd_update(param, grad, settings.learning_rate)
    return new_params, new_memory


def _first_not_finite(arrays: Mapping[str, Array], kind: str) -> str | None:
    for name, value in arrays.items():
        if not np.all(np.isfinite(value)):
            return f"{kind} {name} is not finite"
    return None


def train_step(state: TrainState, data: NDArray[np.integer], settings: TrainSettings, vocab_size: int) -> TrainState:
    """One update: the next chunk's BPTT, clipping, the update rule; return the new state.

    The loss and gradients come from the settings' cell
    ([`CELLS`][rnn_math.apps.training.cells]: the composer each cell's page proves). The
    chunk is ``data[position : position + T]`` with targets shifted by one character. The last
    hidden state of a chunk is the first of the next, so information flows across chunk
    boundaries forward (though gradients stop at them: truncated BPTT); the LSTM carries its
    cell state c the same way. When fewer than T + 1 characters remain, the walk starts again at
    the beginning of the corpus with h = 0 (and c = 0).

    Raises
    ------
    TrainingDivergedError
        If the loss, a gradient, a new parameter, the new memory or the hidden state is not
        finite; `state` is left as it was, the last good state.
    """
    T, step, cell = settings.seq_length, state.step + 1, CELLS[settings.cell]
    position, carried = state.position, state.carried()
    if position + T + 1 > len(data):
        position, carried = 0, {name: np.zeros_like(value) for name, value in carried.items()}
    inputs = one_hot(data[position : position + T], vocab_size)
    targets = data[position + 1 : position + T + 1]
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is caught by the checks below
            result = cell.gradients(state.params, inputs, targets, carried, settings.activation)
    except ValueError as error:  # bptt refuses logits that overflow: the parameters have blown up
        raise TrainingDivergedError(step, str(error)) from None
    loss = loss_per_char(result.loss, T)
    if not math.isfinite(loss):
        raise TrainingDivergedError(step, f"the loss is {loss}")
    grads = result.grads
    problem = _first_not_finite(grads, "the gradient of")
    if problem is not None:  # before clipping, which would refuse it less clearly
        raise TrainingDivergedError(step, problem)
    new_params, new_memory = apply_update(state.params, clip_gradients(grads, settings), state.memory, settings)
    problem = (
        _first_not_finite(new_params, "the updated parameter")
        or _first_not_finite(new_memory, "the Adagrad memory of")
        or _first_not_finite({"h": result.state["h"]}, "the hidden state")
        or _first_not_finite({name: v for name, v in result.state.items() if name != "h"}, "the cell state")
    )
    if problem is not None:
        raise TrainingDivergedError(step, problem)
    return TrainState(
        params=cell.params_type(**new_params),
        memory=new_memory,
        step=step,
        position=position + T,
        h=result.state["h"],
        smoothed=smoothed_loss(state.smoothed, loss, settings.smoothing),
        losses=state.losses.appended(loss),
        rng=state.rng,
        c=result.state.get("c"),
    )


def train(
    state: TrainState, data: NDArray[np.integer], settings: TrainSettings, vocab_size: int, until_step: int
) -> Iterator[TrainState]:
    """Train from `state` up to step `until_step`, yielding the new state after every step.

    A generator, so that a caller can show progress, sample, or save a checkpoint between steps
    (``for state in train(state, ...)``); the given state is never changed.

    Raises
    ------
    InputError
        If the corpus is shorter than one chunk plus its last target.
    TrainingDivergedError
        From [`train_step`][rnn_math.apps.training.train_loop.train_step]; the last state yielded is the last good one.
    """
    check_long_enough(len(data), settings.seq_length, "the corpus")
    while state.step < until_step:
        state = train_step(state, data, settings, vocab_size)
        yield state


def smoothed_curve(losses: Sequence[float], vocab_size: int, beta: float, points: int = 200) -> list[list[float]]:
    """The smoothed loss after each step, as [step, ℓ̄] pairs thinned to about `points` (and step 0).

    Recomputed from the per-step losses with [`smoothed_loss`][rnn_math.apps.training.metrics.smoothed_loss],
    starting from the uniform loss as training does, so a curve needs no second history.
    """
    value = uniform_loss(vocab_size)
    curve = [[0, value]]
    every = max(1, len(losses) // points)
    for step, loss in enumerate(losses, start=1):
        value = smoothed_loss(value, loss, beta)
        if step % every == 0 or step == len(losses):
            curve.append([step, value])
    return curve
