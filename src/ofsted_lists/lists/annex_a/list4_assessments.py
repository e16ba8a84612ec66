"""Annex A List 4 — every assessment open at any time in the window, core assessments left
out as on sheet 3, one row per assessment (SPEC §9: started on or before the as-of date, not
authorised before the window start), for all children, Annex A columns only."""

from __future__ import annotations

import pandas as pd

from .. import l3_assessments as l3
from .._common import (
    TEAM, UNKNOWN_ANSWER, WORKER, Context, ListResult, Verdict, child_rows, day, finish, not_after, verdict, yes_no,
)
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


def rows(ctx: Context, a: pd.DataFrame) -> pd.DataFrame:
    """The Annex A columns of each assessment of `a`, as at the as-of date (sheet 3's
    meanings: the outcome is known only once authorised, `l3.SUPPORT` says what it answers).
    TODO(lead): sheet 3 (`l3_assessments.build`, helper A's file) derives the same columns
    inline; it can call this function so that they are written once."""
    authorised = not_after(a["authorisation_date"], ctx.as_of)
    support = a["assessment_outcome_code"].map(l3.SUPPORT)
    if ctx.ds.has_column("assessments", "authorisation_date"):
        support = support.where(authorised.notna())
    return pd.DataFrame({
        "child_id": a["child_id"],
        "Continuous Assessment Start Date": a["assessment_start_date"],
        "Child Seen During Continuous Assessment": yes_no(a["child_seen"], unknown=UNKNOWN_ANSWER),
        "Continuous Assessment Date of Authorisation": authorised,
        l3.REQUIRING_SUPPORT: support.astype("str"),
        TEAM: a["team"],
        WORKER: a["worker"],
    })


def build(ctx: Context) -> ListResult:
    a = ctx.ds.tables["assessments"]
    return finish(SPEC, ctx, rows(ctx, a[selected(ctx, a).to_numpy(dtype=bool)]))


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
