"""What the vanilla RNN's passes return: the forward pass's intermediates, the gradients, BPTT's result.

[`forward`][rnn_math.rnn.forward.forward] returns a [`ForwardPass`][rnn_math.rnn.results.ForwardPass],
[`bptt`][rnn_math.rnn.bptt.bptt] a [`BPTTResult`][rnn_math.rnn.results.BPTTResult] that holds one,
with the [`RNNGrads`][rnn_math.rnn.results.RNNGrads].
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from rnn_math.core.types import Array


@dataclass(frozen=True)
class ForwardPass:
    """Everything the forward pass computed, kept for the backward pass.

    Arrays have a leading batch axis B unless the input was a single sequence. They are views
    of time-major storage (each step's rows contiguous, which the fast path needs), so they are
    not C-contiguous; NumPy indexing and arithmetic do not care.

    Attributes
    ----------
    z
        Pre-activations z^1..z^T, shape (B, T, D_h).
    h
        Hidden states h^0..h^T, shape (B, T + 1, D_h); ``h[:, 0]`` is h^0.
    theta
        Logits θ^1..θ^T, shape (B, T, |V|).
    y_hat
        Softmax outputs ŷ^1..ŷ^T, shape (B, T, |V|).
    step_losses
        L^1..L^T, shape (B, T).
    loss
        L, summed over steps and sequences.
    """

    z: Array
    h: Array
    theta: Array
    y_hat: Array
    step_losses: Array
    loss: float


@dataclass(frozen=True)
class RNNGrads:
    """Gradients of the loss with respect to each parameter, each shaped like its parameter."""

    grad_W_h: Array
    grad_W_e: Array
    grad_b_1: Array
    grad_U: Array
    grad_b_2: Array

    def as_dict(self) -> dict[str, Array]:
        """Gradients keyed by *parameter* name (``"W_h"``, …), to pair with ``RNNParams.as_dict()``."""
        return {f.name.removeprefix("grad_"): getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class BPTTResult:
    """The loss, every gradient, and the intermediates that produced them.

    Attributes
    ----------
    loss
        L, summed over steps and sequences.
    grads
        ∂L/∂W_h, ∂L/∂W_e, ∂L/∂b_1, ∂L/∂U, ∂L/∂b_2.
    grad_h_0
        ∂L/∂h^0, shaped like the h_0 that was passed: (D_h,) for one state shared by the whole
        batch (its gradient is summed over the sequences, as in PyTorch and JAX), (B, D_h) for
        one state per sequence. Without an h_0 (zeros), (B, D_h) for a batch and (D_h,) for one
        sequence.
    grad_xs
        ∂L/∂x^t for every step, shape (B, T, d) (or (T, d)).
    deltas
        δ^1..δ^T, shape (B, T, D_h) (or (T, D_h)).
    output_grads
        ŷ^t − y^t, shape (B, T, |V|) (or (T, |V|)).
    forward
        The forward pass the gradients belong to.
    """

    loss: float
    grads: RNNGrads
    grad_h_0: Array
    grad_xs: Array
    deltas: Array
    output_grads: Array
    forward: ForwardPass
