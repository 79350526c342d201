"""The command line: ``rnn-math train`` and ``rnn-math sample`` (also ``python -m rnn_math``).

User errors (a missing or empty file, a checkpoint that does not fit, a zero learning rate)
end with one line on stderr and a non-zero exit code, never a traceback:

- exit 1: the input could not be used (files, checkpoints);
- exit 2: the command line itself is wrong (unknown option, a value out of range);
- exit 130: interrupted with Ctrl-C, after saving a checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from rnn_math import __version__
from rnn_math.activations import ACTIVATIONS
from rnn_math.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from rnn_math.corpus import Corpus, InputError, Vocabulary, check_long_enough, read_corpus
from rnn_math.sampling import sample
from rnn_math.train import (
    CLIPPING,
    OPTIMIZERS,
    TrainSettings,
    TrainState,
    bits_per_char,
    initial_state,
    perplexity,
    smoothed_curve,
    train,
    uniform_loss,
)

PROG = "rnn-math"
DEFAULT_CHECKPOINT = "rnn-math.npz"

#: Options of `train` that are model or run settings: option name → TrainSettings field.
SETTING_OPTIONS = {
    "hidden_size": "--hidden-size",
    "activation": "--activation",
    "seq_length": "--seq-length",
    "learning_rate": "--learning-rate",
    "optimizer": "--optimizer",
    "clip": "--clip",
    "clip_threshold": "--clip-threshold",
    "init_scale": "--init-scale",
    "seed": "--seed",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(minimum: int, wanted: str):
    """An argparse type accepting integers of at least `minimum`, described as `wanted`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


#: argparse type: an integer of at least 1.
positive_int = _int_at_least(1, "a positive integer")
#: argparse type: an integer of at least 0.
non_negative_int = _int_at_least(0, "a non-negative integer")


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
    parser = _Parser(prog=PROG, description="Train a character-level RNN built from the site's equations, and sample from it.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,bench}", parser_class=_Parser)

    defaults = TrainSettings()
    tr = commands.add_parser("train", help="train a model on a text file (or the shipped corpus of names)",
                             description="Train a character-level language model with truncated BPTT.")
    tr.add_argument("corpus", nargs="?", help="UTF-8 text file to train on (default: the shipped corpus of 600 invented names)")
    tr.add_argument("--hidden-size", type=positive_int, help=f"hidden units D_h (default {defaults.hidden_size})")
    tr.add_argument("--activation", choices=tuple(ACTIVATIONS), help=f"hidden activation (default {defaults.activation})")
    tr.add_argument("--seq-length", type=positive_int, help=f"characters per chunk, the BPTT length T (default {defaults.seq_length})")
    tr.add_argument("--learning-rate", type=positive_float, help=f"step size η (default {defaults.learning_rate})")
    tr.add_argument("--optimizer", choices=OPTIMIZERS, help=f"update rule (default {defaults.optimizer})")
    tr.add_argument("--clip", choices=CLIPPING, help=f"gradient clipping: each entry to ±c, the global norm to c, or none (default {defaults.clip})")
    tr.add_argument("--clip-threshold", type=positive_float, help=f"the c of --clip (default {defaults.clip_threshold})")
    tr.add_argument("--init-scale", type=positive_float, help=f"standard deviation of the initial weights (default {defaults.init_scale})")
    tr.add_argument("--seed", type=non_negative_int, help=f"random seed: initial weights and samples (default {defaults.seed})")
    tr.add_argument("--steps", type=positive_int, default=2000, help="train until this many updates in total (default 2000)")
    tr.add_argument("--checkpoint", default=None, help=f"checkpoint file to write (default {DEFAULT_CHECKPOINT}, or the --resume file)")
    tr.add_argument("--checkpoint-every", type=positive_int, default=1000, help="save every N steps, and at the end (default 1000)")
    tr.add_argument("--resume", metavar="CHECKPOINT", help="continue the run saved in this checkpoint, with its settings")
    tr.add_argument("--sample-every", type=non_negative_int, default=500, help="print a sample every N steps, 0 for never (default 500)")
    tr.add_argument("--sample-length", type=positive_int, default=200, help="characters per sample (default 200)")
    tr.add_argument("--report", help="also write a JSON report (settings, loss curve, final loss, samples) to this file")
    tr.add_argument("--quiet", action="store_true", help="no progress and no periodic samples; only the summary")
    tr.set_defaults(handler=run_train)

    sa = commands.add_parser("sample", help="generate text from a checkpoint",
                             description="Generate text from a trained checkpoint.")
    sa.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, help=f"checkpoint to sample from (default {DEFAULT_CHECKPOINT})")
    sa.add_argument("--length", type=positive_int, default=300, help="characters to generate (default 300)")
    sa.add_argument("--temperature", type=positive_float, default=1.0, help="τ: below 1 safer, above 1 wilder (default 1.0)")
    sa.add_argument("--seed", type=non_negative_int, default=None, help="random seed, for the same text every time (default: fresh)")
    sa.add_argument("--prime", default=None, help="text to continue (default: a new line, if the corpus has line breaks)")
    sa.set_defaults(handler=run_sample)

    # Listed for --help only: main() hands `bench` and its arguments to rnn_math.bench.main.
    commands.add_parser("bench", help="time forward + BPTT against PyTorch and JAX (bench --help for options)")
    return parser


