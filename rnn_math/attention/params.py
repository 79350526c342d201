"""The attention model's parameters: the encoder-decoder's ten arrays and four of attention's own.

| name     | shape       | role                                                             |
|----------|-------------|------------------------------------------------------------------|
| (ten)    |             | those of [`Seq2SeqParams`][rnn_math.seq2seq.params.Seq2SeqParams] |
| `W_a`    | (n_a, D_h)  | score weights on the previous decoder state s_{t-1}              |
| `U_a`    | (n_a, D_h)  | score weights on each encoder state h_j                          |
| `v_a`    | (n_a,)      | the score's output vector                                        |
| `W_c`    | (D_h, D_h)  | weights of the context c_t in the decoder state                  |

n_a is the attention width, which need not be D_h.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import DTypeLike

from rnn_math.core.types import Array
from rnn_math.core.validation import as_float_array, check_shapes, common_dtype
from rnn_math.seq2seq.params import PARAMETER_NAMES as SEQ2SEQ_NAMES
from rnn_math.seq2seq.params import Seq2SeqParams

#: Parameter names in the page's order: the encoder-decoder's, then attention's own.
PARAMETER_NAMES = (*SEQ2SEQ_NAMES, "W_a", "U_a", "v_a", "W_c")


@dataclass(frozen=True)
class AttentionParams:
    """Weights of the encoder-decoder with attention (shapes in the table of this module).

    The constructor checks the encoder-decoder's ten arrays as
    [`Seq2SeqParams`][rnn_math.seq2seq.params.Seq2SeqParams] does, then attention's four: shapes,
    one float dtype for all, finiteness, naming the offending argument.
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
    W_a: Array
    U_a: Array
    v_a: Array
    W_c: Array

    def __post_init__(self) -> None:
        base = Seq2SeqParams(**{name: getattr(self, name) for name in SEQ2SEQ_NAMES})
        for name in SEQ2SEQ_NAMES:
            object.__setattr__(self, name, getattr(base, name))
        for name in ("W_a", "U_a", "v_a", "W_c"):
            object.__setattr__(self, name, as_float_array(name, getattr(self, name)))
        D_h = self.W_h.shape[0]
        check_shapes(
            [
                ("W_a", self.W_a.shape, ("n_a", D_h)),
                ("U_a", self.U_a.shape, ("n_a", D_h)),
                ("v_a", self.v_a.shape, ("n_a",)),
                ("W_c", self.W_c.shape, (D_h, D_h)),
            ]
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
        n_a: int,
        seed: int = 0,
        scale: float = 0.3,
        dtype: DTypeLike = np.float64,
    ) -> AttentionParams:
        """Parameters drawn from N(0, scale²), seeded: the encoder-decoder's, then attention's four.

        Parameters
        ----------
        n_en, n_hi, D_h, d_en, d_hi
            As for [`Seq2SeqParams.random`][rnn_math.seq2seq.params.Seq2SeqParams.random].
        n_a
            Attention width.
        seed, scale, dtype
            Seed of NumPy's default generator, standard deviation of every entry, float dtype.
        """
        if not isinstance(n_a, (int, np.integer)) or n_a < 1:
            raise ValueError(f"n_a: expected a positive integer, got {n_a!r}")
        base = Seq2SeqParams.random(n_en, n_hi, D_h=D_h, d_en=d_en, d_hi=d_hi, seed=seed, scale=scale, dtype=dtype)
        shapes = {"W_a": (n_a, D_h), "U_a": (n_a, D_h), "v_a": (n_a,), "W_c": (D_h, D_h)}
        rng = np.random.default_rng((seed, 1))  # its own stream: the ten shared arrays are Seq2SeqParams' own
        own = {name: (scale * rng.standard_normal(shape)).astype(dtype) for name, shape in shapes.items()}
        return cls(**base.as_dict(), **own)
