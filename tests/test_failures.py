"""Every user-caused failure, end to end through the CLI (SPEC §2, §5; issue 5).

Each case asserts one clear `error:` line naming what to fix, the exit code, no
traceback, and that nothing was written or replaced: the previous good workbook at
--out stays byte-identical and no temporary file is left. We run as root, where chmod
cannot make a file unreadable or a folder unwritable, so those refusals are simulated
by patching the OS calls for the paths concerned.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import hashlib
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA
from ofsted_lists import output
from ofsted_lists.cli import app
from ofsted_lists.output import LOCK_TIMEOUT_ENV, output_lock

SRC = Path(__file__).resolve().parents[1] / "src"
OUT_NAME = "lists.xlsx"
PREVIOUS_AS_OF = "2026-10-31"
LOCK_FILES = {f".{OUT_NAME}.lock", ".csv.lock"}  # the workbook's, the CSV folder's (beside it)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A valid export set of every table, 12 lines each: quick to build."""
    folder = tmp_path_factory.mktemp("small")
    for src in SAMPLE_DATA.glob("*.csv"):
        lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / src.name).write_text("".join(lines[:12]), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def good_workbook(small, tmp_path_factory) -> bytes:
    """The previous good output; another as-of date, so that no rerun could reproduce it."""
    out = tmp_path_factory.mktemp("good") / OUT_NAME
    res = invoke("build", "--input", str(small), "--as-of", PREVIOUS_AS_OF, "--out", str(out), "--quiet")
    assert res.exit_code == 0, res.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def contacts_xlsx(small) -> bytes:
    """The small contacts table as a real .xlsx workbook."""
    buf = io.BytesIO()
    pd.read_csv(small / "contacts.csv", dtype=str).to_excel(buf, sheet_name="contacts", index=False)
    return buf.getvalue()


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_nothing_written(before: dict[str, str], root: Path) -> None:
    """Every file as it was; new files only the (empty) lock files; no temp files."""
    after = snapshot(root)
    for name, digest in before.items():
        assert after.get(name) == digest, f"{name} was changed or removed"
    new = set(after) - set(before)
    assert {Path(n).name for n in new} <= LOCK_FILES, f"left behind: {sorted(new)}"


def assert_one_clear_error(res, code: int, message: str) -> None:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert message in lines[0], lines[0]
    assert res.stdout == ""


# ---------------------------------------------------------------- the matrix


@dataclass
class Ctx:
    root: Path  # everything the run may touch lives under here
    input: Path  # a copy of the small export set
    out: Path  # the previous good workbook
    monkeypatch: pytest.MonkeyPatch
    extra: dict = field(default_factory=dict)


@dataclass
class Case:
    id: str
    code: int
    message: Callable[[Ctx], str]  # the text the error line must contain
    files: Callable[[Ctx], list[str] | None] = lambda ctx: None  # prepare files; extra CLI args
    patch: Callable[[Ctx], None] = lambda ctx: None  # applied after the snapshot


def _refuse(path: Path) -> Callable:
    """Replace a callable so that it raises PermissionError for `path`, else delegates."""
    def wrap(real):
        def refused(target, *args, **kwargs):
            if Path(os.fspath(target)) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real(target, *args, **kwargs)
        return refused
    return wrap


def unreadable(ctx: Ctx, name: str) -> None:
    path = ctx.input / name
    wrap = _refuse(path)
    mp = ctx.monkeypatch
    mp.setattr(Path, "read_bytes", wrap(Path.read_bytes))
    mp.setattr(Path, "open", wrap(Path.open))
    mp.setattr(builtins, "open", wrap(builtins.open))
    mp.setattr(io, "open", wrap(io.open))


def unwritable(ctx: Ctx, folder: Path) -> None:
    """Creating anything in `folder` (or below) fails as it would in a read-only folder."""
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path) -> bool:
        return Path(os.fspath(path)).resolve().is_relative_to(folder.resolve())

    def fake_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    ctx.monkeypatch.setattr(os, "open", fake_open)
    ctx.monkeypatch.setattr(os, "mkdir", fake_mkdir)


