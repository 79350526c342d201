"""The built site in a real browser: a local server, one headless Chromium, and page checks.

Each check takes a loaded Playwright page and returns the problems it sees, as sentences; an
empty list means the page passed. The same functions inspect the real site and the deliberately
broken fixtures of ``test_browser_catches_breakage.py``, which prove each check can fail.

Registered as a pytest plugin by ``conftest.py`` so that every test module shares one browser.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import pytest

#: Chromium flags: headless in a container, and nothing that phones home on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Run before any page script: Material draws Mermaid diagrams into *closed* shadow roots,
#: which no test could look into. Forcing them open changes nothing else.
OPEN_SHADOW_ROOTS = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: "open" }); };
})();
"""

#: How long to wait for typesetting and diagrams before checking what is (still) missing.
SETTLE_MS = 5000


# ---------------------------------------------------------------- finding and starting the browser


def chromium_executable() -> str | None:
    """The system Chromium: ``$RNN_MATH_CHROMIUM`` if set, else ``chromium`` on the PATH."""
    override = os.environ.get("RNN_MATH_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_required() -> bool:
    """True on CI (``CI`` set) or with ``RNN_MATH_REQUIRE_BROWSER=1``: a missing browser fails there."""
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no") or os.environ.get("RNN_MATH_REQUIRE_BROWSER") == "1"


def no_browser(reason: str) -> None:
    """Skip the browser tests locally, fail them where a browser is required."""
    if browser_required():
        pytest.fail(f"{reason} (a browser is required: CI or RNN_MATH_REQUIRE_BROWSER=1 is set)", pytrace=False)
    pytest.skip(reason)


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request; serve the sitemap as if deployed here.

    Material navigates instantly only to pages listed in ``sitemap.xml``, whose addresses are
    built from ``site_url``; it adopts the serving host but not the port. Served on a free port,
    the sitemap's origin is swapped for the server's own, as a deployment at that address would
    have it. Every other file is served exactly as built.
    """

    site_origin: str | None = None

    def do_GET(self) -> None:
        if self.site_origin and self.path.split("?")[0] == "/sitemap.xml":
            own = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            body = Path(self.directory, "sitemap.xml").read_bytes().replace(self.site_origin.encode(), own.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # Let the browser cache scripts, styles and fonts between pages, as any web server would:
        # every page then parses Mermaid and KaTeX from cache instead of fetching them again.
        if not self.path.split("?")[0].endswith(("/", ".html", ".xml", ".json")):
            self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def site_origin(mkdocs_yml: Path) -> str | None:
    """The scheme, host and port of ``site_url`` in mkdocs.yml (``http://127.0.0.1:8000``)."""
    found = re.search(r"^site_url:\s*(\S+?)/*\s*$", mkdocs_yml.read_text(encoding="utf-8"), re.MULTILINE)
    return re.match(r"^[a-z]+://[^/]+", found[1])[0] if found else None


@dataclass
class StaticServer:
    """A static file server for one folder on 127.0.0.1, on a free port, in a daemon thread."""

    root: Path
    site_origin: str | None = None
    httpd: ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        handler_class = type("Handler", (QuietHandler,), {"site_origin": self.site_origin})
        handler = functools.partial(handler_class, directory=str(self.root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The base URL, ending in ``/``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (each launch gets a fresh, temporary profile)."""
    executable = chromium_executable()
    if executable is None:
        no_browser("Chromium is not installed: install the 'chromium' package or set RNN_MATH_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("Playwright for Python is not installed: pip install -e '.[dev]'")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        no_browser(f"Chromium at {executable} does not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[StaticServer]:
    """The strictly built site, served on 127.0.0.1 (the live-reload server never goes idle)."""
    server = StaticServer(built_site, site_origin(Path(__file__).resolve().parents[1] / "mkdocs.yml"))
    yield server
    server.close()


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context that opens shadow roots and fails fast instead of hanging."""
    context = browser.new_context(**options)
    context.add_init_script(OPEN_SHADOW_ROOTS)
    context.set_default_timeout(15_000)
    return context


def code_entries() -> dict[str, set[str]]:
    """Each equation id → the API identifiers its code links may land on (from the registry)."""
    from rnn_math.core.registry import registry

    return {eq.id: {eq.numpy_path, *([eq.sympy_path] if eq.sympy_path else [])} for eq in registry().values()}


def equation_anchors() -> dict[str, set[str]]:
    """Each equation id → the fragments that name it: its id and its aliases."""
    from rnn_math.core.registry import registry

    return {eq.id: {eq.id, *eq.aliases} for eq in registry().values()}


# ---------------------------------------------------------------- network and console


@dataclass
class Traffic:
    """What a page did on the network and the console, recorded while it was watched."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every recorded problem, then forget them (the next page starts clean)."""
        found = (
            [f"request to another host (blocked): {url}" for url in self.external]
            + [f"failed request: {what}" for what in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
        )
        self.console_errors.clear()
        self.failed.clear()
        self.external.clear()
        return found


def watch(page: Any, base_url: str) -> Traffic:
    """Record the page's console errors and failed requests; block and record other hosts.

    Only ``base_url`` is allowed; ``data:`` and ``blob:`` URLs are not requests to a host.
    A request cancelled because the test navigated on (``net::ERR_ABORTED``) is not a failure;
    a missing file still is, as its 404 response.
    """
    traffic = Traffic()
    local = re.compile(r"^(?:" + re.escape(base_url) + r"|data:|blob:|about:)")

    def block(route: Any) -> None:
        traffic.external.append(route.request.url)
        route.abort("blockedbyclient")

    def on_failed(request: Any) -> None:
        error = request.failure or ""
        if local.match(request.url) and "ERR_ABORTED" not in error:
            traffic.failed.append(f"{request.url} ({error})")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.url} (HTTP {response.status})")

    def on_console(message: Any) -> None:
        if message.type == "error":
            traffic.console_errors.append(message.text)

    page.route(re.compile(r"^(?!" + re.escape(base_url) + r"|data:|blob:|about:)"), block)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught {error}"))
    return traffic


# ---------------------------------------------------------------- loading a page


_SETTLED = """() =>
  document.querySelectorAll("pre.mermaid").length === 0 &&
  [...document.querySelectorAll(".arithmatex")].every(e => e.querySelector(".katex, .katex-error"))
"""


def settle(page: Any, timeout_ms: int = SETTLE_MS) -> None:
    """Wait until formulas and diagrams are drawn and fonts loaded, or until the timeout.

    A timeout is not an error here: the checks then report what is still missing.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(_SETTLED, timeout=timeout_ms)
    except PlaywrightTimeout:
        pass
    page.evaluate("document.fonts.ready.then(() => true)")


def open_page(page: Any, url: str, timeout_ms: int = SETTLE_MS) -> None:
    """Navigate to ``url`` and let it settle."""
    page.goto(url)
    settle(page, timeout_ms)


#: Wait until the scroll position has not changed for three frames (smooth scrolling ends).
_SCROLL_STILL = """
  await new Promise(r => requestAnimationFrame(r));
  // Without smooth scrolling a fragment scrolls at once; with it, wait for the scroll to end.
  if (getComputedStyle(document.documentElement).scrollBehavior === "smooth") {
  const start = scrollY;
  let last = start, still = 0;
  for (let i = 0; i < 120; i++) {
    await new Promise(r => requestAnimationFrame(r));
    still = scrollY === last ? still + 1 : 0;
    last = scrollY;
    if (still >= 3 && (scrollY !== start || i >= 30)) break;  // moved and stopped, or never moved
  }
  }
"""

_GO_TO_FRAGMENT = (
    """async (fragment) => {
  history.replaceState(history.state, "", location.pathname + location.search);
  scrollTo(0, 0);
  location.hash = fragment;
"""
    + _SCROLL_STILL
    + "}"
)


def go(page: Any, url: str) -> None:
    """Follow ``url``: a new page is loaded and settled; within the same page only the fragment changes."""
    if urldefrag(page.url).url == urldefrag(url).url and urldefrag(url).fragment:
        page.evaluate(_GO_TO_FRAGMENT, urldefrag(url).fragment)
    else:
        open_page(page, url)


def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, as a URL path relative to its root (``""``, ``forward/``)."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        relative = html.relative_to(site).as_posix()
        if relative.startswith("assets/"):
            continue
        pages.append(relative.removesuffix("index.html"))
    return pages


def source_of(page: str, docs: Path) -> Path | None:
    """The Markdown file a built page came from, if any (``forward/`` → ``docs/forward.md``)."""
    stem = page.rstrip("/") or "index"
    for candidate in (docs / f"{stem}.md", docs / stem / "index.md"):
        if candidate.is_file():
            return candidate
    return None


def mermaid_fences(markdown: str) -> int:
    """How many Mermaid diagrams a Markdown source declares."""
    return len(re.findall(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*mermaid\b", markdown, flags=re.MULTILINE))


# ---------------------------------------------------------------- checks on one page


_MATH = """async () => {
  const problems = [];
  for (const e of document.querySelectorAll(".katex-error"))
    problems.push(`KaTeX error: ${e.getAttribute("title") || e.textContent}`);
  for (const e of document.querySelectorAll(".arithmatex"))
    if (!e.querySelector(".katex, .katex-error"))
      problems.push(`formula not typeset: ${e.textContent.trim().slice(0, 80)}`);
  const skip = "code, pre, script, style, textarea, .katex, .katex-error";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  for (let node; (node = walker.nextNode()); ) {
    const raw = node.textContent.match(/\\$\\$|\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]/);
    if (raw) problems.push(`raw ${raw[0]} left in the text: ${node.textContent.trim().slice(0, 80)}`);
  }
  if (!document.querySelector(".katex")) return problems;
  // Fonts: every KaTeX family that visible formula text is set in must have loaded.
  await document.fonts.ready;
  const clean = family => family.replace(/["']/g, "").trim();
  const faces = [...document.fonts].filter(f => clean(f.family).startsWith("KaTeX_"));
  if (!faces.length) problems.push("no KaTeX font is declared: the KaTeX stylesheet is missing");
  for (const face of faces)
    if (face.status === "error")
      problems.push(`KaTeX font failed to load: ${clean(face.family)} ${face.weight} ${face.style}`);
  const used = new Set();
  for (const el of document.querySelectorAll(".katex-html *")) {
    if (!el.getClientRects().length) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    used.add(clean(getComputedStyle(el).fontFamily.split(",")[0]));
  }
  if (![...used].some(f => f.startsWith("KaTeX_")))
    problems.push(`formulas are drawn in ${[...used].join(", ") || "no font"}, not in KaTeX's fonts`);
  for (const family of used)
    if (family.startsWith("KaTeX_") && !faces.some(f => clean(f.family) === family && f.status === "loaded"))
      problems.push(`font ${family} is used by formulas but not loaded`);
  return [...new Set(problems)];
}"""


def math_problems(page: Any) -> list[str]:
    """Formulas that KaTeX rejected or never typeset, raw delimiters, KaTeX fonts not loaded."""
    return page.evaluate(_MATH)


_DIAGRAMS = """() => {
  const problems = [];
  for (const e of document.querySelectorAll("pre.mermaid"))
    problems.push(`diagram not drawn: ${e.textContent.trim().slice(0, 60)}`);
  for (const e of document.querySelectorAll("code.language-mermaid"))
    problems.push(`diagram shown as code, not drawn: ${e.textContent.trim().slice(0, 60)}`);
  let drawn = 0;
  for (const host of document.querySelectorAll("div.mermaid")) {
    const svg = host.shadowRoot && host.shadowRoot.querySelector("svg");
    if (!host.shadowRoot) { problems.push("diagram in a closed shadow root: cannot be checked"); continue; }
    if (!svg) { problems.push("diagram without an SVG"); continue; }
    const box = svg.getBoundingClientRect();
    if (box.width < 10 || box.height < 10) problems.push(`diagram SVG is ${box.width}x${box.height} px`);
    else if (/syntax error/i.test(svg.textContent)) problems.push("diagram shows a syntax error");
    else if (!svg.querySelector(".node, .edgePath, .flowchart-link, path")) problems.push("diagram SVG is empty");
    else drawn += 1;
  }
  return { problems, drawn };
}"""


def diagram_problems(page: Any, expected: int) -> list[str]:
    """Diagrams not drawn as a sized SVG, and fewer drawn than the ``expected`` count."""
    result = page.evaluate(_DIAGRAMS)
    problems = list(result["problems"])
    if result["drawn"] < expected:
        problems.append(f"{expected} diagram(s) in the source, {result['drawn']} drawn")
    return problems


#: Where the element with this CSS selector is, against the viewport and the sticky header.
_WHERE = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const box = el.getBoundingClientRect();
  const header = document.querySelector(".md-header");
  return { top: box.top, bottom: box.bottom, viewport: innerHeight,
           header: header ? header.getBoundingClientRect().bottom : 0, hash: location.hash };
}"""


_WHERE_ONCE_IN_VIEW = (
    """async (selector) => {
  // Late typesetting on a long page can move a target after the browser scrolled to it; the
  // page keeps its fragment target in view meanwhile, so give that a few frames to finish.
  const shown = () => {
    const el = document.querySelector(selector);
    if (!el) return true;
    const header = document.querySelector(".md-header");
    const top = el.getBoundingClientRect().top;
    return top >= (header ? header.getBoundingClientRect().bottom : 0) - 1 && top < innerHeight - 20;
  };
  for (let i = 0; i < 120 && !shown(); i++) await new Promise(r => requestAnimationFrame(r));
  return ("""
    + _WHERE
    + """)(selector);
}"""
)


def _lands_in_view(page: Any, url: str, selector: str) -> bool:
    """True when following `url` shows `selector`'s element; on a miss, load the page afresh once.

    A long API page on a loaded machine can still be typesetting when the first look is taken; a
    link that really points elsewhere misses on the fresh load too.
    """
    if in_view(page.evaluate(_WHERE_ONCE_IN_VIEW, selector)):
        return True
    open_page(page, url)
    return in_view(page.evaluate(_WHERE_ONCE_IN_VIEW, selector))


def in_view(where: dict[str, float] | None) -> bool:
    """True when an element's top edge is visible, below the sticky header."""
    return where is not None and where["header"] - 1 <= where["top"] < where["viewport"] - 20


def equation_selector(eq_id: str) -> str:
    return f'.rm-equation[data-eq-id="{eq_id}"]'


_FOLLOW_PERMALINK = (
    """async (id) => {
  const block = document.querySelector(`.rm-equation[data-eq-id="${id}"]`);
  const link = block && block.querySelector("a.rm-permalink");
  if (!link) return false;
  // Start far from the equation, with no hash, so that the click has to do the scrolling.
  const y = block.getBoundingClientRect().top + scrollY;
  const height = document.documentElement.scrollHeight;
  history.replaceState(history.state, "", location.pathname + location.search);
  scrollTo(0, y > height / 2 ? 0 : height);
  link.click();
  // Material handles the click itself, asynchronously (the first time after a load it can take
  // a while): give it up to three seconds to bring the equation into view, then let it settle.
  const header = document.querySelector(".md-header");
  const shown = () => {
    const top = block.getBoundingClientRect().top;
    return location.hash && top >= (header ? header.getBoundingClientRect().bottom : 0) - 1 && top < innerHeight - 20;
  };
  for (let i = 0; i < 180 && !shown(); i++) await new Promise(r => requestAnimationFrame(r));
"""
    + _SCROLL_STILL
    + """
  return true;
}"""
)


def permalink_problems(page: Any, only: int | None = None) -> list[str]:
    """Every equation's permalink, clicked, must name the equation in the URL and scroll it into view.

    ``only`` limits the check to the page's first equations (the broken fixtures break the first).
    """
    problems = []
    for eq_id in page.eval_on_selector_all(".rm-equation[data-eq-id]", "els => els.map(e => e.dataset.eqId)")[:only]:
        if not page.evaluate(_FOLLOW_PERMALINK, eq_id):
            problems.append(f"{eq_id}: no permalink in its caption")
            continue
        where = page.evaluate(_WHERE, equation_selector(eq_id))
        if where["hash"] != f"#{eq_id}":
            problems.append(f"{eq_id}: its permalink leads to {where['hash'] or 'no anchor'}")
        if not in_view(where):
            problems.append(f"{eq_id}: its permalink does not scroll it into view (top at {where['top']:.0f}px)")
    return problems


def code_links(page: Any) -> list[tuple[str, str]]:
    """Every equation's code links on the page, as ``(equation id, absolute URL)``."""
    return [
        (item["id"], item["href"])
        for item in page.eval_on_selector_all(
            ".rm-equation[data-eq-id] .rm-equation-caption a[href]:not(.rm-permalink)",
            "els => els.map(a => ({ id: a.closest('.rm-equation').dataset.eqId, href: a.href }))",
        )
    ]


_ENTRY = """([target, ids]) => {
  const el = document.getElementById(target);
  if (!el) return null;
  const entry = el.closest(".doc-object");
  const links = entry ? [...entry.querySelectorAll(":scope > .doc-contents a[href]")] : [];
  return links.filter(a => ids.includes(new URL(a.href).hash.slice(1))).map(a => a.href);
}"""


def code_link_problems(
    page: Any, links: list[tuple[str, str]], entries: dict[str, set[str]], anchors: dict[str, set[str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Follow each equation's code links: each must land, in view, on one of the equation's entries.

    ``entries`` maps an equation id to the API identifiers of its implementation and twin;
    ``anchors`` maps it to the fragments that name it (id and aliases). Returns the problems, and
    the back-links found in those entries as ``(equation id, URL)`` for ``backlink_problems``.
    """
    problems: list[str] = []
    backlinks: list[tuple[str, str]] = []
    for eq_id, url in sorted(links, key=lambda link: link[1]):
        target = urldefrag(url).fragment
        if not target:
            problems.append(f"{eq_id}: code link {url} names no entry")
            continue
        go(page, url)
        if target not in entries.get(eq_id, set()):
            problems.append(
                f"{eq_id}: code link lands on {target}, not on {' or '.join(sorted(entries.get(eq_id, ())))}"
            )
            continue
        found = page.evaluate(_ENTRY, [target, sorted(anchors.get(eq_id, {eq_id}))])
        if found is None:
            problems.append(f"{eq_id}: code link {url} lands on no entry")
            continue
        if not _lands_in_view(page, url, f'[id="{target}"]'):
            problems.append(f"{eq_id}: code link {url} does not scroll its entry into view")
        if not found:
            problems.append(f"{eq_id}: the entry {target} has no link back to the equation")
        backlinks += [(eq_id, href) for href in found]
    return problems, backlinks


def backlink_problems(page: Any, backlinks: list[tuple[str, str]]) -> list[str]:
    """Follow each API entry's link back: it must land on its equation, in view."""
    problems = []
    for eq_id, url in sorted(set(backlinks), key=lambda link: link[1]):
        go(page, url)
        if not _lands_in_view(page, url, equation_selector(eq_id)):
            problems.append(f"{eq_id}: the link back from the code ({url}) does not show the equation")
    return problems


_MARK_PAGE = """() => {
  window.__rmSamePage = true;
  const container = document.querySelector("[data-md-component=container]");
  if (container) container.dataset.rmOld = "1";
}"""


def instant_navigation_problems(page: Any, link_selector: str) -> list[str]:
    """Click a link and check that Material swapped the page in place and math got typeset."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    href = page.eval_on_selector(link_selector, "a => a.href") if page.query_selector(link_selector) else None
    if href is None:
        return [f"no link {link_selector} to follow"]
    page.evaluate(_MARK_PAGE)
    page.eval_on_selector(link_selector, "a => a.click()")
    target = urldefrag(href).url
    try:
        page.wait_for_function(
            "(target) => location.href.split('#')[0] === target && !document.querySelector('[data-rm-old]')",
            arg=target,
        )
    except PlaywrightTimeout:
        return [f"following {href} did not show the new page"]
    problems = []
    if not page.evaluate("window.__rmSamePage === true"):
        problems.append(f"following {href} reloaded the whole page instead of instant navigation")
    settle(page)
    return problems + [f"after instant navigation to {href}: {p}" for p in math_problems(page)]


_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const scrolls = el => { for (let e = el.parentElement; e; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX; if (o === "auto" || o === "scroll") return true; }
    return false; };
  const culprits = [...document.querySelectorAll(".md-content *")].filter(el => {
    if (el.closest(".katex-mathml")) return false;  // a visually hidden copy for screen readers
    if (el.ownerSVGElement) return false;  // an SVG clips its own drawing; the svg element is checked
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !scrolls(el);
  });
  const outer = culprits.filter(el => !culprits.includes(el.parentElement)).slice(0, 3);
  for (const el of outer)
    problems.push(`${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ")[0] : ""} ` +
                  `reaches ${Math.round(el.getBoundingClientRect().right)}px in a ${width}px viewport`);
  if (document.documentElement.scrollWidth > width + 1)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  return problems;
}"""


def overflow_problems(page: Any) -> list[str]:
    """Content wider than the viewport outside a horizontal scroller (equations and tables have one)."""
    return page.evaluate(_OVERFLOW)


_LAYOUT = """() => {
  const problems = { numbers: [], content: [], page: [] };
  const viewport = document.documentElement.clientWidth;
  const column = document.querySelector(".md-content");
  const columnBox = column ? column.getBoundingClientRect() : { left: 0, right: viewport };
  const scrolls = el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clips = el => ["hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const name = el => el.tagName.toLowerCase() + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const what = el => {
    const number = el.querySelector && el.querySelector(".tag");
    const text = (number ? "equation " + number.textContent : el.textContent).replace(/\\s+/g, " ").trim();
    return `${name(el)} "${text.slice(0, 50)}"`;
  };
  // Where an element's content reaches: a scroller's content is reachable, so its own box;
  // anything else spills its overflow, so its box widened by what overflows it.
  const extent = el => {
    const box = el.getBoundingClientRect();
    return scrolls(el) ? { left: box.left, right: box.right }
                       : { left: box.left, right: Math.max(box.right, box.left + el.scrollWidth) };
  };
  const reported = new Set();
  // Content that lies outside a box that clips it without scrolling, or past the text column,
  // cannot be seen; content inside a scroller can, if the scroller itself can be seen.
  const reachable = el => {
    if (reported.has(el)) return;
    const { left, right } = extent(el);
    if (clips(el) && el.scrollWidth > el.clientWidth + 1) {
      reported.add(el);
      problems.content.push(`${what(el)} is cut off: ${el.scrollWidth}px of content in ${el.clientWidth}px, ` +
                            `overflow-x ${getComputedStyle(el).overflowX}`);
      return;
    }
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (scrolls(a)) return reachable(a);
      if (!clips(a)) continue;
      const box = a.getBoundingClientRect();
      if (right > box.right + 1 || left < box.left - 1) {
        reported.add(el);
        problems.content.push(`${what(el)} is cut off by ${name(a)}: ` +
                              `it spans ${Math.round(left)}-${Math.round(right)}px, ` +
                              `the box ${Math.round(box.left)}-${Math.round(box.right)}px`);
      }
      return;
    }
    if (right > columnBox.right + 1 || left < columnBox.left - 1) {
      reported.add(el);
      problems.content.push(`${what(el)} spans ${Math.round(left)}-${Math.round(right)}px, outside the text column ` +
                            `(${Math.round(columnBox.left)}-${Math.round(columnBox.right)}px)`);
    }
  };
  const content = column || document.body;
  for (const el of content.querySelectorAll("table, div.arithmatex, .katex-display")) reachable(el);

  // The part of an element the reader can see: its box cut by every box that clips or scrolls it.
  const visible = el => {
    let { left, right, top, bottom } = el.getBoundingClientRect();
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX === "visible") continue;
      const box = a.getBoundingClientRect();
      left = Math.max(left, box.left); right = Math.min(right, box.right);
    }
    return { left, right, top, bottom };
  };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  for (const display of content.querySelectorAll(".katex-display")) {
    const row = display.closest(".rm-eq-row");
    const tag = display.querySelector(".tag") || (row && row.querySelector(".rm-eq-number .tag"));
    if (!tag) continue;
    const number = tag.getBoundingClientRect();
    const seen = visible(tag);
    if (seen.right - seen.left < number.width - 1)
      problems.numbers.push(`equation ${tag.textContent} has its number cut off ` +
                            `(${Math.round(seen.right - seen.left)} of ${Math.round(number.width)}px shown)`);
    // The formula: KaTeX's runs of glyphs (.base), as far as they can be seen in their scroller.
    const hit = [...display.querySelectorAll(".katex-html > .base")].map(visible).find(box => overlap(box, number));
    if (hit)
      problems.numbers.push(`equation ${tag.textContent}: ` +
                            `its number (${Math.round(number.left)}-${Math.round(number.right)}px) ` +
                            `is drawn over its formula (${Math.round(hit.left)}-${Math.round(hit.right)}px)`);
  }
  if (document.documentElement.scrollWidth > viewport + 1)
    problems.page.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px wide ` +
                       `in a ${viewport}px viewport`);
  return problems;
}"""


def layout_problems(page: Any) -> dict[str, list[str]]:
    """Equation numbers over their formulas, tables and formulas cut off or past the column, sideways page.

    Returns the problems by kind: ``numbers`` (an equation number cut off or drawn over its
    formula), ``content`` (a table or display formula that cannot all be seen) and ``page``
    (the page itself scrolls sideways); empty lists when the page passes.

    A table or display formula wider than its place must sit in a box that scrolls sideways
    (``overflow-x: auto`` or ``scroll``), itself visible; content clipped by a box that does
    not scroll, or reaching outside the text column, is a problem. Each display formula's
    number must be shown whole and cover none of the formula's visible glyphs.
    """
    return page.evaluate(_LAYOUT)


#: Resolve when every finite animation has ended, or after a second whatever runs.
_TRANSITIONS_DONE = """() => Promise.race([
  Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity).map(a => a.finished.catch(() => null))),
  new Promise(resolve => setTimeout(resolve, 1000)),
]).then(() => true)"""


def resize(page: Any, width: int, height: int = 800) -> None:
    """Set the viewport, then wait for the theme's transitions (the search box grows) to end."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate(_TRANSITIONS_DONE)


_PRINT = """() => {
  const problems = [];
  const blocks = [...document.querySelectorAll(".rm-equation")];
  if (!blocks.length) problems.push("no equation on the page to print");
  for (const block of blocks) {
    const id = block.dataset.eqId;
    const style = getComputedStyle(block);
    if (!["avoid", "avoid-page"].includes(style.breakInside))
      problems.push(`${id}: may be split across pages (break-inside: ${style.breakInside})`);
    for (const formula of block.querySelectorAll(".arithmatex"))
      if (getComputedStyle(formula).overflowX !== "visible") problems.push(`${id}: clipped to a scroller on paper`);
    for (const cite of block.querySelectorAll(".rm-cite"))
      if (getComputedStyle(cite).display !== "none") problems.push(`${id}: the cite controls are printed`);
  }
  return problems;
}"""


def print_problems(page: Any) -> list[str]:
    """With print media: equations never split across pages nor cut by a scroller, no cite controls."""
    page.emulate_media(media="print")
    try:
        return page.evaluate(_PRINT)
    finally:
        page.emulate_media(media="screen")


_PALETTE = """async () => {
  const toggle = [...document.querySelectorAll("[data-md-component=palette] label")]
    .find(label => label.getClientRects().length && getComputedStyle(label).display !== "none");
  if (!toggle) return { missing: true };
  const before = {
    scheme: document.body.dataset.mdColorScheme, background: getComputedStyle(document.body).backgroundColor,
  };
  toggle.click();
  for (let i = 0; i < 5; i++) await new Promise(r => requestAnimationFrame(r));
  const after = {
    scheme: document.body.dataset.mdColorScheme, background: getComputedStyle(document.body).backgroundColor,
  };
  return { before, after };
}"""


def palette_problems(page: Any) -> list[str]:
    """The palette toggle exists and switches the colour scheme and the page's background."""
    result = page.evaluate(_PALETTE)
    if result.get("missing"):
        return ["no visible light/dark toggle"]
    before, after = result["before"], result["after"]
    problems = []
    if before["scheme"] == after["scheme"]:
        problems.append(f"the toggle left the colour scheme at {before['scheme']}")
    if before["background"] == after["background"]:
        problems.append(f"the toggle left the background at {before['background']}")
    return problems


def search_problems(page: Any, query: str, timeout_ms: int = 10_000) -> list[str]:
    """Type ``query`` into Material's search; results must appear and point into the site."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if page.query_selector("input.md-search__input") is None:
        return ["no search box"]
    page.eval_on_selector("label[for=__search]", "label => label.click()")
    # Type only once the index is loaded: a query sent earlier is dropped, not queued.
    try:
        page.wait_for_function(
            """() => {
              const initializing = JSON.parse(document.querySelector("#__config").textContent)
                .translations["search.result.initializer"];
              const meta = document.querySelector(".md-search-result__meta");
              return meta && meta.textContent.trim() !== initializing;
            }""",
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        return ["the search index never finished loading"]
    page.locator("input.md-search__input").press_sequentially(query)  # Material reads keystrokes
    try:
        page.wait_for_selector(".md-search-result__item", timeout=timeout_ms)
    except PlaywrightTimeout:
        return [f"searching for {query!r} shows no results"]
    origin = page.evaluate("location.origin")
    hrefs = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(a => a.href)")
    return [f"search result points away from the site: {href}" for href in hrefs if not href.startswith(origin)]


def cite_snippets(page: Any) -> list[dict[str, str]]:
    """Each equation's citation controls as the reader gets them (text, not the clipboard)."""
    return page.eval_on_selector_all(
        ".rm-equation[data-eq-id]",
        """blocks => blocks.map(block => {
          const text = selector => { const el = block.querySelector(selector); return el ? el.textContent : null; };
          const copy = block.querySelector(".rm-cite [data-rm-cite=permalink]");
          return { id: block.dataset.eqId, number: block.dataset.eqNumber, title: block.dataset.eqTitle,
                   page: location.origin + location.pathname,
                   permalink: copy ? copy.getAttribute("data-clipboard-text") : null,
                   markdown: text(".rm-cite .rm-cite-markdown"), bibtex: text(".rm-cite .rm-cite-bibtex") };
        })""",
    )


def cite_problems(page: Any, project: str) -> list[str]:
    """Every equation offers its permalink, a Markdown link and a BibTeX entry, all pointing at it."""
    problems = []
    for cite in cite_snippets(page):
        eq_id, url = cite["id"], f"{cite['page']}#{cite['id']}"
        if cite["permalink"] != url:
            problems.append(f"{eq_id}: copy permalink gives {cite['permalink']!r}, expected {url!r}")
        expected_markdown = f"[{project}, equation ({cite['number']}): {cite['title']}]({url})"
        if cite["markdown"] is None or cite["markdown"].strip() != expected_markdown:
            problems.append(f"{eq_id}: Markdown snippet {cite['markdown']!r}, expected {expected_markdown!r}")
        bibtex = cite["bibtex"] or ""
        for part in ("@misc{", f"url = {{{url}}}", f"({cite['number']})", cite["title"]):
            if part not in bibtex:
                problems.append(f"{eq_id}: BibTeX entry lacks {part!r}: {bibtex!r}")
    return problems
