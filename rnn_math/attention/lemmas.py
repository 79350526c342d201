"""The attention model's backward pass for every pair of lengths (T, T'): the lemmas of the induction.

Write L_{≥t} for the loss of decoder steps t, t + 1, …, T'. Step t reads s_{t−1}, y_{t−1} and every
annotation h_j (the encoder's states), with its own copies of W_out, b_out, W_dec, V, c, W_c, W_a,
U_a, v_a. From step t + 1 on, the loss depends on s_t only through W_dec^{(t+1)} s_t in the next
pre-activation a_{t+1} = W_dec^{(t+1)} s_t + V y_t + c + W_c c_{t+1} and through W_a^{(t+1)} s_t in
the next scores' pre-activations m_{t+1,j} = W_a^{(t+1)} s_t + U_a h_j (the context c_{t+1} depends
on s_t only through those scores); everything else it reads is the annotations. So

    L_{≥t} = L_t(o_t) + R(W_dec^{(t+1)} s_t, W_a^{(t+1)} s_t, …, W_a^{(t+1)} s_t, h_1, …, h_T)

(one W_a^{(t+1)} s_t per source position) for a differentiable R, in which the rest of each
argument (V y_t + c, U_a h_j, the context and every later step) is R's own. Its partial
derivatives are δ^dec_{t+1} (in the first argument), ε_{t+1,j} (in the score of position j) and
what the later steps send to h_j, U_aᵀ ε_{t+1,j} included (in h_j). A first derivative of
L_t + R depends on R only through R's gradient at the point, so each lemma writes R as pᵀ x summed
over its arguments x, with every entry of each gradient p its own symbol: the same identity for
every differentiable R. The three lemmas:

- [`decoder_step`][rnn_math.attention.lemmas.decoder_step] without R: the decoder's last step
  (the base case: δ^dec_{T'+1} = 0, ε_{T'+1,j} = 0);
- [`decoder_step`][rnn_math.attention.lemmas.decoder_step] with R: one decoder step. Its gradient
  with respect to s_{t−1} is W_decᵀ δ^dec_t + W_aᵀ Σ_j ε_{t,j}, the hand-off's form (at t = 1,
  exactly the hand-off); with respect to h_j it is this step's share
  α_{t,j} ∂L/∂c_t + U_aᵀ ε_{t,j} plus what R sends, so from t = T' down to 1 the shares add up to
  the annotation gradient's sum over steps;
- [`encoder_steps`][rnn_math.attention.lemmas.encoder_steps]: an encoder step, the last and an
  earlier one. Each decoder step's read of h_j is taken as that step's copy of h_j (the untied
  view of the tied-weight lemma: the copies' gradients add). One step's read (its scores and its
  context) is written out, with s_{t−1} and the other annotation as they are at that point; R
  holds the rest: the reading step's pre-activation from its context on, every other read of h_j,
  and what follows h_j in the encoder, the next encoder pre-activation z_{j+1} (an earlier step)
  or, for the last step, s_0 = h_T through a_1 and the first step's scores (the hand-off; the
  read written out is then the first step's).

The sums over decoder steps (W_out, b_out, W_dec, V, c, W_c, W_a, U_a, v_a) and over encoder steps
(W_h, W_e, b_1) follow the RNN's tied-weight lemma's pattern and are not restated here. Within a
step, the sums over the T source positions (the softmax's normaliser, the context, and the
position sums in W_a's, U_a's and v_a's gradients) are proven at T = 2, the size of these lemmas.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

import sympy as sp

from rnn_math.attention.passes import BACKWARD_EQUATIONS as COMPOSED
from rnn_math.symbolic import seq2seq as sym_seq2seq
from rnn_math.symbolic.attention.equations import (
    attention_context,
    attention_decoder_state,
    attention_scores,
    attention_weights,
)
from rnn_math.symbolic.rnn import forward as sym_forward
from rnn_math.symbolic.types import Expr, Matrix
from rnn_math.verification.declaration import Replacements, equation_functions
from rnn_math.verification.lemmas import Lemma
from rnn_math.verification.proof import Freezer, symbol_matrix

#: The sizes the lemmas are proven at: T source positions, D_h = n_a = 2 (the smallest at which a
#: transposition can be wrong), scalar embeddings, every target word k of a two-word vocabulary.
SIZES: dict[str, int] = {"T": 2, "D_h": 2, "n_a": 2, "d_en": 1, "d_hi": 1, "|V_hi|": 2}

#: What the decoder's last step covers: everything of one step that does not need what follows.
BASE_EQUATIONS: tuple[str, ...] = (
    "eq-bptt-output-grad", "eq-decoder-delta", "eq-attention-context-grad", "eq-attention-weight-grad",
    "eq-attention-softmax-grad", "eq-attention-score-grad", "eq-attention-handoff", "eq-attention-grad-va",
    "eq-attention-grad-wa", "eq-attention-grad-ua", "eq-attention-grad-wc", "eq-decoder-grad-wout",
    "eq-decoder-grad-bout", "eq-decoder-grad-wdec", "eq-decoder-grad-v", "eq-decoder-grad-c", "eq-bptt-grad-x",
)  # fmt: skip

#: The one-step lemma adds the gradient at s_t, whose terms from the next step are 0 at t = T'.
STEP_EQUATIONS: tuple[str, ...] = (*BASE_EQUATIONS, "eq-attention-state-grad")

#: What the encoder steps cover: the annotation gradient (its every term), δ^enc and the step's copies.
ENCODER_EQUATIONS: tuple[str, ...] = (
    "eq-attention-annotation-grad", "eq-attention-handoff", "eq-encoder-state-grad", "eq-bptt-delta",
    "eq-attention-context-grad", "eq-attention-weight-grad", "eq-attention-softmax-grad", "eq-attention-score-grad",
    "eq-bptt-grad-wh", "eq-bptt-grad-we", "eq-bptt-grad-b1", "eq-bptt-grad-x",
)  # fmt: skip


def _downstream(name: str, sent: list[Matrix]) -> tuple[Expr, list[Matrix]]:
    """R of what the step sends, as pᵀ x summed over the arguments, and its gradients p (free columns).

    A first derivative of L_t + R at a point depends on R only through R's gradient there, so R
    written with its gradient's entries as symbols is the same identity for every differentiable R.
    """
    gradients = [symbol_matrix(f"{name}{i}", x.rows) for i, x in enumerate(sent)]
    return sp.Add(*((p.T * x)[0, 0] for p, x in zip(gradients, sent, strict=True))), gradients


def _read_backward(eq: dict[str, Callable[..., Any]], W_c, delta, annotations, alpha, v_a, m):
    """From δ at the reading step's pre-activation back to ε: the context, the weights, the scores."""
    grad_c = eq["eq-attention-context-grad"](W_c, delta)
    grad_alpha = eq["eq-attention-weight-grad"](annotations, grad_c)
    grad_e = eq["eq-attention-softmax-grad"](alpha, grad_alpha)
    return grad_c, grad_e, eq["eq-attention-score-grad"](grad_e, v_a, m)


