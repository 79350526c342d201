"""The command line: train, sample, resume, report, and one clear line for every kind of bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from rnn_math.apps.cli import main
from rnn_math.apps.training.checkpoint import load_checkpoint

#: Small and fast: a few hundred milliseconds per run.
FAST = ["--hidden-size", "8", "--seq-length", "10", "--sample-every", "0", "--quiet"]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, *, expected_code: int, mentions: str) -> None:
    assert code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rnn-math") and "error" in lines[0]
    assert mentions in lines[0]
    assert "Traceback" not in err


@pytest.fixture()
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20, encoding="utf-8")
    return path


def test_train_then_sample_with_the_default_corpus(tmp_path: Path):
    model = tmp_path / "m.npz"
    code, out, err = cli("train", "--steps", "30", "--checkpoint", str(model), *FAST)
    assert code == 0, err
    assert "done: 30 steps" in out and "nats/char" in out and "uniform guess" in out
    assert load_checkpoint(model).state.step == 30
    code, out, _ = cli("sample", "--checkpoint", str(model), "--length", "40", "--seed", "1")
    assert code == 0 and len(out) >= 40


def test_sampling_with_a_seed_repeats_and_another_seed_differs(tmp_path: Path, corpus_file: Path):
    model = tmp_path / "m.npz"
    assert cli("train", str(corpus_file), "--steps", "20", "--checkpoint", str(model), *FAST)[0] == 0
    first = cli("sample", "--checkpoint", str(model), "--seed", "3")
    again = cli("sample", "--checkpoint", str(model), "--seed", "3")
    other = cli("sample", "--checkpoint", str(model), "--seed", "4")
    assert first == again
    assert other[1] != first[1]


def successor_checkpoint(path: Path) -> Path:
    """A checkpoint of a model that (almost surely) writes the character after its input: a→b→c…"""
    from test_sampling import VOCAB, successor_model

    from rnn_math.apps.training.checkpoint import Checkpoint, save_checkpoint
    from rnn_math.apps.training.settings import TrainSettings
    from rnn_math.apps.training.train_loop import initial_state

    settings = TrainSettings(hidden_size=len(VOCAB))
    state = dataclasses.replace(initial_state(settings, len(VOCAB)), params=successor_model())
    return save_checkpoint(path, Checkpoint(settings, VOCAB, state, "default", "0" * 64))


def test_sampling_prints_the_prime_then_the_models_continuation_of_all_of_it(tmp_path: Path):
    model = successor_checkpoint(tmp_path / "m.npz")
    code, out, _ = cli("sample", "--checkpoint", str(model), "--prime", "ad", "--length", "6", "--temperature", "0.1")
    assert code == 0
    assert out == "ad" + "efghab" + "\n"  # continues from d, the prime's last character


def test_a_long_sample_is_streamed_in_pieces(tmp_path: Path):
    model = successor_checkpoint(tmp_path / "m.npz")

    class Recording(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    out = Recording()
    code = main(
        ["sample", "--checkpoint", str(model), "--prime", "a", "--length", "20000", "--temperature", "0.1"],
        out=out,
        err=io.StringIO(),
    )
    assert code == 0 and out.getvalue() == "a" + ("bcdefgha" * 2500) + "\n"
    assert out.flushes >= 20000 // 4096


def test_resume_through_the_command_line_matches_a_straight_run_bit_for_bit(tmp_path: Path, corpus_file: Path):
    straight, split = tmp_path / "straight.npz", tmp_path / "split.npz"
    assert cli("train", str(corpus_file), "--steps", "40", "--checkpoint", str(straight), *FAST)[0] == 0
    assert cli("train", str(corpus_file), "--steps", "15", "--checkpoint", str(split), *FAST)[0] == 0
    code, out, err = cli("train", "--steps", "40", "--resume", str(split), "--sample-every", "0", "--quiet")
    assert code == 0, err
    assert "40 steps (25 in" in out
    a, b = load_checkpoint(straight).state, load_checkpoint(split).state
    for name, value in a.params.as_dict().items():
        np.testing.assert_array_equal(value, getattr(b.params, name))
    assert a.losses == b.losses


def test_a_report_records_the_command_the_settings_the_curve_and_a_sample(tmp_path: Path):
    report = tmp_path / "r.json"
    code, _, _ = cli("train", "--steps", "20", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(report), *FAST)
    assert code == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["command"].startswith("rnn-math train --steps 20")
    assert data["settings"]["hidden_size"] == 8 and data["corpus"]["source"] == "default"
    assert data["curve"][-1] == [20, data["summary"]["smoothed_nats"]]
    assert data["sample"]


def test_progress_without_a_terminal_is_plain_lines_not_a_bar(tmp_path: Path):
    code, out, err = cli(
        "train",
        "--steps",
        "20",
        "--hidden-size",
        "8",
        "--seq-length",
        "10",
        "--sample-every",
        "10",
        "--sample-length",
        "30",
        "--checkpoint",
        str(tmp_path / "m.npz"),
    )
    assert code == 0
    assert "step 10/20  loss" in err and "step 20/20  loss" in err and "\r" not in err
    assert "--- sample at step 10 ---" in out


# --- Bad input: one line, non-zero exit, no traceback ---------------------------------------------


def test_a_missing_corpus_file(tmp_path: Path):
    code, _, err = cli("train", str(tmp_path / "absent.txt"), *FAST)
    assert_one_line_error(code, err, expected_code=1, mentions="no such file")


def test_an_empty_corpus_file(tmp_path: Path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    code, _, err = cli("train", str(path), *FAST)
    assert_one_line_error(code, err, expected_code=1, mentions="is empty")


def test_an_undecodable_corpus_file(tmp_path: Path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café crème".encode("latin-1") * 10)
    code, _, err = cli("train", str(path), *FAST)
    assert_one_line_error(code, err, expected_code=1, mentions="expected UTF-8 text")


def test_a_folder_instead_of_a_corpus_file(tmp_path: Path):
    code, _, err = cli("train", str(tmp_path), *FAST)
    assert_one_line_error(code, err, expected_code=1, mentions="expected a text file")


def test_a_corpus_shorter_than_one_sequence(tmp_path: Path):
    path = tmp_path / "short.txt"
    path.write_text("abcdef")
    code, _, err = cli("train", str(path), "--seq-length", "25", "--quiet")
    assert_one_line_error(code, err, expected_code=1, mentions="fewer than one sequence of 25 inputs")


def test_resuming_with_a_corpus_of_another_vocabulary(tmp_path: Path, corpus_file: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "5", "--checkpoint", str(model), *FAST)[0] == 0
    code, _, err = cli("train", str(corpus_file), "--steps", "10", "--resume", str(model), "--quiet")
    assert_one_line_error(code, err, expected_code=1, mentions="vocabulary of 26 characters")


def test_resuming_with_another_hidden_size(tmp_path: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "5", "--checkpoint", str(model), *FAST)[0] == 0
    code, _, err = cli("train", "--steps", "10", "--resume", str(model), "--hidden-size", "16", "--quiet")
    assert_one_line_error(code, err, expected_code=1, mentions="--hidden-size 16 differs from the checkpoint's 8")


def test_sampling_from_a_checkpoint_whose_shapes_do_not_fit(tmp_path: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "5", "--checkpoint", str(model), *FAST)[0] == 0
    with np.load(model) as archive:
        arrays = dict(archive)
    arrays["param_U"] = np.zeros((26, 9))
    np.savez(model, **arrays)
    code, _, err = cli("sample", "--checkpoint", str(model))
    assert_one_line_error(code, err, expected_code=1, mentions="param U has shape (26, 9)")


def test_sampling_from_a_missing_checkpoint(tmp_path: Path):
    code, _, err = cli("sample", "--checkpoint", str(tmp_path / "absent.npz"))
    assert_one_line_error(code, err, expected_code=1, mentions="no such file")


def test_sampling_with_a_prime_the_model_cannot_read(tmp_path: Path):
    model = tmp_path / "m.npz"
    assert cli("train", "--steps", "5", "--checkpoint", str(model), *FAST)[0] == 0
    code, _, err = cli("sample", "--checkpoint", str(model), "--prime", "Ωmega")
    assert_one_line_error(code, err, expected_code=1, mentions="prime: has characters the model does not know")


def test_a_checkpoint_in_a_missing_folder(tmp_path: Path):
    code, _, err = cli("train", "--steps", "5", "--checkpoint", str(tmp_path / "no" / "m.npz"), *FAST)
    assert_one_line_error(code, err, expected_code=1, mentions="does not exist")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--hidden-size", "0"),
        ("--hidden-size", "-3"),
        ("--seq-length", "0"),
        ("--learning-rate", "0"),
        ("--learning-rate", "-0.1"),
        ("--learning-rate", "nan"),
        ("--clip-threshold", "-5"),
        ("--init-scale", "0"),
        ("--steps", "0"),
        ("--seed", "-1"),
        ("--sample-length", "0"),
        ("--checkpoint-every", "-2"),
        ("--hidden-size", "many"),
        ("--sample-length", "1000001"),
    ],
)
def test_a_zero_negative_or_malformed_hyper_parameter(option: str, value: str, capsys):
    code = main(["train", f"{option}={value}"])
    err = capsys.readouterr().err
    assert_one_line_error(code, err, expected_code=2, mentions=f"argument {option}: expected")


@pytest.mark.parametrize(("option", "value"), [("--temperature", "0"), ("--temperature", "-1"), ("--length", "0")])
def test_a_bad_sampling_option(option: str, value: str, capsys):
    code = main(["sample", f"{option}={value}"])
    assert_one_line_error(code, capsys.readouterr().err, expected_code=2, mentions=f"argument {option}: expected")


def test_an_unknown_choice_is_one_line(capsys):
    code = main(["train", "--optimizer", "adam"])
    assert_one_line_error(code, capsys.readouterr().err, expected_code=2, mentions="invalid choice: 'adam'")


# --- As a process -----------------------------------------------------------------------------------


def test_python_dash_m_reports_a_missing_file_in_one_line_without_a_traceback(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "rnn_math", "train", str(tmp_path / "absent.txt")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_installed_entry_point_runs_the_same_main():
    script = Path(sys.executable).with_name("rnn-math")
    if not script.exists():
        pytest.skip("the package is not installed with its entry point in this environment")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("rnn-math ")


def test_ctrl_c_saves_a_checkpoint_of_the_steps_done_and_exits_130(tmp_path: Path, monkeypatch):
    import rnn_math.apps.training.train_command as command

    real_step = command.train_step

    def interrupted_at_step_8(state, *args):
        if state.step == 7:
            raise KeyboardInterrupt
        return real_step(state, *args)

    monkeypatch.setattr(command, "train_step", interrupted_at_step_8)
    model = tmp_path / "m.npz"
    code, _, err = cli("train", "--steps", "20", "--checkpoint", str(model), *FAST)
    assert code == 130 and "interrupted at step 7" in err
    assert load_checkpoint(model).state.step == 7


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_a_live_bar_with_the_running_loss(tmp_path: Path):
    out, err = io.StringIO(), _Terminal()
    code = main(
        [
            "train",
            "--steps",
            "20",
            "--hidden-size",
            "8",
            "--seq-length",
            "10",
            "--sample-every",
            "0",
            "--checkpoint",
            str(tmp_path / "m.npz"),
        ],
        out=out,
        err=err,
    )
    assert code == 0
    assert "\r" in err.getvalue() and "20/20" in err.getvalue() and "nats/char" in err.getvalue()
    assert "step 20/20  loss" not in err.getvalue()  # the plain-line fallback is not used


def test_resuming_on_another_text_with_the_same_characters_says_so_and_continues(tmp_path: Path, corpus_file: Path):
    model = tmp_path / "m.npz"
    assert cli("train", str(corpus_file), "--steps", "5", "--checkpoint", str(model), *FAST)[0] == 0
    other = tmp_path / "other.txt"
    other.write_text("the mat sat on the cat\nthe log sat on the dog\n" * 20, encoding="utf-8")
    code, _, err = cli("train", str(other), "--steps", "10", "--resume", str(model), "--quiet")
    assert code == 0 and "is not the text the checkpoint was trained on" in err
    assert load_checkpoint(model).state.step == 10


def test_checkpoint_every_n_steps_saves_at_each_multiple_and_at_the_end(tmp_path: Path, monkeypatch):
    import rnn_math.apps.training.train_command as command

    saved_steps: list[int] = []
    real_save = command.save_checkpoint

    def recording_save(path, checkpoint):
        saved_steps.append(checkpoint.state.step)
        return real_save(path, checkpoint)

    monkeypatch.setattr(command, "save_checkpoint", recording_save)
    code, _, err = cli(
        "train", "--steps", "12", "--checkpoint-every", "5", "--checkpoint", str(tmp_path / "m.npz"), *FAST
    )
    assert code == 0, err
    assert saved_steps == [5, 10, 12]


def test_ctrl_c_before_training_starts_is_one_line_and_exit_130(tmp_path: Path, monkeypatch):
    import rnn_math.apps.training.train_command as command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "read_corpus", interrupted)
    code, _, err = cli("train", "--checkpoint", str(tmp_path / "m.npz"), *FAST)
    assert code == 130 and err.strip() == "rnn-math: interrupted" and not (tmp_path / "m.npz").exists()
