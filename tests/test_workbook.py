"""The xlsx and CSV writers: cell types, layout, formula safety, file handling."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import stat
import zipfile

import msoffcrypto
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ofsted_lists import workbook
from ofsted_lists.errors import OutputError
from ofsted_lists.output import output_lock
from ofsted_lists.workbook import (
    Block,
    Chart,
    Report,
    Sheet,
    render_xlsx,
    write_csv_folder,
    write_xlsx,
)

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["00123", "=1+1", None],
            "contact_date": pd.to_datetime(["2024-02-29", None, "2023-04-01"]),
            "age": pd.Series([3, None, 17], dtype="Int64"),
            "count": [1, 2, 3],
            "score": [1.5, np.nan, 2.0],
        }
    )


def report(**changes) -> Report:
    summary = [
        Block(
            "Run",
            pd.DataFrame(
                {
                    "Item": ["As of", "Rows", "Generated", "Note"],
                    "Value": [dt.date(2024, 3, 31), 3, dt.datetime(2024, 3, 31, 9, 30), "-none"],
                }
            ),
        ),
        Block(
            "Per month",
            pd.DataFrame(
                {"Month": ["Feb 2024", "Mar 2024"], "Contacts": [5, 7], "Referrals": [1, 2]}
            ),
        ),
    ]
    sheets = [
        Sheet("1a Contacts", contacts()),
        Sheet("1b Referrals", contacts().iloc[:0]),
        Sheet("Data quality", pd.DataFrame({"kind": ["future date"], "rows": [2]})),
    ]
    fields = {"summary": summary, "chart": Chart(1, "Contacts and referrals"), "sheets": sheets}
    return Report(**{**fields, **changes})


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(ws) -> list[tuple]:
    return [tuple(c.value for c in r) for r in ws.iter_rows()]


def excel_unescape(text: str) -> str:
    """What Excel shows for a stored string (openpyxl leaves _xHHHH_ escapes in place)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    return load(render_xlsx(report()))


# ---------------------------------------------------------------- list sheets


def test_sheet_order(book):
    assert book.sheetnames == ["Summary", "1a Contacts", "1b Referrals", "Data quality"]


def test_header_row_bold_filled_frozen_filtered(book):
    ws = book["1a Contacts"]
    assert rows(ws)[0] == ("child_id", "contact_date", "age", "count", "score")
    for cell in ws[1]:
        assert cell.font.b
        assert cell.fill.fill_type == "solid"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E4"


def test_cell_types(book):
    ws = book["1a Contacts"]
    assert ws["A2"].value == "00123" and ws["A2"].data_type == "s"  # ids stay text
    assert ws["B2"].value == dt.datetime(2024, 2, 29)
    assert ws["B2"].is_date and ws["B2"].number_format == "dd/mm/yyyy"
    assert ws["B3"].value is None  # NaT
    assert ws["C2"].value == 3 and ws["C2"].data_type == "n"
    assert ws["C3"].value is None  # <NA>
    assert ws["D4"].value == 3 and ws["D4"].data_type == "n"
    assert ws["E2"].value == 1.5 and ws["E3"].value is None
    assert ws["A4"].value is None


def test_formula_like_text_is_text_with_quote_prefix(book):
    cell = book["1a Contacts"]["A3"]
    assert cell.value == "=1+1" and cell.data_type == "s"
    assert cell.quotePrefix
    assert not book["1a Contacts"]["A2"].quotePrefix


def test_empty_frame_has_header_only(book):
    ws = book["1b Referrals"]
    assert rows(ws) == [("child_id", "contact_date", "age", "count", "score")]
    assert ws.auto_filter.ref == "A1:E1"
    assert ws.freeze_panes == "A2"


