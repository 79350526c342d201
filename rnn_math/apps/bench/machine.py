"""The machine a benchmark runs on: one thread in every library, one CPU, and its description.

The thread settings only take effect if they are set before NumPy (or any BLAS, OpenMP or XLA
runtime) loads, so [`run_pinned`][rnn_math.apps.bench.machine.run_pinned] re-runs the benchmark
in a fresh interpreter with them set;
[`describe_machine`][rnn_math.apps.bench.machine.describe_machine] records what the results
were measured on.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Set before NumPy (and any BLAS, OpenMP or XLA runtime) is loaded: one thread everywhere.
THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def threads_pinned() -> bool:
    """True if every variable of THREAD_ENV is set as it wants (this process may be timed)."""
    return all(os.environ.get(key) == value for key, value in THREAD_ENV.items())


def pin_to_one_cpu() -> None:
    """Bind the process to one CPU, where the system allows it.

    Thread-count settings are requests a library may not fully honour (a runtime can keep helper
    threads); with the whole process on one CPU, no implementation can use more than one core.
    """
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_pinned(argv: Sequence[str]) -> int:
    """Run this command in a fresh interpreter with THREAD_ENV set; return its exit code.

    The variables only take effect if set before the libraries load, and this package imports
    NumPy as soon as it is imported, so setting them in this process would be too late.
    """
    env = {**os.environ, **THREAD_ENV}
    return subprocess.run([sys.executable, "-m", "rnn_math.apps.bench.bench", *argv], env=env, check=False).returncode


def describe_machine() -> dict[str, Any]:
    """CPU model, BLAS library and the kernel it chose, versions and thread settings."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas: list[dict[str, Any]] = []
    try:
        import threadpoolctl

        blas = [
            {
                key: info.get(key)
                for key in ("internal_api", "version", "architecture", "threading_layer", "num_threads")
            }
            for info in threadpoolctl.threadpool_info()
        ]
    except ImportError:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = [{"internal_api": config.get("name"), "version": config.get("version"), "architecture": "unknown"}]
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
        "threads": {key: os.environ.get(key) for key in THREAD_ENV},
        "cpus_bound": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def peer_versions(names: Sequence[str]) -> dict[str, str]:
    """Each named peer's version (``"?"`` if its module does not say)."""
    versions = {}
    for name in names:
        module = __import__(name)
        versions[name] = getattr(module, "__version__", "?")
    return versions


__all__ = ["THREAD_ENV", "describe_machine", "peer_versions", "pin_to_one_cpu", "run_pinned", "threads_pinned"]
