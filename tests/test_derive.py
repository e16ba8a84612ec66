"""The derivations both profiles share (lists/derive.py, SPEC §4 sheets 4–5), each pinned at
its edges on a few hand-built rows read through the pipeline."""

from __future__ import annotations

import pandas as pd

from conftest import exports, run_lists, write_csv
from ofsted_lists.lists import derive

D = pd.Timestamp
AS_OF = "2026-03-01"          # the EPO window starts 2025-09-01
EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


def kid(cid: str) -> dict:
    return {"child_id": cid, "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}


def episode(child: str, decom: str, ls: str, dec: str = "") -> dict:
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=child, DECOM=decom, RNE="S", LS=ls, CIN="N1", PLACE="U1", PLACE_PROVIDER="PR1", DEC=dec,
               REC="E11" if dec else "")
    return row


def ctx_of(folder, episodes: list[dict] | None = None):
    if episodes:
        write_csv(folder / "cla_episodes.csv", episodes, EPISODE_HEADINGS)
    return run_lists(folder, AS_OF).context


def ids(*cids: str) -> pd.Series:
    return pd.Series(list(cids), dtype="str")


def visit(cid: str, date: str, **kw) -> dict:
    return {"child_id": cid, "visit_date": date, "visit_type": "cp", "child_seen": "yes", "seen_alone": "",
            "statutory": "", **kw}


# --- case status ------------------------------------------------------------------------

def test_case_status_takes_looked_after_then_cp_plan_then_cin_plan_and_v3_v4_are_not_looked_after(tmp_path):
    cin = [{"child_id": c, "cin_plan_start_date": "2025-06-01"} for c in ("LA", "V3", "V4", "CP", "CIN", "ENDED")]
    cp = [{"child_id": c, "cpp_start_date": "2025-07-01"} for c in ("LA", "V3")]
    folder = exports(tmp_path, children=[kid(c) for c in ("LA", "V3", "V4", "CP", "CIN", "ENDED")],
                     cin_plans=cin, cp_plans=[*cp, {"child_id": "CP", "cpp_start_date": AS_OF}])
    ctx = ctx_of(folder, [episode("LA", "2025-01-01", "C2"), episode("V3", "2025-01-01", "V3"),
                          episode("V4", "2025-01-01", "V4"),
                          # a care episode that ended on the as-of date is not open
                          episode("ENDED", "2025-01-01", "C2", dec=AS_OF)])
    got = derive.case_status(ctx, ids("LA", "V3", "V4", "CP", "CIN", "ENDED", "NOBODY"))
    assert got.tolist() == [derive.LOOKED_AFTER, derive.CP_PLAN, derive.CIN_PLAN, derive.CP_PLAN,
                            derive.CIN_PLAN, derive.CIN_PLAN, derive.CIN_PLAN]


def test_case_status_takes_extra_branches_before_and_after_its_own(tmp_path):
    folder = exports(tmp_path, children=[kid("A"), kid("B"), kid("C")],
                     cp_plans=[{"child_id": "A", "cpp_start_date": "2025-07-01"}],
                     cin_plans=[{"child_id": "C", "cin_plan_start_date": "2025-07-01"}])
    ctx = ctx_of(folder)
    children = ids("A", "B", "C")
    closed = pd.Series([True, False, False])
    assessing = pd.Series([True, True, True])
    got = derive.case_status(ctx, children, first=((closed, derive.CLOSED_EPISODE),),
                             last=((assessing, derive.OPEN_ASSESSMENT),))
    assert got.tolist() == [derive.CLOSED_EPISODE, derive.OPEN_ASSESSMENT, derive.CIN_PLAN]
    flags = derive.status_flags(ctx, children)
    assert flags.to_dict("list") == {"looked_after": [False] * 3, "cp_plan": [True, False, False],
                                     "cin_plan": [False, False, True]}


# --- date last seen ---------------------------------------------------------------------

def test_last_seen_is_the_latest_visit_on_or_before_the_as_of_date_with_the_child_seen_or_blank(tmp_path):
    visits = [visit("A", "2026-02-01", visit_type="cin"), visit("A", AS_OF, visit_type="cla", child_seen=""),
              visit("A", "2026-03-02"),                                   # after the as-of date
              visit("B", "2026-01-10", child_seen="yes"), visit("B", "2026-02-10", child_seen="no")]
    ctx = ctx_of(exports(tmp_path, children=[kid("A"), kid("B"), kid("C")], visits=visits))
    assert derive.last_seen(ctx, ids("A", "B", "C")).tolist() == [D(AS_OF), D("2026-01-10"), pd.NaT]


def test_last_seen_is_blank_without_a_visits_table(tmp_path):
    ctx = ctx_of(exports(tmp_path, children=[kid("A")]))
    assert derive.last_seen(ctx, ids("A")).isna().tolist() == [True]


# --- last statutory visit ---------------------------------------------------------------

def plans(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"child_id": [c for c, _ in rows], "cpp_start_date": [D(s) for _, s in rows]},
                        index=[10 + i for i in range(len(rows))])


def test_last_statutory_visit_counts_the_plan_start_day_and_the_as_of_date_not_the_days_outside(tmp_path):
    visits = [visit("START", "2025-12-31"), visit("START", "2026-01-01", seen_alone="yes"),   # day before; start
              visit("ASOF", "2026-02-01"), visit("ASOF", AS_OF, seen_alone="no"),
              visit("ASOF", "2026-03-02", seen_alone="yes"),                                 # after the as-of date
              visit("BEFORE", "2025-12-31", seen_alone="yes")]                               # only the day before
    ctx = ctx_of(exports(tmp_path, children=[kid(c) for c in ("START", "ASOF", "BEFORE")], visits=visits))
    got = derive.last_statutory_visit(ctx, plans(("START", "2026-01-01"), ("ASOF", "2026-01-01"),
                                                 ("BEFORE", "2026-01-01")))
    assert got.index.tolist() == [10, 11, 12]
    assert got["date"].tolist() == [D("2026-01-01"), D(AS_OF), pd.NaT]
    assert got["seen_alone"].fillna("").tolist() == ["a) Yes", "b) No", ""]


