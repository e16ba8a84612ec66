"""The warnings of SPEC §10.1 through the real CLI: their text (file and consequence), the
exit code with and without --fail-on / fail_on, the one stderr line under --quiet, and the
NOT PRODUCED banner of a list that was not produced (SPEC §2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import exports
from ofsted_lists import alerts
from ofsted_lists.cli import app
from ofsted_lists.lists import SPECS
from ofsted_lists.schema import closest

runner = CliRunner()
SHEET_5 = next(s for s in SPECS if s.needs == ("cp_plans",))


AS_OF = "2026-03-01"


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def tiny(folder: Path, skip: tuple[str, ...] = (), **replace: list[dict]) -> Path:
    """Every table, each with every column and a record of the disabled child C1 dated just
    before AS_OF: a set with no warning at all. `replace` swaps a table's rows; `skip` leaves
    tables out."""
    team = {"team": "Team A", "worker": "Worker 1"}
    tables = {
        "children": [{"child_id": "C1", "dob": "2015-06-01", "expected_dob": "", "gender": "1", "ethnicity": "WBRI",
                      "disability": "LD"}],
        "disabilities": [{"child_id": "C1", "disability_code": "LD", "start_date": "2020-01-01", "end_date": ""}],
        "contacts": [{"contact_id": "K1", "child_id": "C1", "contact_date": "2026-02-20", "contact_source": "2A",
                      "led_to_referral": "Y", "contact_outcome": "Referral", **team}],
        "referrals": [{"referral_id": "R1", "child_id": "C1", "referral_date": "2026-02-21", "referral_source": "2A",
                       "referral_nfa": "N", "primary_need": "N1", "closure_date": "", "closure_reason": "", **team}],
        "assessments": [{"assessment_id": "A1", "child_id": "C1", "assessment_start_date": "2026-02-22",
                         "assessment_type": "Continuous Assessment", "authorisation_date": "2026-02-25",
                         "child_seen": "Y", "assessment_outcome": "csc", **team}],
        "s47": [{"s47_id": "S1", "child_id": "C1", "strategy_date": "2026-02-23", "s47_start_date": "2026-02-23",
                 "icpc_not_required": "N", "icpc_date": "2026-02-26", "icpc_led_to_cpp": "Y", "outcome": "ICPC",
                 **team}],
        "cin_plans": [{"child_id": "C1", "cin_plan_start_date": "2026-02-24", "cin_plan_end_date": "", **team}],
        "cp_plans": [{"child_id": "C1", "cpp_start_date": "2026-02-26", "cpp_end_date": "", "initial_category": "NEG",
                      "latest_category": "NEG", "last_review_date": "2026-02-27", **team}],
        "early_help": [{"child_id": "C1", "eh_start_date": "2026-02-19", "eh_end_date": "", "eh_type": "EHA",
                        "lead_organisation": "School", **team}],
    }
    tables.update(replace)
    return exports(folder, **{t: rows for t, rows in tables.items() if t not in skip})


def build(folder: Path, out: Path, *extra: str, as_of: str = AS_OF):
    return invoke("build", "--input", str(folder), "--as-of", as_of, "--out", str(out), *extra)


def validate(folder: Path, *extra: str, as_of: str = AS_OF):
    return invoke("validate", "--input", str(folder), "--as-of", as_of, *extra)


def flat(text: str) -> str:
    """Terminal text with rich's wrapping and table borders taken out."""
    return " ".join(text.replace("│", " ").split())


def summary_warnings(out: Path) -> list[tuple]:
    """(kind, file, text) rows of the Summary's Warnings block."""
    rows = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    start = rows.index(next(r for r in rows if r[0] == "Warnings")) + 2
    got = []
    for r in rows[start:]:
        if r[0] is None:
            break
        got.append(r[:3])
    return got


