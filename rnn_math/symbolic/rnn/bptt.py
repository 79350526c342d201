"""SymPy twins of the BPTT equations, and their composition into every closed-form gradient.

Column vectors, as the pages write them: ``output_grads[t]`` is ŷ^t − y^t as a (|V|, 1) matrix,
``deltas[t]`` is δ^t as a (D_h, 1) matrix, and so on. Lists over steps are indexed from 0 for
step 1. [`gradients`][rnn_math.symbolic.rnn.bptt.gradients] composes the twins exactly as the BPTT
page composes the equations; it takes replacements by equation id, so that a wrong version of one
equation (a [`Mistake`][rnn_math.verification.mistakes.Mistake]) can be built and shown to fail the proofs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from rnn_math.core.registry import symbolic_twin
from rnn_math.symbolic.activations import activation_function
from rnn_math.symbolic.any_size import apply_entrywise, hadamard, one_hot_column
from rnn_math.symbolic.rnn.forward import SymbolicForward, softmax
from rnn_math.symbolic.types import Expr, Matrix

Activation = str | Callable[[Expr], Expr]


def one_hot(k: int | Expr, size: int | Expr) -> Matrix:
    """The one-hot column y with its 1 at index k (δ_{ik} if k or the size is a symbol)."""
    return one_hot_column(k, size)


def activation_derivative(activation: Activation) -> Callable[[Expr], Expr]:
    """σ' as a function of the pre-activation, obtained by SymPy's own differentiation of σ.

    For the sigmoid this is σ(z)(1 − σ(z)), for tanh 1 − tanh²(z), and for a generic activation
    g (see [`generic_activation`][rnn_math.verification.proof.generic_activation]) the symbolic g'(z).
    """
    sigma = activation_function(activation)
    x = sp.Dummy("x")
    derivative = sp.diff(sigma(x), x)
    return lambda z: derivative.xreplace({x: z})


@symbolic_twin("eq-bptt-output-grad")
def output_gradient(theta_t: Matrix, target_t: int | Expr) -> Matrix:
    """Twin of ∂L/∂θ^t = ŷ^t − y^t, with ŷ^t the softmax of θ^t."""
    return softmax(theta_t) - one_hot(target_t, theta_t.shape[0])


@symbolic_twin("eq-bptt-grad-u")
def grad_U(output_grads: Sequence[Matrix], h: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂U = Σ_t (ŷ^t − y^t)(h^t)ᵀ; `h` holds h^1..h^T."""
    return sp.Add(*[g * h_t.T for g, h_t in zip(output_grads, h, strict=True)])