def test_last_statutory_visit_is_a_cp_or_untyped_visit_not_marked_non_statutory(tmp_path):
    visits = [visit("A", "2026-01-05", visit_type=""), visit("A", "2026-01-06", visit_type="Child Protection Visit"),
              visit("A", "2026-01-07", visit_type="cin"), visit("A", "2026-01-08", statutory="no"),
              visit("B", "2026-01-05", visit_type="", statutory="no"), visit("B", "2026-01-04", visit_type="CP")]
    ctx = ctx_of(exports(tmp_path, children=[kid("A"), kid("B")], visits=visits))
    got = derive.last_statutory_visit(ctx, plans(("A", "2026-01-01"), ("B", "2026-01-01")))
    assert got["date"].tolist() == [D("2026-01-06"), D("2026-01-04")]
    assert got["seen_alone"].tolist() == ["c) Unknown", "c) Unknown"]


def test_two_statutory_visits_the_same_day_the_one_seen_alone_wins(tmp_path):
    day = "2026-02-01"
    visits = [visit("A", day, seen_alone="yes"), visit("A", day, seen_alone="no"),
              visit("B", day, seen_alone=""), visit("B", day, seen_alone="no"),
              visit("C", day, seen_alone="no"), visit("C", day, seen_alone="yes")]
    ctx = ctx_of(exports(tmp_path, children=[kid(c) for c in "ABC"], visits=visits))
    got = derive.last_statutory_visit(ctx, plans(("A", "2026-01-01"), ("B", "2026-01-01"), ("C", "2026-01-01")))
    assert got["seen_alone"].tolist() == ["a) Yes", "b) No", "a) Yes"]


def test_last_statutory_visit_of_a_ceased_plan_stops_at_its_end_day(tmp_path):
    visits = [visit("A", "2026-01-20"), visit("A", "2026-01-21")]
    ctx = ctx_of(exports(tmp_path, children=[kid("A")], visits=visits))
    p = plans(("A", "2026-01-01")).assign(cpp_end_date=D("2026-01-20"))
    assert derive.last_statutory_visit(ctx, p, end="cpp_end_date")["date"].tolist() == [D("2026-01-20")]


# --- EPO / police protection in the last six months -------------------------------------

def test_epo_counts_a_spell_ending_on_the_window_start_not_the_day_before(tmp_path):
    orders = [{"child_id": "ON", "order_type": "EPO", "start_date": "2025-08-25", "end_date": "2025-09-01"},
              {"child_id": "BEFORE", "order_type": "Emergency Protection Order", "start_date": "2025-08-25",
               "end_date": "2025-08-31"},
              {"child_id": "PP", "order_type": "Police protection", "start_date": AS_OF, "end_date": ""},
              {"child_id": "LATER", "order_type": "EPO", "start_date": "2026-03-02", "end_date": ""},
              {"child_id": "OTHER", "order_type": "Care order", "start_date": "2025-12-01", "end_date": ""},
              {"child_id": "UNTYPED", "order_type": "", "start_date": "2025-12-01", "end_date": ""}]
    ctx = ctx_of(exports(tmp_path, children=[kid(c) for c in ("ON", "BEFORE", "PP", "LATER", "OTHER", "UNTYPED")],
                         orders=orders))
    got = derive.epo_last_six_months(ctx, ids("ON", "BEFORE", "PP", "LATER", "OTHER", "UNTYPED", "NONE"))
    # An order of no recorded type is no evidence of an EPO or police protection.
    assert got.tolist() == ["a) Yes", "b) No", "a) Yes", "b) No", "b) No", "b) No", "b) No"]


def test_epo_counts_a_903_episode_with_ls_l1_or_l2_in_the_six_months(tmp_path):
    folder = exports(tmp_path, children=[kid(c) for c in ("L1", "L2", "OLD", "C2")])
    ctx = ctx_of(folder, [episode("L1", "2025-10-01", "L1", dec="2025-10-03"),
                          episode("L2", "2025-08-01", "L2", dec="2025-09-01"),
                          episode("OLD", "2025-08-01", "L2", dec="2025-08-31"),
                          episode("C2", "2025-10-01", "C2")])
    assert derive.epo_last_six_months(ctx, ids("L1", "L2", "OLD", "C2")).tolist() == \
        ["a) Yes", "a) Yes", "b) No", "b) No"]


def test_epo_is_no_when_neither_orders_nor_episodes_exist(tmp_path):
    ctx = ctx_of(exports(tmp_path, children=[kid("A")]))
    assert derive.epo_last_six_months(ctx, ids("A")).tolist() == ["b) No"]


def test_epo_six_months_clamp_to_the_month_end(tmp_path):
    # As of 31 August the window starts 28 February (clamped), not 3 March.
    orders = [{"child_id": "A", "order_type": "PP", "start_date": "2026-02-20", "end_date": "2026-02-28"},
              {"child_id": "B", "order_type": "PP", "start_date": "2026-02-20", "end_date": "2026-02-27"}]
    folder = exports(tmp_path, children=[kid("A"), kid("B")], orders=orders)
    ctx = run_lists(folder, "2026-08-31").context
    assert derive.epo_last_six_months(ctx, ids("A", "B")).tolist() == ["a) Yes", "b) No"]