def test_dropdown_covers_the_columns_data_rows_and_csv_ignores_it(tmp_path):
    frame = pd.DataFrame({"Case": [1, 2, 3], "Risk": pd.Series([pd.NA, "Y", pd.NA], dtype="str")})
    plain = report(sheets=[Sheet("Sample", frame), Sheet("Empty", frame.iloc[:0])])
    with_list = report(sheets=[Sheet("Sample", frame, dropdowns={"Risk": ["Y", "N"]}),
                               Sheet("Empty", frame.iloc[:0], dropdowns={"Risk": ["Y", "N"]})])
    book = load(render_xlsx(with_list))
    [dv] = book["Sample"].data_validations.dataValidation
    assert (dv.type, dv.formula1, str(dv.sqref)) == ("list", '"Y,N"', "B2:B4")  # empty cells B2, B4 too
    assert book["Empty"].data_validations.dataValidation == []  # no data rows, nothing to offer
    assert load(render_xlsx(plain))["Sample"].data_validations.dataValidation == []
    a = [p.read_bytes() for p in write_csv_folder(plain, tmp_path / "a")]
    b = [p.read_bytes() for p in write_csv_folder(with_list, tmp_path / "b")]
    assert a == b


def test_column_widths_fit_and_are_capped():
    frame = pd.DataFrame({"id": ["1"], "note": ["x" * 500], "a_rather_long_heading": ["y"]})
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    widths = {k: ws.column_dimensions[k].width for k in "ABC"}
    assert widths["B"] <= 61  # capped near 60
    assert widths["C"] > len("a_rather_long_heading")  # header fits
    assert widths["A"] < widths["C"]


def test_dates_around_excel_quirks_round_trip():
    days = [dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1),
            dt.datetime(2000, 2, 29), dt.datetime(2024, 3, 31, 23, 59)]
    frame = pd.DataFrame({"d": pd.to_datetime(days).as_unit("s")})
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    assert [c.value for c in ws["A"][1:]] == days


def test_date_before_1900_becomes_text():
    frame = pd.DataFrame({"dob": pd.to_datetime(["1890-05-01", "2020-01-01"])})
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    assert ws["A2"].value == "01/05/1890"
    assert ws["A3"].value == dt.datetime(2020, 1, 1)


def test_timezone_aware_dates_keep_wall_time():
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-06-01 00:00"]).tz_localize("Europe/London")})
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    assert ws["A2"].value == dt.datetime(2024, 6, 1)


def test_text_too_long_for_a_cell_is_truncated_with_ellipsis():
    frame = pd.DataFrame({"note": ["a" * 40_000, "=" + "b" * 40_000]})
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    for cell in ws["A"][1:]:
        assert len(cell.value) == 32_767 and cell.value.endswith("…")


def test_categorical_and_mixed_object_columns():
    frame = pd.DataFrame(
        {"cat": pd.Categorical(["N1", None, "@x"]), "mixed": ["a", 2, dt.date(2024, 1, 5)]}
    )
    ws = load(render_xlsx(report(sheets=[Sheet("S", frame)])))["S"]
    assert [c.value for c in ws["A"][1:]] == ["N1", None, "@x"]
    assert ws["A4"].quotePrefix
    assert ws["B3"].value == 2 and ws["B3"].data_type == "n"
    assert ws["B4"].value == dt.datetime(2024, 1, 5) and ws["B4"].number_format == "dd/mm/yyyy"


