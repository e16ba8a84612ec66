"""The workbook (SPEC §5) and its CSV twin: typed cells only, never a formula.

Cell types follow the column dtype: datetime64 → Excel date (`dd/mm/yyyy`), numeric →
number, anything else → text. Object columns that are not all text (Summary key/value
blocks) are typed cell by cell. Text that Excel or a CSV reader could take for a formula
(`=`, `+`, `-` or `@` first, or after leading whitespace that a spreadsheet may trim; or
a leading tab or CR) is stored as text with a quote prefix in xlsx and with a leading
`'` in CSV: every text cell, headings, titles and file names included.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import numbers
import re
import textwrap
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
import xlsxwriter.packager
import xlsxwriter.sharedstrings
import xlsxwriter.workbook
import xlsxwriter.worksheet
from pandas.api import types as pdt
from xlsxwriter.utility import xl_col_to_name

from .errors import OutputError
from .output import atomic_write, encrypt_xlsx, ensure_dir, output_lock, replace_folder

SUMMARY = "Summary"
MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
MAX_TEXT = 32_767  # characters in one Excel cell
# Whitespace a spreadsheet may trim on import (what Python's str.isspace calls whitespace,
# and a BOM), written out so that Python's `re` and pyarrow's RE2 read the same class.
_LEADING_SPACE = "[\t\n\v\f\r\x1c-\x1f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
FORMULA_LIKE = "^(?:[\t\r]|" + _LEADING_SPACE + "*[=+@-])"
_FORMULA_LIKE = re.compile(FORMULA_LIKE)
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_WIDTH = 30  # a heading wider than this wraps (list sheets), unless its data is wider
HEADER_LINES = 3  # a heading wraps into up to this many lines before it widens its column
SUMMARY_WIDTH = 40  # Summary text wider than this wraps
WRAP_WIDTH = 50  # the width of a list column whose text wraps (`Sheet.wrap`), unless `Sheet.widths` says
LINE_HEIGHT = 15  # points per line of 11-point text
FOOTER = "&L&A&RPage &P of &N"  # sheet name, page number (Excel's header/footer codes)
_EXCEL_FIRST_DATE = dt.datetime(1900, 1, 1)  # earlier dates show as ##### in Excel
_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,  # no plaintext part files in TMPDIR
    "remove_timezone": True,
}


@dataclass
class Sheet:
    name: str
    frame: pd.DataFrame  # columns in output order; headers are the column names
    dropdowns: dict[str, list[str]] = field(default_factory=dict)  # column header -> allowed values (xlsx only)
    # A bold first row above the header ("NOT PRODUCED: no cp_plans export", SPEC §2), so that
    # no one reads a sheet that was not produced as an empty list.
    banner: str | None = None
    widths: dict[str, int] = field(default_factory=dict)  # column header -> width, room to write in (xlsx only)
    wrap: tuple[str, ...] = ()  # columns whose text wraps (xlsx only)


@dataclass
class Block:
    """One titled table on the Summary sheet."""

    title: str | None
    frame: pd.DataFrame


@dataclass
class Chart:
    """A chart of `Report.summary[block]`: column 0 = categories, each other column a series."""

    block: int
    title: str


@dataclass
class Report:
    summary: list[Block]
    chart: Chart | None
    sheets: list[Sheet]  # in workbook order, after Summary


# ---------------------------------------------------------------- value preparation


def formula_like(text: str) -> bool:
    """True for text a spreadsheet could take for a formula (the one rule for every cell)."""
    return _FORMULA_LIKE.match(text) is not None


def _formula_like(s: pd.Series) -> pd.Series:
    """`formula_like` over a text Series; False where missing."""
    return s.str.contains(FORMULA_LIKE, regex=True).fillna(False).astype(bool)


def _fit_text(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _dmy(d: dt.date) -> str:
    # strftime("%Y") does not zero-pad years before 1000 on every platform.
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _cell(v: object) -> tuple[str, object]:
    """(kind, value) of a cell in an untyped column; kind: empty/bool/number/date/datetime/text."""
    if v is None or (pdt.is_scalar(v) and not isinstance(v, str) and pd.isna(v)):
        return "empty", None
    if isinstance(v, (bool, np.bool_)):
        return "bool", bool(v)
    if isinstance(v, numbers.Real):
        finite = isinstance(v, numbers.Integral) or math.isfinite(v)
        return ("number", v) if finite else ("empty", None)
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v).to_pydatetime()
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None)
        return ("date" if v.time() == dt.time() else "datetime"), v
    if isinstance(v, dt.date):
        return "date", dt.datetime.combine(v, dt.time())
    text = str(v)
    return ("text", text) if text else ("empty", None)


@dataclass
class _Column:
    """One column as Python values ready for typed writes (None = empty cell)."""

    kind: str  # "date", "number", "bool", "text" or "mixed"
    values: list
    width: int  # characters needed by the widest value
    quoted: np.ndarray | None = None  # text: row positions needing a quote prefix
    # date: (row position, text) of dates before 1900, which Excel cannot show as dates
    early: list[tuple[int, str]] = field(default_factory=list)


def _text_column(s: pd.Series) -> _Column:
    s = s.astype("str")  # missing stays missing
    values = s.to_numpy(dtype=object, na_value=None).tolist()
    lens = s.str.len()
    for i in np.flatnonzero(lens.to_numpy(dtype="float64", na_value=0) > MAX_TEXT):
        values[i] = _fit_text(values[i])
    quoted = np.flatnonzero(_formula_like(s).to_numpy())
    width = 0 if lens.isna().all() else int(min(lens.max(), MAX_WIDTH))
    return _Column("text", values, width, quoted=quoted)


def _kind(s: pd.Series) -> str:
    """The cell kind of a column (categoricals already made plain): date, bool, number,
    mixed (object values not all text: typed cell by cell) or text."""
    if pdt.is_datetime64_any_dtype(s):
        return "date"
    if pdt.is_bool_dtype(s):
        return "bool"
    if pdt.is_numeric_dtype(s):
        return "number"
    if s.dtype == object and pdt.infer_dtype(s, skipna=True) not in ("string", "empty"):
        return "mixed"
    return "text"


def _datetimes(s: pd.Series) -> np.ndarray:
    """A date column as naive datetime64[us]."""
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.to_numpy(dtype="datetime64[us]")


def _serial_days(arr: np.ndarray) -> np.ndarray:
    """Excel's date numbers for datetime64 values (NaN for NaT)."""
    days = (arr - np.datetime64("1899-12-30")) / np.timedelta64(1, "D")
    # Excel counts the non-existent 29/02/1900, so earlier serials are one day less.
    days[arr < np.datetime64("1900-03-01")] -= 1
    return days


