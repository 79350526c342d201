"""Where each equation stands in the docs, and the number that position gives it.

An equation's number is ``chapter.k``: the ``chapter`` declared in its page's front matter, and
its position k among the equations placed on that page. Numbers follow the docs; ids never change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

#: ``{{eq id}}``, ``{{ref id}}`` and ``{{compute module.function}}``.
MARKER = re.compile(r"\{\{(?P<kind>eq|ref|compute)\s+(?P<arg>[^\s{}]+)\s*\}\}")

#: The docs folder of this checkout (the package is installed editable from it).
DEFAULT_DOCS_DIR = Path(__file__).resolve().parents[3] / "docs"


@dataclass(frozen=True)
class Placement:
    """One ``{{eq id}}`` marker: which page, which number."""

    eq_id: str
    page: str
    number: str


@dataclass(frozen=True)
class DocsIndex:
    """Every marker found in the docs.

    Attributes
    ----------
    placements
        Each equation id with every place it is displayed (exactly one, if all is well).
    references
        Each page with the ids its ``{{ref}}`` markers name.
    computes
        Each page with the ``{{compute}}`` targets it names.
    chapters
        Each page that declares a chapter, with that chapter.
    problems
        What makes a page unusable for numbering (equations on a page with no chapter).
    """

    placements: dict[str, list[Placement]] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)
    computes: dict[str, list[str]] = field(default_factory=dict)
    chapters: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def number(self, eq_id: str) -> str:
        """The visible number of an equation (its first placement if placed twice)."""
        return self.placements[eq_id][0].number

    def page(self, eq_id: str) -> str:
        """The page (path below docs/) that displays an equation."""
        return self.placements[eq_id][0].page


def front_matter(text: str) -> dict:
    """Return a page's YAML front matter, or an empty dict if it has none."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    return (yaml.safe_load(text[3:end]) or {}) if end != -1 else {}


def index_pages(pages: dict[str, str]) -> DocsIndex:
    """Index the markers of pages given as ``{path below docs/: Markdown text}``."""
    index = DocsIndex()
    for page in sorted(pages):
        text = pages[page]
        chapter = front_matter(text).get("chapter")
        if chapter is not None:
            index.chapters[page] = int(chapter)
        position = 0
        for match in MARKER.finditer(text):
            kind, arg = match["kind"], match["arg"]
            if kind == "eq":
                position += 1
                if chapter is None:
                    index.problems.append(f"{page}: places {arg} but declares no 'chapter:' in its front matter")
                number = f"{chapter}.{position}"
                index.placements.setdefault(arg, []).append(Placement(arg, page, number))
            elif kind == "ref":
                index.references.setdefault(page, []).append(arg)
            else:
                index.computes.setdefault(page, []).append(arg)
    return index


def read_pages(docs_dir: Path = DEFAULT_DOCS_DIR) -> dict[str, str]:
    """Read every Markdown page below `docs_dir`, keyed by its posix path below it."""
    return {p.relative_to(docs_dir).as_posix(): p.read_text(encoding="utf-8") for p in docs_dir.rglob("*.md")}


@cache
def scan_docs(docs_dir: Path = DEFAULT_DOCS_DIR) -> DocsIndex:
    """Index the docs folder (cached: call ``scan_docs.cache_clear()`` after editing pages)."""
    return index_pages(read_pages(docs_dir))
