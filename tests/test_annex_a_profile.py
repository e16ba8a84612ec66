"""The annex-a profile (SPEC §9, annex-a-full.md §2.6, §2.7, §2.12): Lists 1-7 for all
children, each rule pinned at its edges through `build_lists`, and the workbook through the
CLI (sheets, headings of both layouts, every coded cell in its code list)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, TODAY, exports, write_csv
from ofsted_lists import quality
from ofsted_lists.cli import app
from ofsted_lists.config import Config
from ofsted_lists.lists.annex_a.list8_cla import NEWER_PLACEMENTS
from ofsted_lists.pipeline import build_lists
from ofsted_lists.profiles import ANNEX_A
from ofsted_lists.readers.annex_a_lists import BY_NUMBER, CHILD, code_lists
from ofsted_lists.schema import norm

D = pd.Timestamp
AS_OF = "2026-03-01"   # the 6-month window starts 2025-09-01
EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
N_REF = "Number of Referrals in Last 12 Months"
N_S47 = "Number of Section 47 Enquiries in the last 12 months"
N_ICPC = "Number of ICPCs in the last 12 months"


def kid(cid="C1", disability="", **kw):
    return {"child_id": cid, "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": disability, **kw}


def referral(cid, date, closed="", reason="", nfa="N", **kw):
    return {"child_id": cid, "referral_date": date, "referral_nfa": nfa, "primary_need": "N1",
            "closure_date": closed, "closure_reason": reason, **kw}


def cin_plan(cid, start, end=""):
    return {"child_id": cid, "cin_plan_start_date": start, "cin_plan_end_date": end}


def cp_plan(cid, start, end="", ola=""):
    return {"child_id": cid, "cpp_start_date": start, "cpp_end_date": end, "initial_category": "NEG",
            "latest_category": "NEG", "ola": ola}


def assessment(cid, start, authorised=""):
    return {"child_id": cid, "assessment_start_date": start, "authorisation_date": authorised,
            "assessment_type": "single", "child_seen": "Y", "assessment_outcome": ""}


def episode(cid, decom, ls, dec=""):
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=cid, DECOM=decom, RNE="S", LS=ls, CIN="N1", PLACE="U1", PLACE_PROVIDER="PR1", DEC=dec)
    return row


def annex(folder, as_of=AS_OF, since=None, episodes=None, config=None):
    if episodes:
        write_csv(folder / "cla_episodes.csv", episodes, EPISODE_HEADINGS)
    return build_lists(folder, config or Config(), as_of=dt.date.fromisoformat(as_of), since=since,
                       allow_missing=True, today=TODAY, profile=ANNEX_A)


def listed(run, number: int) -> pd.DataFrame:
    return next(r.frame for r in run.lists if r.spec.key == str(number))


def by_child(frame: pd.DataFrame, column: str) -> dict:
    return dict(zip(frame["Child Unique ID"], frame[column]))


# --- the profile -------------------------------------------------------------------------

def test_annex_a_lists_every_child_with_disability_yes_no_unknown(tmp_path):
    kids = [kid("YES", "LD"), kid("NO", "N"), kid("UNKNOWN", "")]
    rows = [assessment(c, "2026-01-10") for c in ("YES", "NO", "UNKNOWN")]
    run = annex(exports(tmp_path, children=kids, assessments=rows,
                        contacts=[{"child_id": c, "contact_date": "2026-01-05"} for c in ("YES", "NO", "UNKNOWN")]))
    assert sorted(listed(run, 1)["Child Unique ID"]) == ["NO", "UNKNOWN", "YES"]
    assert by_child(listed(run, 4), "Does the Child have a Disability") == {
        "YES": "a) Yes", "NO": "b) No", "UNKNOWN": "c) Unknown"}
    assert all(r.unknown_children == 0 for r in run.lists)


def test_annex_a_window_is_six_months_by_default(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": d} for d in ("2025-08-31", "2025-09-01", AS_OF)]
    run = annex(exports(tmp_path, children=[kid()], contacts=contacts))
    assert run.window.start == dt.date(2025, 9, 1)
    assert listed(run, 1)["Date of Contact"].tolist() == [D("2025-09-01"), D(AS_OF)]


def test_annex_a_lists_8_to_11_are_not_produced_naming_their_table(tmp_path):
    run = annex(exports(tmp_path, children=[kid()], contacts=[]))
    later = {r.spec.sheet: r for r in run.lists if int(r.spec.key) >= 8}
    assert list(later) == ["List 8", "List 9", "List 10", "List 11"]
    assert [r.produced for r in later.values()] == [False] * 4
    assert [r.spec.needs for r in later.values()] == [("episodes",), ("care_leavers",),
                                                      ("episodes", "placed_for_adoption"), ("adopters",)]


# --- Lists 2 and 4: open at any time in the window -----------------------------------------

def test_list2_takes_every_early_help_episode_open_in_the_window_one_row_each(tmp_path):
    eh = [{"child_id": "C1", "eh_start_date": "2025-03-01", "eh_end_date": "2025-08-31"},   # ended the day before
          {"child_id": "C1", "eh_start_date": "2025-04-01", "eh_end_date": "2025-09-01"},   # ended on the window start
          {"child_id": "C1", "eh_start_date": "2026-01-01", "eh_end_date": ""},             # open
          {"child_id": "C1", "eh_start_date": "2026-03-02", "eh_end_date": ""}]             # after the as-of date
    got = listed(annex(exports(tmp_path, children=[kid()], early_help=eh)), 2)
    assert got["Assessment start date"].tolist() == [D("2025-04-01"), D("2026-01-01")]
    assert got["Assessment completion date"].tolist()[0] == D("2025-09-01")
    assert pd.isna(got["Assessment completion date"].tolist()[1])


def test_list4_takes_assessments_open_in_the_window_not_authorised_before_it(tmp_path):
    rows = [assessment("C1", "2025-07-01", "2025-08-31"),   # authorised the day before the window: off
            assessment("C1", "2025-07-02", "2025-09-01"),   # authorised on the window start: on
            assessment("C1", "2025-06-01", ""),             # started before the window, still open: on
            assessment("C1", AS_OF, ""),                    # started on the as-of date: on
            assessment("C1", "2026-03-02", "")]             # after it: off
    got = listed(annex(exports(tmp_path, children=[kid()], assessments=rows)), 4)
    assert got["Continuous Assessment Start Date"].tolist() == [D("2025-06-01"), D("2025-07-02"), D(AS_OF)]


# --- Lists 3 and 5: Ofsted's FAQ worked examples ------------------------------------------------

def test_list3_referrals_in_12_months_before_the_latest_same_on_every_row(tmp_path):
    # FAQ: count the referrals that started in the 12 months before the child's latest, not
    # the latest itself; the same value on each of the child's rows.
    rows = [referral("C1", "2025-02-01"), referral("C1", "2025-10-01"), referral("C1", "2026-02-01")]
    got = listed(annex(exports(tmp_path, children=[kid()], referrals=rows)), 3)
    assert got["Date of referral"].tolist() == [D("2025-10-01"), D("2026-02-01")]
    assert got[N_REF].tolist() == [2, 2]


def test_list5_faq_current_s47_without_icpc_and_one_five_months_before_with_one(tmp_path):
    rows = [{"child_id": "C1", "strategy_date": "2025-09-20", "s47_start_date": "2025-09-20", "icpc_date": "2025-10-05"},
            {"child_id": "C1", "strategy_date": "2026-02-20", "s47_start_date": "2026-02-20", "icpc_date": ""}]
    got = listed(annex(exports(tmp_path, children=[kid()], s47=rows)), 5)
    assert got[N_S47].tolist() == [1, 1]
    assert got[N_ICPC].tolist() == [1, 1]


def test_list5_faq_current_s47_with_icpc_and_one_eleven_months_before_with_one(tmp_path):
    rows = [{"child_id": "C1", "strategy_date": "2025-03-10", "s47_start_date": "2025-03-10", "icpc_date": "2025-03-25"},
            {"child_id": "C1", "strategy_date": "2026-02-10", "s47_start_date": "2026-02-10", "icpc_date": "2026-02-24"}]
    got = listed(annex(exports(tmp_path, children=[kid()], s47=rows)), 5)
    assert got["Strategy discussion initiating Section 47 Enquiry Start Date"].tolist() == [D("2026-02-10")]
    assert (got[N_S47].tolist(), got[N_ICPC].tolist()) == ([1], [1])


# --- List 6 ------------------------------------------------------------------------------------

def test_list6_episode_closed_the_day_before_the_window_is_off_and_on_its_start_is_on(tmp_path):
    refs = [referral("BEFORE", "2025-06-01", "2025-08-31", "RC7"), referral("ON", "2025-06-01", "2025-09-01", "RC7")]
    plans = [cin_plan("BEFORE", "2025-06-10", "2025-08-31"), cin_plan("ON", "2025-06-10", "2025-09-01")]
    got = listed(annex(exports(tmp_path, children=[kid("BEFORE"), kid("ON")], referrals=refs, cin_plans=plans)), 6)
    assert got["Child Unique ID"].tolist() == ["ON"]
    assert got["CIN Start Date"].tolist() == [D("2025-06-01")]
    assert got["CIN Closure Date"].tolist() == [D("2025-09-01")]
    assert got["Reason for Closure"].tolist() == [
        "RC7 - Services ceased for any other reason, including child no longer in need"]
    assert got["Case Status"].tolist() == ["e) Closed episode"]


def test_list6_rc8_and_rc9_episodes_qualify_only_through_a_plan(tmp_path):
    refs = [referral("RC8", "2025-10-01", "2025-11-01", "RC8"), referral("RC9", "2025-10-01", "2025-11-01", "RC9"),
            referral("RC8PLAN", "2025-10-01", "2025-12-01", "RC8")]
    ass = [assessment(c, "2025-10-02", "2025-10-30") for c in ("RC8", "RC9", "RC8PLAN")]
    got = listed(annex(exports(tmp_path, children=[kid(c) for c in ("RC8", "RC9", "RC8PLAN")], referrals=refs,
                               assessments=ass, cp_plans=[cp_plan("RC8PLAN", "2025-11-01", "2025-11-30")])), 6)
    assert got["Child Unique ID"].tolist() == ["RC8PLAN"]
    assert got["Reason for Closure"].tolist() == ["RC8 - Case closed after assessment, no further action"]


def test_list6_nfa_referral_is_not_an_episode_of_need(tmp_path):
    refs = [referral("NFA", "2025-10-01", nfa="Y"), referral("OPEN", "2025-10-01")]
    plans = [cin_plan("NFA", "2025-10-05"), cin_plan("OPEN", "2025-10-05")]
    got = listed(annex(exports(tmp_path, children=[kid("NFA"), kid("OPEN")], referrals=refs, cin_plans=plans)), 6)
    assert got["Child Unique ID"].tolist() == ["OPEN"]


def test_list6_care_leaver_with_an_open_episode_only_assessed_is_off(tmp_path):
    refs = [referral("LEAVER", "2025-10-01"), referral("LEAVERPLAN", "2025-10-01")]
    ass = [assessment(c, "2025-10-02") for c in ("LEAVER", "LEAVERPLAN")]
    leavers = [{"child_id": c, "start_date": "2025-01-01", "end_date": ""} for c in ("LEAVER", "LEAVERPLAN")]
    got = listed(annex(exports(tmp_path, children=[kid("LEAVER"), kid("LEAVERPLAN")], referrals=refs,
                               assessments=ass, care_leavers=leavers,
                               cin_plans=[cin_plan("LEAVERPLAN", "2025-10-20")])), 6)
    assert got["Child Unique ID"].tolist() == ["LEAVERPLAN"]


def test_list6_case_status_each_branch_and_the_fallback_with_a_finding(tmp_path):
    ids = ("LA", "CP", "CIN", "ASSESS", "V3", "FALLBACK")
    refs = [referral(c, "2025-10-01") for c in ids]
    episodes = [episode("LA", "2025-11-01", "C2"), episode("V3", "2025-11-01", "V3")]
    plans = [cp_plan("LA", "2025-10-10"), cp_plan("CP", "2025-10-10")]
    cin = [cin_plan(c, "2025-10-05") for c in ("LA", "CP", "CIN", "V3")]
    ass = [assessment("ASSESS", "2026-02-01"), assessment("FALLBACK", "2025-10-02", "2025-11-15")]
    run = annex(exports(tmp_path, children=[kid(c) for c in ids], referrals=refs, cp_plans=plans, cin_plans=cin,
                        assessments=ass), episodes=episodes)
    assert by_child(listed(run, 6), "Case Status") == {
        "LA": "a) Looked after child", "CP": "b) Child Protection plan", "CIN": "c) Child in need plan",
        "ASSESS": "d) Open assessment", "V3": "c) Child in need plan", "FALLBACK": "c) Child in need plan"}
    t = run.findings.table()
    assert t.loc[t["Kind"] == quality.NO_CASE_STATUS, "Child Unique ID"].tolist() == ["FALLBACK"]


def test_list6_a_record_qualifies_only_if_it_overlaps_the_episodes_part_in_the_window(tmp_path):
    # Episodes 2025-10-01 to 2025-12-01 (closed RC7), except OLD: open since before the window
    # (2025-09-01), so only its part from the window's start counts.
    cases = {"ENDS_BEFORE": cin_plan("ENDS_BEFORE", "2025-06-01", "2025-09-30"),
             "ENDS_ON_START": cin_plan("ENDS_ON_START", "2025-06-01", "2025-10-01"),
             "STARTS_AFTER_CLOSE": cp_plan("STARTS_AFTER_CLOSE", "2025-12-02"),
             "STARTS_ON_CLOSE": cp_plan("STARTS_ON_CLOSE", "2025-12-01"),
             "ASSESSED_BEFORE": assessment("ASSESSED_BEFORE", "2025-09-01", "2025-09-30"),
             "ASSESSED_ON_START": assessment("ASSESSED_ON_START", "2025-09-01", "2025-10-01"),
             "OLD": cin_plan("OLD", "2025-06-01", "2025-08-31"),
             "OLD_IN_WINDOW": cin_plan("OLD_IN_WINDOW", "2025-06-01", "2025-09-01")}
    refs = [referral(c, "2025-06-01" if c.startswith("OLD") else "2025-10-01",
                     "" if c.startswith("OLD") else "2025-12-01", "" if c.startswith("OLD") else "RC7")
            for c in [*cases, "SHORT_BREAKS", "LOOKED_AFTER"]]
    tables = {"cin_plans": [], "cp_plans": [], "assessments": []}
    for c, row in cases.items():
        tables["cin_plans" if "cin_plan_start_date" in row else "cp_plans" if "cpp_start_date" in row
               else "assessments"].append(row)
    episodes = [episode("SHORT_BREAKS", "2025-10-05", "V3", "2025-10-09"),
                episode("LOOKED_AFTER", "2025-10-05", "C2", "2025-10-09")]
    run = annex(exports(tmp_path, children=[kid(c) for c in [*cases, "SHORT_BREAKS", "LOOKED_AFTER"]],
                        referrals=refs, **tables), episodes=episodes)
    assert sorted(listed(run, 6)["Child Unique ID"]) == sorted(
        ["ENDS_ON_START", "STARTS_ON_CLOSE", "ASSESSED_ON_START", "OLD_IN_WINDOW", "LOOKED_AFTER"])


def test_list6_one_row_per_child_the_latest_qualifying_episode(tmp_path):
    # A later NFA re-referral does not hide the episode with the plan.
    refs = [referral("C1", "2025-10-01"), referral("C1", "2026-02-01", nfa="Y")]
    got = listed(annex(exports(tmp_path, children=[kid()], referrals=refs, cin_plans=[cin_plan("C1", "2025-10-05")])), 6)
    assert got["CIN Start Date"].tolist() == [D("2025-10-01")]


# --- List 7 ------------------------------------------------------------------------------------

def test_list7_plan_ending_on_the_as_of_date_is_listed_with_its_end_date(tmp_path):
    got = listed(annex(exports(tmp_path, children=[kid()], cp_plans=[cp_plan("C1", "2025-06-01", AS_OF)])), 7)
    assert got["Child Protection Plan End Date"].tolist() == [D(AS_OF)]


def test_list7_plan_ending_the_day_before_the_window_is_off_and_on_its_start_is_on(tmp_path):
    plans = [cp_plan("BEFORE", "2025-03-01", "2025-08-31"), cp_plan("ON", "2025-03-01", "2025-09-01")]
    got = listed(annex(exports(tmp_path, children=[kid("BEFORE"), kid("ON")], cp_plans=plans)), 7)
    assert got["Child Unique ID"].tolist() == ["ON"]


def test_list7_plans_of_another_la_are_left_out(tmp_path):
    plans = [cp_plan("OLA", "2025-12-01", ola="Y"), cp_plan("C1", "2025-10-01"), cp_plan("C1", "2026-01-01", ola="Y")]
    got = listed(annex(exports(tmp_path, children=[kid("OLA"), kid("C1")], cp_plans=plans)), 7)
    assert got["Child Unique ID"].tolist() == ["C1"]
    assert got["Child Protection Plan Start Date"].tolist() == [D("2025-10-01")]


def test_list7_one_row_per_child_the_latest_starting_plan_open_or_ended(tmp_path):
    plans = [cp_plan("C1", "2025-05-01"), cp_plan("C1", "2025-10-01", "2025-12-01")]
    got = listed(annex(exports(tmp_path, children=[kid()], cp_plans=plans)), 7)
    assert got["Child Protection Plan Start Date"].tolist() == [D("2025-10-01")]
    assert got["Child Protection Plan End Date"].tolist() == [D("2025-12-01")]


# --- the workbook, through the CLI --------------------------------------------------------------

def _build(tmp_path, *extra: str, config: str | None = None) -> openpyxl.Workbook:
    args = ["build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--out", str(tmp_path / "out.xlsx"), "-q"]
    if config is not None:
        (tmp_path / "ofsted-lists.toml").write_text(config, encoding="utf-8")
        args += ["--config", str(tmp_path / "ofsted-lists.toml")]
    res = CliRunner().invoke(app, [*args, *extra])
    assert res.exit_code == 0, res.output
    return openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)


def _check_sheets(wb, version: str) -> None:
    codes = code_lists(version)
    for n in range(1, 12):
        rows = list(wb[f"List {n}"].iter_rows(values_only=True))
        headings = [h for h in BY_NUMBER[n].headings if version != "2019" or not h.newer_only]
        want = [h.heading(version) for h in headings]
        assert list(rows[0]) == want, n
        assert len(rows) > 1, n  # sample_data fills every list
        for i, h in enumerate(headings):
            allowed = codes.get(h.code_list(version))
            if allowed is None or h in CHILD[3:]:
                continue
            # A label as Ofsted writes it, compared as headings are (case, spaces, quotes: "Child’s").
            allowed = {norm(label) for label in allowed}
            if h.code_list(version) == "placement_type":  # 903 codes newer than every template (SPEC §9)
                allowed |= {norm(f"{c}: {d}" if d else c) for c, d in NEWER_PLACEMENTS.items()}
            bad = {r[i] for r in rows[1:] if r[i] is not None and norm(r[i]) not in allowed}
            assert not bad, (n, h.heading(version), bad)


def test_build_annex_a_on_sample_data_writes_lists_1_to_11_with_the_newer_headings_and_codes(tmp_path):
    wb = _build(tmp_path, "--profile", "annex-a")
    assert wb.sheetnames == ["Summary", *(f"List {n}" for n in range(1, 12)), "Changes", "Data quality"]
    _check_sheets(wb, "newer")
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if c is not None]
    assert "annex-a" in summary
    assert not any(isinstance(c, str) and "not Ofsted's standard window" in c for c in summary)


def test_annex_a_version_2019_writes_the_august_2019_headings_and_codes(tmp_path):
    wb = _build(tmp_path, config='profile = "annex-a"\n[annex_a]\nversion = "2019"\n')
    _check_sheets(wb, "2019")
    assert "Case status" in next(wb["List 6"].iter_rows(values_only=True))


def test_since_other_than_six_months_is_said_on_the_summary(tmp_path):
    wb = _build(tmp_path, "--profile", "annex-a", "--since", "12m")
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("not Ofsted's standard window" in c for c in summary)


@pytest.mark.parametrize("args", [["--profile", "nonsense"]])
def test_unknown_profile_is_a_usage_error(tmp_path, args):
    res = CliRunner().invoke(app, ["validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, *args])
    assert res.exit_code == 2
    assert "--profile must be disabled-children or annex-a" in res.output


def test_profile_in_the_config_is_used_when_no_profile_is_given(tmp_path):
    wb = _build(tmp_path, config='profile = "annex-a"\n')
    assert wb.sheetnames[1] == "List 1"


@pytest.mark.parametrize("toml, says", [
    ('profile = "full"\n', "profile must be disabled-children or annex-a"),
    ('[annex_a]\nversion = "2021"\n', "annex_a.version must be"),
])
def test_a_bad_profile_or_annex_a_version_in_the_config_is_a_usage_error(tmp_path, toml, says):
    (tmp_path / "c.toml").write_text(toml, encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF,
                                   "--config", str(tmp_path / "c.toml")])
    assert res.exit_code == 2
    assert says in " ".join(res.output.split())


def test_changes_compare_only_with_an_earlier_workbook_of_the_same_profile(tmp_path):
    out = tmp_path / "out"

    def build(profile: str, as_of: str):
        res = CliRunner().invoke(app, ["build", "--input", str(SAMPLE_DATA), "--as-of", as_of, "--out", str(out),
                                       "--profile", profile])
        assert res.exit_code == 0, res.output
        return " ".join(res.output.split())

    build("disabled-children", "2026-11-20")
    assert "No earlier workbook of this profile" in build("annex-a", "2026-11-24")
    assert "Changes since 24/11/2026" in build("annex-a", SAMPLE_AS_OF)


def test_each_profile_writes_its_own_workbook_so_one_never_overwrites_the_other(tmp_path):
    out = tmp_path / "out"
    for profile in ("disabled-children", "annex-a", "disabled-children"):
        res = CliRunner().invoke(app, ["build", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF, "--out",
                                       str(out), "--profile", profile, "--quiet"])
        assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert names == [f"ofsted-lists_{SAMPLE_AS_OF}.xlsx", f"ofsted-lists_annex-a_{SAMPLE_AS_OF}.xlsx"]
    assert openpyxl.load_workbook(out / names[1], read_only=True).sheetnames[1] == "List 1"
    assert openpyxl.load_workbook(out / names[0], read_only=True).sheetnames[1] == "1a Contacts"
