"""The LSTM with a forget gate: its equations in derivation order, its composer and its mistakes.

This package is one model, the LSTM as PyTorch's ``nn.LSTM`` computes it (gates stacked in the
order i, f, g, o; two biases per gate), with the vanilla RNN's softmax output and cross-entropy.
Its modules follow the LSTM page:

- [`params`][rnn_math.lstm.params]: the six parameters, checked when built, and the gate order;
- [`forward_equations`][rnn_math.lstm.forward_equations] and
  [`backward_equations`][rnn_math.lstm.backward_equations]: one function per equation;
- [`results`][rnn_math.lstm.results]: one step's record, the forward pass, the gradients;
- [`composer`][rnn_math.lstm.composer]: the checked entry points `lstm_forward` and `lstm_gradients`;
- [`fast_path`][rnn_math.lstm.fast_path]: `lstm_fast_gradients`, the same gradients of a batch, fast;
- `unrolled`, `mistakes` and `declaration`, which check the model and are imported from their modules.
"""

from rnn_math.lstm.backward_equations import (
    candidate_delta,
    cell_gradient,
    forget_gate_delta,
    grad_biases,
    grad_c_0,
    grad_h_0,
    grad_W_hh,
    grad_W_ih,
    grad_x,
    hidden_gradient,
    input_gate_delta,
    output_gate_delta,
    stack_gate_deltas,
)
from rnn_math.lstm.composer import lstm_forward, lstm_gradients
from rnn_math.lstm.fast_path import lstm_fast_gradients
from rnn_math.lstm.forward_equations import cell_state, gate_activations, gate_preactivation, hidden_state, split_gates
from rnn_math.lstm.params import GATE_ORDER, PARAMETER_NAMES, LSTMDimensions, LSTMParams
from rnn_math.lstm.results import LSTMForward, LSTMResult, LSTMStep

__all__ = [
    "GATE_ORDER", "PARAMETER_NAMES", "LSTMDimensions", "LSTMForward", "LSTMParams", "LSTMResult", "LSTMStep",
    "candidate_delta", "cell_gradient", "cell_state", "forget_gate_delta", "gate_activations", "gate_preactivation",
    "grad_W_hh", "grad_W_ih", "grad_biases", "grad_c_0", "grad_h_0", "grad_x", "hidden_gradient", "hidden_state",
    "input_gate_delta", "lstm_fast_gradients", "lstm_forward", "lstm_gradients", "output_gate_delta", "split_gates",
    "stack_gate_deltas",
]  # fmt: skip
