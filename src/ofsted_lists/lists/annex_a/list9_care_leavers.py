"""Annex A List 9 — care leavers: one row per young person with a `care_leavers` involvement
open at the as-of date (start blank or ≤ as_of, end blank or > as_of), in the newer layout's
columns (SPEC §9, annex-a-full.md §2.9).

`LA in Touch`, `Type of Accommodation`, `Suitability of Accommodation` and `Activity Status`
come from the involvement, field by field, else from the young person's latest 903 `oc3`
row (the last one read: files in folder order, rows in file order, so a folder of yearly
files named by year reads oldest first). Eligibility is the category recorded, never
derived from the care history. A coded value that names no Annex A code is written blank
and reported. UASC: `a) Yes` when the young person has any 903 `uasc` record (Ofsted asks
"or formerly UASC"), else `b) No`."""

from __future__ import annotations

import pandas as pd

from ...codes import leaving_care as lc
from ...quality import OVERLAPPING_PLANS
from ...uniques import among
from ...values import blank
from .. import derive
from .._common import (
    TEAM, WORKER, Context, Feed, ListResult, Verdict, child_rows, day, finish, not_after, ranked_per_child, verdict, yes_no,
)
from ._spec import annex_spec

SPEC = annex_spec(9, ("care_leavers",),
                  "one row per young person: the latest-starting leaving-care involvement open at the as-of date",
                  "Latest Date of Contact",
                  feeds=(Feed("team", "Allocated Team will be blank"), Feed("worker", "Allocated Worker will be blank"),
                         Feed("personal_advisor", "Allocated Personal Advisor will be blank"),
                         Feed("eligibility", "Eligibility Category will be blank"),
                         Feed("", "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N) "
                              "will be b) No for every young person", "uasc")))

UASC = "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)"
IN_TOUCH, ACCOMMODATION = "LA in Touch", "Type of Accommodation"
SUITABILITY, ACTIVITY = "Suitability of Accommodation", "Activity Status"
# The oc3 column behind each care_leavers one (annex-a-full.md §3.1): the fallback, field by field.
OC3 = {"in_touch": "in_touch", "accommodation": "accom", "activity": "activ"}
_EARLIEST = pd.Timestamp("1678-01-01")  # before any date read (the earliest pandas holds)


