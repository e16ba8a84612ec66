"""Safe output: atomic 0600 writes, a folder replaced as one unit, stale temp files, the run lock
(never through a planted link), encryption."""

from __future__ import annotations

import errno
import io
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from ofsted_lists import output
from ofsted_lists.errors import OutputError, UsageError
from ofsted_lists.output import atomic_write, encrypt_xlsx, ensure_dir, output_lock

SRC = Path(__file__).resolve().parents[1] / "src"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def put(data: bytes):
    return lambda fh: fh.write(data)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A previous good output, world-readable as most writers leave it."""
    dest = tmp_path / "lists.xlsx"
    dest.write_bytes(b"previous good output")
    dest.chmod(0o644)
    return dest


# ---------------------------------------------------------------- atomic_write


def test_new_file_has_content_and_mode_0600(tmp_path):
    dest = tmp_path / "new.xlsx"
    atomic_write(dest, put(b"abc"))
    assert dest.read_bytes() == b"abc"
    assert mode(dest) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["new.xlsx"]


def test_replacing_a_0644_file_gives_0600(old):
    atomic_write(old, put(b"new"))
    assert old.read_bytes() == b"new"
    assert mode(old) == 0o600
    assert temps(old.parent) == []


@pytest.mark.parametrize("exc", [ValueError("bug in writer"), KeyboardInterrupt()])
def test_exception_in_write_keeps_previous_file_and_removes_temp(old, exc):
    def write(fh):
        fh.write(b"half a workbook")
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(old, write)
    assert old.read_bytes() == b"previous good output"
    assert temps(old.parent) == []


def test_disk_full_is_an_output_error_and_keeps_previous_file(old):
    def write(fh):
        fh.write(b"some")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="disk full while writing .*; nothing was replaced"):
        atomic_write(old, write)
    assert old.read_bytes() == b"previous good output"
    assert temps(old.parent) == []


def test_disk_full_at_fsync_is_an_output_error(old, monkeypatch):
    def fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", fsync)
    with pytest.raises(OutputError, match="disk full"):
        atomic_write(old, put(b"new"))
    assert old.read_bytes() == b"previous good output"
    assert temps(old.parent) == []


def test_permission_denied_names_the_folder(tmp_path, monkeypatch):
    # We run as root, where chmod cannot make a folder unwritable: simulate the refusal.
    def mkstemp(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkstemp", mkstemp)
    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path / "x.xlsx", put(b""))
    assert str(info.value) == (
        f"cannot write to {tmp_path}: the folder is not writable (permission denied) — choose another --out "
        "or fix the folder's permissions"
    )


def test_unsearchable_folder_is_an_output_error(tmp_path, monkeypatch):
    def is_dir(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_dir", is_dir)
    with pytest.raises(OutputError, match="permission denied"):
        atomic_write(tmp_path / "x.xlsx", put(b""))
    with pytest.raises(OutputError, match="permission denied"):
        ensure_dir(tmp_path / "x")


def test_dest_that_is_a_folder_is_an_output_error(tmp_path):
    (tmp_path / "out.xlsx").mkdir()
    with pytest.raises(OutputError, match="it is a folder"):
        atomic_write(tmp_path / "out.xlsx", put(b"x"))


def test_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "x.xlsx", put(b"x"))


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=5000))
def test_any_bytes_are_written_exactly(tmp_path_factory, data):
    dest = tmp_path_factory.mktemp("w") / "f.bin"
    atomic_write(dest, put(data))
    assert dest.read_bytes() == data


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ofsted_lists.output import atomic_write

    def write(fh):
        fh.write(b"partial workbook" * 4096)
        fh.flush()
        print("ready", flush=True)
        time.sleep(60)

    atomic_write(Path(sys.argv[1]), write)
    """
)


