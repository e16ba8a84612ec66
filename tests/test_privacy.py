"""Nothing personal in what the tool prints (SPEC §2, §8; issue 5).

Runs `build`, `sample`, `validate`, `explain` and `inspect` on sample_data/ (and on broken copies of it),
captures everything printed, and fails on any identifier, date of birth (ISO,
DD/MM/YYYY and other common spellings) or worker name found in the input. A positive
control (`sample --verbose`, which may show identifiers) proves the scan finds them.
`explain CHILD` may name the one child asked about, and no other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import msoffcrypto
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA
from ofsted_lists.cli import app
from ofsted_lists.lists import SPECS

SRC = Path(__file__).resolve().parents[1] / "src"
WIDE = {"COLUMNS": "400"}  # rich would wrap table cells and split a value across lines
PASSWORD = "Tr0ub4dor&3-privacy"
WINDOW = (dt.date.fromisoformat(SAMPLE_AS_OF), dt.date.fromisoformat(SAMPLE_AS_OF).replace(year=2025))
# Whole date-like tokens, so that 5/11/2026 is not "found" inside 25/11/2026.
DATE_LIKE = re.compile(r"(?<![\w/.-])(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2} [A-Z][a-z]+ \d{4})(?![\w/.-])")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env={**WIDE, **(env or {})})


def spellings(d: dt.date) -> set[str]:
    return {d.isoformat(), f"{d:%d/%m/%Y}", f"{d:%d-%m-%Y}", f"{d:%d.%m.%Y}", f"{d.day}/{d.month}/{d.year}",
            f"{d:%d %b %Y}", f"{d:%d %B %Y}", f"{d:%Y/%m/%d}"}


class Secrets:
    """The personal values of an export folder: identifiers, dates of birth, worker names."""

    def __init__(self, folder: Path):
        frames = [pd.read_csv(p, dtype=str, keep_default_na=False, encoding_errors="replace")
                  for p in sorted(folder.glob("*.csv"))]

        def cols(pattern: str) -> set[str]:
            return {v for f in frames for c in f.columns if re.fullmatch(pattern, c) for v in f[c].str.strip() if v}

        self.ids = cols(r".*_id")
        self.workers = cols(r"worker")
        self.dobs = {pd.Timestamp(v).date() for v in cols(r"dob|expected_dob")}
        self.dates = {s for d in self.dobs for s in spellings(d)}
        assert len(self.ids) > 1000 and len(self.workers) > 50 and len(self.dobs) > 1000

    def found_in(self, text: str, shown: set[dt.date] = frozenset()) -> list[str]:
        """The personal values in `text`. `shown`: dates the tool rightly prints (the window's
        ends, a sample's key dates); a child born on such a day cannot be told apart."""
        squeezed = re.sub(r"[\s│┃║|]+", "", text)  # a value split by a table border still counts
        hits = [s for s in self.ids if s in text or s in squeezed]
        hits += [w for w in self.workers if w in text or w.replace(" ", "") in squeezed]
        allowed = {s for d in {*WINDOW, *shown} for s in spellings(d)}
        hits += [d for d in DATE_LIKE.findall(text) if d in self.dates and d not in allowed]
        return sorted(hits)


def key_dates(sample_workbook: Path) -> set[dt.date]:
    """The key dates of the cases in a sample workbook: `sample` prints them."""
    if not sample_workbook.exists():
        return set()
    ws = openpyxl.load_workbook(sample_workbook, read_only=True)["Sample"]
    header = next(ws.iter_rows(max_row=1, values_only=True))
    col = header.index("Key date")
    return {r[col].date() for r in ws.iter_rows(min_row=2, values_only=True) if r[col] is not None}


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    return Secrets(SAMPLE_DATA)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    """`sample` on sample_data/ once: its result and the workbook it wrote."""
    out = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    res = invoke("sample", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--seed", "7", "--out", str(out))
    assert res.exit_code == 0, res.output
    return res, out


def printed(res) -> str:
    return res.stdout + res.stderr


# ---------------------------------------------------------------- success


def test_the_scan_finds_identifiers_when_verbose_shows_them(secrets, tmp_path):
    res = invoke("sample", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--seed", "7",
                 "--out", str(tmp_path / "s.xlsx"), "--verbose")
    assert res.exit_code == 0, res.output
    assert len(secrets.found_in(printed(res))) >= 5  # the scan works: --verbose prints child ids


def test_sample_prints_nothing_personal(secrets, sample_out):
    res, out = sample_out
    assert "Seed: 7" in res.stdout
    assert secrets.found_in(printed(res), key_dates(out)) == []


@pytest.mark.parametrize("command", ["build", "validate"])
def test_build_and_validate_print_nothing_personal(secrets, tmp_path, command):
    out = [] if command == "validate" else ["--out", str(tmp_path / "lists.xlsx")]
    res = invoke(command, "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, *out)
    assert res.exit_code == 0, res.output
    assert "Data-quality findings" in res.stdout  # the findings summary is there, as counts
    assert secrets.found_in(printed(res)) == []


def test_strict_exit_4_prints_nothing_personal(secrets):
    res = invoke("validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--strict")
    assert res.exit_code == 4
    assert secrets.found_in(printed(res)) == []


def test_real_process_prints_nothing_personal(secrets, tmp_path):
    """As a real process, so warnings and anything native code writes to fd 1/2 count too."""
    env = {**os.environ, **WIDE, "PYTHONPATH": str(SRC), "OFSTED_PW": PASSWORD}
    env.pop("OFSTED_LISTS_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "ofsted_lists.cli", "build", "--input", str(SAMPLE_DATA),
         "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "lists.xlsx"), "--password-env", "OFSTED_PW"],
        capture_output=True, text=True, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout + proc.stderr
    assert "(encrypted)" in text
    assert secrets.found_in(text) == [] and PASSWORD not in text


@pytest.mark.parametrize("command", ["build", "sample", "validate"])
def test_quiet_prints_nothing_on_success(tmp_path, command):
    out = [] if command == "validate" else ["--out", str(tmp_path / "o.xlsx")]
    seed = ["--seed", "3"] if command == "sample" else []
    res = invoke(command, "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, *out, *seed, "--quiet")
    assert res.exit_code == 0, res.output
    assert res.stdout == "" and res.stderr == ""


# ---------------------------------------------------------------- failures


def _headerless(folder: Path) -> None:
    """A second contacts export that lost its header row: its first line is a child's record."""
    lines = (SAMPLE_DATA / "contacts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "contacts_2.csv").write_text("".join(lines[1:50]), encoding="utf-8")


def _ragged(folder: Path) -> None:
    """A referrals export with an unterminated quote in a record."""
    lines = (SAMPLE_DATA / "referrals.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "referrals_2.csv").write_text(lines[0] + lines[1].replace(",", ',"', 1) + "".join(lines[2:9]),
                                             encoding="utf-8")


def _headings_are_data(folder: Path) -> None:
    """A workbook whose only sheet starts with a child's record where the header should be."""
    children = pd.read_csv(SAMPLE_DATA / "children.csv", dtype=str).head(20)
    children.to_excel(folder / "children_2.xlsx", sheet_name="children", header=False, index=False)


def _bad_values(folder: Path) -> None:
    """Records with every kind of bad value, for children who are in the data."""
    children = pd.read_csv(SAMPLE_DATA / "children.csv", dtype=str).head(30).copy()
    children["dob"] = ["31/02/2015", "soon", "2099-01-01", "", "0"] * 6
    children["gender"] = "Z"
    children["disability"] = "LD, NONE, WHAT"
    children.to_csv(folder / "children_2.csv", index=False)


BROKEN = {"headerless csv": (_headerless, 3), "unterminated quote": (_ragged, 3),
          "workbook without header": (_headings_are_data, 3), "bad values": (_bad_values, 4)}
# A read error stops every command at the same place, so `sample` runs on two of them.
RUNS = [(b, c) for b in BROKEN for c in ("build", "validate")] + [("headerless csv", "sample"), ("bad values", "sample")]


@pytest.mark.parametrize("broken,command", RUNS, ids=[f"{b}-{c}" for b, c in RUNS])
def test_errors_print_nothing_personal(secrets, tmp_path, command, broken):
    make, code = BROKEN[broken]
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE_DATA, folder)
    make(folder)
    out = [] if command == "validate" else ["--out", str(tmp_path / "o.xlsx")]
    strict = ["--strict"] if command != "sample" else []
    res = invoke(command, "--input", str(folder), "--as-of", SAMPLE_AS_OF, *out, *strict)
    assert res.exit_code == (0 if code == 4 and command == "sample" else code), res.output
    assert "Traceback" not in printed(res)
    shown = key_dates(tmp_path / "o.xlsx") if command == "sample" else set()
    assert secrets.found_in(printed(res), shown) == []


@pytest.mark.parametrize("broken", [None, *BROKEN])
def test_inspect_prints_and_writes_nothing_personal(secrets, tmp_path, broken):
    """`inspect` shows headings and coded values only; the config it writes holds no more.
    Broken copies (a headerless file, a record where the header should be) are reported, not
    shown: their first row is a child's record."""
    folder = SAMPLE_DATA
    if broken is not None:
        folder = tmp_path / "in"
        shutil.copytree(SAMPLE_DATA, folder)
        BROKEN[broken][0](folder)
    written = tmp_path / "ofsted-lists.toml"
    res = invoke("inspect", "--input", str(folder), "--write-config", str(written))
    assert res.exit_code == 0, res.output
    assert "Traceback" not in printed(res) and "Tables read: children" in res.stdout
    assert secrets.found_in(printed(res)) == []
    # the config is stamped with the day it was written: a child's date on that day is not shown
    assert secrets.found_in(written.read_text(encoding="utf-8"), {dt.date.today()}) == []
    if broken == "bad values":  # the coded values that map to nothing are shown; the dates are not
        assert "LD, NONE, WHAT" in res.stdout and "soon" not in res.stdout and "31/02/2015" not in res.stdout


def test_a_bug_reports_where_not_what(secrets, tmp_path, monkeypatch):
    """An unexpected exception carrying data values: exit 1, its place, none of its text."""
    from ofsted_lists import pipeline

    child = sorted(secrets.ids)[0]
    worker = sorted(secrets.workers)[0]

    def broken(run, *changes):
        raise KeyError(f"{child} assigned to {worker}, born 2015-06-01")

    monkeypatch.setattr(pipeline, "report", broken)
    monkeypatch.delenv("OFSTED_LISTS_DEBUG", raising=False)
    res = invoke("build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "o.xlsx"))
    assert res.exit_code == 1
    assert "internal error (a bug in ofsted-lists" in res.stderr and "KeyError" in res.stderr
    text = printed(res)
    assert "Traceback" not in text and child not in text and worker not in text and "2015" not in text
    assert not (tmp_path / "o.xlsx").exists()


# ---------------------------------------------------------------- encryption

ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1")


def zip_files(*folders: Path) -> list[Path]:
    """Files that are plain (unencrypted) xlsx/zip data."""
    return [p for f in folders for p in f.rglob("*") if p.is_file() and p.read_bytes()[:4] == ZIP_MAGIC]


@pytest.mark.parametrize("command,sheets", [
    ("build", ["Summary", *(s.sheet for s in SPECS), "Changes", "Unknown disability", "Data quality"]),
    ("sample", ["Summary", "Sample"]),
])
def test_encrypted_workbook_round_trips_and_plaintext_never_touches_disk(tmp_path, monkeypatch, command, sheets):
    from ofsted_lists import workbook

    out_dir, spy_tmp = tmp_path / "out", tmp_path / "tmp"
    spy_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(spy_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(spy_tmp))
    temps: list[str] = []  # every temporary file or folder anything asks tempfile for
    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        def spy(*args, _real=getattr(tempfile, name), _name=name, **kwargs):
            temps.append(f"{_name} in {kwargs.get('dir') or spy_tmp}")
            return _real(*args, **kwargs)
        monkeypatch.setattr(tempfile, name, spy)
    written: list[bytes] = []
    during: list[list[Path]] = []
    real_atomic_write = workbook.atomic_write

    def watching_atomic_write(dest, write, **kwargs):
        def watched(fh):
            buf = io.BytesIO()
            write(buf)
            written.append(buf.getvalue())
            fh.write(buf.getvalue())
            fh.flush()
            during.append(zip_files(out_dir, spy_tmp))  # the temp file is on disk now
        real_atomic_write(dest, watched, **kwargs)

    monkeypatch.setattr(workbook, "atomic_write", watching_atomic_write)
    out = out_dir / "enc.xlsx"
    seed = ["--seed", "5"] if command == "sample" else []
    res = invoke(command, "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--out", str(out), *seed,
                 "--password-env", "OFSTED_PW", env={"OFSTED_PW": PASSWORD})
    monkeypatch.undo()
    assert res.exit_code == 0, res.output
    assert "(encrypted)" in res.stdout and PASSWORD not in printed(res)

    # Only the encrypted bytes were ever written, only beside the destination, never in TMPDIR.
    assert len(written) == 1 and written[0][:8] == OLE_MAGIC
    assert during == [[]] and zip_files(tmp_path) == []
    assert temps == [f"mkstemp in {out_dir}"]
    assert list(spy_tmp.iterdir()) == []
    assert out.read_bytes() == written[0] and stat.S_IMODE(out.stat().st_mode) == 0o600

    with pytest.raises(Exception):  # without the password it is not a workbook at all
        openpyxl.load_workbook(out)
    office = msoffcrypto.OfficeFile(io.BytesIO(out.read_bytes()))
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    book = openpyxl.load_workbook(plain)
    assert book.sheetnames == sheets
    assert book["Summary"].max_row > 5

    wrong = msoffcrypto.OfficeFile(io.BytesIO(out.read_bytes()))
    wrong.load_key(password=PASSWORD + "x")
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        wrong.decrypt(io.BytesIO())



# ---------------------------------------------------------------- file and sheet names; control characters

PERSONAL_NAME = "C0000444 Jane Smith DOB 01-06-2015.pdf"
ESCAPES = ("\x1b", "\r", "\x9b", "\u202e", "\x07")  # ESC, CR, CSI, right-to-left override, BEL
HOSTILE_NAME = "\x1b[2J\x1b[H\rAll lists OK\u202efdp.\x07.pdf"


def copy_small(tmp_path: Path, lines: int = 12) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for src in SAMPLE_DATA.glob("*.csv"):
        text = src.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / src.name).write_text("".join(text[:lines]), encoding="utf-8")
    return folder


def workbook_with_sheet(path: Path, sheet: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet(sheet).write_string(0, 0, "notes")
    wb.close()


def test_unread_file_and_sheet_names_are_counted_not_printed_unless_verbose(tmp_path):
    folder = copy_small(tmp_path)
    (folder / PERSONAL_NAME).write_bytes(b"%PDF-1.4")
    workbook_with_sheet(folder / "extra.xlsx", "Jane Smith notes")
    res = invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "o.xlsx"))
    assert res.exit_code == 0, res.output
    text = printed(res)
    assert "Jane" not in text and "C0000444" not in text and "01-06-2015" not in text
    assert ("Not read (the name matches no table; name it in ofsted-lists.toml): "
            "1 file (1 .pdf) and 1 sheet; --verbose names them") in text
    verbose = printed(invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--verbose"))
    assert PERSONAL_NAME in verbose and "extra.xlsx [Jane Smith notes]" in verbose
    # The workbook holds personal data by design: the Data quality sheet names them.
    quality = [c.value for row in openpyxl.load_workbook(tmp_path / "o.xlsx")["Data quality"].iter_rows()
               for c in row]
    assert PERSONAL_NAME in quality and "Jane Smith notes" in quality


def test_missing_table_error_counts_the_unrecognised_files_unless_verbose(tmp_path):
    folder = copy_small(tmp_path)
    (folder / "contacts.csv").rename(folder / "C0000444 Jane Smith contacts.txt.csv")
    (folder / PERSONAL_NAME).write_bytes(b"%PDF-1.4")
    res = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 3
    line = res.stderr.strip()
    assert line.startswith("error: no contacts export (needed by 1a Contacts). Not recognised: "
                           "2 files (1 .csv, 1 .pdf); --verbose names them. Add the export to")
    assert "Jane" not in printed(res)
    verbose = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--verbose")
    assert verbose.exit_code == 3 and "C0000444 Jane Smith contacts.txt.csv" in verbose.stderr


def test_a_read_error_names_a_file_only_when_its_name_is_a_table_or_verbose(tmp_path):
    folder = copy_small(tmp_path)
    (folder / "C0000444 Jane Smith.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    res = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 3 and "Jane" not in printed(res)
    assert res.stderr.strip().startswith("error: a .xlsx file (--verbose names it) ")
    verbose = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--verbose")
    assert verbose.stderr.strip().startswith("error: C0000444 Jane Smith.xlsx ")


def test_a_read_error_names_a_sheet_only_when_its_name_is_a_table_or_verbose(tmp_path):
    # contacts.xlsx names its table, so its one sheet is read whatever it is called.
    folder = copy_small(tmp_path)
    (folder / "contacts.csv").unlink()
    workbook_with_sheet(folder / "contacts.xlsx", "C0000444 Jane Smith")
    res = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 3 and "Jane" not in printed(res)
    assert res.stderr.strip().startswith("error: contacts.xlsx, a sheet (--verbose names it): found no header row")
    verbose = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--verbose")
    assert verbose.stderr.strip().startswith("error: contacts.xlsx, sheet 'C0000444 Jane Smith': found no header")
    workbook_with_sheet(folder / "contacts.xlsx", "Contacts")  # a sheet named after its table is named
    assert "contacts.xlsx, sheet 'Contacts': found no header row" in invoke(
        "validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF).stderr


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "--verbose"])
def test_control_characters_are_escaped_in_everything_printed(tmp_path, verbose):
    folder = copy_small(tmp_path)
    (folder / HOSTILE_NAME).write_bytes(b"x")
    flag = ["--verbose"] if verbose else []
    runs = [invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "o.xlsx"), *flag)]
    bad = tmp_path / "bad.toml"
    bad.write_text('[values.disability]\n"\\u001b[2J\\r\\u202eASC" = "Spectrum"\n', encoding="utf-8")
    runs.append(invoke("validate", "--input", str(folder), "--config", str(bad), *flag))
    (folder / "contacts.csv").unlink()
    runs.append(invoke("validate", "--input", str(folder / "\x1bnope\r"), *flag))
    runs.append(invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, *flag))
    assert [r.exit_code for r in runs] == [0, 2, 3, 3], [printed(r) for r in runs]
    for res in runs:
        text = printed(res)
        assert not any(ch in text for ch in ESCAPES), repr(text)
    assert "\\x1b[2J" in printed(runs[1]) and "\\u202eASC" in printed(runs[1])  # the config key, escaped
    assert "\\x1bnope\\x0d" in printed(runs[2])
    if verbose:
        assert "\\x1b[2J\\x1b[H\\x0dAll lists OK\\u202efdp.\\x07.pdf" in printed(runs[0])


def test_entries_named_like_exports_that_are_no_files_are_reported_not_skipped_silently(tmp_path):
    folder = copy_small(tmp_path)
    os.mkfifo(folder / "contacts_2.csv")  # would hang a reader that opened it
    (folder / "referrals_2.csv").symlink_to(tmp_path / "nowhere")
    (folder / "cp_plans_2.xlsx").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "C0000444 Jane Smith.csv"))
    try:
        res = invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "o.xlsx"))
        verbose = invoke("validate", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--verbose")
    finally:
        sock.close()
    assert res.exit_code == 0, res.output
    assert ("Skipped 4 entries named like an export that is not a file (1 socket, 1 named pipe, 1 folder, "
            "1 link to nothing); --verbose names them") in res.stdout
    assert "Jane" not in printed(res)
    assert "C0000444 Jane Smith.csv (a socket)" in verbose.stdout and "referrals_2.csv (a link to nothing)" in verbose.stdout
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(tmp_path / "o.xlsx")["Data quality"].iter_rows()]
    assert ["contacts_2.csv", "named like an export but a named pipe; not read"] in [[r[0], r[6]] for r in rows]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_like_file_and_sheet_names_are_prefixed_after_leading_whitespace(tmp_path, fmt):
    folder = copy_small(tmp_path)
    (folder / " =1+1.csv").write_text("a,b\n1,2\n")
    (folder / "\u00a0@SUM(A1).csv").write_text("a,b\n1,2\n")
    workbook_with_sheet(folder / "extra.xlsx", "\t-2+3")
    out = tmp_path / ("o.xlsx" if fmt == "xlsx" else "csv")
    res = invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(out), "--format", fmt)
    assert res.exit_code == 0, res.output
    names = {" =1+1.csv", "\u00a0@SUM(A1).csv", "\t-2+3"}
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        cells = [c for ws in (book["Summary"], book["Data quality"]) for row in ws.iter_rows() for c in row]
        found = {c.value for c in cells if c.value in names}
        assert found == names
        assert all(c.quotePrefix and c.data_type == "s" for c in cells if c.value in names)
    else:
        import csv

        cells = set()
        for path in (out / "00_Summary.csv", *out.glob("*_Data_quality.csv")):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                cells |= {c for row in csv.reader(fh) for c in row}
        assert {"'" + n for n in names} <= cells and not names & cells


