"""Attention's forward equations, in the order of the Attention page: scores, weights, context, state.

Everything else of the forward pass is the encoder-decoder's (embeddings, s_0 = h_T, teacher
forcing, logits, loss) and the vanilla RNN's (the encoder). Vectors are the rows of arrays with
leading axes; the annotations h_1..h_T are the encoder's states without h_0, shape (..., T, D_h).
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.rnn.forward import hidden_state


@equation(
    "eq-attention-score",
    title="Attention scores (additive)",
    latex=(
        r"m_{t,j} = W_a\, s_{t-1} + U_a\, h_j, \qquad e_{t,j} = v_a^\top \tanh(m_{t,j})"
        r" \qquad (j = 1, \dots, T)"
    ),
)
def attention_scores(W_a: Array, s_prev: Array, U_a: Array, h: Array, v_a: Array) -> tuple[Array, Array]:
    """How well each English position j fits decoder step t: Bahdanau's additive score.

    Parameters
    ----------
    W_a
        Score weights on the decoder state, shape (n_a, D_h).
    s_prev
        s_{t-1}, shape (..., D_h).
    U_a
        Score weights on the encoder states, shape (n_a, D_h).
    h
        Encoder states h_1..h_T, shape (..., T, D_h).
    v_a
        The score's output vector, shape (n_a,).

    Returns
    -------
    tuple of numpy.ndarray
        The pre-activations m_{t,j}, shape (..., T, n_a) (the backward pass takes tanh' there),
        and the scores e_{t,j}, shape (..., T).
    """
    m = (s_prev @ W_a.T)[..., None, :] + h @ U_a.T
    return m, np.tanh(m) @ v_a


@equation(
    "eq-attention-weights",
    title="Attention weights",
    latex=r"\alpha_{t,j} = \frac{\exp(e_{t,j})}{\sum_{k=1}^{T} \exp(e_{t,k})}",
)
def attention_weights(e: Array) -> Array:
    """The softmax of the scores over source positions: α_t sums to 1 over j.

    The largest score is subtracted first (which changes no weight), so that no exponential
    overflows however large the scores are.

    Parameters
    ----------
    e
        Scores e_{t,1..T}, shape (..., T).

    Returns
    -------
    numpy.ndarray
        α_{t,1..T}, shape (..., T).
    """
    shifted = np.exp(e - np.max(e.real, axis=-1, keepdims=True))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


@equation(
    "eq-attention-context",
    title="Context of a decoder step",
    latex=r"c_t = \sum_{j=1}^{T} \alpha_{t,j}\, h_j",
)
def attention_context(alpha: Array, h: Array) -> Array:
    """The encoder states averaged with the weights of step t.

    Parameters
    ----------
    alpha
        α_{t,1..T}, shape (..., T).
    h
        h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        c_t, shape (..., D_h).
    """
    return np.einsum("...j,...jd->...d", alpha, h)


@equation(
    "eq-attention-decoder-state",
    title="Decoder state with attention",
    latex=r"a_t = W_{\text{dec}}\, s_{t-1} + V y_{t-1} + W_c\, c_t + c, \qquad s_t = \tanh(a_t)",
)
def attention_decoder_state(
    W_dec: Array, s_prev: Array, V: Array, y_prev: Array, W_c: Array, c_t: Array, c: Array
) -> tuple[Array, Array]:
    """One decoder step: the encoder-decoder's, with the step's context c_t as one more input.

    Parameters
    ----------
    W_dec, V, c
        Decoder recurrent weights (D_h, D_h), input weights (D_h, d_hi), bias (D_h,).
    s_prev
        s_{t-1}, shape (..., D_h).
    y_prev
        Embedding of the previous target word, shape (..., d_hi).
    W_c
        Context weights, shape (D_h, D_h).
    c_t
        The step's context, shape (..., D_h).

    Returns
    -------
    tuple of numpy.ndarray
        The pre-activation a_t and the state s_t, each of shape (..., D_h).
    """
    a_t = s_prev @ W_dec.T + y_prev @ V.T + c_t @ W_c.T + c
    return a_t, hidden_state(a_t, "tanh")
