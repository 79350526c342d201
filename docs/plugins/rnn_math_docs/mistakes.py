"""Content of the Common-mistakes page: every catalogued wrong gradient, and the checks that reject it.

For each mistake of the catalogues ([`rnn_math.rnn.mistakes`][rnn_math.rnn.mistakes] for the vanilla RNN,
[`rnn_math.seq2seq.mistakes`][rnn_math.seq2seq.mistakes] for the encoder-decoder) the page shows
the right equation (its number, linked, and its LaTeX from the registry) beside the wrong one, and
what three checks measure when the wrong version is substituted, all computed here when the site
is built, on tiny networks:

- the exact proof: how many gradient entries of the closed form differ from SymPy's own
  derivative of the unrolled loss by something that is not identically zero;
- central differences and complex step: the worst norm-wise relative error of the wrong
  gradients, against the tolerance a right gradient meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

import numpy as np

from rnn_math.verification.gradcheck import DEFAULT_TOLERANCES, check_gradients
from rnn_math_docs.formatting import scientific
from rnn_math.core.registry import lookup
from rnn_math_docs.docs_index import scan_docs
from rnn_math_docs.render import equation_reference

#: The exact proofs' network: two steps, two hidden units, scalar inputs, two classes, with the
#: activation left as an undefined function g, so a passing proof holds for every activation.
PROOF_SIZES = {"T": 2, "D_h": 2, "d": 1, "V": 2}
#: The numerical checks' network (three steps, so that no mistake hides behind h^0).
NUMERIC_SIZES = {"T": 3, "D_h": 3, "d": 2, "V": 4}


@dataclass(frozen=True)
class Evidence:
    """What the checks measured on one wrong version."""

    nonzero_entries: int
    proof_entries: int
    central: float
    complex: float


def _inline(latex: str) -> str:
    """LaTeX as inline math that survives a Markdown table cell."""
    return "$" + " ".join(latex.replace("|", r"\vert ").split()) + "$"


def _number(eq_id: str) -> str:
    index = scan_docs()
    eq = lookup(eq_id)
    return equation_reference(eq, index.number(eq.id)) if eq.id in index.placements else ""


def _worst(report, method: str) -> float:
    return report.worst(method)


@cache
def _rnn_problem():
    from rnn_math.rnn.params import RNNParams

    sizes = NUMERIC_SIZES
    rng = np.random.default_rng(1)
    params = RNNParams.random(d=sizes["d"], D_h=sizes["D_h"], V=sizes["V"], seed=1, scale=0.8)
    xs = rng.standard_normal((sizes["T"], sizes["d"]))
    targets = rng.integers(0, sizes["V"], sizes["T"])
    h_0 = rng.uniform(-0.5, 0.5, sizes["D_h"])
    return params, xs, targets, h_0


@cache
def rnn_evidence(name: str) -> Evidence:
    """Run the exact proof and both numerical checks on the RNN mistake called `name`."""
    from rnn_math.rnn.mistakes import get_mistake, wrong_bptt
    from rnn_math.verification.proof import generic_activation, prove_rnn_bptt, symbolic_rnn
    from rnn_math.rnn.unrolled import sequence_loss

    mistake = get_mistake(name)
    g, _ = generic_activation("g")
    model = symbolic_rnn(*PROOF_SIZES.values(), activation=g)
    proofs = prove_rnn_bptt(model, replace=mistake.sympy_replacement)
    params, xs, targets, h_0 = _rnn_problem()
    wrong = wrong_bptt(mistake, params, xs, targets, activation="tanh", h_0=h_0)
    loss = partial(sequence_loss, xs=xs, targets=targets, activation="tanh", h_0=h_0)
    report = check_gradients(loss, params.as_dict(), wrong.grads.as_dict())
    return Evidence(sum(len(p.nonzero) for p in proofs), sum(p.entries for p in proofs),
                    _worst(report, "central"), _worst(report, "complex"))


@cache
def seq2seq_evidence(name: str) -> Evidence:
    """Run the exact proof and both numerical checks on the encoder-decoder mistake called `name`."""
    from rnn_math.seq2seq import Seq2SeqParams, loss, run_backward
    from rnn_math.seq2seq.mistakes import MISTAKES
    from rnn_math.symbolic import seq2seq as sym
    from rnn_math.verification.proof import prove_gradients

    mistake = next(m for m in MISTAKES if m.name == name)
    source, targets = [0, 1], [1, 0]
    symbols = sym.parameter_symbols(n_en=2, n_hi=2, D_h=2, d_en=1, d_hi=1)
    unrolled = sym.unrolled_loss(symbols, source, targets)
    closed = sym.closed_form_gradients(symbols, unrolled, targets, source=source, replace=mistake.sympy)
    proofs = prove_gradients(unrolled.loss, symbols, closed)
    params = Seq2SeqParams.random(5, 4, D_h=3, d_en=2, d_hi=2, seed=3, scale=0.8)
    sources, target_words = np.array([[0, 3, 0], [2, 4, 1]]), np.array([[1, 1, 3], [2, 0, 3]])
    grads = run_backward(params, sources, target_words, replace=mistake.numpy).grads.as_dict()
    report = check_gradients(lambda q: loss(q, sources, target_words), params.as_dict(), grads)
    return Evidence(sum(len(p.nonzero) for p in proofs), sum(p.entries for p in proofs),
                    _worst(report, "central"), _worst(report, "complex"))


def _verdict(evidence: Evidence) -> str:
    tolerance = DEFAULT_TOLERANCES
    return (
        f"**Exact proof**: {evidence.nonzero_entries} of {evidence.proof_entries} gradient entries differ from "
        f"SymPy's derivative by an expression that is not zero. "
        f"**Central differences**: worst norm-wise error ${scientific(evidence.central)}$ "
        f"(a right gradient stays below {tolerance['central']:.0e}). "
        f"**Complex step**: ${scientific(evidence.complex)}$ (below ${scientific(tolerance['complex'], 0)}$ when right)."
    )


def _block(title: str, eq_id: str, right_latex: str, wrong_latex: str | None, description: str, evidence: Evidence) -> str:
    wrong = _inline(wrong_latex) if wrong_latex else description
    return "\n".join([
        f"### {title}",
        "",
        "| | |",
        "|---|---|",
        f"| right {_number(eq_id)} | {_inline(right_latex)} |",
        f"| wrong | {wrong} |",
        "",
        description,
        "",
        _verdict(evidence),
        "",
    ])


def rnn_mistakes() -> str:
    """One block per mistake of the vanilla RNN's catalogue."""
    from rnn_math.rnn.mistakes import all_mistakes

    return "\n".join(
        _block(m.title, m.eq_id, lookup(m.eq_id).latex, m.wrong_latex, m.description, rnn_evidence(m.name))
        for m in all_mistakes("rnn")
    )


def _seq2seq_eq_id(mistake) -> str:
    # The catalogue keys replacements by equation id, with "@T" marking the last step only.
    return next(iter(mistake.numpy)).split("@")[0]


def seq2seq_mistakes() -> str:
    """One block per mistake of the encoder-decoder's catalogue."""
    from rnn_math.seq2seq.mistakes import MISTAKES

    blocks = []
    for m in MISTAKES:
        eq_id = _seq2seq_eq_id(m)
        blocks.append(_block(m.title, eq_id, lookup(eq_id).latex, m.wrong_latex, m.description, seq2seq_evidence(m.name)))
    return "\n".join(blocks)


def sizes() -> str:
    """The sizes of the networks the checks on this page ran on."""
    p, n = PROOF_SIZES, NUMERIC_SIZES
    return (
        f"The exact proofs use $T = {p['T']}$ steps, $D_h = {p['D_h']}$ hidden units, $d = {p['d']}$ and "
        f"$\\vert V\\vert = {p['V']}$, with a generic activation $g$; the numerical checks use $T = {n['T']}$, "
        f"$D_h = {n['D_h']}$, $d = {n['d']}$, $\\vert V\\vert = {n['V']}$ and $\\tanh$, every entry of every parameter checked."
    )
