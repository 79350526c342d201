"""SymPy twins of the LSTM's equations: the forward pass, the backward pass and their composition.

Each twin is registered with [`symbolic_twin`][rnn_math.core.registry.symbolic_twin] under the id of
the NumPy function it rebuilds; [`closed_form_gradients`][rnn_math.symbolic.lstm.backward.closed_form_gradients]
composes the whole forward and backward pass from them, with column vectors as the LSTM page writes them.
"""

from rnn_math.symbolic.lstm.backward import SymbolicLSTMGradients, closed_form_gradients
from rnn_math.symbolic.lstm.forward import SymbolicLSTMForward

__all__ = ["SymbolicLSTMForward", "SymbolicLSTMGradients", "closed_form_gradients"]
