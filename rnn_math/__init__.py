"""rnn-math: the mathematics of recurrent networks, derived and proven by the code that implements it.

Each derived equation is a small NumPy function registered under a stable id
([`rnn_math.core.registry`][rnn_math.core.registry]), beside a SymPy twin in `rnn_math.symbolic`.
The package is layered, and each layer's ``__init__`` lists what a reader may import from it:

- [`rnn_math.core`][rnn_math.core]: the registry, activations, input checks, clipping, optimisers;
- [`rnn_math.rnn`][rnn_math.rnn] and [`rnn_math.seq2seq`][rnn_math.seq2seq]: one package per
  model, its equations in derivation order and its passes;
- `rnn_math.symbolic` and `rnn_math.verification`: the SymPy twins and the machinery that
  checks every equation;
- [`rnn_math.apps`][rnn_math.apps]: training, the translator, the command line, the benchmark.

This top level stays light (it imports `RNNParams`, so the core and the vanilla RNN's package,
and nothing else), so that the registry can import every module without a cycle.
"""

from rnn_math.rnn.params import RNNParams

__all__ = ["RNNParams"]
__version__ = "0.1.0"
