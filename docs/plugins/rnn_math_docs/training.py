"""Content of the "Train your own" page: a short run made while the site is built, and the long run's record.

The short run trains on the shipped corpus with the same functions the command line uses (under
a second). The long run is too slow for a build; its numbers come from the JSON report that the
command shown on the page wrote (``docs/data/long_run.json``), read here, never typed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

from rnn_math.apps.cli import build_parser
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.metrics import bits_per_char, perplexity, uniform_loss
from rnn_math.apps.training.sampling import sample
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import TrainState, initial_state, smoothed_curve, train
from rnn_math_docs.docs_index import DEFAULT_DOCS_DIR
from rnn_math_docs.formatting import markdown_table, number
from rnn_math_docs.plots import new_figure, svg_figure

#: The short run: small enough to train while the site builds.
SHORT_SETTINGS = TrainSettings(hidden_size=32, seed=0)
SHORT_STEPS = 1000
#: When the short run samples, besides before the first step: early on (a tenth of the way) and at the end.
SHORT_SAMPLE_STEPS = (SHORT_STEPS // 10, SHORT_STEPS)
SHORT_SAMPLE_LENGTH = 160
#: The long run's report, written by the command it records.
LONG_RUN_REPORT = DEFAULT_DOCS_DIR / "data" / "long_run.json"


@dataclass(frozen=True)
class ShortRun:
    """What the build-time run produced."""

    settings: TrainSettings
    vocab_size: int
    curve: list[list[float]]
    smoothed: float
    samples: dict[int, str]


@cache
def short_run() -> ShortRun:
    """Train the short run once per build, sampling before the first step and at `SHORT_SAMPLE_STEPS`."""
    corpus = default_corpus()
    vocab = CharVocabulary.from_text(corpus.text)
    data = vocab.encode(corpus.text)
    settings = SHORT_SETTINGS
    state = initial_state(settings, len(vocab))
    samples: dict[int, str] = {}

    def take_sample(state: TrainState) -> None:
        rng = np.random.default_rng(1)  # the same draws at every stage: only the model differs
        samples[state.step] = sample(
            state.params, vocab, activation=settings.activation, length=SHORT_SAMPLE_LENGTH, rng=rng
        )

    take_sample(state)
    final = state
    for final in train(state, data, settings, len(vocab), SHORT_STEPS):
        if final.step in SHORT_SAMPLE_STEPS:
            take_sample(final)
    curve = smoothed_curve(final.losses, len(vocab), settings.smoothing)
    return ShortRun(settings, len(vocab), curve, final.smoothed, samples)


@cache
def long_run() -> dict:
    """The long run's report."""
    return json.loads(Path(LONG_RUN_REPORT).read_text(encoding="utf-8"))


def _loss_row(label: str, nats: float) -> list[str]:
    return [label, number(nats), number(bits_per_char(nats)), number(perplexity(nats), 2)]


def _loss_table(nats: float, vocab_size: int) -> str:
    rows = [
        _loss_row("uniform guess, $\\log \\lvert V \\rvert$", uniform_loss(vocab_size)),
        _loss_row("smoothed loss at the end", nats),
    ]
    return markdown_table(["", "nats/char", "bits/char", "perplexity"], rows, "lrrr")


def _settings_table(settings: dict) -> str:
    rows = [[f"`{key}`", f"`{value}`"] for key, value in settings.items()]
    return markdown_table(["setting", "value"], rows, "ll")


def _curve_figure(curves: list[tuple[str, list[list[float]]]], vocab_size: int, caption: str) -> str:
    figure, axes = new_figure(6.4, 3.2)
    for label, curve in curves:
        steps, values = zip(*curve, strict=True)
        axes.plot(steps, values, label=label)
    axes.axhline(uniform_loss(vocab_size), color="grey", linestyle="--", label="uniform guess log |V|")
    axes.set_xlabel("step")
    axes.set_ylabel("smoothed loss (nats/char)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper right")
    return svg_figure(figure, caption)


def corpus_facts() -> str:
    """Size and vocabulary of the shipped corpus."""
    corpus = default_corpus()
    vocab = CharVocabulary.from_text(corpus.text)
    names = corpus.text.split()
    return (
        f"It has {len(names)} names and {len(corpus.text)} characters; its vocabulary has "
        f"$\\lvert V \\rvert = {len(vocab)}$ characters, "
        f"`{''.join(c for c in vocab.chars if c != chr(10))}` and the line break, "
        f"so a model that guesses uniformly loses $\\log {len(vocab)} = {number(uniform_loss(len(vocab)))}$ "
        f"nats per character. The first five: {', '.join(f'*{n}*' for n in names[:5])}."
    )


