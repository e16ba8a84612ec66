"""Annex A List 10 — adoption: one row per child who, with w12 = [as_of − 12 months, as_of]
(SPEC §9, annex-a-full.md §2.10 PROPOSED rule):
(a) was adopted in w12 (a period of care ended E11/E12 on a day in w12),
(b) has a should-be-placed decision in force at the as-of date (made on or before it, not
    reversed on or before it, no adoption order since), whatever the decision's date (D2I's
    reading), or
(c) had the decision reversed in w12 (DATE_PLACED_CEASED in w12).

The row is the child's latest decision (the 903 `DATE_PLACED` is the decision date, note L;
`ad1.DATE_INT` where there is none). Its period of care is the one containing the decision,
else the latest to start; the episode dates come from that period: entered care (its start;
blank when it began before the files), placement order (the first E1/D1 episode), placed
for adoption (the first A3-A6 placement), FFA or concurrent planning (the first U2/U5
placement) and the adoption order (its E11/E12 end). A first episode of a period that began
before the files gives no date (its status or placement may have begun earlier). Nothing
dated after the as-of date shows. Built from `episodes` or `placed_for_adoption`, either."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import care_history
from ...codes import leaving_care as lc
from ...schema import DATE_KINDS, TABLES
from ...window import months_before
from .._common import Context, ListResult, Verdict, child_rows, day, finish, not_after, ranked_per_child, verdict
from ._spec import annex_spec

SPEC = annex_spec(10, ("episodes", "placed_for_adoption"),
                  "one row per child adopted in the 12 months, with a should-be-placed decision in force at the "
                  "as-of date, or with the decision reversed in the 12 months", "Date of Decision that Child Should "
                  "be Placed for Adoption", needs_any=True)

MONTHS = 12  # the profile's window for Lists 10 and 11, whatever --since says (annex-a-full.md §1.1)
ADOPTED = ("E11", "E12")          # REC: adopted (an adoption order)
PLACEMENT_ORDER = ("E1", "D1")    # LS: placement order, freeing order
ADOPTION_PLACEMENT = ("A3", "A4", "A5", "A6")
FFA = ("U2", "U5")                # PLACE: fostering for adoption / concurrent planning
DECISION = "Date of Decision that Child Should be Placed for Adoption"
REVERSED = "Date of Decision that Child Should No Longer be Placed for Adoption"


def w12_start(ctx: Context) -> pd.Timestamp:
    return pd.Timestamp(months_before(ctx.as_of.date(), MONTHS))


def _table(ctx: Context, name: str) -> pd.DataFrame:
    """The normalised table, or none of its rows when the input has no such table."""
    if ctx.ds.has(name):
        return ctx.ds.tables[name]
    kinds = {c.name: "datetime64[ns]" if c.kind in DATE_KINDS else "str" for c in TABLES[name].columns}
    return pd.DataFrame({c: pd.Series(dtype=k) for c, k in {"_file": "str", "_sheet": "str", "_row": "int64",
                                                              **kinds}.items()})


def periods(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the merged episodes as they stood at the as-of date (`care_history.as_at`, as List 8
    reads them), with `_period`, the row of `periods` each belongs to; the periods of care,
    with `_from`, the first episode's DECOM, and `adoption`, the E11/E12 end). Both empty
    without an episodes table."""
    ep = _table(ctx, "episodes")
    if not ctx.ds.has("episodes"):
        ep = ep.assign(**{care_history.START_UNKNOWN: pd.Series(dtype=bool)})
    ep = care_history.as_at(ep, ctx.as_of).reset_index(drop=True)  # positions, as `periods` gives them
    per = care_history.periods(ep)
    ep = ep.assign(_period=care_history.period_of(ep))
    per["_from"] = ep["decom"].to_numpy()[per["first"].to_numpy()]
    per["adoption"] = per["end"].where(per["rec"].isin(ADOPTED).to_numpy(dtype=bool))
    return ep, per


