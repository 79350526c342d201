"""Negative controls for the browser checks: each check flags a deliberately broken page.

The broken pages are copies of real built pages with one thing changed (a formula that does not
parse, a diagram that is not drawn, a link that goes nowhere, a request to another host...),
served beside an untouched copy of the site, so the same check functions that pass on the real
site are shown to fail here. The copy is made of hard links; a changed file is always written
as a new file, so the built site itself is never modified.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    StaticServer,
    backlink_problems,
    cite_problems,
    code_entries,
    code_link_problems,
    code_links,
    diagram_problems,
    equation_anchors,
    instant_navigation_problems,
    layout_problems,
    math_problems,
    new_context,
    open_page,
    overflow_problems,
    palette_problems,
    permalink_problems,
    print_problems,
    resize,
    search_problems,
    site_origin,
    site_pages,
    watch,
)
from conftest import ROOT

#: Broken pages settle quickly or never: do not wait the full time for what will not come.
SHORT_MS = 1500


def linked_copy(site: Path, target: Path) -> Path:
    """A copy of the site whose files are hard links (fast, and the original is never touched)."""
    shutil.copytree(site, target, copy_function=os.link)
    return target


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` as a new file at ``path``, breaking any hard link to the built site."""
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def smallest_page_with(site: Path, needle: str) -> str:
    """The smallest top-level page (``name/``) whose HTML contains ``needle`` (quickest to load)."""
    pages = [
        (html.stat().st_size, page)
        for page in site_pages(site)
        if page.count("/") == 1
        and page.endswith("/")
        and needle in (html := site / page / "index.html").read_text(encoding="utf-8")
    ]
    assert pages, f"no page of the built site contains {needle}"
    return min(pages)[1]


def replace_once(html: str, pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> str:
    """Replace the first match of a regular expression; a pattern that matches nothing is a bug here."""
    changed, count = re.subn(pattern, replacement, html, count=1, flags=re.DOTALL)
    assert count == 1, f"fixture pattern not found: {pattern}"
    return changed


def first_equation_links(page: Any) -> list[tuple[str, str]]:
    """The code links of the page's first equation (the one the fixtures break)."""
    links = code_links(page)
    return [link for link in links if link[0] == links[0][0]]


def inject(html: str, snippet: str) -> str:
    """Put ``snippet`` at the start of the page's article."""
    return replace_once(html, r'(<article class="md-content__inner md-typeset">)', lambda m: m[1] + snippet)


class BrokenSite:
    """Broken copies of real pages, next to an untouched copy of the built site."""

    def __init__(self, site: Path, root: Path) -> None:
        self.root = linked_copy(site, root)
        self.equations = smallest_page_with(site, 'class="rm-equation"')
        self.diagrams = smallest_page_with(site, 'class="mermaid"')

    def source(self, page: str) -> str:
        return (self.root / page / "index.html").read_text(encoding="utf-8")

    def add(self, name: str, html: str) -> str:
        rewrite(self.root / name / "index.html", html)
        return f"{name}/"


@pytest.fixture(scope="module")
def broken(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BrokenSite, StaticServer]]:
    site = BrokenSite(built_site, tmp_path_factory.mktemp("broken") / "site")
    server = StaticServer(site.root, site_origin(ROOT / "mkdocs.yml"))
    yield site, server
    server.close()


@pytest.fixture
def page(browser: Any, broken: tuple[BrokenSite, StaticServer]) -> Iterator[Any]:
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.traffic = watch(page, broken[1].url)
    yield page
    context.close()


def load(
    page: Any,
    broken: tuple[BrokenSite, StaticServer],
    name: str,
    mutate: Callable[[str], str],
    source: str | None = None,
) -> None:
    """Add a broken copy of a real page (the equation page unless ``source`` says) and open it."""
    site, server = broken
    path = site.add(name, mutate(site.source(source or site.equations)))
    open_page(page, server.url + path, timeout_ms=SHORT_MS)


# ---------------------------------------------------------------- formulas


def test_a_formula_katex_cannot_parse_is_flagged(page, broken):
    load(
        page,
        broken,
        "bad-formula",
        lambda html: replace_once(html, r'(<div class="arithmatex">\\\[\s*)', lambda m: m[1] + r"\notacommand "),
    )
    # KaTeX's auto-render logs the parse error and leaves the source in place.
    assert any(p.startswith("formula not typeset: \\[\n\\notacommand") for p in math_problems(page))
    traffic = page.traffic.problems()
    assert any(p.startswith("console error: KaTeX auto-render: Failed to parse") for p in traffic), traffic