def test_sigkill_mid_write_leaves_previous_file_and_only_a_hidden_temp(old):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(old)], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert child.returncode == -9
    assert old.read_bytes() == b"previous good output"
    (left,) = temps(old.parent)
    assert left.startswith(".lists.xlsx.")

    # A young temp file may belong to a live writer: the next run leaves it alone...
    atomic_write(old, put(b"next run"))
    assert temps(old.parent) == [left]
    # ...and removes it once it is older than STALE_TEMP_AGE.
    stale = time.time() - output.STALE_TEMP_AGE - 60
    os.utime(old.parent / left, (stale, stale))
    atomic_write(old, put(b"run after"))
    assert temps(old.parent) == []
    assert old.read_bytes() == b"run after"


def test_stale_cleanup_ignores_other_files(tmp_path):
    stale = time.time() - output.STALE_TEMP_AGE - 60
    others = [".a.xlsx.bak.abcd1234.tmp", ".b.xlsx.abcd1234.tmp", "a.xlsx.abcd1234.tmp"]
    for name in [*others, ".a.xlsx.abcd1234.tmp"]:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (stale, stale))
    atomic_write(tmp_path / "a.xlsx", put(b"x"))
    assert temps(tmp_path) == sorted(others)


# ---------------------------------------------------------------- ensure_dir


def test_ensure_dir_creates_every_missing_level_0700(tmp_path):
    folder = tmp_path / "a" / "b" / "c"
    ensure_dir(folder)
    for p in (tmp_path / "a", tmp_path / "a" / "b", folder):
        assert mode(p) == 0o700
    ensure_dir(folder)  # existing folder: fine


def test_ensure_dir_keeps_an_existing_folders_mode(tmp_path):
    tmp_path.chmod(0o755)
    ensure_dir(tmp_path)
    assert mode(tmp_path) == 0o755


def test_ensure_dir_over_a_file_is_an_output_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="a file of that name exists"):
        ensure_dir(tmp_path / "f")
    with pytest.raises(OutputError, match="part of the path is a file"):
        ensure_dir(tmp_path / "f" / "sub")


def test_ensure_dir_permission_denied(tmp_path, monkeypatch):
    def mkdir(self, mode=0o777):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError, match=fr"cannot write to {tmp_path}: the folder is not writable \(permission denied\)"):
        ensure_dir(tmp_path / "new")


# ---------------------------------------------------------------- output_lock


def test_second_holder_waits_then_fails(tmp_path):
    dest = tmp_path / "lists.xlsx"
    with output_lock(dest):
        assert mode(tmp_path / ".lists.xlsx.lock") == 0o600
        # flock locks belong to the open file, so a second open in this process contends.
        with pytest.raises(OutputError) as info:
            with output_lock(dest, timeout=0.5):
                pytest.fail("lock acquired twice")
    assert str(info.value) == (
        "another ofsted-lists run is writing lists.xlsx; waited 0.5 s — "
        "try again when it has finished"
    )
    with output_lock(dest, timeout=0):  # released
        pass


def test_waiter_gets_the_lock_when_the_holder_finishes(tmp_path):
    dest = tmp_path / "lists.xlsx"
    held, order = threading.Event(), []

    def holder():
        with output_lock(dest):
            held.set()
            time.sleep(0.2)
            order.append("holder done")

    t = threading.Thread(target=holder)
    t.start()
    held.wait()
    with output_lock(dest, timeout=30):
        order.append("waiter in")
    t.join()
    assert order == ["holder done", "waiter in"]


def test_locks_on_different_files_are_independent(tmp_path):
    with output_lock(tmp_path / "a.xlsx"), output_lock(tmp_path / "b.xlsx", timeout=0):
        pass


# ---------------------------------------------------------------- encrypt_xlsx


def small_xlsx() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("S").write_string(0, 0, "secret")
    wb.close()
    return buf.getvalue()


