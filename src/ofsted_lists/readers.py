"""Read stage: find the export files, recognise each table, map headings, return raw text.

Every cell comes back as text (or NA): identifiers keep their leading zeros and no
reader guesses a type. Each record carries `_file`, `_sheet` and `_row`, the row
number a spreadsheet program shows, so findings can point at it (SPEC §3.3).
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import fnmatch
import hashlib
import io
import os
import re
import stat
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import excel_worker, quality, ssda903, threads
from .config import Config, Problem, TableConfig, problems_error
from .errors import InputError, UserError
from .output import path_problem
from .quality import Findings
from .schema import TABLES, Table, all_columns, closest, norm
from .terminal import kind_of

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
HEADER_SCAN_ROWS = 30
# SQL exports write NULL for a missing value; it means blank, never the text "NULL".
NA_TEXT = ["", "NULL", "null"]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
# Files an operating system drops into any folder; never exports.
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}
# The last part of a trailing date or number set off by "_", "-", "." or a space
# ("contacts_2026-03", "Contacts 2"), or a copy number in brackets ("Contacts (2)").
_LAST_NUMBER = re.compile(r"^(.*[A-Za-z].*?)(?:[\s_.-]+\d+|\s*\(\d+\))\s*$")

_RULE_LINE = re.compile(r"[-=_]+")
_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`

# A national return's tables are recognised by their headings only (content_table).
_NAME_TO_TABLE = {norm(alias): t.name for t in TABLES.values() if not t.national
                  for alias in (t.name, *t.aliases)}


@dataclass
class Header:
    """The header row a table was read by, for `inspect`: headings, never a data cell."""

    sheet: str
    table: str
    row: int                  # the spreadsheet row of the header row
    headings: list[str]       # its cells as text, trimmed ("" for a blank one)
    mapping: dict[int, str]   # position -> canonical column
    error: InputError | None = None  # why the table could not be read (lenient reads only)
    file: str = ""
    rows: int = 0             # data rows read under it (blank lines left out)

    @property
    def columns(self) -> tuple[str, ...]:
        """The canonical columns its headings named."""
        return tuple(dict.fromkeys(self.mapping.values()))

    @property
    def own(self) -> dict[str, str]:
        """Canonical column -> the heading that named it, as the file has it."""
        return {canonical: self.headings[i] for i, canonical in self.mapping.items()}

    @property
    def named(self) -> list[str]:
        """Every non-blank heading, as written."""
        return [h for h in self.headings if h]

    @property
    def unused(self) -> list[str]:
        """The non-blank headings that name no column."""
        return [h for i, h in enumerate(self.headings) if h and i not in self.mapping]


@dataclass
class InputFile:
    """One input file as the Summary lists it."""

    name: str
    sha256: str
    rows: int = 0
    tables: list[str] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)
    error: InputError | None = None  # why the file could not be read (lenient reads only)
    as_text: bool = False  # an Excel name, but really text: read as CSV

    @property
    def parts(self) -> list[Header]:
        """The header rows of the tables read from it (what the run warnings look at)."""
        return [h for h in self.headers if h.error is None and h.mapping]


@dataclass
class ReadResult:
    tables: dict[str, pd.DataFrame]  # raw text per table; `normalise` takes them (empty after)
    files: list[InputFile]
    unrecognised: list[str]  # "file" or "file [sheet]", in folder order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why) of export names not files
    headings: list[Header] = field(default_factory=list)  # each table file's or sheet's header row, in folder order
    mapping_problems: list[Problem] = field(default_factory=list)  # lenient reads only: config mappings to no heading

    def la_headings(self) -> dict[tuple[str, str], dict[str, str]]:
        """(file, sheet) -> canonical column -> the LA's heading for it."""
        return {(f.name, h.sheet): h.own for f in self.files for h in f.parts}


def recognise(name: str, config: Config, *, sheet: bool) -> str | None:
    """The table a file or sheet name stands for, or None.

    An explicit config glob wins (a file glob may or may not include the extension);
    then the whole name; then the name without its trailing numbers, stripped one at a
    time so that digits belonging to the name stay ("Section 47 2" is `s47`).
    """
    stem = name if sheet else Path(name).stem
    for table, tc in config.tables.items():
        globs = tc.sheets if sheet else tc.files
        if any(fnmatch.fnmatchcase(n.casefold(), g.casefold()) for g in globs for n in {name, stem}):
            return table
    while (hit := _NAME_TO_TABLE.get(norm(stem))) is None:
        m = _LAST_NUMBER.match(stem)
        if m is None:
            return None
        stem = m.group(1)
    return hit


