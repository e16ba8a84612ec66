"""Malformed and hostile export files through `build` and `validate` (issue 5).

Hypothesis generates random bytes under export names, damaged workbooks, and CSVs with
random headings and values (formula-like text among them). Whatever comes in: no
traceback, exit 0 or a one-line error with exit 3, no formula cell in any workbook
written, no partial or replaced output when a run fails. A fixed end-to-end case
then checks that formula-like text lands as text in every sheet, xlsx and CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA
from ofsted_lists.cli import app
from ofsted_lists.schema import TABLES, all_columns

AS_OF = "2026-03-31"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ["=1+1", '=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1", "-2", "+44 20",
            "-2+3", "@SUM(1,1)", "@", "=", "{=1+1}", "\t=1+1", "\r=1+1", "\tC1", "\rC1", " =1+1"]
PREVIOUS = b"previous good output"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """What a spreadsheet that trims spaces (and a BOM) on import could take for a formula:
    written here independently of the tool's own rule (`workbook.formula_like`)."""
    if text.startswith(("\t", "\r")):
        return True
    stripped = text
    while stripped and (stripped[0].isspace() or stripped[0] == "\ufeff"):
        stripped = stripped[1:]
    return stripped.startswith(FORMULA_START[:4])

runner = CliRunner()


# ---------------------------------------------------------------- running and checking


def run(folder: Path, command: str, out: Path, *extra: str):
    args = [command, "--input", str(folder), "--as-of", AS_OF, "--allow-missing", *extra]
    if command == "build":
        args += ["--out", str(out)]
    return runner.invoke(app, args, env={"COLUMNS": "200"})


def formula_cells_in_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [n for n in z.namelist()
                if n.startswith("xl/worksheets/") and re.search(rb"<f[ >]", z.read(n))]


def assert_text_safe_xlsx(path: Path) -> None:
    """No formula cell; every text cell that could be read as a formula has a quote prefix."""
    assert formula_cells_in_xml(path) == []
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and looks_like_formula(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)


def csv_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def assert_text_safe_csv(folder: Path) -> None:
    """No cell a spreadsheet could take for a formula: formula-like text starts with '."""
    for path in folder.glob("*.csv"):
        for cell in csv_cells(path):
            if looks_like_formula(cell):
                assert cell.startswith("-") and NUMBER.fullmatch(cell), (path.name, cell)


def check(res, command: str, fmt: str, out: Path) -> None:
    """The invariants every run must keep, whatever it was fed."""
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 3), res.output
    leftovers = [p.name for p in out.parent.rglob("*.tmp")]
    assert leftovers == [], leftovers
    if res.exit_code == 3:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    written = command == "build" and res.exit_code == 0
    if fmt == "csv":
        previous = (out / "00_Summary.csv").read_bytes()
        assert (previous != PREVIOUS) == written
        if written:
            assert_text_safe_csv(out)
    else:
        assert (out.read_bytes() != PREVIOUS) == written
        if written:
            assert_text_safe_xlsx(out)


class Workspace:
    """A fresh input folder and a previous good output for one generated example."""

    def __init__(self, root: Path, fmt: str):
        self.root = Path(tempfile.mkdtemp(dir=root))
        self.input = self.root / "in"
        self.input.mkdir()
        self.fmt = fmt
        if fmt == "csv":
            self.out = self.root / "csv"
            self.out.mkdir()
            (self.out / "00_Summary.csv").write_bytes(PREVIOUS)
        else:
            self.out = self.root / "out" / "lists.xlsx"
            self.out.parent.mkdir()
            self.out.write_bytes(PREVIOUS)

    def run(self, command: str):
        extra = ["--format", "csv"] if command == "build" and self.fmt == "csv" else []
        res = run(self.input, command, self.out, *extra)
        check(res, command, self.fmt, self.out)
        return res

    def close(self) -> None:
        shutil.rmtree(self.root)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


COMMANDS = st.sampled_from([("build", "xlsx"), ("build", "csv"), ("validate", "xlsx")])


# ---------------------------------------------------------------- random bytes

NAMES = st.sampled_from([*TABLES, "contacts_2026-03", "Referrals (2)", "notes", "=cmd", "\tdata", "-x"])
SUFFIXES = st.sampled_from([".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"])
LEADS = [b"", b"child_id,dob,disability\n", b"child_id;contact_date\r\n", b"PK\x03\x04", b"PK\x05\x06",
         bytes.fromhex("d0cf11e0a1b11ae1"), b"\xef\xbb\xbf", b"\xff\xfe", b"<html>", b"\x00"]
