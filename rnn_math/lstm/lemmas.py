"""The LSTM's backward pass for every sequence length: the lemmas of the induction over steps.

The LSTM carries two states. From step t + 1 on, the loss depends on h^t only through the next
pre-activation a^{t+1} = W_hh^{(t+1)} h^t + (W_ih x^{t+1} + b_ih + b_hh), and on c^t only through
the next cell state c^{t+1} = f^{t+1} ⊙ c^t + i^{t+1} ⊙ g^{t+1}, whose gates are functions of
a^{t+1}. So the loss from step t on is L^t(θ^t) + P(a^{t+1}, c^{t+1}) for an arbitrary
differentiable P, and the induction's hypothesis is what the registered equations say of step
t + 1: its stacked error δ^{t+1} is the whole derivative of P with respect to a^{t+1} (through
the gates of c^{t+1} too), and ∂L/∂c^{t+1} is P's partial derivative with respect to c^{t+1}.
Three identities, each proven by SymPy with a generic candidate activation g (so for tanh and any
differentiable candidate), give the LSTM's backward pass for every T:

- [`base_case`][rnn_math.lstm.lemmas.base_case]: at t = T there is no P (δ^{T+1} = 0,
  ∂L/∂c^{T+1} = 0);
- [`one_step`][rnn_math.lstm.lemmas.one_step]: from the hypothesis, the registered equations give
  ∂L/∂h^t, ∂L/∂c^t (with its f^{t+1} ⊙ ∂L/∂c^{t+1} term), the gate errors, the stacked δ^t, and
  the gradients of step t's copies: δ^t (h^{t−1})ᵀ, δ^t (x^t)ᵀ, δ^t for both biases,
  (ŷ^t − y^t)(h^t)ᵀ, ŷ^t − y^t, and W_hhᵀ δ^t, f^t ⊙ ∂L/∂c^t, W_ihᵀ δ^t for h^{t−1}, c^{t−1}, x^t;
- [`tied_weights`][rnn_math.lstm.lemmas.tied_weights]: the gradient of a weight used by T copies is
  the sum of the per-copy gradients, and the registered sum equations add exactly those terms.

Each is proven at the fixed sizes its [`Lemma`][rnn_math.verification.lemmas.Lemma] names.
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from rnn_math.lstm.composer import COMPOSED
from rnn_math.lstm.results import LSTMStep
from rnn_math.symbolic.lstm import forward as sym_lstm
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.symbolic.types import Expr, Matrix
from rnn_math.verification.declaration import Replacements, equation_functions
from rnn_math.verification.lemmas import Lemma, chain_rule_through_ties, downstream_gradient
from rnn_math.verification.proof import generic_activation, prove_gradients, symbol_matrix

#: The sizes the one-step lemma and the base case are proven at (every target class k of |V|).
STEP_SIZES: dict[str, int] = {"D_h": 2, "d": 1, "|V|": 2}
#: The sizes of the tied-weight lemma: T copies of each parameter.
TIED_SIZES: dict[str, int] = {"T": 3, "D_h": 2, "d": 1}

#: The per-step equations the base case covers (at t = T the recurrent terms vanish, so it claims neither
#: the hidden-state gradient nor the cell-state gradient, whose f^{t+1} ⊙ ∂L/∂c^{t+1} term is 0 there).
BASE_EQUATIONS = (
    "eq-lstm-output-gate-grad", "eq-lstm-forget-gate-grad", "eq-lstm-input-gate-grad", "eq-lstm-candidate-grad",
    "eq-lstm-gate-stack", "eq-lstm-grad-h0", "eq-lstm-grad-c0", "eq-lstm-grad-x",
)  # fmt: skip
#: The per-step equations the one-step lemma covers, in derivation order.
STEP_EQUATIONS = (
    "eq-lstm-hidden-grad", "eq-lstm-output-gate-grad", "eq-lstm-cell-grad", *BASE_EQUATIONS[1:],
)  # fmt: skip
#: The sum equations the tied-weight lemma covers.
SUM_EQUATIONS = ("eq-lstm-grad-whh", "eq-lstm-grad-wih", "eq-lstm-grad-biases")


def _step(
    eq: dict, W_ih: Matrix, x: Matrix, b_ih: Matrix, W_hh: Matrix, h_prev: Matrix, b_hh: Matrix, c_prev: Matrix, g
) -> tuple[Matrix, LSTMStep]:
    """One step's forward pass by the given equations: a^t and the record its backward equations read."""
    a = eq["eq-lstm-preactivation"](W_ih, x, b_ih, W_hh, h_prev, b_hh)
    a_i, a_f, a_g, a_o = eq["eq-lstm-gate-split"](a)
    i, f, g_t, o = eq["eq-lstm-gates"](a_i, a_f, a_g, a_o, candidate=g)
    return a, LSTMStep(a_i, a_f, a_g, a_o, i, f, g_t, o, c_prev, eq["eq-lstm-cell"](f, c_prev, i, g_t))


