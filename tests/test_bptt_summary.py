"""The BPTT page's one-box summary and the composer's source beside it cannot drift apart."""

from __future__ import annotations

import html
import re

import pytest

from rnn_math.core.registry import lookup
from rnn_math_docs import bptt_summary
from rnn_math_docs.docs_index import scan_docs


def test_ids_used_reads_every_lookup_once_in_order():
    source = 'a = eq["eq-b"](x)\nb = eq[\'eq-a\'](a)\nc = eq["eq-b"](b)'
    assert bptt_summary.ids_used(source) == ["eq-b", "eq-a"]


def test_the_box_lists_exactly_the_equations_the_composer_uses():
    assert set(bptt_summary.summary_ids()) == set(bptt_summary.ids_used(bptt_summary.composer_source()))


def test_the_box_keeps_the_derivation_order():
    numbers = [tuple(map(int, scan_docs().number(eq_id).split("."))) for eq_id in bptt_summary.summary_ids()]
    assert numbers == sorted(numbers)


def test_the_box_summarises_the_declared_rnn_composer():
    model = bptt_summary.rnn_model()
    assert model.name == "rnn" and model.composer is not None
    assert bptt_summary.summary_ids()[0] == "eq-bptt-output-grad"


def test_a_composer_that_uses_an_undeclared_equation_is_refused(monkeypatch):
    source = bptt_summary.composer_source() + '\n    eq["eq-decoder-delta"]\n'
    monkeypatch.setattr(bptt_summary, "composer_source", lambda: source)
    with pytest.raises(ValueError, match="eq-decoder-delta"):
        bptt_summary.summary_ids()


def test_an_equation_the_composer_stops_using_leaves_the_box(monkeypatch):
    """Negative control of the box's contents: they follow the code, not a list of their own."""
    source = bptt_summary.composer_source().replace('eq["eq-bptt-grad-x"]', "grad_x")
    monkeypatch.setattr(bptt_summary, "composer_source", lambda: source)
    assert "eq-bptt-grad-x" not in bptt_summary.summary_ids()


def page_text(built_site) -> str:
    return (built_site / "bptt" / "index.html").read_text(encoding="utf-8")


def summary_box(built_site) -> str:
    match = re.search(r'<div class="rm-summary">(.*?)</div>', page_text(built_site), re.S)
    assert match, "the BPTT page has no summary box"
    return match[1]


def test_the_box_shows_every_formula_from_the_registry_with_its_number_in_order(built_site):
    box, position = summary_box(built_site), 0
    for eq_id in bptt_summary.summary_ids():
        link = f'href="#{eq_id}"'
        assert link in box[position:], f"{eq_id} is missing or out of order"
        position = box.index(link, position)
        assert f"({scan_docs().number(eq_id)})" in box[position : position + 200]
        assert html.escape(lookup(eq_id).latex, quote=False) in box[position:], eq_id


def test_the_page_shows_the_composers_source(built_site):
    code = html.unescape(re.sub(r"<[^>]+>", "", page_text(built_site)))
    assert bptt_summary.composer_source().strip() in code
