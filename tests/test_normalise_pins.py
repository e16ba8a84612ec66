"""normalise's identifiers and dates at their edges (mutmut survivors of normalise.py),
pinned through the pipeline on tiny exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import TODAY, exports, run_lists, write_csv
from ofsted_lists import quality
from ofsted_lists.config import Config

CHILD = {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}


def of_kind(run, kind: str):
    """The findings of `kind`, as the findings table shows them."""
    table = run.findings.table()
    return table[table["Kind"] == kind]


def found(run, kind: str) -> list[str]:
    return of_kind(run, kind)["Problem"].tolist()


def test_identifiers_are_trimmed_and_a_zero_or_minus_one_child_id_leaves_the_row_out(tmp_path):
    contacts = [{"contact_id": cid, "child_id": child, "contact_date": "2026-03-01", "contact_source": "1A"}
                for cid, child in (("101.0", " C1 "), (" 102 ", "0"), ("103", "-1"))]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], contacts=contacts), "2026-03-31")
    kept = run.dataset.tables["contacts"]
    assert kept["child_id"].tolist() == ["C1"] and kept["contact_id"].tolist() == ["101"]
    assert found(run, quality.NOT_AN_ID) == ["'0' is not a child identifier; row left out",
                                             "'-1' is not a child identifier; row left out"]


def test_a_date_that_is_today_is_not_in_the_future_and_tomorrow_is(tmp_path):
    today, tomorrow = TODAY.isoformat(), (TODAY + dt.timedelta(days=1)).isoformat()
    contacts = [{"child_id": "C1", "contact_date": d, "contact_source": "1A"} for d in (today, tomorrow)]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], contacts=contacts), today, today=TODAY)
    assert run.dataset.tables["contacts"]["contact_date"].dt.date.tolist() == [TODAY]
    assert found(run, quality.FUTURE_DATE) == [
        f"date {TODAY + dt.timedelta(days=1):%d/%m/%Y} is after today — never listed"]


def test_an_unparseable_date_that_keys_no_record_reads_blank_and_says_so(tmp_path):
    assessments = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "authorisation_date": "31/31/2026"}]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], assessments=assessments), "2026-03-31")
    assert run.dataset.tables["assessments"]["authorisation_date"].isna().tolist() == [True]
    assert found(run, quality.UNPARSEABLE_DATE) == ["unparseable date '31/31/2026' — read as blank"]


# --- what each finding says (SPEC §3.3: a finding says what was wrong and what was done) ---

_MESSAGES = {
    "child id blank": (
        {"contacts": [{"child_id": "", "contact_date": "2026-03-01"}]},
        quality.NOT_AN_ID, [("child_id", "'' is not a child identifier; row left out")]),
    "key date unreadable": (
        {"referrals": [{"child_id": "C1", "referral_date": "soon"}]},
        quality.UNPARSEABLE_DATE, [("referral_date", "unparseable date 'soon' — record left out")]),
    "other date unreadable": (
        {"referrals": [{"child_id": "C1", "referral_date": "2026-03-01", "closure_date": "later"}]},
        quality.UNPARSEABLE_DATE, [("closure_date", "unparseable date 'later' — read as blank")]),
    "other date in the future": (
        {"assessments": [{"child_id": "C1", "assessment_start_date": "2026-03-01",
                          "authorisation_date": "2026-12-24"}]},
        quality.FUTURE_DATE, [("authorisation_date", "date 24/12/2026 is after today — read as blank")]),
    "no key date": (
        {"s47": [{"child_id": "C1", "strategy_date": "", "s47_start_date": ""}]},
        quality.MISSING_DATE,
        [("strategy_date / s47_start_date", "no strategy_date or s47_start_date; record left out")]),
    "yes/no unreadable": (
        {"contacts": [{"child_id": "C1", "contact_date": "2026-03-01", "led_to_referral": "perhaps"}]},
        quality.UNPARSEABLE_YESNO, [("led_to_referral", "'perhaps' is not yes/no; read as unknown")]),
    "count unreadable": (
        {"referrals": [{"child_id": "C1", "referral_date": "2026-03-01", "referrals_12m": "two"}]},
        quality.BAD_COUNT, [("referrals_12m", "'two' is not a whole number of 0 or more; read as blank"
                                              " (derived where the list can)")]),
    "end before start": (
        {"cp_plans": [{"child_id": "C1", "cpp_start_date": "2026-03-02", "cpp_end_date": "2026-03-01"}]},
        quality.END_BEFORE_START, [("cpp_end_date", "cpp_end_date is before cpp_start_date; record left out")]),
    "exported twice": (
        {"contacts": [{"child_id": "C1", "contact_date": "2026-03-01"}] * 2},
        quality.DUPLICATE, [("", "same values in every column as an earlier row; kept once")]),
    "contact outcome unknown": (
        {"contacts": [{"child_id": "C1", "contact_date": "2026-03-01", "contact_outcome": "Filed"}]},
        quality.UNMAPPED_CODE, [("contact_outcome", "value 'Filed' is not a known contact outcome; map it under"
                                               " [values.contact_outcome]")]),
    "child not in children": (
        {"contacts": [{"child_id": "C9", "contact_date": "2026-03-01"}]},
        quality.CHILD_NOT_IN_CHILDREN, [("child_id", "child is not in the children table; event kept")]),
    "event long before birth": (
        {"contacts": [{"child_id": "C1", "contact_date": "2014-01-01"}]},
        quality.BEFORE_BIRTH, [("contact_date", "event is more than 40 weeks before the child's date of"
                                                " birth; kept and listed")]),
    "expected birth passed": (
        {"children": [{**CHILD, "dob": "", "expected_dob": "2026-02-01"}]},
        quality.EXPECTED_DOB_PASSED, [("expected_dob", "no date of birth and the expected date of birth has"
                                                       " passed; age computed from it")]),
    "child twice": (
        {"children": [CHILD, {**CHILD, "gender": "2"}]},
        quality.DUPLICATE_CHILD, [("child_id", "child appears more than once in children; the first row is used")]),
    "details disagree": (
        {"contacts": [{"child_id": "C1", "contact_date": "2026-03-01", "gender": "2"}]},
        quality.DETAILS_DISAGREE, [("gender", "gender differs from the children table; children wins")]),
}


@pytest.mark.parametrize("case", list(_MESSAGES), ids=list(_MESSAGES))
def test_each_finding_says_what_was_wrong_and_what_was_done_and_is_the_only_one(tmp_path, case):
    tables, kind, expected = _MESSAGES[case]
    run = run_lists(exports(tmp_path / "in", **{"children": [CHILD], **tables}), "2026-03-31")
    mine = of_kind(run, kind)
    assert list(zip(mine["Column"], mine["Problem"])) == expected
    # The record it left out is not reported again under another kind (a bad key date is not
    # also "no key date").
    assert run.findings.table()["Kind"].tolist() == [kind] * len(expected)


# --- records, and one child's details, across files and tables ---

def test_a_child_id_written_as_a_decimal_is_the_same_child(tmp_path):
    folder = exports(tmp_path / "in", children=[{**CHILD, "child_id": "7"}],
                     contacts=[{"child_id": "7.0", "contact_date": "2026-03-01"}])
    run = run_lists(folder, "2026-03-31")
    assert run.dataset.tables["contacts"]["child_id"].tolist() == ["7"]
    assert found(run, quality.CHILD_NOT_IN_CHILDREN) == []


def test_a_record_in_two_files_of_one_table_is_kept_once(tmp_path):
    # An LA that exports by year (contacts_2025.csv, contacts_2026.csv) repeats the overlap.
    folder = exports(tmp_path / "in", children=[CHILD])
    row = {"child_id": "C1", "contact_date": "2026-03-01", "contact_source": "1A"}
    write_csv(folder / "contacts_2025.csv", [row])
    write_csv(folder / "contacts_2026.csv", [row, {**row, "contact_date": "2026-03-02"}])
    run = run_lists(folder, "2026-03-31")
    assert run.dataset.tables["contacts"]["contact_date"].dt.day.tolist() == [1, 2]
    assert len(found(run, quality.DUPLICATE)) == 1


_DETAILS = {"dob": "", "expected_dob": "", "gender": "", "ethnicity": "", "disability": ""}


def test_children_wins_and_its_blanks_take_the_latest_dated_event_that_has_a_value(tmp_path):
    # Every event column of child details present (blank where not given): the slow path.
    contacts = [{"child_id": "C1", "contact_date": "2026-01-01", **_DETAILS, "gender": "2"},
                {"child_id": "C2", "contact_date": "2026-02-01", **_DETAILS, "gender": "2"},  # latest, first in file
                {"child_id": "C2", "contact_date": "2026-01-01", **_DETAILS, "gender": "1"},
                {"child_id": "C2", "contact_date": "2026-03-01", **_DETAILS}]  # latest, but blank
    folder = exports(tmp_path / "in", children=[CHILD, {**CHILD, "child_id": "C2", "gender": ""}],
                     contacts=contacts)
    children = run_lists(folder, "2026-03-31").dataset.children
    assert children.loc["C1", "gender"] == "1" and children.loc["C2", "gender"] == "2"


def test_child_details_come_from_each_event_table_given_when_an_earlier_one_is_not(tmp_path):
    folder = exports(tmp_path / "in", children=[{**CHILD, "gender": ""}],
                     referrals=[{"child_id": "C1", "referral_date": "2026-03-01", "gender": "2"}])
    assert run_lists(folder, "2026-03-31").dataset.children.loc["C1", "gender"] == "2"


def test_without_a_children_table_each_child_is_made_from_its_events(tmp_path):
    folder = exports(tmp_path / "in", contacts=[
        {"child_id": "C1", "contact_date": "2026-01-01", "gender": "1", "dob": "2015-06-01", "disability": "LD"},
        {"child_id": "C2", "contact_date": "2026-02-01", "gender": "2", "dob": "", "disability": ""},
        {"child_id": "C1", "contact_date": "2026-03-01", "gender": "2", "dob": "", "disability": ""}])
    children = run_lists(folder, "2026-03-31").dataset.children
    assert children.index.tolist() == ["C1", "C2"] and children.index.name == "child_id"
    assert children["gender"].tolist() == ["2", "2"]
    assert children.loc["C1", "dob"] == pd.Timestamp("2015-06-01") and pd.isna(children.loc["C2", "dob"])
    assert children["_row"].astype(int).tolist() == [2, 3]  # provenance: the child's first event row


def test_a_child_twice_in_children_keeps_its_first_row(tmp_path):
    folder = exports(tmp_path / "in", children=[CHILD, {**CHILD, "gender": "2"}, {**CHILD, "child_id": "C2"}])
    run = run_lists(folder, "2026-03-31")
    assert run.dataset.children.index.tolist() == ["C1", "C2"]
    assert run.dataset.children.loc["C1", "gender"] == "1"
    assert of_kind(run, quality.DUPLICATE_CHILD)["Row"].astype(int).tolist() == [3]


def test_details_that_differ_from_children_only_in_spelling_or_blanks_are_no_finding(tmp_path):
    contacts = [{"child_id": c, "contact_date": d, "dob": dob, "gender": g, "ethnicity": e}
                for c, d, dob, g, e in (("C1", "2026-01-01", "2015-06-01", "1", " wbri "),
                                        ("C1", "2026-01-02", "2015-06-02", "", "WBRI"),
                                        ("C1", "2026-01-03", "2015-06-03", "1", ""),
                                        ("C2", "2026-01-04", "2016-01-01", "2", ""))]
    folder = exports(tmp_path / "in", children=[{**CHILD, "gender": ""},
                                                {**CHILD, "child_id": "C2", "dob": "", "gender": ""}],
                     contacts=contacts)
    run = run_lists(folder, "2026-03-31")
    differ = of_kind(run, quality.DETAILS_DISAGREE)
    # C1's dob differs (once per child and column, at its first differing row); the rest only
    # in case or spaces, or where children is blank (C2: filled from the event, no finding).
    assert list(zip(differ["Column"], differ["Row"].astype(int))) == [("dob", 3)]
    assert run.dataset.children["dob"].tolist() == [pd.Timestamp("2015-06-01"), pd.Timestamp("2016-01-01")]


def test_a_contact_outcome_read_as_unknown_leaves_led_to_referral_unknown(tmp_path):
    folder = exports(tmp_path / "in", children=[CHILD], contacts=[
        {"child_id": "C1", "contact_date": "2026-03-01", "contact_outcome": "Unknown"},
        {"child_id": "C1", "contact_date": "2026-03-02", "contact_outcome": "Referral"}])
    contacts = run_lists(folder, "2026-03-31").dataset.tables["contacts"]
    assert contacts["led_to_referral"].tolist() == [pd.NA, True]


def test_a_coded_column_is_read_through_the_configs_mapping(tmp_path):
    folder = exports(tmp_path / "in", children=[CHILD], contacts=[
        {"child_id": "C1", "contact_date": "2026-03-01", "contact_source": "Cops"},
        {"child_id": "C1", "contact_date": "2026-03-02", "contact_source": "5A"}])
    run = run_lists(folder, "2026-03-31", config=Config(values={"source": {"Cops": "5A"}}))
    codes_ = run.dataset.tables["contacts"]["contact_source_code"].tolist()
    assert codes_[0] == codes_[1] and codes_[0] != "Cops"
    assert found(run, quality.UNMAPPED_CODE) == []


def test_among_events_on_one_day_the_later_row_gives_the_childs_details(tmp_path):
    # 50 rows over three days: an unstable sort (quicksort) picks another row of the last day.
    days = [f"2026-03-0{1 + (i * 7) % 3}" for i in range(50)]
    contacts = [{"child_id": "C1", "contact_date": d, "contact_id": str(i), "gender": f"g{i}"}
                for i, d in enumerate(days)]
    last = max(i for i, d in enumerate(days) if d == max(days))
    folder = exports(tmp_path / "in", children=[{**CHILD, "gender": ""}], contacts=contacts)
    assert run_lists(folder, "2026-03-31").dataset.children.loc["C1", "gender"] == f"g{last}"


def test_a_903_only_childs_details_come_from_the_latest_header_file_that_gives_each(tmp_path):
    # Files are read in folder order, so b.csv is the later collection year.
    write_csv(tmp_path / "children.csv", [CHILD])
    header = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    write_csv(tmp_path / "a.csv", [dict(zip(header, ["ONLY", "1", "01/01/2013", "WBRI", "", "", ""]))], header)
    write_csv(tmp_path / "b.csv", [dict(zip(header, ["ONLY", "2", "01/01/2013", "", "", "", ""]))], header)
    children = run_lists(tmp_path, "2026-03-31").dataset.children
    assert children.loc["ONLY", ["gender", "ethnicity"]].tolist() == ["2", "WBRI"]
    assert children.loc["ONLY", "dob"] == pd.Timestamp("2013-01-01")
