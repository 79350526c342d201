"""The encoder-decoder's parameters: ten arrays, checked once when they are built.

Notation (the Encoder-decoder page has the full crosswalk):

| name     | shape              | role                                                      |
|----------|--------------------|-----------------------------------------------------------|
| `E_en`   | (n_en, d_en)       | English embedding table, one row per English word         |
| `W_h`    | (D_h, D_h)         | encoder recurrent weights (the notes' W)                  |
| `W_e`    | (D_h, d_en)        | encoder input weights (the notes' U)                      |
| `b_1`    | (D_h,)             | encoder bias (the notes' b)                               |
| `E_hi`   | (n_hi + 1, d_hi)   | Hindi embedding table: every Hindi word, then the start token |
| `W_dec`  | (D_h, D_h)         | decoder recurrent weights                                 |
| `V`      | (D_h, d_hi)        | decoder input weights                                     |
| `c`      | (D_h,)             | decoder bias                                              |
| `W_out`  | (n_hi, D_h)        | output weights, one row per Hindi word (end token included) |
| `b_out`  | (n_hi,)            | output bias                                               |

Conventions are those of [`rnn_math.rnn.forward`][rnn_math.rnn.forward]: vectors are the rows of arrays
with leading axes. A batch holds sentences of one source length and one target length (the
trainer groups them so), which needs no padding and no masks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import DTypeLike, NDArray

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, common_dtype

#: Token indices (English words, Hindi words), any integer dtype.
Tokens = NDArray[np.integer]

#: Parameter names in the order the page introduces them (encoder, then decoder).
PARAMETER_NAMES = ("E_en", "W_h", "W_e", "b_1", "E_hi", "W_dec", "V", "c", "W_out", "b_out")


@dataclass(frozen=True)
class Seq2SeqParams:
    """Weights of the encoder-decoder, embedding tables included (shapes in the table of this module).

    The constructor checks shapes, dtypes (one float dtype for all) and finiteness, naming the
    offending argument. ``E_hi`` has one row more than ``W_out``: the start token is read by the
    decoder but never predicted; it is the last row.
    """

    E_en: Array
    W_h: Array
    W_e: Array
    b_1: Array
    E_hi: Array
    W_dec: Array
    V: Array
    c: Array
    W_out: Array
    b_out: Array

    def __post_init__(self) -> None:
        for name in PARAMETER_NAMES:
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        sizes = check_shapes(
            [
                ("E_en", self.E_en.shape, ("n_en", "d_en")),
                ("W_h", self.W_h.shape, ("D_h", "D_h")),
                ("W_e", self.W_e.shape, ("D_h", "d_en")),
                ("b_1", self.b_1.shape, ("D_h",)),
                ("E_hi", self.E_hi.shape, (None, "d_hi")),
                ("W_dec", self.W_dec.shape, ("D_h", "D_h")),
                ("V", self.V.shape, ("D_h", "d_hi")),
                ("c", self.c.shape, ("D_h",)),
                ("W_out", self.W_out.shape, ("n_hi", "D_h")),
                ("b_out", self.b_out.shape, ("n_hi",)),
            ]
        )
        if self.E_hi.shape[0] != sizes["n_hi"] + 1:
            raise ValueError(
                f"E_hi: expected {sizes['n_hi'] + 1} rows (the {sizes['n_hi']} Hindi words of W_out, "
                f"then the start token), got {self.E_hi.shape[0]}"
            )
        common_dtype(**{name: getattr(self, name) for name in PARAMETER_NAMES})

    @property
    def n_en(self) -> int:
        """Number of English words."""
        return self.E_en.shape[0]

    @property
    def n_hi(self) -> int:
        """Number of Hindi words the decoder can emit (end token included)."""
        return self.W_out.shape[0]

    @property
    def start(self) -> int:
        """Row of the start token ⟨s⟩ in ``E_hi`` (the last one)."""
        return self.n_hi

    def as_dict(self) -> dict[str, Array]:
        """The parameters by name, in the page's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def random(
        cls,
        n_en: int,
        n_hi: int,
        *,
        D_h: int,
        d_en: int,
        d_hi: int,
        seed: int = 0,
        scale: float = 0.3,
        dtype: DTypeLike = np.float64,
    ) -> Seq2SeqParams:
        """Parameters drawn from N(0, scale²), seeded (biases included, so tests exercise them).

        Parameters
        ----------
        n_en, n_hi
            English vocabulary size; Hindi vocabulary size (end token included, start excluded).
        D_h, d_en, d_hi
            Hidden width (shared by encoder and decoder) and the two embedding widths.
        seed
            Seed of NumPy's default generator.
        scale
            Standard deviation of every entry.
        dtype
            float64 (default) or float32.
        """
        for name, value in (("n_en", n_en), ("n_hi", n_hi), ("D_h", D_h), ("d_en", d_en), ("d_hi", d_hi)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        shapes = {
            "E_en": (n_en, d_en), "W_h": (D_h, D_h), "W_e": (D_h, d_en), "b_1": (D_h,),
            "E_hi": (n_hi + 1, d_hi), "W_dec": (D_h, D_h), "V": (D_h, d_hi), "c": (D_h,),
            "W_out": (n_hi, D_h), "b_out": (n_hi,),
        }  # fmt: skip
        rng = np.random.default_rng(seed)
        return cls(**{name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()})
