"""The two CSV parsers and the parallel file reading give what one sequential reader would.

`readers.cms._csv_body` takes pyarrow's CSV reader for the usual export and pandas for the
rest; these tests pin that both read any CSV to the same records, that the fast path is
really taken, and that reading files two at a time changes nothing a user can see.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ofsted_lists import normalise as normalise_mod, readers
from ofsted_lists.config import Config
from ofsted_lists.errors import InputError
from ofsted_lists.quality import Findings

HEADER = ["Child ID", "Contact Date", "Team", "Worker"]


def read_csv_file(folder: Path, name: str, raw: bytes):
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(raw)
    findings = Findings()
    result = readers.read_folder(folder, Config(), findings)
    return result.tables["contacts"], findings.table()


def both_ways(tmp_path: Path, raw: bytes, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """(fast-path frame, pandas-path frame, whether the fast path was taken)."""
    calls = []
    real = readers.cms.pacsv.read_csv

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(readers.cms.pacsv, "read_csv", spy)
        fast, _ = read_csv_file(tmp_path / "fast", "contacts.csv", raw)
        took_fast = bool(calls)

    def refuse(*args, **kwargs):
        raise pa.ArrowInvalid("forced onto the pandas path")

    with monkeypatch.context() as m:
        m.setattr(readers.cms.pacsv, "read_csv", refuse)
        slow, _ = read_csv_file(tmp_path / "slow", "contacts.csv", raw)
    return fast, slow, took_fast


def test_a_plain_utf8_export_takes_the_pyarrow_path_and_reads_like_pandas(tmp_path, monkeypatch):
    raw = ("\ufeffChild ID,Contact Date,Team,Worker\r\n"
           'C1,01/02/2026,"MASH, North",NULL\r\n'
           ' C2 ,2026-02-03,"Line one\nline two",  \r\n'
           'C3,,"He said ""no""",W 1\r\n').encode()
    fast, slow, took_fast = both_ways(tmp_path, raw, monkeypatch)
    assert took_fast
    pd.testing.assert_frame_equal(fast.drop(columns="_file"), slow.drop(columns="_file"))
    assert fast[["child_id", "contact_date", "team", "worker", "_row"]].fillna("").values.tolist() == [
        ["C1", "01/02/2026", "MASH, North", "", 2],
        ["C2", "2026-02-03", "Line one\nline two", "", 3],
        ["C3", "", 'He said "no"', "W 1", 4],
    ]
    assert all(fast[c].dtype == "str" for c in ("child_id", "contact_date", "team", "worker"))


@pytest.mark.parametrize("raw,why", [
    (b"Child ID,Contact Date,Team\nC1,01/02/2026,A\n\nC2,02/02/2026,B\n", "blank line keeps its row number"),
    (b"Child ID,Contact Date,Team\nC1,01/02/2026\nC2,02/02/2026,B\n", "short row padded"),
    (b"Report run 01/03/2026\nChild ID,Contact Date,Team\nC1,01/02/2026,A\n", "title line above the header"),
    ("Child ID,Contact Date,Team\nC1,01/02/2026,Équipe\n".encode("cp1252"), "Windows-1252"),
])
def test_exports_pyarrow_will_not_take_are_read_by_pandas(tmp_path, raw, why):
    frame, _ = read_csv_file(tmp_path / "in", "contacts.csv", raw)
    assert frame["child_id"].tolist() == (["C1", "C2"] if raw.count(b"C2") else ["C1"]), why
    if "blank line" in why:
        assert frame["_row"].tolist() == [2, 4]


@pytest.mark.parametrize("raw", [
    b'Child ID,Contact Date,Team\nC1,01/02/2026,"MASH\nC2,02/02/2026,B\n',
    # An inch mark pairs with the open quote: the quote count is even, the quote still open.
    b'Child ID,Contact Date,Team\nC1,01/02/2026,TV 42" screen\nC2,02/02/2026,"Mum said ""no""\n'
    b'C3,03/02/2026,C\nC4,04/02/2026,D\n',
    b'Child ID,Contact Date,Team\nC1,01/02/2026,5"\nC2,02/02/2026,"B',
])
def test_a_quote_left_open_is_an_error_never_records_lost_in_one_cell(tmp_path, raw):
    # pyarrow alone would read everything after the open quote into one cell, no error.
    with pytest.raises(InputError, match="could not be read as CSV"):
        read_csv_file(tmp_path / "in", "contacts.csv", raw)


