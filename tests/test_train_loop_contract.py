"""The training loop in detail: the walk's wrap, the clipping rule, divergence messages, loss histories.

Each test pins one behaviour a small wrong edit of rnn_math/apps/training/train_loop.py would change.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from rnn_math.apps.errors import TrainingDivergedError
from rnn_math.apps.training import cells, train_loop
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import LossHistory, clip_gradients, initial_state, train_step
from rnn_math.core.clipping import clip_by_global_norm, clip_elementwise

SETTINGS = TrainSettings(hidden_size=3, seq_length=5, seed=1, activation="tanh")
DATA = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1])  # exactly two chunks of five


def test_a_corpus_of_exactly_two_chunks_trains_on_the_first_again_after_the_first():
    # After [0:5) only five characters remain: one chunk but not its last target, so the walk wraps.
    first = train_step(initial_state(SETTINGS, 3), DATA, SETTINGS, 3)
    second = train_step(first, DATA, SETTINGS, 3)
    assert (first.position, second.position) == (5, 5)


# The clipping rule.

GRADS = {"W_h": np.array([[3.0, -4.0]]), "b_1": np.array([12.0])}  # global norm 13


def test_value_clipping_clips_each_entry():
    clipped = clip_gradients(GRADS, dataclasses.replace(SETTINGS, clip="value", clip_threshold=2.0))
    expected = clip_elementwise(GRADS, 2.0)
    for name in GRADS:
        np.testing.assert_array_equal(clipped[name], expected[name])


def test_norm_clipping_rescales_all_gradients_together():
    clipped = clip_gradients(GRADS, dataclasses.replace(SETTINGS, clip="norm", clip_threshold=6.5))
    expected, _ = clip_by_global_norm(GRADS, 6.5)
    for name in GRADS:
        np.testing.assert_array_equal(clipped[name], expected[name])
    np.testing.assert_allclose(clipped["b_1"], [6.0], rtol=1e-15)


def test_no_clipping_leaves_the_gradients_as_they_are():
    clipped = clip_gradients(GRADS, dataclasses.replace(SETTINGS, clip="none"))
    for name in GRADS:
        np.testing.assert_array_equal(clipped[name], GRADS[name])


# Divergence names the step and what stopped being finite.


def fake_bptt(change):
    real = cells.bptt

    def run(*args, **kwargs):
        return change(real(*args, **kwargs))

    return run


def test_a_step_whose_loss_is_not_finite_stops_naming_the_step_and_the_loss(monkeypatch):
    monkeypatch.setattr(cells, "bptt", fake_bptt(lambda result: dataclasses.replace(result, loss=np.inf)))
    with pytest.raises(TrainingDivergedError, match=r"^training diverged at step 1: the loss is inf$"):
        train_step(initial_state(SETTINGS, 3), DATA, SETTINGS, 3)


def test_a_step_whose_gradient_is_not_finite_stops_naming_the_step_and_the_gradient(monkeypatch):
    def blown(result):
        grads = dataclasses.replace(result.grads, grad_W_e=np.full_like(result.grads.grad_W_e, np.nan))
        return dataclasses.replace(result, grads=grads)

    monkeypatch.setattr(cells, "bptt", fake_bptt(blown))
    with pytest.raises(
        TrainingDivergedError, match=f"^{re.escape('training diverged at step 1: the gradient of W_e is not finite')}$"
    ):
        train_step(initial_state(SETTINGS, 3), DATA, SETTINGS, 3)


# Loss histories share storage but never each other's values.


def test_two_histories_appended_to_one_keep_their_own_last_values():
    base = LossHistory([1.0, 2.0])
    left, right = base.appended(3.0), base.appended(4.0)
    assert (base.tolist(), left.tolist(), right.tolist()) == ([1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 4.0])


def test_a_history_grows_past_its_first_storage_and_keeps_every_value():
    history = LossHistory()
    for value in range(40):
        history = history.appended(float(value))
    assert history.tolist() == [float(v) for v in range(40)]
    again = history.appended(99.0)
    assert history.tolist()[-1] == 39.0 and again.tolist()[-2:] == [39.0, 99.0]


def test_a_step_whose_adagrad_memory_overflows_stops_naming_it(monkeypatch):
    real = train_loop.apply_update

    def overflowing(*args):
        params, memory = real(*args)
        return params, {**memory, "U": np.full_like(memory["U"], np.inf)}

    monkeypatch.setattr(train_loop, "apply_update", overflowing)
    with pytest.raises(
        TrainingDivergedError, match=r"^training diverged at step 1: the Adagrad memory of U is not finite$"
    ):
        train_step(initial_state(SETTINGS, 3), DATA, SETTINGS, 3)


def test_a_step_whose_hidden_state_is_not_finite_stops_naming_it(monkeypatch):
    def blown(result):
        h = result.forward.h.copy()
        h[-1] = np.nan
        return dataclasses.replace(result, forward=dataclasses.replace(result.forward, h=h))

    monkeypatch.setattr(cells, "bptt", fake_bptt(blown))
    with pytest.raises(TrainingDivergedError, match=r"^training diverged at step 1: the hidden state h is not finite$"):
        train_step(initial_state(SETTINGS, 3), DATA, SETTINGS, 3)


def test_an_update_that_overflows_gives_non_finite_values_quietly_for_the_step_to_report():
    from rnn_math.rnn.params import RNNParams

    params = RNNParams.random(d=3, D_h=3, V=3, seed=0)
    grads = {name: np.full_like(value, 1e200) for name, value in params.as_dict().items()}
    memory = {name: np.zeros_like(value) for name, value in params.as_dict().items()}
    settings = dataclasses.replace(SETTINGS, optimizer="adagrad", learning_rate=1e308)
    new_params, _ = train_loop.apply_update(params, grads, memory, settings)  # inf / inf inside: no warning
    assert not np.all(np.isfinite(new_params["W_h"]))
