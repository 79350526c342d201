"""A cache of what the pages' computations returned, keyed by everything they read.

A ``{{compute module.function}}`` marker costs seconds (exact proofs, training runs, figures);
its result changes only when the code or data it reads changes. Each entry stores the returned
Markdown with a fingerprint of its inputs, and is used only while every input is unchanged:

- the coarse set read by any computation: every ``rnn_math/**/*.py``, ``rnn_math/data/*`` and
  ``docs/data/*`` (a file added or removed counts as a change);
- every file of the checkout the computation opened, every module of the checkout loaded in the
  process that ran it (the page module and what it imports, transitively), and every folder it
  listed, recorded while it ran (:func:`recording`);
- the Python version and the versions of the libraries that compute numbers.

A computation that starts another program or writes into the checkout is not cached: what the
other program reads, or what the write was for, cannot be recorded. A stale number is a worse
bug than a slow build, so an entry that cannot be read, does not parse or does not match its
checksum is recomputed, never trusted. Entries are written atomically (a temporary file in the
same folder, then ``os.replace``), so a build that is interrupted leaves no half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

#: The checkout: the folder that holds ``rnn_math/`` and ``docs/``.
ROOT = Path(__file__).resolve().parents[3]

#: Where entries are kept (gitignored; ``make clean`` removes it).
CACHE_DIR = ROOT / ".cache" / "site"

#: Bumped whenever the entry layout or the meaning of a fingerprint changes.
FORMAT = 1

#: Inputs of every computation, as globs below the checkout (coarse, and sound without recording).
BASE_INPUTS = ("rnn_math/**/*.py", "rnn_math/data/*", "docs/data/*")

#: Libraries whose version can change a computed number or figure.
LIBRARIES = ("numpy", "sympy", "mpmath", "matplotlib", "PyYAML")

#: Folders of the checkout that hold no input of a computation: installed libraries (their
#: versions are in the fingerprint), build output, the cache itself, version control.
IGNORED_FOLDERS = frozenset({".venv", "node_modules", "site", ".cache", ".git", "__pycache__"})

#: Audit events that start another program: its reads cannot be recorded.
SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork"})

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.]+")


@dataclass
class Dependencies:
    """What one computation read, recorded while it ran.

    Attributes
    ----------
    files
        Files of the checkout it opened or whose module was loaded (posix paths below the root).
    folders
        Folders of the checkout it listed, each with the digest of its listing then.
    uncacheable
        Why the result may not be cached (empty if it may).
    started
        When the process that ran it began loading code (seconds since the epoch): a file changed
        after that may differ from what the computation read.
    """

    files: set[str] = field(default_factory=set)
    folders: dict[str, str] = field(default_factory=dict)
    uncacheable: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)


@dataclass
class _Recording:
    root: str
    found: Dependencies


_recordings: list[_Recording] = []
_hook_installed = False
_listing = threading.local()  # set while the hook lists a folder itself (which is audited too)
_listing.active = False


def listing_digest(folder: Path) -> str:
    """SHA-256 of a folder's sorted listing (ignored folders left out), or ``"missing"``."""
    try:
        names = sorted(name for name in os.listdir(folder) if name not in IGNORED_FOLDERS)
    except OSError:
        return "missing"
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def _below(root: str, path: object) -> str | None:
    """``path`` as a posix path below ``root``, or None when outside it or in an ignored folder."""
    if isinstance(path, int):  # an open file descriptor: its file was recorded when opened
        return None
    absolute = os.path.abspath(os.fsdecode(path))  # type: ignore[arg-type]
    if absolute != root and not absolute.startswith(root + os.sep):
        return None
    relative = os.path.relpath(absolute, root)
    parts = relative.split(os.sep)
    if parts[0] in IGNORED_FOLDERS:
        return None
    if "__pycache__" in parts[:-1]:  # compiled code: its source is the input
        folder = os.sep.join(p for p in parts[:-1] if p != "__pycache__")
        source = parts[-1].split(".", 1)[0] + ".py"
        return Path(folder, source).as_posix()
    return Path(relative).as_posix()


def _audit(event: str, args: tuple) -> None:
    """Record, for every active recording, the files opened and folders listed below its root."""
    if not _recordings:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(mode, str):
            writes = any(letter in mode for letter in "wax+")
        else:  # os.open: only the flags say
            writes = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND))
        for recording in _recordings:
            relative = _below(recording.root, path) if path is not None else None
            if relative is None:
                continue
            if writes:
                recording.found.uncacheable.append(f"writes {relative}")
            else:
                recording.found.files.add(relative)
    elif event in ("os.listdir", "os.scandir") and not _listing.active:
        for recording in _recordings:
            relative = _below(recording.root, args[0] if args[0] is not None else ".")
            if relative is not None and relative not in recording.found.folders:
                # Digested now, as listed: a file added later must not pass for one seen.
                _listing.active = True
                try:
                    recording.found.folders[relative] = listing_digest(Path(recording.root, relative))
                finally:
                    _listing.active = False
    elif event in SPAWN_EVENTS:
        for recording in _recordings:
            recording.found.uncacheable.append(f"starts another program ({event})")


