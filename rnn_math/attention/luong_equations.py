"""The equations that change with Luong's multiplicative score (Luong, Pham and Manning, 2015).

With the "general" score e_{t,j} = s_{t-1}ᵀ W_a h_j (W_a is D_h × D_h; U_a and v_a do not exist)
the score's gradient reaches s_{t-1} as W_a h_j and h_j as W_aᵀ s_{t-1}, and W_a's gradient is
s_{t-1} h_jᵀ per score. Everything before ∂L/∂e_{t,j} (the weights, the softmax, the context,
the decoder step) is the additive model's, in
[`rnn_math.attention.forward_equations`][rnn_math.attention.forward_equations] and
[`rnn_math.attention.backward_equations`][rnn_math.attention.backward_equations].

The decoder is this chapter's: the score reads the previous state s_{t-1}, as the additive score
does, so that only the score differs between the two forms.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer
from rnn_math.core.types import Array


@equation(
    "eq-luong-score",
    title="Attention scores (multiplicative, Luong's general form)",
    latex=r"e_{t,j} = s_{t-1}^\top W_a\, h_j \qquad (j = 1, \dots, T)",
)
def luong_scores(W_a: Array, s_prev: Array, h: Array) -> Array:
    """How well each English position j fits decoder step t: a bilinear form of s_{t-1} and h_j.

    Parameters
    ----------
    W_a
        The score's weights, shape (D_h, D_h): rows meet s_{t-1}, columns h_j.
    s_prev
        s_{t-1}, shape (..., D_h).
    h
        Encoder states h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        The scores e_{t,1..T}, shape (..., T).
    """
    return np.einsum("...jd,...d->...j", h, s_prev @ W_a)


@equation(
    "eq-luong-state-grad",
    title="Gradient at a decoder state, with multiplicative scores",
    latex=(
        r"\frac{\partial L}{\partial s_t} = W_{\text{out}}^\top g_t + W_{\text{dec}}^\top \delta^{\text{dec}}_{t+1}"
        r" + W_a \sum_{j=1}^{T} \frac{\partial L}{\partial e_{t+1,j}}\, h_j, \qquad \delta^{\text{dec}}_{T'+1} = 0,"
        r"\ \frac{\partial L}{\partial e_{T'+1,j}} = 0"
    ),
)
def luong_state_gradient(
    W_out: Array, output_grad_t: Array, W_dec: Array, delta_dec_next: Array, W_a: Array, grad_e_next: Array, h: Array
) -> Array:
    """∂L/∂s_t: from the output at step t, the next decoder step, and the next step's scores through W_a h_j.

    Parameters
    ----------
    W_out
        Output weights, shape (n_hi, D_h).
    output_grad_t
        g_t, shape (..., n_hi).
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_next
        δ^dec_{t+1}, shape (..., D_h); zeros at the last step.
    W_a
        The score's weights, shape (D_h, D_h).
    grad_e_next
        ∂L/∂e_{t+1,1..T}, shape (..., T); zeros at the last step.
    h
        h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂s_t, shape (..., D_h).
    """
    scored = np.einsum("...j,...jd->...d", grad_e_next, h)
    return output_grad_t @ W_out + delta_dec_next @ W_dec + scored @ W_a.T


@equation(
    "eq-luong-handoff",
    title="The hand-off, with multiplicative scores",
    latex=(
        r"\frac{\partial L}{\partial s_0} = W_{\text{dec}}^\top \delta^{\text{dec}}_1"
        r" + W_a \sum_{j=1}^{T} \frac{\partial L}{\partial e_{1,j}}\, h_j"
    ),
)
def luong_handoff(W_dec: Array, delta_dec_1: Array, W_a: Array, grad_e_1: Array, h: Array) -> Array:
    """∂L/∂s_0: s_0 = h_T feeds the first decoder step and, through W_a h_j, the first step's scores.

    Parameters
    ----------
    W_dec
        Decoder recurrent weights, shape (D_h, D_h).
    delta_dec_1
        δ^dec_1, shape (..., D_h).
    W_a
        The score's weights, shape (D_h, D_h).
    grad_e_1
        ∂L/∂e_{1,1..T}, shape (..., T).
    h
        h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h).
    """
    return delta_dec_1 @ W_dec + np.einsum("...j,...jd->...d", grad_e_1, h) @ W_a.T


@equation(
    "eq-luong-annotation-grad",
    title="Gradient at an encoder state, with multiplicative scores",
    latex=(
        r"\frac{\partial L}{\partial h_j} = \sum_{t=1}^{T'} \Bigl(\alpha_{t,j} \frac{\partial L}{\partial c_t}"
        r" + \frac{\partial L}{\partial e_{t,j}}\, W_a^\top s_{t-1}\Bigr)"
        r" + \begin{cases} \partial L / \partial s_0 & j = T \\"
        r" W_h^\top \delta^{\text{enc}}_{j+1} & j < T \end{cases}"
    ),
)
def luong_annotation_gradient(
    alpha_j: Array, grad_c: Array, W_a: Array, grad_e_j: Array, s: Array, grad_from_next: Array
) -> Array:
    """∂L/∂h_j: from every context, from every score of position j (through W_aᵀ s_{t-1}), and from what h_j feeds next.

    Parameters
    ----------
    alpha_j
        α_{1..T',j}, the weights of position j at every decoder step, shape (..., T').
    grad_c
        ∂L/∂c_1..∂L/∂c_{T'}, shape (..., T', D_h).
    W_a
        The score's weights, shape (D_h, D_h).
    grad_e_j
        ∂L/∂e_{1..T',j}, shape (..., T').
    s
        The decoder states s_0..s_{T'}, shape (..., T' + 1, D_h): step t's score reads s_{t-1}.
    grad_from_next
        W_hᵀ δ^enc_{j+1} for j < T; ∂L/∂s_0
        ([`luong_handoff`][rnn_math.attention.luong_equations.luong_handoff]) at j = T. Shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        ∂L/∂h_j, shape (..., D_h).
    """
    scored = np.einsum("...t,...td->...d", grad_e_j, s[..., :-1, :])
    return np.einsum("...t,...td->...d", alpha_j, grad_c) + scored @ W_a + grad_from_next


@equation(
    "eq-luong-grad-wa",
    title="Gradient of the multiplicative score's weights",
    latex=(
        r"\frac{\partial L}{\partial W_a} = \sum_{t=1}^{T'} \sum_{j=1}^{T}"
        r" \frac{\partial L}{\partial e_{t,j}}\, s_{t-1} h_j^\top"
    ),
)
def luong_grad_W_a(grad_e: Array, s: Array, h: Array) -> Array:
    """∂L/∂W_a: every score's gradient times s_{t-1} h_jᵀ, summed over steps and positions.

    The sum over positions is taken first, Σ_j ∂L/∂e_{t,j} h_j, so that one outer product per
    step remains.

    Parameters
    ----------
    grad_e
        ∂L/∂e_{t,j}, shape (..., T', T).
    s
        The decoder states s_0..s_{T'}, shape (..., T' + 1, D_h).
    h
        h_1..h_T, shape (..., T, D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h), like W_a.
    """
    return sum_outer(s[..., :-1, :], grad_e @ h)
