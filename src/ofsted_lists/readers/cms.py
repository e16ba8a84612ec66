"""CMS exports: CSV and Excel tables shaped like the export contract (SPEC §3).

A file or sheet is recognised by its name (`recognise`), or first by its headings
through the package's `HEADING_FORMATS` hook; its header row is found among the
first rows and its headings are mapped to canonical columns (`map_headings`).
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import excel_worker, quality
from ..config import Config, TableConfig
from ..errors import InputError
from ..quality import Findings
from ..schema import TABLES, Table, all_columns, norm
from . import (EXCEL_SUFFIXES, HEADING_FORMATS, OWN_TABLES, WORKBOOK_FORMATS, Header, Source, _gb, _HeaderError,
               _too_large)

FORMAT = "CMS export"

HEADER_SCAN_ROWS = 30
# SQL exports write NULL for a missing value; it means blank, never the text "NULL".
NA_TEXT = ["", "NULL", "null"]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_MAGIC = (_OLE_MAGIC, _ZIP_MAGIC)
# The last part of a trailing date or number set off by "_", "-", "." or a space
# ("contacts_2026-03", "Contacts 2"), or a copy number in brackets ("Contacts (2)").
_LAST_NUMBER = re.compile(r"^(.*[A-Za-z].*?)(?:[\s_.-]+\d+|\s*\(\d+\))\s*$")

_RULE_LINE = re.compile(r"[-=_]+")
_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`

# A national return's tables are recognised by their headings only (`HEADING_FORMATS`).
_NAME_TO_TABLE = {norm(alias): t.name for t in TABLES.values() if not t.national
                  for alias in (t.name, *t.aliases)}


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
    own = {norm(name): name for name in OWN_TABLES}  # a national format's own table names (`ssd_contacts`)
    while (hit := _NAME_TO_TABLE.get(norm(stem)) or own.get(norm(stem))) is None:
        m = _LAST_NUMBER.match(stem)
        if m is None:
            return None
        stem = m.group(1)
    return hit


def _table(name: str) -> Table:
    """The Table a file of `name` is read by: a canonical one, or a format's own."""
    return TABLES[name] if name in TABLES else OWN_TABLES[name][0]


def _format_of(table: str) -> str | None:
    """The format whose own table `table` is (None: a canonical table)."""
    return OWN_TABLES[table][1] if table in OWN_TABLES else None








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



def _check_header(mapping: dict[int, str], table: Table, file: str, sheet: str, config: Config) -> None:
    """A header row must name the table's required columns; otherwise stop with what to fix."""
    found = set(mapping.values())
    mapped = config.table(table.name).columns
    # A format's own table is read by its own field names only: there is nothing to map.
    how = (f"map the local headings in ofsted-lists.toml under [tables.{table.name}.columns]" if table.name in TABLES
           else f"export the table with its {_format_of(table.name)} field names")
    problem = None
    if not found:
        expected = ", ".join(f"'{c.name}'" for c in table.columns if c.required) or "'child_id'"
        problem = (f": found no header row in the first {HEADER_SCAN_ROWS} rows for table '{table.name}' (no "
                   f"heading names any of its columns, such as {expected}); add the header row, or {how}")
    elif missing := [c for c in table.columns if c.required and c.name not in found]:
        col = missing[0]
        names = ", ".join(f"'{a}'" for a in (*((mapped[col.name],) if col.name in mapped else ()), col.name,
                                             *col.aliases))
        problem = (f": table '{table.name}' has no column for '{col.name}' (looked for {names}); add the column "
                   f"or {how.replace('map the local headings', 'map its heading')}")
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
    table, tc = _table(table_name), config.table(table_name)
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
    headers.append(Header("", table_name, header_idx + 1, [_heading(h) for h in header_fields], mapping, file=name,
                          mapped=table_name in TABLES))
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


def _first_rows(body: pa.Table) -> list[list[object]]:
    """The rows among which a sheet's header row is looked for."""
    return [list(r) for r in zip(*(c.to_pylist() for c in body.slice(0, HEADER_SCAN_ROWS).columns))]


