"""The Train page's comparison of the three cells at about equal parameter counts: a recorded run.

Training the LSTM and the GRU through their composers takes minutes, too long for every build,
so the comparison is run once by this module's command and its result kept in
``docs/data/cell_comparison.json``, with the commands, the date and the machine; the page is built
from that file (the figure is drawn at build from the recorded numbers). The hidden sizes are
computed, not chosen by hand: the RNN's is fixed, and each gated cell gets the one whose parameter
count is nearest the RNN's; the page refuses a record trained with other sizes.

```bash
PYTHONPATH=docs/plugins .venv/bin/python -m rnn_math_docs.cell_comparison --write
```

Each cell is trained by the command line itself, ``rnn-math train --cell ...``, in a temporary
folder; the file keeps each run's JSON report as the command wrote it.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import shlex
import tempfile
from functools import cache
from pathlib import Path

from rnn_math.apps.bench.machine import describe_machine
from rnn_math.apps.cli import build_parser
from rnn_math.apps.cli import main as rnn_math_main
from rnn_math.apps.training.cells import CELLS, parameter_count
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.metrics import bits_per_char, perplexity, uniform_loss
from rnn_math.apps.training.settings import TrainSettings
from rnn_math_docs.docs_index import DEFAULT_DOCS_DIR
from rnn_math_docs.formatting import markdown_table, number
from rnn_math_docs.plots import new_figure, svg_figure

#: The recorded run.
RESULT_FILE = DEFAULT_DOCS_DIR / "data" / "cell_comparison.json"
#: The command that writes it.
COMMAND = "PYTHONPATH=docs/plugins .venv/bin/python -m rnn_math_docs.cell_comparison --write"
#: The vanilla RNN's hidden size; the gated cells get the sizes that match its parameter count.
RNN_HIDDEN_SIZE = 64
#: Steps of every run (each of seq_length = 25 characters, the default).
STEPS = 3000


def shipped_vocab_size() -> int:
    """|V| of the shipped corpus."""
    return len(CharVocabulary.from_text(default_corpus().text))


def matched_hidden_size(cell: str, target: int, vocab_size: int) -> int:
    """The D_h at which `cell` has the parameter count closest to `target` (the smaller on a tie).

    The count grows with D_h, so the search stops at the first D_h whose count reaches `target`.
    """
    D_h = 1
    while parameter_count(CELLS[cell], D_h, vocab_size) < target:
        D_h += 1
    candidates = [size for size in (D_h - 1, D_h) if size >= 1]
    return min(candidates, key=lambda size: (abs(parameter_count(CELLS[cell], size, vocab_size) - target), size))


def hidden_sizes(vocab_size: int) -> dict[str, int]:
    """D_h of every cell: the RNN's, and for each gated cell the one whose count is closest to it."""
    target = parameter_count(CELLS["rnn"], RNN_HIDDEN_SIZE, vocab_size)
    return {cell: RNN_HIDDEN_SIZE if cell == "rnn" else matched_hidden_size(cell, target, vocab_size) for cell in CELLS}


def train_arguments(cell: str, hidden_size: int) -> list[str]:
    """The arguments of ``rnn-math train`` for one cell's run (files relative to its folder)."""
    return [
        "train", "--cell", cell, "--hidden-size", str(hidden_size), "--steps", str(STEPS),
        "--sample-every", "0", "--quiet", "--checkpoint", f"{cell}.npz", "--report", f"{cell}.json",
    ]  # fmt: skip


def run_all() -> dict:
    """Train every cell with its matched hidden size; return the record to write."""
    sizes = hidden_sizes(shipped_vocab_size())
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        here = Path.cwd()
        os.chdir(folder)  # the reports then name their files without a machine's path
        try:
            for cell, size in sizes.items():
                argv = train_arguments(cell, size)
                code = rnn_math_main(argv, out=io.StringIO(), err=io.StringIO())
                if code != 0:
                    raise SystemExit(f"rnn-math {shlex.join(argv)} failed with exit code {code}")
                runs[cell] = json.loads(Path(f"{cell}.json").read_text(encoding="utf-8"))
        finally:
            os.chdir(here)
    machine = describe_machine()
    return {
        "command": COMMAND,
        "date": started,
        "machine": {key: machine[key] for key in ("cpu", "logical_cpus", "system", "python", "numpy")},
        "runs": runs,
    }


@cache
def recorded() -> dict:
    """The recorded comparison, read from ``docs/data/cell_comparison.json``."""
    return json.loads(Path(RESULT_FILE).read_text(encoding="utf-8"))


#: How the page names each cell.
LABELS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def recorded_hidden_sizes(record: dict) -> dict[str, int]:
    """The hidden size each recorded run was trained with, read from its command."""
    sizes = {}
    for cell, report in record["runs"].items():
        args = build_parser().parse_args(shlex.split(report["command"])[1:])
        if args.cell != cell or report["settings"]["hidden_size"] != args.hidden_size:
            raise ValueError(f"{RESULT_FILE.name}: the {cell} run's command does not match its settings")
        sizes[cell] = args.hidden_size
    return sizes


