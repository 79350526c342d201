"""The build's ``{{compute}}`` results: from the cache when their inputs are unchanged, else computed.

What has to be computed is computed in fresh worker processes, started when the build begins
(the docs index names every target), so that the proofs, runs and figures run side by side on
the machine's cores while MkDocs renders pages, and so that a computation always runs the code
on disk now: a long-lived ``mkdocs serve`` process keeps the modules it imported when it started.
The targets of one page module run in one worker, in page order, so the caches a module keeps
between its functions (one training run, several tables) still serve all of them.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rnn_math_docs.cache import ComputeCache, Dependencies, recording

#: The folder that holds the ``rnn_math_docs`` package (on each worker's ``sys.path``).
PLUGINS_DIR = Path(__file__).resolve().parents[1]

#: Worker processes: one per core, at most two (the build itself needs a core too).
MAX_WORKERS = 2

_worker_started = 0.0


class ComputeFailed(RuntimeError):
    """A computation raised; the message carries its traceback from the worker."""


@dataclass
class Outcome:
    """What one target's computation returned in a worker, and what it read."""

    target: str
    value: str | None
    error: str | None
    found: Dependencies


def _start_worker() -> None:
    """Worker initializer: note when this process began loading the code it computes with."""
    global _worker_started
    _worker_started = time.time()


def compute_recorded(target: str, root: Path, started: float | None = None) -> Outcome:
    """Run one ``module.function`` target while recording what it reads below ``root``."""
    from rnn_math_docs.render import computed  # imported here: render imports this module's users

    with recording(root, started) as found:
        try:
            value, error = computed(target), None
        except Exception as exc:  # reported by the build with the worker's traceback
            value, error = None, "".join(traceback.format_exception(exc))
    return Outcome(target, value, error, found)


def compute_group(targets: list[str], root: str) -> list[Outcome]:
    """Worker task: the targets of one page module, in order."""
    return [compute_recorded(target, Path(root), started=_worker_started) for target in targets]


def module_of(target: str) -> str:
    """The page module of a ``module.function`` target."""
    return target.rpartition(".")[0]


class Computations:
    """Every ``{{compute}}`` result of one build.

    Parameters
    ----------
    targets
        The targets the pages name, in page order; their misses start computing at once.
    cache
        Where results are looked up and stored.
    workers
        The most worker processes to start.
    """

    def __init__(self, targets: Iterable[str], cache: ComputeCache, workers: int = MAX_WORKERS) -> None:
        self.cache = cache
        self.workers = max(1, min(workers, os.cpu_count() or 1))
        self.values: dict[str, str] = {}
        self.computed: list[str] = []
        self._errors: dict[str, str] = {}
        self._pending: dict[str, Future[list[Outcome]]] = {}
        self._pool: ProcessPoolExecutor | None = None
        groups: dict[str, list[str]] = {}
        for target in dict.fromkeys(targets):
            value = cache.lookup(target)
            if value is None:
                groups.setdefault(module_of(target), []).append(target)
            else:
                self.values[target] = value
        for group in groups.values():
            self._submit(group)

    def _submit(self, group: list[str]) -> None:
        if self._pool is None:
            # A spawned worker starts with this process's sys.path, and must import this package
            # before anything else (MkDocs took the hooks' folder off sys.path after loading them).
            if str(PLUGINS_DIR) not in sys.path:
                sys.path.append(str(PLUGINS_DIR))
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),  # a fresh interpreter: the code on disk now
                initializer=_start_worker,
            )
        future = self._pool.submit(compute_group, group, str(self.cache.root))
        for target in group:
            self._pending[target] = future

    def get(self, target: str) -> str:
        """The Markdown of ``target``; waits for its worker if it is being computed.

        Raises
        ------
        ComputeFailed
            If the computation raised (the message holds its traceback).
        """
        if target not in self.values and target not in self._errors:
            if target not in self._pending:  # not named in the index: compute it now
                self._submit([target])
            for outcome in self._pending[target].result():
                self._pending.pop(outcome.target, None)
                if outcome.value is None:
                    self._errors[outcome.target] = outcome.error or "no value"
                    continue
                self.values[outcome.target] = outcome.value
                self.computed.append(outcome.target)
                self.cache.store(outcome.target, outcome.value, outcome.found)
        if target in self._errors:
            raise ComputeFailed(f"{{{{compute {target}}}}} failed:\n{self._errors[target]}")
        return self.values[target]

    def close(self) -> None:
        """Stop the worker processes (computations not yet asked for are abandoned)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
