"""The GRU's catalogue of mistakes: plausible wrong versions of its backward equations.

Each [`Mistake`][rnn_math.verification.mistakes.Mistake] carries a wrong NumPy function (substituted
into [`gru_gradients`][rnn_math.gru.passes.gru_gradients]) and a wrong SymPy twin (substituted into
[`closed_forms`][rnn_math.symbolic.gru.composer.closed_forms]) with the signature of the registered
one. Where an error is as easy to make in both forms of the candidate, the mistake corrupts both
forms' equation. The declaration (``GRU`` in ``rnn_math.gru.declaration``) lists them, and the
verification engine requires every check to reject every one.
"""

from __future__ import annotations

from rnn_math.core.activations import sigmoid, sigmoid_derivative, tanh, tanh_derivative
from rnn_math.core.types import Array
from rnn_math.symbolic.gru import equations as sym
from rnn_math.verification.mistakes import Mistake

__all__ = ["MISTAKES"]


# z and 1 − z swapped: the derivation of h^t = z ⊙ n + (1 − z) ⊙ h^{t−1} applied to PyTorch's cell.


def _swapped_delta_n_numpy(grad_h_t: Array, a_z_t: Array, a_n_t: Array, activation: str = "tanh") -> Array:
    return grad_h_t * sigmoid(a_z_t) * tanh_derivative(a_n_t)


def _swapped_delta_n_sympy(grad_h_t, a_z_t, a_n_t, activation="tanh"):
    return sym.delta_n(grad_h_t, -a_z_t, a_n_t, activation)  # 1 − σ(−a) = σ(a) = z^t


def _swapped_delta_z_numpy(grad_h_t: Array, h_prev: Array, n_t: Array, a_z_t: Array) -> Array:
    return grad_h_t * (n_t - h_prev) * sigmoid_derivative(a_z_t)


def _swapped_delta_z_sympy(grad_h_t, h_prev, n_t, a_z_t):
    return sym.delta_z(grad_h_t, n_t, h_prev, a_z_t)


def _swapped_carry_numpy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return (1 - z_t) * grad_h_t + delta_z_t @ W_hz + delta_r_t @ W_hr + (r_t * delta_n_t) @ W_hn


def _swapped_carry_sympy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return sym.carry(grad_h_t, z_t.applyfunc(lambda z: 1 - z), W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t)


def _swapped_cho_carry_numpy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return (1 - z_t) * grad_h_t + delta_z_t @ W_hz + delta_r_t @ W_hr + r_t * (delta_n_t @ W_hn)


def _swapped_cho_carry_sympy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return sym.cho_carry(
        grad_h_t, z_t.applyfunc(lambda z: 1 - z), W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t
    )


# The reset gate's path through W_hn h^{t−1} dropped from γ^t.


def _no_reset_path_numpy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return z_t * grad_h_t + delta_z_t @ W_hz + delta_r_t @ W_hr


def _no_reset_path_sympy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return z_t.multiply_elementwise(grad_h_t) + W_hz.T * delta_z_t + W_hr.T * delta_r_t


# The direct path z^t ⊙ ∂L/∂h^t dropped from γ^t.


def _no_direct_path_numpy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return delta_z_t @ W_hz + delta_r_t @ W_hr + (r_t * delta_n_t) @ W_hn


def _no_direct_path_sympy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return W_hz.T * delta_z_t + W_hr.T * delta_r_t + W_hn.T * r_t.multiply_elementwise(delta_n_t)


def _no_direct_path_cho_numpy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return delta_z_t @ W_hz + delta_r_t @ W_hr + r_t * (delta_n_t @ W_hn)


def _no_direct_path_cho_sympy(grad_h_t, z_t, W_hz, delta_z_t, W_hr, delta_r_t, W_hn, r_t, delta_n_t):
    return W_hz.T * delta_z_t + W_hr.T * delta_r_t + r_t.multiply_elementwise(W_hn.T * delta_n_t)


# b_hn left out of the reset gate's error (as if b_hn sat outside the product, as in Cho et al.'s form).


def _no_reset_bias_numpy(delta_n_t: Array, W_hn: Array, h_prev: Array, b_hn: Array, a_r_t: Array) -> Array:
    return delta_n_t * (h_prev @ W_hn.T) * sigmoid_derivative(a_r_t)


def _no_reset_bias_sympy(delta_n_t, W_hn, h_prev, b_hn, a_r_t):
    return sym.delta_r(delta_n_t, W_hn, h_prev, b_hn * 0, a_r_t)


# tanh' taken at the candidate n^t instead of at its pre-activation.


def _slope_at_candidate_numpy(grad_h_t: Array, a_z_t: Array, a_n_t: Array, activation: str = "tanh") -> Array:
    return grad_h_t * sigmoid(-a_z_t) * tanh_derivative(tanh(a_n_t))


