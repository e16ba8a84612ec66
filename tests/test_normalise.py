"""The normalise stage, one step per finding (SPEC §3.3), on tiny hand-built exports.

Each test names the rule and checks both what the typed table holds and which row the
finding points at, so a step that reports or drops the wrong record fails here."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import exports, run_lists
from ofsted_lists import quality

D = pd.Timestamp
AS_OF = "2026-03-01"


def kid(cid="C1", **kw):
    return {"child_id": cid, "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD", **kw}


def found(run, kind: str) -> list[tuple[str, int, str]]:
    """(file, row, column) of every finding of `kind`, in order."""
    t = run.findings.table()
    t = t[t["Kind"] == kind]
    return list(zip(t["File"], t["Row"].astype(int), t["Column"]))


def table(run, name: str) -> pd.DataFrame:
    return run.dataset.tables[name]


def test_child_id_that_is_not_an_identifier_leaves_the_row_out(tmp_path):
    folder = exports(tmp_path, children=[kid()], contacts=[
        {"child_id": "C1", "contact_date": "2026-01-05"}, {"child_id": "0", "contact_date": "2026-01-06"},
        {"child_id": "", "contact_date": "2026-01-07"}])
    run = run_lists(folder, AS_OF)
    assert list(table(run, "contacts")["contact_date"]) == [D("2026-01-05")]
    assert found(run, quality.NOT_AN_ID) == [("contacts.csv", 3, "child_id"), ("contacts.csv", 4, "child_id")]


def test_unparseable_key_date_leaves_the_record_out_other_dates_read_blank(tmp_path):
    folder = exports(tmp_path, children=[kid()], referrals=[
        {"child_id": "C1", "referral_date": "soon", "closure_date": ""},
        {"child_id": "C1", "referral_date": "2026-01-10", "closure_date": "later"}])
    run = run_lists(folder, AS_OF)
    refs = table(run, "referrals")
    assert list(refs["referral_date"]) == [D("2026-01-10")]
    assert refs["closure_date"].isna().all()
    assert found(run, quality.UNPARSEABLE_DATE) == [("referrals.csv", 2, "referral_date"),
                                                    ("referrals.csv", 3, "closure_date")]


def test_future_key_date_is_never_listed_and_other_future_dates_read_blank(tmp_path):
    # today is 2026-11-26 (conftest.TODAY)
    folder = exports(tmp_path, children=[kid()], assessments=[
        {"child_id": "C1", "assessment_start_date": "2026-12-01", "authorisation_date": ""},
        {"child_id": "C1", "assessment_start_date": "2026-11-01", "authorisation_date": "2026-12-24"}])
    run = run_lists(folder, "2026-11-26")
    a = table(run, "assessments")
    assert list(a["assessment_start_date"]) == [D("2026-11-01")]
    assert a["authorisation_date"].isna().all()
    assert found(run, quality.FUTURE_DATE) == [("assessments.csv", 2, "assessment_start_date"),
                                               ("assessments.csv", 3, "authorisation_date")]


def test_s47_future_strategy_date_with_a_past_enquiry_start_is_keyed_by_the_strategy_date(tmp_path):
    # The key date is the first of (strategy_date, s47_start_date) that is filled: a future
    # strategy discussion means the record has not happened, whatever its enquiry start says.
    folder = exports(tmp_path, children=[kid()], s47=[
        {"child_id": "C1", "strategy_date": "2026-12-02", "s47_start_date": "2026-11-01"},
        {"child_id": "C1", "strategy_date": "", "s47_start_date": "2026-12-03"},
        {"child_id": "C1", "strategy_date": "2026-10-01", "s47_start_date": "2026-12-04"}])
    run = run_lists(folder, "2026-11-26")
    s = table(run, "s47")
    assert list(s["strategy_date"]) == [D("2026-10-01")]
    assert s["s47_start_date"].isna().all()  # the kept record's future enquiry start reads blank


def test_disability_record_keeps_a_future_start_not_current_yet(tmp_path):
    folder = exports(tmp_path, children=[kid(disability="")], disabilities=[
        {"child_id": "C1", "disability_code": "AUT", "start_date": "2026-12-10", "end_date": ""}])
    run = run_lists(folder, "2026-11-26")
    assert list(table(run, "disabilities")["start_date"]) == [D("2026-12-10")]
    problems = run.findings.table().query("Kind == @quality.FUTURE_DATE")["Problem"]
    assert list(problems) == ["date 10/12/2026 is after today — not current yet"]


def test_record_with_no_key_date_is_left_out(tmp_path):
    folder = exports(tmp_path, children=[kid()], s47=[
        {"child_id": "C1", "strategy_date": "", "s47_start_date": ""},
        {"child_id": "C1", "strategy_date": "", "s47_start_date": "2026-01-04"}])
    run = run_lists(folder, AS_OF)
    assert list(table(run, "s47")["s47_start_date"]) == [D("2026-01-04")]
    assert found(run, quality.MISSING_DATE) == [("s47.csv", 2, "strategy_date / s47_start_date")]


def test_yes_no_that_is_neither_reads_unknown(tmp_path):
    folder = exports(tmp_path, children=[kid()], contacts=[
        {"child_id": "C1", "contact_date": "2026-01-05", "led_to_referral": "perhaps"},
        {"child_id": "C1", "contact_date": "2026-01-06", "led_to_referral": "Y"}])
    run = run_lists(folder, AS_OF)
    assert table(run, "contacts")["led_to_referral"].tolist() == [pd.NA, True]
    assert found(run, quality.UNPARSEABLE_YESNO) == [("contacts.csv", 2, "led_to_referral")]


def test_end_before_start_is_left_out_and_end_on_start_is_kept(tmp_path):
    folder = exports(tmp_path, children=[kid()], cp_plans=[
        {"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "2026-01-09"},
        {"child_id": "C1", "cpp_start_date": "2026-01-12", "cpp_end_date": "2026-01-12"}])
    run = run_lists(folder, AS_OF)
    assert list(table(run, "cp_plans")["cpp_start_date"]) == [D("2026-01-12")]
    assert found(run, quality.END_BEFORE_START) == [("cp_plans.csv", 2, "cpp_end_date")]


def test_a_record_left_out_is_not_reported_again_as_end_before_start(tmp_path):
    folder = exports(tmp_path, children=[kid()], cp_plans=[
        {"child_id": "C1", "cpp_start_date": "2026-12-20", "cpp_end_date": "2026-01-09"}])
    run = run_lists(folder, "2026-11-26")
    assert table(run, "cp_plans").empty
    assert found(run, quality.END_BEFORE_START) == []
    assert len(found(run, quality.FUTURE_DATE)) == 1


def test_a_record_exported_twice_is_kept_once_and_the_copy_reported(tmp_path):
    row = {"child_id": "C1", "contact_date": "2026-01-05", "contact_source": "6"}
    other = {**row, "contact_source": "5A"}
    folder = exports(tmp_path, children=[kid()], contacts=[row, other, row])
    run = run_lists(folder, AS_OF)
    assert table(run, "contacts")["contact_source"].tolist() == ["6", "5A"]
    assert found(run, quality.DUPLICATE) == [("contacts.csv", 4, "")]


def test_coded_column_gets_its_code_twin_and_an_absent_one_is_blank(tmp_path):
    folder = exports(tmp_path, children=[kid()],
                     contacts=[{"child_id": "C1", "contact_date": "2026-01-05", "contact_source": "Police"}],
                     referrals=[{"child_id": "C1", "referral_date": "2026-01-06"}])
    run = run_lists(folder, AS_OF)
    assert table(run, "contacts")["contact_source_code"].tolist() == ["q) 6: Police"]
    assert table(run, "referrals")["referral_source_code"].isna().all()


# --- Dataset.has_column --------------------------------------------------------------------

def test_has_column_is_a_real_presence_check(tmp_path):
    folder = exports(tmp_path, children=[kid()], assessments=[
        {"child_id": "C1", "assessment_start_date": "2026-01-05"}])
    ds = run_lists(folder, AS_OF).dataset
    assert ds.has_column("assessments", "assessment_start_date")
    assert not ds.has_column("assessments", "authorisation_date")   # a column the input lacks
    assert ds.has_column("children", "disability")
    assert not ds.has_column("cp_plans", "cpp_start_date")          # a table the input lacks


def test_has_column_refuses_a_name_that_is_no_column(tmp_path):
    ds = run_lists(exports(tmp_path, children=[kid()]), AS_OF).dataset
    with pytest.raises(KeyError, match="authorization_date"):
        ds.has_column("assessments", "authorization_date")


# --- event before birth (SPEC §3.3) ---------------------------------------------------------

@pytest.mark.parametrize("table, row", [
    ("contacts", {"contact_date": "{d}"}),
    ("assessments", {"assessment_start_date": "{d}"}),
    ("s47", {"strategy_date": "{d}"}),
    ("cp_plans", {"cpp_start_date": "{d}"}),
])
def test_work_with_an_unborn_child_is_a_finding_only_beyond_40_weeks_before_birth(tmp_path, table, row):
    born = pd.Timestamp("2026-01-01")
    days = {"at 40 weeks": born - pd.Timedelta(weeks=40),
            "a day more": born - pd.Timedelta(weeks=40, days=1),
            "20 weeks": born - pd.Timedelta(weeks=20)}
    rows = [{"child_id": "C1", **{k: v.format(d=f"{d:%Y-%m-%d}") for k, v in row.items()}} for d in days.values()]
    run = run_lists(exports(tmp_path, children=[kid(dob="2026-01-01")], **{table: rows}), AS_OF)
    assert len(run.dataset.tables[table]) == 3  # all kept
    assert [r for _, r, _ in found(run, quality.BEFORE_BIRTH)] == [3]  # only "a day more" (row 3)