@symbolic_twin("eq-bptt-grad-b2")
def grad_b_2(output_grads: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_2 = Σ_t (ŷ^t − y^t)."""
    return sp.Add(*output_grads)


@symbolic_twin("eq-bptt-hidden-grad")
def hidden_gradient(U: Matrix, output_grad_t: Matrix, W_h: Matrix, delta_next: Matrix) -> Matrix:
    """Twin of ∂L/∂h^t = Uᵀ(ŷ^t − y^t) + W_hᵀ δ^{t+1}."""
    return U.T * output_grad_t + W_h.T * delta_next


@symbolic_twin("eq-bptt-delta")
def delta(grad_h_t: Matrix, z_t: Matrix, activation: Activation = "sigmoid") -> Matrix:
    """Twin of δ^t = ∂L/∂h^t ⊙ σ'(z^t)."""
    return hadamard(grad_h_t, apply_entrywise(activation_derivative(activation), z_t))


@symbolic_twin("eq-bptt-grad-wh")
def grad_W_h(deltas: Sequence[Matrix], h_prev: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_h = Σ_t δ^t (h^{t-1})ᵀ; `h_prev` holds h^0..h^{T-1}."""
    return sp.Add(*[d * h.T for d, h in zip(deltas, h_prev, strict=True)])


@symbolic_twin("eq-bptt-grad-we")
def grad_W_e(deltas: Sequence[Matrix], xs: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂W_e = Σ_t δ^t (x^t)ᵀ."""
    return sp.Add(*[d * x.T for d, x in zip(deltas, xs, strict=True)])


@symbolic_twin("eq-bptt-grad-b1")
def grad_b_1(deltas: Sequence[Matrix]) -> Matrix:
    """Twin of ∂L/∂b_1 = Σ_t δ^t."""
    return sp.Add(*deltas)


@symbolic_twin("eq-bptt-grad-h0")
def grad_h_0(W_h: Matrix, delta_1: Matrix) -> Matrix:
    """Twin of ∂L/∂h^0 = W_hᵀ δ^1."""
    return W_h.T * delta_1


@symbolic_twin("eq-bptt-grad-x")
def grad_x(W_e: Matrix, delta_t: Matrix) -> Matrix:
    """Twin of ∂L/∂x^t = W_eᵀ δ^t."""
    return W_e.T * delta_t


@dataclass(frozen=True)
class SymbolicGradients:
    """Closed-form gradients of the unrolled loss, each shaped like its variable (biases as columns).

    ``as_dict()`` keys them by the variable's name: ``W_h``, ``W_e``, ``b_1``, ``U``, ``b_2``,
    ``h_0``, and ``x_1`` … ``x_T`` for the inputs.
    """

    W_h: Matrix
    W_e: Matrix
    b_1: Matrix
    U: Matrix
    b_2: Matrix
    h_0: Matrix
    xs: tuple[Matrix, ...]
    deltas: tuple[Matrix, ...]
    output_grads: tuple[Matrix, ...]

    def as_dict(self) -> dict[str, Matrix]:
        """Every gradient by the name of its variable."""
        named = {"W_h": self.W_h, "W_e": self.W_e, "b_1": self.b_1, "U": self.U, "b_2": self.b_2, "h_0": self.h_0}
        return named | {f"x_{t + 1}": g for t, g in enumerate(self.xs)}


def gradients(
    fwd: SymbolicForward,
    W_h: Matrix,
    W_e: Matrix,
    U: Matrix,
    xs: Sequence[Matrix],
    targets: Sequence[int],
    *,
    activation: Activation = "sigmoid",
    replace: Mapping[str, Callable[..., Matrix]] | None = None,
) -> SymbolicGradients:
    """Compose the twins into every gradient, as the BPTT page composes the equations.

    Parameters
    ----------
    fwd
        The symbolic forward pass ([`rnn_math.symbolic.rnn.forward.forward`][rnn_math.symbolic.rnn.forward.forward]).
    W_h, W_e, U
        The weights it was built with.
    xs, targets
        Its inputs (columns) and correct indices.
    activation
        ``"sigmoid"``, ``"tanh"`` or a SymPy function (a generic activation g).
    replace
        Optional replacements by equation id (same signature as the twin), to build a wrong
        version of one equation for a negative control.

    Returns
    -------
    SymbolicGradients
        ∂L/∂W_h, ∂L/∂W_e, ∂L/∂b_1, ∂L/∂U, ∂L/∂b_2, ∂L/∂h^0, ∂L/∂x^t, and the δ^t and ŷ^t − y^t.
    """
    # Imported at call time: the registry must be complete, and the NumPy side names the composed ids.
    from rnn_math.rnn.composer import BACKWARD_EQUATIONS
    from rnn_math.verification.declaration import equation_functions

    eq = equation_functions(BACKWARD_EQUATIONS, replace, side="sympy")
    T = len(fwd.z)
    output_grads = [eq["eq-bptt-output-grad"](fwd.theta[t], targets[t]) for t in range(T)]
    deltas: list[Matrix] = [sp.zeros(W_h.rows, 1)] * T
    delta_next = sp.zeros(W_h.rows, 1)  # δ^{T+1} = 0
    for t in reversed(range(T)):
        grad_h = eq["eq-bptt-hidden-grad"](U, output_grads[t], W_h, delta_next)
        deltas[t] = delta_next = eq["eq-bptt-delta"](grad_h, fwd.z[t], activation)
    return SymbolicGradients(
        W_h=eq["eq-bptt-grad-wh"](deltas, fwd.h[:-1]),
        W_e=eq["eq-bptt-grad-we"](deltas, list(xs)),
        b_1=eq["eq-bptt-grad-b1"](deltas),
        U=eq["eq-bptt-grad-u"](output_grads, fwd.h[1:]),
        b_2=eq["eq-bptt-grad-b2"](output_grads),
        h_0=eq["eq-bptt-grad-h0"](W_h, deltas[0]),
        xs=tuple(eq["eq-bptt-grad-x"](W_e, d) for d in deltas),
        deltas=tuple(deltas),
        output_grads=tuple(output_grads),
    )