@pytest.mark.parametrize("raw", [
    b'"Child\nID",Contact Date,Team\nC1,01/02/2026,A\nC2,02/02/2026,B\n',
    b'"Child\r\nID","Contact\r\nDate",Team\r\nC1,01/02/2026,A\r\nC2,02/02/2026,B\r\n',
])
def test_a_heading_broken_over_two_lines_is_one_header_record(tmp_path, monkeypatch, raw):
    fast, slow, _ = both_ways(tmp_path, raw, monkeypatch)
    pd.testing.assert_frame_equal(fast.drop(columns="_file"), slow.drop(columns="_file"))
    assert fast[["child_id", "_row"]].values.tolist() == [["C1", 2], ["C2", 3]]


def test_a_first_row_only_partly_dashes_is_a_record_not_a_rule_line(tmp_path):
    frame, _ = read_csv_file(tmp_path / "in", "contacts.csv", b"Child ID,Contact Date,Team\n---,,\nC1,01/02/2026,A\n")
    assert frame[["child_id", "_row"]].values.tolist() == [["---", 2], ["C1", 3]]


_cell = st.one_of(
    st.sampled_from(["", " ", "NULL", "null", "C1", " C2 ", "01/02/2026", "a,b", 'say "hi"', "x\ny", "x\r\ny",
                     "é", "£5", "-", "---", "\t", "0", "-1"]),
    st.text(alphabet='ab ,"\n\r\t1-é', max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=4, max_size=4), max_size=8),
       sep=st.sampled_from([",", ";", "\t", "|"]), crlf=st.booleans(), bom=st.booleans())
def test_both_csv_parsers_read_any_quoted_export_alike(tmp_path_factory, monkeypatch, rows, sep, crlf, bom):
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n" if crlf else "\n").writerows([HEADER, *rows])
    raw = ("\ufeff" if bom else "") + out.getvalue()
    tmp = tmp_path_factory.mktemp("csv")
    try:
        fast, slow, _ = both_ways(tmp, raw.encode(), monkeypatch)
    except InputError as exc:  # e.g. no usable record at all: then both must refuse alike
        with monkeypatch.context() as m:
            m.setattr(readers.cms.pacsv, "read_csv", lambda *a, **k: (_ for _ in ()).throw(pa.ArrowInvalid("x")))
            with pytest.raises(InputError) as slow_exc:
                read_csv_file(tmp / "again", "contacts.csv", raw.encode())
        assert str(slow_exc.value) == str(exc)
        return
    pd.testing.assert_frame_equal(fast.drop(columns="_file"), slow.drop(columns="_file"))


# --- several files at once -------------------------------------------------------------

def write_split_contacts(folder: Path, parts: int) -> None:
    folder.mkdir()
    for n in range(parts):
        lines = ["Child ID,Contact Date,Team"] + [f"C{n}-{i},01/02/2026,T{i % 3}" for i in range(50 * (n + 1))]
        if n % 3 == 1:
            lines.insert(1, "Child ID,Contact Date,Team,Extra")  # a second header: one bad record
        (folder / f"contacts_{n:02d}.csv").write_text("\n".join(lines) + "\n")


def test_files_read_at_once_come_back_in_folder_order(tmp_path, monkeypatch):
    write_split_contacts(tmp_path / "in", 9)
    threaded = readers.read_folder(tmp_path / "in", Config(), f1 := Findings())
    monkeypatch.setattr(readers.threads, "WORKERS", 1)
    sequential = readers.read_folder(tmp_path / "in", Config(), f2 := Findings())
    pd.testing.assert_frame_equal(threaded.tables["contacts"], sequential.tables["contacts"])
    pd.testing.assert_frame_equal(f1.table(), f2.table())
    assert [f.name for f in threaded.files] == [f"contacts_{n:02d}.csv" for n in range(9)]
    assert threaded.tables["contacts"]["_file"].is_monotonic_increasing


