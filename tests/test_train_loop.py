"""The training loop: it learns, it is built from the proven functions, and it walks the corpus as stated."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from rnn_math.apps.errors import InputError
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus, one_hot
from rnn_math.apps.training.metrics import uniform_loss
from rnn_math.apps.training.sampling import sample
from rnn_math.apps.training.settings import TrainSettings
from rnn_math.apps.training.train_loop import TrainState, initial_state, smoothed_curve, train, train_step
from rnn_math.core.clipping import clip_elementwise
from rnn_math.core.optimizers import adagrad_memory, adagrad_update, sgd_update
from rnn_math.rnn.bptt import bptt

SMALL = TrainSettings(hidden_size=24, seq_length=20, seed=3)


@cache
def corpus() -> tuple[CharVocabulary, np.ndarray, str]:
    text = default_corpus().text
    vocab = CharVocabulary.from_text(text)
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
    return run(initial_state(SMALL, len(vocab)), data, SMALL, len(vocab), steps)


def run(state: TrainState, data: np.ndarray, settings: TrainSettings, vocab_size: int, until: int) -> TrainState:
    for state in train(state, data, settings, vocab_size, until):  # noqa: B007, B020 (each step's new state)
        pass
    return state


def test_a_short_seeded_run_falls_well_below_the_uniform_baseline():
    vocab, _, _ = corpus()
    state = trained()
    assert state.smoothed < uniform_loss(len(vocab)) - 0.8  # nats per character
    assert np.mean(state.losses[-50:]) < np.mean(state.losses[:50]) - 0.7


def test_a_run_that_cannot_learn_does_not_pass_the_learning_test():
    # Negative control for the test above: with a step size of 1e-6 the weights hardly move.
    vocab, data, _ = corpus()
    settings = TrainSettings(hidden_size=24, seq_length=20, seed=3, learning_rate=1e-6)
    state = run(initial_state(settings, len(vocab)), data, settings, len(vocab), 600)
    assert state.smoothed > uniform_loss(len(vocab)) - 0.8
    assert np.mean(state.losses[-50:]) > np.mean(state.losses[:50]) - 0.7


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
    result = bptt(
        before, one_hot(data[:T], V), data[1 : T + 1], activation=SMALL.activation, h_0=np.zeros(SMALL.hidden_size)
    )
    grads = clip_elementwise(result.grads.as_dict(), SMALL.clip_threshold)
    expected = {
        name: adagrad_update(value, grads[name], adagrad_memory(np.zeros_like(value), grads[name]), SMALL.learning_rate)
        for name, value in before.as_dict().items()
    }
    state = train_step(state, data, SMALL, V)
    assert state.losses[-1] == result.loss / T
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
    state = train_step(state, data, settings, len(vocab))
    np.testing.assert_array_equal(state.params.U, sgd_update(before.U, result.grads.grad_U, 0.01))
    assert all(not m.any() for m in state.memory.values())


def _last_hidden_state(state: TrainState, data: np.ndarray, start: int, h_0: np.ndarray, V: int) -> np.ndarray:
    """h^T of BPTT over the chunk at `start`, from `h_0`, with the state's parameters."""
    T = SMALL.seq_length
    chunk = bptt(
        state.params,
        one_hot(data[start : start + T], V),
        data[start + 1 : start + T + 1],
        activation=SMALL.activation,
        h_0=h_0,
    )
    return chunk.forward.h[-1]


#: 52 characters: two chunks of 20 fit (the second needs characters 20 to 40), a third does not.
WRAPPING_TEXT = "abcdefghijklmnoprstuvwxyz\n" * 2


def test_the_hidden_state_is_carried_from_one_chunk_into_the_next():
    vocab, _, _ = corpus()
    data, V = vocab.encode(WRAPPING_TEXT), len(vocab)
    first = train_step(initial_state(SMALL, V), data, SMALL, V)
    second = train_step(first, data, SMALL, V)
    np.testing.assert_array_equal(second.h, _last_hidden_state(first, data, 20, first.h, V))
    # Negative control: starting the second chunk from zeros gives another h^T.
    assert not np.array_equal(second.h, _last_hidden_state(first, data, 20, np.zeros_like(first.h), V))


def test_the_hidden_state_is_reset_to_zero_when_the_walk_wraps():
    vocab, _, _ = corpus()
    data, V = vocab.encode(WRAPPING_TEXT), len(vocab)
    before = run(initial_state(SMALL, V), data, SMALL, V, 2)
    assert before.position == 40 and np.any(before.h != 0)
    wrapped = train_step(before, data, SMALL, V)  # 40 + 21 > 52: back to the start, from h = 0
    assert wrapped.position == 20
    np.testing.assert_array_equal(wrapped.h, _last_hidden_state(before, data, 0, np.zeros_like(before.h), V))
    # Negative control: a wrap that kept the carried state ends elsewhere.
    assert not np.array_equal(wrapped.h, _last_hidden_state(before, data, 0, before.h, V))


