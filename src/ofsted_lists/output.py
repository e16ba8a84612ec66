"""Safe file output (SPEC §5): atomic 0600 writes, a lock against overlapping runs, encryption.

A destination is only ever replaced by `os.replace` of a fully written, fsynced temporary
file in the same folder, so a failed or killed run never leaves a partial file and never
destroys the previous good output.

Stale temporary files: a run killed with SIGKILL can leave a hidden
`.<name>.<random>.tmp` beside the destination. `atomic_write` removes such files for the
same destination once they are older than `stale_age` seconds (default `STALE_TEMP_AGE`):
without `output_lock` a young temp file may belong to a live writer. The workbook writers
hold the lock and pass `stale_age=0`, so the next run clears what a killed one left.

A folder of files (the CSV output) is replaced as one unit: the new set is written into
a hidden sibling folder, then swapped in by renaming folders (`replace_folder`), so a
reader finds the old set or the new set, never a mix; whatever a killed run leaves is put
right by the next (`recover_folder`).

How long a run waits for another's lock: `OFSTED_LISTS_LOCK_TIMEOUT` seconds, else 60.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import io
import os
import re
import shutil
import signal
import stat
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


def path_problem(exc: OSError) -> str:
    """What is wrong with a path, in words, for an OS error met while looking at it."""
    if exc.errno == errno.EROFS:
        return "a read-only file system"
    if exc.errno in _PERMISSION:
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "a name in the path is too long"
    if exc.errno == errno.ELOOP:
        return "too many symbolic links"
    if exc.errno == errno.ENOTDIR:
        return "part of the path is a file"
    return exc.strerror or type(exc).__name__


def not_writable(folder: Path, why: str = "permission denied") -> OutputError:
    """The one message for an output folder that takes no new file, and why."""
    fix = " or fix the folder's permissions" if why == "permission denied" else ""
    return OutputError(f"cannot write to {folder}: the folder is not writable ({why}) — choose another --out{fix}")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _as_output_error(exc: OSError, dest: Path) -> OutputError:
    """One clear message for an OS error met while writing `dest`."""
    if exc.errno in _PERMISSION:
        return not_writable(dest.parent, path_problem(exc))
    if exc.errno in _FULL:
        return OutputError(f"disk full while writing {dest}; nothing was replaced")
    if exc.errno == errno.ENOENT:
        # A folder that is there and still says "no such file" (/proc, some mounts)
        # refuses new files: it exists, so saying it does not would mislead.
        if _is_dir(dest.parent):
            return not_writable(dest.parent, "it refuses new files")
        return OutputError(f"cannot write {dest}: the folder {dest.parent} does not exist")
    if exc.errno == errno.EISDIR:
        return OutputError(f"cannot write {dest}: it is a folder")
    return OutputError(f"cannot write {dest}: {path_problem(exc)}; nothing was replaced")


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
        parent = Path(exc.filename).parent if exc.filename else folder
        if exc.errno in _PERMISSION:
            raise not_writable(parent, path_problem(exc)) from None
        if exc.errno == errno.ENOENT and _is_dir(parent):  # as in `_as_output_error`
            raise not_writable(parent, "it refuses new files") from None
        raise OutputError(f"cannot create folder {folder}: {path_problem(exc)}") from None


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


# --- what was replaced, and interrupts during a commit --------------------------------

_replaced: list[Path] = []


def replaced() -> list[Path]:
    """Destinations this process has replaced (or created) since `forget_replaced()`."""
    return list(_replaced)


def forget_replaced() -> None:
    _replaced.clear()


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block (a commit) ends, then deliver them.

    A commit is never cut in half by Ctrl-C or cron's `timeout`, and the interrupt that
    follows meets a `replaced()` that says what really happened. Outside the main thread
    signals cannot be held, and are left alone."""
    held: list[int] = []
    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, frame: held.append(signum))
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(held):
            signal.raise_signal(sig)  # now handled as it would have been


def _commit_files(pending: list[tuple[str, Path]]) -> None:
    with _uninterrupted():
        while pending:
            tmp, dest = pending[0]
            try:
                os.replace(tmp, dest)
            except OSError as exc:
                raise _as_output_error(exc, dest) from None
            pending.pop(0)
            _replaced.append(dest)


