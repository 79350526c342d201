"""`rnn-math verify`: selection, the table, the JSON file and the exit status."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from rnn_math.apps.cli import main
from rnn_math.apps.verify_command import Selection, equation_numbers, select
from rnn_math.core.registry import registry
from rnn_math.verification import engine
from rnn_math.verification.report import EquationReport

#: A quick equation to run for real (its checks take a moment, not a minute).
QUICK = "eq-forward-z"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def passing(eq_id: str, model: str = "rnn") -> EquationReport:
    return EquationReport(
        eq_id=eq_id,
        model=model,
        title="t",
        exact=True,
        fifty_digit=1e-17,
        central=1e-10,
        complex_step=1e-16,
        controls=2,
        controls_rejected=2,
        passed=True,
    )


@pytest.fixture(autouse=True)
def no_lemmas(monkeypatch):
    """The lemmas are tested in test_lemmas.py; here a table of equations is enough (and quick)."""
    monkeypatch.setattr(engine, "verify_lemmas", lambda **_: [])


@pytest.fixture
def no_run(monkeypatch):
    """The engine's checks must not start: selection and file errors come first."""

    def refuse(**_):
        raise AssertionError("the checks ran")

    monkeypatch.setattr(engine, "verify", refuse)


# --- exit status ---------------------------------------------------------------------------------


def test_all_passed_exits_0_and_says_so():
    code, out, _ = run("--equation", QUICK)
    assert code == 0
    assert out.rstrip().endswith("1 equations: all passed")


def test_a_failed_report_exits_1_and_names_the_equation_and_why(monkeypatch):
    failed = replace(
        passing("eq-bptt-delta"),
        passed=False,
        controls_rejected=1,
        failures=("the control 'delta without the slope' was accepted",),
    )
    monkeypatch.setattr(engine, "verify", lambda **_: [passing("eq-forward-z"), failed])
    code, out, _ = run()
    assert code == 1
    number = equation_numbers()["eq-bptt-delta"]
    assert f"FAILED eq-bptt-delta ({number}): the control 'delta without the slope' was accepted" in out
    assert "1 of 2 equations failed" in out
    row = next(line for line in out.splitlines() if " eq-bptt-delta " in line)
    assert row.split()[-2:] == ["1/2", "NO"]


def test_an_unknown_equation_exits_2_with_one_line_naming_the_argument_and_the_nearest_id(no_run):
    code, out, err = run("--equation", "eq-bptt-detla")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("rnn-math verify: error: --equation eq-bptt-detla:")
    assert "eq-bptt-delta" in err


def test_an_unknown_model_exits_2_with_one_line_naming_the_argument_and_the_known_models(no_run):
    code, _, err = run("--model", "rnm")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("rnn-math verify: error: --model rnm:")
    assert "rnn" in err.split(":", 3)[-1]


def test_an_equation_of_another_model_exits_2(no_run):
    eq_model = {eq_id: model for model, eq_id, _ in engine.list_equations()}
    other = next(m.name for m in engine.models() if m.name != eq_model[QUICK])
    code, _, err = run("--equation", QUICK, "--model", other)
    assert code == 2 and f"--equation {QUICK}: not an equation of --model {other}" in err


# --- selection -----------------------------------------------------------------------------------


def test_list_names_every_registered_equation_and_runs_nothing(no_run):
    code, out, _ = run("--list")
    assert code == 0
    listed = {word for line in out.splitlines() for word in line.split() if word.startswith("eq-")}
    assert listed == set(registry())


def test_list_shows_each_equation_with_its_number_on_the_site(no_run):
    _, out, _ = run("--list")
    numbers = equation_numbers()
    for eq_id, number in numbers.items():
        assert any(line.split()[:2] == [number, eq_id] for line in out.splitlines()), eq_id


def test_equation_selects_exactly_that_one(tmp_path: Path):
    target = tmp_path / "one.json"
    code, _, _ = run("--equation", QUICK, "--json", str(target))
    assert code == 0
    assert [r["eq_id"] for r in json.loads(target.read_text())["equations"]] == [QUICK]