def _checked_record() -> dict:
    """The record, refused if it was not trained with the sizes and the corpus this page describes."""
    record = recorded()
    if recorded_hidden_sizes(record) != hidden_sizes(shipped_vocab_size()):
        raise ValueError(f"{RESULT_FILE.name} was recorded with other hidden sizes; run `{COMMAND}` again")
    if any(report["corpus"]["sha256"] != default_corpus().sha256 for report in record["runs"].values()):
        raise ValueError(f"{RESULT_FILE.name} was recorded on another corpus; run `{COMMAND}` again")
    return record


def default_settings() -> str:
    """The training defaults every cell ran with, read from `TrainSettings` rather than typed."""
    defaults = TrainSettings()
    return (
        f"{defaults.optimizer.capitalize()}, $\\eta = {defaults.learning_rate:g}$, "
        f"$T = {defaults.seq_length}$, clipping to $\\pm {defaults.clip_threshold:g}$, "
        f"random seed {defaults.seed}"
    )


def sizes_table() -> str:
    """Each cell's hidden size and parameter count, and how far the count is from the RNN's."""
    V = shipped_vocab_size()
    sizes = hidden_sizes(V)
    target = parameter_count(CELLS["rnn"], sizes["rnn"], V)
    rows = []
    for cell, D_h in sizes.items():
        count = parameter_count(CELLS[cell], D_h, V)
        difference = f"{100 * (count - target) / target:+.1f} %"
        rows.append([LABELS[cell], f"`--cell {cell}`", str(D_h), f"{count:,}", difference])
    return markdown_table(["cell", "option", "$D_h$", "parameters", "against the RNN"], rows, "llrrr")


def provenance() -> str:
    """The command, the date and the machine of the recorded run."""
    record = _checked_record()
    day = datetime.date.fromisoformat(record["date"][:10])
    m = record["machine"]
    commands = "\n".join(report["command"] for report in record["runs"].values())
    return (
        f"**Recorded** on {day.day} {day:%B %Y} by\n\n```bash\n{record['command']}\n```\n\n"
        f"which ran, each in a fresh folder,\n\n```bash\n{commands}\n```\n\n"
        f"**Machine:** {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['system']}, "
        f"Python {m['python']}, NumPy {m['numpy']}."
    )


def results_table() -> str:
    """Where each cell's smoothed loss ended, and how long its run took on the recording machine."""
    record = _checked_record()
    rows = []
    for cell, report in record["runs"].items():
        nats = report["summary"]["smoothed_nats"]
        rows.append(
            [LABELS[cell], number(nats), number(bits_per_char(nats)), number(perplexity(nats), 2),
             f"{report['summary']['seconds_this_run']:.0f}"]
        )  # fmt: skip
    return markdown_table(["cell", "nats/char", "bits/char", "perplexity", "seconds"], rows, "lrrrr")


def ranking() -> str:
    """The cells in the order of their final smoothed loss, in a sentence."""
    runs = _checked_record()["runs"]
    order = sorted(runs, key=lambda cell: runs[cell]["summary"]["smoothed_nats"])
    parts = [f"the {LABELS[cell]} at {number(runs[cell]['summary']['smoothed_nats'])}" for cell in order]
    first = parts[0].replace(" at ", " ends lowest, at ", 1)
    return f"{first[0].upper()}{first[1:]} nats per character, then {', then '.join(parts[1:])}"


def curves() -> str:
    """The three smoothed loss curves, drawn from the recorded numbers."""
    record = _checked_record()
    figure, axes = new_figure(6.4, 3.2)
    for cell, report in record["runs"].items():
        steps, values = zip(*report["curve"], strict=True)
        axes.plot(steps, values, label=f"{LABELS[cell]}, D_h = {report['settings']['hidden_size']}")
    V = next(iter(record["runs"].values()))["corpus"]["vocab_size"]
    axes.axhline(uniform_loss(V), color="grey", linestyle="--", label="uniform guess log |V|")
    axes.set_xlabel("step")
    axes.set_ylabel("smoothed loss (nats/char)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="lower left")
    return svg_figure(figure, "Smoothed loss of the three cells at about equal parameter counts, read from the record.")


def samples() -> str:
    """Each cell's final sample (the names it wrote at the end)."""
    runs = _checked_record()["runs"]
    return "\n".join(
        f"- **{LABELS[cell]}:** {', '.join(f'*{name}*' for name in report['sample'].split())}"
        for cell, report in runs.items()
    )


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"train the three cells and write {RESULT_FILE.name}")
    if not parser.parse_args().write:
        parser.print_help()
        return
    record = run_all()
    RESULT_FILE.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULT_FILE}")


if __name__ == "__main__":
    _main()
