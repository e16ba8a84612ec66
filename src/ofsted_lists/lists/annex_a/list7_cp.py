"""Annex A List 7 — child protection: one row per child, its latest-starting CP plan open at
the as-of date or ended in the window, plans of another LA (`ola` yes) left out (SPEC §9,
annex-a-full.md §2.7). Columns as sheet 5, with the plan's end date when it has ended."""

from __future__ import annotations

import pandas as pd

from .. import l5_cp_plans as l5
from .._common import Context, ListResult, Verdict, child_rows, day, finish, not_after, ranked_per_child, verdict
from ._spec import annex_spec

SPEC = annex_spec(7, ("cp_plans",),
                  "one row per child: the latest-starting CP plan open at the as-of date or ended in the window, "
                  "other LAs' plans left out", "Child Protection Plan Start Date",
                  feeds=tuple(f for f in l5.SPEC.feeds))


def own_plans(p: pd.DataFrame) -> pd.Series:
    """Not a plan of another LA (`ola` yes): Ofsted lists the LA's own plans."""
    return ~p["ola"].astype("boolean").fillna(False)


def selected(ctx: Context, p: pd.DataFrame) -> pd.Series:
    """Started on or before the as-of date and not ended before the window start (open at
    the as-of date, or ended in the window: a plan ending on the as-of date has ended), own LA."""
    return (p["cpp_start_date"] <= ctx.as_of) & (
        p["cpp_end_date"].isna() | (p["cpp_end_date"] >= pd.Timestamp(ctx.window.start))) & own_plans(p)


def chosen(ctx: Context, p: pd.DataFrame) -> pd.DataFrame:
    """Per child, the latest-starting selected plan; same-day starts: the later end (open latest)."""
    q = p[selected(ctx, p).to_numpy(dtype=bool)]
    # An end after the as-of date has not happened: the plan counts as open in the ranking.
    q = q.assign(_ended=not_after(q["cpp_end_date"], ctx.as_of))
    return ranked_per_child(q, "cpp_start_date", "_ended")[0].drop(columns="_ended")


def build(ctx: Context) -> ListResult:
    plans = ctx.ds.tables["cp_plans"]
    p = chosen(ctx, plans)
    ended = not_after(p["cpp_end_date"], ctx.as_of)  # an end after the as-of date has not happened yet
    rows, history = l5.annex_columns(ctx, plans, p, ended)
    return finish(SPEC, ctx, rows, history=history)


def explain(ctx: Context, child_id: str) -> Verdict:
    p = child_rows(ctx, "cp_plans", child_id, "cpp_start_date")
    if p.empty:
        return Verdict(False, ["not on the list: no CP plan recorded for the child"])
    keep, own, pick = selected(ctx, p), own_plans(p), chosen(ctx, p)
    reasons = []
    for i, row in p.iterrows():
        what = f"CP plan from {day(row['cpp_start_date'])} (row {row['_row']})"
        if not own.loc[i]:
            reasons.append(f"{what} is a plan of another LA: left out")
        elif not keep.loc[i]:
            reasons.append(f"{what} is neither open at {day(ctx.as_of)} nor ended in the window")
        elif i in pick.index:
            reasons.append(f"{what} is open at the as-of date or ended in the window; the latest-starting one, listed")
        else:
            reasons.append(f"{what} qualifies, but a later-starting plan is the one listed")
    return verdict(ctx, SPEC, child_id, not pick.empty, reasons)
