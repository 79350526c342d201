"""The parameters of a GRU with a softmax output layer, in PyTorch's names, with their shapes checked.

Every gate has its own input weights, recurrent weights and *two* biases, one on the input side
and one on the recurrent side, as in PyTorch's ``nn.GRU``:

| name                       | shape      | role                                                  |
|----------------------------|------------|-------------------------------------------------------|
| `W_ir`, `W_iz`, `W_in`     | (D_h, d)   | input weights of the reset gate, update gate, candidate |
| `W_hr`, `W_hz`, `W_hn`     | (D_h, D_h) | recurrent weights of the same                          |
| `b_ir`, `b_iz`, `b_in`     | (D_h,)     | input-side biases                                      |
| `b_hr`, `b_hz`, `b_hn`     | (D_h,)     | recurrent-side biases                                  |
| `U`                        | (\\|V\\|, D_h) | hidden-to-output weights (as in the vanilla RNN)    |
| `b_2`                      | (\\|V\\|,)   | output bias                                          |

PyTorch stacks the three gates' matrices in the order r, z, n: its ``weight_ih_l0`` is
``[W_ir; W_iz; W_in]`` of shape (3 D_h, d), and [`from_stacked`][rnn_math.gru.params.GRUParams.from_stacked]
splits such matrices in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, check_sizes, common_dtype, normal_arrays

#: The gates in PyTorch's stacking order: reset, update, candidate ("new").
GATES = ("r", "z", "n")

#: Parameter names in the order the page introduces them.
PARAMETER_NAMES = (
    "W_ir",
    "W_hr",
    "b_ir",
    "b_hr",
    "W_iz",
    "W_hz",
    "b_iz",
    "b_hz",
    "W_in",
    "W_hn",
    "b_in",
    "b_hn",
    "U",
    "b_2",
)

#: The shape pattern of every parameter, with named dimensions.
SHAPES: dict[str, tuple[str, ...]] = {
    **{f"W_i{g}": ("D_h", "d") for g in GATES},
    **{f"W_h{g}": ("D_h", "D_h") for g in GATES},
    **{f"b_{side}{g}": ("D_h",) for side in "ih" for g in GATES},
    "U": ("V", "D_h"),
    "b_2": ("V",),
}


@dataclass(frozen=True)
class GRUDimensions:
    """Sizes of a GRU: input width d, hidden width D_h, vocabulary size |V|."""

    d: int
    D_h: int
    V: int


@dataclass(frozen=True)
class GRUParams:
    """Weights and biases of a GRU and its output layer, shared by every time step.

    The constructor checks every shape against the module table, the dtypes (float32 or float64,
    all the same) and finiteness, naming the offending argument.
    """

    W_ir: Array
    W_hr: Array
    b_ir: Array
    b_hr: Array
    W_iz: Array
    W_hz: Array
    b_iz: Array
    b_hz: Array
    W_in: Array
    W_hn: Array
    b_in: Array
    b_hn: Array
    U: Array
    b_2: Array

    def __post_init__(self) -> None:
        for name in PARAMETER_NAMES:
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        sizes = check_shapes([(name, getattr(self, name).shape, SHAPES[name]) for name in PARAMETER_NAMES])
        common_dtype(**{name: getattr(self, name) for name in PARAMETER_NAMES})
        object.__setattr__(self, "_dims", GRUDimensions(d=sizes["d"], D_h=sizes["D_h"], V=sizes["V"]))

    @property
    def dims(self) -> GRUDimensions:
        """The sizes d, D_h and |V| read off the arrays."""
        return self._dims  # type: ignore[attr-defined]

    def as_dict(self) -> dict[str, Array]:
        """Return the parameters by name, in the page's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def random(
        cls, d: int, D_h: int, V: int, *, seed: int = 0, scale: float = 0.1, dtype: DTypeLike = np.float64
    ) -> GRUParams:
        """Draw every entry from N(0, scale²), seeded, for examples and tests.

        Parameters
        ----------
        d, D_h, V
            Input width, hidden width and vocabulary size; each at least 1.
        seed
            Seed of NumPy's default generator.
        scale
            Standard deviation of every entry (biases included, so that tests exercise them).
        dtype
            float64 (default) or float32.
        """
        check_sizes(d=d, D_h=D_h, V=V)
        sizes = {"d": d, "D_h": D_h, "V": V}
        shapes = {name: tuple(sizes[dim] for dim in SHAPES[name]) for name in PARAMETER_NAMES}
        return cls(**{name: a.astype(dtype) for name, a in normal_arrays(shapes, seed=seed, scale=scale).items()})

    @classmethod
    def from_stacked(
        cls,
        weight_ih: ArrayLike,
        weight_hh: ArrayLike,
        bias_ih: ArrayLike,
        bias_hh: ArrayLike,
        U: ArrayLike,
        b_2: ArrayLike,
    ) -> GRUParams:
        """Split matrices stacked in PyTorch's gate order r, z, n (``weight_ih_l0`` and so on).

        Parameters
        ----------
        weight_ih
            ``[W_ir; W_iz; W_in]``, shape (3 D_h, d).
        weight_hh
            ``[W_hr; W_hz; W_hn]``, shape (3 D_h, D_h).
        bias_ih, bias_hh
            ``[b_ir; b_iz; b_in]`` and ``[b_hr; b_hz; b_hn]``, shape (3 D_h,).
        U, b_2
            The output layer.

        Raises
        ------
        ValueError
            If a stacked array's first axis is not three times D_h (read off `weight_hh`'s columns).
        """
        stacked = {
            "weight_ih": as_float_array("weight_ih", weight_ih, ndim=2),
            "weight_hh": as_float_array("weight_hh", weight_hh, ndim=2),
            "bias_ih": as_float_array("bias_ih", bias_ih, ndim=1),
            "bias_hh": as_float_array("bias_hh", bias_hh, ndim=1),
        }
        D_h = stacked["weight_hh"].shape[1]
        for name, array in stacked.items():
            if array.shape[0] != 3 * D_h:
                raise ValueError(
                    f"{name}: expected {3 * D_h} rows (three gates r, z, n of D_h = {D_h}), got {array.shape[0]}"
                )
        parts = {name: np.split(array, 3) for name, array in stacked.items()}
        named: dict[str, Array] = {}
        for k, g in enumerate(GATES):
            named |= {f"W_i{g}": parts["weight_ih"][k], f"W_h{g}": parts["weight_hh"][k]}
            named |= {f"b_i{g}": parts["bias_ih"][k], f"b_h{g}": parts["bias_hh"][k]}
        return cls(**named, U=as_float_array("U", U), b_2=as_float_array("b_2", b_2))
