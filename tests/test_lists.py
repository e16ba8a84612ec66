"""The list rules of SPEC §4, each at its edges, on small hand-built exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import exports, result, run_lists, sheet

D = pd.Timestamp


def kid(cid="C1", dob="2015-06-01", disability="LD", **kw):
    return {"child_id": cid, "dob": dob, "gender": "1", "ethnicity": "WBRI", "disability": disability, **kw}


# --- windows -------------------------------------------------------------------------

def test_contact_window_is_inclusive_at_both_ends(tmp_path):
    folder = exports(tmp_path, children=[kid()], contacts=[
        {"child_id": "C1", "contact_date": d, "contact_source": "6", "led_to_referral": "N"}
        for d in ("2025-05-30", "2025-05-31", "2026-05-31", "2026-06-01")])
    got = sheet(run_lists(folder, "2026-05-31"), "1a")
    assert list(got["Date of Contact"]) == [D("2025-05-31"), D("2026-05-31")]


def test_six_months_before_31_august_is_end_of_february(tmp_path):
    folder = exports(tmp_path, children=[kid()], referrals=[
        {"child_id": "C1", "referral_date": d} for d in ("2026-02-27", "2026-02-28", "2026-03-01")])
    run = run_lists(folder, "2026-08-31", since="6m")
    assert run.window.start.isoformat() == "2026-02-28"
    assert list(sheet(run, "1b")["Date of referral"]) == [D("2026-02-28"), D("2026-03-01")]


def test_records_after_the_as_of_date_are_never_listed(tmp_path):
    folder = exports(tmp_path, children=[kid()], contacts=[
        {"child_id": "C1", "contact_date": "2026-01-10"}, {"child_id": "C1", "contact_date": "2026-01-11"}])
    assert len(sheet(run_lists(folder, "2026-01-10"), "1a")) == 1


# --- disability ----------------------------------------------------------------------

def test_only_disabled_children_are_listed_and_unknowns_counted(tmp_path):
    children = [kid("C1", disability="LD"), kid("C2", disability="NONE"), kid("C3", disability=""),
                kid("C4", disability="NONE,LD"), kid("C5", disability="Y"), kid("C6", disability="b) No")]
    contacts = [{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")]
    run = run_lists(exports(tmp_path, children=children, contacts=contacts), "2026-03-01")
    got = sheet(run, "1a")
    assert sorted(got["Child Unique ID"]) == ["C1", "C4", "C5"]
    assert dict(zip(got["Child Unique ID"], got["Disability Codes"])) == {"C1": "LD", "C4": "LD", "C5": "Yes"}
    assert result(run, "1a").unknown_children == 2  # C3 blank, C7 not in children at all
    assert run.findings.counts().get("NONE beside real disability codes") == 1


def test_ended_and_future_disability_records_are_not_current(tmp_path):
    children = [kid(c, disability="") for c in ("C1", "C2", "C3", "C4")]
    disabilities = [
        {"child_id": "C1", "disability_code": "AUT", "start_date": "2020-01-01", "end_date": "2025-12-31"},
        {"child_id": "C2", "disability_code": "HEAR", "start_date": "2026-04-01", "end_date": ""},
        {"child_id": "C3", "disability_code": "VIS", "start_date": "2020-01-01", "end_date": "2026-03-01"},
        {"child_id": "C3", "disability_code": "mob", "start_date": "", "end_date": ""},
        {"child_id": "C4", "disability_code": "LD", "start_date": "2020-01-01", "end_date": "2026-03-01"},
    ]
    contacts = [{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2", "C3", "C4")]
    run = run_lists(exports(tmp_path, children=children, disabilities=disabilities, contacts=contacts), "2026-03-01")
    got = sheet(run, "1a")
    # C4's code ends on the as-of date: no longer current. C3 keeps MOB; VIS ended that day too.
    assert list(got["Child Unique ID"]) == ["C3"]
    assert list(got["Disability Codes"]) == ["MOB"]
    assert result(run, "1a").unknown_children == 0


def test_disability_codes_in_census_order(tmp_path):
    run = run_lists(exports(tmp_path, children=[kid(disability="AUT; ld | mob")],
                            contacts=[{"child_id": "C1", "contact_date": "2026-01-05"}]), "2026-03-01")
    assert sheet(run, "1a")["Disability Codes"].tolist() == ["MOB, LD, AUT"]


# --- child columns -------------------------------------------------------------------

def test_age_on_29_february_birthday(tmp_path):
    children = [kid("C1", dob="2016-02-29")]
    contacts = [{"child_id": "C1", "contact_date": "2025-06-01"}]
    folder = exports(tmp_path, children=children, contacts=contacts)
    assert sheet(run_lists(folder, "2026-02-28"), "1a")["Age of Child (Years)"].tolist() == [9]
    assert sheet(run_lists(folder, "2026-03-01"), "1a")["Age of Child (Years)"].tolist() == [10]
    assert sheet(run_lists(folder, "2024-02-29"), "1a")["Age of Child (Years)"].tolist() == []  # contact after as-of
    contacts2 = [{"child_id": "C1", "contact_date": "2024-01-10"}]
    folder2 = exports(tmp_path / "b", children=children, contacts=contacts2)
    assert sheet(run_lists(folder2, "2024-02-29"), "1a")["Age of Child (Years)"].tolist() == [8]


def test_unborn_child(tmp_path):
    children = [{"child_id": "U1", "dob": "", "expected_dob": "2026-05-01", "gender": "2", "disability": "Y",
                 "ethnicity": "WBRI"}]
    contacts = [{"child_id": "U1", "contact_date": "2026-01-05"}]
    got = sheet(run_lists(exports(tmp_path, children=children, contacts=contacts), "2026-03-01"), "1a")
    assert got["Date of Birth"].tolist() == [D("2026-05-01")]
    assert got["Age of Child (Years)"].tolist() == [-1]
    assert got["Gender"].tolist() == ["c) Not stated/recorded"]


def test_expected_date_of_birth_passed(tmp_path):
    children = [{"child_id": "U1", "dob": "", "expected_dob": "2025-01-15", "gender": "2", "disability": "Y",
                 "ethnicity": "WBRI"}]
    contacts = [{"child_id": "U1", "contact_date": "2026-01-05"}]
    run = run_lists(exports(tmp_path, children=children, contacts=contacts), "2026-03-01")
    got = sheet(run, "1a")
    assert got["Date of Birth"].tolist() == [D("2025-01-15")]
    assert got["Age of Child (Years)"].tolist() == [1]
    assert got["Gender"].tolist() == ["b) Female"]
    assert run.findings.counts()["expected date of birth passed, no date of birth"] == 1


def test_born_after_as_of_is_unborn(tmp_path):
    children = [{"child_id": "U1", "dob": "2026-04-01", "expected_dob": "2026-04-03", "gender": "1",
                 "disability": "Y", "ethnicity": "WBRI"}]
    contacts = [{"child_id": "U1", "contact_date": "2026-01-05"}]
    got = sheet(run_lists(exports(tmp_path, children=children, contacts=contacts), "2026-03-01"), "1a")
    assert got["Age of Child (Years)"].tolist() == [-1]
    assert got["Date of Birth"].tolist() == [D("2026-04-03")]


def test_child_details_from_event_tables_when_children_has_none(tmp_path):
    contacts = [
        {"child_id": "C9", "contact_date": "2026-01-05", "gender": "F", "dob": "2014-01-01", "disability": "AUT"},
        {"child_id": "C9", "contact_date": "2026-01-06", "gender": "M", "dob": "", "disability": ""},
    ]
    got = sheet(run_lists(exports(tmp_path, contacts=contacts), "2026-03-01"), "1a")
    assert got["Gender"].tolist() == ["a) Male", "a) Male"]   # the latest event row with a value
    assert got["Age of Child (Years)"].tolist() == [12, 12]


# --- contacts --------------------------------------------------------------------------

def test_contact_outcome_recorded_or_derived_within_seven_days(tmp_path):
    contacts = [
        {"child_id": "C1", "contact_date": "2026-01-01", "led_to_referral": "N"},
        {"child_id": "C1", "contact_date": "2026-01-10", "led_to_referral": ""},   # referral 7 days later
        {"child_id": "C1", "contact_date": "2026-02-01", "led_to_referral": ""},   # referral 8 days later
        {"child_id": "C1", "contact_date": "2026-02-20", "led_to_referral": "Y"},
    ]
    referrals = [{"child_id": "C1", "referral_date": d} for d in ("2026-01-17", "2026-02-09")]
    run = run_lists(exports(tmp_path, children=[kid()], contacts=contacts, referrals=referrals), "2026-03-01")
    assert sheet(run, "1a")["Contact Outcome"].tolist() == ["No referral", "Referral", "No referral", "Referral"]
    assert result(run, "1a").derived_outcomes == 2


def test_derivation_ignores_referrals_after_as_of(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": "2026-02-27"}]
    referrals = [{"child_id": "C1", "referral_date": "2026-03-02"}]
    run = run_lists(exports(tmp_path, children=[kid()], contacts=contacts, referrals=referrals), "2026-03-01")
    assert sheet(run, "1a")["Contact Outcome"].tolist() == ["No referral"]


def test_contact_source_coded(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": "2026-01-01", "contact_source": "6"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], contacts=contacts), "2026-03-01"), "1a")
    assert got["Contact Source"].tolist() == ["q) 6: Police"]
    assert got["Ethnicity"].tolist() == ["a) WBRI"]
    assert got["Gender"].tolist() == ["a) Male"]


# --- referrals ---------------------------------------------------------------------------

def test_referral_count_in_last_12_months(tmp_path):
    # L = 2026-02-15; [2025-02-15, 2026-02-15] holds 3 referrals -> 2 on every row.
    dates = ("2025-02-14", "2025-02-15", "2025-09-01", "2026-02-15", "2026-04-01")
    referrals = [{"child_id": "C1", "referral_date": d, "referral_nfa": "N"} for d in dates]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], referrals=referrals), "2026-03-01"), "1b")
    assert got["Number of Referrals in Last 12 Months"].tolist() == [2, 2]
    assert got["Referral NFA?"].tolist() == ["b) No", "b) No"]


def test_single_referral_counts_zero(tmp_path):
    referrals = [{"child_id": "C1", "referral_date": "2026-01-01", "referral_nfa": "a) Yes"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], referrals=referrals), "2026-03-01"), "1b")
    assert got["Number of Referrals in Last 12 Months"].tolist() == [0]
    assert got["Referral NFA?"].tolist() == ["a) Yes"]


# --- strategy / s47 ------------------------------------------------------------------------

def _s47(**kw):
    return {"child_id": "C1", "strategy_date": "", "s47_start_date": "", "icpc_date": "", **kw}


def test_s47_worked_example_earlier_enquiry_with_icpc(tmp_path):
    s47 = [_s47(strategy_date="2026-01-10", s47_start_date="2026-01-10"),
           _s47(strategy_date="2025-08-10", s47_start_date="2025-08-10", icpc_date="2025-08-25")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-03-01"), "2")
    assert got["Number of Section 47 Enquiries in the last 12 months"].tolist() == [1, 1]
    assert got["Number of ICPCs in the last 12 months"].tolist() == [1, 1]


def test_s47_worked_example_single_enquiry(tmp_path):
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=[_s47(s47_start_date="2026-01-10")]),
                          "2026-03-01"), "2")
    assert got["Number of Section 47 Enquiries in the last 12 months"].tolist() == [0]
    assert got["Number of ICPCs in the last 12 months"].tolist() == [0]


def test_s47_current_with_icpc_and_one_eleven_months_before(tmp_path):
    s47 = [_s47(s47_start_date="2026-02-01", icpc_date="2026-02-15"),
           _s47(s47_start_date="2025-03-01", icpc_date="2025-03-20")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-03-01"), "2")
    assert got["Number of Section 47 Enquiries in the last 12 months"].tolist() == [1, 1]
    assert got["Number of ICPCs in the last 12 months"].tolist() == [1, 1]


def test_strategy_without_enquiry_is_listed_but_not_counted(tmp_path):
    s47 = [_s47(strategy_date="2026-01-10"), _s47(s47_start_date="2026-02-01")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-03-01"), "2")
    assert got["Section 47 Enquiry Started"].tolist() == ["b) No", "a) Yes"]
    assert got["Number of Section 47 Enquiries in the last 12 months"].tolist() == [0, 0]
    assert got["Does the Child have a Disability"].tolist() == ["a) Yes", "a) Yes"]


def test_s47_state_at_as_of(tmp_path):
    # Enquiry and ICPC after the as-of date have not happened yet.
    s47 = [_s47(strategy_date="2026-02-25", s47_start_date="2026-03-02", icpc_date="2026-03-10",
                icpc_led_to_cpp="Y")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-03-01"), "2")
    row = got.iloc[0]
    assert row["Section 47 Enquiry Started"] == "b) No"
    assert pd.isna(row["Strategy discussion initiating Section 47 Enquiry Start Date"])
    assert pd.isna(row["Date of Initial Child Protection Conference"])
    assert pd.isna(row["Did the Initial Child Protection Conference Result in a Child Protection Plan"])


def test_icpc_result_derived_from_cp_plan_start(tmp_path):
    s47 = [_s47(s47_start_date="2026-01-02", icpc_date="2026-01-20"),
           _s47(child_id="C2", s47_start_date="2026-01-03", icpc_date="2026-01-21")]
    cp = [{"child_id": "C1", "cpp_start_date": "2026-01-20"}]
    folder = exports(tmp_path, children=[kid(), kid("C2")], s47=s47, cp_plans=cp)
    got = sheet(run_lists(folder, "2026-03-01"), "2")
    assert got["Did the Initial Child Protection Conference Result in a Child Protection Plan"].tolist() == [
        "a) Yes", "b) No"]


def test_s47_sorted_by_strategy_date_else_start(tmp_path):
    s47 = [_s47(child_id="C2", s47_start_date="2026-01-05"), _s47(strategy_date="2026-01-07")]
    run = run_lists(exports(tmp_path, children=[kid(), kid("C2")], s47=s47), "2026-03-01")
    assert sheet(run, "2")["Child Unique ID"].tolist() == ["C2", "C1"]


# --- assessments --------------------------------------------------------------------------

def test_assessments_core_dropped_and_support_answer(tmp_path):
    a = [
        {"child_id": "C1", "assessment_start_date": "2026-01-01", "assessment_type": "Core Assessment",
         "authorisation_date": "2026-01-20", "assessment_outcome": "csc"},
        {"child_id": "C1", "assessment_start_date": "2026-01-02", "assessment_type": "Single assessment",
         "authorisation_date": "2026-01-20", "assessment_outcome": "nfa", "child_seen": "Y"},
        {"child_id": "C1", "assessment_start_date": "2026-01-03", "assessment_type": "Single assessment",
         "authorisation_date": "2026-03-05", "assessment_outcome": "csc", "child_seen": ""},
        {"child_id": "C1", "assessment_start_date": "2026-01-04", "assessment_type": "Single assessment",
         "authorisation_date": "2026-02-01", "assessment_outcome": "s47", "child_seen": "N"},
    ]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], assessments=a), "2026-03-01"), "3")
    q = "Was the child assessed as requiring LA children's social care support?"
    assert got["Continuous Assessment Start Date"].tolist() == [D("2026-01-02"), D("2026-01-03"), D("2026-01-04")]
    assert got[q].fillna("").tolist() == ["b) No", "", "a) Yes"]   # not authorised at as-of -> blank
    assert got["Child Seen During Continuous Assessment"].tolist() == ["a) Yes", "c) Unknown", "b) No"]
    assert got["Continuous Assessment Date of Authorisation"].isna().tolist() == [False, True, False]


# --- plans -----------------------------------------------------------------------------------

def test_cp_plan_ending_on_as_of_is_not_current(tmp_path):
    cp = [{"child_id": "C1", "cpp_start_date": "2025-06-01", "cpp_end_date": "2026-03-01"},
          {"child_id": "C2", "cpp_start_date": "2025-06-01", "cpp_end_date": "2026-03-02"},
          {"child_id": "C3", "cpp_start_date": "2026-03-01", "cpp_end_date": ""}]
    run = run_lists(exports(tmp_path, children=[kid(), kid("C2"), kid("C3")], cp_plans=cp), "2026-03-01")
    got = sheet(run, "5")
    assert got["Child Unique ID"].tolist() == ["C2", "C3"]
    assert got["Days on Plan"].tolist() == [273, 0]


def test_cp_plan_previous_plans_categories_and_same_day_tie(tmp_path):
    cp = [
        {"child_id": "C1", "cpp_start_date": "2020-01-01", "cpp_end_date": "2021-01-01"},
        {"child_id": "C1", "cpp_start_date": "2022-01-01", "cpp_end_date": "2022-06-01"},
        {"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "2026-06-01",
         "initial_category": "NEG", "latest_category": "PHY", "team": "Team A"},
        {"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "",
         "initial_category": "Neglect", "latest_category": "Neglect and Emotional", "team": "Team B"},
    ]
    for order, plans in (("as written", cp), ("reversed", cp[::-1])):
        run = run_lists(exports(tmp_path / order, children=[kid()], cp_plans=plans), "2026-03-01")
        got = sheet(run, "5")
        assert len(got) == 1, order
        row = got.iloc[0]
        assert row["Allocated Team"] == "Team B", order      # same-day start: the open one wins
        assert row["Number of Previous Child Protection Plans"] == 2
        assert row["Initial Category of Abuse"] == "a) Neglect"
        assert row["Latest Category of Abuse"] == "e) Multiple/not recommended"
        # The other open plan (Team A) is the one reported, at its own file row.
        findings = run.findings.table()
        overlapping = findings[findings["Kind"] == "overlapping open plans"]
        team_a_row = next(i for i, p in enumerate(plans) if p.get("team") == "Team A") + 2  # header is row 1
        assert overlapping["Row"].tolist() == [team_a_row], order


def test_cin_plan_latest_starting_and_primary_need(tmp_path):
    cin = [{"child_id": "C1", "cin_plan_start_date": "2025-01-01", "cin_plan_end_date": ""},
           {"child_id": "C1", "cin_plan_start_date": "2025-09-01", "cin_plan_end_date": "", "team": "CWD"}]
    refs = [{"child_id": "C1", "referral_date": "2024-12-01", "primary_need": "N2"},
            {"child_id": "C1", "referral_date": "2025-08-01", "primary_need": ""},
            {"child_id": "C1", "referral_date": "2026-03-05", "primary_need": "N1"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cin_plans=cin, referrals=refs), "2026-03-01"), "4")
    assert got["CIN Plan Start Date"].tolist() == [D("2025-09-01")]
    # The episode's start: the latest referral on or before the plan's start; it records no
    # need, so the need is the latest one recorded by the as-of date.
    assert got["CIN Start Date"].tolist() == [D("2025-08-01")]
    assert got["Allocated Team"].tolist() == ["CWD"]
    assert got["Primary Need Code"].tolist() == ["N2 - Child's disability"]
    assert got["Days on Plan"].tolist() == [181]


def test_early_help_open_episode(tmp_path):
    eh = [{"child_id": "C1", "eh_start_date": "2025-11-01", "eh_end_date": "2026-04-01",
           "lead_organisation": "Family Hub", "eh_type": "EHA"},
          {"child_id": "C2", "eh_start_date": "2025-11-01", "eh_end_date": "2026-02-01"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid(), kid("C2")], early_help=eh), "2026-03-01"), "6")
    assert got["Child Unique ID"].tolist() == ["C1"]
    assert got["Assessment completion date"].isna().all()
    assert got["Organisation completing assessment"].tolist() == ["Family Hub"]
    assert got["Days Open"].tolist() == [120]
    assert "Does the Child have a Disability" not in got.columns


def test_column_order_matches_annex_a(tmp_path):
    run = run_lists(exports(tmp_path, children=[kid()], contacts=[]), "2026-03-01")
    assert list(sheet(run, "1a").columns) == [
        "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact",
        "Contact Source", "Contact Outcome", "Disability Codes"]
    assert list(sheet(run, "5").columns)[:6] == [
        "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
        "Does the Child have a Disability"]


# --- found by review: dates after today, and same-day earlier plans ----------------------

def test_disability_starting_after_today_is_not_current(tmp_path):
    # today (TODAY in conftest) is 2026-11-26: a code starting 2026-12-15 has not started.
    children = [kid("C1", disability=""), kid("C2", disability="")]
    disabilities = [{"child_id": "C1", "disability_code": "AUT", "start_date": "2026-12-15", "end_date": ""},
                    {"child_id": "C2", "disability_code": "AUT", "start_date": "31/02/2026", "end_date": ""}]
    contacts = [{"child_id": c, "contact_date": "2026-03-01"} for c in ("C1", "C2")]
    run = run_lists(exports(tmp_path, children=children, disabilities=disabilities, contacts=contacts),
                    "2026-06-30")
    assert sheet(run, "1a").empty
    # C1 has a record (not current yet): not disabled. C2's only record has an unparseable
    # start, its key date, so it is left out: C2 is unknown.
    assert result(run, "1a").unknown_children == 1
    counts = run.findings.counts()
    assert counts["date in the future"] == 1 and counts["unparseable date"] == 1


def test_s47_with_only_its_enquiry_start_after_today_is_listed(tmp_path):
    s47 = [_s47(strategy_date="2026-11-20", s47_start_date="2026-12-01")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-11-25"), "2")
    assert len(got) == 1
    assert got["Strategy Discussion Date"].tolist() == [D("2026-11-20")]
    assert got["Strategy discussion initiating Section 47 Enquiry Start Date"].isna().all()
    assert got["Section 47 Enquiry Started"].tolist() == ["b) No"]


def test_s47_keyed_by_a_strategy_date_after_today_is_never_listed(tmp_path):
    s47 = [_s47(strategy_date="2026-12-02", s47_start_date="2026-11-20")]
    assert sheet(run_lists(exports(tmp_path, children=[kid()], s47=s47), "2026-11-25"), "2").empty


def test_previous_cp_plans_that_started_the_same_day_both_count(tmp_path):
    cp = [{"child_id": "C1", "cpp_start_date": "2024-01-01", "cpp_end_date": "2024-06-01"},
          {"child_id": "C1", "cpp_start_date": "2024-01-01", "cpp_end_date": "2024-03-01",
           "initial_category": "NEG"},
          {"child_id": "C1", "cpp_start_date": "2026-01-01", "cpp_end_date": ""}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cp_plans=cp), "2026-06-30"), "5")
    assert got["Number of Previous Child Protection Plans"].tolist() == [2]


# --- the order of a sheet's rows ---------------------------------------------------------

def _every_column_order(frame: pd.DataFrame, key: pd.Series, first: str) -> list:
    """The rule as first written: key date, id, then every other column as text, on all rows."""
    tiebreak = {f"_t{i}": frame[c].astype("str") for i, c in enumerate(frame.columns) if c != first}
    return list(frame.assign(_key=key.to_numpy(), **tiebreak).sort_values(
        ["_key", first, *tiebreak], kind="stable", na_position="last").index)


_day = st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 4)))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_day, st.sampled_from(["C1", "C2", "C10", None]), st.sampled_from(["b", "a", None, "=x"]),
                          st.one_of(st.none(), st.integers(0, 3)), _day), min_size=0, max_size=25),
       st.randoms(use_true_random=False))
def test_rows_sorted_on_key_and_id_only_where_tied_give_the_every_column_order(rows, rnd):
    """`sorted_rows` sorts only the rows tied on key date and id on their other columns: the
    same order as sorting every row on every column, on a shuffled frame with a gapped index."""
    from ofsted_lists.lists._common import sorted_rows

    rnd.shuffle(rows)
    frame = pd.DataFrame({
        "Child Unique ID": pd.Series([r[1] for r in rows], dtype="str"),
        "Team": pd.Series([r[2] for r in rows], dtype="str"),
        "Count": pd.array([r[3] for r in rows], dtype="Int64"),
        "Seen": pd.Series([r[4] for r in rows], dtype="datetime64[ns]"),
    }, index=pd.RangeIndex(0, 3 * len(rows), 3))
    key = pd.Series(pd.to_datetime(pd.Series([r[0] for r in rows], dtype="object")).to_numpy(), index=frame.index)
    assert list(sorted_rows(frame, key, "Child Unique ID")) == _every_column_order(frame, key, "Child Unique ID")


def test_child_columns_of_listed_rows_match_a_reindex_with_and_without_unknown_ids():
    """`finish` takes each row's child columns by pyarrow-hashed positions; an id with no
    details gives a row of blanks, as `reindex` does."""
    from ofsted_lists.lists._common import _child_rows

    children = pd.DataFrame({"Child Unique ID": pd.Series(["C1", "C2", "C3"], dtype="str"),
                             "Date of Birth": pd.to_datetime(["2020-02-29", None, "2019-01-01"]),
                             "Age of Child (Years)": pd.array([6, None, 7], dtype="Int64")},
                            index=pd.Index(["C1", "C2", "C3"], dtype="str", name="child_id"))
    for ids in (["C3", "C1", "C3", "C2"], ["C2", "C9", "C1"], []):
        wanted = children.reindex(pd.Series(ids, dtype="str").to_numpy()).reset_index(drop=True)
        pd.testing.assert_frame_equal(_child_rows(children, pd.Series(ids, dtype="str", index=range(5, 5 + len(ids)))),
                                      wanted)
