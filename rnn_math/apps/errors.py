"""The errors the applications report to a user: input that cannot be used, training that diverged.

Both applications (the character-level RNN's training, the translator) raise these, and the
command line ([`rnn_math.apps.cli`][rnn_math.apps.cli]) turns each into one line on stderr and an
exit code instead of a traceback: [`InputError`][rnn_math.apps.errors.InputError] exits with 1,
[`TrainingDivergedError`][rnn_math.apps.errors.TrainingDivergedError] with 3.
"""

from __future__ import annotations


class InputError(ValueError):
    """Something a user supplied cannot be used: a file, a checkpoint or a setting.

    The message is one sentence that names the culprit, fit to print as it is; the command line
    prints it on one line instead of a traceback.
    """


class TrainingDivergedError(ArithmeticError):
    """Training produced a non-finite loss, gradient, parameter or optimiser memory: it cannot go on.

    The message reads ``training diverged at <unit> <step>: <what>``. Whoever raises it leaves the
    last good state untouched, so it can still be saved.

    Attributes
    ----------
    step
        The number the failed update would have had.
    what
        What stopped being finite, as a phrase ("the loss is inf"), with any advice after it.
    unit
        What an update is called in this application: ``"step"`` (a chunk of text) or
        ``"epoch"`` (the translator's one update per pass over its phrase pairs).
    """

    def __init__(self, step: int, what: str, *, unit: str = "step") -> None:
        super().__init__(f"training diverged at {unit} {step}: {what}")
        self.step, self.what, self.unit = step, what, unit