def _number_width(s: pd.Series) -> int:
    """Characters the widest of a number column's values needs, as Excel shows it."""
    finite = [v for v in (s.min(), s.max()) if pd.notna(v)]
    return max((len(f"{v:.10g}") for v in finite), default=0)


def _excel_serials(arr: np.ndarray, skip: np.ndarray) -> list:
    """Excel's date numbers for datetime64 values (None for NaT and for `skip`).

    Writing these with a date format is what `write_datetime` does per cell; doing the
    arithmetic on the whole column saves about a tenth of the workbook's build time.
    """
    obj = _serial_days(arr).astype(object)
    obj[np.isnat(arr)] = None
    obj[skip] = None
    return obj.tolist()


def _date_width(arr: np.ndarray) -> int:
    """A date needs its format's width; a column of blanks (CIN Closure Date of open plans) none."""
    return len(DATE_FORMAT) if (~np.isnat(arr)).any() else 0


def _prepare(s: pd.Series) -> _Column:
    """Convert a column once, so the write loop needs no per-cell type checks."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = _kind(s)
    if kind == "date":
        arr = _datetimes(s)
        early_at = np.flatnonzero(arr < np.datetime64(_EXCEL_FIRST_DATE))
        early = [(i, _dmy(d)) for i, d in zip(early_at, arr[early_at].tolist())]
        return _Column("date", _excel_serials(arr, early_at), _date_width(arr), early=early)
    if kind == "bool":
        return _Column("bool", s.to_numpy(dtype=object, na_value=None).tolist(), 5)
    if kind == "number":
        if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
            values = s.to_numpy().tolist()
        else:
            a = s.to_numpy(dtype="float64", na_value=np.nan)
            obj = a.astype(object)
            obj[~np.isfinite(a)] = None
            values = obj.tolist()
        return _Column("number", values, _number_width(s))
    if kind == "mixed":
        values = s.tolist()
        width = max((len(_csv_cell(v)) for v in values), default=0)
        return _Column("mixed", values, min(width, MAX_WIDTH))
    return _text_column(s)


# ---------------------------------------------------------------- xlsx


class _Cells:
    """The formats of a table's data cells by kind (None: Excel's default)."""

    def __init__(self, wb: xlsxwriter.Workbook, **look) -> None:
        def fmt(**props):
            return wb.add_format({**look, **props}) if look or props else None

        self.text = fmt()
        self.quote = fmt(quote_prefix=True)
        self.number = fmt()
        # Centred: a right-aligned date meets the next column's left-aligned text, printed or not.
        self.date = fmt(num_format=DATE_FORMAT, align=look.get("align", "center"))
        self.datetime = fmt(num_format=DATETIME_FORMAT, align=look.get("align", "center"))


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        header = {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
                  "text_wrap": True, "valign": "top"}
        self.header = wb.add_format(header)
        self.header_q = wb.add_format({**header, "quote_prefix": True})
        self.title = wb.add_format({"bold": True})
        self.title_q = wb.add_format({"bold": True, "quote_prefix": True})
        self.cells = _Cells(wb)  # list sheets
        self.wrapped = _Cells(wb, text_wrap=True, valign="top")  # list columns in `Sheet.wrap`
        # The Summary: text wraps, and counts and dates sit left, beside their labels.
        self.summary = _Cells(wb, text_wrap=True, valign="top", align="left")
        self.quote = self.cells.quote
        self.date = self.cells.date


def _write_text(ws, row: int, col: int, text: str, plain, quoted) -> None:
    text = _fit_text(text)
    ws.write_string(row, col, text, quoted if formula_like(text) else plain)


def _write_mixed(ws, row: int, col: int, v: object, cells: _Cells) -> None:
    kind, v = _cell(v)
    if kind == "number":
        ws.write_number(row, col, v, cells.number)
    elif kind == "bool":
        ws.write_boolean(row, col, v, cells.number)
    elif kind in ("date", "datetime"):
        if v < _EXCEL_FIRST_DATE:
            ws.write_string(row, col, _dmy(v), cells.text)
        else:
            ws.write_datetime(row, col, v, cells.date if kind == "date" else cells.datetime)
    elif kind == "text":
        _write_text(ws, row, col, v, cells.text, cells.quote)


def _write_column(ws, col: int, top: int, c: _Column, cells: _Cells) -> None:
    """Write a prepared column's values from row `top` down, one typed call per cell."""
    values = c.values
    if c.kind == "text":
        write, fmt = ws.write_string, cells.text
        for r, v in enumerate(values, top):
            if v:
                write(r, col, v, fmt)
        for i in c.quoted:  # rare: rewrite these few cells with the quote prefix
            write(top + i, col, values[i], cells.quote)
    elif c.kind == "number":
        write, fmt = ws.write_number, cells.number
        for r, v in enumerate(values, top):
            if v is not None:
                write(r, col, v, fmt)
    elif c.kind == "date":
        write, fmt = ws.write_number, cells.date  # values are Excel date serials
        for r, v in enumerate(values, top):
            if v is not None:
                write(r, col, v, fmt)
        for i, text in c.early:
            ws.write_string(top + i, col, text, cells.text)
    elif c.kind == "bool":
        for r, v in enumerate(values, top):
            if v is not None:
                ws.write_boolean(r, col, v, cells.number)
    else:
        for r, v in enumerate(values, top):
            _write_mixed(ws, r, col, v, cells)