def content_table(rows: list[list[object]]) -> str | None:
    """The table a file's or sheet's first rows are by their headings (an SSDA903 file, any
    name), or None: then its name decides. Content wins over the name (SPEC §3.5)."""
    return next((t for row in rows[:HEADER_SCAN_ROWS] if (t := ssda903.table_for(row))), None)


def _csv_head(raw: bytes) -> list[list[str]]:
    """The first records of a CSV, for content_table only: what cannot be decoded or split
    gives no records, and the read by name says what is wrong."""
    head = raw[:_HEAD_BYTES].decode("utf-8-sig", errors="replace")
    try:
        return [r for _, r in zip(range(HEADER_SCAN_ROWS), csv.reader(io.StringIO(head, newline="")))]
    except csv.Error:
        return []


def _sheet_head(body: pa.Table) -> list[list[object]]:
    """A sheet's first rows, cell by cell."""
    top = body.slice(0, HEADER_SCAN_ROWS)
    return [list(r) for r in zip(*(c.to_pylist() for c in top.columns))]


def _candidates(table: Table, tc: TableConfig) -> list[list[tuple[str, str]]]:
    """(canonical, normalised heading) pairs in three passes: config mappings, canonical
    names, aliases. A later pass never takes a heading an earlier pass claimed, so a
    config mapping or a canonical name beats another column's alias."""
    cols = all_columns(table)
    return [
        [(c.name, norm(tc.columns[c.name])) for c in cols if c.name in tc.columns],
        [(c.name, norm(c.name)) for c in cols],
        [(c.name, norm(a)) for c in cols for a in c.aliases],
    ]


def map_headings(headings: list[object], table: Table, tc: TableConfig) -> dict[int, str]:
    """Column position -> canonical name. Each heading names at most one column and each
    column is named by at most one heading: its config mapping, else its canonical name,
    else an alias; the leftmost when a name appears twice."""
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(headings):
        if h is not None and not pd.isna(h) and (n := norm(h)):
            positions.setdefault(n, []).append(i)
    mapping: dict[int, str] = {}
    for candidates in _candidates(table, tc):
        for canonical, name in candidates:
            if canonical in mapping.values():
                continue
            free = [i for i in positions.get(name, ()) if i not in mapping]
            if free:
                mapping[free[0]] = canonical
    return mapping


def _header_row(rows: list[list[object]], table: Table, tc: TableConfig) -> int:
    """Index of the header row: the first of the rows that name the most known columns."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len(map_headings(row, table, tc))
        if score > best_score:
            best, best_score = i, score
    return best


def _where(file: str, sheet: str) -> str:
    return file + (f", sheet '{sheet}'" if sheet else "")


def _sheet_error(file: str, sheet: str, config: Config | None, rest: str) -> InputError:
    """An InputError about `sheet` of `file`. The sheet is named only when its name names a
    table (then it says nothing personal); otherwise only --verbose names it."""
    full = _where(file, sheet) + rest
    if not sheet or recognise(sheet, config or Config(), sheet=True) is not None:
        return InputError(full)
    return InputError(f"{file}, a sheet (--verbose names it){rest}", verbose=full)


class _HeaderError(InputError):
    """A header row lacks a required column. Raised by read_folder once every file is
    read, and only when the config has no problem: a config mapping to a heading in no
    file of the table is the cause to report first (a usage error), and the config's
    mistakes are all reported in one run."""


def _check_header(mapping: dict[int, str], table: Table, file: str, sheet: str, config: Config) -> None:
    """A header row must name the table's required columns; otherwise stop with what to fix."""
    found = set(mapping.values())
    mapped = config.table(table.name).columns
    problem = None
    if not found:
        expected = ", ".join(f"'{c.name}'" for c in table.columns if c.required) or "'child_id'"
        problem = (f": found no header row in the first {HEADER_SCAN_ROWS} rows for table '{table.name}' (no "
                   f"heading names any of its columns, such as {expected}); add the header row, or map the "
                   f"local headings in ofsted-lists.toml under [tables.{table.name}.columns]")
    elif missing := [c for c in table.columns if c.required and c.name not in found]:
        col = missing[0]
        names = ", ".join(f"'{a}'" for a in (*((mapped[col.name],) if col.name in mapped else ()), col.name,
                                             *col.aliases))
        problem = (f": table '{table.name}' has no column for '{col.name}' (looked for {names}); add the column "
                   f"or map its heading in ofsted-lists.toml under [tables.{table.name}.columns]")
    elif len(table.key_dates) > 1 and not found & set(table.key_dates):
        problem = f": table '{table.name}' needs at least one of the columns {', '.join(table.key_dates)}"
    if problem:
        error = _sheet_error(file, sheet, config, problem)
        raise _HeaderError(str(error), verbose=error.verbose)


