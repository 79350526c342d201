"""The command line: ``rnn-math train`` and ``rnn-math sample`` (also ``python -m rnn_math``).

User errors (a missing or empty file, a checkpoint that does not fit, a zero learning rate)
end with one line on stderr and a non-zero exit code, never a traceback:

- exit 1: the input could not be used (files, checkpoints), or an output would destroy a file;
- exit 2: the command line itself is wrong (unknown option, a value out of range);
- exit 3: training diverged (a non-finite loss or parameter), after saving the last good state;
- exit 130: interrupted with Ctrl-C, after saving a checkpoint (``sample``: after the text so far).

The `train` sub-command itself is in ``rnn_math.apps.training.train_command``. The `verify` sub-command
(re-running every equation's checks) is in ``rnn_math.apps.verify_command``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from rnn_math import __version__
from rnn_math.apps.errors import InputError
from rnn_math.apps.training.cells import CELLS
from rnn_math.apps.training.checkpoint import load_checkpoint
from rnn_math.apps.training.sampling import MAX_SAMPLE_LENGTH, generate
from rnn_math.apps.training.settings import CLIPPING, OPTIMIZERS, TrainSettings
from rnn_math.apps.training.train_command import (
    DEFAULT_CHECKPOINT,
    EXIT_INTERRUPTED,
    PROG,
    SETTING_OPTIONS,  # noqa: F401 (re-exported: the site reads the option names from here)
    default_prime,
    run_train,
)
from rnn_math.apps.verify_command import add_verify_parser
from rnn_math.core.activations import ACTIVATIONS


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(minimum: int, wanted: str, maximum: int | None = None):
    """An argparse type accepting integers from `minimum` (to `maximum`), described as `wanted`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


#: argparse type: an integer of at least 1.
positive_int = _int_at_least(1, "a positive integer")
#: argparse type: an integer of at least 0.
non_negative_int = _int_at_least(0, "a non-negative integer")
#: argparse type: the length of a sample built in memory during training.
sample_length = _int_at_least(1, f"an integer from 1 to {MAX_SAMPLE_LENGTH}", MAX_SAMPLE_LENGTH)


