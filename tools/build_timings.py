"""Measure the site build: a cold build, a warm build, and ``mkdocs serve`` showing an edit.

Run from the checkout (``make timings``; ``--commit REV`` measures a commit instead of the working
tree). The files are copied to a temporary folder first, so that the cold build really starts
with no cache and the edit touches no file of the checkout:

1. cold: ``python -m mkdocs build --strict`` with an empty ``.cache/site/``;
2. warm: the same command again (every computed result comes from the cache);
3. serve edit: ``python -m mkdocs serve`` on a free port; once it serves the site, a sentence is
   added to one page, and the time until the served page contains it is measured.

It prints what it ran, when and on what machine, the three times and the targets (cold ≤ 20 s,
warm ≤ 8 s, serve edit ≤ 3 s). The times depend on how busy the machine is: the load average
is printed too.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Not copied: installed libraries (linked instead), build output, caches, version control.
SKIPPED = {
    ".venv",
    "node_modules",
    "site",
    ".cache",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "mutants",
    "test-artifacts",
    "build",
    "dist",
}

#: Seconds allowed for each measurement.
TARGETS = {"cold build": 20.0, "warm build": 8.0, "serve edit": 3.0}

#: The page edited while serving, and where it is served.
EDITED_PAGE, EDITED_URL = "docs/notation.md", "notation/"

ENVIRONMENT = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def copy_checkout(target: Path, commit: str | None = None, source: Path = ROOT) -> Path:
    """Copy a checkout's files (not its caches), or one commit's, to ``target``; link the
    JavaScript assets."""
    if commit is None:
        shutil.copytree(source, target, ignore=lambda folder, names: [n for n in names if n in SKIPPED])
    else:
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    if (ROOT / "node_modules").exists():
        (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


def timed_build(checkout: Path, site: Path) -> float:
    """Seconds taken by one strict build of ``checkout`` into ``site``; raise if it fails."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=checkout, env=ENVIRONMENT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the build failed:\n{result.stderr[-4000:]}")
    return elapsed


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    """The page at ``url``, or None while the server does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_for(condition, timeout: float, poll: float = 0.05) -> float:
    """Poll ``condition`` until it is true; return the seconds that took (raise after ``timeout``)."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"gave up after {timeout:.0f} s")
        time.sleep(poll)
    return time.perf_counter() - start


def timed_serve_edit(checkout: Path) -> float:
    """Seconds from saving an edit of one page's prose to ``mkdocs serve`` serving it."""
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command,
        cwd=checkout,
        env=ENVIRONMENT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/{EDITED_URL}"
    try:
        wait_for(lambda: fetch(url) is not None, timeout=300)
        time.sleep(2)  # let the watcher settle after the first build
        sentence = f"A sentence added at {time.time_ns()} to measure the rebuild."
        page = checkout / EDITED_PAGE
        page.write_text(page.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
        return wait_for(lambda: sentence in (fetch(url) or ""), timeout=120)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and its workers: its own session
        server.wait(timeout=30)


def machine() -> str:
    """The machine, as far as the timings depend on it."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return (
        f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"{platform.processor() or 'processor unknown'} · Python {platform.python_version()} · "
        f"load average {load}"
    )


def main() -> int:
    """Measure and print the three timings; exit status 1 if one misses its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", help="measure this commit (git archive) instead of the working tree")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="measure another checkout's working tree")
    args = parser.parse_args()
    print(f"date:    {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    source = f"commit {args.commit}" if args.commit else f"the working tree of {args.checkout.name}"
    print(f"builds:  {sys.executable} -m mkdocs build --strict (in a copy of {source})")
    print(f"serve:   {sys.executable} -m mkdocs serve, then an edit of {EDITED_PAGE}")
    with tempfile.TemporaryDirectory(prefix="rnn-math-timings-") as folder:
        checkout = copy_checkout(Path(folder) / "checkout", args.commit, args.checkout.resolve())
        times = {
            "cold build": timed_build(checkout, Path(folder) / "site-cold"),
            "warm build": timed_build(checkout, Path(folder) / "site-warm"),
            "serve edit": timed_serve_edit(checkout),
        }
    missed = 0
    for name, seconds in times.items():
        verdict = "ok" if seconds <= TARGETS[name] else "MISSED"
        missed += verdict != "ok"
        print(f"{name:11s} {seconds:6.1f} s   (target ≤ {TARGETS[name]:.0f} s: {verdict})")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
