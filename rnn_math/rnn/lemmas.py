"""The vanilla RNN's backward pass for every sequence length: the lemmas of the induction over steps.

Write L_{≥t} = Σ_{s≥t} L^s for the loss from step t on. It depends on h^{t−1} and on the copies of
the parameters used at steps t, t + 1, …; from step t + 1 on, only through the next pre-activation
z^{t+1} = W_h^{(t+1)} h^t + (W_e x^{t+1} + b_1). So L_{≥t} = L^t(θ^t) + R(z^{t+1}) for an arbitrary
differentiable R, and δ^{t+1} = ∂R/∂z^{t+1}. Three identities, each proven by SymPy with a generic
activation g (so for the sigmoid, tanh and any differentiable σ), give BPTT for every T:

- [`base_case`][rnn_math.rnn.lemmas.base_case]: at t = T there is no R (δ^{T+1} = 0);
- [`one_step`][rnn_math.rnn.lemmas.one_step]: from δ^{t+1} = ∂R/∂z^{t+1}, the registered equations
  give ∂L_{≥t}/∂z^t = δ^t and the gradients of step t's copies: δ^t (h^{t−1})ᵀ, δ^t (x^t)ᵀ, δ^t,
  (ŷ^t − y^t)(h^t)ᵀ, ŷ^t − y^t, and W_hᵀ δ^t, W_eᵀ δ^t for h^{t−1} and x^t;
- [`tied_weights`][rnn_math.rnn.lemmas.tied_weights]: the gradient of a weight used by T copies is
  the sum of the per-copy gradients, and the registered sum equations add exactly those terms.

Each is proven at the fixed sizes its [`Lemma`][rnn_math.verification.lemmas.Lemma] names; the
length T appears in none but the tied-weight lemma, where it is the number of copies summed.
The one-step lemma (with the base case as its special case δ^{t+1} = 0) and the tied-weight sums
are proven a second time for **every** size, D_h, d and |V| symbols, entry by entry
([`one_step_any_size`][rnn_math.rnn.lemmas.one_step_any_size],
[`tied_sums_any_size`][rnn_math.rnn.lemmas.tied_sums_any_size]).
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from rnn_math.rnn.composer import BACKWARD_EQUATIONS
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.symbolic.types import Expr, Matrix
from rnn_math.verification.declaration import Replacements, equation_functions
from rnn_math.verification.index_form import entry, prove_entrywise
from rnn_math.verification.lemmas import Lemma, chain_rule_through_ties, downstream_gradient
from rnn_math.verification.proof import generic_activation, prove_gradients, symbol_matrix

#: The sizes the one-step lemma and the base case are proven at (every target class k of |V|).
STEP_SIZES: dict[str, int] = {"D_h": 2, "d": 2, "|V|": 2}
#: The sizes of the tied-weight lemma: T copies of each parameter.
TIED_SIZES: dict[str, int] = {"T": 3, "D_h": 2, "d": 1, "|V|": 2}

#: The per-step equations the base case and the one-step lemma cover.
STEP_EQUATIONS = ("eq-bptt-output-grad", "eq-bptt-delta", "eq-bptt-grad-h0", "eq-bptt-grad-x")
#: The sum equations the tied-weight lemma covers.
SUM_EQUATIONS = ("eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-u", "eq-bptt-grad-b2")


def _step_gradients(eq: dict, W_h, W_e, h_prev, x, h, output_grad, delta) -> dict[str, Matrix]:
    """The registered equations' gradients of step t's copies, of h^{t−1} and of x^t.

    Step t's copies: the sum equations over one step are exactly its term.
    """
    return {
        "W_h": eq["eq-bptt-grad-wh"]([delta], [h_prev]),
        "W_e": eq["eq-bptt-grad-we"]([delta], [x]),
        "b_1": eq["eq-bptt-grad-b1"]([delta]),
        "U": eq["eq-bptt-grad-u"]([output_grad], [h]),
        "b_2": eq["eq-bptt-grad-b2"]([output_grad]),
        "h_prev": eq["eq-bptt-grad-h0"](W_h, delta),
        "x": eq["eq-bptt-grad-x"](W_e, delta),
    }


def _step_proof(D_h: int, d: int, V: int, k: int, downstream: bool, replace: Replacements) -> bool:
    """L^t(θ^t) + R(W_h^{(t+1)} h^t + c) (or L^T alone) against the registered equations for step t."""
    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    g, _ = generic_activation("g")
    W_h, W_e, b_1 = symbol_matrix("W_h", D_h, D_h), symbol_matrix("W_e", D_h, d), symbol_matrix("b_1", D_h)
    U, b_2 = symbol_matrix("U", V, D_h), symbol_matrix("b_2", V)
    h_prev, x = symbol_matrix("h_prev", D_h), symbol_matrix("x", d)
    z = sym_forward.pre_activation(W_h, h_prev, W_e, x, b_1)
    h = sym_forward.hidden_state(z, g)
    theta = sym_forward.output_logits(U, h, b_2)
    loss: Expr = sym_forward.step_loss(theta, k)
    # The next step's copy of W_h, and the rest of z^{t+1} (W_e x^{t+1} + b_1), as free symbols.
    W_h_next, rest = symbol_matrix("W_h_next", D_h, D_h), symbol_matrix("c", D_h)
    if downstream:
        R = sp.Function("R")(*(W_h_next * h + rest))
        loss += R
        delta_next = downstream_gradient(R, rest)  # the induction's hypothesis: δ^{t+1} = ∂R/∂z^{t+1}
    else:
        delta_next = sp.zeros(D_h, 1)  # δ^{T+1} = 0: nothing follows the last step
    output_grad = eq["eq-bptt-output-grad"](theta, k)
    delta = eq["eq-bptt-delta"](eq["eq-bptt-hidden-grad"](U, output_grad, W_h_next, delta_next), z, g)
    closed = _step_gradients(eq, W_h, W_e, h_prev, x, h, output_grad, delta)
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "U": U, "b_2": b_2, "h_prev": h_prev, "x": x}
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
        Whether an arbitrary loss R of z^{t+1} follows step t (``False``: the last step, t = T).

    Returns
    -------
    bool
        SymPy's derivative of L^t + R with respect to every entry of W_h, W_e, b_1, U, b_2 (step
        t's copies), h^{t−1} and x^t equals the registered equations' result, exactly.
    """
    return all(_step_proof(D_h, d, V, k, downstream, replace) for k in range(V))


