"""The unrolled network as a plain function of its parameters, tied or with one copy per step.

Two uses. [`sequence_loss`][rnn_math.rnn.unrolled.sequence_loss] is the loss L as a function of a dict
of parameters (and, if wanted, of h^0 and the inputs), which is what a gradient checker perturbs;
it accepts complex128 arrays, so complex-step differentiation works through it. And
[`untied_loss`][rnn_math.rnn.unrolled.untied_loss] gives every step t its own copy W_h^(t), W_e^(t),
b_1^(t), U^(t), b_2^(t): at the point where all copies are equal to the tied parameter it is the
same number as L, and by the chain rule the gradient of the tied parameter is the sum of the
copies' gradients. [`step_contributions`][rnn_math.rnn.unrolled.step_contributions] returns those
per-copy gradients: the t-th term of each sum on the BPTT page.

Both losses are built from the registered forward equations, composed step by step, and check
their input once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rnn_math.core.activations import get_activation
from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, batch_targets_and_state, check_shapes
from rnn_math.rnn.bptt import BPTTResult
from rnn_math.rnn.forward import hidden_state, output_logits, pre_activation, step_loss
from rnn_math.rnn.params import PARAMETER_NAMES

#: Which parameters each step's copy holds; every one of them is tied in the RNN.
TIED = PARAMETER_NAMES

#: Extra names `sequence_loss` differentiates with respect to when they are in `params`.
STATE_NAMES = ("h_0", "xs")


def _prepare(
    params: Mapping[str, ArrayLike], xs: ArrayLike | None, targets: ArrayLike, h_0: ArrayLike | None, copies: bool
) -> tuple[dict[str, NDArray], NDArray, NDArray, NDArray]:
    """Check everything once; return (parameters, xs (B,T,d), targets (B,T), h_0 (B,D_h)) in one dtype."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping of arrays by name, got {type(params).__name__}")
    missing = [name for name in TIED if name not in params]
    if missing:
        raise ValueError(f"params: expected the names {list(TIED)}, missing {missing}")
    extra = set(params) - set(TIED) - set(STATE_NAMES)
    if extra:
        raise ValueError(f"params: expected only {list(TIED) + list(STATE_NAMES)}, got also {sorted(extra)}")
    if "xs" in params:
        xs = params["xs"]
    if "h_0" in params:
        h_0 = params["h_0"]
    if xs is None:
        raise ValueError("xs: expected the inputs, as an argument or as params['xs'], got None")
    lead = 1 if copies else 0
    ranks = {"W_h": 2, "W_e": 2, "b_1": 1, "U": 2, "b_2": 1}
    arrays = {name: as_float_array(name, params[name], ndim=ranks[name] + lead, allow_complex=True) for name in TIED}
    xs = as_float_array("xs", xs, ndim=(2, 3), allow_complex=True)
    batched = xs.ndim == 3
    xs3 = xs if batched else xs[None]
    T = xs3.shape[1]
    lead_dim: tuple[str, ...] = ("T",) if copies else ()
    sizes = check_shapes(
        [
            ("xs", xs3.shape, ("B", "T", "d")),
            ("W_h", arrays["W_h"].shape, (*lead_dim, "D_h", "D_h")),
            ("W_e", arrays["W_e"].shape, (*lead_dim, "D_h", "d")),
            ("b_1", arrays["b_1"].shape, (*lead_dim, "D_h")),
            ("U", arrays["U"].shape, (*lead_dim, "V", "D_h")),
            ("b_2", arrays["b_2"].shape, (*lead_dim, "V")),
        ]
    )
    B, D_h = xs3.shape[0], sizes["D_h"]
    targets2, h0 = batch_targets_and_state(targets, h_0, V=sizes["V"], B=B, T=T, D_h=D_h, batched=batched)
    dtype = np.result_type(*arrays.values(), xs3, h0)
    arrays = {name: _transposable(array.astype(dtype, copy=False)) for name, array in arrays.items()}
    return arrays, xs3.astype(dtype, copy=False), targets2, h0.astype(dtype, copy=False)


def _transposable(array: NDArray) -> NDArray:
    """The same matrices stored so that their transposes are contiguous: the equations multiply
    by ``W.T``, and complex matrix products are several times slower on a strided operand."""
    if array.ndim < 2 or array.shape[-1] == 1:
        return array
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(array, -1, -2)), -1, -2)


def _unrolled(copies: Mapping[str, NDArray], xs: NDArray, targets: NDArray, h_0: NDArray, activation: str):
    """L = Σ_t L^t with step t using copy t of every parameter (unchecked)."""
    h = h_0
    total: float | complex | np.number = 0
    for t in range(xs.shape[1]):
        z = pre_activation(copies["W_h"][t], h, copies["W_e"][t], xs[:, t], copies["b_1"][t])
        h = hidden_state(z, activation)
        theta = output_logits(copies["U"][t], h, copies["b_2"][t])
        total = total + np.sum(step_loss(theta, targets[:, t]))
    return total


