"""The equations' numbers as package data: the docs decide them, the wheel keeps a copy.

On the site an equation's number comes from its page (the chapter and its position there,
``rnn_math_docs.docs_index``). An installed package has no docs, so
``rnn_math/data/equation_numbers.json`` records ``{id: number}`` for `rnn-math verify` to show.
The docs are the one source of truth; this module writes their copy and tells whether it is stale::

    PYTHONPATH=docs/plugins python -m rnn_math_docs.equation_numbers --write
    PYTHONPATH=docs/plugins python -m rnn_math_docs.equation_numbers --check
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rnn_math_docs.docs_index import DocsIndex, scan_docs

#: The recorded copy inside the package (shipped by the package-data rule ``data/*``).
NUMBERS_FILE = Path(__file__).resolve().parents[3] / "rnn_math" / "data" / "equation_numbers.json"


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def numbers_from_docs(index: DocsIndex | None = None) -> dict[str, str]:
    """Every placed equation's number, ``{id: "chapter.position"}``, in number order."""
    index = scan_docs() if index is None else index
    numbers = {eq_id: index.number(eq_id) for eq_id in index.placements}
    return dict(sorted(numbers.items(), key=lambda item: _number_key(item[1])))


def numbers_json(numbers: dict[str, str]) -> str:
    """The file's text: one id per line, so that a moved equation is a one-line diff."""
    return json.dumps(numbers, indent=1) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the recorded copy (``--write``) or report whether it matches the docs (``--check``)."""
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m rnn_math_docs.equation_numbers", description=summary)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"write {NUMBERS_FILE.name} from the docs")
    action.add_argument("--check", action="store_true", help="exit 1 if the recorded copy differs from the docs")
    args = parser.parse_args(argv)
    expected = numbers_json(numbers_from_docs())
    if args.write:
        NUMBERS_FILE.write_text(expected, encoding="utf-8")
        return 0
    recorded = NUMBERS_FILE.read_text(encoding="utf-8") if NUMBERS_FILE.exists() else ""
    if recorded != expected:
        print(f"{NUMBERS_FILE.name} is stale: run python -m rnn_math_docs.equation_numbers --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