def base_case(replace: Replacements, *, D_h: int, d: int, V: int) -> bool:
    """The base case t = T: [`one_step`][rnn_math.rnn.lemmas.one_step] with nothing after the step."""
    return one_step(replace, D_h=D_h, d=d, V=V, downstream=False)


def _tied_sums(T: int, D_h: int, d: int, V: int, replace: Replacements) -> bool:
    """Σ_t r_t(W_h h^{t−1} + W_e x^t + b_1) + q_t(U h^t + b_2): SymPy's gradient against the sum equations."""
    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    W_h, W_e, b_1 = symbol_matrix("W_h", D_h, D_h), symbol_matrix("W_e", D_h, d), symbol_matrix("b_1", D_h)
    U, b_2 = symbol_matrix("U", V, D_h), symbol_matrix("b_2", V)
    h = [symbol_matrix(f"h{t}", D_h) for t in range(T + 1)]
    xs = [symbol_matrix(f"x{t + 1}", d) for t in range(T)]
    # Copy t enters through z^t and θ^t; r_t and q_t stand for everything that follows from them,
    # so their gradients are the per-copy errors δ^t and ŷ^t − y^t.
    r = [sp.Function(f"r{t + 1}")(*(W_h * h[t] + W_e * xs[t] + b_1)) for t in range(T)]
    q = [sp.Function(f"q{t + 1}")(*(U * h[t + 1] + b_2)) for t in range(T)]
    loss = sp.Add(*r, *q)
    deltas = [downstream_gradient(r_t, b_1) for r_t in r]
    output_grads = [downstream_gradient(q_t, b_2) for q_t in q]
    closed = {
        "W_h": eq["eq-bptt-grad-wh"](deltas, h[:-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas, xs),
        "b_1": eq["eq-bptt-grad-b1"](deltas),
        "U": eq["eq-bptt-grad-u"](output_grads, h[1:]),
        "b_2": eq["eq-bptt-grad-b2"](output_grads),
    }
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "U": U, "b_2": b_2}
    return all(p.proven for p in prove_gradients(loss, variables, closed, stop_at_first=bool(replace)))


