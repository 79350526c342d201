"""The Verification page and the equation index show what `rnn-math verify --json` reports."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnn_math.apps.cli import main
from rnn_math.core.registry import registry
from rnn_math_docs import equation_index, verification
from rnn_math_docs.formatting import scientific

PAGE = Path(__file__).resolve().parents[1] / "docs" / "verification.md"


@pytest.fixture(scope="module", autouse=True)
def reported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """What a reader's ``rnn-math verify --json`` writes, and the page rendered from those results.

    The page's computations take the engine's results from ``engine_results``; here they get the
    very file the command wrote, so that one run of every proof serves the whole module (the
    built site's page comes from a run of its own, in the build).
    """
    target = tmp_path_factory.mktemp("verify") / "results.json"
    assert main(["verify", "--json", str(target)], out=io.StringIO(), err=io.StringIO()) == 0
    results = json.loads(target.read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verification, "engine_results", lambda: results)
        patch.setattr(equation_index, "engine_results", lambda: results)
        yield results


def _rows(markdown: str) -> list[list[str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def _expected_error(value: float | str | None) -> str:
    if value is None:
        return "—"
    return f"**{value}**" if isinstance(value, str) else f"${scientific(value)}$"


def test_the_page_lists_exactly_the_equations_verify_reports_in_its_order(reported):
    ids = [row[2] for row in _rows(verification.equations())]
    assert ids == [f"`{r['eq_id']}`" for r in reported["equations"]]


def test_each_row_shows_the_number_checks_controls_and_verdict_that_verify_reports(reported):
    exact = {True: "proven", False: "**failed**", None: "—"}
    for row, r in zip(_rows(verification.equations()), reported["equations"], strict=True):
        controls = "—" if r["controls"] == 0 else f"{r['controls_rejected']} of {r['controls']}"
        expected = [
            f"[({r['number']})][{r['eq_id']}]",
            f"`{r['eq_id']}`",
            exact[r["exact"]],
            _expected_error(r["fifty_digit"]),
            _expected_error(r["central"]),
            _expected_error(r["complex_step"]),
            controls if r["controls_rejected"] == r["controls"] else f"**{controls}**",
            "yes" if r["passed"] else "**no**",
        ]
        assert row[1:-1] == expected, r["eq_id"]


def _legend(markdown: str) -> dict[str, list[str]]:
    """The numbered lists under the table: number → the outputs it names."""
    entries = [line.split(". ", 1) for line in markdown.splitlines() if line[:1].isdigit()]
    return {number: [name.strip("`") for name in names.split(", ")] for number, names in entries}


def test_each_row_names_the_outputs_verify_reports_its_errors_were_measured_on(reported):
    markdown = verification.equations()
    legend = _legend(markdown)
    for row, r in zip(_rows(markdown), reported["equations"], strict=True):
        assert r["measured_on"], r["eq_id"]
        assert legend[row[-1]] == r["measured_on"], r["eq_id"]


def test_each_list_of_outputs_is_listed_once_and_numbered_in_order_of_first_use(reported):
    markdown = verification.equations()
    numbers = [row[-1] for row in _rows(markdown)]
    first_uses = list(dict.fromkeys(numbers))
    assert first_uses == [str(n) for n in range(1, len(first_uses) + 1)]
    assert list(_legend(markdown)) == first_uses
    assert len({tuple(v) for v in _legend(markdown).values()}) == len(first_uses)


def test_equations_measured_on_different_outputs_get_different_numbers():
    reports = [{"measured_on": ["U"]}, {"measured_on": ["b_2"]}, {"measured_on": ["U"]}, {"measured_on": []}]
    assert verification.output_lists(reports) == {("U",): 1, ("b_2",): 2, (): 3}
    assert verification.outputs_line(2, ("b_2",)) == "2. `b_2`"
    assert verification.outputs_line(3, ()) == "3. none"


def test_the_rows_are_grouped_by_model(reported):
    models = [row[0] for row in _rows(verification.equations())]
    first_rows = [i for i, m in enumerate(models) if i == 0 or m != models[i - 1]]
    assert len(first_rows) == len(set(models))  # each model's rows together, once


def test_every_registered_equation_is_on_the_page():
    ids = {row[2].strip("`") for row in _rows(verification.equations())}
    assert ids == set(registry())


def test_the_tolerances_sentence_names_each_bound_the_reports_hold(reported):
    sentence = verification.tolerances()
    for r in reported["equations"]:
        for bound in r["tolerances"].values():
            assert f"${scientific(bound)}$" in sentence


def test_the_page_places_the_table_and_no_longer_a_list_of_tests():
    text = PAGE.read_text(encoding="utf-8")
    assert "{{compute verification.equations}}" in text
    assert "tests marked" not in text


def test_the_equation_index_shows_each_equations_status_as_verify_reports(reported):
    passed = {r["eq_id"]: r["passed"] for r in reported["equations"]}
    for row in _rows(equation_index.table()):
        eq_id = row[3].strip("`")
        if eq_id not in passed:  # that every equation is reached is test_every_registered_equation_is_on_the_page
            assert row[6] == "**not checked**", eq_id
            continue
        verdict = "passed" if passed[eq_id] else "**failed**"
        assert row[6] == f"[{verdict}]({equation_index.VERIFICATION_TABLE})", eq_id


def test_the_equation_index_marks_a_failed_equation_as_failed():
    results = {"equations": [{"eq_id": "eq-bptt-delta", "passed": False}]}
    assert equation_index.status("eq-bptt-delta", results).startswith("[**failed**]")
    assert equation_index.status("eq-forward-z", results) == "**not checked**"


def test_the_equation_index_shows_each_formula_without_breaking_the_table():
    rows = _rows(equation_index.table())
    assert all(len(row) == 7 for row in rows)  # a bar in |V| would have split a row
    softmax = next(row for row in rows if row[3] == "`eq-softmax`")
    assert softmax[2] == equation_index.table_formula(registry()["eq-softmax"].latex)
    assert r"\vertV\vert" in softmax[2].replace(" ", "")
