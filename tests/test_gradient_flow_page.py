"""The Gradient-flow page's computed settings: what its thresholds and saturated cases are."""

from __future__ import annotations

import html

import numpy as np
import pytest

from rnn_math.core.activations import get_activation
from rnn_math.rnn.forward import hidden_states
from rnn_math_docs import gradient_flow
from rnn_math_docs.formatting import latex_matrix, number


def flat(grads: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([g.ravel() for g in grads.values()])


def clips_some_but_not_all(grads: dict[str, np.ndarray], limit: float) -> bool:
    """Whether element-wise clipping at `limit` changes some entries and leaves others."""
    magnitudes = np.abs(flat(grads))
    return bool(np.any(magnitudes > limit) and np.any(magnitudes < limit))


def test_the_entry_limit_is_half_the_largest_entry():
    grads, _, limit = gradient_flow._clipping_setting()
    assert limit == np.max(np.abs(flat(grads))) / 2


def test_the_entry_limit_clips_some_entries_and_leaves_others():
    grads, _, limit = gradient_flow._clipping_setting()
    assert clips_some_but_not_all(grads, limit)


@pytest.mark.parametrize("factor", [1.0, 0.0], ids=["at-the-largest-entry", "zero"])
def test_a_limit_that_does_not_bind_or_clips_everything_is_told_apart(factor):
    """Negative control: a limit at the largest entry clips nothing; a zero limit clips everything."""
    grads, _, _ = gradient_flow._clipping_setting()
    assert not clips_some_but_not_all(grads, factor * np.max(np.abs(flat(grads))))


def test_the_norm_threshold_is_below_the_gradients_norm():
    grads, c, _ = gradient_flow._clipping_setting()
    assert c < np.sqrt(np.sum(flat(grads) ** 2))


def saturated() -> list[tuple]:
    return [case for case in gradient_flow._threshold_cases() if "saturated" in case[-1]]


def run(case: tuple) -> tuple[np.ndarray, np.ndarray]:
    activation, W_h, h_0, b_1, _ = case
    T = gradient_flow.THRESHOLD_T
    return hidden_states(W_h, np.zeros((len(b_1), 1)), b_1, np.zeros((T, 1)), activation=activation, h_0=h_0)


@pytest.mark.parametrize("case", saturated(), ids=lambda case: case[0])
def test_a_saturated_case_settles_with_every_slope_far_below_gamma(case):
    z, h = run(case)
    act = get_activation(case[0])
    np.testing.assert_allclose(h[-1], h[-2], rtol=1e-12)
    assert np.max(act.derivative(z)) < 0.05 * act.derivative_bound


@pytest.mark.parametrize("case", saturated(), ids=lambda case: case[0])
def test_a_saturated_case_has_lambda_1_above_the_threshold(case):
    activation, W_h = case[0], case[1]
    assert np.linalg.norm(W_h, 2) > 1 / get_activation(activation).derivative_bound


def test_the_units_at_z_0_are_not_saturated():
    """Negative control for the slope test: the unsaturated cases keep slopes at γ."""
    for case in gradient_flow._threshold_cases():
        if "z = 0" in case[-1]:
            z, _ = run(case)
            act = get_activation(case[0])
            assert not np.max(act.derivative(z)) < 0.05 * act.derivative_bound


def page(built_site) -> str:
    return (built_site / "gradient-flow" / "index.html").read_text(encoding="utf-8")


def test_the_page_shows_how_the_saturated_cases_are_built(built_site):
    text = page(built_site)
    for case in saturated():
        z, h = run(case)
        for shown in (
            latex_matrix(case[1], 0),
            latex_matrix(h[-1]),
            latex_matrix(get_activation(case[0]).derivative(z[-1])),
        ):
            assert html.escape(shown, quote=False) in text


def test_the_page_derives_the_entry_limit(built_site):
    grads, _, limit = gradient_flow._clipping_setting()
    assert f"{number(np.max(np.abs(flat(grads))))}/2 = {number(limit, 2)}" in page(built_site)


def test_the_tightness_table_names_its_columns(built_site):
    text = page(built_site)
    assert 'steps <span class="arithmatex">\\(t\\)</span> back to <span class="arithmatex">\\(h^0\\)</span>' in text
    assert 'sigmoid: largest <span class="arithmatex">\\(r_t\\)</span>' in text
    assert 'lag <span class="arithmatex">\\(t-k\\)</span>' not in text
