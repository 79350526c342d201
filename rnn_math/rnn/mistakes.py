"""Plausible wrong versions of the gradient equations, as data: the negative controls.

A check that cannot fail proves nothing. Each [`Mistake`][rnn_math.rnn.mistakes.Mistake] here is an
error that is easy to make when deriving or coding BPTT by hand; it names the equation it
corrupts, says in one line what is wrong, shows the wrong formula, and carries a wrong NumPy
implementation and a wrong SymPy twin, each with the same signature as the correct function it
replaces. The tests run every check that proves an equation (the exact SymPy proof, NumPy against
SymPy at 50 digits, finite differences and complex step) on every mistake and require each check
to reject it.

Adding a mistake (for this model or another one)::

    from rnn_math.rnn.mistakes import Mistake, register_mistake

    register_mistake(Mistake(
        name="my-model-forgot-something",      # stable, lower-case, hyphenated
        eq_id="eq-my-equation",                # the registered equation it corrupts
        title="Short title",
        description="One line: what is wrong and why it is tempting.",
        wrong_latex=r"...",                    # the wrong formula, as the page would print it
        numpy=wrong_numpy_function,            # same signature as the registered NumPy function
        sympy=wrong_sympy_function,            # same signature as its SymPy twin
        model="my-model",                      # whose composer substitutes it (see below)
    ))

A model's "composer" computes all its gradients from its equation functions and accepts
replacements by equation id: for the RNN these are
[`rnn_gradients`][rnn_math.rnn.mistakes.rnn_gradients] (NumPy) and
[`rnn_math.symbolic.rnn.bptt.gradients`][rnn_math.symbolic.rnn.bptt.gradients] (SymPy). A page listing the
common mistakes can be generated from [`all_mistakes`][rnn_math.rnn.mistakes.all_mistakes].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from rnn_math.rnn import bptt as np_bptt
from rnn_math.core.activations import get_activation
from rnn_math.rnn.bptt import BPTTResult, RNNGrads
from rnn_math.rnn.forward import forward
from rnn_math.rnn.params import RNNParams
from rnn_math.core.registry import EQUATION_ID
from rnn_math.symbolic.rnn import bptt as sym_bptt

Array = NDArray[np.floating]
_NAME = EQUATION_ID.pattern.replace("^eq-", "^")


@dataclass(frozen=True)
class Mistake:
    """One plausible wrong version of one equation.

    Attributes
    ----------
    name
        Stable id of the mistake, lower-case words joined by hyphens.
    eq_id
        The registered equation it corrupts.
    title
        A few words, for a table of mistakes.
    description
        One line: what is wrong.
    wrong_latex
        The wrong formula in LaTeX, as a careless derivation would print it.
    numpy
        The wrong NumPy function, with the signature of the registered one it replaces.
    sympy
        The wrong SymPy function, with the signature of the twin it replaces.
    model
        Which model's composer substitutes it (``"rnn"`` for the vanilla RNN).
    """

    name: str
    eq_id: str
    title: str
    description: str
    wrong_latex: str
    numpy: Callable[..., Array]
    sympy: Callable[..., sp.MatrixBase]
    model: str = "rnn"

    def __post_init__(self) -> None:
        import re

        if not re.match(_NAME, self.name):
            raise ValueError(f"name: expected lower-case words joined by hyphens, got {self.name!r}")
        if not EQUATION_ID.match(self.eq_id):
            raise ValueError(f"eq_id: expected an equation id such as 'eq-bptt-delta', got {self.eq_id!r}")

    @property
    def numpy_replacement(self) -> dict[str, Callable[..., Array]]:
        """``{eq_id: wrong NumPy function}``, for a NumPy composer's ``replace=`` argument."""
        return {self.eq_id: self.numpy}

    @property
    def sympy_replacement(self) -> dict[str, Callable[..., sp.MatrixBase]]:
        """``{eq_id: wrong SymPy function}``, for a SymPy composer's ``replace=`` argument."""
        return {self.eq_id: self.sympy}


_MISTAKES: dict[str, Mistake] = {}