def _report_unused(headings: list[object], mapping: dict[int, str], file: str, sheet: str, row: int,
                   findings: Findings) -> None:
    for i, h in enumerate(headings):
        if i not in mapping and h is not None and not pd.isna(h) and str(h).strip():
            findings.add_one(quality.UNUSED_COLUMN, f"heading '{str(h).strip()}' matches no column of this "
                             "table; ignored", file=file, sheet=sheet, row=row, column=str(h).strip())


def _frame_for(body: pa.Table, mapping: dict[int, str], first_row: int, file: str,
               sheet: str) -> pd.DataFrame:
    """Select and rename mapped columns; trim them; attach provenance; drop blank lines.

    `body` holds the data rows only, every cell text or null, its first row being
    spreadsheet row `first_row`. The cleaning runs in pyarrow kernels, which release the
    GIL, so it overlaps with the other file being parsed."""
    columns = {}
    for i in sorted(mapping):
        col = body.column(i)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = col.cast(pa.string())  # an all-empty column comes back typed null
        col = pc.utf8_trim_whitespace(col)
        columns[mapping[i]] = pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)
    table = pa.table(columns)
    n = table.num_rows
    keep = np.zeros(n, dtype=bool)
    for col in columns.values():
        keep |= pc.is_valid(col).to_numpy(zero_copy_only=False)
    # A rule line right under the header ("-----" in every column, as SQL Server writes) is
    # layout, not a record. A first row with some cells blank is a record.
    if n and all(v is not None and _RULE_LINE.fullmatch(v) for v in (c[0].as_py() for c in columns.values())):
        keep[0] = False
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    if not keep.all():  # a copy of a million rows only when there is a blank line to drop
        table, rows = table.filter(pa.array(keep)), rows[keep]
    frame = table.to_pandas(types_mapper=_text_dtype)
    frame["_row"] = rows
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", file)
    return frame


def _text_dtype(arrow_type: pa.DataType):
    """pandas' own `str` dtype for arrow text: no Python string objects are made."""
    return _STR if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else None


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__


# --- CSV ---------------------------------------------------------------------------

def _encoding(raw: bytes, name: str) -> str:
    """The file's encoding: UTF-16 or UTF-8 by their BOM, else UTF-8, else Windows-1252."""
    if not raw.strip():
        raise InputError(f"{name} is empty: export it again or remove it from the input folder")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export
        return "utf-16"
    if b"\x00" in raw[:65536]:
        raise InputError(f"{name} is not a text CSV (it holds binary data): export it again as CSV")
    if _decodes(raw, "utf-8"):
        return "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    # Not UTF-8 throughout (a BOM followed by Windows-1252 text happens when exports are
    # pasted together): Windows-1252, whose reading of a stray BOM norm() ignores in a heading.
    return "cp1252" if _decodes(raw, "cp1252") else "latin-1"  # latin-1 reads every byte


