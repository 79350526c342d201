"""Content of the Translator page: the two toy translators trained when the site is built.

Each model trains once per build (cached here, so every table and figure of the page reads the
same two runs): the phrase set is a few dozen pairs and both models are small.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from rnn_math.apps.translator import (
    ATTENTION_CONFIG,
    END,
    HELD_OUT_FILE,
    Evaluation,
    Pair,
    TrainingConfig,
    TrainingResult,
    UnknownWordError,
    english_words,
    evaluate,
    length_groups,
    load_pairs,
    train_translator,
)
from rnn_math_docs.attention_maps import heat_map
from rnn_math_docs.formatting import markdown_table, number
from rnn_math_docs.plots import new_figure, svg_figure

#: The page's names of the two models, in its column order.
NAMES = {"encoder-decoder": "encoder-decoder", "attention": "with attention"}

#: Held-out sentences whose attention weights the page draws: a short one, and two whose Hindi
#: moves words ("with a friend" before the place, "every day" to the front).
MAPPED = ("she goes home", "I go to school with a friend", "he reads a book at home every day")


@cache
def results() -> dict[str, TrainingResult]:
    """Both models trained on the packaged pairs, by model name."""
    return {config.model: train_translator(load_pairs(), config) for config in (TrainingConfig(), ATTENTION_CONFIG)}


@cache
def evaluations(held_out: bool = True) -> dict[str, Evaluation]:
    """Both models' greedy translations of the held-out (or the training) pairs, scored."""
    pairs = load_pairs(HELD_OUT_FILE) if held_out else load_pairs()
    return {name: evaluate(result.translator, pairs) for name, result in results().items()}


def parameter_count(name: str) -> int:
    """The number of trained numbers of one model, embeddings included."""
    return sum(v.size for v in results()[name].translator.params.as_dict().values())


def percent(fraction: float) -> str:
    """A fraction as a whole percentage."""
    return f"{100 * fraction:.0f} %"


def setup() -> str:
    """Sizes of the phrase set, the vocabularies, both models and the optimiser."""
    plain, attention = (results()[name] for name in NAMES)
    cfg, t = plain.config, plain.translator
    both = f"{cfg.d_en}, {cfg.d_hi}"
    widths = f"{attention.config.d_en}, {attention.config.d_hi}"
    counts = [str(parameter_count(name)) for name in NAMES]
    return markdown_table(
        ["", NAMES["encoder-decoder"], NAMES["attention"]],
        [
            ["training pairs", str(len(load_pairs())), "the same"],
            ["English words $n_{\\text{en}}$", str(len(t.english)), "the same"],
            ["Hindi words $n_{\\text{hi}}$ (⟨/s⟩ included)", str(len(t.hindi)), "the same"],
            ["hidden size $D_h$ (encoder and decoder)", str(cfg.D_h), str(attention.config.D_h)],
            ["attention width $n_a$", "—", str(attention.config.n_a)],
            ["embedding sizes $d_{\\text{en}}$, $d_{\\text{hi}}$", both, widths],
            ["parameters (embeddings included)", *counts],
            ["initialisation", f"$\\mathcal{{N}}(0, {cfg.init_scale}^2)$, random seed {cfg.seed}", "the same"],
            [
                "optimiser",
                f"Adam, $\\eta = {cfg.learning_rate}$, $\\beta_1 = {cfg.beta_1}$, $\\beta_2 = {cfg.beta_2}$, "
                f"$\\epsilon = 10^{{{int(np.log10(cfg.epsilon))}}}$",
                "the same",
            ],
            ["epochs (one full-batch step each)", str(cfg.epochs), "the same"],
        ],
        "lrr",
    )


