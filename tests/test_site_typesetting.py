"""Typesetting on the built pages, read from the HTML: one number format, and mistakes in LaTeX.

Two checks of what a reader sees outside formulas and code: no number in a programming language's
float notation (``1e-07``) beside the typeset ones (1 × 10⁻¹³), on any page; and no raw ``^`` or
``_`` (pseudo-LaTeX such as ``h^t``) in the headings, descriptions and check names of the mistake
catalogues, which must be formulas KaTeX renders. Each check is shown to fail on a planted page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

#: Elements that are code or math, not prose: their text may hold ``1e-7`` or ``h^t`` legitimately.
_NOT_PROSE = {"pre", "code", "script", "style", "template", "noscript"}
#: Elements that have no end tag.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: A number in float notation: 1e-07, 2.5E+3, 1e200 (not "e.g.", not an id such as "eq-1e").
_FLOAT_NOTATION = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?[eE][+-]?\d+\b")
#: Pseudo-LaTeX: a raw superscript or subscript mark.
_RAW_SCRIPT = re.compile(r"[\^_]")

#: The mistake catalogues: page, and the ids of the headings that open and close the part to read.
CATALOGUES = {
    "mistakes": (None, "slips-in-the-source-texts"),
    "bptt": ("plausible-wrong-versions", "try-it"),
    "lstm": ("mistakes-every-check-rejects", None),
    "gru": ("mistakes-every-check-rejects", None),
}


class ProseText(HTMLParser):
    """The text of a page's article outside code and typeset math (Arithmatex's spans and blocks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[bool] = []  # for each open element: does it start a part that is not prose?
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        skip = tag in _NOT_PROSE or "arithmatex" in classes
        self._open.append(skip)
        self._skipping += skip

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._open:
            self._skipping -= self._open.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def prose(html: str) -> str:
    """The prose of an HTML fragment, whitespace collapsed."""
    parser = ProseText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def article(html: str, start: str | None = None, stop: str | None = None) -> str:
    """The page's article, or the part of it from the heading with id `start` to the one with id `stop`."""
    body = html[html.index("<article") : html.index("</article>")]
    begin = body.index(f'id="{start}"') if start else 0
    end = body.index(f'id="{stop}"') if stop else len(body)
    return body[begin:end]


def float_notation(html: str) -> list[str]:
    """Every number written in float notation in the prose of a page's article, with its context."""
    text = prose(article(html))
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in _FLOAT_NOTATION.finditer(text)]


def raw_scripts(html: str) -> list[str]:
    """Every raw ``^`` or ``_`` in the prose of an HTML fragment, with its context."""
    text = prose(html)
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in _RAW_SCRIPT.finditer(text)]


def _page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_no_page_writes_a_number_in_float_notation(built_site: Path):
    found = {
        str(page.relative_to(built_site)): hits
        for page in sorted(built_site.rglob("*.html"))
        if "<article" in (html := page.read_text(encoding="utf-8")) and (hits := float_notation(html))
    }
    assert found == {}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_mistake_catalogue_is_typeset_with_no_raw_script(built_site: Path, name: str):
    start, stop = CATALOGUES[name]
    part = article(_page(built_site, name), start, stop)
    assert "<h3" in part or "<table" in part  # the part holds a catalogue: the check reads something
    assert raw_scripts(part) == []


PLANTED = '<article><h1 id="t">Page</h1><p>{}</p><h2 id="next">Next</h2></article>'


@pytest.mark.parametrize("text", ["a tolerance of 1e-07 here", "it grows to 1e200", "about 2.5E+3 steps"])
def test_a_number_in_float_notation_is_found(text: str):
    assert float_notation(PLANTED.format(text))


@pytest.mark.parametrize(
    "text",
    [
        "<code>tol = 1e-7</code>",
        '<span class="arithmatex">\\(1 \\times 10^{-7}\\)</span>',
        "e.g. 3 steps, eq-1e2 and 10⁻⁷",
    ],
)
def test_code_math_and_ordinary_words_are_not_float_notation(text: str):
    assert float_notation(PLANTED.format(text)) == []


@pytest.mark.parametrize("text", ["h^t also feeds z^{t+1}", "W_h not transposed"])
def test_pseudo_latex_in_a_catalogue_is_found(text: str):
    assert raw_scripts(PLANTED.format(text))


def test_typeset_math_in_a_catalogue_passes():
    html = PLANTED.format('<span class="arithmatex">\\(h^t\\)</span> also feeds <code>W_h</code>')
    assert raw_scripts(html) == []


def test_a_catalogue_part_runs_from_its_heading_to_the_next():
    html = '<article><p>x_1</p><h2 id="a">A</h2><p>y</p><h2 id="b">B</h2><p>z_2</p></article>'
    assert raw_scripts(article(html, "a", "b")) == []
    assert raw_scripts(article(html)) != []