@pytest.mark.parametrize("args", [
    ["nosuch\x1b[2J\u202e\r\x07"],
    ["build", "--nosuch\x1b[2J\u202e\r\x07"],
    ["build", "--format", "x\x1b[2J\u202e\r\x07"],
    ["sample", "--seed", "1\x1b[2J\u202e\r\x07"],
], ids=["command", "option", "value", "typer-checked value"])
def test_command_line_usage_errors_carry_no_raw_control_characters(args):
    """The command line's own usage errors (click's, typer's and ours) echo what was typed only
    escaped, as a real process prints them."""
    env = {**os.environ, **WIDE, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-m", "ofsted_lists.cli", *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 2, proc.stderr
    assert not any(ch in proc.stdout + proc.stderr for ch in ESCAPES)


# ---------------------------------------------------------------- explain


def own_dates(folder: Path, child: str) -> set[dt.date]:
    """Every date in the child's own rows: `explain` prints them (some other child may have
    been born on one of those days)."""
    found = set()
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        key = next((c for c in ("child_id", "CHILD") if c in frame), None)  # the 903's CHILD
        if key is None:
            continue
        for value in frame[frame[key] == child].to_numpy().ravel():
            with contextlib.suppress(ValueError):
                found.add(dt.date.fromisoformat(value[:10]))
            with contextlib.suppress(ValueError):  # the 903's DD/MM/YYYY
                found.add(dt.datetime.strptime(value, "%d/%m/%Y").date())
    return found


@pytest.mark.parametrize("child", ["C0000444", "C0000043"])
@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["plain", "--verbose"])
def test_explain_names_only_the_child_asked_about(secrets, child, verbose):
    res = invoke("explain", child, "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, *verbose)
    assert res.exit_code == 0, res.output
    text = printed(res)
    assert "Lists (only disabled children are listed):" in text
    assert secrets.found_in(text, own_dates(SAMPLE_DATA, child)) == [child]


def test_explain_of_an_unknown_child_prints_nothing_personal(secrets):
    res = invoke("explain", "C9999999", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 3
    assert secrets.found_in(printed(res)) == []