# --- train ---------------------------------------------------------------------------------------


def _settings_from(args: argparse.Namespace, base: TrainSettings) -> TrainSettings:
    given = {field: getattr(args, field) for field in SETTING_OPTIONS if getattr(args, field) is not None}
    return TrainSettings(**(base.as_dict() | given))


def _resume(args: argparse.Namespace) -> tuple[Checkpoint, Corpus]:
    """Load the checkpoint, refuse changed settings, and read a corpus whose vocabulary fits."""
    checkpoint = load_checkpoint(args.resume)
    saved = checkpoint.settings.as_dict()
    for field, option in SETTING_OPTIONS.items():
        value = getattr(args, field)
        if value is not None and value != saved[field]:
            what = "a different shape" if field == "hidden_size" else "a different run"
            raise InputError(
                f"{option} {value} differs from the checkpoint's {saved[field]!r} ({what}); "
                f"a resumed run keeps the settings it was saved with"
            )
    corpus_path = args.corpus if args.corpus is not None else (
        None if checkpoint.corpus_source == "default" else checkpoint.corpus_source
    )
    corpus = read_corpus(corpus_path)
    vocab = Vocabulary.from_text(corpus.text)
    if vocab != checkpoint.vocab:
        raise InputError(
            f"checkpoint: {args.resume} was trained on a vocabulary of {len(checkpoint.vocab)} characters, "
            f"the corpus {corpus.source} has {len(vocab)} (different characters); use the same corpus"
        )
    return checkpoint, corpus