class _Unrolled:
    """One step's forward expressions, the terms of its loss, SymPy's derivative of each term
    (computed once per variable) and one freezer for every comparison.

    The correct proof and every control share them (no mistake touches the forward pass), and so
    do the loss's variants: the derivative of a sum of terms is the sum of the terms' derivatives,
    so the cross-entropy's log Σ exp o_i is differentiated once for every target k and for the
    base case and the one-step lemma alike.
    """

    def __init__(self, terms: dict[str, Expr], variables: dict[str, Matrix], **forward: Any) -> None:
        self.terms, self.variables, self.forward = terms, variables, forward
        self.freezer = Freezer()
        self._derivatives: dict[tuple[str, str], Matrix] = {}

    def derivative(self, term: str, name: str) -> Matrix:
        """SymPy's derivative of one term of the loss with respect to every entry of one variable."""
        if (term, name) not in self._derivatives:
            expr = self.terms[term]
            self._derivatives[term, name] = self.variables[name].applyfunc(lambda v: sp.diff(expr, v))
        return self._derivatives[term, name]

    def proven(self, loss: dict[str, int], closed: dict[str, Matrix], stop_at_first: bool) -> bool:
        """Every entry of every closed form is SymPy's derivative of the loss Σ coefficient · term."""
        if set(closed) != set(self.variables):
            raise ValueError(f"closed: expected the names {sorted(self.variables)}, got {sorted(closed)}")
        holds = True
        for name in self.variables:  # in order: the attention's own gradients first, where controls fail
            derivative = sum(
                (c * self.derivative(term, name) for term, c in loss.items()), sp.zeros(*closed[name].shape)
            )
            for entry in derivative - closed[name]:
                if not self.freezer.is_zero(entry):
                    if stop_at_first:
                        return False
                    holds = False
        return holds