def test_formulas_left_untypeset_are_flagged(page, broken):
    load(
        page,
        broken,
        "untypeset",
        lambda html: replace_once(html, r'<script src="[./]*javascripts/katex-init\.js"></script>', ""),
    )
    problems = math_problems(page)
    assert any(p.startswith("formula not typeset") for p in problems)
    assert any(p.startswith("raw \\") for p in problems)


def test_katex_fonts_that_do_not_load_are_flagged(page, broken):
    site, _ = broken
    nofonts = site.root / "assets" / "vendor" / "katex-nofonts"
    nofonts.mkdir(exist_ok=True)
    shutil.copy(site.root / "assets" / "vendor" / "katex" / "katex.min.css", nofonts / "katex.min.css")
    load(
        page,
        broken,
        "no-fonts",
        lambda html: html.replace("vendor/katex/katex.min.css", "vendor/katex-nofonts/katex.min.css"),
    )
    assert any("font" in p and "KaTeX" in p for p in math_problems(page))
    assert any("HTTP 404" in p for p in page.traffic.problems())


# ---------------------------------------------------------------- diagrams


def test_a_diagram_whose_library_is_missing_is_flagged_and_its_download_blocked(page, broken):
    site, _ = broken
    load(
        page,
        broken,
        "no-mermaid",
        lambda html: replace_once(html, r'<script src="[./]*assets/vendor/mermaid/mermaid\.min\.js"></script>', ""),
        site.diagrams,
    )
    assert any("drawn" in p for p in diagram_problems(page, 1))
    assert any(p.startswith("request to another host (blocked)") for p in page.traffic.problems())


def test_a_diagram_with_a_syntax_error_is_flagged(page, broken):
    site, _ = broken
    load(
        page,
        broken,
        "bad-diagram",
        lambda html: replace_once(
            html,
            r'(<pre class="mermaid"><code>).*?(</code></pre>)',
            lambda m: m[1] + "graph LR\n  A --&gt; ((( B" + m[2],
        ),
        site.diagrams,
    )
    assert diagram_problems(page, 1) != []


def test_a_diagram_missing_from_the_page_is_flagged(page, broken):
    site, _ = broken
    load(
        page,
        broken,
        "no-diagram",
        lambda html: re.sub(r'<pre class="mermaid">.*?</pre>', "", html, flags=re.DOTALL),
        site.diagrams,
    )
    assert any("diagram(s) in the source" in p for p in diagram_problems(page, 1))


# ---------------------------------------------------------------- links


def test_a_permalink_to_the_wrong_anchor_is_flagged(page, broken):
    load(
        page,
        broken,
        "bad-permalink",
        lambda html: replace_once(html, r'class="rm-permalink" href="#[^"]+"', 'class="rm-permalink" href="#eq-gone"'),
    )
    assert any("permalink" in p for p in permalink_problems(page, only=1))


def test_a_code_link_to_a_missing_entry_is_flagged(page, broken):
    load(
        page,
        broken,
        "dead-code-link",
        lambda html: replace_once(
            html,
            r'(rm-equation-caption.*?<a class="autorefs autorefs-internal"[^>]*href="[^"#]*#)[^"]+',
            lambda m: m[1] + "rnn_math.no_such_function",
        ),
    )
    problems, _ = code_link_problems(page, first_equation_links(page), code_entries(), equation_anchors())
    assert any("rnn_math.no_such_function" in p for p in problems)


def test_a_code_link_to_another_equations_code_is_flagged(page, broken):
    def swap(html: str) -> str:
        hrefs = re.findall(r'rm-equation-caption.*?<a class="autorefs autorefs-internal"[^>]*href="([^"]+)"', html)
        other = next(href for href in hrefs if href != hrefs[0])
        return html.replace(f'href="{hrefs[0]}"', f'href="{other}"', 1)

    load(page, broken, "wrong-code-link", swap)
    problems, _ = code_link_problems(page, first_equation_links(page), code_entries(), equation_anchors())
    assert any("lands on" in p and "not on" in p for p in problems)


