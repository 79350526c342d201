"""The unrolled loss refuses bad input with a sentence naming the argument, what was expected and what came.

Each test pins one behaviour a small wrong edit of the input checks of rnn_math/rnn/unrolled.py would
change (the parameter names, the ranks, the shape patterns with their named dimensions).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnn_math.rnn.params import RNNParams
from rnn_math.rnn.unrolled import sequence_loss, untie, untied_loss

PARAMS = RNNParams.random(d=3, D_h=4, V=5, seed=1).as_dict()
XS = np.eye(3)[[0, 1, 2]]
TARGETS = np.array([4, 0, 1])


def refused(error, message, *args, loss=sequence_loss, **kwargs):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        loss(*args, **kwargs)


def test_parameters_that_are_not_a_mapping_are_refused_naming_their_type():
    refused(TypeError, "params: expected a mapping of arrays by name, got list", list(PARAMS.values()), XS, TARGETS)


def test_a_missing_parameter_is_named():
    params = {k: v for k, v in PARAMS.items() if k != "U"}
    refused(
        ValueError, "params: expected the names ['W_h', 'W_e', 'b_1', 'U', 'b_2'], missing ['U']", params, XS, TARGETS
    )


def test_an_unknown_entry_is_named_with_the_known_ones():
    refused(
        ValueError,
        "params: expected only ['W_h', 'W_e', 'b_1', 'U', 'b_2', 'h_0', 'xs'], got also ['V']",
        {**PARAMS, "V": np.ones(2)},
        XS,
        TARGETS,
    )


def test_no_inputs_at_all_is_refused_saying_where_they_may_come_from():
    refused(ValueError, "xs: expected the inputs, as an argument or as params['xs'], got None", PARAMS, None, TARGETS)


def test_inputs_given_in_the_parameters_are_used():
    assert sequence_loss({**PARAMS, "xs": XS}, None, TARGETS) == sequence_loss(PARAMS, XS, TARGETS)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [("W_h", "(D_h, D_h)"), ("W_e", "(D_h, d)"), ("b_1", "(D_h,)"), ("U", "(V, D_h)"), ("b_2", "(V,)")],
)
def test_a_parameter_of_the_wrong_size_is_refused_with_its_named_dimensions(name, pattern):
    shape = PARAMS[name].shape
    wrong = {**PARAMS, name: np.zeros((*shape[:-1], shape[-1] + 1))}  # its last axis disagrees with the others
    with pytest.raises(ValueError, match=f"^{re.escape(name)}: expected shape {re.escape(pattern)}"):
        sequence_loss(wrong, XS, TARGETS)


@pytest.mark.parametrize("name", ["W_h", "W_e", "b_1", "U", "b_2"])
def test_a_parameter_of_the_wrong_rank_is_refused_by_name(name):
    with pytest.raises(ValueError, match=f"^{name}: expected .*dimensions"):
        sequence_loss({**PARAMS, name: PARAMS[name][..., None]}, XS, TARGETS)


def test_inputs_of_the_wrong_width_are_refused_with_their_named_dimensions():
    with pytest.raises(ValueError, match=r"^xs: expected shape \(B, T, d\)|^W_e: expected shape \(D_h, d\)"):
        sequence_loss(PARAMS, np.eye(4)[[0, 1, 2]], TARGETS)


def test_inputs_of_the_wrong_rank_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^xs: expected"):
        sequence_loss(PARAMS, np.ones(3), TARGETS)


def test_copies_without_a_step_axis_are_refused_with_the_step_dimension_named():
    copies = untie(PARAMS, 3)
    with pytest.raises(ValueError, match=r"^W_h: expected shape \(T, D_h, D_h\)"):
        untied_loss({**copies, "W_h": copies["W_h"][:2]}, XS, TARGETS)  # two copies for three steps


def test_untied_copies_at_the_tied_point_give_the_tied_loss():
    assert untied_loss(untie(PARAMS, 3), XS, TARGETS) == pytest.approx(sequence_loss(PARAMS, XS, TARGETS), rel=1e-15)


def test_the_loss_of_real_parameters_is_a_real_number():
    assert type(sequence_loss(PARAMS, XS, TARGETS)) is float


def test_the_loss_of_complex_parameters_keeps_its_imaginary_part():
    complex_params = {**PARAMS, "b_2": PARAMS["b_2"] + 1e-20j}
    value = sequence_loss(complex_params, XS, TARGETS)
    assert type(value) is complex and value.imag != 0


def test_a_truncation_length_that_is_not_an_integer_is_refused_naming_its_type():
    from rnn_math.rnn.truncated import check_truncation

    with pytest.raises(TypeError, match=r"^k: expected a positive integer number of steps, got str$"):
        check_truncation("3")
