"""`ofsted-lists explain CHILD_ID` (SPEC §10.3): why a child is or is not on each list.

Through the real CLI on a small hand-built export set whose children are each on or off a
list for one reason; and the check that keeps explain and build in step: for every child
of the hand-built set and for many of sample_data's, "explain says on list X" exactly
when the child is on sheet X of the built workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, exports, run_lists
from ofsted_lists import explain as explain_mod
from ofsted_lists.cli import app
from ofsted_lists.config import Config
from ofsted_lists.lists import LISTS, SPECS
from ofsted_lists.pipeline import report
from ofsted_lists.workbook import write_xlsx

AS_OF = "2026-09-30"  # window 30/09/2025 to 30/09/2026
WIDE = {"COLUMNS": "400"}
ON = re.compile(r"^  (.+): ON the list$", re.M)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def tables() -> dict[str, list[dict]]:
    return {
        "children": [
            {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"},
            {"child_id": "C2", "dob": "2016-01-01", "gender": "2", "ethnicity": "WBRI", "disability": "NONE"},
            {"child_id": "C3", "dob": "2017-01-01", "gender": "1", "ethnicity": "WBRI", "disability": ""},
            {"child_id": "C4", "dob": "2018-01-01", "gender": "2", "ethnicity": "WBRI", "disability": ""},
            {"child_id": "C5", "dob": "2019-02-02", "gender": "1", "ethnicity": "WBRI", "disability": "AUT"},
            {"child_id": "C6", "dob": "2020-03-03", "gender": "1", "ethnicity": "WBRI", "disability": "Wobbly; HEAR"},
        ],
        "disabilities": [
            {"child_id": "C4", "disability_code": "HEAR", "start_date": "2020-01-01", "end_date": "2025-04-03"},
        ],
        "contacts": [
            {"child_id": "C1", "contact_date": "2026-03-04", "contact_source": "1A"},
            {"child_id": "C1", "contact_date": "2025-03-04", "contact_source": "1A"},
            {"child_id": "C2", "contact_date": "2026-03-04", "contact_source": "1A"},
            {"child_id": "C3", "contact_date": "2026-03-04", "contact_source": "1A"},
            {"child_id": "C5", "contact_date": "2025-03-04", "contact_source": "1A"},
            {"child_id": "C1", "contact_date": "2026-13-45", "contact_source": "1A"},
        ],
        "referrals": [],
        "assessments": [
            {"child_id": "C1", "assessment_start_date": "2026-02-10", "assessment_type": "Core Assessment"},
            {"child_id": "C5", "assessment_start_date": "2026-02-10", "assessment_type": "Continuous Assessment"},
        ],
        "s47": [{"child_id": "C1", "strategy_date": "2026-05-01", "s47_start_date": ""}],
        "cin_plans": [
            {"child_id": "C1", "cin_plan_start_date": "2026-02-03", "cin_plan_end_date": ""},
            {"child_id": "C5", "cin_plan_start_date": "2025-01-01", "cin_plan_end_date": "2025-06-30"},
            {"child_id": "C4", "cin_plan_start_date": "2026-01-01", "cin_plan_end_date": ""},
            {"child_id": "C1", "cin_plan_start_date": "2025-12-01", "cin_plan_end_date": "2027-01-31"},
        ],
        "cp_plans": [{"child_id": "C5", "cpp_start_date": "2026-10-15", "cpp_end_date": ""}],
        "early_help": [],
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return exports(tmp_path_factory.mktemp("explain") / "in", **tables())


def explained(folder: Path, child: str, *extra: str):
    res = invoke("explain", child, "--input", str(folder), "--as-of", AS_OF, *extra)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_a_child_on_lists_is_told_the_rule_that_put_it_there(folder):
    out = explained(folder, "C1")
    assert out.startswith("Child C1: as at 30/09/2026, window 30/09/2025 to 30/09/2026 (12m)")
    assert "As the lists show it: Gender a) Male, Ethnicity a) WBRI, Date of Birth 01/06/2015, Age 11\n" in out
    assert "children: children.csv, row 2: dob 01/06/2015" in out
    assert "Disability: disabled at 30/09/2026: current codes LD" in out
    assert "children row 2: disability 'LD' → LD; current" in out
    assert "  1a Contacts: ON the list\n    contact 04/03/2025 (row 3) is before the window start 30/09/2025\n" \
           "    contact 04/03/2026 (row 2) is in the window 30/09/2025 to 30/09/2026\n" \
           "    on the list: the rule is met and the child is disabled" in out
    assert "  4 Child in need plans: ON the list\n" \
           "    CIN plan from 01/12/2025 (row 5) is open at 30/09/2026, ending 31/01/2027, but a later-starting open " \
           "one is the one listed\n" \
           "    CIN plan from 03/02/2026 (row 2) is open at 30/09/2026; the latest-starting open one, the one listed" in out
    assert "  2 Strategy and S47: ON the list\n    s47 record (row 2): strategy discussion 01/05/2026 is in the " \
           "window 30/09/2025 to 30/09/2026; no s47 enquiry start date" in out
    assert "on the list: the rule is met and the child is disabled" in out
    assert "  1b Referrals: not on the list\n    not on the list: no referral recorded for the child" in out


def test_off_a_list_by_the_window(folder):
    out = explained(folder, "C5")
    assert "  1a Contacts: not on the list\n    contact 04/03/2025 (row 6) is before the window start 30/09/2025\n" \
           "    not on the list: no record of the child meets the rule, one row per contact dated in the window" in out
    assert "CIN plan from 01/01/2025 (row 3) ended 30/06/2025, on or before 30/09/2026: not open" in out
    assert "CP plan from 15/10/2026 (row 2) starts after the as-of date 30/09/2026: not open yet" in out
    assert "  3 Assessments: ON the list\n    assessment started 10/02/2026 (row 3) is in the window and is not " \
           "a core assessment (type 'Continuous Assessment')" in out


def test_off_a_list_by_disability(folder):
    out = explained(folder, "C2")
    assert "Disability: not disabled at 30/09/2026: the child has disability records but no current real code" in out
    assert "children row 3: disability 'NONE' → NONE (no disability)" in out
    assert "  1a Contacts: not on the list\n    contact 04/03/2026 (row 4) is in the window 30/09/2025 to 30/09/2026\n" \
           "    not on the list: the rule is met, but the child is not disabled at the as-of date" in out


def test_an_ended_disability_record_is_not_current(folder):
    out = explained(folder, "C4")
    assert "disabilities row 2: 'HEAR' from 01/01/2020 to 03/04/2025 → HEAR; ended on or before 30/09/2026: " \
           "not current" in out
    assert "  4 Child in need plans: not on the list\n    CIN plan from 01/01/2026 (row 4) is open at 30/09/2026\n" \
           "    not on the list: the rule is met, but the child is not disabled" in out


def test_off_a_list_by_a_core_assessment(folder):
    out = explained(folder, "C1")
    assert "  3 Assessments: not on the list\n    assessment started 10/02/2026 (row 2) is in the window, but is a " \
           "core assessment (type 'Core Assessment'), which this list leaves out\n" \
           "    not on the list: no record of the child meets the rule" in out


def test_unknown_disability_says_why_and_that_the_summary_counts_it(folder):
    out = explained(folder, "C3")
    assert "Disability: unknown disability: no disability record for the child" in out
    assert "  1a Contacts: not on the list\n    contact 04/03/2026 (row 5) is in the window 30/09/2025 to 30/09/2026\n" \
           "    not on the list: the rule is met, but the child is disability unknown (no disability record); " \
           "counted in the Summary's unknown-disability column" in out


def test_a_value_that_maps_to_no_code_is_no_record(folder):
    out = explained(folder, "C6")
    assert "Disability: disabled at 30/09/2026: current codes HEAR" in out
    assert "children row 7: disability 'Wobbly; HEAR' → HEAR (a part of it maps to no CIN disability code and is " \
           "read as no record); current" in out
    assert "children.csv, row 7, disability: value 'Wobbly; HEAR' maps to no CIN disability code" in out


def test_findings_about_the_child_are_listed_with_their_place(folder):
    out = explained(folder, "C1")
    assert "Data-quality findings about the child (2):\n  contacts.csv, row 7, contact_date: unparseable date " \
           "'2026-13-45' — record left out\n  cin_plans.csv, row 5, cin_plan_start_date: another cin plans record " \
           "is open at the as-of date; the latest-starting one is used" in out
    assert "Data-quality findings about the child (0):\n  none" in explained(folder, "C2")


def test_it_names_no_other_child(folder):
    out = explained(folder, "C1")
    assert re.findall(r"\bC\d\b", out) == ["C1"]
    assert not {"2016", "2017", "2018", "2019", "2020"} & set(re.findall(r"\b\d{4}\b", out))  # no other child's dob year


def test_an_unknown_child_is_exit_3_with_one_message(folder):
    res = invoke("explain", "C999", "--input", str(folder), "--as-of", AS_OF)
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr.strip().startswith("error: no record of child 'C999' in the input")
    bad = invoke("explain", "0", "--input", str(folder), "--as-of", AS_OF)
    assert bad.exit_code == 2 and "'0' is not a child identifier" in bad.stderr


def test_the_echoed_identifier_is_escaped(folder):
    res = invoke("explain", "\x1b[2J\u202eC1", "--input", str(folder), "--as-of", AS_OF)
    assert res.exit_code == 3
    assert "\x1b" not in res.output and "\u202e" not in res.output
    assert "'\\x1b[2J\\u202eC1'" in res.stderr


def test_control_characters_in_the_records_are_escaped(tmp_path):
    data = tables()
    data["children"].append({"child_id": "C\u202e7", "dob": "2015-06-01", "disability": "LD"})
    data["assessments"].append({"child_id": "C\u202e7", "assessment_start_date": "2026-02-10",
                                "assessment_type": "Initial\x1b[2J"})
    out = explained(exports(tmp_path / "in", **data), "C\u202e7")
    assert "\x1b" not in out and "\u202e" not in out
    assert out.startswith("Child C\\u202e7: as at")
    assert "(type 'Initial\\x1b[2J')" in out


def test_explain_writes_nothing(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    explained(folder, "C1")
    assert list(tmp_path.iterdir()) == []
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_a_missing_export_is_an_error_or_not_produced(tmp_path):
    data = tables()
    del data["early_help"]
    folder = exports(tmp_path / "in", **data)
    res = invoke("explain", "C1", "--input", str(folder), "--as-of", AS_OF)
    assert res.exit_code == 3 and "no early_help export" in res.stderr
    out = explained(folder, "C1", "--allow-missing")
    assert "  6 Early help: not produced (no early_help export)" in out


def test_a_file_is_named_only_when_its_name_names_a_table_or_verbose(tmp_path):
    data = tables()
    contacts = data.pop("contacts")
    folder = exports(tmp_path / "in", **data)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Contacts"
    ws.append(list(contacts[0]))
    for row in contacts:
        ws.append(list(row.values()))
    wb.save(folder / "C0000444 Jane Smith.xlsx")
    out = explained(folder, "C1")
    assert "contacts: a .xlsx file (--verbose names it), sheet 'Contacts', row 2: contact_date 04/03/2026" in out
    assert "Jane" not in out
    assert "contacts: C0000444 Jane Smith.xlsx, sheet 'Contacts', row 2" in explained(folder, "C1", "--verbose")


# --- explain and build in step ----------------------------------------------------------

def workbook_children(path: Path) -> dict[str, set[str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for spec in SPECS:
        rows = wb[spec.sheet].iter_rows(min_row=2, values_only=True)
        out[spec.sheet] = {str(r[0]) for r in rows if r[0] is not None}
    return out


def test_explain_says_on_list_exactly_when_the_workbook_lists_the_child(folder, tmp_path):
    run = run_lists(folder, AS_OF)
    on_sheets = workbook_children(write_xlsx(report(run), tmp_path / "lists.xlsx"))
    for child in ["C1", "C2", "C3", "C4", "C5", "C6"]:
        said = set(ON.findall("\n".join(explain_mod.explain(run, Config(), child))))
        assert said == {sheet for sheet, ids in on_sheets.items() if child in ids}, child
    assert sum(map(len, on_sheets.values())) == 4  # C1 on 1a, 2 and 4; C5 on 3


def test_on_sample_data_each_lists_explain_agrees_with_its_sheet(tmp_path):
    """Listed children and unlisted ones with a record in the list's table, about ten of
    each per list (a call costs some milliseconds), against the workbook of the same run."""
    run = run_lists(SAMPLE_DATA, SAMPLE_AS_OF)
    on_sheets = workbook_children(write_xlsx(report(run), tmp_path / "lists.xlsx"))
    for module in LISTS:
        listed = sorted(on_sheets[module.SPEC.sheet])
        others = sorted(set(run.dataset.tables[module.SPEC.needs[0]]["child_id"]) - set(listed))
        assert listed and others
        for child in listed[::max(1, len(listed) // 10)] + others[::max(1, len(others) // 10)]:
            assert module.explain(run.context, child).listed == (child in listed), (module.SPEC.sheet, child)


def test_help_documents_the_command_and_its_exit_codes():
    res = invoke("explain", "--help")
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "CHILD_ID" in text and "Exit codes: 0 success" in text and "Example:" in text
    assert "no record in the input is exit code 3" in text
