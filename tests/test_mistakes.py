"""The catalogues of wrong equations: one Mistake type, complete, well-formed, and each one really wrong."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_math.core.registry import registry
from rnn_math.rnn.composer import rnn_gradients, wrong_bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.verification.declaration import Check, Model, declare
from rnn_math.verification.mistakes import Mistake, all_mistakes, get_mistake

REQUIRED = {
    "no-recurrent-term": "eq-bptt-hidden-grad",
    "slope-at-hidden-state": "eq-bptt-delta",
    "untransposed-recurrent-weights": "eq-bptt-hidden-grad",
    "last-step-only": "eq-bptt-grad-wh",
    "output-gradient-sign": "eq-bptt-output-grad",
}


def test_the_rnn_catalogue_holds_the_required_mistakes_with_their_equations():
    assert {m.name: m.eq_id for m in all_mistakes("rnn")}.items() >= REQUIRED.items()
    assert {name: get_mistake(name).eq_id for name in REQUIRED} == REQUIRED


def test_every_mistake_corrupts_registered_equations_and_shows_a_formula():
    equations = registry()
    for mistake in all_mistakes():
        assert set(mistake.eq_ids) <= set(equations), mistake.name
        assert mistake.wrong_latex.strip() and all(mistake.wrong_latex != equations[e].latex for e in mistake.eq_ids)
        assert mistake.description.strip() and "\n" not in mistake.description


def test_mistake_names_are_unique_across_every_model():
    names = [m.name for m in all_mistakes()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mistake", all_mistakes("rnn"), ids=lambda m: m.name)
def test_every_mistake_changes_the_gradients_of_a_small_network(mistake):
    # Three steps: with h^0 = 0 the first term of the W_h sum vanishes, so at T = 2 "last step only" is exact.
    params = RNNParams.random(d=2, D_h=2, V=3, seed=1, scale=0.8)
    xs, targets = np.random.default_rng(2).standard_normal((3, 2)), np.array([0, 2, 1])
    right, wrong = rnn_gradients(params, xs, targets), wrong_bptt(mistake, params, xs, targets)
    differences = [np.max(np.abs(wrong.grads.as_dict()[k] - v)) for k, v in right.grads.as_dict().items()]
    differences.append(np.max(np.abs(wrong.grad_h_0 - right.grad_h_0)))  # a mistake may corrupt ∂L/∂h^0 alone
    assert max(differences) > 1e-3


def test_a_mistake_is_found_by_name_and_an_unknown_name_is_refused():
    assert wrong_bptt("last-step-only", RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1])).loss > 0
    with pytest.raises(KeyError, match="no mistake is called 'nope'"):
        get_mistake("nope")


def test_one_mistake_may_replace_several_equations():
    both = Mistake("two-at-once", "rnn", "t", "d", "x", numpy={"eq-bptt-delta": np.add, "eq-bptt-grad-wh": np.add})
    assert both.eq_ids == ("eq-bptt-delta", "eq-bptt-grad-wh")


def test_a_replacement_map_given_to_a_mistake_cannot_change_it_later():
    replacements = {"eq-bptt-delta": np.add}
    mistake = Mistake("kept-apart", "rnn", "t", "d", "x", numpy=replacements)
    replacements["eq-bptt-grad-wh"] = np.add
    assert mistake.eq_ids == ("eq-bptt-delta",)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("Bad Name", "rnn"), ValueError, "name: expected lower-case words"),
        (("fine-name", "Not A Model"), ValueError, "model: expected a model name"),
    ],
)
def test_a_malformed_name_or_model_is_refused(arguments, error, message):
    with pytest.raises(error, match=message):
        Mistake(*arguments, "t", "d", "x", numpy={"eq-bptt-delta": np.add})


def test_a_replacement_that_is_not_an_equation_id_or_not_a_function_is_refused():
    with pytest.raises(ValueError, match="numpy: expected equation ids"):
        Mistake("fine-name", "rnn", "t", "d", "x", numpy={"bptt-delta": np.add})
    with pytest.raises(TypeError, match=r"sympy\['eq-bptt-delta'\]: expected a function"):
        Mistake("fine-name", "rnn", "t", "d", "x", numpy={"eq-bptt-delta": np.add}, sympy={"eq-bptt-delta": 3})
    with pytest.raises(TypeError, match="numpy: expected a non-empty mapping"):
        Mistake("fine-name", "rnn", "t", "d", "x", numpy={})


def test_a_mistake_of_another_model_is_not_substituted_into_the_rnn():
    other = Mistake("other-model-example", "other", "t", "d", "x", numpy={"eq-bptt-delta": np.add})
    with pytest.raises(ValueError, match="expected a mistake of the 'rnn' model"):
        wrong_bptt(other, RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1]))


def test_replacing_an_unknown_equation_is_refused():
    with pytest.raises(ValueError, match="replace: expected equation ids"):
        rnn_gradients(RNNParams.random(1, 2, 2), np.ones((2, 1)), np.array([0, 1]), replace={"eq-nope": np.add})


def _model(name: str, mistakes: tuple[Mistake, ...], equations=("eq-bptt-delta",)) -> Model:
    return Model(name, "t", equations, (), checks=lambda: [], mistakes=mistakes)


def test_a_model_refuses_a_mistake_of_another_model_or_of_an_equation_it_does_not_declare():
    stray = Mistake("stray", "other", "t", "d", "x", numpy={"eq-bptt-delta": np.add})
    with pytest.raises(ValueError, match="a mistake of 'other', not of 'mine'"):
        _model("mine", (stray,))
    outside = Mistake("outside", "mine", "t", "d", "x", numpy={"eq-bptt-grad-wh": np.add})
    with pytest.raises(ValueError, match="not equations of 'mine'"):
        _model("mine", (outside,))


def test_a_model_refuses_two_mistakes_of_one_name_and_a_second_declaration_of_one_name_is_refused():
    twice = Mistake("twice", "mine", "t", "d", "x", numpy={"eq-bptt-delta": np.add})
    with pytest.raises(ValueError, match="two mistakes of the same name"):
        _model("mine", (twice, twice))
    with pytest.raises(ValueError, match="'rnn' is already declared"):
        declare(_model("rnn", ()))


def test_a_check_refuses_an_unknown_side_or_kind():
    with pytest.raises(ValueError, match="side: expected one of"):
        Check("c", ("eq-bptt-delta",), "fortran", lambda replace: {})
    with pytest.raises(ValueError, match="tolerances: expected kinds among"):
        Check("c", ("eq-bptt-delta",), "numpy", lambda replace: {}, {"fifty": 1e-12})