def _read_sheet(body: pa.Table, name: str, sheet: str, table_name: str, config: Config,
                findings: Findings, headers: list[Header]) -> pd.DataFrame:
    table, tc = _table(table_name), config.table(table_name)
    if _empty(body):
        raise _sheet_error(name, sheet, config, " is empty: export it again or remove it from the workbook")
    rows = _first_rows(body)
    header_idx = _header_row(rows, table, tc)
    headings = rows[header_idx]
    mapping = map_headings(headings, table, tc)
    headers.append(Header(sheet, table_name, header_idx + 1, [_heading(h) for h in headings], mapping, file=name,
                          mapped=table_name in TABLES))
    _check_header(mapping, table, name, sheet, config)
    _report_unused(headings, mapping, name, sheet, header_idx + 1, findings)
    return _frame_for(body.slice(header_idx + 1), mapping, header_idx + 2, name, sheet)


def _workbook_tables(sheets: list[tuple[str, pa.Table]], name: str, config: Config, findings: Findings,
                     unrecognised: list[str], formats: dict[str, str]) -> list[tuple[str, str, pa.Table]]:
    """(table, sheet, body) for each sheet that holds a table.

    A sheet is recognised by its headings (`HEADING_FORMATS`, whose format goes into
    `formats`), else by its name; the file name names the one sheet of a workbook whose
    other sheets are empty (Excel's blank "Sheet2"). Empty sheets are skipped quietly;
    any other unrecognised sheet is listed."""
    bodies = dict(sheets)
    by_name = {}
    for s, body in bodies.items():
        claimed = _claimed(lambda: _first_rows(body))
        if claimed:
            by_name[s], formats[s] = claimed
        else:
            by_name[s] = recognise(s, config, sheet=True)
    others = [s for s, t in by_name.items() if t is None and not _empty(bodies[s])]
    if len(others) == 1 and all(t is None for t in by_name.values()):
        by_name[others[0]] = recognise(name, config, sheet=False)
    out = []
    for sheet, table in by_name.items():
        if table is not None and sheet not in formats and (own := _format_of(table)):
            formats[sheet] = own
        if table is not None:
            out.append((table, sheet, bodies[sheet]))
        elif not _empty(bodies[sheet]):
            unrecognised.append(f"{name} [{sheet}]")
            findings.add_one(quality.UNRECOGNISED, "sheet name matches no table; not read", file=name, sheet=sheet)
    return out


def _claimed(rows: Callable[[], list[list[object]]]) -> tuple[str, str] | None:
    """(table, format) when a reader in `HEADING_FORMATS` knows the table by the first
    `rows` (made only when a reader asks)."""
    if not HEADING_FORMATS:
        return None
    try:
        first = rows()
    except InputError:  # not readable as text: no reader claims it, and the name may still say
        return None
    return next((hit for table_for in HEADING_FORMATS if (hit := table_for(first))), None)


def read(src: Source) -> None:
    """Read a CSV or Excel file's tables into `src` (the package's dispatch chose this
    format): a workbook by its content, whatever its name; else text, as CSV."""
    name, config, got = src.name, src.config, src.got
    headers = got.info.headers
    sheets = None
    excel_name = Path(name).suffix.lower() in EXCEL_SUFFIXES
    if excel_name or src.box[0].startswith(WORKBOOK_MAGIC):
        if not src.box[0]:
            raise InputError(f"{name} is empty: export it again or remove it from the input folder")
        sheets = _open_excel(name, src.box)  # hands the bytes over: the box is emptied
    if sheets is None:  # CSV, or text under an Excel name
        raw = src.box.pop()
        claimed = _claimed(lambda: _head_records(raw, _encoding(raw, name), ",", name))
        table = claimed[0] if claimed else recognise(name, config, sheet=False)
        if table is None:
            got.unrecognised.append(name)
            got.findings.add_one(quality.UNRECOGNISED, "file name matches no table; not read", file=name)
            return
        if fmt := claimed[1] if claimed else _format_of(table):
            got.info.format = fmt
        try:
            src.take(table, "", lambda: _read_csv(name, raw, config, table, got.findings, headers))
        except MemoryError:
            raise _too_large(name) from None
        got.info.as_text = excel_name
        return
    for claim_workbook in WORKBOOK_FORMATS:  # a national layout's sheets first (an Annex A workbook)
        sheets = claim_workbook(src, sheets)
    formats: dict[str, str] = {}
    for table, sheet, body in _workbook_tables(sheets, name, config, got.findings, got.unrecognised, formats):
        src.take(table, sheet, lambda: _read_sheet(body, name, sheet, table, config, got.findings, headers))
    if formats:
        got.info.format = next(iter(formats.values()))