def test_a_published_alias_selects_the_equation_it_names():
    declared = [("rnn", "eq-bptt-delta", "δ"), ("rnn", "eq-bptt-grad-wh", "W_h")]
    selection = select(None, "eq-bptt-old-name", declared, {"eq-bptt-old-name": "eq-bptt-delta"})
    assert selection == Selection(None, "eq-bptt-delta")


def test_model_selects_that_models_equations_only(monkeypatch):
    asked = {}
    monkeypatch.setattr(engine, "verify", lambda **kw: asked.update(kw) or [passing("eq-forward-z")])
    name = engine.models()[0].name
    run("--model", name)
    assert asked["model"] == name and asked["equation"] is None


# --- output --------------------------------------------------------------------------------------


def test_the_json_file_holds_the_engines_reports_with_their_numbers(tmp_path: Path):
    target = tmp_path / "results.json"
    code, _, _ = run("--equation", QUICK, "--json", str(target))
    assert code == 0
    written = json.loads(target.read_text())
    expected = [{"number": equation_numbers()[r.eq_id], **r.to_json()} for r in engine.verify(equation=QUICK)]
    assert written["equations"] == json.loads(json.dumps(expected))
    assert written["passed"] is True


def test_an_existing_json_file_is_refused_before_anything_runs(tmp_path: Path, no_run):
    target = tmp_path / "results.json"
    target.write_text("keep me")
    code, out, err = run("--json", str(target))
    assert code == 1 and out == ""
    assert f"--json: {target} already exists; pass --overwrite to replace it" in err
    assert target.read_text() == "keep me"


def test_overwrite_replaces_an_existing_json_file(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(engine, "verify", lambda **_: [passing("eq-forward-z")])
    target = tmp_path / "results.json"
    target.write_text("old")
    code, _, _ = run("--json", str(target), "--overwrite")
    assert code == 0 and json.loads(target.read_text())["equations"][0]["eq_id"] == "eq-forward-z"


def test_the_table_goes_to_stdout_and_progress_to_stderr(monkeypatch):
    def checks(*, progress, **_):
        progress("eq-forward-z: exact proof")
        return [passing("eq-forward-z")]

    monkeypatch.setattr(engine, "verify", checks)
    _, out, err = run()
    assert "checking" in err and "checking" not in out
    assert out.splitlines()[0].split()[:2] == ["No.", "equation"]


def test_each_row_shows_the_number_id_checks_controls_and_verdict(monkeypatch):
    monkeypatch.setattr(engine, "verify", lambda **_: [passing("eq-forward-z")])
    _, out, _ = run()
    row = next(line for line in out.splitlines() if " eq-forward-z " in line)
    assert row.split() == [
        equation_numbers()["eq-forward-z"],
        "eq-forward-z",
        "proven",
        "1.0e-17",
        "1.0e-10",
        "1.0e-16",
        "2/2",
        "yes",
    ]


def test_the_json_file_says_which_outputs_each_equation_was_measured_on(tmp_path: Path, monkeypatch):
    measured = {"eq-bptt-grad-b2": ("b_2",), "eq-bptt-grad-x": ("x_1", "x_2", "x_3"), "eq-forward-z": ()}
    reports = [replace(passing(eq_id), measured_on=names) for eq_id, names in measured.items()]
    monkeypatch.setattr(engine, "verify", lambda **_: reports)
    target = tmp_path / "results.json"
    assert run("--json", str(target))[0] == 0
    written = {r["eq_id"]: r["measured_on"] for r in json.loads(target.read_text())["equations"]}
    assert written == {eq_id: list(names) for eq_id, names in measured.items()}


def test_the_table_leaves_the_measured_outputs_to_the_json_file_and_keeps_its_width(monkeypatch):
    # Up to sixteen outputs per equation would not fit a terminal's line: the table shows none of them.
    long = tuple(f"output_{k}" for k in range(16))
    monkeypatch.setattr(engine, "verify", lambda **_: [replace(passing("eq-forward-z"), measured_on=long)])
    _, with_outputs, _ = run()
    monkeypatch.setattr(engine, "verify", lambda **_: [passing("eq-forward-z")])
    _, without, _ = run()
    assert with_outputs == without and "output_0" not in with_outputs


def test_python_dash_m_lists_the_same_equations_as_the_entry_point():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "rnn_math", "verify", "--list"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run("--list")[1]
