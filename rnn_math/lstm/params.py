"""The parameters of the LSTM, stored as PyTorch's ``nn.LSTM`` stores them, with their shapes checked.

| name   | shape          | role                                                          |
|--------|----------------|---------------------------------------------------------------|
| `W_ih` | (4 D_h, d)     | input-to-gates weights, the four gates stacked i, f, g, o     |
| `W_hh` | (4 D_h, D_h)   | hidden-to-gates (recurrent) weights, stacked the same way     |
| `b_ih` | (4 D_h,)       | the input side's bias of every gate                           |
| `b_hh` | (4 D_h,)       | the hidden side's bias of every gate (PyTorch keeps both)     |
| `U`    | (\\|V\\|, D_h) | hidden-to-output weights, as in the vanilla RNN               |
| `b_2`  | (\\|V\\|,)     | output bias, as in the vanilla RNN                            |

``W_ih``, ``W_hh``, ``b_ih`` and ``b_hh`` are PyTorch's ``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0`` and ``bias_hh_l0``: rows ``0:D_h`` belong to the input gate, ``D_h:2 D_h`` to the
forget gate, ``2 D_h:3 D_h`` to the candidate g and ``3 D_h:4 D_h`` to the output gate
(`GATE_ORDER`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import DTypeLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_sizes, common_dtype, normal_arrays

#: Parameter names in the order the LSTM page introduces them.
PARAMETER_NAMES = ("W_ih", "W_hh", "b_ih", "b_hh", "U", "b_2")

#: The order of the four blocks of rows in a stacked weight or bias: PyTorch's ``nn.LSTM`` order.
GATE_ORDER = ("i", "f", "g", "o")


@dataclass(frozen=True)
class LSTMDimensions:
    """Sizes of an LSTM: input width d, hidden (and cell) width D_h, vocabulary size |V|."""

    d: int
    D_h: int
    V: int


@dataclass(frozen=True)
class LSTMParams:
    """Weights and biases of an LSTM, shared ("tied") by every time step.

    Construct with arrays of the shapes in the module table; the constructor checks shapes,
    dtypes (float32 or float64, all the same) and finiteness, naming the offending argument.

    Attributes
    ----------
    W_ih
        Input weights of the four gates stacked in the order i, f, g, o, shape (4 D_h, d).
    W_hh
        Recurrent weights of the four gates, same order, shape (4 D_h, D_h).
    b_ih
        Input-side biases, shape (4 D_h,).
    b_hh
        Hidden-side biases, shape (4 D_h,). Only the sum b_ih + b_hh enters the network.
    U
        Output weights, shape (|V|, D_h).
    b_2
        Output bias, shape (|V|,).
    """

    W_ih: Array
    W_hh: Array
    b_ih: Array
    b_hh: Array
    U: Array
    b_2: Array

    def __post_init__(self) -> None:
        for name in PARAMETER_NAMES:
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        sizes = check_shapes(
            [
                ("W_hh", self.W_hh.shape, ("G", "D_h")),
                ("W_ih", self.W_ih.shape, ("G", "d")),
                ("b_ih", self.b_ih.shape, ("G",)),
                ("b_hh", self.b_hh.shape, ("G",)),
                ("U", self.U.shape, ("V", "D_h")),
                ("b_2", self.b_2.shape, ("V",)),
            ]
        )
        if sizes["G"] != 4 * sizes["D_h"]:
            raise ValueError(f"W_hh: expected shape (4 D_h, D_h), four gates of D_h rows each, got {self.W_hh.shape}")
        common_dtype(**{name: getattr(self, name) for name in PARAMETER_NAMES})
        object.__setattr__(self, "_dims", LSTMDimensions(d=sizes["d"], D_h=sizes["D_h"], V=sizes["V"]))

    @property
    def dims(self) -> LSTMDimensions:
        """The sizes d, D_h and |V| read off the arrays."""
        return self._dims  # type: ignore[attr-defined]

    @property
    def dtype(self) -> np.dtype:
        """The shared float dtype of all parameters."""
        return self.W_hh.dtype

    def as_dict(self) -> dict[str, Array]:
        """Return the parameters by name, in the page's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def random(
        cls,
        d: int,
        D_h: int,
        V: int,
        *,
        seed: int = 0,
        scale: float = 0.1,
        forget_bias: float = 0.0,
        dtype: DTypeLike = np.float64,
    ) -> LSTMParams:
        """Draw parameters from N(0, scale²), seeded, for examples and tests.

        Parameters
        ----------
        d, D_h, V
            Input width, hidden width and vocabulary size; each at least 1.
        seed
            Seed of NumPy's default generator, so the same call gives the same parameters.
        scale
            Standard deviation of every entry (biases included, so tests exercise them).
        forget_bias
            Added to the forget gate's rows of ``b_ih`` (1 is the common initialisation that keeps
            the forget gate open at the start of training).
        dtype
            float64 (default) or float32.
        """
        check_sizes(d=d, D_h=D_h, V=V)
        shapes = {
            "W_ih": (4 * D_h, d), "W_hh": (4 * D_h, D_h), "b_ih": (4 * D_h,), "b_hh": (4 * D_h,),
            "U": (V, D_h), "b_2": (V,),
        }  # fmt: skip
        arrays = normal_arrays(shapes, seed=seed, scale=scale)
        forget = GATE_ORDER.index("f")
        arrays["b_ih"][forget * D_h : (forget + 1) * D_h] += forget_bias
        return cls(**{name: value.astype(dtype) for name, value in arrays.items()})
