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
import io
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
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


def _prepare(s: pd.Series) -> _Column:
    """Convert a column once, so the write loop needs no per-cell type checks."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    kind = _kind(s)
    if kind == "date":
        arr = _datetimes(s)
        early_at = np.flatnonzero(arr < np.datetime64(_EXCEL_FIRST_DATE))
        early = [(i, _dmy(d)) for i, d in zip(early_at, arr[early_at].tolist())]
        return _Column("date", _excel_serials(arr, early_at), len(DATE_FORMAT), early=early)
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


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        header = {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1}
        self.header = wb.add_format(header)
        self.header_q = wb.add_format({**header, "quote_prefix": True})
        self.title = wb.add_format({"bold": True})
        self.title_q = wb.add_format({"bold": True, "quote_prefix": True})
        self.quote = wb.add_format({"quote_prefix": True})
        self.date = wb.add_format({"num_format": DATE_FORMAT})
        self.datetime = wb.add_format({"num_format": DATETIME_FORMAT})


def _write_text(ws, row: int, col: int, text: str, plain, quoted) -> None:
    text = _fit_text(text)
    ws.write_string(row, col, text, quoted if formula_like(text) else plain)


def _write_mixed(ws, row: int, col: int, v: object, fmts: _Formats) -> None:
    kind, v = _cell(v)
    if kind == "number":
        ws.write_number(row, col, v)
    elif kind == "bool":
        ws.write_boolean(row, col, v)
    elif kind in ("date", "datetime"):
        if v < _EXCEL_FIRST_DATE:
            ws.write_string(row, col, _dmy(v))
        else:
            ws.write_datetime(row, col, v, fmts.date if kind == "date" else fmts.datetime)
    elif kind == "text":
        _write_text(ws, row, col, v, None, fmts.quote)


def _write_column(ws, col: int, top: int, c: _Column, fmts: _Formats) -> None:
    """Write a prepared column's values from row `top` down, one typed call per cell."""
    values = c.values
    if c.kind == "text":
        write = ws.write_string
        for r, v in enumerate(values, top):
            if v:
                write(r, col, v)
        for i in c.quoted:  # rare: rewrite these few cells with the quote prefix
            write(top + i, col, values[i], fmts.quote)
    elif c.kind == "number":
        write = ws.write_number
        for r, v in enumerate(values, top):
            if v is not None:
                write(r, col, v)
    elif c.kind == "date":
        write, fmt = ws.write_number, fmts.date  # values are Excel date serials
        for r, v in enumerate(values, top):
            if v is not None:
                write(r, col, v, fmt)
        for i, text in c.early:
            ws.write_string(top + i, col, text)
    elif c.kind == "bool":
        for r, v in enumerate(values, top):
            if v is not None:
                ws.write_boolean(r, col, v)
    else:
        for r, v in enumerate(values, top):
            _write_mixed(ws, r, col, v, fmts)


def _write_table(ws, frame: pd.DataFrame, top: int, fmts: _Formats) -> list[int]:
    """Write `frame` with its header at row `top`; return the column widths it needs."""
    widths = []
    for col, name in enumerate(frame.columns):
        header = str(name)
        _write_text(ws, top, col, header, fmts.header, fmts.header_q)
        prepared = _prepare(frame.iloc[:, col])
        _write_column(ws, col, top + 1, prepared, fmts)
        # +3 leaves room for the autofilter arrow, +2 a margin around the data
        widths.append(max(len(header) + 3, prepared.width + 2))
    return widths


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