def _step_proof(D_h: int, d: int, V: int, k: int, downstream: bool, replace: Replacements) -> bool:
    """L^t(θ^t) + P(a^{t+1}, c^{t+1}) (or L^T alone) against the registered equations for step t."""
    correct = equation_functions(COMPOSED, {}, side="sympy")
    eq = equation_functions(COMPOSED, replace, side="sympy")
    g, _ = generic_activation("g")
    W_ih, W_hh = symbol_matrix("W_ih", 4 * D_h, d), symbol_matrix("W_hh", 4 * D_h, D_h)
    b_ih, b_hh = symbol_matrix("b_ih", 4 * D_h), symbol_matrix("b_hh", 4 * D_h)
    U, b_2 = symbol_matrix("U", V, D_h), symbol_matrix("b_2", V)
    h_prev, c_prev, x = symbol_matrix("h_prev", D_h), symbol_matrix("c_prev", D_h), symbol_matrix("x", d)
    # The loss is built by the registered forward twins; the closed forms read the (possibly wrong) ones.
    _, true_step = _step(correct, W_ih, x, b_ih, W_hh, h_prev, b_hh, c_prev, g)
    h = sym_lstm.hidden_state(true_step.o, true_step.c)
    theta = sym_forward.output_logits(U, h, b_2)
    loss: Expr = sym_forward.step_loss(theta, k)
    _, step = _step(eq, W_ih, x, b_ih, W_hh, h_prev, b_hh, c_prev, g)
    h_closed = eq["eq-lstm-hidden"](step.o, step.c)
    theta_closed = eq["eq-forward-theta"](U, h_closed, b_2)
    # The next step's copy of W_hh and the rest of a^{t+1} (W_ih x^{t+1} + b_ih + b_hh) as free symbols;
    # P by its first-order term at the point, with an arbitrary gradient (p_a, p_c): see `one_step`.
    W_hh_next, rest = symbol_matrix("W_hh_next", 4 * D_h, D_h), symbol_matrix("rest", 4 * D_h)
    p_a, p_c = symbol_matrix("p_a", 4 * D_h), symbol_matrix("p_c", D_h)
    if downstream:
        a_next = W_hh_next * h + rest
        i_n, f_n, g_n, _ = sym_lstm.gate_activations(*sym_lstm.split_gates(a_next), candidate=g)
        c_next = sym_lstm.cell_state(f_n, true_step.c, i_n, g_n)
        P = (p_a.T * a_next + p_c.T * c_next)[0, 0]
        loss += P
        delta_next = downstream_gradient(P, rest)  # δ^{t+1} = dP/da^{t+1}, through c^{t+1}'s gates too
        grad_c_next = p_c  # ∂L/∂c^{t+1} = ∂P/∂c^{t+1}
        f_next = eq["eq-lstm-gates"](*eq["eq-lstm-gate-split"](W_hh_next * h_closed + rest), candidate=g)[1]
    else:
        delta_next, grad_c_next, f_next = sp.zeros(4 * D_h, 1), sp.zeros(D_h, 1), sp.zeros(D_h, 1)
    output_grad = eq["eq-bptt-output-grad"](theta_closed, k)
    grad_h = eq["eq-lstm-hidden-grad"](U, output_grad, W_hh_next, delta_next)
    grad_c = eq["eq-lstm-cell-grad"](grad_h, step, f_next, grad_c_next)
    delta = eq["eq-lstm-gate-stack"](
        eq["eq-lstm-input-gate-grad"](grad_c, step),
        eq["eq-lstm-forget-gate-grad"](grad_c, step),
        eq["eq-lstm-candidate-grad"](grad_c, step, candidate=g),
        eq["eq-lstm-output-gate-grad"](grad_h, step),
    )
    # Step t's copies: the sum equations over one step are exactly its term.
    closed = {
        "W_ih": eq["eq-lstm-grad-wih"]([delta], [x]),
        "W_hh": eq["eq-lstm-grad-whh"]([delta], [h_prev]),
        "b_ih": eq["eq-lstm-grad-biases"]([delta]),
        "b_hh": eq["eq-lstm-grad-biases"]([delta]),
        "U": eq["eq-bptt-grad-u"]([output_grad], [h_closed]),
        "b_2": eq["eq-bptt-grad-b2"]([output_grad]),
        "h_prev": eq["eq-lstm-grad-h0"](W_hh, delta),
        "c_prev": eq["eq-lstm-grad-c0"](step.f, grad_c),
        "x": eq["eq-lstm-grad-x"](W_ih, delta),
    }
    variables = {
        "W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh, "U": U, "b_2": b_2,
        "h_prev": h_prev, "c_prev": c_prev, "x": x,
    }  # fmt: skip
    return all(p.proven for p in prove_gradients(loss, variables, closed, stop_at_first=bool(replace)))