def register_mistake(mistake: Mistake) -> Mistake:
    """Add a mistake to the catalogue (its name must be new) and return it."""
    if not isinstance(mistake, Mistake):
        raise TypeError(f"mistake: expected a Mistake, got {type(mistake).__name__}")
    if mistake.name in _MISTAKES and _MISTAKES[mistake.name] is not mistake:
        raise ValueError(f"mistake: the name {mistake.name!r} is already registered")
    _MISTAKES[mistake.name] = mistake
    return mistake


def all_mistakes(model: str | None = None) -> list[Mistake]:
    """Every registered mistake (of one model, if given), in registration order."""
    return [m for m in _MISTAKES.values() if model is None or m.model == model]


def get_mistake(name: str) -> Mistake:
    """The mistake called `name`."""
    if name not in _MISTAKES:
        raise KeyError(f"no mistake is called {name!r}; known: {sorted(_MISTAKES)}")
    return _MISTAKES[name]


# The RNN's composer: BPTT from the registered equation functions, any of them replaceable.

#: The NumPy functions `rnn_gradients` composes, by equation id.
RNN_EQUATIONS: dict[str, Callable[..., Array]] = {
    "eq-bptt-output-grad": np_bptt.output_gradient,
    "eq-bptt-grad-u": np_bptt.grad_U,
    "eq-bptt-grad-b2": np_bptt.grad_b_2,
    "eq-bptt-hidden-grad": np_bptt.hidden_gradient,
    "eq-bptt-delta": np_bptt.delta,
    "eq-bptt-grad-wh": np_bptt.grad_W_h,
    "eq-bptt-grad-we": np_bptt.grad_W_e,
    "eq-bptt-grad-b1": np_bptt.grad_b_1,
    "eq-bptt-grad-h0": np_bptt.grad_h_0,
    "eq-bptt-grad-x": np_bptt.grad_x,
}


def rnn_gradients(
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
    replace: Mapping[str, Callable[..., Array]] | None = None,
) -> BPTTResult:
    """BPTT composed plainly from the registered equation functions, any of them replaceable.

    With no replacement this computes what [`bptt`][rnn_math.rnn.bptt.bptt] computes (the tests check
    that), step by step as the BPTT page derives it, without the fast path's reorganisation.

    Parameters
    ----------
    params, xs, targets, activation, h_0
        As for [`bptt`][rnn_math.rnn.bptt.bptt].
    replace
        Wrong versions of equations by id, e.g. ``mistake.numpy_replacement``.

    Returns
    -------
    BPTTResult
        The loss and the gradients the (possibly wrong) equations give.
    """
    eq = dict(RNN_EQUATIONS)
    if replace:
        unknown = set(replace) - set(RNN_EQUATIONS)
        if unknown:
            raise ValueError(f"replace: expected equation ids among {sorted(RNN_EQUATIONS)}, got {sorted(unknown)}")
        eq.update(replace)
    fp = forward(params, xs, targets, activation=activation, h_0=h_0)
    batched = fp.z.ndim == 3
    z, h, y_hat = (fp.z, fp.h, fp.y_hat) if batched else (fp.z[None], fp.h[None], fp.y_hat[None])
    xs3 = np.asarray(xs) if batched else np.asarray(xs)[None]
    targets2 = np.asarray(targets) if batched else np.asarray(targets)[None]

    output_grads = eq["eq-bptt-output-grad"](y_hat, targets2)
    deltas = np.empty_like(z)
    delta_next = np.zeros_like(z[:, 0])  # δ^{T+1} = 0
    for t in reversed(range(z.shape[1])):
        grad_h = eq["eq-bptt-hidden-grad"](params.U, output_grads[:, t], params.W_h, delta_next)
        deltas[:, t] = delta_next = eq["eq-bptt-delta"](grad_h, z[:, t], activation)
    grads = RNNGrads(
        grad_W_h=eq["eq-bptt-grad-wh"](deltas, h[:, :-1]),
        grad_W_e=eq["eq-bptt-grad-we"](deltas, xs3),
        grad_b_1=eq["eq-bptt-grad-b1"](deltas),
        grad_U=eq["eq-bptt-grad-u"](output_grads, h[:, 1:]),
        grad_b_2=eq["eq-bptt-grad-b2"](output_grads),
    )
    g_h0, g_xs = eq["eq-bptt-grad-h0"](params.W_h, deltas[:, 0]), eq["eq-bptt-grad-x"](params.W_e, deltas)
    if not batched:
        g_h0, g_xs, deltas, output_grads = g_h0[0], g_xs[0], deltas[0], output_grads[0]
    return BPTTResult(fp.loss, grads, g_h0, g_xs, deltas, output_grads, fp)


