"""Attention's gradient equations, in the order of the Attention page.

From the decoder state back through the context, the weights and the scores to the encoder
states they read, then the hand-off, each encoder state's gradient and attention's own
parameters. The rest of the backward pass is the encoder-decoder's (output layer, decoder δ,
W_dec, V, c, the embeddings) and the vanilla RNN's (the encoder's δ and weights). Shapes: ε (the
error at the score pre-activations) is (..., T, n_a) for one decoder step, and (..., T', T, n_a)
for all of them.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.activations import tanh_derivative
from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array


@equation(
    "eq-attention-state-grad",
    title="Gradient at a decoder state, with attention",
    latex=(
        r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t + W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1}"
        r" + W_a^\top \sum_{j=1}^{T} \varepsilon_{t+1,j}, \qquad \delta^{\text{dec}}_{T'+1} = 0,"
        r"\ \varepsilon_{T'+1,j} = 0"
    ),
)
def attention_state_gradient(
    W_out: Array, output_grad_t: Array, W_dec: Array, delta_dec_next: Array, W_a: Array, eps_next: Array
) -> Array:
    """∂L/∂s_t: from the output at step t, the next decoder step and the next step's scores.

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
    W_a
        Score weights on the decoder state, shape (n_a, D_h).
    eps_next
        ε_{t+1,1..T}, shape (..., T, n_a); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂s_t, shape (..., D_h).
    """
    return output_grad_t @ W_out + delta_dec_next @ W_dec + eps_next.sum(axis=-2) @ W_a


@equation(
    "eq-attention-context-grad",
    title="Gradient at a context",
    latex=r"\frac{\partial L}{\partial c_t} = W_c^\top \delta^{\text{dec}}_t",
)
def context_gradient(W_c: Array, delta_dec_t: Array) -> Array:
    """∂L/∂c_t: the context enters only a_t, through W_c.

    Parameters
    ----------
    W_c
        Context weights, shape (D_h, D_h).
    delta_dec_t
        δ^dec_t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂c_t, shape (..., D_h).
    """
    return delta_dec_t @ W_c


@equation(
    "eq-attention-weight-grad",
    title="Gradient at an attention weight",
    latex=r"\frac{\partial L}{\partial \alpha_{t,j}} = h_j^\top \frac{\partial L}{\partial c_t}",
)
def weight_gradient(h: Array, grad_c_t: Array) -> Array:
    """∂L/∂α_{t,j} for every j: how much the loss changes when position j weighs more.

    Parameters
    ----------
    h
        h_1..h_T, shape (..., T, D_h).
    grad_c_t
        ∂L/∂c_t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., T).
    """
    return np.einsum("...jd,...d->...j", h, grad_c_t)


@equation(
    "eq-attention-softmax-grad",
    title="Gradient at the scores: the softmax's Jacobian",
    latex=(
        r"\frac{\partial L}{\partial e_t} = \bigl(\operatorname{diag}(\alpha_t) - \alpha_t \alpha_t^\top\bigr)"
        r" \frac{\partial L}{\partial \alpha_t}, \quad\text{i.e.}\quad"
        r"\frac{\partial L}{\partial e_{t,j}} = \alpha_{t,j}\Bigl(\frac{\partial L}{\partial \alpha_{t,j}}"
        r" - \sum_{k=1}^{T} \alpha_{t,k} \frac{\partial L}{\partial \alpha_{t,k}}\Bigr)"
    ),
)
def softmax_gradient(alpha: Array, grad_alpha: Array) -> Array:
    """∂L/∂e_t: the weights' gradient through the softmax over source positions.

    Written in the second form, which never builds the T × T Jacobian.

    Parameters
    ----------
    alpha
        α_{t,1..T}, shape (..., T).
    grad_alpha
        ∂L/∂α_{t,1..T}, shape (..., T).

    Returns
    -------
    numpy.ndarray
        ∂L/∂e_{t,1..T}, shape (..., T).
    """
    return alpha * (grad_alpha - np.sum(alpha * grad_alpha, axis=-1, keepdims=True))


@equation(
    "eq-attention-score-grad",
    title="Error at a score's pre-activation",
    latex=(
        r"\varepsilon_{t,j} = \frac{\partial L}{\partial m_{t,j}}"
        r" = \frac{\partial L}{\partial e_{t,j}}\, v_a \odot \tanh'(m_{t,j})"
    ),
)
def score_gradient(grad_e: Array, v_a: Array, m: Array) -> Array:
    """ε_{t,j}: the score's gradient through v_aᵀ tanh(·), back to its pre-activation.

    The slope is tanh' at m_{t,j} ([`tanh_derivative`][rnn_math.core.activations.tanh_derivative]),
    not 1 − tanh² of the rounded tanh, which cancels to 0 once |m| is large.

    Parameters
    ----------
    grad_e
        ∂L/∂e_{t,1..T}, shape (..., T).
    v_a
        The score's output vector, shape (n_a,).
    m
        m_{t,1..T}, shape (..., T, n_a).

    Returns
    -------
    numpy.ndarray
        ε_{t,1..T}, shape (..., T, n_a).
    """
    return grad_e[..., None] * v_a * tanh_derivative(m)


@equation(
    "eq-attention-grad-va",
    title="Gradient of the score vector",
    latex=(
        r"\frac{\partial L}{\partial v_a} = \sum_{t=1}^{T'} \sum_{j=1}^{T}"
        r" \frac{\partial L}{\partial e_{t,j}} \tanh(m_{t,j})"
    ),
)
def grad_v_a(grad_e: Array, m: Array) -> Array:
    """∂L/∂v_a: every score's gradient times its tanh, summed over steps and positions.

    Parameters
    ----------
    grad_e
        ∂L/∂e_{t,j}, shape (..., T', T).
    m
        m_{t,j}, shape (..., T', T, n_a).

    Returns
    -------
    numpy.ndarray
        Shape (n_a,), like v_a.
    """
    return sum_rows(grad_e[..., None] * np.tanh(m))


@equation(
    "eq-attention-grad-wa",
    title="Gradient of the score weights on the decoder state",
    latex=r"\frac{\partial L}{\partial W_a} = \sum_{t=1}^{T'} \sum_{j=1}^{T} \varepsilon_{t,j}\, s_{t-1}^\top",
)
def grad_W_a(eps: Array, s_prev: Array) -> Array:
    """∂L/∂W_a: ε_{t,j} times the previous decoder state s_{t-1}, summed over steps and positions.

    Parameters
    ----------
    eps
        ε_{t,j}, shape (..., T', T, n_a).
    s_prev
        s_0..s_{T'-1}, shape (..., T', D_h).

    Returns
    -------
    numpy.ndarray
        Shape (n_a, D_h), like W_a.
    """
    return sum_outer(eps.sum(axis=-2), s_prev)


@equation(
    "eq-attention-grad-ua",
    title="Gradient of the score weights on the encoder states",
    latex=r"\frac{\partial L}{\partial U_a} = \sum_{t=1}^{T'} \sum_{j=1}^{T} \varepsilon_{t,j}\, h_j^\top",
)
def grad_U_a(eps: Array, h: Array) -> Array:
    """∂L/∂U_a: ε_{t,j} times the encoder state h_j it scored, summed over steps and positions.

    Parameters
    ----------
    eps
        ε_{t,j}, shape (..., T', T, n_a).
    h
        h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        Shape (n_a, D_h), like U_a.
    """
    return sum_outer(eps.sum(axis=-3), h)


@equation(
    "eq-attention-grad-wc",
    title="Gradient of the context weights",
    latex=r"\frac{\partial L}{\partial W_c} = \sum_{t=1}^{T'} \delta^{\text{dec}}_t\, c_t^\top",
)
def grad_W_c(deltas_dec: Array, contexts: Array) -> Array:
    """∂L/∂W_c: δ^dec_t times the step's context c_t, summed over steps.

    Parameters
    ----------
    deltas_dec
        δ^dec_1..δ^dec_{T'}, shape (..., T', D_h).
    contexts
        c_1..c_{T'}, shape (..., T', D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h), like W_c.
    """
    return sum_outer(deltas_dec, contexts)


@equation(
    "eq-attention-handoff",
    title="The hand-off, with attention",
    latex=(
        r"\frac{\partial L}{\partial s_0} = W_{\text{dec}}^\top \delta^{\text{dec}}_1"
        r" + W_a^\top \sum_{j=1}^{T} \varepsilon_{1,j}"
    ),
)
def attention_handoff(W_dec: Array, delta_dec_1: Array, W_a: Array, eps_1: Array) -> Array:
    """∂L/∂s_0: s_0 = h_T feeds the first decoder step and the first step's scores.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_1
        δ^dec_1, shape (..., D_h).
    W_a
        Score weights on the decoder state, shape (n_a, D_h).
    eps_1
        ε_{1,1..T}, shape (..., T, n_a).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h).
    """
    return delta_dec_1 @ W_dec + eps_1.sum(axis=-2) @ W_a


@equation(
    "eq-attention-annotation-grad",
    title="Gradient at an encoder state, with attention",
    latex=(
        r"\frac{\partial L}{\partial h_j} = \sum_{t=1}^{T'} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
        r" + U_a^\top \varepsilon_{t,j}\Bigr) + \begin{cases} \partial L / \partial s_0 & j = T \\"
        r" W_h^\top \delta^{\text{enc}}_{j+1} & j < T \end{cases}"
    ),
)
def annotation_gradient(alpha_j: Array, grad_c: Array, U_a: Array, eps_j: Array, grad_from_next: Array) -> Array:
    """∂L/∂h_j: from every context, from every score of position j, and from what h_j feeds next.

    Parameters
    ----------
    alpha_j
        α_{1..T',j}, the weights of position j at every decoder step, shape (..., T').
    grad_c
        ∂L/∂c_1..∂L/∂c_{T'}, shape (..., T', D_h).
    U_a
        Score weights on the encoder states, shape (n_a, D_h).
    eps_j
        ε_{1..T',j}, shape (..., T', n_a).
    grad_from_next
        W_hᵀ δ^enc_{j+1} ([`encoder_state_gradient`][rnn_math.seq2seq.backward_equations.encoder_state_gradient])
        for j < T; ∂L/∂s_0 ([`attention_handoff`][rnn_math.attention.backward_equations.attention_handoff])
        at j = T. Shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂h_j, shape (..., D_h).
    """
    return np.einsum("...t,...td->...d", alpha_j, grad_c) + (eps_j @ U_a).sum(axis=-2) + grad_from_next