def _large(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


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


def _shared(ws, texts: list[str], refs: int) -> list[int]:
    """Shared-string indices of `texts`, which `refs` cells reference in all."""
    table = ws.str_table
    index = [table._get_shared_string_index(t) for t in texts]
    table.count += refs - len(texts)  # the table counts references, one per call
    return index


def _text_cells(ws, s: pd.Series, ref: pa.Array, fmts: _Formats) -> tuple[pa.Array, int]:
    codes, uniques = pd.factorize(s.astype("str"))
    lens = [len(u) for u in uniques.tolist()]
    texts = [_fit_text(u) for u in uniques.tolist()]
    used = [i for i, t in enumerate(texts) if t]
    codes = np.where(np.isin(codes, used), codes, -1)  # "" and NA: no cell
    index = _shared(ws, [texts[i] for i in used], int((codes >= 0).sum()))
    tails = [None] * len(texts)
    quote = f' s="{fmts.quote._get_xf_index()}"'
    for i, n in zip(used, index):
        tails[i] = ('"' + (quote if formula_like(texts[i]) else "") + f' t="s"><v>{n}</v></c>')
    tail = pa.array(tails, pa.large_string()).take(pa.array(codes, mask=codes < 0))
    return _join(ref, tail), min(max(lens, default=0), MAX_WIDTH)


def _date_cells(ws, s: pd.Series, ref: pa.Array, fmts: _Formats) -> pa.Array:
    arr = _datetimes(s)
    days = _serial_days(arr)
    early = arr < np.datetime64(_EXCEL_FIRST_DATE)
    days[early] = np.nan
    cells = _join(ref, f'" s="{fmts.date._get_xf_index()}"><v>', _number_text(days), "</v></c>")
    at = np.flatnonzero(early)
    if at.size:  # shown as text, as `_write_column` does
        texts = [_dmy(d) for d in arr[at].tolist()]
        index = _shared(ws, texts, len(texts))
        mask = np.zeros(len(arr), dtype=bool)
        mask[at] = True
        early_cells = [f'{r}" t="s"><v>{n}</v></c>' for r, n in zip(ref.take(pa.array(at)).to_pylist(), index)]
        cells = pc.replace_with_mask(cells, pa.array(mask), pa.array(early_cells, pa.large_string()))
    return cells


def _block_cells(ws, s: pd.Series, ref: pa.Array, fmts: _Formats) -> tuple[pa.Array, int]:
    """One column's cells as XML (null = no cell) and the width its values need."""
    kind = _kind(s)
    if kind == "text":
        return _text_cells(ws, s, ref, fmts)
    if kind == "date":
        return _date_cells(ws, s, ref, fmts), len(DATE_FORMAT)
    if kind == "bool":
        flags = s.to_numpy(dtype="float64", na_value=np.nan)
        value = pa.array(np.where(flags == 1, "1", "0"), pa.large_string(), mask=np.isnan(flags))
        return _join(ref, '" t="b"><v>', value, "</v></c>"), 5
    a = s.to_numpy() if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu" else \
        s.to_numpy(dtype="float64", na_value=np.nan)
    return _join(ref, '"><v>', _number_text(a), "</v></c>"), _number_width(s)


def _write_block(ws: _BlockSheet, frame: pd.DataFrame, fmts: _Formats, top: int = 0) -> list[int]:
    """Header (at row `top`) by xlsxwriter, data rows as one XML block; the column widths they need."""
    columns = [c.astype(object) if isinstance(c.dtype, pd.CategoricalDtype) else c for _, c in frame.items()]
    if ws.constant_memory or any(_kind(c) not in _BLOCK_KINDS for c in columns):
        return _write_table(ws, frame, top, fmts)
    rows = pc.cast(pa.array(np.arange(top + 2, len(frame) + top + 2)), pa.large_string())
    parts, widths = [], []
    for col, (name, values) in enumerate(zip(frame.columns, columns)):
        header = str(name)
        _write_text(ws, top, col, header, fmts.header, fmts.header_q)
        cells, width = _block_cells(ws, values, _join('<c r="' + xl_col_to_name(col), rows), fmts)
        parts.append(cells)
        widths.append(max(len(header) + 3, width + 2))  # as `_write_table`
    if len(frame) and len(parts):
        xml = pc.binary_join_element_wise(_join('<row r="', rows, '">'), *parts, _large("</row>"), _large(""),
                                          null_handling="replace", null_replacement="")
        ws.block = "".join(xml.to_pylist())
        ws.header_row = top
        ws.dim_rowmax = len(frame) + top
    return widths


def _set_widths(ws, widths: list[int]) -> None:
    for col, width in enumerate(widths):
        ws.set_column(col, col, min(max(width, MIN_WIDTH), MAX_WIDTH))


def _part_name(name: str, part: int) -> str:
    if part == 0:
        return name
    suffix = f" ({part + 1})"
    return name[: 31 - len(suffix)] + suffix


def _write_list_sheet(wb: xlsxwriter.Workbook, sheet: Sheet, fmts: _Formats, block: bool) -> None:
    frame, ncols = sheet.frame, sheet.frame.shape[1]
    top = 1 if sheet.banner else 0
    for part, start in enumerate(range(0, max(len(frame), 1), MAX_DATA_ROWS - top)):
        chunk = frame.iloc[start : start + MAX_DATA_ROWS - top]
        if block:
            ws = wb.add_worksheet(_part_name(sheet.name, part), worksheet_class=_BlockSheet)
        else:
            ws = wb.add_worksheet(_part_name(sheet.name, part))
        if sheet.banner:  # overflows to the right, so it sets no width
            _write_text(ws, 0, 0, sheet.banner, fmts.title, fmts.title_q)
        widths = _write_block(ws, chunk, fmts, top) if block else _write_table(ws, chunk, top, fmts)
        _set_widths(ws, widths)
        ws.freeze_panes(top + 1, 0)
        if ncols:
            ws.autofilter(top, 0, top + len(chunk), ncols - 1)
        for header, allowed in sheet.dropdowns.items():
            if len(chunk):
                col = frame.columns.get_loc(header)
                ws.data_validation(top + 1, col, top + len(chunk), col, {"validate": "list", "source": list(allowed)})


def _write_summary(wb: xlsxwriter.Workbook, report: Report, fmts: _Formats) -> None:
    ws = wb.add_worksheet(SUMMARY)
    row, widths, headers = 0, [], []
    for i, block in enumerate(report.summary):
        if i:
            row += 1
        if block.title:
            # Titles overflow into the empty cells to their right, so they set no width.
            _write_text(ws, row, 0, block.title, fmts.title, fmts.title_q)
            row += 1
        headers.append(row)
        for col, width in enumerate(_write_table(ws, block.frame, row, fmts)):
            if col < len(widths):
                widths[col] = max(widths[col], width)
            else:
                widths.append(width)
        row += 1 + len(block.frame)
    _set_widths(ws, widths)
    if report.chart is not None:
        _add_chart(wb, ws, report, headers, len(widths))


def _add_chart(wb, ws, report: Report, headers: list[int], used_cols: int) -> None:
    chart_spec = report.chart
    frame = report.summary[chart_spec.block].frame
    if frame.empty or frame.shape[1] < 2:
        return  # nothing to plot; an empty chart would only confuse
    head = headers[chart_spec.block]
    first, last = head + 1, head + len(frame)
    chart = wb.add_chart({"type": "column"})
    for col in range(1, frame.shape[1]):
        chart.add_series(
            {
                "name": [SUMMARY, head, col],
                "categories": [SUMMARY, first, 0, last, 0],
                "values": [SUMMARY, first, col, last, col],
            }
        )
    # xlsxwriter reads a name starting with "=" as a cell reference.
    title = chart_spec.title
    chart.set_title({"name": " " + title if title.startswith("=") else title})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    ws.insert_chart(0, used_cols + 1, chart)


def render_xlsx(report: Report, *, block: bool | None = None) -> bytes:
    """Build the whole workbook in memory: Summary first, then `report.sheets`.

    `block`: write list sheets with the block writer (True) or xlsxwriter's public API
    (False); None: the block writer if this xlsxwriter is in `BLOCK_WRITER_XLSXWRITER`.
    """
    if block is None:
        block = xlsxwriter.__version__ in BLOCK_WRITER_XLSXWRITER
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, _WORKBOOK_OPTIONS)
    fmts = _Formats(wb)
    _write_summary(wb, report, fmts)
    for sheet in report.sheets:
        _write_list_sheet(wb, sheet, fmts, block)
    wb.close()
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