def _decodes(raw: bytes, encoding: str, chunk: int = 1 << 24) -> bool:
    """Whether all of `raw` decodes, checked in chunks so a large file is never held as text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(raw), chunk):
            decoder.decode(raw[start:start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_HEAD_BYTES = 262144
# Probing with the wrong delimiter makes a wide header one field as long as the line
# (3,508 short columns); the csv module's default limit (128 KiB) would refuse it.
csv.field_size_limit(max(csv.field_size_limit(), _HEAD_BYTES * 4))


def _head_records(raw: bytes, enc: str, sep: str, name: str) -> list[list[str]]:
    """The first records of the file as the csv module splits them (quoted line breaks
    stay inside their record, as they do in pandas and in a spreadsheet)."""
    head = raw[:_HEAD_BYTES].decode(enc, errors="replace")
    out: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(head, newline=""), delimiter=sep):
            out.append(record)
            if len(out) >= HEADER_SCAN_ROWS:
                break
    except csv.Error as exc:
        raise InputError(f"{name} could not be read as CSV: {_short(exc)}") from None
    return out


def _heading(h: object) -> str:
    return "" if h is None or pd.isna(h) else str(h).strip()


def _read_csv(name: str, raw: bytes, config: Config, table_name: str, findings: Findings,
              headers: list[Header]) -> pd.DataFrame:
    table, tc = TABLES[table_name], config.table(table_name)
    enc = _encoding(raw, name)
    best: tuple[int, str, int, list[str]] = (-1, ",", 0, [])
    for sep in (",", ";", "\t", "|"):
        records = _head_records(raw, enc, sep, name)
        idx = _header_row(records, table, tc)
        fields = records[idx] if records else []
        score = len(map_headings(fields, table, tc))
        if score > best[0]:
            best = (score, sep, idx, fields)
    _, sep, header_idx, header_fields = best
    mapping = map_headings(header_fields, table, tc)
    headers.append(Header("", table_name, header_idx + 1, [_heading(h) for h in header_fields], mapping, file=name))
    _check_header(mapping, table, name, "", config)
    _report_unused(header_fields, mapping, name, "", header_idx + 1, findings)
    body = _csv_body(raw, enc, sep, header_idx, header_fields, sorted(mapping), name)
    positional = {pos: mapping[col] for pos, col in enumerate(sorted(mapping))}
    return _frame_for(body, positional, header_idx + 2, name, "")


def _csv_body(raw: bytes, enc: str, sep: str, header_idx: int, header: list[str], usecols: list[int],
              name: str) -> pa.Table:
    """The data records under the header, the `usecols` columns as text, in that order.

    pyarrow's reader, when the file is UTF-8 with a one-line header on its first line and
    every record as wide as the header (the usual export); anything else (title lines,
    blank lines, short rows, other encodings, a line break inside a heading, a quote left
    open) goes through pandas, which pads short rows, keeps blank lines as records so row
    numbers stay true, and rejects a quote left open."""
    one_line_header = not any("\n" in h or "\r" in h for h in header)
    if header_idx == 0 and enc in ("utf-8", "utf-8-sig") and one_line_header:
        fast = _pyarrow_csv(raw, sep, len(header), usecols)
        if fast is not None:
            return fast
    try:
        # The header record is read too, so pandas takes the column count from it: rows
        # with fewer cells get blanks, and no row can shift a column (then it is dropped).
        body = pd.read_csv(
            io.BytesIO(raw),
            encoding=enc,
            sep=sep,
            header=None,
            skiprows=header_idx,
            usecols=usecols,
            dtype="str",
            keep_default_na=False,
            na_values=NA_TEXT,
            skip_blank_lines=False,
            engine="c",
        ).iloc[1:]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, UnicodeError) as exc:
        raise InputError(f"{name} could not be read as CSV: {_short(exc)}") from None
    # usecols keeps the mapped columns in position order.
    return pa.table({str(i): pa.array(body[c], type=pa.large_string(), from_pandas=True)
                     for i, c in enumerate(body.columns)})


# A last record appended to the file before pyarrow reads it. pyarrow takes a quote left
# open as running to the end of the file (the records after it vanish into one cell, with
# no error); then this record is swallowed too, and its absence shows it.
_END_MARK = "~ofsted-lists: end of file~"


def _pyarrow_csv(raw: bytes, sep: str, width: int, usecols: list[int]) -> pa.Table | None:
    """The records after the first line, `usecols` columns as text; None when pyarrow
    cannot read the file as it is (pandas then reads it, or says what is wrong)."""
    names = [str(i) for i in range(width)]
    newline = b"" if raw.endswith((b"\n", b"\r")) else b"\n"
    marked = raw + newline + sep.join([_END_MARK] * width).encode() + b"\n"
    try:
        table = pacsv.read_csv(
            io.BytesIO(marked),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, include_columns=[names[i] for i in usecols],
                null_values=NA_TEXT, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, UnicodeError):
        return None
    if table.num_rows == 0 or table.column(0)[-1].as_py() != _END_MARK:
        return None  # a quote was left open
    return table.slice(0, table.num_rows - 1)


# --- Excel -------------------------------------------------------------------------

def encrypted(raw: bytes) -> bool:
    """True for an Office file encrypted with a password (an OLE container msoffcrypto opens)."""
    if not raw.startswith(_OLE_MAGIC):
        return False
    import msoffcrypto  # slow import, only needed here

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(raw)).is_encrypted())
    except Exception:  # not an Office container msoffcrypto knows; calamine will say more
        return False


def _zip_padding(raw: bytes) -> tuple[int, int] | None:
    """(bytes its parts would unpack to, the most allowed) when an .xlsx would unpack to far
    more than real data does: whitespace or other padding compressed a thousandfold."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    # A damaged central directory can claim a zip version zipfile refuses (NotImplementedError).
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None  # the parse says what is wrong
    allowed = max(excel_worker.UNPACKED_FLOOR, excel_worker.UNPACKED_RATIO * len(raw))
    return (unpacked, allowed) if unpacked > allowed else None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def _open_excel(name: str, box: list[bytes]) -> list[tuple[str, pa.Table]] | None:
    """Every sheet of the workbook in `box` as text, in workbook order, or None when the
    "workbook" is really a text (CSV) file. The parse runs in a child process held to a
    memory and a time limit (excel_worker), so a hostile workbook ends in an InputError,
    never an abort. The bytes are handed over (`box` is emptied once they are sent), so a
    large workbook is not held here while it is parsed."""
    raw = box[0]
    if encrypted(raw):
        raise InputError(f"{name} is password-protected (encrypted): save an unprotected copy into the input folder")
    if not raw.startswith((_OLE_MAGIC, _ZIP_MAGIC)):
        sniff = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if sniff.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
            raise InputError(
                f"{name} is a web page or XML file saved under an Excel name, not a workbook: open it in "
                "Excel and save it as .xlsx, or export the data as CSV"
            )
        if b"\x00" in raw[:65536] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{name} is not a valid Excel workbook (corrupt, or not really Excel): export it again")
        return None  # a CSV or tab-separated export given an Excel name
    if raw.startswith(_ZIP_MAGIC) and (padded := _zip_padding(raw)):
        raise InputError(
            f"{name} is not read: its parts would unpack to {_gb(padded[0])} from {_gb(len(raw))} "
            f"(more than {_gb(padded[1])}), which is padding, not data; export it again"
        )
    size = len(raw)
    del raw
    try:
        # From bytes, calamine recognises the format by content: an .xls saved as .xlsx still opens.
        return excel_worker.parse(box)
    except excel_worker.ParseFailure as fail:
        raise _failure_error(name, fail, size) from None


