"""rnn-math: the mathematics of recurrent networks, derived and proven by the code that implements it.

Each derived equation is a small NumPy function registered under a stable id
([`rnn_math.core.registry`][rnn_math.core.registry]), beside a SymPy twin in `rnn_math.symbolic`.
Import functions from their modules (``from rnn_math.rnn.forward import forward``): module names
follow the pages of the site.
"""

from rnn_math.rnn.params import RNNParams

__all__ = ["RNNParams"]
__version__ = "0.1.0"
