"""The registry audit: every equation has its page, its code, its twin and its test, and nothing else.

Each check returns sentences describing problems; an empty list means all is well. The test
suite runs the audit on the real package and on deliberately broken inputs, so the audit itself
is shown to fail when an equation loses its code, its twin or its page.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from rnn_math.core.registry import Equation
from rnn_math_docs.docs_index import DocsIndex

#: ``::: rnn_math.module`` lines of the API pages.
API_DIRECTIVE = re.compile(r"^:::\s*(?P<module>[\w.]+)\s*$", re.MULTILINE)
#: A fenced code block, whose content is not page text.
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def placement_problems(equations: Mapping[str, Equation], index: DocsIndex) -> list[str]:
    """Every equation displayed on exactly one page; every marker names a registered equation."""
    problems = list(index.problems)
    known = set(equations) | {alias for eq in equations.values() for alias in eq.aliases}
    for eq_id in equations:
        places = index.placements.get(eq_id, [])
        if len(places) != 1:
            pages = ", ".join(p.page for p in places) or "no page"
            problems.append(f"{eq_id}: displayed on {len(places)} pages ({pages}), expected exactly 1")
    for eq_id, places in index.placements.items():
        if eq_id not in equations:
            problems.append(f"{places[0].page}: displays {eq_id}, which is not registered")
    for page, ids in index.references.items():
        problems += [f"{page}: refers to {eq_id}, which is not registered" for eq_id in ids if eq_id not in known]
    return problems


def twin_problems(equations: Mapping[str, Equation], orphans: Iterable[str] = ()) -> list[str]:
    """Every equation has a SymPy twin, and every twin belongs to an equation."""
    problems = [f"{eq.id}: has no SymPy twin" for eq in equations.values() if eq.sympy is None]
    problems += [f"{eq_id}: a SymPy twin is registered but no equation has this id" for eq_id in orphans]
    return problems


def declaration_problems(equations: Mapping[str, Equation], models: Iterable[object]) -> list[str]:
    """Every equation declared by exactly one model (so the engine reaches it), and no model declares an unknown id.

    `models` are the engine's declarations ([`models`][rnn_math.verification.engine.models]): each
    with a ``name`` and its ``equations``.
    """
    declared: dict[str, list[str]] = {}
    for model in models:
        for eq_id in model.equations:  # type: ignore[attr-defined]
            declared.setdefault(eq_id, []).append(model.name)  # type: ignore[attr-defined]
    problems = [
        f"{eq_id}: declared by no model, so the verification engine never checks it"
        for eq_id in equations
        if eq_id not in declared
    ]
    problems += [
        f"{eq_id}: declared by {len(names)} models ({', '.join(names)}), expected 1"
        for eq_id, names in declared.items()
        if len(names) > 1
    ]
    problems += [
        f"{eq_id}: declared by {names[0]} but not registered"
        for eq_id, names in declared.items()
        if eq_id not in equations
    ]
    return problems


def documented_modules(api_pages: Mapping[str, str]) -> set[str]:
    """Modules rendered by a ``::: module`` directive on an API page."""
    return {m["module"] for text in api_pages.values() for m in API_DIRECTIVE.finditer(text)}


def code_link_problems(equations: Mapping[str, Equation], api_pages: Mapping[str, str]) -> list[str]:
    """Every NumPy function and twin is public, importable, and rendered on an API page."""
    documented = documented_modules(api_pages)
    problems = []
    for eq in equations.values():
        for role, path in (("NumPy implementation", eq.numpy_path), ("SymPy twin", eq.sympy_path)):
            if path is None:
                continue
            module_name, _, name = path.rpartition(".")
            if name.startswith("_") or "<" in path:
                problems.append(f"{eq.id}: {role} {path} is not a public module-level function")
            elif module_name not in documented:
                problems.append(f"{eq.id}: {role} {path} is in no API page (add '::: {module_name}')")
            elif getattr(importlib.import_module(module_name), name, None) is None:
                problems.append(f"{eq.id}: {role} {path} cannot be imported")
    return problems


def tested_ids(test_sources: Mapping[str, str]) -> set[str]:
    """Equation ids named by ``pytest.mark.equation(...)`` anywhere in the test sources."""
    ids: set[str] = set()
    for source in test_sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "equation":
                ids |= {arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
    return ids


def test_problems(equations: Mapping[str, Equation], tested: set[str]) -> list[str]:
    """Every equation is verified by at least one test that says so with its marker."""
    return [f"{eq_id}: no test is marked pytest.mark.equation({eq_id!r})" for eq_id in equations if eq_id not in tested]


def unregistered_display_math(pages: Mapping[str, str]) -> list[str]:
    """Display math typed straight into a page bypasses the registry: allow none."""
    problems = []
    for page, text in pages.items():
        prose = FENCE.sub("", text)
        if "$$" in prose or "\\[" in prose:
            problems.append(f"{page}: has display math outside an {{{{eq}}}} marker")
    return problems


def read_sources(folder: Path, pattern: str) -> dict[str, str]:
    """Files matching `pattern` below `folder`, keyed by posix path below it."""
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob(pattern))}
