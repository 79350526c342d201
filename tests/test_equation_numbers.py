"""The equations' numbers shipped in the package are the docs' numbers (the docs decide them)."""

from __future__ import annotations

from rnn_math.apps.verify_command import equation_numbers
from rnn_math_docs.docs_index import index_pages, scan_docs
from rnn_math_docs.equation_numbers import NUMBERS_FILE, numbers_from_docs, numbers_json


def test_the_shipped_numbers_are_the_docs_numbers_run_the_write_command_when_this_fails():
    # Stale means an equation moved on the pages: python -m rnn_math_docs.equation_numbers --write
    assert NUMBERS_FILE.read_text(encoding="utf-8") == numbers_json(numbers_from_docs())


def test_the_installed_package_reads_the_same_numbers_the_pages_show():
    index = scan_docs()
    assert equation_numbers() == {eq_id: index.number(eq_id) for eq_id in index.placements}


def test_moving_an_equation_on_a_page_changes_the_recorded_numbers():
    before = index_pages({"a.md": "---\nchapter: 2\n---\n{{eq eq-x}}\n{{eq eq-y}}\n"})
    after = index_pages({"a.md": "---\nchapter: 2\n---\n{{eq eq-y}}\n{{eq eq-x}}\n"})
    assert numbers_from_docs(before) == {"eq-x": "2.1", "eq-y": "2.2"}
    assert numbers_json(numbers_from_docs(after)) != numbers_json(numbers_from_docs(before))
