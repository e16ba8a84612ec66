"""Annex A List 8 — children in care: one row per child, its latest-starting period of care
open at the as-of date or ceased in the window, short-break-only periods (every episode LS
V3/V4) left out (SPEC §9, annex-a-full.md §2.8).

Periods are chained from the merged 903 history (`care_history`) as it stood at the as-of
date; the "current" episode is the period's one open then, else its last. Legal status,
placement and their starts come from that episode's run in the period (notes D, H); the
12-month values are measured back from the as-of date, never from `--since` (notes C, G, K).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ... import care_history
from ...quality import NO_ANNEX_A_CODE, NO_PLACEMENT_LA
from ...readers import postcodes
from ...readers.annex_a_lists import CODES
from ...schema import norm
from ...values import parse_yes_no
from ...window import months_before
from .. import derive
from .._common import (
    TEAM, UNKNOWN_ANSWER, WORKER, Context, Feed, ListResult, Verdict, day, finish, given_or_derived,
    ranked_per_child, verdict, yes_no,
)
from ._spec import annex_spec

START = "Date Started to be Looked After"
SPEC = annex_spec(8, ("episodes",),
                  "one row per child: the latest-starting period of care open at the as-of date or ceased in the "
                  "window, short-break-only periods left out", START,
                  feeds=(Feed("team", "Allocated Team will be blank"),
                         Feed("worker", "Allocated Worker will be blank"),
                         # Whole tables (column ""): no file of one gives the columns it fills.
                         Feed("", "Date of Latest Statutory Review will be blank", "reviews"),
                         Feed("", "Date of Last Social Work Visit and Date of Last IRO Visit / Contact to the Child "
                              "will be blank", "visits"),
                         Feed("", "Date of Last Health Assessment and Date of Last Dental Check will be blank",
                              "health_checks"),
                         Feed("", "What is the permanence plan for this child? will be blank", "permanence_plans"),
                         Feed("", "the missing and absent counts will be 0 and the return interview answers blank",
                              "missing"),
                         Feed("", "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N) will be "
                              "b) No for every child", "uasc")))

MONTHS = 12
# 903 placement types newer than every Annex A template (note I): written `CODE: description`.
NEWER_PLACEMENTS = {"K3": "Registered supported accommodation", "Z11": "", "Z12": "", "Z13": "", "Z14": ""}
# A postcode's LA code outside England (ONS: S Scotland, N Northern Ireland, W Wales).
COUNTRIES = {"S": "SCO", "N": "NIR", "W": "WAL"}
LOCATION_IN, LOCATION_OUT = CODES["placement_location"]
_CODE = re.compile(r"^(?:[a-z]{1,2}\)\s*)?([A-Z0-9]+)\s*(?::| - )")


def _labels(code_list: str) -> dict[str, str]:
    """An Annex A code list by its 903 code: `C1` -> `C1: ICO`, `U1` -> `a) U1: Foster …`."""
    return {m.group(1): label for label in CODES[code_list] if (m := _CODE.match(label))}


_PLANS = {norm(label): label for label in CODES["permanence_plan"]} | {
    norm(label.split(") ", 1)[1]): label for label in CODES["permanence_plan"]} | {
    label[0]: label for label in CODES["permanence_plan"]}


def cohort(ctx: Context, episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`episodes` (the merged history, or one child's part of it) as at the as-of date, and
    its periods of care with `short_breaks` (only V3/V4), `_qualifies` (not short breaks
    only, and open at the as-of date or ended in the window) and the first episode's
    `_origin` (its row label in `episodes`), `_file` and `_row`."""
    ep = care_history.as_at(episodes, ctx.as_of)
    p = care_history.periods(ep)
    first = ep.iloc[p["first"].to_numpy(dtype=int)]
    p["short_breaks"] = care_history.short_breaks_only(ep)
    p["_origin"], p["_file"], p["_row"] = first.index.to_numpy(), first["_file"].to_numpy(), first["_row"].to_numpy()
    # An unknown start is the child's first period in the files: the earliest, not the latest.
    p["_rank"] = p["start"].fillna(pd.Timestamp.min)
    p["_qualifies"] = ~p["short_breaks"].to_numpy() & (
        p["end"].isna() | (p["end"] >= pd.Timestamp(ctx.window.start))).to_numpy(dtype=bool)
    return ep, p


