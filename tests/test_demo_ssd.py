"""`demo-data --format ssd`: the same synthetic LA as Data to Insight's SSD extracts plus a
CSV of what the SSD does not hold. Counted here with the csv and json modules, not the
tool's reader."""

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import csv_rows, demo_through_cli
from ofsted_lists import demo

UNTIL = dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, Path]:
    """The same seed as CMS CSVs and as SSD extracts, through the real command line."""
    return tuple(demo_through_cli(tmp_path_factory, UNTIL, "csv", "ssd"))


def test_the_ssd_extracts_hold_the_csv_sets_records_under_the_ssds_names(both):
    cms, ssd = both
    assert sorted(p.name for p in ssd.iterdir()) == sorted(["strategy_discussions.csv", "orders.csv",
                                                            *(f"{t}.csv" for t in demo_ssd_files())])
    assert (ssd / "orders.csv").read_bytes() == (cms / "orders.csv").read_bytes()
    visits = csv_rows(cms / "visits.csv")
    for kind, prefix in (("cin", "cinv"), ("cp", "cppv")):
        assert [(r["child_id"], r["visit_date"], r["child_seen"], r["seen_alone"]) for r in visits
                if r["visit_type"] == kind] == [
            (r[f"{prefix}_person_id"], r[f"{prefix}_{kind}_visit_date"], r[f"{prefix}_{kind}_visit_seen"],
             r[f"{prefix}_{kind}_visit_seen_alone"]) for r in csv_rows(ssd / f"ssd_{kind}_visits.csv")], kind
    for table, ssd_table, column, ssd_column in (
            ("children", "ssd_person", "child_id", "pers_person_id"),
            ("contacts", "ssd_contacts", "contact_id", "cont_contact_id"),
            ("referrals", "ssd_cin_episodes", "referral_id", "cine_referral_id"),
            ("assessments", "ssd_cin_assessments", "assessment_id", "cina_assessment_id"),
            ("cin_plans", "ssd_cin_plans", "cin_plan_start_date", "cinp_cin_plan_start_date"),
            ("cp_plans", "ssd_cp_plans", "cpp_start_date", "cppl_cp_plan_start_date"),
            ("early_help", "ssd_early_help_episodes", "eh_start_date", "earl_episode_start_date")):
        given = [r[column] for r in csv_rows(cms / f"{table}.csv")]
        assert given and given == [r[ssd_column] for r in csv_rows(ssd / f"{ssd_table}.csv")], table
    s47 = csv_rows(cms / "s47.csv")
    enquiries = [r for r in s47 if r["s47_start_date"]]
    assert [r["s47_id"] for r in enquiries] == [r["s47e_s47_enquiry_id"] for r in csv_rows(ssd / "ssd_s47_enquiry.csv")]
    assert [r["s47_id"] for r in csv_rows(ssd / "strategy_discussions.csv")] == [r["s47_id"] for r in s47
                                                                               if not r["s47_start_date"]]
    icpc = csv_rows(ssd / "ssd_initial_cp_conference.csv")
    assert [(r["icpc_s47_enquiry_id"], r["icpc_icpc_date"]) for r in icpc] == [
        (r["s47_id"], r["icpc_date"]) for r in enquiries if r["icpc_date"]]


def test_workers_and_teams_are_ids_that_the_side_tables_name(both):
    cms, ssd = both
    names = {r["prof_professional_id"]: r["prof_professional_name"] for r in csv_rows(ssd / "ssd_professionals.csv")}
    teams = {r["dept_team_id"]: r["dept_team_name"] for r in csv_rows(ssd / "ssd_department.csv")}
    referrals = csv_rows(ssd / "ssd_cin_episodes.csv")
    assert [names.get(r["cine_referral_worker_id"], "") for r in referrals] == [
        r["worker"] for r in csv_rows(cms / "referrals.csv")]
    assert [teams[r["cine_referral_team"]] for r in referrals] == [r["team"] for r in csv_rows(cms / "referrals.csv")]
    plans = [r for r in csv_rows(cms / "cp_plans.csv") if r["ola"] != "Y"]  # another LA's: no allocation here
    involvements = csv_rows(ssd / "ssd_involvements.csv")[:len(plans)]  # the CP plans' allocations come first
    assert [(r["invo_person_id"], r["invo_involvement_start_date"], names[r["invo_professional_id"]],
             teams[r["invo_professional_team"]]) for r in involvements] == [
        (r["child_id"], r["cpp_start_date"], r["worker"], r["team"]) for r in plans]


def test_outcomes_are_the_ssds_json_flags_with_every_key(both):
    cms, ssd = both
    contacts = [json.loads(r["cont_contact_outcome_json"]) for r in csv_rows(ssd / "ssd_contacts.csv")]
    assert all(len(c) == 10 for c in contacts)
    assert [c["NEW_REFERRAL_FLAG"] for c in contacts] == [r["led_to_referral"] for r in csv_rows(cms / "contacts.csv")]
    flag = {"nfa": "NFA_FLAG", "other_agency": "REFERRAL_TO_OTHER_AGENCY_FLAG", "csc": "PROV_OF_SERVICES_FLAG",
            "s47": "STRATEGY_DISCUSSION_FLAG"}
    for row, given in zip(csv_rows(ssd / "ssd_cin_assessments.csv"), csv_rows(cms / "assessments.csv"), strict=True):
        outcome = json.loads(row["cina_assessment_outcome_json"])
        assert [k for k, v in outcome.items() if v == "Y"] == ([flag[given["assessment_outcome"]]]
                                                               if given["assessment_outcome"] else [])


def test_ssd_extracts_replace_a_csv_set_and_a_csv_set_replaces_them(tmp_path):
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL)
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL, fmt="ssd")
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(first) == sorted(["strategy_discussions.csv", "orders.csv",
                                    *(f"{t}.csv" for t in demo_ssd_files())])
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL, fmt="ssd")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first  # the same seed, the same bytes
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in demo.TABLE_ORDER)


def demo_ssd_files() -> list[str]:
    return ["ssd_person", "ssd_disability", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments",
            "ssd_s47_enquiry", "ssd_initial_cp_conference", "ssd_cin_plans", "ssd_cp_plans", "ssd_cp_reviews",
            "ssd_early_help_episodes", "ssd_involvements", "ssd_professionals", "ssd_department",
            "ssd_cin_visits", "ssd_cp_visits"]
