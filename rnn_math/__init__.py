"""rnn-math: the mathematics of recurrent networks, derived and proven by the code that implements it.

Each derived equation is a small NumPy function registered under a stable id
([`rnn_math.registry`][rnn_math.registry]), beside a SymPy twin in `rnn_math.symbolic`.
"""

from rnn_math.activations import get_activation, sigmoid, tanh
from rnn_math.forward import ForwardPass, forward, hidden_states
from rnn_math.params import RNNParams

__all__ = ["ForwardPass", "RNNParams", "forward", "get_activation", "hidden_states", "sigmoid", "tanh"]
__version__ = "0.1.0"
