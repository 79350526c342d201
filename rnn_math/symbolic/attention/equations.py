"""SymPy twins of the attention equations, with column vectors as the Attention page writes them.

One decoder step at a time: the annotations h_1..h_T are a list of columns, the scores e_t and the
weights α_t are columns of length T, and the score pre-activations m_{t,1}..m_{t,T} (each of
length n_a) are a list. The softmax over source positions is written with
[`Exp`][rnn_math.symbolic.attention.equations.Exp], an exponential that SymPy keeps as one node:
``sympy.exp`` would merge the product exp(e_j)·exp(e_k) of the softmax's Jacobian into
exp(e_j + e_k), a different node from either factor, and an exact proof compares nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.activations import activation_function
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.types import Expr, Matrix

Activation = str | Callable[[Expr], Expr]


class Exp(sp.Function):
    """The exponential as an unevaluated SymPy function whose derivative is itself.

    Products of two of them stay products (``sympy.exp`` would merge them into one exponential
    of a sum), so the softmax's Jacobian keeps the shape the derivation gives it.
    """

    def fdiff(self, argindex: int = 1) -> Expr:
        """Return d Exp(x)/dx = Exp(x)."""
        return Exp(self.args[0])

    def _eval_evalf(self, prec: int) -> Expr:
        return sp.exp(self.args[0])._eval_evalf(prec)


def _sum(terms: Sequence[Matrix]) -> Matrix:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


@symbolic_twin("eq-attention-score")
def attention_scores(
    W_a: Matrix, s_prev: Matrix, U_a: Matrix, h: Sequence[Matrix], v_a: Matrix, activation: Activation = "tanh"
) -> tuple[list[Matrix], Matrix]:
    """Twin of m_{t,j} = W_a s_{t-1} + U_a h_j and e_{t,j} = v_aᵀ tanh(m_{t,j}): returns (m_t, e_t)."""
    f = activation_function(activation)
    m = [W_a * s_prev + U_a * h_j for h_j in h]
    e = sp.Matrix([(v_a.T * m_j.applyfunc(f))[0, 0] for m_j in m])
    return m, e


@symbolic_twin("eq-attention-weights")
def attention_weights(e: Matrix) -> Matrix:
    """Twin of α_{t,j} = exp(e_{t,j}) / Σ_k exp(e_{t,k}), written with the unmerged `Exp`."""
    exps = e.applyfunc(Exp)
    return exps / sum(exps)


@symbolic_twin("eq-attention-context")
def attention_context(alpha: Matrix, h: Sequence[Matrix]) -> Matrix:
    """Twin of c_t = Σ_j α_{t,j} h_j."""
    return _sum([alpha[j] * h_j for j, h_j in enumerate(h)])


@symbolic_twin("eq-attention-decoder-state")
def attention_decoder_state(
    W_dec: Matrix,
    s_prev: Matrix,
    V: Matrix,
    y_prev: Matrix,
    W_c: Matrix,
    c_t: Matrix,
    c: Matrix,
    activation: Activation = "tanh",
) -> tuple[Matrix, Matrix]:
    """Twin of a_t = W_dec s_{t-1} + V y_{t-1} + W_c c_t + c and s_t = tanh(a_t): returns (a_t, s_t)."""
    a_t = W_dec * s_prev + V * y_prev + W_c * c_t + c
    return a_t, a_t.applyfunc(activation_function(activation))


@symbolic_twin("eq-attention-state-grad")
def attention_state_gradient(
    W_out: Matrix, output_grad_t: Matrix, W_dec: Matrix, delta_dec_next: Matrix, W_a: Matrix, eps_next: Sequence[Matrix]
) -> Matrix:
    """Twin of ∂L/∂s_t = W_outᵀ g_t + W_decᵀ δ^dec_{t+1} + W_aᵀ Σ_j ε_{t+1,j}."""
    return W_out.T * output_grad_t + W_dec.T * delta_dec_next + W_a.T * _sum(list(eps_next))


@symbolic_twin("eq-attention-context-grad")
def context_gradient(W_c: Matrix, delta_dec_t: Matrix) -> Matrix:
    """Twin of ∂L/∂c_t = W_cᵀ δ^dec_t."""
    return W_c.T * delta_dec_t


@symbolic_twin("eq-attention-weight-grad")
def weight_gradient(h: Sequence[Matrix], grad_c_t: Matrix) -> Matrix:
    """Twin of ∂L/∂α_{t,j} = h_jᵀ ∂L/∂c_t, as a column over j."""
    return sp.Matrix([(h_j.T * grad_c_t)[0, 0] for h_j in h])


@symbolic_twin("eq-attention-softmax-grad")
def softmax_gradient(alpha: Matrix, grad_alpha: Matrix) -> Matrix:
    """Twin of ∂L/∂e_t = (diag(α_t) − α_t α_tᵀ) ∂L/∂α_t: the Jacobian itself, times the column."""
    return (sp.diag(*alpha) - alpha * alpha.T) * grad_alpha


@symbolic_twin("eq-attention-score-grad")
def score_gradient(grad_e: Matrix, v_a: Matrix, m: Sequence[Matrix], activation: Activation = "tanh") -> list[Matrix]:
    """Twin of ε_{t,j} = ∂L/∂m_{t,j} = (∂L/∂e_{t,j}) v_a ⊙ tanh'(m_{t,j}), one column per j."""
    slope = sym_bptt.activation_derivative(activation)
    return [grad_e[j] * v_a.multiply_elementwise(m_j.applyfunc(slope)) for j, m_j in enumerate(m)]