def atomic_write_all(
    files: Iterable[tuple[Path, Callable[[BinaryIO], None]]], *, stale_age: float = STALE_TEMP_AGE
) -> None:
    """Write several files (mode 0600) so that none is replaced unless every one was written.

    All temporary files are written and fsynced first; only then are they renamed into
    place, so a full disk or an error while writing the fifth file leaves the first four
    destinations as they were. (The renames are one by one: a folder that must change as
    one unit is written with `replace_folder`.)
    """
    files = [(Path(dest), write) for dest, write in files]
    pending: list[tuple[str, Path]] = []
    try:
        for dest, write in files:
            pending.append((_stage(dest, write, stale_age), dest))
        _commit_files(pending)
    finally:
        for tmp, _ in pending:
            with suppress(OSError):
                os.unlink(tmp)
    for folder in dict.fromkeys(dest.parent for dest, _ in files):
        _fsync_dir(folder)


def atomic_write(dest: Path, write: Callable[[BinaryIO], None], *, stale_age: float = STALE_TEMP_AGE) -> None:
    """Write `dest` (mode 0600) via `write(fh)` so that it is replaced whole or not at all."""
    atomic_write_all([(dest, write)], stale_age=stale_age)


# --- a folder replaced as one unit ---------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); OSError(ENOSYS) where
    the C library lacks it, EINVAL where the filesystem does."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(a))


_NO_EXCHANGE = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)


