"""Backpropagation through a GRU in PyTorch's form: the gradient equations, in derivation order.

Same conventions as [`rnn_math.gru.forward_equations`][rnn_math.gru.forward_equations]. A function
whose equation is a sum over t sums over every leading axis (batch and time), matching the loss.
The output layer's gradients (ŷ^t − y^t, ∂L/∂U, ∂L/∂b_2) are the vanilla RNN's equations, unchanged;
the variant of Cho et al. changes four of the equations here, see
[`rnn_math.gru.cho_equations`][rnn_math.gru.cho_equations].
"""

from __future__ import annotations

from rnn_math.core.activations import get_activation, sigmoid, sigmoid_derivative
from rnn_math.core.registry import equation
from rnn_math.core.sums import sum_outer, sum_rows
from rnn_math.core.types import Array


@equation(
    "eq-gru-hidden-grad",
    title="GRU: gradient at the hidden state",
    latex=(
        r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t) + \gamma^{t+1},"
        r"\qquad \gamma^{T+1} = 0"
    ),
)
def hidden_gradient(U: Array, output_grad_t: Array, carry_next: Array) -> Array:
    """∂L/∂h^t: what reaches h^t from the output at step t and, through γ^{t+1}, from every later step.

    Parameters
    ----------
    U
        Output weights, shape (|V|, D_h).
    output_grad_t
        ŷ^t − y^t, shape (..., |V|).
    carry_next
        γ^{t+1}, what step t + 1 sends back to h^t, shape (..., D_h); zeros at the last step.

    Returns
    -------
    numpy.ndarray
        ∂L/∂h^t, shape (..., D_h).
    """
    return output_grad_t @ U + carry_next


@equation(
    "eq-gru-delta-n",
    title="GRU: error at the candidate's pre-activation",
    latex=(
        r"\delta_n^t = \frac{\partial L}{\partial a_n^t}"
        r" = \frac{\partial L}{\partial h^t} \odot (1 - z^t) \odot \tanh'(a_n^t)"
    ),
)
def delta_n(grad_h_t: Array, a_z_t: Array, a_n_t: Array, activation: str = "tanh") -> Array:
    """δ_n^t: the candidate enters h^t with weight 1 − z^t; the slope is taken at the pre-activation.

    1 − z^t is computed as σ(−a_z^t), not by subtracting z^t from 1: where the update gate
    saturates (z^t within 10⁻¹³ of 1) the subtraction keeps only a few correct digits of the
    weight that every gradient below the candidate is scaled by.

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    a_z_t
        The update gate's pre-activation a_z^t, shape (..., D_h).
    a_n_t
        The candidate's pre-activation a_n^t, shape (..., D_h).
    activation
        The candidate's activation, ``"tanh"``.

    Returns
    -------
    numpy.ndarray
        δ_n^t, shape (..., D_h).
    """
    return grad_h_t * sigmoid(-a_z_t) * get_activation(activation).derivative(a_n_t)


@equation(
    "eq-gru-delta-z",
    title="GRU: error at the update gate's pre-activation",
    latex=(
        r"\delta_z^t = \frac{\partial L}{\partial a_z^t}"
        r" = \frac{\partial L}{\partial h^t} \odot (h^{t-1} - n^t) \odot \sigma'(a_z^t)"
    ),
)
def delta_z(grad_h_t: Array, h_prev: Array, n_t: Array, a_z_t: Array) -> Array:
    """δ_z^t: h^t = n^t + z^t ⊙ (h^{t-1} − n^t), so z^t's slope in h^t is h^{t-1} − n^t.

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    h_prev
        h^{t-1}, shape (..., D_h).
    n_t
        The candidate n^t, shape (..., D_h).
    a_z_t
        The update gate's pre-activation a_z^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ_z^t, shape (..., D_h).
    """
    return grad_h_t * (h_prev - n_t) * sigmoid_derivative(a_z_t)


@equation(
    "eq-gru-delta-r",
    title="GRU: error at the reset gate's pre-activation",
    latex=(
        r"\delta_r^t = \frac{\partial L}{\partial a_r^t} = \delta_n^t"
        r" \odot \left(W_{hn} h^{t-1} + b_{hn}\right) \odot \sigma'(a_r^t)"
    ),
)
def delta_r(delta_n_t: Array, W_hn: Array, h_prev: Array, b_hn: Array, a_r_t: Array) -> Array:
    """δ_r^t: the reset gate multiplies W_hn h^{t-1} + b_hn inside a_n^t, bias included.

    Parameters
    ----------
    delta_n_t
        δ_n^t, shape (..., D_h).
    W_hn, b_hn
        The candidate's recurrent weights (D_h, D_h) and recurrent-side bias (D_h,).
    h_prev
        h^{t-1}, shape (..., D_h).
    a_r_t
        The reset gate's pre-activation a_r^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        δ_r^t, shape (..., D_h).
    """
    return delta_n_t * (h_prev @ W_hn.T + b_hn) * sigmoid_derivative(a_r_t)


