"""The workbook read on a laptop and printed (SPEC §5, §6; issue 15): Summary layout, list
sheet widths and print settings, `Unknown disability`, `Data quality`, the sample's formats.

Each workbook is built through the real CLI on a tiny hand-built export, with the list sheets
written both by the block writer and by xlsxwriter's public API (the fallback)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from conftest import exports
from ofsted_lists import quality
from ofsted_lists.cli import app
from ofsted_lists.workbook import HEADER_WIDTH, LINE_HEIGHT, SUMMARY_WIDTH, WRAP_WIDTH, header_width

AS_OF = "2026-11-24"
TEAM = "Children with Disabilities Team North and East"  # 46 characters: wider than a heading may make a column
LIST_SHEETS = ("1a Contacts", "1b Referrals", "2 Strategy and S47", "3 Assessments", "4 Child in need plans",
               "5 Child protection plans", "6 Early help")


def _kid(cid: str, disability: str) -> dict:
    return {"Person ID": cid, "Date of Birth": "2015-06-01", "Gender": "1", "Ethnicity": "WBRI",
            "Disability": disability}


def _folder(tmp_path: Path) -> Path:
    """C1 disabled; C2 with no disability recorded, on a CIN plan and with a contact; headings
    the LA's own (aliases), with a bad date in each file and an unused column."""
    children = [_kid("C1", "LD"), _kid("C2", ""), {**_kid("C3", "AUT"), "Date of Birth": "someday"}]
    contacts = [
        {"Person ID": "C1", "Contact Date": "2026-01-05", "Notes": "x"},
        {"Person ID": "C2", "Contact Date": "2026-02-10", "Notes": ""},
        {"Person ID": "C1", "Contact Date": "31/31/2026", "Notes": ""},
        {"Person ID": "C3", "Contact Date": "2026-11-24", "Notes": ""},
    ]
    cin = [{"child_id": "C2", "cin_plan_start_date": "2026-03-01", "cin_plan_end_date": "", "team": "CWD"},
           {"child_id": "C1", "cin_plan_start_date": "2026-04-01", "cin_plan_end_date": "", "team": TEAM}]
    return exports(tmp_path / "in", children=children, contacts=contacts, cin_plans=cin)


def _build(folder: Path, out: Path, command: str = "build") -> openpyxl.Workbook:
    args = [command, "--input", str(folder), "--as-of", AS_OF, "--out", str(out), "--allow-missing"]
    res = CliRunner().invoke(app, args + (["--seed", "7"] if command == "sample" else []), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module", params=["block", "fallback"])
def book(request, tmp_path_factory) -> openpyxl.Workbook:
    tmp = tmp_path_factory.mktemp(request.param)
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "fallback":  # as tests/test_workbook_block.py forces it
            mp.setattr(xlsxwriter, "__version__", "0.0.0")
        return _build(_folder(tmp), tmp / "lists.xlsx")


def header_row(ws) -> int:
    """1, or 2 under a not-produced sheet's banner (SPEC §2)."""
    return 2 if str(ws["A1"].value or "").startswith("NOT PRODUCED") else 1


def widths(ws) -> dict[int, float]:
    """Column (1-based) -> width; openpyxl keeps one dimension for a run of equal columns."""
    out = {}
    for dim in ws.column_dimensions.values():
        if dim.customWidth:
            for col in range(dim.min, dim.max + 1):
                out[col] = dim.width
    return out


def shown(value) -> str:
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)


# ---------------------------------------------------------------- Summary


def test_chart_is_in_the_first_screen_beside_the_first_table(book):
    ws = book["Summary"]
    (chart,) = ws._charts
    start = chart.anchor._from
    assert start.col <= 7 and start.row <= 39  # column ≤ H, row ≤ 40
    assert start.col >= 2  # right of the first table's two columns, not over them


def test_summary_counts_beside_their_labels_and_text_wraps(book):
    ws = book["Summary"]
    rows = {r[0].value: r for r in ws.iter_rows() if r[0].value is not None}
    assert [c.value for c in rows["Sheet"][:4]] == [
        "Sheet", "Rows", "Children", "Children with unknown disability (not listed)"]
    contacts = rows["1a Contacts"]
    assert [c.value for c in contacts[1:4]] == [2, 2, 1]  # C1 and C3 listed; C2 left out, unknown
    assert contacts[1].alignment.horizontal == "left"  # a count sits against its label
    rule = next(c for c in rows["4 Child in need plans"] if isinstance(c.value, str)
                and c.value.startswith("one row per child with a CIN plan"))
    assert rule.alignment.wrap_text and len(rule.value) > SUMMARY_WIDTH
    assert all(w <= SUMMARY_WIDTH + 2 for w in widths(ws).values())  # xlsxwriter adds 0.71
    # A wrapped row is given the height of its lines.
    assert ws.row_dimensions[rule.row].height >= 2 * LINE_HEIGHT


