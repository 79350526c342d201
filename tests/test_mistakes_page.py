"""The Common-mistakes page: every catalogued mistake shown, each rejected by the numbers it shows."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from conftest import DOCS

from rnn_math.rnn.mistakes import all_mistakes
from rnn_math.seq2seq.mistakes import MISTAKES as SEQ2SEQ_MISTAKES
from rnn_math.verification.engine import models
from rnn_math.verification.gradcheck import DEFAULT_TOLERANCES
from rnn_math_docs import mistakes as page
from rnn_math_docs import mutation


@pytest.mark.parametrize("mistake", all_mistakes("rnn"), ids=lambda m: m.name)
def test_every_rnn_mistake_is_rejected_by_each_check_the_page_reports(mistake):
    found = page.rnn_evidence(mistake.name)
    assert found.rejected
    assert {m.kind for m in found.measurements} == {"exact", "fifty_digit", "central", "complex_step"}
    for m in found.measurements:
        assert m.value is not True if m.kind == "exact" else m.value > m.bound >= DEFAULT_TOLERANCES["complex"]


@pytest.mark.parametrize("mistake", SEQ2SEQ_MISTAKES, ids=lambda m: m.name)
def test_every_encoder_decoder_mistake_is_rejected_by_each_check_the_page_reports(mistake):
    found = page.seq2seq_evidence(mistake.name)
    assert found.rejected
    assert {m.kind for m in found.measurements} == {"exact", "fifty_digit", "central", "complex_step"}


def test_a_mistake_the_checks_accepted_would_be_reported_as_not_rejected():
    from rnn_math_docs.mistakes import Evidence, Measurement

    accepted = Evidence((Measurement("c", "central", 1e-9, 1e-7, False),))
    assert not accepted.rejected and "not rejected" in page._verdict(accepted)
    assert not Evidence(()).rejected


def test_the_page_shows_every_mistake_with_its_wrong_formula_beside_the_right_one():
    text = page.rnn_mistakes() + page.seq2seq_mistakes()
    for mistake in all_mistakes("rnn"):
        assert f"### {mistake.title}" in text
        assert page.inline_math(mistake.wrong_latex) in text
    for mistake in SEQ2SEQ_MISTAKES:
        assert f"### {mistake.title}" in text and page.inline_math(mistake.wrong_latex) in text
    assert text.count("| right [(") == len(all_mistakes("rnn")) + len(SEQ2SEQ_MISTAKES)


def test_the_page_source_places_the_computed_sections_and_types_no_display_math():
    source = (DOCS / "mistakes.md").read_text(encoding="utf-8")
    for target in ("mistakes.catalogues", "mistakes.sizes", "mutation.report"):
        assert f"{{{{compute {target}}}}}" in source
    assert "$$" not in source


def test_every_declared_model_with_mistakes_has_a_section_with_all_of_them():
    text = page.catalogues()
    declared = [model for model in models() if model.mistakes]
    assert {"rnn", "seq2seq", "lstm", "gru"} <= {model.name for model in declared}
    for model in declared:
        assert f"## {model.title}\n" in text, model.name
        for mistake in model.mistakes:
            assert f"### {mistake.title}" in text and page.inline_math(mistake.wrong_latex) in text
    assert text.count("| right [(") == sum(len(model.mistakes) for model in declared)


def test_a_model_declared_without_mistakes_gets_no_section(monkeypatch):
    bare = replace(next(m for m in models() if m.name == "lstm"), mistakes=())
    monkeypatch.setattr(page, "models", lambda: [bare, *[m for m in models() if m.name != "lstm"]])
    assert f"## {bare.title}\n" not in page.catalogues()
    assert "The GRU" in page.catalogues()


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_every_lstm_and_gru_mistake_is_rejected_by_each_check_the_page_reports(model):
    for mistake in next(m for m in models() if m.name == model).mistakes:
        found = page.evidence(mistake)
        assert found.rejected, mistake.name
        assert {m.kind for m in found.measurements} == {"exact", "fifty_digit", "central", "complex_step"}


def test_the_checks_sentence_names_every_catalogued_model_with_no_raw_subscript():
    text = page.sizes()
    for model in models():
        assert (f"**{model.title}**" in text) == bool(model.mistakes), model.name
    assert re.search(r"[A-Za-z]_[A-Za-z0-9]", re.sub(r"\$[^$]*\$", "", text)) is None


def test_a_checks_sizes_and_subscripts_are_typeset():
    assert page.typeset_name("exact proof, g, T = 3, D_h = 2") == "exact proof, g, $T = 3$, $D_{h} = 2$"
    assert page.typeset_name("exact proof, T = T' = 2") == "exact proof, $T = T' = 2$"
    assert page.typeset_name("gradient of W_hn") == "gradient of $W_{hn}$"
    assert page.typeset_name("eq-sigmoid at 50 digits") == "eq-sigmoid at 50 digits"


def test_a_measurement_without_a_margin_is_shown_without_one():
    from rnn_math_docs.mistakes import Evidence, Measurement

    text = page._verdict(Evidence((Measurement("c", "central", 0.5, None, True),)))
    assert "error at least" in text and "must exceed" not in text


def test_inline_math_cannot_break_a_table_cell():
    assert page.inline_math(r"\lvert V | x") == r"$\lvert V \vert x$"


# The mutation report: read from the file the mutation run writes, never typed.

RECORD = {
    "command": "make mutation",
    "date": "2000-01-02",
    "mutmut": "0.0",
    "seconds": 125,
    "mutated": ["m.py"],
    "tests": ["tests/test_x.py"],
    "total": 10,
    "caught": 7,
    "equivalent": 2,
    "unexplained": 1,
    "score": 7 / 8,
    "by_status": {"killed": 7, "survived": 3},
    "modules": {"m.py": {"mutants": 10, "caught": 7, "equivalent": 2}},
    "survivors": [
        {"id": "m.x_f__mutmut_1", "module": "m.py", "status": "survived", "change": "a | b", "reason": "same value"},
        {"id": "m.x_f__mutmut_2", "module": "m.py", "status": "survived", "change": "c", "reason": None},
    ],
}


def test_the_mutation_report_shows_the_recorded_score_date_and_command(tmp_path, monkeypatch):
    results = tmp_path / "mutation.json"
    results.write_text(json.dumps(RECORD), encoding="utf-8")
    monkeypatch.setattr(mutation, "RESULTS", results)
    text = mutation.report()
    assert "**Score 87.5%**" in text and "2000-01-02" in text and "`make mutation`" in text and "2 min 5 s" in text
    assert "`m.x_f__mutmut_1` | `a &#124; b` | same value" in text
    assert "`m.x_f__mutmut_2` | `c` | **unexplained**" in text


def test_the_mutation_report_says_the_record_names_no_machine_or_shows_the_one_it_names(tmp_path, monkeypatch):
    results = tmp_path / "mutation.json"
    monkeypatch.setattr(mutation, "RESULTS", results)
    results.write_text(json.dumps(RECORD), encoding="utf-8")
    assert "2000-01-02 on a machine the record does not name" in mutation.report()
    machine = {"cpu": "Test CPU", "logical_cpus": 3, "system": "Linux x86_64"}
    results.write_text(json.dumps({**RECORD, "machine": machine}), encoding="utf-8")
    text = mutation.report()
    assert "on Test CPU (3 logical CPUs, Linux x86_64)" in text and "does not name" not in text


def test_the_mutation_report_names_the_mutated_modules_from_the_record(tmp_path, monkeypatch):
    results = tmp_path / "mutation.json"
    results.write_text(json.dumps({**RECORD, "mutated": ["pkg/alpha.py", "pkg/beta.py"]}), encoding="utf-8")
    monkeypatch.setattr(mutation, "RESULTS", results)
    assert "Every function of these modules is mutated: `pkg/alpha.py`, `pkg/beta.py`." in mutation.report()


def test_the_page_prose_types_no_module_list_of_its_own():
    source = (DOCS / "mistakes.md").read_text(encoding="utf-8")
    section = source[source.index("## Would the tests notice a wrong edit?") :]
    assert ".py" not in section and "rnn_math" not in section


def test_every_module_of_the_run_is_mutated_whole_and_a_mutant_belongs_to_its_own_module_only():
    modules = mutation.mutated_modules(
        {"only_mutate": ["rnn_math/apps/training/train.py", "rnn_math/apps/training/train_loop.py"]}
    )
    assert modules == ["rnn_math.apps.training.train", "rnn_math.apps.training.train_loop"]
    assert mutation.in_mutated_module("rnn_math.apps.training.train.x_sgd_update__mutmut_3", modules)
    assert mutation.in_mutated_module("rnn_math.apps.training.train_loop.xǁLossHistoryǁappend__mutmut_1", modules)
    assert not mutation.in_mutated_module("rnn_math.apps.training.train_command.x_run_train__mutmut_1", modules)


def test_without_a_recorded_run_the_report_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "RESULTS", tmp_path / "absent.json")
    assert "make mutation" in mutation.report()


def test_a_justification_counts_only_while_it_still_describes_the_mutant():
    mutants = [
        {"id": "a", "module": "m.py", "status": "killed", "change": ""},
        {"id": "b", "module": "m.py", "status": "survived", "change": "x = 1"},
        {"id": "c", "module": "m.py", "status": "survived", "change": "y = 2"},
    ]
    equivalents = {"b": {"change": "x = 1", "reason": "unused"}, "c": {"change": "y = 3", "reason": "stale"}}
    summary = mutation.summarise(mutants, equivalents)
    assert (summary["caught"], summary["equivalent"], summary["unexplained"]) == (1, 1, 1)
    assert summary["score"] == pytest.approx(1 / 2)
    assert [s["reason"] for s in summary["survivors"]] == ["unused", None]


def test_every_recorded_survivor_has_a_reason_or_is_counted_unexplained():
    record = mutation.load_results()
    assert record["unexplained"] == sum(1 for s in record["survivors"] if not s["reason"])
    assert record["caught"] + record["equivalent"] + record["unexplained"] == record["total"]
