"""An Annex A workbook read as it is (SPEC §3.5, readers/annex_a.py): every peer workbook
through the real CLI, its counts checked against the workbook parsed here with openpyxl;
then hand-built edges (List 6's case status, given 12-month counts, disability flags, a
title row, headings under any sheet name)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import result, run_lists, sheet
from ofsted_lists import quality
from ofsted_lists.cli import app

DATA = Path(__file__).parent / "data" / "messy"
PEER = {  # file -> the as-of date its rows are recent at
    "liia-tools/Annex_A.xlsx": "2021-03-31",
    "liia-tools/Annex_A_2024_Jan.xlsx": "2021-03-31",
    "FrontDoorDataCollaboration/example-B-2004.xlsx": "2016-03-31",
    "FrontDoorDataCollaboration/2015-01-sample.xlsx": "2016-03-31",
}
FLAG = "Does the Child have a Disability"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


class Row(dict):
    """A record by its headings, compared case-insensitively ("Date of Referral" in liia's)."""

    def __getitem__(self, heading: str):
        return dict.__getitem__(self, heading.casefold())

    def get(self, heading: str, default=None):
        return dict.get(self, heading.casefold(), default)


def list_rows(path: Path) -> dict[int, list[Row]]:
    """List number -> its records, as openpyxl reads the workbook (cached formula values)."""
    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    out = {}
    for ws in book.worksheets:
        m = re.fullmatch(r"List[ _](\d+)", ws.title)
        if not m:
            continue
        rows = list(ws.iter_rows(values_only=True))
        at = next(i for i, r in enumerate(rows) if r and r[0] in ("Child Unique ID", "Individual adopter identifier"))
        heads = [str(h).strip().casefold() if h is not None else "" for h in rows[at]]
        out[int(m.group(1))] = [Row(zip(heads, r)) for r in rows[at + 1:] if any(v not in (None, "") for v in r)]
    return out


def out_sheet(path: Path, name: str) -> list[dict]:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def as_date(value) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) else None


@pytest.mark.parametrize("name", list(PEER))
def test_each_peer_annex_a_workbook_builds_with_no_config(name, tmp_path):
    src, as_of = DATA / name, PEER[name]
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(src, folder)
    out = tmp_path / "out.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", as_of, "--since", "2000-01-01", "--out", str(out),
                 "--quiet")
    assert res.exit_code == 0, res.output
    lists, end = list_rows(src), dt.datetime.fromisoformat(as_of)
    flags = [(str(r["Child Unique ID"]), r.get(FLAG)) for n in range(4, 11) for r in lists.get(n, [])]
    disabled = {c for c, f in flags if f == "a) Yes"}
    recorded = {c for c, f in flags if f in ("a) Yes", "b) No")}

    def ids(sheet_name: str) -> Counter:
        return Counter(str(r["Child Unique ID"]) for r in out_sheet(out, sheet_name))

    def expected(n: int, date: str) -> Counter:
        return Counter(str(r["Child Unique ID"]) for r in lists[n]
                       if str(r["Child Unique ID"]) in disabled and as_date(r[date]) and as_date(r[date]) <= end)

    assert ids("1a Contacts") == expected(1, "Date of Contact")
    assert ids("2 Strategy and S47") == expected(5, "Strategy discussion initiating Section 47 Enquiry Start Date")
    assert ids("3 Assessments") == expected(4, "Continuous Assessment Start Date")
    cp_open = {str(r["Child Unique ID"]) for r in lists[7] if str(r["Child Unique ID"]) in disabled
               and as_date(r["Child Protection Plan Start Date"]) <= end
               and (r["Child Protection Plan End Date"] is None or r["Child Protection Plan End Date"] > end)}
    assert set(ids("5 Child protection plans")) == cp_open
    # 1b: List 3's referrals, and List 6's episodes whose referral List 3 does not hold.
    three = {(str(r["Child Unique ID"]), as_date(r["Date of referral"])) for r in lists[3]}
    episodes = [r for r in lists[6] if (str(r["Child Unique ID"]), as_date(r["CIN Start Date"])) not in three]
    assert ids("1b Referrals") == expected(3, "Date of referral") + Counter(
        str(r["Child Unique ID"]) for r in episodes if str(r["Child Unique ID"]) in disabled
        and as_date(r["CIN Start Date"]) and as_date(r["CIN Start Date"]) <= end)
    assert set(ids("4 Child in need plans")) == {
        str(r["Child Unique ID"]) for r in lists[6] if str(r["Child Unique ID"]) in disabled
        and r["Case Status"] == "c) Child in need plan" and r["CIN Closure Date"] is None}
    unknown = {r["Child Unique ID"] for r in out_sheet(out, "Unknown disability") if "1a Contacts" in r["Would be on"]}
    assert unknown == {str(r["Child Unique ID"]) for r in lists[1] if str(r["Child Unique ID"]) not in recorded
                       and as_date(r["Date of Contact"])}
    summary = list(openpyxl.load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True))
    assert any(src.name in row and "Annex A workbook" in row for row in summary)