def test_months_cut_by_the_window_are_labelled_as_part_months(book):
    months = [r[0].value for r in book["Summary"].iter_rows() if isinstance(r[0].value, str)
              and r[0].value[:3] in ("Nov", "Dec", "Jan")]
    assert months[0] == "Nov 2025 (from 24th)" and "Dec 2025" in months and months[-1] == "Nov 2026 (to 24th)"


@pytest.mark.parametrize("start,end,labels", [
    ("2026-01-01", "2026-02-28", ["Jan 2026", "Feb 2026"]),
    ("2026-01-11", "2026-02-22", ["Jan 2026 (from 11th)", "Feb 2026 (to 22nd)"]),
    ("2026-03-21", "2026-03-23", ["Mar 2026 (from 21st to 23rd)"]),
])
def test_month_labels_name_the_days_a_window_cuts(start, end, labels):
    from ofsted_lists.pipeline import month_label
    from ofsted_lists.window import Window

    window = Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end), "x")
    months = pd.period_range(start, end, freq="M")
    assert [month_label(m, window) for m in months] == labels


# ---------------------------------------------------------------- list sheets


@pytest.mark.parametrize("name", [*LIST_SHEETS, "Unknown disability", "Data quality"])
def test_every_list_sheet_prints_landscape_one_page_wide_with_headings_and_footer(book, name):
    ws = book[name]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # absent is 1, the OOXML default
    assert ws.page_setup.fitToHeight == 0  # as many pages down as it needs
    assert ws.print_title_rows == f"$1:${header_row(ws)}"  # the banner, if any, and the header
    assert ws.oddFooter.left.text == "&A" and "&P" in ws.oddFooter.right.text


@pytest.mark.parametrize("name", [*LIST_SHEETS, "Unknown disability", "Data quality"])
def test_columns_fit_their_data_and_headings_wrap(book, name):
    ws = book[name]
    width = widths(ws)
    top = header_row(ws)
    headers = [c.value for c in ws[top] if c.value is not None]
    for col, header in enumerate(headers, 1):
        cells = [c for (c,) in ws.iter_rows(min_row=top + 1, min_col=col, max_col=col)]
        data = max((len(shown(c.value)) for c in cells), default=0)
        assert ws.cell(top, col).alignment.wrap_text
        # No wider than its data needs plus padding, or than its wrapped heading.
        assert width[col] <= max(data + 2, header_width(header)) + 1, (name, header)
        assert header_width(header) <= HEADER_WIDTH
        if not any(c.alignment.wrap_text for c in cells):  # a wrapping column may be narrower
            assert width[col] >= min(data, 60), (name, header)
        if any(c.is_date for c in cells):  # a date never runs into the next column
            assert width[col] >= len("dd/mm/yyyy") + 1
            assert {c.alignment.horizontal for c in cells if c.is_date} == {"center"}, (name, header)
    assert ws.row_dimensions[top].height >= LINE_HEIGHT * 2  # the long headings' lines


def test_a_long_team_name_widens_its_column_and_a_long_heading_wraps_instead(book):
    ws = book["4 Child in need plans"]
    headers = [c.value for c in ws[1]]
    width = widths(ws)
    assert TEAM in [c.value for c in ws[get_column_letter(headers.index("Allocated Team") + 1)]]
    assert len(TEAM) <= width[headers.index("Allocated Team") + 1] <= len(TEAM) + 3
    assert width[headers.index("Age of Child (Years)") + 1] < len("Age of Child (Years)")


# ---------------------------------------------------------------- Unknown disability, Data quality


def test_unknown_disability_lists_the_child_with_the_lists_it_would_be_on(book):
    rows = [tuple(c.value for c in r) for r in book["Unknown disability"].iter_rows()]
    assert rows == [
        ("Child Unique ID", "Would be on", "Latest event date"),
        ("C2", "1a Contacts; 4 Child in need plans", dt.datetime(2026, 3, 1)),
    ]
    assert book["Unknown disability"].cell(2, 3).number_format == "dd/mm/yyyy"


