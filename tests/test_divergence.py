"""A diverging run stops with one line, keeps the last good state, and exits 3; summaries never overflow."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import rnn_math.apps.training.cells as cells
from rnn_math.apps.cli import main
from rnn_math.apps.errors import TrainingDivergedError
from rnn_math.apps.training.checkpoint import load_checkpoint
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.metrics import perplexity
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_command import EXIT_DIVERGED, format_loss, format_perplexity
from rnn_math.apps.training.train_loop import initial_state, train_step

FAST = ["--hidden-size", "8", "--seq-length", "10", "--sample-every", "0", "--quiet", "--sample-length", "5"]
#: Plain gradient descent without clipping and with a step this large overflows the logits at step 3.
BLOWS_UP_AT_STEP_3 = ["--optimizer", "sgd", "--clip", "none", "--learning-rate", "1e306"]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_huge_learning_rate_stops_with_one_line_naming_the_step_and_what_to_try(tmp_path: Path):
    code, _, err = cli(
        "train", "--steps", "50", "--learning-rate", "1e308", "--checkpoint", str(tmp_path / "m.npz"), *FAST
    )
    assert code == EXIT_DIVERGED == 3
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("corpus default"), err  # the corpus line, then the stop
    assert re.match(r"rnn-math: error: training diverged at step \d+: \S", lines[1]), lines[1]
    assert "lower --learning-rate (this run: 1e+308)" in lines[1] and "Traceback" not in err


def test_unclipped_gradient_descent_that_overflows_the_logits_is_divergence_too(tmp_path: Path):
    code, _, err = cli("train", "--steps", "50", *BLOWS_UP_AT_STEP_3, "--checkpoint", str(tmp_path / "m.npz"), *FAST)
    assert code == EXIT_DIVERGED
    assert "training diverged at step 3" in err and "gradient clipping (--clip value or --clip norm)" in err


def test_a_diverged_run_saves_its_last_good_state_bit_for_bit(tmp_path: Path):
    diverged, stopped = tmp_path / "diverged.npz", tmp_path / "stopped.npz"
    assert cli("train", "--steps", "50", *BLOWS_UP_AT_STEP_3, "--checkpoint", str(diverged), *FAST)[0] == EXIT_DIVERGED
    assert cli("train", "--steps", "2", *BLOWS_UP_AT_STEP_3, "--checkpoint", str(stopped), *FAST)[0] == 0
    with np.load(diverged) as a, np.load(stopped) as b:
        assert a.files == b.files
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert load_checkpoint(diverged).state.step == 2  # every field passes the checks: nothing diverged was saved


def test_a_diverged_run_does_not_lose_the_steps_since_the_last_periodic_save(tmp_path: Path):
    model = tmp_path / "m.npz"
    code, _, _ = cli(
        "train", "--steps", "50", "--checkpoint-every", "1000", *BLOWS_UP_AT_STEP_3, "--checkpoint", str(model), *FAST
    )
    assert code == EXIT_DIVERGED and load_checkpoint(model).state.step == 2


def test_a_diverging_step_raises_and_leaves_its_state_as_it_was():
    text = default_corpus().text
    vocab = CharVocabulary.from_text(text)
    settings = TrainSettings(hidden_size=8, seq_length=25, learning_rate=1e308)  # b_2 overflows at step 1
    state = initial_state(settings, len(vocab))
    W_h = state.params.W_h.copy()
    with pytest.raises(
        TrainingDivergedError, match=r"^training diverged at step 1: the updated parameter \w+ is not finite"
    ):
        train_step(state, vocab.encode(text), settings, len(vocab))
    assert state.step == 0 and np.array_equal(state.params.W_h, W_h)


def test_bptt_refusing_overflowing_logits_is_reported_as_divergence(monkeypatch):
    text = default_corpus().text
    vocab = CharVocabulary.from_text(text)
    settings = TrainSettings(hidden_size=8, seq_length=10)

    def overflowing(*args, **kwargs):
        raise ValueError("theta: the logits overflowed")

    monkeypatch.setattr(cells, "bptt", overflowing)  # the rnn cell's gradients
    with pytest.raises(TrainingDivergedError, match="^training diverged at step 1: theta: the logits overflowed"):
        train_step(initial_state(settings, len(vocab)), vocab.encode(text), settings, len(vocab))


def test_the_character_model_and_the_translator_raise_the_one_divergence_error():
    # One class for both applications, so that a caller (the command line) catches one thing.
    from rnn_math.apps.translator import TrainingConfig, parse_pairs, train_translator

    text = default_corpus().text
    vocab = CharVocabulary.from_text(text)
    settings = TrainSettings(hidden_size=8, seq_length=25, learning_rate=1e308)
    with pytest.raises(TrainingDivergedError) as char_model:
        train_step(initial_state(settings, len(vocab)), vocab.encode(text), settings, len(vocab))
    pairs = parse_pairs("I go\tमैं जाता हूँ\nyou go\tतुम जाते हो\n")
    with pytest.raises(TrainingDivergedError) as translator:
        train_translator(pairs, TrainingConfig(learning_rate=1e308, epochs=3, D_h=3, d_en=2, d_hi=2))
    assert (char_model.value.unit, char_model.value.step) == ("step", 1)
    assert translator.value.unit == "epoch" and 1 <= translator.value.step <= 3
    assert str(translator.value) == f"training diverged at epoch {translator.value.step}: {translator.value.what}"


def test_the_divergence_error_names_the_update_in_its_applications_unit():
    error = TrainingDivergedError(7, "the loss is nan", unit="epoch")
    assert str(error) == "training diverged at epoch 7: the loss is nan"
    assert str(TrainingDivergedError(7, "the loss is nan")) == "training diverged at step 7: the loss is nan"
    assert isinstance(error, ArithmeticError)


def test_the_perplexity_of_a_loss_beyond_the_float_range_is_inf_not_an_exception():
    assert perplexity(710.0) == math.inf
    assert perplexity(709.0) == math.exp(709.0)  # just below: still the exact value


def test_a_run_whose_loss_is_huge_but_finite_prints_its_summary(tmp_path: Path):
    report = tmp_path / "r.json"
    code, out, err = cli(
        "train",
        "--steps",
        "100",
        "--optimizer",
        "sgd",
        "--clip",
        "none",
        "--learning-rate",
        "1e4",
        "--checkpoint",
        str(tmp_path / "m.npz"),
        "--report",
        str(report),
        *FAST,
    )
    assert code == 0, err
    assert "perplexity inf (beyond the floating-point range)" in out
    data = json.loads(report.read_text(encoding="utf-8"), parse_constant=lambda name: pytest.fail(f"non-JSON {name}"))
    assert data["summary"]["smoothed_perplexity"] is None and data["summary"]["smoothed_nats"] > 710


def test_huge_numbers_are_printed_with_powers_of_ten():
    assert format_loss(3.25) == "3.2500" and format_loss(3.1e100) == "3.1000e+100"
    assert format_perplexity(26.0) == "26.00" and format_perplexity(3.8e170) == "3.800e+170"


def test_a_sample_whose_logits_overflow_during_training_is_divergence_too(tmp_path: Path, monkeypatch):
    import rnn_math.apps.training.train_command as command
    from rnn_math.apps.training.sampling import LogitsOverflow

    def overflowing(*args, **kwargs):
        raise LogitsOverflow("params: the logits overflow the floating-point range")

    monkeypatch.setattr(command, "sample", overflowing)
    model = tmp_path / "m.npz"
    code, _, err = cli(
        "train",
        "--steps",
        "10",
        "--hidden-size",
        "8",
        "--seq-length",
        "10",
        "--sample-every",
        "4",
        "--checkpoint",
        str(model),
    )
    assert code == EXIT_DIVERGED and "training diverged at step 4: params: the logits overflow" in err
    assert load_checkpoint(model).state.step == 3  # the state before the step whose sample failed