def _failure_error(name: str, fail: excel_worker.ParseFailure, size: int) -> InputError:
    """What went wrong, where: the reader's own text is never shown, as it may quote a cell."""
    if fail.kind == "open":
        return InputError(f"{name} could not be opened as an Excel workbook (damaged, or not really Excel): "
                          "export it again")
    if fail.kind == "sheet":
        return _sheet_error(name, fail.sheet or "", None, " could not be read: it holds a damaged or "
                            "unsupported cell (such as a date out of range); export it again")
    if fail.kind == "timeout":
        return InputError(f"{name} could not be read: parsing it took longer than "
                          f"{excel_worker.time_limit(size):.0f} s (damaged, or far larger than its data); "
                          "export it again")
    limit = _gb(excel_worker.memory_budget(size))
    return InputError(f"{name} could not be read: it is damaged, or its used range is far larger than its data "
                      f"(reading it would need more than {limit} of memory); export it again, or save it as CSV")


def _empty(body: pa.Table) -> bool:
    return body.num_rows == 0 or body.num_columns == 0


def _read_sheet(body: pa.Table, name: str, sheet: str, table_name: str, config: Config,
                findings: Findings, headers: list[Header]) -> pd.DataFrame:
    table, tc = TABLES[table_name], config.table(table_name)
    if _empty(body):
        raise _sheet_error(name, sheet, config, " is empty: export it again or remove it from the workbook")
    rows = _sheet_head(body)
    header_idx = _header_row(rows, table, tc)
    headings = rows[header_idx]
    mapping = map_headings(headings, table, tc)
    headers.append(Header(sheet, table_name, header_idx + 1, [_heading(h) for h in headings], mapping, file=name))
    _check_header(mapping, table, name, sheet, config)
    _report_unused(headings, mapping, name, sheet, header_idx + 1, findings)
    return _frame_for(body.slice(header_idx + 1), mapping, header_idx + 2, name, sheet)


def _workbook_tables(sheets: list[tuple[str, pa.Table]], name: str, config: Config, findings: Findings,
                     unrecognised: list[str]) -> list[tuple[str, str, pa.Table]]:
    """(table, sheet, body) for each sheet that holds a table.

    A sheet is recognised by its headings (content_table), else by its name; the file
    name names the one sheet of a workbook whose other sheets are empty (Excel's blank
    "Sheet2"). Empty sheets are skipped
    quietly; any other unrecognised sheet is listed."""
    bodies = dict(sheets)
    by_name = {s: content_table(_sheet_head(b)) or recognise(s, config, sheet=True) for s, b in bodies.items()}
    others = [s for s, t in by_name.items() if t is None and not _empty(bodies[s])]
    if len(others) == 1 and all(t is None for t in by_name.values()):
        by_name[others[0]] = recognise(name, config, sheet=False)
    out = []
    for sheet, table in by_name.items():
        if table is not None:
            out.append((table, sheet, bodies[sheet]))
        elif not _empty(bodies[sheet]):
            unrecognised.append(f"{name} [{sheet}]")
            findings.add_one(quality.UNRECOGNISED, "sheet name matches no table; not read", file=name, sheet=sheet)
    return out


