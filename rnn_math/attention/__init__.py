"""The encoder-decoder with attention (Bahdanau, Cho and Bengio, 2015): its equations, passes and mistakes.

Every decoder step looks back at every encoder state: additive scores, their softmax over the
source positions, and the weighted average of the encoder states, fed into the decoder step.
The modules follow the derivation of the Attention page:

- [`params`][rnn_math.attention.params]: the encoder-decoder's ten parameters and attention's four;
- [`forward_equations`][rnn_math.attention.forward_equations]: scores, weights, context, decoder state;
- [`backward_equations`][rnn_math.attention.backward_equations]: the gradient of each of them,
  through the softmax's Jacobian back to the encoder states, the hand-off and the tied sums;
- [`passes`][rnn_math.attention.passes]: the forward and backward passes composed from them;
- [`luong_equations`][rnn_math.attention.luong_equations] and [`luong_passes`][rnn_math.attention.luong_passes]:
  the multiplicative score of Luong, Pham and Manning (2015), the gradients it changes, and its passes;
- `mistakes` and `declaration`, which check the model and are imported from their modules.
"""

from rnn_math.attention.backward_equations import (
    annotation_gradient,
    attention_handoff,
    attention_state_gradient,
    context_gradient,
    grad_U_a,
    grad_v_a,
    grad_W_a,
    grad_W_c,
    score_gradient,
    softmax_gradient,
    weight_gradient,
)
from rnn_math.attention.forward_equations import (
    attention_context,
    attention_decoder_state,
    attention_scores,
    attention_weights,
)
from rnn_math.attention.params import PARAMETER_NAMES, AttentionParams
from rnn_math.attention.passes import (
    AttentionBackward,
    AttentionForward,
    backward,
    forward,
    loss,
    run_backward,
    run_forward,
)

__all__ = [
    "PARAMETER_NAMES",
    "AttentionParams",
    # forward equations, in the page's order
    "attention_scores",
    "attention_weights",
    "attention_context",
    "attention_decoder_state",
    # backward equations, in the page's order
    "attention_state_gradient",
    "context_gradient",
    "weight_gradient",
    "softmax_gradient",
    "score_gradient",
    "attention_handoff",
    "annotation_gradient",
    "grad_v_a",
    "grad_W_a",
    "grad_U_a",
    "grad_W_c",
    # the passes and their results
    "forward",
    "backward",
    "loss",
    "run_forward",
    "run_backward",
    "AttentionForward",
    "AttentionBackward",
]
