"""The encoder-decoder's gradient equations, in the order of the Encoder-decoder page.

The output layer, the decoder's states (from step T' down to 1), the hand-off to the encoder,
the encoder and the embedding tables. The encoder's gradients are those of the BPTT page
([`delta`][rnn_math.rnn.backward_equations.delta],
[`grad_W_h`][rnn_math.rnn.backward_equations.grad_W_h], ...), started from the hand-off
[`handoff_gradient`][rnn_math.seq2seq.backward_equations.handoff_gradient] instead of from an
output layer. Each decoder equation is registered here under its decoder name; where
one is the same algebra as a vanilla-RNN equation it calls that function.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.activations import get_activation
from rnn_math.core.registry import equation
from rnn_math.rnn import bptt
from rnn_math.seq2seq.params import Array, Tokens


@equation(
    "eq-decoder-grad-wout",
    title="Gradient of the output weights",
    latex=(
        r"\frac{\partial L}{\partial W_{\text{out}}} = \sum_{t=1}^{T'} g_t\, s_t^\top,"
        r" \qquad g_t = p_t - \mathbb{1}_{k_t}"
    ),
)
def grad_W_out(output_grads: Array, s: Array) -> Array:
    """∂L/∂W_out: output gradient g_t times decoder state s_t, transposed, summed over steps.

    Parameters
    ----------
    output_grads
        g_t = p_t − 1_{k_t} for t = 1..T', shape (..., n_hi).
    s
        s_1..s_{T'} (not s_0), shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (n_hi, D_h), like W_out.
    """
    return bptt.grad_U(output_grads, s)


@equation(
    "eq-decoder-grad-bout",
    title="Gradient of the output bias",
    latex=r"\frac{\partial L}{\partial b_{\text{out}}} = \sum_{t=1}^{T'} g_t",
)
def grad_b_out(output_grads: Array) -> Array:
    """∂L/∂b_out: the output gradients g_t summed over steps (and sentences).

    Parameters
    ----------
    output_grads
        g_t, shape (..., n_hi).

    Returns
    -------
    numpy.ndarray
        Shape (n_hi,), like b_out.
    """
    return bptt.grad_b_2(output_grads)


@equation(
    "eq-decoder-state-grad",
    title="Gradient at a decoder state",
    latex=(
        r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t + W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1},"
        r"\qquad \delta^{\text{dec}}_{T'+1} = 0"
    ),
)
def decoder_state_gradient(W_out: Array, output_grad_t: Array, W_dec: Array, delta_dec_next: Array) -> Array:
    """∂L/∂s_t for t ≥ 1: from the output at step t and from decoder step t + 1.

    Parameters
    ----------
    W_out
        Output weights, shape (n_hi, D_h).
    output_grad_t
        g_t, shape (..., n_hi).
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_next
        δ^dec_{t+1}, shape (..., D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂s_t, shape (..., D_h).
    """
    return bptt.hidden_gradient(W_out, output_grad_t, W_dec, delta_dec_next)


@equation(
    "eq-decoder-delta",
    title="Error at a decoder pre-activation",
    latex=(
        r"\delta^{\text{dec}}_t = \frac{\partial L}{\partial a_t}"
        r" = \frac{\partial L}{\partial s_t} \odot \tanh'(a_t)"
    ),
)
def decoder_delta(grad_s_t: Array, a_t: Array) -> Array:
    """δ^dec_t: the state gradient times tanh' at the pre-activation a_t.

    The slope is [`tanh_derivative`][rnn_math.core.activations.tanh_derivative] of a_t, not
    1 − s_t² from the state: once |a_t| is large, s_t rounds to within an ulp of ±1 (to ±1
    itself from about |a_t| = 19 in float64, 10 in float32) and 1 − s_t² cancels to noise or to 0,
    which would then wrongly reach the hand-off and the whole encoder.

    Parameters
    ----------
    grad_s_t
        ∂L/∂s_t, shape (..., D_h).
    a_t
        The decoder pre-activation a_t (s_t = tanh(a_t)), shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ^dec_t, shape (..., D_h).
    """
    return grad_s_t * get_activation("tanh").derivative(a_t)


@equation(
    "eq-decoder-grad-wdec",
    title="Gradient of the decoder recurrent weights",
    latex=r"\frac{\partial L}{\partial W_{\text{dec}}} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t\, s_{t-1}^\top",
)
def grad_W_dec(deltas_dec: Array, s_prev: Array) -> Array:
    """∂L/∂W_dec: δ^dec_t times the previous state s_{t-1} (s_0 = h_T at t = 1), summed.

    Parameters
    ----------
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (..., D_h).
    s_prev
        s_0..s_{T'-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h), like W_dec.
    """
    return bptt.grad_W_h(deltas_dec, s_prev)


@equation(
    "eq-decoder-grad-v",
    title="Gradient of the decoder input weights",
    latex=r"\frac{\partial L}{\partial V} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t\, y_{t-1}^\top",
)
def grad_V(deltas_dec: Array, y_prev: Array) -> Array:
    """∂L/∂V: δ^dec_t times the embedded previous word y_{t-1}, summed over steps.

    Parameters
    ----------
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (..., D_h).
    y_prev
        y_0..y_{T'-1}, shape (..., d_hi).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, d_hi), like V.
    """
    return bptt.grad_W_e(deltas_dec, y_prev)


@equation(
    "eq-decoder-grad-c",
    title="Gradient of the decoder bias",
    latex=r"\frac{\partial L}{\partial c} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t",
)
def grad_c(deltas_dec: Array) -> Array:
    """∂L/∂c: the decoder errors δ^dec_t summed over steps (and sentences).

    Parameters
    ----------
    deltas_dec
        δ^dec_t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,), like c.
    """
    return bptt.grad_b_1(deltas_dec)


@equation(
    "eq-handoff",
    title="The hand-off to the encoder",
    latex=(
        r"\frac{\partial L}{\partial h_T} = \frac{\partial L}{\partial s_0}"
        r" = W_{\text{dec}}^\top \delta^{\text{dec}}_1"
    ),
)
def handoff_gradient(W_dec: Array, delta_dec_1: Array) -> Array:
    """∂L/∂h_T: everything the encoder learns arrives through this one vector.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_1
        δ^dec_1, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h), like h_T.
    """
    return bptt.grad_h_0(W_dec, delta_dec_1)


@equation(
    "eq-encoder-state-grad",
    title="Gradient at an encoder state",
    latex=(
        r"\frac{\partial L}{\partial h_t} = \begin{cases} W_{\text{dec}}^\top \delta^{\text{dec}}_1 & t = T \\"
        r" W_h^\top \delta^{\text{enc}}_{t+1} & t < T \end{cases}"
    ),
)
def encoder_state_gradient(W_h: Array, delta_enc_next: Array) -> Array:
    """∂L/∂h_t for t < T: the encoder has no outputs, so only step t + 1 sends anything back.

    At t = T the value is the hand-off, [`handoff_gradient`][rnn_math.seq2seq.backward_equations.handoff_gradient].

    Parameters
    ----------
    W_h
        Encoder recurrent weights, shape (D_h, D_h).
    delta_enc_next
        δ^enc_{t+1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂h_t, shape (..., D_h).
    """
    return bptt.grad_h_0(W_h, delta_enc_next)


@equation(
    "eq-embedding-grad",
    title="Gradient of an embedding table",
    latex=(
        r"\frac{\partial L}{\partial E_{\text{en}}} = \sum_{t=1}^{T} \mathbb{1}_{w_t}"
        r"\Bigl(\frac{\partial L}{\partial x_t}\Bigr)^{\!\top}, \qquad"
        r"\frac{\partial L}{\partial E_{\text{hi}}} = \sum_{t=1}^{T'} \mathbb{1}_{k_{t-1}}"
        r"\Bigl(\frac{\partial L}{\partial y_{t-1}}\Bigr)^{\!\top}"
    ),
)
def grad_embedding(n_rows: int, tokens: Tokens, grad_inputs: Array) -> Array:
    """∂L/∂E: each step's input gradient added to the row of the token read at that step.

    A word read at several steps (or in several sentences) collects all of their gradients;
    a word never read gets zero.

    Parameters
    ----------
    n_rows
        Number of rows of the table.
    tokens
        Token read at each step, shape (...).
    grad_inputs
        ∂L/∂x_t (or ∂L/∂y_{t-1}) at each step, shape (..., d).

    Returns
    -------
    numpy.ndarray
        Shape (n_rows, d), like the table.
    """
    d = grad_inputs.shape[-1]
    grad = np.zeros((n_rows, d), dtype=grad_inputs.dtype)
    np.add.at(grad, np.asarray(tokens).reshape(-1), grad_inputs.reshape(-1, d))
    return grad
