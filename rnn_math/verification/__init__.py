"""The verification machinery: the engine, the model declarations' types, proofs and checks.

A model (or a group of equations) is declared once with
[`declare`][rnn_math.verification.declaration.declare]; the engine
([`verify`][rnn_math.verification.engine.verify]) runs every declared check on it and every
[`Mistake`][rnn_math.verification.mistakes.Mistake] of its catalogue through them, and returns one
[`EquationReport`][rnn_math.verification.report.EquationReport] per equation. The building blocks
are public too: the exact proof ([`prove_gradients`][rnn_math.verification.proof.prove_gradients]),
the proof at symbolic sizes ([`prove_entrywise`][rnn_math.verification.index_form.prove_entrywise]),
the 50-digit evaluation ([`rnn_math.verification.evaluate`][rnn_math.verification.evaluate]) and the gradient
checker ([`check_gradients`][rnn_math.verification.gradcheck.check_gradients]).

```python
from rnn_math.verification import verify

failed = [report.eq_id for report in verify(model="rnn") if not report.passed]
```
"""

from rnn_math.verification.declaration import Check, Model, declare, declared_models, equation_functions
from rnn_math.verification.engine import list_equations, models, verify
from rnn_math.verification.evaluate import relative_error, to_matrix
from rnn_math.verification.gradcheck import check_gradients
from rnn_math.verification.index_form import normal_form, prove_entrywise
from rnn_math.verification.mistakes import Mistake, all_mistakes, get_mistake
from rnn_math.verification.proof import generic_activation, prove_gradients
from rnn_math.verification.report import EquationReport

__all__ = [
    "Check",
    "EquationReport",
    "Mistake",
    "Model",
    "all_mistakes",
    "check_gradients",
    "declare",
    "declared_models",
    "equation_functions",
    "generic_activation",
    "get_mistake",
    "list_equations",
    "models",
    "normal_form",
    "prove_entrywise",
    "prove_gradients",
    "relative_error",
    "to_matrix",
    "verify",
]