def sequence_loss(
    params: Mapping[str, ArrayLike],
    xs: ArrayLike | None,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> float | complex:
    """The loss L of the RNN as a function of its parameters, for gradient checking.

    Parameters
    ----------
    params
        ``W_h``, ``W_e``, ``b_1``, ``U``, ``b_2`` by name (float64 or complex128), as from
        ``RNNParams.as_dict()``; optionally also ``h_0`` and ``xs``, which then take the place of
        the arguments of the same name, so that L can be differentiated with respect to them.
    xs
        Inputs, shape (B, T, d) or (T, d); None if they are given as ``params["xs"]``.
    targets
        Correct indices k_t, shape (B, T) or (T,).
    activation
        ``"sigmoid"`` or ``"tanh"``.
    h_0
        Initial hidden state, (D_h,) or (B, D_h); zeros if omitted.

    Returns
    -------
    float or complex
        L summed over steps and sequences; complex if any input is complex.
    """
    get_activation(activation)
    arrays, xs3, targets2, h0 = _prepare(params, xs, targets, h_0, copies=False)
    T = xs3.shape[1]
    tied = {name: np.broadcast_to(array, (T, *array.shape)) for name, array in arrays.items()}
    return _scalar(_unrolled(tied, xs3, targets2, h0, activation))


def untie(params: Mapping[str, ArrayLike], T: int) -> dict[str, NDArray]:
    """One copy of every parameter per step: arrays with a leading axis of length T.

    Parameters
    ----------
    params
        ``W_h``, ``W_e``, ``b_1``, ``U``, ``b_2`` by name.
    T
        Number of steps.

    Returns
    -------
    dict[str, numpy.ndarray]
        ``W_h`` of shape (T, D_h, D_h) and so on, every copy equal to the tied parameter.
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected a positive integer, got {T!r}")
    return {name: np.repeat(np.asarray(params[name])[None], T, axis=0) for name in TIED}


def untied_loss(
    copies: Mapping[str, ArrayLike],
    xs: ArrayLike,
    targets: ArrayLike,
    *,
    activation: str = "sigmoid",
    h_0: ArrayLike | None = None,
) -> float | complex:
    """The loss with a separate copy of every parameter at every step.

    Parameters
    ----------
    copies
        ``W_h`` of shape (T, D_h, D_h), ``W_e`` (T, D_h, d), ``b_1`` (T, D_h), ``U`` (T, |V|, D_h),
        ``b_2`` (T, |V|): step t uses ``copies[name][t - 1]``. Float64 or complex128.
    xs, targets, activation, h_0
        As for [`sequence_loss`][rnn_math.rnn.unrolled.sequence_loss].

    Returns
    -------
    float or complex
        Σ_t L^t, step t computed with its own copies. Equal to L when all copies are equal.
    """
    get_activation(activation)
    arrays, xs3, targets2, h0 = _prepare(copies, xs, targets, h_0, copies=True)
    return _scalar(_unrolled(arrays, xs3, targets2, h0, activation))


def _scalar(value: NDArray) -> float | complex:
    value = np.asarray(value)
    return complex(value) if np.iscomplexobj(value) else float(value)


def step_contributions(result: BPTTResult, xs: ArrayLike) -> dict[str, Array]:
    """The gradient of every step's copy: the terms of the tied-weight sums, one per step.

    Parameters
    ----------
    result
        What [`bptt`][rnn_math.rnn.bptt.bptt] returned.
    xs
        The inputs it was given, (B, T, d) or (T, d).

    Returns
    -------
    dict[str, numpy.ndarray]
        By parameter name, an array with a leading step axis of length T:
        ``W_h[t] = Σ_b δ^t (h^{t-1})ᵀ``, ``W_e[t] = Σ_b δ^t (x^t)ᵀ``, ``b_1[t] = Σ_b δ^t``,
        ``U[t] = Σ_b (ŷ^t − y^t)(h^t)ᵀ``, ``b_2[t] = Σ_b (ŷ^t − y^t)`` (summed over the batch b).
        Summing over the first axis gives ``result.grads``.
    """
    deltas, out, h = result.deltas, result.output_grads, result.forward.h
    xs_arr = np.asarray(xs)
    if deltas.ndim == 2:  # one sequence: give it a batch axis of 1
        deltas, out, h, xs_arr = deltas[None], out[None], h[None], xs_arr[None]
    return {
        "W_h": np.einsum("bti,btj->tij", deltas, h[:, :-1]),
        "W_e": np.einsum("bti,btj->tij", deltas, xs_arr),
        "b_1": deltas.sum(axis=0),
        "U": np.einsum("bti,btj->tij", out, h[:, 1:]),
        "b_2": out.sum(axis=0),
    }
