"""Training, checkpoints and sampling with each cell: the vanilla RNN, the LSTM and the GRU (``--cell``)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps.cli import main
from rnn_math.apps.errors import InputError
from rnn_math.apps.training.cells import CELLS, cell_of, parameter_count, zero_state
from rnn_math.apps.training.checkpoint import Checkpoint, checkpoint_arrays, load_checkpoint, save_checkpoint
from rnn_math.apps.training.checkpoint_fields import ENTRIES
from rnn_math.apps.training.corpus import CharVocabulary, one_hot
from rnn_math.apps.training.sampling import step
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import initial_state, train, train_step
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import gru_forward, gru_gradients
from rnn_math.lstm.composer import lstm_forward, lstm_gradients
from rnn_math.lstm.params import LSTMParams
from rnn_math.rnn.params import RNNParams

#: 45 characters: four chunks of 10 fit, so the walk wraps every fourth step.
TEXT = "the cat sat on the mat\nthe dog sat on a log\n\n"
VOCAB = CharVocabulary.from_text(TEXT)
DATA = VOCAB.encode(TEXT)
V = len(VOCAB)
ALL = tuple(CELLS)
GATED = ("lstm", "gru")


def settings(cell: str, **changes) -> TrainSettings:
    return TrainSettings(**({"cell": cell, "hidden_size": 6, "seq_length": 10} | changes))


def chunk_loss(cell: str, params, start: int = 0, T: int = 10) -> float:
    """L of one chunk from a zero state, by the cell's own composer."""
    inputs, targets = one_hot(DATA[start : start + T], V), DATA[start + 1 : start + T + 1]
    return CELLS[cell].gradients(params, inputs, targets, zero_state(CELLS[cell], 6), "tanh").loss


def write_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# Training.


def test_the_default_cell_is_the_vanilla_rnn():
    assert TrainSettings().cell == "rnn"
    assert isinstance(initial_state(TrainSettings(hidden_size=4), V).params, RNNParams)


def test_a_fresh_rnn_is_drawn_as_before_the_cells_weights_in_order_biases_zero():
    state = initial_state(TrainSettings(hidden_size=4, seed=3), V)
    rng = np.random.default_rng(3)
    W_h, W_e, U = (0.01 * rng.standard_normal(shape) for shape in ((4, 4), (4, V), (V, 4)))
    for name, value in {"W_h": W_h, "W_e": W_e, "b_1": np.zeros(4), "U": U, "b_2": np.zeros(V)}.items():
        np.testing.assert_array_equal(getattr(state.params, name), value)


@pytest.mark.parametrize(("cell", "kind"), [("rnn", RNNParams), ("lstm", LSTMParams), ("gru", GRUParams)])
def test_each_cell_starts_with_its_own_parameters_and_zero_memory(cell: str, kind: type):
    state = initial_state(settings(cell), V)
    assert type(state.params) is kind and cell_of(state.params) is CELLS[cell]
    assert set(state.memory) == set(CELLS[cell].parameter_names)
    assert all(not np.any(m) for m in state.memory.values())
    assert (state.c is not None) == (cell == "lstm")


@pytest.mark.parametrize("cell", ALL)
def test_a_few_training_steps_lower_each_cells_loss_on_a_tiny_corpus(cell: str):
    config = settings(cell, init_scale=0.1)
    start = initial_state(config, V)
    *_, end = train(start, DATA, config, V, 40)
    before = [chunk_loss(cell, start.params, s) for s in (0, 10, 20, 30)]
    after = [chunk_loss(cell, end.params, s) for s in (0, 10, 20, 30)]
    assert sum(after) < 0.75 * sum(before)


@pytest.mark.parametrize("cell", GATED)
def test_a_gated_cells_step_moves_every_parameter_against_its_composers_gradient(cell: str):
    config = settings(cell, optimizer="sgd", clip="none", learning_rate=0.5, init_scale=0.3)
    state = initial_state(config, V)
    inputs, targets = one_hot(DATA[:10], V), DATA[1:11]
    composer = lstm_gradients if cell == "lstm" else gru_gradients
    grads = composer(state.params, inputs, targets).grads
    new = train_step(state, DATA, config, V)
    for name, value in state.params.as_dict().items():
        np.testing.assert_array_equal(getattr(new.params, name), value - 0.5 * grads[name], err_msg=name)