@cache
def _decoder_forward() -> _Unrolled:
    T, D_h, n_a, d_hi, V_hi = (SIZES[n] for n in ("T", "D_h", "n_a", "d_hi", "|V_hi|"))
    W_dec, V, c = symbol_matrix("W_dec", D_h, D_h), symbol_matrix("V", D_h, d_hi), symbol_matrix("c", D_h)
    W_out, b_out = symbol_matrix("W_out", V_hi, D_h), symbol_matrix("b_out", V_hi)
    W_c, W_a, U_a = symbol_matrix("W_c", D_h, D_h), symbol_matrix("W_a", n_a, D_h), symbol_matrix("U_a", n_a, D_h)
    v_a = symbol_matrix("v_a", n_a)
    s_prev, y_prev = symbol_matrix("s_prev", D_h), symbol_matrix("y_prev", d_hi)
    h = [symbol_matrix(f"h{j + 1}", D_h) for j in range(T)]
    m, e = attention_scores(W_a, s_prev, U_a, h, v_a)
    alpha = attention_weights(e)
    context = attention_context(alpha, h)
    a, s = attention_decoder_state(W_dec, s_prev, V, y_prev, W_c, context, c)
    o = sym_seq2seq.decoder_logits(W_out, s, b_out)
    # L_t = log Σ_i exp o_i − o_k (eq-seq2seq-loss), kept as its terms: the first is every target's.
    terms = {"log-sum-exp": sym_seq2seq.seq2seq_loss([o], [0]) + o[0]}
    terms |= {f"o{k}": o[k] for k in range(V_hi)}
    # R of a_{t+1}, of m_{t+1,1..T} and of the annotations themselves (every later read of them).
    W_dec_next, W_a_next = symbol_matrix("W_dec_next", D_h, D_h), symbol_matrix("W_a_next", n_a, D_h)
    terms["R"], partials = _downstream("dR", [W_dec_next * s, *(W_a_next * s for _ in h), *h])
    variables = {"s_prev": s_prev, "W_a": W_a, "U_a": U_a, "v_a": v_a}
    variables |= {f"h{j + 1}": h_j for j, h_j in enumerate(h)}
    variables |= {"W_c": W_c, "W_dec": W_dec, "V": V, "c": c, "y_prev": y_prev, "W_out": W_out, "b_out": b_out}
    return _Unrolled(
        terms, variables, h=h, m=m, alpha=alpha, context=context, a=a, s=s, o=o,
        W_dec_next=W_dec_next, W_a_next=W_a_next, partials=partials,
    )  # fmt: skip


def _decoder_proof(k: int, downstream: bool, replace: Replacements) -> bool:
    eq = equation_functions(COMPOSED, replace, side="sympy")
    u = _decoder_forward()
    f, p = u.forward, u.variables
    T, D_h, n_a = (SIZES[n] for n in ("T", "D_h", "n_a"))
    if downstream:  # δ^dec_{t+1} = ∂R/∂a_{t+1}, ε_{t+1,j} = ∂R/∂m_{t+1,j}, and what the later steps send h_j
        delta_next, eps_next, later = f["partials"][0], f["partials"][1 : T + 1], f["partials"][T + 1 :]
    else:  # nothing follows the decoder's last step
        delta_next, eps_next, later = sp.zeros(D_h, 1), [sp.zeros(n_a, 1)] * T, [sp.zeros(D_h, 1)] * T
    h, W_c, W_a, U_a, v_a, W_dec = f["h"], p["W_c"], p["W_a"], p["U_a"], p["v_a"], p["W_dec"]
    g = eq["eq-bptt-output-grad"](f["o"], k)
    grad_s = eq["eq-attention-state-grad"](p["W_out"], g, f["W_dec_next"], delta_next, f["W_a_next"], eps_next)
    delta = eq["eq-decoder-delta"](grad_s, f["a"])
    grad_c, grad_e, eps = _read_backward(eq, W_c, delta, h, f["alpha"], v_a, f["m"])
    closed = {
        "W_out": eq["eq-decoder-grad-wout"]([g], [f["s"]]),
        "b_out": eq["eq-decoder-grad-bout"]([g]),
        "W_dec": eq["eq-decoder-grad-wdec"]([delta], [p["s_prev"]]),
        "V": eq["eq-decoder-grad-v"]([delta], [p["y_prev"]]),
        "c": eq["eq-decoder-grad-c"]([delta]),
        "W_c": eq["eq-attention-grad-wc"]([delta], [f["context"]]),
        "W_a": eq["eq-attention-grad-wa"]([eps], [p["s_prev"]]),
        "U_a": eq["eq-attention-grad-ua"]([eps], h),
        "v_a": eq["eq-attention-grad-va"]([grad_e], [f["m"]]),
        "s_prev": eq["eq-attention-handoff"](W_dec, delta, W_a, eps),
        "y_prev": eq["eq-bptt-grad-x"](p["V"], delta),
    }
    # This step's share of each annotation's gradient: the equation's sum at this one step, with
    # its last term 0 (what h_j feeds in the encoder is not the decoder's), plus what the later
    # steps send.
    for j in range(T):
        share = eq["eq-attention-annotation-grad"]([f["alpha"][j]], [grad_c], U_a, [eps[j]], sp.zeros(D_h, 1))
        closed[f"h{j + 1}"] = share + later[j]
    loss = {"log-sum-exp": 1, f"o{k}": -1} | ({"R": 1} if downstream else {})
    return u.proven(loss, closed, stop_at_first=bool(replace))


