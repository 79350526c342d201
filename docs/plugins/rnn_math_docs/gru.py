"""The GRU page's computed content: each form's backward pass in one box, the composer's source, the catalogue.

Everything is read from the package at build time: the boxes from the registry and the GRU's
declaration, the code from the composer itself, the mistakes from the catalogue as the engine
measures them.
"""

from __future__ import annotations

import inspect

from rnn_math.core.registry import lookup
from rnn_math.gru.params import GRUParams
from rnn_math.gru.passes import BACKWARD_EQUATIONS, OUTPUT_BACKWARD
from rnn_math.verification.declaration import Model, declared_models
from rnn_math_docs import mistakes as mistakes_page
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table
from rnn_math_docs.render import equation_reference


def gru_model() -> Model:
    """The GRU's declaration."""
    return next(m for m in declared_models() if m.name == "gru")


def _summary(variant: str) -> str:
    index = scan_docs()
    rows = []
    for eq_id in OUTPUT_BACKWARD + BACKWARD_EQUATIONS[variant]:
        eq = lookup(eq_id)
        rows.append(
            [equation_reference(eq, index.number(eq_id)), eq.title, f"$\\displaystyle {eq.latex}$", f"`{eq_id}`"]
        )
    table = markdown_table(["", "computes", "formula", "id in the code"], rows, "llll")
    return f'<div class="rm-summary" markdown="block">\n\n{table}\n\n</div>'


def summary() -> str:
    """PyTorch's form: the backward pass in one box (number, what it computes, formula, id)."""
    return _summary("pytorch")


def cho_summary() -> str:
    """The form of Cho et al.: the backward pass in one box."""
    return _summary("cho")


def implementation() -> str:
    """The composer's source as a Python code block."""
    return f"```python\n{inspect.getsource(gru_model().composer).rstrip()}\n```"


def stacked_shapes() -> str:
    """How PyTorch's stacked matrices split, read off a GRU split by ``GRUParams.from_stacked``."""
    import numpy as np

    D_h, d, V = 4, 3, 5
    stacked = {
        "weight_ih": np.zeros((3 * D_h, d)),
        "weight_hh": np.zeros((3 * D_h, D_h)),
        "bias_ih": np.zeros(3 * D_h),
        "bias_hh": np.zeros(3 * D_h),
    }
    params = GRUParams.from_stacked(**stacked, U=np.zeros((V, D_h)), b_2=np.zeros(V)).as_dict()
    rows = []
    for name, array in stacked.items():
        side = "i" if name.endswith("ih") else "h"
        kind = "W" if name.startswith("weight") else "b"
        parts = [f"${kind}_{{{side}{g}}}$" for g in "rzn"]
        rows.append([f"`{name}_l0`", f"{array.shape}", " ; ".join(parts), f"{params[f'{kind}_{side}r'].shape} each"])
    caption = f"With $D_h = {D_h}$ hidden units and $d = {d}$ inputs:"
    return caption + "\n\n" + markdown_table(["PyTorch's name", "shape", "rows, in order", "split"], rows, "llll")


def mistakes() -> str:
    """One block per mistake of the GRU's catalogue, with what every check measured on it."""
    return mistakes_page.model_mistakes("gru")


def checks_used() -> str:
    """The GRU's checks, as its declaration names them."""
    return "; ".join(mistakes_page.typeset_name(check.name) for check in gru_model().checks()) + "."
