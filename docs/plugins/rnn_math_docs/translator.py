"""Content of the Translator page: the toy translator trained when the site is built.

Training runs once per build (cached here) and takes about a second: the phrase set is a few
dozen pairs and the model is small.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from rnn_math.apps.translator import (
    HELD_OUT_FILE,
    Pair,
    TrainingConfig,
    TrainingResult,
    UnknownWordError,
    load_pairs,
    train_translator,
)
from rnn_math_docs.formatting import markdown_table, number
from rnn_math_docs.plots import new_figure, svg_figure


@cache
def _result() -> TrainingResult:
    return train_translator(load_pairs(), TrainingConfig())


def _rows(pairs: list[Pair]) -> tuple[list[list[str]], int]:
    translator = _result().translator
    rows, right = [], 0
    for pair in pairs:
        got = translator.translate(pair.english_text)
        ok = got == pair.hindi_text
        right += ok
        rows.append([pair.english_text, pair.hindi_text, got, "✓" if ok else "✗"])
    return rows, right


def setup() -> str:
    """Sizes of the phrase set, the vocabularies, the model and the optimiser."""
    result = _result()
    cfg, t = result.config, result.translator
    n_params = sum(v.size for v in t.params.as_dict().values())
    return markdown_table(
        ["", ""],
        [
            ["training pairs", str(len(load_pairs()))],
            ["English words $n_{\\text{en}}$", str(len(t.english))],
            ["Hindi words $n_{\\text{hi}}$ (⟨/s⟩ included)", str(len(t.hindi))],
            ["hidden size $D_h$ (encoder and decoder)", str(cfg.D_h)],
            ["embedding sizes $d_{\\text{en}}$, $d_{\\text{hi}}$", f"{cfg.d_en}, {cfg.d_hi}"],
            ["parameters (embeddings included)", str(n_params)],
            ["initialisation", f"$\\mathcal{{N}}(0, {cfg.init_scale}^2)$, random seed {cfg.seed}"],
            [
                "optimiser",
                f"Adam, $\\eta = {cfg.learning_rate}$, $\\beta_1 = {cfg.beta_1}$, $\\beta_2 = {cfg.beta_2}$, "
                f"$\\epsilon = 10^{{{int(np.log10(cfg.epsilon))}}}$",
            ],
            ["epochs (one full-batch step each)", str(cfg.epochs)],
        ],
        "lr",
    )


def loss_curve() -> str:
    """The summed training loss after every epoch, on a logarithmic axis."""
    losses = _result().losses
    figure, axes = new_figure(6.4, 3.2)
    axes.semilogy(np.arange(1, len(losses) + 1), losses, color="#3f51b5")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss L, summed over all pairs (nats)")
    axes.grid(True, which="both", alpha=0.3)
    return svg_figure(
        figure,
        f"Training loss: {number(losses[0], 1)} at the first epoch, {number(losses[-1], 3)} at the last "
        f"({len(losses)} epochs).",
    )


def training_translations() -> str:
    """Greedy translations of every training sentence, with the reference and a verdict."""
    rows, right = _rows(load_pairs())
    table = markdown_table(["English", "reference", "greedy translation", ""], rows, "lllc")
    return f"**{right} of {len(rows)}** training sentences are translated exactly.\n\n{table}"


def held_out_translations() -> str:
    """Greedy translations of the held-out sentences, right or wrong."""
    rows, right = _rows(load_pairs(HELD_OUT_FILE))
    table = markdown_table(["English", "reference", "greedy translation", ""], rows, "lllc")
    return f"**{right} of {len(rows)}** held-out sentences are translated exactly.\n\n{table}"


def unknown_word_message() -> str:
    """The error a sentence with an unknown word produces, as the reader would see it."""
    try:
        _result().translator.translate("I drink coffee")
    except UnknownWordError as error:
        return f"```text\nUnknownWordError: {error}\n```"
    raise AssertionError("'coffee' was expected to be outside the training vocabulary")


def config_error_message() -> str:
    """The error a size given as a bool produces, as the reader would see it."""
    try:
        TrainingConfig(D_h=True)
    except TypeError as error:
        return f"```text\nTypeError: {error}\n```"
    raise AssertionError("D_h=True was expected to be refused")