def test_an_api_entry_whose_back_link_misses_the_equation_is_flagged(page, broken):
    site, server = broken
    html = site.source(site.equations)
    eq_id = re.search(r'data-eq-id="([^"]+)"', html)[1]
    href = re.search(
        r'rm-equation-caption.*?<a class="autorefs autorefs-internal"[^>]*href="([^"]+)"', html, re.DOTALL
    )[1]
    api_page, entry = href.split("#")
    api_html = (site.root / site.equations / api_page / "index.html").resolve().read_text(encoding="utf-8")
    # The back-link keeps the equation's fragment but points at the home page, which does not show it.
    site.add(
        "api/broken-back-link", re.sub(r'href="[^"#]*#' + re.escape(eq_id) + '"', f'href="../../#{eq_id}"', api_html)
    )
    load(
        page,
        broken,
        "broken-back-link",
        lambda html: html.replace(f'href="{href}"', f'href="../api/broken-back-link/#{entry}"'),
    )
    link = [(eq_id, url) for eq_id, url in code_links(page) if "broken-back-link" in url]
    problems, backlinks = code_link_problems(page, link, code_entries(), equation_anchors())
    assert problems == [] and backlinks
    assert any(eq_id in p and "does not show the equation" in p for p in backlink_problems(page, backlinks))


# ---------------------------------------------------------------- network and console


def test_a_request_to_another_host_is_blocked_recorded_and_flagged(page, broken):
    load(page, broken, "external", lambda html: inject(html, '<img src="https://images.example.org/pixel.png" alt="">'))
    assert "request to another host (blocked): https://images.example.org/pixel.png" in page.traffic.problems()


def test_a_missing_file_is_flagged(page, broken):
    load(page, broken, "missing-file", lambda html: inject(html, '<img src="missing-figure.png" alt="">'))
    assert any("missing-figure.png (HTTP 404)" in p for p in page.traffic.problems())


def test_a_console_error_is_flagged(page, broken):
    load(
        page, broken, "console-error", lambda html: inject(html, '<script>console.error("deliberate failure")</script>')
    )
    assert "console error: deliberate failure" in page.traffic.problems()


# ---------------------------------------------------------------- layout, print, cite, palette


def test_content_wider_than_a_narrow_screen_is_flagged(page, broken):
    load(
        page, broken, "too-wide", lambda html: inject(html, '<div style="width: 900px">a line that does not wrap</div>')
    )
    page.set_viewport_size({"width": 375, "height": 740})
    assert any("375px viewport" in p for p in overflow_problems(page))


#: A numbered display formula far wider than a phone: forty terms and the number (9.9).
LONG_EQUATION = (
    '<div class="rm-equation"><div class="arithmatex">\\['
    + " + ".join(f"a_{{{i}}}" for i in range(1, 41))
    + r" \tag{9.9}\]</div></div>"
)

#: A table far wider than a phone, as Material shows tables: in its scrolling wrapper.
WIDE_TABLE = (
    "<table><tr>"
    + "".join(f"<td>column&nbsp;{i}&nbsp;of&nbsp;a&nbsp;wide&nbsp;table</td>" for i in range(12))
    + "</tr></table>"
)


def without_number_placement(site: Any) -> str:
    """A copy of katex-init.js that typesets but leaves KaTeX's numbers where KaTeX puts them."""
    script = (site.root / "javascripts" / "katex-init.js").read_text(encoding="utf-8")
    unplaced = script.replace("    placeEquationNumbers(body);\n", "")
    assert unplaced != script, "katex-init.js no longer calls placeEquationNumbers: update this fixture"
    rewrite(site.root / "javascripts" / "katex-init-unplaced.js", unplaced)
    return "katex-init-unplaced.js"


def test_a_long_formula_keeps_its_number_beside_it_on_a_phone(page, broken):
    load(page, broken, "long-formula", lambda html: inject(html, LONG_EQUATION))
    resize(page, 390)
    found = layout_problems(page)
    assert page.query_selector(".rm-eq-row .rm-eq-number") is not None
    assert not any("(9.9)" in p for p in found["numbers"] + found["content"]), found


def test_an_equation_number_drawn_over_its_formula_is_flagged(page, broken):
    site, _ = broken
    script = without_number_placement(site)
    load(
        page,
        broken,
        "number-over-formula",
        lambda html: inject(
            replace_once(html, r'(<script src="[./]*javascripts/)katex-init\.js', lambda m: m[1] + script),
            LONG_EQUATION,
        ),
    )
    resize(page, 390)
    assert any(
        p.startswith("equation (9.9): its number") and "drawn over its formula" in p
        for p in layout_problems(page)["numbers"]
    )


