"""Writing a user's files safely: no clobbering, whole or not at all, nothing left behind.

Three promises, each a small function:

- [`check_output_paths`][rnn_math.apps.safe_files.check_output_paths]: before anything is written, no
  output may be the same file as another input or output (compared by resolved path and by file
  identity, so symbolic and hard links count), and an output that exists must be a regular file;
- [`write_atomically`][rnn_math.apps.safe_files.write_atomically]: the bytes go to a temporary file in
  the target's folder, are flushed and ``fsync``-ed, renamed over the target (``os.replace``,
  atomic on POSIX and Windows), and the folder is ``fsync``-ed so that the rename itself survives a
  power cut; any failure or interrupt removes the temporary file and leaves the old target whole;
- [`remove_stale_temporaries`][rnn_math.apps.safe_files.remove_stale_temporaries]: a kill (SIGKILL, a
  power cut) can still leave a temporary file; their names say whose they are
  (``.NAME.PID-RANDOM.rnn-math-tmp``), so the next write removes those of processes no longer
  running, and never touches any other file.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from rnn_math.apps.errors import InputError

__all__ = [
    "TEMPORARY_SUFFIX",
    "check_output_paths",
    "remove_stale_temporaries",
    "same_file",
    "temporary_name",
    "write_atomically",
]

#: The ending of every temporary file of ours; nothing else is ever removed.
TEMPORARY_SUFFIX = ".rnn-math-tmp"


def temporary_name(target: Path, pid: int | None = None) -> str:
    """The name of a fresh temporary file for `target`: hidden, with our process id and suffix."""
    pid = os.getpid() if pid is None else pid
    return f".{target.name}.{pid}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[0-9a-f]{{8}}{re.escape(TEMPORARY_SUFFIX)}")


def _process_is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # it exists (someone else's), or we cannot tell: keep its file
    return True


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove the temporary files of `target` that a killed writer of ours left behind.

    Only files named by [`temporary_name`][rnn_math.apps.safe_files.temporary_name] for this very
    target, regular, owned by this user and written by a process that no longer runs.

    Returns
    -------
    list of Path
        The files removed.
    """
    target = Path(target)
    pattern = _temporary_pattern(target)
    removed: list[Path] = []
    folder = target.parent
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or _process_is_running(int(match.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and (not hasattr(os, "getuid") or info.st_uid == os.getuid()):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path (symbolic links followed) or a hard link."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # hard links: two names, one file
    except OSError:
        return False  # one of them does not exist yet


def check_output_paths(outputs: Mapping[str, Path | None], inputs: Mapping[str, Path | None]) -> None:
    """Refuse outputs that would overwrite another named file or something that is not a file.

    Parameters
    ----------
    outputs
        Files to be written, by the argument that named them (``--checkpoint``); None for unused.
    inputs
        Files only read, by argument (``corpus``, ``--resume``). An output may be the same file
        as an input only when it is listed under the same argument name in both (a resumed
        checkpoint that is saved again in place).

    Raises
    ------
    InputError
        Naming both arguments when two coincide, or the argument whose path exists but is not a
        regular file (a folder, a device such as /dev/null, a FIFO).
    """
    named = [(name, Path(path)) for name, path in outputs.items() if path is not None]
    for name, path in named:
        if path.exists() and not path.is_file():
            raise InputError(f"{name}: {path} exists and is not a regular file; name a file to write")
        if not path.parent.is_dir():
            raise InputError(f"{name}: the folder {path.parent} of {path} does not exist")
        if not os.access(path.parent, os.W_OK | os.X_OK):  # found now, not at the first save hours later
            raise InputError(f"{name}: cannot write in the folder {path.parent} of {path}")
    others = named + [(name, Path(path)) for name, path in inputs.items() if path is not None]
    for i, (name, path) in enumerate(named):
        for other_name, other in others[i + 1 :]:
            if other_name != name and same_file(path, other):
                raise InputError(
                    f"{name} and {other_name} are the same file ({path}); writing one would destroy "
                    f"the other, so nothing was written"
                )


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable enough
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is already synced
    finally:
        os.close(descriptor)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | Path, write: Callable[[BinaryIO], object], *, what: str) -> Path:
    """Write a file whole or not at all: temporary file, flush, fsync, rename, fsync the folder.

    A symbolic link is followed: the file it points to is replaced, the link stays. The new file
    keeps the mode of the one it replaces (an ordinary file's mode, after the umask, otherwise).

    Parameters
    ----------
    path
        The file to write.
    write
        Writes the content to the binary file it is given.
    what
        Names the file in error messages (``"checkpoint"``, ``"report"``).

    Raises
    ------
    InputError
        If the target exists and is not a regular file, or its folder is missing or not writable.
    """
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        raise InputError(f"{what}: {path} exists and is not a regular file; name a file to write")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{what}: the folder {folder} of {path} does not exist")
    remove_stale_temporaries(target)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    temporary = folder / temporary_name(target)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as error:
        raise InputError(f"{what}: cannot write in {folder}: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())  # the bytes reach the disk before the name points at them
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return Path(path)
