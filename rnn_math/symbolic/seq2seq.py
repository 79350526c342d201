"""SymPy twins of the encoder-decoder, with column vectors as the Encoder-decoder page writes them.

[`unrolled_loss`][rnn_math.symbolic.seq2seq.unrolled_loss] composes the forward twins into the
exact loss of one sentence pair, and [`closed_form_gradients`][rnn_math.symbolic.seq2seq.closed_form_gradients]
composes the backward twins into the derived gradients; the tests prove the second equal to the
exact derivative of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.rnn.forward import hidden_state, matrix_symbols, pre_activation
from rnn_math.symbolic.types import Expr, Matrix

#: Parameter names in the page's order, as in [`rnn_math.seq2seq.params`][rnn_math.seq2seq.params].
PARAMETER_NAMES = ("E_en", "W_h", "W_e", "b_1", "E_hi", "W_dec", "V", "c", "W_out", "b_out")


def one_hot(index: int, size: int) -> Matrix:
    """The column 1_index of length `size`."""
    column = sp.zeros(size, 1)
    column[index] = 1
    return column


def _sum(terms: Sequence[Matrix]) -> Matrix:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


@symbolic_twin("eq-embedding-lookup")
def embed(E: Matrix, token: int) -> Matrix:
    """Twin of x_t = Eᵀ 1_{w_t}: the transposed table times a one-hot column."""
    return E.T * one_hot(token, E.rows)


@symbolic_twin("eq-context")
def context(h: Sequence[Matrix]) -> Matrix:
    """Twin of s_0 = h_T: the last of the encoder states h_0..h_T."""
    return h[-1]


@symbolic_twin("eq-teacher-forcing")
def teacher_forcing(targets: Sequence[int], start: int) -> list[int]:
    """Twin of the decoder's inputs: k_0 = ⟨s⟩, then k_1..k_{T'-1}."""
    return [start, *targets[:-1]]


@symbolic_twin("eq-decoder-state")
def decoder_state(
    W_dec: Matrix,
    s_prev: Matrix,
    V: Matrix,
    y_prev: Matrix,
    c: Matrix,
    activation: str | Callable[[Expr], Expr] = "tanh",
) -> tuple[Matrix, Matrix]:
    """Twin of a_t = W_dec s_{t-1} + V y_{t-1} + c and s_t = tanh(a_t): returns (a_t, s_t)."""
    a_t = W_dec * s_prev + V * y_prev + c
    return a_t, hidden_state(a_t, activation)


@symbolic_twin("eq-decoder-logits")
def decoder_logits(W_out: Matrix, s_t: Matrix, b_out: Matrix) -> Matrix:
    """Twin of o_t = W_out s_t + b_out."""
    return W_out * s_t + b_out


@symbolic_twin("eq-seq2seq-loss")
def seq2seq_loss(o: Sequence[Matrix], targets: Sequence[int]) -> Expr:
    """Twin of L = Σ_t (log Σ_j exp o_{t,j} − o_{t,k_t})."""
    return sp.Add(*(sp.log(sum(o_t.applyfunc(sp.exp))) - o_t[k] for o_t, k in zip(o, targets, strict=True)))


@symbolic_twin("eq-decoder-grad-wout")
def grad_W_out(output_grads: Sequence[Matrix], s: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_out = Σ_t g_t s_tᵀ (s_1..s_{T'})."""
    return _sum([g * s_t.T for g, s_t in zip(output_grads, s, strict=True)])


