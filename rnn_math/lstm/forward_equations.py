"""The forward equations of an LSTM with a forget gate, one function per equation, in derivation order.

Same conventions as [`rnn_math.rnn.forward_equations`][rnn_math.rnn.forward_equations]: the page
writes column vectors, the code stores vectors as the rows of arrays with any leading axes, so
``W_ih x^t`` reads ``x_t @ W_ih.T``. The output layer (logits, softmax, cross-entropy) is the
vanilla RNN's, the same equations with h^t the LSTM's hidden state; the LSTM's composer uses those
registered functions ([`rnn_math.lstm.composer`][rnn_math.lstm.composer]).

These functions do no input checking (they run inside loops); the composer's entry points check
every argument once.
"""

from __future__ import annotations

from rnn_math.core.activations import sigmoid, tanh
from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.lstm.params import GATE_ORDER


@equation(
    "eq-lstm-preactivation",
    title="Stacked gate pre-activation",
    latex=r"a^t = W_{ih}\, x^t + b_{ih} + W_{hh}\, h^{t-1} + b_{hh}",
)
def gate_preactivation(W_ih: Array, x_t: Array, b_ih: Array, W_hh: Array, h_prev: Array, b_hh: Array) -> Array:
    """The four gates' pre-activations at step t, stacked, in one product per weight matrix.

    Parameters
    ----------
    W_ih
        Input weights of the four gates stacked i, f, g, o, shape (4 D_h, d).
    x_t
        Input(s) x^t, shape (..., d).
    b_ih
        Input-side biases, shape (4 D_h,).
    W_hh
        Recurrent weights of the four gates, shape (4 D_h, D_h).
    h_prev
        Previous hidden state(s) h^{t-1}, shape (..., D_h).
    b_hh
        Hidden-side biases, shape (4 D_h,).

    Returns
    -------
    numpy.ndarray
        a^t, shape (..., 4 D_h).
    """
    return x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh


@equation(
    "eq-lstm-gate-split",
    title="The stacked pre-activation's blocks, in the order i, f, g, o",
    latex=r"a^t = \begin{bmatrix} a_i^t \\ a_f^t \\ a_g^t \\ a_o^t \end{bmatrix}",
)
def split_gates(a_t: Array) -> tuple[Array, Array, Array, Array]:
    """Split a stacked pre-activation into the blocks of the input gate, forget gate, candidate and output gate.

    Parameters
    ----------
    a_t
        a^t, shape (..., 4 D_h), its last axis stacked in PyTorch's order i, f, g, o
        (`GATE_ORDER` of [`rnn_math.lstm.params`][rnn_math.lstm.params]).

    Returns
    -------
    tuple of numpy.ndarray
        (a_i^t, a_f^t, a_g^t, a_o^t), each shape (..., D_h).
    """
    D_h = a_t.shape[-1] // len(GATE_ORDER)
    blocks = {gate: a_t[..., k * D_h : (k + 1) * D_h] for k, gate in enumerate(GATE_ORDER)}
    return blocks["i"], blocks["f"], blocks["g"], blocks["o"]


@equation(
    "eq-lstm-gates",
    title="Gates and candidate",
    latex=(
        r"i^t = \operatorname{sigmoid}(a_i^t),\quad f^t = \operatorname{sigmoid}(a_f^t),\quad"
        r" g^t = \tanh(a_g^t),\quad o^t = \operatorname{sigmoid}(a_o^t)"
    ),
)
def gate_activations(a_i: Array, a_f: Array, a_g: Array, a_o: Array) -> tuple[Array, Array, Array, Array]:
    """The input, forget and output gates (sigmoids, between 0 and 1) and the candidate (tanh).

    Parameters
    ----------
    a_i, a_f, a_g, a_o
        The four blocks of a^t, each shape (..., D_h).

    Returns
    -------
    tuple of numpy.ndarray
        (i^t, f^t, g^t, o^t), each shape (..., D_h).
    """
    return sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)


@equation(
    "eq-lstm-cell",
    title="Cell state",
    latex=r"c^t = f^t \odot c^{t-1} + i^t \odot g^t",
)
def cell_state(f_t: Array, c_prev: Array, i_t: Array, g_t: Array) -> Array:
    """The new cell state: the old one scaled by the forget gate, plus the gated candidate.

    Parameters
    ----------
    f_t
        Forget gate f^t, shape (..., D_h).
    c_prev
        Previous cell state c^{t-1}, shape (..., D_h).
    i_t
        Input gate i^t, shape (..., D_h).
    g_t
        Candidate g^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        c^t, shape (..., D_h).
    """
    return f_t * c_prev + i_t * g_t


@equation(
    "eq-lstm-hidden",
    title="Hidden state of the LSTM",
    latex=r"h^t = o^t \odot \tanh(c^t)",
)
def hidden_state(o_t: Array, c_t: Array) -> Array:
    """The hidden state: the cell state squashed by tanh, scaled by the output gate.

    Parameters
    ----------
    o_t
        Output gate o^t, shape (..., D_h).
    c_t
        Cell state c^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        h^t, shape (..., D_h).
    """
    return o_t * tanh(c_t)