def test_validate_locates_every_code_that_is_not_ofsteds(tmp_path):
    src = DATA / "liia-tools" / "Annex_A.xlsx"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(src, folder)
    res = invoke("validate", "--input", str(folder), "--as-of", "2021-03-31")
    assert res.exit_code == 0, res.output
    assert "not an Annex A code" in res.output and "blank where Annex A needs a value" in res.output
    assert "9212044" not in res.output  # counted, never a child's id
    # Independently: the yes/no and gender cells of Lists 1-7 that are not one of Ofsted's codes.
    lists, want = list_rows(src), set()
    for n, column, codes in ((1, "Gender", {"a) Male", "b) Female", "c) Not stated/recorded", "d) Neither"}),
                             (3, "Referral NFA?", {"a) Yes", "b) No"}),
                             (4, "Child Seen During Continuous Assessment", {"a) Yes", "b) No", "c) Unknown"})):
        want |= {(f"List {n}", i + 2) for i, r in enumerate(lists[n]) if r[column] not in codes}
    found = run_lists(folder, "2021-03-31").findings.table()
    bad = found[found["Kind"] == quality.NOT_A_CODE]
    got = {(s, int(r)) for s, r, c in zip(bad["Sheet"], bad["Row"], bad["Column"])
           if c in ("gender", "referral_nfa", "child_seen") and s in ("List 1", "List 3", "List 4")}
    assert got == want and want


# --- hand-built workbooks ----------------------------------------------------------------

CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LIST_1 = [*CHILD, "Date of Contact", "Contact Source"]
LIST_3 = [*CHILD, "Date of referral", "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months",
          "Allocated Team", "Allocated Worker"]
LIST_4 = [*CHILD, FLAG, "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
          "Continuous Assessment Date of Authorisation",
          "Was the child assessed as requiring LA children's social care support?", "Allocated Team", "Allocated Worker"]
LIST_5 = [*CHILD, FLAG, "Strategy discussion initiating Section 47 Enquiry Start Date",
          "Was an Initial Child Protection Conference deemed unnecessary?", "Date of Initial Child Protection Conference",
          "Did the Initial Child Protection Conference Result in a Child Protection Plan",
          "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months",
          "Allocated Team", "Allocated Worker"]
LIST_6 = [*CHILD, FLAG, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
          "Reason for Closure", "Case Status", "Allocated Team", "Allocated Worker"]
LIST_7 = [*CHILD, FLAG, "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
          "Date of the Last Statutory Visit", "Was the Child Seen Alone?", "Date of latest review conference",
          "Child Protection Plan End Date",
          "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
          "Number of Previous Child Protection Plans", "Allocated Team", "Allocated Worker"]
AS_OF = "2026-03-31"
D = dt.datetime


def workbook(folder: Path, **sheets: list[list]) -> Path:
    """One workbook; each keyword a sheet (`List_6` -> "List 6" unless it has spaces already)."""
    folder.mkdir(exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name.replace("_", " "))
        for row in rows:
            ws.append(row)
    book.save(folder / "annex_a_2026.xlsx")
    return folder


