"""The training loop: it learns, it is built from the proven functions, and it walks the corpus as stated."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from rnn_math.bptt import bptt
from rnn_math.clipping import clip_elementwise
from rnn_math.corpus import InputError, Vocabulary, default_corpus, one_hot
from rnn_math.sampling import sample
from rnn_math.train import (
    TrainSettings,
    adagrad_memory,
    adagrad_update,
    initial_state,
    sgd_update,
    smoothed_curve,
    train,
    train_step,
    uniform_loss,
)

SMALL = TrainSettings(hidden_size=24, seq_length=20, seed=3)


@cache
def corpus() -> tuple[Vocabulary, np.ndarray, str]:
    text = default_corpus().text
    vocab = Vocabulary.from_text(text)
    return vocab, vocab.encode(text), text


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def bigram_share(sample_text: str, known: set[str]) -> float:
    """Share of the sample's character pairs that occur somewhere in the corpus."""
    pairs = [sample_text[i : i + 2] for i in range(len(sample_text) - 1)]
    return sum(p in known for p in pairs) / len(pairs)


@cache
def trained(steps: int = 600):
    vocab, data, _ = corpus()
    state = initial_state(SMALL, len(vocab))
    for _ in train(state, data, SMALL, len(vocab), steps):
        pass
    return state


def test_a_short_seeded_run_falls_well_below_the_uniform_baseline():
    vocab, _, _ = corpus()
    state = trained()
    assert state.smoothed < uniform_loss(len(vocab)) - 0.8  # nats per character
    assert np.mean(state.losses[-50:]) < np.mean(state.losses[:50]) - 0.8


def test_samples_of_the_trained_model_look_like_the_corpus_and_those_of_an_untrained_one_do_not():
    vocab, _, text = corpus()
    known = bigrams(text)
    state = trained()
    trained_text = sample(state.params, vocab, activation=SMALL.activation, length=600, rng=np.random.default_rng(0))
    untrained = initial_state(SMALL, len(vocab))
    noise = sample(untrained.params, vocab, activation=SMALL.activation, length=600, rng=np.random.default_rng(0))
    assert bigram_share(trained_text, known) > 0.9
    assert bigram_share(noise, known) < 0.75  # the negative control: noise is caught
    lengths = [len(w) for w in trained_text.split()]
    corpus_lengths = [len(w) for w in text.split()]
    assert abs(np.median(lengths) - np.median(corpus_lengths)) <= 3


def test_one_step_is_bptt_then_clipping_then_adagrad_and_nothing_else():
    vocab, data, _ = corpus()
    V, T = len(vocab), SMALL.seq_length
    state = initial_state(SMALL, V)
    before = state.params
    result = bptt(before, one_hot(data[:T], V), data[1 : T + 1], activation=SMALL.activation, h_0=np.zeros(SMALL.hidden_size))
    grads = clip_elementwise(result.grads.as_dict(), SMALL.clip_threshold)
    expected = {
        name: adagrad_update(value, grads[name], adagrad_memory(np.zeros_like(value), grads[name]), SMALL.learning_rate)
        for name, value in before.as_dict().items()
    }
    loss = train_step(state, data, SMALL, V)
    assert loss == result.loss / T
    for name, value in state.params.as_dict().items():
        np.testing.assert_array_equal(value, expected[name])
    np.testing.assert_array_equal(state.h, result.forward.h[-1])
    # Negative control: the SGD rule on the same gradients gives other parameters.
    assert not np.array_equal(state.params.W_h, sgd_update(before.W_h, grads["W_h"], SMALL.learning_rate))


def test_sgd_settings_use_the_sgd_rule_and_leave_the_memory_alone():
    vocab, data, _ = corpus()
    settings = TrainSettings(hidden_size=8, seq_length=10, optimizer="sgd", clip="none", learning_rate=0.01)
    state = initial_state(settings, len(vocab))
    before = state.params
    result = bptt(before, one_hot(data[:10], len(vocab)), data[1:11], activation="tanh", h_0=np.zeros(8))
    train_step(state, data, settings, len(vocab))
    np.testing.assert_array_equal(state.params.U, sgd_update(before.U, result.grads.grad_U, 0.01))
    assert all(not m.any() for m in state.memory.values())


def test_the_hidden_state_is_carried_between_chunks_and_reset_when_the_walk_wraps():
    vocab, _, _ = corpus()
    data = vocab.encode("abcdefghijklmnoprstuvwxyz\n" * 2)  # 52 characters: two chunks of 20 fit
    state = initial_state(SMALL, len(vocab))
    for _ in train(state, data, SMALL, len(vocab), 2):
        pass
    assert state.position == 40 and np.any(state.h != 0)
    train_step(state, data, SMALL, len(vocab))  # 40 + 21 > 52: back to the start
    assert state.position == 20


def test_the_same_seed_gives_the_same_model_and_another_seed_another():
    vocab, data, _ = corpus()
    runs = {}
    for seed in (1, 1, 2):
        settings = TrainSettings(hidden_size=8, seq_length=10, seed=seed)
        state = initial_state(settings, len(vocab))
        for _ in train(state, data, settings, len(vocab), 5):
            pass
        runs.setdefault(seed, []).append(state.params.W_h)
    np.testing.assert_array_equal(runs[1][0], runs[1][1])
    assert not np.array_equal(runs[1][0], runs[2][0])


def test_smoothed_curve_ends_at_the_loops_smoothed_loss():
    vocab, _, _ = corpus()
    state = trained()
    curve = smoothed_curve(state.losses, len(vocab), SMALL.smoothing)
    assert curve[0] == [0, uniform_loss(len(vocab))]
    assert curve[-1] == [len(state.losses), state.smoothed]
    assert len(curve) <= 202


def test_a_corpus_shorter_than_one_chunk_is_refused_before_any_step():
    vocab, _, _ = corpus()
    state = initial_state(SMALL, len(vocab))
    with pytest.raises(InputError, match="fewer than one sequence of 20 inputs"):
        next(train(state, vocab.encode("abc"), SMALL, len(vocab), 1))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hidden_size", 0), ("hidden_size", -4), ("seq_length", 0), ("learning_rate", 0.0),
        ("learning_rate", -0.1), ("learning_rate", float("nan")), ("clip_threshold", 0.0),
        ("init_scale", -1.0), ("seed", -1), ("smoothing", 1.0), ("activation", "relu"),
        ("optimizer", "adam"), ("clip", "sometimes"), ("hidden_size", 2.5),
    ],
)
def test_a_bad_setting_is_refused_naming_it(field: str, value: object):
    with pytest.raises(InputError, match=rf"^{field}: expected"):
        TrainSettings(**{field: value})
