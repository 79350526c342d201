"""The GRU's backward pass for every sequence length: the lemmas of the induction over steps.

The GRU carries one state, and h^t reaches step t + 1 by two roads: through the gates and the
candidate (W_hr h^t, W_hz h^t, W_hn h^t) and directly, z^{t+1} ⊙ h^t. Both are inside the loss
from step t + 1 on, which depends on step t's quantities only through h^t: so the loss from step t
on is L^t(θ^t) + R(h^t) for an arbitrary differentiable R (an undefined SymPy function; later
steps' copies of the parameters are other variables), and the induction's hypothesis is what the
registered equations say of step t + 1: its carry γ^{t+1} (the gradient it hands to h^t, both
roads summed) is ∂R/∂h^t. For each form of the candidate, PyTorch's and Cho et al.'s, with a
generic candidate activation g:

- [`one_step`][rnn_math.gru.lemmas.one_step] without R: the base case t = T (γ^{T+1} = 0);
- [`one_step`][rnn_math.gru.lemmas.one_step] with R: from γ^{t+1} = ∂R/∂h^t, the registered
  equations give ∂L/∂h^t, δ_n^t, δ_z^t, δ_r^t, the gradients of step t's copies of every weight
  and bias, ∂L/∂x^t, and the carry γ^t, which is ∂(L^t + R)/∂h^{t−1}: the next induction step's
  hypothesis;
- [`tied_weights`][rnn_math.gru.lemmas.tied_weights]: the gradient of a weight used by T copies
  is the sum of the per-copy gradients, and the registered sum equations add exactly those terms
  (proven by the tests, at `TIED_SIZES`, not declared: see `LEMMAS`).

The declared ones are proven at the fixed sizes their [`Lemma`][rnn_math.verification.lemmas.Lemma]s name.
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from rnn_math.gru.params import PARAMETER_NAMES, SHAPES
from rnn_math.gru.passes import BACKWARD_EQUATIONS, OUTPUT_BACKWARD, ROLES, VARIANTS
from rnn_math.symbolic.gru import equations as eqs
from rnn_math.symbolic.rnn.forward import output_logits, step_loss
from rnn_math.symbolic.types import Expr, Matrix
from rnn_math.verification.declaration import Replacements, equation_functions
from rnn_math.verification.lemmas import Lemma, chain_rule_through_ties, downstream_gradient
from rnn_math.verification.proof import generic_activation, prove_gradients, symbol_matrix

#: The sizes the one-step lemma and the base case are proven at (every target class k of |V|).
STEP_SIZES: dict[str, int] = {"D_h": 2, "d": 1, "|V|": 2}
#: The sizes of the tied-weight lemma: T copies of each parameter.
TIED_SIZES: dict[str, int] = {"T": 3, "D_h": 2, "d": 1}

_CANDIDATES = {"pytorch": eqs.candidate, "cho": eqs.cho_candidate}
_TITLES = {"pytorch": "PyTorch's form", "cho": "Cho et al.'s form"}


def step_equations(variant: str) -> tuple[str, ...]:
    """The per-step equations of a form that the one-step lemma covers, in derivation order."""
    role = ROLES[variant]
    return ("eq-gru-hidden-grad", "eq-gru-delta-n", "eq-gru-delta-z", role["delta_r"], role["carry"], "eq-gru-grad-x")


def sum_equations(variant: str) -> tuple[str, ...]:
    """The sum equations of a form that the tied-weight lemma covers."""
    return ("eq-gru-grad-wi", "eq-gru-grad-wh", "eq-gru-grad-b", ROLES[variant]["W_hn"], ROLES[variant]["b_hn"])


def _equations(variant: str, replace: Replacements) -> dict:
    ids = BACKWARD_EQUATIONS[variant] + OUTPUT_BACKWARD
    return equation_functions(ids, {k: v for k, v in replace.items() if k in ids}, side="sympy")


def _parameters(D_h: int, d: int, V: int) -> dict[str, Matrix]:
    sizes = {"D_h": D_h, "d": d, "V": V}
    return {name: symbol_matrix(name, *(sizes[dim] for dim in SHAPES[name])) for name in PARAMETER_NAMES}


def _step_proof(variant: str, D_h: int, d: int, V: int, k: int, downstream: bool, replace: Replacements) -> bool:
    """L^t(θ^t) + R(h^t) (or L^T alone) against the registered equations for step t."""
    eq = _equations(variant, replace)
    role = {name: eq[eq_id] for name, eq_id in ROLES[variant].items()}
    g, _ = generic_activation("g")
    p = _parameters(D_h, d, V)
    h_prev, x = symbol_matrix("h_prev", D_h), symbol_matrix("x", d)
    a_r, r = eqs.reset_gate(p["W_ir"], x, p["b_ir"], p["W_hr"], h_prev, p["b_hr"])
    a_z, z = eqs.update_gate(p["W_iz"], x, p["b_iz"], p["W_hz"], h_prev, p["b_hz"])
    a_n, n = _CANDIDATES[variant](p["W_in"], x, p["b_in"], r, p["W_hn"], h_prev, p["b_hn"], g)
    h = eqs.new_state(z, n, h_prev)
    theta = output_logits(p["U"], h, p["b_2"])
    loss: Expr = step_loss(theta, k)
    if downstream:
        # R of h^t shifted by free symbols e, so that ∂R/∂e is ∂R/∂h^t as SymPy writes it (e = 0 included).
        e = symbol_matrix("e", D_h)
        R = sp.Function("R")(*(h + e))
        loss += R
        carry_next = downstream_gradient(R, e)  # γ^{t+1} = ∂R/∂h^t
    else:
        carry_next = sp.zeros(D_h, 1)  # γ^{T+1} = 0: nothing follows the last step
    output_grad = eq["eq-bptt-output-grad"](theta, k)
    grad_h = eq["eq-gru-hidden-grad"](p["U"], output_grad, carry_next)
    d_n = eq["eq-gru-delta-n"](grad_h, a_z, a_n, g)
    d_z = eq["eq-gru-delta-z"](grad_h, h_prev, n, a_z)
    if variant == "pytorch":
        d_r = role["delta_r"](d_n, p["W_hn"], h_prev, p["b_hn"], a_r)
    else:
        d_r = role["delta_r"](d_n, p["W_hn"], h_prev, a_r)
    # Step t's copies: the sum equations over one step are exactly its term.
    closed = {
        "W_ir": eq["eq-gru-grad-wi"]([d_r], [x]), "W_hr": eq["eq-gru-grad-wh"]([d_r], [h_prev]),
        "b_ir": eq["eq-gru-grad-b"]([d_r]), "b_hr": eq["eq-gru-grad-b"]([d_r]),
        "W_iz": eq["eq-gru-grad-wi"]([d_z], [x]), "W_hz": eq["eq-gru-grad-wh"]([d_z], [h_prev]),
        "b_iz": eq["eq-gru-grad-b"]([d_z]), "b_hz": eq["eq-gru-grad-b"]([d_z]),
        "W_in": eq["eq-gru-grad-wi"]([d_n], [x]), "W_hn": role["W_hn"]([r], [d_n], [h_prev]),
        "b_in": eq["eq-gru-grad-b"]([d_n]), "b_hn": role["b_hn"]([r], [d_n]),
        "U": eq["eq-bptt-grad-u"]([output_grad], [h]), "b_2": eq["eq-bptt-grad-b2"]([output_grad]),
        "h_prev": role["carry"](grad_h, z, p["W_hz"], d_z, p["W_hr"], d_r, p["W_hn"], r, d_n),
        "x": eq["eq-gru-grad-x"](p["W_ir"], d_r, p["W_iz"], d_z, p["W_in"], d_n),
    }  # fmt: skip
    variables = p | {"h_prev": h_prev, "x": x}
    return all(p.proven for p in prove_gradients(loss, variables, closed, stop_at_first=bool(replace)))


def one_step(replace: Replacements, *, variant: str, D_h: int, d: int, V: int, downstream: bool = True) -> bool:
    """The one-step lemma (or, without `downstream`, the base case) of one form, for every target class k.

    Parameters
    ----------
    replace
        Wrong versions of equations by id (a mistake's ``sympy``); none for the proof itself.
    variant
        ``"pytorch"`` or ``"cho"``.
    D_h, d, V
        Hidden width, input width, vocabulary size.
    downstream
        Whether an arbitrary loss R(h^t) follows step t (``False``: the last step, t = T).

    Returns
    -------
    bool
        SymPy's derivative of L^t + R with respect to every entry of step t's copies of the twelve
        weights and biases and of U, b_2, and of h^{t−1} and x^t, equals the registered equations'
        result, exactly.
    """
    return all(_step_proof(variant, D_h, d, V, k, downstream, replace) for k in range(V))


def _tied_sums(variant: str, T: int, D_h: int, d: int, replace: Replacements) -> bool:
    """Σ_t of arbitrary functions of each copy's gate pre-activations: SymPy's gradient against the sums."""
    eq = _equations(variant, replace)
    role = {name: eq[eq_id] for name, eq_id in ROLES[variant].items()}
    p = {name: m for name, m in _parameters(D_h, d, 1).items() if name not in ("U", "b_2")}
    h = [symbol_matrix(f"h{t}", D_h) for t in range(T)]
    xs = [symbol_matrix(f"x{t + 1}", d) for t in range(T)]
    r = [symbol_matrix(f"r{t + 1}", D_h) for t in range(T)]  # the reset gates, values of their own
    # Copy t enters through a_r^t, a_z^t and the candidate's two sums; q_t stands for everything that
    # follows, so its gradients there are δ_r^t, δ_z^t, δ_n^t and the error of the recurrent sum.
    loss: Expr = sp.Integer(0)
    deltas: dict[str, list[Matrix]] = {"r": [], "z": [], "n": []}
    for t in range(T):
        a_r = p["W_ir"] * xs[t] + p["b_ir"] + p["W_hr"] * h[t] + p["b_hr"]
        a_z = p["W_iz"] * xs[t] + p["b_iz"] + p["W_hz"] * h[t] + p["b_hz"]
        if variant == "pytorch":
            a_n = p["W_in"] * xs[t] + p["b_in"] + r[t].multiply_elementwise(p["W_hn"] * h[t] + p["b_hn"])
        else:
            a_n = p["W_in"] * xs[t] + p["b_in"] + p["W_hn"] * r[t].multiply_elementwise(h[t]) + p["b_hn"]
        q = sp.Function(f"q{t + 1}")(*a_r, *a_z, *a_n)
        loss += q
        deltas["r"].append(downstream_gradient(q, p["b_ir"]))
        deltas["z"].append(downstream_gradient(q, p["b_iz"]))
        deltas["n"].append(downstream_gradient(q, p["b_in"]))
    dl = deltas
    closed = {
        "W_ir": eq["eq-gru-grad-wi"](dl["r"], xs), "W_hr": eq["eq-gru-grad-wh"](dl["r"], h),
        "b_ir": eq["eq-gru-grad-b"](dl["r"]), "b_hr": eq["eq-gru-grad-b"](dl["r"]),
        "W_iz": eq["eq-gru-grad-wi"](dl["z"], xs), "W_hz": eq["eq-gru-grad-wh"](dl["z"], h),
        "b_iz": eq["eq-gru-grad-b"](dl["z"]), "b_hz": eq["eq-gru-grad-b"](dl["z"]),
        "W_in": eq["eq-gru-grad-wi"](dl["n"], xs), "W_hn": role["W_hn"](r, dl["n"], h),
        "b_in": eq["eq-gru-grad-b"](dl["n"]), "b_hn": role["b_hn"](r, dl["n"]),
    }  # fmt: skip
    return all(pr.proven for pr in prove_gradients(loss, p, closed, stop_at_first=bool(replace)))


def tied_weights(replace: Replacements, *, T: int, D_h: int, d: int) -> bool:
    """The tied-weight lemma, both forms: the chain rule through T ties, and the sum equations adding the terms.

    Two identities: for an arbitrary F of T copies of a D_h × D_h weight, d/dW F(W, …, W) =
    Σ_t ∂F/∂W^{(t)} at the tie
    ([`chain_rule_through_ties`][rnn_math.verification.lemmas.chain_rule_through_ties]); and, with
    copy t entering through an arbitrary q_t of its gates' pre-activations, SymPy's gradient of the
    tied loss equals the registered sums of δ_⋆^t (x^t)ᵀ, δ_⋆^t (h^{t−1})ᵀ, δ_⋆^t and each form's
    sums for W_hn and b_hn, with δ_⋆^t = ∇q_t (the reset gate r^t a value of its own).
    """
    return chain_rule_through_ties(T, D_h * D_h) and all(_tied_sums(v, T, D_h, d, replace) for v in VARIANTS)


def _lemmas(variant: str) -> tuple[Lemma, ...]:
    step = partial(one_step, variant=variant, D_h=STEP_SIZES["D_h"], d=STEP_SIZES["d"], V=STEP_SIZES["|V|"])
    equations = step_equations(variant)
    return (
        Lemma(
            name=f"base case, {_TITLES[variant]}",
            statement=r"\gamma^{T+1} = 0 \implies \partial L^T / \partial h^{T-1} = \gamma^T",
            # At t = T the carry γ^{T+1} is 0: the hidden-state gradient's second term is not seen.
            equations=tuple(e for e in equations if e != "eq-gru-hidden-grad"),
            prove=partial(step, downstream=False),
            sizes=STEP_SIZES,
        ),
        Lemma(
            name=f"one-step lemma, {_TITLES[variant]}",
            statement=r"\gamma^{t+1} = \partial R / \partial h^t \implies "
            r"\partial (L^t + R) / \partial h^{t-1} = \gamma^t",
            equations=equations,
            prove=step,
            sizes=STEP_SIZES,
        ),
    )


#: The declared lemmas: the base case and the one-step lemma of each form. The tied-weight lemma
#: ([`tied_weights`][rnn_math.gru.lemmas.tied_weights]) is not declared: no catalogued GRU mistake
#: corrupts a sum equation, so the engine would have nothing to show it can fail; its tests plant wrong sums.
LEMMAS: tuple[Lemma, ...] = (*_lemmas("pytorch"), *_lemmas("cho"))
