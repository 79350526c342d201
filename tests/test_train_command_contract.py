"""The train command's details: its report file, its messages, its number formats and its output.

Each test pins one behaviour a small wrong edit of rnn_math/apps/training/train_command.py, rnn_math/apps/cli.py,
rnn_math/apps/safe_files.py, rnn_math/apps/training/train_loop.py or rnn_math/apps/training/corpus.py would change.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.cli import build_parser, main
from rnn_math.apps.safe_files import TEMPORARY_SUFFIX, remove_stale_temporaries, temporary_name
from rnn_math.apps.training import train_command
from rnn_math.apps.training.corpus import CharVocabulary
from rnn_math.apps.training.metrics import smoothed_loss, uniform_loss
from rnn_math.apps.training.sampling import MAX_SAMPLE_LENGTH
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_command import Progress, divergence_advice, format_loss, format_perplexity
from rnn_math.apps.training.train_loop import smoothed_curve

FAST = ["--hidden-size", "4", "--seq-length", "5", "--sample-every", "0", "--quiet"]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def accented(tmp_path: Path) -> Path:
    folder = tmp_path / "données"
    folder.mkdir()
    path = folder / "café.txt"
    path.write_text("un café crème à côté\n" * 10, encoding="utf-8")
    return path


# The report.


def test_the_report_records_the_corpus_size_and_vocabulary(tmp_path: Path, accented: Path):
    report = tmp_path / "r.json"
    code, _, err = cli(
        "train", str(accented), "--steps", "3", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(report), *FAST
    )
    assert code == 0, err
    corpus = json.loads(report.read_text(encoding="utf-8"))["corpus"]
    text = accented.read_text(encoding="utf-8")
    assert set(corpus) == {"source", "characters", "vocab_size", "sha256"}
    assert (corpus["characters"], corpus["vocab_size"]) == (len(text), len(set(text)))


def test_the_report_is_utf_8_json_indented_by_one_space_with_text_as_written(tmp_path: Path, accented: Path):
    report = tmp_path / "r.json"
    assert (
        cli(
            "train",
            str(accented),
            "--steps",
            "3",
            "--checkpoint",
            str(tmp_path / "m.npz"),
            "--report",
            str(report),
            *FAST,
        )[0]
        == 0
    )
    raw = report.read_bytes().decode("utf-8")
    assert raw.splitlines()[1].startswith(' "command": ')
    assert "données" in raw and "\\u" not in raw
    assert raw.endswith("}\n")


def test_a_report_whose_folder_vanished_during_training_is_named_in_the_error(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(train_command, "check_files", lambda *args: None)  # as if it existed at the start
    code, _, err = cli(
        "train",
        "--steps",
        "2",
        "--checkpoint",
        str(tmp_path / "m.npz"),
        "--report",
        str(tmp_path / "gone" / "r.json"),
        *FAST,
    )
    assert code != 0
    assert f"report: the folder {tmp_path / 'gone'} of {tmp_path / 'gone' / 'r.json'} does not exist" in err


def test_a_report_that_cannot_be_written_says_why_in_words(tmp_path: Path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train_command, "write_atomically", full_disk)
    report = tmp_path / "r.json"
    code, _, err = cli("train", "--steps", "2", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(report), *FAST)
    assert code != 0
    assert f"report: cannot write {report}: No space left on device\n" in err


# Resuming with other settings.


def test_resuming_with_another_hidden_size_is_refused_as_a_different_shape(tmp_path: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "2", "--checkpoint", str(model), *FAST)[0] == 0
    code, _, err = cli("train", "--resume", str(model), "--steps", "4", "--hidden-size", "5", "--quiet")
    assert code != 0
    assert (
        "--hidden-size 5 differs from the checkpoint's 4 (a different shape); "
        "a resumed run keeps the settings it was saved with"
    ) in err


def test_resuming_with_another_sequence_length_is_refused_as_a_different_run(tmp_path: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "2", "--checkpoint", str(model), *FAST)[0] == 0
    code, _, err = cli("train", "--resume", str(model), "--steps", "4", "--seq-length", "6", "--quiet")
    assert code != 0
    assert "--seq-length 6 differs from the checkpoint's 5 (a different run); " in err


# Numbers and advice.


def test_a_loss_of_a_million_nats_or_more_prints_with_a_power_of_ten():
    assert (format_loss(999_999.0), format_loss(1e6), format_loss(-1e6)) == ("999999.0000", "1.0000e+06", "-1.0000e+06")


def test_a_perplexity_of_a_million_or_more_prints_with_a_power_of_ten():
    assert (format_perplexity(999_999.0), format_perplexity(1e6)) == ("999999.00", "1.000e+06")


def test_the_advice_after_divergence_without_clipping_suggests_clipping():
    settings = TrainSettings(learning_rate=10.0, clip="none")
    assert divergence_advice(settings) == (
        "try a lower --learning-rate (this run: 10) or gradient clipping (--clip value or --clip norm)"
    )


# Printed output while training.


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_bar_monitor_thread(monkeypatch):
    """A real bar starts tqdm's monitor thread; a forked test process can deadlock on its lock."""
    import tqdm

    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 0)