def _write_table(ws, frame: pd.DataFrame, top: int, fmts: _Formats,
                 cells: list[_Cells] | None = None) -> list[int]:
    """Write `frame` with its header at row `top`; return the widths its data cells need.

    `cells`: the data cells' formats per column (default: the list sheets')."""
    widths = []
    for col, name in enumerate(frame.columns):
        _write_text(ws, top, col, str(name), fmts.header, fmts.header_q)
        prepared = _prepare(frame.iloc[:, col])
        _write_column(ws, col, top + 1, prepared, cells[col] if cells else fmts.cells)
        widths.append(prepared.width)
    return widths


def _wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes wrapped at `width` characters (what Excel does, near enough)."""
    if len(text) <= width and "\n" not in text:
        return 1
    return sum(max(1, len(textwrap.wrap(part, max(width, 1)))) for part in text.split("\n"))


@functools.lru_cache(maxsize=1024)  # the same headings recur on every sheet
def header_width(header: str) -> int:
    """The narrowest width at which `header` wraps into `HEADER_LINES` lines or fewer, with
    room for the autofilter arrow; at most `HEADER_WIDTH`."""
    width = max(max((len(w) for w in header.split()), default=0), -(-len(header) // HEADER_LINES))
    while width < min(len(header), HEADER_WIDTH - 3) and _wrapped_lines(header, width) > HEADER_LINES:
        width += 1
    return min(width + 3, HEADER_WIDTH)


# ---------------------------------------------------------------- list sheets as one XML block
#
# A list sheet can hold a million rows; xlsxwriter costs about 10 µs per cell (one method
# call to store it, another to write its XML at close). List sheets therefore render their
# data rows from whole columns with pyarrow string kernels, and `_BlockSheet` writes that
# XML where xlsxwriter would write its rows. Text still goes through xlsxwriter's shared
# string table, so escaping (control characters, whitespace, XML) is xlsxwriter's own and
# the cells are the same as `_write_column` writes.

_BLOCK_KINDS = ("date", "number", "bool", "text")
# The xlsxwriter versions tests/test_workbook_block.py passed on with the block writer (3.2.4
# cannot be imported). On any other version list sheets go through xlsxwriter's public API:
# slower, same cells. To add a version, run that file with it installed, then add it here
# and widen the bound in pyproject.toml.
BLOCK_WRITER_XLSXWRITER = frozenset({
    "3.2.0", "3.2.1", "3.2.2", "3.2.5", "3.2.6", "3.2.7", "3.2.8", "3.2.9", "3.3.0", "3.3.1",
})


class _BlockSheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet whose rows below the header arrive as ready-made XML (`block`).

    Overrides xlsxwriter's private `_write_sheet_data`; only used on the versions in
    `BLOCK_WRITER_XLSXWRITER`."""

    block: str = ""
    header_row: int = 0  # xlsxwriter's own rows end here (a banner row above the header)

    def _write_sheet_data(self) -> None:
        if not self.block:
            super()._write_sheet_data()
            return
        # The dimensions cover the block; xlsxwriter's own table holds only the rows down to the header.
        data_rowmax, self.dim_rowmax = self.dim_rowmax, self.header_row
        self._xml_start_tag("sheetData")
        self._write_rows()
        self.fh.write(self.block)
        self._xml_end_tag("sheetData")
        self.dim_rowmax = data_rowmax


# zlib level for the workbook's parts. xlsxwriter zips at zlib's default (6); level 1 takes a
# third of the time (0.33 s against 0.99 s at a million contacts, the largest single cost of
# writing) for a file about 30 % larger (7.2 MB against 5.6 MB).
ZIP_LEVEL = 1


def _deflate(data, mode: int) -> bytes:
    """`data` as raw deflate at `ZIP_LEVEL`, ending on `mode`: Z_SYNC_FLUSH leaves the stream
    open and byte-aligned, so pieces deflated apart, the last ending Z_FINISH, are one stream."""
    out = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return out.compress(data) + out.flush(mode)


