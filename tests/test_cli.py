"""The command line end to end, on the shipped sample_data/ and on small broken inputs."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, exports
from ofsted_lists.cli import app
from ofsted_lists.lists import SPECS

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "lists.xlsx"
    res = invoke("build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--out", str(out))
    assert res.exit_code == 0, res.output
    return out, res


def test_build_writes_every_sheet_in_order_with_annex_a_headers(built):
    out, res = built
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", *(s.sheet for s in SPECS), "Changes", "Unknown disability", "Data quality"]
    for spec in SPECS:
        ws = wb[spec.sheet]
        assert [c.value for c in ws[1]] == spec.all_columns
        assert ws.max_row > 1, f"{spec.sheet} is empty on sample_data"
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb not in (None, "00000000")
    assert str(out) in res.output.replace("\n", "")


def test_cell_types_dates_ids_counts(built):
    out, _ = built
    wb = openpyxl.load_workbook(out)
    ws = wb["1b Referrals"]
    header = [c.value for c in ws[1]]
    row = [c for c in ws[2]]
    by = dict(zip(header, row))
    assert by["Child Unique ID"].data_type == "s"
    assert by["Date of referral"].is_date and by["Date of referral"].number_format.lower() == "dd/mm/yyyy"
    assert by["Number of Referrals in Last 12 Months"].data_type == "n"
    assert by["Age of Child (Years)"].data_type == "n"


def test_no_formula_anywhere_and_mode_0600(built):
    out, _ = built
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode() and "<f " not in z.read(name).decode()


def test_summary_reports_window_counts_files_and_chart(built):
    out, _ = built
    wb = openpyxl.load_workbook(out)
    values = [v for row in wb["Summary"].iter_rows(values_only=True) for v in row if v is not None]
    assert "25/11/2025 to 25/11/2026 (12m)" in values
    assert "contacts.csv" in values
    assert any(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in values)
    assert "Children with unknown disability (not listed)" in values
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_terminal_output_has_no_personal_data(built):
    _, res = built
    children = pd.read_csv(SAMPLE_DATA / "children.csv", dtype=str)
    workers = pd.read_csv(SAMPLE_DATA / "referrals.csv", dtype=str)["worker"].dropna().unique()
    text = res.output
    assert not any(cid in text for cid in children["child_id"])
    assert not any(d in text for d in children["dob"].dropna())
    assert not any(w in text for w in workers)


def test_csv_format(tmp_path):
    res = invoke("build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--format", "csv",
                 "--out", str(tmp_path / "csv"))
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "csv").iterdir() if not p.name.startswith("."))
    assert len(files) == 11 and files[0].startswith("00_Summary") and files[8] == "08_Changes.csv"
    raw = (tmp_path / "csv" / files[1]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert re.search(rb"\d\d/\d\d/\d{4}", raw)


def test_validate_writes_nothing_and_strict_exits_4(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF)
    assert res.exit_code == 0, res.output
    assert "Data-quality findings" in res.output
    assert list(tmp_path.iterdir()) == []
    assert invoke("validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--strict").exit_code == 4


def test_missing_table_is_an_input_error_unless_allowed(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE_DATA, folder)
    (folder / "cp_plans.csv").unlink()
    out = tmp_path / "o.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(out))
    assert res.exit_code == 3
    assert "cp_plans" in res.output and "5 Child protection plans" in res.output
    assert not out.exists()
    res = invoke("build", "--input", str(folder), "--as-of", SAMPLE_AS_OF, "--out", str(out), "--allow-missing")
    assert res.exit_code == 0, res.output
    values = [v for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) for v in row]
    assert "NOT PRODUCED: no cp_plans export" in values
    assert openpyxl.load_workbook(out)["5 Child protection plans"].max_row == 2  # the banner and the header


def test_no_disability_source_is_an_input_error(tmp_path):
    folder = exports(tmp_path / "in", children=[{"child_id": "C1", "dob": "2015-01-01"}],
                     contacts=[{"child_id": "C1", "contact_date": "2026-01-01"}])
    res = invoke("build", "--input", str(folder), "--as-of", "2026-03-01", "--out", str(tmp_path / "o.xlsx"),
                 "--allow-missing")
    assert res.exit_code == 3
    assert "disability" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("args,needle", [
    (["--since", "13x"], "--since"),
    (["--since", "2030-01-01"], "--since"),
    (["--as-of", "12/31/2026"], "--as-of"),
    (["--format", "pdf"], "--format"),
])
def test_usage_errors_exit_2(tmp_path, args, needle):
    res = invoke("build", "--input", str(SAMPLE_DATA), "--out", str(tmp_path / "o.xlsx"), *args)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output


def test_missing_input_folder_exits_3(tmp_path):
    res = invoke("build", "--input", str(tmp_path / "nope"), "--out", str(tmp_path / "o.xlsx"))
    assert res.exit_code == 3 and "not found" in res.output


def test_demo_data_command(tmp_path):
    res = invoke("demo-data", "--out", str(tmp_path / "d"), "--children", "200", "--seed", "3", "--quiet")
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "d").iterdir()} >= {"children.csv", "contacts.csv", "cp_plans.csv"}


def test_console_script_runs(tmp_path):
    """The installed entry point, as a real process (falls back to -m when not installed)."""
    exe = shutil.which("ofsted-lists")
    cmd = [exe] if exe else [sys.executable, "-m", "ofsted_lists.cli"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    proc = subprocess.run([*cmd, "build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF,
                           "--out", str(tmp_path / "x.xlsx"), "--quiet"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("cmd", ["build", "sample", "validate", "demo-data"])
def test_help_documents_exit_codes(cmd):
    res = invoke(cmd, "--help")
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "Exit codes: 0 success" in text and "4 data- quality" in text.replace("data-quality", "data- quality")
    assert "Example:" in text


# --- issue 15: the command line's rough edges -------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """One disabled child with 1,200 contacts in the window, and 1,001 contacts dated 'soon'."""
    good = [{"child_id": "C1", "contact_id": f"K{i}", "contact_date": f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}"}
            for i in range(1200)]
    bad = [{"child_id": "C1", "contact_id": f"B{i}", "contact_date": "soon"} for i in range(1001)]
    return exports(tmp_path_factory.mktemp("tiny") / "in",
                   children=[{"child_id": "C1", "dob": "2015-06-01", "disability": "LD"}], contacts=good + bad)


def tiny_build(tiny: Path, *args: str):
    return invoke("build", "--input", str(tiny), "--allow-missing", *args)


@pytest.mark.parametrize("command", ["build", "sample"])
@pytest.mark.parametrize("name", ["lists.xls", "LISTS.XLSM", "lists.ods"])
def test_out_naming_another_spreadsheet_format_is_a_usage_error(tmp_path, command, name):
    res = invoke(command, "--input", str(SAMPLE_DATA), "--out", str(tmp_path / name))
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"error: --out {name}: ofsted-lists writes Excel workbooks as .xlsx (which every Excel since 2007 opens), "
        f"not {Path(name).suffix}; give a name ending .xlsx, or a folder")
    assert list(tmp_path.iterdir()) == []  # no folder called lists.xls


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, a folder that takes no new files")
@pytest.mark.parametrize("out", ["/proc/ofsted-lists-test.xlsx", "/proc/ofsted-lists-test-folder"])
def test_an_output_folder_that_takes_no_files_says_not_writable(tiny, out):
    res = tiny_build(tiny, "--as-of", "2026-11-25", "--out", out, "--quiet")
    assert res.exit_code == 3
    # as root the folder refuses the file ("no such file"); as anyone else, permission is denied
    assert res.stderr.strip() in (
        "error: cannot write to /proc: the folder is not writable (it refuses new files) — choose another --out",
        "error: cannot write to /proc: the folder is not writable (permission denied) — choose another --out "
        "or fix the folder's permissions")
    assert "does not exist" not in res.output


def test_as_of_day_first_is_the_same_date(tiny, tmp_path):
    res = tiny_build(tiny, "--as-of", "25/11/2026", "--out", str(tmp_path), "--quiet")
    assert res.exit_code == 0, res.output
    summary = openpyxl.load_workbook(tmp_path / "ofsted-lists_2026-11-25.xlsx")["Summary"]
    values = [v for row in summary.iter_rows(values_only=True) for v in row if v is not None]
    assert values[values.index("As-of date") + 1] == pd.Timestamp("2026-11-25").to_pydatetime()


def test_terminal_counts_have_thousands_separators(tiny, tmp_path):
    res = tiny_build(tiny, "--as-of", "2026-11-25", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    contacts = next(line for line in res.stdout.splitlines() if "1a Contacts" in line)
    assert re.search(r"│\s+1,200 │\s+1 │", contacts), contacts
    dates = next(line for line in res.stdout.splitlines() if "unparseable date" in line)
    assert "1,001" in dates


def test_strict_exit_4_says_why_in_one_line_even_when_quiet(tiny, tmp_path):
    res = tiny_build(tiny, "--as-of", "2026-11-25", "--out", str(tmp_path), "--strict", "--quiet")
    assert res.exit_code == 4
    assert res.stdout == ""
    assert res.stderr.strip() == ("error: 1,001 data-quality findings and --strict given; see the Data quality "
                                  "sheet; the output was written")
    assert (tmp_path / "ofsted-lists_2026-11-25.xlsx").exists()


def test_help_says_what_each_command_does():
    def text(*args: str) -> str:
        res = invoke(*args, "--help")
        assert res.exit_code == 0
        return " ".join(res.output.split())

    build = text("build")
    assert "six lists" not in build and "seven list sheets" in build and "Changes since the last run" in build
    assert "writ" not in text("validate").lower()  # it reads, and speaks of no output
    demo = text("demo-data")
    assert "Number of children (at least; see --contacts)" in demo
    assert "More than 6 × --children raises the number of children to contacts ÷ 6" in demo
    assert "six lists" not in (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
