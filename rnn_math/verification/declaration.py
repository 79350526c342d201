"""A model declared once: its equations, parameters, composers, checks and mistakes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    """One model (or group of equations) as the verification engine sees it (being written)."""

    name: str
    title: str
    equations: tuple[str, ...]
