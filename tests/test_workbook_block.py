"""List sheets are rendered as one XML block (speed); Summary blocks cell by cell through
xlsxwriter. The same frame must give the same cells either way: value, type, number
format and quote prefix. This pins the block writer to xlsxwriter's own behaviour, so
an xlsxwriter upgrade that changes its internals fails here, not in an inspector's hands.

The block writer overrides xlsxwriter privates, so it runs only on the xlsxwriter versions
this file passed on (`BLOCK_WRITER_XLSXWRITER`); the tests below force it on (`block=True`)
so that a new version can be checked before it is added."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import xl_col_to_name

from ofsted_lists.workbook import BLOCK_WRITER_XLSXWRITER, Block, Report, Sheet, render_xlsx


def _cells(ws, first_row: int, n_rows: int, n_cols: int) -> list[tuple]:
    out = []
    for row in ws.iter_rows(min_row=first_row, max_row=first_row + n_rows - 1, max_col=n_cols):
        for c in row:
            out.append((c.value, c.data_type, c.number_format if c.value is not None else None,
                        bool(c.quotePrefix)))
    return out


def _render(frame: pd.DataFrame, block: bool) -> tuple[list[tuple], list[tuple], tuple]:
    """Summary cells, list sheet data cells and list sheet layout of `frame`; list sheet
    written with the block writer (`block`) or xlsxwriter's public API."""
    data = render_xlsx(Report(summary=[Block(None, frame)], chart=None, sheets=[Sheet("L", frame)]), block=block)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode()
    summary, sheet = wb["Summary"], wb["L"]
    # The untitled block's header is on row 1, its data from row 2, as on the list sheet.
    assert [c.value for c in summary[1]][: len(frame.columns)] == list(frame.columns)
    rows, cols = len(frame), len(frame.columns)
    widths = [sheet.column_dimensions[xl_col_to_name(c)].width for c in range(cols)]
    layout = (_cells(sheet, 1, 1, cols), widths, sheet.freeze_panes, sheet.auto_filter.ref, sheet.dimensions)
    return _cells(summary, 2, rows, cols), _cells(sheet, 2, rows, cols), layout


def _every_kind() -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.Series(["00123", "=1+1", "+44 7700", "-1", "@SUM(A1)", "\tTab", "é £ ‘quote’", None, ""],
                        dtype="str"),
        "date": pd.Series([dt.datetime(2026, 2, 28), pd.NaT, dt.datetime(1900, 3, 1), dt.datetime(2024, 2, 29),
                           dt.datetime(1905, 1, 1), dt.datetime(2026, 11, 25, 13, 45), pd.NaT,
                           dt.datetime(1999, 12, 31), dt.datetime(2030, 1, 1)], dtype="datetime64[ns]"),
        "count": pd.array([0, 1, None, -1, 12, 10**9, 3, 4, 5], dtype="Int64"),
        "ratio": [0.5, np.nan, 1.0, -0.0, 1e17, 2.25, 3.0, float("inf"), 7.125],
        "text": pd.Series(["a & b < c", "x" * 40, "line\nbreak", "  padded  ", "<tag>", "'quoted", "ok", None, "z"],
                          dtype="str"),
        "flag": pd.array([True, False, None, True, False, True, None, False, True], dtype="boolean"),
    })