def test_the_lstm_carries_its_cell_state_into_the_next_chunk_and_resets_it_at_the_wrap():
    config = settings("lstm", init_scale=0.5)
    first = train_step(initial_state(config, V), DATA, config, V)
    second = train_step(first, DATA, config, V)
    inputs, targets = one_hot(DATA[10:20], V), DATA[11:21]
    carried = lstm_forward(first.params, inputs, targets, h_0=first.h, c_0=first.c)
    from_zero = lstm_forward(first.params, inputs, targets, h_0=first.h)
    np.testing.assert_array_equal(second.c, carried.c[0, -1])
    assert not np.array_equal(second.c, from_zero.c[0, -1])
    *_, fourth = train(second, DATA, config, V, 4)
    wrapped = train_step(fourth, DATA, config, V)  # fewer than T + 1 characters remain: back to 0
    restart = lstm_forward(fourth.params, one_hot(DATA[:10], V), DATA[1:11])
    np.testing.assert_array_equal(wrapped.c, restart.c[0, -1])
    np.testing.assert_array_equal(wrapped.h, restart.h[0, -1])


@pytest.mark.parametrize("cell", GATED)
def test_a_gated_run_that_diverges_saves_its_last_good_state_and_exits_3(tmp_path: Path, cell: str):
    corpus, target = write_corpus(tmp_path), tmp_path / "c.npz"
    code, _, err = run(
        "train", str(corpus), "--cell", cell, "--optimizer", "sgd", "--clip", "none", "--learning-rate", "1e307",
        "--init-scale", "1", "--hidden-size", "6", "--seq-length", "10", "--steps", "50", "--checkpoint", str(target),
        "--quiet",
    )  # fmt: skip
    assert code == 3, err
    failed = int(err.split("training diverged at step ")[1].split(":")[0])
    saved = load_checkpoint(target)  # refuses non-finite parameters: the saved state is a good one
    assert saved.settings.cell == cell and saved.state.step == failed - 1


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ("rnn", lambda D, V: D * D + D * V + D + V * D + V),
        ("lstm", lambda D, V: 4 * D * V + 4 * D * D + 8 * D + V * D + V),
        ("gru", lambda D, V: 3 * D * V + 3 * D * D + 6 * D + V * D + V),
    ],
)
def test_a_cells_parameter_count_is_the_size_of_its_parameters(cell: str, formula):
    state = initial_state(settings(cell, hidden_size=5), V)
    assert parameter_count(CELLS[cell], 5, V) == sum(a.size for a in state.params.as_dict().values()) == formula(5, V)


# Settings and the command line.


def test_an_unknown_cell_is_refused_naming_the_setting():
    with pytest.raises(InputError, match=r"^cell: expected one of rnn, lstm, gru, got 'cnn'$"):
        TrainSettings(cell="cnn")


def test_an_unknown_cell_on_the_command_line_is_refused_naming_the_option(tmp_path: Path, capsys):
    code, _, _ = run("train", str(write_corpus(tmp_path)), "--cell", "cnn", "--checkpoint", str(tmp_path / "c.npz"))
    assert code == 2 and "argument --cell: invalid choice: 'cnn'" in capsys.readouterr().err
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.parametrize("cell", GATED)
def test_a_gated_cell_with_the_sigmoid_activation_is_refused_naming_the_activation(cell: str):
    with pytest.raises(InputError, match=rf"^activation: the {cell} cell's candidate is tanh, got 'sigmoid'"):
        settings(cell, activation="sigmoid")


# Checkpoints.