def decisions(ctx: Context) -> pd.DataFrame:
    """Per child, the latest should-be-placed decision made on or before the as-of date (two
    decisions the same day: the one not reversed), with `_ceased`, its reversal on or before then."""
    pfa = _table(ctx, "placed_for_adoption")
    made = pfa[(pfa["date_placed"] <= ctx.as_of).to_numpy(dtype=bool)]
    made = made.assign(_ceased=not_after(made["date_placed_ceased"], ctx.as_of))
    # The same decision in two years' files (made in one, reversed in the next: the first
    # file's copy has no reversal date) is one decision: the copy recording the reversal wins,
    # as an episode's copy with an end date does (care_history).
    made = made.assign(_has=made["_ceased"].notna()).sort_values(["child_id", "date_placed", "_has"], kind="stable")
    made = made.drop_duplicates(["child_id", "date_placed"], keep="last").drop(columns="_has")
    return ranked_per_child(made, "date_placed", "_ceased")[0].set_index("child_id")


def _ad1(ctx: Context) -> pd.DataFrame:
    """Per child, the ad1 row with the latest DATE_INT on or before the as-of date."""
    ad1 = _table(ctx, "ad1")
    ad1 = ad1[(ad1["date_int"] <= ctx.as_of).to_numpy(dtype=bool)]
    return ad1.sort_values(["child_id", "date_int"], kind="stable").drop_duplicates("child_id", keep="last") \
        .set_index("child_id")


def cohort(ctx: Context, per: pd.DataFrame, dec: pd.DataFrame, ad1: pd.DataFrame) -> pd.DataFrame:
    """One row per child on the list (index child_id): `adopted` (a), `in_force` (b),
    `reversed` (c), `decision` (the date shown), `_period` (its row of `per`, -1 none);
    from `periods`, `decisions` and `_ad1`."""
    first = w12_start(ctx)
    pfa = _table(ctx, "placed_for_adoption")
    ceased = pfa["date_placed_ceased"]
    reversed_ids = pfa.loc[((ceased >= first) & (ceased <= ctx.as_of)).to_numpy(dtype=bool), "child_id"]
    adopted_ids = per.loc[(per["adoption"] >= first).to_numpy(dtype=bool), "child_id"]
    last_order = per.groupby("child_id")["adoption"].max()
    # An adoption order since the decision (NaN, no order, compares False).
    ordered = (last_order.reindex(dec.index) >= dec["date_placed"]).to_numpy(dtype=bool)
    live_ids = dec.index[dec["_ceased"].isna().to_numpy(dtype=bool) & ~ordered]
    ids = pd.Index(pd.unique(np.concatenate([adopted_ids.to_numpy(dtype=object), live_ids.to_numpy(dtype=object),
                                             reversed_ids.to_numpy(dtype=object)])), name="child_id")
    out = pd.DataFrame(index=ids)
    out["adopted"], out["in_force"] = ids.isin(adopted_ids), ids.isin(live_ids)
    out["reversed"] = ids.isin(reversed_ids)
    out["decision"] = dec["date_placed"].reindex(ids).fillna(ad1["date_int"].reindex(ids))
    out["_period"] = _period(ctx, per, out["decision"])
    return out


def _period(ctx: Context, per: pd.DataFrame, decision: pd.Series) -> np.ndarray:
    """Per child of `decision` (index child_id), the row of `per` containing its decision
    (started on or before it, or before the files, and not ended before it), else the latest
    to start on or before the as-of date; -1 when neither."""
    p = per.assign(_p=np.arange(len(per)))
    m = pd.DataFrame({"child_id": decision.index.to_numpy(), "_d": decision.to_numpy()}).merge(
        p[["child_id", "_p", "start", "end", "_from", care_history.START_UNKNOWN]], on="child_id")
    holds = ((m["start"] <= m["_d"]) | m[care_history.START_UNKNOWN]) & (m["end"].isna() | (m["end"] >= m["_d"]))
    m["_rank"] = holds.to_numpy(dtype=bool).astype(int)  # containing the decision first, then the latest
    pick = m.sort_values(["child_id", "_rank", "_from", "_p"], kind="stable").drop_duplicates("child_id", keep="last")
    return pick.set_index("child_id")["_p"].reindex(decision.index).fillna(-1).astype("int64").to_numpy()