def loss_curve() -> str:
    """The summed training loss of both models after every epoch, on a logarithmic axis."""
    figure, axes = new_figure(6.4, 3.2)
    parts = []
    for (name, result), colour in zip(results().items(), ("#3f51b5", "#e65100"), strict=True):
        losses = result.losses
        axes.semilogy(np.arange(1, len(losses) + 1), losses, color=colour, label=NAMES[name])
        parts.append(f"{NAMES[name]} {number(losses[0], 1)} at the first epoch, {number(losses[-1], 3)} at the last")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss L, summed over all pairs (nats)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    epochs = len(results()["encoder-decoder"].losses)
    return svg_figure(figure, f"Training loss ({epochs} epochs): {'; '.join(parts)}.")


def _translation_table(held_out: bool) -> str:
    scored = evaluations(held_out)
    plain, attention = scored["encoder-decoder"], scored["attention"]
    rows = []
    for a, b in zip(plain.rows, attention.rows, strict=True):
        rows.append(
            [a.pair.english_text, a.pair.hindi_text, " ".join(a.got), "✓" if a.exact else "✗", " ".join(b.got)]
            + ["✓" if b.exact else "✗"]
        )
    header = ["English", "reference", NAMES["encoder-decoder"], "", NAMES["attention"], ""]
    summary = ", ".join(f"**{s.total.exact} of {len(s.rows)}** {NAMES[n]}" for n, s in scored.items())
    kind = "held-out" if held_out else "training"
    return f"Translated exactly ({kind} sentences): {summary}.\n\n{markdown_table(header, rows, 'lllclc')}"


def training_translations() -> str:
    """Greedy translations of every training sentence by both models, with the reference and a verdict."""
    return _translation_table(held_out=False)


def held_out_translations() -> str:
    """Greedy translations of the held-out sentences by both models, right or wrong."""
    return _translation_table(held_out=True)


def comparison() -> str:
    """Both models on the held-out sentences: exact sentences and word accuracy."""
    rows = []
    for name, scored in evaluations().items():
        total = scored.total
        rows.append(
            [NAMES[name], str(parameter_count(name)), f"{total.exact} of {total.sentences}"]
            + [percent(total.exact_fraction), f"{total.words_right} of {total.words}", percent(total.word_fraction)]
        )
    header = ["", "parameters", "exact sentences", "", "words in place", ""]
    return markdown_table(header, rows, "lrrrrr")


def verdict() -> str:
    """What the two scores say, in words, from the computed numbers."""
    plain, attention = (evaluations()[name].total for name in NAMES)
    said = (
        f"With attention, {attention.exact} of {attention.sentences} held-out sentences come out exactly, "
        f"against {plain.exact} without, and {percent(attention.word_fraction)} of the Hindi words are in place, "
        f"against {percent(plain.word_fraction)}."
    )
    if attention.word_fraction > plain.word_fraction:
        said += " Attention helps, with no more parameters"
    elif attention.word_fraction < plain.word_fraction:
        said += " Attention does not help here: with no more parameters it places fewer words"
    else:
        said += " Attention makes no difference to the words in place here"
    if max(plain.exact_fraction, attention.exact_fraction) < 0.5:
        said += (
            "; but neither model generalises far at this size: most held-out sentences come out wrong from "
            "both, each having learned its few dozen training sentences more than the grammar that combines them."
        )
    else:
        said += "."
    return said


def length_verdict() -> str:
    """Whether the difference between the models grows with sentence length, from the computed numbers."""
    scored = evaluations()
    plain, attention = (scored[name].by_length(_groups()) for name in NAMES)
    gaps = [b.word_fraction - a.word_fraction for a, b in zip(plain, attention, strict=True)]
    counts = [a.sentences for a in plain]
    if all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False)):
        return "The difference in words in place grows with every longer group of sentences."
    ahead = [_group_name(g) for g, gap in zip(_groups(), gaps, strict=True) if gap > 0]
    behind = [_group_name(g) for g, gap in zip(_groups(), gaps, strict=True) if gap < 0]
    said = "The difference does not grow steadily with length at this size."
    if ahead:
        said += f" Attention places more words for {', '.join(ahead)} English words"
        said += f" and fewer for {', '.join(behind)}." if behind else "."
    elif behind:
        said += f" Attention places fewer words for {', '.join(behind)} English words."
    return (
        said + f" With {min(counts)} to {max(counts)} sentences a group, one sentence more or less right moves a "
        "group's score by several points, so the groups' differences are rough."
    )


