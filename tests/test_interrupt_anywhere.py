"""Ctrl-C at any line of a training step saves a consistent state: the resumed run is bit for bit the same.

The interrupt is injected with ``sys.settrace``: a KeyboardInterrupt raised by the trace function
just before a chosen line runs (the second time it runs, if it runs twice), for every line of the step, of the
loss history's append, and of the command's loop (which samples and saves between steps).
"""

from __future__ import annotations

import dis
import inspect
import io
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType

import numpy as np
import pytest

from rnn_math.apps.cli import main
from rnn_math.apps.training.train_command import run_train
from rnn_math.apps.training.train_loop import LossHistory, train_step

#: 45 characters: four chunks of 10 fit, so the walk wraps (and resets h) every fourth step.
TEXT = "the cat sat on the mat\nthe dog sat on a log\n\n"
STEPS = "12"
#: Samples every 4 steps and saves every 5: every line of the loop runs at least twice in 12 steps.
LOOP = ["--sample-every", "4", "--sample-length", "5", "--checkpoint-every", "5"]
SETTINGS = ["--hidden-size", "6", "--seq-length", "10"]


def _loop_lines(function) -> set[int]:
    """The lines of `function` from its training loop's ``while`` to its ``except KeyboardInterrupt``."""
    lines, first = inspect.getsourcelines(function)
    start = next(i for i, text in enumerate(lines) if text.strip().startswith("while "))
    stop = next(i for i, text in enumerate(lines) if i > start and text.strip().startswith("except KeyboardInterrupt"))
    return set(range(first + start, first + stop))


def _lines(code: CodeType) -> list[int]:
    return sorted({line for _, line in dis.findlinestarts(code) if line is not None and line > code.co_firstlineno})


TARGETS = [
    *[(train_step.__code__, line) for line in _lines(train_step.__code__)],
    *[(LossHistory.appended.__code__, line) for line in _lines(LossHistory.appended.__code__)],
    *[(run_train.__code__, line) for line in _lines(run_train.__code__) if line in _loop_lines(run_train)],
]


def _label(target: tuple[CodeType, int]) -> str:
    code, line = target
    return f"{code.co_name}:{line - code.co_firstlineno}"


@contextmanager
def interrupt_at(code: CodeType, line: int, nth: int) -> Iterator[list[int]]:
    """Raise KeyboardInterrupt just before `line` of `code` runs for the `nth` time."""
    hits = [0]

    def local(frame, event, arg):
        if event == "line" and frame.f_lineno == line:
            hits[0] += 1
            if hits[0] == nth:
                raise KeyboardInterrupt  # a trace function's exception is raised in the traced frame
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is code else None

    sys.settrace(tracer)
    try:
        yield hits
    finally:
        sys.settrace(None)


def cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(argv), out=io.StringIO(), err=err)
    return code, err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def straight(corpus: Path, tmp_path_factory) -> dict[str, np.ndarray]:
    """An uninterrupted run's checkpoint, entry by entry."""
    path = tmp_path_factory.mktemp("straight") / "m.npz"
    assert cli("train", str(corpus), "--steps", STEPS, *SETTINGS, *LOOP, "--checkpoint", str(path))[0] == 0
    with np.load(path) as archive:
        return dict(archive)


@pytest.fixture(scope="module")
def line_counts(corpus: Path, tmp_path_factory) -> Counter:
    """How often each target line runs in an uninterrupted run."""
    counts: Counter = Counter()
    codes = {code for code, _ in TARGETS}

    def local(frame, event, arg):
        if event == "line":
            counts[(frame.f_code, frame.f_lineno)] += 1
        return local

    sys.settrace(lambda frame, event, arg: local if frame.f_code in codes else None)
    try:
        path = tmp_path_factory.mktemp("count") / "m.npz"
        assert cli("train", str(corpus), "--steps", STEPS, *SETTINGS, *LOOP, "--checkpoint", str(path))[0] == 0
    finally:
        sys.settrace(None)
    return counts


def test_every_line_of_the_loop_and_the_step_is_a_target():
    names = {code.co_name for code, _ in TARGETS}
    assert names == {"train_step", "appended", "run_train"}
    assert sum(code is run_train.__code__ for code, _ in TARGETS) >= 10


@pytest.mark.parametrize("target", TARGETS, ids=_label)
def test_an_interrupt_before_any_line_saves_a_state_that_resumes_bit_for_bit(
    target, corpus: Path, straight: dict, line_counts: Counter, tmp_path: Path
):
    code, line = target
    if line_counts[target] == 0:
        source = inspect.getsource(code).splitlines()[line - code.co_firstlineno].strip()
        assert source.startswith(("raise ", "except ")), f"line {line} ({source}) never ran"
        pytest.skip(f"runs only on an error path: {source}")
    nth = min(2, line_counts[target])  # the second time if it runs twice (the history's growth runs once)
    model = tmp_path / "m.npz"
    with interrupt_at(code, line, nth) as hits:
        code_, err = cli("train", str(corpus), "--steps", STEPS, *SETTINGS, *LOOP, "--checkpoint", str(model))
    assert hits[0] == nth and code_ == 130, err
    code_, err = cli("train", str(corpus), "--resume", str(model), "--steps", STEPS, *LOOP)
    assert code_ == 0, err
    with np.load(model) as resumed:
        assert sorted(resumed.files) == sorted(straight)
        for key, value in straight.items():
            np.testing.assert_array_equal(resumed[key], value, err_msg=key)
