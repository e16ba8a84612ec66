"""Annex A List 11 — adopters: one row per adopter in `adopters` (a couple is two rows) who
has applied (Stage 1 started or an application submitted on or before the as-of date; an
enquiry alone does not count) and who either has a dated step in the 12 months
[as_of − 12 months, as_of] or is mid-process at the as-of date (applied, not left, no
adoption order). An adopter who left with reason `2 - Process put on hold` is not listed
(SPEC §9, annex-a-full.md §2.11). Nothing dated after the as-of date shows.

The rows are adults, not children: no child columns, no disability filter (`finish_rows`).
Gender in List 11's own order; ethnicity by the children's ethnicity codes."""

from __future__ import annotations

import pandas as pd

from ... import codes
from ...codes import leaving_care as lc
from .._common import NO, YES, Context, ListResult, Verdict, finish_rows, not_after
from ._spec import annex_spec
from .list10_adoption import MONTHS
from ...window import months_before

SPEC = annex_spec(11, ("adopters",),
                  "one row per adopter who applied and had a step in the 12 months or is mid-process at the as-of "
                  "date, those put on hold left out", "Date Stage 1 started")

APPLIED = ("stage1_start", "application_date")
# Every dated step after the enquiry: one in the 12 months keeps an adopter who applied on the list.
STEPS = ("stage1_start", "stage1_end", "stage2_start", "stage2_end", "application_date", "approval_date",
         "matched_date", "placed_date", "adoption_order_date", "left_date")
DATES = {"Date enquiry received": "enquiry_date", "Date Stage 1 started": "stage1_start",
         "Date Stage 1 ended": "stage1_end", "Date Stage 2 started": "stage2_start",
         "Date Stage 2 ended": "stage2_end", "Date application submitted": "application_date",
         "Date application approved": "approval_date", "Date adopter matched with child(ren)": "matched_date",
         "Date child/children placed with adopter(s)": "placed_date", "Date of Adoption Order": "adoption_order_date",
         "Date of leaving adoption process": "left_date"}


def status(ctx: Context, a: pd.DataFrame) -> pd.DataFrame:
    """Per adopter row: `applied`, `left` (a leaving date on or before the as-of date, or a
    reason with no date), `on_hold` (left, reason 2), `mid_process`, `step` (a dated step in
    the 12 months) and `listed`."""
    as_of, first = ctx.as_of, pd.Timestamp(months_before(ctx.as_of.date(), MONTHS))
    applied = pd.concat([a[c] <= as_of for c in APPLIED], axis=1).any(axis=1)
    reason = lc.left_reason(a["left_reason"]).values
    left = (a["left_date"] <= as_of) | (a["left_date"].isna() & reason.notna())
    on_hold = left & reason.eq(lc.ON_HOLD).fillna(False)
    adopted = a["adoption_order_date"] <= as_of
    mid = applied & ~left & ~adopted
    step = pd.concat([(a[c] >= first) & (a[c] <= as_of) for c in STEPS], axis=1).any(axis=1)
    return pd.DataFrame({"applied": applied, "left": left, "on_hold": on_hold, "mid_process": mid, "step": step,
                         "listed": applied & (step | mid) & ~on_hold}, index=a.index)


def build(ctx: Context) -> ListResult:
    a = ctx.ds.tables["adopters"]
    a = a[status(ctx, a)["listed"].to_numpy(dtype=bool)]
    gender = lc.adopter_gender(codes.map_codes("gender", a["gender"], ctx.config.mapping("gender")))
    ethnicity = codes.map_codes("ethnicity", a["ethnicity"], ctx.config.mapping("ethnicity"))
    reason = lc.left_reason(a["left_reason"])
    for column, mapped in (("gender", gender), ("ethnicity", ethnicity)):
        ctx.findings.add_unmapped(a, mapped.unmapped, column)
    ctx.findings.add_unmapped(a, reason.unmapped, "left_reason", "maps to no Annex A reason; written blank")
    left = not_after(a["left_date"], ctx.as_of)
    rows = pd.DataFrame({
        "Individual adopter identifier": a["adopter_id"],
        "Family identifier": a["family_id"],
        "Gender": gender.values,
        "Ethnicity": ethnicity.values,
        "Disability": a["disability"].astype("boolean").map({True: YES, False: NO}).astype("str"),
        "Is the (prospective) adopter fostering for adoption?":
            a["fostering_for_adoption"].astype("boolean").map({True: "Yes", False: "No"}).astype("str"),
        **{heading: not_after(a[column], ctx.as_of) for heading, column in DATES.items()},
        "No. of children placed": a["children_placed"],
        "Reason for leaving adoption process": reason.values.where(left.notna() | a["left_date"].isna()),
    })
    key = a[list(APPLIED)].min(axis=1)
    return finish_rows(SPEC, rows, key)


def explain(ctx: Context, child_id: str) -> Verdict:
    """A child id is no adopter: List 11 lists adults. An adopter's id is answered by the rule."""
    a = ctx.ds.tables["adopters"]
    mine = a[(a["adopter_id"] == child_id).to_numpy(dtype=bool)]
    if mine.empty:
        return Verdict(False, ["not on the list: List 11 lists adopters, not children"])
    s = status(ctx, mine).iloc[0]
    if not s["applied"]:
        why = "has not applied (no Stage 1 start or application on or before the as-of date); an enquiry alone does not count"
    elif s["on_hold"]:
        why = "left the process with reason 2 - Process put on hold, which Ofsted asks to leave out"
    elif not (s["step"] or s["mid_process"]):
        why = "has no dated step in the 12 months and is not mid-process at the as-of date"
    else:
        why = "applied, and " + ("is mid-process at the as-of date" if s["mid_process"] else "has a step in the 12 months")
    return Verdict(bool(s["listed"]), [f"adopter {why}",
                                       "on the list (an adopter)" if s["listed"] else "not on the list"])
