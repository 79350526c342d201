"""The LSTM page's computed content: the backward pass in one box, the composer's source, the mistakes, the forget path.

Everything is read from the package at build time: the box from the registry and the LSTM's
declaration, the code from the composer itself, the mistakes from the catalogue as the engine
measures them, and the forget gates' products from a forward pass of a random LSTM.
"""

from __future__ import annotations

import inspect

import numpy as np

from rnn_math.core.activations import sigmoid
from rnn_math.core.registry import lookup
from rnn_math.lstm.composer import LSTM_BACKWARD, OUTPUT_BACKWARD, lstm_forward, lstm_gradients
from rnn_math.lstm.params import LSTMParams
from rnn_math.verification.declaration import Model, declared_models
from rnn_math_docs import mistakes as mistakes_page
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.formatting import markdown_table, number, scientific
from rnn_math_docs.render import equation_reference

#: The forget-gate biases the forget-path table compares: 0, and the common initialisation 1.
FORGET_BIASES = (0.0, 1.0)
#: The lags of the forget-path table.
LAGS = (1, 5, 10, 25, 50)
#: The random LSTM of the forget-path table: widths, sequence length, seed.
D_IN, D_H, VOCAB, STEPS, SEED = 8, 32, 10, 50, 0


def lstm_model() -> Model:
    """The LSTM's declaration."""
    return next(m for m in declared_models() if m.name == "lstm")


def summary() -> str:
    """The LSTM's backward pass in one box: number, what it computes, formula, the id the code uses."""
    index = scan_docs()
    rows = []
    for eq_id in OUTPUT_BACKWARD + LSTM_BACKWARD:
        eq = lookup(eq_id)
        number = equation_reference(eq, index.number(eq_id))
        rows.append([number, eq.title, f"$\\displaystyle {eq.latex}$", f"`{eq_id}`"])
    table = markdown_table(["", "computes", "formula", "id in the code"], rows, "llll")
    return f'<div class="rm-summary" markdown="block">\n\n{table}\n\n</div>'


def implementation() -> str:
    """The composer's source as a Python code block."""
    return f"```python\n{inspect.getsource(lstm_gradients).rstrip()}\n```"


def mistakes() -> str:
    """One block per mistake of the LSTM's catalogue, with what every check measured on it."""
    return mistakes_page.model_mistakes("lstm")


def checks_used() -> str:
    """The LSTM's checks, as its declaration names them."""
    return "; ".join(mistakes_page.typeset_name(check.name) for check in lstm_model().checks()) + "."


def open_forget_gate() -> str:
    """The forget gate of a unit whose pre-activation is only the larger bias of `FORGET_BIASES`."""
    opened = FORGET_BIASES[1]
    return f"$\\operatorname{{sigmoid}}({opened:g}) \\approx {number(float(sigmoid(opened)), 2)}$"


def forget_products(forget_bias: float) -> dict[int, float]:
    """The mean over units and start steps of Π_{r=t+1}^{t+lag} f^r, the cell path's factor, at each lag."""
    params = LSTMParams.random(D_IN, D_H, VOCAB, seed=SEED, scale=1 / np.sqrt(D_H), forget_bias=forget_bias)
    rng = np.random.default_rng(SEED)
    xs, targets = rng.standard_normal((STEPS, D_IN)), rng.integers(0, VOCAB, STEPS)
    f = lstm_forward(params, xs, targets).f[0]
    log_f = np.log(f)
    cumulative = np.vstack([np.zeros(D_H), np.cumsum(log_f, axis=0)])
    return {lag: float(np.mean(np.exp(cumulative[lag:] - cumulative[:-lag]))) for lag in LAGS}


def forget_path_table() -> str:
    """The cell path's factor after each lag, with forget-gate bias 0 and 1, on a random LSTM."""
    products = {bias: forget_products(bias) for bias in FORGET_BIASES}
    rows = [[f"{bias:g}"] + [f"${scientific(products[bias][lag])}$" for lag in LAGS] for bias in FORGET_BIASES]
    header = ["forget-gate bias"] + [f"lag {lag}" for lag in LAGS]
    return markdown_table(header, rows, "l" + "r" * len(LAGS))


def forget_path_setting() -> str:
    """The random LSTM the table is computed on."""
    return (
        f"An LSTM with $d = {D_IN}$, $D_h = {D_H}$, $|V| = {VOCAB}$, every weight drawn from "
        f"$N(0, 1/D_h)$ (seed {SEED}), run on {STEPS} random inputs"
    )