def options() -> str:
    """Every option of both sub-commands, read from the parser itself."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))  # noqa: SLF001
    parts = []
    for name, sub in subparsers.choices.items():
        rows = []
        for action in sub._actions:  # noqa: SLF001
            if action.help is None or "-h" in action.option_strings:
                continue
            flag = ", ".join(action.option_strings) or action.dest
            if action.choices and not isinstance(action.choices, dict):
                flag += " {" + ",".join(map(str, action.choices)) + "}"
            elif action.nargs != 0:
                flag += " " + (action.metavar or action.dest.upper())
            rows.append([f"`{flag}`", action.help.replace("|", "\\|")])
        parts.append(f"**`rnn-math {name}`**\n\n" + markdown_table(["option", "meaning"], rows, "ll"))
    return "\n\n".join(parts)


def short_run_summary() -> str:
    """The short run's settings and its final loss against the uniform guess."""
    run = short_run()
    return (
        f"`rnn-math train --hidden-size {run.settings.hidden_size} --steps {SHORT_STEPS}` "
        f"(every other setting at its default) on the shipped corpus:\n\n" + _loss_table(run.smoothed, run.vocab_size)
    )


def short_run_curve() -> str:
    """The short run's smoothed loss, step by step."""
    run = short_run()
    return _curve_figure(
        [(f"D_h = {run.settings.hidden_size}", run.curve)],
        run.vocab_size,
        f"Smoothed loss of the short run, computed when this page was built "
        f"({SHORT_STEPS} steps of {run.settings.seq_length} characters).",
    )


def short_run_early_stage() -> str:
    """When the short run's early sample is taken, for the sentence that describes it."""
    early = SHORT_SAMPLE_STEPS[0]
    return f"after {early} steps ({number(100 * early / SHORT_STEPS, 0)} % of the run)"


def short_run_samples() -> str:
    """What the short run writes before training, early on, and at the end."""
    run = short_run()
    blocks = []
    for step, text in run.samples.items():
        names = ", ".join(text.split())
        blocks.append(f"- **after {step} steps:** {names}")
    return "\n".join(blocks)


def long_run_command() -> str:
    """The exact command that produced the long run's report."""
    return f"```bash\n{long_run()['command']}\n```"


def long_run_provenance(report: dict | None = None) -> str:
    """When and on what the long run was recorded, as far as its report says (``report["recorded"]``).

    The command writes no date or machine; the report's ``recorded`` entry says what is known and
    how, and a machine it does not name is said to be unknown, never guessed.
    """
    recorded = (report or long_run())["recorded"]
    day = date.fromisoformat(recorded["date"])
    machine = recorded["machine"] or "not recorded, so the run time below says little about another computer"
    return (
        f"**Recorded** on or before {day.day} {day:%B %Y}: the run wrote no date of its own, and that is the day "
        f"its report was added to the package's repository. **Machine:** {machine}."
    )


def long_run_summary() -> str:
    """When it was recorded, the long run's settings, corpus and final loss."""
    report = long_run()
    summary, corpus = report["summary"], report["corpus"]
    return (
        long_run_provenance(report) + "\n\n"
        f"It ran {summary['steps']} steps on the {corpus['source']} corpus "
        f"($\\lvert V \\rvert = {corpus['vocab_size']}$) in {summary['seconds_this_run']:.0f} seconds, "
        f"with these settings:\n\n"
        + _settings_table(report["settings"])
        + "\n\nWhere it ended:\n\n"
        + _loss_table(summary["smoothed_nats"], corpus["vocab_size"])
    )


def long_run_curve() -> str:
    """The long run's smoothed loss."""
    report = long_run()
    return _curve_figure(
        [(f"D_h = {report['settings']['hidden_size']}", report["curve"])],
        report["corpus"]["vocab_size"],
        "Smoothed loss of the long run, read from the report the command above wrote.",
    )


def long_run_sample() -> str:
    """The long run's final sample."""
    return ", ".join(f"*{name}*" for name in long_run()["sample"].split())