@pytest.fixture
def renamed_children(tmp_path):
    """Issue 13: children.csv headed with Liquidlogic's GENDER_MAIN_CODE, ETHNICITY_MAIN_CODE."""
    return tiny(tmp_path / "in", children=[{"child_id": "C1", "dob": "2015-06-01", "GENDER_MAIN_CODE": "1",
                                             "ETHNICITY_MAIN_CODE": "WBRI", "disability": "LD"}])


GENDER = ("children.csv has no gender column: every child's Gender will be c) Not stated/recorded "
          "(closest unused headings: 'GENDER_MAIN_CODE'; map one under [tables.children.columns])")
ETHNICITY = ("children.csv has no ethnicity column: every child's Ethnicity will be s) NOBT "
             "(closest unused headings: 'ETHNICITY_MAIN_CODE'")


def test_a_set_with_every_column_and_recent_records_has_no_warning(tmp_path):
    out = tmp_path / "o.xlsx"
    res = build(tiny(tmp_path / "in"), out, "--fail-on", "all", "--quiet")
    assert res.exit_code == 0 and res.stdout == "" and res.stderr == ""
    assert summary_warnings(out) == [("none", None, None)]


def test_missing_columns_name_the_file_the_consequence_and_the_closest_heading(renamed_children, tmp_path):
    out = tmp_path / "o.xlsx"
    res = build(renamed_children, out)
    assert res.exit_code == 0, res.output
    assert GENDER in flat(res.stdout) and ETHNICITY in flat(res.stdout)
    rows = summary_warnings(out)
    assert [r[:2] for r in rows] == [("missing-column", "children.csv")] * 2
    assert rows[0][2] == GENDER and rows[1][2].startswith(ETHNICITY)
    # What the warning says is what the lists show.
    listed = list(openpyxl.load_workbook(out)["1b Referrals"].iter_rows(min_row=2, values_only=True))
    assert [row[1:3] for row in listed] == [("c) Not stated/recorded", "s) NOBT")]


def test_an_event_table_without_an_optional_column_names_the_list_column_it_leaves_blank(tmp_path):
    plans = [{"child_id": "C1", "cpp_start_date": "2026-02-26", "initial_category": "NEG", "latest_category": "NEG",
              "last_review_date": "2026-02-27", "worker": "Worker 1"}]
    res = validate(tiny(tmp_path / "in", cp_plans=plans))
    assert res.exit_code == 0
    assert ("cp_plans.csv has no cpp_end_date column: on 5 Child protection plans, every plan reads as open, so "
            "children whose plan has ended are listed (add the column to the export, or map its heading under "
            "[tables.cp_plans.columns]) missing-column cp_plans.csv has no team column: on 5 Child protection "
            "plans, Allocated Team will be blank (add the column to the export, or map its heading under "
            "[tables.cp_plans.columns])") in flat(res.stdout)
    assert "2 warnings: missing-column 2" in flat(res.stdout)


def test_quiet_run_with_warnings_prints_one_line_counting_them(renamed_children, tmp_path):
    res = build(renamed_children, tmp_path / "o.xlsx", "--quiet")
    assert res.exit_code == 0
    assert res.stdout == ""
    assert res.stderr.splitlines() == ["2 warnings: missing-column 2; see the Summary sheet"]


def test_fail_on_in_the_config_exits_4_after_writing_with_one_line_and_the_option_wins(renamed_children, tmp_path):
    config = tmp_path / "ofsted-lists.toml"
    config.write_text('fail_on = ["stale", "missing-column"]\n\n[rules]\nreferral_window_days = 7\n')
    out = tmp_path / "o.xlsx"
    res = build(renamed_children, out, "--config", str(config), "--quiet")
    assert res.exit_code == 4
    assert res.stdout == "" and out.exists()
    assert res.stderr.splitlines() == [
        "error: 2 warnings: missing-column 2 (kinds named by --fail-on or fail_on); see the Summary sheet; "
        "the output was written"]
    # --fail-on wins; a kind that did not occur does not fail the run; --quiet counts the warnings.
    res = validate(renamed_children, "--config", str(config), "--quiet", "--fail-on", "stale,unmapped")
    assert res.exit_code == 0 and res.stderr.splitlines() == ["2 warnings: missing-column 2"]