def tied_weights(replace: Replacements, *, T: int, D_h: int, d: int, V: int) -> bool:
    """The tied-weight lemma: the chain rule through T ties, and the sum equations adding the copies' terms.

    Two identities: for an arbitrary F of T copies of a weight with D_h² entries,
    d/dW F(W, …, W) = Σ_t ∂F/∂W^{(t)} at the tie
    ([`chain_rule_through_ties`][rnn_math.verification.lemmas.chain_rule_through_ties]); and, with
    copy t entering through r_t(z^t) and q_t(θ^t) (arbitrary functions), SymPy's gradient of the
    tied loss equals the registered sums of δ^t (h^{t−1})ᵀ, δ^t (x^t)ᵀ, δ^t, (ŷ^t − y^t)(h^t)ᵀ and
    ŷ^t − y^t, with δ^t = ∇r_t and ŷ^t − y^t = ∇q_t.
    """
    return chain_rule_through_ties(T, D_h * D_h) and _tied_sums(T, D_h, d, V, replace)


#: The sizes as symbols, for the lemmas proven at every size.
D_H, D_IN, V_SIZE = sp.symbols("D_h d V", integer=True, positive=True)
#: How the page and `rnn-math verify` show a size that is a symbol.
ANY = "any"


def _matrix(name: str, rows: Expr, columns: Expr = 1) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, rows, columns)


def one_step_any_size(replace: Replacements) -> bool:
    """The one-step lemma at every size: D_h, d, |V| and the target k symbols.

    The matrices are SymPy matrix symbols of symbolic size; every gradient is compared entry by
    entry at symbolic indices ([`prove_entrywise`][rnn_math.verification.index_form.prove_entrywise]).
    An arbitrary R of D_h arguments cannot be written when D_h is a symbol, so R stands as
    (δ^{t+1})ᵀ z^{t+1} with δ^{t+1} a free vector: a gradient of R(z^{t+1}(θ)) depends on R only
    through ∇R = δ^{t+1} at the point (the chain rule), so the identity for every value of δ^{t+1}
    is the identity for every R. δ^{t+1} = 0 is the base case.
    """
    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    g, _ = generic_activation("g")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    W_h, W_e, b_1 = _matrix("W_h", D_H, D_H), _matrix("W_e", D_H, D_IN), _matrix("b_1", D_H)
    U, b_2 = _matrix("U", V_SIZE, D_H), _matrix("b_2", V_SIZE)
    h_prev, x = _matrix("h_prev", D_H), _matrix("x", D_IN)
    W_h_next, rest, delta_next = _matrix("W_h_next", D_H, D_H), _matrix("c", D_H), _matrix("delta_next", D_H)
    z = sym_forward.pre_activation(W_h, h_prev, W_e, x, b_1)
    h = sym_forward.hidden_state(z, g)
    theta = sym_forward.output_logits(U, h, b_2)
    loss = sym_forward.step_loss(theta, k) + entry(delta_next.T * (W_h_next * h + rest), 0, 0)
    output_grad = eq["eq-bptt-output-grad"](theta, k)
    delta = eq["eq-bptt-delta"](eq["eq-bptt-hidden-grad"](U, output_grad, W_h_next, delta_next), z, g)
    closed = _step_gradients(eq, W_h, W_e, h_prev, x, h, output_grad, delta)
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "U": U, "b_2": b_2, "h_prev": h_prev, "x": x}
    proofs = prove_entrywise(loss, variables, closed, {k: (sp.Integer(0), V_SIZE - 1)}, stop_at_first=bool(replace))
    return all(p.proven for p in proofs)