def test_long_list_continues_on_numbered_sheets(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_DATA_ROWS", 3)
    frame = pd.DataFrame({"id": [str(i) for i in range(7)]})
    name = "A list name of exactly 31 chars"
    book = load(render_xlsx(report(sheets=[Sheet(name, frame)])))
    assert book.sheetnames == [
        "Summary", name, "A list name of exactly 31 c (2)", "A list name of exactly 31 c (3)"
    ]
    parts = [rows(book[n]) for n in book.sheetnames[1:]]
    assert [r[0] for r in parts] == [("id",)] * 3
    assert [v for part in parts for (v,) in part[1:]] == [str(i) for i in range(7)]
    assert book["A list name of exactly 31 c (3)"].auto_filter.ref == "A1:A2"


# ---------------------------------------------------------------- Summary


def test_summary_blocks_one_under_another_a_wider_one_below_the_chart(book):
    # The chart sits beside the two-column first block; the three-column block would run
    # under it, so it starts below the chart (320 px = 240 pt = 16 rows) and a blank row.
    assert rows(book["Summary"]) == [
        ("Run", None, None),
        ("Item", "Value", None),
        ("As of", dt.datetime(2024, 3, 31), None),
        ("Rows", 3, None),
        ("Generated", dt.datetime(2024, 3, 31, 9, 30), None),
        ("Note", "-none", None),
        *[(None, None, None)] * 11,
        ("Per month", None, None),
        ("Month", "Contacts", "Referrals"),
        ("Feb 2024", 5, 1),
        ("Mar 2024", 7, 2),
    ]
    ws = book["Summary"]
    assert ws["A1"].font.b and ws["A18"].font.b
    assert ws["B3"].number_format == "dd/mm/yyyy"
    assert ws["B6"].quotePrefix


def test_summary_chart_plots_the_chart_block():
    data = render_xlsx(report())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    assert "Summary!$A$20:$A$21" in chart  # month labels
    assert "Summary!$B$20:$B$21" in chart and "Summary!$C$20:$C$21" in chart
    assert "Summary!$B$19" in chart  # series named by the header cell
    assert "Contacts and referrals" in chart
    assert "<xdr:col>2</xdr:col><xdr:colOff>" in drawing  # beside the first block's two columns


def test_no_chart_when_its_block_is_empty():
    empty = Block("Per month", pd.DataFrame({"Month": [], "Contacts": []}))
    data = render_xlsx(report(summary=[empty], chart=Chart(0, "t")))
    assert not any(n.startswith("xl/charts/") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())


# ---------------------------------------------------------------- formula safety (property)


def looks_like_formula(v: str) -> bool:
    """The rule, written independently: = + - @ first once leading whitespace (which a
    spreadsheet may trim) is gone, or a leading tab or CR."""
    return re.sub(r"^[\s\ufeff]+", "", v)[:1] in ("=", "+", "-", "@") or v[:1] in ("\t", "\r")


texts = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(FORMULA_STARTS + ["", "{=", " =", "\u00a0+", "\n @", "x ="]),
    st.text(max_size=30),
)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(texts, min_size=1, max_size=6), title=texts)
def test_no_formula_anywhere_and_text_round_trips(tmp_path_factory, values, title):
    n = len(values)
    frame = pd.DataFrame({"t": values, "u": values})
    frame.columns = ["t", title or "h"]  # a formula-like header too
    summary = pd.DataFrame({"Item": values, "Value": [*values[:-1], 7]})
    rep = Report(
        summary=[Block(title, summary)],
        chart=None,
        sheets=[Sheet("1a Contacts", frame), Sheet("Data quality", frame.iloc[:, [0]])],
    )
    data = render_xlsx(rep)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode()

    def shown(v):
        return None if v is None else excel_unescape(v)

    expected = [v or None for v in values]
    book = load(data)
    for name in ("1a Contacts", "Data quality"):
        assert [shown(book[name].cell(2 + i, 1).value) for i in range(n)] == expected
    ws = book["Summary"]
    top = 2 if title else 1
    assert [shown(ws.cell(top + 1 + i, 1).value) for i in range(n)] == expected
    if title:
        assert shown(ws["A1"].value) == title

    folder = tmp_path_factory.mktemp("csv")
    paths = write_csv_folder(rep, folder)
    with open(paths[1], encoding="utf-8-sig", newline="") as fh:
        got = [r[0] for r in csv.reader(fh)][1:]
    want = ["'" + v if looks_like_formula(v) else v for v in values]
    assert got == want


# ---------------------------------------------------------------- write_xlsx


