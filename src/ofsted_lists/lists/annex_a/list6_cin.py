"""Annex A List 6 — children in need: one row per child, its most recent qualifying episode
of need open at any time in the window (SPEC §9, annex-a-full.md §2.6).

An episode is a `referrals` row (referral date to closure date). It qualifies when it is
not an NFA referral and, within the part of it that lies in the window, the child had a CIN
plan, a CP plan, a looked-after spell (903 `LS` not V3/V4) or an open assessment; an
episode closed RC8/RC9, and the episode of a care leaver at the as-of date, qualify only
through a plan or a looked-after spell. `Case Status`: e) closed, a) looked after, b) CP
plan, c) CIN plan, d) open assessment, the first that applies; none: c) and a finding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...readers.annex_a_lists import CODES
from .. import derive, l4_cin_plans
from .._common import (
    TEAM, WORKER, Context, ListResult, Verdict, child_rows, day, finish, not_after, ranked_per_child, verdict,
)
from ...quality import NO_CASE_STATUS
from ... import uniques
from ...uniques import Keys, among
from ._spec import annex_spec

SPEC = annex_spec(6, ("referrals",),
                  "one row per child: the latest-starting qualifying episode of need open at any time in the window",
                  "CIN Start Date",
                  feeds=tuple(f for f in l4_cin_plans.SPEC.feeds if f.column in ("primary_need", "child_seen")))

# Closed after assessment (no further action; referred to early help): the assessment alone
# does not make the episode one of a child in need (Ofsted's FAQ: RC8 children are not needed).
AFTER_ASSESSMENT = ("RC8", "RC9")
_RC = {label.split(" - ")[0]: label for label in CODES["closure_reason"]}


def closure_code(reasons: pd.Series) -> pd.Series:
    """`RC7`, `rc7`, `RC7 - Services ceased…` -> the Annex A label; anything else as written
    (worked out once per distinct reason: an LA's episodes have a few dozen)."""
    codes, distinct = uniques.factorize(reasons)
    text = pd.Series(distinct, dtype="str")
    labels = text.str.strip().str.upper().str.extract(r"^(RC\d)", expand=False).map(_RC).fillna(text)
    return uniques.spread(labels.to_numpy(dtype=object), codes, None, reasons.index, "str")


def _overlap(ctx: Context, ep: pd.DataFrame, keys: Keys, table: str, start: str, end: str,
             keep=None) -> np.ndarray:
    """Per episode of `ep` (`_lo`, `_hi`: its part in the window; `keys` its `child_id`s),
    whether the child has a `table` record overlapping [_lo, _hi] (start ≤ _hi and end
    blank or ≥ _lo)."""
    if not ctx.ds.has(table) or ep.empty:
        return np.zeros(len(ep), dtype=bool)
    df = ctx.ds.tables[table]
    if keep is not None:
        df = df[keep(df).to_numpy(dtype=bool)]
    at, rec = keys.pairs(df["child_id"])
    begins = df[start].to_numpy(dtype="datetime64[ns]")[rec]
    ends = df[end].to_numpy(dtype="datetime64[ns]")[rec]
    hit = (begins <= ep["_hi"].to_numpy(dtype="datetime64[ns]")[at]) \
        & (np.isnat(ends) | (ends >= ep["_lo"].to_numpy(dtype="datetime64[ns]")[at]))
    out = np.zeros(len(ep), dtype=bool)
    out[at[hit]] = True
    return out


def _care_leavers(ctx: Context, child_ids: pd.Series) -> np.ndarray:
    """A `care_leavers` involvement open at the as-of date (start blank or ≤ as_of, end blank or > as_of)."""
    if not ctx.ds.has("care_leavers"):
        return np.zeros(len(child_ids), dtype=bool)
    c = ctx.ds.tables["care_leavers"]
    live = derive.leaving_care_open(c, ctx.as_of)
    return among(child_ids, c.loc[live.to_numpy(dtype=bool), "child_id"])


def episodes(ctx: Context) -> pd.DataFrame:
    """Every episode open at any time in the window, with `_closed` (closed on or before the
    as-of date), its part in the window (`_lo`, `_hi`) and `_qualifies`."""
    r = ctx.ds.tables["referrals"]
    start = pd.Timestamp(ctx.window.start)
    closed_at = not_after(r["closure_date"], ctx.as_of)  # a closure after the as-of date has not happened
    ep = r[((r["referral_date"] <= ctx.as_of) & (closed_at.isna() | (closed_at >= start))).to_numpy(dtype=bool)].copy()
    ep["_closed"] = not_after(ep["closure_date"], ctx.as_of)
    ep["_lo"] = ep["referral_date"].where(ep["referral_date"] > start, start)
    ep["_hi"] = ep["_closed"].fillna(ctx.as_of)
    keys = Keys(ep["child_id"])
    plan = (_overlap(ctx, ep, keys, "cin_plans", "cin_plan_start_date", "cin_plan_end_date")
            | _overlap(ctx, ep, keys, "cp_plans", "cpp_start_date", "cpp_end_date")
            | _overlap(ctx, ep, keys, "episodes", "decom", "dec", lambda e: ~e["ls"].isin(derive.NOT_LOOKED_AFTER_LS)))
    assessed = _overlap(ctx, ep, keys, "assessments", "assessment_start_date", "authorisation_date")
    after_assessment = closure_code(ep["closure_reason"]).str[:3].isin(AFTER_ASSESSMENT).to_numpy(dtype=bool) \
        & ep["_closed"].notna().to_numpy(dtype=bool)
    plan_only = after_assessment | _care_leavers(ctx, ep["child_id"])
    nfa = ep["referral_nfa"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    ep["_plan"], ep["_assessed"], ep["_plan_only"], ep["_nfa"] = plan, assessed, plan_only, nfa
    ep["_qualifies"] = ~nfa & (plan | (assessed & ~plan_only))
    return ep


def chosen(ep: pd.DataFrame) -> pd.DataFrame:
    """Per child, the qualifying episode with the latest referral date; a same-day tie goes
    to the open one, else the later closure, then the later row (as `latest_open` ranks)."""
    return ranked_per_child(ep[ep["_qualifies"].to_numpy(dtype=bool)], "referral_date", "_closed")[0]


def _assessing(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """An assessment open at the as-of date: started, not authorised (blank or later)."""
    live = derive.children_open(ctx, "assessments", "assessment_start_date", "authorisation_date")
    return pd.Series(among(child_ids, live), index=child_ids.index)


def build(ctx: Context) -> ListResult:
    e = chosen(episodes(ctx))
    ids = e["child_id"]
    closed = e["_closed"].notna()
    assessing = _assessing(ctx, ids)
    flags = derive.status_flags(ctx, ids)
    status = derive.case_status(ctx, ids, first=((closed, derive.CLOSED_EPISODE),),
                                last=((assessing, derive.OPEN_ASSESSMENT),), flags=flags)
    none = ~closed & ~assessing & ~flags.any(axis=1)
    ctx.findings.add(e, none, "closure_date", NO_CASE_STATUS,
                     "the episode is open at the as-of date with no CIN plan, CP plan, looked-after spell or open "
                     "assessment; Case Status written c) Child in need plan")
    need = e["primary_need_code"].fillna(l4_cin_plans.primary_need(ctx, ids))
    rows = pd.DataFrame({
        "child_id": ids,
        "CIN Start Date": e["referral_date"],
        "Primary Need Code": need.astype("str"),
        "Date Child Was Last Seen": derive.last_seen(ctx, ids),
        "CIN Closure Date": e["_closed"],
        "Reason for Closure": closure_code(e["closure_reason"]).where(closed),
        "Case Status": status,
        TEAM: e["team"],
        WORKER: e["worker"],
    })
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    mine = child_rows(ctx, "referrals", child_id, "referral_date")
    if mine.empty:
        return Verdict(False, ["not on the list: no referral (episode of need) recorded for the child"])
    ep = episodes(ctx)
    ep = ep[(ep["child_id"] == child_id).to_numpy(dtype=bool)]
    pick = chosen(ep)
    reasons = []
    for i, row in mine.iterrows():
        what = f"episode from the referral of {day(row['referral_date'])} (row {row['_row']})"
        if i not in ep.index:
            reasons.append(f"{what} is not open at any time in the window {day(ctx.window.start)} to "
                           f"{day(ctx.window.end)}")
            continue
        e = ep.loc[i]
        if e["_nfa"]:
            reasons.append(f"{what} is an NFA referral: not an episode of a child in need")
        elif not e["_qualifies"]:
            why = (" (closed RC8/RC9 or a care leaver: only a plan or a looked-after spell counts)"
                   if e["_plan_only"] and e["_assessed"] else "")
            reasons.append(f"{what} had no CIN plan, CP plan, looked-after spell or open assessment in the window{why}")
        elif i in pick.index:
            reasons.append(f"{what} qualifies and is the most recent qualifying episode, the one listed")
        else:
            reasons.append(f"{what} qualifies, but a more recent qualifying episode is the one listed")
    return verdict(ctx, SPEC, child_id, not pick.empty, reasons)
