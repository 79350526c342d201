"""The English-to-Hindi translator: the encoder-decoder trained on a few dozen phrase pairs.

An application of the encoder-decoder model ([`rnn_math.seq2seq`][rnn_math.seq2seq]): it reads the
packaged phrase pairs, trains the model with full-batch Adam on gradients from its own derived
backward pass, and translates new sentences by greedy decoding. The modules read in that order:
[`phrases`][rnn_math.apps.translator.phrases] (phrase pairs and word vocabularies),
[`models`][rnn_math.apps.translator.models] (the encoder-decoder with and without attention, as
training and decoding see them), [`translator`][rnn_math.apps.translator.translator] (the trained
translator, decoding), [`training`][rnn_math.apps.translator.training] (the settings and the
loop) and [`evaluation`][rnn_math.apps.translator.evaluation] (scores against reference
translations).

```python
from rnn_math.apps.translator import load_pairs, train_translator

translator = train_translator(load_pairs()).translator
print(translator.translate("I go"))   # मैं जाता हूँ
```
"""

from rnn_math.apps.errors import TrainingDivergedError
from rnn_math.apps.translator.evaluation import Evaluation, Score, evaluate, length_groups, word_matches
from rnn_math.apps.translator.models import (
    ATTENTION,
    ENCODER_DECODER,
    MODELS,
    Decoding,
    TranslatorModel,
    model_of,
)
from rnn_math.apps.translator.phrases import (
    END,
    HELD_OUT_FILE,
    START,
    TRAINING_FILE,
    Pair,
    WordVocabulary,
    build_vocabularies,
    english_words,
    load_pairs,
    parse_pairs,
)
from rnn_math.apps.translator.training import (
    ATTENTION_CONFIG,
    TrainingConfig,
    TrainingResult,
    length_buckets,
    train_translator,
)
from rnn_math.apps.translator.translator import Attended, Translator, UnknownWordError

__all__ = [
    "ATTENTION",
    "ATTENTION_CONFIG",
    "ENCODER_DECODER",
    "MODELS",
    "Attended",
    "Decoding",
    "Evaluation",
    "Score",
    "TranslatorModel",
    "evaluate",
    "length_groups",
    "model_of",
    "word_matches",
    "END",
    "HELD_OUT_FILE",
    "START",
    "TRAINING_FILE",
    "Pair",
    "TrainingConfig",
    "TrainingDivergedError",
    "TrainingResult",
    "Translator",
    "UnknownWordError",
    "WordVocabulary",
    "build_vocabularies",
    "english_words",
    "length_buckets",
    "load_pairs",
    "parse_pairs",
    "train_translator",
]
