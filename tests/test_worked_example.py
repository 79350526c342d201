"""The RNN-theory notes' worked example: the package's numbers, checked against an independent computation."""

from __future__ import annotations

import math
from html import escape as html_escape

import numpy as np
import pytest

from rnn_math.rnn.example import NOTES_W_e, NOTES_W_h, NOTES_xs, notes_encoder
from rnn_math.seq2seq.example import notes_translation_step
from rnn_math_docs.formatting import latex_matrix, number
from rnn_math_docs.worked_example import encoder_backward


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


def test_the_example_uses_the_notes_parameters():
    assert NOTES_W_h.tolist() == [[0.3, -0.1], [0.0, 0.2]]
    assert NOTES_W_e.ravel().tolist() == [0.5, 0.7]
    assert NOTES_xs.ravel().tolist() == [1.0, 2.0]


def test_the_page_shows_the_computed_hidden_states(built_site):
    html = (built_site / "worked-example" / "index.html").read_text(encoding="utf-8")
    for z0, z1, h0, h1 in by_hand():
        assert latex_matrix([z0, z1]) in html
        assert latex_matrix([h0, h1]) in html


def grad_context() -> list[float]:
    """The gradient the decoder hands back to h_2 (the decoder is checked by its own tests)."""
    return notes_translation_step().before.grad_context.tolist()


def backward_by_hand(g_2: list[float], *, transpose: bool = True, slope_at_h: bool = False) -> dict[str, list]:
    """The encoder's backward pass with scalar Python arithmetic, from ∂L/∂h_2 = g_2.

    `transpose=False` (∂L/∂h_1 = W_h δ_2) and `slope_at_h=True` (tanh' taken at h_t instead of
    z_t) are two plausible wrong versions, for the negative controls.
    """
    W = [[0.3, -0.1], [0.0, 0.2]]
    U = [0.5, 0.7]
    x = [1.0, 2.0]
    (z_1a, z_1b, h_1a, h_1b), (z_2a, z_2b, h_2a, h_2b) = by_hand()
    z = [[z_1a, z_1b], [z_2a, z_2b]]
    h = [[0.0, 0.0], [h_1a, h_1b], [h_2a, h_2b]]

    def slope(t: int, i: int) -> float:
        at = h[t + 1][i] if slope_at_h else z[t][i]
        return 1.0 - math.tanh(at) ** 2

    d_2 = [g_2[i] * slope(1, i) for i in range(2)]
    W_back = [[W[j][i] for j in range(2)] for i in range(2)] if transpose else W
    g_1 = [W_back[i][0] * d_2[0] + W_back[i][1] * d_2[1] for i in range(2)]
    d_1 = [g_1[i] * slope(0, i) for i in range(2)]
    deltas = [d_1, d_2]
    return {
        "grad_h_1": g_1,
        "delta_1": d_1,
        "delta_2": d_2,
        "grad_W_h": [[sum(deltas[t][i] * h[t][j] for t in range(2)) for j in range(2)] for i in range(2)],
        "grad_W_e": [[sum(deltas[t][i] * x[t] for t in range(2))] for i in range(2)],
        "grad_b_1": [d_1[i] + d_2[i] for i in range(2)],
        "grad_x": [[U[0] * deltas[t][0] + U[1] * deltas[t][1]] for t in range(2)],
        "grad_h_0": [W_back[i][0] * d_1[0] + W_back[i][1] * d_1[1] for i in range(2)],
    }


def package_backward() -> dict[str, np.ndarray]:
    b = encoder_backward(notes_encoder(), NOTES_W_h, NOTES_W_e, np.array(grad_context()))
    return {
        "grad_h_1": b.grad_h[0], "delta_1": b.deltas[0], "delta_2": b.deltas[1], "grad_W_h": b.grad_W_h,
        "grad_W_e": b.grad_W_e, "grad_b_1": b.grad_b_1, "grad_x": b.grad_x, "grad_h_0": b.grad_h_0,
    }  # fmt: skip


BACKWARD_NAMES = ["grad_h_1", "delta_1", "delta_2", "grad_W_h", "grad_W_e", "grad_b_1", "grad_x", "grad_h_0"]


@pytest.mark.equation(
    "eq-bptt-delta",
    "eq-encoder-state-grad",
    "eq-bptt-grad-wh",
    "eq-bptt-grad-we",
    "eq-bptt-grad-b1",
    "eq-bptt-grad-x",
    "eq-bptt-grad-h0",
)
@pytest.mark.parametrize("name", BACKWARD_NAMES)
def test_encoder_backward_matches_scalar_arithmetic(name):
    np.testing.assert_allclose(package_backward()[name], backward_by_hand(grad_context())[name], rtol=1e-13, atol=0)


@pytest.mark.parametrize(
    "wrong", [{"transpose": False}, {"slope_at_h": True}], ids=["W_h-not-transposed", "slope-at-h"]
)
def test_the_scalar_check_rejects_a_wrong_backward_pass(wrong):
    """Negative control: each wrong version changes the gradients of W_e, b_1 and the inputs.

    (Not that of W_h: with h_0 = 0 it is δ_2 h_1ᵀ alone, which neither mistake reaches.)
    """
    right, bad = package_backward(), backward_by_hand(grad_context(), **wrong)
    for name in ("grad_W_e", "grad_b_1", "grad_x"):
        assert not np.allclose(right[name], bad[name], rtol=1e-13, atol=0), name


@pytest.mark.parametrize("name", ["W_h", "W_e", "b_1"])
def test_the_encoder_backward_agrees_with_the_whole_model(name):
    """The page's step-by-step pass gives the encoder-decoder's own gradients."""
    whole = notes_translation_step().before.grads.as_dict()[name]
    np.testing.assert_allclose(package_backward()[f"grad_{name}"], whole, rtol=1e-14, atol=1e-17)


def test_each_word_gets_its_input_gradient_in_its_embedding_row():
    whole = notes_translation_step().before.grads.as_dict()["E_en"]
    np.testing.assert_allclose(package_backward()["grad_x"], whole, rtol=1e-14, atol=1e-17)


def test_the_page_shows_the_recurrent_product(built_site):
    html = (built_site / "worked-example" / "index.html").read_text(encoding="utf-8")
    (_, _, h_1a, h_1b), _ = by_hand()
    product = [0.3 * h_1a - 0.1 * h_1b, 0.2 * h_1b]
    assert latex_matrix(product) in html


def test_the_page_shows_the_computed_backward_pass(built_site):
    html = (built_site / "worked-example" / "index.html").read_text(encoding="utf-8")
    expected = backward_by_hand(grad_context())
    for name in BACKWARD_NAMES:
        if name == "grad_x":  # scalars, one per word
            for (value,) in expected[name]:
                assert f"= {number(value)}\\)" in html, name
        else:
            assert html_escape(latex_matrix(expected[name]), quote=False) in html, name