class Progress:
    """Progress on stderr: a live bar on a terminal, a plain line every so often elsewhere.

    A bar redraws itself with carriage returns, which turns into a wall of text in a log file or
    a pipe; so when stderr is not a terminal, one line per report interval is printed instead.
    """

    def __init__(self, start: int, total: int, *, quiet: bool, every: int, stream: TextIO) -> None:
        self.stream, self.quiet, self.every = stream, quiet, every
        self.bar = None
        if not quiet and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=start, file=stream, unit="step", dynamic_ncols=True)

    def update(self, step: int, total: int, smoothed: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            if step % 10 == 0 or step == total:
                self.bar.set_postfix_str(f"loss {smoothed:.3f} nats/char", refresh=False)
        elif not self.quiet and (step % self.every == 0 or step == total):
            print(f"step {step}/{total}  loss {smoothed:.4f} nats/char", file=self.stream, flush=True)

    def write(self, text: str, out: TextIO) -> None:
        if self.bar is not None:
            self.bar.write(text, file=out)
        else:
            print(text, file=out, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _default_prime(vocab: Vocabulary) -> str:
    return "\n" if "\n" in vocab.chars else vocab.chars[0]


def run_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `train` sub-command."""
    if args.resume is not None:
        checkpoint, corpus = _resume(args)
        settings, vocab, state = checkpoint.settings, checkpoint.vocab, checkpoint.state
        target = Path(args.checkpoint if args.checkpoint is not None else args.resume)
        if corpus.sha256 != checkpoint.corpus_sha256:
            print(f"note: {corpus.source} is not the text the checkpoint was trained on (same characters); "
                  f"training continues on it", file=err)
    else:
        settings = _settings_from(args, TrainSettings())
        corpus = read_corpus(args.corpus)
        vocab = Vocabulary.from_text(corpus.text)
        state = initial_state(settings, len(vocab))
        target = Path(args.checkpoint if args.checkpoint is not None else DEFAULT_CHECKPOINT)
    check_long_enough(len(corpus.text), settings.seq_length, corpus.source)
    if len(vocab) < 2:
        raise InputError(f"corpus: {corpus.source} uses a single character; there is nothing to predict")
    if not target.parent.is_dir():
        raise InputError(f"checkpoint: the folder {target.parent} of {target} does not exist")
    data = vocab.encode(corpus.text, what="corpus")

    def save() -> None:
        save_checkpoint(target, Checkpoint(settings, vocab, state, corpus.source, corpus.sha256))

    print(
        f"corpus {corpus.source}: {len(corpus.text)} characters, |V| = {len(vocab)}; "
        f"uniform guess {uniform_loss(len(vocab)):.4f} nats/char",
        file=err,
    )
    start_step, started = state.step, time.perf_counter()
    progress = Progress(state.step, args.steps, quiet=args.quiet, every=args.sample_every or max(1, args.steps // 10), stream=err)
    prime = _default_prime(vocab)
    try:
        for _ in train(state, data, settings, len(vocab), args.steps):
            progress.update(state.step, args.steps, state.smoothed)
            if not args.quiet and args.sample_every and state.step % args.sample_every == 0:
                text = sample(state.params, vocab, activation=settings.activation, length=args.sample_length,
                              rng=state.rng, prime=prime)
                progress.write(f"--- sample at step {state.step} ---\n{text}\n---", out)
            if state.step % args.checkpoint_every == 0:
                save()
    except KeyboardInterrupt:
        progress.close()
        save()
        print(f"{PROG}: interrupted at step {state.step}; saved {target}", file=err)
        return 130
    progress.close()
    save()
    seconds = time.perf_counter() - started
    final_sample = sample(state.params, vocab, activation=settings.activation, length=args.sample_length,
                          rng=state.rng, prime=prime)
    summary = {
        "steps": state.step,
        "steps_this_run": state.step - start_step,
        "seconds_this_run": round(seconds, 2),
        "smoothed_nats": state.smoothed,
        "smoothed_bits": bits_per_char(state.smoothed),
        "smoothed_perplexity": perplexity(state.smoothed),
        "uniform_nats": uniform_loss(len(vocab)),
    }
    print(
        f"done: {summary['steps']} steps ({summary['steps_this_run']} in {seconds:.1f} s); "
        f"loss {state.smoothed:.4f} nats/char = {summary['smoothed_bits']:.4f} bits/char, "
        f"perplexity {summary['smoothed_perplexity']:.2f} (uniform guess: {summary['uniform_nats']:.4f} nats/char, "
        f"perplexity {len(vocab)}); saved {target}",
        file=out,
    )
    print(f"--- final sample ---\n{final_sample}\n---", file=out)
    if args.report is not None:
        write_report(args, settings, corpus, vocab, state, summary, final_sample)
    return 0


def write_report(
    args: argparse.Namespace,
    settings: TrainSettings,
    corpus: Corpus,
    vocab: Vocabulary,
    state: TrainState,
    summary: dict,
    final_sample: str,
) -> None:
    """Write the machine-readable record of a run: what was run, what it reached, what it says."""
    report = {
        "command": shlex.join([PROG, *args.argv]),
        "settings": settings.as_dict(),
        "corpus": {"source": corpus.source, "characters": len(corpus.text), "vocab_size": len(vocab), "sha256": corpus.sha256},
        "summary": summary,
        "curve": smoothed_curve(state.losses, len(vocab), settings.smoothing),
        "sample": final_sample,
    }
    path = Path(args.report)
    try:
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise InputError(f"report: cannot write {path}: {error.strerror or error}") from None


# --- sample --------------------------------------------------------------------------------------


def run_sample(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `sample` sub-command."""
    import numpy as np

    checkpoint = load_checkpoint(args.checkpoint)
    prime = args.prime if args.prime is not None else _default_prime(checkpoint.vocab)
    text = sample(
        checkpoint.state.params,
        checkpoint.vocab,
        activation=checkpoint.settings.activation,
        length=args.length,
        rng=np.random.default_rng(args.seed),
        prime=prime,
        temperature=args.temperature,
    )
    print((args.prime or "") + text, file=out)
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
    if argv[:1] == ["bench"]:  # the benchmark has its own options and thread set-up (rnn_math.bench)
        from rnn_math.bench import main as bench_main

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
    except OSError as error:
        print(f"{PROG}: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=err)
        return 1
