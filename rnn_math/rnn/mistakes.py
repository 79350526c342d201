"""The vanilla RNN's catalogue of mistakes: plausible wrong versions of its BPTT equations.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] here is an error that is easy to make when
deriving or coding BPTT by hand, with a wrong NumPy function (substituted into
[`rnn_gradients`][rnn_math.rnn.composer.rnn_gradients]) and a wrong SymPy twin (substituted into
[`rnn_math.symbolic.rnn.bptt.gradients`][rnn_math.symbolic.rnn.bptt.gradients]) of the same signature
as the registered ones. The RNN's declaration (``RNN`` in ``rnn_math.rnn.declaration``) lists them, and
the verification engine requires every check to reject every one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rnn_math.core.activations import get_activation
from rnn_math.core.types import Array
from rnn_math.rnn import bptt as np_bptt
from rnn_math.rnn.composer import rnn_gradients, wrong_bptt
from rnn_math.symbolic.rnn import bptt as sym_bptt
from rnn_math.verification.mistakes import Mistake, all_mistakes, get_mistake

__all__ = ["MISTAKES", "Mistake", "all_mistakes", "get_mistake", "rnn_gradients", "wrong_bptt"]


# The catalogue of the vanilla RNN's mistakes.


def _no_recurrent_term_numpy(U: Array, output_grad_t: Array, W_h: Array, delta_next: Array) -> Array:
    return output_grad_t @ U


def _no_recurrent_term_sympy(U, output_grad_t, W_h, delta_next):
    return U.T * output_grad_t


def _untransposed_W_h_numpy(U: Array, output_grad_t: Array, W_h: Array, delta_next: Array) -> Array:
    return output_grad_t @ U + delta_next @ W_h.T  # rows: this is W_h δ^{t+1} in column form


def _untransposed_W_h_sympy(U, output_grad_t, W_h, delta_next):
    return U.T * output_grad_t + W_h * delta_next


def _slope_at_h_numpy(grad_h_t: Array, z_t: Array, activation: str = "sigmoid") -> Array:
    sigma = get_activation(activation)
    return grad_h_t * sigma.derivative(sigma.function(z_t))  # σ'(h^t) with h^t = σ(z^t)


def _slope_at_h_sympy(grad_h_t, z_t, activation="sigmoid"):
    from rnn_math.symbolic.activations import activation_function
    from rnn_math.symbolic.any_size import apply_entrywise, hadamard

    slope = sym_bptt.activation_derivative(activation)
    sigma = activation_function(activation)
    return hadamard(grad_h_t, apply_entrywise(lambda z: slope(sigma(z)), z_t))


def _last_step_only_numpy(deltas: Array, h_prev: Array) -> Array:
    return np_bptt.grad_W_h(deltas[..., -1:, :], h_prev[..., -1:, :])


def _last_step_only_sympy(deltas, h_prev):
    return deltas[-1] * h_prev[-1].T


def _sign_flipped_numpy(y_hat: Array, targets: NDArray[np.integer]) -> Array:
    return -np_bptt.output_gradient(y_hat, targets)


def _sign_flipped_sympy(theta_t, target_t):
    return -sym_bptt.output_gradient(theta_t, target_t)


NO_RECURRENT_TERM = Mistake(
    name="no-recurrent-term",
    model="rnn",
    title="Recurrent term dropped",
    description=(
        r"$h^t$ also feeds $z^{t+1}$; forgetting $W_h^\top \delta^{t+1}$ treats every step as if it were the last."
    ),
    wrong_latex=r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t)",
    numpy={"eq-bptt-hidden-grad": _no_recurrent_term_numpy},
    sympy={"eq-bptt-hidden-grad": _no_recurrent_term_sympy},
)

SLOPE_AT_H = Mistake(
    name="slope-at-hidden-state",
    model="rnn",
    title=r"$\sigma'$ taken at $h^t$",
    description=(
        r"The activation's slope belongs at the pre-activation $z^t$; $\sigma'(h^t)$ is $\sigma'(\sigma(z^t))$."
    ),
    wrong_latex=r"\delta^t = \frac{\partial L}{\partial h^t} \odot \sigma'(h^t)",
    numpy={"eq-bptt-delta": _slope_at_h_numpy},
    sympy={"eq-bptt-delta": _slope_at_h_sympy},
)

UNTRANSPOSED_W_H = Mistake(
    name="untransposed-recurrent-weights",
    model="rnn",
    title=r"$W_h$ not transposed",
    description=r"Going backwards through $z^{t+1} = W_h h^t$ multiplies by $W_h^\top$, not $W_h$.",
    wrong_latex=r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t) + W_h \delta^{t+1}",
    numpy={"eq-bptt-hidden-grad": _untransposed_W_h_numpy},
    sympy={"eq-bptt-hidden-grad": _untransposed_W_h_sympy},
)

LAST_STEP_ONLY = Mistake(
    name="last-step-only",
    model="rnn",
    title="Only the last step",
    description=(
        r"$W_h$ is shared by every step, so its gradient sums over $t$; the last term alone ignores the rest."
    ),
    wrong_latex=r"\frac{\partial L}{\partial W_h} = \delta^T\,(h^{T-1})^\top",
    numpy={"eq-bptt-grad-wh": _last_step_only_numpy},
    sympy={"eq-bptt-grad-wh": _last_step_only_sympy},
)

SIGN_FLIPPED = Mistake(
    name="output-gradient-sign",
    model="rnn",
    title="Softmax gradient sign flipped",
    description=(
        r"The gradient at the logits is $\hat{y} - y$; $y - \hat{y}$ is its negative, and descent would climb the loss."
    ),
    wrong_latex=r"\frac{\partial L}{\partial \theta^t} = y^t - \hat{y}^t",
    numpy={"eq-bptt-output-grad": _sign_flipped_numpy},
    sympy={"eq-bptt-output-grad": _sign_flipped_sympy},
)

#: The RNN's catalogue, in the order the BPTT page meets the equations they corrupt.
MISTAKES: tuple[Mistake, ...] = (NO_RECURRENT_TERM, SLOPE_AT_H, UNTRANSPOSED_W_H, LAST_STEP_ONLY, SIGN_FLIPPED)
