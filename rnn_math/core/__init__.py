"""The shared core: the equation registry, activations, input checks, gradient clipping and optimisers.

Every model builds on this layer and nothing in it knows a model. Its modules:
[`registry`][rnn_math.core.registry] (equation ids, LaTeX, implementations and SymPy twins),
[`activations`][rnn_math.core.activations], [`validation`][rnn_math.core.validation] (input checks
whose messages name the argument, what was expected and what came),
[`clipping`][rnn_math.core.clipping], [`optimizers`][rnn_math.core.optimizers] (SGD, Adagrad, Adam),
[`sums`][rnn_math.core.sums] (the sums over time every model's gradients share) and
[`types`][rnn_math.core.types] (the `Array` alias).

The names below are what a reader may import: ``from rnn_math.core import equation, tanh``. The
function that lists every equation stays in its module, ``from rnn_math.core.registry import
registry``: the package attribute ``registry`` is the module of that name.
"""

from rnn_math.core.activations import Activation, get_activation, sigmoid, sigmoid_derivative, tanh, tanh_derivative
from rnn_math.core.clipping import clip_by_global_norm, clip_elementwise, global_norm
from rnn_math.core.optimizers import adagrad_memory, adagrad_update, adam_moments, adam_update, sgd_update
from rnn_math.core.registry import Equation, equation, lookup, qualified_name, symbolic_twin
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array, IndexArray
from rnn_math.core.validation import (
    as_float_array,
    batch_targets_and_state,
    check_choice,
    check_shapes,
    check_sizes,
    check_targets,
    common_dtype,
    normal_arrays,
)

__all__ = [
    # the registry
    "Equation",
    "equation",
    "symbolic_twin",
    "lookup",
    "qualified_name",
    # types
    "Array",
    "IndexArray",
    # activations
    "Activation",
    "get_activation",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    # input checks
    "as_float_array",
    "batch_targets_and_state",
    "check_shapes",
    "check_sizes",
    "check_targets",
    "normal_arrays",
    "check_choice",
    "common_dtype",
    # clipping
    "global_norm",
    "clip_by_global_norm",
    "clip_elementwise",
    # optimisers
    "sgd_update",
    "adagrad_memory",
    "adagrad_update",
    "adam_moments",
    "adam_update",
    # sums over time
    "sum_outer",
    "sum_rows",
]