BYTES = st.one_of(st.binary(max_size=400),
                  st.tuples(st.sampled_from(LEADS), st.binary(max_size=400)).map(b"".join))


@settings(max_examples=400, **SETTINGS)
@given(files=st.lists(st.tuples(NAMES, SUFFIXES, BYTES), min_size=1, max_size=4,
                      unique_by=lambda f: (f[0] + f[1]).casefold()),
       command=COMMANDS)
def test_random_bytes_under_export_names(scratch, files, command):
    ws = Workspace(scratch, command[1])
    try:
        for name, suffix, data in files:
            (ws.input / f"{name}{suffix}").write_bytes(data)
        ws.run(command[0])
    finally:
        ws.close()


# ---------------------------------------------------------------- damaged workbooks


@pytest.fixture(scope="module")
def workbook_bytes() -> bytes:
    """A small valid export workbook: a children sheet (a disability source) and contacts."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        pd.DataFrame({"child_id": ["C1", "C2", "C3"], "dob": ["2015-01-01", "2012-05-06", "2020-02-29"],
                      "disability": ["LD", "NONE", "AUT"]}).to_excel(xw, sheet_name="children", index=False)
        pd.DataFrame({"contact_id": ["K1", "K2", "K3", "K4"], "child_id": ["C1", "C1", "C2", "C3"],
                      "contact_date": ["2025-06-01", "2025-07-01", "2026-01-15", "2026-03-31"],
                      "team": ["=HYPERLINK(\"http://x\",\"t\")", "+1", "-2", "@SUM(1)"]}
                     ).to_excel(xw, sheet_name="contacts", index=False)
    return buf.getvalue()


def damage(data: bytes, how: str, at: float, junk: bytes) -> bytes:
    i = int(at * len(data))
    if how == "truncate":
        return data[:i]
    if how == "overwrite":
        return data[:i] + junk + data[i + len(junk):]
    return data[:i] + data[i + max(len(junk), 1):]  # cut a piece out


@settings(max_examples=120, **SETTINGS)
@given(how=st.sampled_from(["truncate", "overwrite", "cut"]), at=st.floats(0, 1), junk=st.binary(min_size=1, max_size=64),
       suffix=st.sampled_from([".xlsx", ".xls", ".xlsm"]), command=COMMANDS)
def test_damaged_workbooks(scratch, workbook_bytes, how, at, junk, suffix, command):
    ws = Workspace(scratch, command[1])
    try:
        (ws.input / f"exports{suffix}").write_bytes(damage(workbook_bytes, how, at, junk))
        ws.run(command[0])
    finally:
        ws.close()


def test_the_undamaged_workbook_builds(scratch, workbook_bytes):
    """The baseline the damage is applied to is itself a good export."""
    ws = Workspace(scratch, "xlsx")
    try:
        (ws.input / "exports.xlsx").write_bytes(workbook_bytes)
        res = ws.run("build")
        assert res.exit_code == 0, res.output
        assert openpyxl.load_workbook(ws.out)["1a Contacts"].max_row == 4
    finally:
        ws.close()


# ---------------------------------------------------------------- random headings and values

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%m/%d/%Y", "%d-%b-%Y", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y",
                "%Y%m%d"]
DATES = st.tuples(st.datetimes(dt.datetime(1890, 1, 1), dt.datetime(2100, 12, 31)),
                  st.sampled_from(DATE_FORMATS)).map(lambda d: d[0].strftime(d[1]))
VALUES = st.one_of(
    st.sampled_from(FORMULAS),
    st.sampled_from(FORMULAS).map(lambda f: f + "C1"),
    st.sampled_from(["C1", "C2", "C3", "-1", "0", "", "NULL", "NONE", "LD", "AUT", "Y", "N", "yes", "1", "2",
                     "No referral", "nfa", "NEG", "1a", "3A"]),
    DATES,
    st.text(max_size=12),
    st.integers(-10**6, 10**6).map(str),
    st.floats().map(str),
)


def headings(table: str) -> st.SearchStrategy[list[str]]:
    known = [n for c in all_columns(TABLES[table]) for n in (c.name, *c.aliases)]
    essential = [c.name for c in TABLES[table].columns if c.required] + list(TABLES[table].key_dates)
    extra = st.lists(st.one_of(st.sampled_from(known), st.sampled_from(FORMULAS), st.text(max_size=10)),
                     max_size=6)
    # Mostly with the columns a table needs, so that most files get past the header check.
    return st.tuples(st.integers(0, 4), extra).map(lambda t: (essential if t[0] else []) + t[1])


@st.composite
def exports(draw) -> tuple[str, bytes]:
    table = draw(st.sampled_from(sorted(TABLES)))
    header = draw(headings(table))
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(VALUES, min_size=max(width - 1, 0), max_size=width + 1), max_size=6))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=draw(st.sampled_from([",", ",", ";", "\t", "|"])))
    for row in [header, *rows]:
        writer.writerow(row)
    bom = draw(st.sampled_from(["", "\ufeff"]))
    encoding = draw(st.sampled_from(["utf-8", "cp1252"]))
    return table, (bom + buf.getvalue()).encode(encoding, errors="replace")


CHILDREN = "child_id,dob,disability\nC1,2015-01-01,LD\nC2,2012-05-06,NONE\nC3,=2020-01-01,=AUT\n"


@settings(max_examples=120, **SETTINGS)
@given(files=st.lists(exports(), min_size=1, max_size=3), command=COMMANDS)
def test_random_headings_and_values(scratch, files, command):
    ws = Workspace(scratch, command[1])
    try:
        (ws.input / "children.csv").write_text(CHILDREN, encoding="utf-8")
        for i, (table, data) in enumerate(files):
            (ws.input / f"{table}_{i + 2}.csv").write_bytes(data)
        ws.run(command[0])
    finally:
        ws.close()


# ---------------------------------------------------------------- formula-like text, end to end


def _hostile(value: str, i: int) -> str:
    return (FORMULAS[:8][i % 8] + value) if value else value


@pytest.fixture(scope="module")
def hostile_exports(tmp_path_factory) -> Path:
    """sample_data/ with formula-like identifiers, teams, workers, sources and headings,
    and unrecognised files whose names start like formulas."""
    folder = tmp_path_factory.mktemp("hostile")
    ids = pd.read_csv(SAMPLE_DATA / "children.csv", dtype=str)["child_id"]
    mapping = {cid: _hostile(cid, i) for i, cid in enumerate(ids)}
    for path in SAMPLE_DATA.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for key in ("child_id", "CHILD"):  # the 903 files' CHILD; adopters have neither
            if key in frame:
                frame[key] = frame[key].map(lambda v: mapping.get(v, v))
        for col in ("team", "worker", "contact_source", "referral_source", "lead_organisation", "assessment_type"):
            if col in frame:
                frame[col] = [_hostile(v, i + 3) for i, v in enumerate(frame[col])]
        if path.stem == "contacts":
            frame["=SUM(A1:A9)"] = "x"  # an unused heading: reported in Data quality
        frame.to_csv(folder / path.name, index=False)
    for name in ("=cmd.csv", "+notes.csv", "@list.csv", "\tnotes.csv", "-x.csv", " =1+1.csv", "\u00a0@x.csv"):
        (folder / name).write_text("a,b\n1,2\n", encoding="utf-8")
    return folder


def sheets_with_quoted_text(path: Path) -> set[str]:
    return {ws.title for ws in openpyxl.load_workbook(path).worksheets
            if any(isinstance(c.value, str) and c.value.startswith(FORMULA_START)
                   for row in ws.iter_rows() for c in row)}


def test_formula_like_text_is_text_in_every_sheet(hostile_exports, tmp_path):
    out = tmp_path / "lists.xlsx"
    res = runner.invoke(app, ["build", "--input", str(hostile_exports), "--as-of", SAMPLE_AS_OF, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert_text_safe_xlsx(out)
    book = openpyxl.load_workbook(out)
    # Summary and Data quality included; a first run's Changes sheet holds no export text
    assert sheets_with_quoted_text(out) == set(book.sheetnames) - {"Changes"}
    summary = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert {"=cmd.csv", "\tnotes.csv", " =1+1.csv", "\u00a0@x.csv"} <= set(summary)
    assert "=SUM(A1:A9)" in [c.value for row in book["Data quality"].iter_rows() for c in row]


def test_formula_like_text_is_quoted_in_every_csv(hostile_exports, tmp_path):
    folder = tmp_path / "csv"
    res = runner.invoke(app, ["build", "--input", str(hostile_exports), "--as-of", SAMPLE_AS_OF,
                              "--format", "csv", "--out", str(folder)])
    assert res.exit_code == 0, res.output
    assert_text_safe_csv(folder)
    files = sorted(folder.glob("*.csv"))
    assert len(files) == 11  # Summary, 7 lists, Changes, Unknown disability, Data quality
    for path in [f for f in files if not f.name.endswith("_Changes.csv")]:  # each met formula-like text, quoted
        assert any(c[:2] in ("'=", "'+", "'-", "'@", "'\t") for c in csv_cells(path)), path.name
    assert "'=cmd.csv" in csv_cells(files[0]) and "'\tnotes.csv" in csv_cells(files[0])
    # A name formula-like only after leading whitespace is quoted too (issue 14, item 8).
    assert {"' =1+1.csv", "'\u00a0@x.csv"} <= set(csv_cells(files[0]))


def test_formula_like_text_is_text_in_the_sample(hostile_exports, tmp_path):
    out = tmp_path / "sample.xlsx"
    res = runner.invoke(app, ["sample", "--input", str(hostile_exports), "--as-of", SAMPLE_AS_OF,
                              "--seed", "11", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert_text_safe_xlsx(out)
    assert sheets_with_quoted_text(out) == {"Summary", "Sample"}


# ---------------------------------------------------------------- sparse, padded and mutated workbooks (issue 14)

import random  # noqa: E402

import hostile  # noqa: E402
from ofsted_lists import excel_worker  # noqa: E402

COLUMNS = st.integers(1, 16384)
ROWS = st.integers(1, 1048576)


def column_name(n: int) -> str:
    name = ""
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


@st.composite
def sparse_workbooks(draw) -> bytes:
    """A contacts sheet with a few cells anywhere in Excel's grid, a lying or missing
    <dimension>, and sometimes a cell padded with spaces."""
    rows = hostile.contacts_rows(draw(st.integers(0, 3)))
    for _ in range(draw(st.integers(0, 3))):
        ref = f"{column_name(draw(COLUMNS))}{draw(ROWS)}"
        value = draw(st.sampled_from(["x", "-1e12", "1e308", "C1", " " * draw(st.integers(0, 5000))]))
        kind = draw(st.sampled_from(["inlineStr", "n", "e", "s", "b", "str"]))
        rows.append(f'<row r="{"".join(c for c in ref if c.isdigit())}">'
                    f'{hostile.cell(ref, value, kind, draw(st.integers(0, 1)))}</row>')
    dimension = draw(st.sampled_from([None, "A1", "A1:XFD1048576", "A1:C4"]))
    return hostile.xlsx({"contacts": hostile.sheet_xml(rows, dimension)})


@settings(max_examples=40, **SETTINGS)
@given(book=sparse_workbooks(), command=COMMANDS)
def test_sparse_range_workbooks(scratch, book, command):
    ws = Workspace(scratch, command[1])
    try:
        (ws.input / "contacts.xlsx").write_bytes(book)
        ws.run(command[0])
    finally:
        ws.close()


@settings(max_examples=10, **SETTINGS)
@given(padding=st.sampled_from([1, 1 << 20, 1 << 26, 1 << 30, 3 << 30]), lie=st.booleans(), command=COMMANDS)
def test_padded_workbooks(scratch, padding, lie, command):
    ws = Workspace(scratch, command[1])
    try:
        (ws.input / "contacts.xlsx").write_bytes(hostile.padded_xlsx(padding, lie=lie))
        ws.run(command[0])
    finally:
        ws.close()


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


@settings(max_examples=40, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), command=COMMANDS)
def test_mutated_xls_end_to_end(scratch, seed, command):
    ws = Workspace(scratch, command[1])
    try:
        (ws.input / "contacts.xls").write_bytes(mutate(hostile.xls(), random.Random(seed)))
        ws.run(command[0])
    finally:
        ws.close()


@pytest.mark.parametrize("base", ["xls", "xlsx"])
def test_thousands_of_mutated_workbooks_never_take_the_reader_down(base, monkeypatch):
    """1,500 byte-mutated files straight through the parse processes (their start-up
    paid once): each gives sheets or a ParseFailure, never an abort of this process. The
    time limit is cut to 0.05 s, since about one .xls mutation in twenty makes calamine
    loop until stopped."""
    monkeypatch.setattr(excel_worker, "TIME_BASE", 0.05)
    data = hostile.xls() if base == "xls" else hostile.xlsx({"contacts": hostile.sheet_xml(hostile.contacts_rows(40))})
    rng = random.Random(14)
    outcomes = {}
    for _ in range(1500 if base == "xls" else 300):
        try:
            excel_worker.parse(mutate(data, rng))
            kind = "read"
        except excel_worker.ParseFailure as fail:
            kind = fail.kind
        outcomes[kind] = outcomes.get(kind, 0) + 1
    assert set(outcomes) <= {"read", "open", "sheet", "memory", "died", "timeout"}
    assert outcomes.get("read", 0) > 0 and len(outcomes) > 1, outcomes
