"""The built site speaks to readers: no internal words in the visible text of any page.

The two source texts are "the blog post" and "the RNN-theory notes", so "seed" only ever means a
random seed; no page speaks of issues, targets met or missed, or the people and machines that
built it. Code listings (``<pre>``), scripts and styles are not prose and are skipped; so is the
search index, which is not HTML.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import ROOT

#: Phrases that must not reach a reader, each with why (case-insensitive, whitespace-normalised).
INTERNAL_PHRASES: dict[str, str] = {
    r"(?<!random )\bseeds? [12]\b": "a source text called by number ('seed 1', 'seed 2')",
    r"\bseeds'": "the source texts called 'the seeds'",
    r"\bthe seeds\b": "the source texts called 'the seeds'",
    r"\bissues?\b": "an issue of the project's tracker",
    r"\btargets? (?:not )?met\b": "a target met or missed",
    r"\bnot met\b": "a target not met",
    r"\bissue's machine\b": "the machine of an issue",
    r"\bwanted\s*(?:≤|<=|&le;)": "a wanted bound from a target table",
    # "helper" alone is fine (a helper function); a named helper or session is not.
    r"\b(?:helpers?|lead) (?:H\d+|sessions?)\b": "the people or sessions that worked on the project",
    r"\bthe team(?:'s)?\b": "the team that built the site",
    r"\bour machines?\b": "the team's machines",
    r"(?:^|\s)/(?:work|tmp)/": "a path on the machine that built the site",
}

#: Elements whose text is not prose a reader reads: code listings, scripts, styles.
SKIPPED = {"pre", "script", "style", "template", "noscript"}


class VisibleText(HTMLParser):
    """The text of a page outside code listings, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible prose, whitespace collapsed to single spaces."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def internal_phrases(html: str) -> list[str]:
    """Every internal phrase in a page's visible text, each with its context and why it is one."""
    text = visible_text(html)
    found = []
    for pattern, why in INTERNAL_PHRASES.items():
        for match in re.finditer(pattern, text, re.IGNORECASE):
            context = text[max(0, match.start() - 40) : match.end() + 40]
            found.append(f"{match.group(0).strip()!r} ({why}): …{context}…")
    return found


def site_problems(site: Path) -> list[str]:
    """Internal phrases on every built HTML page, named by page."""
    return [
        f"{page.relative_to(site)}: {problem}"
        for page in sorted(site.rglob("*.html"))
        for problem in internal_phrases(page.read_text(encoding="utf-8"))
    ]


def test_no_page_shows_an_internal_phrase(built_site: Path):
    assert site_problems(built_site) == []


def test_every_page_was_read(built_site: Path):
    # Guards the test above against passing on an empty or misplaced site.
    pages = list(built_site.rglob("*.html"))
    assert len(pages) >= 20
    assert "Backpropagation through time" in visible_text(
        (built_site / "bptt" / "index.html").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    "planted",
    [
        "Seed 2 translates the sentence.",
        "as seed 1 writes it",
        "the seeds' notation",
        "both of the seeds agree",
        "see issue 15",
        "Targets not met",
        "the target met",
        "obvious loop, issue's machine",
        "wanted ≤ 0.6×",
        "helper H5 wrote this",
        "the lead session decided",
        "measured on our machine",
        "the team's choice",
        "read from /work/shared",
    ],
)
def test_a_planted_phrase_is_found(planted: str):
    html = f"<html><body><h1>Page</h1><p>Some prose. {planted} More prose.</p></body></html>"
    assert len(internal_phrases(html)) >= 1, planted


def test_a_phrase_broken_over_lines_and_tags_is_found():
    assert internal_phrases("<p>as <em>seed</em>\n   2 has it</p>")


def test_a_random_seed_is_not_an_internal_phrase():
    html = (
        "<p>parameters drawn with random seed 2, and a fixed random seed; the seed is an integer;"
        " built from the same helpers</p>"
    )
    assert internal_phrases(html) == []


def test_code_listings_and_scripts_are_not_prose():
    html = (
        "<p>Prose.</p><pre><code>rng = default_rng(seed)  # seed 2 of the issue</code></pre>"
        "<script>var issue = 'seed 1';</script><style>.issue {}</style>"
    )
    assert internal_phrases(html) == []


# ---------------------------------------------------------------- the reading path


def reading_order(mkdocs_yml: str) -> list[tuple[str, str]]:
    """(title, page) of every top-level nav entry up to the API reference, in order."""
    order = []
    for title, page in re.findall(r"^  - ([^:\n]+): (\S+\.md)\s*$", mkdocs_yml, re.MULTILINE):
        order.append((title, page))
    return order + [("API reference", "api/index.md")]


def next_link(html: str) -> str | None:
    """The title after the last "Next:" of a page's visible text, or None if it has none."""
    found = re.findall(r"Next: ([^.]+?) \.", visible_text(html))
    return found[-1] if found else None


def built_page(site: Path, page: str) -> Path:
    """The HTML file MkDocs builds from a page of the nav."""
    stem = page.removesuffix(".md")
    return site / "index.html" if stem == "index" else site / stem.removesuffix("/index") / "index.html"


def test_every_chapter_ends_with_a_link_to_the_next(built_site: Path):
    order = reading_order((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert len(order) >= 14
    found = {page: next_link(built_page(built_site, page).read_text(encoding="utf-8")) for _, page in order[:-1]}
    expected = {page: following for (_, page), (following, _) in pairwise(order)}
    assert found == expected


def test_the_home_page_lists_every_chapter(built_site: Path):
    home = (built_site / "index.html").read_text(encoding="utf-8")
    reading_path = home[home.index('id="reading-path"') : home.index('id="where-the-numbers-come-from"')]
    listed = re.findall(r'<li><a href="[^"]*">([^<]+)</a>', reading_path)
    chapters = [title for title, _ in reading_order((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))[1:-1]]
    assert listed == chapters


def test_a_page_without_next_or_with_the_wrong_next_is_told_apart():
    assert next_link("<p>The end.</p>") is None
    assert next_link('<p>Next: <a href="../forward/">Forward pass</a>.</p>') == "Forward pass"
    assert next_link('<p>Next: <a href="../bptt/">Backpropagation through time</a>.</p>') != "Gradient flow"
