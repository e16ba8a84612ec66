"""List sheets are rendered as one XML block (speed); Summary blocks cell by cell through
xlsxwriter. The same frame must give the same cells either way: value, type, number
format and quote prefix. This pins the block writer to xlsxwriter's own behaviour, so
an xlsxwriter upgrade that changes its internals fails here, not in an inspector's hands."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ofsted_lists.workbook import Block, Report, Sheet, render_xlsx


def _cells(ws, first_row: int, n_rows: int, n_cols: int) -> list[tuple]:
    out = []
    for row in ws.iter_rows(min_row=first_row, max_row=first_row + n_rows - 1, max_col=n_cols):
        for c in row:
            out.append((c.value, c.data_type, c.number_format if c.value is not None else None,
                        bool(c.quotePrefix)))
    return out


def _both_ways(frame: pd.DataFrame) -> tuple[list[tuple], list[tuple]]:
    data = render_xlsx(Report(summary=[Block(None, frame)], chart=None, sheets=[Sheet("L", frame)]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode()
    summary = wb["Summary"]
    # The untitled block's header is on row 1, its data from row 2, as on the list sheet.
    assert [c.value for c in summary[1]][: len(frame.columns)] == list(frame.columns)
    rows, cols = len(frame), len(frame.columns)
    return _cells(summary, 2, rows, cols), _cells(wb["L"], 2, rows, cols)


def test_block_and_cell_writers_agree_on_every_kind_of_value(monkeypatch):
    from ofsted_lists import workbook

    calls = []
    real = workbook._write_table
    monkeypatch.setattr(workbook, "_write_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    frame = pd.DataFrame({
        "id": pd.Series(["00123", "=1+1", "+44 7700", "-1", "@SUM(A1)", "\tTab", "é £ ‘quote’", None, ""],
                        dtype="str"),
        "date": pd.Series([dt.datetime(2026, 2, 28), pd.NaT, dt.datetime(1900, 3, 1), dt.datetime(2024, 2, 29),
                           dt.datetime(1905, 1, 1), dt.datetime(2026, 11, 25, 13, 45), pd.NaT,
                           dt.datetime(1999, 12, 31), dt.datetime(2030, 1, 1)], dtype="datetime64[ns]"),
        "count": pd.array([0, 1, None, -1, 12, 10**9, 3, 4, 5], dtype="Int64"),
        "ratio": [0.5, np.nan, 1.0, -0.0, 1e17, 2.25, 3.0, float("inf"), 7.125],
        "text": pd.Series(["a & b < c", "x" * 40, "line\nbreak", "  padded  ", "<tag>", "'quoted", "ok", None, "z"],
                          dtype="str"),
    })
    summary, block = _both_ways(frame)
    assert len(calls) == 1  # the Summary block only: the list sheet took the block path
    assert block == summary


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
    summary, block = _both_ways(frame)
    assert block == summary
