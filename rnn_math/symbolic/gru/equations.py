"""SymPy twins of the GRU's forward and backward equations, with column vectors as the GRU page writes them.

Each twin has the signature of the NumPy function it shadows (in
[`rnn_math.gru.forward_equations`][rnn_math.gru.forward_equations],
[`rnn_math.gru.backward_equations`][rnn_math.gru.backward_equations] and
[`rnn_math.gru.cho_equations`][rnn_math.gru.cho_equations]); sums over t take lists over steps.
The gates use the compact [`Sigmoid`][rnn_math.symbolic.activations.Sigmoid]; the candidate's
activation is ``"tanh"`` or any SymPy function (a generic g, whose derivative stays symbolic).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.activations import Sigmoid, activation_function
from rnn_math.symbolic.rnn.bptt import activation_derivative
from rnn_math.symbolic.types import Expr, Matrix

Activation = str | Callable[[Expr], Expr]


def _sigmoid_slope(a: Matrix) -> Matrix:
    return a.applyfunc(activation_derivative("sigmoid"))


@symbolic_twin("eq-gru-reset")
def reset_gate(
    W_ir: Matrix, x_t: Matrix, b_ir: Matrix, W_hr: Matrix, h_prev: Matrix, b_hr: Matrix
) -> tuple[Matrix, Matrix]:
    """Twin of a_r^t = W_ir x^t + b_ir + W_hr h^{t-1} + b_hr and r^t = σ(a_r^t)."""
    a_r = W_ir * x_t + b_ir + W_hr * h_prev + b_hr
    return a_r, a_r.applyfunc(Sigmoid)


@symbolic_twin("eq-gru-update")
def update_gate(
    W_iz: Matrix, x_t: Matrix, b_iz: Matrix, W_hz: Matrix, h_prev: Matrix, b_hz: Matrix
) -> tuple[Matrix, Matrix]:
    """Twin of a_z^t = W_iz x^t + b_iz + W_hz h^{t-1} + b_hz and z^t = σ(a_z^t)."""
    a_z = W_iz * x_t + b_iz + W_hz * h_prev + b_hz
    return a_z, a_z.applyfunc(Sigmoid)


@symbolic_twin("eq-gru-candidate")
def candidate(
    W_in: Matrix,
    x_t: Matrix,
    b_in: Matrix,
    r_t: Matrix,
    W_hn: Matrix,
    h_prev: Matrix,
    b_hn: Matrix,
    activation: Activation = "tanh",
) -> tuple[Matrix, Matrix]:
    """Twin of a_n^t = W_in x^t + b_in + r^t ⊙ (W_hn h^{t-1} + b_hn) and n^t = tanh(a_n^t)."""
    a_n = W_in * x_t + b_in + r_t.multiply_elementwise(W_hn * h_prev + b_hn)
    return a_n, a_n.applyfunc(activation_function(activation))


@symbolic_twin("eq-gru-cho-candidate")
def cho_candidate(
    W_in: Matrix,
    x_t: Matrix,
    b_in: Matrix,
    r_t: Matrix,
    W_hn: Matrix,
    h_prev: Matrix,
    b_hn: Matrix,
    activation: Activation = "tanh",
) -> tuple[Matrix, Matrix]:
    """Twin of a_n^t = W_in x^t + b_in + W_hn (r^t ⊙ h^{t-1}) + b_hn and n^t = tanh(a_n^t)."""
    a_n = W_in * x_t + b_in + W_hn * r_t.multiply_elementwise(h_prev) + b_hn
    return a_n, a_n.applyfunc(activation_function(activation))


@symbolic_twin("eq-gru-state")
def new_state(z_t: Matrix, n_t: Matrix, h_prev: Matrix) -> Matrix:
    """Twin of h^t = (1 − z^t) ⊙ n^t + z^t ⊙ h^{t-1}."""
    return z_t.applyfunc(lambda z: 1 - z).multiply_elementwise(n_t) + z_t.multiply_elementwise(h_prev)


@symbolic_twin("eq-gru-hidden-grad")
def hidden_gradient(U: Matrix, output_grad_t: Matrix, carry_next: Matrix) -> Matrix:
    """Twin of ∂L/∂h^t = Uᵀ(ŷ^t − y^t) + γ^{t+1}."""
    return U.T * output_grad_t + carry_next


@symbolic_twin("eq-gru-delta-n")
def delta_n(grad_h_t: Matrix, a_z_t: Matrix, a_n_t: Matrix, activation: Activation = "tanh") -> Matrix:
    """Twin of δ_n^t = ∂L/∂h^t ⊙ (1 − z^t) ⊙ tanh'(a_n^t), with z^t = σ(a_z^t)."""
    slope = a_n_t.applyfunc(activation_derivative(activation))
    return grad_h_t.multiply_elementwise(a_z_t.applyfunc(lambda a: 1 - Sigmoid(a))).multiply_elementwise(slope)


@symbolic_twin("eq-gru-delta-z")
def delta_z(grad_h_t: Matrix, h_prev: Matrix, n_t: Matrix, a_z_t: Matrix) -> Matrix:
    """Twin of δ_z^t = ∂L/∂h^t ⊙ (h^{t-1} − n^t) ⊙ σ'(a_z^t)."""
    return grad_h_t.multiply_elementwise(h_prev - n_t).multiply_elementwise(_sigmoid_slope(a_z_t))


