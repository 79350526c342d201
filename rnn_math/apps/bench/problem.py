"""What the benchmark races on: one problem (parameters, inputs, targets, h^0 in one dtype) and a run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rnn_math.rnn.params import RNNParams

#: One timed call: the loss and the gradients, by name.
Run = Callable[[], dict[str, NDArray[np.floating]]]


@dataclass(frozen=True)
class Problem:
    """One benchmark input: parameters, a batch of sequences, targets and h^0, all in one dtype."""

    params: RNNParams
    xs: NDArray[np.floating]
    targets: NDArray[np.intp]
    h_0: NDArray[np.floating]

    @classmethod
    def random(cls, B: int, T: int, d: int, D_h: int, V: int, *, one_hot: bool, dtype: type, seed: int = 0) -> Problem:
        """Seeded random parameters (scale 1/√D_h keeps tanh out of saturation), inputs and targets."""
        params = RNNParams.random(d=d, D_h=D_h, V=V, seed=seed, scale=1.0 / np.sqrt(D_h), dtype=dtype)
        rng = np.random.default_rng(seed + 1)
        xs: NDArray[np.floating]
        if one_hot:
            xs = np.eye(d, dtype=dtype)[rng.integers(0, d, size=(B, T))]
        else:
            xs = rng.standard_normal((B, T, d)).astype(dtype)
        targets = rng.integers(0, V, size=(B, T)).astype(np.intp)
        h_0: NDArray[np.floating] = (0.1 * rng.standard_normal((B, D_h))).astype(dtype)
        return cls(params, xs, targets, h_0)


__all__ = ["Problem", "Run"]