def child(cid: str) -> list:
    return [cid, "a) Male", "a) WBRI", D(2015, 6, 1), 10]


def assessment(cid: str, flag: str = "a) Yes") -> list:
    return [*child(cid), flag, D(2026, 2, 1), "a) Yes", None, None, "Team A", "Worker A"]


def test_list_6_puts_only_an_open_child_in_need_plan_episode_on_the_cin_plans_list(tmp_path):
    rows = [[*child(c), "a) Yes", D(2025, 10, 1), "N2 - Child's disability", D(2026, 3, 1), closed, reason, status,
             "Team A", "Worker A"]
            for c, closed, reason, status in (
                ("CLOSED", D(2026, 2, 1), "RC7 - Services ceased for any other reason, including child no longer "
                 "in need", "e) Closed episode"),
                ("CP", None, None, "b) Child Protection plan"),
                ("CLA", None, None, "a) Looked after child"),
                ("CIN", None, None, "c) Child in need plan"),
                ("CIN_ENDED", D(2026, 1, 15), "RC7 - Services ceased for any other reason", "c) Child in need plan"))]
    run = run_lists(workbook(tmp_path / "in", List_6=[LIST_6, *rows]), AS_OF)
    assert sheet(run, "4")["Child Unique ID"].tolist() == ["CIN"]
    assert sheet(run, "4")["CIN Start Date"].tolist() == [pd.Timestamp("2025-10-01")]
    episodes = run.dataset.tables["referrals"].set_index("child_id")
    assert episodes.loc["CLOSED", "closure_date"] == pd.Timestamp("2026-02-01")
    assert episodes["case_status"].to_dict()["CLA"] == "a) Looked after child"
    visits = run.dataset.tables["visits"]
    assert len(visits) == 5 and visits["child_seen"].all()


def test_given_counts_are_kept_as_they_stand(tmp_path):
    given = [0, 2, 1, 0, 2, 0]
    ids = [f"C{i}" for i in range(6)]
    folder = workbook(
        tmp_path / "in",
        List_3=[LIST_3, *([*child(c), D(2026, 3, 1), "q) 6: Police", "b) No", n, "Team A", "Worker A"]
                          for c, n in zip(ids, given))],
        List_4=[LIST_4, *(assessment(c) for c in ids)],
        List_5=[LIST_5, [*child("C0"), "a) Yes", D(2026, 3, 2), "b) No", None, None, 1, 1, "Team A", "Worker A"]],
        List_7=[LIST_7, [*child("C0"), "a) Yes", D(2026, 3, 5), "a) Neglect", "a) Neglect", None, None, None, None,
                         "b) No", 3, "Team A", "Worker A"]],
    )
    run = run_lists(folder, AS_OF)
    referrals = sheet(run, "1b").set_index("Child Unique ID")["Number of Referrals in Last 12 Months"]
    assert [referrals[c] for c in ids] == given  # derived, each would be 0
    assert result(run, "1b").history == "Number of Referrals in Last 12 Months: taken from the input as given"
    s47 = sheet(run, "2")
    assert s47["Number of Section 47 Enquiries in the last 12 months"].tolist() == [1]
    assert s47["Number of ICPCs in the last 12 months"].tolist() == [1]
    assert sheet(run, "5")["Number of Previous Child Protection Plans"].tolist() == [3]
    assert result(run, "5").history == "Number of Previous Child Protection Plans: taken from the input as given"


