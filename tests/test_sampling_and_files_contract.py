"""Sampling's draw and length rules, the output-path checks and the packaged corpus, in detail.

Each test pins one behaviour a small wrong edit of rnn_math/apps/training/sampling.py, rnn_math/apps/safe_files.py or
rnn_math/apps/training/corpus.py would change.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rnn_math.apps import safe_files
from rnn_math.apps.errors import InputError
from rnn_math.apps.safe_files import check_output_paths
from rnn_math.apps.training import corpus as corpus_module
from rnn_math.apps.training import sampling
from rnn_math.apps.training.corpus import CharVocabulary, default_corpus
from rnn_math.apps.training.sampling import draw, sample
from rnn_math.rnn.params import RNNParams

VOCAB = CharVocabulary.from_text("abc")
PARAMS = RNNParams.random(d=3, D_h=4, V=3, seed=0)


class FixedDraw:
    """A stand-in generator whose uniform draw is chosen by the test."""

    def __init__(self, u: float):
        self.u = u

    def random(self) -> float:
        return self.u


# Drawing an index.


def test_a_draw_on_a_boundary_belongs_to_the_next_index_so_a_zero_probability_is_never_drawn():
    assert draw(np.array([0.5, 0.0, 0.5]), FixedDraw(0.5)) == 2


def test_the_uniform_draw_is_scaled_by_the_sum_of_the_probabilities():
    assert draw(np.array([1.0, 1.0]), FixedDraw(0.75)) == 1
    assert draw(np.array([1.0, 1.0]), FixedDraw(0.25)) == 0


def test_float32_probabilities_are_summed_in_float64():
    # In float32, 0.5 + 2^-25 rounds back to 0.5: the middle index would own no interval at all.
    p = np.array([0.5, 2.0**-25, 0.5 - 2.0**-25], dtype=np.float32)
    assert draw(p, FixedDraw(0.5 + 2.0**-26)) == 1


# Lengths.


def test_a_length_that_is_not_an_integer_is_refused_with_the_range_and_what_came():
    message = "length: expected an integer from 0 to 1000000 (generate() streams longer texts), got 2.5"
    with pytest.raises(InputError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        sample(PARAMS, VOCAB, activation="tanh", length=2.5, rng=np.random.default_rng(0), prime="a")


def test_the_longest_length_allowed_is_accepted(monkeypatch):
    monkeypatch.setattr(sampling, "MAX_SAMPLE_LENGTH", 3)
    assert len(sample(PARAMS, VOCAB, activation="tanh", length=3, rng=np.random.default_rng(0), prime="a")) == 3
    with pytest.raises(InputError):
        sample(PARAMS, VOCAB, activation="tanh", length=4, rng=np.random.default_rng(0), prime="a")


def test_a_sample_of_length_zero_is_empty():
    assert sample(PARAMS, VOCAB, activation="tanh", length=0, rng=np.random.default_rng(0), prime="a") == ""


def test_a_sample_of_length_zero_still_checks_the_initial_state():
    with pytest.raises(InputError, match=r"^h_0: expected a float array of shape \(4,\)"):
        sample(PARAMS, VOCAB, activation="tanh", length=0, rng=np.random.default_rng(0), prime="a", h_0=np.zeros(5))


# Output paths.


def test_an_output_folder_we_may_not_write_in_is_refused_before_anything_runs(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(safe_files.os, "access", lambda path, mode: not mode & os.W_OK)  # a read-only folder
    with pytest.raises(InputError, match=r"^--checkpoint: cannot write in the folder "):
        check_output_paths({"--checkpoint": tmp_path / "m.npz"}, {})


def test_two_outputs_naming_one_file_are_refused_naming_both_in_order(tmp_path: Path):
    same = tmp_path / "x.npz"
    message = (
        f"--checkpoint and --report are the same file ({same}); writing one would destroy "
        "the other, so nothing was written"
    )
    with pytest.raises(InputError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        check_output_paths({"--checkpoint": same, "--report": same}, {"corpus": tmp_path / "c.txt"})


# The packaged corpus.


class _Packaged:
    """The packaged data folder on a machine whose locale encoding is not UTF-8."""

    def __init__(self, text: str):
        self.text = text

    def joinpath(self, *parts):
        return self

    def read_text(self, encoding=None):
        return self.text.encode("utf-8").decode(encoding or "latin-1")


def test_the_packaged_corpus_is_read_as_utf_8_whatever_the_locale(monkeypatch):
    monkeypatch.setattr(corpus_module.resources, "files", lambda package: _Packaged("Zoë\nAnaïs\n"))
    assert default_corpus().text == "Zoë\nAnaïs\n"


def test_a_sampling_step_applies_the_activation_it_is_given():
    x = np.eye(3)[1]
    z = PARAMS.W_h @ np.zeros(4) + PARAMS.W_e @ x + PARAMS.b_1
    state, _ = sampling.step(PARAMS, {"h": np.zeros(4)}, x, "tanh")
    h_t = state["h"]
    np.testing.assert_allclose(h_t, np.tanh(z), rtol=1e-14, atol=0)
    assert np.any(h_t < 0)  # a sigmoid would give none


# Inputs of a sample.

RNG = np.random.default_rng


def test_an_empty_prime_is_refused_with_what_came():
    with pytest.raises(InputError, match=r"^prime: expected at least one character to start from, got ''$"):
        sample(PARAMS, VOCAB, activation="tanh", length=3, rng=RNG(0), prime="")


def test_a_generator_of_another_kind_is_refused_naming_its_type():
    with pytest.raises(InputError, match=r"got RandomState$"):
        sample(PARAMS, VOCAB, activation="tanh", length=3, rng=np.random.RandomState(0), prime="a")


def test_parameters_whose_output_size_is_not_the_vocabularys_are_refused_with_both_sizes():
    wide = RNNParams.random(d=3, D_h=4, V=4, seed=0)
    message = "params: expected d = |V| = 3 (one-hot inputs over the vocabulary), got d = 3, |V| = 4"
    with pytest.raises(InputError, match=f"^{message.replace('(', '[(]').replace(')', '[)]').replace('|', '[|]')}$"):
        sample(wide, VOCAB, activation="tanh", length=3, rng=RNG(0), prime="a")


def test_a_given_initial_state_is_the_state_the_first_step_reads(monkeypatch):
    first, real_step = [], sampling.step

    def spy(params, state, x_t, activation):
        first.append(state["h"].copy())
        return real_step(params, state, x_t, activation)

    monkeypatch.setattr(sampling, "step", spy)
    sample(PARAMS, VOCAB, activation="tanh", length=1, rng=RNG(1), prime="a", h_0=np.full(4, 0.5))
    np.testing.assert_array_equal(first[0], np.full(4, 0.5))


def test_the_default_prime_is_a_line_break():
    lines = CharVocabulary.from_text("ab\n")
    default = sampling.generate(PARAMS, lines, activation="tanh", rng=RNG(2))
    explicit = sampling.generate(PARAMS, lines, activation="tanh", rng=RNG(2), prime="\n")
    assert [next(default) for _ in range(20)] == [next(explicit) for _ in range(20)]


def test_float32_parameters_are_sampled_in_float32_throughout(monkeypatch):
    p32 = RNNParams(**{name: value.astype(np.float32) for name, value in PARAMS.as_dict().items()})
    seen, real_step = [], sampling.step

    def spy(params, state, x_t, activation):
        seen.append((state["h"].dtype, x_t.dtype))
        return real_step(params, state, x_t, activation)

    monkeypatch.setattr(sampling, "step", spy)
    sample(p32, VOCAB, activation="tanh", length=3, rng=RNG(0), prime="ab")
    sample(p32, VOCAB, activation="tanh", length=3, rng=RNG(0), prime="ab", h_0=np.zeros(4))  # a float64 h_0
    assert len(seen) == 2 * (2 + 2) and set(seen) == {(np.dtype(np.float32), np.dtype(np.float32))}


def test_at_a_vanishing_temperature_each_row_of_logits_puts_its_probability_on_its_own_largest():
    theta = np.array([[1.0, 3.0, 3.0], [5.0, 0.0, 4.0]])
    p = sampling.sampling_distribution(theta, 1e-320)
    np.testing.assert_array_equal(p, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize(("T", "error"), [(0, ValueError), (True, ValueError), (1.5, ValueError)])
def test_untying_refuses_a_number_of_steps_that_is_not_a_positive_integer(T, error):
    from rnn_math.rnn.unrolled import untie

    with pytest.raises(error, match=f"^T: expected a positive integer, got {T!r}$"):
        untie(PARAMS.as_dict(), T)


def test_untying_over_one_step_gives_one_copy_of_each_parameter():
    from rnn_math.rnn.unrolled import untie

    copies = untie(PARAMS.as_dict(), 1)
    for name, value in PARAMS.as_dict().items():
        np.testing.assert_array_equal(copies[name], value[None], err_msg=name)