def test_the_last_chunk_that_exactly_fits_is_used_before_the_walk_wraps():
    vocab, _, _ = corpus()
    T = SMALL.seq_length
    data, V = (
        vocab.encode(WRAPPING_TEXT[: 2 * T + 1]),
        len(vocab),
    )  # the second chunk's last target is the last character
    first = train_step(initial_state(SMALL, V), data, SMALL, V)
    second = train_step(first, data, SMALL, V)
    assert second.position == 2 * T  # not wrapped one chunk early
    np.testing.assert_array_equal(second.h, _last_hidden_state(first, data, T, first.h, V))


def test_a_step_leaves_the_state_it_was_given_unchanged():
    vocab, data, _ = corpus()
    state = initial_state(SMALL, len(vocab))
    W_h, h = state.params.W_h.copy(), state.h.copy()
    new = train_step(state, data, SMALL, len(vocab))
    assert (state.step, state.position, len(state.losses)) == (0, 0, 0) and new.step == 1
    np.testing.assert_array_equal(state.params.W_h, W_h)
    np.testing.assert_array_equal(state.h, h)


def test_the_same_seed_gives_the_same_model_and_another_seed_another():
    vocab, data, _ = corpus()
    runs = {}
    for seed in (1, 1, 2):
        settings = TrainSettings(hidden_size=8, seq_length=10, seed=seed)
        state = run(initial_state(settings, len(vocab)), data, settings, len(vocab), 5)
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
        ("hidden_size", 0),
        ("hidden_size", -4),
        ("seq_length", 0),
        ("learning_rate", 0.0),
        ("learning_rate", -0.1),
        ("learning_rate", float("nan")),
        ("clip_threshold", 0.0),
        ("init_scale", -1.0),
        ("seed", -1),
        ("smoothing", 1.0),
        ("activation", "relu"),
        ("optimizer", "adam"),
        ("clip", "sometimes"),
        ("hidden_size", 2.5),
    ],
)
def test_a_bad_setting_is_refused_naming_it(field: str, value: object):
    with pytest.raises(InputError, match=rf"^{field}: expected"):
        TrainSettings(**{field: value})


def test_appending_to_a_loss_history_leaves_the_shorter_one_unchanged():
    from rnn_math.apps.training.train_loop import LossHistory

    short = LossHistory().appended(1.0).appended(2.0)  # built by appending: its buffer has room to spare
    longer = short.appended(3.0)
    assert list(short) == [1.0, 2.0] and list(longer) == [1.0, 2.0, 3.0]


def test_two_appends_to_the_same_loss_history_do_not_overwrite_each_other():
    from rnn_math.apps.training.train_loop import LossHistory

    base = LossHistory().appended(1.0)  # room to spare: both appends would write the same slot
    first, second = base.appended(2.0), base.appended(5.0)  # a step redone after an interrupt
    assert list(first) == [1.0, 2.0] and list(second) == [1.0, 5.0]


def test_a_loss_history_grows_past_its_buffer_without_losing_values():
    from rnn_math.apps.training.train_loop import LossHistory

    history = LossHistory()
    for value in range(100):
        history = history.appended(float(value))
    assert list(history) == [float(v) for v in range(100)] and history[-1] == 99.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hidden_size", True),
        ("seq_length", 10.0),
        ("seed", 1.5),
        ("seed", True),
        ("learning_rate", float("inf")),
        ("learning_rate", "0.1"),
        ("learning_rate", True),
        ("init_scale", float("inf")),
        ("init_scale", float("nan")),
        ("clip_threshold", float("-inf")),
        ("smoothing", float("nan")),
        ("hidden_size", None),
    ],
)
def test_a_setting_of_the_wrong_type_or_not_finite_is_refused_naming_it(field: str, value: object):
    with pytest.raises(InputError, match=rf"^{field}: expected"):
        TrainSettings(**{field: value})


def test_numpy_scalars_are_accepted_as_settings_and_stored_as_plain_numbers():
    import json

    settings = TrainSettings(hidden_size=np.int64(8), seed=np.uint8(3), learning_rate=np.float32(0.5))
    assert type(settings.hidden_size) is int and type(settings.seed) is int and type(settings.learning_rate) is float
    assert TrainSettings(**json.loads(json.dumps(settings.as_dict()))) == settings
