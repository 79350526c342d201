"""Gradient clipping: each property checked on the real functions and shown to fail on a wrong one.

Each check is a small function returning True or False, so the very same check that passes on
the implementation is run on a plausible wrong version (the negative control) and must fail.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from rnn_math.core.clipping import clip_by_global_norm, clip_elementwise, global_norm
from rnn_math.rnn.bptt import bptt
from rnn_math.rnn.params import RNNParams
from rnn_math.symbolic import clipping as sym
from rnn_math.verification.engine import verify

#: NumPy against 50 digits: a norm or a rescaling passes through a few float64 roundings.
AGREES = 1e-14
#: Rounding allowance for "the norm after clipping is at most c": a few units in the last place.
ULPS = 8 * np.finfo(np.float64).eps

rng = np.random.default_rng(11)


def grads_with_norm(norm: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Random gradients shaped like an RNN's (d=3, D_h=4, |V|=5), rescaled to a given global norm."""
    g = RNNParams.random(d=3, D_h=4, V=5, seed=seed, scale=1.0).as_dict()
    current = np.sqrt(sum(np.sum(v**2) for v in g.values()))
    return {name: v * (norm / current) for name, v in g.items()}


def flat(grads: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([v.ravel() for v in grads.values()])


def per_parameter_clip(grads, max_norm):
    """Wrong: each parameter's gradient clipped to its own norm (not the global one)."""
    out = {}
    for name, g in grads.items():
        n = np.linalg.norm(g)
        out[name] = g * (max_norm / n) if n > max_norm else g.copy()
    return out, float(np.linalg.norm(flat(grads)))


def always_rescale(grads, max_norm):
    """Wrong: normalise to the threshold even when the gradient is already smaller."""
    n = np.linalg.norm(flat(grads))
    return {name: g * (max_norm / n) for name, g in grads.items()}, float(n)


def no_clip(grads, max_norm):
    """Wrong: the threshold ignored."""
    return {name: g.copy() for name, g in grads.items()}, float(np.linalg.norm(flat(grads)))


def clip_upper_only(grads, limit):
    """Wrong: element-wise clipping that forgets the lower bound."""
    return {name: np.minimum(g, limit) for name, g in grads.items()}


# ---- the checks -------------------------------------------------------------------------------


def direction_preserved(clip: Callable, grads, c: float) -> bool:
    """The clipped gradient is a positive multiple of the original (same direction, all parameters)."""
    before, after = flat(grads), flat(clip(grads, c)[0])
    factor = after @ before / (before @ before)
    return factor > 0 and np.linalg.norm(after - factor * before) <= ULPS * np.linalg.norm(after)


def norm_bounded(clip: Callable, grads, c: float) -> bool:
    return np.linalg.norm(flat(clip(grads, c)[0])) <= c * (1 + ULPS)


def unchanged(clipped: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> bool:
    return all(np.array_equal(clipped[name], grads[name]) for name in grads)


def entries_bounded(clipped: dict[str, np.ndarray], c: float) -> bool:
    return all(np.max(np.abs(v)) <= c for v in clipped.values())


# ---- symbolic twins at 50 digits --------------------------------------------------------------


@pytest.mark.equation("eq-grad-global-norm", "eq-clip-global-norm", "eq-clip-elementwise")
@pytest.mark.parametrize("eq_id", ["eq-grad-global-norm", "eq-clip-global-norm", "eq-clip-elementwise"])
def test_the_engine_finds_each_clipping_rule_equal_to_its_twin_and_rejects_each_wrong_version(eq_id):
    # The 50-digit comparisons (above and below the threshold) and the wrong versions (a sum of
    # the parameters' norms, per-parameter clipping, always rescaling, an upper bound only) are
    # the "clipping" declaration's.
    (report,) = verify(equation=eq_id)
    assert report.model == "clipping" and report.passed, report.failures
    # Clipping an entry to ±c or leaving it is exact: no rounding at all.
    assert report.fifty_digit == 0.0 if eq_id == "eq-clip-elementwise" else report.fifty_digit <= AGREES
    assert report.controls >= 1 and report.controls_rejected == report.controls


def test_twin_of_norm_clipping_is_exactly_c_over_norm_times_g_above_the_threshold():
    g1, g2, c = sp.symbols("g1 g2 c", positive=True)
    twin, norm = sym.clip_by_global_norm({"a": sp.Matrix([g1, g2])}, c)
    above = twin["a"].subs({g1: 3, g2: 4, c: 1})  # ‖g‖ = 5 > 1
    assert norm.subs({g1: 3, g2: 4}) == 5
    assert above == sp.Matrix([sp.Rational(3, 5), sp.Rational(4, 5)])
    assert twin["a"].subs({g1: 3, g2: 4, c: 6}) == sp.Matrix([3, 4])


# ---- clipping by the global norm: properties, each with its negative control ------------------


@pytest.mark.equation("eq-clip-global-norm")
@pytest.mark.parametrize("seed", range(5))
def test_norm_clipping_keeps_the_direction_of_the_whole_gradient(seed: int):
    grads = grads_with_norm(50.0, seed=seed)
    assert direction_preserved(clip_by_global_norm, grads, 1.0)


def test_the_direction_check_fails_when_parameters_are_clipped_separately():
    assert not direction_preserved(per_parameter_clip, grads_with_norm(50.0), 1.0)


@pytest.mark.equation("eq-clip-global-norm")
@pytest.mark.parametrize("c", [0.1, 1.0, 49.0])
def test_norm_clipping_brings_the_global_norm_down_to_the_threshold(c: float):
    clipped, _ = clip_by_global_norm(grads_with_norm(50.0), c)
    assert norm_bounded(clip_by_global_norm, grads_with_norm(50.0), c)
    assert global_norm(clipped) == pytest.approx(c, rel=ULPS)


def test_the_bound_check_fails_when_nothing_is_clipped():
    assert not norm_bounded(no_clip, grads_with_norm(50.0), 1.0)


@pytest.mark.equation("eq-clip-global-norm")
def test_norm_clipping_changes_nothing_below_the_threshold():
    grads = grads_with_norm(0.3)
    assert unchanged(clip_by_global_norm(grads, 1.0)[0], grads)


@pytest.mark.equation("eq-clip-global-norm")
def test_norm_clipping_changes_nothing_exactly_at_the_threshold():
    grads = grads_with_norm(2.0)
    assert unchanged(clip_by_global_norm(grads, global_norm(grads))[0], grads)


def test_the_unchanged_check_fails_for_a_version_that_always_rescales():
    grads = grads_with_norm(0.3)
    assert not unchanged(always_rescale(grads, 1.0)[0], grads)


@pytest.mark.equation("eq-clip-global-norm")
def test_norm_clipping_returns_the_norm_before_clipping():
    grads = grads_with_norm(50.0)
    _, before = clip_by_global_norm(grads, 1.0)
    assert before == pytest.approx(np.linalg.norm(flat(grads)), rel=1e-15)


def test_norm_clipping_a_real_bptt_gradient_scales_every_parameter_by_one_factor():
    params = RNNParams.random(d=3, D_h=4, V=5, seed=4, scale=1.5)
    xs, targets = rng.standard_normal((6, 3)), rng.integers(0, 5, 6)
    grads = bptt(params, xs, targets, activation="tanh").grads.as_dict()
    norm = global_norm(grads)
    clipped, before = clip_by_global_norm(grads, norm / 4)
    assert before == norm
    for name in grads:
        np.testing.assert_allclose(clipped[name], grads[name] / 4, rtol=1e-14, atol=0)


# ---- element-wise clipping ---------------------------------------------------------------------


@pytest.mark.equation("eq-clip-elementwise")
def test_elementwise_clipping_respects_the_bound_in_both_directions():
    grads = {"W_h": rng.uniform(-20, 20, (4, 4)), "U": rng.uniform(-20, 20, (5, 4))}
    assert entries_bounded(clip_elementwise(grads, 5.0), 5.0)


def test_the_entry_bound_check_fails_when_the_lower_bound_is_forgotten():
    grads = {"W_h": rng.uniform(-20, 20, (4, 4))}
    assert not entries_bounded(clip_upper_only(grads, 5.0), 5.0)


@pytest.mark.equation("eq-clip-elementwise")
def test_elementwise_clipping_changes_no_entry_inside_the_interval():
    grads = {"W_h": rng.uniform(-4.9, 4.9, (4, 4)), "b_1": np.array([5.0, -5.0, 0.0])}
    assert unchanged(clip_elementwise(grads, 5.0), grads)


@pytest.mark.equation("eq-clip-elementwise")
def test_elementwise_clipping_sets_entries_beyond_the_limit_to_the_limit():
    clipped = clip_elementwise({"b_2": np.array([-7.0, -5.0, 0.5, 6.0, 1e300])}, 5.0)
    np.testing.assert_array_equal(clipped["b_2"], [-5.0, -5.0, 0.5, 5.0, 5.0])


def test_elementwise_clipping_changes_the_direction_when_it_clips():
    grads = {"a": np.array([10.0, 1.0])}
    assert not direction_preserved(lambda g, c: (clip_elementwise(g, c), None), grads, 5.0)


# ---- purity, dtypes, extremes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "clip", [lambda g: clip_by_global_norm(g, 1.0)[0], lambda g: clip_elementwise(g, 0.1)], ids=["norm", "elementwise"]
)
def test_clipping_leaves_the_callers_arrays_alone_and_shares_no_memory(clip: Callable):
    grads = grads_with_norm(50.0)
    copies = {name: v.copy() for name, v in grads.items()}
    clipped = clip(grads)
    assert unchanged(grads, copies)
    assert not any(np.shares_memory(clipped[name], grads[name]) for name in grads)


def test_clipping_below_the_threshold_still_returns_new_arrays():
    grads = grads_with_norm(0.5)
    clipped, _ = clip_by_global_norm(grads, 1.0)
    assert not any(np.shares_memory(clipped[name], grads[name]) for name in grads)


@pytest.mark.parametrize("clip", [lambda g: clip_by_global_norm(g, 1.0)[0], lambda g: clip_elementwise(g, 0.1)])
def test_clipping_keeps_names_shapes_and_float32(clip: Callable):
    grads = {name: v.astype(np.float32) for name, v in grads_with_norm(50.0).items()}
    clipped = clip(grads)
    assert list(clipped) == list(grads)
    assert all(clipped[n].shape == grads[n].shape and clipped[n].dtype == np.float32 for n in grads)


def test_an_exploded_gradient_of_1e300_is_clipped_to_a_finite_vector_of_norm_c():
    grads = {"W_h": np.full((4, 4), 1e300), "b_1": np.full(4, -1e300)}
    clipped, before = clip_by_global_norm(grads, 5.0)
    assert before == pytest.approx(1e300 * np.sqrt(20), rel=1e-15)
    assert global_norm(clipped) == pytest.approx(5.0, rel=ULPS)


def test_global_norm_of_1e200_entries_does_not_overflow():
    assert global_norm({"a": np.full(4, 1e200)}) == pytest.approx(2e200, rel=1e-15)


def test_an_all_zero_gradient_has_norm_zero_and_is_returned_unchanged():
    grads = {"W_h": np.zeros((2, 2))}
    clipped, before = clip_by_global_norm(grads, 1.0)
    assert before == 0.0 and unchanged(clipped, grads)


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("clip, arg", [(clip_by_global_norm, "max_norm"), (clip_elementwise, "limit")])
def test_a_non_positive_or_non_finite_threshold_is_refused_by_name(clip: Callable, arg: str, bad: float):
    with pytest.raises(ValueError, match=rf"^{arg}: expected a positive finite number, got"):
        clip(grads_with_norm(1.0), bad)


@pytest.mark.parametrize("bad", ["5", None, True, np.array([1.0, 2.0])])
@pytest.mark.parametrize("clip, arg", [(clip_by_global_norm, "max_norm"), (clip_elementwise, "limit")])
def test_a_threshold_that_is_not_a_number_is_a_type_error(clip: Callable, arg: str, bad: object):
    with pytest.raises(TypeError, match=rf"^{arg}: expected a positive finite number, got"):
        clip(grads_with_norm(1.0), bad)


def test_a_numpy_scalar_threshold_is_accepted():
    clipped, _ = clip_by_global_norm(grads_with_norm(4.0), np.float32(2.0))
    assert global_norm(clipped) == pytest.approx(2.0, rel=1e-6)


@pytest.mark.parametrize(
    "clip", [lambda g: clip_by_global_norm(g, 1.0), lambda g: clip_elementwise(g, 1.0), global_norm]
)
def test_a_nan_gradient_is_refused_naming_the_parameter(clip: Callable):
    grads = grads_with_norm(1.0)
    grads["U"] = grads["U"].copy()
    grads["U"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^grads\['U'\]: expected finite values"):
        clip(grads)


def test_empty_gradients_and_non_mappings_are_refused():
    with pytest.raises(ValueError, match=r"^grads: expected at least one gradient"):
        clip_by_global_norm({}, 1.0)
    with pytest.raises(TypeError, match=r"^grads: expected a mapping"):
        clip_elementwise([np.ones(3)], 1.0)
    with pytest.raises(TypeError, match=r"^grads\['W_h'\]: expected a float32 or float64 array"):
        global_norm({"W_h": np.ones(3, dtype=int)})