def _slope_at_candidate_sympy(grad_h_t, a_z_t, a_n_t, activation="tanh"):
    from rnn_math.symbolic.activations import activation_function

    return sym.delta_n(grad_h_t, a_z_t, a_n_t.applyfunc(activation_function(activation)), activation)


UPDATE_GATE_SWAPPED = Mistake(
    name="gru-update-gate-swapped",
    model="gru",
    title=r"$z$ and $1 - z$ swapped",
    description=(
        r"Derived for $h^t = z^t \odot n^t + (1 - z^t) \odot h^{t-1}$, a convention some texts use, but applied to "
        r"PyTorch's cell, where $z^t$ keeps the old state."
    ),
    wrong_latex=r"\delta_n^t = \frac{\partial L}{\partial h^t} \odot z^t \odot \tanh'(a_n^t)",
    numpy={
        "eq-gru-delta-n": _swapped_delta_n_numpy,
        "eq-gru-delta-z": _swapped_delta_z_numpy,
        "eq-gru-carry": _swapped_carry_numpy,
        "eq-gru-cho-carry": _swapped_cho_carry_numpy,
    },
    sympy={
        "eq-gru-delta-n": _swapped_delta_n_sympy,
        "eq-gru-delta-z": _swapped_delta_z_sympy,
        "eq-gru-carry": _swapped_carry_sympy,
        "eq-gru-cho-carry": _swapped_cho_carry_sympy,
    },
)

RESET_PATH_DROPPED = Mistake(
    name="gru-reset-path-dropped",
    model="gru",
    title=r"The path through $W_{hn} h^{t-1}$ dropped",
    description=(
        r"$h^{t-1}$ also reaches the candidate through $W_{hn} h^{t-1}$, scaled by the reset gate; "
        r"forgetting it treats the reset gate's product as a constant."
    ),
    wrong_latex=(
        r"\gamma^t = z^t \odot \frac{\partial L}{\partial h^t}"
        r" + W_{hz}^\top \delta_z^t + W_{hr}^\top \delta_r^t"
    ),
    numpy={"eq-gru-carry": _no_reset_path_numpy, "eq-gru-cho-carry": _no_reset_path_numpy},
    sympy={"eq-gru-carry": _no_reset_path_sympy, "eq-gru-cho-carry": _no_reset_path_sympy},
)

DIRECT_PATH_DROPPED = Mistake(
    name="gru-direct-path-dropped",
    model="gru",
    title=r"The direct path $z^t \odot \partial L/\partial h^t$ dropped",
    description=(
        r"$h^t$ contains $z^t \odot h^{t-1}$ itself: the gradient that flows back through it unchanged is the one "
        r"that lets a GRU carry gradients far back, and the easiest to forget."
    ),
    wrong_latex=r"\gamma^t = W_{hz}^\top \delta_z^t + W_{hr}^\top \delta_r^t + W_{hn}^\top (r^t \odot \delta_n^t)",
    numpy={"eq-gru-carry": _no_direct_path_numpy, "eq-gru-cho-carry": _no_direct_path_cho_numpy},
    sympy={"eq-gru-carry": _no_direct_path_sympy, "eq-gru-cho-carry": _no_direct_path_cho_sympy},
)

RESET_BIAS_DROPPED = Mistake(
    name="gru-reset-bias-dropped",
    model="gru",
    title=r"$b_{hn}$ left out of the reset gate's error",
    description=(
        r"In PyTorch's form the reset gate multiplies $W_{hn} h^{t-1} + b_{hn}$, bias included; "
        r"copying the reset gate's gradient from the other form loses $b_{hn}$."
    ),
    wrong_latex=r"\delta_r^t = \delta_n^t \odot W_{hn} h^{t-1} \odot \sigma'(a_r^t)",
    numpy={"eq-gru-delta-r": _no_reset_bias_numpy},
    sympy={"eq-gru-delta-r": _no_reset_bias_sympy},
)

SLOPE_AT_CANDIDATE = Mistake(
    name="gru-slope-at-candidate",
    model="gru",
    title=r"$\tanh'$ taken at $n^t$",
    description=r"The slope belongs at the pre-activation $a_n^t$; $\tanh'(n^t)$ is $\tanh'(\tanh(a_n^t))$.",
    wrong_latex=r"\delta_n^t = \frac{\partial L}{\partial h^t} \odot (1 - z^t) \odot \tanh'(n^t)",
    numpy={"eq-gru-delta-n": _slope_at_candidate_numpy},
    sympy={"eq-gru-delta-n": _slope_at_candidate_sympy},
)

#: The GRU's catalogue, in the order the GRU page meets the equations they corrupt.
MISTAKES: tuple[Mistake, ...] = (
    UPDATE_GATE_SWAPPED,
    SLOPE_AT_CANDIDATE,
    RESET_BIAS_DROPPED,
    DIRECT_PATH_DROPPED,
    RESET_PATH_DROPPED,
)
