"""Real exports as they come (issue 3): one hand-built messy file per problem, driven through
the reader, the pipeline and the command line; config features end to end; property tests
that random messy content never crashes the read and always points at real rows."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import shutil
import tempfile
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile
from typer.testing import CliRunner

from conftest import TODAY, result, run_lists, sheet, write_csv
from ofsted_lists import config, quality, readers
from ofsted_lists.cli import app
from ofsted_lists.config import Config
from ofsted_lists.errors import InputError
from ofsted_lists.normalise import normalise
from ofsted_lists.quality import Findings
from test_readers import write_xlsx

DATA = Path(__file__).parent / "data" / "messy"
AS_OF = "2026-11-25"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def cfg_of(text: str, where: Path) -> Config:
    return config.parse(tomllib.loads(text), where / "ofsted-lists.toml", text)


def findings_of(run, kind: str) -> list[list[object]]:
    f = run.findings.table()
    rows = f[f["Kind"] == kind]
    return rows[["File", "Sheet", "Row", "Column", "Child Unique ID"]].astype(object).where(
        rows[["File", "Sheet", "Row", "Column", "Child Unique ID"]].notna(), None).values.tolist()


def disabled_children(folder: Path, rows: list[dict] | None = None) -> None:
    write_csv(folder / "children.csv", rows or [
        {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"},
        {"child_id": "C2", "dob": "2012-01-01", "gender": "2", "ethnicity": "WBRI", "disability": "AUT"}])


# --- one file per problem ----------------------------------------------------------------

def test_windows_1252_csv_keeps_pound_and_accents_into_the_lists(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    text = ("Child ID,Continuous Assessment Start Date,Allocated Team,Allocated Worker\r\n"
            "C1,01/03/2026,Équipe Sud (£ budget),Zoë Brontë\r\n")
    (folder / "assessments.csv").write_bytes(text.encode("cp1252"))
    run = run_lists(folder, AS_OF)
    row = sheet(run, "3").iloc[0]
    assert (row["Allocated Team"], row["Allocated Worker"]) == ("Équipe Sud (£ budget)", "Zoë Brontë")


def test_utf8_bom_does_not_hide_the_first_heading(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "children.csv").write_bytes(b"\xef\xbb\xbfChild ID,Disability\r\nC1,LD\r\n")
    (folder / "contacts.csv").write_bytes("\ufeffChild ID,Date of Contact\nC1,02/03/2026\n".encode("utf-8"))
    run = run_lists(folder, AS_OF)
    assert sheet(run, "1a")["Child Unique ID"].tolist() == ["C1"]


def test_workbook_with_title_rows_serial_and_real_dates_reports_excel_rows(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    write_xlsx(folder / "contacts.xlsx", {"Contacts": [
        ["Contacts: all contacts 2025-26"],   # row 1: title
        [],                                   # row 2: blank
        [None, "Printed 25/11/2026"],         # row 3: another title
        [],                                   # row 4
        ["Child ID", "Date of Contact", "Contact Source", "Led to Referral"],  # row 5: header
        ["C1", dt.datetime(2026, 2, 3, 14, 30), "6", "Y"],  # 6: a real datetime cell
        ["C1", 46058, "6", "N"],                             # 7: a serial number (05/02/2026)
        [],                                                  # 8: blank inside the data
        ["C2", "31/02/2026", "6", "N"],                      # 9: unparseable date
        ["C2", dt.date(2026, 2, 6), "6", "maybe"],           # 10: unparseable yes/no
        [0, dt.date(2026, 2, 7), "6", "Y"],                  # 11: not an identifier
    ]})
    run = run_lists(folder, AS_OF)
    contacts = run.dataset.tables["contacts"]
    assert contacts[["child_id", "contact_date", "_row"]].values.tolist() == [
        ["C1", pd.Timestamp("2026-02-03"), 6], ["C1", pd.Timestamp("2026-02-05"), 7],
        ["C2", pd.Timestamp("2026-02-06"), 10]]
    assert findings_of(run, quality.UNPARSEABLE_DATE) == [["contacts.xlsx", "Contacts", 9, "contact_date", "C2"]]
    assert findings_of(run, quality.UNPARSEABLE_YESNO) == [["contacts.xlsx", "Contacts", 10, "led_to_referral", "C2"]]
    assert findings_of(run, quality.NOT_AN_ID) == [["contacts.xlsx", "Contacts", 11, "child_id", "0"]]


def test_contacts_split_over_two_files_are_concatenated(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    (folder / "contacts_2026-01.csv").write_text("Child ID,Date of Contact\nC1,05/01/2026\nC2,06/01/2026\n")
    (folder / "Contacts 2.csv").write_text("Person ID;Contact Date;Contact Source\nC1;05/02/2026;6\n")
    run = run_lists(folder, AS_OF)
    listed = sheet(run, "1a")
    assert sorted(listed["Date of Contact"].astype(str)) == ["2026-01-05", "2026-01-06", "2026-02-05"]
    assert {(f.name, tuple(f.tables), f.rows) for f in run.read.files} >= {
        ("contacts_2026-01.csv", ("contacts",), 2), ("Contacts 2.csv", ("contacts",), 1)}


def test_one_workbook_holding_every_table_as_sheets(tmp_path):
    write_xlsx(tmp_path / "LA export.xlsx", {
        "Persons": [["LAchildID", "PersonBirthDate", "GenderCurrent", "Disabilities"], ["C1", "2015-06-01", 1, "LD"]],
        "Contacts": [["Child ID", "Date of Contact"], ["C1", "01/03/2026"]],
        "Referrals": [["Child ID", "Date of referral"], ["C1", "02/03/2026"]],
        "Section 47": [["Child ID", "Strategy Discussion Date"], ["C1", "03/03/2026"]],
        "Assessments": [["Child ID", "Assessment Start Date"], ["C1", "04/03/2026"]],
        "CIN Plans": [["Child ID", "CIN Plan Start Date"], ["C1", "05/03/2026"]],
        "CP Plans": [["Child ID", "CP Plan Start Date"], ["C1", "06/03/2026"]],
        "Early Help": [["Child ID", "Early Help Start Date"], ["C1", "07/03/2026"]],
        "Pivot": [["Team", "Count"], ["MASH", 3]],
    })
    run = run_lists(tmp_path, AS_OF)
    assert all(r.produced for r in run.lists)
    assert {k: len(sheet(run, k)) for k in ("1a", "1b", "2", "3", "4", "5", "6")} == dict.fromkeys(
        ("1a", "1b", "2", "3", "4", "5", "6"), 1)
    assert run.read.unrecognised == ["LA export.xlsx [Pivot]"]


def test_single_sheet_workbook_named_by_its_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    write_xlsx(folder / "Referrals 2026-03.xlsx", {"Export": [["Child ID", "Referral Date"], ["C1", "01/03/2026"]],
                                                   "Sheet2": []})
    run = run_lists(folder, AS_OF)
    assert sheet(run, "1b")["Child Unique ID"].tolist() == ["C1"]
    assert run.dataset.tables["referrals"]["_sheet"].tolist() == ["Export"]


def test_unrecognised_files_and_sheets_are_data_quality_rows(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    (folder / "contacts.csv").write_text("Child ID,Date of Contact\nC1,01/03/2026\n")
    (folder / "ssd_person_extract.csv").write_text("a,b\n1,2\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    write_xlsx(folder / "extra.xlsx", {"Referrals": [["Child ID", "Referral Date"], ["C1", "01/03/2026"]],
                                       "Lookup": [["Code", "Meaning"]]})
    run = run_lists(folder, AS_OF)
    assert findings_of(run, quality.UNRECOGNISED) == [
        ["extra.xlsx", "Lookup", None, "", None], ["ssd_person_extract.csv", "", None, "", None],
        ["notes.docx", "", None, "", None]]
    assert run.read.unrecognised == ["extra.xlsx [Lookup]", "ssd_person_extract.csv", "notes.docx"]


def test_vendor_persons_csv_with_cin_census_headings_is_children(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "Persons.csv").write_text(
        "LAchildID,UPN,PersonBirthDate,ExpectedPersonBirthDate,GenderCurrent,Ethnicity,Disability,PersonDeathDate\n"
        "C1,A123,2015-06-01,,1,WBRI,\"HAND,HEAR\",\n"
        "C2,,,2027-01-15,0,NOBT,,\n"
        "C3,,2012-02-29,,2,APKN,NONE,\n")
    (folder / "contacts.csv").write_text("Child ID,Date of Contact\nC1,01/03/2026\nC2,02/03/2026\nC3,03/03/2026\n")
    run = run_lists(folder, AS_OF)
    assert run.read.files[0].tables == ["children"]
    ch = run.dataset.children
    assert ch.loc["C1", "dob"] == pd.Timestamp("2015-06-01") and ch.loc["C2", "expected_dob"] == pd.Timestamp("2027-01-15")
    listed = sheet(run, "1a")
    assert listed[["Child Unique ID", "Gender", "Ethnicity", "Disability Codes"]].values.tolist() == [
        ["C1", "a) Male", "a) WBRI", "HAND, HEAR"]]
    unused = {c for _, _, _, c, _ in findings_of(run, quality.UNUSED_COLUMN)}
    assert unused == {"UPN", "PersonDeathDate"}


def test_dates_pivot_month_names_placeholders_and_month_first(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "children.csv", [
        {"child_id": "C1", "dob": "01/06/15"},          # 2015
        {"child_id": "C2", "dob": "01/06/28"},          # 2028 is > 1 year after as-of: 1928
        {"child_id": "C3", "dob": "05-Mar-26"},         # DD-Mon-YY
        {"child_id": "C4", "dob": "1900-01-01"},        # placeholder: blank
        {"child_id": "C5", "dob": "9999-12-31 00:00:00"},
        {"child_id": "C6", "dob": "03/25/2015"},        # month-first: unparseable
        {"child_id": "C7", "dob": "07 Sept 2016"},
        {"child_id": "C8", "dob": "2016-09-07T10:15:00"},
        {"child_id": "C9", "dob": "07-09-2016 10:15"},
        {"child_id": "C10", "dob": "42620"},            # serial number 07/09/2016
    ])
    write_csv(folder / "disabilities.csv", [{"child_id": "C1", "disability_code": "LD"}])
    run = run_lists(folder, AS_OF)
    dob = run.dataset.children["dob"]
    assert dob.loc["C1"] == pd.Timestamp("2015-06-01") and dob.loc["C2"] == pd.Timestamp("1928-06-01")
    assert dob.loc["C3"] == pd.Timestamp("2026-03-05")
    assert dob.loc[["C4", "C5", "C6"]].isna().all()
    assert set(dob.loc[["C7", "C8", "C9", "C10"]]) == {pd.Timestamp("2016-09-07")}
    assert findings_of(run, quality.UNPARSEABLE_DATE) == [["children.csv", "", 7, "dob", "C6"]]


def test_yes_no_spellings(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    answers = ["Y", "yes", "TRUE", "1", "a) Yes", "a)yes", "T", "N", "no", "False", "0", "b) No", "f",
               "Unknown", "c) Unknown", "", "maybe"]
    disabled_children(folder)
    write_csv(folder / "contacts.csv", [
        {"child_id": f"C{i}", "contact_date": "01/03/2026", "led_to_referral": a} for i, a in enumerate(answers)])
    run = run_lists(folder, AS_OF)
    led = run.dataset.tables["contacts"].set_index("child_id")["led_to_referral"]
    assert led.tolist() == [True] * 7 + [False] * 6 + [pd.NA] * 4
    assert findings_of(run, quality.UNPARSEABLE_YESNO) == [["contacts.csv", "", 18, "led_to_referral", "C16"]]


def test_identifiers_float_artefacts_leading_zeros_and_non_ids(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "contacts.csv").write_text(
        "Child ID,Date of Contact\n12345.0,01/03/2026\n007,01/03/2026\n -1 ,01/03/2026\n0,01/03/2026\n"
        ",01/03/2026\n0.0,01/03/2026\n 0042 ,01/03/2026\n-1.0,01/03/2026\n")
    write_xlsx(folder / "children.xlsx", {"Sheet1": [["Child ID", "Disability"], [12345, "LD"], [7.0, "LD"],
                                                     ["007", "LD"], [-1, "LD"]]})
    run = run_lists(folder, AS_OF)
    assert run.dataset.tables["contacts"]["child_id"].tolist() == ["12345", "007", "0042"]
    assert sorted(run.dataset.tables["children"]["child_id"]) == ["007", "12345", "7"]
    rejected = findings_of(run, quality.NOT_AN_ID)
    assert [(r[0], r[2]) for r in rejected] == [("children.xlsx", 5), ("contacts.csv", 4), ("contacts.csv", 5),
                                                ("contacts.csv", 6), ("contacts.csv", 7), ("contacts.csv", 9)]


def test_a_coded_value_that_maps_to_nothing_is_reported_once_per_distinct_value(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    write_csv(folder / "contacts.csv", [
        {"child_id": "C1", "contact_date": "01/03/2026", "contact_source": "Martian"},
        {"child_id": "C2", "contact_date": "02/03/2026", "contact_source": "Martian"},
        {"child_id": "C1", "contact_date": "03/03/2026", "contact_source": "Venusian"},
        {"child_id": "C1", "contact_date": "04/03/2026", "contact_source": "Martian"},
        {"child_id": "C1", "contact_date": "05/03/2026", "contact_source": "Police"},
    ])
    run = run_lists(folder, AS_OF)
    found = findings_of(run, quality.UNMAPPED_CODE)
    assert [r[:4] for r in found] == [["contacts.csv", "", 2, "contact_source"], ["contacts.csv", "", 4, "contact_source"]]
    assert sheet(run, "1a")["Contact Source"].tolist() == ["Martian", "Martian", "Venusian", "Martian", "q) 6: Police"]


def test_every_finding_of_spec_3_3_with_file_sheet_row_column_and_child(tmp_path):
    write_xlsx(tmp_path / "export.xlsx", {
        "Children": [["Children export"], [],
                     ["Child ID", "Date of Birth", "Gender", "Ethnicity", "Disability", "Expected Date of Birth"],
                     ["C1", dt.date(2015, 6, 1), 1, "WBRI", "LD"],                 # row 4
                     ["C2", 42000, "F", "Martian", "LD, NONE"],                   # 5
                     ["C3", None, 0, "NOBT", "AUT", "01/01/2026"],                # 6
                     [-1, "01/01/2010", "M", "WBRI", "LD"]],                      # 7
        "Contacts": [["Child ID", "Date of Contact", "Contact Source", "Led to Referral"],
                     ["C1", "01/02/2026", "6", "Y"],            # 2
                     ["C1", "31/02/2026", "6", "Y"],            # 3 unparseable key date
                     ["C1", "03/25/2026", "6", "Y"],            # 4 month-first
                     ["C2", "02/02/2026", "6", "maybe"],        # 5 yes/no
                     ["C1", "01/02/2026", "6", "Y"],            # 6 duplicate of row 2
                     ["C9", "05/02/2026", "6", "N"],            # 7 not in children
                     ["C1", "01/01/2099", "6", "N"],            # 8 future
                     ["C1", "01/01/2005", "6", "N"],            # 9 before birth
                     ["C2", "03/02/2026", "Martian source", "N"],  # 10 unmapped
                     ["C3", "04/02/2026", "Martian source", "N"]],
        "CP Plans": [["Child ID", "CP Plan Start Date", "CP Plan End Date"],
                     ["C1", "01/03/2026", "01/02/2026"],        # 2 end before start
                     ["C2", "01/01/2026", None],                # 3 overlaps row 4
                     ["C2", "01/03/2026", None]],
        "Referrals": [["Child ID", "Referral Date", "Gender"], ["C1", "01/02/2026", "F"]],  # disagrees
    })
    run = run_lists(tmp_path, AS_OF)
    x = "export.xlsx"
    expected = {
        quality.NOT_AN_ID: [[x, "Children", 7, "child_id", "-1"]],
        quality.UNPARSEABLE_DATE: [[x, "Contacts", 3, "contact_date", "C1"], [x, "Contacts", 4, "contact_date", "C1"]],
        quality.FUTURE_DATE: [[x, "Contacts", 8, "contact_date", "C1"]],
        quality.UNPARSEABLE_YESNO: [[x, "Contacts", 5, "led_to_referral", "C2"]],
        quality.DUPLICATE: [[x, "Contacts", 6, "", "C1"]],
        quality.END_BEFORE_START: [[x, "CP Plans", 2, "cpp_end_date", "C1"]],
        quality.DETAILS_DISAGREE: [[x, "Referrals", 2, "gender", "C1"]],
        quality.CHILD_NOT_IN_CHILDREN: [[x, "Contacts", 7, "child_id", "C9"]],
        quality.BEFORE_BIRTH: [[x, "Contacts", 9, "contact_date", "C1"]],
        quality.EXPECTED_DOB_PASSED: [[x, "Children", 6, "expected_dob", "C3"]],
        quality.NONE_WITH_CODES: [[x, "Children", 5, "disability", "C2"]],
        quality.OVERLAPPING_PLANS: [[x, "CP Plans", 3, "cpp_start_date", "C2"]],
    }
    for kind, rows in expected.items():
        assert findings_of(run, kind) == rows, kind
    unmapped = sorted(findings_of(run, quality.UNMAPPED_CODE))
    # Once per distinct value, at its first row, with that row's child (SPEC §3.3 "where known").
    assert unmapped == [[x, "Children", 5, "ethnicity", "C2"], [x, "Contacts", 10, "contact_source", "C2"]]


def test_a_heading_that_matches_nothing_is_informational(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    (folder / "contacts.csv").write_text("Title\nChild ID,Date of Contact,Case Note Summary\nC1,01/03/2026,x\n")
    res = invoke("validate", "--input", str(folder), "--as-of", AS_OF, "--strict", "--allow-missing")
    assert res.exit_code == 0, res.output
    assert "column not used" in res.output


# --- peer files: real Annex A workbooks ------------------------------------------------

def test_ofsted_template_with_a_title_row_above_the_header(tmp_path):
    # Read with no config (readers/annex_a.py); its guidance sheets are neither read nor reported.
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "FrontDoorDataCollaboration" / "2015-01-sample.xlsx", folder)
    run = run_lists(folder, "2015-12-31", today=dt.date(2016, 1, 1))
    refs = run.dataset.tables["referrals"]
    assert refs["_row"].tolist() == [3, 4, 5, 6, 7]  # title in row 1, header in row 2
    assert refs["referral_date"].eq(pd.Timestamp("2015-03-15")).all()
    assert refs["referral_nfa"].tolist() == [True, False, True, False, False]
    counts = refs["referrals_12m"]  # the workbook's own counts; row 6 leaves its cell blank
    assert counts.astype(object).where(counts.notna(), None).tolist() == [1, 2, 1, None, 1]
    assert not findings_of(run, quality.UNRECOGNISED) and not findings_of(run, quality.UNUSED_COLUMN)
    assert [f.format for f in run.read.files] == ["Annex A workbook"]


# --- config features, end to end -------------------------------------------------------

@pytest.fixture
def local_la(tmp_path):
    """A small LA export in local dialect: its own file names, headings and values."""
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "DIM_PERSON_20261101.csv", [
        {"PERSON_REF": "P1", "BIRTH_DTTM": "2015-06-01", "GENDER": "1", "DISABILITY_DESC": "ASC"}])
    write_csv(folder / "contacts.csv", [
        {"PERSON_REF": "P1", "Contact Date": "01/02/2026", "Source": "XYZ partnership", "Outcome": "Referred to CSC"},
        {"PERSON_REF": "P1", "Contact Date": "01/03/2026", "Source": "Police", "Outcome": ""}])
    write_csv(folder / "referrals.csv", [{"PERSON_REF": "P1", "Referral Date": "06/03/2026"}])
    write_csv(folder / "assessments.csv", [
        {"PERSON_REF": "P1", "Assessment Start Date": "07/03/2026", "Type": "Specialist",
         "Authorisation Date": "20/03/2026", "Outcome": "Closed - no role"},
        {"PERSON_REF": "P1", "Assessment Start Date": "08/03/2026", "Type": "Single",
         "Authorisation Date": "20/03/2026", "Outcome": "Step down to EH"}])
    return folder


LOCAL_CONFIG = """
[tables.children]
files = ["DIM_PERSON*"]
[tables.children.columns]
child_id = "PERSON_REF"
dob = "BIRTH_DTTM"
disability = "DISABILITY_DESC"
[tables.contacts.columns]
child_id = "PERSON_REF"
contact_outcome = "Outcome"
[tables.referrals.columns]
child_id = "PERSON_REF"
[tables.assessments.columns]
child_id = "PERSON_REF"
[values]
core_assessment_types = ["Specialist"]
[values.disability]
"ASC" = "AUT"
[values.contact_outcome]
"Referred to CSC" = "yes"
[values.source]
"XYZ partnership" = "5B"
[values.assessment_outcome]
"Closed - no role" = "other_agency"
[rules]
referral_window_days = 3
"""


def test_without_the_config_the_local_export_is_refused(local_la):
    with pytest.raises(InputError, match="has no column for 'child_id'"):
        run_lists(local_la, AS_OF)


def test_each_config_feature_changes_the_output(local_la, tmp_path):
    run = run_lists(local_la, AS_OF, config=cfg_of(LOCAL_CONFIG, tmp_path))
    assert run.read.unrecognised == [] and run.read.files[0].tables == ["children"]  # file glob
    contacts = sheet(run, "1a")
    assert contacts["Child Unique ID"].tolist() == ["P1", "P1"]  # PERSON_REF; ASC -> AUT makes P1 disabled
    assert contacts["Disability Codes"].tolist() == ["AUT", "AUT"]
    assert contacts["Contact Source"].tolist() == ["o) 5B: LA services", "q) 6: Police"]
    # "Referred to CSC" -> yes; the blank one: referral 5 days later, outside the 3-day window.
    assert contacts["Contact Outcome"].tolist() == ["Referral", "No referral"]
    assessments = sheet(run, "3")
    assert assessments["Assessment Type"].tolist() == ["Single"]  # "Specialist" is core
    assert assessments["Assessment Outcome"].tolist() == ["Other agencies or early help"]
    assert findings_of(run, quality.UNMAPPED_CODE) == []


def test_the_same_export_with_default_window_and_values(local_la, tmp_path):
    text = LOCAL_CONFIG.split("[values]")[0]  # headings and files only
    run = run_lists(local_la, AS_OF, config=cfg_of(text, tmp_path))
    assert sheet(run, "1a").empty  # "ASC" is no CIN code: disability unknown, nobody listed
    assert result(run, "1a").unknown_children == 1
    problems = {r[3] for r in findings_of(run, quality.UNMAPPED_CODE)}
    assert problems == {"disability", "contact_outcome", "contact_source"}
    # Referral window 7 days (default): the blank outcome on 01/03 is derived as a referral (06/03).
    cfg = cfg_of(text + '[values.disability]\n"ASC" = "AUT"\n', tmp_path)
    run = run_lists(local_la, AS_OF, config=cfg)
    assert sheet(run, "1a")["Contact Outcome"].tolist()[1] == "Referral"
    assessments = sheet(run, "3")
    assert assessments["Assessment Type"].tolist() == ["Specialist", "Single"]
    assert assessments["Assessment Outcome"].tolist() == ["No further action", "Other agencies or early help"]


def test_input_and_output_folders_from_the_config(local_la, tmp_path, monkeypatch):
    (tmp_path / "ofsted-lists.toml").write_text('[input]\ndir = "exports"\n[output]\ndir = "lists"\n' + LOCAL_CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    res = invoke("build", "--config", str(tmp_path / "ofsted-lists.toml"), "--as-of", AS_OF, "--allow-missing")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "lists" / f"ofsted-lists_{AS_OF}.xlsx").exists()
    assert list(elsewhere.iterdir()) == []


def test_a_value_mapping_that_names_no_code_exits_2_with_key_and_line(local_la, tmp_path):
    path = tmp_path / "ofsted-lists.toml"
    path.write_text(LOCAL_CONFIG.replace('"Closed - no role" = "other_agency"', '"Closed - no role" = "elsewhere"'))
    res = invoke("validate", "--config", str(path), "--input", str(local_la), "--as-of", AS_OF, "--allow-missing")
    assert res.exit_code == 2 and "Traceback" not in res.output
    line = LOCAL_CONFIG.splitlines().index('"Closed - no role" = "other_agency"') + 1
    assert f"line {line}" in res.output and 'values.assessment_outcome."Closed - no role"' in res.output


# --- the command line: missing tables, validate, user errors ---------------------------

def test_missing_table_names_the_lists_and_allow_missing_marks_them(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    (folder / "contacts.csv").write_text("Child ID,Date of Contact\nC1,01/03/2026\n")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    out = tmp_path / "o.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", AS_OF, "--out", str(out))
    text = " ".join(res.output.split())
    assert res.exit_code == 3 and not out.exists()
    assert "no referrals export (needed by 1b Referrals)" in text and "no s47 export (needed by 2 Strategy and S47)" in text
    assert "no contacts export" not in text
    res = invoke("build", "--input", str(folder), "--as-of", AS_OF, "--out", str(out), "--allow-missing")
    assert res.exit_code == 0, res.output
    values = [v for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) for v in row]
    assert "NOT PRODUCED: no referrals export" in values and "NOT PRODUCED: no early_help export" in values


def test_validate_prints_the_summary_writes_nothing_and_strict_exits_4(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    disabled_children(folder)
    (folder / "contacts.csv").write_text("Child ID,Date of Contact,Led to Referral\nC1,31/02/2026,Y\nC2,01/03/2026,perhaps\n")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    res = invoke("validate", "--input", str(folder), "--as-of", AS_OF, "--allow-missing")
    assert res.exit_code == 0, res.output
    assert "unparseable date" in res.output and "unparseable yes/no" in res.output
    assert "C1" not in res.output and "C2" not in res.output  # no personal data
    assert list(work.iterdir()) == []
    res = invoke("validate", "--input", str(folder), "--as-of", AS_OF, "--allow-missing", "--strict")
    assert res.exit_code == 4


def _encrypted(folder: Path) -> None:
    plain = write_xlsx(folder / "plain.tmp", {"Contacts": [["Child ID", "Date of Contact"], ["C1", "01/03/2026"]]})
    out = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("pw", out)
    plain.unlink()
    (folder / "contacts.xlsx").write_bytes(out.getvalue())


BROKEN = {
    "empty csv": (lambda f: (f / "contacts.csv").write_bytes(b""), "contacts.csv is empty"),
    "binary csv": (lambda f: (f / "contacts.csv").write_bytes(b"\x00\x01\x02PK"), "binary data"),
    "no header": (lambda f: (f / "contacts.csv").write_text("C1,01/03/2026\n"), "found no header row"),
    "missing column": (lambda f: (f / "contacts.csv").write_text("Child ID,Team\nC1,MASH\n"),
                       "no column for 'contact_date'"),
    "s47 without dates": (lambda f: (f / "s47.csv").write_text("Child ID,ICPC Date\nC1,01/03/2026\n"),
                          "needs at least one of the columns strategy_date, s47_start_date"),
    "unterminated quote": (lambda f: (f / "contacts.csv").write_text('Child ID,Date of Contact\nC1,"01/03\n'),
                           "could not be read as CSV"),
    "encrypted workbook": (_encrypted, "password-protected"),
    "corrupt workbook": (lambda f: (f / "contacts.xlsx").write_bytes(b"PK\x03\x04garbage"),
                         "could not be opened as an Excel workbook"),
    "html saved as xls": (lambda f: (f / "contacts.xls").write_text("<html><table></table></html>"), "web page"),
    "empty sheet": (lambda f: write_xlsx(f / "x.xlsx", {"Contacts": [], "Children": [["Child ID"], ["C1"]]}),
                    "sheet 'Contacts' is empty"),
    "nothing to read": (lambda f: (f / "notes.pdf").write_bytes(b"%PDF"), "holds no .csv"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_every_input_problem_is_one_message_and_exit_3(tmp_path, case):
    folder = tmp_path / "in"
    folder.mkdir()
    make, needle = BROKEN[case]
    make(folder)
    for command in ("validate", "build"):
        res = invoke(command, "--input", str(folder), "--as-of", AS_OF, "--allow-missing",
                     *(["--out", str(tmp_path / "o.xlsx")] if command == "build" else []))
        assert res.exit_code == 3, (case, res.output)
        text = " ".join(res.output.split())
        assert needle in text and text.startswith("error:"), (case, text)
        assert "Traceback" not in res.output and "internal error" not in res.output
    assert not (tmp_path / "o.xlsx").exists()


def test_input_folder_is_a_file_or_missing(tmp_path):
    (tmp_path / "contacts.csv").write_text("x")
    for target, needle in ((tmp_path / "contacts.csv", "is a file"), (tmp_path / "nope", "not found")):
        res = invoke("validate", "--input", str(target))
        assert res.exit_code == 3 and needle in res.output and "Traceback" not in res.output


# --- property-based: random messy content never crashes and rows point at real rows ------

HEADINGS = {
    "child_id": ["child_id", "Child ID", "LAchildID", "Person ID", "CHILD UNIQUE ID", "pers_person_id"],
    "contact_date": ["contact_date", "Date of Contact", "CONTACT DATE", "contact-date"],
    "contact_source": ["Contact Source", "Source", "source_of_contact"],
    "led_to_referral": ["Led to Referral", "Referral Made"],
    "gender": ["Gender", "GenderCurrent", "sex"],
    "dob": ["PersonBirthDate", "Date of Birth", "DOB"],
}
TITLES = ["Contacts export", "Run on 01/03/2026", "Report: Front door", "Ofsted Annex A"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@st.composite
def date_texts(draw) -> tuple[str, dt.date]:
    """A date in one of SPEC §3.2's text forms, and the date it must read as. The range
    1930 .. as-of makes every two-digit year unambiguous under the pivot rule (30..99 are
    more than a year after the as-of date as 20YY, so 19YY) and keeps every date past."""
    d = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2026, 11, 25)))
    form = draw(st.sampled_from(["iso", "iso_time", "iso_t", "dmy", "dmy_dash", "dmy_dot", "dmy_time", "dmy2",
                                 "dmony", "dmony2", "serial"]))
    text = {
        "iso": d.isoformat(),
        "iso_time": f"{d.isoformat()} 13:45:00",
        "iso_t": f"{d.isoformat()}T08:00",
        "dmy": f"{d:%d/%m/%Y}",
        "dmy_dash": f"{d:%d-%m-%Y}",
        "dmy_dot": f"{d:%d.%m.%Y}",
        "dmy_time": f"{d:%d/%m/%Y} 23:59",
        "dmy2": f"{d:%d/%m/%y}",
        "dmony": f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
        "dmony2": f"{d.day:02d}-{_MONTHS[d.month - 1].upper()}-{d:%y}",
        "serial": str((d - dt.date(1899, 12, 30)).days),
    }[form]
    return text, d


ID_TEXTS = st.one_of(
    st.from_regex(r"[A-Z]{0,2}[0-9]{1,8}", fullmatch=True),
    st.from_regex(r"0[0-9]{1,6}", fullmatch=True),
    st.integers(1, 10**9).map(lambda n: f"{n}.0"),
    st.sampled_from(["-1", "0", "", "-1.0", "0.0", "000", " ", "NULL"]),
)
YES_NO = st.sampled_from(["Y", "y", "Yes", "YES", "True", "true", "1", "T", "a) Yes", "a)Yes", "N", "no", "False",
                          "0", "F", "b) No", "Unknown", "c) Unknown", "", "maybe", "1.0", "0.0"])
JUNK = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@st.composite
def messy_contacts(draw):
    """Random contacts: random headings and order, title and blank rows, random cells."""
    columns = draw(st.lists(st.sampled_from(list(HEADINGS)[2:]), unique=True))
    columns = ["child_id", "contact_date", *columns]
    columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from(HEADINGS[c])) for c in columns]
    extra = draw(st.lists(st.sampled_from(["Notes", "Age", ""]), max_size=2))
    header += extra
    titles = draw(st.lists(st.sampled_from([[t] for t in TITLES] + [[]]), max_size=4))
    cell = {
        "child_id": ID_TEXTS,
        "contact_date": st.one_of(date_texts().map(lambda t: t[0]), JUNK, st.just("")),
        "dob": st.one_of(date_texts().map(lambda t: t[0]), st.just("03/25/2015"), st.just("")),
        "led_to_referral": YES_NO,
        "gender": st.sampled_from(["1", "2", "M", "Female", "Unborn", "x?", "", "9"]),
        "contact_source": st.one_of(st.sampled_from(["6", "Police", "g) 3A: Health services", "?"]), JUNK),
    }
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()):
            rows.append([])  # a blank line inside the data
            continue
        rows.append([draw(cell[c]) for c in columns] + [draw(JUNK) for _ in extra])
    return columns, titles, header, rows


def _expected_cell(text: str) -> str | None:
    """A CSV cell as the reader returns it: SQL NULL and blank are NA, text is trimmed."""
    if text in readers.NA_TEXT:
        return None
    return text.strip() or None


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=messy_contacts(), enc=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       sep=st.sampled_from([",", ";", "\t", "|"]))
def test_random_messy_csv_reads_without_crashing_and_rows_are_real(data, enc, sep):
    columns, titles, header, rows = data
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows([*titles, header, *rows])
    try:
        raw = buf.getvalue().encode(enc)
    except UnicodeEncodeError:  # text Windows-1252 cannot hold
        raw = buf.getvalue().encode("utf-8")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        (folder / "contacts.csv").write_bytes(raw)
        findings = Findings()
        res = readers.read_folder(folder, Config(), findings)
        frame = res.tables["contacts"]  # normalise lets go of the raw tables
        ds = normalise(res.tables, dt.date(2026, 11, 25), TODAY, Config(), findings)
    # Every data record with a non-blank mapped cell comes back once, at its spreadsheet row.
    first = len(titles) + 2
    want = []
    for i, rec in enumerate(rows):
        cells = [_expected_cell(rec[p]) if p < len(rec) else None for p in range(len(columns))]
        if any(v is not None for v in cells):
            want.append((first + i, *cells[:2]))
    got = [tuple(None if pd.isna(v) else v for v in t)
           for t in frame[["_row", *columns[:2]]].itertuples(index=False)]
    assert got == want
    assert ds.tables["contacts"]["_row"].isin(frame["_row"]).all()
    assert findings.table()["Row"].dropna().between(1, len(titles) + 1 + len(rows)).all()


def _numerically_0_or_minus_1(text: str) -> bool:
    with contextlib.suppress(ValueError):
        return float(text) in (0.0, -1.0)
    return False


_YES = {"y", "yes", "true", "t", "1", "a)yes", "1.0"}
_NO = {"n", "no", "false", "f", "0", "b)no", "0.0"}


@settings(max_examples=60, deadline=None, derandomize=True)
@given(dates=st.lists(date_texts(), min_size=1, max_size=8), ids=st.lists(ID_TEXTS, min_size=8, max_size=8),
       answers=st.lists(YES_NO, min_size=8, max_size=8))
def test_random_dates_ids_and_yes_no_read_as_the_spec_says(dates, ids, answers):
    rows = [{"Child ID": ids[i], "Date of Contact": text, "Led to Referral": answers[i]}
            for i, (text, _) in enumerate(dates)]
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_csv(folder / "contacts.csv", rows)
        findings = Findings()
        res = readers.read_folder(folder, Config(), findings)
        ds = normalise(res.tables, dt.date(2026, 11, 25), TODAY, Config(), findings)
    kept = ds.tables["contacts"].set_index("_row")
    seen = set()
    for i, (text, when) in enumerate(dates):
        raw_id = ids[i].strip()
        row = i + 2
        if raw_id in ("", "NULL") or _numerically_0_or_minus_1(raw_id):
            assert row not in kept.index
            assert row in set(findings.table().query("Kind == @quality.NOT_AN_ID")["Row"])
            continue
        child = raw_id[:-2] if raw_id.endswith(".0") else raw_id
        answer = answers[i].strip().lower().replace(") ", ")")
        expected = True if answer in _YES else False if answer in _NO else None
        if (child, when, expected) in seen:  # same values in every column: kept once
            assert row not in kept.index
            continue
        seen.add((child, when, expected))
        assert kept.loc[row, "child_id"] == child
        assert kept.loc[row, "contact_date"] == pd.Timestamp(when), text
        got = kept.loc[row, "led_to_referral"]
        assert (None if pd.isna(got) else bool(got)) == expected, answers[i]


CELL_VALUES = st.one_of(
    st.none(), st.integers(-5, 10**7), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.booleans(), JUNK,
)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.integers(0, 4), blank_cols=st.integers(0, 2),
       headings=st.permutations(["Child ID", "Date of Contact", "Contact Source", "Gender", "Notes"]),
       cells=st.lists(st.lists(CELL_VALUES, min_size=5, max_size=5), max_size=10))
def test_random_workbooks_read_without_crashing_and_rows_are_excel_rows(titles, blank_cols, headings, cells):
    rows = [["Title"] if i % 2 == 0 else [] for i in range(titles)]
    pad = [None] * blank_cols
    rows += [pad + list(headings)] + [pad + r for r in cells]
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_xlsx(folder / "contacts.xlsx", {"Sheet1": rows})
        findings = Findings()
        res = readers.read_folder(folder, Config(), findings)
        frame = res.tables["contacts"]  # normalise lets go of the raw tables
        normalise(res.tables, dt.date(2026, 11, 25), TODAY, Config(), findings)
        ws = openpyxl.load_workbook(folder / "contacts.xlsx").active
        header_row = titles + 1
        want = [header_row + 1 + i for i, r in enumerate(cells)
                if any(not _blank(v) for v, h in zip(r, headings) if h != "Notes")]
        assert frame["_row"].tolist() == want
        col = blank_cols + headings.index("Child ID") + 1
        for row, child in frame[["_row", "child_id"]].itertuples(index=False):
            value = ws.cell(row, col).value
            if _blank(value):
                assert pd.isna(child)
            elif isinstance(value, str):
                assert child == value.strip()


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=messy_contacts())
def test_random_folders_through_validate_never_give_a_traceback(data):
    columns, titles, header, rows = data
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        with (folder / "contacts.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([*titles, header, *rows])
        (folder / "children.csv").write_text("Child ID,Disability\nC1,LD\n")
        res = runner.invoke(app, ["validate", "--input", str(folder), "--as-of", AS_OF, "--allow-missing"])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
