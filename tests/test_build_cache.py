"""The site build's cache of computed Markdown: used while its inputs are unchanged, never stale.

Each test builds a small checkout in a temporary folder (a package file, a data file, a page
module) and records a computation that reads it; no project file is edited. The last tests run
real page computations through the worker processes the build uses, into a temporary cache.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_math_docs.cache import ComputeCache, Dependencies, recording
from rnn_math_docs.computations import Computations, compute_recorded
from rnn_math_docs.render import computed

ROOT = Path(__file__).resolve().parents[1]
TARGET = "fake_page.table"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with one package module, one data file and one page module that reads it.

    The data file is outside the folders every entry depends on (``rnn_math/``, ``docs/data/``),
    so only the recording of what the computation read can notice that it changed.
    """
    root = tmp_path / "checkout"
    (root / "rnn_math").mkdir(parents=True)
    (root / "rnn_math" / "core.py").write_text("SCALE = 2\n")
    (root / "notes").mkdir()
    (root / "notes" / "values.json").write_text("[1, 2, 3]")
    (root / "pages").mkdir()
    (root / "pages" / "fake_page.py").write_text(
        "import json, pathlib\n"
        "DATA = pathlib.Path(__file__).parents[1] / 'notes' / 'values.json'\n"
        "def table():\n"
        "    return ' | '.join(str(v) for v in json.loads(DATA.read_text()))\n"
    )
    return root


@pytest.fixture
def page(checkout: Path, monkeypatch: pytest.MonkeyPatch):
    """The checkout's page module, imported from its file (and forgotten afterwards)."""
    monkeypatch.syspath_prepend(str(checkout / "pages"))
    monkeypatch.delitem(sys.modules, "fake_page", raising=False)
    module = importlib.import_module("fake_page")
    yield module
    sys.modules.pop("fake_page", None)


def record(checkout: Path, function) -> tuple[str, Dependencies]:
    """Run ``function`` as the build does, recording what it reads below the checkout."""
    with recording(checkout) as found:
        value = function()
    return value, found


def stored(checkout: Path, page, cache_dir: Path) -> str:
    """Compute the page's table once, store it, and return the value."""
    value, found = record(checkout, page.table)
    assert ComputeCache(cache_dir, checkout).store(TARGET, value, found)
    return value


def fresh_lookup(checkout: Path, cache_dir: Path) -> str | None:
    """Look the entry up as the next build would (new fingerprints)."""
    return ComputeCache(cache_dir, checkout).lookup(TARGET)


def edit(path: Path, text: str) -> None:
    """Change a file's contents (as an editor would, after the entry was stored)."""
    path.write_text(text)


def test_recording_names_the_page_module_and_the_data_file_it_read(checkout: Path, page) -> None:
    _, found = record(checkout, page.table)
    assert {"pages/fake_page.py", "notes/values.json"} <= found.files
    assert found.uncacheable == []


def test_unchanged_inputs_give_a_hit(checkout: Path, page, tmp_path: Path) -> None:
    value = stored(checkout, page, tmp_path / "cache")
    assert value == "1 | 2 | 3"
    assert fresh_lookup(checkout, tmp_path / "cache") == value


def test_a_changed_data_file_the_computation_read_gives_a_miss(checkout: Path, page, tmp_path: Path) -> None:
    stored(checkout, page, tmp_path / "cache")
    edit(checkout / "notes" / "values.json", "[1, 2, 4]")
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_changed_page_module_source_gives_a_miss(checkout: Path, page, tmp_path: Path) -> None:
    stored(checkout, page, tmp_path / "cache")
    source = checkout / "pages" / "fake_page.py"
    edit(source, source.read_text().replace("' | '", "' ; '"))
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_changed_package_module_gives_a_miss_even_if_not_read(checkout: Path, page, tmp_path: Path) -> None:
    stored(checkout, page, tmp_path / "cache")
    edit(checkout / "rnn_math" / "core.py", "SCALE = 3\n")
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_changed_site_data_file_gives_a_miss_even_if_not_read(checkout: Path, page, tmp_path: Path) -> None:
    (checkout / "docs" / "data").mkdir(parents=True)
    (checkout / "docs" / "data" / "benchmark.json").write_text("{}")
    stored(checkout, page, tmp_path / "cache")
    edit(checkout / "docs" / "data" / "benchmark.json", '{"size": 1}')
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_new_package_module_gives_a_miss(checkout: Path, page, tmp_path: Path) -> None:
    stored(checkout, page, tmp_path / "cache")
    (checkout / "rnn_math" / "extra.py").write_text("")
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_file_added_to_a_listed_folder_gives_a_miss(checkout: Path, tmp_path: Path) -> None:
    folder = checkout / "pages"

    def count_pages() -> str:
        return str(len(os.listdir(folder)))

    value, found = record(checkout, count_pages)
    assert ComputeCache(tmp_path / "cache", checkout).store(TARGET, value, found)
    (folder / "another.py").write_text("")
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_file_changed_during_the_computation_is_not_stored(checkout: Path, page, tmp_path: Path) -> None:
    value, found = record(checkout, page.table)
    data = checkout / "notes" / "values.json"
    edit(data, "[1, 2, 4]")  # saved after the computation read it, before the build stored it
    os.utime(data, (found.started + 1, found.started + 1))  # a later save, even on a coarse clock
    assert not ComputeCache(tmp_path / "cache", checkout).store(TARGET, value, found)
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_computation_that_writes_into_the_checkout_is_not_cached(checkout: Path, tmp_path: Path) -> None:
    def write_and_return() -> str:
        (checkout / "notes" / "side_effect.txt").write_text("x")
        return "x"

    value, found = record(checkout, write_and_return)
    assert found.uncacheable == ["writes notes/side_effect.txt"]
    assert not ComputeCache(tmp_path / "cache", checkout).store(TARGET, value, found)