class _DeflateAhead:
    """The data rows of each list sheet, deflated by a background thread as soon as they are
    made, while the next sheets are built (zlib lets go of the GIL); deflating every part at
    the end was a second's work on one core at a million contacts. A sheet's part holds a
    mark where its rows go (`add`); `_FastZip` deflates the XML around the mark and puts the
    rows' deflate between (`pieces`): the part unzips to the same bytes."""

    _MARK = b"\x00ofsted-lists rows "  # NUL: no XML part can hold it, so a mark is never text

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="ofsted-lists-zip")
        self.rows: dict[bytes, tuple[pa.Buffer, Future]] = {}

    def add(self, data: pa.Buffer) -> str:
        """Start deflating `data` (UTF-8 XML); the mark to write in its place."""
        mark = self._MARK + str(len(self.rows)).encode() + b"\x00"
        self.rows[mark] = (data, self.pool.submit(_deflate, data, zlib.Z_SYNC_FLUSH))
        return mark.decode()

    def pieces(self, part: bytes) -> tuple[list[bytes], int, int] | None:
        """(deflated pieces, CRC-32, unzipped size) of `part` with its mark's rows in place;
        None when it holds no mark."""
        at = part.find(self._MARK)
        if at < 0:
            return None
        end = part.index(b"\x00", at + 1) + 1
        data, deflated = self.rows.pop(part[at:end])
        head, tail = part[:at], part[end:]
        crc = zlib.crc32(tail, zlib.crc32(data, zlib.crc32(head)))
        return ([_deflate(head, zlib.Z_SYNC_FLUSH), deflated.result(), _deflate(tail, zlib.Z_FINISH)], crc,
                len(head) + data.size + len(tail))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _FastZip(zipfile.ZipFile):
    """xlsxwriter's zip, deflating at `ZIP_LEVEL` (it passes each part as a ZipInfo, which
    carries no level, so the level must come in through `writestr`), a list sheet's rows
    deflated ahead (`_DeflateAhead`)."""

    def __init__(self, *args, ahead: _DeflateAhead | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ahead = ahead

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        found = self.ahead.pieces(data) if self.ahead is not None and isinstance(data, bytes) else None
        if found is None:
            super().writestr(zinfo_or_arcname, data, compress_type,
                             ZIP_LEVEL if compresslevel is None else compresslevel)
        else:
            self._write_deflated(zinfo_or_arcname, *found)

    def _write_deflated(self, zinfo: zipfile.ZipInfo, pieces: list[bytes], crc: int, size: int) -> None:
        """A member whose deflate is made: the header `writestr` leaves once it has
        rewritten it with the sizes, then the pieces (zipfile's own steps, Python 3.11-3.13)."""
        zinfo.compress_type, zinfo.flag_bits = zipfile.ZIP_DEFLATED, 0
        zinfo.file_size, zinfo.compress_size, zinfo.CRC = size, sum(map(len, pieces)), crc
        if not zinfo.external_attr:
            zinfo.external_attr = 0o600 << 16
        zip64 = self._allowZip64 and size * 1.05 > zipfile.ZIP64_LIMIT
        with self._lock:
            if self._writing:
                raise ValueError("another member is being written")
            self.fp.seek(self.start_dir)
            zinfo.header_offset = self.fp.tell()
            self._writecheck(zinfo)
            self._didModify = True
            self.fp.write(zinfo.FileHeader(zip64))
            for piece in pieces:
                self.fp.write(piece)
            self.start_dir = self.fp.tell()
            self.filelist.append(zinfo)
            self.NameToInfo[zinfo.filename] = zinfo


# A shared string xlsxwriter writes in a way of its own (a control character or a literal
# `_xHHHH_` escaped, leading or trailing space preserved, a rich string, any non-ASCII
# character whose handling this module does not repeat): `_FastSharedStrings` leaves it to
# xlsxwriter's `_write_si`. RE2 syntax, as pyarrow reads it.
_SST_OWN_WAY = r"[^\x20-\x7e]|^ | $|_x[0-9a-fA-F]{4}_|^<r>"


class _FastSharedStrings(xlsxwriter.sharedstrings.SharedStrings):
    """xlsxwriter's shared-string part, its `<si>` elements made by pyarrow kernels: a list
    of every child makes a hundred thousand strings, and xlsxwriter's loop writes them one
    call at a time. The same bytes: plain strings are escaped as `_escape_data` escapes them
    (& < >, quotes left), the others go through xlsxwriter's own `_write_si`."""

    def _write_sst_strings(self) -> None:
        strings = self.string_table.string_array
        if not strings:
            return
        texts = pa.array(strings, pa.large_string())
        escaped = texts
        for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            escaped = pc.replace_substring(escaped, char, entity)
        xml = _join("<si><t>", escaped, "</t></si>")
        own = np.flatnonzero(pc.match_substring_regex(texts, _SST_OWN_WAY).to_numpy(zero_copy_only=False))
        if own.size:
            fh, pieces = self.fh, []
            try:
                for text in texts.take(pa.array(own)).to_pylist():
                    self.fh = io.StringIO()
                    self._write_si(text)
                    pieces.append(self.fh.getvalue())
            finally:
                self.fh = fh
            mask = np.zeros(len(texts), dtype=bool)
            mask[own] = True
            xml = pc.replace_with_mask(xml, pa.array(mask), pa.array(pieces, pa.large_string()))
        self.fh.write(_concat(xml))


class _FastWorkbook(xlsxwriter.Workbook):
    """A workbook zipped by `_FastZip`, its shared strings written by `_FastSharedStrings`,
    its list sheets' rows deflated ahead (`ahead`). Swaps the names xlsxwriter's private
    `_store_workbook` opens its zip and makes its shared-string part by, for that call only;
    used only on `BLOCK_WRITER_XLSXWRITER` versions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ahead = _DeflateAhead()

    def _store_workbook(self) -> None:
        module, packager = xlsxwriter.workbook, xlsxwriter.packager
        plain, module.ZipFile = module.ZipFile, functools.partial(_FastZip, ahead=self.ahead)
        strings, packager.SharedStrings = packager.SharedStrings, _FastSharedStrings
        try:
            super()._store_workbook()
        finally:
            module.ZipFile = plain
            packager.SharedStrings = strings


def _large(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def _joined(texts: pa.Array) -> pa.Scalar:
    """The strings of `texts` end to end, joined by pyarrow (no Python string per element)."""
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts)
    return pc.binary_join(whole, _large(""))[0]


def _concat(texts: pa.Array) -> str:
    return _joined(texts).as_py()


def _concat_utf8(texts: pa.Array) -> pa.Buffer:
    """`_concat` as UTF-8 bytes, never made a Python string."""
    return _joined(texts).as_buffer() or pa.py_buffer(b"")


def _join(*parts) -> pa.Array:
    """Element-wise concatenation of arrays and constant strings; null if any part is null."""
    return pc.binary_join_element_wise(*(_large(p) if isinstance(p, str) else p for p in parts), _large(""))


def _number_text(a: np.ndarray) -> pa.Array:
    """Numbers as xlsxwriter writes them (`f"{v:.16G}"`); null where not finite."""
    if a.dtype.kind in "iu":
        finite = np.ones(len(a), dtype=bool)
        simple = np.abs(a) < 10**16
    else:
        finite = np.isfinite(a)
        simple = finite & (np.trunc(a) == a) & (np.abs(a) < 1e16) & ~((a == 0) & np.signbit(a))
    ints = np.where(simple, a, 0).astype(np.int64)
    text = pc.cast(pa.array(ints, mask=~finite), pa.large_string())
    other = np.flatnonzero(finite & ~simple)  # rare: fractions, huge values, -0.0
    if other.size:
        mask = np.zeros(len(a), dtype=bool)
        mask[other] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array([f"{v:.16G}" for v in a[other].tolist()],
                                                                  pa.large_string()))
    return text


class _Ref(NamedTuple):
    """A column's cell references, `<c r="` + column letters and each row's number: kept as
    two parts that `_join(*ref, ...)` writes in the same pass as the cell, not joined first."""
    prefix: str
    rows: pa.Array

    def at(self, positions: np.ndarray) -> list[str]:
        return [self.prefix + r for r in self.rows.take(pa.array(positions)).to_pylist()]


def _shared(ws, texts: list[str], refs: int) -> list[int]:
    """Shared-string indices of `texts`, which `refs` cells reference in all: what
    xlsxwriter's `_get_shared_string_index` gives one string at a time (a new string takes
    the next index), for all of them in one pass over its dict."""
    table = ws.str_table
    strings = table.string_table
    assert len(strings) == table.unique_count  # the invariant the one-pass form relies on
    index = [strings.setdefault(t, len(strings)) for t in texts]
    table.unique_count = len(strings)
    table.count += refs  # the table counts references
    return index


def _style(fmt) -> str:
    """A cell's style attribute for format `fmt` (None: none)."""
    return "" if fmt is None else f' s="{fmt._get_xf_index()}"'


