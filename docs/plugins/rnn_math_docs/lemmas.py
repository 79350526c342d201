"""The lemmas that extend the exact proofs to every sequence length, as the engine proves them at build.

Every row comes from [`verify_lemmas`][rnn_math.verification.engine.verify_lemmas]: the lemmas
declared with each model, proven on the correct equations and on every catalogued mistake of an
equation they cover. The sizes shown are the declarations' own, the very values the proofs use.
"""

from __future__ import annotations

import re
from functools import cache

from rnn_math.verification import engine
from rnn_math.verification.lemmas import LemmaReport
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.mistakes import inline_math


@cache
def lemma_reports() -> tuple[LemmaReport, ...]:
    """Every declared lemma, proven by the engine (once per build)."""
    return tuple(engine.verify_lemmas())


def _ref(eq_id: str) -> str:
    index = scan_docs()
    return f"[({index.number(eq_id)})][{eq_id}]" if eq_id in index.placements else f"`{eq_id}`"


#: A subscript of more than one letter, which math mode would otherwise set as a product: ``d_hi``.
_WORD_SUBSCRIPT = re.compile(r"_([A-Za-z]{2,})")


def size_math(name: str, value: int | str) -> str:
    """One size as inline math: ``d_hi = 1`` as $d_{\text{hi}} = 1$ (``|V|`` written so a table cell survives it).

    A size that is a symbol in the proof (``"any"``) reads "every $D_h$".
    """
    if isinstance(value, str):
        return "every " + inline_math(_WORD_SUBSCRIPT.sub(r"_{\\text{\1}}", name))
    return inline_math(_WORD_SUBSCRIPT.sub(r"_{\\text{\1}}", f"{name} = {value}"))


def sizes_cell(report: LemmaReport) -> str:
    """The sizes a lemma is proven at, each as inline math."""
    return ", ".join(size_math(name, value) for name, value in report.sizes.items())


def _code_link(report: LemmaReport) -> str:
    short = report.code.rsplit(".", 1)[-1]
    return f"[`{short}`][{report.code}]"


def _controls(report: LemmaReport) -> str:
    text = f"{report.controls_rejected} of {report.controls}"
    return text if report.passed else f"**{text}**"


def _model_titles() -> dict[str, str]:
    """Each declared model's title by name: a lemma's name ("base case") alone does not say whose it is."""
    return {m.name: m.title for m in engine.models()}


def table() -> str:
    """One row per lemma: what it covers, its sizes, the proof's verdict, its controls and its code."""
    titles = _model_titles()
    rows = [
        [
            titles[r.model],
            r.name,
            ", ".join(_ref(eq_id) for eq_id in r.equations),
            sizes_cell(r),
            "proven" if r.proven else "**failed**",
            _controls(r),
            "yes" if r.passed else "**no**",
            _code_link(r),
        ]
        for r in lemma_reports()
    ]
    # No timing here: it is the build machine's; `rnn-math verify` prints it on the reader's.
    header = ["model", "lemma", "covers", "sizes", "proof", "controls rejected", "passed", "code"]
    return markdown_table(header, rows, "lllllccl")


def statements() -> str:
    """Each lemma's statement, from its declaration, one item per lemma."""
    titles = _model_titles()
    return "\n".join(f"- **{titles[r.model]}, {r.name}**: {inline_math(r.statement)}" for r in lemma_reports())


def summary() -> str:
    """How many lemmas were proven while the site was built, and with how many negative controls."""
    reports = lemma_reports()
    passed = sum(r.passed for r in reports)
    controls = sum(r.controls for r in reports)
    verdict = "all of them passed" if passed == len(reports) else f"**{len(reports) - passed} failed**"
    return (
        f"{len(reports)} lemmas were proven while this page was built, each also run on every catalogued "
        f"mistake of an equation it covers ({controls} negative controls); {verdict}"
    )


def _at_every_size(report: LemmaReport) -> bool:
    return any(isinstance(value, str) for value in report.sizes.values())


def sizes() -> str:
    """The sizes of every lemma proven at fixed sizes, as a sentence, from the declarations."""
    titles = _model_titles()
    return "; ".join(
        f"{titles[r.model]}, the {r.name} at {sizes_cell(r)}" for r in lemma_reports() if not _at_every_size(r)
    )


def every_size() -> str:
    """The lemmas proven with symbolic sizes, as a sentence, from the declarations."""
    titles = _model_titles()
    return "; ".join(f"{titles[r.model]}, the {r.name} ({sizes_cell(r)})" for r in lemma_reports() if _at_every_size(r))
