"""SymPy twins of the attention equations (Bahdanau's additive scores), and their composition."""

from rnn_math.symbolic.attention.composer import (
    PARAMETER_NAMES,
    SymbolicAttention,
    closed_form_gradients,
    parameter_symbols,
    unrolled_loss,
)
from rnn_math.symbolic.attention.equations import Exp

__all__ = ["PARAMETER_NAMES", "Exp", "SymbolicAttention", "closed_form_gradients", "parameter_symbols", "unrolled_loss"]