def test_data_quality_uses_the_las_headings_and_is_sorted_by_file_sheet_row(book):
    rows = [tuple(c.value for c in r) for r in book["Data quality"].iter_rows()]
    assert rows[0] == ("File", "Sheet", "Row", "Column", "Column (canonical)", "Kind", "Problem", "Child Unique ID")
    keys = [(r[0], r[1] or "", r[2] or 0) for r in rows[1:]]
    assert keys == sorted(keys)
    located = {(r[0], r[2], r[3], r[4]) for r in rows[1:]}
    assert ("contacts.csv", 4, "Contact Date", "contact_date") in located
    assert ("children.csv", 4, "Date of Birth", "dob") in located
    assert ("contacts.csv", 1, "Notes", None) in located  # an unused heading has no canonical name


def test_data_quality_sort_keeps_findings_of_one_row_in_the_order_found():
    table = pd.DataFrame({
        "File": ["b.csv", "a.csv", "a.csv", "a.csv", ""], "Sheet": ["", "S2", "S1", "S1", ""],
        "Row": pd.array([2, 1, 9, 9, None], dtype="Int64"), "Column": ["x", "x", "y", "x", ""],
        "Kind": ["k"] * 5, "Problem": ["p1", "p2", "p3", "p4", "p5"], "Child Unique ID": [None] * 5,
    })
    got = quality.sheet(table, {("a.csv", "S1"): {"x": "Heading X"}})
    assert got["Problem"].tolist() == ["p5", "p3", "p4", "p2", "p1"]
    assert got["Column"].tolist() == ["", "y", "Heading X", "x", "x"]
    assert got["Column (canonical)"].isna().tolist() == [True, True, False, True, True]


# ---------------------------------------------------------------- the sample


def test_sample_details_wrap_tracking_columns_have_room_and_date_tracked_is_a_date(tmp_path):
    ws = _build(_folder(tmp_path), tmp_path / "sample.xlsx", "sample")["Sample"]
    headers = [c.value for c in ws[1]]
    width = widths(ws)
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert ws.max_row >= 2
    details = ws.cell(2, col["Details"])
    assert details.alignment.wrap_text and width[col["Details"]] <= 52
    for name in ("Tracked with", "Findings", "Action required"):
        assert width[col[name]] >= 24
    assert ws.column_dimensions[get_column_letter(col["Date tracked"])].number_format == "dd/mm/yyyy"
    assert width[col["Date tracked"]] >= len("dd/mm/yyyy") + 2


# ---------------------------------------------------------------- how it looks


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) and pdftoppm are not installed")
def test_summary_and_a_list_sheet_render_to_png(tmp_path):
    _build(_folder(tmp_path), tmp_path / "lists.xlsx")
    # A profile of its own: no HOME needed (CI), and no clash with a LibreOffice already open.
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "lists.xlsx")], check=True, capture_output=True, timeout=120)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(tmp_path / "lists.pdf"),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 1000 for p in pages)


def test_a_wide_first_table_puts_the_chart_under_it_and_the_next_table_under_the_chart():
    from ofsted_lists.workbook import Block, Chart, Report, render_xlsx

    wide = pd.DataFrame({f"c{i}": [i] for i in range(9)})
    months = pd.DataFrame({"Month": ["Jan 2026", "Feb 2026"], "Contacts": [1, 2]})
    data = render_xlsx(Report([Block("Wide", wide), Block("Per month", months)], Chart(1, "t"), []))
    ws = openpyxl.load_workbook(io.BytesIO(data))["Summary"]
    (chart,) = ws._charts
    assert (chart.anchor._from.col, chart.anchor._from.row) == (0, 4)  # under the 3 rows of the first table
    month_header = next(c.row for (c,) in ws.iter_rows(max_col=1) if c.value == "Month")
    assert month_header > 4 + 16  # 320 px = 16 rows below the chart's top


def test_data_quality_problems_wrap_so_none_runs_under_the_child_column(book):
    ws = book["Data quality"]
    col = [c.value for c in ws[1]].index("Problem") + 1
    problems = [c for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col) if c.value]
    assert problems and all(c.alignment.wrap_text for c in problems)
    assert widths(ws)[col] <= WRAP_WIDTH + 1  # xlsxwriter adds its 0.71 of padding
