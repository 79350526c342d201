"""More of the vanilla RNN's catalogue: wrong versions of the gradients read off δ^t and ŷ^t − y^t.

The mistakes of [`rnn_math.rnn.mistakes`][rnn_math.rnn.mistakes] corrupt the recursion (the hidden
gradient, δ, the softmax gradient) and the sum of ``W_h``; these corrupt the other sums and the
gradient of h^0, so that every backward equation of the RNN has a negative control. Each carries a
wrong NumPy function and a wrong SymPy twin of the registered signatures; the RNN's declaration
lists them after the others.

The gradient of each input x^t has no mistake here: its twin is called once per step with δ^t
alone, so a step's slip (δ^{t+1} where δ^t belongs) cannot be written with its signature.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from rnn_math.core.types import Array
from rnn_math.rnn import backward_equations as np_bptt
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.symbolic.types import Matrix
from rnn_math.verification.mistakes import Mistake

__all__ = ["SUM_MISTAKES"]


def _stale_state_numpy(output_grads: Array, h: Array) -> Array:
    # Step t's output paired with h^{t-1}: step 1 (whose h^0 this signature does not see) drops out.
    return np_bptt.grad_U(output_grads[..., 1:, :], h[..., :-1, :])


def _stale_state_sympy(output_grads: Sequence[Matrix], h: Sequence[Matrix]) -> Matrix:
    terms = [output_grads[t] * h[t - 1].T for t in range(1, len(output_grads))]
    return sp.Add(*terms) if terms else sp.zeros(output_grads[0].rows, h[0].rows)


def _b_2_last_step_numpy(output_grads: Array) -> Array:
    return np_bptt.grad_b_2(output_grads[..., -1:, :])


def _b_2_last_step_sympy(output_grads: Sequence[Matrix]) -> Matrix:
    return output_grads[-1]


def _reversed_steps_numpy(deltas: Array, xs: Array) -> Array:
    return np_bptt.grad_W_e(deltas[..., ::-1, :], xs)


def _reversed_steps_sympy(deltas: Sequence[Matrix], xs: Sequence[Matrix]) -> Matrix:
    return sym_bptt.grad_W_e(list(reversed(deltas)), xs)


def _averaged_numpy(deltas: Array) -> Array:
    return np_bptt.grad_b_1(deltas) / deltas.shape[-2]


def _averaged_sympy(deltas: Sequence[Matrix]) -> Matrix:
    return sym_bptt.grad_b_1(deltas) / len(deltas)


def _untransposed_h_0_numpy(W_h: Array, delta_1: Array) -> Array:
    return delta_1 @ W_h.T  # rows: this is W_h δ^1 in column form


def _untransposed_h_0_sympy(W_h: Matrix, delta_1: Matrix) -> Matrix:
    return W_h * delta_1


STALE_STATE_IN_U = Mistake(
    name="output-weights-stale-state",
    model="rnn",
    title=r"$h^{t-1}$ in the gradient of $U$",
    description=(
        r"The output at step $t$ reads $h^t$; pairing $\hat{y}^t - y^t$ with $h^{t-1}$, as the sum of $W_h$ does"
        r" with $\delta^t$, is one step off."
    ),
    wrong_latex=r"\frac{\partial L}{\partial U} = \sum_{t=2}^{T} (\hat{y}^t - y^t)\,(h^{t-1})^\top",
    numpy={"eq-bptt-grad-u": _stale_state_numpy},
    sympy={"eq-bptt-grad-u": _stale_state_sympy},
)

B_2_LAST_STEP_ONLY = Mistake(
    name="output-bias-last-step-only",
    model="rnn",
    title=r"$b_2$ from the last step alone",
    description=r"Every step's output adds $b_2$, so its gradient sums $\hat{y}^t - y^t$ over all $t$.",
    wrong_latex=r"\frac{\partial L}{\partial b_2} = \hat{y}^T - y^T",
    numpy={"eq-bptt-grad-b2": _b_2_last_step_numpy},
    sympy={"eq-bptt-grad-b2": _b_2_last_step_sympy},
)

REVERSED_STEPS_IN_W_E = Mistake(
    name="input-weights-reversed-steps",
    model="rnn",
    title=r"$\delta$ and $x$ paired in opposite orders",
    description=(
        r"The backward loop meets $\delta^T$ first; storing the errors in that order pairs $\delta^T$ with $x^1$."
    ),
    wrong_latex=r"\frac{\partial L}{\partial W_e} = \sum_{t=1}^{T} \delta^{T+1-t}\,(x^t)^\top",
    numpy={"eq-bptt-grad-we": _reversed_steps_numpy},
    sympy={"eq-bptt-grad-we": _reversed_steps_sympy},
)

B_1_AVERAGED = Mistake(
    name="hidden-bias-averaged",
    model="rnn",
    title=r"$b_1$'s terms averaged",
    description=(
        r"The loss sums over the steps, so its gradient sums the terms; dividing by $T$ belongs to another loss."
    ),
    wrong_latex=r"\frac{\partial L}{\partial b_1} = \frac{1}{T} \sum_{t=1}^{T} \delta^t",
    numpy={"eq-bptt-grad-b1": _averaged_numpy},
    sympy={"eq-bptt-grad-b1": _averaged_sympy},
)

UNTRANSPOSED_H_0 = Mistake(
    name="initial-state-untransposed",
    model="rnn",
    title=r"$W_h$ not transposed at $h^0$",
    description=r"Going back through $z^1 = W_h h^0 + \dots$ multiplies $\delta^1$ by $W_h^\top$, not $W_h$.",
    wrong_latex=r"\frac{\partial L}{\partial h^0} = W_h\, \delta^1",
    numpy={"eq-bptt-grad-h0": _untransposed_h_0_numpy},
    sympy={"eq-bptt-grad-h0": _untransposed_h_0_sympy},
)

#: In the order the BPTT page meets the equations they corrupt.
SUM_MISTAKES: tuple[Mistake, ...] = (
    STALE_STATE_IN_U,
    B_2_LAST_STEP_ONLY,
    REVERSED_STEPS_IN_W_E,
    B_1_AVERAGED,
    UNTRANSPOSED_H_0,
)