def _staging(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.new"


def _backup(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.old"


def _exists(path: Path) -> bool:
    """True if anything (a dangling link included) is at `path`."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def _remove(path: Path) -> None:
    """Remove a folder tree, or a file or link in its place (a link is never followed)."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def recover_folder(dest: Path) -> bool:
    """Put right what a killed `replace_folder` of `dest` left; True if the old set was
    put back. Call it holding `output_lock(dest)`.

    A backup with no `dest` means the kill came between the two renames: the backup is
    the previous set and goes back. A backup beside `dest`, or any staging folder, is
    surplus (the new set was in place, or was never complete) and is removed."""
    dest, backup, staging = Path(dest), _backup(Path(dest)), _staging(Path(dest))
    restored = False
    try:
        if _exists(backup):
            if not _exists(dest):
                os.rename(backup, dest)
                _fsync_dir(dest.parent)
                restored = True
            else:
                _remove(backup)
        if _exists(staging):
            _remove(staging)
    except OSError as exc:
        raise OutputError(f"cannot tidy up after an earlier run that was stopped while replacing {dest}: "
                          f"{path_problem(exc)}; remove {backup.name} and {staging.name} from "
                          f"{dest.parent} by hand") from None
    return restored


def restore_folder(dest: Path, lock_timeout: float | None = None) -> bool:
    """`recover_folder` under the lock, when a killed run left anything to put right."""
    dest = Path(dest)
    try:
        if not (_exists(_backup(dest)) or _exists(_staging(dest))):
            return False
    except OSError:  # a folder we may not search: the write reports it properly
        return False
    with output_lock(dest, lock_timeout):
        return recover_folder(dest)


def restore_folders(parent: Path, names: re.Pattern[str], lock_timeout: float | None = None) -> list[Path]:
    """`restore_folder` for every folder in `parent` whose name matches `names` and that a
    killed run left moved aside: yesterday's dated folder comes back on today's run, which
    writes another name. Returns the folders put back."""
    try:
        entries = os.listdir(parent)
    except OSError:  # a folder we may not search: the write reports it properly
        return []
    aside = (m.group(1) for e in sorted(entries) if (m := re.fullmatch(r"\.(.+)\.old", e)))
    return [Path(parent) / name for name in aside
            if names.fullmatch(name) and restore_folder(Path(parent) / name, lock_timeout)]


def _write_new(path: Path, write: Callable[[BinaryIO], None]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        write(fh)
        fh.flush()
        os.fchmod(fh.fileno(), 0o600)  # whatever the umask
        os.fsync(fh.fileno())


def _swap_in(staging: Path, dest: Path) -> None:
    """Make `staging` the folder at `dest`; the old `dest`, if any, is gone afterwards.

    Where the system can, the two folders trade places in one step; otherwise the old
    folder is renamed aside and the new one into its place, and a failure between the
    two puts the old one back."""
    backup = _backup(dest)
    if not _exists(dest):
        os.rename(staging, dest)
        _fsync_dir(dest.parent)
        _replaced.append(dest)
        return
    try:
        _exchange(staging, dest)
        surplus = staging  # it now holds the old set
    except OSError as exc:
        if exc.errno not in _NO_EXCHANGE:
            raise
        os.rename(dest, backup)
        try:
            os.rename(staging, dest)
        except OSError:
            try:
                os.rename(backup, dest)
            except OSError as undo:
                raise OutputError(
                    f"cannot replace {dest}: {path_problem(undo)}; the previous set is in "
                    f"{backup} and the next run puts it back"
                ) from None
            raise
        surplus = backup
    _fsync_dir(dest.parent)
    _replaced.append(dest)
    with suppress(OSError):  # the new set is in place; the next run removes what is left
        shutil.rmtree(surplus)


def replace_folder(
    dest: Path,
    files: Iterable[tuple[str, Callable[[BinaryIO], None]]],
    *,
    owned: Callable[[str], bool],
    lock_timeout: float | None = None,
) -> list[Path]:
    """Replace the folder `dest` with one holding exactly `files` ((name, write(fh))), as
    one unit: mode 0600 files in a 0700 hidden sibling folder, fsynced, then swapped in.

    `owned(name)` says which names in an existing `dest` a previous run wrote; anything
    else there is refused rather than thrown away. An existing `dest` keeps its mode.
    Returns the paths of the files in their final place."""
    dest = Path(dest)
    files = list(files)
    try:
        if stat.S_ISLNK(os.lstat(dest).st_mode):
            raise OutputError(f"cannot write {dest}: it is a symbolic link; give the folder it points to as --out")
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _as_output_error(exc, dest) from None
    ensure_dir(dest.parent)
    with output_lock(dest, lock_timeout):
        recover_folder(dest)
        mode = _existing_folder_mode(dest, owned)
        staging = _staging(dest)
        try:
            os.mkdir(staging, 0o700)
            os.chmod(staging, 0o700)
            for name, write in files:
                _write_new(staging / name, write)
            _fsync_dir(staging)
            if mode is not None:
                os.chmod(staging, mode)
            with _uninterrupted():
                _swap_in(staging, dest)
        except BaseException as exc:
            with suppress(OSError):
                if _exists(staging):
                    _remove(staging)
            if isinstance(exc, OSError):
                raise _as_output_error(exc, dest) from None
            raise
    return [dest / name for name, _ in files]


def _existing_folder_mode(dest: Path, owned: Callable[[str], bool]) -> int | None:
    """The mode of the folder at `dest` (None: there is none), once it is known to hold
    only what a previous run wrote."""
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _as_output_error(exc, dest) from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write the folder {dest}: a file of that name exists")
    try:
        foreign = [name for name in os.listdir(dest) if not owned(name)]
    except OSError as exc:
        raise _as_output_error(exc, dest) from None
    if foreign:
        raise OutputError(
            f"cannot replace {dest}: it holds {len(foreign)} file(s) or folder(s) ofsted-lists did not "
            "write, which replacing the folder would delete; give --out a folder of its own"
        )
    return stat.S_IMODE(st.st_mode)


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


def _open_lock(lock_path: Path) -> int:
    """The lock file's descriptor. A link is never followed and only a regular file is
    used, so a planted `.x.lock` cannot make a run create or open a file elsewhere."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock_path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutputError(f"the lock file {lock_path} is a symbolic link; ofsted-lists does not follow it — "
                              "remove the link and run again") from None
        raise _as_output_error(exc, lock_path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputError(f"the lock file {lock_path} is not a regular file; remove it and run again")
    return fd


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
    fd = _open_lock(dest.parent / f".{dest.name}.lock")
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


def decrypt_xlsx(data: bytes, password: str) -> bytes | None:
    """The plain xlsx of an encrypted one, in memory (no plaintext file is ever written);
    None when `password` does not open it or it is damaged."""
    import msoffcrypto  # slow import, only needed here

    out = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        office.decrypt(out)
    except Exception:  # msoffcrypto's errors for a wrong key or a damaged file have no common base
        return None
    return out.getvalue()