# --- the folder ----------------------------------------------------------------------

def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _not_a_file(path: Path) -> str | None:
    """Why the entry at `path` is not a file to read (None: it is a regular file, or a
    link to one)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "link to nothing" if path.is_symlink() else "file gone while the folder was listed"
    for test, what in ((stat.S_ISREG, None), (stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "named pipe"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return what
    return "device"


def _listing(folder: Path) -> tuple[list[Path], list[Path], list[tuple[str, str]]]:
    """(export files, other files, (name, why) of entries named like exports that are no
    files) in the folder, by name; hidden and lock files left out."""
    try:
        if not folder.exists():
            raise InputError(f"input folder not found: {folder} (give --input DIR or set input.dir in "
                             "ofsted-lists.toml)")
        if not folder.is_dir():
            raise InputError(f"--input must be a folder of exports; {folder} is a file")
        entries = [(p, _not_a_file(p)) for p in sorted(folder.iterdir()) if not p.name.startswith((".", "~$"))]
    except OSError as exc:  # a folder we may not search or list, a name too long
        raise InputError(f"cannot read the input folder {folder}: {path_problem(exc)}") from None
    named = CSV_SUFFIXES | EXCEL_SUFFIXES
    exports = [p for p, why in entries if why is None and p.suffix.lower() in named]
    others = [p for p, why in entries if why is None and p.suffix.lower() not in named
              and p.name.lower() not in _SYSTEM_FILES]
    skipped = [(p.name, why) for p, why in entries if why is not None and p.suffix.lower() in named]
    if not exports:
        raise InputError(f"input folder {folder} holds no .csv, .xlsx, .xlsm or .xls files")
    return exports, others, skipped


def input_files(folder: Path) -> list[Path]:
    """Every file in the input folder that the tool may name in a message (exports and
    others), by name."""
    exports, others, _ = _listing(folder)
    return sorted([*exports, *others])


@dataclass
class _FileRead:
    """What one file gave: kept apart per file so files can be read at once and still be
    put together in folder order (findings and concatenation never depend on timing)."""

    info: InputFile
    found: list[tuple[str, pd.DataFrame]]
    unrecognised: list[str]
    findings: Findings
    header_error: _HeaderError | None = None  # raised once the config is checked (read_folder)


def _memory() -> int:
    """Bytes of memory this process may use: the machine's, or less under a ulimit."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 1 << 62
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            total = min(total, soft)
    except (ImportError, OSError, ValueError):
        pass
    return total


# Reading a file takes its bytes, a table of its text and the typed columns made from it:
# files up to this fraction of memory are read; a larger one is refused before reading.
MEMORY_SHARE = 4


def _too_large(name: str, size: int | None = None) -> InputError:
    limit = _memory() // MEMORY_SHARE
    what = f"{name} is {_gb(size)}, too large" if size else f"{name} is too large"
    return InputError(f"{what} to read in this machine's memory (files up to {_gb(limit)}, a quarter of "
                      "the memory, are read): split the export into smaller files")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes. A file too large for memory is refused before reading; a file
    rewritten or replaced while it is read (its size, time or inode changed) is read
    again, once: an export still being written never gives half a table."""
    for _ in range(2):
        try:
            with path.open("rb") as fh:
                before = os.fstat(fh.fileno())
                if before.st_size > _memory() // MEMORY_SHARE:
                    raise _too_large(path.name, before.st_size)
                raw = fh.read()
                after, now = os.fstat(fh.fileno()), os.stat(path)
        except PermissionError:
            raise InputError(f"cannot read {path.name}: permission denied") from None
        except MemoryError:
            raise _too_large(path.name) from None
        except OSError as exc:
            raise InputError(f"cannot read {path.name}: {exc.strerror or exc}") from None
        same = ((before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) == (len(raw), now.st_mtime_ns)
                and (before.st_ino, before.st_dev) == (now.st_ino, now.st_dev))
        if same:
            return raw
        del raw
    raise InputError(f"{path.name} changed while it was being read, twice: an export is still being written "
                     "into the input folder; run again when it has finished")


def _read_file(path: Path, config: Config, lenient: bool = False) -> _FileRead:
    """One file's tables. `lenient` (for `inspect`): a table that cannot be read is recorded
    on its header (`Header.error`) and the file's other tables are still read."""
    raw = _read_bytes(path)
    got = _FileRead(InputFile(path.name, _sha256(raw)), [], [], Findings())
    headers = got.info.headers

    def take(table: str, sheet: str, read: Callable[[], pd.DataFrame]) -> None:
        try:
            frame = read()
            headers[-1].rows = len(frame)  # the header row the read just recorded
            got.found.append((table, frame))
        except InputError as exc:
            if not lenient:
                if not isinstance(exc, _HeaderError):
                    raise
                # reported by read_folder once every file is read and the config checked
                got.header_error = got.header_error or exc
                return
            if not headers or (headers[-1].sheet, headers[-1].table) != (sheet, table) or headers[-1].error:
                headers.append(Header(sheet, table, 0, [], {}, file=path.name))  # failed before its header
            headers[-1].error = exc

    # The content decides, not the name: a workbook saved as .csv is still a workbook.
    sheets = None
    excel_name = path.suffix.lower() in EXCEL_SUFFIXES
    if excel_name or raw.startswith((_OLE_MAGIC, _ZIP_MAGIC)):
        if not raw:
            raise InputError(f"{path.name} is empty: export it again or remove it from the input folder")
        box = [raw]
        del raw
        sheets = _open_excel(path.name, box)
        raw = box[0] if box else b""
    if sheets is None:  # CSV, or text under an Excel name
        table = content_table(_csv_head(raw)) or recognise(path.name, config, sheet=False)
        if table is None:
            got.unrecognised.append(path.name)
            got.findings.add_one(quality.UNRECOGNISED, "file name matches no table; not read", file=path.name)
            return got
        try:
            take(table, "", lambda: _read_csv(path.name, raw, config, table, got.findings, headers))
        except MemoryError:
            raise _too_large(path.name) from None
        got.info.as_text = excel_name
    else:
        del raw
        for table, sheet, body in _workbook_tables(sheets, path.name, config, got.findings, got.unrecognised):
            take(table, sheet, lambda: _read_sheet(body, path.name, sheet, table, config, got.findings, headers))
    for table, frame in got.found:
        got.info.rows += len(frame)
        got.info.tables.append(table)
    return got


