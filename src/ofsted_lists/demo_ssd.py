"""The synthetic LA of `demo` written as Data to Insight's SSD extracts (`ssd_*.csv`, the
SSD's table and field names: annex-a-full.md §5.1), with CMS CSVs of what the SSD does
not hold (SPEC §3.5): strategy discussions that started no enquiry, and the EPO and
police-protection orders (the reader takes no `ssd_legal_status`).

As a real extract would: workers are professional ids (`ssd_professionals` names them),
teams are department ids (`ssd_department`), a CP plan's and an early help episode's team
and worker are their `ssd_involvements`, outcomes are the SSD's JSON flags, ICPCs and CP
plan reviews are tables of their own, categories of abuse are the SSD's descriptions and
gender is `pers_gender`'s two-digit code. What the SSD cannot carry is left out: a
contact's team and worker, the assessment's type, the s47 outcome's wording, the early
help type, previous CP plans, the dates of disability records, and a visit's worker and
statutory flag (CIN, CP and CLA visits are `ssd_cin_visits`, `ssd_cp_visits` and
`ssd_cla_visits`; IRO contacts, which the SSD has no table for, a CMS `visits.csv`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from . import demo
from .demo_cin import _text

STRATEGY_ONLY = "strategy_discussions"  # s47 rows with no enquiry, as a CMS CSV of the s47 table
ORDERS = "orders"  # the orders, as a CMS CSV
IRO_VISITS = "visits"  # IRO contacts (demo-data --with-returns), as a CMS CSV of the visits table
# Every ssd_*.csv this writes (demo._remove_previous clears them).
FILES = ("ssd_person", "ssd_disability", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments",
         "ssd_s47_enquiry", "ssd_initial_cp_conference", "ssd_cin_plans", "ssd_cp_plans", "ssd_cp_reviews",
         "ssd_early_help_episodes", "ssd_involvements", "ssd_professionals", "ssd_department",
         "ssd_cin_visits", "ssd_cp_visits", "ssd_cla_visits")
_GENDER = {"1": "01", "2": "02", "9": "09", "0": "00"}
_SEX = {"1": "M", "2": "F", "9": "U", "0": "U"}
_CATEGORY = {"NEG": "Neglect", "EMO": "Emotional abuse", "PHY": "Physical abuse", "SAB": "Sexual abuse",
             "MUL": "Multiple"}
# The SSD standard: every key in the structure, whatever is recorded.
_CONTACT_KEYS = ("NEW_REFERRAL_FLAG", "EXISTING_REFERRAL_FLAG", "CP_ENQUIRY_FLAG", "NFA_FLAG",
                 "NON_AGENCY_ADOPTION_FLAG", "PRIVATE_FOSTERING_FLAG", "ADVICE_FLAG", "MISSING_FLAG", "OLA_CP_FLAG",
                 "OTHER_OUTCOMES_EXIST_FLAG")
_REFERRAL_KEYS = ("SINGLE_ASSESSMENT_FLAG", "NFA_FLAG", "STRATEGY_DISCUSSION_FLAG", "CLA_REQUEST_FLAG",
                  "NON_AGENCY_ADOPTION_FLAG", "PRIVATE_FOSTERING_FLAG", "CP_TRANSFER_IN_FLAG", "CP_CONFERENCE_FLAG",
                  "CARE_LEAVER_FLAG", "OTHER_OUTCOMES_EXIST_FLAG")
_ASSESSMENT_KEYS = ("NFA_FLAG", "NFA_S47_END_FLAG", "STRATEGY_DISCUSSION_FLAG", "CLA_REQUEST_FLAG",
                    "PRIVATE_FOSTERING_FLAG", "LEGAL_ACTION_FLAG", "PROV_OF_SERVICES_FLAG", "PROV_OF_SB_CARE_FLAG",
                    "SPECIALIST_ASSESSMENT_FLAG", "REFERRAL_TO_OTHER_AGENCY_FLAG", "OTHER_ACTIONS_FLAG",
                    "OTHER_OUTCOMES_EXIST_FLAG")
_S47_KEYS = ("NFA_FLAG", "LEGAL_ACTION_FLAG", "PROV_OF_SERVICES_FLAG", "PROV_OF_SB_CARE_FLAG", "CP_CONFERENCE_FLAG",
             "NFA_CONTINUE_SINGLE_FLAG", "MONITOR_FLAG", "OTHER_OUTCOMES_EXIST_FLAG")
_ASSESSMENT_FLAG = {"nfa": "NFA_FLAG", "other_agency": "REFERRAL_TO_OTHER_AGENCY_FLAG", "csc": "PROV_OF_SERVICES_FLAG",
                    "s47": "STRATEGY_DISCUSSION_FLAG"}


def _json(keys: tuple[str, ...], yes: str | None = None, no: tuple[str, ...] = ()) -> str:
    """The outcome JSON with `yes` set, the `no` keys N and the rest blank; all blank when
    nothing is recorded (`yes` None and no `no`)."""
    recorded = yes is not None or bool(no)
    return json.dumps({k: "Y" if k == yes else "N" if recorded else "" for k in keys})


def write(frames: dict[str, demo.Frame], out_dir: Path, until: dt.date) -> dict[str, int]:
    """Write the `ssd_*.csv` extracts and the strategy-discussion CSV into `out_dir`; rows
    per canonical table, as `demo.generate`."""
    counts = {name: demo._rows(frames[name]) for name in demo.TABLE_ORDER}
    t = {name: _text(frames[name]) for name in demo.TABLE_ORDER}
    people = _Ids(t, ("worker",), "PRO", 5)
    teams = _Ids(t, ("team",), "TEAM", 3)

    def save(name: str, frame: pd.DataFrame) -> None:
        frame.to_csv(out_dir / f"{name}.csv", index=False, lineterminator="\n")

    kids = t["children"]
    save("ssd_person", pd.DataFrame({
        "pers_legacy_id": "L" + kids["child_id"].str[1:], "pers_person_id": kids["child_id"],
        "pers_sex": kids["gender"].map(_SEX).fillna(""), "pers_gender": kids["gender"].map(_GENDER).fillna(""),
        "pers_ethnicity": kids["ethnicity"], "pers_dob": kids["dob"], "pers_expected_dob": kids["expected_dob"]}))
    codes = [(c, code) for c, given in zip(kids["child_id"], kids["disability"]) for code in given.split(",") if code]
    codes += list(zip(t["disabilities"]["child_id"], t["disabilities"]["disability_code"]))
    codes = list(dict.fromkeys(codes))  # one row per child and code, as the census holds them
    save("ssd_disability", pd.DataFrame({"disa_table_id": [f"D{i:07d}" for i in range(1, len(codes) + 1)],
                                         "disa_person_id": [c for c, _ in codes],
                                         "disa_disability_code": [d for _, d in codes]}))
    c = t["contacts"]
    outcome = {"Y": _json(_CONTACT_KEYS, "NEW_REFERRAL_FLAG"), "N": _json(_CONTACT_KEYS, "NFA_FLAG"),
               "": _json(_CONTACT_KEYS)}
    save("ssd_contacts", pd.DataFrame({
        "cont_contact_id": c["contact_id"], "cont_person_id": c["child_id"], "cont_contact_date": c["contact_date"],
        "cont_contact_source_code": c["contact_source"],
        "cont_contact_outcome_json": c["led_to_referral"].map(outcome)}))
    r = t["referrals"]
    outcome = {"Y": _json(_REFERRAL_KEYS, "NFA_FLAG"), "N": _json(_REFERRAL_KEYS, "SINGLE_ASSESSMENT_FLAG"),
               "": _json(_REFERRAL_KEYS)}
    save("ssd_cin_episodes", pd.DataFrame({
        "cine_referral_id": r["referral_id"], "cine_person_id": r["child_id"], "cine_referral_date": r["referral_date"],
        "cine_cin_primary_need_code": r["primary_need"], "cine_referral_source_code": r["referral_source"],
        "cine_referral_outcome_json": r["referral_nfa"].map(outcome), "cine_referral_nfa": r["referral_nfa"],
        "cine_close_reason": r["closure_reason"], "cine_close_date": r["closure_date"],
        "cine_referral_team": teams.of(r["team"]), "cine_referral_worker_id": people.of(r["worker"])}))
    a = t["assessments"]
    outcome = {o: _json(_ASSESSMENT_KEYS, flag) for o, flag in _ASSESSMENT_FLAG.items()} | {"": _json(_ASSESSMENT_KEYS)}
    save("ssd_cin_assessments", pd.DataFrame({
        "cina_assessment_id": a["assessment_id"], "cina_person_id": a["child_id"],
        "cina_assessment_start_date": a["assessment_start_date"], "cina_assessment_child_seen": a["child_seen"],
        "cina_assessment_auth_date": a["authorisation_date"],
        "cina_assessment_outcome_json": a["assessment_outcome"].map(outcome),
        "cina_assessment_outcome_nfa": a["assessment_outcome"].map(
            lambda o: "Y" if o == "nfa" else "N" if o else ""),
        "cina_assessment_team": teams.of(a["team"]), "cina_assessment_worker_id": people.of(a["worker"])}))
    s47 = t["s47"]
    s47[s47["s47_start_date"] == ""].to_csv(out_dir / f"{STRATEGY_ONLY}.csv", index=False, lineterminator="\n")
    e = s47[s47["s47_start_date"] != ""]
    conference = {"N": _json(_S47_KEYS, "CP_CONFERENCE_FLAG"), "Y": _json(_S47_KEYS, "PROV_OF_SERVICES_FLAG"),
                  "": _json(_S47_KEYS)}
    save("ssd_s47_enquiry", pd.DataFrame({
        "s47e_s47_enquiry_id": e["s47_id"], "s47e_person_id": e["child_id"], "s47e_s47_start_date": e["s47_start_date"],
        "s47e_s47_outcome_json": e["icpc_not_required"].map(conference),
        "s47e_s47_completed_by_team": teams.of(e["team"]), "s47e_s47_completed_by_worker_id": people.of(e["worker"])}))
    held = e[e["icpc_date"] != ""]
    save("ssd_initial_cp_conference", pd.DataFrame({
        "icpc_icpc_id": "IC" + held["s47_id"].str[1:], "icpc_s47_enquiry_id": held["s47_id"],
        "icpc_person_id": held["child_id"], "icpc_icpc_date": held["icpc_date"],
        "icpc_icpc_outcome_cp_flag": held["icpc_led_to_cpp"]}))
    n = t["cin_plans"]
    save("ssd_cin_plans", pd.DataFrame({
        "cinp_cin_plan_id": [f"CP{i:07d}" for i in range(1, len(n) + 1)], "cinp_person_id": n["child_id"],
        "cinp_cin_plan_start_date": n["cin_plan_start_date"], "cinp_cin_plan_end_date": n["cin_plan_end_date"],
        "cinp_cin_plan_team": teams.of(n["team"]), "cinp_cin_plan_worker_id": people.of(n["worker"])}))
    p = t["cp_plans"]
    plan_ids = pd.Series([f"PP{i:07d}" for i in range(1, len(p) + 1)], index=p.index)
    save("ssd_cp_plans", pd.DataFrame({
        "cppl_cp_plan_id": plan_ids, "cppl_person_id": p["child_id"], "cppl_cp_plan_start_date": p["cpp_start_date"],
        "cppl_cp_plan_end_date": p["cpp_end_date"],
        "cppl_cp_plan_initial_category": p["initial_category"].map(_CATEGORY),
        "cppl_cp_plan_ola": p["ola"], "cppl_cp_plan_latest_category": p["latest_category"].map(_CATEGORY)}))
    save("ssd_cp_reviews", _reviews(p, plan_ids))
    v = t["visits"]
    for kind, prefix, name in (("cin", "cinv", "cin"), ("cp", "cppv", "cp"), ("cla", "clav", "cla")):
        k = v[v["visit_type"] == kind]
        if kind == "cla" and k.empty:
            continue  # children in care come with --with-returns only
        save(f"ssd_{name}_visits", pd.DataFrame({
            f"{prefix}_{name}_visit_id": [f"V{kind.upper()}{i:07d}" for i in range(1, len(k) + 1)],
            f"{prefix}_person_id": k["child_id"], f"{prefix}_{name}_visit_date": k["visit_date"],
            f"{prefix}_{name}_visit_seen": k["child_seen"], f"{prefix}_{name}_visit_seen_alone": k["seen_alone"]}))
    t["orders"].to_csv(out_dir / f"{ORDERS}.csv", index=False, lineterminator="\n")
    iro = v[v["visit_type"] == "iro"]
    if not iro.empty:  # the SSD has no IRO contacts table: a CMS CSV of them
        iro.to_csv(out_dir / f"{IRO_VISITS}.csv", index=False, lineterminator="\n")
    h = t["early_help"]
    save("ssd_early_help_episodes", pd.DataFrame({
        "earl_episode_id": [f"EH{i:07d}" for i in range(1, len(h) + 1)], "earl_person_id": h["child_id"],
        "earl_episode_start_date": h["eh_start_date"], "earl_episode_end_date": h["eh_end_date"],
        "earl_episode_organisation": h["lead_organisation"], "earl_episode_worker_id": people.of(h["worker"])}))
    # The allocations behind the CP plans and early help episodes, which name no team of their
    # own (another LA's plans have none here).
    p = p[p["ola"] != "Y"]
    allocated = pd.concat([
        pd.DataFrame({"child": p["child_id"], "worker": p["worker"], "team": p["team"], "start": p["cpp_start_date"],
                      "end": p["cpp_end_date"]}),
        pd.DataFrame({"child": h["child_id"], "worker": h["worker"], "team": h["team"], "start": h["eh_start_date"],
                      "end": h["eh_end_date"]}),
    ], ignore_index=True)
    save("ssd_involvements", pd.DataFrame({
        "invo_involvements_id": [f"IN{i:07d}" for i in range(1, len(allocated) + 1)],
        "invo_professional_id": people.of(allocated["worker"]), "invo_professional_role_id": "Allocated Case Worker",
        "invo_professional_team": teams.of(allocated["team"]),
        "invo_involvement_start_date": allocated["start"], "invo_involvement_end_date": allocated["end"],
        "invo_person_id": allocated["child"]}))
    save("ssd_professionals", pd.DataFrame({"prof_professional_id": list(people.ids.values()),
                                            "prof_professional_name": list(people.ids),
                                            "prof_professional_job_title": "Social Worker"}))
    save("ssd_department", pd.DataFrame({"dept_team_id": list(teams.ids.values()), "dept_team_name": list(teams.ids)}))
    return counts


class _Ids:
    """Made-up ids for the distinct values of some columns (workers, teams), in name order."""

    def __init__(self, tables: dict[str, pd.DataFrame], columns: tuple[str, ...], prefix: str, width: int):
        names = sorted({v for frame in tables.values() for col in columns if col in frame for v in frame[col] if v})
        self.ids = {name: f"{prefix}{i:0{width}d}" for i, name in enumerate(names, 1)}

    def of(self, values: pd.Series) -> pd.Series:
        return values.map(self.ids).fillna("")


def _reviews(p: pd.DataFrame, plan_ids: pd.Series) -> pd.DataFrame:
    """Each plan's latest review conference, and one between the plan's start and it."""
    has = p[p["last_review_date"] != ""]
    start = pd.to_datetime(has["cpp_start_date"])
    last = pd.to_datetime(has["last_review_date"])
    earlier = (start + (last - start) / 2).dt.normalize()
    mid = has[(earlier > start) & (earlier < last)]
    rows = pd.concat([
        pd.DataFrame({"plan": plan_ids[has.index], "child": has["child_id"], "date": has["last_review_date"]}),
        pd.DataFrame({"plan": plan_ids[mid.index], "child": mid["child_id"],
                      "date": earlier[mid.index].dt.strftime("%Y-%m-%d")}),
    ]).sort_values(["plan", "date"], kind="stable")
    return pd.DataFrame({"cppr_cp_review_id": [f"RV{i:07d}" for i in range(1, len(rows) + 1)],
                         "cppr_person_id": rows["child"].to_numpy(), "cppr_cp_plan_id": rows["plan"].to_numpy(),
                         "cppr_cp_review_date": rows["date"].to_numpy()})
