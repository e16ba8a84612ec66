"""`inspect` and `inspect --write-config` (SPEC §10.2), through the real CLI."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, exports
from ofsted_lists import codes, config as config_mod
from ofsted_lists.cli import app
from ofsted_lists.lists import SPECS

PEER = Path(__file__).parent / "data" / "messy"  # the peer Annex A workbooks, copied with their licences
ANNEX_A = PEER / "liia-tools" / "Annex_A.xlsx"
ANNEX_A_TEMPLATE = PEER / "FrontDoorDataCollaboration" / "example-B-2004.xlsx"
WIDE = {"COLUMNS": "400"}  # rich would wrap table cells


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE, catch_exceptions=False)


def cells(text: str) -> list[tuple[str, ...]]:
    """The rows of the rich tables in `text`, each as its stripped cells."""
    return [tuple(c.strip() for c in line.strip().strip("│").split("│"))
            for line in text.splitlines() if line.startswith("│")]


def trimmed_copy(dest: Path, children: int = 300) -> Path:
    """sample_data/ cut to its first `children` children and their records (fast to build)."""
    dest.mkdir()
    ids = set(pd.read_csv(SAMPLE_DATA / "children.csv", dtype=str)["child_id"].head(children))
    for src in SAMPLE_DATA.glob("*.csv"):
        frame = pd.read_csv(src, dtype=str, keep_default_na=False)
        key = next((c for c in ("child_id", "CHILD") if c in frame), None)  # the 903's, adopters' own
        (frame if key is None else frame[frame[key].isin(ids)]).to_csv(dest / src.name, index=False)
    return dest


def rename_headings(path: Path, **renames: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    lines[0] = ",".join(renames.get(h, h) for h in header) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def list_sheets(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {s.sheet: [[c.value for c in row] for row in book[s.sheet].iter_rows()] for s in SPECS}


# --------------------------------------------------------------------------- the report

def test_sample_data_every_table_recognised_with_each_heading_mapped():
    res = invoke("inspect", "--input", str(SAMPLE_DATA))
    assert res.exit_code == 0, res.output
    out = res.stdout
    for table in ("children", "disabilities", "contacts", "referrals", "assessments", "s47", "cin_plans",
                  "cp_plans", "early_help", "visits", "orders"):
        assert f"{table}.csv: table {table}, header row 1" in out
    assert "Tables read: children, disabilities, contacts, referrals, assessments, s47, cin_plans, cp_plans, " \
           "early_help, visits, orders, care_leavers, health_checks, permanence_plans, adopters, header, episodes, " \
           "uasc, reviews, missing, oc3, ad1, placed_for_adoption." in out
    rows = cells(out)
    assert ("contact_source", "contact_source", "its name") in rows
    assert ("cpp_start_date", "cpp_start_date", "its name") in rows
    # SPEC §3: the values an Annex A gives as they stand (SPEC §3.5) may be columns of any
    # export: sample_data carries none of them.
    found = out.replace("cp_plans.csv: columns of cp_plans not found: epo_6_months\n", "")
    found = found.replace("referrals.csv: columns of referrals not found: referrals_12m, case_status\n", "")
    found = found.replace("s47.csv: columns of s47 not found: s47_12m, icpc_12m\n", "")
    for year in ("2023-24", "2024-25", "2025-26", "2026-27"):
        found = found.replace(f"ssda903_{year}_episodes.csv: columns of episodes not found: period_start, "
                              "second_period, placements_12m\n", "")
    assert "not used" not in out and "not found" not in found and "export:" not in out


def test_renamed_headings_are_shown_as_aliases_not_used_and_missing(tmp_path):
    folder = trimmed_copy(tmp_path / "in", children=20)
    rename_headings(folder / "children.csv", child_id="Person ID", gender="GENDER_MAIN_CODE",
                    ethnicity="ETHNICITY_MAIN_CODE")
    rename_headings(folder / "contacts.csv", contact_date="When")
    (folder / "cp_plans.csv").unlink()
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output  # a missing table and an unreadable one are reported, not fatal
    out, rows = res.stdout, cells(res.stdout)
    assert ("Person ID", "child_id", "alias") in rows
    assert ("GENDER_MAIN_CODE", "not used", "") in rows and ("ETHNICITY_MAIN_CODE", "not used", "") in rows
    assert "children.csv: columns of children not found: gender, ethnicity\n" in out
    assert ("When", "not used", "") in rows
    assert "contacts.csv: columns of contacts not found: contact_date (required)" in out
    assert ("contacts.csv: cannot be read until that is fixed: contacts.csv: table 'contacts' has no column "
            "for 'contact_date'") in out
    assert "referrals.csv: table referrals, header row 1" in out  # the files after it are still read
    assert "no cp_plans export: 5 Child protection plans needs it." in out
    assert "no contacts export: 1a Contacts needs it." in out


def test_a_config_mapping_shows_as_config(tmp_path):
    folder = trimmed_copy(tmp_path / "in", children=10)
    rename_headings(folder / "children.csv", gender="GENDER_MAIN_CODE")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[tables.children.columns]\ngender = "GENDER_MAIN_CODE"\n', encoding="utf-8")
    res = invoke("inspect", "--input", str(folder), "--config", str(cfg))
    assert res.exit_code == 0, res.output
    assert ("GENDER_MAIN_CODE", "gender", "config") in cells(res.stdout)


def test_annex_a_workbooks_say_what_was_recognised_and_what_not(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ANNEX_A, folder / ANNEX_A.name)
    shutil.copy(ANNEX_A_TEMPLATE, folder / ANNEX_A_TEMPLATE.name)
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output
    out = res.stdout
    # Recognised by their content, so named (the Annex A sheet names are fixed words).
    assert "Annex_A.xlsx: read as Annex A workbook" in out
    assert "example-B-2004.xlsx: read as Annex A workbook" in out
    for sheet, table in (("List 1", "contacts"), ("List 6", "referrals"), ("List 6", "cin_plans"),
                         ("List 7", "cp_plans"), ("List 7", "visits"), ("List 9", "care_leavers"),
                         ("List 11", "adopters")):
        assert f"Annex_A.xlsx, sheet '{sheet}': table {table}, " in out
    # The Ofsted template: its guidance sheets are neither read nor reported.
    assert "example-B-2004.xlsx, sheet 'List_1': table contacts, 1 records" in out
    assert "not read, as no table has its name" not in out
    rows = cells(out)
    assert ("Age", "not used") in rows and ("Number of Previous Child Protection Plans", "previous_cp_plans") in rows
    assert ("Child Unique ID", "child_id") in rows
    assert ("assessments", "assessment_outcome", "CS Assessment Updated", "5", "no guess", "") in rows
    assert "export:" not in out  # every table the lists need comes from the workbooks
    verbose = invoke("inspect", "--input", str(folder), "--verbose").stdout
    assert "Annex_A.xlsx, sheet 'List 1': table contacts" in verbose and "'Front_Sheet'" not in verbose


def test_unreadable_and_unrecognised_files_are_reported_and_counted_unless_verbose(tmp_path):
    folder = exports(tmp_path / "in", children=[{"child_id": "C1", "disability": "LD"}])
    (folder / "C0000444 Jane Smith.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "notes about Jane.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output
    assert "Jane" not in res.output
    assert "file 1 (.xlsx): could not be read: a .xlsx file (--verbose names it) could not be opened" in res.stdout
    assert "children.csv: table children, header row 1" in res.stdout
    assert "file 3 (.csv): not read: its name names no table" in res.stdout
    verbose = invoke("inspect", "--input", str(folder), "--verbose").stdout
    assert "C0000444 Jane Smith.xlsx: could not be read: C0000444 Jane Smith.xlsx could not be opened" in verbose
    assert "notes about Jane.csv: not read" in verbose


def test_a_headerless_file_shows_none_of_its_cells(tmp_path):
    folder = exports(tmp_path / "in", children=[{"child_id": "C1", "disability": "LD"}])
    (folder / "contacts.csv").write_text("C0000123,01/02/2026,Police\nC0000124,02/02/2026,School\n", encoding="utf-8")
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output
    assert "contacts.csv: table contacts: could not be read: contacts.csv: found no header row" in res.stdout
    assert "C0000123" not in res.output and "01/02/2026" not in res.output and "Police" not in res.output


def test_unmapped_coded_values_with_their_counts_and_no_guess(tmp_path):
    child = {"child_id": "C1", "dob": "2015-06-01", "gender": "Zorp", "ethnicity": "WBRI", "disability": "Sparkly"}
    contact = {"child_id": "C1", "contact_date": "2026-02-01", "contact_source": "Zzyzx desk",
               "contact_outcome": "Pending review"}
    folder = exports(tmp_path / "in", children=[child],
                     contacts=[contact, contact | {"contact_date": "2026-02-02"},
                               contact | {"contact_source": "Police", "contact_date": "2026-02-03"}])
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output
    rows = cells(res.stdout)
    assert ("children", "gender", "Zorp", "1", "no guess", "") in rows
    assert ("children", "disability", "Sparkly", "1", "no guess", "") in rows
    assert ("contacts", "contact_source", "Zzyzx desk", "2", "no guess", "") in rows
    assert ("contacts", "contact_outcome", "Pending review", "3", "no guess", "") in rows
    assert not any("Police" in r or "WBRI" in r for r in rows)  # values that map are not listed


def test_a_best_guess_is_shown_and_written_as_a_line_that_loads_when_confirmed(tmp_path, monkeypatch):
    def guess(kind, value):
        return codes.Guess("m) 4: Housing", "it names a housing team") if kind == "source" else None

    monkeypatch.setattr(codes, "best_guess", guess)
    contact = {"child_id": "C1", "contact_date": "2026-02-01", "contact_source": "Zzyzx desk"}
    folder = exports(tmp_path / "in", children=[{"child_id": "C1", "disability": "LD"}], contacts=[contact] * 2)
    written = tmp_path / "la.toml"
    res = invoke("inspect", "--input", str(folder), "--write-config", str(written))
    assert res.exit_code == 0, res.output
    assert ("contacts", "contact_source", "Zzyzx desk", "2", "m) 4: Housing", "it names a housing team") in \
        cells(res.stdout)
    text = written.read_text(encoding="utf-8")
    line = '# "Zzyzx desk" = "m) 4: Housing"   # 2 rows in contacts.contact_source; best guess: it names a housing team'
    assert line in text.splitlines()
    confirmed = tmp_path / "confirmed.toml"
    confirmed.write_text(text.replace(line, line[2:]), encoding="utf-8")
    cfg = config_mod.load(confirmed, explicit=True)
    assert cfg.mapping("source") == {"Zzyzx desk": "m) 4: Housing"}


# --------------------------------------------------------------------------- --write-config

def test_written_config_round_trips_to_identical_lists(tmp_path):
    original = trimmed_copy(tmp_path / "original")
    renamed = tmp_path / "renamed"
    shutil.copytree(original, renamed)
    rename_headings(renamed / "children.csv", child_id="Person ID", dob="Date of Birth", gender="Sex",
                    ethnicity="Ethnic Origin", disability="Disability Codes")
    rename_headings(renamed / "contacts.csv", child_id="Child ID", contact_date="Date of Contact",
                    contact_source="Source of Contact")
    rename_headings(renamed / "cp_plans.csv", cpp_start_date="CP Plan Start Date",
                    initial_category="Initial Category of Abuse")
    rename_headings(renamed / "referrals.csv", referral_source="Source", primary_need="Primary Need Code")
    written = tmp_path / "cfg" / "ofsted-lists.toml"
    written.parent.mkdir()
    res = invoke("inspect", "--input", str(renamed), "--write-config", str(written))
    assert res.exit_code == 0, res.output
    assert f"Written: {written}" in res.stdout
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    text = written.read_text(encoding="utf-8")
    assert 'child_id = "Person ID"' in text and 'contact_date = "Date of Contact"' in text  # aliases, explicit
    assert 'referral_source = "Source"' in text and 'dir = "../renamed"' in text
    config_mod.load(written, explicit=True)  # valid as written

    expected, got = tmp_path / "expected.xlsx", tmp_path / "got.xlsx"
    assert invoke("build", "--input", str(original), "--as-of", SAMPLE_AS_OF, "--out", str(expected)).exit_code == 0
    # No --input: the written config names the folder it was made from.
    res = invoke("build", "--config", str(written), "--as-of", SAMPLE_AS_OF, "--out", str(got))
    assert res.exit_code == 0, res.output
    want, have = list_sheets(expected), list_sheets(got)
    assert sum(len(rows) for rows in want.values()) > 7 * 2  # the lists are not empty
    assert have == want


def test_written_config_keeps_the_settings_it_ran_with_and_comments_what_to_confirm(tmp_path):
    folder = trimmed_copy(tmp_path / "in", children=20)
    rename_headings(folder / "children.csv", child_id="Person ID", gender="GENDER_MAIN_CODE",
                    ethnicity="Notes\x1b[2J\u202e")
    old = tmp_path / "old.toml"
    old.write_text('[tables.contacts]\nfiles = ["contacts*"]\n[tables.contacts.columns]\nteam = "TEAM_NAME"\n'
                   '[values]\ncore_assessment_types = ["CA"]\n[values.disability]\n"ASC" = "AUT"\n'
                   '[rules]\nreferral_window_days = 3\n[sample.counts]\nearly_help = 2\n', encoding="utf-8")
    written = tmp_path / "new.toml"
    res = invoke("inspect", "--input", str(folder), "--config", str(old), "--write-config", str(written))
    assert res.exit_code == 0, res.output
    # The old config maps team to a heading no contacts file has: build would stop; inspect says so.
    assert "Config mappings that build would refuse (no file has the heading): config old.toml, line 4: " \
           "'tables.contacts.columns.team': heading 'TEAM_NAME' is in no file of table 'contacts'" in res.stdout
    assert "\x1b" not in res.output and "\u202e" not in res.output and "Notes\\x1b[2J\\u202e" in res.stdout
    text = written.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "# children.csv: headings not used (map one as  column = \"heading\"):" in lines
    assert '#   "GENDER_MAIN_CODE"' in lines and '#   "Notes\\u001b[2J\\u202e"' in lines
    assert "# children.csv: columns not found: gender, ethnicity" in lines
    assert '# gender = "GENDER_MAIN_CODE"   # a guess from the heading: check it' in lines
    assert ('# From the config inspect ran with, naming a heading found in no file: team = "TEAM_NAME"'
            in lines)
    assert 'files = ["contacts*"]' in lines and '"ASC" = "AUT"' in lines
    assert "referral_window_days = 3" in lines and "early_help = 2" in lines
    cfg = config_mod.load(written, explicit=True)
    assert cfg.tables["contacts"].files == ["contacts*"] and cfg.core_assessment_types == ["CA"]
    assert cfg.tables["children"].columns["child_id"] == "Person ID" and cfg.tables["contacts"].columns["team"] == "team"
    assert cfg.referral_window_days == 3 and cfg.sample_counts == {"early_help": 2}


def test_files_of_one_table_with_different_headings_are_each_read_the_same_way_again(tmp_path):
    folder = exports(tmp_path / "in", children=[{"child_id": "C1", "disability": "LD"}])
    (folder / "contacts_2025.csv").write_text("Child ID,Contact Date\nC1,01/02/2025\n", encoding="utf-8")
    (folder / "contacts_2026.csv").write_text("Person ID,Date of Contact\nC1,01/02/2026\n", encoding="utf-8")
    written = tmp_path / "la.toml"
    assert invoke("inspect", "--input", str(folder), "--write-config", str(written)).exit_code == 0
    lines = written.read_text(encoding="utf-8").splitlines()
    assert 'child_id = "Child ID"' in lines and 'contact_date = "Contact Date"' in lines
    assert '# contacts_2026.csv names contact_date "Date of Contact".' in lines
    again = invoke("inspect", "--config", str(written))  # the folder comes from the written config
    assert again.exit_code == 0, again.output
    rows = cells(again.stdout)
    assert ("Contact Date", "contact_date", "config") in rows and ("Date of Contact", "contact_date", "alias") in rows
    assert ("Person ID", "child_id", "alias") in rows and "not used" not in again.stdout


def test_an_existing_file_is_not_replaced_without_force(tmp_path):
    folder = trimmed_copy(tmp_path / "in", children=10)
    dest = tmp_path / "ofsted-lists.toml"
    dest.write_text("# mine\n", encoding="utf-8")
    res = invoke("inspect", "--input", str(folder), "--write-config", str(dest))
    assert res.exit_code == 3
    assert res.stderr.strip() == f"error: {dest} exists: give --force to replace it, or another --write-config FILE"
    assert dest.read_text(encoding="utf-8") == "# mine\n"
    res = invoke("inspect", "--input", str(folder), "--write-config", str(dest), "--force", "--quiet")
    assert res.exit_code == 0 and res.stdout == "" and res.stderr == ""
    assert dest.read_text(encoding="utf-8").startswith("# ofsted-lists.toml written by `ofsted-lists inspect")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


@pytest.mark.parametrize("args,code,message", [
    (["--input", "nowhere"], 3, "error: input folder not found: nowhere"),
    (["--config", "missing.toml"], 2, "error: config file not found: missing.toml"),
])
def test_exit_codes_as_the_other_commands(tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    res = invoke("inspect", *args)
    assert res.exit_code == code
    assert res.stderr.strip().startswith(message)


def test_a_bad_config_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[tables.nosuch]\n", encoding="utf-8")
    res = invoke("inspect", "--input", str(SAMPLE_DATA), "--config", str(bad))
    assert res.exit_code == 2 and "line 1: 'tables.nosuch': unknown key" in res.stderr