def _read_files(paths: list[Path], config: Config,
                progress: Callable[[str, int, int], None] | None, lenient: bool = False) -> list[_FileRead]:
    """Every file read, two at a time (largest first, so the longest parse starts at
    once); results in `paths` order. `progress(files being read, bytes done, bytes in
    all)` is called as files start and finish, from the reader threads too, one call at a
    time. An error stops the rest; the first bad file in folder order is the one reported
    (a header row that lacks a required column is no such error: read_folder reports it
    once every file is read). `lenient`: an error is kept on its file (`InputFile.error`,
    `Header.error`) instead."""
    sizes = {p: _size(p) for p in paths}
    total, done, reading = sum(sizes.values()), [0], []
    lock = threading.Lock()  # reports come from the reader threads and the calling thread

    def report(change: Callable[[], None]) -> None:
        with lock:
            change()
            if progress:
                progress(", ".join(reading), done[0], total)

    def start(path: Path) -> _FileRead:
        report(lambda: reading.append(path.name))
        if not lenient:
            return _read_file(path, config)
        try:
            return _read_file(path, config, lenient=True)
        except InputError as exc:
            return _FileRead(InputFile(path.name, "", error=exc), [], [], Findings())

    def finished(path: Path, _: _FileRead) -> None:
        def change() -> None:
            reading.remove(path.name)
            done[0] += sizes[path]
        report(change)
        _release_memory()

    excel = [p for p in paths if p.suffix.lower() in EXCEL_SUFFIXES]
    excel_worker.POOL.prestart(min(len(excel), threads.WORKERS))  # their start overlaps the CSV reads
    try:
        return threads.map_ordered(start, paths, start_first=sizes.__getitem__, on_done=finished)
    finally:
        if not excel_worker.KEEP_WARM:
            excel_worker.POOL.close()  # idle parse processes would hold memory through the build


