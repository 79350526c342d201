"""The forward pass of a vanilla RNN: `forward` and `hidden_states`, with their equations.

Conventions
-----------
The pages write vectors as columns (``z^t = W_h h^{t-1} + ...``). The code stores a batch of
vectors as the rows of an array with any leading axes, so the same equation reads
``z = h_prev @ W_h.T + ...``: the transpose of the column form, applied to every row at once.
A sequence batch has shape (B, T, width); a single sequence may drop the B axis.

The equations themselves are in [`rnn_math.rnn.forward_equations`][rnn_math.rnn.forward_equations]
(they do no input checking: they run inside loops) and are importable from here too, as the
result type [`ForwardPass`][rnn_math.rnn.results.ForwardPass] is. The two entry points below
check every argument once and say what is wrong, then run the stages of
[`rnn_math.rnn.fast_path`][rnn_math.rnn.fast_path].
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from rnn_math.core.activations import get_activation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, common_dtype
from rnn_math.rnn.fast_path import (
    batch_major,
    check_forward_inputs,
    check_sequence_inputs,
    forward_time_major,
    recurrence_time_major,
    time_major,
)
from rnn_math.rnn.forward_equations import (
    hidden_state,
    loss_from_parts,
    output_logits,
    pre_activation,
    softmax,
    step_loss,
    total_loss,
)
from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.results import ForwardPass

__all__ = [
    "pre_activation",
    "hidden_state",
    "output_logits",
    "softmax",
    "step_loss",
    "loss_from_parts",
    "total_loss",
    "ForwardPass",
    "hidden_states",
    "forward",
]


def hidden_states(
    W_h: ArrayLike,
    W_e: ArrayLike,
    b_1: ArrayLike,
    xs: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """Run the recurrence alone: z^t and h^t for t = 1..T (an encoder, with no output layer).

    Parameters
    ----------
    W_h, W_e, b_1
        Recurrent weights (D_h, D_h), input weights (D_h, d), hidden bias (D_h,).
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, shape (D_h,) or (B, D_h); zeros if omitted.

    Returns
    -------
    z : numpy.ndarray
        Pre-activations, shape (B, T, D_h) (or (T, D_h) for one sequence).
    h : numpy.ndarray
        Hidden states h^0..h^T, shape (B, T + 1, D_h) (or (T + 1, D_h)).
    """
    W_h = as_float_array("W_h", W_h, ndim=2)
    W_e = as_float_array("W_e", W_e, ndim=2)
    b_1 = as_float_array("b_1", b_1, ndim=1)
    sizes = check_shapes(
        [("W_h", W_h.shape, ("D_h", "D_h")), ("W_e", W_e.shape, ("D_h", "d")), ("b_1", b_1.shape, ("D_h",))]
    )
    dtype = common_dtype(W_h=W_h, W_e=W_e, b_1=b_1)
    get_activation(activation)
    xs3, h0, batched = check_sequence_inputs(xs, h_0, sizes["D_h"], sizes["d"], dtype)
    z, h = _recurrence(W_h, W_e, b_1, xs3, h0, activation)
    return (z, h) if batched else (z[0], h[0])


def _recurrence(W_h: Array, W_e: Array, b_1: Array, xs: Array, h_0: Array, activation: str) -> tuple[Array, Array]:
    """Unchecked recurrence over a batch: equations z^t and h^t for t = 1..T.

    Returns batch-major views ``(B, T, D_h)`` and ``(B, T + 1, D_h)`` of the time-major arrays
    that ``recurrence_time_major`` fills.
    """
    z, h = recurrence_time_major(W_h, W_e, b_1, time_major(xs), h_0, activation)
    return z.transpose(1, 0, 2), h.transpose(1, 0, 2)


def forward(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> ForwardPass:
    """The whole forward pass: hidden states, logits, softmax outputs and the loss.

    Parameters
    ----------
    params
        The model's weights and biases.
    xs
        Inputs x^1..x^T, shape (B, T, d), or (T, d) for one sequence.
    targets
        Indices k_t of the correct outputs, shape (B, T), or (T,) for one sequence.
    activation
        ``"sigmoid"`` (as in the blog post) or ``"tanh"`` (as in the RNN-theory notes).
    h_0
        Initial hidden state, shape (D_h,) or (B, D_h); zeros if omitted.

    Returns
    -------
    ForwardPass
        Every intermediate quantity and the loss L (summed over steps and sequences).

    Raises
    ------
    ValueError, TypeError
        On a wrong shape, dtype, non-finite value, empty sequence, out-of-range target
        or unknown activation; the message names the argument. ValueError also if the
        pre-activations or the logits overflow (inf or NaN), naming which.
    """
    xs_tm, targets_tm, h0, batched = check_forward_inputs(params, xs, targets, activation, h_0)
    return batch_major(forward_time_major(params, xs_tm, targets_tm, h0, activation), batched)
