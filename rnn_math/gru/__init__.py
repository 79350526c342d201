"""The gated recurrent unit (GRU): its equations in PyTorch's form and in the form of Cho et al. (2014), proven.

- `params`: [`GRUParams`][rnn_math.gru.params.GRUParams], three gates' weights and two biases each,
  in PyTorch's names; splitting PyTorch's stacked matrices (gate order r, z, n).
- `forward_equations`: the gates, the candidate (both forms) and the new state.
- `backward_equations`: BPTT through the GRU in PyTorch's form; `cho_equations`: the four
  equations that change when the reset gate acts before the product.
- `passes`: the forward pass, the loss as a function of the parameters, and
  [`gru_gradients`][rnn_math.gru.passes.gru_gradients], BPTT composed from the equations.
- `fast_path`: [`gru_fast_gradients`][rnn_math.gru.fast_path.gru_fast_gradients], the same
  gradients of a batch (both forms), fast;
- `mistakes`: plausible wrong versions, which every check must reject; `declaration`: the model
  declared once for the verification engine.
"""

from rnn_math.gru.fast_path import gru_fast_gradients
from rnn_math.gru.params import GATES, PARAMETER_NAMES, GRUParams
from rnn_math.gru.passes import VARIANTS, GRUForward, GRUGradients, gru_forward, gru_gradients, gru_loss

__all__ = [
    "GATES",
    "PARAMETER_NAMES",
    "VARIANTS",
    "GRUForward",
    "GRUGradients",
    "GRUParams",
    "gru_fast_gradients",
    "gru_forward",
    "gru_gradients",
    "gru_loss",
]
