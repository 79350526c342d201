"""SymPy twins of the LSTM's backward equations, and their composition into every closed-form gradient.

Column vectors, as the LSTM page writes them.
[`closed_form_gradients`][rnn_math.symbolic.lstm.backward.closed_form_gradients] composes the twins
exactly as [`lstm_gradients`][rnn_math.lstm.composer.lstm_gradients] composes the NumPy functions,
forward pass included, so that a wrong version of any equation (a
[`Mistake`][rnn_math.verification.mistakes.Mistake]) can be built and shown to fail the proofs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.lstm.params import GATE_ORDER
from rnn_math.lstm.results import LSTMStep
from rnn_math.symbolic.lstm.forward import Activation, SymbolicLSTMForward, forward
from rnn_math.symbolic.rnn.bptt import activation_derivative
from rnn_math.symbolic.types import Matrix


def _slope(activation: Activation, z: Matrix) -> Matrix:
    return z.applyfunc(activation_derivative(activation))


@symbolic_twin("eq-lstm-hidden-grad")
def hidden_gradient(U: Matrix, output_grad_t: Matrix, W_hh: Matrix, delta_next: Matrix) -> Matrix:
    """Twin of ∂L/∂h^t = Uᵀ(ŷ^t − y^t) + W_hhᵀ δ^{t+1}."""
    return U.T * output_grad_t + W_hh.T * delta_next


@symbolic_twin("eq-lstm-output-gate-grad")
def output_gate_delta(grad_h_t: Matrix, step: LSTMStep) -> Matrix:
    """Twin of δ_o^t = ∂L/∂h^t ⊙ tanh(c^t) ⊙ sigmoid'(a_o^t)."""
    return grad_h_t.multiply_elementwise(step.c.applyfunc(sp.tanh)).multiply_elementwise(_slope("sigmoid", step.a_o))


@symbolic_twin("eq-lstm-cell-grad")
def cell_gradient(grad_h_t: Matrix, step: LSTMStep, f_next: Matrix, grad_c_next: Matrix) -> Matrix:
    """Twin of ∂L/∂c^t = ∂L/∂h^t ⊙ o^t ⊙ tanh'(c^t) + f^{t+1} ⊙ ∂L/∂c^{t+1}."""
    through_h = grad_h_t.multiply_elementwise(step.o).multiply_elementwise(_slope("tanh", step.c))
    return through_h + f_next.multiply_elementwise(grad_c_next)


@symbolic_twin("eq-lstm-forget-gate-grad")
def forget_gate_delta(grad_c_t: Matrix, step: LSTMStep) -> Matrix:
    """Twin of δ_f^t = ∂L/∂c^t ⊙ c^{t-1} ⊙ sigmoid'(a_f^t)."""
    return grad_c_t.multiply_elementwise(step.c_prev).multiply_elementwise(_slope("sigmoid", step.a_f))


@symbolic_twin("eq-lstm-input-gate-grad")
def input_gate_delta(grad_c_t: Matrix, step: LSTMStep) -> Matrix:
    """Twin of δ_i^t = ∂L/∂c^t ⊙ g^t ⊙ sigmoid'(a_i^t)."""
    return grad_c_t.multiply_elementwise(step.g).multiply_elementwise(_slope("sigmoid", step.a_i))


@symbolic_twin("eq-lstm-candidate-grad")
def candidate_delta(grad_c_t: Matrix, step: LSTMStep, candidate: Activation = "tanh") -> Matrix:
    """Twin of δ_g^t = ∂L/∂c^t ⊙ i^t ⊙ tanh'(a_g^t) (or the generic candidate's derivative)."""
    return grad_c_t.multiply_elementwise(step.i).multiply_elementwise(_slope(candidate, step.a_g))


@symbolic_twin("eq-lstm-gate-stack")
def stack_gate_deltas(delta_i: Matrix, delta_f: Matrix, delta_g: Matrix, delta_o: Matrix) -> Matrix:
    """Twin of δ^t = [δ_i; δ_f; δ_g; δ_o], stacked in the order i, f, g, o."""
    blocks = {"i": delta_i, "f": delta_f, "g": delta_g, "o": delta_o}
    return sp.Matrix.vstack(*[blocks[gate] for gate in GATE_ORDER])