def loaded_modules(root: Path) -> set[str]:
    """The source files below ``root`` of every module loaded in this process."""
    found = set()
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if source and (relative := _below(str(root), source)) is not None:
            found.add(relative)
    return found


@contextlib.contextmanager
def recording(root: Path = ROOT, started: float | None = None) -> Iterator[Dependencies]:
    """Record what the code run inside the ``with`` block reads below ``root``.

    Modules loaded before the block are counted too (all of the checkout's loaded modules): a
    module imported by an earlier computation is not opened again by the next one that uses it.
    ``started`` is when this process began loading code (default: now); :meth:`ComputeCache.store`
    refuses an entry whose inputs changed after it.
    """
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)  # cannot be removed; it returns at once when nothing records
        _hook_installed = True
    found = Dependencies() if started is None else Dependencies(started=started)
    active = _Recording(os.path.abspath(root), found)
    _recordings.append(active)
    try:
        yield active.found
    finally:
        _recordings.remove(active)
        active.found.files |= loaded_modules(root)


def environment() -> dict[str, str]:
    """The interpreter and library versions a computed result may depend on."""
    found = {"python": sys.version, "machine": platform.machine()}
    for library in LIBRARIES:
        try:
            found[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            found[library] = "absent"
    return found


class Fingerprints:
    """Digests of files and folders below a root, each computed once (one per build)."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self._files: dict[str, str] = {}
        self._folders: dict[str, str] = {}
        self._base: str | None = None

    def file(self, relative: str) -> str:
        """SHA-256 of a file's bytes, or ``"missing"``."""
        if relative not in self._files:
            try:
                self._files[relative] = hashlib.sha256((self.root / relative).read_bytes()).hexdigest()
            except OSError:
                self._files[relative] = "missing"
        return self._files[relative]

    def folder(self, relative: str) -> str:
        """The :func:`listing_digest` of a folder."""
        if relative not in self._folders:
            self._folders[relative] = listing_digest(self.root / relative)
        return self._folders[relative]

    def base(self) -> str:
        """One digest of every file matched by :data:`BASE_INPUTS` (names and contents)."""
        if self._base is None:
            paths = sorted({p for pattern in BASE_INPUTS for p in self.root.glob(pattern) if p.is_file()})
            digest = hashlib.sha256()
            for path in paths:
                relative = path.relative_to(self.root).as_posix()
                digest.update(f"{relative}\0{self.file(relative)}\n".encode())
            self._base = digest.hexdigest()
        return self._base


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class ComputeCache:
    """Computed Markdown on disk, one JSON entry per ``module.function``.

    Parameters
    ----------
    folder
        Where the entries are kept.
    root
        The checkout whose files the fingerprints read.
    """

    def __init__(self, folder: Path = CACHE_DIR, root: Path = ROOT) -> None:
        self.folder = folder
        self.root = root
        self.fingerprints = Fingerprints(root)
        self._environment = environment()

    def path(self, target: str) -> Path:
        """The entry file of a target."""
        name = target if _SAFE_NAME.fullmatch(target) else hashlib.sha256(target.encode()).hexdigest()
        return self.folder / f"{name}.json"

    def lookup(self, target: str) -> str | None:
        """The cached Markdown of ``target`` if every input is unchanged, else None.

        An unreadable, unparsable or inconsistent entry is a miss, like an outdated one.
        """
        try:
            entry = json.loads(self.path(target).read_text(encoding="utf-8"))
            value = entry["value"]
            valid = (
                entry["format"] == FORMAT
                and entry["target"] == target
                and entry["environment"] == self._environment
                and isinstance(value, str)
                and entry["checksum"] == _checksum(value)
                and entry["base"] == self.fingerprints.base()
                and all(self.fingerprints.file(f) == d for f, d in entry["files"].items())
                and all(self.fingerprints.folder(f) == d for f, d in entry["folders"].items())
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return value if valid else None

    def changed_since(self, found: Dependencies) -> list[str]:
        """The recorded files that are gone or were modified after ``found.started``.

        Their digest now may not be what the computation read (an edit during the build), so
        an entry for them would claim inputs it was not computed from. (A folder's listing is
        digested when it is listed, so it needs no such check.)
        """
        changed = []
        for relative in sorted(found.files):
            try:
                if os.stat(self.root / relative).st_mtime >= found.started:
                    changed.append(relative)
            except OSError:
                changed.append(relative)
        return changed

    def store(self, target: str, value: str, found: Dependencies) -> bool:
        """Write an entry for ``target`` (atomically); return False if it may not be cached."""
        if found.uncacheable or self.changed_since(found):
            return False
        entry = {
            "format": FORMAT,
            "target": target,
            "environment": self._environment,
            "base": self.fingerprints.base(),
            "files": {f: self.fingerprints.file(f) for f in sorted(found.files)},
            "folders": dict(sorted(found.folders.items())),
            "checksum": _checksum(value),
            "value": value,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                json.dump(entry, stream)
            os.replace(temporary, self.path(target))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return True