def _text_cells(ws, s: pd.Series, ref: _Ref, cells: _Cells) -> tuple[pa.Array, int]:
    """Text cells, worked out once per distinct value with pyarrow kernels (a list of
    every child holds a hundred thousand distinct ids): each a shared string, quoted
    (`cells.quote`) where a spreadsheet could take it for a formula."""
    codes, uniques = pd.factorize(s.astype("str"))
    texts = pa.array(uniques, pa.large_string())
    lens = pc.utf8_length(texts).to_numpy(zero_copy_only=False)
    long = np.flatnonzero(lens > MAX_TEXT)
    if long.size:  # rare: cut, as `_fit_text` cuts
        mask = np.zeros(len(texts), dtype=bool)
        mask[long] = True
        texts = pc.replace_with_mask(texts, pa.array(mask), pa.array(
            [_fit_text(t) for t in texts.take(pa.array(long)).to_pylist()], pa.large_string()))
    used = np.flatnonzero(lens > 0)
    codes = np.where(lens[codes] > 0, codes, -1) if len(lens) else codes  # "" and NA: no cell
    kept = texts.take(pa.array(used))
    index = np.full(len(texts), -1, dtype=np.int64)
    index[used] = _shared(ws, kept.to_pylist(), int((codes >= 0).sum()))
    quoted = pc.match_substring_regex(kept, FORMULA_LIKE).to_numpy(zero_copy_only=False)
    style = np.full(len(texts), _style(cells.text), dtype=object)
    style[used[quoted]] = _style(cells.quote)
    tails = _join('"', pa.array(style, pa.large_string()), ' t="s"><v>',
                  pc.cast(pa.array(index), pa.large_string()), "</v></c>")
    tail = tails.take(pa.array(codes, mask=codes < 0))
    return _join(*ref, tail), min(int(lens.max(initial=0)), MAX_WIDTH)


def _date_cells(ws, s: pd.Series, ref: _Ref, cells: _Cells) -> pa.Array:
    arr = _datetimes(s)
    days = _serial_days(arr)
    early = arr < np.datetime64(_EXCEL_FIRST_DATE)
    days[early] = np.nan
    out = _join(*ref, f'"{_style(cells.date)}><v>', _number_text(days), "</v></c>")
    at = np.flatnonzero(early)
    if at.size:  # shown as text, as `_write_column` does
        texts = [_dmy(d) for d in arr[at].tolist()]
        index = _shared(ws, texts, len(texts))
        mask = np.zeros(len(arr), dtype=bool)
        mask[at] = True
        plain = _style(cells.text)
        early_cells = [f'{r}"{plain} t="s"><v>{n}</v></c>' for r, n in zip(ref.at(at), index)]
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(early_cells, pa.large_string()))
    return out


