"""The update rules: plain gradient descent, Adagrad and Adam, one function per equation.

Each rule updates one parameter P from its gradient ∂L/∂P and returns a new array (nothing is
changed in place). The character-level RNN trains with [`sgd_update`][rnn_math.core.optimizers.sgd_update]
or Adagrad ([`adagrad_memory`][rnn_math.core.optimizers.adagrad_memory],
[`adagrad_update`][rnn_math.core.optimizers.adagrad_update]), as in Karpathy's min-char-rnn; the
translator trains with Adam ([`adam_moments`][rnn_math.core.optimizers.adam_moments],
[`adam_update`][rnn_math.core.optimizers.adam_update]). The rules know nothing of the model they train.
"""

from __future__ import annotations

import math

import numpy as np

from rnn_math.core.registry import equation
from rnn_math.core.types import Array

#: Added under Adagrad's square root so that a parameter whose gradient was always 0 gets no 0/0.
ADAGRAD_EPSILON = 1e-8


# --- Gradient descent and Adagrad ----------------------------------------------------------------


@equation(
    "eq-sgd-update",
    title="Gradient-descent step",
    latex=r"P \leftarrow P - \eta\, \frac{\partial L}{\partial P}",
)
def sgd_update(param: Array, grad: Array, learning_rate: float) -> Array:
    """One step of plain gradient descent on one parameter.

    Parameters
    ----------
    param
        The parameter P (any parameter of any model: W_h, U, W_out, …).
    grad
        ∂L/∂P, the same shape.
    learning_rate
        The step size η.

    Returns
    -------
    numpy.ndarray
        The new value P − η ∂L/∂P (a new array).
    """
    return param - learning_rate * grad


@equation(
    "eq-adagrad-memory",
    title="Adagrad memory",
    latex=r"M_P \leftarrow M_P + \frac{\partial L}{\partial P} \odot \frac{\partial L}{\partial P}",
)
def adagrad_memory(memory: Array, grad: Array) -> Array:
    """Adagrad's running sum of squared gradients, entry by entry.

    Parameters
    ----------
    memory
        M_P, the sum of the squares of every earlier gradient of P (zeros before the first step).
    grad
        ∂L/∂P of this step.

    Returns
    -------
    numpy.ndarray
        M_P + (∂L/∂P)², a new array.
    """
    return memory + grad * grad


@equation(
    "eq-adagrad-update",
    title="Adagrad step",
    latex=r"P \leftarrow P - \eta\, \frac{\partial L}{\partial P} \oslash \sqrt{M_P + \epsilon}",
)
def adagrad_update(
    param: Array, grad: Array, memory: Array, learning_rate: float, epsilon: float = ADAGRAD_EPSILON
) -> Array:
    """One Adagrad step: each entry's step is divided by the root of its own squared-gradient sum.

    Parameters
    ----------
    param
        The parameter P.
    grad
        ∂L/∂P of this step.
    memory
        M_P *after* adding this step's squared gradient ([`adagrad_memory`][rnn_math.core.optimizers.adagrad_memory]).
    learning_rate
        The base step size η.
    epsilon
        ε, a small number that keeps the division finite where M_P is 0.

    Returns
    -------
    numpy.ndarray
        P − η (∂L/∂P) / sqrt(M_P + ε), entry by entry (a new array).

    Notes
    -----
    Entries that have seen large gradients take small steps and rarely-updated entries take
    large ones; since the memory only grows, every step size shrinks over time.
    """
    return param - learning_rate * grad / np.sqrt(memory + epsilon)


# --- Adam ---------------------------------------------------------------------------------------


@equation(
    "eq-adam-moments",
    title="Adam moment estimates",
    latex=(
        r"m \leftarrow \beta_1 m + (1 - \beta_1)\, \frac{\partial L}{\partial P}, \qquad "
        r"v \leftarrow \beta_2 v + (1 - \beta_2) \Bigl(\frac{\partial L}{\partial P}\Bigr)^{\odot 2}"
    ),
)
def adam_moments(m: Array, v: Array, grad: Array, beta_1: float, beta_2: float) -> tuple[Array, Array]:
    """Update Adam's running means of the gradient (m) and of its element-wise square (v).

    Parameters
    ----------
    m, v
        The previous moment estimates, shaped like the parameter (zeros before step 1).
    grad
        ∂L/∂P.
    beta_1, beta_2
        Decay rates of the two averages, in [0, 1).

    Returns
    -------
    tuple of numpy.ndarray
        The new (m, v).
    """
    return beta_1 * m + (1.0 - beta_1) * grad, beta_2 * v + (1.0 - beta_2) * grad * grad


@equation(
    "eq-adam-update",
    title="Adam step",
    latex=(
        r"P \leftarrow P - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}, \qquad "
        r"\hat m = \frac{m}{1 - \beta_1^{\,n}}, \quad \hat v = \frac{v}{1 - \beta_2^{\,n}}"
    ),
)
def adam_update(
    param: Array, m: Array, v: Array, n: int, learning_rate: float, beta_1: float, beta_2: float, epsilon: float
) -> Array:
    """One Adam step on one parameter, with the moments' start-up bias removed.

    Parameters
    ----------
    param
        The parameter P.
    m, v
        Moment estimates after step n (from [`adam_moments`][rnn_math.core.optimizers.adam_moments]).
    n
        The step number, starting at 1: m and v started at zero, so early averages are too
        small by the factor 1 − β^n, which the hats divide out.
    learning_rate
        η, the largest step any entry takes (about η while gradients keep their sign).
    beta_1, beta_2
        The moments' decay rates.
    epsilon
        Keeps the denominator positive when v is zero.

    Returns
    -------
    numpy.ndarray
        The new value of P (a new array).
    """
    m_hat = m / _bias_correction(beta_1, n)
    v_hat = v / _bias_correction(beta_2, n)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)


def _bias_correction(beta: float, n: int) -> float:
    """1 − βⁿ as −expm1(n log β): 1 − β**n cancels while βⁿ is near 1 (β = 0.999, small n)."""
    return 1.0 if beta == 0 else -math.expm1(n * math.log(beta))