@pytest.mark.parametrize("cell", ALL)
def test_a_checkpoint_round_trips_with_its_cell_and_resumes_bit_for_bit(tmp_path: Path, cell: str):
    config = settings(cell)
    *_, half = train(initial_state(config, V), DATA, config, V, 3)
    path = save_checkpoint(tmp_path / "c.npz", Checkpoint(config, VOCAB, half, "default", "0" * 64))
    loaded = load_checkpoint(path)
    assert loaded.settings == config and loaded.settings.cell == cell
    assert type(loaded.state.params) is type(half.params)
    for name, value in half.params.as_dict().items():
        np.testing.assert_array_equal(getattr(loaded.state.params, name), value)
    assert (loaded.state.c is None) == (half.c is None)
    *_, straight = train(half, DATA, config, V, 6)
    *_, resumed = train(loaded.state, DATA, config, V, 6)
    for name, value in straight.params.as_dict().items():
        np.testing.assert_array_equal(getattr(resumed.params, name), value)
    assert resumed.losses == straight.losses


def test_an_lstm_checkpoint_keeps_the_cell_state_it_carries(tmp_path: Path):
    config = settings("lstm", init_scale=0.5)
    state = train_step(initial_state(config, V), DATA, config, V)
    path = save_checkpoint(tmp_path / "c.npz", Checkpoint(config, VOCAB, state, "default", "0" * 64))
    assert state.c is not None and np.any(state.c != 0)
    np.testing.assert_array_equal(load_checkpoint(path).state.c, state.c)


def test_an_lstm_checkpoint_without_its_cell_state_is_refused_naming_it(tmp_path: Path):
    config = settings("lstm")
    arrays = checkpoint_arrays(Checkpoint(config, VOCAB, initial_state(config, V), "default", "0" * 64))
    del arrays["c"]
    np.savez(tmp_path / "c.npz", **arrays)
    with pytest.raises(InputError, match=r"lacks c; is it an rnn-math checkpoint of the lstm cell\?"):
        load_checkpoint(tmp_path / "c.npz")


def test_an_lstm_hidden_state_outside_minus_one_to_one_is_refused_but_a_large_cell_state_is_not(tmp_path: Path):
    config = settings("lstm")
    arrays = checkpoint_arrays(Checkpoint(config, VOCAB, initial_state(config, V), "default", "0" * 64))
    np.savez(tmp_path / "big_c.npz", **(arrays | {"c": np.full(6, 7.5)}))
    np.testing.assert_array_equal(load_checkpoint(tmp_path / "big_c.npz").state.c, np.full(6, 7.5))
    np.savez(tmp_path / "big_h.npz", **(arrays | {"h": np.full(6, 1.5)}))
    with pytest.raises(InputError, match=r"h: expected values in \[-1, 1\] \(the lstm's h\)"):
        load_checkpoint(tmp_path / "big_h.npz")


def old_style_checkpoint(path: Path) -> Checkpoint:
    """A vanilla RNN's checkpoint as it was written before the cell was recorded: no ``cell`` setting."""
    config = TrainSettings(hidden_size=6, seq_length=10)
    state = train_step(initial_state(config, V), DATA, config, V)
    checkpoint = Checkpoint(config, VOCAB, state, "default", "0" * 64)
    arrays = checkpoint_arrays(checkpoint)
    recorded = json.loads(str(arrays["settings"]))
    del recorded["cell"]
    np.savez(path, **(arrays | {"settings": np.array(json.dumps(recorded))}))
    return checkpoint


def test_a_vanilla_rnn_checkpoint_has_the_entries_checkpoints_always_had():
    assert ENTRIES == (
        "param_W_h", "param_W_e", "param_b_1", "param_U", "param_b_2",
        "memory_W_h", "memory_W_e", "memory_b_1", "memory_U", "memory_b_2",
        "h", "losses", "vocab", "settings", "progress", "rng",
    )  # fmt: skip
    config = TrainSettings(hidden_size=6, seq_length=10)
    arrays = checkpoint_arrays(Checkpoint(config, VOCAB, initial_state(config, V), "default", "0" * 64))
    assert tuple(arrays) == ENTRIES


