"""The built site: strict, self-contained, and every equation shown with its number, anchor and links."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from conftest import ROOT

from rnn_math.core.registry import registry
from rnn_math_docs.docs_index import scan_docs

#: Elements whose URL attribute the browser fetches when the page loads.
FETCHED = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "link": "href",
}


class FetchedUrls(HTMLParser):
    """Collect every URL a page makes the browser fetch (canonical and alternate links excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") in ("canonical", "alternate"):
            return
        url = values.get(FETCHED.get(tag, ""))
        if url:
            self.urls.append(url)


def external_requests(site: Path) -> list[str]:
    """Every fetched URL, in HTML or CSS, that points to another host."""
    found = []
    for page in site.rglob("*.html"):
        parser = FetchedUrls()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.relative_to(site)}: {url}" for url in parser.urls if re.match(r"^(https?:)?//", url)]
    for sheet in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", sheet.read_text(encoding="utf-8")):
            found.append(f"{sheet.relative_to(site)}: {url}")
    return found


def test_strict_build_succeeds(built_site: Path):
    assert (built_site / "index.html").is_file()


def test_no_page_or_stylesheet_fetches_from_another_host(built_site: Path):
    assert external_requests(built_site) == []


def test_the_offline_check_catches_an_external_script(tmp_path: Path):
    (tmp_path / "index.html").write_text('<script src="https://cdn.example.org/katex.js"></script>')
    (tmp_path / "x.css").write_text("@font-face { src: url(https://fonts.example.org/a.woff2) }")
    assert len(external_requests(tmp_path)) == 2


def test_katex_and_mermaid_are_served_by_the_site(built_site: Path):
    for path in (
        "katex/katex.min.js",
        "katex/contrib/auto-render.min.js",
        "katex/katex.min.css",
        "mermaid/mermaid.min.js",
    ):
        assert (built_site / "assets" / "vendor" / path).stat().st_size > 1000
    assert list((built_site / "assets" / "vendor" / "katex" / "fonts").glob("KaTeX_Main-Regular.woff2"))


def test_every_equation_is_rendered_with_anchor_number_and_code_links(built_site: Path):
    index = scan_docs()
    for eq in registry().values():
        page = index.page(eq.id).removesuffix(".md")
        html = (built_site / (page if page != "index" else "") / "index.html").read_text(encoding="utf-8")
        number = index.number(eq.id)
        assert f'id="{eq.id}"' in html, eq.id
        assert f"\\tag{{{number}}}" in html, eq.id
        caption = html[html.index(f'data-eq-id="{eq.id}"') :]
        caption = caption[: caption.index("</div>\n", caption.index("rm-equation-caption"))]
        assert f'href="#{eq.id}"' in caption
        assert f'#{eq.numpy_path}"' in caption and f'#{eq.sympy_path}"' in caption


def test_every_implementation_links_back_to_its_equation(built_site: Path):
    index = scan_docs()
    api_html = "".join(p.read_text(encoding="utf-8") for p in (built_site / "api").rglob("index.html"))
    for eq in registry().values():
        page = index.page(eq.id).removesuffix(".md")
        for role in ("Implements", "Symbolic twin of"):
            back = re.escape(f"<strong>{role}</strong> <a ") + r'[^>]*href="[./]*' + re.escape(f'{page}/#{eq.id}"')
            assert re.search(back, api_html), (eq.id, role)


def katex_failures(formulas: list[str]) -> list:
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "katex_check.js")],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout)


def test_every_registered_formula_typesets_in_katex():
    equations = list(registry().values())
    failures = katex_failures([eq.latex + r" \tag{1.1}" for eq in equations])
    assert [(equations[i].id, message) for i, message in failures] == []


def test_the_katex_check_rejects_a_broken_formula():
    assert len(katex_failures([r"\frac{a}{", r"x^{t"])) == 2