@symbolic_twin("eq-lstm-grad-whh")
def grad_W_hh(deltas: Sequence[Matrix], h_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_hh = Σ_t δ^t (h^{t-1})ᵀ; `h_prev` holds h^0..h^{T-1}."""
    return sp.Add(*[d * h.T for d, h in zip(deltas, h_prev, strict=True)])


@symbolic_twin("eq-lstm-grad-wih")
def grad_W_ih(deltas: Sequence[Matrix], xs: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_ih = Σ_t δ^t (x^t)ᵀ."""
    return sp.Add(*[d * x.T for d, x in zip(deltas, xs, strict=True)])


@symbolic_twin("eq-lstm-grad-biases")
def grad_biases(deltas: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_ih = ∂L/∂b_hh = Σ_t δ^t."""
    return sp.Add(*deltas)


@symbolic_twin("eq-lstm-grad-h0")
def grad_h_0(W_hh: Matrix, delta_1: Matrix) -> Matrix:
    """Twin of ∂L/∂h^0 = W_hhᵀ δ^1."""
    return W_hh.T * delta_1


@symbolic_twin("eq-lstm-grad-c0")
def grad_c_0(f_1: Matrix, grad_c_1: Matrix) -> Matrix:
    """Twin of ∂L/∂c^0 = f^1 ⊙ ∂L/∂c^1."""
    return f_1.multiply_elementwise(grad_c_1)


@symbolic_twin("eq-lstm-grad-x")
def grad_x(W_ih: Matrix, delta_t: Matrix) -> Matrix:
    """Twin of ∂L/∂x^t = W_ihᵀ δ^t."""
    return W_ih.T * delta_t


@dataclass(frozen=True)
class SymbolicLSTMGradients:
    """Closed-form gradients by variable name, and the errors of the backward pass by step (index 0 is step 1)."""

    gradients: dict[str, Matrix]
    deltas: tuple[Matrix, ...]
    grad_c: tuple[Matrix, ...]
    output_grads: tuple[Matrix, ...]
    forward: SymbolicLSTMForward


def closed_form_gradients(
    params: Mapping[str, Matrix],
    xs: Sequence[Matrix],
    targets: Sequence[int],
    *,
    h_0: Matrix,
    c_0: Matrix,
    candidate: Activation = "tanh",
    replace: Mapping[str, Callable[..., object]] | None = None,
) -> SymbolicLSTMGradients:
    """Compose the twins into every gradient, forward pass included, as the LSTM page composes the equations.

    Parameters
    ----------
    params, xs, targets, h_0, c_0, candidate
        As for [`forward`][rnn_math.symbolic.lstm.forward.forward].
    replace
        Wrong versions of twins by equation id; used in the forward pass and the backward pass alike.

    Returns
    -------
    SymbolicLSTMGradients
        ``gradients`` keyed ``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``, ``U``, ``b_2``, ``h_0``, ``c_0``,
        ``x_1`` … ``x_T``.
    """
    from rnn_math.lstm.composer import COMPOSED
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(COMPOSED, replace, side="sympy")
    fwd = forward(params, xs, targets, h_0=h_0, c_0=c_0, candidate=candidate, replace=replace)
    T = len(xs)
    output_grads = [eq["eq-bptt-output-grad"](fwd.theta[t], targets[t]) for t in range(T)]
    deltas: list[Matrix] = [sp.zeros(1, 1)] * T
    grad_c: list[Matrix] = [sp.zeros(1, 1)] * T
    delta_next = sp.zeros(params["W_hh"].rows, 1)  # δ^{T+1} = 0
    grad_c_next = f_next = sp.zeros(h_0.rows, 1)  # ∂L/∂c^{T+1} = 0
    for t in reversed(range(T)):
        step = fwd.steps[t]
        grad_h = eq["eq-lstm-hidden-grad"](params["U"], output_grads[t], params["W_hh"], delta_next)
        grad_c[t] = grad_c_next = eq["eq-lstm-cell-grad"](grad_h, step, f_next, grad_c_next)
        deltas[t] = delta_next = eq["eq-lstm-gate-stack"](
            eq["eq-lstm-input-gate-grad"](grad_c_next, step),
            eq["eq-lstm-forget-gate-grad"](grad_c_next, step),
            eq["eq-lstm-candidate-grad"](grad_c_next, step, candidate=candidate),
            eq["eq-lstm-output-gate-grad"](grad_h, step),
        )
        f_next = step.f
    bias = eq["eq-lstm-grad-biases"](deltas)
    gradients = {
        "W_ih": eq["eq-lstm-grad-wih"](deltas, list(xs)), "W_hh": eq["eq-lstm-grad-whh"](deltas, fwd.h[:-1]),
        "b_ih": bias, "b_hh": bias, "U": eq["eq-bptt-grad-u"](output_grads, fwd.h[1:]),
        "b_2": eq["eq-bptt-grad-b2"](output_grads), "h_0": eq["eq-lstm-grad-h0"](params["W_hh"], deltas[0]),
        "c_0": eq["eq-lstm-grad-c0"](fwd.steps[0].f, grad_c[0]),
    }  # fmt: skip
    gradients |= {f"x_{t + 1}": eq["eq-lstm-grad-x"](params["W_ih"], deltas[t]) for t in range(T)}
    return SymbolicLSTMGradients(gradients, tuple(deltas), tuple(grad_c), tuple(output_grads), fwd)
