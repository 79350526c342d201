"""The RNN-theory notes' example continued: the package's numbers against scalar arithmetic,
and the page showing them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_math.seq2seq import Seq2SeqParams, forward
from rnn_math.seq2seq.example import NOTES_V, NOTES_E_hi, NOTES_W_dec, NOTES_W_out, notes_params, notes_translation_step
from rnn_math_docs.formatting import latex_matrix, number


def first_decoder_step_by_hand() -> tuple[list[float], list[float]]:
    """s_1 and p_1 with Python floats and math.tanh/exp: no NumPy, no package code."""
    W, U = [[0.3, -0.1], [0.0, 0.2]], [0.5, 0.7]
    h = [0.0, 0.0]
    for x in (1.0, 2.0):
        h = [math.tanh(W[i][0] * h[0] + W[i][1] * h[1] + U[i] * x) for i in range(2)]
    Wd, Vd, y0 = NOTES_W_dec.tolist(), NOTES_V[:, 0].tolist(), NOTES_E_hi[-1, 0]
    s1 = [math.tanh(Wd[i][0] * h[0] + Wd[i][1] * h[1] + Vd[i] * y0) for i in range(2)]
    o1 = [row[0] * s1[0] + row[1] * s1[1] for row in NOTES_W_out.tolist()]
    total = sum(math.exp(v) for v in o1)
    return s1, [math.exp(v) / total for v in o1]


@pytest.mark.equation("eq-context", "eq-decoder-state", "eq-decoder-logits", "eq-teacher-forcing")
def test_the_first_decoder_step_matches_scalar_arithmetic():
    s1, p1 = first_decoder_step_by_hand()
    fp = notes_translation_step().before.forward  # one sentence: no batch axis
    np.testing.assert_allclose(fp.s[1], s1, rtol=1e-14)
    np.testing.assert_allclose(fp.p[0], p1, rtol=1e-14)


def test_one_gradient_step_lowers_the_loss():
    step = notes_translation_step()
    assert step.after.loss < step.before.loss


def test_the_step_is_minus_eta_times_the_gradient():
    step = notes_translation_step(0.5)
    before, after = notes_params().as_dict(), step.params_after.as_dict()
    for name, g in step.before.grads.as_dict().items():
        np.testing.assert_allclose(after[name], before[name] - 0.5 * g, rtol=0, atol=1e-15)


def test_the_end_token_row_of_the_hindi_table_gets_no_gradient():
    assert not np.any(notes_translation_step().before.grads.grad_E_hi[3])


def test_the_page_shows_the_computed_numbers(built_site):
    html = (built_site / "encoder-decoder" / "index.html").read_text(encoding="utf-8")
    step = notes_translation_step()
    s1, _ = first_decoder_step_by_hand()
    assert latex_matrix(s1) in html
    assert number(step.before.loss) in html and number(step.after.loss) in html
    assert latex_matrix(step.before.grad_context) in html


def test_the_translator_page_shows_every_training_pair(built_site):
    from rnn_math.apps.translator import load_pairs

    html = (built_site / "translator" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in html
    for pair in load_pairs():
        assert pair.hindi_text in html


@pytest.mark.parametrize(
    ("source", "targets", "error", "match"),
    [
        (np.array([], dtype=int), np.array([0]), ValueError, "source: expected at least one token"),
        (np.array([0, 7]), np.array([0]), ValueError, r"source: expected indices in 0..1, got 7"),
        (np.array([0.0, 1.0]), np.array([0]), TypeError, "source: expected integer token indices"),
        (np.array([[0, 1]]), np.array([0, 3]), ValueError, "targets: expected as many sentences as source"),
    ],
)
def test_bad_input_is_named(source, targets, error, match):
    with pytest.raises(error, match=match):
        forward(notes_params(), source, targets)


def test_a_hindi_table_without_the_start_row_is_refused():
    values = notes_params().as_dict() | {"E_hi": NOTES_E_hi[:-1]}
    with pytest.raises(ValueError, match=r"E_hi: expected 5 rows"):
        Seq2SeqParams(**values)
