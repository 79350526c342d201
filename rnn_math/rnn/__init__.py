"""The vanilla RNN: its equations in derivation order, the fast path, the 50-digit reference and its mistakes.

This package is one model. Its modules follow the Forward-pass and BPTT pages:

- [`params`][rnn_math.rnn.params]: the five parameters, checked when built;
- [`forward_equations`][rnn_math.rnn.forward_equations] and
  [`backward_equations`][rnn_math.rnn.backward_equations]: one function per equation;
- [`forward`][rnn_math.rnn.forward] and [`bptt`][rnn_math.rnn.bptt]: the checked entry points
  `forward`, `hidden_states` and `bptt`, returning the types of [`results`][rnn_math.rnn.results];
- [`fast_path`][rnn_math.rnn.fast_path]: the stages those entry points compose;
- [`truncated`][rnn_math.rnn.truncated] and [`gradient_flow`][rnn_math.rnn.gradient_flow]: truncated
  BPTT and the flow of gradients through time;
- `unrolled`, `reference`, `saturation`, `example` and `mistakes`, which check and illustrate the
  model and are imported from their modules.

The names below are what a reader may import: ``from rnn_math.rnn import RNNParams, delta``. The
two passes are imported from their modules, ``from rnn_math.rnn.forward import forward`` and
``from rnn_math.rnn.bptt import bptt``: the package attribute ``forward`` is the module of that
name (as ``bptt`` is), so it cannot also be the function.
"""

from rnn_math.rnn.backward_equations import (
    delta,
    grad_b_1,
    grad_b_2,
    grad_h_0,
    grad_U,
    grad_W_e,
    grad_W_h,
    grad_x,
    hidden_gradient,
    output_gradient,
)
from rnn_math.rnn.forward import hidden_states
from rnn_math.rnn.forward_equations import hidden_state, output_logits, pre_activation, softmax, step_loss, total_loss
from rnn_math.rnn.gradient_flow import (
    hidden_jacobian,
    jacobian_norm_bound,
    step_jacobian,
    unrolled_recurrent_gradient,
)
from rnn_math.rnn.params import PARAMETER_NAMES, Dimensions, RNNParams
from rnn_math.rnn.results import BPTTResult, ForwardPass, RNNGrads
from rnn_math.rnn.truncated import truncated_bptt, truncated_objective

__all__ = [
    # parameters
    "PARAMETER_NAMES",
    "Dimensions",
    "RNNParams",
    # forward equations, in the page's order
    "pre_activation",
    "hidden_state",
    "output_logits",
    "softmax",
    "step_loss",
    "total_loss",
    "hidden_states",
    # backward equations, in the page's order
    "output_gradient",
    "grad_U",
    "grad_b_2",
    "hidden_gradient",
    "delta",
    "grad_W_h",
    "grad_W_e",
    "grad_b_1",
    "grad_h_0",
    "grad_x",
    # what the passes return
    "ForwardPass",
    "RNNGrads",
    "BPTTResult",
    # truncated BPTT and the flow of gradients
    "truncated_bptt",
    "truncated_objective",
    "step_jacobian",
    "hidden_jacobian",
    "jacobian_norm_bound",
    "unrolled_recurrent_gradient",
]