@pytest.mark.parametrize("bad", ["-1", "x"])
def test_a_bad_given_count_is_reported_where_it_stands_and_derived(bad, tmp_path):
    folder = workbook(
        tmp_path / "in",
        List_3=[LIST_3, [*child("C1"), D(2026, 1, 5), "q) 6: Police", "b) No", bad, "Team A", "Worker A"],
                [*child("C1"), D(2026, 3, 1), "q) 6: Police", "b) No", None, "Team A", "Worker A"]],
        List_4=[LIST_4, assessment("C1")],
    )
    run = run_lists(folder, AS_OF)
    assert sheet(run, "1b")["Number of Referrals in Last 12 Months"].tolist() == [1, 1]  # derived: one earlier
    found = run.findings.table()
    at = found[found["Kind"] == quality.BAD_COUNT]
    assert at[["Sheet", "Row", "Column"]].values.tolist() == [["List 3", 2, "referrals_12m"]]
    assert result(run, "1b").history == "Number of Referrals in Last 12 Months: derived from the records"
    blank = found[(found["Kind"] == quality.ANNEX_A_BLANK) & (found["Column"] == "referrals_12m")]
    assert blank["Row"].tolist() == [3]  # Annex A allows no blank count


def test_a_yes_on_list_8_alone_makes_the_child_disabled_on_lists_1_to_5(tmp_path):
    list_8 = [*CHILD, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", FLAG,
              "Date Started to be Looked After", "Start Date of Most Recent Placement", "Placement Type",
              "Date of Last Health Assessment"]
    folder = workbook(
        tmp_path / "in",
        List_1=[LIST_1, [*child("C1"), D(2026, 3, 1), "q) 6: Police"], [*child("C2"), D(2026, 3, 1), "q) 6: Police"]],
        List_3=[LIST_3, [*child("C1"), D(2026, 3, 2), "q) 6: Police", "b) No", 0, "Team A", "Worker A"]],
        List_5=[LIST_5, [*child("C1"), "c) Unknown", D(2026, 3, 3), "b) No", None, None, 0, 0, "Team A", "Worker A"],
                [*child("C2"), "b) No", D(2026, 3, 3), "b) No", None, None, 0, 0, "Team A", "Worker A"]],
        List_8=[list_8, [*child("C1"), "b) No", "a) Yes", D(2025, 1, 1), D(2025, 1, 1), "f) U6: Foster placement - not FFA",
                         "last spring"], ["C3", "a) Male", "a) WBRI", "31/02/2015", 11, "b) No", "b) No", D(2025, 1, 1),
                                          D(2025, 2, 1), "f) U6: Foster placement - not FFA", D(2025, 6, 1)]],
    )
    run = run_lists(folder, AS_OF)
    for key in ("1a", "1b", "2"):
        assert sheet(run, key)["Child Unique ID"].tolist() == ["C1"], key
    assert result(run, "1a").unknown_children == 0  # C2's b) No is a record: not disabled, not unknown
    episodes = run.dataset.tables["episodes"]
    assert episodes["place"].tolist() == ["U6", "U6"] and episodes["rne"].fillna("").tolist() == ["S", ""]
    # The List 8 child's birth is a 903 header item and the health check a health_checks
    # record, each typed there (the check's date unparseable: the record left out).
    found = run.findings.table()
    bad = found.loc[(found["Kind"] == quality.UNPARSEABLE_DATE) & (found["Sheet"] == "List 8"), ["Row", "Column"]]
    assert sorted(bad.values.tolist()) == [[2, "check_date"], [3, "dob"]]
    checks = run.dataset.tables["health_checks"]
    assert checks[["child_id", "check_date", "check_type"]].values.tolist() == [["C3", pd.Timestamp("2025-06-01"),
                                                                              "health"]]