@equation(
    "eq-gru-carry",
    title="GRU: what step t sends back to the previous state",
    latex=(
        r"\gamma^t = \left(\frac{\partial h^t}{\partial h^{t-1}}\right)^{\!\top} \frac{\partial L}{\partial h^t}"
        r" = z^t \odot \frac{\partial L}{\partial h^t} + W_{hz}^\top \delta_z^t + W_{hr}^\top \delta_r^t"
        r" + W_{hn}^\top \left(r^t \odot \delta_n^t\right)"
    ),
)
def carry(
    grad_h_t: Array,
    z_t: Array,
    W_hz: Array,
    delta_z_t: Array,
    W_hr: Array,
    delta_r_t: Array,
    W_hn: Array,
    r_t: Array,
    delta_n_t: Array,
) -> Array:
    """γ^t: the four paths from h^{t-1} into step t, taken backwards.

    The direct path through z^t ⊙ h^{t-1}, the two gates' recurrent weights, and the candidate's
    recurrent weights, whose output the reset gate scales.

    Parameters
    ----------
    grad_h_t
        ∂L/∂h^t, shape (..., D_h).
    z_t, r_t
        The gates z^t and r^t, shape (..., D_h).
    W_hz, W_hr, W_hn
        The recurrent weights, shape (D_h, D_h).
    delta_z_t, delta_r_t, delta_n_t
        δ_z^t, δ_r^t, δ_n^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        γ^t, shape (..., D_h); at t = 1 this is ∂L/∂h^0.
    """
    return z_t * grad_h_t + delta_z_t @ W_hz + delta_r_t @ W_hr + (r_t * delta_n_t) @ W_hn


@equation(
    "eq-gru-grad-wi",
    title="GRU: gradients of the input weights",
    latex=(
        r"\frac{\partial L}{\partial W_{i\star}}"
        r" = \sum_{t=1}^{T} \delta_\star^t\,(x^t)^\top, \qquad \star \in \{r, z, n\}"
    ),
)
def grad_W_i(deltas: Array, xs: Array) -> Array:
    """∂L/∂W_ir, ∂L/∂W_iz or ∂L/∂W_in: one gate's δ^t times x^t, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ_⋆^1..δ_⋆^T of one gate, shape (..., D_h).
    xs
        x^1..x^T, shape (..., d).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, d).
    """
    return sum_outer(deltas, xs)


@equation(
    "eq-gru-grad-wh",
    title="GRU: gradients of the gates' recurrent weights",
    latex=(
        r"\frac{\partial L}{\partial W_{h\star}}"
        r" = \sum_{t=1}^{T} \delta_\star^t\,(h^{t-1})^\top, \qquad \star \in \{r, z\}"
    ),
)
def grad_W_h(deltas: Array, h_prev: Array) -> Array:
    """∂L/∂W_hr or ∂L/∂W_hz: one gate's δ^t times the previous state, transposed, summed over steps.

    Parameters
    ----------
    deltas
        δ_r or δ_z for steps 1..T, shape (..., D_h).
    h_prev
        h^0..h^{T-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h).
    """
    return sum_outer(deltas, h_prev)


@equation(
    "eq-gru-grad-b",
    title="GRU: gradients of the biases",
    latex=(
        r"\frac{\partial L}{\partial b_{i\star}}"
        r" = \frac{\partial L}{\partial b_{h\star}} = \sum_{t=1}^{T} \delta_\star^t"
        r" \quad (\star \in \{r, z\}), \qquad \frac{\partial L}{\partial b_{in}} = \sum_{t=1}^{T} \delta_n^t"
    ),
)
def grad_b(deltas: Array) -> Array:
    """The gradient of a bias that is added straight to a pre-activation: that gate's δ^t summed over steps.

    Both biases of the reset and of the update gate sit side by side in a_r^t (a_z^t), so each
    pair gets the same gradient; b_in sits in a_n^t.

    Parameters
    ----------
    deltas
        δ_⋆^1..δ_⋆^T of one gate, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,).
    """
    return sum_rows(deltas)


@equation(
    "eq-gru-grad-whn",
    title="GRU: gradient of the candidate's recurrent weights",
    latex=r"\frac{\partial L}{\partial W_{hn}} = \sum_{t=1}^{T} \left(r^t \odot \delta_n^t\right) (h^{t-1})^\top",
)
def grad_W_hn(r: Array, deltas_n: Array, h_prev: Array) -> Array:
    """∂L/∂W_hn: the reset gate scales W_hn h^{t-1}, so the error it receives is r^t ⊙ δ_n^t.

    Parameters
    ----------
    r
        r^1..r^T, shape (..., D_h).
    deltas_n
        δ_n^1..δ_n^T, shape (..., D_h).
    h_prev
        h^0..h^{T-1}, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h, D_h).
    """
    return sum_outer(r * deltas_n, h_prev)


@equation(
    "eq-gru-grad-bhn",
    title="GRU: gradient of the candidate's recurrent bias",
    latex=r"\frac{\partial L}{\partial b_{hn}} = \sum_{t=1}^{T} r^t \odot \delta_n^t",
)
def grad_b_hn(r: Array, deltas_n: Array) -> Array:
    """∂L/∂b_hn: b_hn sits inside the reset gate's product, unlike b_in, so its error is r^t ⊙ δ_n^t.

    Parameters
    ----------
    r
        r^1..r^T, shape (..., D_h).
    deltas_n
        δ_n^1..δ_n^T, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (D_h,).
    """
    return sum_rows(r * deltas_n)


@equation(
    "eq-gru-grad-x",
    title="GRU: gradient of the inputs",
    latex=r"\frac{\partial L}{\partial x^t} = W_{ir}^\top \delta_r^t + W_{iz}^\top \delta_z^t + W_{in}^\top \delta_n^t",
)
def grad_x(W_ir: Array, delta_r_t: Array, W_iz: Array, delta_z_t: Array, W_in: Array, delta_n_t: Array) -> Array:
    """∂L/∂x^t: x^t enters all three pre-activations.

    Parameters
    ----------
    W_ir, W_iz, W_in
        The input weights, shape (D_h, d).
    delta_r_t, delta_z_t, delta_n_t
        δ_r^t, δ_z^t, δ_n^t, shape (..., D_h).

    Returns
    -------
    numpy.ndarray
        Shape (..., d).
    """
    return delta_r_t @ W_ir + delta_z_t @ W_iz + delta_n_t @ W_in
