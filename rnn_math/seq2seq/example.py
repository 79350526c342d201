"""The RNN-theory notes' worked example continued past the encoder: a decoder, one step of training.

The notes stop once their encoder has read "I go". Here the context h_2 goes on into a decoder with
two hidden units (as the notes' chart asks: the decoder's hidden size equals the encoder's) and
scalar Hindi embeddings (d = 1, like the notes' English ones). The numbers of the decoder are this
project's choice, stated in the constants below; nothing is trained before the example starts,
so the first prediction is as wrong as an untrained network's should be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_math.core.optimizers import sgd_update
from rnn_math.core.types import Array
from rnn_math.rnn.example import NOTES_TOKENS, NOTES_b_1, NOTES_W_e, NOTES_W_h, NOTES_xs
from rnn_math.seq2seq.params import Seq2SeqParams
from rnn_math.seq2seq.passes import Seq2SeqBackward, backward

#: The Hindi words the decoder can emit, the end token last; the start token is row 4 of E_hi.
HINDI_WORDS: tuple[str, ...] = ("मैं", "जाता", "हूँ", "</s>")
#: The translation of "I go": indices into HINDI_WORDS (मैं जाता हूँ, then the end token).
TARGETS = np.array([0, 1, 2, 3])
#: The English sentence as indices into NOTES_TOKENS ("I", "go"); the notes' x_1 = 1, x_2 = 2 are
#: the rows of the English embedding table.
SOURCE = np.array([0, 1])

#: Hindi embeddings (scalars): मैं 1, जाता 2, हूँ 3, </s> 4, and the start token ⟨s⟩ 0.
NOTES_E_hi: Array = np.array([[1.0], [2.0], [3.0], [4.0], [0.0]])
#: Decoder recurrent weights.
NOTES_W_dec: Array = np.array([[0.2, -0.3], [0.1, 0.4]])
#: Decoder input weights (one column: scalar embeddings).
NOTES_V: Array = np.array([[0.3], [-0.2]])
#: Decoder bias: zero, like the notes' encoder bias.
NOTES_c: Array = np.zeros(2)
#: Output weights, one row per Hindi word.
NOTES_W_out: Array = np.array([[1.0, 0.5], [-0.5, 1.0], [0.3, -0.8], [-1.0, -0.2]])
#: Output bias: zero.
NOTES_b_out: Array = np.zeros(4)
#: Step size of the one gradient-descent step.
LEARNING_RATE = 0.5


def notes_params() -> Seq2SeqParams:
    """The notes' encoder (their W, U, b and embeddings 1, 2) joined to the stated decoder."""
    return Seq2SeqParams(
        E_en=NOTES_xs, W_h=NOTES_W_h, W_e=NOTES_W_e, b_1=NOTES_b_1,
        E_hi=NOTES_E_hi, W_dec=NOTES_W_dec, V=NOTES_V, c=NOTES_c, W_out=NOTES_W_out, b_out=NOTES_b_out,
    )  # fmt: skip


@dataclass(frozen=True)
class WorkedStep:
    """The example before and after one gradient-descent step on every parameter.

    Attributes
    ----------
    before
        Loss, gradients and intermediates at the example's parameters.
    params_after
        Every parameter after P ← P − η ∂L/∂P.
    after
        Loss and intermediates at the new parameters.
    """

    before: Seq2SeqBackward
    params_after: Seq2SeqParams
    after: Seq2SeqBackward


def notes_translation_step(learning_rate: float = LEARNING_RATE) -> WorkedStep:
    """Run "I go" → "मैं जाता हूँ </s>" forward and backward, take one SGD step, run it again."""
    params = notes_params()
    before = backward(params, SOURCE, TARGETS)
    grads = before.grads.as_dict()
    updated = Seq2SeqParams(
        **{name: sgd_update(value, grads[name], learning_rate) for name, value in params.as_dict().items()}
    )
    return WorkedStep(before, updated, backward(updated, SOURCE, TARGETS))


__all__ = [
    "HINDI_WORDS", "LEARNING_RATE", "NOTES_E_hi", "NOTES_TOKENS", "NOTES_V", "NOTES_W_dec", "NOTES_W_out",
    "NOTES_b_out", "NOTES_c", "SOURCE", "TARGETS", "WorkedStep", "notes_params", "notes_translation_step",
]  # fmt: skip