def test_fail_on_kinds_parse_all_and_lists():
    assert alerts.parse_kinds("all") == frozenset(alerts.KINDS)
    assert alerts.parse_kinds(" Stale, unmapped ,") == {"stale", "unmapped"}
    assert alerts.parse_kinds(["not-produced"]) == {"not-produced"}


@pytest.mark.parametrize("given", ["stal", "stale,,bogus", ""])
def test_fail_on_an_unknown_kind_is_a_usage_error_listing_the_kinds(tmp_path, given):
    res = validate(tmp_path / "nowhere", "--fail-on", given)
    assert res.exit_code == 2
    assert "--fail-on" in res.stderr
    assert "missing-column, empty-table, stale, not-produced, unmapped, or all" in flat(res.stderr)


@pytest.mark.parametrize("text,key,line,what", [
    ('fail_on = ["stale", "stal"]\n', "fail_on", 1, "unknown warning kind 'stal'"),
    ('fail_on = 3\n', "fail_on", 1, "must be a string or a list of strings"),
    ('[input]\ndir = "x"\n\n[freshness]\ndays = "14"\n', "freshness.days", 5, "must be a whole number"),
    ('[freshness]\nday = 14\n', "freshness.day", 2, "unknown key; expected one of: days"),
])
def test_bad_fail_on_or_freshness_in_the_config_names_the_key_and_line(tmp_path, text, key, line, what):
    config = tmp_path / "ofsted-lists.toml"
    config.write_text(text)
    res = validate(tmp_path / "nowhere", "--config", str(config))
    assert res.exit_code == 2
    assert f"config ofsted-lists.toml, line {line}: '{key}': {what}" in flat(res.stderr)


def test_stale_export_warns_per_table_and_shows_the_latest_record_date(tmp_path):
    folder = tiny(tmp_path / "in", skip=("referrals", "assessments", "s47", "cin_plans", "early_help"))
    out = tmp_path / "o.xlsx"
    res = build(folder, out, "--allow-missing", as_of="2030-01-01")
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert ("contacts.csv: the latest contacts record is dated 20/02/2026, 1411 days before the as-of date "
            "01/01/2030 (more than 14): the export looks out of date, and 1a Contacts will miss anything "
            "recorded since") in text
    assert "cp_plans.csv: the latest cp_plans record is dated 26/02/2026" in text
    assert [r[0] for r in summary_warnings(out)].count("stale") == 2
    # The Summary's Input files block: the latest record date per event table's file, nothing else.
    rows = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    head = rows.index(next(r for r in rows if r[:5] == ("File", "Format", "Rows", "Tables", "Latest record date")))
    latest = {r[0]: r[4] for r in rows[head + 1:head + 5]}
    assert latest == {"children.csv": None, "contacts.csv": dt.datetime(2026, 2, 20),
                      "cp_plans.csv": dt.datetime(2026, 2, 26), "disabilities.csv": None}
    assert validate(folder, "--allow-missing", "--quiet", "--fail-on", "stale", as_of="2030-01-01").exit_code == 4
    # [freshness] days moves the limit.
    config = tmp_path / "ofsted-lists.toml"
    config.write_text("[freshness]\ndays = 1500\n")
    res = validate(folder, "--allow-missing", "--config", str(config), "--fail-on", "stale", as_of="2030-01-01")
    assert res.exit_code == 0 and "stale" not in flat(res.stdout)