def decoder_step(replace: Replacements, *, downstream: bool = True) -> bool:
    """One decoder step followed by an arbitrary R of a_{t+1}, m_{t+1,1..T} and h_1..h_T (or the last step).

    SymPy's derivative of L_t + R with respect to every entry of step t's copies of W_out, b_out,
    W_dec, V, c, W_c, W_a, U_a, v_a, of s_{t−1}, y_{t−1} and of every h_j equals the registered
    equations' result, for every target k, at the sizes of `SIZES`.
    """
    return all(_decoder_proof(k, downstream, replace) for k in range(SIZES["|V_hi|"]))


@cache
def _encoder_forward(last: bool) -> _Unrolled:
    T, D_h, n_a, d_en = (SIZES[n] for n in ("T", "D_h", "n_a", "d_en"))
    W_h, W_e, b_1 = symbol_matrix("W_h", D_h, D_h), symbol_matrix("W_e", D_h, d_en), symbol_matrix("b_1", D_h)
    W_c, W_a, U_a = symbol_matrix("W_c", D_h, D_h), symbol_matrix("W_a", n_a, D_h), symbol_matrix("U_a", n_a, D_h)
    W_dec, v_a = symbol_matrix("W_dec", D_h, D_h), symbol_matrix("v_a", n_a)
    h_prev, x = symbol_matrix("h_prev", D_h), symbol_matrix("x", d_en)
    z = sym_forward.pre_activation(W_h, h_prev, W_e, x, b_1)
    h_j = sym_forward.hidden_state(z, "tanh")
    j = T - 1 if last else 0
    annotations = [h_j if i == j else symbol_matrix(f"h{i + 1}", D_h) for i in range(T)]
    s_prev = h_j if last else symbol_matrix("s_prev", D_h)  # after the last step, the read is step 1's: s_0 = h_T
    m, e = attention_scores(W_a, s_prev, U_a, annotations, v_a)
    alpha = attention_weights(e)
    a_sent = W_c * attention_context(alpha, annotations) + (W_dec * s_prev if last else sp.zeros(D_h, 1))
    W_h_next = symbol_matrix("W_h_next", D_h, D_h)
    # R of the reading step's pre-activation, of h_j (every other read) and, below the last step, of z_{j+1}.
    R, partials = _downstream("dR", [a_sent, h_j] if last else [a_sent, h_j, W_h_next * h_j])
    variables = {"W_h": W_h, "W_e": W_e, "b_1": b_1, "h_prev": h_prev, "x": x}
    return _Unrolled(
        {"R": R}, variables, j=j, z=z, annotations=annotations, m=m, alpha=alpha, W_c=W_c, W_a=W_a, U_a=U_a,
        v_a=v_a, W_dec=W_dec, W_h_next=W_h_next, partials=partials,
    )  # fmt: skip


def _encoder_proof(last: bool, replace: Replacements) -> bool:
    """One encoder step, the last (`last`) or an earlier one, as
    [`encoder_steps`][rnn_math.attention.lemmas.encoder_steps] states it."""
    eq = equation_functions(COMPOSED, replace, side="sympy")
    u = _encoder_forward(last)
    f, p, j = u.forward, u.variables, u.forward["j"]
    delta_dec, other_reads = f["partials"][0], f["partials"][1]
    grad_c, _, eps = _read_backward(eq, f["W_c"], delta_dec, f["annotations"], f["alpha"], f["v_a"], f["m"])
    if last:
        annotation = eq["eq-attention-annotation-grad@T"]
        grad_from_next = eq["eq-attention-handoff"](f["W_dec"], delta_dec, f["W_a"], eps)
    else:
        annotation = eq["eq-attention-annotation-grad"]
        grad_from_next = eq["eq-encoder-state-grad"](f["W_h_next"], f["partials"][2])  # δ^enc_{j+1} = ∂R/∂z_{j+1}
    grad_h = annotation([f["alpha"][j]], [grad_c], f["U_a"], [eps[j]], grad_from_next) + other_reads
    delta = eq["eq-bptt-delta"](grad_h, f["z"], "tanh")
    closed = {
        "W_h": eq["eq-bptt-grad-wh"]([delta], [p["h_prev"]]),
        "W_e": eq["eq-bptt-grad-we"]([delta], [p["x"]]),
        "b_1": eq["eq-bptt-grad-b1"]([delta]),
        "h_prev": eq["eq-encoder-state-grad"](p["W_h"], delta),
        "x": eq["eq-bptt-grad-x"](p["W_e"], delta),
    }
    return u.proven({"R": 1}, closed, stop_at_first=bool(replace))


