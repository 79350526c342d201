"""Checks for the scalar settings of a configuration: sizes, seeds, rates and decay factors.

Each check names the field, says what was expected and shows what came, and refuses a bool
where a number is wanted (``True`` is an ``int`` to Python, but ``D_h=True`` is a typo, not a
width of 1) and a float where an integer is wanted (``24.0`` units is no size an array has).
A wrong type raises TypeError, a value out of range ValueError.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["check_fraction", "check_positive_integer", "check_positive_number", "check_seed"]


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _integer(name: str, value: object, expected: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name}: expected {expected}, got {_describe(value)}")
    return int(value)


def _real(name: str, value: object, expected: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected {expected}, got {_describe(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return number


def check_positive_integer(name: str, value: object) -> int:
    """`value` as an int if it is an integer ≥ 1 (Python or NumPy, not bool, not float)."""
    number = _integer(name, value, "a positive integer")
    if number < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return number


def check_seed(name: str, value: object) -> int:
    """`value` as an int if it is an integer ≥ 0 (NumPy's generators refuse negative seeds)."""
    number = _integer(name, value, "an integer seed >= 0")
    if number < 0:
        raise ValueError(f"{name}: expected an integer seed >= 0, got {value!r}")
    return number


def check_positive_number(name: str, value: object) -> float:
    """`value` as a float if it is a finite real number > 0 (not bool, not NaN, not infinite)."""
    number = _real(name, value, "a finite positive number")
    if number <= 0:
        raise ValueError(f"{name}: expected a finite positive number, got {value!r}")
    return number


def check_fraction(name: str, value: object) -> float:
    """`value` as a float if it is a real number in [0, 1), such as a decay rate."""
    number = _real(name, value, "a number in [0, 1)")
    if not 0 <= number < 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return number
