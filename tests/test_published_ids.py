"""Published equation ids never disappear: a rename keeps the old id as an alias that resolves."""

from __future__ import annotations

from pathlib import Path

from rnn_math.core.registry import Equation, registry
from rnn_math_docs.published_ids import PUBLISHED, read_published, withdrawn

HOW_TO_RENAME = (
    "A published equation id must keep resolving: readers cite it by URL. To rename an equation, keep "
    'the old id as an alias: @equation("eq-new-id", ..., aliases=("eq-old-id",)). '
    "To add newly published ids to the list: python -m rnn_math_docs.published_ids --write"
)


def fake(eq_id: str, *aliases: str) -> Equation:
    return Equation(eq_id, "title", "x", numpy=len, aliases=aliases)


def test_the_published_list_is_not_empty_and_has_no_duplicates():
    ids = read_published()
    assert ids and len(ids) == len(set(ids))


def test_every_published_id_still_resolves_to_an_equation():
    assert withdrawn(read_published(), registry()) == [], HOW_TO_RENAME


def test_every_published_id_still_has_an_anchor_on_the_built_site(built_site: Path):
    html = "".join(page.read_text(encoding="utf-8") for page in built_site.rglob("*.html"))
    assert [eq_id for eq_id in read_published() if f'id="{eq_id}"' not in html] == [], HOW_TO_RENAME


def test_a_published_id_that_disappears_is_reported():
    assert withdrawn(["eq-kept", "eq-gone"], {"eq-kept": fake("eq-kept")}) == ["eq-gone"]


def test_a_renamed_id_kept_as_an_alias_still_resolves():
    assert withdrawn(["eq-old-name"], {"eq-new-name": fake("eq-new-name", "eq-old-name")}) == []


def test_ids_registered_after_publication_never_fail_the_check():
    equations = {"eq-kept": fake("eq-kept"), "eq-brand-new": fake("eq-brand-new")}
    assert withdrawn(["eq-kept"], equations) == []


def test_the_list_lives_beside_the_tests():
    assert PUBLISHED == Path(__file__).with_name("published_equation_ids.txt")