def test_list_8_and_9_cells_that_are_other_records_are_read_as_those_records(tmp_path):
    list_8 = [*CHILD, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", FLAG,
              "Date Started to be Looked After", "Date of Latest Statutory Review", "Date of Last Social Work Visit",
              "What is the permanence plan for this child?", "Date of Last IRO Visit / Contact to the Child",
              "Date of Last Health Assessment", "Date of Last Dental Check", "Start Date of Most Recent Placement",
              "Placement Type"]
    list_9 = [*CHILD, "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", FLAG,
              "Allocated Team", "Allocated Worker", "Eligibility Category", "LA in Touch"]
    folder = workbook(
        tmp_path / "in",
        List_4=[LIST_4, assessment("C1")],
        List_8=[list_8, [*child("C1"), "a) Yes", "b) No", D(2025, 1, 1), D(2026, 1, 10), D(2026, 2, 11),
                         "f) Long-term fostering", D(2026, 1, 10), D(2025, 9, 1), D(2025, 10, 2), D(2025, 1, 1),
                         "f) U6: Foster placement - not FFA"],
                [*child("C2"), "b) No", "b) No", D(2025, 1, 1), None, None, None, None, None, None, D(2025, 1, 1),
                 "f) U6: Foster placement - not FFA"]],
        List_9=[list_9, [*child("L1"), "a) Yes", "b) No", "Leaving Care", "PA", "a) Relevant child", "a) Yes"]],
    )
    run = run_lists(folder, AS_OF)
    t = run.dataset.tables
    assert t["reviews"][["child_id", "review"]].values.tolist() == [["C1", pd.Timestamp("2026-01-10")]]
    visits = t["visits"].sort_values("visit_type")
    assert visits[["child_id", "visit_date", "visit_type"]].values.tolist() == [
        ["C1", pd.Timestamp("2026-02-11"), "cla"], ["C1", pd.Timestamp("2026-01-10"), "iro"]]
    checks = t["health_checks"].sort_values("check_type")
    assert checks[["check_date", "check_type", "status"]].values.tolist() == [
        [pd.Timestamp("2025-10-02"), "dental", "completed"], [pd.Timestamp("2025-09-01"), "health", "completed"]]
    assert t["permanence_plans"][["child_id", "plan"]].values.tolist() == [["C1", "f) Long-term fostering"]]
    assert sorted(t["uasc"]["child_id"]) == ["C1", "L1"]  # the a) Yes answers only


def test_title_rows_any_sheet_name_and_heading_variants(tmp_path):
    curly = [h.upper() + "  " for h in LIST_1]  # case and trailing spaces
    curly[4] = "Age"
    list_4 = [h.replace("children's social care support?", "children’s social care support") for h in LIST_4]
    folder = workbook(
        tmp_path / "in",
        **{"Contacts data": [curly, [*child("C1"), D(2026, 3, 1), "Police"]],
           "List_4": [["List 4: Assessments"], list_4, assessment("C1")]},
    )
    run = run_lists(folder, AS_OF)
    contacts = run.dataset.tables["contacts"]
    assert contacts["_sheet"].tolist() == ["Contacts data"] and contacts["_row"].tolist() == [2]
    assessments = run.dataset.tables["assessments"]
    assert assessments["_row"].tolist() == [3]  # under the title row and the header row
    assert assessments["assessment_outcome"].isna().all() and "assessment_outcome" not in run.dataset.absent["assessments"]
    found = run.findings.table()
    assert found.loc[found["Kind"] == quality.NOT_A_CODE, ["Sheet", "Row", "Column"]].values.tolist() == [
        ["Contacts data", 2, "contact_source"]]
    assert sheet(run, "1a")["Child Unique ID"].tolist() == ["C1"]


def test_a_record_in_the_annex_a_and_a_cms_export_is_listed_once(tmp_path):
    folder = workbook(tmp_path / "in", List_1=[LIST_1, [*child("C1"), D(2026, 3, 1), "q) 6: Police"],
                                               [*child("C1"), D(2026, 3, 9), "q) 6: Police"]],
                      List_4=[LIST_4, assessment("C1")])
    (folder / "contacts.csv").write_text("child_id,contact_date,team\nC1,01/03/2026,MASH\n", encoding="utf-8")
    run = run_lists(folder, AS_OF)
    contacts = sheet(run, "1a")
    assert contacts["Date of Contact"].tolist() == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-09")]
    assert run.dataset.tables["contacts"]["team"].tolist().count("MASH") == 1
    assert quality.TWO_SOURCES in run.findings.table()["Kind"].tolist()