def decrypt(data: bytes, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def test_encryption_round_trip():
    plain = small_xlsx()
    enc = encrypt_xlsx(plain, "s3cret pass")
    assert enc[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE container, not a zip
    assert b"secret" not in enc
    back = decrypt(enc, "s3cret pass")
    assert back == plain
    assert openpyxl.load_workbook(io.BytesIO(back))["S"]["A1"].value == "secret"


def test_wrong_password_fails():
    enc = encrypt_xlsx(small_xlsx(), "right")
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        decrypt(enc, "wrong")


def test_empty_password_is_refused():
    with pytest.raises(UsageError, match="password is empty"):
        encrypt_xlsx(small_xlsx(), "")


# ---------------------------------------------------------------- a folder replaced as one unit

OLD_SET = {"00_Summary.csv": b"old summary", "01_a.csv": b"old a", "02_b.csv": b"old b"}
NEW_SET = {"00_Summary.csv": b"new summary", "01_a.csv": b"new a", "03_c.csv": b"new c"}
# Every OS call a folder replacement makes that changes the disk: a step where it can fail or be killed.
STEPS = [(os, "mkdir"), (os, "open"), (os, "fchmod"), (os, "fsync"), (os, "chmod"), (os, "rename"),
         (output, "_exchange"), (os, "unlink"), (shutil, "rmtree")]


def owned(name: str) -> bool:
    return name.endswith(".csv")


def set_of(files: dict[str, bytes]):
    return [(name, put(data)) for name, data in files.items()]


def contents(folder: Path) -> dict[str, bytes] | None:
    if not folder.is_dir():
        return None
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def replace(dest: Path, files: dict[str, bytes]) -> list[Path]:
    return output.replace_folder(dest, set_of(files), owned=owned, lock_timeout=0)


@pytest.fixture
def old_set(tmp_path: Path) -> Path:
    dest = tmp_path / "csv"
    replace(dest, OLD_SET)
    return dest


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir() if p.name not in (dest.name, f".{dest.name}.lock"))


class StepFails(Exception):
    pass


def at_step(monkeypatch, k: int, action) -> list[str]:
    """Patch every STEPS call so that the k-th (1-based, over all of them) runs `action`
    instead; return the names of the calls made, in order."""
    calls: list[str] = []
    for module, name in STEPS:
        real = getattr(module, name)

        def step(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            if len(calls) == k:
                return action(_name, _real, *args, **kwargs)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, step)
    return calls


def _eio(name, real, *args, **kwargs):
    raise OSError(errno.EIO, f"injected failure in {name}")


def no_exchange(monkeypatch) -> None:
    def unsupported(a, b):
        raise OSError(errno.EINVAL, "Invalid argument")
    monkeypatch.setattr(output, "_exchange", unsupported)


def count_steps(tmp_path: Path, monkeypatch, exchange: bool) -> int:
    dest = tmp_path / "count" / "csv"
    replace(dest, OLD_SET)
    with monkeypatch.context() as mp:
        if not exchange:
            no_exchange(mp)
        calls = at_step(mp, 0, None)
        replace(dest, NEW_SET)
    return len(calls)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2 exchange", "two renames"])
def test_a_failure_at_any_step_leaves_the_old_set_or_the_new_set(tmp_path, monkeypatch, exchange):
    n = count_steps(tmp_path, monkeypatch, exchange)
    assert n >= 12  # mkdir, chmod, 3 × (open, fchmod, fsync), the swap, the clean-up
    seen = set()
    for k in range(1, n + 1):
        dest = tmp_path / f"k{k}" / "csv"
        replace(dest, OLD_SET)
        with monkeypatch.context() as mp:
            if not exchange:
                no_exchange(mp)
            at_step(mp, k, _eio)
            try:
                replace(dest, NEW_SET)
                error = None
            except OutputError as exc:
                error = str(exc)
        got = contents(dest)
        assert got in (OLD_SET, NEW_SET), (k, got)
        if got == OLD_SET:
            assert error is not None and "nothing was replaced" in error, (k, error)
        else:
            assert error is None, (k, error)  # a failure after the swap is only an untidy leftover
        seen.add("old" if got == OLD_SET else "new")
        replace(dest, NEW_SET)  # the next run tidies whatever was left
        assert contents(dest) == NEW_SET and leftovers(dest) == []
    assert seen == {"old", "new"}


def _killed(name, real, *args, **kwargs):
    os._exit(9)  # no clean-up of any kind runs, as after SIGKILL or a power cut


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2 exchange", "two renames"])
def test_a_kill_at_any_step_leaves_the_old_set_or_the_new_set_and_the_next_run_recovers(
        tmp_path, monkeypatch, exchange):
    n = count_steps(tmp_path, monkeypatch, exchange)
    states = set()
    for k in range(1, n + 1):
        dest = tmp_path / f"k{k}" / "csv"
        replace(dest, OLD_SET)
        pid = os.fork()
        if pid == 0:  # the run that is killed at step k
            try:
                if not exchange:
                    no_exchange(monkeypatch)
                at_step(monkeypatch, k, _killed)
                replace(dest, NEW_SET)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 9, k  # killed at step k, not finished
        got = contents(dest)
        if got is None:
            # Only between the two renames: the old set is aside, and is what comes back.
            assert not exchange and contents(dest.parent / ".csv.old") == OLD_SET, k
            state = "moved aside"
        else:
            assert got in (OLD_SET, NEW_SET), (k, got)
            state = "old" if got == OLD_SET else "new"
        states.add(state)
        assert output.restore_folder(dest, lock_timeout=0) == (state == "moved aside")
        assert contents(dest) == (NEW_SET if state == "new" else OLD_SET), k
        assert leftovers(dest) == [], (k, leftovers(dest))
    assert states == ({"old", "new"} if exchange else {"old", "moved aside", "new"})


def test_the_old_set_comes_back_when_the_second_rename_and_its_undo_fail(old_set, monkeypatch):
    no_exchange(monkeypatch)
    real = os.rename
    calls = []

    def rename(a, b):
        calls.append((Path(a).name, Path(b).name))
        if len(calls) > 1:
            raise OSError(errno.EIO, "I/O error")
        return real(a, b)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match=r"the previous set is in .*\.csv\.old and the next run puts it back"):
        replace(old_set, NEW_SET)
    monkeypatch.undo()
    assert not old_set.exists()
    assert output.restore_folder(old_set, lock_timeout=0)
    assert contents(old_set) == OLD_SET and leftovers(old_set) == []


