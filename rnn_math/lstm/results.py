"""What the LSTM's passes hold and return: one step's forward quantities, the forward pass, the gradients.

[`lstm_forward`][rnn_math.lstm.composer.lstm_forward] returns an
[`LSTMForward`][rnn_math.lstm.results.LSTMForward]; [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients]
an [`LSTMResult`][rnn_math.lstm.results.LSTMResult] that holds one. The backward equations take one
step's forward quantities as an [`LSTMStep`][rnn_math.lstm.results.LSTMStep], as LSTM code keeps them
in a per-step cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnn_math.core.types import Array


@dataclass(frozen=True)
class LSTMStep:
    """The forward quantities of one step t that its backward equations read.

    The same record serves NumPy (rows, any leading axes) and the SymPy twins (columns).

    Attributes
    ----------
    a_i, a_f, a_g, a_o
        The blocks of the pre-activation a^t: input gate, forget gate, candidate, output gate.
    i, f, g, o
        i^t, f^t, g^t, o^t.
    c_prev
        c^{t-1}.
    c
        c^t.
    """

    a_i: Any
    a_f: Any
    a_g: Any
    a_o: Any
    i: Any
    f: Any
    g: Any
    o: Any
    c_prev: Any
    c: Any


@dataclass(frozen=True)
class LSTMForward:
    """Everything the LSTM's forward pass computed, each with a leading batch axis B.

    Attributes
    ----------
    a
        Stacked pre-activations a^1..a^T, shape (B, T, 4 D_h).
    a_i, a_f, a_g, a_o
        Their blocks, as the split equation gave them, each (B, T, D_h).
    i, f, g, o
        Gates and candidate, each (B, T, D_h).
    c
        Cell states c^0..c^T, shape (B, T + 1, D_h); ``c[:, 0]`` is c^0.
    h
        Hidden states h^0..h^T, shape (B, T + 1, D_h).
    theta, y_hat
        Logits and softmax outputs, (B, T, |V|).
    step_losses
        L^t, shape (B, T).
    loss
        L, summed over steps and sequences.
    """

    a: Array
    a_i: Array
    a_f: Array
    a_g: Array
    a_o: Array
    i: Array
    f: Array
    g: Array
    o: Array
    c: Array
    h: Array
    theta: Array
    y_hat: Array
    step_losses: Array
    loss: float

    def step(self, t: int) -> LSTMStep:
        """The record of step t + 1 (``t`` counts from 0), every field (B, D_h)."""
        return LSTMStep(
            self.a_i[:, t], self.a_f[:, t], self.a_g[:, t], self.a_o[:, t],
            self.i[:, t], self.f[:, t], self.g[:, t], self.o[:, t], self.c[:, t], self.c[:, t + 1],
        )  # fmt: skip


@dataclass(frozen=True)
class LSTMResult:
    """The loss, every gradient, and the errors of the backward pass.

    Attributes
    ----------
    loss
        L.
    grads
        ∂L/∂W_ih, ∂L/∂W_hh, ∂L/∂b_ih, ∂L/∂b_hh, ∂L/∂U, ∂L/∂b_2 by parameter name.
    grad_h_0, grad_c_0
        ∂L/∂h^0 and ∂L/∂c^0, shape (B, D_h).
    grad_xs
        ∂L/∂x^t, shape (B, T, d).
    deltas
        δ^t = ∂L/∂a^t, shape (B, T, 4 D_h).
    grad_c
        ∂L/∂c^t for t = 1..T, shape (B, T, D_h).
    output_grads
        ŷ^t − y^t, shape (B, T, |V|).
    forward
        The forward pass it was computed from.
    """

    loss: float
    grads: dict[str, Array]
    grad_h_0: Array
    grad_c_0: Array
    grad_xs: Array
    deltas: Array
    grad_c: Array
    output_grads: Array
    forward: LSTMForward
