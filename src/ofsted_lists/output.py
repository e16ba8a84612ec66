"""Safe file output (SPEC §5): atomic 0600 writes, a lock against overlapping runs, encryption.

A destination is only ever replaced by `os.replace` of a fully written, fsynced temporary
file in the same folder, so a failed or killed run never leaves a partial file and never
destroys the previous good output.

Stale temporary files: a run killed with SIGKILL can leave a hidden
`.<name>.<random>.tmp` beside the destination. `atomic_write` removes such files for the
same destination once they are older than `stale_age` seconds (default `STALE_TEMP_AGE`):
without `output_lock` a young temp file may belong to a live writer. The workbook writers
hold the lock and pass `stale_age=0`, so the next run clears what a killed one left.

How long a run waits for another's lock: `OFSTED_LISTS_LOCK_TIMEOUT` seconds, else 60.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError, UsageError

STALE_TEMP_AGE = 3600.0  # seconds
LOCK_TIMEOUT_ENV = "OFSTED_LISTS_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0  # seconds
_LOCK_POLL = 0.05  # seconds between lock attempts
_PERMISSION = (errno.EACCES, errno.EPERM, errno.EROFS)
_FULL = (errno.ENOSPC, errno.EDQUOT)


def _denied(folder: Path) -> OutputError:
    return OutputError(
        f"cannot write to {folder}: permission denied — choose another --out "
        "or fix the folder's permissions"
    )


def _as_output_error(exc: OSError, dest: Path) -> OutputError:
    """One clear message for an OS error met while writing `dest`."""
    if exc.errno in _PERMISSION:
        return _denied(dest.parent)
    if exc.errno in _FULL:
        return OutputError(f"disk full while writing {dest}; nothing was replaced")
    if exc.errno == errno.ENOENT:
        return OutputError(f"cannot write {dest}: the folder {dest.parent} does not exist")
    if exc.errno == errno.EISDIR:
        return OutputError(f"cannot write {dest}: it is a folder")
    return OutputError(f"cannot write {dest}: {exc.strerror or exc}; nothing was replaced")


def ensure_dir(folder: Path) -> None:
    """Create `folder` and any missing parents with mode 0700; OutputError if impossible."""
    folder = Path(folder)
    try:
        if folder.is_dir():
            return
        if folder.exists():
            raise OutputError(f"cannot create folder {folder}: a file of that name exists")
        for p in [p for p in (folder, *folder.parents) if not p.exists()][::-1]:
            # Each new level gets 0700, not just the leaf (Path.mkdir(parents=True) would
            # create the parents world-readable).
            with suppress(FileExistsError):  # a concurrent run may create it first
                p.mkdir(mode=0o700)
        if not folder.is_dir():  # lost a race with something creating a file there
            raise OutputError(f"cannot create folder {folder}: a file of that name exists")
    except NotADirectoryError:
        raise OutputError(f"cannot create folder {folder}: part of the path is a file") from None
    except OSError as exc:
        if exc.errno in _PERMISSION:
            raise _denied(Path(exc.filename).parent if exc.filename else folder) from None
        raise OutputError(f"cannot create folder {folder}: {exc.strerror or exc}") from None


def _temp_pattern(dest: Path) -> re.Pattern[str]:
    # mkstemp's random part is 8 characters of [a-z0-9_]; matching it exactly keeps
    # "a.xlsx" from claiming the temp files of "a.xlsx.bak".
    return re.compile(rf"\.{re.escape(dest.name)}\.[a-z0-9_]{{8}}\.tmp")


def _remove_stale_temps(dest: Path, stale_age: float) -> None:
    pattern, cutoff = _temp_pattern(dest), time.time() - stale_age
    with suppress(OSError), os.scandir(dest.parent) as entries:
        for entry in entries:
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable; some filesystems refuse fsync on a directory, and by
    # now the new file is already in place, so a refusal is not an error.
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stage(dest: Path, write: Callable[[BinaryIO], None], stale_age: float) -> str:
    """A temporary file beside `dest`, written by `write`, fsynced, mode 0600; its path."""
    folder = dest.parent
    try:
        if dest.is_dir():
            raise OutputError(f"cannot write {dest}: it is a folder")
        if not folder.is_dir():
            raise OutputError(f"cannot write {dest}: the folder {folder} does not exist")
        _remove_stale_temps(dest, stale_age)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{dest.name}.", suffix=".tmp")
    except OSError as exc:  # e.g. a folder we may not search or write
        raise _as_output_error(exc, dest) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _as_output_error(exc, dest) from None
        raise
    return tmp


def atomic_write_all(
    files: Iterable[tuple[Path, Callable[[BinaryIO], None]]], *, stale_age: float = STALE_TEMP_AGE
) -> None:
    """Write several files (mode 0600) so that none is replaced unless every one was written.

    All temporary files are written and fsynced first; only then are they renamed into
    place, so a full disk or an error while writing the fifth file leaves the first four
    destinations as they were.
    """
    files = [(Path(dest), write) for dest, write in files]
    pending: list[tuple[str, Path]] = []
    try:
        for dest, write in files:
            pending.append((_stage(dest, write, stale_age), dest))
        while pending:
            tmp, dest = pending[0]
            try:
                os.replace(tmp, dest)
            except OSError as exc:
                raise _as_output_error(exc, dest) from None
            pending.pop(0)
    finally:
        for tmp, _ in pending:
            with suppress(OSError):
                os.unlink(tmp)
    for folder in dict.fromkeys(dest.parent for dest, _ in files):
        _fsync_dir(folder)


def atomic_write(dest: Path, write: Callable[[BinaryIO], None], *, stale_age: float = STALE_TEMP_AGE) -> None:
    """Write `dest` (mode 0600) via `write(fh)` so that it is replaced whole or not at all."""
    atomic_write_all([(dest, write)], stale_age=stale_age)


def lock_timeout() -> float:
    """Seconds to wait for another run's lock: $OFSTED_LISTS_LOCK_TIMEOUT, else 60."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise UsageError(f"{LOCK_TIMEOUT_ENV} must be a number of seconds (0 or more), not '{raw}'")
    return value


@contextmanager
def output_lock(dest: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `dest` (file `.<name>.lock` beside it) for the block.

    Waits up to `timeout` seconds (None: `lock_timeout()`) for another holder, then raises
    OutputError. The lock file stays in place: deleting it would let a waiter lock an
    unlinked inode.
    """
    dest = Path(dest)
    if timeout is None:
        timeout = lock_timeout()
    lock_path = dest.parent / f".{dest.name}.lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise _as_output_error(exc, lock_path) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputError(
                        f"another ofsted-lists run is writing {dest.name}; waited "
                        f"{timeout:g} s — try again when it has finished"
                    ) from None
                time.sleep(_LOCK_POLL)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def encrypt_xlsx(plain: bytes, password: str) -> bytes:
    """Encrypt an xlsx held in memory (agile AES-256, as Excel does) with `password`."""
    if not password:
        raise UsageError("the workbook password is empty; set a non-empty password")
    from msoffcrypto.format.ooxml import OOXMLFile  # slow import, only needed here

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()
