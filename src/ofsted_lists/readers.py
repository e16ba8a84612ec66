"""Read stage: find the export files, recognise each table, map headings, return raw text.

Every cell comes back as text (or NA): identifiers keep their leading zeros and no
reader guesses a type. Each record carries `_file`, `_sheet` and `_row`, the row
number a spreadsheet program shows, so findings can point at it (SPEC §3.3).
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import quality
from .config import Config, TableConfig
from .errors import InputError
from .quality import Findings
from .schema import TABLES, Table, all_columns, norm

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
HEADER_SCAN_ROWS = 30
# SQL exports write NULL for a missing value; it means blank, never the text "NULL".
NA_TEXT = ["", "NULL", "null"]
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
# A trailing date or number set off by "_", "-" or a space: "contacts_2026-03", "Contacts 2".
_TRAILING = re.compile(r"^(.*?[A-Za-z].*?)[\s_-]+\d[\d\s_.-]*$")

_NAME_TO_TABLE = {norm(alias): t.name for t in TABLES.values() for alias in (t.name, *t.aliases)}


@dataclass
class InputFile:
    """One input file as the Summary lists it."""

    name: str
    sha256: str
    rows: int = 0
    tables: list[str] = field(default_factory=list)


@dataclass
class ReadResult:
    tables: dict[str, pd.DataFrame]
    files: list[InputFile]
    unrecognised: list[str]


def recognise(name: str, config: Config, *, sheet: bool) -> str | None:
    """The table a file or sheet name stands for, or None.

    An explicit config glob wins; then the whole name; then the name without a
    trailing date or number (never digits inside the name, as in `s47`).
    """
    for table, tc in config.tables.items():
        globs = tc.sheets if sheet else tc.files
        if any(fnmatch.fnmatch(name.casefold(), g.casefold()) for g in globs):
            return table
    stem = name if sheet else Path(name).stem
    if (hit := _NAME_TO_TABLE.get(norm(stem))) is not None:
        return hit
    m = _TRAILING.match(stem)
    return _NAME_TO_TABLE.get(norm(m.group(1))) if m else None


def _candidates(table: Table, tc: TableConfig) -> list[tuple[str, list[str]]]:
    """Per canonical column, the normalised headings that name it, best first."""
    out = []
    for col in all_columns(table):
        names = [tc.columns[col.name]] if col.name in tc.columns else []
        names += [col.name, *col.aliases]
        out.append((col.name, [norm(n) for n in names]))
    return out


def map_headings(headings: list[object], table: Table, tc: TableConfig) -> dict[int, str]:
    """Column position -> canonical name. Each heading names at most one column."""
    normed = [norm(h) if h is not None and not pd.isna(h) else "" for h in headings]
    used: set[int] = set()
    mapping: dict[int, str] = {}
    for canonical, names in _candidates(table, tc):
        for n in names:
            hit = next((i for i, h in enumerate(normed) if h == n and i not in used), None)
            if hit is not None:
                used.add(hit)
                mapping[hit] = canonical
                break
    return mapping


def _header_row(rows: list[list[object]], table: Table, tc: TableConfig) -> int:
    """Index of the header row: the first of the rows that name the most known columns."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len(map_headings(row, table, tc))
        if score > best_score:
            best, best_score = i, score
    return best


def _frame_for(
    body: pd.DataFrame, mapping: dict[int, str], first_row: int, file: str, sheet: str
) -> pd.DataFrame:
    """Select and rename mapped columns; attach provenance; drop blank lines."""
    frame = body.iloc[:, sorted(mapping)].copy()
    frame.columns = [mapping[i] for i in sorted(mapping)]
    frame = frame.astype("str") if len(frame.columns) else frame
    frame = frame.apply(lambda s: s.str.strip()).replace("", pd.NA) if len(frame) else frame
    frame["_row"] = pd.RangeIndex(first_row, first_row + len(frame))
    frame = frame[frame.drop(columns="_row").notna().any(axis=1)] if len(frame.columns) > 1 else frame.iloc[0:0]
    frame.insert(0, "_sheet", sheet)
    frame.insert(0, "_file", file)
    return frame.reset_index(drop=True)