def one_step(replace: Replacements, *, D_h: int, d: int, V: int, downstream: bool = True) -> bool:
    """The one-step lemma (or, without `downstream`, the base case) for every target class k.

    Parameters
    ----------
    replace
        Wrong versions of equations by id (a mistake's ``sympy``); none for the proof itself.
    D_h, d, V
        Hidden width, input width, vocabulary size.
    downstream
        Whether an arbitrary loss P(a^{t+1}, c^{t+1}) follows step t (``False``: the last step, t = T).

    Returns
    -------
    bool
        SymPy's derivative of L^t + P with respect to every entry of W_ih, W_hh, b_ih, b_hh, U, b_2
        (step t's copies), h^{t−1}, c^{t−1} and x^t equals the registered equations' result, exactly.

    Notes
    -----
    The derivative of P(a^{t+1}, c^{t+1}) at a point depends on P only through its gradient there
    (the chain rule: ∇P at the point times the Jacobian of (a^{t+1}, c^{t+1})). So P is written as
    p_aᵀ a^{t+1} + p_cᵀ c^{t+1} with every entry of p_a = ∂P/∂a^{t+1} and p_c = ∂P/∂c^{t+1} its own
    symbol: the identity, proven for all values of p_a and p_c, holds for every differentiable P.
    This is the polynomial the proof would see with P undefined (where each partial derivative of
    P at the point becomes one frozen symbol), without SymPy's substitution nodes, which make that
    form about four times slower here. δ^{t+1} is still SymPy's derivative of P with respect to
    a^{t+1}: p_a plus the terms through the gates of c^{t+1}.
    """
    return all(_step_proof(D_h, d, V, k, downstream, replace) for k in range(V))


def base_case(replace: Replacements, *, D_h: int, d: int, V: int) -> bool:
    """The base case t = T: [`one_step`][rnn_math.lstm.lemmas.one_step] with nothing after the step."""
    return one_step(replace, D_h=D_h, d=d, V=V, downstream=False)