def test_a_formula_spilling_out_of_its_box_is_flagged(page, broken):
    spill = "<style>.md-typeset .rm-eq-row > .katex-display { overflow: visible; }</style>"
    load(page, broken, "formula-spills", lambda html: inject(html, spill + LONG_EQUATION))
    resize(page, 390)
    found = layout_problems(page)
    assert any("equation (9.9)" in p and "outside the text column" in p for p in found["content"]), found


def test_a_wide_table_clipped_without_a_scrollbar_is_flagged(page, broken):
    clipped = "<style>.md-typeset__scrollwrap { overflow-x: hidden; }</style>"
    load(page, broken, "table-clipped", lambda html: inject(html, clipped + WIDE_TABLE))
    resize(page, 390)
    found = layout_problems(page)
    assert any(
        p.startswith('table "column 0 of a wide table') and "is cut off by div.md-typeset__scrollwrap" in p
        for p in found["content"]
    ), found


def test_a_wide_table_in_its_scroller_passes(page, broken):
    load(page, broken, "table-scrolls", lambda html: inject(html, WIDE_TABLE))
    resize(page, 390)
    found = layout_problems(page)
    assert page.evaluate(
        "(() => { const s = document.querySelector('.md-typeset__scrollwrap'); "
        "return s.scrollWidth > s.clientWidth; })()"
    )
    assert found["content"] == [] and found["page"] == [], found


def test_a_page_wider_than_the_screen_is_flagged_by_the_layout_check(page, broken):
    load(
        page,
        broken,
        "too-wide-layout",
        lambda html: inject(html, '<div style="width: 900px">a line that does not wrap</div>'),
    )
    resize(page, 390)
    assert any("scrolls sideways" in p and "390px viewport" in p for p in layout_problems(page)["page"])


def test_a_page_without_the_print_rules_is_flagged(page, broken):
    load(
        page,
        broken,
        "no-print-rules",
        lambda html: replace_once(html, r'<link rel="stylesheet" href="[./]*stylesheets/rnn-math\.css">', ""),
    )
    assert any("split across pages" in p for p in print_problems(page))


def test_equations_without_citation_snippets_are_flagged(page, broken):
    load(
        page,
        broken,
        "no-cite",
        lambda html: replace_once(html, r'<script src="[./]*javascripts/cite\.js"></script>', ""),
    )
    assert any("Markdown snippet None" in p for p in cite_problems(page, "rnn-math"))


def test_a_citation_naming_the_wrong_equation_is_flagged(page, broken):
    load(page, broken, "wrong-cite", lambda html: html)
    page.evaluate(
        "document.querySelector('.rm-equation').dataset.eqNumber = '99.1'"
    )  # the snippets now cite another number
    assert any("snippet" in p for p in cite_problems(page, "rnn-math"))


def test_a_page_without_a_palette_toggle_is_flagged(page, broken):
    load(
        page,
        broken,
        "no-palette",
        lambda html: replace_once(html, r'<form class="md-header__option" data-md-component="palette">.*?</form>', ""),
    )
    assert palette_problems(page) == ["no visible light/dark toggle"]


# ---------------------------------------------------------------- site-wide breakage


@pytest.fixture(scope="module")
def broken_scripts(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """A copy of the site that typesets math only on the first load, and has no search index."""
    root = linked_copy(built_site, tmp_path_factory.mktemp("broken-scripts") / "site")
    init = (root / "javascripts" / "katex-init.js").read_text(encoding="utf-8")
    once = init.replace(
        "document$.subscribe(({ body }) => {",
        'document.addEventListener("DOMContentLoaded", () => { const body = document.body;',
    )
    assert once != init, "katex-init.js no longer subscribes to document$: update this fixture"
    rewrite(root / "javascripts" / "katex-init.js", once)
    (root / "search" / "search_index.json").unlink()
    server = StaticServer(root, site_origin(ROOT / "mkdocs.yml"))
    yield server
    server.close()


def test_math_left_untypeset_after_instant_navigation_is_flagged(browser, broken_scripts):
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_page(page, broken_scripts.url)
    problems: list[str] = []
    while page.query_selector("a.md-footer__link--next") and not problems:  # on to the first page with math
        problems = instant_navigation_problems(page, "a.md-footer__link--next")
    context.close()
    assert any("formula not typeset" in p for p in problems)


def test_a_site_whose_search_index_is_missing_is_flagged(browser, broken_scripts):
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_page(page, broken_scripts.url)
    problems = search_problems(page, "equation", timeout_ms=3000)
    context.close()
    assert problems != []
