"""Proofs at symbolic sizes: the normal form of index expressions, and the lemmas that use it."""

from __future__ import annotations

import pytest
import sympy as sp

from rnn_math.rnn import lemmas as rnn_lemmas
from rnn_math.verification.index_form import entry, normal_form, prove_entrywise

n = sp.Symbol("n", integer=True, positive=True)
p, q = sp.Symbol("p", integer=True), sp.Symbol("q", integer=True)
i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
a, b = sp.IndexedBase("a"), sp.IndexedBase("b")
W = sp.IndexedBase("W")
RANGES = {p: (sp.Integer(0), n - 1), q: (sp.Integer(0), n - 1)}


def _equal(left, right) -> bool:
    return sp.expand(normal_form(left, RANGES) - normal_form(right, RANGES)) == 0


def _sum(body, *indices):
    return sp.Sum(body, *[(k, 0, n - 1) for k in indices])


def test_a_kronecker_delta_collapses_the_sum_over_its_index():
    assert _equal(_sum(sp.KroneckerDelta(i, p) * a[i], i), a[p])


def test_sums_that_differ_only_in_the_name_of_their_index_are_equal():
    assert _equal(_sum(a[i] * b[i], i), _sum(a[j] * b[j], j))


def test_the_order_of_nested_sums_does_not_matter():
    assert _equal(_sum(_sum(W[i, j] * a[j], j) * b[i], i), _sum(_sum(W[i, j] * b[i], i) * a[j], j))


def test_a_factor_free_of_the_index_leaves_the_sum():
    assert _equal(_sum(a[p] * b[i], i), a[p] * _sum(b[i], i))


def test_a_transposed_index_is_not_equal():
    assert not _equal(_sum(W[i, p] * a[i], i), _sum(W[p, i] * a[i], i))


def test_the_square_of_a_sum_is_not_the_sum_of_squares():
    assert not _equal(_sum(a[i], i) ** 2, _sum(a[i] ** 2, i))


def test_a_product_of_two_sums_is_not_one_sum_of_products():
    assert not _equal(_sum(a[i], i) * _sum(b[i], i), _sum(a[i] * b[i], i))


def test_a_sum_whose_summand_lacks_its_index_counts_its_terms():
    assert _equal(_sum(a[p], i), n * a[p])


def test_a_delta_of_an_index_outside_the_sums_range_does_not_collapse():
    m = sp.Symbol("m", integer=True, positive=True)
    k = sp.Symbol("k", integer=True)
    ranges = {**RANGES, k: (sp.Integer(0), m - 1)}
    wide = normal_form(_sum(sp.KroneckerDelta(i, k) * a[i], i), ranges)
    assert wide.has(sp.Sum)  # k may lie outside 0..n−1: the sum is not a[k]


def test_prove_entrywise_proves_the_gradient_of_a_quadratic_form_at_symbolic_size():
    A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
    loss = entry(x.T * A * x, 0, 0)
    [proof] = prove_entrywise(loss, {"x": x}, {"x": (A + A.T) * x}, {})
    assert proof.proven


def test_prove_entrywise_rejects_the_quadratic_forms_gradient_without_the_transpose():
    A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
    loss = entry(x.T * A * x, 0, 0)
    [proof] = prove_entrywise(loss, {"x": x}, {"x": 2 * A * x}, {})
    assert not proof.proven and proof.difference != 0


def test_the_rnn_lemmas_at_every_size_have_symbolic_sizes_on_the_page():
    every_size = [lemma for lemma in rnn_lemmas.LEMMAS if "every size" in lemma.name]
    assert len(every_size) == 2
    assert all(lemma.sizes[name] == rnn_lemmas.ANY for lemma in every_size for name in ("D_h", "d", "|V|"))


@pytest.mark.parametrize("paired", ["h^t", "h^{t-2}"])
def test_the_tied_sums_at_every_size_reject_a_weight_gradient_paired_with_the_wrong_state(paired):
    def wrong_grad_W_h(deltas, h_prev):
        states = h_prev[1:] + h_prev[:1] if paired == "h^t" else h_prev[-1:] + h_prev[:-1]
        return sp.Add(*[d * h.T for d, h in zip(deltas, states, strict=True)])

    assert rnn_lemmas.tied_sums_any_size({"eq-bptt-grad-wh": wrong_grad_W_h}, T=3) is False


def test_the_one_step_lemma_at_every_size_rejects_the_output_gradient_without_the_target():
    from rnn_math.symbolic.rnn.forward import softmax

    def without_target(theta_t, target_t):
        return softmax(theta_t)

    assert rnn_lemmas.one_step_any_size({"eq-bptt-output-grad": without_target}) is False
