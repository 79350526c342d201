"""The ``rnn-math train`` sub-command: checks before anything is written, the loop, the summary.

Before the first step, every path is checked: the checkpoint and the report may not be the
corpus, the resumed checkpoint (except the checkpoint saved in place) or each other; an existing
path must be a regular file; and an existing checkpoint or report is replaced only on
``--overwrite`` (a resumed run saves over its own checkpoint, which is what resuming means).

The loop commits each step with one assignment (``state = ...``), so Ctrl-C at any moment saves
a consistent state. A step that diverges saves the last good state and stops with one line.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import shlex
import time
from pathlib import Path
from typing import TextIO

from rnn_math.apps.errors import InputError, TrainingDivergedError
from rnn_math.apps.safe_files import check_output_paths, remove_stale_temporaries, same_file, write_atomically
from rnn_math.apps.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from rnn_math.apps.training.corpus import CharVocabulary, Corpus, check_long_enough, read_corpus
from rnn_math.apps.training.metrics import bits_per_char, perplexity, uniform_loss
from rnn_math.apps.training.sampling import LogitsOverflow, sample
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import TrainState, initial_state, smoothed_curve, train_step

PROG = "rnn-math"
DEFAULT_CHECKPOINT = "rnn-math.npz"
#: Exit code of a run stopped because the loss or the parameters stopped being finite.
EXIT_DIVERGED = 3
#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: Options of `train` that are model or run settings: option name → TrainSettings field.
SETTING_OPTIONS = {
    "cell": "--cell",
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


def settings_from(args: argparse.Namespace, base: TrainSettings) -> TrainSettings:
    """`base` with every setting option the command line gave."""
    given = {field: getattr(args, field) for field in SETTING_OPTIONS if getattr(args, field) is not None}
    return dataclasses.replace(base, **given)  # checked again, as on creation


def resume_run(args: argparse.Namespace) -> tuple[Checkpoint, Corpus]:
    """Load the checkpoint, refuse changed settings, and read a corpus whose vocabulary fits."""
    checkpoint = load_checkpoint(args.resume)
    saved = checkpoint.settings.as_dict()
    for field, option in SETTING_OPTIONS.items():
        value = getattr(args, field)
        if field == "cell" and value is not None and value != saved[field]:
            raise InputError(
                f"--cell {value}: the checkpoint {args.resume} holds a model of the {saved[field]} cell, "
                f"not the {value} cell asked for; resume it with --cell {saved[field]} (or no --cell), "
                f"or train the {value} cell from the start into another --checkpoint"
            )
        if value is not None and value != saved[field]:
            what = "a different shape" if field == "hidden_size" else "a different run"
            raise InputError(
                f"{option} {value} differs from the checkpoint's {saved[field]!r} ({what}); "
                f"a resumed run keeps the settings it was saved with"
            )
    corpus_path = (
        args.corpus
        if args.corpus is not None
        else (None if checkpoint.corpus_source == "default" else checkpoint.corpus_source)
    )
    corpus = read_corpus(corpus_path)
    vocab = CharVocabulary.from_text(corpus.text)
    if vocab != checkpoint.vocab:
        raise InputError(
            f"checkpoint: {args.resume} was trained on a vocabulary of {len(checkpoint.vocab)} characters, "
            f"the corpus {corpus.source} has {len(vocab)} (different characters); use the same corpus"
        )
    return checkpoint, corpus


def check_files(args: argparse.Namespace, target: Path, corpus_path: str | None) -> None:
    """Refuse, before anything is written, any output that would destroy a file (module docstring)."""
    report = Path(args.report) if args.report is not None else None
    resume = Path(args.resume) if args.resume is not None else None
    in_place = resume is not None and same_file(target, resume)
    inputs = {
        "corpus": Path(corpus_path) if corpus_path is not None else None,
        "--resume": None if in_place else resume,
    }
    check_output_paths({"--checkpoint": target, "--report": report}, inputs)
    for option, path in (("--checkpoint", target), ("--report", report)):
        if path is None or not path.exists() or args.overwrite or (option == "--checkpoint" and in_place):
            continue
        hint = f", or --resume {path} to continue it" if option == "--checkpoint" else ""
        raise InputError(f"{option}: {path} already exists; pass --overwrite to replace it{hint}")


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


def default_prime(vocab: CharVocabulary) -> str:
    """A line break if the corpus has them (a new line, a new name), else its first character."""
    return "\n" if "\n" in vocab.chars else vocab.chars[0]


def format_perplexity(value: float) -> str:
    """Perplexity for a sentence: two decimals, powers of ten when huge, "inf" beyond the range."""
    if math.isinf(value):
        return "inf (beyond the floating-point range)"
    return f"{value:.2f}" if value < 1e6 else f"{value:.3e}"


def format_loss(nats: float) -> str:
    """A loss for a sentence: four decimals, or powers of ten when a run has gone far off."""
    return f"{nats:.4f}" if abs(nats) < 1e6 else f"{nats:.4e}"


def divergence_advice(settings: TrainSettings) -> str:
    """What to try after a run diverged, given its settings."""
    advice = f"try a lower --learning-rate (this run: {settings.learning_rate:g})"
    if settings.clip == "none":
        return advice + " or gradient clipping (--clip value or --clip norm)"
    return advice + f" or a smaller --clip-threshold (this run: {settings.clip_threshold:g})"


def run_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The `train` sub-command."""
    if args.resume is not None:
        checkpoint, corpus = resume_run(args)
        settings, vocab, state = checkpoint.settings, checkpoint.vocab, checkpoint.state
        target = Path(args.checkpoint if args.checkpoint is not None else args.resume)
        if corpus.sha256 != checkpoint.corpus_sha256:
            print(
                f"note: {corpus.source} is not the text the checkpoint was trained on (same characters); "
                f"training continues on it",
                file=err,
            )
    else:
        settings = settings_from(args, TrainSettings())
        corpus = read_corpus(args.corpus)
        vocab = CharVocabulary.from_text(corpus.text)
        target = Path(args.checkpoint if args.checkpoint is not None else DEFAULT_CHECKPOINT)
    check_files(args, target, None if corpus.source == "default" else corpus.source)
    check_long_enough(len(corpus.text), settings.seq_length, corpus.source)
    if len(vocab) < 2:
        raise InputError(f"corpus: {corpus.source} uses a single character; there is nothing to predict")
    if args.resume is None:
        state = initial_state(settings, len(vocab))
    for path in (target, args.report):
        if path is not None:
            remove_stale_temporaries(path)  # left by a run that was killed while saving
    data = vocab.encode(corpus.text, what="corpus")

    def save(state: TrainState) -> None:
        save_checkpoint(target, Checkpoint(settings, vocab, state, corpus.source, corpus.sha256))

    print(
        f"corpus {corpus.source}: {len(corpus.text)} characters, |V| = {len(vocab)}; "
        f"uniform guess {uniform_loss(len(vocab)):.4f} nats/char",
        file=err,
    )
    start_step, started = state.step, time.perf_counter()
    progress = Progress(
        state.step, args.steps, quiet=args.quiet, every=args.sample_every or max(1, args.steps // 10), stream=err
    )
    prime = default_prime(vocab)
    text = None
    try:
        while state.step < args.steps:
            new = train_step(state, data, settings, len(vocab))
            if not args.quiet and args.sample_every and new.step % args.sample_every == 0:
                rng = copy.deepcopy(new.rng)  # the draws belong to this step's commit, not half to it
                try:
                    text = sample(
                        new.params,
                        vocab,
                        activation=settings.activation,
                        length=args.sample_length,
                        rng=rng,
                        prime=prime,
                    )
                except LogitsOverflow as error:
                    raise TrainingDivergedError(new.step, str(error)) from None
                new = dataclasses.replace(new, rng=rng)
            state = new  # the commit: one assignment
            progress.update(state.step, args.steps, state.smoothed)
            if text is not None:
                progress.write(f"--- sample at step {state.step} ---\n{text}\n---", out)
                text = None
            if state.step % args.checkpoint_every == 0:
                save(state)
    except KeyboardInterrupt:
        progress.close()
        save(state)
        print(f"{PROG}: interrupted at step {state.step}; saved {target}", file=err)
        return EXIT_INTERRUPTED
    except TrainingDivergedError as error:
        progress.close()
        save(state)  # the last good state, never the diverged one
        print(
            f"{PROG}: error: {error}; saved the last good state (step {state.step}) to {target}; "
            f"{divergence_advice(settings)}",
            file=err,
        )
        return EXIT_DIVERGED
    progress.close()
    save(state)
    seconds = time.perf_counter() - started
    final_sample = sample(
        state.params,
        vocab,
        activation=settings.activation,
        length=args.sample_length,
        rng=copy.deepcopy(state.rng),
        prime=prime,
    )
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
        f"loss {format_loss(state.smoothed)} nats/char = {format_loss(summary['smoothed_bits'])} bits/char, "
        f"perplexity {format_perplexity(summary['smoothed_perplexity'])} (uniform guess: "
        f"{summary['uniform_nats']:.4f} nats/char, perplexity {len(vocab)}); saved {target}",
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
    vocab: CharVocabulary,
    state: TrainState,
    summary: dict,
    final_sample: str,
) -> None:
    """Write the machine-readable record of a run (atomically): what was run, what it reached, what it says.

    Strict JSON: a perplexity beyond the floating-point range is written as null.
    """
    finite = {key: (None if isinstance(v, float) and not math.isfinite(v) else v) for key, v in summary.items()}
    report = {
        "command": shlex.join([PROG, *args.argv]),
        "settings": settings.as_dict(),
        "corpus": {
            "source": corpus.source,
            "characters": len(corpus.text),
            "vocab_size": len(vocab),
            "sha256": corpus.sha256,
        },
        "summary": finite,
        "curve": smoothed_curve(state.losses, len(vocab), settings.smoothing),
        "sample": final_sample,
    }
    content = (json.dumps(report, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    try:
        write_atomically(args.report, lambda file: file.write(content), what="report")
    except OSError as error:
        raise InputError(f"report: cannot write {args.report}: {error.strerror or error}") from None
