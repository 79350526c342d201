"""Sampling: the whole prime is read, the stream equals the in-memory text, and bad input is named."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.apps.errors import InputError
from rnn_math.apps.training.corpus import CharVocabulary
from rnn_math.apps.training.sampling import MAX_SAMPLE_LENGTH, generate, sample, sampling_distribution
from rnn_math.rnn.params import RNNParams

VOCAB = CharVocabulary(tuple("abcdefgh"))


def successor_model(V: int = len(VOCAB), gain: float = 20.0) -> RNNParams:
    """A model whose next character is, almost surely, the one after the current input.

    Hidden unit i is tanh(5) ≈ 1 exactly when the input is character i (W_h = 0: no memory), and
    U sends unit i to the logit of character i + 1 (cyclically) with weight `gain`.
    """
    U = gain * np.roll(np.eye(V), 1, axis=0)
    return RNNParams(W_h=np.zeros((V, V)), W_e=5.0 * np.eye(V), b_1=np.zeros(V), U=U, b_2=np.zeros(V))


def run(prime: str, length: int = 5, **kwargs) -> str:
    return sample(
        successor_model(),
        VOCAB,
        activation="tanh",
        length=length,
        rng=np.random.default_rng(0),
        prime=prime,
        temperature=kwargs.pop("temperature", 0.1),
        **kwargs,
    )


def test_the_continuation_starts_after_the_last_character_of_the_prime():
    assert run("ab") == "cdefg"
    assert run("ad") == "efgha"  # the same first character, another last one: another continuation


def test_a_one_character_prime_is_continued_from_that_character():
    assert run("f") == "ghabc"


def test_the_stream_gives_the_same_characters_as_the_in_memory_sample():
    params, vocab = successor_model(gain=1.0), VOCAB  # a soft model: the draws matter
    text = sample(params, vocab, activation="tanh", length=200, rng=np.random.default_rng(4), prime="ce")
    stream = generate(params, vocab, activation="tanh", rng=np.random.default_rng(4), prime="ce")
    assert "".join(next(stream) for _ in range(200)) == text
    assert len(set(text)) > 3  # the soft model really draws, so the equality is not trivial


@pytest.mark.parametrize("temperature", [np.float64(0.1), np.float32(0.1), np.int64(1), 0.1])
def test_numpy_scalar_temperatures_are_accepted(temperature):
    assert run("ab", temperature=temperature)[:1] == "c"


def test_a_temperature_so_small_that_the_logits_overflow_is_the_greedy_choice_not_nan():
    assert run("ab", temperature=1e-310) == "cdefg"


def test_the_distribution_at_an_underflowing_temperature_is_its_limit_with_ties_shared():
    p = sampling_distribution(np.array([1.0, 3.0, 3.0, -2.0]), 1e-308)
    np.testing.assert_array_equal(p, [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan"), float("inf"), True, "1", np.bool_(True)])
def test_a_bad_temperature_is_refused_naming_it(temperature):
    with pytest.raises(InputError, match="^temperature: expected a positive finite number"):
        run("ab", temperature=temperature)


def test_an_h_0_of_the_wrong_shape_is_refused_naming_it():
    with pytest.raises(
        InputError, match=r"^h_0: expected a float array of shape \(8,\), got dtype float64 and shape \(7,\)"
    ):
        run("ab", h_0=np.zeros(7))


def test_an_h_0_with_a_nan_is_refused_naming_it():
    h_0 = np.zeros(8)
    h_0[3] = np.nan
    with pytest.raises(InputError, match="^h_0: expected finite values, got 1 NaN"):
        run("ab", h_0=h_0)


def test_an_integer_h_0_is_refused_naming_it():
    with pytest.raises(InputError, match="^h_0: expected a float array"):
        run("ab", h_0=np.zeros(8, dtype=int))


@pytest.mark.parametrize("rng", [0, np.random.RandomState(0), None])
def test_an_rng_that_is_not_a_numpy_generator_is_refused_naming_it(rng):
    with pytest.raises(InputError, match=r"^rng: expected a numpy.random.Generator"):
        sample(successor_model(), VOCAB, activation="tanh", length=3, rng=rng)


def test_a_length_above_the_in_memory_limit_is_refused_pointing_to_the_stream():
    with pytest.raises(
        InputError, match=rf"^length: expected an integer from 0 to {MAX_SAMPLE_LENGTH} \(generate\(\) streams"
    ):
        run("ab", length=MAX_SAMPLE_LENGTH + 1)


def test_a_zero_length_still_checks_the_prime():
    with pytest.raises(InputError, match="^prime: has characters the model does not know"):
        run("xyz", length=0)


def test_weights_whose_logits_overflow_are_refused_with_a_sentence():
    model = successor_model(gain=1e308)  # finite weights, but U h + b_2 exceeds the float range
    params = RNNParams(W_h=model.W_h, W_e=model.W_e, b_1=model.b_1, U=model.U, b_2=np.full(len(VOCAB), 1e308))
    with pytest.raises(InputError, match="^params: the logits overflow"):
        sample(params, VOCAB, activation="tanh", length=3, rng=np.random.default_rng(0), prime="ab")
