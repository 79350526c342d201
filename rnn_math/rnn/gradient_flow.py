"""How a gradient travels back through time: Jacobian products and the bound on their norm.

The hidden state h^t depends on an earlier state h^k only through the chain
h^k → h^{k+1} → … → h^t, so its Jacobian is a product of one-step Jacobians
diag(σ'(z^j)) W_h, the latest step on the left. Each factor has spectral norm at most γ λ_1
(γ = max σ', λ_1 = largest singular value of W_h), which gives Pascanu, Mikolov and Bengio's
(2013) bound ‖∂h^t/∂h^k‖ ≤ (γ λ_1)^{t−k}.

Conventions as in [`rnn_math.rnn.forward`][rnn_math.rnn.forward]: pre-activations are stored one step
per row, ``z[j - 1]`` is z^j, and any leading axes are a batch. Jacobians are returned in the
page's column convention: ``J[..., a, b] = ∂h^t_a / ∂h^k_b``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rnn_math.core.activations import get_activation
from rnn_math.core.registry import equation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes
from rnn_math.rnn.bptt import delta, hidden_gradient


def _check_step(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer step, got {type(value).__name__}")
    return int(value)


def _check_steps(name_k: str, k: object, name_t: str, t: object, T: int) -> tuple[int, int]:
    step_k, step_t = _check_step(name_k, k), _check_step(name_t, t)
    if not 0 <= step_k <= step_t <= T:
        raise ValueError(
            f"{name_k}, {name_t}: expected 0 <= {name_k} <= {name_t} <= T = {T}, "
            f"got {name_k}={step_k}, {name_t}={step_t}"
        )
    return step_k, step_t


@equation(
    "eq-step-jacobian",
    title="One-step Jacobian",
    latex=r"\frac{\partial h^{j}}{\partial h^{j-1}} = \operatorname{diag}\bigl(\sigma'(z^{j})\bigr)\, W_h",
)
def step_jacobian(W_h: Array, z_j: Array, activation: str = "sigmoid") -> Array:
    """Jacobian of h^j = σ(W_h h^{j−1} + W_e x^j + b_1) with respect to h^{j−1}.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    z_j
        The pre-activation z^j, shape (..., D_h).
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h, D_h): row a of W_h scaled by σ'(z^j_a).
    """
    return get_activation(activation).derivative(z_j)[..., :, None] * W_h


@equation(
    "eq-jacobian-product",
    title="Jacobian across many steps",
    latex=(
        r"\frac{\partial h^{t}}{\partial h^{k}} = \prod_{j=k+1}^{t} \frac{\partial h^{j}}{\partial h^{j-1}}"
        r" = \operatorname{diag}\bigl(\sigma'(z^{t})\bigr) W_h \,\cdots\,"
        r" \operatorname{diag}\bigl(\sigma'(z^{k+1})\bigr) W_h"
    ),
)
def hidden_jacobian(W_h: ArrayLike, z: ArrayLike, k: int, t: int, activation: str = "sigmoid") -> Array:
    """∂h^t/∂h^k: the one-step Jacobians of steps k+1..t multiplied, the latest on the left.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    z
        Pre-activations z^1..z^T, shape (..., T, D_h) (``z[..., j - 1, :]`` is z^j).
    k, t
        Steps with 0 <= k <= t <= T; k = t gives the identity.
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Shape (..., D_h, D_h); entry [a, b] is ∂h^t_a / ∂h^k_b.

    Raises
    ------
    TypeError, ValueError
        On non-float or non-finite arrays, mismatched shapes, or steps outside 0..T.
    """
    W_h = as_float_array("W_h", W_h, ndim=2)
    z = as_float_array("z", z)
    if z.ndim < 2:
        raise ValueError(f"z: expected shape (..., T, D_h), got {z.shape}")
    check_shapes([("W_h", W_h.shape, ("D_h", "D_h")), ("z", z.shape[-1:], ("D_h",))])
    get_activation(activation)
    k, t = _check_steps("k", k, "t", t, z.shape[-2])
    jacobian = np.broadcast_to(np.eye(W_h.shape[0], dtype=z.dtype), (*z.shape[:-2], *W_h.shape)).copy()
    for j in range(k + 1, t + 1):
        # Step j acts on what steps k+1..j-1 produced, so its factor multiplies from the left.
        jacobian = step_jacobian(W_h, z[..., j - 1, :], activation) @ jacobian
    return jacobian


def lag_jacobians(W_h: ArrayLike, z: ArrayLike, activation: str = "sigmoid") -> Array:
    """∂h^T/∂h^t for every t = 0..T along one sequence: the products of the one-step Jacobians.

    Built from the last step backwards, ``J[T] = I`` and ``J[t] = J[t + 1] · ∂h^{t+1}/∂h^t``, so each
    product is formed once (what [`hidden_jacobian`][rnn_math.rnn.gradient_flow.hidden_jacobian]
    would give for k = t, t = T, at the cost of one product per step for all of them).

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    z
        Pre-activations z^1..z^T of one sequence, shape (T, D_h) (``z[j - 1]`` is z^j).
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Shape (T + 1, D_h, D_h); entry [t, a, b] is ∂h^T_a / ∂h^t_b.
    """
    W_h = as_float_array("W_h", W_h, ndim=2)
    z = as_float_array("z", z, ndim=2)
    check_shapes([("W_h", W_h.shape, ("D_h", "D_h")), ("z", z.shape, ("T", "D_h"))])
    get_activation(activation)
    T = z.shape[0]
    jacobians = np.empty((T + 1, *W_h.shape), dtype=z.dtype)
    jacobians[T] = np.eye(W_h.shape[0], dtype=z.dtype)
    for t in reversed(range(T)):
        # The factor of step t + 1 acts first on h^t, so it stands on the right.
        jacobians[t] = jacobians[t + 1] @ step_jacobian(W_h, z[t], activation)
    return jacobians


def largest_singular_value(W_h: ArrayLike) -> float:
    """λ_1: the largest singular value of W_h, which is its spectral norm ‖W_h‖_2.

    Parameters
    ----------
    W_h
        A square matrix.
    """
    W_h = as_float_array("W_h", W_h, ndim=2)
    return float(np.linalg.norm(W_h, 2))


@equation(
    "eq-jacobian-bound",
    title="Bound on the Jacobian's norm",
    latex=(
        r"\Bigl\lVert \frac{\partial h^{t}}{\partial h^{k}} \Bigr\rVert_2"
        r" \le \prod_{j=k+1}^{t} \bigl\lVert \operatorname{diag}(\sigma'(z^{j})) \bigr\rVert_2 \lVert W_h \rVert_2"
        r" \le (\gamma\, \lambda_1)^{t-k}"
    ),
)
def jacobian_norm_bound(W_h: ArrayLike, lag: int, activation: str = "sigmoid", *, gamma: float | None = None) -> float:
    """(γ λ_1)^{t−k}: the bound on ‖∂h^t/∂h^k‖_2 that holds whatever the inputs.

    Parameters
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    lag
        t − k, a non-negative integer.
    activation
        ``"sigmoid"`` (γ = 1/4) or ``"tanh"`` (γ = 1); ignored when `gamma` is given.
    gamma
        A bound on σ' to use instead of the activation's own (for experiments; a value below the
        true maximum of σ' gives a "bound" that real networks violate).

    Returns
    -------
    float
        (γ λ_1)^lag.
    """
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ValueError(f"lag: expected a non-negative integer t - k, got {lag!r}")
    g = get_activation(activation).derivative_bound if gamma is None else float(gamma)
    return float((g * largest_singular_value(W_h)) ** int(lag))


@equation(
    "eq-last-loss-hidden-grad",
    title="Gradient of the last loss at an earlier state",
    latex=(
        r"\frac{\partial L^{T}}{\partial h^{k}} = \Bigl(\frac{\partial h^{T}}{\partial h^{k}}\Bigr)^{\!\top}"
        r" \frac{\partial L^{T}}{\partial h^{T}},\qquad"
        r" \frac{\partial L^{T}}{\partial h^{T}} = U^\top (\hat{y}^T - y^T)"
    ),
)
def last_loss_hidden_gradients(
    U: Array, W_h: Array, output_grad_T: Array, z: Array, activation: str = "sigmoid"
) -> Array:
    """∂L^T/∂h^k for every k = 0..T: how much the *last* step's loss feels each earlier state.

    Computed by the BPTT recursion of [`hidden_gradient`][rnn_math.rnn.backward_equations.hidden_gradient] and
    [`delta`][rnn_math.rnn.backward_equations.delta] with every output gradient but the last set to zero, which
    multiplies by the transposed one-step Jacobians one at a time (never forming the product).

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    W_h
        Recurrent weights, shape (D_h, D_h).
    output_grad_T
        ŷ^T − y^T, shape (..., |V|).
    z
        Pre-activations z^1..z^T, shape (..., T, D_h).
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Shape (..., T + 1, D_h); row k is ∂L^T/∂h^k (row 0 is the initial state's).
    """
    T = z.shape[-2]
    grads = np.empty((*z.shape[:-2], T + 1, z.shape[-1]), dtype=z.dtype)
    no_output = np.zeros_like(output_grad_T)
    grads[..., T, :] = hidden_gradient(U, output_grad_T, W_h, np.zeros_like(z[..., 0, :]))
    for k in range(T - 1, -1, -1):
        delta_next = delta(grads[..., k + 1, :], z[..., k, :], activation)  # δ^{k+1}, from L^T alone
        grads[..., k, :] = hidden_gradient(U, no_output, W_h, delta_next)
    return grads


@equation(
    "eq-recurrent-grad-unrolled",
    title="The recurrent weights' gradient as a double sum over time",
    latex=(
        r"\frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} \sum_{k=1}^{t}"
        r" \operatorname{diag}\bigl(\sigma'(z^{k})\bigr)"
        r" \Bigl(\frac{\partial h^{t}}{\partial h^{k}}\Bigr)^{\!\top}"
        r" \frac{\partial L^{t}}{\partial h^{t}}\, (h^{k-1})^\top"
    ),
)
def unrolled_recurrent_gradient(
    U: Array, W_h: Array, output_grads: Array, z: Array, h: Array, activation: str = "sigmoid"
) -> Array:
    """∂L/∂W_h term by term: each loss L^t reaches each earlier use k ≤ t of W_h.

    This is the chain rule written out before BPTT reorganises it: the Jacobian products are
    formed (so it costs O(T²) products, and is meant for reading, not training). For each k, the
    factors left of (h^{k−1})ᵀ summed over t ≥ k are δ^k, which turns this double sum into
    BPTT's [`grad_W_h`][rnn_math.rnn.backward_equations.grad_W_h].

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    W_h
        Recurrent weights, shape (D_h, D_h).
    output_grads
        ŷ^t − y^t for t = 1..T, shape (T, |V|); ∂L^t/∂h^t = Uᵀ(ŷ^t − y^t).
    z
        Pre-activations z^1..z^T, shape (T, D_h).
    h
        Hidden states h^0..h^T, shape (T + 1, D_h).
    activation
        ``"sigmoid"`` or ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h).

    Raises
    ------
    TypeError, ValueError
        On non-float or non-finite arrays, or shapes that do not fit together.
    """
    U = as_float_array("U", U, ndim=2)
    W_h = as_float_array("W_h", W_h, ndim=2)
    output_grads = as_float_array("output_grads", output_grads, ndim=2)
    z = as_float_array("z", z, ndim=2)
    h = as_float_array("h", h, ndim=2)
    sizes = check_shapes(
        [
            ("U", U.shape, ("V", "D_h")),
            ("W_h", W_h.shape, ("D_h", "D_h")),
            ("output_grads", output_grads.shape, ("T", "V")),
            ("z", z.shape, ("T", "D_h")),
            ("h", h.shape[-1:], ("D_h",)),
        ]
    )
    T = sizes["T"]
    if h.shape[0] != T + 1:
        raise ValueError(f"h: expected h^0..h^T, shape ({T + 1}, D_h) for T = {T}, got {h.shape}")
    slope = get_activation(activation).derivative
    gradient = np.zeros_like(W_h, dtype=np.result_type(W_h, z, h, output_grads))
    for t in range(1, T + 1):
        loss_at_state = U.T @ output_grads[t - 1]  # ∂L^t/∂h^t
        for k in range(1, t + 1):
            carried = hidden_jacobian(W_h, z, k, t, activation).T @ loss_at_state  # ∂L^t/∂h^k
            gradient += np.outer(slope(z[k - 1]) * carried, h[k - 1])
    return gradient