def test_write_xlsx_mode_0600_creates_folder(tmp_path):
    dest = tmp_path / "out" / "ofsted-lists_2024-03-31.xlsx"
    assert write_xlsx(report(), dest) == dest
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert stat.S_IMODE(dest.parent.stat().st_mode) == 0o700
    assert load(dest.read_bytes()).sheetnames[0] == "Summary"
    assert sorted(p.name for p in dest.parent.iterdir()) == [
        ".ofsted-lists_2024-03-31.xlsx.lock",
        "ofsted-lists_2024-03-31.xlsx",
    ]


def test_write_xlsx_encrypted_round_trip(tmp_path):
    dest = write_xlsx(report(), tmp_path / "l.xlsx", password="correct horse")
    assert not zipfile.is_zipfile(dest)
    office = msoffcrypto.OfficeFile(io.BytesIO(dest.read_bytes()))
    office.load_key(password="correct horse")
    plain = io.BytesIO()
    office.decrypt(plain)
    assert openpyxl.load_workbook(plain)["1a Contacts"]["A2"].value == "00123"
    wrong = msoffcrypto.OfficeFile(io.BytesIO(dest.read_bytes()))
    wrong.load_key(password="wrong")
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        wrong.decrypt(io.BytesIO())


def test_write_xlsx_waits_for_lock_then_fails_and_keeps_old_file(tmp_path):
    dest = tmp_path / "l.xlsx"
    dest.write_bytes(b"old")
    with output_lock(dest):
        with pytest.raises(OutputError, match="another ofsted-lists run is writing l.xlsx"):
            write_xlsx(report(), dest, lock_timeout=0.2)
    assert dest.read_bytes() == b"old"


def test_write_xlsx_into_a_file_path_is_an_output_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError):
        write_xlsx(report(), tmp_path / "f" / "l.xlsx")


# ---------------------------------------------------------------- CSV


def test_csv_folder_files_bom_dates_numbers_and_prefix(tmp_path):
    folder = tmp_path / "csv"
    paths = write_csv_folder(report(), folder)
    assert [p.name for p in paths] == [
        "00_Summary.csv", "01_1a_Contacts.csv", "02_1b_Referrals.csv", "03_Data_quality.csv"
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    assert paths[1].read_bytes().decode("utf-8-sig").split("\r\n") == [
        "child_id,contact_date,age,count,score",
        "00123,29/02/2024,3,1,1.5",
        "'=1+1,,,2,",
        ",01/04/2023,17,3,2",
        "",
    ]
    assert paths[2].read_text(encoding="utf-8-sig") == "child_id,contact_date,age,count,score\n"
    assert paths[0].read_bytes().decode("utf-8-sig").split("\r\n") == [
        "Run",
        "Item,Value",
        "As of,31/03/2024",
        "Rows,3",
        "Generated,31/03/2024 09:30",
        "Note,'-none",
        "",
        "Per month",
        "Month,Contacts,Referrals",
        "Feb 2024,5,1",
        "Mar 2024,7,2",
        "",
    ]


def test_csv_numbers_are_plain():
    frame = pd.DataFrame(
        {
            "big": pd.Series([2**62 + 1, None], dtype="Int64"),
            "f": [1e20, -0.25],
            "neg": [-5, 0],
        }
    )
    text = workbook._csv_table(frame)
    assert text.split("\r\n")[1:3] == [
        "4611686018427387905,100000000000000000000,-5",
        ",-0.25,0",
    ]


def test_csv_quotes_commas_and_newlines(tmp_path):
    frame = pd.DataFrame({"note": ["a, b", 'say "hi"', "two\nlines"]})
    (_, path) = write_csv_folder(report(sheets=[Sheet("S", frame)], summary=[]), tmp_path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert [r[0] for r in csv.reader(fh)] == ["note", "a, b", 'say "hi"', "two\nlines"]


def test_csv_lock_held_is_an_output_error(tmp_path):
    with output_lock(tmp_path / "csv"):  # the folder's lock is beside it: .csv.lock
        with pytest.raises(OutputError, match="another ofsted-lists run"):
            write_csv_folder(report(), tmp_path / "csv", lock_timeout=0.2)
    assert not (tmp_path / "csv").exists()