def test_reading_uses_more_than_one_thread(tmp_path, monkeypatch):
    write_split_contacts(tmp_path / "in", 4)
    seen, real = set(), readers._read_file

    def spy(path, config):
        seen.add(threading.get_ident())
        return real(path, config)

    monkeypatch.setattr(readers, "_read_file", spy)
    barrier = threading.Barrier(2, timeout=10)
    real_read = readers.cms._read_csv

    def meet(*args, **kwargs):  # the first two files wait for each other: both run at once
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return real_read(*args, **kwargs)

    monkeypatch.setattr(readers.cms, "_read_csv", meet)
    readers.read_folder(tmp_path / "in", Config(), Findings())
    assert len(seen) == 2 and not barrier.broken


def test_with_several_bad_files_the_first_in_folder_order_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    # The largest file starts first and fails last; the small ones fail at once.
    rows = "".join(f"C{i},01/02/2026,T\n" for i in range(20000))
    (folder / "children.csv").write_text("Child ID,Contact Date,Team\n" + rows + 'C9,01/02/2026,"open\n')
    for name in ("contacts.csv", "referrals.csv"):
        (folder / name).write_bytes(b"Child ID,Contact Date\x00\x01")
    for _ in range(3):
        with pytest.raises(InputError, match=r"^children\.csv could not be read as CSV"):
            readers.read_folder(folder, Config(), Findings())


def test_progress_bytes_only_grow_even_with_a_slow_display(tmp_path):
    write_split_contacts(tmp_path / "in", 8)
    seen = []

    def slow(names, done, total):
        seen.append(done)
        threading.Event().wait(0.002)

    readers.read_folder(tmp_path / "in", Config(), Findings(), slow)
    assert seen == sorted(seen) and seen[-1] == sum(p.stat().st_size for p in (tmp_path / "in").iterdir())


def test_an_error_in_one_file_stops_the_read_with_that_files_message(tmp_path):
    write_split_contacts(tmp_path / "in", 5)
    (tmp_path / "in" / "contacts_03.csv").write_bytes(b"Child ID,Contact Date\x00\x01")
    with pytest.raises(InputError, match=r"contacts_03\.csv is not a text CSV"):
        readers.read_folder(tmp_path / "in", Config(), Findings())


def test_memory_release_is_harmless_where_there_is_no_glibc(monkeypatch):
    monkeypatch.setattr(readers, "_malloc_trim", None)
    monkeypatch.setattr(readers.ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError(name)))
    readers._release_memory()
    assert readers._malloc_trim is False
    readers._release_memory()  # and stays a no-op


def test_normalise_lets_go_of_each_raw_table(tmp_path):
    write_split_contacts(tmp_path / "in", 2)
    (tmp_path / "in" / "children.csv").write_text("Child ID,Date of birth\nC0-1,01/01/2015\n")
    read = readers.read_folder(tmp_path / "in", Config(), Findings())
    import datetime as dt
    ds = normalise_mod.normalise(read.tables, dt.date(2026, 3, 1), dt.date(2026, 3, 1), Config(), Findings())
    assert read.tables == {} and set(ds.tables) == {"contacts", "children"}


def _outcome(folder: Path, raw: bytes, monkeypatch, *, pandas_only: bool):
    """The contacts frame (without `_file`), or the error message."""
    with monkeypatch.context() as m:
        if pandas_only:
            m.setattr(readers.cms.pacsv, "read_csv", lambda *a, **k: (_ for _ in ()).throw(pa.ArrowInvalid("x")))
        try:
            frame, _ = read_csv_file(folder, "contacts.csv", raw)
        except InputError as exc:
            return str(exc)
    return frame.drop(columns="_file")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(st.text(alphabet='ab "\n\r,1', max_size=5), min_size=1, max_size=5),
                      min_size=1, max_size=6),
       header_break=st.booleans(), newline=st.sampled_from(["\n", "\r\n", "\r"]), end=st.booleans())
def test_both_csv_parsers_agree_on_hand_typed_messy_files(tmp_path_factory, monkeypatch, lines, header_break,
                                                          newline, end):
    """Cells joined without any quoting rules: stray and open quotes, line breaks, rows
    wider or narrower than the header. Either both parsers refuse the file with the same
    message, or they read the same records."""
    header = '"Child\nID",Contact Date,Team' if header_break else "Child ID,Contact Date,Team"
    raw = (newline.join([header, *(",".join(cells) for cells in lines)]) + (newline if end else "")).encode()
    tmp = tmp_path_factory.mktemp("messy")
    fast = _outcome(tmp / "fast", raw, monkeypatch, pandas_only=False)
    slow = _outcome(tmp / "slow", raw, monkeypatch, pandas_only=True)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)