class Flushes(io.StringIO):
    flushed = 0

    def flush(self) -> None:
        self.flushed += 1
        super().flush()


def test_a_line_written_beside_a_progress_bar_goes_to_the_stream_it_is_given():
    progress, out = Progress(0, 10, quiet=False, every=1, stream=Terminal()), io.StringIO()
    progress.write("sample: abc", out)
    progress.close()
    assert out.getvalue() == "sample: abc\n"


def test_a_line_written_without_a_progress_bar_is_flushed_at_once():
    progress, out = Progress(0, 10, quiet=True, every=1, stream=io.StringIO()), Flushes()
    progress.write("sample: abc", out)
    assert out.getvalue() == "sample: abc\n" and out.flushed >= 1


# Integer options.


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--steps", "0"], "argument --steps: expected a positive integer, got '0'"),
        (["--steps", "two"], "argument --steps: expected a positive integer, got 'two'"),
        (["--sample-every", "-1"], "argument --sample-every: expected a non-negative integer, got '-1'"),
        (
            ["--sample-length", str(MAX_SAMPLE_LENGTH + 1)],
            f"argument --sample-length: expected an integer from 1 to {MAX_SAMPLE_LENGTH}, "
            f"got '{MAX_SAMPLE_LENGTH + 1}'",
        ),
    ],
)
def test_an_integer_option_out_of_range_is_refused_with_what_was_expected_and_what_came(argv, message, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", *argv])
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--steps", 1), ("--sample-every", 0), ("--sample-length", 1), ("--sample-length", MAX_SAMPLE_LENGTH)],
)
def test_the_smallest_and_largest_integers_an_option_allows_are_accepted(option, value):
    args = build_parser().parse_args(["train", option, str(value)])
    assert getattr(args, option.removeprefix("--").replace("-", "_")) == value


# Stale temporaries.