@symbolic_twin("eq-gru-delta-r")
def delta_r(delta_n_t: Matrix, W_hn: Matrix, h_prev: Matrix, b_hn: Matrix, a_r_t: Matrix) -> Matrix:
    """Twin of δ_r^t = δ_n^t ⊙ (W_hn h^{t-1} + b_hn) ⊙ σ'(a_r^t)."""
    return delta_n_t.multiply_elementwise(W_hn * h_prev + b_hn).multiply_elementwise(_sigmoid_slope(a_r_t))


@symbolic_twin("eq-gru-carry")
def carry(
    grad_h_t: Matrix,
    z_t: Matrix,
    W_hz: Matrix,
    delta_z_t: Matrix,
    W_hr: Matrix,
    delta_r_t: Matrix,
    W_hn: Matrix,
    r_t: Matrix,
    delta_n_t: Matrix,
) -> Matrix:
    """Twin of γ^t = z^t ⊙ ∂L/∂h^t + W_hzᵀ δ_z^t + W_hrᵀ δ_r^t + W_hnᵀ (r^t ⊙ δ_n^t)."""
    return (
        z_t.multiply_elementwise(grad_h_t)
        + W_hz.T * delta_z_t
        + W_hr.T * delta_r_t
        + W_hn.T * r_t.multiply_elementwise(delta_n_t)
    )


@symbolic_twin("eq-gru-grad-wi")
def grad_W_i(deltas: Sequence[Matrix], xs: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_i⋆ = Σ_t δ_⋆^t (x^t)ᵀ."""
    return sp.Add(*[d * x.T for d, x in zip(deltas, xs, strict=True)])


@symbolic_twin("eq-gru-grad-wh")
def grad_W_h(deltas: Sequence[Matrix], h_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_h⋆ = Σ_t δ_⋆^t (h^{t-1})ᵀ."""
    return sp.Add(*[d * h.T for d, h in zip(deltas, h_prev, strict=True)])


@symbolic_twin("eq-gru-grad-b")
def grad_b(deltas: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_i⋆ = ∂L/∂b_h⋆ = Σ_t δ_⋆^t (and ∂L/∂b_in = Σ_t δ_n^t)."""
    return sp.Add(*deltas)


@symbolic_twin("eq-gru-grad-whn")
def grad_W_hn(r: Sequence[Matrix], deltas_n: Sequence[Matrix], h_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_hn = Σ_t (r^t ⊙ δ_n^t)(h^{t-1})ᵀ."""
    return sp.Add(*[r_t.multiply_elementwise(d) * h.T for r_t, d, h in zip(r, deltas_n, h_prev, strict=True)])


@symbolic_twin("eq-gru-grad-bhn")
def grad_b_hn(r: Sequence[Matrix], deltas_n: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_hn = Σ_t r^t ⊙ δ_n^t."""
    return sp.Add(*[r_t.multiply_elementwise(d) for r_t, d in zip(r, deltas_n, strict=True)])


@symbolic_twin("eq-gru-grad-x")
def grad_x(W_ir: Matrix, delta_r_t: Matrix, W_iz: Matrix, delta_z_t: Matrix, W_in: Matrix, delta_n_t: Matrix) -> Matrix:
    """Twin of ∂L/∂x^t = W_irᵀ δ_r^t + W_izᵀ δ_z^t + W_inᵀ δ_n^t."""
    return W_ir.T * delta_r_t + W_iz.T * delta_z_t + W_in.T * delta_n_t


@symbolic_twin("eq-gru-cho-delta-r")
def cho_delta_r(delta_n_t: Matrix, W_hn: Matrix, h_prev: Matrix, a_r_t: Matrix) -> Matrix:
    """Twin of δ_r^t = (W_hnᵀ δ_n^t) ⊙ h^{t-1} ⊙ σ'(a_r^t)."""
    return (W_hn.T * delta_n_t).multiply_elementwise(h_prev).multiply_elementwise(_sigmoid_slope(a_r_t))


@symbolic_twin("eq-gru-cho-carry")
def cho_carry(
    grad_h_t: Matrix,
    z_t: Matrix,
    W_hz: Matrix,
    delta_z_t: Matrix,
    W_hr: Matrix,
    delta_r_t: Matrix,
    W_hn: Matrix,
    r_t: Matrix,
    delta_n_t: Matrix,
) -> Matrix:
    """Twin of γ^t = z^t ⊙ ∂L/∂h^t + W_hzᵀ δ_z^t + W_hrᵀ δ_r^t + r^t ⊙ (W_hnᵀ δ_n^t)."""
    return (
        z_t.multiply_elementwise(grad_h_t)
        + W_hz.T * delta_z_t
        + W_hr.T * delta_r_t
        + r_t.multiply_elementwise(W_hn.T * delta_n_t)
    )


@symbolic_twin("eq-gru-cho-grad-whn")
def cho_grad_W_hn(r: Sequence[Matrix], deltas_n: Sequence[Matrix], h_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_hn = Σ_t δ_n^t (r^t ⊙ h^{t-1})ᵀ."""
    return sp.Add(*[d * r_t.multiply_elementwise(h).T for r_t, d, h in zip(r, deltas_n, h_prev, strict=True)])


@symbolic_twin("eq-gru-cho-grad-bhn")
def cho_grad_b_hn(r: Sequence[Matrix], deltas_n: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_hn = Σ_t δ_n^t."""
    return sp.Add(*deltas_n)