def _block_cells(ws, s: pd.Series, ref: _Ref, cells: _Cells) -> tuple[pa.Array, int]:
    """One column's cells as XML (null = no cell) and the width its values need."""
    kind = _kind(s)
    if kind == "text":
        return _text_cells(ws, s, ref, cells)
    if kind == "date":
        return _date_cells(ws, s, ref, cells), _date_width(_datetimes(s))
    style = _style(cells.number)
    if kind == "bool":
        flags = s.to_numpy(dtype="float64", na_value=np.nan)
        value = pa.array(np.where(flags == 1, "1", "0"), pa.large_string(), mask=np.isnan(flags))
        return _join(*ref, f'"{style} t="b"><v>', value, "</v></c>"), 5
    a = s.to_numpy() if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu" else \
        s.to_numpy(dtype="float64", na_value=np.nan)
    return _join(*ref, f'"{style}><v>', _number_text(a), "</v></c>"), _number_width(s)


def _write_block(ws: _BlockSheet, frame: pd.DataFrame, fmts: _Formats, cells: list[_Cells], top: int = 0,
                 ahead: _DeflateAhead | None = None) -> list[int]:
    """Header (at row `top`) by xlsxwriter, data rows as one XML block (deflated `ahead` when
    given); the widths the data cells need."""
    columns = [c.astype(object) if isinstance(c.dtype, pd.CategoricalDtype) else c for _, c in frame.items()]
    if ws.constant_memory or any(_kind(c) not in _BLOCK_KINDS for c in columns):
        return _write_table(ws, frame, top, fmts, cells)
    rows = pc.cast(pa.array(np.arange(top + 2, len(frame) + top + 2)), pa.large_string())
    parts, widths = [], []
    for col, (name, values) in enumerate(zip(frame.columns, columns)):
        _write_text(ws, top, col, str(name), fmts.header, fmts.header_q)
        xml, width = _block_cells(ws, values, _Ref('<c r="' + xl_col_to_name(col), rows), cells[col])
        parts.append(xml)
        widths.append(width)
    if len(frame) and len(parts):
        xml = pc.binary_join_element_wise(_join('<row r="', rows, '">'), *parts, _large("</row>"), _large(""),
                                          null_handling="replace", null_replacement="")
        ws.block = _concat(xml) if ahead is None else ahead.add(_concat_utf8(xml))
        ws.header_row = top
        ws.dim_rowmax = len(frame) + top
    return widths


def _part_name(name: str, part: int) -> str:
    if part == 0:
        return name
    suffix = f" ({part + 1})"
    return name[: 31 - len(suffix)] + suffix


def list_widths(sheet: Sheet, data_widths: list[int]) -> list[int]:
    """Column widths of a list sheet: its data's (with a margin), at least its wrapped
    heading's; `Sheet.widths` where given, `WRAP_WIDTH` at most for `Sheet.wrap` columns."""
    out = []
    for name, data in zip(sheet.frame.columns, data_widths):
        width = max(data + 2, header_width(str(name)))
        if name in sheet.wrap:
            width = min(width, WRAP_WIDTH)
        out.append(min(max(sheet.widths.get(name, width), MIN_WIDTH), MAX_WIDTH))
    return out


def _header_height(headers: list[str], widths: list[int]) -> float:
    # The autofilter arrow takes about three characters of a heading's width.
    return LINE_HEIGHT * max((_wrapped_lines(h, w - 3) for h, w in zip(headers, widths)), default=1)