def test_a_list_not_produced_has_a_bold_banner_above_its_header_in_xlsx_and_csv(tmp_path):
    folder = tiny(tmp_path / "in", skip=("cp_plans",))
    out = tmp_path / "o.xlsx"
    res = build(folder, out, "--allow-missing")
    assert res.exit_code == 0, res.output
    assert ("no cp_plans export: sheet 5 Child protection plans is not produced; its first row says NOT PRODUCED"
            in flat(res.stdout))
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_5.sheet]
    assert ws["A1"].value == "NOT PRODUCED: no cp_plans export" and ws["A1"].font.bold
    assert [c.value for c in ws[2]] == SHEET_5.all_columns
    assert ws.max_row == 2 and ws.freeze_panes == "A3"
    assert wb["4 Child in need plans"]["A1"].value == "Child Unique ID"  # a produced list: no banner
    summary = [v for row in wb["Summary"].iter_rows(values_only=True) for v in row]
    assert "NOT PRODUCED: no cp_plans export" in summary
    assert [r[0] for r in summary_warnings(out)] == ["not-produced"]

    res = build(folder, tmp_path / "csv", "--allow-missing", "--format", "csv", "--quiet", "--fail-on", "not-produced")
    assert res.exit_code == 4 and "not-produced 1" in res.stderr
    lines = (tmp_path / "csv" / "06_5_Child_protection_plans.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "NOT PRODUCED: no cp_plans export"
    assert lines[1].split(",") == SHEET_5.all_columns and len(lines) == 2


def test_an_excel_named_text_file_with_a_title_and_no_data_gives_both_warnings(tmp_path):
    folder = tiny(tmp_path / "in", skip=("contacts",))
    (folder / "contacts.xlsx").write_text("Contacts export, run 01/03/2026\ncontact_id,child_id,contact_date\n")
    out = tmp_path / "o.xlsx"
    res = build(folder, out)
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert "contacts.xlsx has an Excel name but is really a text (CSV) file: it was read as text" in text
    assert "contacts.xlsx has no data rows: there are no contacts records, so 1a Contacts will be empty" in text
    assert [r[:2] for r in summary_warnings(out)] == [("empty-table", "contacts.xlsx")] * 2
    res = validate(folder, "--quiet", "--fail-on", "empty-table")
    assert res.exit_code == 4 and res.stderr.startswith("error: 2 warnings: empty-table 2")


def test_most_values_of_a_coded_column_unmapped_warns_without_naming_a_value(tmp_path):
    base = {"child_id": "C1", "referral_nfa": "N", "primary_need": "N1", "team": "T", "worker": "W"}
    local = ["Qx local one", "Qx local two", "2A"]
    refs = [{**base, "referral_date": f"2026-02-{20 + i:02d}", "referral_source": v} for i, v in enumerate(local)]
    out = tmp_path / "o.xlsx"
    res = build(tiny(tmp_path / "in", referrals=refs), out, "--quiet", "--fail-on", "unmapped")
    assert res.exit_code == 4
    assert summary_warnings(out) == [("unmapped", "referrals.csv", (
        "referrals.csv: 2 of the 3 distinct referral_source values map to no code: the lists show them as they "
        "came, not as Annex A codes; map them under [values.source]"))]
    # Half or fewer unmapped: no warning.
    refs[1]["referral_source"] = "5A"
    res = validate(tiny(tmp_path / "in2", referrals=refs), "--quiet", "--fail-on", "unmapped")
    assert res.exit_code == 0 and res.stderr == ""


def test_strict_exit_4_says_why_on_stderr_even_under_quiet(tmp_path):
    children = [{"child_id": "C1", "dob": "2015-06-01", "expected_dob": "", "gender": "1", "ethnicity": "WBRI",
                 "disability": "LD"}, {"child_id": "-1", "dob": "2015-06-01"}]
    res = validate(tiny(tmp_path / "in", children=children), "--strict", "--quiet")
    assert res.exit_code == 4
    assert res.stdout == ""
    assert res.stderr.splitlines() == ["error: 1 data-quality finding and --strict given"]


def test_closest_ranks_containing_headings_first_then_similar_ones():
    headings = ["PERSON_REF", "GENDER_MAIN_CODE", "ETHNICITY_MAIN_CODE", "Gendr"]
    assert closest("gender", headings) == ["GENDER_MAIN_CODE", "Gendr"]
    assert closest("ETHNICITY_MAIN_COD", headings, n=1) == ["ETHNICITY_MAIN_CODE"]
    assert closest("worker", headings) == []


def test_a_workbook_whose_own_name_names_no_table_is_named_only_with_verbose(tmp_path):
    folder = tiny(tmp_path / "in", skip=("contacts",))
    personal = "C0000444 Jane Smith.xlsx"  # read for its sheet's name, not its own
    with pd.ExcelWriter(folder / personal) as xl:
        pd.DataFrame(columns=["child_id", "contact_date"]).to_excel(xl, sheet_name="contacts", index=False)
    res = validate(folder)
    assert res.exit_code == 0, res.output
    assert ("a .xlsx file (--verbose names it), sheet 'contacts' has no data rows: there are no contacts records, "
            "so 1a Contacts will be empty") in flat(res.stdout)
    assert "Jane" not in res.output


def test_sample_prints_the_warnings_of_the_lists_it_draws_from_and_counts_them_under_quiet(renamed_children,
                                                                                           tmp_path):
    res = invoke("sample", "--input", str(renamed_children), "--as-of", AS_OF, "--seed", "7",
                 "--out", str(tmp_path / "s.xlsx"))
    assert res.exit_code == 0, res.output
    assert GENDER in flat(res.stdout)
    res = invoke("sample", "--input", str(renamed_children), "--as-of", AS_OF, "--seed", "7",
                 "--out", str(tmp_path / "s2.xlsx"), "--quiet")
    assert res.exit_code == 0 and res.stdout == ""
    assert res.stderr.splitlines() == ["2 warnings: missing-column 2"]


def test_a_visits_export_without_seen_columns_says_what_sheets_4_and_5_show(tmp_path):
    visits = [{"child_id": "C1", "visit_date": "2026-02-27", "visit_type": "cp", "statutory": "Y"}]
    res = validate(tiny(tmp_path / "in", visits=visits))
    assert res.exit_code == 0
    text = flat(res.stdout)
    assert ("visits.csv has no child_seen column: on 4 Child in need plans, every visit counts as the child seen "
            "for Date Child Was Last Seen") in text
    assert ("visits.csv has no seen_alone column: on 5 Child protection plans, Was the Child Seen Alone? will be "
            "c) Unknown at every visit") in text
    assert "2 warnings: missing-column 2" in text


def test_a_whole_table_a_list_reads_from_is_warned_when_no_file_gives_it(tmp_path):
    """Annex A List 8 reads reviews, visits, health checks, plans, missing episodes and UASC
    from tables of their own: without one, its columns are blank, and a warning says so."""
    import datetime as dt
    import shutil

    from conftest import SAMPLE_DATA, TODAY
    from ofsted_lists.config import Config
    from ofsted_lists.pipeline import build_lists
    from ofsted_lists.profiles import ANNEX_A

    def warnings(folder):
        run = build_lists(folder, Config(), as_of=dt.date(2026, 11, 25), profile=ANNEX_A, today=TODAY)
        return [w.text for w in run.warnings if w.text.startswith("no ") and " export: on " in w.text]

    folder = tmp_path / "in"
    shutil.copytree(SAMPLE_DATA, folder)
    assert warnings(folder) == []
    for path in [folder / "health_checks.csv", *folder.glob("ssda903_*_missing.csv")]:
        path.unlink()
    assert warnings(folder) == [
        "no health_checks export: on List 8, Date of Last Health Assessment and Date of Last Dental Check will be blank",
        "no missing export: on List 8, the missing and absent counts will be 0 and the return interview answers blank"]
