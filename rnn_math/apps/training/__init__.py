"""Training a character-level RNN on your own text, with the site's own equations and gradients.

The application behind ``rnn-math train`` and ``rnn-math sample``: a corpus and its characters,
the settings of a run, the loss in per-character units, the training loop (truncated BPTT,
clipping, SGD or Adagrad), checkpoints that resume bit for bit, and sampling at a temperature.
The modules read in that order: [`corpus`][rnn_math.apps.training.corpus],
[`settings`][rnn_math.apps.training.settings], [`cells`][rnn_math.apps.training.cells] (the vanilla
RNN, the LSTM or the GRU, ``--cell``), [`metrics`][rnn_math.apps.training.metrics],
[`train_loop`][rnn_math.apps.training.train_loop], [`checkpoint`][rnn_math.apps.training.checkpoint]
(with [`checkpoint_fields`][rnn_math.apps.training.checkpoint_fields]),
[`sampling`][rnn_math.apps.training.sampling] and the command itself,
[`train_command`][rnn_math.apps.training.train_command].

```python
from rnn_math.apps.training import CharVocabulary, TrainSettings, default_corpus, initial_state, sample, train

text = default_corpus().text
vocab, settings = CharVocabulary.from_text(text), TrainSettings(hidden_size=32)
for state in train(initial_state(settings, len(vocab)), vocab.encode(text), settings, len(vocab), 500):
    pass
print(sample(state.params, vocab, activation=settings.activation, length=60, rng=state.rng, prime="\\n"))
```
"""

from rnn_math.apps.errors import InputError, TrainingDivergedError
from rnn_math.apps.training.cells import CELLS, Cell, cell_of, parameter_count
from rnn_math.apps.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from rnn_math.apps.training.corpus import CharVocabulary, Corpus, default_corpus, one_hot, read_corpus
from rnn_math.apps.training.metrics import bits_per_char, loss_per_char, perplexity, smoothed_loss, uniform_loss
from rnn_math.apps.training.sampling import LogitsOverflow, generate, sample, sampling_distribution
from rnn_math.apps.training.settings import CLIPPING, OPTIMIZERS, TrainSettings
from rnn_math.apps.training.train_loop import LossHistory, TrainState, initial_state, smoothed_curve, train, train_step

__all__ = [
    "CELLS",
    "CLIPPING",
    "OPTIMIZERS",
    "Cell",
    "CharVocabulary",
    "Checkpoint",
    "Corpus",
    "InputError",
    "LogitsOverflow",
    "LossHistory",
    "TrainSettings",
    "TrainState",
    "TrainingDivergedError",
    "bits_per_char",
    "cell_of",
    "default_corpus",
    "generate",
    "initial_state",
    "load_checkpoint",
    "loss_per_char",
    "one_hot",
    "parameter_count",
    "perplexity",
    "read_corpus",
    "sample",
    "sampling_distribution",
    "save_checkpoint",
    "smoothed_curve",
    "smoothed_loss",
    "train",
    "train_step",
    "uniform_loss",
]
