"""Data to Insight's SSD extracts (SPEC §3.5, issue 10): `ssd_*` tables under their own
names, recognised by content, joined into the canonical tables (readers/ssd.py).

The field lists come from the peer SSD schema folder (peer-data/ssd-data-model-next,
MIT: see its LICENSE), parsed here with a regex over its `- name:` lines."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from typer.testing import CliRunner

from conftest import exports, run_lists, sheet, write_csv
from ofsted_lists import quality
from ofsted_lists.cli import app
from ofsted_lists.readers import ssd

SCHEMA = Path(__file__).parent / "data" / "ssd-schema"  # the peer SSD schema, copied with its licence
WIDE = {"COLUMNS": "400"}  # rich would wrap table cells
AS_OF = "2026-03-01"


def schema_tables() -> dict[str, list[str]]:
    """table -> its fields, from each yml: the first `- name:` is the table, the others its fields."""
    out = {}
    for path in sorted(SCHEMA.glob("*.yml")):
        names = re.findall(r"^\s*- name:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
        out[names[0]] = names[1:]
    return out


def cells(text: str) -> list[tuple[str, ...]]:
    return [tuple(c.strip() for c in line.strip().strip("│").split("│"))
            for line in text.splitlines() if line.startswith("│")]


@pytest.fixture
def folder(tmp_path) -> Path:
    """An input folder holding one SSD disability row (a run needs a disability source)."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "ssd_disability.csv", [{"disa_person_id": "P1", "disa_disability_code": "AUT"}])
    return folder


def kinds(run, kind: str):
    found = run.findings.table()
    return found[found["Kind"] == kind]


# ------------------------------------------------------------------ every table and field

