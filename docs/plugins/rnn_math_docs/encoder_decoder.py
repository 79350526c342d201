"""Content of the Encoder-decoder page: the RNN-theory notes' example continued, computed at build."""

from __future__ import annotations

from functools import cache

import numpy as np

from rnn_math.rnn.example import NOTES_TOKENS
from rnn_math.seq2seq import loss
from rnn_math.seq2seq.example import (
    HINDI_WORDS,
    LEARNING_RATE,
    SOURCE,
    TARGETS,
    WorkedStep,
    notes_params,
    notes_translation_step,
)
from rnn_math.verification.gradcheck import check_gradients
from rnn_math_docs.formatting import latex_matrix, markdown_table, number, scientific

#: How the page writes each parameter's name in LaTeX.
LATEX_NAMES = {
    "E_en": r"E_{\text{en}}", "W_h": "W_h", "W_e": "W_e", "b_1": "b_1", "E_hi": r"E_{\text{hi}}",
    "W_dec": r"W_{\text{dec}}", "V": "V", "c": "c", "W_out": r"W_{\text{out}}", "b_out": r"b_{\text{out}}",
}  # fmt: skip
#: The decoder's input words: every Hindi word, then the start token (the rows of E_hi).
INPUT_WORDS = (*(w if w != "</s>" else "⟨/s⟩" for w in HINDI_WORDS), "⟨s⟩")


@cache
def _step() -> WorkedStep:
    return notes_translation_step()


def _word(index: int) -> str:
    return "⟨/s⟩" if HINDI_WORDS[index] == "</s>" else HINDI_WORDS[index]


def decoder_parameters() -> str:
    """The stated decoder parameters and the Hindi embeddings, as inline math and a table."""
    p = notes_params()
    embeddings = markdown_table(
        ["word", *INPUT_WORDS],
        [["embedding (row of $E_{\\text{hi}}$)", *(f"${number(v, 1)}$" for v in p.E_hi[:, 0])]],
        "l" + "c" * len(INPUT_WORDS),
    )
    weights = ", ".join(
        f"${LATEX_NAMES[name]} = {latex_matrix(getattr(p, name), 1)}$" for name in ("W_dec", "V", "c", "W_out", "b_out")
    )
    return f"{embeddings}\n\n{weights}"


def context() -> str:
    """s_0 = h_2, the context the decoder starts from."""
    return f"$s_0 = h_2 = {latex_matrix(_step().before.forward.s[0])}$"


def first_step() -> str:
    """Decoder step 1 in full: a_1, s_1, o_1, p_1 and the predicted word."""
    fp = _step().before.forward  # one sentence: no batch axis
    probs = fp.p[0]
    best = int(np.argmax(probs))
    table = markdown_table(
        ["", *(_word(i) for i in range(len(HINDI_WORDS)))],
        [
            ["logit $o_{1,j}$", *(f"${number(v)}$" for v in fp.o[0])],
            ["probability $p_{1,j}$", *(f"${number(v)}$" for v in probs)],
        ],
        "l" + "r" * len(HINDI_WORDS),
    )
    return (
        f"$a_1 = W_{{\\text{{dec}}}} s_0 + V y_0 + c = {latex_matrix(fp.a[0])}$, "
        f"$s_1 = \\tanh(a_1) = {latex_matrix(fp.s[1])}$.\n\n{table}\n\n"
        f"The most probable word is **{_word(best)}** ($p = {number(probs[best])}$); the correct first "
        f"word, {_word(int(TARGETS[0]))}, gets $p = {number(probs[TARGETS[0]])}$."
    )


def decoder_steps() -> str:
    """One row per decoder step under teacher forcing: input, state, prediction, target, loss."""
    fp = _step().before.forward
    rows = []
    for t in range(len(TARGETS)):
        k, probs = int(TARGETS[t]), fp.p[t]
        best = int(np.argmax(probs))
        rows.append([
            f"${t + 1}$", INPUT_WORDS[fp.inputs[t]], f"${number(fp.y[t, 0], 1)}$",
            f"$s_{t + 1} = {latex_matrix(fp.s[t + 1])}$", _word(best), _word(k),
            f"${number(probs[k])}$", f"${number(-np.log(probs[k]))}$",
        ])  # fmt: skip
    table = markdown_table(
        [
            "$t$",
            "input $k_{t-1}$",
            "$y_{t-1}$",
            "decoder state",
            "most probable",
            "target $k_t$",
            "$p_{t,k_t}$",
            "$L_t$",
        ],
        rows,
        "rlrlllrr",
    )
    return f"{table}\n\nSumming the last column: $L = {number(_step().before.loss)}$."


def handoff() -> str:
    """The errors on their way back: δ^dec_1, the hand-off ∂L/∂h_2, and the encoder's δ's."""
    b = _step().before
    return (
        f"$\\delta^{{\\text{{dec}}}}_1 = {latex_matrix(b.deltas_dec[0])}$, "
        f"$\\dfrac{{\\partial L}}{{\\partial h_2}} = W_{{\\text{{dec}}}}^\\top \\delta^{{\\text{{dec}}}}_1 = "
        f"{latex_matrix(b.grad_context)}$, "
        f"$\\delta^{{\\text{{enc}}}}_2 = {latex_matrix(b.deltas_enc[1])}$, "
        f"$\\delta^{{\\text{{enc}}}}_1 = {latex_matrix(b.deltas_enc[0])}$"
    )


def gradients() -> str:
    """Every parameter's gradient at the worked example's numbers."""
    grads = _step().before.grads.as_dict()
    rows = [[f"${LATEX_NAMES[name]}$", f"${latex_matrix(g)}$"] for name, g in grads.items()]
    return markdown_table(["parameter $P$", "$\\partial L / \\partial P$"], rows, "ll")


def update() -> str:
    """The loss and the greedy-free predictions before and after one gradient-descent step."""
    step = _step()
    rows = []
    for label, result in (("before", step.before), ("after one step", step.after)):
        words = " ".join(_word(int(i)) for i in np.argmax(result.forward.p, axis=-1))
        rows.append([label, f"${number(result.loss)}$", words])
    table = markdown_table(["", "loss $L$", "most probable word at each step (teacher forcing)"], rows, "lrl")
    return f"With $\\eta = {number(LEARNING_RATE, 1)}$:\n\n{table}"


def gradient_check() -> str:
    """The derived gradients of the example against central differences and complex step."""
    params = notes_params()
    report = check_gradients(
        lambda q: loss(q, SOURCE[None], TARGETS[None]), params.as_dict(), _step().before.grads.as_dict()
    )
    rows = [
        [
            f"${LATEX_NAMES[r.parameter]}$",
            r.method,
            f"${scientific(r.normwise_error)}$",
            f"${scientific(r.tolerance, 0)}$",
            "pass" if r.passed else "**FAIL**",
        ]
        for r in report.rows
    ]
    return markdown_table(["parameter", "method", "relative error", "tolerance", ""], rows, "llrrl")


def english_sentence() -> str:
    """The source sentence with its token indices."""
    return " ".join(f"“{NOTES_TOKENS[i]}”" for i in SOURCE)
