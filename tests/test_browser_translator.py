"""The Translator page in a browser: its attention heat maps on a phone (390 px) and a laptop (1280 px).

The heat maps are HTML tables whose Hindi labels are text: they must be set in the Devanagari
face the site serves, and a wide map must scroll in its own box rather than widen the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import layout_problems, new_context, open_page, resize, site_pages, watch

WIDTHS = (390, 1280)

#: The state of the site's Devanagari faces once the page's fonts have settled.
_DEVANAGARI_FACES = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(f => f.family.replace(/"/g, "") === "rnn-math Devanagari").map(f => f.status);
}"""

#: Each heat map: its scroller's box against the text column, and whether its table is wider.
_MAPS = """() => {
  const column = document.querySelector(".md-content").getBoundingClientRect();
  return [...document.querySelectorAll(".rm-attention-map .rm-scroll")].map(s => {
    const box = s.getBoundingClientRect();
    const label = s.querySelector('th[lang="hi"]');
    return { inside: box.left >= column.left - 1 && box.right <= column.right + 1,
             wider: s.scrollWidth > s.clientWidth + 1, overflow: getComputedStyle(s).overflowX,
             font: getComputedStyle(label).fontFamily, labelWidth: label.getBoundingClientRect().width };
  });
}"""


def _faces_on(browser: Any, url: str) -> list[str]:
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_page(page, url)
    faces = page.evaluate(_DEVANAGARI_FACES)
    context.close()
    return faces


@pytest.mark.parametrize("width", WIDTHS)
def test_the_heat_maps_fit_the_column_scroll_when_wide_and_label_hindi_in_the_sites_font(
    browser: Any, site_server: Any, width: int
):
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    traffic = watch(page, site_server.url)
    open_page(page, site_server.url + "translator/")
    resize(page, width)
    maps = page.evaluate(_MAPS)
    problems = layout_problems(page)
    faces = page.evaluate(_DEVANAGARI_FACES)
    context.close()
    assert maps, "no heat map on the page"
    for found in maps:
        assert found["inside"] and found["overflow"] == "auto", found
        assert '"rnn-math Devanagari"' in found["font"] or "rnn-math Devanagari" in found["font"], found
        assert found["labelWidth"] > 0
    assert problems == {"numbers": [], "content": [], "page": []}
    assert "loaded" in faces
    assert traffic.problems() == []
    if width == 390:  # the longest sentence's map is wider than a phone's column: it must scroll
        assert any(found["wider"] for found in maps)


def test_the_font_check_fails_on_a_page_without_hindi(browser: Any, site_server: Any, built_site: Path):
    # The control: the Devanagari face loads only for Devanagari text (its unicode-range), so on
    # a page without any the same check finds it unloaded.
    devanagari = re.compile("[\u0900-\u097f]")
    folders = [p for p in site_pages(built_site) if p.endswith("/")]
    plain = next(p for p in folders if not devanagari.search((built_site / p / "index.html").read_text("utf-8")))
    assert "loaded" not in _faces_on(browser, site_server.url + plain)