def test_a_checkpoint_written_before_the_cell_was_recorded_loads_as_the_vanilla_rnn(tmp_path: Path):
    written = old_style_checkpoint(tmp_path / "old.npz")
    loaded = load_checkpoint(tmp_path / "old.npz")
    assert loaded.settings == written.settings and loaded.settings.cell == "rnn"
    for name, value in written.state.params.as_dict().items():
        np.testing.assert_array_equal(getattr(loaded.state.params, name), value)


def test_an_old_rnn_checkpoint_resumes_from_the_command_line(tmp_path: Path):
    corpus = write_corpus(tmp_path)
    old_style_checkpoint(tmp_path / "old.npz")
    code, out, err = run("train", str(corpus), "--resume", str(tmp_path / "old.npz"), "--steps", "2", "--quiet")
    assert code == 0, err
    assert load_checkpoint(tmp_path / "old.npz").state.step == 2


def test_resuming_with_another_cell_is_refused_naming_the_option_the_checkpoint_and_the_request(tmp_path: Path):
    corpus, target = write_corpus(tmp_path), tmp_path / "lstm.npz"
    common = ["--hidden-size", "6", "--seq-length", "10", "--quiet", "--sample-every", "0"]
    assert run("train", str(corpus), "--cell", "lstm", "--steps", "2", "--checkpoint", str(target), *common)[0] == 0
    before = target.read_bytes()
    code, _, err = run("train", str(corpus), "--resume", str(target), "--cell", "gru", "--steps", "4")
    assert code == 1
    assert err.startswith("rnn-math: error: --cell gru: the checkpoint ")
    assert "holds a model of the lstm cell, not the gru cell asked for" in err
    assert target.read_bytes() == before  # nothing written


def test_resuming_with_the_checkpoints_own_cell_continues(tmp_path: Path):
    corpus, target = write_corpus(tmp_path), tmp_path / "gru.npz"
    common = ["--hidden-size", "6", "--seq-length", "10", "--quiet", "--sample-every", "0"]
    assert run("train", str(corpus), "--cell", "gru", "--steps", "2", "--checkpoint", str(target), *common)[0] == 0
    assert run("train", str(corpus), "--resume", str(target), "--cell", "gru", "--steps", "3", "--quiet")[0] == 0
    assert load_checkpoint(target).state.step == 3 and load_checkpoint(target).settings.cell == "gru"


# Sampling.


@pytest.mark.parametrize("cell", GATED)
def test_sampling_from_a_gated_checkpoint_gives_text_of_the_asked_length_over_the_vocabulary(tmp_path: Path, cell):
    corpus, target = write_corpus(tmp_path), tmp_path / "model.npz"
    trained = run(
        "train", str(corpus), "--cell", cell, "--steps", "8", "--checkpoint", str(target),
        "--hidden-size", "6", "--seq-length", "10", "--quiet",
    )  # fmt: skip
    assert trained[0] == 0, trained[2]
    code, out, err = run("sample", "--checkpoint", str(target), "--length", "57", "--seed", "4")
    assert code == 0, err
    assert out.endswith("\n") and len(out[:-1]) == 57
    assert set(out[:-1]) <= set(VOCAB.chars)


@pytest.mark.parametrize("cell", GATED)
def test_a_sampling_step_of_a_gated_cell_gives_the_logits_and_state_of_its_forward_pass(cell: str):
    config = settings(cell, init_scale=0.5)
    params = initial_state(config, V).params
    inputs = one_hot(DATA[:3], V)
    state = zero_state(CELLS[cell], 6)
    logits = []
    for x_t in inputs:
        state, theta = step(params, state, x_t, "tanh")
        logits.append(theta)
    forward = lstm_forward(params, inputs, DATA[1:4]) if cell == "lstm" else gru_forward(params, inputs, DATA[1:4])
    np.testing.assert_allclose(np.array(logits), forward.theta[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(state["h"], forward.h[0, -1], rtol=1e-13, atol=1e-15)