class _FillsUp:
    """A file object on a disk that fills up after `room` bytes (ENOSPC), like a real one."""

    def __init__(self, fh, room: int):
        self._fh, self._room = fh, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._fh.flush()
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def disk_full(ctx: Ctx, folder: Path, *, after_files: int = 0, at: str = "write") -> None:
    """Writes into `folder` fail with ENOSPC: at the first write of the file after
    `after_files` complete ones, or (at="fsync") when the data is flushed to disk."""
    real_fdopen, real_fsync = os.fdopen, os.fsync
    opened = []

    def in_folder(fd: int) -> bool:
        return Path(os.readlink(f"/proc/self/fd/{fd}")).parent == folder

    def fdopen(fd, *args, **kwargs):
        fh = real_fdopen(fd, *args, **kwargs)
        if at != "write" or not in_folder(fd):
            return fh
        opened.append(fd)
        return _FillsUp(fh, 10**12 if len(opened) <= after_files else 100)

    def fsync(fd):
        if at == "fsync" and in_folder(fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    ctx.monkeypatch.setattr(os, "fdopen", fdopen)
    ctx.monkeypatch.setattr(os, "fsync", fsync)


def unsearchable(ctx: Ctx, folder: Path) -> None:
    """Nothing below `folder` can be looked at, opened or created, as when the user
    lacks search (x) permission on it: Path.exists() itself raises PermissionError."""
    def below(path) -> bool:
        try:
            return Path(os.fspath(path)).absolute().is_relative_to(folder) and Path(os.fspath(path)) != folder
        except TypeError:  # a file descriptor
            return False

    def refusing(real):
        def call(path, *args, **kwargs):
            if below(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)
        return call

    for name in ("stat", "lstat", "open", "mkdir", "scandir", "listdir"):
        ctx.monkeypatch.setattr(os, name, refusing(getattr(os, name)))


LONG = "n" * 300  # longer than a file name may be (ENAMETOOLONG)


def plant_lock_link(ctx: Ctx, lock: Path) -> None:
    """Someone else's link where the lock file goes, pointing at a file that must never appear."""
    if lock.exists() or lock.is_symlink():
        lock.unlink()
    lock.symlink_to(ctx.root / "victim")


def write(path: Path, data: bytes | str) -> None:
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def new_folder(path: Path) -> Path:
    path.mkdir()
    return path


def replace_contacts(ctx: Ctx, name: str, data: bytes) -> None:
    (ctx.input / "contacts.csv").unlink()
    write(ctx.input / name, data)


def encrypted(plain: bytes, password: str = "input secret") -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def config(ctx: Ctx, text: str) -> list[str]:
    write(ctx.root / "bad.toml", text)
    return ["--config", str(ctx.root / "bad.toml")]


def csv_folder(ctx: Ctx) -> Path:
    """A previous good CSV output folder, built for real (for another as-of date)."""
    folder = ctx.root / "csv"
    res = invoke("build", "--input", str(ctx.input), "--as-of", PREVIOUS_AS_OF, "--format", "csv",
                 "--out", str(folder), "--quiet")
    assert res.exit_code == 0, res.output
    return folder


GARBAGE = bytes(range(256)) * 12  # binary, NUL bytes included, no file signature

CASES = [
    # -- input
    Case("missing input folder", 3, lambda c: f"input folder not found: {c.root / 'nope'} (give --input DIR",
         files=lambda c: ["--input", str(c.root / "nope")]),
    Case("input is a file", 3, lambda c: "--input must be a folder of exports",
         files=lambda c: ["--input", str(c.input / "contacts.csv")]),
    Case("empty input folder", 3, lambda c: "holds no .csv, .xlsx, .xlsm, .xls or .xml files",
         files=lambda c: ["--input", str(new_folder(c.root / "empty"))]),
    Case("zero-byte csv", 3, lambda c: "contacts.csv is empty: export it again or remove it",
         files=lambda c: write(c.input / "contacts.csv", b"")),
    Case("whitespace-only csv", 3, lambda c: "referrals.csv is empty: export it again",
         files=lambda c: write(c.input / "referrals.csv", b" \r\n\r\n")),
    Case("zero-byte xlsx", 3, lambda c: "contacts.xlsx is empty: export it again",
         files=lambda c: replace_contacts(c, "contacts.xlsx", b"")),
    Case("binary bytes named .xlsx", 3,
         lambda c: "contacts.xlsx is not a valid Excel workbook (corrupt, or not really Excel): export it again",
         files=lambda c: replace_contacts(c, "contacts.xlsx", GARBAGE)),
    Case("web page named .xls", 3,
         lambda c: "contacts.xls is a web page or XML file saved under an Excel name, not a workbook",
         files=lambda c: replace_contacts(c, "contacts.xls", b"<html><table><tr><td>child_id</td></tr></table>")),
    Case("truncated xlsx", 3, lambda c: "contacts.xlsx could not be opened as an Excel workbook",
         files=lambda c: replace_contacts(c, "contacts.xlsx", c.extra["xlsx"][: len(c.extra["xlsx"]) // 2])),
    Case("binary bytes named .xls", 3, lambda c: "contacts.xls is not a valid Excel workbook",
         files=lambda c: replace_contacts(c, "contacts.xls", GARBAGE)),
    Case("password-protected xlsx", 3,
         lambda c: "contacts.xlsx is password-protected (encrypted): save an unprotected copy into the input folder",
         files=lambda c: replace_contacts(c, "contacts.xlsx", encrypted(c.extra["xlsx"]))),
    Case("binary garbage in csv", 3,
         lambda c: "contacts.csv is not a text CSV (it holds binary data): export it again as CSV",
         files=lambda c: write(c.input / "contacts.csv", b"child_id,contact_date\n\x00\x01\xff\xfe" * 50)),
    Case("high-bit garbage in csv", 3,
         lambda c: "contacts.csv: found no header row in the first 30 rows for table 'contacts'",
         files=lambda c: write(c.input / "contacts.csv", bytes(range(0x80, 0x100)) * 20)),
    Case("unreadable file", 3, lambda c: "cannot read contacts.csv: permission denied",
         patch=lambda c: unreadable(c, "contacts.csv")),
    Case("unreadable input folder", 3, lambda c: f"cannot read the input folder {c.input}: permission denied",
         patch=lambda c: c.monkeypatch.setattr(Path, "iterdir", _refuse(c.input)(Path.iterdir))),
    # -- output
    Case("output folder not writable", 3,
         lambda c: f"cannot write to {c.out.parent}: the folder is not writable (permission denied) — choose another --out",
         patch=lambda c: unwritable(c, c.out.parent)),
    Case("output folder cannot be created", 3,
         lambda c: f"cannot write to {c.out.parent}: the folder is not writable (permission denied) — choose another --out",
         files=lambda c: ["--out", str(c.out.parent / "new" / "deeper" / OUT_NAME)],
         patch=lambda c: unwritable(c, c.out.parent)),
    Case("output path under a file", 3, lambda c: "part of the path is a file",
         files=lambda c: ["--out", str(c.out / "sub" / OUT_NAME)]),
    Case("output path is a folder", 3, lambda c: "it is a folder",
         files=lambda c: ["--out", str(new_folder(c.root / "dir.xlsx"))]),
    Case("disk full while writing", 3,
         lambda c: f"disk full while writing {c.out}; nothing was replaced",
         patch=lambda c: disk_full(c, c.out.parent)),
    Case("disk full at fsync", 3, lambda c: f"disk full while writing {c.out}; nothing was replaced",
         patch=lambda c: disk_full(c, c.out.parent, at="fsync")),
    Case("disk full on the fifth csv file", 3, lambda c: f"disk full while writing {c.root / 'csv'}; nothing was replaced",
         files=lambda c: ["--format", "csv", "--out", str(csv_folder(c))],
         patch=lambda c: disk_full(c, c.root / ".csv.new", after_files=4)),
    Case("another run holds the lock", 3,
         lambda c: f"another ofsted-lists run is writing {OUT_NAME}; waited 0.2 s — try again when it has finished",
         patch=lambda c: [c.monkeypatch.setenv(LOCK_TIMEOUT_ENV, "0.2"), c.extra["stack"].enter_context(
             output_lock(c.out, timeout=0))]),
    Case("bad lock timeout variable", 2, lambda c: f"{LOCK_TIMEOUT_ENV} must be a number of seconds",
         patch=lambda c: c.monkeypatch.setenv(LOCK_TIMEOUT_ENV, "soon")),
    # -- usage
    Case("bad --since", 2, lambda c: "--since must be a number of months, years, weeks or days",
         files=lambda c: ["--since", "13x"]),
    Case("--since after --as-of", 2, lambda c: "--since", files=lambda c: ["--since", "2030-01-01"]),
    Case("bad --as-of", 2, lambda c: "--as-of must be a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 2026-03-31 or "
                                     "31/03/2026; got '12/31/2026'",
         files=lambda c: ["--as-of", "12/31/2026"]),
    Case("impossible --as-of", 2, lambda c: "--as-of must be a date as YYYY-MM-DD",
         files=lambda c: ["--as-of", "2026-02-30"]),
    Case("unknown config key", 2, lambda c: "config bad.toml, line 2: 'input.dirr': unknown key; expected one of: dir",
         files=lambda c: config(c, '[input]\ndirr = "exports"\n')),
    Case("unknown config section", 2, lambda c: "config bad.toml, line 3: 'outputs': unknown key",
         files=lambda c: config(c, '# weekly run\n\n[outputs]\ndir = "x"\n')),
    Case("unknown table in config", 2, lambda c: "'tables.contactz': unknown key",
         files=lambda c: config(c, '[tables.contactz]\nfiles = ["c*.csv"]\n')),
    Case("config value of the wrong type", 2,
         lambda c: "'rules.referral_window_days': must be a whole number from",
         files=lambda c: config(c, '[rules]\nreferral_window_days = "seven"\n')),
    Case("malformed config", 2, lambda c: "config bad.toml is not valid TOML",
         files=lambda c: config(c, '[input\ndir = \n')),
    Case("missing config file", 2, lambda c: "config file not found",
         files=lambda c: ["--config", str(c.root / "nope.toml")]),
    Case("--password-env variable missing", 2,
         lambda c: "--password-env: no environment variable of the name given is set, or it is empty",
         files=lambda c: ["--password-env", "OFSTED_TEST_PW"],
         patch=lambda c: c.monkeypatch.delenv("OFSTED_TEST_PW", raising=False)),
    Case("--password-env variable empty", 2, lambda c: "no environment variable of the name given is set, or it is empty",
         files=lambda c: ["--password-env", "OFSTED_TEST_PW"],
         patch=lambda c: c.monkeypatch.setenv("OFSTED_TEST_PW", "")),
    Case("--password-env with csv", 2, lambda c: "--password-env encrypts a workbook; it cannot be used with",
         files=lambda c: ["--password-env", "OFSTED_TEST_PW", "--format", "csv"],
         patch=lambda c: c.monkeypatch.setenv("OFSTED_TEST_PW", "pw")),
    # -- issue 14: paths the user cannot search, names too long, dates out of range, hostile config
    Case("--out under a folder the user cannot search", 3,
         lambda c: f"cannot write to {c.root / 'locked' / 'sub'}: the folder is not writable (permission denied) — choose another --out",
         files=lambda c: ["--out", str(new_folder(c.root / "locked") / "sub" / OUT_NAME)],
         patch=lambda c: unsearchable(c, c.root / "locked")),
    Case("--input under a folder the user cannot search", 3,
         lambda c: f"cannot read the input folder {c.root / 'locked' / 'in'}: permission denied",
         files=lambda c: ["--input", str(new_folder(c.root / "locked") / "in")],
         patch=lambda c: unsearchable(c, c.root / "locked")),
    Case("--config under a folder the user cannot search", 2,
         lambda c: f"cannot read config file {c.root / 'locked' / 'x.toml'}: permission denied",
         files=lambda c: ["--config", str(new_folder(c.root / "locked") / "x.toml")],
         patch=lambda c: unsearchable(c, c.root / "locked")),
    Case("--out with a 300-character name", 3, lambda c: "a name in the path is too long — choose another --out",
         files=lambda c: ["--out", str(c.root / LONG / OUT_NAME)]),
    Case("--input with a 300-character name", 3,
         lambda c: f"cannot read the input folder {c.root / LONG}: a name in the path is too long",
         files=lambda c: ["--input", str(c.root / LONG)]),
    Case("--config with a 300-character name", 2, lambda c: "a name in the path is too long",
         files=lambda c: ["--config", str(c.root / (LONG + ".toml"))]),
    Case("--as-of before 1677-09-22", 2,
         lambda c: "--as-of 1677-09-21 is outside the dates ofsted-lists supports, 1677-09-22 to 2262-04-11",
         files=lambda c: ["--as-of", "1677-09-21"]),
    Case("--as-of after 2262-04-11", 2, lambda c: "--as-of 2262-04-12 is outside the dates ofsted-lists supports",
         files=lambda c: ["--as-of", "2262-04-12"]),
    Case("--as-of 9999-12-31", 2, lambda c: "--as-of 9999-12-31 is outside the dates ofsted-lists supports",
         files=lambda c: ["--as-of", "9999-12-31"]),
    Case("--since reaching before 1677-09-22", 2,
         lambda c: "--since '5000w' starts the window before 1677-09-22, the first date ofsted-lists supports",
         files=lambda c: ["--as-of", "1700-01-01", "--since", "5000w"]),
    Case("--since a date before 1677-09-22", 2, lambda c: "--since '1000-01-01' starts the window before 1677-09-22",
         files=lambda c: ["--since", "1000-01-01"]),
    Case("NUL in a config string", 2,
         lambda c: "config bad.toml, line 2: 'input.dir': must not contain a NUL character",
         files=lambda c: config(c, '[input]\ndir = "in\\u0000put"\n')),
    Case("deeply nested config", 2, lambda c: "config bad.toml is nested too deeply to be a settings file",
         files=lambda c: config(c, "x = " + "[" * 5000 + "]" * 5000 + "\n")),
    Case("config that is a FIFO", 2,
         lambda c: f"config file {c.root / 'fifo.toml'} is not a regular file (a pipe, socket or device)",
         files=lambda c: [os.mkfifo(c.root / "fifo.toml"), "--config", str(c.root / "fifo.toml")][1:]),
    Case("--password-env given the password itself", 2,
         lambda c: "--password-env takes the NAME of an environment variable (letters, digits and _), not the "
                   "password itself; what was given is not shown",
         files=lambda c: ["--password-env", "Tr0ub4dor&3"]),
    Case("planted lock link", 3,
         lambda c: f"the lock file {c.out.parent / ('.' + OUT_NAME + '.lock')} is a symbolic link; ofsted-lists "
                   "does not follow it",
         files=lambda c: plant_lock_link(c, c.out.parent / f".{OUT_NAME}.lock")),
    Case("planted lock link beside a csv folder", 3, lambda c: f"the lock file {c.root / '.csv.lock'} is a symbolic link",
         files=lambda c: [plant_lock_link(c, csv_folder(c).parent / ".csv.lock"), "--format", "csv",
                          "--out", str(c.root / "csv")][1:]),
    Case("csv folder swap refused", 3, lambda c: f"cannot write to {c.root}: the folder is not writable (permission denied)",
         files=lambda c: ["--format", "csv", "--out", str(csv_folder(c))],
         patch=lambda c: [c.monkeypatch.setattr(os, "rename", _refuse(c.root / ".csv.new")(os.rename)),
                          c.monkeypatch.setattr(output, "_exchange", _refuse(c.root / ".csv.new")(output._exchange))]),
    Case("csv folder holding the user's files", 3,
         lambda c: f"cannot replace {c.root / 'csv'}: it holds 1 file(s) or folder(s) ofsted-lists did not write",
         files=lambda c: [write(csv_folder(c) / "notes.docx", "mine"), "--format", "csv",
                          "--out", str(c.root / "csv")][1:]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_failure_is_one_clear_message_and_writes_nothing(case, small, good_workbook, contacts_xlsx, tmp_path,
                                                         monkeypatch):
    from contextlib import ExitStack

    with ExitStack() as stack:
        ctx = Ctx(tmp_path, tmp_path / "in", tmp_path / "out" / OUT_NAME, monkeypatch,
                  {"xlsx": contacts_xlsx, "stack": stack})
        shutil.copytree(small, ctx.input)
        ctx.out.parent.mkdir()
        ctx.out.write_bytes(good_workbook)
        ctx.out.chmod(0o600)
        args = ["build", "--input", str(ctx.input), "--as-of", SAMPLE_AS_OF, "--out", str(ctx.out),
                *(case.files(ctx) or [])]
        before = snapshot(tmp_path)
        message = case.message(ctx)
        case.patch(ctx)
        res = invoke(*args)
        monkeypatch.undo()
    assert_one_clear_error(res, case.code, message)
    assert_nothing_written(before, tmp_path)
    assert ctx.out.read_bytes() == good_workbook


def test_validate_fails_the_same_way_and_writes_nothing(small, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    shutil.copytree(small, folder)
    write(folder / "contacts.csv", b"\x00garbage")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    res = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF)
    assert_one_clear_error(res, 3, "contacts.csv is not a text CSV")
    assert snapshot(tmp_path) == before


def test_help_documents_the_exit_codes():
    text = " ".join(invoke("--help").stdout.split())
    for code in ("0 success", "2 usage error", "3 input or output error", "4 data-quality findings", "1 a bug"):
        assert code in text


def test_a_password_on_the_command_line_is_refused(small, tmp_path):
    out = tmp_path / OUT_NAME
    res = invoke("build", "--input", str(small), "--as-of", SAMPLE_AS_OF, "--out", str(out),
                 "--password", "hunter2")
    assert res.exit_code == 2
    assert "No such option" in res.output and "Traceback" not in res.output
    assert not out.exists()


# ---------------------------------------------------------------- real processes

ENV = {**os.environ, "PYTHONPATH": str(SRC)}
ENV.pop(LOCK_TIMEOUT_ENV, None)

# Runs the CLI with atomic_write slowed down: it writes half the workbook into the
# temporary file, says so, and hangs there until killed.
SLOW_WRITER = textwrap.dedent(
    """
    import io, os, sys, time
    from pathlib import Path
    from ofsted_lists import workbook
    from ofsted_lists.cli import app

    real, marker = workbook.atomic_write, Path(sys.argv[1])

    def half_then_hang(dest, write, **kwargs):
        def writer(fh):
            buf = io.BytesIO()
            write(buf)
            data = buf.getvalue()
            fh.write(data[: len(data) // 2])
            fh.flush()
            os.fsync(fh.fileno())
            marker.write_text("half written")
            time.sleep(300)
        real(dest, writer, **kwargs)

    workbook.atomic_write = half_then_hang
    sys.argv = ["ofsted-lists", *sys.argv[2:]]
    app()
    """
)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ofsted_lists.cli", *args]


def wait_for(path: Path, proc: subprocess.Popen, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the child never started writing"
        time.sleep(0.05)


def test_sigkill_mid_write_keeps_previous_output_and_next_run_cleans_up(small, good_workbook, tmp_path):
    out = tmp_path / "out" / OUT_NAME
    out.parent.mkdir()
    out.write_bytes(good_workbook)
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(marker), "build", "--input", str(small),
         "--as-of", SAMPLE_AS_OF, "--out", str(out), "--quiet"],
        env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        wait_for(marker, proc)
        (temp,) = out.parent.glob(f".{OUT_NAME}.*.tmp")  # really mid-write: half a workbook
        assert 0 < temp.stat().st_size < len(good_workbook) * 2
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == good_workbook
    # The killed run could not clean up its hidden temp file: it is private (0600) and
    # not a workbook anyone would open; the next run, holding the lock, removes it.
    leftovers = sorted(p.name for p in out.parent.iterdir())
    assert leftovers == sorted([f".{OUT_NAME}.lock", temp.name, OUT_NAME])
    assert stat.S_IMODE(temp.stat().st_mode) == 0o600
    res = invoke("build", "--input", str(small), "--as-of", SAMPLE_AS_OF, "--out", str(out), "--quiet")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.parent.iterdir()) == [f".{OUT_NAME}.lock", OUT_NAME]
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_a_second_process_waits_a_bounded_time_then_says_why(small, good_workbook, tmp_path):
    out = tmp_path / OUT_NAME
    out.write_bytes(good_workbook)
    with output_lock(out, timeout=0):  # this process plays the first, still-writing run
        proc = subprocess.run(
            cli("build", "--input", str(small), "--as-of", SAMPLE_AS_OF, "--out", str(out)),
            env={**ENV, LOCK_TIMEOUT_ENV: "0.5"}, capture_output=True, text=True,
        )
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip() == (
        f"error: another ofsted-lists run is writing {OUT_NAME}; waited 0.5 s — try again when it has finished"
    )
    assert "Traceback" not in proc.stderr
    assert out.read_bytes() == good_workbook
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_two_runs_at_once_both_finish_and_the_output_is_whole(small, tmp_path):
    out = tmp_path / OUT_NAME
    args = cli("build", "--input", str(small), "--as-of", SAMPLE_AS_OF, "--out", str(out), "--quiet")
    procs = [subprocess.Popen(args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate() + (p.returncode,) for p in procs]
    for stdout, stderr, code in results:
        assert code == 0, stderr
        # `small` ends in 2023: under --quiet, the one line counting its stale-export warnings.
        assert stdout == b"" and stderr == b"7 warnings: stale 7; see the Summary sheet\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".{OUT_NAME}.lock", OUT_NAME]
    assert zipfile.ZipFile(out).testzip() is None
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# ---------------------------------------------------------------- issue 14: outside the build matrix


def test_a_mistaken_password_env_is_never_echoed(small, tmp_path, monkeypatch):
    monkeypatch.delenv("hunter2isMyPassword", raising=False)
    for given in ("Tr0ub4dor&3", "hunter2isMyPassword"):  # not a name; a name that is not set
        res = invoke("build", "--input", str(small), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / OUT_NAME),
                     "--password-env", given)
        assert_one_clear_error(res, 2, "--password-env")
        assert given not in res.output and "Tr0ub4dor" not in res.output and "hunter2" not in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,code,message", [
    (lambda t: ["--out", str(t / "passwd")], 3, "cannot write to {t}/passwd: it is a file, not a folder"),
    (lambda t: ["--out", str(t / "passwd" / "x")], 3, "cannot write to {t}/passwd/x: part of the path is a file"),
    (lambda t: ["--until", "0001-01-01"], 2,
     "--until 0001-01-01 is outside the dates ofsted-lists supports, 1700-01-01 to 2262-04-11"),
    (lambda t: ["--until", "9999-12-31"], 2, "--until 9999-12-31 is outside the dates ofsted-lists supports"),
], ids=["--out names a file", "--out under a file", "--until year 1", "--until 9999-12-31"])
def test_demo_data_user_errors_are_one_clear_message(tmp_path, monkeypatch, args, code, message):
    passwd = tmp_path / "passwd"  # stands for /etc/passwd
    passwd.write_text("root:x:0:0::/root:/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    res = invoke("demo-data", "--children", "10", *args(tmp_path))
    assert_one_clear_error(res, code, message.format(t=tmp_path))
    assert snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["passwd"]


def _csv_build(folder: Path, input_dir: Path, *extra: str, as_of: str = SAMPLE_AS_OF):
    return invoke("build", "--input", str(input_dir), "--as-of", as_of, "--format", "csv",
                  "--out", str(folder), *extra)


def _sigterm_at(monkeypatch, module, name: str, *, after: bool, when=lambda args: True) -> list:
    """SIGTERM arrives during the first call of module.name whose arguments match `when`
    (just before it, or just after it has done its work): a real signal, at a chosen step."""
    real, sent = getattr(module, name), []

    def call(*args, **kwargs):
        due = not sent and when(args)
        if due and not after:
            sent.append(name)
            signal.raise_signal(signal.SIGTERM)
        result = real(*args, **kwargs)
        if due and after:
            sent.append(name)
            signal.raise_signal(signal.SIGTERM)
        return result

    monkeypatch.setattr(module, name, call)
    return sent


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2 exchange", "two renames"])
@pytest.mark.parametrize("step", ["writing the new set", "the first rename", "the swap done"])
def test_sigterm_during_a_csv_build_leaves_one_whole_set_and_says_which(small, tmp_path, monkeypatch, step, exchange):
    old = tmp_path / "csv"
    assert _csv_build(old, small, "--quiet", as_of=PREVIOUS_AS_OF).exit_code == 0
    old_files = snapshot(old)
    if not exchange:
        monkeypatch.setattr(output, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError(errno.EINVAL, "no")))
    staging = str(tmp_path / ".csv.new")
    if step == "writing the new set":
        sent = _sigterm_at(monkeypatch, os, "open", after=True, when=lambda a: os.fspath(a[0]).startswith(staging))
    elif step == "the first rename":  # the exchange, or renaming the old folder aside
        sent = _sigterm_at(monkeypatch, output, "_exchange", after=True) if exchange else \
            _sigterm_at(monkeypatch, os, "rename", after=True)
    else:  # the new folder in place, its parent being synced
        sent = _sigterm_at(monkeypatch, output, "_fsync_dir", after=True, when=lambda a: Path(a[0]) == tmp_path)
    res = _csv_build(old, small)
    monkeypatch.undo()
    assert sent, "the signal was never sent"
    assert res.exit_code == 130 and "Traceback" not in res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".csv.lock", "csv"]  # nothing half-done left
    if step == "writing the new set":
        assert lines[-1] == "interrupted; nothing was replaced"
        assert snapshot(old) == old_files
    else:
        assert lines[-1] == f"interrupted after writing {old} (complete; it was replaced whole)"
        new = snapshot(old)
        assert set(new) == set(old_files) and new["00_Summary.csv"] != old_files["00_Summary.csv"]
        as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
        assert f"As-of date,{as_of:%d/%m/%Y}" in (old / "00_Summary.csv").read_text(encoding="utf-8-sig")


def _closed_stdout_run(small: Path, stdout) -> subprocess.CompletedProcess:
    return subprocess.run(cli("validate", "--input", str(small), "--as-of", SAMPLE_AS_OF), env=ENV,
                          stdout=stdout, stderr=subprocess.PIPE, text=True)


def test_stdout_closed_early_exits_141_quietly(small):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -c10` once head has had its ten bytes: every write is EPIPE
    try:
        proc = _closed_stdout_run(small, write_end)
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr.lower() and "Exception" not in proc.stderr


def test_stdout_on_a_full_disk_is_an_output_error(small):
    with open("/dev/full", "w") as full:
        proc = _closed_stdout_run(small, full)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: cannot write to standard output: No space left on device"
    assert "Traceback" not in proc.stderr


def test_next_days_csv_build_puts_back_yesterdays_folder_left_moved_aside(small, tmp_path, monkeypatch):
    """A run killed between the two renames of its swap leaves its dated folder moved aside;
    the next day's run writes another dated folder, and puts yesterday's back first."""
    monkeypatch.chdir(tmp_path)
    build = ("build", "--input", str(small), "--format", "csv", "--quiet")
    assert invoke(*build, "--as-of", PREVIOUS_AS_OF).exit_code == 0
    yesterday = tmp_path / "out" / f"ofsted-lists_{PREVIOUS_AS_OF}"
    files = snapshot(yesterday)
    os.rename(yesterday, yesterday.parent / f".{yesterday.name}.old")  # the state the kill left
    (yesterday.parent / f".{yesterday.name}.new").mkdir()
    res = invoke(*build, "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 0, res.output
    assert snapshot(yesterday) == files
    today = yesterday.parent / f"ofsted-lists_{SAMPLE_AS_OF}"
    assert sorted(p.name for p in yesterday.parent.iterdir() if not p.name.endswith(".lock")) == \
        sorted([yesterday.name, today.name])
