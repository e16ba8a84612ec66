"""Annex A List 8, children in care (SPEC §9, annex-a-full.md §2.8 notes C–K): hand-built 903
histories at the edges of each derivation, the [annex_a] settings, explain through the
CLI, and the cohort of the real peer 903 files checked against a count made here."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TODAY, exports, write_csv
from ofsted_lists import quality
from ofsted_lists.cli import app
from ofsted_lists.config import Config, parse
from ofsted_lists.errors import UsageError
from ofsted_lists.lists._common import Verdict
from ofsted_lists.lists.annex_a import list8_cla
from ofsted_lists.pipeline import build_lists
from ofsted_lists.profiles import ANNEX_A
from ofsted_lists.readers.annex_a_lists import BY_NUMBER, CHILD, code_lists
from ofsted_lists.schema import norm

D = pd.Timestamp
AS_OF = "2026-03-01"   # the window starts 2025-09-01, the 12 months 2025-03-01
EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
PEER = Path(__file__).parent / "data" / "ssda903"  # csc-validator-be-903's files, copied unchanged
START = "Date Started to be Looked After"
SECOND = "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)"
PLACEMENTS = "Number of Placements in the Last 12 months"
MISSING = "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"
ABSENT = "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"
OFFERED = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
ACCEPTED = "Did the child accept a Return Interview after their last missing episode (Y/N)?"


def uk(iso: str) -> str:
    """2026-03-01 as the 903 writes it, 01/03/2026."""
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def ep(cid, decom, rne="S", ls="C2", dec="", rec="", place="U1", provider="PR1", **kw):
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=cid, DECOM=uk(decom), RNE=rne, LS=ls, CIN="N1", PLACE=place, PLACE_PROVIDER=provider,
               DEC=uk(dec), REC=rec, **kw)
    return row


def kid(cid):
    return {"child_id": cid, "dob": "2012-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "N"}


def run8(folder: Path, episodes: list[dict], as_of=AS_OF, config: Config | None = None, files=None, **tables):
    """List 8 built by the pipeline from `episodes` (one file, or `files`: name -> rows) and `tables`."""
    ids = sorted({r["CHILD"] for rows in (files or {"e": episodes}).values() for r in rows})
    exports(folder, children=[kid(c) for c in ids], **tables)
    for name, rows in (files or {"episodes_903": episodes}).items():
        write_csv(folder / f"{name}.csv", rows, [*EPISODE_HEADINGS, *(k for k in rows[0] if k not in EPISODE_HEADINGS)])
    run = build_lists(folder, config or Config(), as_of=dt.date.fromisoformat(as_of), since=None,
                      allow_missing=True, today=TODAY, profile=ANNEX_A)
    return next(r for r in run.lists if r.spec.key == "8"), run


def by_child(frame: pd.DataFrame, column: str) -> dict:
    """Child -> its cell, a blank as None."""
    return {c: None if pd.isna(v) else v for c, v in zip(frame["Child Unique ID"], frame[column])}


def kinds(run, kind: str) -> list:
    t = run.findings.table()
    return t.loc[t["Kind"] == kind, "Child Unique ID"].tolist()


# --- cohort ------------------------------------------------------------------------------

def test_a_period_in_two_years_files_is_one_episode_and_one_row(tmp_path):
    files = {"y2425": [ep("A", "2024-06-01")],                                 # open at 31 March
             "y2526": [ep("A", "2024-06-01"), ep("B", "2025-10-01", dec="2026-01-10", rec="E4A")]}
    res, run = run8(tmp_path, [], files=files)
    f = res.frame
    assert f["Child Unique ID"].tolist() == ["A", "B"]
    assert (run.dataset.tables["episodes"]["child_id"] == "A").sum() == 1
    assert by_child(f, START) == {"A": D("2024-06-01"), "B": D("2025-10-01")}
    assert by_child(f, PLACEMENTS) == {"A": 1, "B": 1}
    assert res.history.startswith(f"{START}: derived from the records")


def test_open_ceased_on_the_as_of_date_and_ceased_before_the_window(tmp_path):
    res, run = run8(tmp_path, [
        ep("ON_AS_OF", "2025-01-01", dec=AS_OF, rec="E4A"),       # ceased, listed with its date and reason
        ep("WINDOW_START", "2025-01-01", dec="2025-09-01", rec="E13"),
        ep("DAY_BEFORE", "2025-01-01", dec="2025-08-31", rec="E13"),
        ep("OPEN", "2025-01-01", dec="2026-03-02", rec="E4A"),     # an end after the as-of date has not happened
        ep("NOT_YET", "2026-03-02"),
    ])
    f = res.frame
    assert sorted(f["Child Unique ID"]) == ["ON_AS_OF", "OPEN", "WINDOW_START"]
    assert by_child(f, "Date Ceased to be Looked After")["ON_AS_OF"] == D(AS_OF)
    assert by_child(f, "Reason Ceased to be Looked After") == {
        "ON_AS_OF": "e) E4A: Returned home to live with parents or relatives - part of planning",
        "WINDOW_START": "g) E13: Parents, relatives or other with no parental responsibility", "OPEN": None}
    assert pd.isna(by_child(f, "Date Ceased to be Looked After")["OPEN"])


def test_short_breaks_only_is_off_and_short_breaks_with_a_care_order_is_on(tmp_path):
    res, _ = run8(tmp_path, [
        ep("BREAKS", "2025-10-01", ls="V3", dec="2025-10-03", rec="E8"),
        ep("BREAKS", "2025-11-01", ls="V4"),
        ep("ORDER", "2025-10-01", ls="V3", dec="2025-11-01", rec="X1"),
        ep("ORDER", "2025-11-01", rne="L", ls="C2"),
    ])
    assert res.frame["Child Unique ID"].tolist() == ["ORDER"]
    assert by_child(res.frame, "Child's Legal Status") == {"ORDER": "C2: FCO"}
    assert by_child(res.frame, "Start date of current legal status") == {"ORDER": D("2025-11-01")}


def test_one_row_per_child_the_latest_starting_period(tmp_path):
    res, _ = run8(tmp_path, [
        ep("TWO", "2025-01-01", dec="2025-10-01", rec="E4A"),
        ep("TWO", "2025-12-01", ls="V2"),
        ep("TWO", "2026-01-10", ls="V3", dec="2026-01-12", rec="E8"),   # a later short break is not the period
    ])
    assert by_child(res.frame, START) == {"TWO": D("2025-12-01")}
    assert by_child(res.frame, "Child's Legal Status") == {"TWO": "V2: Single period under S20"}


def test_a_period_begun_before_the_files_has_a_blank_start_and_legal_status_start(tmp_path):
    res, run = run8(tmp_path, [
        ep("EARLY", "2025-04-01", rne="P", dec="2025-12-01", rec="X1"),   # same LS since before the files
        ep("EARLY", "2025-12-01", rne="T"),
    ])
    f = res.frame
    assert pd.isna(by_child(f, START)["EARLY"]) and pd.isna(by_child(f, "Start date of current legal status")["EARLY"])
    assert by_child(f, "Start Date of Most Recent Placement") == {"EARLY": D("2025-12-01")}
    assert kinds(run, quality.PERIOD_BEFORE_FILES) == ["EARLY"]  # once, from the history


# --- notes D, G, H: legal status, placements --------------------------------------------------

CHAIN = [
    ep("X", "2025-01-01", ls="C1", dec="2025-06-01", rec="X1"),
    ep("X", "2025-06-01", rne="L", ls="C2", dec="2025-10-01", rec="X1"),            # legal status only
    ep("X", "2025-10-01", rne="T", ls="C2", place="U4", PL_POST="AB1 2CD"),         # new placement, same carer
]


@pytest.mark.parametrize("setting, placements", [("change-of-carer", 1), ("every-placement", 2)])
def test_x1_chain_legal_status_only_change_and_a_same_carer_move(tmp_path, setting, placements):
    res, _ = run8(tmp_path, CHAIN, config=Config(placements=setting))
    row = res.frame.iloc[0]
    assert row[START] == D("2025-01-01")
    assert row["Child's Legal Status"] == "C2: FCO"
    assert row["Start date of current legal status"] == D("2025-06-01")     # moved by the L episode
    assert row["Start Date of Most Recent Placement"] == D("2025-10-01")    # moved by T, not by L
    assert row["Placement Type"] == "d) U4: Foster placement - long term"
    assert row["Placement postcode"] == "AB1 2CD"
    assert row[PLACEMENTS] == placements


def test_placements_are_counted_from_the_one_held_at_the_12_month_boundary(tmp_path):
    res, _ = run8(tmp_path, [
        ep("ACROSS", "2024-06-01", dec="2025-01-01", rec="X1"),
        ep("ACROSS", "2025-01-01", rne="P", dec="2025-05-01", rec="X1"),   # held at 2025-03-01: counts 1
        ep("ACROSS", "2025-05-01", rne="P", dec="2025-08-01", rec="X1"),   # +1
        ep("ACROSS", "2025-08-01", rne="L", ls="E1"),                      # legal status only: +0
        ep("ON", "2024-06-01", dec="2025-03-01", rec="X1"),
        ep("ON", "2025-03-01", rne="B", dec="2025-09-01", rec="X1"),       # starts on the boundary: the one held
        ep("ON", "2025-09-01", rne="P"),                                   # +1
        ep("NEW", "2025-12-01", dec=AS_OF, rec="X1"),
        ep("NEW", AS_OF, rne="P"),                                         # a move on the as-of date: +1
    ])
    assert by_child(res.frame, PLACEMENTS) == {"ACROSS": 2, "ON": 2, "NEW": 2}
    assert by_child(res.frame, "Start Date of Most Recent Placement") == {
        "ACROSS": D("2025-05-01"), "ON": D("2025-09-01"), "NEW": D(AS_OF)}   # not moved by L
    assert by_child(res.frame, "Start date of current legal status")["ACROSS"] == D("2025-08-01")


def test_no_placement_in_the_12_months_for_a_period_ended_before_them(tmp_path):
    """Only a window longer than 12 months (--since) lists such a period."""
    folder = exports(tmp_path, children=[kid("GONE"), kid("EDGE")])
    write_csv(folder / "e.csv", [ep("GONE", "2024-01-01", dec="2025-02-28", rec="E4A"),
                                 ep("EDGE", "2024-01-01", dec="2025-03-01", rec="E4A")], EPISODE_HEADINGS)
    run = build_lists(folder, Config(), as_of=dt.date.fromisoformat(AS_OF), since="2y", allow_missing=True,
                      today=TODAY, profile=ANNEX_A)
    assert by_child(next(r for r in run.lists if r.spec.key == "8").frame, PLACEMENTS) == {"GONE": 0, "EDGE": 1}


def test_placement_start_of_a_period_not_begun_with_s(tmp_path):
    res, _ = run8(tmp_path, [
        ep("AFTER", "2024-01-01", dec="2024-06-01", rec="E13"),
        ep("AFTER", "2025-10-01", rne="L"),                  # a new period all the same (903 rule 432)
        ep("L_FIRST", "2025-04-01", rne="L"),                # began before the files with a legal change
        ep("TODAY", AS_OF),                                  # starts on the as-of date: in care
    ])
    assert by_child(res.frame, "Start Date of Most Recent Placement") == {
        "AFTER": D("2025-10-01"), "L_FIRST": None, "TODAY": D(AS_OF)}
    assert by_child(res.frame, START) == {"AFTER": D("2025-10-01"), "L_FIRST": None, "TODAY": D(AS_OF)}


# --- note C: second or subsequent period -----------------------------------------------------

SECOND_PERIODS = [
    ep("INSIDE", "2024-01-01", dec="2025-03-01", rec="E4A"),     # ended on the 12 months' first day
    ep("INSIDE", "2025-06-01"),
    ep("BEFORE", "2024-01-01", dec="2025-02-28", rec="E4A"),     # ended the day before
    ep("BEFORE", "2025-06-01"),
    ep("STARTED", "2025-04-01", dec="2025-05-01", rec="E13"),    # started inside
    ep("STARTED", "2025-07-01"),
    ep("ON_FIRST_DAY", "2025-03-01", dec="2025-04-01", rec="E13"),  # started on the 12 months' first day
    ep("ON_FIRST_DAY", "2025-07-01"),
    ep("BREAK", "2025-04-01", ls="V3", dec="2025-04-03", rec="E8"),
    ep("BREAK", "2025-07-01"),
]


@pytest.mark.parametrize("setting, yes", [("overlap", {"INSIDE", "STARTED", "ON_FIRST_DAY"}),
                                          ("start", {"STARTED", "ON_FIRST_DAY"})])
def test_second_period_overlapping_or_starting_in_the_12_months(tmp_path, setting, yes):
    res, _ = run8(tmp_path, SECOND_PERIODS, config=Config(second_period=setting))
    assert by_child(res.frame, SECOND) == {c: "a) Yes" if c in yes else "b) No"
                                           for c in ("INSIDE", "BEFORE", "STARTED", "ON_FIRST_DAY", "BREAK")}


def test_values_an_annex_a_workbook_gives_are_taken_as_given(tmp_path):
    row = ep("GIVEN", "2025-10-01", rne="P", period_start="2023-05-04", second_period="Y", placements_12m="3")
    res, _ = run8(tmp_path, [row])
    f = res.frame
    assert (by_child(f, START), by_child(f, SECOND), by_child(f, PLACEMENTS)) == (
        {"GIVEN": D("2023-05-04")}, {"GIVEN": "a) Yes"}, {"GIVEN": 3})
    assert "taken from the input as given" in res.history


# --- note K: missing and absent ----------------------------------------------------------------

def test_missing_and_absent_in_the_current_period_within_12_months(tmp_path):
    def missing(cid, kind, start, offered="", accepted=""):
        return {"CHILD": cid, "DOB": "01/06/2012", "MISSING": kind, "MIS_START": uk(start), "MIS_END": "",
                "rhi_offered": offered, "rhi_accepted": accepted}

    rows = [
        missing("M", "M", "2025-09-15", "N"),          # before the current period: not counted
        missing("M", "M", "2025-11-01", "Y", "N"),     # the last missing one: offered, not accepted
        missing("M", "A", "2025-12-01"),
        missing("M", "M", "2026-03-02", "N"),          # after the as-of date
        missing("EARLY", "M", "2025-02-28"),           # before the 12 months
        missing("EARLY", "M", "2025-03-01", "N", "Y"), # accepted, but never offered: blank
        missing("NOT_ASKED", "M", "2025-12-01"),
    ]
    write_csv(tmp_path / "missing_903.csv", rows)
    res, _ = run8(tmp_path, [ep("M", "2025-10-01"), ep("EARLY", "2025-01-01", rne="P"), ep("NEVER", "2025-10-01"),
                             ep("NOT_ASKED", "2025-10-01")])
    f = res.frame
    assert by_child(f, MISSING) == {"M": 1, "EARLY": 1, "NEVER": 0, "NOT_ASKED": 1}
    assert by_child(f, ABSENT) == {"M": 1, "EARLY": 0, "NEVER": 0, "NOT_ASKED": 0}
    assert by_child(f, OFFERED) == {"M": "a) Yes", "EARLY": "b) No", "NEVER": None, "NOT_ASKED": "c) Unknown"}
    assert by_child(f, ACCEPTED) == {"M": "b) No", "EARLY": None, "NEVER": None, "NOT_ASKED": None}


def test_missing_after_the_period_ceased_counts_up_to_the_as_of_date(tmp_path):
    # Note K PROPOSED: MIS_START in [max(as_of - 12 m, period start), as_of], the as-of date
    # the upper bound even for a period ceased in the window, not its cease date.
    rows = [{"CHILD": "GONE", "DOB": "01/06/2012", "MISSING": kind, "MIS_START": uk(start), "MIS_END": "",
             "rhi_offered": offered, "rhi_accepted": ""}
            for kind, start, offered in (("M", "2025-10-15", "N"), ("M", "2026-01-15", "Y"), ("A", "2026-02-01", ""))]
    write_csv(tmp_path / "missing_903.csv", rows)
    res, _ = run8(tmp_path, [ep("GONE", "2025-10-01", dec="2025-12-01", rec="E4A")])
    f = res.frame
    assert by_child(f, "Date Ceased to be Looked After") == {"GONE": D("2025-12-01")}
    assert by_child(f, MISSING) == {"GONE": 2}
    assert by_child(f, ABSENT) == {"GONE": 1}
    assert by_child(f, OFFERED) == {"GONE": "a) Yes"}  # the last missing one, after the cease


# --- reviews, visits, checks, plan, UASC: nothing after the as-of date -------------------------

def test_latest_review_visits_checks_and_plan_up_to_the_as_of_date(tmp_path):
    write_csv(tmp_path / "reviews_903.csv", [
        {"CHILD": "R", "DOB": "01/06/2012", "REVIEW": uk(d), "REVIEW_CODE": "PN1"}
        for d in ("2025-09-01", "2025-12-01", "2026-03-02")])
    write_csv(tmp_path / "uasc_903.csv", [{"CHILD": "R", "SEX": "1", "DOB": "01/06/2012", "DUC": uk("2025-03-01")},
                                         {"CHILD": "OLD", "SEX": "1", "DOB": "01/06/2012", "DUC": uk("2025-02-28")}])
    visits = [{"child_id": "R", "visit_date": d, "visit_type": t} for d, t in (
        ("2025-12-05", "cla"), ("2026-01-05", "iro"), ("2026-01-20", "cin"), ("2026-03-05", "cla"))]
    checks = [{"child_id": "R", "check_date": d, "check_type": t, "status": s} for d, t, s in (
        ("2025-05-01", "Health Assessment", "Completed"), ("2026-02-01", "Health Assessment", "Planned"),
        ("2025-11-01", "Dental Check", ""), ("2026-03-05", "Dental Check", "Completed"))]
    plans = [{"child_id": "R", "plan": p, "start_date": s, "end_date": e} for p, s, e in (
        ("b) Adoption", "2025-10-01", "2026-01-01"), ("Long-term fostering", "2026-01-01", ""))]
    res, _ = run8(tmp_path, [ep("R", "2025-10-01"), ep("OLD", "2025-10-01")], visits=visits, health_checks=checks,
                  permanence_plans=plans)
    row = res.frame.set_index("Child Unique ID").loc["R"]
    assert row["Date of Latest Statutory Review"] == D("2025-12-01")   # in the period, not after the as-of date
    assert row["Date of Last Social Work Visit"] == D("2025-12-05")
    assert row["Date of Last IRO Visit / Contact to the Child"] == D("2026-01-05")
    assert row["Date of Last Health Assessment"] == D("2025-05-01")    # the planned one does not count
    assert row["Date of Last Dental Check"] == D("2025-11-01")
    assert row["What is the permanence plan for this child?"] == "f) Long-term fostering"
    assert by_child(res.frame, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)") == {
        "R": "a) Yes", "OLD": "b) No"}


def test_a_review_and_a_visit_on_the_last_day_of_the_period_count(tmp_path):
    # ON: the period open at the as-of date, records dated on it; CEASED: records on the day it ended.
    write_csv(tmp_path / "reviews_903.csv", [
        {"CHILD": c, "DOB": "01/06/2012", "REVIEW": uk(d), "REVIEW_CODE": "PN1"}
        for c, d in (("ON", "2025-12-01"), ("ON", AS_OF), ("CEASED", "2025-11-01"), ("CEASED", "2026-01-10"))])
    visits = [{"child_id": c, "visit_date": d, "visit_type": "cla"}
              for c, d in (("ON", "2026-01-05"), ("ON", AS_OF), ("CEASED", "2025-12-01"), ("CEASED", "2026-01-10"))]
    res, _ = run8(tmp_path, [ep("ON", "2025-10-01"), ep("CEASED", "2025-10-01", dec="2026-01-10", rec="E11")],
                  visits=visits)
    assert by_child(res.frame, "Date of Latest Statutory Review") == {"ON": D(AS_OF), "CEASED": D("2026-01-10")}
    assert by_child(res.frame, "Date of Last Social Work Visit") == {"ON": D(AS_OF), "CEASED": D("2026-01-10")}


# --- notes I, J: placement type and location ---------------------------------------------------

def test_k3_is_written_with_its_description_and_reported_once(tmp_path):
    res, run = run8(tmp_path, [ep("K1", "2025-10-01", place="K3", provider="PR4"),
                               ep("K2", "2025-10-01", place="K3", provider="PR4"),
                               ep("Z", "2025-10-01", place="Z12", provider=""),
                               ep("ODD", "2025-10-01", ls="C9")])
    assert by_child(res.frame, "Placement Type") == {
        "K1": "K3: Registered supported accommodation", "K2": "K3: Registered supported accommodation", "Z": "Z12",
        "ODD": "a) U1: Foster placement - relatives - long term"}
    assert by_child(res.frame, "Placement Provider") == {"K1": "e) PR4: Private provision",
                                                         "K2": "e) PR4: Private provision", "Z": None,
                                                         "ODD": "b) PR1: Own provision"}
    assert len(kinds(run, quality.NO_ANNEX_A_CODE)) == 2    # one per code, not per row
    assert by_child(res.frame, "Child's Legal Status")["ODD"] == "C9"   # no such code: written as it came
    assert kinds(run, quality.UNMAPPED_CODE) == ["ODD"]


def _located(tmp_path, config: Config, la=("Hampshire", "Kent", "", "", "")):
    posts = ("", "", "SO23 8UJ", "cf101aa", "ZZ9 9ZZ")
    episodes = [ep(f"C{i}", "2025-10-01", PL_POST=p, placement_la=g) for i, (p, g) in enumerate(zip(posts, la))]
    res, run = run8(tmp_path, episodes, config=config)
    return by_child(res.frame, "Placement Location"), by_child(res.frame, "LA of Placement"), run


def test_location_from_placement_la_else_the_lookup_else_blank_with_one_finding(tmp_path):
    lookup = write_csv(tmp_path / "pcd.csv", [{"pcds": "SO23 8UJ", "laua": "E07000094", "utla": "E10000014",
                                               "utla_nm": "Hampshire"}, {"pcds": "CF10 1AA", "laua": "W06000015"}])
    (tmp_path / "in").mkdir()
    cfg = Config(la_code="E10000014", la_name="Hampshire", postcode_lookup=lookup)
    location, la, run = _located(tmp_path / "in", cfg)
    assert location == {"C0": "a) In", "C1": "b) Out", "C2": "a) In", "C3": "b) Out", "C4": None}
    assert la == {"C0": "Hampshire", "C1": "Kent", "C2": "Hampshire", "C3": "WAL", "C4": None}
    assert kinds(run, quality.NO_PLACEMENT_LA) == ["C4"]


def test_location_without_a_lookup_is_blank_with_one_finding(tmp_path):
    location, la, run = _located(tmp_path, Config(la_name="Hampshire"))
    assert location == {"C0": "a) In", "C1": "b) Out", "C2": None, "C3": None, "C4": None}
    assert la == {"C0": "Hampshire", "C1": "Kent", "C2": None, "C3": None, "C4": None}
    found = run.findings.table().query("Kind == @quality.NO_PLACEMENT_LA")
    assert len(found) == 1 and "3 row(s)" in found["Problem"].iloc[0] and "postcode_lookup" in found["Problem"].iloc[0]


@pytest.mark.parametrize("lookup, says", [
    (None, "postcode lookup nowhere.csv ([annex_a] postcode_lookup) not found"),
    ("code,name\nE1,x\n", "postcode lookup pc.csv ([annex_a] postcode_lookup) has no postcode column"),
    ("pcds,name\nA1,x\n", "postcode lookup pc.csv ([annex_a] postcode_lookup) has no LA code column"),
])
def test_a_missing_or_unusable_lookup_file_is_a_usage_error_naming_it(tmp_path, lookup, says):
    folder = exports(tmp_path / "in", children=[kid("A")])
    write_csv(folder / "episodes_903.csv", [ep("A", "2025-10-01", PL_POST="A1")], EPISODE_HEADINGS)
    name = "nowhere.csv" if lookup is None else "pc.csv"
    if lookup is not None:
        (tmp_path / name).write_text(lookup)
    (tmp_path / "o.toml").write_text(f'[annex_a]\npostcode_lookup = "{name}"\n')
    res = CliRunner().invoke(app, ["build", "--input", str(folder), "--out", str(tmp_path / "o.xlsx"), "--as-of",
                                   AS_OF, "--profile", "annex-a", "--allow-missing",
                                   "--config", str(tmp_path / "o.toml")], env={"COLUMNS": "250"})
    assert res.exit_code == 2 and says in " ".join(res.output.split()) and "Traceback" not in res.output
    assert not (tmp_path / "o.xlsx").exists()


def test_an_empty_episodes_file_gives_an_empty_list(tmp_path):
    exports(tmp_path, children=[kid("A")])
    write_csv(tmp_path / "episodes_903.csv", [], EPISODE_HEADINGS)
    run = build_lists(tmp_path, Config(), as_of=dt.date.fromisoformat(AS_OF), since=None, allow_missing=True,
                      today=TODAY, profile=ANNEX_A)
    res = next(r for r in run.lists if r.spec.key == "8")
    assert res.produced and res.frame.empty


# --- config ------------------------------------------------------------------------------------

def test_annex_a_list8_settings_are_read(tmp_path):
    (tmp_path / "pc.csv").write_text("postcode,la_code\n")
    text = ('[annex_a]\nplacements = "every-placement"\nsecond_period = "Start"\nla_code = "E10000014"\n'
            'la_name = "Hampshire"\npostcode_lookup = "pc.csv"\n')
    import tomllib
    cfg = parse(tomllib.loads(text), tmp_path / "o.toml", text)
    assert (cfg.placements, cfg.second_period, cfg.la_code, cfg.la_name, cfg.postcode_lookup) == (
        "every-placement", "start", "E10000014", "Hampshire", tmp_path / "pc.csv")
    assert (Config().placements, Config().second_period) == ("change-of-carer", "overlap")


@pytest.mark.parametrize("line, says", [
    ('placements = "all"', "annex_a.placements must be \"change-of-carer\" or \"every-placement\", not 'all'"),
    ('second_period = "ended"', "annex_a.second_period must be \"overlap\" or \"start\", not 'ended'"),
    ("la_code = 3", "must be a non-empty string"),
    ('lookup = "x.csv"', "unknown key"),
])
def test_bad_annex_a_list8_settings_name_the_key_and_line(tmp_path, line, says):
    import tomllib
    text = f"[annex_a]\n{line}\n"
    with pytest.raises(UsageError) as err:
        parse(tomllib.loads(text), tmp_path / "o.toml", text)
    assert "line 2" in str(err.value) and says in str(err.value)


# --- explain and the CLI ---------------------------------------------------------------------

def test_explain_through_the_cli_gives_each_period(tmp_path):
    folder = tmp_path / "in"
    exports(folder, children=[kid("E1"), kid("E2")])
    write_csv(folder / "episodes_903.csv", [
        ep("E1", "2024-01-01", dec="2024-06-01", rec="E4A"),
        ep("E1", "2025-09-10", dec="2025-10-01", rec="E4A"),
        ep("E1", "2025-10-05", ls="V3", dec="2025-10-06", rec="E8"),
        ep("E1", "2025-11-01", dec="2026-04-01", rec="E4A"),
        ep("E1", "2026-04-01"),
        ep("E2", "2025-01-01", rne="P", dec=AS_OF, rec="E13")], EPISODE_HEADINGS)

    def explain(child: str) -> str:
        res = CliRunner().invoke(app, ["explain", child, "--input", str(folder), "--as-of", AS_OF,
                                       "--profile", "annex-a", "--allow-missing"], env={"COLUMNS": "250"})
        assert res.exit_code == 0, res.output
        return " ".join(res.output.split())

    text = explain("E1")
    assert "period of care from 01/01/2024 (row 2) ended 01/06/2024, before the window start 01/09/2025" in text
    assert ("period of care from 10/09/2025 (row 3) is ceased 01/10/2025, but a later-starting period is the one "
            "listed") in text
    assert "period of care from 05/10/2025 (row 4) is short breaks only" in text
    assert ("period of care from 01/11/2025 (row 5) is open at 01/03/2026; the latest-starting qualifying period, "
            "the one listed") in text
    assert "period of care from 01/04/2026 (row 6) starts after the as-of date 01/03/2026" in text
    assert ("period of care that began before the earliest 903 file (its first episode there starts 01/01/2025, "
            "row 7) is ceased 01/03/2026 (in the window); the latest-starting qualifying period, the one listed"
            ) in explain("E2")


def test_explain_answers_for_no_episode_short_breaks_only_and_every_later_period(tmp_path):
    _, run = run8(tmp_path, [
        ep("BREAKS", "2025-10-01", ls="V3", dec="2025-10-03", rec="E8"),
        ep("LATER", "2025-10-01", dec="2026-03-05", rec="E4A"),       # open at the as-of date: listed
        ep("LATER", "2026-03-10", dec="2026-03-20", rec="E4A"),       # two periods after the as-of date:
        ep("LATER", "2026-04-01")])                                   # each says so
    ctx, rule = run.context, list8_cla.SPEC.rule
    assert list8_cla.explain(ctx, "NOBODY") == Verdict(
        False, ["not on the list: no 903 care episode recorded for the child"])
    assert list8_cla.explain(ctx, "BREAKS") == Verdict(False, [
        "period of care from 01/10/2025 (row 2) is short breaks only (every episode LS V3/V4): not care for this list",
        f"not on the list: no record of the child meets the rule, {rule}"])
    assert list8_cla.explain(ctx, "LATER") == Verdict(True, [
        "period of care from 01/10/2025 (row 3) is open at 01/03/2026; the latest-starting qualifying period, "
        "the one listed",
        "period of care from 10/03/2026 (row 4) starts after the as-of date 01/03/2026: not in care yet",
        "period of care from 01/04/2026 (row 5) starts after the as-of date 01/03/2026: not in care yet",
        "on the list: the rule is met (this profile lists every child)"])


def _independent_cohort(folder: Path, as_of: dt.date) -> set[str]:
    """List 8's children counted with csv and datetime only: episodes deduplicated, chained by
    same-day X1 ends into periods; a period starting by the as-of date, not short breaks
    only, open then (no end by it) or ended in the six months before it."""
    def day(text):
        return dt.datetime.strptime(text, "%d/%m/%Y").date() if text.strip() else None

    with open(folder / "episodes.csv", newline="", encoding="utf-8-sig") as fh:
        rows = {(r["CHILD"], r["DECOM"]): r for r in csv.DictReader(fh)}.values()
    by_child: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: (r["CHILD"], day(r["DECOM"]))):
        if day(r["DECOM"]) <= as_of:
            by_child.setdefault(r["CHILD"], []).append(r)
    month = as_of.month - 6
    start = dt.date(as_of.year + (month <= 0) * -1, month + 12 * (month <= 0), as_of.day)
    listed = set()
    for child, eps in by_child.items():
        periods, current = [], []
        for prev, r in zip([None, *eps], eps):
            joined = prev is not None and prev["REC"].upper() == "X1" and prev["DEC"] == r["DECOM"] \
                and r["RNE"].upper() != "S"
            if not joined and current:
                periods.append(current)
                current = []
            current.append(r)
        periods.append(current)
        for period in periods:
            end = day(period[-1]["DEC"])
            end = end if end and end <= as_of else None
            breaks = all(r["LS"].upper() in ("V3", "V4") for r in period)
            if not breaks and (end is None or end >= start):
                listed.add(child)
    return listed


@pytest.mark.parametrize("version", ["2023", "2019"])
def test_the_peer_903_files_give_the_cohort_counted_independently(tmp_path, version):
    folder = tmp_path / "903"
    shutil.copytree(PEER, folder)
    (tmp_path / "o.toml").write_text(f'[annex_a]\nversion = "{version}"\n')
    as_of = dt.date(2018, 1, 31)   # inside the files' collection year, 2017-18
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(app, ["build", "--input", str(folder), "--out", str(out), "--as-of", as_of.isoformat(),
                                   "--profile", "annex-a", "--allow-missing", "--config", str(tmp_path / "o.toml")],
                             env={"COLUMNS": "250"})
    assert res.exit_code in (0, 4), res.output
    listed = pd.read_excel(out, sheet_name="List 8", dtype={"Child Unique ID": str})
    expected = _independent_cohort(folder, as_of)
    assert 20 < len(expected) < 200
    assert sorted(listed["Child Unique ID"]) == sorted(expected)
    # Exactly Annex A's headings in order, and every coded cell one of its codes.
    layout = "newer" if version == "2023" else version
    annex = BY_NUMBER[8].headings
    assert list(listed.columns) == [h.heading(layout) for h in annex]
    for h in annex:
        allowed = code_lists(layout).get(h.code_list(layout))
        if allowed is not None and h not in CHILD[3:]:
            bad = {v for v in listed[h.heading(layout)].dropna() if norm(v) not in {norm(a) for a in allowed}}
            assert not bad, (h.heading(layout), bad)


def test_the_summary_says_where_the_three_history_values_came_from(tmp_path):
    result, _ = run8(tmp_path, [ep("C1", "2025-10-01")])
    assert result.history == ("Date Started to be Looked After: derived from the records; Second or subsequent "
                              "period: derived from the records; Number of Placements in the Last 12 months: "
                              "derived from the records")


def test_a_period_begun_before_the_files_is_sorted_by_its_first_episode_not_last(tmp_path):
    """Its start is unknown (blank), but the row still sorts and samples by the first
    episode's date: Z1's period (in the files from 2024) before A1's (from 2025)."""
    result, _ = run8(tmp_path, [ep("Z1", "2024-01-01", rne="L"), ep("A1", "2025-01-01")])
    assert result.frame["Child Unique ID"].tolist() == ["Z1", "A1"]
    assert pd.isna(result.frame[START].iloc[0])
    assert result.key_dates.tolist() == [D("2024-01-01"), D("2025-01-01")]
