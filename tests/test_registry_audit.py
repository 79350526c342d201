"""The equation backbone: page, code, twin and test for every equation, and the audit that says so."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DOCS, ROOT

from rnn_math.core.registry import Equation, equation, orphan_twins, registry, symbolic_twin
from rnn_math_docs import audit
from rnn_math_docs.docs_index import index_pages, read_pages


@pytest.fixture(scope="module")
def equations() -> dict[str, Equation]:
    return registry()


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return read_pages(DOCS)


@pytest.fixture(scope="module")
def api_pages() -> dict[str, str]:
    return audit.read_sources(DOCS / "api", "*.md")


def _fake(eq_id: str, *, twin: bool = True) -> Equation:
    return Equation(eq_id, "Fake", "a = b", numpy=np.add, sympy=np.add if twin else None)


def test_every_registered_equation_is_displayed_on_exactly_one_page(equations, pages):
    assert audit.placement_problems(equations, index_pages(pages)) == []


def test_every_equation_has_a_sympy_twin_and_every_twin_an_equation(equations):
    assert audit.twin_problems(equations, orphan_twins()) == []


def test_every_code_link_resolves_to_a_documented_public_function(equations, api_pages):
    assert audit.code_link_problems(equations, api_pages) == []


def test_every_equation_is_exercised_by_a_marked_test(equations):
    tested = audit.tested_ids(audit.read_sources(ROOT / "tests", "*.py"))
    assert audit.test_problems(equations, tested) == []


def test_every_equation_is_declared_by_exactly_one_model_of_the_engine(equations):
    from rnn_math.verification.engine import models

    assert audit.declaration_problems(equations, models()) == []


def test_audit_reports_an_undeclared_a_twice_declared_and_an_unregistered_equation():
    from types import SimpleNamespace

    one, other = (
        SimpleNamespace(name="one", equations=("eq-a", "eq-c")),
        SimpleNamespace(name="two", equations=("eq-a",)),
    )
    problems = audit.declaration_problems({"eq-a": _fake("eq-a"), "eq-b": _fake("eq-b")}, [one, other])
    assert any(p.startswith("eq-b: declared by no model") for p in problems)
    assert any(p.startswith("eq-a: declared by 2 models (one, two)") for p in problems)
    assert any(p.startswith("eq-c: declared by one but not registered") for p in problems)


def test_no_page_types_display_math_outside_the_registry(pages):
    assert audit.unregistered_display_math(pages) == []


# Negative controls: the audit must notice each kind of breakage.


def test_audit_reports_an_equation_that_lost_its_page():
    pages = {"a.md": "---\nchapter: 1\n---\n{{eq eq-one}}\n"}
    problems = audit.placement_problems({"eq-one": _fake("eq-one"), "eq-two": _fake("eq-two")}, index_pages(pages))
    assert problems == ["eq-two: displayed on 0 pages (no page), expected exactly 1"]


def test_audit_reports_an_equation_displayed_twice():
    pages = {"a.md": "---\nchapter: 1\n---\n{{eq eq-one}}\n", "b.md": "---\nchapter: 2\n---\n{{eq eq-one}}\n"}
    assert audit.placement_problems({"eq-one": _fake("eq-one")}, index_pages(pages)) == [
        "eq-one: displayed on 2 pages (a.md, b.md), expected exactly 1"
    ]


def test_audit_reports_a_marker_for_an_unregistered_equation():
    pages = {"a.md": "---\nchapter: 1\n---\n{{eq eq-one}}\n{{eq eq-ghost}}\nSee {{ref eq-gone}}.\n"}
    problems = audit.placement_problems({"eq-one": _fake("eq-one")}, index_pages(pages))
    assert problems == [
        "a.md: displays eq-ghost, which is not registered",
        "a.md: refers to eq-gone, which is not registered",
    ]


def test_audit_reports_an_equation_on_a_page_without_a_chapter():
    problems = audit.placement_problems({"eq-one": _fake("eq-one")}, index_pages({"a.md": "{{eq eq-one}}\n"}))
    assert problems == ["a.md: places eq-one but declares no 'chapter:' in its front matter"]


def test_audit_reports_an_equation_that_lost_its_twin():
    assert audit.twin_problems({"eq-one": _fake("eq-one", twin=False)}, ["eq-stale"]) == [
        "eq-one: has no SymPy twin",
        "eq-stale: a SymPy twin is registered but no equation has this id",
    ]


def test_audit_reports_code_missing_from_the_api_pages(equations):
    eq = equations["eq-forward-z"]
    problems = audit.code_link_problems({eq.id: eq}, {"api/other.md": "::: rnn_math.core.activations\n"})
    assert problems == [
        "eq-forward-z: NumPy implementation rnn_math.rnn.forward_equations.pre_activation is in no API page "
        "(add '::: rnn_math.rnn.forward_equations')",
        "eq-forward-z: SymPy twin rnn_math.symbolic.rnn.forward.pre_activation is in no API page "
        "(add '::: rnn_math.symbolic.rnn.forward')",
    ]


def test_audit_reports_an_equation_that_no_test_verifies():
    sources = {"test_x.py": "import pytest\n@pytest.mark.equation('eq-one')\ndef test_one(): pass\n"}
    tested = audit.tested_ids(sources)
    assert audit.test_problems({"eq-one": _fake("eq-one"), "eq-two": _fake("eq-two")}, tested) == [
        "eq-two: no test is marked pytest.mark.equation('eq-two')"
    ]


def test_audit_reports_display_math_typed_into_a_page():
    pages = {"a.md": "Fine: $x$.\n\n$$\ny = 1\n$$\n", "b.md": "```latex\n$$ in a code block is fine $$\n```\n"}
    assert audit.unregistered_display_math(pages) == ["a.md: has display math outside an {{eq}} marker"]


def test_registering_two_implementations_for_one_id_is_refused(monkeypatch):
    import rnn_math.core.registry as registry_module

    monkeypatch.setattr(registry_module, "_IMPLEMENTED", dict(registry_module._IMPLEMENTED))  # leave no trace

    @equation("eq-test-only-duplicate", title="t", latex="a")
    def first() -> None: ...

    with pytest.raises(ValueError, match="already implemented by"):

        @equation("eq-test-only-duplicate", title="t", latex="a")
        def second() -> None: ...


def test_a_malformed_equation_id_is_refused():
    with pytest.raises(ValueError, match="equation id: expected 'eq-'"):
        symbolic_twin("Forward_Z")