def test_asking_whether_a_writer_still_runs_sends_it_no_signal(tmp_path: Path):
    target = tmp_path / "run.npz"
    # The sleeper dies on any catchable signal, even one its parent ignores (a run under nohup).
    catch = (
        "import signal, sys, time\n"
        "for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2):\n"
        "    signal.signal(s, lambda *_: sys.exit(3))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    sleeper = subprocess.Popen([sys.executable, "-c", catch], stdout=subprocess.PIPE, text=True)
    try:
        assert sleeper.stdout.readline() == "ready\n"  # its handlers are in place
        busy = tmp_path / temporary_name(target, sleeper.pid)
        busy.write_bytes(b"being written")
        assert remove_stale_temporaries(target) == []
        assert busy.exists()
        with pytest.raises(subprocess.TimeoutExpired):  # still running: it was only asked, not signalled
            sleeper.wait(timeout=0.3)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_temporary_whose_process_cannot_be_asked_about_is_kept(tmp_path: Path):
    target = tmp_path / "run.npz"
    unknowable = tmp_path / temporary_name(target, 2**70)  # no process id is that large: os.kill overflows
    unknowable.write_bytes(b"?")
    assert remove_stale_temporaries(target) == [] and unknowable.exists()


def test_a_temporary_of_this_very_process_is_kept(tmp_path: Path):
    target = tmp_path / "run.npz"
    ours = tmp_path / temporary_name(target, os.getpid())
    ours.write_bytes(b"mine")
    assert remove_stale_temporaries(target) == [] and ours.exists()
    assert ours.name.endswith(TEMPORARY_SUFFIX)


# The loss curve and the vocabulary.


def test_the_curve_has_step_zero_then_every_kth_step_and_the_last():
    losses = [2.0, 1.0, 3.0, 0.5, 1.5]
    curve = smoothed_curve(losses, vocab_size=4, beta=0.9, points=2)  # every 5 // 2 = 2 steps
    value, expected = uniform_loss(4), [[0, uniform_loss(4)]]
    for step, loss in enumerate(losses, start=1):
        value = smoothed_loss(value, loss, 0.9)
        if step in (2, 4, 5):
            expected.append([step, value])
    assert curve == expected


def test_a_curve_of_fewer_steps_than_points_keeps_every_step():
    assert [step for step, _ in smoothed_curve([1.0, 2.0, 3.0], vocab_size=3, beta=0.5)] == [0, 1, 2, 3]


def test_decoding_gives_the_characters_at_the_indices():
    vocab = CharVocabulary.from_text("abc")
    assert vocab.decode(np.array([2, 0, 1, 1])) == "cabb"


def test_without_a_terminal_progress_is_one_line_every_interval_and_at_the_end():
    stream = io.StringIO()
    progress = Progress(0, 7, quiet=False, every=3, stream=stream)
    for step in range(1, 8):
        progress.update(step, 7, 1.23456)
    assert stream.getvalue().splitlines() == [f"step {s}/7  loss 1.2346 nats/char" for s in (3, 6, 7)]


def test_quiet_progress_prints_nothing():
    stream = io.StringIO()
    progress = Progress(0, 4, quiet=True, every=1, stream=stream)
    for step in range(1, 5):
        progress.update(step, 4, 1.0)
    assert stream.getvalue() == ""


def test_on_a_terminal_the_bar_counts_every_step_and_shows_the_loss_every_ten_and_at_the_end():
    progress = Progress(0, 12, quiet=False, every=1, stream=Terminal())
    for step in range(1, 11):
        progress.update(step, 12, 2.5)
    assert progress.bar.n == 10 and progress.bar.postfix == "loss 2.500 nats/char"
    progress.update(11, 12, 1.25)
    assert progress.bar.postfix == "loss 2.500 nats/char"
    progress.update(12, 12, 0.75)
    assert progress.bar.n == 12 and progress.bar.postfix == "loss 0.750 nats/char"
    progress.close()


def test_training_on_a_corpus_shorter_than_one_chunk_names_it_and_the_lengths():
    from rnn_math.apps.errors import InputError
    from rnn_math.apps.training.train_loop import initial_state, train

    settings = TrainSettings(seq_length=5)
    data = np.array([0, 1, 0, 1, 0])  # five characters: one chunk of 5 inputs needs a sixth as its target
    message = (
        "corpus: the corpus has 5 characters, fewer than one sequence of 5 inputs plus its last target (6); "
        "use a longer text or a smaller --seq-length"
    )
    with pytest.raises(InputError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        next(train(initial_state(settings, 2), data, settings, 2, until_step=1))


def test_without_a_terminal_each_progress_line_is_flushed_at_once():
    stream = Flushes()
    Progress(0, 2, quiet=False, every=1, stream=stream).update(1, 2, 1.0)
    assert stream.getvalue() == "step 1/2  loss 1.0000 nats/char\n" and stream.flushed >= 1


def test_the_default_prime_is_a_line_break_when_the_corpus_has_one_else_its_first_character():
    from rnn_math.apps.training.train_command import default_prime

    assert default_prime(CharVocabulary.from_text("ab\nc")) == "\n"
    assert default_prime(CharVocabulary.from_text("cab")) == "a"


# Sampling from the command line.


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    path = tmp_path / "m.npz"
    assert cli("train", "--steps", "3", "--checkpoint", str(path), *FAST)[0] == 0
    return path


class Recording(io.StringIO):
    """Records how much had been written at each flush."""

    def __init__(self):
        super().__init__()
        self.flushed_at: list[int] = []

    def flush(self) -> None:
        self.flushed_at.append(len(self.getvalue()))
        super().flush()


def test_a_sample_without_a_prime_starts_with_its_first_generated_character(model: Path):
    out = io.StringIO()
    assert main(["sample", "--checkpoint", str(model), "--length", "5", "--seed", "0"], out=out, err=io.StringIO()) == 0
    assert len(out.getvalue()) == 5 + 1  # five characters and the closing line break, nothing before them


def test_the_temperature_given_is_the_one_sampled_at(model: Path):
    def text(tau: str) -> str:
        out = io.StringIO()
        main(
            ["sample", "--checkpoint", str(model), "--length", "200", "--seed", "0", "--temperature", tau],
            out=out,
            err=io.StringIO(),
        )
        return out.getvalue()

    assert text("0.05") != text("1.0") and text("1.0") == text("1")


def test_a_sample_is_flushed_at_each_line_break_and_every_4096_characters(model: Path):
    out = Recording()
    assert (
        main(
            ["sample", "--checkpoint", str(model), "--length", "9000", "--seed", "0", "--prime", "a"],
            out=out,
            err=io.StringIO(),
        )
        == 0
    )
    text = out.getvalue()
    breaks = [i + 1 for i, c in enumerate(text[1:-1], start=1) if c == "\n"]  # after the prime, before the end
    expected = sorted(set(breaks) | {1 + 4096, 1 + 8192} | {len(text)})
    assert out.flushed_at == expected


class Interrupting(io.StringIO):
    """Ctrl-C arrives during the given write call (counting from 1), once."""

    def __init__(self, at_write: int):
        super().__init__()
        self.calls, self.at_write = 0, at_write

    def write(self, text: str) -> int:
        self.calls += 1
        if self.calls == self.at_write:
            raise KeyboardInterrupt
        return super().write(text)


def test_an_interrupted_sample_ends_its_line_and_says_how_far_it_got(model: Path):
    out, err = Interrupting(at_write=5), io.StringIO()  # the prime, three characters, then Ctrl-C
    code = main(
        ["sample", "--checkpoint", str(model), "--length", "50", "--seed", "0", "--prime", "a"], out=out, err=err
    )
    assert code == 130
    assert out.getvalue().endswith("\n") and len(out.getvalue()) == 5
    assert err.getvalue() == "rnn-math: interrupted after 3 of 50 characters\n"


# Files a run must not destroy.


def test_an_existing_report_is_refused_without_the_resume_hint(tmp_path: Path):
    report = tmp_path / "r.json"
    report.write_text("{}", encoding="utf-8")
    code, _, err = cli("train", "--steps", "2", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(report), *FAST)
    assert code != 0
    assert f"--report: {report} already exists; pass --overwrite to replace it\n" in err


def test_a_report_onto_the_checkpoint_being_resumed_is_refused_naming_both(model: Path, tmp_path: Path):
    code, _, err = cli(
        "train",
        "--resume",
        str(model),
        "--steps",
        "4",
        "--checkpoint",
        str(tmp_path / "next.npz"),
        "--report",
        str(model),
        "--quiet",
    )
    assert code != 0
    assert f"--report and --resume are the same file ({model})" in err
    assert model.exists()
