"""The Train page's comparison of the three cells (a recorded run) and the wording of the short run's samples."""

from __future__ import annotations

import copy
import re

import pytest

from rnn_math.apps.training.cells import CELLS, parameter_count
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.metrics import uniform_loss
from rnn_math_docs import cell_comparison, training
from rnn_math_docs.formatting import number

V = len(CharVocabulary.from_text(default_corpus().text))


def test_the_short_run_samples_exactly_when_the_page_says():
    run = training.short_run()
    early = training.short_run_early_stage()
    steps = int(re.fullmatch(r"after (\d+) steps \(\d+ % of the run\)", early).group(1))
    assert sorted(run.samples) == [0, steps, training.SHORT_STEPS]
    assert f"**after {steps} steps:**" in training.short_run_samples()


def test_the_gated_cells_parameter_counts_are_within_five_percent_of_the_rnns():
    sizes = cell_comparison.hidden_sizes(V)
    target = parameter_count(CELLS["rnn"], sizes["rnn"], V)
    for cell in ("lstm", "gru"):
        assert abs(parameter_count(CELLS[cell], sizes[cell], V) - target) <= 0.05 * target, cell


def test_each_gated_cells_hidden_size_is_the_nearest_match_one_unit_either_side_is_farther():
    sizes = cell_comparison.hidden_sizes(V)
    target = parameter_count(CELLS["rnn"], sizes["rnn"], V)
    for cell in ("lstm", "gru"):
        gap = abs(parameter_count(CELLS[cell], sizes[cell], V) - target)
        for other in (sizes[cell] - 1, sizes[cell] + 1):
            assert abs(parameter_count(CELLS[cell], other, V) - target) > gap, (cell, other)


def test_the_sizes_table_shows_the_computed_counts():
    table = cell_comparison.sizes_table()
    for cell, D_h in cell_comparison.hidden_sizes(V).items():
        assert f"| `--cell {cell}` | {D_h} | {parameter_count(CELLS[cell], D_h, V):,} |" in table


def test_the_record_was_trained_with_the_computed_sizes_on_the_shipped_corpus_by_the_commands_it_keeps():
    record = cell_comparison.recorded()
    assert set(record["runs"]) == set(CELLS)
    assert cell_comparison.recorded_hidden_sizes(record) == cell_comparison.hidden_sizes(V)
    for cell, report in record["runs"].items():
        assert report["command"] == "rnn-math " + " ".join(
            cell_comparison.train_arguments(cell, cell_comparison.hidden_sizes(V)[cell])
        )
        assert report["corpus"]["sha256"] == default_corpus().sha256 and report["settings"]["cell"] == cell
        assert report["summary"]["steps"] == cell_comparison.STEPS == report["curve"][-1][0]


def test_the_page_states_the_command_date_and_machine_of_the_record():
    record = cell_comparison.recorded()
    text = cell_comparison.provenance()
    assert record["command"] == cell_comparison.COMMAND and record["command"] in text
    assert all(report["command"] in text for report in record["runs"].values())
    assert re.match(r"\d{4}-\d{2}-\d{2}T", record["date"])
    assert f"**Machine:** {record['machine']['cpu']}" in text


def test_the_page_shows_the_records_numbers_and_orders_the_cells_by_them():
    runs = cell_comparison.recorded()["runs"]
    table, ranking = cell_comparison.results_table(), cell_comparison.ranking()
    for report in runs.values():
        assert number(report["summary"]["smoothed_nats"]) in table
        assert report["summary"]["smoothed_nats"] < uniform_loss(V)
    order = sorted(runs, key=lambda cell: runs[cell]["summary"]["smoothed_nats"])
    positions = [ranking.index(cell_comparison.LABELS[cell]) for cell in order]
    assert positions == sorted(positions) and "ends lowest" in ranking.split(cell_comparison.LABELS[order[1]])[0]


def test_a_record_trained_with_other_sizes_is_refused(monkeypatch):
    record = copy.deepcopy(cell_comparison.recorded())
    report, size = record["runs"]["gru"], cell_comparison.hidden_sizes(V)["gru"]
    report["command"] = report["command"].replace(f"--hidden-size {size}", f"--hidden-size {size + 5}")
    report["settings"]["hidden_size"] = size + 5
    assert f"--hidden-size {size + 5}" in report["command"]
    monkeypatch.setattr(cell_comparison, "recorded", lambda: record)
    with pytest.raises(ValueError, match="recorded with other hidden sizes"):
        cell_comparison.results_table()


def test_the_settings_the_three_cells_share_are_the_training_defaults_not_typed(monkeypatch):
    from dataclasses import replace

    from rnn_math.apps.training.settings import TrainSettings

    defaults = TrainSettings()
    assert cell_comparison.default_settings() == (
        f"Adagrad, $\\eta = {defaults.learning_rate:g}$, $T = {defaults.seq_length}$, "
        f"clipping to $\\pm {defaults.clip_threshold:g}$, random seed {defaults.seed}"
    )
    changed = replace(defaults, learning_rate=0.05, seq_length=40)
    monkeypatch.setattr(cell_comparison, "TrainSettings", lambda: changed)
    assert "$\\eta = 0.05$" in cell_comparison.default_settings()
    assert "$T = 40$" in cell_comparison.default_settings()
