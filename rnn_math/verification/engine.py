"""The verification engine: every registered equation's checks, run from the model declarations.

[`verify`][rnn_math.verification.engine.verify] runs, for every declared model (and every
declared group of equations that are not a model's gradients), each check the declaration names
(the exact SymPy proof, NumPy against SymPy at 50 digits, central differences, complex step), then
every mistake of its catalogue through the same checks, and returns one
[`EquationReport`][rnn_math.verification.report.EquationReport] per equation, in derivation order.
"""

from __future__ import annotations

from collections.abc import Callable

from rnn_math.verification.declaration import Model
from rnn_math.verification.report import EquationReport


def models() -> list[Model]:
    """Every declared model and equation group, in the order the site derives them."""
    raise NotImplementedError("engine.models: being written")


def list_equations() -> list[tuple[str, str, str]]:
    """``(model, eq_id, title)`` of every declared equation, in derivation order."""
    raise NotImplementedError("engine.list_equations: being written")


def verify(
    *, model: str | None = None, equation: str | None = None, progress: Callable[[str], None] | None = None
) -> list[EquationReport]:
    """Run the checks of every declared equation (or of one model, or of one equation).

    Parameters
    ----------
    model
        Only this model's equations (a name from [`models`][rnn_math.verification.engine.models]).
    equation
        Only this equation (a registered id).
    progress
        Called with a short label before each unit of work (for a progress bar).

    Returns
    -------
    list[EquationReport]
        One report per equation, in derivation order.

    Raises
    ------
    ValueError
        If `model` or `equation` is not known; the message lists the known ones.
    """
    raise NotImplementedError("engine.verify: being written")