def tied_sums_any_size(replace: Replacements, *, T: int) -> bool:
    """The tied-weight sums at every size: T copies, D_h, d and |V| symbols.

    As in [`tied_weights`][rnn_math.rnn.lemmas.tied_weights], copy t enters through z^t and θ^t
    only; what follows from them stands as (δ^t)ᵀ z^t + (ŷ^t − y^t)ᵀ θ^t with free vectors (the
    chain rule, as in [`one_step_any_size`][rnn_math.rnn.lemmas.one_step_any_size]).
    """
    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    W_h, W_e, b_1 = _matrix("W_h", D_H, D_H), _matrix("W_e", D_H, D_IN), _matrix("b_1", D_H)
    U, b_2 = _matrix("U", V_SIZE, D_H), _matrix("b_2", V_SIZE)
    h = [_matrix(f"h{t}", D_H) for t in range(T + 1)]
    xs = [_matrix(f"x{t + 1}", D_IN) for t in range(T)]
    deltas = [_matrix(f"delta{t + 1}", D_H) for t in range(T)]
    output_grads = [_matrix(f"g{t + 1}", V_SIZE) for t in range(T)]
    loss = sp.Add(
        *[entry(deltas[t].T * (W_h * h[t] + W_e * xs[t] + b_1), 0, 0) for t in range(T)],
        *[entry(output_grads[t].T * (U * h[t + 1] + b_2), 0, 0) for t in range(T)],
    )
    closed = {
        "W_h": eq["eq-bptt-grad-wh"](deltas, h[:-1]),
        "W_e": eq["eq-bptt-grad-we"](deltas, xs),
        "b_1": eq["eq-bptt-grad-b1"](deltas),
        "U": eq["eq-bptt-grad-u"](output_grads, h[1:]),
        "b_2": eq["eq-bptt-grad-b2"](output_grads),
    }
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "U": U, "b_2": b_2}
    return all(p.proven for p in prove_entrywise(loss, variables, closed, {}, stop_at_first=bool(replace)))


LEMMAS: tuple[Lemma, ...] = (
    Lemma(
        name="base case",
        statement=r"\delta^{T+1} = 0 \implies \partial L^T / \partial z^T = \delta^T",
        equations=STEP_EQUATIONS,
        prove=partial(base_case, D_h=STEP_SIZES["D_h"], d=STEP_SIZES["d"], V=STEP_SIZES["|V|"]),
        sizes=STEP_SIZES,
    ),
    Lemma(
        name="one-step lemma",
        statement=r"\delta^{t+1} = \partial R / \partial z^{t+1} \implies \partial (L^t + R) / \partial z^t = \delta^t",
        equations=("eq-bptt-output-grad", "eq-bptt-hidden-grad", *STEP_EQUATIONS[1:]),
        prove=partial(one_step, D_h=STEP_SIZES["D_h"], d=STEP_SIZES["d"], V=STEP_SIZES["|V|"]),
        sizes=STEP_SIZES,
    ),
    Lemma(
        name="tied-weight lemma",
        statement=r"\partial L / \partial W = \textstyle\sum_{t=1}^{T} \partial \tilde L / \partial W^{(t)}"
        r" \text{ at } W^{(t)} = W",
        equations=SUM_EQUATIONS,
        prove=partial(tied_weights, T=TIED_SIZES["T"], D_h=TIED_SIZES["D_h"], d=TIED_SIZES["d"], V=TIED_SIZES["|V|"]),
        sizes=TIED_SIZES,
    ),
    Lemma(
        name="one-step lemma, every size",
        statement=r"\delta^{t+1} \text{ free} \implies \partial (L^t + (\delta^{t+1})^\top z^{t+1}) / \partial z^t"
        r" = \delta^t,\ D_h, d, |V| \text{ symbols}",
        equations=("eq-bptt-output-grad", "eq-bptt-hidden-grad", *STEP_EQUATIONS[1:]),
        prove=one_step_any_size,
        sizes={"D_h": ANY, "d": ANY, "|V|": ANY},
    ),
    Lemma(
        name="tied-weight sums, every size",
        statement=r"\partial L / \partial W = \textstyle\sum_{t=1}^{T} \delta^t (h^{t-1})^\top, \dots,\ "
        r"D_h, d, |V| \text{ symbols}",
        equations=SUM_EQUATIONS,
        prove=partial(tied_sums_any_size, T=TIED_SIZES["T"]),
        sizes={"T": TIED_SIZES["T"], "D_h": ANY, "d": ANY, "|V|": ANY},
    ),
)