def chosen(ctx: Context, cl: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(chosen, others) among the open involvements: per young person the latest-starting one
    (a blank start counts as earliest), then the later end (open latest), then the later row."""
    live = cl[derive.leaving_care_open(cl, ctx.as_of).to_numpy(dtype=bool)]
    live = live.assign(_from=live["start_date"].fillna(_EARLIEST))
    pick, others = ranked_per_child(live, "_from", "end_date")
    return pick.drop(columns="_from"), others.drop(columns="_from")


def latest_oc3(ctx: Context, child_ids: pd.Series) -> pd.DataFrame:
    """Per row of `child_ids`, the young person's latest 903 `oc3` row (its provenance,
    in_touch, accom, activ; blank where none): the last one read, as oc3 rows carry no date."""
    cols = ["_file", "_sheet", "_row", "child_id", *OC3.values()]
    if not ctx.ds.has("oc3"):
        return pd.DataFrame({c: pd.Series(pd.NA, index=child_ids.index, dtype="str") for c in cols})
    oc3 = ctx.ds.tables["oc3"]
    last = oc3.drop_duplicates("child_id", keep="last").set_index("child_id", drop=False)
    out = last.reindex(child_ids.to_numpy())[cols]
    out.index = child_ids.index
    return out


def _given(values: pd.Series) -> pd.Series:
    """A care_leavers cell that holds something (the oc3 value is used only where it does not)."""
    return ~blank(values)


def _read(ctx: Context, frame: pd.DataFrame, column: str, read) -> pd.Series:
    """`read` (a `codes.leaving_care` map) over `frame[column]`; an unmapped value blank and
    reported at the row it came from."""
    mapped = read(frame[column])
    ctx.findings.add_unmapped(frame, mapped.unmapped, column, "maps to no Annex A code; written blank")
    return mapped.values


def coded(ctx: Context, inv: pd.DataFrame) -> pd.DataFrame:
    """The four coded columns for the chosen involvements: the care_leavers value where it
    gives one, else the latest oc3 row's, mapped to the Annex A labels. Suitability: the
    care_leavers value, else the digit of the accommodation code used (`B1`, the 903 form)."""
    oc3 = latest_oc3(ctx, inv["child_id"])
    out = {}
    for column, heading, read in (("in_touch", IN_TOUCH, lc.in_touch),
                                  ("accommodation", ACCOMMODATION, lc.accommodation),
                                  ("activity", ACTIVITY, lc.activity)):
        own = _given(inv[column]).to_numpy(dtype=bool)
        out[heading] = pd.concat([_read(ctx, inv[own], column, read), _read(ctx, oc3[~own], OC3[column], read)])
    accom = inv["accommodation"].where(_given(inv["accommodation"]), oc3["accom"])
    given = _given(inv["accommodation_suitable"]).to_numpy(dtype=bool)
    out[SUITABILITY] = pd.concat([_read(ctx, inv[given], "accommodation_suitable", lc.suitability),
                                  lc.suitability_in(accom.loc[inv.index[~given]])])
    return pd.DataFrame({k: v.reindex(inv.index) for k, v in out.items()})


def build(ctx: Context) -> ListResult:
    cl = ctx.ds.tables["care_leavers"]
    inv, others = chosen(ctx, cl)
    ctx.findings.add(others, None, "start_date", OVERLAPPING_PLANS,
                     "another leaving-care involvement is open at the as-of date; the latest-starting one is used")
    ids = inv["child_id"]
    eligibility = lc.eligibility(inv["eligibility"])
    ctx.findings.add_unmapped(inv, eligibility.unmapped, "eligibility",
                              "is no Annex A eligibility category; written blank (never guessed)")
    uasc = pd.Series(among(ids, ctx.ds.tables["uasc"]["child_id"]) if ctx.ds.has("uasc") else False, index=ids.index)
    rows = pd.DataFrame({
        "child_id": ids,
        UASC: yes_no(uasc),
        TEAM: inv["team"],
        WORKER: inv["worker"],
        "Allocated Personal Advisor": inv["personal_advisor"],
        "Eligibility Category": eligibility.values,
        # A review or contact dated after the as-of date has not happened yet.
        "Latest Pathway Plan Review Date": not_after(inv["pathway_plan_review_date"], ctx.as_of),
        "Latest Date of Contact": not_after(inv["latest_contact_date"], ctx.as_of),
        **coded(ctx, inv),
        "_key": inv["start_date"],
    })
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    cl = child_rows(ctx, "care_leavers", child_id, "start_date")
    if cl.empty:
        return Verdict(False, ["not on the list: no leaving-care involvement (care_leavers record) for the young person"])
    live = derive.leaving_care_open(cl, ctx.as_of)
    pick, _ = chosen(ctx, cl)
    at, reasons = day(ctx.as_of), []
    for i, row in cl.iterrows():
        start = f"from {day(row['start_date'])}" if pd.notna(row["start_date"]) else "with no start date"
        what = f"leaving-care involvement {start} (row {row['_row']})"
        if i in pick.index:
            oc3 = latest_oc3(ctx, pick["child_id"]).iloc[0]
            fallback = [name for name, c in OC3.items() if not _given(pick[name]).iloc[0] and pd.notna(oc3[c])]
            via = f"; {', '.join(fallback)} taken from the 903 oc3 return" if fallback else ""
            reasons.append(f"{what} is open at {at}, the one listed{via}")
        elif live.loc[i]:
            reasons.append(f"{what} is open at {at}, but a later-starting open one is the one listed")
        elif pd.notna(row["start_date"]) and row["start_date"] > ctx.as_of:
            reasons.append(f"{what} starts after the as-of date {at}: not open yet")
        else:
            reasons.append(f"{what} ended {day(row['end_date'])}, on or before {at}: not open")
    return verdict(ctx, SPEC, child_id, not pick.empty, reasons)
