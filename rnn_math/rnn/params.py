"""The parameters of the vanilla RNN, in the site's notation, with their shapes checked.

| name  | shape          | role                                    |
|-------|----------------|-----------------------------------------|
| `W_h` | (D_h, D_h)     | hidden-to-hidden (recurrent) weights    |
| `W_e` | (D_h, d)       | input-to-hidden weights                 |
| `b_1` | (D_h,)         | hidden bias                             |
| `U`   | (\\|V\\|, D_h) | hidden-to-output weights                |
| `b_2` | (\\|V\\|,)     | output bias                             |
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import DTypeLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_sizes, common_dtype, normal_arrays

#: Parameter names in the order the derivation introduces them.
PARAMETER_NAMES = ("W_h", "W_e", "b_1", "U", "b_2")


@dataclass(frozen=True)
class Dimensions:
    """Sizes of an RNN: input width d, hidden width D_h, vocabulary size |V|."""

    d: int
    D_h: int
    V: int


@dataclass(frozen=True)
class RNNParams:
    """Weights and biases of a vanilla RNN, shared ("tied") by every time step.

    Construct with arrays of the shapes in the module table; the constructor checks shapes,
    dtypes (float32 or float64, all the same) and finiteness, naming the offending argument.

    Attributes
    ----------
    W_h
        Recurrent weights, shape (D_h, D_h).
    W_e
        Input weights, shape (D_h, d). The blog post writes this matrix once as W_x.
    b_1
        Hidden bias, shape (D_h,).
    U
        Output weights, shape (|V|, D_h). In the RNN-theory notes' letters this is V, not U.
    b_2
        Output bias, shape (|V|,).
    """

    W_h: Array
    W_e: Array
    b_1: Array
    U: Array
    b_2: Array

    def __post_init__(self) -> None:
        for name in PARAMETER_NAMES:
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        sizes = check_shapes(
            [
                ("W_h", self.W_h.shape, ("D_h", "D_h")),
                ("W_e", self.W_e.shape, ("D_h", "d")),
                ("b_1", self.b_1.shape, ("D_h",)),
                ("U", self.U.shape, ("V", "D_h")),
                ("b_2", self.b_2.shape, ("V",)),
            ]
        )
        common_dtype(**{name: getattr(self, name) for name in PARAMETER_NAMES})
        object.__setattr__(self, "_dims", Dimensions(d=sizes["d"], D_h=sizes["D_h"], V=sizes["V"]))

    @property
    def dims(self) -> Dimensions:
        """The sizes d, D_h and |V| read off the arrays."""
        return self._dims  # type: ignore[attr-defined]

    @property
    def dtype(self) -> np.dtype:
        """The shared float dtype of all parameters."""
        return self.W_h.dtype

    def as_dict(self) -> dict[str, Array]:
        """Return the parameters by name, in derivation order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def astype(self, dtype: DTypeLike) -> RNNParams:
        """Return a copy with every parameter converted to `dtype`."""
        return RNNParams(**{name: value.astype(dtype) for name, value in self.as_dict().items()})

    @classmethod
    def random(
        cls,
        d: int,
        D_h: int,
        V: int,
        *,
        seed: int = 0,
        scale: float = 0.1,
        dtype: DTypeLike = np.float64,
    ) -> RNNParams:
        """Draw parameters from N(0, scale²), seeded, for examples and tests.

        Parameters
        ----------
        d, D_h, V
            Input width, hidden width and vocabulary size; each at least 1.
        seed
            Seed of NumPy's default generator, so the same call gives the same parameters.
        scale
            Standard deviation of every entry (biases included, so tests exercise them).
        dtype
            float64 (default) or float32.
        """
        check_sizes(d=d, D_h=D_h, V=V)
        shapes = {"W_h": (D_h, D_h), "W_e": (D_h, d), "b_1": (D_h,), "U": (V, D_h), "b_2": (V,)}
        return cls(**{name: a.astype(dtype) for name, a in normal_arrays(shapes, seed=seed, scale=scale).items()})
