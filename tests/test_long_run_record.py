"""The long training run is a recorded run: its page says when and on what, read from its report."""

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest
from conftest import ROOT

from rnn_math_docs import training


def test_the_page_states_the_recorded_date_and_that_the_machine_is_unknown():
    report = training.long_run()
    assert report["recorded"]["machine"] is None
    text = training.long_run_summary()
    assert "on or before 21 November 2026" in text and report["recorded"]["date"] == "2026-11-21"
    assert "**Machine:** not recorded" in text


def test_a_report_that_names_its_machine_and_date_is_shown_with_them():
    report = copy.deepcopy(training.long_run())
    report["recorded"] = {"date": "2030-02-03", "machine": "a test computer"}
    text = training.long_run_provenance(report)
    assert "3 February 2030" in text and "**Machine:** a test computer." in text and "not recorded" not in text


def test_the_recorded_date_is_the_day_the_report_entered_the_repository():
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs the repository's history")
    added = subprocess.run(
        [git, "log", "--diff-filter=A", "--follow", "--format=%ad", "--date=short", "--", "docs/data/long_run.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not added:
        pytest.skip("a shallow clone without the commit that added the report")
    assert training.long_run()["recorded"]["date"] == added[-1]