def _print_setup(ws, header_rows: int) -> None:
    """Landscape A4, one page wide, headings on every page, sheet name and page in the footer."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if header_rows:
        ws.repeat_rows(0, header_rows - 1)
    ws.set_footer(FOOTER)


def _write_list_sheet(wb: xlsxwriter.Workbook, sheet: Sheet, fmts: _Formats, block: bool) -> None:
    frame, ncols = sheet.frame, sheet.frame.shape[1]
    cells = [fmts.wrapped if name in sheet.wrap else fmts.cells for name in frame.columns]
    headers = [str(name) for name in frame.columns]
    top = 1 if sheet.banner else 0
    for part, start in enumerate(range(0, max(len(frame), 1), MAX_DATA_ROWS - top)):
        chunk = frame.iloc[start : start + MAX_DATA_ROWS - top]
        if block:
            ws = wb.add_worksheet(_part_name(sheet.name, part), worksheet_class=_BlockSheet)
        else:
            ws = wb.add_worksheet(_part_name(sheet.name, part))
        if sheet.banner:  # overflows to the right, so it sets no width
            _write_text(ws, 0, 0, sheet.banner, fmts.title, fmts.title_q)
        data_widths = _write_block(ws, chunk, fmts, cells, top, getattr(wb, "ahead", None)) if block else \
            _write_table(ws, chunk, top, fmts, cells)
        widths = list_widths(sheet, data_widths)
        for col, (width, (name, values)) in enumerate(zip(widths, chunk.items())):
            # The column's format is what a reader's typing into its empty cells gets.
            if pdt.is_datetime64_any_dtype(values):
                ws.set_column(col, col, width, cells[col].date)
            else:
                ws.set_column(col, col, width, fmts.wrapped.text if name in sheet.wrap else None)
        ws.set_row(top, _header_height(headers, widths))
        ws.freeze_panes(top + 1, 0)
        if ncols:
            ws.autofilter(top, 0, top + len(chunk), ncols - 1)
        _print_setup(ws, top + 1)
        for header, allowed in sheet.dropdowns.items():
            if len(chunk):
                col = frame.columns.get_loc(header)
                ws.data_validation(top + 1, col, top + len(chunk), col, {"validate": "list", "source": list(allowed)})


# ---------------------------------------------------------------- Summary
#
# The Summary's tables share the sheet's columns, so each column is as wide as the widest
# of its tables needs, up to SUMMARY_WIDTH, and longer text wraps: no table stretches
# another. The chart sits beside the first table, in the first screen; a table that would
# run under the chart starts below it.

CHART_WIDTH, CHART_HEIGHT = 640, 320  # pixels
_CHART_GAP, _CHART_OFFSET = 0, 16  # columns and pixels between the first table and the chart
CHART_LAST_COL = 7  # H: the chart starts no further right, to be in view at 1366×768
_PIXELS_PER_POINT = 4 / 3


def _texts(frame: pd.DataFrame) -> list[list[str]]:
    """Each column's cells as shown (CSV's text serves: dates dd/mm/yyyy, numbers plain)."""
    return [[_csv_cell(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]


def _summary_widths(blocks: list[Block], texts: list[list[list[str]]]) -> list[int]:
    widths: list[int] = []
    for block, shown in zip(blocks, texts):
        for col, (name, texts) in enumerate(zip(block.frame.columns, shown)):
            longest = max((len(line) for t in texts for line in t.split("\n")), default=0)
            words = max((len(w) for w in str(name).split()), default=0)
            need = max(min(longest, SUMMARY_WIDTH), min(len(str(name)), max(words, 12))) + 1
            if col < len(widths):
                widths[col] = max(widths[col], need)
            else:
                widths.append(need)
    return [min(max(w, MIN_WIDTH), SUMMARY_WIDTH + 1) for w in widths]


def _row_heights(frame: pd.DataFrame, shown: list[list[str]], widths: list[int]) -> list[float]:
    """Heights (points) of a table's header row and data rows, its text wrapped to `widths`."""
    texts = [[str(c) for c in frame.columns]] + [list(r) for r in zip(*shown)]
    return [LINE_HEIGHT * max((_wrapped_lines(t, w - 1) for t, w in zip(row, widths)), default=1)
            for row in texts]


def _write_summary(wb: xlsxwriter.Workbook, report: Report, fmts: _Formats) -> None:
    ws = wb.add_worksheet(SUMMARY)
    texts = [_texts(block.frame) for block in report.summary]
    widths = _summary_widths(report.summary, texts)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    chart = _chart(wb, report)
    # Beside the first table if that keeps the chart within the first screen, else under it.
    chart_col = report.summary[0].frame.shape[1] + _CHART_GAP if chart is not None else 0
    beside = chart_col <= CHART_LAST_COL
    chart_row, chart_bottom = 0, CHART_HEIGHT / _PIXELS_PER_POINT if chart is not None and beside else 0.0
    row, top, headers = 0, 0.0, []  # top: points from the sheet's top to `row`
    for i, (block, shown) in enumerate(zip(report.summary, texts)):
        ncols = block.frame.shape[1]
        while i and ncols > chart_col and top < chart_bottom:  # this table would run under the chart
            row, top = row + 1, top + LINE_HEIGHT
        if i:
            row, top = row + 1, top + LINE_HEIGHT
        if block.title:
            # Titles overflow into the empty cells to their right, so they set no width.
            _write_text(ws, row, 0, block.title, fmts.title, fmts.title_q)
            row, top = row + 1, top + LINE_HEIGHT
        headers.append(row)
        _write_table(ws, block.frame, row, fmts, [fmts.summary] * ncols)
        for height in _row_heights(block.frame, shown, widths[:ncols]):
            if height > LINE_HEIGHT:
                ws.set_row(row, height)
            row, top = row + 1, top + height
        if i == 0 and chart is not None and not beside:
            chart_col, chart_row = 0, row + 1
            chart_bottom = top + LINE_HEIGHT + CHART_HEIGHT / _PIXELS_PER_POINT
    if chart is not None:
        _plot(chart, report, headers)
        ws.insert_chart(chart_row, chart_col, chart, {"x_offset": _CHART_OFFSET if beside else 0})
    _print_setup(ws, 0)


def _chart(wb, report: Report):
    """The Summary's chart, series still to add; None when there is nothing to plot."""
    spec = report.chart
    if spec is None:
        return None
    frame = report.summary[spec.block].frame
    if frame.empty or frame.shape[1] < 2:
        return None  # nothing to plot; an empty chart would only confuse
    chart = wb.add_chart({"type": "column"})
    # xlsxwriter reads a name starting with "=" as a cell reference.
    chart.set_title({"name": " " + spec.title if spec.title.startswith("=") else spec.title})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    return chart


def _plot(chart, report: Report, headers: list[int]) -> None:
    frame = report.summary[report.chart.block].frame
    head = headers[report.chart.block]
    first, last = head + 1, head + len(frame)
    for col in range(1, frame.shape[1]):
        chart.add_series(
            {
                "name": [SUMMARY, head, col],
                "categories": [SUMMARY, first, 0, last, 0],
                "values": [SUMMARY, first, col, last, col],
            }
        )


