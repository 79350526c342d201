"""The "Train your own" page: its short run is computed at build time, its long run read from
the report its command wrote."""

from __future__ import annotations

import shlex

from rnn_math.apps.cli import SETTING_OPTIONS, build_parser
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.metrics import uniform_loss
from rnn_math.apps.training.settings import TrainSettings
from rnn_math_docs import training
from rnn_math_docs.formatting import number


def test_the_build_time_run_falls_well_below_the_uniform_guess():
    run = training.short_run()
    assert run.smoothed < uniform_loss(run.vocab_size) - 0.8
    assert sorted(run.samples) == [0, training.SHORT_STEPS // 10, training.SHORT_STEPS]


def test_the_long_run_report_was_written_by_the_command_it_records():
    report = training.long_run()
    argv = shlex.split(report["command"])
    assert argv[:2] == ["rnn-math", "train"]
    args = build_parser().parse_args(argv[1:])
    given = {field: getattr(args, field) for field in SETTING_OPTIONS if getattr(args, field) is not None}
    assert TrainSettings(**(TrainSettings().as_dict() | given)) == TrainSettings.from_record(report["settings"])
    assert report["summary"]["steps"] == args.steps and args.corpus is None
    assert report["corpus"]["sha256"] == default_corpus().sha256  # the shipped corpus, as it is now
    assert report["curve"][-1] == [args.steps, report["summary"]["smoothed_nats"]]


def test_the_long_run_reached_well_below_the_uniform_guess():
    report = training.long_run()
    assert report["summary"]["smoothed_nats"] < uniform_loss(report["corpus"]["vocab_size"]) - 1.0


def test_the_page_shows_the_reports_numbers_not_typed_ones():
    report = training.long_run()
    text = training.long_run_summary()
    assert number(report["summary"]["smoothed_nats"]) in text
    assert training.long_run()["command"] in training.long_run_command()


def test_the_corpus_facts_are_counted_from_the_shipped_file():
    corpus = default_corpus()
    text = training.corpus_facts()
    assert f"{len(corpus.text.split())} names" in text
    assert f"\\lvert V \\rvert = {len(CharVocabulary.from_text(corpus.text))}$ characters" in text
    assert number(uniform_loss(len(CharVocabulary.from_text(corpus.text)))) in text


def test_the_options_table_lists_every_option_of_the_parser():
    table = training.options()
    for option in ("--hidden-size", "--optimizer {sgd,adagrad}", "--resume", "--temperature", "--prime"):
        assert option in table
