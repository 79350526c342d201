"""Attention's catalogue of mistakes: plausible wrong versions of its backward pass.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] replaces equations in NumPy
([`run_backward`][rnn_math.attention.passes.run_backward]) and in SymPy
([`closed_form_gradients`][rnn_math.symbolic.attention.composer.closed_form_gradients]) alike;
the declaration (``ATTENTION`` in ``rnn_math.attention.declaration``) lists them, and every check
must reject every one.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from rnn_math.verification.mistakes import Mistake

__all__ = ["MISTAKES", "Mistake"]


def _wrong_index_sympy(alpha: sp.Matrix, grad_alpha: sp.Matrix) -> sp.Matrix:
    total = sum(grad_alpha)
    return sp.Matrix([alpha[j] * (grad_alpha[j] - alpha[j] * total) for j in range(alpha.rows)])


def _untransposed_numpy(alpha_j, grad_c, U_a, eps_j, grad_from_next):
    return np.einsum("...t,...td->...d", alpha_j, grad_c) + (eps_j @ U_a.T).sum(axis=-2) + grad_from_next


def _untransposed_sympy(alpha_j, grad_c, U_a, eps_j, grad_from_next):
    terms = [a * g + U_a * e for a, g, e in zip(alpha_j, grad_c, eps_j, strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total + grad_from_next


def _no_recursion_numpy(alpha_j, grad_c, U_a, eps_j, grad_from_next):
    return np.einsum("...t,...td->...d", alpha_j, grad_c) + (eps_j @ U_a).sum(axis=-2)


def _no_recursion_sympy(alpha_j, grad_c, U_a, eps_j, grad_from_next):
    terms = [a * g + U_a.T * e for a, g, e in zip(alpha_j, grad_c, eps_j, strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        name="softmax-jacobian-without-outer-product",
        model="attention",
        title=r"Softmax Jacobian without $-\alpha_t \alpha_t^\top$",
        description=(
            r"The weights' gradient passes through the softmax as if each weight depended on its own "
            r"score only: the diagonal $\operatorname{diag}(\alpha_t)$ is kept, $-\alpha_t\alpha_t^\top$ dropped."
        ),
        wrong_latex=r"\frac{\partial L}{\partial e_{t,j}} = \alpha_{t,j} \frac{\partial L}{\partial \alpha_{t,j}}",
        numpy={"eq-attention-softmax-grad": lambda alpha, grad_alpha: alpha * grad_alpha},
        sympy={"eq-attention-softmax-grad": lambda alpha, grad_alpha: alpha.multiply_elementwise(grad_alpha)},
    ),
    Mistake(
        name="attention-weights-held-constant",
        model="attention",
        title="Weights treated as constants",
        description=(
            r"$c_t = \sum_j \alpha_{t,j} h_j$ is differentiated in $h_j$ only, as if the weights were "
            r"constants: nothing flows back through the scores, so $v_a$, $W_a$ and $U_a$ get zero gradient."
        ),
        wrong_latex=r"\frac{\partial L}{\partial e_{t,j}} = 0",
        numpy={"eq-attention-softmax-grad": lambda alpha, grad_alpha: np.zeros_like(grad_alpha)},
        sympy={"eq-attention-softmax-grad": lambda alpha, grad_alpha: sp.zeros(alpha.rows, 1)},
    ),
    Mistake(
        name="softmax-sum-over-wrong-index",
        model="attention",
        title="Softmax Jacobian summed with the wrong index",
        description=(
            r"Inside the sum over $k$ the weight keeps the outer index: $\alpha_{t,j}$ where "
            r"$\alpha_{t,k}$ belongs."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial e_{t,j}} = \alpha_{t,j}\Bigl(\frac{\partial L}{\partial \alpha_{t,j}}"
            r" - \sum_{k} \alpha_{t,j} \frac{\partial L}{\partial \alpha_{t,k}}\Bigr)"
        ),
        numpy={
            "eq-attention-softmax-grad": lambda alpha, grad_alpha: (
                alpha * (grad_alpha - alpha * np.sum(grad_alpha, axis=-1, keepdims=True))
            )
        },
        sympy={"eq-attention-softmax-grad": _wrong_index_sympy},
    ),
    Mistake(
        name="encoder-recursion-term-dropped",
        model="attention",
        title=r"Encoder recursion dropped from $\partial L/\partial h_j$",
        description=(
            r"Below the last position, $\partial L/\partial h_j$ keeps what the attention sends (contexts "
            r"and scores) and drops $W_h^\top \delta^{\text{enc}}_{j+1}$, what $h_j$ gives the next encoder step."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial h_j} = \sum_{t} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
            r" + U_a^\top \varepsilon_{t,j}\Bigr) \quad (j < T)"
        ),
        numpy={"eq-attention-annotation-grad": _no_recursion_numpy},
        sympy={"eq-attention-annotation-grad": _no_recursion_sympy},
    ),
    Mistake(
        name="score-weights-not-transposed",
        model="attention",
        title=r"$U_a$ not transposed",
        description=(
            r"The scores' share of $\partial L/\partial h_j$ multiplies $\varepsilon_{t,j}$ by $U_a$ "
            r"instead of $U_a^\top$ (the shapes agree only when $n_a = D_h$, which hides it)."
        ),
        wrong_latex=(
            r"\frac{\partial L}{\partial h_j} = \sum_{t} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
            r" + U_a\, \varepsilon_{t,j}\Bigr) + \dots"
        ),
        numpy={
            "eq-attention-annotation-grad@T": _untransposed_numpy,
            "eq-attention-annotation-grad": _untransposed_numpy,
        },
        sympy={
            "eq-attention-annotation-grad@T": _untransposed_sympy,
            "eq-attention-annotation-grad": _untransposed_sympy,
        },
    ),
    Mistake(
        name="handoff-without-scores",
        model="attention",
        title="Hand-off without the scores' share",
        description=(
            r"The encoder-decoder's hand-off is kept: $s_0 = h_T$ also enters the first step's scores "
            r"through $W_a$, and that share $W_a^\top \sum_j \varepsilon_{1,j}$ is lost."
        ),
        wrong_latex=r"\frac{\partial L}{\partial s_0} = W_{\text{dec}}^\top \delta^{\text{dec}}_1",
        numpy={"eq-attention-handoff": lambda W_dec, delta_dec_1, W_a, eps_1: delta_dec_1 @ W_dec},
        sympy={"eq-attention-handoff": lambda W_dec, delta_dec_1, W_a, eps_1: W_dec.T * delta_dec_1},
    ),
)
