"""Applications built on the models: they use the equations, they add no mathematics of their own.

- [`rnn_math.apps.training`][rnn_math.apps.training]: train a character-level RNN on your own
  text, save and resume checkpoints, and sample from it (``rnn-math train``, ``rnn-math sample``).
- [`rnn_math.apps.translator`][rnn_math.apps.translator]: the toy English-to-Hindi translator, the
  encoder-decoder trained with Adam on a few dozen phrase pairs.
- [`rnn_math.apps.bench`][rnn_math.apps.bench.bench]: the benchmark of the forward pass and BPTT against
  PyTorch and JAX (``rnn-math bench``).
- [`rnn_math.apps.cli`][rnn_math.apps.cli]: the ``rnn-math`` command, with
  [`rnn_math.apps.verify_command`][rnn_math.apps.verify_command] (``rnn-math verify``).
- Shared by all of them: [`rnn_math.apps.errors`][rnn_math.apps.errors] (unusable input, training
  that diverged) and [`rnn_math.apps.safe_files`][rnn_math.apps.safe_files] (atomic writes that
  never replace a file the user did not mean to).

Nothing is imported here, so that starting one application does not load the others; import
from the subpackage (``from rnn_math.apps.translator import train_translator``).
"""

__all__: list[str] = []
