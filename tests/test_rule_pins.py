"""One small test per list rule, through the pipeline on a handful of rows.

Each test fails on at least one hand-made mutant of its rule: `python mutation/hand_mutants.py`
applies them one by one and runs the tests named there (README "Mutation testing").
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import exports, result, run_lists, sheet, write_csv
from ofsted_lists import config as config_module
from ofsted_lists import quality
from ofsted_lists.disability import DISABILITY_UNMAPPED
from ofsted_lists.errors import InputError

D = pd.Timestamp
AS_OF = "2026-03-01"
N_S47 = "Number of Section 47 Enquiries in the last 12 months"
N_ICPC = "Number of ICPCs in the last 12 months"
ICPC_RESULT = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
REQUIRING_SUPPORT = "Was the child assessed as requiring LA children's social care support?"


def kid(cid="C1", dob="2015-06-01", disability="LD", **kw):
    return {"child_id": cid, "dob": dob, "gender": "1", "ethnicity": "WBRI", "disability": disability, **kw}


def s47(cid="C1", **kw):
    return {"child_id": cid, "strategy_date": "", "s47_start_date": "", "icpc_date": "", **kw}


def found(run, kind) -> list[tuple]:
    """Where the findings of one kind point: (file, row, column, child), in report order."""
    t = run.findings.table()
    t = t[t["Kind"] == kind]
    return list(zip(t["File"], t["Row"].astype(int), t["Column"], t["Child Unique ID"]))


def by_child(frame: pd.DataFrame, column: str) -> dict:
    return dict(zip(frame["Child Unique ID"], frame[column]))


# --- as-of boundaries ------------------------------------------------------------------

def test_disability_code_starting_on_the_as_of_date_is_current(tmp_path):
    disabilities = [{"child_id": "C1", "disability_code": "AUT", "start_date": AS_OF, "end_date": ""}]
    folder = exports(tmp_path, children=[kid(disability="")], disabilities=disabilities,
                     contacts=[{"child_id": "C1", "contact_date": "2026-01-05"}])
    got = sheet(run_lists(folder, AS_OF), "1a")
    assert got["Disability Codes"].tolist() == ["AUT"]


def test_each_childs_disability_codes_are_its_own_in_code_order(tmp_path):
    # Three children, the middle one with two codes: the codes are joined per child, not per
    # "same id as the first child".
    disabilities = [{"child_id": c, "disability_code": code, "start_date": "", "end_date": ""}
                    for c, code in [("C1", "LD"), ("C2", "AUT"), ("C2", "MOB"), ("C3", "VIS")]]
    folder = exports(tmp_path, children=[kid(c, disability="") for c in ("C1", "C2", "C3")],
                     disabilities=disabilities,
                     contacts=[{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2", "C3")])
    got = by_child(sheet(run_lists(folder, AS_OF), "1a"), "Disability Codes")
    assert got == {"C1": "LD", "C2": "MOB, AUT", "C3": "VIS"}


def test_referral_on_the_as_of_date_derives_contact_outcome_referral(tmp_path):
    # The first contact falls before the window: the derived count follows the kept rows.
    contacts = [{"child_id": "C1", "contact_date": "2024-02-27", "led_to_referral": ""},
                {"child_id": "C1", "contact_date": "2026-02-27", "led_to_referral": ""}]
    referrals = [{"child_id": "C1", "referral_date": AS_OF}]
    run = run_lists(exports(tmp_path, children=[kid()], contacts=contacts, referrals=referrals), AS_OF)
    assert sheet(run, "1a")["Contact Outcome"].tolist() == ["Referral"]
    assert result(run, "1a").derived_outcomes == 1


def test_icpc_held_on_the_as_of_date_is_shown(tmp_path):
    rows = [s47(s47_start_date="2026-02-10", icpc_date=AS_OF, icpc_led_to_cpp="Y")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=rows), AS_OF), "2")
    assert got["Date of Initial Child Protection Conference"].tolist() == [D(AS_OF)]
    assert got[ICPC_RESULT].tolist() == ["a) Yes"]


def test_cp_review_held_on_the_as_of_date_is_shown(tmp_path):
    cp = [{"child_id": "C1", "cpp_start_date": "2025-06-01", "last_review_date": AS_OF},
          {"child_id": "C2", "cpp_start_date": "2025-06-01", "last_review_date": "2026-03-02"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid(), kid("C2")], cp_plans=cp), AS_OF), "5")
    shown = by_child(got, "Date of latest review conference")
    assert shown["C1"] == D(AS_OF) and pd.isna(shown["C2"])


def test_child_born_on_the_as_of_date_is_born_and_aged_zero(tmp_path):
    children = [kid("B1", dob=AS_OF), kid("B2", dob="", expected_dob=AS_OF)]
    contacts = [{"child_id": c, "contact_date": AS_OF} for c in ("B1", "B2")]
    got = sheet(run_lists(exports(tmp_path, children=children, contacts=contacts), AS_OF), "1a")
    assert by_child(got, "Age of Child (Years)") == {"B1": 0, "B2": 0}
    assert by_child(got, "Date of Birth") == {"B1": D(AS_OF), "B2": D(AS_OF)}
    assert by_child(got, "Gender") == {"B1": "a) Male", "B2": "a) Male"}


def test_child_expected_the_day_after_the_as_of_date_is_unborn(tmp_path):
    children = [kid("U1", dob="", expected_dob="2026-03-02"), kid("U2", dob="2026-03-02")]
    contacts = [{"child_id": c, "contact_date": AS_OF} for c in ("U1", "U2")]
    got = sheet(run_lists(exports(tmp_path, children=children, contacts=contacts), AS_OF), "1a")
    assert by_child(got, "Age of Child (Years)") == {"U1": -1, "U2": -1}
    assert by_child(got, "Gender") == {"U1": "c) Not stated/recorded", "U2": "c) Not stated/recorded"}


def test_assessment_outcome_shown_only_once_authorised(tmp_path):
    a = [{"child_id": c, "assessment_start_date": "2026-02-01", "authorisation_date": d,
          "assessment_outcome": "csc"} for c, d in (("C1", AS_OF), ("C2", "2026-03-02"))]
    got = sheet(run_lists(exports(tmp_path, children=[kid(), kid("C2")], assessments=a), AS_OF), "3")
    assert got["Assessment Outcome"].isna().tolist() == [False, True]
    assert got["Assessment Outcome"].iloc[0] == "Children's social care"
    assert got[REQUIRING_SUPPORT].isna().tolist() == [False, True]


def test_assessment_authorised_the_day_it_started_is_kept(tmp_path):
    a = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "authorisation_date": "2026-02-01",
          "assessment_outcome": "nfa"}]
    run = run_lists(exports(tmp_path, children=[kid()], assessments=a), AS_OF)
    got = sheet(run, "3")
    assert got["Continuous Assessment Date of Authorisation"].tolist() == [D("2026-02-01")]
    assert found(run, quality.END_BEFORE_START) == []


def test_disabilities_export_alone_is_a_disability_source(tmp_path):
    children = [{"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI"}]
    disabilities = [{"child_id": "C1", "disability_code": "VIS", "start_date": "2020-01-01", "end_date": ""}]
    folder = exports(tmp_path, children=children, disabilities=disabilities,
                     contacts=[{"child_id": "C1", "contact_date": "2026-01-05"}])
    assert sheet(run_lists(folder, AS_OF), "1a")["Disability Codes"].tolist() == ["VIS"]


def test_no_disability_source_at_all_is_an_input_error(tmp_path):
    children = [{"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI"}]
    folder = exports(tmp_path, children=children, contacts=[{"child_id": "C1", "contact_date": "2026-01-05"}])
    with pytest.raises(InputError, match="no disability source"):
        run_lists(folder, AS_OF)


def test_disability_column_all_blank_lists_nobody_and_counts_unknown(tmp_path):
    folder = exports(tmp_path, children=[kid(disability=""), kid("C2", disability="")],
                     contacts=[{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2")])
    run = run_lists(folder, AS_OF)
    assert sheet(run, "1a").empty
    assert result(run, "1a").unknown_children == 2


def test_a_local_contact_outcome_column_feeds_led_to_referral(tmp_path):
    # The config's mapping, the built-in "Referral"/"No referral", a yes/no, and an unknown value
    # (reported once, its outcome then derived from referrals); a recorded led_to_referral wins.
    toml = tmp_path / "ofsted-lists.toml"
    toml.write_text('[values.contact_outcome]\n"Referred to CSC" = "yes"\n"Advice given" = "no"\n',
                    encoding="utf-8")
    config = config_module.load(toml, explicit=True)
    outcomes = [("Referred to CSC", ""), ("Advice given", ""), ("Referral", ""), ("No  Referral", ""),
                ("N", ""), ("Signposted", ""), ("Signposted", ""), ("Referral", "N")]
    contacts = [{"child_id": "C1", "contact_date": f"2026-01-{i + 1:02d}", "contact_outcome": o,
                 "led_to_referral": led} for i, (o, led) in enumerate(outcomes)]
    referrals = [{"child_id": "C1", "referral_date": "2026-01-08"}]
    folder = exports(tmp_path / "in", children=[kid()], contacts=contacts, referrals=referrals)
    run = run_lists(folder, AS_OF, config=config)
    assert sheet(run, "1a")["Contact Outcome"].tolist() == [
        "Referral", "No referral", "Referral", "No referral", "No referral", "Referral", "Referral", "No referral"]
    assert result(run, "1a").derived_outcomes == 2
    assert found(run, quality.UNMAPPED_CODE) == [("contacts.csv", 7, "contact_outcome", "C1")]


def test_config_disability_mapping_applies_to_children_and_disabilities(tmp_path):
    toml = tmp_path / "ofsted-lists.toml"
    toml.write_text('[values.disability]\n"Spectrum" = "AUT"\n', encoding="utf-8")
    config = config_module.load(toml, explicit=True)
    disabilities = [{"child_id": "C2", "disability_code": "Spectrum", "start_date": "", "end_date": ""},
                    {"child_id": "C3", "disability_code": "Wobbly", "start_date": "", "end_date": ""}]
    folder = exports(tmp_path / "in", children=[kid(disability="Spectrum"), kid("C2", disability=""),
                                                kid("C3", disability="Zigzag")],
                     disabilities=disabilities,
                     contacts=[{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2", "C3")])
    run = run_lists(folder, AS_OF, config=config)
    assert by_child(sheet(run, "1a"), "Disability Codes") == {"C1": "AUT", "C2": "AUT"}
    t = run.findings.table()
    unmapped = t[t["Kind"] == quality.UNMAPPED_CODE]
    assert list(zip(unmapped["File"], unmapped["Column"], unmapped["Problem"])) == [
        ("children.csv", "disability", "value 'Zigzag' " + DISABILITY_UNMAPPED),
        ("disabilities.csv", "disability_code", "value 'Wobbly' " + DISABILITY_UNMAPPED)]


# --- 12-month counts -------------------------------------------------------------------

def test_s47_count_window_is_twelve_months_inclusive_before_the_latest(tmp_path):
    # Each child: the latest enquiry 2026-02-15 and one earlier enquiry.
    earlier = {"M11": "2025-03-15", "M12": "2025-02-15", "M12D1": "2025-02-14", "M13": "2025-01-15"}
    rows = [r for c, d in earlier.items()
            for r in (s47(c, s47_start_date="2026-02-15"), s47(c, s47_start_date=d))]
    folder = exports(tmp_path, children=[kid(c) for c in earlier], s47=rows)
    got = sheet(run_lists(folder, AS_OF), "2")
    latest = got[got["Strategy discussion initiating Section 47 Enquiry Start Date"] == D("2026-02-15")]
    assert by_child(latest, N_S47) == {"M11": 1, "M12": 1, "M12D1": 0, "M13": 0}


def test_icpc_count_counts_only_earlier_enquiries_with_an_icpc(tmp_path):
    rows = [s47(s47_start_date="2026-02-01", icpc_date="2026-02-10"),   # the latest: never counted
            s47(s47_start_date="2025-12-01", icpc_date=""),
            s47(s47_start_date="2025-10-01", icpc_date="2025-10-20")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=rows), AS_OF), "2")
    assert got[N_S47].tolist() == [2, 2, 2]
    assert got[N_ICPC].tolist() == [1, 1, 1]


def test_strategy_discussion_without_any_enquiry_counts_zero(tmp_path):
    rows = [s47(strategy_date="2026-01-10"), s47(strategy_date="2026-02-10")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], s47=rows), AS_OF), "2")
    assert got[N_S47].tolist() == [0, 0]
    assert got[N_ICPC].tolist() == [0, 0]


def test_same_day_enquiries_the_one_with_an_icpc_is_the_latest(tmp_path):
    # Two enquiries start the same day: the one with a conference is the latest, so the
    # other one (no conference) is the earlier enquiry counted.
    for order in ("icpc first", "icpc last"):
        rows = [s47(s47_start_date="2026-02-01", icpc_date="2026-02-10"), s47(s47_start_date="2026-02-01")]
        rows = rows if order == "icpc first" else rows[::-1]
        got = sheet(run_lists(exports(tmp_path / order, children=[kid()], s47=rows), AS_OF), "2")
        assert got[N_S47].tolist() == [1, 1], order
        assert got[N_ICPC].tolist() == [0, 0], order


def test_referrals_after_the_as_of_date_are_not_counted(tmp_path):
    refs = [{"child_id": "C1", "referral_date": d} for d in ("2026-01-10", AS_OF, "2026-03-05")]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], referrals=refs), AS_OF), "1b")
    assert got["Date of referral"].tolist() == [D("2026-01-10"), D(AS_OF)]
    assert got["Number of Referrals in Last 12 Months"].tolist() == [1, 1]


# --- choosing among records ------------------------------------------------------------

def test_latest_open_plan_is_chosen_by_start_date_before_end_date(tmp_path):
    cin = [{"child_id": "C1", "cin_plan_start_date": "2025-06-01", "cin_plan_end_date": "2026-06-30", "team": "late start"},
           {"child_id": "C1", "cin_plan_start_date": "2025-01-01", "cin_plan_end_date": "2026-12-31", "team": "late end"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cin_plans=cin), AS_OF), "4")
    assert got["CIN Plan Start Date"].tolist() == [D("2025-06-01")]
    assert got["Allocated Team"].tolist() == ["late start"]


def test_cin_start_date_and_primary_need_from_the_latest_referral_on_or_before_the_plan_start(tmp_path):
    cin = [{"child_id": c, "cin_plan_start_date": "2025-09-01"} for c in ("C1", "C2", "C3")]
    # Rows out of date order: the latest-dated referral on or before the plan's start wins
    # (one on the start day included), not the last row nor a later referral.
    refs = [{"child_id": "C1", "referral_date": AS_OF, "primary_need": "N1"},
            {"child_id": "C2", "referral_date": "2025-09-01", "primary_need": "N3"},
            {"child_id": "C1", "referral_date": "2025-02-01", "primary_need": "N2"},
            {"child_id": "C1", "referral_date": "2024-11-01", "primary_need": "N4"},
            {"child_id": "C3", "referral_date": "2025-09-02", "primary_need": "N5"}]   # the day after the start
    folder = exports(tmp_path, children=[kid(), kid("C2"), kid("C3")], cin_plans=cin, referrals=refs)
    got = sheet(run_lists(folder, AS_OF), "4")
    assert by_child(got, "CIN Start Date") == {"C1": D("2025-02-01"), "C2": D("2025-09-01"), "C3": pd.NaT}
    # C3 has no referral before its plan: its need falls back to its latest referral recording one.
    assert by_child(got, "Primary Need Code") == {"C1": "N2 - Child's disability",
                                                  "C2": "N3 - Parental disability or illness",
                                                  "C3": "N5 - Family dysfunction"}


def test_primary_need_falls_back_to_the_latest_referral_by_the_as_of_date_that_records_one(tmp_path):
    cin = [{"child_id": "C1", "cin_plan_start_date": "2025-09-01"}]
    refs = [{"child_id": "C1", "referral_date": "2025-08-01", "primary_need": ""},      # the episode's: no need
            {"child_id": "C1", "referral_date": "2024-01-01", "primary_need": "N4"},
            {"child_id": "C1", "referral_date": AS_OF, "primary_need": "N6"},           # on the as-of date: counts
            {"child_id": "C1", "referral_date": "2026-03-02", "primary_need": "N1"}]    # after it: not yet
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cin_plans=cin, referrals=refs), AS_OF), "4")
    assert got["CIN Start Date"].tolist() == [D("2025-08-01")]
    assert got["Primary Need Code"].tolist() == ["N6 - Socially unacceptable behaviour"]


def test_primary_need_blank_without_a_referrals_export(tmp_path):
    cin = [{"child_id": "C1", "cin_plan_start_date": "2025-09-01"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cin_plans=cin), AS_OF), "4")
    assert got["CIN Plan Start Date"].tolist() == [D("2025-09-01")]
    assert got["CIN Start Date"].isna().all()      # no referral: the episode's start is unknown
    assert got["Primary Need Code"].isna().all()


def test_icpc_result_derived_on_the_rows_kept_in_the_window(tmp_path):
    # The first two rows fall before the window: the derivation must follow the kept rows.
    # C2's conference is on the day C1's plan starts: only the child's own plans count.
    rows = [s47("C2", s47_start_date="2024-01-02", icpc_date="2024-01-20"),
            s47("C1", s47_start_date="2024-02-02", icpc_date="2024-02-20"),
            s47("C1", s47_start_date="2026-01-02", icpc_date="2026-01-20"),
            s47("C2", s47_start_date="2026-01-03", icpc_date="2026-01-20")]
    cp = [{"child_id": "C1", "cpp_start_date": "2026-01-20"}, {"child_id": "C2", "cpp_start_date": "2024-01-20"}]
    folder = exports(tmp_path, children=[kid(), kid("C2")], s47=rows, cp_plans=cp)
    got = sheet(run_lists(folder, AS_OF), "2")
    assert by_child(got, ICPC_RESULT) == {"C1": "a) Yes", "C2": "b) No"}


def test_child_details_ordered_by_s47_start_when_no_strategy_date(tmp_path):
    # No children table: details come from the child's latest event row; an s47 row without
    # a strategy discussion is dated by its enquiry start (5 Jan), before the contact (10 Jan).
    contacts = [{"child_id": "C1", "contact_date": "2026-01-10", "gender": "1", "disability": "LD"}]
    rows = [{**s47(s47_start_date="2026-01-05"), "gender": "2", "disability": "LD"}]
    got = sheet(run_lists(exports(tmp_path, contacts=contacts, s47=rows), AS_OF), "2")
    assert got["Gender"].tolist() == ["a) Male"]


# --- joins -------------------------------------------------------------------------------

def test_another_childs_referral_does_not_make_a_contact_a_referral(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": "2026-01-10", "led_to_referral": ""}]
    referrals = [{"child_id": "C2", "referral_date": "2026-01-12"}]
    folder = exports(tmp_path, children=[kid(), kid("C2")], contacts=contacts, referrals=referrals)
    assert sheet(run_lists(folder, AS_OF), "1a")["Contact Outcome"].tolist() == ["No referral"]


def test_referral_before_the_contact_does_not_make_it_a_referral(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": "2026-01-10", "led_to_referral": ""}]
    referrals = [{"child_id": "C1", "referral_date": "2026-01-08"}]
    folder = exports(tmp_path, children=[kid()], contacts=contacts, referrals=referrals)
    assert sheet(run_lists(folder, AS_OF), "1a")["Contact Outcome"].tolist() == ["No referral"]


# --- missing exports and config ------------------------------------------------------------

def test_no_cp_plans_export_leaves_sheet_5_out_and_icpc_result_no(tmp_path):
    # The first row falls before the window: the answer must follow the kept row.
    rows = [s47(s47_start_date="2024-01-02"), s47(s47_start_date="2026-01-02", icpc_date="2026-01-20")]
    run = run_lists(exports(tmp_path, children=[kid()], s47=rows), AS_OF)
    assert not result(run, "5").produced and sheet(run, "5").empty
    assert result(run, "5").unknown_children == 0  # the Summary's count for a list not produced
    assert result(run, "2").produced
    assert sheet(run, "2")[ICPC_RESULT].tolist() == ["b) No"]


def test_config_gender_and_ethnicity_mappings_are_applied(tmp_path):
    toml = tmp_path / "ofsted-lists.toml"
    toml.write_text('[values.gender]\n"Zeta 7" = "1"\n[values.ethnicity]\n"Zeta 9" = "WIRI"\n', encoding="utf-8")
    config = config_module.load(toml, explicit=True)
    folder = exports(tmp_path / "in", children=[kid(gender="Zeta 7", ethnicity="Zeta 9")],
                     contacts=[{"child_id": "C1", "contact_date": "2026-01-05"}])
    run = run_lists(folder, AS_OF, config=config)
    assert sheet(run, "1a")["Gender"].tolist() == ["a) Male"]
    assert sheet(run, "1a")["Ethnicity"].tolist() == ["b) WIRI"]
    assert found(run, quality.UNMAPPED_CODE) == []


def test_unmapped_source_is_written_as_it_came(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": "2026-01-05", "contact_source": "Zorblax 42"}]
    referrals = [{"child_id": "C1", "referral_date": "2026-01-06", "referral_source": "Quux 7"}]
    run = run_lists(exports(tmp_path, children=[kid()], contacts=contacts, referrals=referrals), AS_OF)
    assert sheet(run, "1a")["Contact Source"].tolist() == ["Zorblax 42"]
    assert sheet(run, "1b")["Referral Source"].tolist() == ["Quux 7"]
    assert [(f, r, c) for f, r, c, _ in found(run, quality.UNMAPPED_CODE)] == [
        ("contacts.csv", 2, "contact_source"), ("referrals.csv", 2, "referral_source")]


def test_unmapped_primary_need_and_categories_are_written_as_they_came_and_mapped_ones_as_labels(tmp_path):
    referrals = [{"child_id": "C1", "referral_date": "2026-01-06", "primary_need": "Frobnication"}]
    cin = [{"child_id": "C1", "cin_plan_start_date": "2026-01-20"}]
    cp = [{"child_id": "C1", "cpp_start_date": "2026-01-10", "initial_category": "Blorp", "latest_category": "NEG"}]
    run = run_lists(exports(tmp_path, children=[kid()], referrals=referrals, cin_plans=cin, cp_plans=cp), AS_OF)
    assert sheet(run, "4")["Primary Need Code"].tolist() == ["Frobnication"]
    got = sheet(run, "5")
    assert got["Initial Category of Abuse"].tolist() == ["Blorp"]
    assert got["Latest Category of Abuse"].tolist() == ["a) Neglect"]


def test_assessments_without_an_authorisation_column_show_outcome_and_support(tmp_path):
    a = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "assessment_outcome": "csc"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], assessments=a), AS_OF), "3")
    assert got["Assessment Outcome"].tolist() == ["Children's social care"]
    assert got[REQUIRING_SUPPORT].tolist() == ["a) Yes"]
    assert got["Continuous Assessment Date of Authorisation"].isna().all()


def test_children_left_off_for_unknown_disability_are_kept_once_each_with_their_latest_key_date(tmp_path):
    # C2 and C3 have no disability record: each is kept for the Unknown disability sheet with
    # its own latest date; on sheet 2 a row with no strategy date is dated by its enquiry start.
    contacts = [{"child_id": c, "contact_date": d} for c, d in
                [("C1", "2026-01-05"), ("C2", "2026-02-03"), ("C2", "2026-01-07"), ("C3", "2026-01-20")]]
    rows = [s47("C2", s47_start_date="2026-02-10"), s47("C3", strategy_date="2026-01-21", s47_start_date="2026-01-22")]
    folder = exports(tmp_path, children=[kid(), kid("C2", disability=""), kid("C3", disability="")],
                     contacts=contacts, s47=rows)
    run = run_lists(folder, AS_OF)
    unknown = result(run, "1a").unknown
    assert unknown.index.tolist() == ["C2", "C3"] and result(run, "1a").unknown_children == 2
    assert unknown.to_dict() == {"C2": D("2026-02-03"), "C3": D("2026-01-20")}
    assert result(run, "2").unknown.to_dict() == {"C2": D("2026-02-10"), "C3": D("2026-01-21")}
    assert sheet(run, "1a")["Child Unique ID"].tolist() == ["C1"]


def test_rows_of_one_child_on_one_day_are_ordered_by_their_other_columns_whatever_the_input_order(tmp_path):
    # Same child, same date: the order comes from the rows' own values, so a re-export in
    # another order gives the same workbook.
    contacts = [{"child_id": "C1", "contact_date": "2026-01-05", "contact_source": src} for src in ("6", "1A", "2A")]
    orders = []
    for i, rows in enumerate((contacts, contacts[::-1])):
        got = sheet(run_lists(exports(tmp_path / str(i), children=[kid()], contacts=rows), AS_OF), "1a")
        orders.append(got["Contact Source"].tolist())
    assert orders[0] == orders[1] == sorted(orders[0])


# --- other -----------------------------------------------------------------------------------

def test_configured_core_assessment_types_are_left_out(tmp_path):
    toml = tmp_path / "ofsted-lists.toml"
    toml.write_text('[values]\ncore_assessment_types = ["Initial assessment (old)"]\n', encoding="utf-8")
    config = config_module.load(toml, explicit=True)
    a = [{"child_id": "C1", "assessment_start_date": d, "assessment_type": t}
         for d, t in (("2026-01-05", "INITIAL ASSESSMENT - OLD"), ("2026-01-06", "Single assessment"),
                      ("2026-01-07", ""))]
    got = sheet(run_lists(exports(tmp_path / "in", children=[kid()], assessments=a), AS_OF, config=config), "3")
    assert got["Continuous Assessment Start Date"].tolist() == [D("2026-01-06"), D("2026-01-07")]


def test_other_agency_outcome_is_not_requiring_support(tmp_path):
    a = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "authorisation_date": "2026-02-10",
          "assessment_outcome": "other_agency"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], assessments=a), AS_OF), "3")
    assert got[REQUIRING_SUPPORT].tolist() == ["b) No"]


def test_the_configs_assessment_outcomes_apply_and_an_unknown_one_is_reported(tmp_path):
    toml = tmp_path / "ofsted-lists.toml"
    toml.write_text('[values.assessment_outcome]\n"Step up to CIN" = "csc"\n', encoding="utf-8")
    config = config_module.load(toml, explicit=True)
    a = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "authorisation_date": "2026-02-10",
          "assessment_outcome": "Step up to CIN"},
         {"child_id": "C1", "assessment_start_date": "2026-02-11", "authorisation_date": "2026-02-20",
          "assessment_outcome": "Maybe later"}]
    run = run_lists(exports(tmp_path / "in", children=[kid()], assessments=a), AS_OF, config=config)
    assert sheet(run, "3")[REQUIRING_SUPPORT].tolist()[0] == "a) Yes"
    t = run.findings.table()
    assert t.loc[t["Kind"] == quality.UNMAPPED_CODE, "Problem"].tolist() == [
        "value 'Maybe later' is not a known assessment outcome; read as unknown "
        "(map it under [values.assessment_outcome])"]


def test_contact_or_referral_up_to_40_weeks_before_birth_is_no_finding(tmp_path):
    # Born 2026-01-01; 40 weeks before is 2025-03-27: a day earlier is "event before birth".
    contacts = [{"child_id": "C1", "contact_date": d} for d in ("2025-03-27", "2025-03-26", "2025-12-31")]
    referrals = [{"child_id": "C1", "referral_date": d} for d in ("2025-03-27", "2025-03-26")]
    folder = exports(tmp_path, children=[kid(dob="2026-01-01")], contacts=contacts, referrals=referrals)
    assert found(run_lists(folder, AS_OF), quality.BEFORE_BIRTH) == [
        ("contacts.csv", 3, "contact_date", "C1"), ("referrals.csv", 3, "referral_date", "C1")]


def test_s47_before_birth_has_the_same_40_week_allowance(tmp_path):
    # SPEC §3.3: s47 enquiries and CP plans for an unborn child are normal practice.
    rows = [s47(s47_start_date="2025-12-31"), s47(s47_start_date="2025-03-26"), s47(s47_start_date="2025-03-27")]
    run = run_lists(exports(tmp_path, children=[kid(dob="2026-01-01")], s47=rows), AS_OF)
    assert found(run, quality.BEFORE_BIRTH) == [("s47.csv", 3, "strategy_date", "C1")]


def test_child_missing_from_children_is_reported_at_its_event_row(tmp_path):
    contacts = [{"child_id": c, "contact_date": "2026-01-05"} for c in ("C1", "C2", "C1")]
    run = run_lists(exports(tmp_path, children=[kid()], contacts=contacts), AS_OF)
    assert found(run, quality.CHILD_NOT_IN_CHILDREN) == [("contacts.csv", 3, "child_id", "C2")]


def test_expected_dob_passed_is_reported_for_that_child_only(tmp_path):
    children = [kid("U1", dob="", expected_dob=AS_OF), kid("B2", expected_dob="2015-05-01"),
                kid("U3", dob="", expected_dob="2026-03-02")]
    run = run_lists(exports(tmp_path, children=children, contacts=[]), AS_OF)
    assert found(run, quality.EXPECTED_DOB_PASSED) == [("children.csv", 2, "expected_dob", "U1")]


# --- strengthened: plan ties and overlapping plans --------------------------------------------

def _tied_plans():
    return [{"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "2026-06-01", "team": "Team A"},
            {"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "", "team": "Team B"}]


def test_same_day_cp_plans_the_open_one_wins_whatever_the_row_order(tmp_path):
    for order, plans in (("ab", _tied_plans()), ("ba", _tied_plans()[::-1])):
        got = sheet(run_lists(exports(tmp_path / order, children=[kid()], cp_plans=plans), AS_OF), "5")
        assert got["Allocated Team"].tolist() == ["Team B"], order


def test_overlapping_open_plan_reported_at_the_plan_not_chosen(tmp_path):
    plans = [{"child_id": "C1", "cpp_start_date": "2025-01-01", "cpp_end_date": "", "team": "older"},
             {"child_id": "C1", "cpp_start_date": "2025-06-01", "cpp_end_date": "", "team": "chosen"},
             {"child_id": "C1", "cpp_start_date": "2024-01-01", "cpp_end_date": "2024-06-01", "team": "ended"}]
    run = run_lists(exports(tmp_path, children=[kid()], cp_plans=plans), AS_OF)
    assert sheet(run, "5")["Allocated Team"].tolist() == ["chosen"]
    assert found(run, quality.OVERLAPPING_PLANS) == [("cp_plans.csv", 2, "cpp_start_date", "C1")]
    t = run.findings.table()
    assert t.loc[t["Kind"] == quality.OVERLAPPING_PLANS, "Problem"].tolist() == [
        "another cp plans record is open at the as-of date; the latest-starting one is used"]


# --- history-dependent values taken as given (SPEC §3.5) ----------------------------------

def test_parse_counts_takes_whole_numbers_and_reports_the_rest():
    from ofsted_lists.values import parse_counts

    got = parse_counts(pd.Series(["0", "2", " 3 ", "4.0", "", "-1", "2.5", "x", None, "10"]))
    assert got.values.tolist() == [0, 2, 3, 4, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, 10]
    assert got.bad.tolist() == [False, False, False, False, False, True, True, True, False, False]
    assert str(got.values.dtype) == "Int64"
    kept = parse_counts(pd.Series(["1", "x"], index=[7, 3]))  # a filtered frame's index is kept
    assert list(kept.values.index) == [7, 3] and list(kept.bad.index) == [7, 3]


def test_given_or_derived_keeps_each_given_value_and_says_where_they_came_from():
    from ofsted_lists.lists._common import given_or_derived

    derived = pd.Series([5, 1, 4], index=[10, 11, 12])
    values, how = given_or_derived("N", pd.Series([pd.NA, 2, 0], dtype="Int64"), derived)
    assert values.tolist() == [5, 2, 0] and list(values.index) == [10, 11, 12]
    assert how == "N: taken from the input for 2 of 3 rows, derived for the rest"
    _, how = given_or_derived("N", pd.Series([1, 2, 0], dtype="Int64"), derived)
    assert how == "N: taken from the input as given"
    values, how = given_or_derived("N", pd.Series([pd.NA] * 3, dtype="Int64"), derived)
    assert values.tolist() == [5, 1, 4] and how == "N: derived from the records"
    values, how = given_or_derived("N", pd.Series([], dtype="Int64"), pd.Series([], dtype="Int64"))
    assert values.tolist() == [] and how == "N: derived from the records"


def test_given_counts_reach_sheets_1b_2_and_5_and_a_bad_one_is_derived(tmp_path):
    kids = [kid("C1"), kid("C2"), kid("C3")]
    refs = [{"child_id": c, "referral_date": "2026-02-01", "referrals_12m": n}
            for c, n in (("C1", "0"), ("C2", "7"), ("C3", "-1"))]
    refs.append({"child_id": "C3", "referral_date": "2025-12-01", "referrals_12m": ""})
    s47s = [s47("C1", strategy_date="2026-02-02", s47_start_date="2026-02-02", s47_12m="3", icpc_12m="2")]
    plans = [{"child_id": "C1", "cpp_start_date": "2026-02-10", "previous_cp_plans": "4"},
             {"child_id": "C2", "cpp_start_date": "2026-02-10", "previous_cp_plans": ""}]
    run = run_lists(exports(tmp_path, children=kids, referrals=refs, s47=s47s, cp_plans=plans), AS_OF)
    got = sheet(run, "1b")
    latest = got.sort_values("Date of referral").drop_duplicates("Child Unique ID", keep="last")
    assert by_child(latest, "Number of Referrals in Last 12 Months") == {"C1": 0, "C2": 7, "C3": 1}
    assert found(run, quality.BAD_COUNT)[0][2] == "referrals_12m"
    two = sheet(run, "2")
    assert by_child(two, N_S47) == {"C1": 3} and by_child(two, N_ICPC) == {"C1": 2}
    assert by_child(sheet(run, "5"), "Number of Previous Child Protection Plans") == {"C1": 4, "C2": 0}
    # The Summary names each column with where its values came from.
    assert result(run, "1b").history == \
        "Number of Referrals in Last 12 Months: taken from the input for 2 of 4 rows, derived for the rest"
    assert f"{N_S47}: taken from the input as given" in result(run, "2").history
    assert f"{N_ICPC}: taken from the input as given" in result(run, "2").history
    assert result(run, "5").history == \
        "Number of Previous Child Protection Plans: taken from the input for 1 of 2 rows, derived for the rest"


# --- sheets 4 and 5: every column of Annex A Lists 6 and 7 ---------------------------------

CHILD_AND_FLAG = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                  "Does the Child have a Disability"]
EPO = "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)"
EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


def episode_903(child: str, decom: str, ls: str, dec: str = "") -> dict:
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=child, DECOM=decom, RNE="S", LS=ls, CIN="N1", PLACE="U1", PLACE_PROVIDER="PR1", DEC=dec,
               REC="E11" if dec else "")
    return row


def test_sheets_4_and_5_have_every_annex_a_list_6_and_7_column_in_order_then_the_extras(tmp_path):
    folder = exports(tmp_path, children=[kid()], cin_plans=[{"child_id": "C1", "cin_plan_start_date": "2025-09-01"}],
                     cp_plans=[{"child_id": "C1", "cpp_start_date": "2025-10-01"}])
    run = run_lists(folder, AS_OF)
    assert list(sheet(run, "4").columns) == [
        *CHILD_AND_FLAG, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
        "Reason for Closure", "Case Status", "Allocated Team", "Allocated Worker",
        "CIN Plan Start Date", "Days on Plan", "Disability Codes"]
    assert list(sheet(run, "5").columns) == [
        *CHILD_AND_FLAG, "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
        "Date of the Last Statutory Visit", "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date", EPO, "Number of Previous Child Protection Plans", "Allocated Team",
        "Allocated Worker", "Days on Plan", "Disability Codes"]
    row = sheet(run, "4").iloc[0]
    # No visits, referrals or 903: the derived columns are blank, case status falls to CP plan (open).
    assert pd.isna(row["Date Child Was Last Seen"]) and pd.isna(row["CIN Closure Date"])
    assert pd.isna(row["Reason for Closure"]) and row["Case Status"] == "b) Child Protection plan"
    row5 = sheet(run, "5").iloc[0]
    assert pd.isna(row5["Date of the Last Statutory Visit"]) and pd.isna(row5["Was the Child Seen Alone?"])
    assert pd.isna(row5["Child Protection Plan End Date"]) and row5[EPO] == "b) No"


def test_sheet_4_case_status_and_date_last_seen_through_the_pipeline(tmp_path):
    cin = [{"child_id": c, "cin_plan_start_date": "2025-09-01"} for c in ("LA", "SB", "CIN")]
    visits = [{"child_id": "LA", "visit_date": "2026-02-20", "visit_type": "cla", "child_seen": "yes"},
              {"child_id": "LA", "visit_date": "2026-02-25", "visit_type": "cin", "child_seen": "no"},
              {"child_id": "CIN", "visit_date": AS_OF, "visit_type": "", "child_seen": ""}]
    folder = exports(tmp_path, children=[kid(c) for c in ("LA", "SB", "CIN")], cin_plans=cin, visits=visits)
    write_csv(folder / "episodes.csv", [episode_903("LA", "2025-12-01", "C2"), episode_903("SB", "2025-12-01", "V4")],
              EPISODE_HEADINGS)
    got = sheet(run_lists(folder, AS_OF), "4")
    assert by_child(got, "Case Status") == {"LA": "a) Looked after child", "SB": "c) Child in need plan",
                                            "CIN": "c) Child in need plan"}
    assert by_child(got, "Date Child Was Last Seen") == {"LA": D("2026-02-20"), "SB": pd.NaT, "CIN": D(AS_OF)}


def test_sheet_5_last_statutory_visit_from_the_plan_start_day_and_the_epo_flag(tmp_path):
    cp = [{"child_id": c, "cpp_start_date": "2026-01-10"} for c in ("A", "B", "C")]
    visits = [{"child_id": "A", "visit_date": "2026-01-09", "visit_type": "cp", "seen_alone": "yes"},  # day before
              {"child_id": "A", "visit_date": "2026-01-10", "visit_type": "cp", "seen_alone": "no"},   # start day
              {"child_id": "B", "visit_date": "2026-01-09", "visit_type": "cp", "seen_alone": "yes"},
              {"child_id": "C", "visit_date": "2026-02-01", "visit_type": "cp", "seen_alone": ""}]
    orders = [{"child_id": "A", "order_type": "Emergency Protection Order", "start_date": "2025-08-25",
               "end_date": "2025-09-01"},                                          # ends on the window start
              {"child_id": "B", "order_type": "Police Protection", "start_date": "2025-08-25",
               "end_date": "2025-08-31"}]                                          # the day before it
    folder = exports(tmp_path, children=[kid(c) for c in "ABC"], cp_plans=cp, visits=visits, orders=orders)
    got = sheet(run_lists(folder, AS_OF), "5")
    assert by_child(got, "Date of the Last Statutory Visit") == {"A": D("2026-01-10"), "B": pd.NaT,
                                                                 "C": D("2026-02-01")}
    assert got["Was the Child Seen Alone?"].fillna("").tolist() == ["b) No", "", "c) Unknown"]
    assert by_child(got, EPO) == {"A": "a) Yes", "B": "b) No", "C": "b) No"}


def test_sheet_5_takes_the_epo_flag_an_input_gives_as_it_stands(tmp_path):
    cp = [{"child_id": "A", "cpp_start_date": "2026-01-10", "epo_6_months": "a) Yes"},
          {"child_id": "B", "cpp_start_date": "2026-01-10", "epo_6_months": ""}]
    orders = [{"child_id": "B", "order_type": "EPO", "start_date": "2026-01-01", "end_date": "2026-01-05"}]
    folder = exports(tmp_path, children=[kid("A"), kid("B")], cp_plans=cp, orders=orders)
    assert by_child(sheet(run_lists(folder, AS_OF), "5"), EPO) == {"A": "a) Yes", "B": "a) Yes"}


def test_previous_cp_plans_do_not_count_plans_of_another_la(tmp_path):
    cp = [{"child_id": "C1", "cpp_start_date": "2020-01-01", "cpp_end_date": "2020-06-01", "ola": "yes"},
          {"child_id": "C1", "cpp_start_date": "2021-01-01", "cpp_end_date": "2021-06-01", "ola": "no"},
          {"child_id": "C1", "cpp_start_date": "2022-01-01", "cpp_end_date": "2022-06-01", "ola": ""},
          {"child_id": "C1", "cpp_start_date": "2026-01-10", "cpp_end_date": "", "ola": "no"}]
    got = sheet(run_lists(exports(tmp_path, children=[kid()], cp_plans=cp), AS_OF), "5")
    assert got["Number of Previous Child Protection Plans"].tolist() == [2]


def test_assessment_outcome_is_written_in_words(tmp_path):
    a = [{"child_id": f"C{i}", "assessment_start_date": "2026-02-01", "authorisation_date": "2026-02-10",
          "assessment_outcome": o} for i, o in enumerate(("nfa", "other_agency", "csc", "s47", "Frobnicate"))]
    folder = exports(tmp_path, children=[kid(f"C{i}") for i in range(5)], assessments=a)
    got = sheet(run_lists(folder, AS_OF), "3")
    # An unmapped outcome reads unknown: blank.
    assert by_child(got.fillna({"Assessment Outcome": ""}), "Assessment Outcome") == {
        "C0": "No further action", "C1": "Other agencies or early help", "C2": "Children's social care",
        "C3": "Section 47", "C4": ""}
