"""SymPy twins of the vanilla RNN's equations: the forward pass and BPTT, with column vectors.

Each twin is registered with [`symbolic_twin`][rnn_math.core.registry.symbolic_twin] under the id of
the NumPy function it rebuilds; [`gradients`][rnn_math.symbolic.rnn.bptt.gradients] composes the
whole backward pass from them.
"""

from rnn_math.symbolic.rnn.bptt import SymbolicGradients, gradients
from rnn_math.symbolic.rnn.forward import SymbolicForward, matrix_symbols

__all__ = ["SymbolicForward", "SymbolicGradients", "gradients", "matrix_symbols"]