def test_a_computation_that_starts_another_program_is_not_cached(checkout: Path, tmp_path: Path) -> None:
    def run_program() -> str:
        return subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True).stdout

    value, found = record(checkout, run_program)
    assert found.uncacheable and "starts another program" in found.uncacheable[0]
    assert not ComputeCache(tmp_path / "cache", checkout).store(TARGET, value, found)


def corrupt_truncated(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])


def corrupt_value(entry: Path) -> None:
    data = json.loads(entry.read_text())
    data["value"] = data["value"].replace("3", "8")  # parses, but no longer matches its checksum
    entry.write_text(json.dumps(data))


def corrupt_bytes(entry: Path) -> None:
    entry.write_bytes(b"\xff\xfe\x00 not an entry")


def corrupt_shape(entry: Path) -> None:
    entry.write_text(json.dumps(["a", "list"]))


@pytest.mark.parametrize("corrupt", [corrupt_truncated, corrupt_value, corrupt_bytes, corrupt_shape])
def test_a_corrupt_entry_is_a_miss(checkout: Path, page, tmp_path: Path, corrupt) -> None:
    stored(checkout, page, tmp_path / "cache")
    corrupt(ComputeCache(tmp_path / "cache", checkout).path(TARGET))
    assert fresh_lookup(checkout, tmp_path / "cache") is None


def test_a_corrupt_entry_is_recomputed_and_replaced(checkout: Path, page, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    value = stored(checkout, page, cache_dir)
    corrupt_value(ComputeCache(cache_dir, checkout).path(TARGET))
    assert fresh_lookup(checkout, cache_dir) is None
    stored(checkout, page, cache_dir)  # what the build does after a miss
    assert fresh_lookup(checkout, cache_dir) == value
    assert [p.name for p in cache_dir.iterdir()] == [f"{TARGET}.json"]  # no temporary file left


# ---- real page computations, through the build's worker processes ------------------------------

#: Cheap targets of real pages: a table of a worked example and the training options.
REAL_TARGETS = ["bptt_tables.setting", "training.options"]


def test_the_build_computes_misses_and_stores_what_a_fresh_computation_returns(tmp_path: Path) -> None:
    cache = ComputeCache(tmp_path / "cache", ROOT)
    computations = Computations(REAL_TARGETS, cache)
    try:
        values = {target: computations.get(target) for target in REAL_TARGETS}
    finally:
        computations.close()
    assert computations.computed == REAL_TARGETS
    for target in REAL_TARGETS:
        fresh = computed(target)
        assert values[target] == fresh
        assert ComputeCache(tmp_path / "cache", ROOT).lookup(target) == fresh


def test_the_build_uses_stored_entries_without_computing(tmp_path: Path) -> None:
    cache = ComputeCache(tmp_path / "cache", ROOT)
    outcome = compute_recorded("bptt_tables.setting", ROOT)
    assert outcome.error is None and outcome.value is not None
    assert cache.store(outcome.target, outcome.value, outcome.found)
    computations = Computations(["bptt_tables.setting"], ComputeCache(tmp_path / "cache", ROOT))
    try:
        assert computations.get("bptt_tables.setting") == outcome.value
    finally:
        computations.close()
    assert computations.computed == []
