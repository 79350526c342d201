"""The numbers of the source texts' worked examples, as data, and the computations that continue them.

The RNN-theory notes ("I go" → Hindi) give an encoder with two hidden units and scalar embeddings:
W = [[0.3, -0.1], [0, 0.2]], U = [0.5, 0.7]^T, b = 0, h_0 = 0, x_1 = 1 ("I"), x_2 = 2 ("go").
In this site's notation the notes' W, U, b are W_h, W_e, b_1 (see the Notation page). The names
prefixed ``NOTES_`` and ``notes_`` hold the notes' numbers; see the References page for the notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_math.core.types import Array
from rnn_math.rnn.forward import hidden_states

#: The RNN-theory notes' recurrent matrix W (our W_h).
NOTES_W_h: Array = np.array([[0.3, -0.1], [0.0, 0.2]])
#: The notes' input matrix U (our W_e): one column, because their embeddings are scalars (d = 1).
NOTES_W_e: Array = np.array([[0.5], [0.7]])
#: The notes' bias b (our b_1).
NOTES_b_1: Array = np.zeros(2)
#: The English tokens and their scalar embeddings x_1 = 1, x_2 = 2, one row per step.
NOTES_TOKENS: tuple[str, ...] = ("I", "go")
NOTES_xs: Array = np.array([[1.0], [2.0]])


@dataclass(frozen=True)
class EncoderTrace:
    """Pre-activations z_1..z_T and hidden states h_0..h_T of one encoded sentence."""

    tokens: tuple[str, ...]
    xs: Array
    z: Array
    h: Array


def notes_encoder() -> EncoderTrace:
    """Run the RNN-theory notes' encoder on "I go" with tanh units: z_1, h_1, z_2, h_2.

    Returns
    -------
    EncoderTrace
        ``z`` has shape (2, 2) (one row per step), ``h`` shape (3, 2) with ``h[0] = h_0 = 0``;
        ``h[-1]`` is the context vector handed to the decoder.
    """
    z, h = hidden_states(NOTES_W_h, NOTES_W_e, NOTES_b_1, NOTES_xs, activation="tanh")
    return EncoderTrace(NOTES_TOKENS, NOTES_xs, z, h)
