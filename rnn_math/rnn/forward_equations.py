"""The forward equations of a vanilla RNN, one function per equation, in derivation order.

Conventions
-----------
The pages write vectors as columns (``z^t = W_h h^{t-1} + ...``). The code stores a batch of
vectors as the rows of an array with any leading axes, so the same equation reads
``z = h_prev @ W_h.T + ...``: the transpose of the column form, applied to every row at once.
A sequence batch has shape (B, T, width); a single sequence may drop the B axis.

These functions do no input checking (they run inside loops); the entry points
[`hidden_states`][rnn_math.rnn.forward.hidden_states] and [`forward`][rnn_math.rnn.forward.forward]
check every argument once and say what is wrong.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rnn_math.core.activations import get_activation
from rnn_math.core.registry import equation
from rnn_math.core.types import Array


@equation(
    "eq-forward-z",
    title="Pre-activation",
    latex=r"z^t = W_h h^{t-1} + W_e x^t + b_1",
)
def pre_activation(W_h: Array, h_prev: Array, W_e: Array, x_t: Array, b_1: Array) -> Array:
    """Pre-activation of the hidden units at step t.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    h_prev
        Previous hidden state(s) h^{t-1}, shape (..., D_h).
    W_e
        Input weights, shape (D_h, d).
    x_t
        Input(s) x^t, shape (..., d).
    b_1
        Hidden bias, shape (D_h,).

    Returns
    -------
    numpy.ndarray
        z^t, shape (..., D_h).
    """
    return h_prev @ W_h.T + x_t @ W_e.T + b_1


@equation(
    "eq-forward-h",
    title="Hidden state",
    latex=r"h^t = \sigma(z^t)",
)
def hidden_state(z_t: Array, activation: str = "sigmoid") -> Array:
    """Hidden state at step t: the activation applied element-wise to the pre-activation.

    Parameters
    ----------
    z_t
        Pre-activation(s) z^t, shape (..., D_h).
    activation
        ``"sigmoid"`` (as in the blog post) or ``"tanh"`` (as in the RNN-theory notes).

    Returns
    -------
    numpy.ndarray
        h^t, shape (..., D_h).
    """
    return get_activation(activation).function(z_t)


@equation(
    "eq-forward-theta",
    title="Output logits",
    latex=r"\theta^t = U h^t + b_2",
)
def output_logits(U: Array, h_t: Array, b_2: Array) -> Array:
    """Output scores (logits) at step t.

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    h_t
        Hidden state(s) h^t, shape (..., D_h).
    b_2
        Output bias, shape (|V|,).

    Returns
    -------
    numpy.ndarray
        θ^t, shape (..., |V|).
    """
    return h_t @ U.T + b_2


@equation(
    "eq-softmax",
    title="Softmax output",
    latex=r"\hat{y}^t_i = \operatorname{softmax}(\theta^t)_i = \frac{e^{\theta^t_i}}{\sum_{j=1}^{|V|} e^{\theta^t_j}}",
)
def softmax(theta_t: Array) -> Array:
    """Softmax over the last axis: the predicted distribution over the vocabulary.

    Parameters
    ----------
    theta_t
        Logits θ^t, shape (..., |V|).

    Returns
    -------
    numpy.ndarray
        ŷ^t, shape (..., |V|); each row is non-negative and sums to 1.

    Notes
    -----
    Softmax is unchanged by adding a constant to every logit, so the largest logit is
    subtracted first: every exponent is then at most 0 and nothing overflows. For complex
    logits (complex-step differentiation) the shift is the largest real part: any constant
    shift leaves the softmax unchanged, and a real one keeps the function analytic.
    """
    shifted = theta_t - np.max(np.real(theta_t), axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


@equation(
    "eq-loss-step",
    title="Cross-entropy at step t",
    latex=(
        r"L^t = -\sum_{i=1}^{|V|} y^t_i \log \hat{y}^t_i"
        r" = -\theta^t_{k_t} + \log \sum_{j=1}^{|V|} e^{\theta^t_j}"
    ),
)
def step_loss(theta_t: Array, target_t: NDArray[np.integer]) -> Array:
    """Cross-entropy between the one-hot target and the softmax of the logits.

    Parameters
    ----------
    theta_t
        Logits θ^t, shape (..., |V|).
    target_t
        Index k_t of the correct entry (the 1 in the one-hot y^t), shape (...).

    Returns
    -------
    numpy.ndarray
        L^t in nats, shape (...).

    Notes
    -----
    Computed from the logits, never as ``-log(softmax(θ)[k])`` (the probability can underflow
    to 0 for very negative logits, its logarithm cannot), in one of two equal forms chosen so
    that neither cancels. With c = Σ_{j≠k} ŷ_j, the probability of every wrong entry, the loss
    is ``-log1p(-c)``; this is used when c ≤ 1/2, where ``logsumexp(θ) - θ[k]`` would round
    ``log(1 + c)`` to 0 for a confident model (c = 10⁻²⁰ gives a loss of 10⁻²⁰, not 0).
    Otherwise (loss ≥ log 2) it is ``logsumexp(θ) - θ[k]``. c is summed with the target's term
    left out, so it is exact to rounding too. The shift is the largest real part, so complex
    logits (complex-step differentiation) work too.
    """
    target = np.asarray(target_t)[..., None]
    peak = np.max(np.real(theta_t), axis=-1, keepdims=True)
    e = np.exp(theta_t - peak)
    normaliser = np.sum(e, axis=-1)
    np.put_along_axis(e, target, 0, -1)
    wrong = np.sum(e, axis=-1) / normaliser  # c = Σ_{j≠k} ŷ_j
    correct = np.take_along_axis(theta_t, target, axis=-1)[..., 0]
    return loss_from_parts(wrong, peak[..., 0] + np.log(normaliser) - correct)


def loss_from_parts(wrong: Array, logsumexp_form: Array) -> Array:
    """The cross-entropy from its two forms: −log(1 − c) where c ≤ 1/2 (no cancellation there), else the other.

    Shared by [`step_loss`][rnn_math.rnn.forward_equations.step_loss] and the fast path's output
    layer, so that both choose between the two forms in the same way.

    Parameters
    ----------
    wrong
        c = Σ_{j≠k} ŷ_j, the probability of every wrong entry, shape (...).
    logsumexp_form
        log Σ_j e^{θ_j} − θ_k, the same loss in the form that does not cancel when c > 1/2.

    Returns
    -------
    numpy.ndarray
        L^t, shape (...).
    """
    confident = np.real(wrong) <= 0.5
    return np.where(confident, -np.log1p(-np.where(confident, wrong, 0)), logsumexp_form)


@equation(
    "eq-loss-total",
    title="Sequence loss",
    latex=r"L = \sum_{t=1}^{T} L^t",
)
def total_loss(step_losses: Array) -> float:
    """Loss of a sequence (or a batch of sequences): the sum of the per-step losses.

    Parameters
    ----------
    step_losses
        L^t for every step (and every sequence of a batch), any shape.

    Returns
    -------
    float
        Their sum. Batches are summed too, not averaged, so that the gradients on the
        BPTT page are exactly the derivatives of this number.
    """
    return float(np.sum(step_losses))