def test_folder_replacement_records_what_was_replaced(tmp_path):
    output.forget_replaced()
    replace(tmp_path / "csv", NEW_SET)
    assert output.replaced() == [tmp_path / "csv"]


def test_a_folder_holding_files_the_tool_did_not_write_is_not_replaced(old_set):
    (old_set / "notes.docx").write_bytes(b"mine")
    with pytest.raises(OutputError, match="holds 1 file.*ofsted-lists did not write"):
        replace(old_set, NEW_SET)
    assert contents(old_set) == {**OLD_SET, "notes.docx": b"mine"}
    assert leftovers(old_set) == []


def test_a_replaced_folder_keeps_its_mode_and_its_files_are_0600(old_set):
    old_set.chmod(0o750)
    for path in replace(old_set, NEW_SET):
        assert mode(path) == 0o600
    assert mode(old_set) == 0o750
    assert mode(replace(old_set.parent / "fresh", NEW_SET)[0].parent) == 0o700


def test_a_destination_that_is_a_link_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "csv").symlink_to(target)
    with pytest.raises(OutputError, match="is a symbolic link"):
        replace(tmp_path / "csv", NEW_SET)
    assert list(target.iterdir()) == []


# ---------------------------------------------------------------- planted lock files


@pytest.mark.parametrize("kind", ["link to a new file", "link to an existing file", "dangling link"])
def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path, kind):
    target = tmp_path / "victim"
    if kind == "link to an existing file":
        target.write_bytes(b"precious")
        target.chmod(0o644)
    (tmp_path / ".lists.xlsx.lock").symlink_to(target if kind != "dangling link" else tmp_path / "nowhere")
    with pytest.raises(OutputError, match=r"the lock file .*\.lists\.xlsx\.lock is a symbolic link"):
        with output_lock(tmp_path / "lists.xlsx", timeout=0):
            pass
    if kind == "link to an existing file":
        assert target.read_bytes() == b"precious" and mode(target) == 0o644
    else:
        assert not target.exists() and not (tmp_path / "nowhere").exists()


def test_a_lock_file_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / ".lists.xlsx.lock")
    with pytest.raises(OutputError, match="is not a regular file"):
        with output_lock(tmp_path / "lists.xlsx", timeout=0):
            pass