def _spy_write_table(monkeypatch) -> list:
    """Record each `_write_table` call: one per table written through xlsxwriter's public API."""
    from ofsted_lists import workbook

    calls, real = [], workbook._write_table
    monkeypatch.setattr(workbook, "_write_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_installed_xlsxwriter_is_one_the_block_writer_was_verified_on():
    assert xlsxwriter.__version__ in BLOCK_WRITER_XLSXWRITER, (
        f"xlsxwriter {xlsxwriter.__version__} is not one the block writer was verified on "
        f"({', '.join(sorted(BLOCK_WRITER_XLSXWRITER))}), so list sheets are written through its slower public "
        "API. If every other test in tests/test_workbook_block.py passes on this version, add it to "
        "BLOCK_WRITER_XLSXWRITER in src/ofsted_lists/workbook.py and raise the xlsxwriter bound in "
        "pyproject.toml; if one fails, fix the block writer for this version first, or install a verified one."
    )


def test_list_sheets_take_the_block_writer_only_on_verified_xlsxwriter_versions(monkeypatch):
    report = Report(summary=[], chart=None, sheets=[Sheet("L", _every_kind())])
    calls = _spy_write_table(monkeypatch)
    monkeypatch.setattr(xlsxwriter, "__version__", max(BLOCK_WRITER_XLSXWRITER))
    render_xlsx(report)
    assert calls == []
    monkeypatch.setattr(xlsxwriter, "__version__", "0.0.0")
    render_xlsx(report)
    assert calls == [1]


def test_block_and_cell_writers_agree_on_every_kind_of_value(monkeypatch):
    calls = _spy_write_table(monkeypatch)
    summary, block, _ = _render(_every_kind(), block=True)
    assert len(calls) == 1  # the Summary block only: the list sheet took the block path
    assert block == summary


def test_public_api_fallback_writes_the_same_list_sheet_as_the_block_writer(monkeypatch):
    calls = _spy_write_table(monkeypatch)
    _, fallback, fallback_layout = _render(_every_kind(), block=False)
    assert len(calls) == 2  # Summary and the list sheet: no block
    _, block, block_layout = _render(_every_kind(), block=True)
    assert fallback == block
    assert fallback_layout == block_layout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.text(max_size=12), st.one_of(st.none(), st.integers(-10**6, 10**6)),
                          st.one_of(st.none(), st.dates(dt.date(1899, 1, 1), dt.date(2100, 12, 31)))),
                min_size=1, max_size=12))
def test_block_writer_matches_cell_writer_on_random_rows(rows):
    frame = pd.DataFrame({
        "text": pd.Series([r[0] for r in rows], dtype="str"),
        "n": pd.array([r[1] for r in rows], dtype="Int64"),
        "d": pd.to_datetime(pd.Series([r[2] for r in rows], dtype="object")).astype("datetime64[ns]"),
    })
    summary, block, _ = _render(frame, block=True)
    assert block == summary


def _deflated_at(data: bytes, part: str | None = None, slack: float = 0) -> set[int]:
    """The zlib levels (of 1 and 6) whose raw deflate of `part` (default: the largest) gives
    its compressed size, to within a share `slack` of it."""
    import zlib

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(part) if part else max(z.infolist(), key=lambda i: i.file_size)
        raw = z.read(info)
    sizes = {level: len((c := zlib.compressobj(level, zlib.DEFLATED, -15)).compress(raw) + c.flush())
             for level in (1, 6)}
    assert abs(sizes[1] - sizes[6]) > 2 * slack * sizes[1]
    return {level for level, size in sizes.items() if abs(size - info.compress_size) <= slack * size}


def test_block_writer_zips_fast_and_leaves_xlsxwriters_zip_as_it_was():
    """Zipping at zlib level 1 is a third of level 6's time (benchmarks/); the swap of
    xlsxwriter's zip class lasts only while the workbook is stored. A list sheet's rows are
    deflated apart from the XML around them (at level 1 too, a few bytes off one pass)."""
    frame = pd.DataFrame({"id": [f"C{i:06d} child {i % 97}" for i in range(3000)],
                          "n": np.arange(3000) * 7919 % 10007}).astype({"id": "str"})
    report = Report(summary=[], chart=None, sheets=[Sheet("L", frame)])
    fast = render_xlsx(report, block=True)
    assert _deflated_at(fast, "xl/sharedStrings.xml") == {1}
    assert _deflated_at(fast, "xl/worksheets/sheet2.xml", slack=0.02) == {1}
    assert _deflated_at(render_xlsx(report, block=False)) == {6}
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


