"""The encoder-decoder's forward equations, in the order of the Encoder-decoder page.

Embedding lookup, the context hand-over s_0 = h_T, teacher forcing, the decoder state, the
logits and the loss. The encoder *is* the vanilla recurrence of the Forward-pass page with tanh
units, so it runs on [`pre_activation`][rnn_math.rnn.forward_equations.pre_activation] and
[`hidden_state`][rnn_math.rnn.forward_equations.hidden_state]; where a decoder equation is the same algebra
as a vanilla-RNN equation it calls that function rather than repeating it. Shapes and names are
those of [`rnn_math.seq2seq.params`][rnn_math.seq2seq.params].
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.rnn.forward import hidden_state, output_logits, pre_activation, step_loss, total_loss
from rnn_math.seq2seq.params import Array, Tokens


@equation(
    "eq-embedding-lookup",
    title="Embedding lookup",
    latex=r"x_t = E_{\text{en}}^\top \mathbb{1}_{w_t}, \qquad y_{t-1} = E_{\text{hi}}^\top \mathbb{1}_{k_{t-1}}",
)
def embed(E: Array, tokens: Tokens) -> Array:
    """Embeddings of tokens: row ``tokens[...]`` of the table `E`.

    Multiplying the transposed table by a one-hot vector picks one row; indexing does the same
    without building the one-hot vector.

    Parameters
    ----------
    E
        Embedding table, shape (n, d): one row per token.
    tokens
        Token indices, any shape (...).

    Returns
    -------
    numpy.ndarray
        Shape (..., d).
    """
    return E[np.asarray(tokens)]


@equation(
    "eq-context",
    title="Context hand-over",
    latex=r"s_0 = h_T",
)
def context(h: Array) -> Array:
    """The decoder's initial state: the encoder's *last* hidden state h_T (not h_0).

    Parameters
    ----------
    h
        Encoder states h_0..h_T, shape (..., T + 1, D_h).

    Returns
    -------
    numpy.ndarray
        s_0 = h_T, shape (..., D_h).
    """
    return h[..., -1, :]


@equation(
    "eq-teacher-forcing",
    title="Teacher forcing",
    latex=r"k_0 = \langle s \rangle, \qquad \text{input at decoder step } t = k_{t-1} \quad (t = 1, \dots, T')",
)
def teacher_forcing(targets: Tokens, start: int) -> Tokens:
    """The decoder's input tokens: the start token, then every target but the last.

    Parameters
    ----------
    targets
        Target indices k_1..k_{T'}, shape (..., T'); the last one is the end token.
    start
        Index of the start token ⟨s⟩ in the Hindi embedding table.

    Returns
    -------
    numpy.ndarray
        k_0..k_{T'-1}, shape (..., T').
    """
    targets = np.asarray(targets)
    first = np.full(targets.shape[:-1] + (1,), start, dtype=targets.dtype)
    return np.concatenate([first, targets[..., :-1]], axis=-1)


@equation(
    "eq-decoder-state",
    title="Decoder state",
    latex=r"a_t = W_{\text{dec}}\, s_{t-1} + V y_{t-1} + c, \qquad s_t = \tanh(a_t)",
)
def decoder_state(W_dec: Array, s_prev: Array, V: Array, y_prev: Array, c: Array) -> tuple[Array, Array]:
    """One decoder step: the vanilla recurrence with the decoder's own weights and tanh.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    s_prev
        s_{t-1}, shape (..., D_h); at t = 1 this is the context h_T.
    V
        Decoder input weights, shape (D_h, d_hi).
    y_prev
        Embedding of the previous target word y_{t-1}, shape (..., d_hi).
    c
        Decoder bias, shape (D_h,).

    Returns
    -------
    tuple of numpy.ndarray
        The pre-activation a_t and the state s_t, each of shape (..., D_h). The backward pass
        takes tanh' at a_t ([`decoder_delta`][rnn_math.seq2seq.backward_equations.decoder_delta]), so it is kept.
    """
    a_t = pre_activation(W_dec, s_prev, V, y_prev, c)
    return a_t, hidden_state(a_t, "tanh")


@equation(
    "eq-decoder-logits",
    title="Decoder logits",
    latex=r"o_t = W_{\text{out}}\, s_t + b_{\text{out}}, \qquad p_t = \operatorname{softmax}(o_t)",
)
def decoder_logits(W_out: Array, s_t: Array, b_out: Array) -> Array:
    """Scores o_t of every Hindi word at decoder step t (their softmax is p_t).

    Parameters
    ----------
    W_out
        Output weights, shape (n_hi, D_h).
    s_t
        Decoder state(s), shape (..., D_h).
    b_out
        Output bias, shape (n_hi,).

    Returns
    -------
    numpy.ndarray
        o_t, shape (..., n_hi).
    """
    return output_logits(W_out, s_t, b_out)


@equation(
    "eq-seq2seq-loss",
    title="Translation loss",
    latex=r"L = \sum_{t=1}^{T'} -\log p_{t,k_t} = \sum_{t=1}^{T'} \Bigl(\log \sum_{j} e^{o_{t,j}} - o_{t,k_t}\Bigr)",
)
def seq2seq_loss(o: Array, targets: Tokens) -> float | complex:
    """The loss of a translation: minus the log-probability of every target word, summed.

    Parameters
    ----------
    o
        Logits o_1..o_{T'}, shape (..., T', n_hi).
    targets
        Target indices k_1..k_{T'}, shape (..., T').

    Returns
    -------
    float or complex
        L, summed over steps (and over the sentences of a batch); a complex number when `o` is
        complex (complex-step differentiation), since the log-sum-exp form is analytic.
    """
    losses = step_loss(o, targets)
    return complex(np.sum(losses)) if np.iscomplexobj(losses) else total_loss(losses)
