"""The catalogue of wrong gradients: complete, well-formed, extensible, and each one really wrong."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.rnn.mistakes import Mistake, all_mistakes, get_mistake, register_mistake, rnn_gradients, wrong_bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.core.registry import registry

REQUIRED = {
    "no-recurrent-term": "eq-bptt-hidden-grad",
    "slope-at-hidden-state": "eq-bptt-delta",
    "untransposed-recurrent-weights": "eq-bptt-hidden-grad",
    "last-step-only": "eq-bptt-grad-wh",
    "output-gradient-sign": "eq-bptt-output-grad",
}


def test_the_catalogue_holds_the_required_mistakes_with_their_equations():
    assert {m.name: m.eq_id for m in all_mistakes("rnn")}.items() >= REQUIRED.items()
    assert {name: get_mistake(name).eq_id for name in REQUIRED} == REQUIRED


def test_every_mistake_corrupts_a_registered_equation_and_shows_a_formula():
    equations = registry()
    for mistake in all_mistakes():
        assert mistake.eq_id in equations
        assert mistake.wrong_latex.strip() and mistake.wrong_latex != equations[mistake.eq_id].latex
        assert mistake.description.strip() and "\n" not in mistake.description


@pytest.mark.parametrize("mistake", all_mistakes("rnn"), ids=lambda m: m.name)
def test_every_mistake_changes_the_gradients_of_a_small_network(mistake):
    # Three steps: with h^0 = 0 the first term of the W_h sum vanishes, so at T = 2 "last step only" is exact.
    params = RNNParams.random(d=2, D_h=2, V=3, seed=1, scale=0.8)
    xs, targets = np.random.default_rng(2).standard_normal((3, 2)), np.array([0, 2, 1])
    right, wrong = rnn_gradients(params, xs, targets), wrong_bptt(mistake, params, xs, targets)
    differences = [np.max(np.abs(wrong.grads.as_dict()[k] - v)) for k, v in right.grads.as_dict().items()]
    assert max(differences) > 1e-3


def test_a_mistake_is_found_by_name_and_an_unknown_name_is_refused():
    assert wrong_bptt("last-step-only", RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1])).loss > 0
    with pytest.raises(KeyError, match="no mistake is called 'nope'"):
        get_mistake("nope")


def test_registering_a_second_mistake_under_a_taken_name_is_refused():
    taken = get_mistake("last-step-only")
    clone = Mistake(taken.name, taken.eq_id, taken.title, taken.description, taken.wrong_latex, taken.numpy, taken.sympy)
    with pytest.raises(ValueError, match="already registered"):
        register_mistake(clone)


def test_a_malformed_mistake_is_refused():
    with pytest.raises(ValueError, match="name: expected lower-case words"):
        Mistake("Bad Name", "eq-bptt-delta", "t", "d", "x", np.add, np.add)
    with pytest.raises(ValueError, match="eq_id: expected an equation id"):
        Mistake("fine-name", "bptt-delta", "t", "d", "x", np.add, np.add)


def test_a_mistake_of_another_model_is_not_substituted_into_the_rnn():
    other = Mistake("other-model-example", "eq-bptt-delta", "t", "d", "x", np.add, np.add, model="other")
    with pytest.raises(ValueError, match="expected a mistake of the 'rnn' model"):
        wrong_bptt(other, RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1]))


def test_replacing_an_unknown_equation_is_refused():
    with pytest.raises(ValueError, match="replace: expected equation ids"):
        rnn_gradients(RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1]), replace={"eq-nope": np.add})
