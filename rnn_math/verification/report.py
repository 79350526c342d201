"""The outcome of verifying one equation: what the engine returns and `rnn-math verify` prints."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def _number(value: float | None) -> float | str | None:
    """A float for JSON: ``None`` stays ``None``, and a non-finite error is spelled out (JSON has no NaN)."""
    if value is None or math.isfinite(value):
        return value
    return str(value)


@dataclass(frozen=True)
class EquationReport:
    """What every applicable check found for one registered equation.

    Attributes
    ----------
    eq_id
        The registered equation's id.
    model
        The declaration that reached it (``"rnn"``, ``"seq2seq"``, ``"training"``, …).
    title
        The equation's title in the registry.
    exact
        Whether the exact SymPy proof holds; ``None`` when no exact proof applies to this equation.
    fifty_digit
        Worst norm-wise relative error of NumPy against SymPy evaluated at 50 digits, or ``None``.
    central
        Worst per-gradient relative error against central differences, or ``None``.
    complex_step
        Worst per-gradient relative error against the complex step, or ``None``.

        Each of these is measured on the outputs of the checks that the declaration attributes
        to this equation (`measured_on`), not on everything a check computes.
    controls
        How many mistakes (negative controls) corrupt this equation.
    controls_rejected
        How many of them every applicable check rejected.
    passed
        Every applicable check held within its tolerance and every control was rejected.
    tolerances
        The bound each numerical check was held to, by check name.
    failures
        One sentence per failed check or accepted control (empty when passed).
    measured_on
        The outputs the values come from, over all its checks (``"b_2"``: the gradient of b_2;
        ``"deltas"``: the errors δ^t; ``"value"``: the equation's own result on a sample). An
        equation that produces no output of a check (the hidden-state gradient, which only feeds
        δ) is measured on the outputs nearest downstream of it.
    """

    eq_id: str
    model: str
    title: str
    exact: bool | None
    fifty_digit: float | None
    central: float | None
    complex_step: float | None
    controls: int
    controls_rejected: int
    passed: bool
    tolerances: dict[str, float] = field(default_factory=dict)
    failures: tuple[str, ...] = ()
    measured_on: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready values (non-finite errors as strings such as ``"nan"``)."""
        return {
            "eq_id": self.eq_id,
            "model": self.model,
            "title": self.title,
            "exact": self.exact,
            "fifty_digit": _number(self.fifty_digit),
            "central": _number(self.central),
            "complex_step": _number(self.complex_step),
            "controls": self.controls,
            "controls_rejected": self.controls_rejected,
            "passed": self.passed,
            "tolerances": dict(self.tolerances),
            "failures": list(self.failures),
            "measured_on": list(self.measured_on),
        }
