"""Input checks with messages that name the argument, what was expected and what came.

Every public function that takes arrays from a user runs them through these checks first, so
that a wrong shape fails here with a sentence, not three calls deeper with a broadcasting error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Floating dtypes the NumPy functions accept; float64 is the default everywhere.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

#: The one complex dtype accepted, and only where a caller asks for it with
#: ``allow_complex=True``: complex-step differentiation evaluates the loss at complex128
#: parameters (see ``rnn_math.verification.gradcheck``). Users' arrays never become complex by accident.
COMPLEX_DTYPES = (np.dtype(np.complex128),)

#: A dimension is an int (must match), a str (a name that must be equal everywhere it appears
#: in one call, see :func:`check_shapes`), or None (anything).
Dim = int | str | None


def as_float_array(
    name: str, value: ArrayLike, *, ndim: int | tuple[int, ...] | None = None, allow_complex: bool = False
) -> NDArray[np.floating]:
    """Return `value` as a float32/float64 array after checking dtype, rank and finiteness.

    Parameters
    ----------
    name
        The argument's name, used in error messages.
    value
        The array (or nested list) to check.
    ndim
        Accepted number(s) of dimensions, or None for any.
    allow_complex
        Also accept complex128 (for complex-step differentiation only; off by default).

    Returns
    -------
    numpy.ndarray
        The array itself if it already is float32/float64; integer and bool input is refused
        rather than silently converted, because an integer weight matrix is almost always a bug.

    Raises
    ------
    TypeError
        If the dtype is not float32 or float64.
    ValueError
        If the rank is wrong, the array is empty, or it holds NaN or infinite values.
    """
    array = np.asarray(value)
    if allow_complex and array.dtype in COMPLEX_DTYPES:
        pass
    elif array.dtype not in FLOAT_DTYPES:
        wanted = "a float32, float64 or complex128 array" if allow_complex else "a float32 or float64 array"
        raise TypeError(f"{name}: expected {wanted}, got dtype {array.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if array.ndim not in allowed:
            wanted = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name}: expected {wanted} dimensions, got {array.ndim} (shape {array.shape})")
    if array.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite entries")
    return array


def check_shapes(shapes: Sequence[tuple[str, tuple[int, ...], tuple[Dim, ...]]]) -> dict[str, int]:
    """Check several arrays' shapes against a pattern with named dimensions.

    Parameters
    ----------
    shapes
        Triples ``(argument name, actual shape, expected pattern)``. A pattern entry that is a
        string names a dimension (``"D_h"``): every occurrence across all arguments must agree.

    Returns
    -------
    dict[str, int]
        The value each named dimension took.

    Raises
    ------
    ValueError
        On the first mismatch, naming the argument, the expected pattern and the shape that came.
    """
    sizes: dict[str, int] = {}
    origin: dict[str, str] = {}
    for name, actual, pattern in shapes:
        parts = ["*" if d is None else str(d) for d in pattern]
        wanted = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if len(actual) != len(pattern):
            raise ValueError(f"{name}: expected shape {wanted}, got {tuple(actual)}")
        for axis, (got, dim) in enumerate(zip(actual, pattern, strict=True)):
            if isinstance(dim, int) and got != dim:
                raise ValueError(f"{name}: expected shape {wanted}, got {tuple(actual)}")
            if isinstance(dim, str):
                if dim in sizes and sizes[dim] != got and origin[dim] == name:
                    raise ValueError(f"{name}: expected shape {wanted} (every {dim} axis equal), got {tuple(actual)}")
                if dim in sizes and sizes[dim] != got:
                    raise ValueError(
                        f"{name}: expected shape {wanted} with {dim} = {sizes[dim]} "
                        f"(from {origin[dim]}), got {tuple(actual)} (axis {axis} is {got})"
                    )
                sizes.setdefault(dim, got)
                origin.setdefault(dim, name)
    return sizes


def check_targets(name: str, targets: ArrayLike, vocab_size: int) -> NDArray[np.intp]:
    """Check an array of target indices into a vocabulary of `vocab_size` entries.

    Parameters
    ----------
    name
        The argument's name, used in error messages.
    targets
        Integer class indices.
    vocab_size
        The number of classes, |V|.

    Returns
    -------
    numpy.ndarray
        The targets as an integer array.

    Raises
    ------
    TypeError
        If the targets are not integers.
    ValueError
        If the array is empty or an index lies outside ``0 .. vocab_size - 1``.
    """
    array = np.asarray(targets)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class indices, got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name}: expected a non-empty array of targets, got shape {array.shape}")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(f"{name}: expected indices in 0..{vocab_size - 1} (|V| = {vocab_size}), got {bad}")
    return array.astype(np.intp, copy=False)


def batch_targets_and_state(
    targets: ArrayLike, h_0: ArrayLike | None, *, V: int, B: int, T: int, D_h: int, batched: bool
) -> tuple[NDArray[np.intp], NDArray[np.number]]:
    """Check a sequence model's targets and initial state against its inputs' batch and length.

    Parameters
    ----------
    targets
        One index per input step: shape (B, T), or (T,) when the inputs were one sequence.
    h_0
        The initial state, shape (D_h,) (shared by the batch) or (B, D_h); zeros if None. It may
        be complex (complex-step differentiation).
    V, B, T, D_h
        Vocabulary size, batch size, steps and state width of the checked inputs.
    batched
        Whether the inputs had a batch axis.

    Returns
    -------
    targets : numpy.ndarray
        Shape (B, T).
    h_0 : numpy.ndarray
        Shape (B, D_h), a broadcast view when one state was given for the batch.

    Raises
    ------
    TypeError, ValueError
        As for [`check_targets`][rnn_math.core.validation.check_targets] and
        [`as_float_array`][rnn_math.core.validation.as_float_array], or on shapes that do not match
        the inputs.
    """
    targets_arr = check_targets("targets", targets, V)
    targets2 = targets_arr if batched else targets_arr[None]
    if targets2.shape != (B, T):
        raise ValueError(
            f"targets: expected shape {(B, T) if batched else (T,)} (one index per input step), got {targets_arr.shape}"
        )
    if h_0 is None:
        return targets2, np.zeros((B, D_h))
    h0 = as_float_array("h_0", h_0, ndim=(1, 2), allow_complex=True)
    if h0.shape not in ((D_h,), (B, D_h)):
        raise ValueError(f"h_0: expected shape ({D_h},) or ({B}, {D_h}), got {h0.shape}")
    return targets2, np.broadcast_to(h0, (B, D_h))


def check_sizes(**sizes: object) -> None:
    """Check that each named size (``d=2, D_h=3, V=4``) is a positive integer (``True`` is not a size).

    Raises
    ------
    ValueError
        Naming the first size that is not, and its value.
    """
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def normal_arrays(shapes: Mapping[str, tuple[int, ...]], *, seed: int, scale: float) -> dict[str, NDArray[np.float64]]:
    """Seeded draws from N(0, scale²), one array per name, drawn in the order of `shapes`.

    The order is part of the result: the same `shapes`, `seed` and `scale` give the same arrays,
    which the examples and the pages' computed numbers rely on.
    """
    rng = np.random.default_rng(seed)
    return {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Check that `value` is one of `choices`, naming them all if it is not."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def common_dtype(**arrays: NDArray[np.floating]) -> np.dtype:
    """Return the one float dtype all arrays share, or raise naming the first one that differs.

    Mixing float32 and float64 would silently promote and hide precision bugs, so it is refused.
    """
    items = list(arrays.items())
    first_name, first = items[0]
    for name, array in items[1:]:
        if array.dtype != first.dtype:
            raise TypeError(f"{name}: expected dtype {first.dtype} (the dtype of {first_name}), got {array.dtype}")
    return first.dtype