def _release_memory() -> None:
    """Hand memory freed by a finished parse back to the system. calamine allocates in
    the reader threads' malloc arenas, which glibc keeps after the parse (a third of a GB
    at a million contacts) unless asked; elsewhere this does nothing."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_folder(
    folder: Path,
    config: Config,
    findings: Findings,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    lenient: bool = False,
) -> ReadResult:
    """Read every recognised table in `folder`; several files for one table are concatenated.

    The config's problems, with its column mappings that name a heading in no file of
    their table, are raised here as one UsageError, before anything is built or written;
    then the first header row, in folder order, that lacks a required column (often the
    work of such a mapping, so it waits for the rest to be read and checked).
    `lenient` (for `inspect`): a file or table that cannot be read is recorded on its
    `InputFile` (`error`, `headers`) and left out; the rest are read."""
    parts: dict[str, list[pd.DataFrame]] = {}
    unrecognised: list[str] = []
    try:
        paths, others, skipped = _listing(folder)
        reads = _read_files(paths, config, progress, lenient)
    except UserError:
        if config.problems:  # the config's mistakes come first: they may be why reading failed
            raise problems_error(config.path, config.problems, note=(
                " (the exports could not all be read, so the column mappings were not checked against "
                "their headings)")) from None
        raise
    seen = [h for got in reads for h in got.info.headers if h.mapping and h.error is None]
    mapped = mapping_problems(config, seen)
    # `inspect` shows a mapping to a heading in no file beside the headings it has; only the
    # config's own mistakes stop it (with every mapping problem, so one run shows them all).
    if (problems := [*config.problems, *mapped]) and (config.problems or not lenient):
        raise problems_error(config.path, problems)
    if header_error := next((got.header_error for got in reads if got.header_error), None):
        raise header_error
    for got in reads:
        findings.extend(got.findings)
        unrecognised.extend(got.unrecognised)
        for table, frame in got.found:
            parts.setdefault(table, []).append(frame)
    for path in others:
        unrecognised.append(path.name)
        findings.add_one(quality.UNRECOGNISED, "not a CSV or Excel file; not read", file=path.name)
    for name, why in skipped:
        findings.add_one(quality.UNRECOGNISED, f"named like an export but a {why}; not read", file=name)
    tables = {name: pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
              for name, frames in parts.items()}
    return ReadResult(tables, [got.info for got in reads], unrecognised, skipped, seen, mapped)


# --- column mappings against the headings read (SPEC §7) ---------------------------------

def mapping_problems(config: Config, seen: list[Header]) -> list[Problem]:
    """Column mappings that name a heading found in no file of their table. A [columns]
    mapping is wrong only when no table it serves has the heading. A table not read is
    not judged: its absence is reported on its own."""
    by_table: dict[str, list[Header]] = {}
    for h in seen:
        by_table.setdefault(h.table, []).append(h)
    problems: list[Problem] = []
    shared: dict[str, list[str]] = {}  # [columns] key -> the tables read that it serves
    for table, heads in by_table.items():
        for column, heading in config.table(table).columns.items():
            key = config.column_key(table, column)
            if key[0] == "columns":
                shared.setdefault(column, []).append(table)
            elif not _has(heads, heading):
                problems.append(_missed(config, key, heading, heads, f"table '{table}'"))
    for column, tables in shared.items():
        heads = [h for t in tables for h in by_table[t]]
        if not _has(heads, config.columns[column]):
            served = f"the table it serves ('{tables[0]}')" if len(tables) == 1 else \
                f"the tables it serves ({', '.join(tables)})"
            problems.append(_missed(config, ("columns", column), config.columns[column], heads, served))
    return problems


def _has(heads: list[Header], heading: str) -> bool:
    return norm(heading) in {norm(h) for head in heads for h in head.named}


def _shown(heading: str) -> str:
    return "'" + (heading if len(heading) <= 60 else heading[:57] + "...") + "'"


def _missed(config: Config, key: tuple[str, ...], heading: str, heads: list[Header], where: str) -> Problem:
    taken = {norm(h) for head in heads for h in head.named if h not in head.unused}
    unused = []
    for h in (h for head in heads for h in head.unused):
        if norm(h) not in taken:
            taken.add(norm(h))
            unused.append(h)
    near = closest(heading, unused)
    if near:
        hint = f"closest unused headings: {', '.join(map(_shown, near))}"
    elif unused:
        more = f", and {len(unused) - 5} more" if len(unused) > 5 else ""
        hint = f"no unused heading is close to it (unused: {', '.join(map(_shown, unused[:5]))}{more})"
    else:
        hint = "every heading of its files names another column"

    def text(verbose: bool) -> str:
        files = list(dict.fromkeys(_file_of(h, config, verbose) for h in heads))
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        return f"heading {_shown(heading)} is in no file of {where} (read: {', '.join(files[:3])}{more}); {hint}"

    plain, full = text(False), text(True)
    return config.problem(key, plain, full if full != plain else None)


def _file_of(h: Header, config: Config, verbose: bool) -> str:
    """Where a table's headings were read: a file or sheet named only when its name names
    a table (then it says nothing personal), or with --verbose."""
    if verbose:
        return _where(h.file, h.sheet)
    file = h.file if recognise(h.file, config, sheet=False) else f"a {kind_of(h.file)} file"
    if not h.sheet:
        return file
    return f"{file}, sheet '{h.sheet}'" if recognise(h.sheet, config, sheet=True) else f"{file}, a sheet"
