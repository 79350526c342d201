"""The RNN-theory notes' worked example: the package's numbers, checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_math.rnn.example import NOTES_W_e, NOTES_W_h, NOTES_xs, notes_encoder
from rnn_math_docs.formatting import latex_matrix


def by_hand() -> list[list[float]]:
    """The same two steps with scalar Python arithmetic and math.tanh, no NumPy and no package code."""
    W = [[0.3, -0.1], [0.0, 0.2]]
    U = [0.5, 0.7]
    h = [0.0, 0.0]
    states = []
    for x in (1.0, 2.0):
        z = [W[i][0] * h[0] + W[i][1] * h[1] + U[i] * x for i in range(2)]
        h = [math.tanh(v) for v in z]
        states.append(z + h)
    return states


@pytest.mark.equation("eq-forward-z", "eq-forward-h", "eq-tanh")
def test_encoder_states_match_scalar_arithmetic():
    trace = notes_encoder()
    for t, (z0, z1, h0, h1) in enumerate(by_hand()):
        np.testing.assert_allclose(trace.z[t], [z0, z1], rtol=1e-15, atol=0)
        np.testing.assert_allclose(trace.h[t + 1], [h0, h1], rtol=1e-15, atol=0)


def test_the_first_step_sees_only_the_input_column():
    trace = notes_encoder()
    np.testing.assert_array_equal(trace.z[0], NOTES_W_e[:, 0] * NOTES_xs[0, 0])


def test_the_example_uses_seed_2s_parameters():
    assert NOTES_W_h.tolist() == [[0.3, -0.1], [0.0, 0.2]]
    assert NOTES_W_e.ravel().tolist() == [0.5, 0.7]
    assert NOTES_xs.ravel().tolist() == [1.0, 2.0]


def test_the_page_shows_the_computed_hidden_states(built_site):
    html = (built_site / "worked-example" / "index.html").read_text(encoding="utf-8")
    for z0, z1, h0, h1 in by_hand():
        assert latex_matrix([z0, z1]) in html
        assert latex_matrix([h0, h1]) in html
