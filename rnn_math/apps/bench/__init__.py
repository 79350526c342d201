"""The benchmark: this package's BPTT against its peers, in one run.

Run it as ``python -m rnn_math bench``. Its modules: [`bench`][rnn_math.apps.bench.bench] (the
command: interleaved timing, the JSON record), [`machine`][rnn_math.apps.bench.machine] (one
thread in every library, one CPU, and the machine's description),
[`peers`][rnn_math.apps.bench.peers] (the implementations it races, each checked against `bptt`
before it is timed), [`gated`][rnn_math.apps.bench.gated] and
[`gated_case`][rnn_math.apps.bench.gated_case] (the LSTM's and the GRU's fast paths against
their peers) and [`format`][rnn_math.apps.bench.format] (the printed tables).

The names below are what a reader may import to race an implementation of their own. The
command's ``main`` stays in its module, so that ``python -m rnn_math.apps.bench.bench`` runs a
module the package has not imported already.
"""

from rnn_math.apps.bench.format import format_case, format_scaling
from rnn_math.apps.bench.peers import (
    GRADIENT_NAMES,
    STAGES,
    Problem,
    gradient_disagreement,
    make_jax,
    make_numpy,
    make_numpy_loop,
    make_torch,
    peer_status,
)
from rnn_math.apps.bench.textbook import make_textbook

__all__ = [
    "Problem",
    "GRADIENT_NAMES",
    "STAGES",
    "make_numpy",
    "make_textbook",
    "make_numpy_loop",
    "make_torch",
    "make_jax",
    "peer_status",
    "gradient_disagreement",
    "format_case",
    "format_scaling",
]
