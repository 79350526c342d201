"""The numbers of the seeds' worked examples, as data, and the computations that continue them.

Seed 2 ("I go" → Hindi) gives an encoder with two hidden units and scalar embeddings:
W = [[0.3, -0.1], [0, 0.2]], U = [0.5, 0.7]^T, b = 0, h_0 = 0, x_1 = 1 ("I"), x_2 = 2 ("go").
In this site's notation seed 2's W, U, b are W_h, W_e, b_1 (see the Notation page).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.forward import hidden_states

Array = NDArray[np.float64]

#: Seed 2's recurrent matrix W (our W_h).
SEED2_W_h: Array = np.array([[0.3, -0.1], [0.0, 0.2]])
#: Seed 2's input matrix U (our W_e): one column, because its embeddings are scalars (d = 1).
SEED2_W_e: Array = np.array([[0.5], [0.7]])
#: Seed 2's bias b (our b_1).
SEED2_b_1: Array = np.zeros(2)
#: The English tokens and their scalar embeddings x_1 = 1, x_2 = 2, one row per step.
SEED2_TOKENS: tuple[str, ...] = ("I", "go")
SEED2_xs: Array = np.array([[1.0], [2.0]])


@dataclass(frozen=True)
class EncoderTrace:
    """Pre-activations z_1..z_T and hidden states h_0..h_T of one encoded sentence."""

    tokens: tuple[str, ...]
    xs: Array
    z: Array
    h: Array


def seed2_encoder() -> EncoderTrace:
    """Run seed 2's encoder on "I go" with tanh units: z_1, h_1, z_2, h_2.

    Returns
    -------
    EncoderTrace
        ``z`` has shape (2, 2) (one row per step), ``h`` shape (3, 2) with ``h[0] = h_0 = 0``;
        ``h[-1]`` is the context vector handed to the decoder.
    """
    z, h = hidden_states(SEED2_W_h, SEED2_W_e, SEED2_b_1, SEED2_xs, activation="tanh")
    return EncoderTrace(SEED2_TOKENS, SEED2_xs, z, h)