def test_every_table_and_field_of_the_peer_ssd_schema_is_recognised_whatever_the_file_is_called(tmp_path):
    """One CSV per schema table, headed by all its fields and named `extract_N.csv` (so only
    its columns can say what it is), read through the real `inspect`: each is read as an SSD
    extract, and each field the reader reads shows the column it fills, never "not used"."""
    tables = schema_tables()
    assert len(tables) == 15 and set(tables) <= set(ssd.SPECS)  # every table in the folder is one the reader reads
    folder = tmp_path / "in"
    folder.mkdir()
    for n, (table, fields) in enumerate(tables.items(), 1):
        for f in ssd.SPECS[table].read:  # the reader's field names are the schema's
            assert f in fields, (table, f)
        write_csv(folder / f"extract_{n}.csv", [{f: "2026-01-05" if "date" in f or "dob" in f else "X1"
                                                 for f in fields}])
    result = CliRunner().invoke(app, ["inspect", "--input", str(folder)], env=WIDE, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    for n, (table, fields) in enumerate(tables.items(), 1):
        name = f"extract_{n}.csv"
        assert f"{name}: read as SSD extract" in out, table
        block = out.split(f"{name}: table ", 1)[1].split("\n", 1)
        assert block[0].startswith(ssd.SPECS[table].feeds or table), (table, block[0])
        rows = dict(r for r in cells(block[1].split("\n\n")[0].split(".csv:")[0]) if len(r) == 2)
        for f in fields:
            assert f in rows, (table, f)
            assert (rows[f] != "not used") == (f in ssd.SPECS[table].read), (table, f, rows[f])


# ------------------------------------------------------------------ the joins, at their edges

def test_an_icpc_joins_its_enquiry_and_child_and_one_with_no_enquiry_is_a_finding(folder):
    """Siblings share one enquiry id (Mosaic's group working): each takes its own ICPC; an
    ICPC of an enquiry in no s47 file is reported at its row, never a crash."""
    write_csv(folder / "ssd_s47_enquiry.csv", [
        {"s47e_s47_enquiry_id": "E1", "s47e_person_id": "P1", "s47e_s47_start_date": "2026-01-05"},
        {"s47e_s47_enquiry_id": "E1", "s47e_person_id": "P2", "s47e_s47_start_date": "2026-01-05"},
        {"s47e_s47_enquiry_id": "E2", "s47e_person_id": "P3", "s47e_s47_start_date": "2026-01-06"},
    ])
    write_csv(folder / "ssd_initial_cp_conference.csv", [
        {"icpc_icpc_id": "I1", "icpc_s47_enquiry_id": "E1", "icpc_person_id": "P1", "icpc_icpc_date": "2026-01-20",
         "icpc_icpc_outcome_cp_flag": "Y"},
        {"icpc_icpc_id": "I2", "icpc_s47_enquiry_id": "E1", "icpc_person_id": "P2", "icpc_icpc_date": "2026-01-21",
         "icpc_icpc_outcome_cp_flag": "N"},
        {"icpc_icpc_id": "I3", "icpc_s47_enquiry_id": "E9", "icpc_person_id": "P1", "icpc_icpc_date": "2026-02-01",
         "icpc_icpc_outcome_cp_flag": "Y"},
    ])
    run = run_lists(folder, AS_OF)
    s47 = run.dataset.tables["s47"].set_index("child_id")
    assert s47.loc["P1", "icpc_date"].date().isoformat() == "2026-01-20" and bool(s47.loc["P1", "icpc_led_to_cpp"])
    assert s47.loc["P2", "icpc_date"].date().isoformat() == "2026-01-21" and not s47.loc["P2", "icpc_led_to_cpp"]
    assert s47["icpc_date"].isna().sum() == 1  # P3's enquiry has no ICPC
    assert (s47["strategy_date"] == s47["s47_start_date"]).all()  # the SSD holds enquiries: one date
    assert not s47.loc["P1", "icpc_not_required"]  # an ICPC held was needed
    found = kinds(run, quality.UNJOINED)
    assert list(zip(found["File"], found["Row"], found["Column"])) == [
        ("ssd_initial_cp_conference.csv", 4, "icpc_s47_enquiry_id")]


def test_a_cp_plan_takes_its_latest_review_on_or_before_the_as_of_date(folder):
    write_csv(folder / "ssd_cp_plans.csv", [
        {"cppl_cp_plan_id": "PL1", "cppl_person_id": "P1", "cppl_cp_plan_start_date": "2025-10-01",
         "cppl_cp_plan_initial_category": "Neglect", "cppl_cp_plan_latest_category": "Multiple",
         "cppl_cp_plan_ola": "N"}])
    write_csv(folder / "ssd_cp_reviews.csv", [
        {"cppr_cp_review_id": r, "cppr_person_id": "P1", "cppr_cp_plan_id": plan, "cppr_cp_review_date": date}
        for r, plan, date in (("R1", "PL1", "10/01/2026"), ("R2", "PL1", "2026-04-10"), ("R3", "PL7", "2026-01-11"))])
    for as_of, latest in (("2026-03-01", "2026-01-10"), ("2026-05-01", "2026-04-10"), ("2025-12-01", None)):
        run = run_lists(folder, as_of)
        plan = run.dataset.tables["cp_plans"].iloc[0]
        assert (None if plan["last_review_date"] is None or str(plan["last_review_date"]) == "NaT"
                else plan["last_review_date"].date().isoformat()) == latest, as_of
    assert plan["initial_category_code"] == "a) Neglect"
    assert plan["latest_category_code"] == "e) Multiple/not recommended"
    assert plan["ola"] is False or not plan["ola"]
    found = kinds(run, quality.UNJOINED)
    found = found[found["File"] != ""]  # (there is no ssd_involvements: said once, at no file)
    assert list(zip(found["File"], found["Row"])) == [("ssd_cp_reviews.csv", 4)]


REFERRAL = {"cine_referral_id": "R1", "cine_person_id": "P1", "cine_referral_date": "2026-01-05",
            "cine_referral_source_code": "6", "cine_referral_team": "T1", "cine_referral_worker_id": "W1"}


def test_worker_ids_name_professionals_and_team_ids_departments_and_an_unknown_id_is_a_finding(folder):
    write_csv(folder / "ssd_cin_episodes.csv", [
        REFERRAL, {**REFERRAL, "cine_referral_id": "R2", "cine_referral_date": "2026-01-20",
                   "cine_referral_team": "Duty Team", "cine_referral_worker_id": "W9"}])
    write_csv(folder / "ssd_professionals.csv", [{"prof_professional_id": "W1", "prof_professional_name": "Worker A"}])
    write_csv(folder / "ssd_department.csv", [{"dept_team_id": "T1", "dept_team_name": "Front Door"}])
    run = run_lists(folder, AS_OF)
    refs = run.dataset.tables["referrals"].set_index("referral_id")
    assert (refs.loc["R1", "team"], refs.loc["R1", "worker"]) == ("Front Door", "Worker A")
    assert refs.loc["R2", "team"] == "Duty Team" and refs.loc["R2"].isna()["worker"]  # a name stays as written
    found = kinds(run, quality.UNJOINED)
    assert list(zip(found["File"], found["Row"], found["Column"])) == [
        ("ssd_cin_episodes.csv", 3, "cine_referral_worker_id")]
    assert "W9" not in found["Problem"].iloc[0]


def test_without_the_side_tables_team_and_worker_stay_blank_and_the_run_says_so_once(folder):
    write_csv(folder / "ssd_cin_episodes.csv", [REFERRAL, {**REFERRAL, "cine_referral_date": "2026-01-20"}])
    write_csv(folder / "ssd_cin_plans.csv", [{"cinp_person_id": "P1", "cinp_cin_plan_start_date": "2026-01-10",
                                              "cinp_cin_plan_worker_id": "W1"}])
    write_csv(folder / "ssd_cp_plans.csv", [{"cppl_person_id": "P1", "cppl_cp_plan_start_date": "2026-02-01"}])
    run = run_lists(folder, AS_OF)
    assert run.dataset.tables["referrals"]["worker"].isna().all()
    assert run.dataset.tables["cp_plans"][["team", "worker"]].isna().all().all()
    found = kinds(run, quality.UNJOINED)
    assert sorted(p.split(":")[0] for p in found["Problem"]) == ["no ssd_involvements extract",
                                                                 "no ssd_professionals extract"]
    assert (found["File"] == "").all()


def test_cp_plans_and_early_help_take_team_and_worker_from_the_overlapping_involvement(folder):
    """The latest-starting involvement of the child overlapping the record, started by the
    as-of date; an involvement ending the day a plan starts is not the plan's."""
    write_csv(folder / "ssd_cp_plans.csv", [{"cppl_person_id": "P1", "cppl_cp_plan_start_date": "2026-01-10"}])
    write_csv(folder / "ssd_early_help_episodes.csv", [
        {"earl_person_id": "P1", "earl_episode_start_date": "2025-06-01", "earl_episode_end_date": "2026-01-10",
         "earl_episode_worker_id": "W3"}])
    write_csv(folder / "ssd_involvements.csv", [
        {"invo_professional_id": "W3", "invo_professional_team": "T3", "invo_person_id": "P1",
         "invo_involvement_start_date": "2025-06-01", "invo_involvement_end_date": "2026-01-10"},
        {"invo_professional_id": "W1", "invo_professional_team": "T1", "invo_person_id": "P1",
         "invo_involvement_start_date": "2026-01-10", "invo_involvement_end_date": ""},
        {"invo_professional_id": "W2", "invo_professional_team": "T1", "invo_person_id": "P1",
         "invo_involvement_start_date": "2026-02-10", "invo_involvement_end_date": ""},
        {"invo_professional_id": "W4", "invo_professional_team": "T1", "invo_person_id": "P1",
         "invo_involvement_start_date": "2026-04-10", "invo_involvement_end_date": ""},  # after the as-of date
        {"invo_professional_id": "W8", "invo_professional_team": "T1", "invo_person_id": "P2",
         "invo_involvement_start_date": "2026-01-01", "invo_involvement_end_date": ""},
    ])
    write_csv(folder / "ssd_professionals.csv", [{"prof_professional_id": w, "prof_professional_name": f"Worker {w}"}
                                                 for w in ("W1", "W2", "W3", "W4")])
    write_csv(folder / "ssd_department.csv", [{"dept_team_id": t, "dept_team_name": f"Team {t}"} for t in ("T1", "T3")])
    run = run_lists(folder, AS_OF)
    plan = run.dataset.tables["cp_plans"].iloc[0]
    assert (plan["team"], plan["worker"]) == ("Team T1", "Worker W2")
    eh = run.dataset.tables["early_help"].iloc[0]
    assert (eh["team"], eh["worker"]) == ("Team T3", "Worker W3")
    found = kinds(run, quality.UNJOINED)  # the involvement naming no professional
    assert list(zip(found["File"], found["Row"], found["Column"])) == [("ssd_involvements.csv", 6,
                                                                        "invo_professional_id")]


def test_a_record_in_an_ssd_extract_and_a_cms_export_is_listed_once_cms_first(folder):
    exports(folder, referrals=[{"child_id": "P1", "referral_date": "05/01/2026",
                                                  "referral_source": "", "team": "CMS team"}])
    write_csv(folder / "ssd_cin_episodes.csv", [
        {**REFERRAL, "cine_referral_team": "SSD team", "cine_referral_nfa": "N"},
        {**REFERRAL, "cine_person_id": "P2"}])
    run = run_lists(folder, AS_OF)
    refs = run.dataset.tables["referrals"].set_index("child_id")
    assert sorted(refs.index) == ["P1", "P2"]
    assert refs.loc["P1", "team"] == "CMS team" and refs.loc["P1", "referral_source"] == "6"
    assert refs.loc["P1", "referral_nfa"] == False  # noqa: E712  (a column only the SSD has)
    found = kinds(run, quality.TWO_SOURCES)
    assert list(found["File"]) == ["ssd_cin_episodes.csv"] and found["Problem"].iloc[0].startswith("1 referrals")


# ------------------------------------------------------------------ recognition and values

def test_an_oddly_named_file_or_sheet_with_ssd_columns_is_read_as_the_ssd(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "export (3).csv", [REFERRAL])
    book = xlsxwriter.Workbook(str(folder / "Book1.xlsx"))
    ws = book.add_worksheet("Sheet1")
    for col, (k, v) in enumerate({"disa_table_id": "1", "disa_person_id": "P1", "disa_disability_code": "AUT"}.items()):
        ws.write_string(0, col, k)
        ws.write_string(1, col, v)
    book.close()
    run = run_lists(folder, AS_OF)
    assert {f.name: f.format for f in run.read.files} == {"Book1.xlsx": "SSD extract", "export (3).csv": "SSD extract"}
    assert list(run.dataset.tables["referrals"]["child_id"]) == ["P1"]
    assert list(run.dataset.tables["disabilities"]["disability_code"]) == ["AUT"]
    assert {f.name: f.tables for f in run.read.files}["export (3).csv"] == ["referrals"]


def test_a_file_named_as_an_ssd_table_without_its_key_fields_is_one_clear_error(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ssd_contacts_2026-03.csv").write_text("cont_person_id,cont_contact_id\nP1,1\n")
    result = CliRunner().invoke(app, ["validate", "--input", str(folder), "--allow-missing"], env=WIDE)
    assert result.exit_code == 3
    assert "ssd_contacts_2026-03.csv: table 'ssd_contacts' has no column for 'cont_contact_date'" in result.output
    assert "Traceback" not in result.output


def test_outcome_json_flags_give_led_to_referral_and_the_assessment_outcome(folder):
    """What the lists need from the JSON (the SSD's own `{ KEY: "Y" }` spelling too); a
    value that is no JSON of flags is reported at its row without quoting it."""
    write_csv(folder / "ssd_contacts.csv", [
        {"cont_person_id": "P1", "cont_contact_date": f"2026-01-0{day}", "cont_contact_outcome_json": outcome}
        for day, outcome in enumerate(('{"NEW_REFERRAL_FLAG": "Y", "NFA_FLAG": "N"}',
                                       '{ NEW_REFERRAL_FLAG: "N", ADVICE_FLAG: "Y" }',
                                       '{"NEW_REFERRAL_FLAG": "", "NFA_FLAG": ""}', "Referred to Jo Bloggs"), 1)])
    assessment = {"cina_person_id": "P1", "cina_assessment_start_date": "2026-01-06"}
    write_csv(folder / "ssd_cin_assessments.csv", [
        {**assessment, "cina_assessment_outcome_json": '[{"STRATEGY_DISCUSSION_FLAG": "Y", "NFA_FLAG": "N"}]'},
        {**assessment,
         "cina_assessment_outcome_json": '{"PROV_OF_SERVICES_FLAG": "Y", "REFERRAL_TO_OTHER_AGENCY_FLAG": "Y"}'},
        {**assessment, "cina_assessment_outcome_json": '{"REFERRAL_TO_OTHER_AGENCY_FLAG": "1"}'},
        {**assessment, "cina_assessment_outcome_json": "", "cina_assessment_outcome_nfa": "Y"},
    ])
    run = run_lists(folder, AS_OF)
    led = run.dataset.tables["contacts"].sort_values("_row")["led_to_referral"]
    assert [None if v is pd.NA else bool(v) for v in led] == [True, False, None, None]
    outcomes = run.dataset.tables["assessments"].sort_values("_row")["assessment_outcome_code"]
    assert list(outcomes) == ["s47", "csc", "other_agency", "nfa"]
    bad = kinds(run, quality.UNMAPPED_CODE)
    assert list(zip(bad["File"], bad["Row"], bad["Column"])) == [("ssd_contacts.csv", 5, "cont_contact_outcome_json")]
    assert "Bloggs" not in bad["Problem"].iloc[0]


def test_person_gender_codes_disability_rows_and_the_child_id_not_the_legacy_id(tmp_path):
    """`pers_gender`'s two-digit codes (else `pers_sex`); undated SSD disability rows are
    current; a child with only NONE is not disabled; `pers_legacy_id` is never the id."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "ssd_person.csv", [
        {"pers_legacy_id": f"L{n}", "pers_person_id": f"P{n}", "pers_sex": sex, "pers_gender": gender,
         "pers_dob": "2016-01-01"}
        for n, sex, gender in ((1, "M", "02"), (2, "M", ""), (3, "", "11"), (4, "F", ""))])
    write_csv(folder / "ssd_disability.csv", [
        {"disa_person_id": p, "disa_disability_code": c}
        for p, c in (("P1", "AUT"), ("P1", "NONE"), ("P2", "LD"), ("P3", "HEAR"), ("P4", "NONE"))])
    write_csv(folder / "ssd_contacts.csv", [{"cont_person_id": p, "cont_contact_date": "2026-01-05"}
                                            for p in ("P1", "P2", "P3", "P4")])
    run = run_lists(folder, AS_OF)
    assert list(run.dataset.tables["children"]["child_id"]) == ["P1", "P2", "P3", "P4"]
    listed = sheet(run, "1a").set_index("Child Unique ID")
    assert list(listed.index) == ["P1", "P2", "P3"]  # P4 has only NONE
    assert list(listed["Gender"]) == ["b) Female", "a) Male", "d) Neither"]
    assert len(kinds(run, quality.NONE_WITH_CODES)) == 1