def _parts(data: bytes) -> dict[str, bytes]:
    """Every part of a workbook, unzipped, after zipfile has checked each one's CRC."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {info.filename: z.read(info) for info in z.infolist()}


def _unstamped(parts: dict[str, bytes]) -> dict[str, bytes]:
    """`parts` with the time written blanked from the document properties."""
    core = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\1", parts["docProps/core.xml"])
    return {**parts, "docProps/core.xml": core}


def test_rows_deflated_ahead_unzip_to_the_parts_written_inline(monkeypatch):
    """Each list sheet's rows are deflated by a background thread while the next sheet is
    built; the workbook unzips, CRC for CRC, to the very parts written with the rows inline,
    sheets with no rows and a sheet whose cells hold non-ASCII text among them."""
    from ofsted_lists import workbook

    sheets = [Sheet("A", _every_kind()), Sheet("Empty", _every_kind().iloc[:0]),
              Sheet("B", pd.DataFrame({"n": pd.array(range(2000), dtype="Int64"),
                                       "when": pd.date_range("2024-02-28", periods=2000, freq="D")})),
              Sheet("C", _every_kind().iloc[::-1])]
    report = Report(summary=[Block(None, _every_kind())], chart=None, sheets=sheets)
    ahead = render_xlsx(report, block=True)
    monkeypatch.setattr(workbook._DeflateAhead, "add", lambda self, data: data.to_pybytes().decode())
    inline = render_xlsx(report, block=True)
    assert ahead != inline  # the rows were deflated apart: other compressed bytes ...
    # ... of the same parts; the two renders may straddle a second, so the stamp is not compared
    assert _unstamped(_parts(ahead)) == _unstamped(_parts(inline))
    assert "C" in openpyxl.load_workbook(io.BytesIO(ahead)).sheetnames


def test_a_failing_render_leaves_no_deflate_running(monkeypatch):
    import threading

    from ofsted_lists import workbook

    real, calls = workbook._write_list_sheet, []

    def second_fails(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(*args)

    monkeypatch.setattr(workbook, "_write_list_sheet", second_fails)
    report = Report(summary=[], chart=None, sheets=[Sheet("A", _every_kind()), Sheet("B", _every_kind())])
    with pytest.raises(RuntimeError, match="boom"):
        render_xlsx(report, block=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("ofsted-lists-zip")]
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile


def _sst_part(cls, strings: list[str]) -> str:
    """The shared-string part `cls` writes for `strings` (in that order)."""
    from xlsxwriter.sharedstrings import SharedStringTable

    table = SharedStringTable()
    for s in strings:
        table._get_shared_string_index(s)
    table._sort_string_data()
    part = cls()
    part.string_table = table
    part._set_filehandle(io.StringIO())
    part._assemble_xml_file()
    return part.fh.getvalue()


_AWKWARD = ["plain", "a & b < c > d", '"quoted" and \'single\'', " lead", "trail ", "\tTab", "line\nbreak",
            "ctrl\x01\x1f", "_x0041_ literal", "<r><t>rich</t></r>", "<r>not closed", "é £ ‘quote’", "\u00a0nbsp",
            "emoji 😀", "=1+1", "x" * 300, "end\u2028"]


def test_fast_shared_strings_write_the_bytes_xlsxwriter_writes():
    from xlsxwriter.sharedstrings import SharedStrings

    from ofsted_lists.workbook import _FastSharedStrings

    assert _sst_part(_FastSharedStrings, _AWKWARD) == _sst_part(SharedStrings, _AWKWARD)
    assert _sst_part(_FastSharedStrings, []) == _sst_part(SharedStrings, [])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=30))
def test_fast_shared_strings_match_xlsxwriter_on_any_text(strings):
    from xlsxwriter.sharedstrings import SharedStrings

    from ofsted_lists.workbook import _FastSharedStrings

    assert _sst_part(_FastSharedStrings, strings) == _sst_part(SharedStrings, strings)


def test_the_shared_string_swap_lasts_only_while_the_workbook_is_stored():
    import xlsxwriter.packager
    from xlsxwriter.sharedstrings import SharedStrings

    render_xlsx(Report(summary=[], chart=None, sheets=[Sheet("L", _every_kind())]), block=True)
    assert xlsxwriter.packager.SharedStrings is SharedStrings
