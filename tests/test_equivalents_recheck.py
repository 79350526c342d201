"""Mutants once thought equivalent that are not: each test shows the difference they make.

A mutant is equivalent only if it changes nothing observable; two formulas that agree in exact
arithmetic but round differently are not equivalent.
"""

from __future__ import annotations

import numpy as np

from rnn_math.core.activations import sigmoid


def test_the_sigmoid_of_a_non_negative_input_is_computed_as_documented():
    # 1 / (1 + exp(-z)) and exp(z) / (1 + exp(z)) are equal in exact arithmetic but round apart
    # for about a third of z in [0, 1): the branch point must be 0, where the two forms agree.
    for dtype in (np.float64, np.float32):
        z = np.linspace(0, 1, 2001, endpoint=False, dtype=dtype)
        np.testing.assert_array_equal(sigmoid(z), (1 / (1 + np.exp(-z))).astype(dtype), err_msg=str(dtype))
