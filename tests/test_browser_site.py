"""Every page of the built site, as a reader's browser shows it.

One visit per page (a session fixture) records what every check finds; each test then states
one behaviour over all pages. The pages are discovered from the built site, so a new page is
covered without touching this file. The checks themselves are proven to fail on broken pages
in ``test_browser_catches_breakage.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    backlink_problems,
    cite_problems,
    code_entries,
    code_link_problems,
    code_links,
    diagram_problems,
    equation_anchors,
    instant_navigation_problems,
    math_problems,
    mermaid_fences,
    new_context,
    open_page,
    overflow_problems,
    palette_problems,
    permalink_problems,
    print_problems,
    search_problems,
    site_pages,
    source_of,
    watch,
)
from conftest import DOCS, ROOT

from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs

ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 375, "height": 740}


def project_name() -> str:
    """The site's name, as mkdocs.yml declares it (the citation snippets use it)."""
    return re.search(r"^site_name:\s*(.+?)\s*$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)[1]


@dataclass
class SiteReport:
    """What one visit of every page found, by check, then by page."""

    pages: list[str]
    problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    equations: Counter[str] = field(default_factory=Counter)
    code_links: list[tuple[str, str]] = field(default_factory=list)

    def record(self, check: str, page: str, problems: list[str]) -> None:
        if problems:
            self.problems.setdefault(check, {})[page or "(home)"] = problems

    def of(self, check: str) -> dict[str, list[str]]:
        return self.problems.get(check, {})


@pytest.fixture(scope="session")
def site_report(browser: Any, site_server: Any, built_site: Path) -> SiteReport:
    """Visit every page once at desktop width and once narrow, then follow every code link."""
    report = SiteReport(site_pages(built_site))
    context = new_context(browser, viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    traffic = watch(page, site_server.url)
    project = project_name()
    for path in report.pages:
        open_page(page, site_server.url + path)
        source = source_of(path, DOCS)
        expected_diagrams = mermaid_fences(source.read_text(encoding="utf-8")) if source else 0
        report.record("math", path, math_problems(page))
        report.record("diagrams", path, diagram_problems(page, expected_diagrams))
        report.record("cite", path, cite_problems(page, project))
        report.record("permalinks", path, permalink_problems(page))
        report.equations.update(
            page.eval_on_selector_all(".rm-equation[data-eq-id]", "els => els.map(e => e.dataset.eqId)")
        )
        report.code_links += code_links(page)
        page.set_viewport_size(NARROW)
        report.record("narrow", path, overflow_problems(page))
        page.set_viewport_size(DESKTOP)
        report.record("traffic", path, traffic.problems())
    problems, backlinks = code_link_problems(page, report.code_links, code_entries(), equation_anchors())
    report.record("code links", "(every equation)", problems)
    report.record("back-links", "(every API entry)", backlink_problems(page, backlinks))
    report.record("traffic", "(following code links)", traffic.problems())
    context.close()
    return report


def test_the_visit_covers_every_built_page(site_report: SiteReport, built_site: Path):
    assert "" in site_report.pages and len(site_report.pages) == len(list(built_site.glob("**/*.html"))) - len(
        list((built_site / "assets").glob("**/*.html"))
    )


def test_no_page_requests_another_host_fails_a_request_or_logs_an_error(site_report: SiteReport):
    assert site_report.of("traffic") == {}


def test_every_formula_is_typeset_in_katex_fonts(site_report: SiteReport):
    assert site_report.of("math") == {}


def test_every_mermaid_diagram_is_drawn_as_svg(site_report: SiteReport):
    assert site_report.of("diagrams") == {}


def test_every_registered_equation_is_shown_exactly_once(site_report: SiteReport):
    placed = set(scan_docs().placements)
    assert {eq_id: n for eq_id, n in site_report.equations.items() if n != 1} == {}
    assert set(site_report.equations) == placed


def test_every_equation_permalink_scrolls_its_equation_into_view(site_report: SiteReport):
    assert site_report.of("permalinks") == {}


def test_every_code_link_lands_on_its_api_entry(site_report: SiteReport):
    assert site_report.code_links, "no code link found on any page"
    assert site_report.of("code links") == {}


def test_every_api_entry_links_back_to_its_equation(site_report: SiteReport):
    assert site_report.of("back-links") == {}


def test_every_equation_offers_its_permalink_and_citation_snippets(site_report: SiteReport):
    assert site_report.of("cite") == {}


def test_no_page_overflows_a_narrow_screen(site_report: SiteReport):
    assert site_report.of("narrow") == {}


def test_math_is_typeset_after_instant_navigation_through_every_page(
    browser: Any, site_server: Any, site_report: SiteReport
):
    """Walk the footer's "next" links from the home page: Material swaps each page in place."""
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    traffic = watch(page, site_server.url)
    open_page(page, site_server.url)
    visited, problems = {""}, []
    while page.query_selector("a.md-footer__link--next"):
        problems += instant_navigation_problems(page, "a.md-footer__link--next")
        path = page.evaluate("location.pathname").lstrip("/")
        if path in visited:
            break
        visited.add(path)
        problems += [f"{path}: {p}" for p in diagram_problems(page, 0) + traffic.problems()]
    context.close()
    assert problems == []
    assert visited == set(site_report.pages) - {"404.html"}


def derivation_page() -> str:
    """The page that displays the most equations."""
    pages = Counter(place.page for places in scan_docs().placements.values() for place in places)
    page = pages.most_common(1)[0][0].removesuffix(".md")
    return "" if page == "index" else f"{page}/"


def test_light_and_dark_screenshots_of_a_derivation_page(browser: Any, site_server: Any):
    context = new_context(browser, viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    traffic = watch(page, site_server.url)
    open_page(page, site_server.url + derivation_page())
    ARTIFACTS.mkdir(exist_ok=True)
    page.eval_on_selector(".rm-equation", "e => e.scrollIntoView()")
    page.screenshot(path=ARTIFACTS / "derivation-light.png")
    problems = palette_problems(page)
    page.screenshot(path=ARTIFACTS / "derivation-dark.png")
    problems += math_problems(page) + traffic.problems()
    context.close()
    assert problems == []
    assert (ARTIFACTS / "derivation-light.png").stat().st_size > 10_000
    assert (ARTIFACTS / "derivation-dark.png").read_bytes() != (ARTIFACTS / "derivation-light.png").read_bytes()


def test_search_finds_an_equation_offline(browser: Any, site_server: Any):
    eq = next(iter(registry().values()))
    word = max(re.findall(r"[A-Za-z]{4,}", eq.title), key=len)
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    traffic = watch(page, site_server.url)
    open_page(page, site_server.url)
    problems = search_problems(page, word) + traffic.problems()
    context.close()
    assert problems == []


def test_printing_keeps_every_equation_whole(browser: Any, site_server: Any):
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    open_page(page, site_server.url + derivation_page())
    problems = print_problems(page)
    context.close()
    assert problems == []


def test_the_copy_permalink_button_puts_the_permalink_on_the_clipboard(browser: Any, site_server: Any):
    context = new_context(browser, viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    open_page(page, site_server.url + derivation_page())
    eq_id = page.eval_on_selector(".rm-equation[data-eq-id]", "e => e.dataset.eqId")
    page.click(f'.rm-equation[data-eq-id="{eq_id}"] .rm-cite summary')
    page.click(f'.rm-equation[data-eq-id="{eq_id}"] [data-rm-cite=permalink]')
    copied = page.evaluate("navigator.clipboard.readText()")
    expected = page.evaluate("location.origin + location.pathname") + f"#{eq_id}"
    context.close()
    assert copied == expected