@symbolic_twin("eq-decoder-grad-bout")
def grad_b_out(output_grads: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_out = Σ_t g_t."""
    return _sum(list(output_grads))


@symbolic_twin("eq-decoder-state-grad")
def decoder_state_gradient(W_out: Matrix, output_grad_t: Matrix, W_dec: Matrix, delta_dec_next: Matrix) -> Matrix:
    """Twin of ∂L/∂s_t = W_outᵀ g_t + W_decᵀ δ^dec_{t+1}."""
    return W_out.T * output_grad_t + W_dec.T * delta_dec_next


@symbolic_twin("eq-decoder-delta")
def decoder_delta(grad_s_t: Matrix, a_t: Matrix) -> Matrix:
    """Twin of δ^dec_t = ∂L/∂s_t ⊙ tanh'(a_t), with tanh' from SymPy's own differentiation."""
    return grad_s_t.multiply_elementwise(a_t.applyfunc(sym_bptt.activation_derivative("tanh")))


@symbolic_twin("eq-decoder-grad-wdec")
def grad_W_dec(deltas_dec: Sequence[Matrix], s_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_dec = Σ_t δ^dec_t s_{t-1}ᵀ (s_0 = h_T)."""
    return _sum([d * s.T for d, s in zip(deltas_dec, s_prev, strict=True)])


@symbolic_twin("eq-decoder-grad-v")
def grad_V(deltas_dec: Sequence[Matrix], y_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂V = Σ_t δ^dec_t y_{t-1}ᵀ."""
    return _sum([d * y.T for d, y in zip(deltas_dec, y_prev, strict=True)])


@symbolic_twin("eq-decoder-grad-c")
def grad_c(deltas_dec: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂c = Σ_t δ^dec_t."""
    return _sum(list(deltas_dec))


@symbolic_twin("eq-handoff")
def handoff_gradient(W_dec: Matrix, delta_dec_1: Matrix) -> Matrix:
    """Twin of ∂L/∂h_T = ∂L/∂s_0 = W_decᵀ δ^dec_1."""
    return W_dec.T * delta_dec_1


@symbolic_twin("eq-encoder-state-grad")
def encoder_state_gradient(W_h: Matrix, delta_enc_next: Matrix) -> Matrix:
    """Twin of ∂L/∂h_t = W_hᵀ δ^enc_{t+1} for t < T."""
    return W_h.T * delta_enc_next


@symbolic_twin("eq-embedding-grad")
def grad_embedding(n_rows: int, tokens: Sequence[int], grad_inputs: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂E = Σ_t 1_{token_t} (∂L/∂input_t)ᵀ."""
    return _sum([one_hot(k, n_rows) * g.T for k, g in zip(tokens, grad_inputs, strict=True)])


# --- Composition: the unrolled loss and the closed-form gradients -------------------------------


def parameter_symbols(n_en: int, n_hi: int, D_h: int, d_en: int, d_hi: int) -> dict[str, Matrix]:
    """Every parameter entry its own real symbol (biases as columns), keyed by parameter name."""
    shapes = {
        "E_en": (n_en, d_en), "W_h": (D_h, D_h), "W_e": (D_h, d_en), "b_1": (D_h, 1),
        "E_hi": (n_hi + 1, d_hi), "W_dec": (D_h, D_h), "V": (D_h, d_hi), "c": (D_h, 1),
        "W_out": (n_hi, D_h), "b_out": (n_hi, 1),
    }  # fmt: skip
    return {name: matrix_symbols(name, *shape) for name, shape in shapes.items()}


@dataclass(frozen=True)
class SymbolicSeq2Seq:
    """The unrolled encoder-decoder of one sentence pair: every intermediate, as exact expressions."""

    x: list[Matrix]
    z: list[Matrix]
    h: list[Matrix]
    inputs: list[int]
    y: list[Matrix]
    a: list[Matrix]
    s: list[Matrix]
    o: list[Matrix]
    loss: Expr


def unrolled_loss(
    params: Mapping[str, Matrix],
    source: Sequence[int],
    targets: Sequence[int],
    activation: str | Callable[[Expr], Expr] = "tanh",
) -> SymbolicSeq2Seq:
    """The encoder-decoder unrolled for one pair, built from the twins above and the forward twins.

    Parameters
    ----------
    params
        Parameters by name as SymPy matrices (biases as columns).
    source, targets
        English indices w_1..w_T and Hindi targets k_1..k_{T'}.
    activation
        ``"tanh"`` (the model), or a SymPy function for both halves.
    """
    p = params
    x = [embed(p["E_en"], w) for w in source]
    h = [sp.zeros(p["W_h"].rows, 1)]
    z: list[Matrix] = []
    for x_t in x:
        z.append(pre_activation(p["W_h"], h[-1], p["W_e"], x_t, p["b_1"]))
        h.append(hidden_state(z[-1], activation))
    inputs = teacher_forcing(list(targets), p["E_hi"].rows - 1)
    y = [embed(p["E_hi"], k) for k in inputs]
    s = [context(h)]
    a: list[Matrix] = []
    o: list[Matrix] = []
    for y_prev in y:
        a_t, s_t = decoder_state(p["W_dec"], s[-1], p["V"], y_prev, p["c"], activation)
        a.append(a_t)
        s.append(s_t)
        o.append(decoder_logits(p["W_out"], s[-1], p["b_out"]))
    return SymbolicSeq2Seq(x, z, h, inputs, y, a, s, o, seq2seq_loss(o, targets))


def closed_form_gradients(
    params: Mapping[str, Matrix],
    unrolled: SymbolicSeq2Seq,
    targets: Sequence[int],
    *,
    source: Sequence[int],
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
) -> dict[str, Matrix]:
    """Every parameter's gradient from the derived equations (the twins), keyed by parameter name.

    Parameters
    ----------
    params
        The parameters the loss was unrolled with.
    unrolled
        From [`unrolled_loss`][rnn_math.symbolic.seq2seq.unrolled_loss] (with tanh).
    targets, source
        The pair's Hindi targets and English indices.
    replace
        Wrong versions of equations by id (among ``BACKWARD_EQUATIONS`` of
        [`rnn_math.seq2seq.passes`][rnn_math.seq2seq.passes], same signatures), for
        negative controls.
    """
    # Imported at call time: the registry must be complete, and the NumPy side names the composed ids.
    from rnn_math.seq2seq.passes import BACKWARD_EQUATIONS
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    p, u = params, unrolled
    g = [eq["eq-bptt-output-grad"](o_t, k) for o_t, k in zip(u.o, targets, strict=True)]
    T_dec, T_enc = len(u.o), len(u.z)
    deltas_dec: list[Matrix] = [sp.zeros(1, 1)] * T_dec
    delta_next = sp.zeros(p["W_dec"].rows, 1)  # δ^dec_{T'+1} = 0
    for t in range(T_dec - 1, -1, -1):
        grad_s = eq["eq-decoder-state-grad"](p["W_out"], g[t], p["W_dec"], delta_next)
        deltas_dec[t] = delta_next = eq["eq-decoder-delta"](grad_s, u.a[t])
    grad_h = eq["eq-handoff"](p["W_dec"], deltas_dec[0])
    deltas_enc: list[Matrix] = [sp.zeros(1, 1)] * T_enc
    for t in range(T_enc - 1, -1, -1):
        step = eq["eq-bptt-delta@T"] if t == T_enc - 1 else eq["eq-bptt-delta"]
        deltas_enc[t] = step(grad_h, u.z[t], "tanh")
        grad_h = eq["eq-encoder-state-grad"](p["W_h"], deltas_enc[t])
    return {
        "E_en": eq["eq-embedding-grad"](
            p["E_en"].rows, list(source), [eq["eq-bptt-grad-x"](p["W_e"], d) for d in deltas_enc]
        ),
        "W_h": eq["eq-bptt-grad-wh"](deltas_enc, u.h[:-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas_enc, u.x),
        "b_1": eq["eq-bptt-grad-b1"](deltas_enc),
        "E_hi": eq["eq-embedding-grad"](
            p["E_hi"].rows, u.inputs, [eq["eq-bptt-grad-x"](p["V"], d) for d in deltas_dec]
        ),
        "W_dec": eq["eq-decoder-grad-wdec"](deltas_dec, u.s[:-1]),
        "V": eq["eq-decoder-grad-v"](deltas_dec, u.y),
        "c": eq["eq-decoder-grad-c"](deltas_dec),
        "W_out": eq["eq-decoder-grad-wout"](g, u.s[1:]),
        "b_out": eq["eq-decoder-grad-bout"](g),
    }
