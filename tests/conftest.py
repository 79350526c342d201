"""Shared fixtures: the repository's folders and one strict build of the site per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# The browser fixtures (one Chromium per session, the site on a local server).
pytest_plugins = ("browser_support",)

# Property-based tests (hypothesis): a fast profile by default, so CI stays quick, and a thorough
# one for local runs: HYPOTHESIS_PROFILE=thorough make test. No deadline: timing is not what
# these tests check, and on a busy machine one example can be slow without anything being wrong.
settings.register_profile(
    "ci", max_examples=12, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
# The mutation run (make mutation) wants the same examples for every mutant: derandomised.
settings.register_profile("mutation", parent=settings.get_profile("ci"), derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _build_site(site_dir: Path) -> str | None:
    """Build the site strictly into `site_dir`; the build's output if it failed, else None."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    return None if result.returncode == 0 else f"{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once with ``mkdocs build --strict`` and return its folder.

    A strict build fails on any warning: a dangling link or anchor, an unresolved
    cross-reference, an unknown equation marker. When the tests run in parallel (``make test``
    runs pytest-xdist), the first worker to need the site builds it and the others wait for it:
    one build per run, not one per worker.
    """
    parallel = "PYTEST_XDIST_WORKER" in os.environ
    shared = tmp_path_factory.getbasetemp().parent if parallel else tmp_path_factory.getbasetemp()
    site_dir, failure = shared / "site", shared / "site-build-failure.txt"
    with FileLock(shared / "site.lock"):
        if not failure.exists() and not site_dir.is_dir():
            partial = shared / "site.partial"
            output = _build_site(partial)
            if output is None:
                partial.rename(site_dir)  # whole or not at all: a waiting worker never sees half a site
            else:
                failure.write_text(output, encoding="utf-8")
    if failure.exists():
        pytest.fail(f"mkdocs build --strict failed:\n{failure.read_text(encoding='utf-8')}", pytrace=False)
    return site_dir


#: The longest test files, started first so that neither ends up alone at the end of a parallel
#: run (each file runs on one worker; see the Makefile's test target).
LONG_POLES = ("test_engine.py", "test_verification_page.py", "test_browser_layout.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files that need the built site after the others, the long poles first in each group.

    The first test that needs the site builds it (minutes, on one core). If site tests came
    first, every worker would wait for that build with its core idle; after the others, one
    worker builds while the other runs tests that do not need the site. The sort is stable:
    within a file, and between files of equal rank, the collection order stays.
    """

    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    site_files = {file_of(item) for item in items if "built_site" in getattr(item, "fixturenames", ())}

    def rank(item: pytest.Item) -> tuple[bool, bool]:
        name = file_of(item).rsplit("/", 1)[-1]
        return file_of(item) in site_files, name not in LONG_POLES

    items.sort(key=rank)