def _groups() -> list[tuple[int, int]]:
    return length_groups(load_pairs(HELD_OUT_FILE))


def _group_name(group: tuple[int, int]) -> str:
    low, high = group
    return str(low) if low == high else f"{low}–{high}"


def length_table() -> str:
    """Word accuracy and exact sentences of both models by English sentence length (held out)."""
    scored = evaluations()
    plain, attention = (scored[name].by_length(_groups()) for name in NAMES)
    rows = []
    for group, a, b in zip(_groups(), plain, attention, strict=True):
        rows.append(
            [_group_name(group), str(a.sentences), str(a.exact), str(b.exact), percent(a.word_fraction)]
            + [percent(b.word_fraction), f"{100 * (b.word_fraction - a.word_fraction):+.0f} points"]
        )
    e, w = NAMES["encoder-decoder"], NAMES["attention"]
    header = ["English words", "sentences", f"exact, {e}", f"exact, {w}", f"words, {e}", f"words, {w}"]
    return markdown_table([*header, "words: difference"], rows, "lrrrrrr")


def length_figure() -> str:
    """Word accuracy by English sentence length, the two models side by side."""
    scored = evaluations()
    groups = _groups()
    x = np.arange(len(groups))
    figure, axes = new_figure(6.4, 3.2)
    for offset, (name, colour) in zip((-0.2, 0.2), zip(NAMES, ("#3f51b5", "#e65100"), strict=True), strict=True):
        values = [100 * s.word_fraction for s in scored[name].by_length(groups)]
        axes.bar(x + offset, values, width=0.4, color=colour, label=NAMES[name])
    axes.set_xticks(x, [_group_name(g) for g in groups])
    axes.set_xlabel("English words in the held-out sentence")
    axes.set_ylabel("Hindi words in place (%)")
    axes.set_ylim(0, 100)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend()
    return svg_figure(figure, "Word accuracy on the held-out sentences, grouped by English length.")


def attention_maps() -> str:
    """Heat maps of the attention weights of a few held-out translations."""
    translator = results()["attention"].translator
    held_out = {p.english: p for p in load_pairs(HELD_OUT_FILE)}
    figures = []
    for sentence in MAPPED:
        pair: Pair = held_out[english_words(sentence)]  # a KeyError: the held-out file lost the sentence
        attended = translator.attend(sentence)
        got = " ".join(w for w in attended.hindi if w != END)
        verdict = "exactly the reference" if got == pair.hindi_text else f"the reference is {pair.hindi_text}"
        caption = f"“{sentence}” → {got} ({verdict}). Each row sums to 1."
        figures.append(heat_map(attended, caption))
    return "\n".join(figures)


def unknown_word_message() -> str:
    """The error a sentence with an unknown word produces, as the reader would see it (from both models)."""
    messages = set()
    for result in results().values():
        try:
            result.translator.translate("I drink coffee")
        except UnknownWordError as error:
            messages.add(str(error))
        else:
            raise AssertionError("'coffee' was expected to be outside the training vocabulary")
    if len(messages) != 1:  # the page says both models refuse it in the same words
        raise AssertionError(f"the two translators refuse 'coffee' differently: {sorted(messages)}")
    return f"```text\nUnknownWordError: {messages.pop()}\n```"


def config_error_message() -> str:
    """The error a size given as a bool produces, as the reader would see it."""
    try:
        TrainingConfig(D_h=True)
    except TypeError as error:
        return f"```text\nTypeError: {error}\n```"
    raise AssertionError("D_h=True was expected to be refused")