def positive_float(text: str) -> float:
    """argparse type: a finite number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of both sub-commands."""
    parser = _Parser(
        prog=PROG, description="Train a character-level RNN built from the site's equations, and sample from it."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{train,sample,verify,bench}", parser_class=_Parser
    )

    defaults = TrainSettings()
    tr = commands.add_parser(
        "train",
        help="train a model on a text file (or the shipped corpus of names)",
        description="Train a character-level language model with truncated BPTT.",
    )
    tr.add_argument(
        "corpus", nargs="?", help="UTF-8 text file to train on (default: the shipped corpus of 600 invented names)"
    )
    tr.add_argument(
        "--cell",
        choices=tuple(CELLS),
        help=f"recurrent cell: the vanilla RNN, an LSTM or a GRU (default {defaults.cell})",
    )
    tr.add_argument("--hidden-size", type=positive_int, help=f"hidden units D_h (default {defaults.hidden_size})")
    tr.add_argument(
        "--activation",
        choices=tuple(ACTIVATIONS),
        help=f"hidden activation of the rnn cell (default {defaults.activation}; the gated cells use tanh)",
    )
    tr.add_argument(
        "--seq-length",
        type=positive_int,
        help=f"characters per chunk, the BPTT length T (default {defaults.seq_length})",
    )
    tr.add_argument("--learning-rate", type=positive_float, help=f"step size η (default {defaults.learning_rate})")
    tr.add_argument("--optimizer", choices=OPTIMIZERS, help=f"update rule (default {defaults.optimizer})")
    tr.add_argument(
        "--clip",
        choices=CLIPPING,
        help=f"gradient clipping: each entry to ±c, the global norm to c, or none (default {defaults.clip})",
    )
    tr.add_argument(
        "--clip-threshold", type=positive_float, help=f"the c of --clip (default {defaults.clip_threshold})"
    )
    tr.add_argument(
        "--init-scale",
        type=positive_float,
        help=f"standard deviation of the initial weights (default {defaults.init_scale})",
    )
    tr.add_argument(
        "--seed", type=non_negative_int, help=f"random seed: initial weights and samples (default {defaults.seed})"
    )
    tr.add_argument(
        "--steps", type=positive_int, default=2000, help="train until this many updates in total (default 2000)"
    )
    tr.add_argument(
        "--checkpoint",
        default=None,
        help=f"checkpoint file to write (default {DEFAULT_CHECKPOINT}, or the --resume file)",
    )
    tr.add_argument(
        "--overwrite",
        action="store_true",
        help=(
            "replace an existing checkpoint or report "
            "(refused otherwise; a resumed run always saves over its own checkpoint)"
        ),
    )
    tr.add_argument(
        "--checkpoint-every", type=positive_int, default=1000, help="save every N steps, and at the end (default 1000)"
    )
    tr.add_argument(
        "--resume", metavar="CHECKPOINT", help="continue the run saved in this checkpoint, with its settings"
    )
    tr.add_argument(
        "--sample-every",
        type=non_negative_int,
        default=500,
        help="print a sample every N steps, 0 for never (default 500)",
    )
    tr.add_argument("--sample-length", type=sample_length, default=200, help="characters per sample (default 200)")
    tr.add_argument(
        "--report",
        help=(
            "also write a JSON report (settings, loss curve, final loss, samples) to this file; "
            "not the corpus or the checkpoint"
        ),
    )
    tr.add_argument("--quiet", action="store_true", help="no progress and no periodic samples; only the summary")
    tr.set_defaults(handler=run_train)

    sa = commands.add_parser(
        "sample",
        help="generate text from a checkpoint",
        description="Generate text from a trained checkpoint (of any cell: the one it records).",
    )
    sa.add_argument(
        "--checkpoint", default=DEFAULT_CHECKPOINT, help=f"checkpoint to sample from (default {DEFAULT_CHECKPOINT})"
    )
    sa.add_argument(
        "--length", type=positive_int, default=300, help="characters to generate, streamed as they come (default 300)"
    )
    sa.add_argument(
        "--temperature", type=positive_float, default=1.0, help="τ: below 1 safer, above 1 wilder (default 1.0)"
    )
    sa.add_argument(
        "--seed", type=non_negative_int, default=None, help="random seed, for the same text every time (default: fresh)"
    )
    sa.add_argument(
        "--prime", default=None, help="text to continue (default: a new line, if the corpus has line breaks)"
    )
    sa.set_defaults(handler=run_sample)

    add_verify_parser(commands)  # rnn-math verify: rnn_math.apps.verify_command

    # Listed for --help only: main() hands `bench` and its arguments to rnn_math.apps.bench.bench.main.
    commands.add_parser("bench", help="time forward + BPTT against PyTorch and JAX (bench --help for options)")
    return parser


# --- sample --------------------------------------------------------------------------------------


def run_sample(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `sample` sub-command: the prime, then its continuation, streamed as it is generated.

    Writing in pieces keeps memory constant for any ``--length``; Ctrl-C stops after the text
    written so far (exit 130, no traceback).
    """
    import numpy as np

    checkpoint = load_checkpoint(args.checkpoint)
    prime = args.prime if args.prime is not None else default_prime(checkpoint.vocab)
    characters = generate(
        checkpoint.state.params,
        checkpoint.vocab,
        activation=checkpoint.settings.activation,
        rng=np.random.default_rng(args.seed),
        prime=prime,
        temperature=args.temperature,
    )
    first = next(characters)  # checks the prime and τ before anything is written
    out.write(args.prime or "")
    written = 0
    try:
        for character in itertools.chain([first], characters):
            out.write(character)
            written += 1
            if written % 4096 == 0 or character == "\n":
                out.flush()  # a long sample appears as it is made
            if written == args.length:
                break
    except KeyboardInterrupt:
        out.write("\n")
        print(f"{PROG}: interrupted after {written} of {args.length} characters", file=err)
        return EXIT_INTERRUPTED
    out.write("\n")
    out.flush()
    return 0


# --- entry point ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line with `argv` (default: the process's arguments); return the exit code.

    Parameters
    ----------
    argv
        Arguments after the program name.
    out, err
        Where normal output and messages go (default: stdout and stderr).
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the benchmark has its own options and thread set-up (rnn_math.apps.bench.bench)
        from rnn_math.apps.bench.bench import main as bench_main

        return bench_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    args.argv = argv
    try:
        return args.handler(args, out, err)
    except InputError as error:
        print(f"{PROG}: error: {error}", file=err)
        return 1
    except KeyboardInterrupt:  # before training started or after it ended: nothing to save
        print(f"{PROG}: interrupted", file=err)
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"{PROG}: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=err)
        return 1
