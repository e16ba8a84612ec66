"""`explain`'s disability lines (disability.explain), word for word: each record's reading,
its period and whether it is current at the as-of date, and the verdict, through the CLI.
The same rules as `assess` decide; these pin the words an analyst reads out."""

from __future__ import annotations

import pytest

from conftest import exports
from test_explain import explained

AS_OF = "2026-09-30"


def child(child_id: str, disability: str = "") -> dict:
    return {"child_id": child_id, "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": disability}


def coded(child_id: str, code: str, start: str = "", end: str = "") -> dict:
    return {"child_id": child_id, "disability_code": code, "start_date": start, "end_date": end}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("explain_disability")
    folder = exports(
        root / "in",
        children=[child("D1", "Needs list item Z9"), child("D2"), child("D3"), child("D4"), child("D5"),
                  child("D6", "NONE"), child("D7"), child("D8"), child("D9"),
                  child("D10", "Unknown"), child("D11", "Yes"), child("D12", "LD; HEAR"),
                  child("D13"), child("D14")],
        disabilities=[coded("D2", "LD"), coded("D3", "HEAR", "2026-09-30"), coded("D4", "VIS", "2026-10-01"),
                      coded("D7", "Wobbly", "2026-01-01", "2026-12-31"), coded("D8", "NONE", "2024-01-01"),
                      coded("D9", "HEAR", "2020-01-01", "2021-01-01"), coded("D9", "LD"),
                      coded("D13", "AUT", "2026-09-30", "2026-09-30"), coded("D14", "Needs list item Q4", "2020-01-01")],
        contacts=[{"child_id": "D5", "contact_date": "2026-03-04", "contact_source": "1A", "disability": "COMM"}],
        referrals=[], assessments=[], s47=[], cin_plans=[], cp_plans=[], early_help=[],
    )
    config = root / "ofsted-lists.toml"
    config.write_text('[values.disability]\n"Needs list item Z9" = "MOB"\n"Needs list item Q4" = "HEAR"\n',
                      encoding="utf-8")
    return folder, config


def disability_lines(folder, child_id: str) -> list[str]:
    data, config = folder
    out = explained(data, child_id, "--config", str(config))
    block = out.split("Disability: ", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in block.splitlines()]  # the verdict, then one line per record


@pytest.mark.parametrize("child_id, expected", [
    ("D1", ["disabled at 30/09/2026: current codes MOB",
            "children row 2: disability 'Needs list item Z9' → MOB; current (a children value has no dates)"]),
    ("D2", ["disabled at 30/09/2026: current codes LD",
            "disabilities row 2: 'LD' with no start date, no end date → LD; current at 30/09/2026"]),
    ("D3", ["disabled at 30/09/2026: current codes HEAR",
            "disabilities row 3: 'HEAR' from 30/09/2026, no end date → HEAR; current at 30/09/2026"]),
    ("D4", ["not disabled at 30/09/2026: the child has disability records but no current real code (only NONE, an "
            "explicit no, or codes ended or not yet started)",
            "disabilities row 4: 'VIS' from 01/10/2026, no end date → VIS; starts after 30/09/2026: not current yet"]),
    ("D6", ["not disabled at 30/09/2026: the child has disability records but no current real code (only NONE, an "
            "explicit no, or codes ended or not yet started)",
            "children row 7: disability 'NONE' → NONE (no disability)"]),
])
def test_each_disability_record_is_read_out_with_its_period_and_whether_it_is_current(folder, child_id, expected):
    assert disability_lines(folder, child_id) == expected


def test_a_value_only_on_an_event_record_says_where_it_came_from(folder):
    assert disability_lines(folder, "D5") == [
        "disabled at 30/09/2026: current codes COMM",
        "the disability column of the child's latest event record that has one (children has none): disability "
        "'COMM' → COMM; current (a children value has no dates)"]


def test_an_unmapped_code_is_no_record_and_the_child_is_unknown(folder):
    lines = disability_lines(folder, "D7")
    assert lines[0] == ("unknown disability: no disability record for the child (no disability value in children or "
                        "on its event records, no row in disabilities; 'Unknown', blank and unmapped values are no "
                        "record). It is on no list; the Summary counts it per list")
    assert lines[1:] == ["disabilities row 5: 'Wobbly' from 01/01/2026 to 31/12/2026 maps to no CIN disability code; "
                         "read as no record (map it under [values.disability]); current at 30/09/2026"]


def test_none_in_disabilities_is_no_disability_and_current(folder):
    assert disability_lines(folder, "D8")[1:] == [
        "disabilities row 6: 'NONE' from 01/01/2024, no end date → NONE (no disability); current at 30/09/2026"]


def test_records_are_read_out_undated_first_then_by_start_date(folder):
    assert disability_lines(folder, "D9")[1:] == [
        "disabilities row 8: 'LD' with no start date, no end date → LD; current at 30/09/2026",
        "disabilities row 7: 'HEAR' from 01/01/2020 to 01/01/2021 → HEAR; ended on or before 30/09/2026: not current"]


@pytest.mark.parametrize("child_id, line", [
    ("D10", "children row 11: disability 'Unknown' no record (an unknown or blank value)"),
    ("D11", "children row 12: disability 'Yes' → an explicit yes; current (a children value has no dates)"),
    ("D12", "children row 13: disability 'LD; HEAR' → LD, HEAR; current (a children value has no dates)"),
])
def test_a_children_value_is_read_out_as_no_record_an_explicit_yes_or_its_codes(folder, child_id, line):
    assert disability_lines(folder, child_id)[1:] == [line]


def test_a_code_that_starts_and_ends_on_the_as_of_date_has_ended(folder):
    assert disability_lines(folder, "D13")[1:] == [
        "disabilities row 9: 'AUT' from 30/09/2026 to 30/09/2026 → AUT; ended on or before 30/09/2026: not current"]


def test_a_local_code_in_disabilities_is_read_through_the_configs_mapping(folder):
    assert disability_lines(folder, "D14") == [
        "disabled at 30/09/2026: current codes HEAR",
        "disabilities row 10: 'Needs list item Q4' from 01/01/2020, no end date → HEAR; current at 30/09/2026"]
