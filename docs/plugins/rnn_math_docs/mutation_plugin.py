"""A pytest plugin for the mutation run (``-p rnn_math_docs.mutation_plugin``): tests leave no files behind.

mutmut runs every mutant's tests in one working folder. A mutant that makes a test write into
it (a checkpoint saved under its default name, say) would leave that file for the tests of every
later mutant, and they would fail for that reason rather than for their own mutant. So each test
ends by removing the files it added to the working folder; files that were there before stay.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def leave_the_working_folder_as_found() -> Iterator[None]:
    """Remove the files (not folders) a test added to the working folder."""
    before = set(os.listdir("."))
    yield
    for name in set(os.listdir(".")) - before:
        path = Path(name)
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
