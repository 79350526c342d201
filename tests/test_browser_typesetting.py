"""Typesetting a reader sees in the browser: diagram labels, and punctuation kept with its formula.

The checking functions take a loaded page and return the problems they see; the tests of
``ORPHAN_FIXTURE`` below show the punctuation check fails on a page that wraps a ")" alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_support import diagram_problems, new_context, open_page, site_pages

PHONE = {"width": 390, "height": 844}
#: The pages with Mermaid diagrams whose labels hold formulas.
DIAGRAM_PAGES = ("forward/", "encoder-decoder/")

#: Punctuation after an inline formula that starts a later line than the formula ends on.
_ORPHANS = """() => {
  const problems = [];
  const CLOSING = /^[)\\]}.,;:!?’”…]/u;
  for (const math of document.querySelectorAll(".md-typeset span.arithmatex")) {
    if (math.closest("td, th, .katex-display")) continue;
    // The text right after the formula: its next sibling, or the wrapper's next sibling.
    let node = math.nextSibling;
    if (!node && math.parentElement.matches(".rm-nowrap")) node = math.parentElement.nextSibling;
    if (!node || node.nodeType !== Node.TEXT_NODE || !CLOSING.test(node.data)) continue;
    const range = document.createRange();
    range.setStart(node, 0);
    range.setEnd(node, 1);
    const mark = range.getBoundingClientRect(), formula = math.getBoundingClientRect();
    if (mark.height === 0 || formula.height === 0) continue;
    if (mark.top >= formula.bottom - 1)
      problems.push(`"${node.data[0]}" after ${math.textContent.trim().slice(0, 40)} starts a line of its own`);
  }
  return problems;
}"""

#: Diagram labels: any raw "_" or "^" (pseudo-LaTeX), and how many sub- or superscripts are drawn.
_LABELS = """() => {
  const problems = [];
  let scripts = 0;
  for (const host of document.querySelectorAll("div.mermaid")) {
    const root = host.shadowRoot;
    if (!root) { problems.push("diagram in a closed shadow root"); continue; }
    for (const label of root.querySelectorAll(".nodeLabel, .edgeLabel")) {
      if (/[_^]/.test(label.textContent)) problems.push(`raw script in a label: ${label.textContent.slice(0, 60)}`);
      scripts += label.querySelectorAll("sub, sup").length;
    }
  }
  return { problems, scripts };
}"""


def orphan_problems(page: Any) -> list[str]:
    """Closing punctuation after an inline formula drawn at the start of a later line."""
    return page.evaluate(_ORPHANS)


def label_problems(page: Any) -> list[str]:
    """Raw pseudo-LaTeX in diagram labels, or labels that draw no sub- or superscript at all."""
    result = page.evaluate(_LABELS)
    return result["problems"] + ([] if result["scripts"] else ["no diagram label draws a sub- or superscript"])


def chapter_pages(site: Path) -> list[str]:
    return [page for page in site_pages(site) if not page.startswith("api/")]


def test_no_punctuation_after_an_inline_formula_starts_a_line_on_a_phone(
    browser: Any, site_server: Any, built_site: Path
):
    context = new_context(browser, viewport=PHONE)
    page = context.new_page()
    problems = {}
    for path in chapter_pages(built_site):
        open_page(page, site_server.url + path)
        found = orphan_problems(page)
        if found:
            problems[path or "(home)"] = found
    context.close()
    assert problems == {}


#: A paragraph as a phone lays it out without the site's rule: the formula is an inline block, and
#: the line is just wide enough for it, so the ")" after it breaks onto a line of its own.
ORPHAN_FIXTURE = """<!doctype html><meta charset="utf-8">\
<div class="md-typeset" style="width: 10ch; font: 16px monospace">
<p><span class="arithmatex" style="display: inline-block">xxxxxxxxxx</span>) and more</p></div>"""


def test_the_punctuation_check_catches_a_wrapped_parenthesis(browser: Any):
    context = new_context(browser, viewport=PHONE)
    page = context.new_page()
    page.set_content(ORPHAN_FIXTURE)
    problems = orphan_problems(page)
    context.close()
    assert len(problems) == 1 and problems[0].startswith('")" after xxxxxxxxxx')


def test_diagram_labels_are_typeset_with_sub_and_superscripts(browser: Any, site_server: Any):
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = {}
    for path in DIAGRAM_PAGES:
        open_page(page, site_server.url + path)
        found = diagram_problems(page, 1) + label_problems(page)
        if found:
            problems[path] = found
    context.close()
    assert problems == {}


LABEL_FIXTURE = """<!doctype html><meta charset="utf-8"><div class="mermaid"></div><script>
const root = document.querySelector("div.mermaid").attachShadow({ mode: "open" });
root.innerHTML = '<svg><g class="node"><foreignObject><span class="nodeLabel">z_t = W_h h_(t−1)</span>' +
  '</foreignObject></g></svg>';
</script>"""


def test_the_label_check_catches_pseudo_latex(browser: Any):
    context = new_context(browser)
    page = context.new_page()
    page.set_content(LABEL_FIXTURE)
    problems = label_problems(page)
    context.close()
    assert problems[0].startswith("raw script in a label: z_t") and problems[-1].startswith("no diagram label")