def _check_required(frame_cols: set[str], table: Table, file: str, sheet: str, headings: list[object]) -> None:
    where = f"{file}" + (f", sheet '{sheet}'" if sheet else "")
    for col in table.columns:
        if col.required and col.name not in frame_cols:
            names = ", ".join(f"'{a}'" for a in (col.name, *col.aliases))
            raise InputError(
                f"{where}: table '{table.name}' has no column for '{col.name}' "
                f"(looked for {names}); add the column or map its heading in ofsted-lists.toml "
                f"under [tables.{table.name}.columns]"
            )
    if table.key_dates and len(table.key_dates) > 1 and not frame_cols & set(table.key_dates):
        raise InputError(
            f"{where}: table '{table.name}' needs at least one of the columns "
            f"{', '.join(table.key_dates)}"
        )


# --- CSV ---------------------------------------------------------------------------

def _decode_check(raw: bytes, name: str) -> str:
    """The file's encoding: UTF-8 (with or without BOM), else Windows-1252."""
    if not raw.strip():
        raise InputError(f"{name} is empty: export it again or remove it from the input folder")
    if b"\x00" in raw[:65536]:
        raise InputError(f"{name} is not a text CSV (it holds binary data): export it again as CSV")
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _read_csv(path: Path, raw: bytes, config: Config, table_name: str, findings: Findings) -> pd.DataFrame:
    table, tc = TABLES[table_name], config.table(table_name)
    enc = _decode_check(raw, path.name)
    head_text = raw[:262144].decode(enc, errors="replace")
    head_lines = head_text.splitlines()[:HEADER_SCAN_ROWS]
    best = (-1, ",", 0)
    for sep in (",", ";", "\t", "|"):
        rows = list(csv.reader(head_lines, delimiter=sep))
        idx = _header_row(rows, table, tc)
        score = len(map_headings(rows[idx], table, tc)) if rows else 0
        if score > best[0]:
            best = (score, sep, idx)
    _, sep, header_idx = best
    header_fields = next(csv.reader([head_lines[header_idx]], delimiter=sep)) if head_lines else []
    mapping = map_headings(header_fields, table, tc)
    _check_required(set(mapping.values()), table, path.name, "", header_fields)
    _report_unused(header_fields, mapping, path.name, "", header_idx + 1, findings)
    try:
        body = pd.read_csv(
            io.BytesIO(raw),
            encoding=enc,
            sep=sep,
            header=None,
            skiprows=header_idx + 1,
            usecols=sorted(mapping),
            dtype="str",
            keep_default_na=False,
            na_values=NA_TEXT,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        body = pd.DataFrame({i: pd.Series(dtype="str") for i in sorted(mapping)})
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} could not be read as CSV: {_short(exc)}") from None
    # usecols keeps only the mapped columns, in position order.
    positional = {pos: mapping[col] for pos, col in enumerate(sorted(mapping))}
    body.columns = range(len(body.columns))
    return _frame_for(body, positional, header_idx + 2, path.name, "")


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__


def _report_unused(headings: list[object], mapping: dict[int, str], file: str, sheet: str, row: int, findings: Findings) -> None:
    for i, h in enumerate(headings):
        if i not in mapping and h is not None and not pd.isna(h) and str(h).strip():
            findings.add_one(quality.UNUSED_COLUMN, f"heading '{h}' matches no column of this table; ignored",
                             file=file, sheet=sheet, row=row, column=str(h))


# --- Excel -------------------------------------------------------------------------

