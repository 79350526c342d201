"""Every built page laid out on a phone (390 px) and a laptop (1280 px), light and dark.

One visit per page and colour scheme (a module fixture) measures, at both widths, what the
reader sees: each equation number against the glyphs of its formula, each table and display
formula against the boxes that clip it and the text column, and the page's own width. The
checking function is shown to fail on planted broken pages in ``test_browser_catches_breakage.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import layout_problems, new_context, open_page, resize, site_pages, watch

WIDTHS = (390, 1280)
SCHEMES = {"light": "default", "dark": "slate"}  # the colour scheme asked for → Material's name for it
DESKTOP = 1280


@dataclass
class LayoutReport:
    """What the layout check found, by kind, then by (scheme, width, page)."""

    pages: list[str]
    visited: set[tuple[str, int, str]] = field(default_factory=set)
    schemes_shown: dict[str, set[str]] = field(default_factory=dict)
    problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    decoder_table: dict[str, int] | None = None

    def record(self, scheme: str, width: int, page: str, found: dict[str, list[str]]) -> None:
        self.visited.add((scheme, width, page))
        for kind, sentences in found.items():
            if sentences:
                self.problems.setdefault(kind, {})[f"{scheme}, {width}px, {page or '(home)'}"] = sentences

    def of(self, kind: str) -> dict[str, list[str]]:
        return self.problems.get(kind, {})


#: The encoder-decoder's table of the four decoding steps: how wide it is, and its box.
_DECODER_TABLE = """() => {
  const heading = document.getElementById("all-four-steps");
  if (!heading) return null;
  let el = heading.nextElementSibling;
  while (el && !el.matches("h1, h2, h3") && !el.querySelector("table")) el = el.nextElementSibling;
  const table = el && !el.matches("h1, h2, h3") ? el.querySelector("table") : null;
  if (!table) return null;
  const scroller = table.closest(".md-typeset__scrollwrap") || table.parentElement;
  return { columns: table.rows[0].cells.length, table: Math.round(table.getBoundingClientRect().width),
           shown: scroller.clientWidth, scrolls: scroller.scrollWidth - scroller.clientWidth };
}"""


@pytest.fixture(scope="module")
def layout_report(browser: Any, site_server: Any, built_site: Path) -> LayoutReport:
    """Open every page at desktop width in each scheme, measure, narrow to a phone, measure."""
    report = LayoutReport(site_pages(built_site))
    for scheme in SCHEMES:
        context = new_context(browser, viewport={"width": DESKTOP, "height": 800}, color_scheme=scheme)
        page = context.new_page()
        watch(page, site_server.url)  # keeps every request on the local server
        for path in report.pages:
            resize(page, DESKTOP)  # each page is loaded wide, as a laptop would
            open_page(page, site_server.url + path)
            report.schemes_shown.setdefault(scheme, set()).add(page.evaluate("document.body.dataset.mdColorScheme"))
            for width in sorted(WIDTHS, reverse=True):
                resize(page, width)
                report.record(scheme, width, path, layout_problems(page))
                if path == "encoder-decoder/" and width == DESKTOP and scheme == "light":
                    report.decoder_table = page.evaluate(_DECODER_TABLE)
        context.close()
    return report


def test_the_layout_visit_covers_every_page_at_both_widths_in_both_schemes(
    layout_report: LayoutReport, built_site: Path
):
    assert "" in layout_report.pages and len(layout_report.pages) == len(site_pages(built_site))
    expected = {(scheme, width, page) for scheme in SCHEMES for width in WIDTHS for page in layout_report.pages}
    assert layout_report.visited == expected


def test_each_scheme_asked_for_is_the_scheme_the_pages_show(layout_report: LayoutReport):
    assert layout_report.schemes_shown == {scheme: {material} for scheme, material in SCHEMES.items()}


def test_no_equation_number_is_drawn_over_its_formula_or_cut_off(layout_report: LayoutReport):
    assert layout_report.of("numbers") == {}


def test_no_table_or_display_formula_is_cut_off_or_reaches_past_the_text_column(layout_report: LayoutReport):
    assert layout_report.of("content") == {}


def test_no_page_scrolls_sideways(layout_report: LayoutReport):
    assert layout_report.of("page") == {}


def test_the_decoder_steps_table_shows_every_column_on_a_laptop(layout_report: LayoutReport):
    """The text after it says "summing the last column": at 1280 px that column must be in view."""
    table = layout_report.decoder_table
    assert table is not None, "no table after the heading 'All four steps' on the encoder-decoder page"
    assert table["columns"] >= 8 and table["scrolls"] <= 1, table