def encoder_steps(replace: Replacements) -> bool:
    """An encoder step whose state is read by one decoder step's attention, followed by an arbitrary R.

    The step: z_j = W_h h_{j−1} + W_e x_j + b_1, h_j = tanh(z_j), at position j = T (the last step)
    and j = 1 < T (an earlier one), of T = 2 source positions (the other annotation a free column).
    One decoder step's read of the annotations is written out: m_{t,i} = W_a s_{t−1} + U_a h_i,
    the weights and the context c_t; its pre-activation a_t = W_c c_t + (W_dec s_{t−1} + V y_{t−1} + c)
    goes to R. After an earlier step, s_{t−1} is a free column and R also takes
    z_{j+1} = W_h^{(j+1)} h_j + … (δ^enc_{j+1} = ∂R/∂z_{j+1}); after the last, the read is step 1's,
    s_0 = h_T, and a_1 holds W_dec h_T, the hand-off's other road. In both, R takes h_j itself too
    (every other decoder step's read of it). SymPy's derivative with respect to step j's copies of
    W_h, W_e, b_1 and to h_{j−1} and x_j equals the registered equations' result: δ^enc_j from
    ∂L/∂h_j, the annotation gradient with the read's share and W_hᵀ δ^enc_{j+1} or the hand-off,
    plus R's derivative in h_j (the other reads' shares, each of the form the decoder lemmas prove).
    """
    return _encoder_proof(True, replace) and _encoder_proof(False, replace)


def _sizes(*names: str) -> dict[str, int]:
    return {name: SIZES[name] for name in names}


LEMMAS: tuple[Lemma, ...] = (
    Lemma(
        name="decoder base case",
        statement=r"\delta^{\text{dec}}_{T'+1} = 0,\ \varepsilon_{T'+1,j} = 0 \implies "
        r"\partial L_{T'} / \partial a_{T'} = \delta^{\text{dec}}_{T'},\ "
        r"\partial L_{T'} / \partial m_{T',j} = \varepsilon_{T',j}",
        equations=BASE_EQUATIONS,
        prove=partial(decoder_step, downstream=False),
        sizes=_sizes("T", "D_h", "n_a", "d_hi", "|V_hi|"),
    ),
    Lemma(
        name="decoder one-step lemma",
        statement=r"\delta^{\text{dec}}_{t+1} = \frac{\partial R}{\partial a_{t+1}},\ "
        r"\varepsilon_{t+1,j} = \frac{\partial R}{\partial m_{t+1,j}} \implies "
        r"\frac{\partial (L_t + R)}{\partial a_t} = \delta^{\text{dec}}_t,\ "
        r"\frac{\partial (L_t + R)}{\partial m_{t,j}} = \varepsilon_{t,j}",
        equations=STEP_EQUATIONS,
        prove=decoder_step,
        sizes=_sizes("T", "D_h", "n_a", "d_hi", "|V_hi|"),
    ),
    Lemma(
        name="hand-off and encoder steps",
        statement=r"\frac{\partial L}{\partial z_j} = \delta^{\text{enc}}_j \text{ from } "
        r"\frac{\partial L}{\partial h_j} = \alpha_{t,j} \frac{\partial L}{\partial c_t} + U_a^\top \varepsilon_{t,j}"
        r" + \frac{\partial R}{\partial h_j} + \begin{cases} \partial L / \partial s_0 & j = T \\"
        r" W_h^\top \delta^{\text{enc}}_{j+1} & j < T \end{cases}",
        equations=ENCODER_EQUATIONS,
        prove=encoder_steps,
        sizes=_sizes("T", "D_h", "n_a", "d_en"),
    ),
)