def _open_excel(path: Path, raw_head: bytes):
    import fastexcel

    if path.suffix.lower() in {".xlsx", ".xlsm"} and raw_head.startswith(_OLE_MAGIC):
        raise InputError(
            f"{path.name} is password-protected (encrypted): save an unprotected copy into the input folder"
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"} and not raw_head.startswith(_ZIP_MAGIC):
        raise InputError(f"{path.name} is not a valid Excel workbook (corrupt, or not really .xlsx): export it again")
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for any unreadable workbook
        raise InputError(f"{path.name} could not be opened as an Excel workbook: {_short(exc)}") from None


def _read_sheet(reader, sheet: str, path: Path, table_name: str, config: Config, findings: Findings) -> pd.DataFrame:
    table, tc = TABLES[table_name], config.table(table_name)
    try:
        loaded = reader.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0)
        body = loaded.to_pandas()
    except Exception as exc:
        raise InputError(f"{path.name}, sheet '{sheet}' could not be read: {_short(exc)}") from None
    body.columns = range(len(body.columns))
    top = body.head(HEADER_SCAN_ROWS).astype(object).where(body.head(HEADER_SCAN_ROWS).notna(), None)
    rows = top.values.tolist()
    header_idx = _header_row(rows, table, tc)
    headings = rows[header_idx] if rows else []
    mapping = map_headings(headings, table, tc)
    _check_required(set(mapping.values()), table, path.name, sheet, headings)
    _report_unused(headings, mapping, path.name, sheet, header_idx + 1, findings)
    # fastexcel with skip_rows=0 starts at sheet row 1, so position + 1 is the row Excel shows.
    return _frame_for(body.iloc[header_idx + 1 :], mapping, header_idx + 2, path.name, sheet)


# --- the folder ----------------------------------------------------------------------

def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def input_files(folder: Path) -> list[Path]:
    if not folder.exists():
        raise InputError(f"input folder not found: {folder} (give --input DIR or set input.dir in ofsted-lists.toml)")
    if not folder.is_dir():
        raise InputError(f"--input must be a folder of exports; {folder} is a file")
    try:
        files = sorted(
            p for p in folder.iterdir()
            if p.is_file() and not p.name.startswith((".", "~$"))
            and p.suffix.lower() in CSV_SUFFIXES | EXCEL_SUFFIXES
        )
    except PermissionError:
        raise InputError(f"cannot read the input folder {folder}: permission denied") from None
    if not files:
        raise InputError(f"input folder {folder} holds no .csv, .xlsx, .xlsm or .xls files")
    return files


def read_folder(
    folder: Path,
    config: Config,
    findings: Findings,
    progress: Callable[[str, int, int], None] | None = None,
) -> ReadResult:
    """Read every recognised table in `folder`; several files for one table are concatenated."""
    parts: dict[str, list[pd.DataFrame]] = {}
    files: list[InputFile] = []
    unrecognised: list[str] = []
    paths = input_files(folder)
    for n, path in enumerate(paths, 1):
        if progress:
            progress(path.name, n, len(paths))
        try:
            raw = path.read_bytes()
        except PermissionError:
            raise InputError(f"cannot read {path.name}: permission denied") from None
        except OSError as exc:
            raise InputError(f"cannot read {path.name}: {exc.strerror or exc}") from None
        info = InputFile(path.name, _sha256(raw))
        if path.suffix.lower() in CSV_SUFFIXES:
            table = recognise(path.name, config, sheet=False)
            if table is None:
                unrecognised.append(path.name)
                findings.add_one(quality.UNRECOGNISED, "file name matches no table; not read", file=path.name)
            else:
                frame = _read_csv(path, raw, config, table, findings)
                parts.setdefault(table, []).append(frame)
                info.rows += len(frame)
                info.tables.append(table)
        else:
            if not raw:
                raise InputError(f"{path.name} is empty: export it again or remove it from the input folder")
            reader = _open_excel(path, raw[:8])
            sheets = reader.sheet_names
            for sheet in sheets:
                table = recognise(sheet, config, sheet=True)
                if table is None and len(sheets) == 1:
                    table = recognise(path.name, config, sheet=False)
                if table is None:
                    unrecognised.append(f"{path.name} [{sheet}]")
                    findings.add_one(quality.UNRECOGNISED, "sheet name matches no table; not read",
                                     file=path.name, sheet=sheet)
                    continue
                frame = _read_sheet(reader, sheet, path, table, config, findings)
                parts.setdefault(table, []).append(frame)
                info.rows += len(frame)
                info.tables.append(table)
        files.append(info)
    tables = {name: pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
              for name, frames in parts.items()}
    return ReadResult(tables, files, unrecognised)