def _first_decom(ctx: Context, ep: pd.DataFrame, per: pd.DataFrame, chosen: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per chosen period (a row number of `per`, -1 none), the DECOM of its first episode
    meeting `mask`, on or before the as-of date; blank when that is the first episode of a
    period begun before the files (it may have begun earlier)."""
    unknown_first = np.zeros(len(ep), dtype=bool)
    starts = per["first"].to_numpy()[per[care_history.START_UNKNOWN].to_numpy(dtype=bool)]
    unknown_first[starts] = True
    hit = ep[mask]
    firsts = hit.drop_duplicates("_period", keep="first")
    firsts = firsts[~unknown_first[firsts.index.to_numpy()]]
    dates = pd.Series(firsts["decom"].to_numpy(), index=firsts["_period"].to_numpy())
    return dates.reindex(chosen).to_numpy(dtype="datetime64[ns]")


def build(ctx: Context) -> ListResult:
    ep, per = periods(ctx)
    dec, ad1 = decisions(ctx), _ad1(ctx)
    c = cohort(ctx, per, dec, ad1)
    ids = c.index.to_series(index=c.index)
    dec, ad1 = dec.reindex(c.index), ad1.reindex(c.index)
    chosen = c["_period"].to_numpy()
    valid = chosen >= 0
    at = np.where(valid, chosen, 0)

    def of_period(column: str) -> np.ndarray:
        if not len(per):
            return np.full(len(c), np.datetime64("NaT"), dtype="datetime64[ns]")
        values = per[column].to_numpy(dtype="datetime64[ns]")[at]
        values[~valid] = np.datetime64("NaT")
        return values

    ls, place = ep["ls"].isin(PLACEMENT_ORDER).to_numpy(dtype=bool), ep["place"]
    reason = lc.rd_reason(dec["reason_placed_ceased"])
    ctx.findings.add_unmapped(dec.reset_index(), pd.Series(reason.unmapped.to_numpy()), "reason_placed_ceased",
                              "maps to no RD code; written blank")
    rows = pd.DataFrame({
        "child_id": ids.to_numpy(),
        "Family identifier": dec["family_id"].to_numpy(),
        "Date the Child Entered Care": of_period("start"),
        DECISION: c["decision"].to_numpy(),
        "Date of Placement Order": _first_decom(ctx, ep, per, chosen, ls),
        "Date of Matching Child and Prospective Adopters":
            not_after(dec["date_match"].fillna(ad1["date_match"]), ctx.as_of).to_numpy(),
        "Date Placed for Adoption": _first_decom(ctx, ep, per, chosen, place.isin(ADOPTION_PLACEMENT).to_numpy(bool)),
        "Date of Adoption Order": of_period("adoption"),
        REVERSED: dec["_ceased"].to_numpy(),
        "Reason Why Child No Longer Placed for Adoption": reason.values.where(dec["_ceased"].notna()).to_numpy(),
        "Date the child was placed for fostering in FFA or concurrent planning placement":
            _first_decom(ctx, ep, per, chosen, place.isin(FFA).to_numpy(dtype=bool)),
    })
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    c = cohort(ctx, periods(ctx)[1], decisions(ctx), _ad1(ctx))
    mine = child_rows(ctx, "placed_for_adoption", child_id, "date_placed") if ctx.ds.has("placed_for_adoption") \
        else pd.DataFrame()
    at, first = day(ctx.as_of), day(w12_start(ctx))
    reasons = []
    for _, row in mine.iterrows():
        what = f"should-be-placed decision of {day(row['date_placed'])} (row {row['_row']})"
        ceased = row["date_placed_ceased"]
        if row["date_placed"] > ctx.as_of:
            reasons.append(f"{what} is after the as-of date {at}: not made yet")
        elif pd.notna(ceased) and ceased <= ctx.as_of:
            inside = "in" if ceased >= w12_start(ctx) else "before"
            reasons.append(f"{what} was reversed {day(ceased)}, {inside} the 12 months from {first}")
        else:
            reasons.append(f"{what} was not reversed by {at}")
    if child_id in c.index:
        row = c.loc[child_id]
        if row["adopted"]:
            reasons.append(f"a period of care ended with an adoption order (E11/E12) in the 12 months from {first}")
        if row["in_force"]:
            reasons.append(f"the latest decision is in force at {at} (not reversed, no adoption order since)")
        elif not row["adopted"] and not row["reversed"]:
            reasons.append("the latest decision is no longer in force")
    elif not len(mine):
        reasons.append(f"no should-be-placed decision, and no adoption order (E11/E12) in the 12 months from {first}")
    else:
        reasons.append(f"no decision in force at {at}, none reversed and no adoption order in the 12 months")
    return verdict(ctx, SPEC, child_id, child_id in c.index, reasons)
