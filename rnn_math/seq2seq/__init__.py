"""The English-to-Hindi encoder-decoder: its equations, forward and backward pass, reference and mistakes.

This package is one model. Its modules follow the derivation of the Encoder-decoder page:

- [`params`][rnn_math.seq2seq.params]: the ten parameters, checked when built;
- [`forward_equations`][rnn_math.seq2seq.forward_equations]: embedding, context, teacher forcing,
  decoder state, logits, loss;
- [`backward_equations`][rnn_math.seq2seq.backward_equations]: the gradient of every step, from the
  output layer back through the hand-off into the encoder and the embedding tables;
- [`passes`][rnn_math.seq2seq.passes]: the forward and backward passes composed from them;
- `reference` (the 50-digit backward pass), `saturation`, `example` and `mistakes`, which
  check and illustrate the model and are imported from their modules.

The names below are the model a reader uses: ``from rnn_math.seq2seq import Seq2SeqParams, backward``.
"""

from rnn_math.seq2seq.backward_equations import (
    decoder_delta,
    decoder_state_gradient,
    encoder_state_gradient,
    grad_b_out,
    grad_c,
    grad_embedding,
    grad_V,
    grad_W_dec,
    grad_W_out,
    handoff_gradient,
)
from rnn_math.seq2seq.forward_equations import (
    context,
    decoder_logits,
    decoder_state,
    embed,
    seq2seq_loss,
    teacher_forcing,
)
from rnn_math.seq2seq.params import PARAMETER_NAMES, Seq2SeqParams
from rnn_math.seq2seq.passes import (
    Seq2SeqBackward,
    Seq2SeqForward,
    Seq2SeqGrads,
    backward,
    encode,
    forward,
    loss,
    run_backward,
    run_forward,
)

__all__ = [
    # parameters
    "PARAMETER_NAMES",
    "Seq2SeqParams",
    # forward equations, in the page's order
    "embed",
    "context",
    "teacher_forcing",
    "decoder_state",
    "decoder_logits",
    "seq2seq_loss",
    # backward equations, in the page's order
    "grad_W_out",
    "grad_b_out",
    "decoder_state_gradient",
    "decoder_delta",
    "grad_W_dec",
    "grad_V",
    "grad_c",
    "handoff_gradient",
    "encoder_state_gradient",
    "grad_embedding",
    # the passes and their results
    "forward",
    "backward",
    "loss",
    "encode",
    "run_forward",
    "run_backward",
    "Seq2SeqForward",
    "Seq2SeqGrads",
    "Seq2SeqBackward",
]
