"""The array types every module's signatures use: one alias, so the annotations read alike."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: A real floating-point array (float32 or float64) of any shape.
Array = NDArray[np.floating]

#: An array of token or class indices.
IndexArray = NDArray[np.intp]

__all__ = ["Array", "IndexArray"]