def chosen(p: pd.DataFrame) -> pd.DataFrame:
    """Per child, the latest-starting qualifying period; a same-day start: the open or later-ending one."""
    return ranked_per_child(p[p["_qualifies"].to_numpy(dtype=bool)], "_rank", "end")[0]


def _coded(ctx: Context, cur: pd.DataFrame, column: str, code_list: str) -> pd.Series:
    """The current episodes' 903 codes of `column` as Annex A labels; a code with none is
    written as it came, one finding per distinct value."""
    raw = cur[column]
    out = raw.map(_labels(code_list))
    ctx.findings.add_unmapped(cur, out.isna() & raw.notna(), column)
    return out.fillna(raw).astype("str")


def _placement_type(ctx: Context, cur: pd.DataFrame) -> pd.Series:
    """PLACE as its Annex A label; K3 and Z11–Z14, which no template codes, as `CODE:
    description` (the code alone where none is known), reported once per code."""
    raw = cur["place"]
    newer = raw.isin(list(NEWER_PLACEMENTS)).to_numpy(dtype=bool)
    written = raw.map({c: f"{c}: {d}" if d else c for c, d in NEWER_PLACEMENTS.items()})
    first = cur[newer].drop_duplicates("place")
    ctx.findings.add(first, None, "place", NO_ANNEX_A_CODE,
                     "placement type " + first["place"].astype(str) + " has no Annex A code; written '"
                     + written[first.index].astype(str) + "'")
    known = raw.map(_labels("placement_type"))
    ctx.findings.add_unmapped(cur, known.isna() & raw.notna() & ~newer, "place")
    return known.fillna(written).fillna(raw).astype("str")


