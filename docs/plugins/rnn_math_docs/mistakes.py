"""Content of the Common-mistakes page: every catalogued mistake, and what each check measured on it.

The catalogues are the model declarations' ([`models`][rnn_math.verification.engine.models]): every
declared model or group of equations with a catalogue gets a section, in the engine's order, so a
model declared with mistakes appears here without an edit of this module. For each mistake the
page shows the right equation (its number, linked, and its LaTeX from the registry) beside the
wrong one, and what every check of the verification engine that substitutes
the mistake measured, computed when the site is built on the declarations' tiny networks: whether
the exact proof still holds, and the worst 50-digit, central-difference and complex-step errors
against the margin a wrong formula must exceed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rnn_math.core.registry import lookup
from rnn_math.verification.declaration import Model
from rnn_math.verification.engine import models
from rnn_math.verification.mistakes import Mistake
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import scientific
from rnn_math_docs.render import equation_reference

#: How each kind of measurement reads on the page.
_KIND_NAMES = {
    "exact": "Exact proof",
    "fifty_digit": "50 digits",
    "central": "Central differences",
    "complex_step": "Complex step",
}


@dataclass(frozen=True)
class Measurement:
    """One value a check measured on a wrong version, and whether it rejected it."""

    check: str
    kind: str
    value: float | bool
    bound: float | None
    rejected: bool


@dataclass(frozen=True)
class Evidence:
    """What the engine's checks measured on one wrong version."""

    measurements: tuple[Measurement, ...]

    @property
    def rejected(self) -> bool:
        """Every check that substitutes the mistake rejected it (and at least one does)."""
        return bool(self.measurements) and all(m.rejected for m in self.measurements)


def _model(name: str) -> Model:
    return next(m for m in models() if m.name == name)


def catalogued() -> list[Model]:
    """Every declared model and group of equations that has a catalogue of mistakes, in the engine's order."""
    return [model for model in models() if model.mistakes]


@cache
def _measurements(model_name: str) -> dict[str, tuple[Measurement, ...]]:
    """Run every check of a model on its mistakes: the engine's own run, measured value by value."""
    model = _model(model_name)
    found: dict[str, list[Measurement]] = {m.name: [] for m in model.mistakes}
    for check in model.checks():
        for mistake in model.mistakes:
            if not check.applies_to(mistake):
                continue
            for kind, value in check.measure(getattr(mistake, str(check.side))).items():
                bound = None if kind == "exact" else check.margins.get(kind, check.tolerances[kind])
                found[mistake.name].append(Measurement(check.name, kind, value, bound, check.rejects(kind, value)))
    return {name: tuple(values) for name, values in found.items()}


def evidence(mistake: Mistake) -> Evidence:
    """What every check of the mistake's model that substitutes it measured."""
    return Evidence(_measurements(mistake.model)[mistake.name])


def rnn_evidence(name: str) -> Evidence:
    """The evidence on the RNN mistake called `name`."""
    return evidence(next(m for m in _model("rnn").mistakes if m.name == name))


def seq2seq_evidence(name: str) -> Evidence:
    """The evidence on the encoder-decoder mistake called `name`."""
    return evidence(next(m for m in _model("seq2seq").mistakes if m.name == name))


def inline_math(latex: str) -> str:
    """LaTeX as inline math that survives a Markdown table cell."""
    return "$" + " ".join(latex.replace("|", r"\vert ").split()) + "$"


#: A size set in a check's name: "T = 3", "D_h = 2", "T = T' = 2".
_SETTING = re.compile(r"(?<![\w-])((?:[A-Za-z](?:_[A-Za-z0-9]+)?'? = )+\d+)")
#: A subscripted symbol written plainly: "D_h", "W_hn".
_SUBSCRIPT = re.compile(r"(?<![\w-])([A-Za-z]+)_([A-Za-z0-9]+)\b")


def typeset_name(text: str) -> str:
    """A check's name with its sizes and subscripted symbols as inline math, never a raw ``_``.

    ``"exact proof, g, T = 3, D_h = 2"`` becomes ``"exact proof, g, $T = 3$, $D_{h} = 2$"``.
    """
    text = _SETTING.sub(lambda m: "$" + _SUBSCRIPT.sub(r"\1_{\2}", m[1]) + "$", text)
    return _SUBSCRIPT.sub(r"$\1_{\2}$", text)


def _number(eq_id: str) -> str:
    index = scan_docs()
    eq = lookup(eq_id)
    return equation_reference(eq, index.number(eq.id)) if eq.id in index.placements else ""


def _verdict(found: Evidence) -> str:
    parts = []
    for kind in _KIND_NAMES:
        values = [m for m in found.measurements if m.kind == kind]
        if not values:
            continue
        if kind == "exact":
            failed = sum(1 for m in values if m.rejected)
            parts.append(f"**{_KIND_NAMES[kind]}**: fails in {failed} of {len(values)} runs")
        else:
            worst = min(values, key=lambda m: float(m.value))  # the run where the mistake came closest
            margin = "" if worst.bound is None else f" (a wrong formula must exceed ${scientific(worst.bound, 0)}$)"
            parts.append(f"**{_KIND_NAMES[kind]}**: error at least ${scientific(float(worst.value))}${margin}")
    verdict = "rejected by every check" if found.rejected else "**not rejected by every check**"
    return "; ".join(parts) + f". Verdict: {verdict}."


def _block(mistake: Mistake) -> str:
    eq_id = mistake.eq_id
    return "\n".join(
        [
            f"### {mistake.title}",
            "",
            "| | |",
            "|---|---|",
            f"| right {_number(eq_id)} | {inline_math(lookup(eq_id).latex)} |",
            f"| wrong | {inline_math(mistake.wrong_latex)} |",
            "",
            mistake.description,
            "",
            _verdict(evidence(mistake)),
            "",
        ]
    )


def model_mistakes(name: str) -> str:
    """One block per mistake of a declared model's catalogue."""
    return "\n".join(_block(m) for m in _model(name).mistakes)


def rnn_mistakes() -> str:
    """One block per mistake of the vanilla RNN's catalogue."""
    return model_mistakes("rnn")


def seq2seq_mistakes() -> str:
    """One block per mistake of the encoder-decoder's catalogue."""
    return model_mistakes("seq2seq")


def catalogues() -> str:
    """One section per declared model or group with a catalogue: its title, then one block per mistake."""
    return "\n".join(f"## {model.title}\n\n{model_mistakes(model.name)}" for model in catalogued())


def sizes() -> str:
    """The checks the measurements on this page come from, by model, as the declarations name them."""
    lines = []
    for model in catalogued():
        checks = "; ".join(typeset_name(check.name) for check in model.checks() if check.side is not None)
        lines.append(f"- **{model.title}**: {checks}.")
    return "\n".join(lines)