def wrong_bptt(
    mistake: Mistake | str,
    params: RNNParams,
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> BPTTResult:
    """BPTT with one RNN equation replaced by a mistake's wrong version."""
    mistake = get_mistake(mistake) if isinstance(mistake, str) else mistake
    if mistake.model != "rnn":
        raise ValueError(f"mistake: expected a mistake of the 'rnn' model, got one of {mistake.model!r}")
    return rnn_gradients(params, xs, targets, activation=activation, h_0=h_0, replace=mistake.numpy_replacement)


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

    slope = sym_bptt.activation_derivative(activation)
    sigma = activation_function(activation)
    return grad_h_t.multiply_elementwise(z_t.applyfunc(lambda z: slope(sigma(z))))


def _last_step_only_numpy(deltas: Array, h_prev: Array) -> Array:
    return np_bptt.grad_W_h(deltas[..., -1:, :], h_prev[..., -1:, :])


def _last_step_only_sympy(deltas, h_prev):
    return deltas[-1] * h_prev[-1].T


def _sign_flipped_numpy(y_hat: Array, targets: NDArray[np.integer]) -> Array:
    return -np_bptt.output_gradient(y_hat, targets)


def _sign_flipped_sympy(theta_t, target_t):
    return -sym_bptt.output_gradient(theta_t, target_t)


NO_RECURRENT_TERM = register_mistake(Mistake(
    name="no-recurrent-term",
    eq_id="eq-bptt-hidden-grad",
    title="Recurrent term dropped",
    description="h^t also feeds z^{t+1}; forgetting W_h^T δ^{t+1} treats every step as if it were the last.",
    wrong_latex=r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t)",
    numpy=_no_recurrent_term_numpy,
    sympy=_no_recurrent_term_sympy,
))

SLOPE_AT_H = register_mistake(Mistake(
    name="slope-at-hidden-state",
    eq_id="eq-bptt-delta",
    title="σ′ taken at hᵗ",
    description="The activation's slope belongs at the pre-activation z^t; σ′(h^t) is σ′(σ(z^t)).",
    wrong_latex=r"\delta^t = \frac{\partial L}{\partial h^t} \odot \sigma'(h^t)",
    numpy=_slope_at_h_numpy,
    sympy=_slope_at_h_sympy,
))

UNTRANSPOSED_W_H = register_mistake(Mistake(
    name="untransposed-recurrent-weights",
    eq_id="eq-bptt-hidden-grad",
    title="W_h not transposed",
    description="Going backwards through z^{t+1} = W_h h^t multiplies by W_h^T, not W_h.",
    wrong_latex=r"\frac{\partial L}{\partial h^t} = U^\top (\hat{y}^t - y^t) + W_h \delta^{t+1}",
    numpy=_untransposed_W_h_numpy,
    sympy=_untransposed_W_h_sympy,
))

LAST_STEP_ONLY = register_mistake(Mistake(
    name="last-step-only",
    eq_id="eq-bptt-grad-wh",
    title="Only the last step",
    description="W_h is shared by every step, so its gradient sums over t; the last term alone ignores the rest.",
    wrong_latex=r"\frac{\partial L}{\partial W_h} = \delta^T\,(h^{T-1})^\top",
    numpy=_last_step_only_numpy,
    sympy=_last_step_only_sympy,
))

SIGN_FLIPPED = register_mistake(Mistake(
    name="output-gradient-sign",
    eq_id="eq-bptt-output-grad",
    title="Softmax gradient sign flipped",
    description="The gradient at the logits is ŷ − y; y − ŷ is its negative, and descent would climb the loss.",
    wrong_latex=r"\frac{\partial L}{\partial \theta^t} = y^t - \hat{y}^t",
    numpy=_sign_flipped_numpy,
    sympy=_sign_flipped_sympy,
))