@symbolic_twin("eq-attention-grad-va")
def grad_v_a(grad_e: Sequence[Matrix], m: Sequence[Sequence[Matrix]], activation: Activation = "tanh") -> Matrix:
    """Twin of ∂L/∂v_a = Σ_t Σ_j (∂L/∂e_{t,j}) tanh(m_{t,j})."""
    f = activation_function(activation)
    return _sum([g_t[j] * m_tj.applyfunc(f) for g_t, m_t in zip(grad_e, m, strict=True) for j, m_tj in enumerate(m_t)])


@symbolic_twin("eq-attention-grad-wa")
def grad_W_a(eps: Sequence[Sequence[Matrix]], s_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_a = Σ_t Σ_j ε_{t,j} s_{t-1}ᵀ."""
    return _sum([e_tj * s.T for eps_t, s in zip(eps, s_prev, strict=True) for e_tj in eps_t])


@symbolic_twin("eq-attention-grad-ua")
def grad_U_a(eps: Sequence[Sequence[Matrix]], h: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂U_a = Σ_t Σ_j ε_{t,j} h_jᵀ."""
    return _sum([e_tj * h_j.T for eps_t in eps for e_tj, h_j in zip(eps_t, h, strict=True)])


@symbolic_twin("eq-attention-grad-wc")
def grad_W_c(deltas_dec: Sequence[Matrix], contexts: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_c = Σ_t δ^dec_t c_tᵀ."""
    return _sum([d * c_t.T for d, c_t in zip(deltas_dec, contexts, strict=True)])


@symbolic_twin("eq-attention-handoff")
def attention_handoff(W_dec: Matrix, delta_dec_1: Matrix, W_a: Matrix, eps_1: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂s_0 = W_decᵀ δ^dec_1 + W_aᵀ Σ_j ε_{1,j}."""
    return W_dec.T * delta_dec_1 + W_a.T * _sum(list(eps_1))


@symbolic_twin("eq-attention-annotation-grad")
def annotation_gradient(
    alpha_j: Sequence[Expr], grad_c: Sequence[Matrix], U_a: Matrix, eps_j: Sequence[Matrix], grad_from_next: Matrix
) -> Matrix:
    """Twin of ∂L/∂h_j = Σ_t (α_{t,j} ∂L/∂c_t + U_aᵀ ε_{t,j}) + (W_hᵀ δ^enc_{j+1}, or ∂L/∂s_0 at j = T)."""
    terms = [a * g + U_a.T * e for a, g, e in zip(alpha_j, grad_c, eps_j, strict=True)]
    return _sum(terms) + grad_from_next
