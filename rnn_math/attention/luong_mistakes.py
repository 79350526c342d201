"""The catalogue of mistakes of the multiplicative score: plausible wrong versions of its own gradients.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] replaces equations of
[`rnn_math.attention.luong_equations`][rnn_math.attention.luong_equations] in NumPy
([`run_luong_backward`][rnn_math.attention.luong_passes.run_luong_backward]) and in SymPy
([`luong_closed_form_gradients`][rnn_math.symbolic.attention.luong.luong_closed_form_gradients])
alike. W_a is square here, so a misplaced transpose always fits: only the values tell.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.sums import sum_outer
from rnn_math.verification.mistakes import Mistake

__all__ = ["LUONG_MISTAKES"]


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _scored(weights, vectors):
    return _sum([w * v for w, v in zip(weights, vectors, strict=True)])


def _state_transposed_numpy(W_out, output_grad_t, W_dec, delta_dec_next, W_a, grad_e_next, h):
    scored = np.einsum("...j,...jd->...d", grad_e_next, h)
    return output_grad_t @ W_out + delta_dec_next @ W_dec + scored @ W_a


def _state_transposed_sympy(W_out, output_grad_t, W_dec, delta_dec_next, W_a, grad_e_next, h):
    return W_out.T * output_grad_t + W_dec.T * delta_dec_next + W_a.T * _scored(list(grad_e_next), h)


def _handoff_transposed_numpy(W_dec, delta_dec_1, W_a, grad_e_1, h):
    return delta_dec_1 @ W_dec + np.einsum("...j,...jd->...d", grad_e_1, h) @ W_a


def _handoff_transposed_sympy(W_dec, delta_dec_1, W_a, grad_e_1, h):
    return W_dec.T * delta_dec_1 + W_a.T * _scored(list(grad_e_1), h)


def _annotation_numpy(transposed: bool, states: slice):
    def wrong(alpha_j, grad_c, W_a, grad_e_j, s, grad_from_next):
        scored = np.einsum("...t,...td->...d", grad_e_j, s[..., states, :])
        return np.einsum("...t,...td->...d", alpha_j, grad_c) + scored @ (W_a if transposed else W_a.T) + grad_from_next

    return wrong


def _annotation_sympy(transposed: bool, states: slice):
    def wrong(alpha_j, grad_c, W_a, grad_e_j, s, grad_from_next):
        weights = W_a.T if transposed else W_a
        pairs = zip(alpha_j, grad_c, grad_e_j, s[states], strict=True)
        return _sum([a * g + e * (weights * s_t) for a, g, e, s_t in pairs]) + grad_from_next

    return wrong


#: W_a s_{t-1} where W_aᵀ s_{t-1} belongs: the previous state, but W_a not transposed.
_NOT_TRANSPOSED_NUMPY, _NOT_TRANSPOSED_SYMPY = (
    _annotation_numpy(False, slice(None, -1)),
    _annotation_sympy(False, slice(None, -1)),
)
#: W_aᵀ s_t: transposed as it should be, but paired with the state the step produces.
_CURRENT_NUMPY, _CURRENT_SYMPY = _annotation_numpy(True, slice(1, None)), _annotation_sympy(True, slice(1, None))


def _grad_wa_transposed_sympy(grad_e, s, h):
    return _sum(
        [g_t[j] * h_j * s_prev.T for g_t, s_prev in zip(grad_e, s[:-1], strict=True) for j, h_j in enumerate(h)]
    )


LUONG_MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        name="luong-state-path-transposed",
        model="attention",
        title=r"$W_a^\top$ on the path to $s_{t-1}$",
        description=(
            r"Every other backward path multiplies by a transposed weight, so the score's share of "
            r"$\partial L/\partial s_{t-1}$ gets one too: $W_a^\top h_j$, where "
            r"$\partial e_{t,j}/\partial s_{t-1} = W_a h_j$ (in the state's gradient and the hand-off alike)."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t + W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1}"
            r" + W_a^\top \sum_{j} \frac{\partial L}{\partial e_{t+1,j}}\, h_j"
        ),
        numpy={"eq-luong-state-grad": _state_transposed_numpy, "eq-luong-handoff": _handoff_transposed_numpy},
        sympy={"eq-luong-state-grad": _state_transposed_sympy, "eq-luong-handoff": _handoff_transposed_sympy},
    ),
    Mistake(
        name="luong-encoder-path-not-transposed",
        model="attention",
        title=r"$W_a$ not transposed on the path to $h_j$",
        description=(
            r"$e_{t,j} = s_{t-1}^\top W_a h_j$ read as $(W_a s_{t-1})^\top h_j$: the score's share of "
            r"$\partial L/\partial h_j$ takes $W_a s_{t-1}$ where $W_a^\top s_{t-1}$ belongs."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial h_j} = \sum_{t} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
            r" + \frac{\partial L}{\partial e_{t,j}}\, W_a s_{t-1}\Bigr) + \dots"
        ),
        numpy={"eq-luong-annotation-grad@T": _NOT_TRANSPOSED_NUMPY, "eq-luong-annotation-grad": _NOT_TRANSPOSED_NUMPY},
        sympy={"eq-luong-annotation-grad@T": _NOT_TRANSPOSED_SYMPY, "eq-luong-annotation-grad": _NOT_TRANSPOSED_SYMPY},
    ),
    Mistake(
        name="luong-encoder-path-current-state",
        model="attention",
        title=r"Score's share of $\partial L/\partial h_j$ paired with $s_t$",
        description=(
            r"Luong et al. score with the current state $s_t$; carried into this decoder, where step $t$ "
            r"scores with $s_{t-1}$, the share $W_a^\top s_t$ is off by one step."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial h_j} = \sum_{t} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
            r" + \frac{\partial L}{\partial e_{t,j}}\, W_a^\top s_t\Bigr) + \dots"
        ),
        numpy={"eq-luong-annotation-grad@T": _CURRENT_NUMPY, "eq-luong-annotation-grad": _CURRENT_NUMPY},
        sympy={"eq-luong-annotation-grad@T": _CURRENT_SYMPY, "eq-luong-annotation-grad": _CURRENT_SYMPY},
    ),
    Mistake(
        name="luong-grad-wa-transposed",
        model="attention",
        title=r"$\partial L/\partial W_a$ as $h_j s_{t-1}^\top$",
        description=(
            r"The outer product written in the order of the additive model's $\varepsilon_{t,j} s_{t-1}^\top$, "
            r"state last: $h_j s_{t-1}^\top$, the transpose of each term $s_{t-1} h_j^\top$."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial W_a} = \sum_{t} \sum_{j}"
            r" \frac{\partial L}{\partial e_{t,j}}\, h_j s_{t-1}^\top"
        ),
        numpy={"eq-luong-grad-wa": lambda grad_e, s, h: sum_outer(grad_e @ h, s[..., :-1, :])},
        sympy={"eq-luong-grad-wa": _grad_wa_transposed_sympy},
    ),
)
