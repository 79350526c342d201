"""`rnn-math train` never destroys a user's file: coinciding paths, special files, existing outputs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from rnn_math.apps.cli import main
from rnn_math.apps.safe_files import TEMPORARY_SUFFIX, temporary_name
from rnn_math.apps.training.checkpoint import load_checkpoint

FAST = ["--hidden-size", "8", "--seq-length", "10", "--sample-every", "0", "--quiet", "--steps", "5"]
TEXT = "the cat sat on the mat\nthe dog sat on the log\n" * 20


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_refused(code: int, err: str, *mentions: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnn-math: error:"), err
    for text in mentions:
        assert text in lines[0], lines[0]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    path = tmp_path / "m.npz"
    assert cli("train", "--checkpoint", str(path), *FAST)[0] == 0
    return path


def test_a_checkpoint_onto_the_corpus_is_refused_and_the_corpus_is_untouched(corpus: Path):
    code, _, err = cli("train", str(corpus), "--checkpoint", str(corpus), *FAST)
    assert_refused(code, err, "--checkpoint and corpus are the same file")
    assert corpus.read_text(encoding="utf-8") == TEXT


def test_a_report_onto_the_checkpoint_is_refused_and_nothing_is_written(tmp_path: Path):
    target = tmp_path / "x"
    code, _, err = cli("train", "--checkpoint", str(target), "--report", str(target), *FAST)
    assert_refused(code, err, "--checkpoint and --report are the same file")
    assert list(tmp_path.iterdir()) == []


def test_a_report_onto_the_corpus_is_refused(corpus: Path, tmp_path: Path):
    code, _, err = cli("train", str(corpus), "--checkpoint", str(tmp_path / "m.npz"), "--report", str(corpus), *FAST)
    assert_refused(code, err, "--report and corpus are the same file")
    assert corpus.read_text(encoding="utf-8") == TEXT and not (tmp_path / "m.npz").exists()


def test_a_report_onto_the_resumed_checkpoint_is_refused(model: Path):
    before = model.read_bytes()
    code, _, err = cli("train", "--resume", str(model), "--report", str(model), "--steps", "8", "--quiet")
    assert_refused(code, err, "--checkpoint and --report are the same file")
    assert model.read_bytes() == before


def test_a_checkpoint_onto_the_corpus_through_a_symbolic_link_is_refused(corpus: Path, tmp_path: Path):
    link = tmp_path / "link.npz"
    link.symlink_to(corpus)
    code, _, err = cli("train", str(corpus), "--checkpoint", str(link), "--overwrite", *FAST)
    assert_refused(code, err, "same file")
    assert corpus.read_text(encoding="utf-8") == TEXT and link.is_symlink()


def test_a_checkpoint_onto_the_corpus_through_a_hard_link_is_refused(corpus: Path, tmp_path: Path):
    link = tmp_path / "hard.npz"
    os.link(corpus, link)
    code, _, err = cli("train", str(corpus), "--checkpoint", str(link), "--overwrite", *FAST)
    assert_refused(code, err, "same file")
    assert corpus.read_text(encoding="utf-8") == TEXT


def test_a_fresh_run_does_not_replace_an_existing_checkpoint(model: Path):
    before = model.read_bytes()
    code, _, err = cli("train", "--checkpoint", str(model), *FAST)
    assert_refused(code, err, f"--checkpoint: {model} already exists", "--overwrite", "--resume")
    assert model.read_bytes() == before


def test_overwrite_lets_a_fresh_run_replace_an_existing_checkpoint(model: Path):
    code, _, err = cli("train", "--checkpoint", str(model), "--overwrite", *FAST[:-1], "7")
    assert code == 0, err
    assert load_checkpoint(model).state.step == 7


def test_a_resumed_run_saves_over_its_own_checkpoint_without_overwrite(model: Path):
    code, _, err = cli("train", "--resume", str(model), "--steps", "8", "--quiet")
    assert code == 0, err
    assert load_checkpoint(model).state.step == 8


def test_a_resumed_run_does_not_replace_another_existing_checkpoint(model: Path, tmp_path: Path):
    other = tmp_path / "other.npz"
    other.write_bytes(b"precious")
    code, _, err = cli("train", "--resume", str(model), "--checkpoint", str(other), "--steps", "8", "--quiet")
    assert_refused(code, err, f"--checkpoint: {other} already exists")
    assert other.read_bytes() == b"precious"


def test_an_existing_report_is_not_replaced_without_overwrite(tmp_path: Path):
    report = tmp_path / "r.json"
    report.write_text("my notes")
    code, _, err = cli("train", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(report), *FAST)
    assert_refused(code, err, f"--report: {report} already exists")
    assert report.read_text() == "my notes" and not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("special", ["/dev/null", "folder", "fifo"])
def test_a_checkpoint_onto_something_that_is_not_a_regular_file_is_refused(tmp_path: Path, special: str):
    if special == "folder":
        path = tmp_path / "folder"
        path.mkdir()
    elif special == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        path = tmp_path / "fifo"
        os.mkfifo(path)
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip("no /dev/null on this system")
    kind = os.stat(path).st_mode
    code, _, err = cli("train", "--checkpoint", str(path), "--overwrite", *FAST)
    assert_refused(code, err, f"--checkpoint: {path} exists and is not a regular file")
    assert os.stat(path).st_mode == kind  # still the same kind of thing


def test_a_report_onto_a_folder_is_refused_before_training(tmp_path: Path):
    code, _, err = cli("train", "--checkpoint", str(tmp_path / "m.npz"), "--report", str(tmp_path), *FAST)
    assert_refused(code, err, "--report:", "is not a regular file")
    assert not (tmp_path / "m.npz").exists()


def test_a_run_removes_the_temporary_files_a_killed_run_of_ours_left(tmp_path: Path):
    target = tmp_path / "m.npz"
    dead = 2**22 + 12345  # above the usual pid limit, so no process has it
    stale = tmp_path / temporary_name(target, pid=dead)
    stale.write_bytes(b"half a checkpoint")
    assert cli("train", "--checkpoint", str(target), *FAST)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_a_run_leaves_files_that_only_look_like_ours_alone(tmp_path: Path):
    target = tmp_path / "m.npz"
    mine = [
        tmp_path / f".m.npz.{os.getpid()}-0123abcd{TEMPORARY_SUFFIX}",  # a live process's (this one)
        tmp_path / ".m.npz.4194304-0123abcd.tmp",  # another program's naming
        tmp_path / f".other.npz.4194304-0123abcd{TEMPORARY_SUFFIX}",  # of another target
        tmp_path / "notes.rnn-math-tmp",
    ]
    for path in mine:
        path.write_text("keep me")
    assert cli("train", "--checkpoint", str(target), *FAST)[0] == 0
    assert all(path.read_text() == "keep me" for path in mine)


def test_a_checkpoint_in_a_folder_we_cannot_write_is_refused_before_training(tmp_path: Path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != folder and real_access(path, mode, **kw))
    code, _, err = cli("train", "--checkpoint", str(folder / "m.npz"), *FAST)
    assert_refused(code, err, f"--checkpoint: cannot write in the folder {folder}")
