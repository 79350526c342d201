"""The report of a gradient check: one row per (parameter, method), a verdict, and what was checked.

[`check_gradients`][rnn_math.verification.gradcheck.check_gradients] returns a
[`GradcheckReport`][rnn_math.verification.gradcheck_report.GradcheckReport]; both classes are also importable
from [`rnn_math.verification.gradcheck`][rnn_math.verification.gradcheck].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GradcheckRow:
    """One (parameter, method) line of a report.

    Attributes
    ----------
    parameter, method
        What was checked, and by which estimator (``"central"`` or ``"complex"``).
    checked, total
        How many entries were checked, out of how many (all of them when ``total`` ≤ ``max_entries``).
    normwise_error
        ‖g − ĝ‖ / ‖ĝ‖ over the checked entries, g the given gradient, ĝ the estimate. Pass/fail
        is decided on this number.
    max_relative_error
        max over entries of |g_i − ĝ_i| / max(|g_i|, |ĝ_i|); 0 where both are 0. Entries that
        are nearly 0 can make this large without anything being wrong, hence not the criterion.
    max_abs_error
        max over entries of |g_i − ĝ_i|.
    tolerance
        The bound ``normwise_error`` had to meet.
    """

    parameter: str
    method: str
    checked: int
    total: int
    normwise_error: float
    max_relative_error: float
    max_abs_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        """Whether the norm-wise error is within the tolerance (NaN never passes)."""
        return bool(self.normwise_error <= self.tolerance)


@dataclass(frozen=True)
class GradcheckReport:
    """Every row of a gradient check, with a verdict and a printable table."""

    rows: tuple[GradcheckRow, ...]

    @property
    def passed(self) -> bool:
        """True when every row passed."""
        return all(row.passed for row in self.rows)

    def failures(self) -> list[GradcheckRow]:
        """The rows that did not pass."""
        return [row for row in self.rows if not row.passed]

    def row(self, parameter: str, method: str) -> GradcheckRow:
        """The row of one parameter and method."""
        for candidate in self.rows:
            if candidate.parameter == parameter and candidate.method == method:
                return candidate
        raise KeyError(f"no row for parameter {parameter!r} and method {method!r}")

    def worst(self, method: str) -> float:
        """The largest norm-wise error of one method over all parameters; NaN if any row's is NaN.

        A NaN error means a gradient or an estimate was not finite: the worst possible outcome,
        so it is what this reports (Python's ``max`` would skip it or not depending on order).
        """
        errors = [row.normwise_error for row in self.rows if row.method == method]
        if not errors:
            raise ValueError(f"method: expected one of the report's methods {self.methods()}, got {method!r}")
        return float("nan") if any(np.isnan(errors)) else max(errors)

    def methods(self) -> list[str]:
        """The methods the report has rows for, in their order."""
        return list(dict.fromkeys(row.method for row in self.rows))

    def entries(self) -> dict[str, tuple[int, int]]:
        """Per parameter, how many entries were checked and how many it has: ``{name: (checked, total)}``."""
        return {row.parameter: (row.checked, row.total) for row in self.rows}

    def coverage(self) -> str:
        """One sentence: how many entries were checked of how many, and which parameters were sampled."""
        counts = self.entries()
        checked, total = (sum(pair[k] for pair in counts.values()) for k in (0, 1))
        sampled = [f"{name} {c} of {t}" for name, (c, t) in counts.items() if c < t]
        how = f"sampled: {', '.join(sampled)}" if sampled else "every entry"
        return f"checked {checked} of {total} entries in {len(counts)} parameters ({how})"

    def __str__(self) -> str:
        header = ("parameter", "method", "entries", "norm-wise rel.", "max rel.", "max abs.", "tolerance", "")
        lines = [
            (
                row.parameter,
                row.method,
                f"{row.checked} of {row.total}",
                f"{row.normwise_error:.2e}",
                f"{row.max_relative_error:.2e}",
                f"{row.max_abs_error:.2e}",
                f"{row.tolerance:.0e}",
                "ok" if row.passed else "FAIL",
            )
            for row in self.rows
        ]
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
        text = [
            " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in (header, *lines)
        ]
        text.insert(1, "-+-".join("-" * w for w in widths))
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures())} of {len(self.rows)} rows)"
        return "\n".join([*text, f"gradient check {verdict}; {self.coverage()}"])
