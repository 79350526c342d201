"""Published equation ids: once an id is on the site, links to it must keep resolving.

Readers cite equations by URL (``forward/#eq-forward-z``), so an id may never disappear. The ids
published so far are listed, one per line, in ``tests/published_equation_ids.txt``; a test fails
when one of them is neither an id nor an alias of a registered equation. New ids never fail it.

Add the ids registered since the list was last written (the list only ever grows)::

    python -m rnn_math_docs.published_ids --write
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path

from rnn_math.core.registry import Equation, registry

#: The list kept by the tests, beside them in the repository.
PUBLISHED = Path(__file__).resolve().parents[3] / "tests" / "published_equation_ids.txt"

HEADER = (
    "# Equation ids published on the site: each must stay registered as an id or an alias.\n"
    "# Add new ones with: python -m rnn_math_docs.published_ids --write\n"
)


def read_published(path: Path = PUBLISHED) -> list[str]:
    """The ids listed in ``path``, in order (blank lines and ``#`` comments ignored)."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def resolvable(equations: Mapping[str, Equation]) -> set[str]:
    """Every name that resolves to an equation: its id and its aliases."""
    return {name for eq in equations.values() for name in (eq.id, *eq.aliases)}


def withdrawn(published: Iterable[str], equations: Mapping[str, Equation]) -> list[str]:
    """The published ids that no longer resolve, in the order listed."""
    names = resolvable(equations)
    return [eq_id for eq_id in published if eq_id not in names]


def write(path: Path = PUBLISHED) -> list[str]:
    """Add every registered id to the list at ``path``, keeping the ids already there; return it."""
    known = read_published(path) if path.exists() else []
    ids = sorted(set(known) | set(registry()))
    path.write_text(HEADER + "".join(f"{eq_id}\n" for eq_id in ids), encoding="utf-8")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnn_math_docs.published_ids", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"add the registered ids to {PUBLISHED.name}")
    args = parser.parse_args(argv)
    if args.write:
        ids = write()
        print(f"{PUBLISHED.name}: {len(ids)} published ids")
    else:
        print("\n".join(sorted(registry())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