def render_xlsx(report: Report, *, block: bool | None = None) -> bytes:
    """Build the whole workbook in memory: Summary first, then `report.sheets`.

    `block`: write list sheets with the block writer (True) or xlsxwriter's public API
    (False); None: the block writer if this xlsxwriter is in `BLOCK_WRITER_XLSXWRITER`.
    """
    if block is None:
        block = xlsxwriter.__version__ in BLOCK_WRITER_XLSXWRITER
    buf = io.BytesIO()
    wb = (_FastWorkbook if block else xlsxwriter.Workbook)(buf, _WORKBOOK_OPTIONS)
    try:
        fmts = _Formats(wb)
        _write_summary(wb, report, fmts)
        for sheet in report.sheets:
            _write_list_sheet(wb, sheet, fmts, block)
        wb.close()
    finally:
        if block:
            wb.ahead.close()  # no deflate left running when a sheet fails
    return buf.getvalue()


def write_xlsx(
    report: Report, dest: Path, *, password: str | None = None, lock_timeout: float | None = None
) -> Path:
    """Write the workbook to `dest` atomically (mode 0600), encrypted when `password` is given.

    The workbook is built and encrypted in memory, so no plaintext copy touches the disk.
    `lock_timeout` None: `output.lock_timeout()` (environment, else 60 s).
    """
    dest = Path(dest)
    ensure_dir(dest.parent)  # fail on a bad --out before spending time on the build
    if dest.is_dir():
        raise OutputError(f"cannot write {dest}: it is a folder")
    data = render_xlsx(report)
    if password is not None:
        data = encrypt_xlsx(data, password)
    with output_lock(dest, lock_timeout):
        # Every writer of `dest` holds this lock, so any temp file left beside it is a
        # killed run's: stale_age=0 clears it.
        atomic_write(dest, lambda fh: fh.write(data), stale_age=0)
    return dest


# ---------------------------------------------------------------- CSV


def _csv_text(s: pd.Series) -> pd.Series:
    s = s.astype("str")
    return s.where(~_formula_like(s), "'" + s).fillna("")


def _csv_cell(v: object) -> str:
    kind, v = _cell(v)
    if kind == "empty":
        return ""
    if kind == "bool":
        return "TRUE" if v else "FALSE"
    if kind == "number":
        if isinstance(v, numbers.Integral):
            return str(int(v))
        v = float(v)
        return str(int(v)) if v.is_integer() else repr(v)
    if kind == "date":
        return _dmy(v)
    if kind == "datetime":
        return f"{_dmy(v)} {v:%H:%M}"
    return "'" + v if formula_like(v) else v


def _csv_numbers(s: pd.Series) -> pd.Series:
    if s.dtype.kind in "iu":  # exact, also for nullable Int64 beyond 2**53
        return s.astype("string").fillna("").astype(object)
    a = s.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(a), "", dtype=object)
    finite = np.isfinite(a)
    whole = finite & (np.trunc(a) == a)
    small = whole & (np.abs(a) < 2**53)
    out[small] = a[small].astype(np.int64).astype(str)
    out[whole & ~small] = [str(int(v)) for v in a[whole & ~small].tolist()]  # no "1e+20"
    out[finite & ~whole] = a[finite & ~whole].astype(str)
    return pd.Series(out, index=s.index, dtype=object)


def _csv_column(s: pd.Series) -> pd.Series:
    """A column as the strings a CSV cell should hold ("" = empty)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = _kind(s)
    if kind == "date":
        return s.dt.strftime("%d/%m/%Y").fillna("").astype(object)
    if kind == "bool":
        return s.map({True: "TRUE", False: "FALSE"}).fillna("").astype(object)
    if kind == "number":
        return _csv_numbers(s)
    if kind == "mixed":
        return s.map(_csv_cell, na_action=None).astype(object)
    return _csv_text(s).astype(object)


def _csv_table(frame: pd.DataFrame) -> str:
    if frame.shape[1] == 0:
        return ""
    out = pd.DataFrame({i: _csv_column(frame.iloc[:, i]) for i in range(frame.shape[1])})
    out.columns = [_csv_cell(str(c)) for c in frame.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue()


def _csv_summary(blocks: list[Block]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for i, block in enumerate(blocks):
        if i:
            buf.write("\r\n")
        if block.title:
            writer.writerow([_csv_cell(block.title)])
        buf.write(_csv_table(block.frame))
    return buf.getvalue()


def csv_file_name(index: int, sheet_name: str) -> str:
    """`00_Summary.csv`, `01_1a_Contacts.csv`, …"""
    return f"{index:02d}_{sheet_name.replace(' ', '_')}.csv"


# What a CSV folder may hold from earlier runs: its files, and an older version's lock and
# temporary files. Anything else in it is the user's, and the folder is not replaced.
_CSV_OWNED = re.compile(r"[0-9]{2}_.*\.csv|\.ofsted-lists-csv\.lock|\.[0-9]{2}_.*\.csv\.[a-z0-9_]{8}\.tmp", re.S)


def write_csv_folder(report: Report, folder: Path, *, lock_timeout: float | None = None) -> list[Path]:
    """Write one UTF-8 (BOM) CSV per sheet, Summary first, mode 0600, as the folder `folder`.

    The folder is replaced as one unit (`output.replace_folder`): a reader finds the
    previous set or the new one, never a mix. Its lock is `.<folder name>.lock` beside it.
    """
    texts = [(SUMMARY, _csv_summary(report.summary))]
    texts += [(s.name, (_csv_table(pd.DataFrame(columns=[s.banner])) if s.banner else "") + _csv_table(s.frame))
              for s in report.sheets]
    files = [(csv_file_name(i, name), ("\ufeff" + text).encode("utf-8")) for i, (name, text) in enumerate(texts)]
    return replace_folder(Path(folder), [(name, lambda fh, data=data: fh.write(data)) for name, data in files],
                          owned=lambda name: _CSV_OWNED.fullmatch(name) is not None, lock_timeout=lock_timeout)