def _tied_sums(T: int, D_h: int, d: int, replace: Replacements) -> bool:
    """Σ_t r_t(W_ih x^t + b_ih + W_hh h^{t−1} + b_hh): SymPy's gradient against the sum equations."""
    eq = equation_functions(COMPOSED, replace, side="sympy")
    W_ih, W_hh = symbol_matrix("W_ih", 4 * D_h, d), symbol_matrix("W_hh", 4 * D_h, D_h)
    b_ih, b_hh = symbol_matrix("b_ih", 4 * D_h), symbol_matrix("b_hh", 4 * D_h)
    h = [symbol_matrix(f"h{t}", D_h) for t in range(T)]
    xs = [symbol_matrix(f"x{t + 1}", d) for t in range(T)]
    # Copy t enters only through a^t; r_t stands for everything that follows from it, so its gradient
    # is the stacked error δ^t. (The output layer's sums are the vanilla RNN's, proven by its lemma.)
    r = [sp.Function(f"r{t + 1}")(*eq["eq-lstm-preactivation"](W_ih, xs[t], b_ih, W_hh, h[t], b_hh)) for t in range(T)]
    deltas = [downstream_gradient(r_t, b_ih) for r_t in r]
    bias = eq["eq-lstm-grad-biases"](deltas)
    closed = {
        "W_ih": eq["eq-lstm-grad-wih"](deltas, xs),
        "W_hh": eq["eq-lstm-grad-whh"](deltas, h),
        "b_ih": bias,
        "b_hh": bias,
    }
    variables = {"W_ih": W_ih, "W_hh": W_hh, "b_ih": b_ih, "b_hh": b_hh}
    return all(p.proven for p in prove_gradients(sp.Add(*r), variables, closed, stop_at_first=bool(replace)))


def tied_weights(replace: Replacements, *, T: int, D_h: int, d: int) -> bool:
    """The tied-weight lemma: the chain rule through T ties, and the sum equations adding the copies' terms.

    Two identities: for an arbitrary F of T copies of a weight with 4D_h · D_h entries,
    d/dW F(W, …, W) = Σ_t ∂F/∂W^{(t)} at the tie
    ([`chain_rule_through_ties`][rnn_math.verification.lemmas.chain_rule_through_ties]); and, with
    copy t entering through r_t(a^t) (arbitrary functions), SymPy's gradient of the tied loss equals
    the registered sums of δ^t (x^t)ᵀ, δ^t (h^{t−1})ᵀ and δ^t (for each bias), with δ^t = ∇r_t.
    """
    return chain_rule_through_ties(T, 4 * D_h * D_h) and _tied_sums(T, D_h, d, replace)


_STEP = partial(one_step, D_h=STEP_SIZES["D_h"], d=STEP_SIZES["d"], V=STEP_SIZES["|V|"])

LEMMAS: tuple[Lemma, ...] = (
    Lemma(
        name="base case",
        statement=r"\delta^{T+1} = 0,\ \partial L / \partial c^{T+1} = 0 \implies "
        r"\partial L^T / \partial a^T = \delta^T",
        equations=BASE_EQUATIONS,
        prove=partial(base_case, D_h=STEP_SIZES["D_h"], d=STEP_SIZES["d"], V=STEP_SIZES["|V|"]),
        sizes=STEP_SIZES,
    ),
    Lemma(
        name="one-step lemma",
        statement=r"\delta^{t+1} = dP / da^{t+1},\ \partial L / \partial c^{t+1} = \partial P / \partial c^{t+1}"
        r" \implies \partial (L^t + P) / \partial a^t = \delta^t",
        equations=STEP_EQUATIONS,
        prove=_STEP,
        sizes=STEP_SIZES,
    ),
    Lemma(
        name="tied-weight lemma",
        statement=r"\partial L / \partial W = \textstyle\sum_{t=1}^{T} \partial \tilde L / \partial W^{(t)}"
        r" \text{ at } W^{(t)} = W",
        equations=SUM_EQUATIONS,
        prove=partial(tied_weights, T=TIED_SIZES["T"], D_h=TIED_SIZES["D_h"], d=TIED_SIZES["d"]),
        sizes=TIED_SIZES,
    ),
)