def _location(ctx: Context, cur: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """`Placement Location` and `LA of Placement` (note J): from `placement_la` where given,
    else the postcode lookup (outside England: SCO/NIR/WAL, out); In when the LA is the
    LA's own `la_code`/`la_name`. Blanks left are reported once, on the list's first."""
    cfg = ctx.config
    own = {norm(v) for v in (cfg.la_code, cfg.la_name) if v}

    def is_own(values: pd.Series) -> np.ndarray:
        return values.isin([v for v in values.dropna().unique() if norm(v) in own]).to_numpy(dtype=bool)

    la = cur["placement_la"]
    given = la.notna().to_numpy(dtype=bool)
    mine, looked_up = is_own(la), np.zeros(len(cur), dtype=bool)
    outside = np.zeros(len(cur), dtype=bool)
    if cfg.postcode_lookup is not None:
        lookup = postcodes.read(cfg.postcode_lookup).set_index("postcode")
        post = postcodes.postcode_key(cur["pl_post"]).where(cur["pl_post"].notna() & ~given)
        code, name = post.map(lookup["la_code"]), post.map(lookup["la_name"])
        country = code.str[0].map(COUNTRIES)
        la = la.fillna(country).fillna(name).fillna(code)
        looked_up, outside = code.notna().to_numpy(dtype=bool), country.notna().to_numpy(dtype=bool)
        mine = mine | (looked_up & (is_own(code) | is_own(name)))
    decided = (given | looked_up) & (bool(own) | outside)
    location = pd.Series(np.where(mine & ~outside, LOCATION_IN, LOCATION_OUT), index=cur.index,
                         dtype="str").where(decided)
    blank = location.isna() | la.isna()
    if blank.any():
        why = [] if own else ["no la_code or la_name in [annex_a]"]
        why += [] if cfg.postcode_lookup is not None else ["no postcode_lookup in [annex_a]"]
        ctx.findings.add(cur[blank.to_numpy(dtype=bool)].iloc[:1], None, "pl_post", NO_PLACEMENT_LA,
                         f"Placement Location or LA of Placement is blank on {int(blank.sum())} row(s) of List 8: "
                         "no placement_la given and the placement postcode is blank or not in the lookup"
                         + (f" ({'; '.join(why)})" if why else ""))
    return location, la


def _missing(ctx: Context, spans: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Missing (M) and absent (A) episodes starting in each span (note K), and the return
    interview offered / accepted after the last missing one: blank when never missing,
    accepted blank unless offered."""
    def kind(code: str):
        return lambda m: (m["missing"] == code).to_numpy(dtype=bool, na_value=False)

    n_missing = derive.count_in_span(ctx, "missing", "mis_start", spans, kind("M"))
    n_absent = derive.count_in_span(ctx, "missing", "mis_start", spans, kind("A"))
    offered = accepted = pd.Series(pd.NA, index=spans.index, dtype="str")
    last = derive.in_span(ctx, "missing", "mis_start", spans, kind("M")).drop_duplicates("_span", keep="last")
    if len(last):
        at = spans.index[last["_span"].to_numpy()]
        was_offered = parse_yes_no(last["rhi_offered"]).values
        offered = offered.copy()
        offered[at] = yes_no(was_offered, unknown=UNKNOWN_ANSWER).to_numpy()
        took = yes_no(parse_yes_no(last["rhi_accepted"]).values, unknown=UNKNOWN_ANSWER)
        accepted = accepted.copy()
        accepted[at] = took.where(was_offered.fillna(False).to_numpy(dtype=bool)).to_numpy()
    return n_missing, n_absent, offered, accepted


def _plan(ctx: Context, spans: pd.DataFrame) -> pd.Series:
    """The permanence plan in force on the span's last day (note E): the latest-starting
    `permanence_plans` row started by then and not ended before it (a plan ending the day
    care ceased still counts; one ending on the as-of date does not); blank when none."""
    out = pd.Series(pd.NA, index=spans.index, dtype="str")
    if not ctx.ds.has("permanence_plans"):
        return out
    pp = ctx.ds.tables["permanence_plans"]
    s = pd.DataFrame({"_span": np.arange(len(spans)), "child_id": spans["child_id"].to_numpy(),
                      "_hi": spans["_hi"].to_numpy(dtype="datetime64[ns]"), "_ceased": spans["_ceased"].to_numpy()})
    m = s.merge(pp[["child_id", "plan", "start_date", "end_date", "_file", "_row"]], on="child_id")
    live = (m["start_date"].isna() | (m["start_date"] <= m["_hi"])) & (
        m["end_date"].isna() | (m["end_date"] > m["_hi"]) | (m["_ceased"] & (m["end_date"] == m["_hi"])))
    m = m[live.to_numpy(dtype=bool)].sort_values(["_span", "start_date", "_file", "_row"], kind="stable",
                                                 na_position="first").drop_duplicates("_span", keep="last")
    raw = m["plan"].astype("str")
    label = raw.map({v: _PLANS.get(norm(v)) for v in raw.dropna().unique()})
    ctx.findings.add_unmapped(m, label.isna() & raw.notna(), "plan")
    out.iloc[m["_span"].to_numpy()] = label.fillna(raw).to_numpy()
    return out


def build(ctx: Context) -> ListResult:
    ep, p = cohort(ctx, ctx.ds.tables["episodes"])
    c = chosen(p)
    cur = ep.iloc[c["last"].to_numpy(dtype=int)]
    ids = c["child_id"]
    as_of, since = ctx.as_of, pd.Timestamp(months_before(ctx.as_of.date(), MONTHS))
    ceased = c["end"].notna()
    spans = pd.DataFrame({"child_id": ids.to_numpy(), "_lo": c["start"].to_numpy(),
                          "_hi": c["end"].fillna(as_of).to_numpy(), "_ceased": ceased.to_numpy()}, index=c.index)
    anytime = spans.assign(_lo=pd.NaT)
    recent = spans.assign(_lo=spans["_lo"].where(spans["_lo"] > since, since), _hi=as_of)

    start, from_start = given_or_derived(START, cur["period_start"], c["start"], "datetime64[ns]")
    previous = care_history.second_period(p, p["short_breaks"].to_numpy(dtype=bool), since, ctx.config.second_period)
    second, from_second = given_or_derived("Second or subsequent period", cur["second_period"],
                                           pd.Series(previous[c.index.to_numpy()], index=c.index), "boolean")
    counted = care_history.placements_in_12_months(ep, c, since, as_of, ctx.config.placements == "every-placement")
    placements, from_count = given_or_derived("Number of Placements in the Last 12 months", cur["placements_12m"],
                                              pd.Series(counted, index=c.index))
    location, la = _location(ctx, cur)
    n_missing, n_absent, offered, accepted = _missing(ctx, recent)
    pos = cur.index
    rows = pd.DataFrame({
        "child_id": ids.to_numpy(),
        "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)":
            derive.uasc_in_last_12_months(ctx, ids).to_numpy(),
        START: start.to_numpy(),
        "Child's Category of Need": _coded(ctx, cur, "cin", "primary_need").to_numpy(),
        "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)":
            yes_no(second).to_numpy(),
        "Start date of current legal status": care_history.legal_status_start(ep).loc[pos].to_numpy(),
        "Child's Legal Status": _coded(ctx, cur, "ls", "legal_status").to_numpy(),
        "Date of Latest Statutory Review": derive.latest_in_span(ctx, "reviews", "review", spans).to_numpy(),
        "Date of Last Social Work Visit": derive.latest_in_span(
            ctx, "visits", "visit_date", spans, lambda v: derive.is_cla_visit(v["visit_type"])).to_numpy(),
        "What is the permanence plan for this child?": _plan(ctx, spans).to_numpy(),
        "Date of Last IRO Visit / Contact to the Child": derive.latest_in_span(
            ctx, "visits", "visit_date", spans, lambda v: derive.is_iro_visit(v["visit_type"])).to_numpy(),
        "Date of Last Health Assessment": derive.latest_in_span(
            ctx, "health_checks", "check_date", anytime, lambda h: derive.check_kind(h) == derive.HEALTH).to_numpy(),
        "Date of Last Dental Check": derive.latest_in_span(
            ctx, "health_checks", "check_date", anytime, lambda h: derive.check_kind(h) == derive.DENTAL).to_numpy(),
        "Number of Placements in the Last 12 months": placements.to_numpy(),
        "Date Ceased to be Looked After": c["end"].to_numpy(),
        "Reason Ceased to be Looked After": _coded(ctx, cur, "rec", "ceased_reason").where(
            ceased.to_numpy()).to_numpy(),
        "Start Date of Most Recent Placement": care_history.placement_start(ep).loc[pos].to_numpy(),
        "Placement Type": _placement_type(ctx, cur).to_numpy(),
        "Placement Provider": _coded(ctx, cur, "place_provider", "placement_provider").to_numpy(),
        "Placement postcode": cur["pl_post"].to_numpy(),
        "URN of Placement": cur["urn"].to_numpy(),
        "Placement Location": location.to_numpy(),
        "LA of Placement": la.to_numpy(),
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months":
            n_missing.to_numpy(),
        "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months":
            n_absent.to_numpy(),
        "Was the child offered a Return Interview after their last missing episode (Y/N)?": offered.to_numpy(),
        "Did the child accept a Return Interview after their last missing episode (Y/N)?": accepted.to_numpy(),
        TEAM: cur["team"].to_numpy(),
        WORKER: cur["worker"].to_numpy(),
        # Sorted and sampled by the start, or where it is unknown by the first episode in the files.
        "_key": start.fillna(ep["decom"].iloc[c["first"].to_numpy(dtype=int)].set_axis(c.index)).to_numpy(),
    })
    return finish(SPEC, ctx, rows, history="; ".join((from_start, from_second, from_count)))


def explain(ctx: Context, child_id: str) -> Verdict:
    e = ctx.ds.tables["episodes"]
    mine = e.iloc[np.flatnonzero((e["child_id"] == child_id).to_numpy(dtype=bool))]
    if mine.empty:
        return Verdict(False, ["not on the list: no 903 care episode recorded for the child"])
    whole = care_history.periods(mine)
    _, p = cohort(ctx, mine)
    pick = chosen(p)
    at = p.set_index("_origin")
    reasons = []
    for start, unknown, first in zip(whole["start"], whole[care_history.START_UNKNOWN], whole["first"]):
        row = mine.iloc[int(first)]
        what = ("period of care that began before the earliest 903 file (its first episode there starts "
                f"{day(row['decom'])}, row {row['_row']})" if unknown else
                f"period of care from {day(start)} (row {row['_row']})")
        origin = mine.index[int(first)]
        if origin not in at.index:
            reasons.append(f"{what} starts after the as-of date {day(ctx.as_of)}: not in care yet")
            continue
        q = at.loc[origin]
        ended = f"ceased {day(q['end'])}" if pd.notna(q["end"]) else f"open at {day(ctx.as_of)}"
        if q["short_breaks"]:
            reasons.append(f"{what} is short breaks only (every episode LS V3/V4): not care for this list")
        elif not q["_qualifies"]:
            reasons.append(f"{what} ended {day(q['end'])}, before the window start {day(ctx.window.start)}")
        elif (pick["_origin"] == origin).any():
            reasons.append(f"{what} is {ended}" + (" (in the window)" if pd.notna(q["end"]) else "")
                           + "; the latest-starting qualifying period, the one listed")
        else:
            reasons.append(f"{what} is {ended}, but a later-starting period is the one listed")
    return verdict(ctx, SPEC, child_id, not pick.empty, reasons)
