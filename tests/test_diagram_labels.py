"""Diagram labels are typeset (HTML sub- and superscripts), never pseudo-LaTeX such as ``h_t``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
FENCE = re.compile(r"```mermaid\n(.*?)```", re.S)
LABEL = re.compile(r'"([^"]*)"')


def raw_scripts(diagram: str) -> list[str]:
    """The quoted labels of a Mermaid diagram that contain a raw ``_`` or ``^``."""
    return [label for label in LABEL.findall(diagram) if re.search(r"[_^]", label)]


def diagrams() -> list[tuple[str, str]]:
    return [(p.name, d) for p in sorted(DOCS.glob("*.md")) for d in FENCE.findall(p.read_text(encoding="utf-8"))]


def test_the_site_has_diagrams_to_check():
    assert len(diagrams()) >= 3


@pytest.mark.parametrize(("page", "diagram"), diagrams(), ids=lambda v: v if v.endswith(".md") else "")
def test_no_diagram_label_holds_pseudo_latex(page, diagram):
    assert raw_scripts(diagram) == []


def test_the_check_catches_a_pseudo_latex_label():
    assert raw_scripts('A["z_t = W_h h_(t−1)"] --> B["x<sub>t</sub>"] --> C["h^t"]') == ["z_t = W_h h_(t−1)", "h^t"]
