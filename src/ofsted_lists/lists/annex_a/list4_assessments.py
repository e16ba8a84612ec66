"""Annex A List 4 — every assessment open at any time in the window, core assessments left
out as on sheet 3, one row per assessment (SPEC §9: started on or before the as-of date, not
authorised before the window start), for all children, Annex A columns only."""

from __future__ import annotations

import pandas as pd

from .. import l3_assessments as l3
from .._common import Context, ListResult, Verdict, child_rows, day, finish, verdict
from ._spec import annex_spec

SPEC = annex_spec(4, ("assessments",),
                  "one row per assessment open at any time in the window that is not a core assessment",
                  "Continuous Assessment Start Date",
                  feeds=l3.SPEC.feeds)


def open_in_window(ctx: Context, a: pd.DataFrame) -> pd.Series:
    """Started on or before the as-of date and not authorised before the window start."""
    return (a["assessment_start_date"] <= ctx.as_of) & (
        a["authorisation_date"].isna() | (a["authorisation_date"] >= pd.Timestamp(ctx.window.start)))


def selected(ctx: Context, a: pd.DataFrame) -> pd.Series:
    """The rule: open at any time in the window and not a core assessment (sheet 3's test)."""
    return open_in_window(ctx, a) & ~l3.core(ctx, a)


def build(ctx: Context) -> ListResult:
    a = ctx.ds.tables["assessments"]
    return finish(SPEC, ctx, l3.annex_columns(ctx, a[selected(ctx, a).to_numpy(dtype=bool)]))


def explain(ctx: Context, child_id: str) -> Verdict:
    a = child_rows(ctx, "assessments", child_id, "assessment_start_date")
    if a.empty:
        return Verdict(False, ["not on the list: no assessment recorded for the child"])
    inside, core = open_in_window(ctx, a), l3.core(ctx, a)
    reasons = []
    for i, row in a.iterrows():
        what = f"assessment started {day(row['assessment_start_date'])} (row {row['_row']})"
        if not inside.loc[i]:
            reasons.append(f"{what} is not open at any time in the window {day(ctx.window.start)} to "
                           f"{day(ctx.window.end)} (started after the as-of date, or authorised before the window)")
        elif core.loc[i]:
            reasons.append(f"{what} is open in the window, but is a core assessment, which this list leaves out")
        else:
            reasons.append(f"{what} is open at some time in the window and is not a core assessment")
    return verdict(ctx, SPEC, child_id, bool(selected(ctx, a).any()), reasons)