def test_a_list_6_episode_is_the_list_3_referral_of_the_same_child_and_date(tmp_path):
    folder = workbook(
        tmp_path / "in",
        List_3=[LIST_3, [*child("C1"), D(2026, 1, 10), "q) 6: Police", "b) No", 0, "Duty", "Worker A"]],
        List_6=[LIST_6, [*child("C1"), "a) Yes", D(2026, 1, 10), "N2 - Child's disability", None, None, None,
                         "c) Child in need plan", "CIN Team", "Worker B"],
                [*child("C1"), "a) Yes", D(2025, 3, 1), "N1 - Abuse or neglect", None, D(2025, 6, 1),
                 "RC7 - Services ceased for any other reason", "e) Closed episode", "CIN Team", "Worker B"]],
    )
    run = run_lists(folder, AS_OF, since="2025-01-01")
    refs = run.dataset.tables["referrals"].sort_values("referral_date")
    assert refs["referral_date"].tolist() == [pd.Timestamp("2025-03-01"), pd.Timestamp("2026-01-10")]
    latest = refs.iloc[-1]
    assert (latest["_sheet"], latest["team"], latest["primary_need"], latest["case_status"]) == (
        "List 3", "Duty", "N2 - Child's disability", "c) Child in need plan")  # List 3's values first
    assert sheet(run, "1b")["Date of referral"].tolist() == [pd.Timestamp("2025-03-01"), pd.Timestamp("2026-01-10")]
    assert sheet(run, "4")["Primary Need Code"].tolist() == ["N2 - Child's disability"]


def test_explain_reads_an_annex_a_with_adopters_and_names_its_list_sheets(tmp_path):
    list_11 = ["Individual adopter identifier", "Family identifier", "Gender", "Ethnicity", "Disability",
               "Is the (prospective) adopter fostering for adoption?", "Date enquiry received", "Date Stage 1 started"]
    folder = workbook(tmp_path / "in", List_4=[LIST_4, assessment("C1")],
                      List_11=[list_11, ["A1", "F1", "a) Male", "a) WBRI", "b) No", "No", D(2026, 1, 5), D(2026, 2, 1)]])
    res = invoke("explain", "C1", "--input", str(folder), "--as-of", AS_OF, "--allow-missing")
    assert res.exit_code == 0, res.output
    assert "assessments:" in res.output and "sheet 'List 4', row 2" in res.output and "A1" not in res.output


def test_a_child_only_on_list_8_has_the_details_the_workbook_gives(tmp_path):
    list_8 = [*CHILD, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", FLAG,
              "Date Started to be Looked After", "Start Date of Most Recent Placement", "Placement Type"]
    folder = workbook(tmp_path / "in", List_4=[LIST_4, assessment("C1")],
                      List_8=[list_8, ["LAC", "b) Female", "m) BAFR", D(2012, 2, 29), 14, "b) No", "b) No",
                                       D(2025, 1, 1), D(2025, 1, 1), "f) U6: Foster placement - not FFA"]])
    run = run_lists(folder, AS_OF)
    ch = run.context.children.loc["LAC"]
    assert ch[["Gender", "Ethnicity"]].tolist() == ["b) Female", "o) BAFR"]
    assert ch["Date of Birth"] == pd.Timestamp("2012-02-29")


def test_the_2019_headings_are_ofsteds_august_2019_template_exactly():
    """Every list's 2019 headings (newer-only columns left out) are the template's own
    cells, character for character: trailing spaces and curly quotes included."""
    from ofsted_lists.readers.annex_a_lists import BY_NUMBER, V2019

    book = openpyxl.load_workbook(DATA / "FrontDoorDataCollaboration" / "2015-01-sample.xlsx", read_only=True)
    for n in range(1, 12):
        rows = list(book[f"List_{n}"].iter_rows(values_only=True, max_row=5))
        header = next(r for r in rows if r and r[0] in ("Child Unique ID", "Individual adopter identifier"))
        ours = [h.heading(V2019) for h in BY_NUMBER[n].headings if not h.newer_only]
        assert [h for h in header if h is not None] == ours, n
