"""Atomic writes: a kill leaves the old file whole, the next write cleans up, links and modes are kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from rnn_math.apps.errors import InputError
from rnn_math.apps.safe_files import TEMPORARY_SUFFIX, write_atomically

KILLED_WRITER = """
import sys, time
from rnn_math.apps.safe_files import write_atomically

def write(file):
    file.write(b"half of the new content")
    file.flush()
    print("writing", flush=True)
    time.sleep(60)  # killed here, in the middle of a save

write_atomically(sys.argv[1], write, what="checkpoint")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_mid_save_leaves_the_old_file_and_the_next_write_removes_its_temporary(tmp_path: Path):
    target = tmp_path / "run.npz"
    target.write_bytes(b"the old checkpoint")
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
    )
    assert writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir() if p.name != "run.npz"]
    assert target.read_bytes() == b"the old checkpoint"
    assert len(left) == 1 and left[0].endswith(TEMPORARY_SUFFIX) and f".{writer.pid}-" in left[0]
    write_atomically(target, lambda file: file.write(b"new"), what="checkpoint")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert target.read_bytes() == b"new"


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, lambda file: file.write(b"new"), what="report")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path):
    path = tmp_path / "r.json"
    path.write_text("old")
    path.chmod(0o640)
    write_atomically(path, lambda file: file.write(b"new"), what="report")
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_writer_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path):
    path = tmp_path / "r.json"
    path.write_text("old")

    def fail(file):
        file.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(path, fail, what="report")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_target_that_is_a_folder_is_refused_naming_what(tmp_path: Path):
    with pytest.raises(InputError, match="^report: .* exists and is not a regular file"):
        write_atomically(tmp_path, lambda file: file.write(b"x"), what="report")


def test_a_temporary_of_a_running_writer_is_kept(tmp_path: Path):
    target = tmp_path / "run.npz"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".run.npz.{sleeper.pid}-0123abcd{TEMPORARY_SUFFIX}"
        busy.write_bytes(b"being written")
        write_atomically(target, lambda file: file.write(b"new"), what="checkpoint")
        assert busy.read_bytes() == b"being written"
    finally:
        sleeper.kill()
        sleeper.wait()
    # the process is gone now: the next write may remove its file
    write_atomically(target, lambda file: file.write(b"newer"), what="checkpoint")
    assert not busy.exists()
