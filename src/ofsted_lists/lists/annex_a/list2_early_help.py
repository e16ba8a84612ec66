"""Annex A List 2 — every early help episode open at any time in the window, one row per
episode (SPEC §9: started on or before the as-of date, not ended before the window start),
with sheet 6's columns for all children, Annex A columns only."""

from __future__ import annotations

import pandas as pd

from .. import l6_early_help
from .._common import Context, ListResult, Verdict, child_rows, day, finish, verdict
from ._spec import annex_spec

SPEC = annex_spec(2, ("early_help",), "one row per early help episode open at any time in the window",
                  "Assessment start date",
                  feeds=tuple(f for f in l6_early_help.SPEC.feeds if f.column in ("eh_end_date", "lead_organisation")))


def selected(ctx: Context, e: pd.DataFrame) -> pd.Series:
    """Open at any time in the window: start ≤ as_of and (end blank or end ≥ window start)."""
    return (e["eh_start_date"] <= ctx.as_of) & (
        e["eh_end_date"].isna() | (e["eh_end_date"] >= pd.Timestamp(ctx.window.start)))


def build(ctx: Context) -> ListResult:
    e = ctx.ds.tables["early_help"]
    return finish(SPEC, ctx, l6_early_help.rows(ctx, e[selected(ctx, e).to_numpy(dtype=bool)]))


def explain(ctx: Context, child_id: str) -> Verdict:
    e = child_rows(ctx, "early_help", child_id, "eh_start_date")
    if e.empty:
        return Verdict(False, ["not on the list: no early help episode recorded for the child"])
    keep = selected(ctx, e)
    reasons = [f"early help episode from {day(s)} (row {r})"
               + (f", ending {day(x)}" if pd.notna(x) else "")
               + (" is open at some time in the window" if k else " is not open at any time in the window "
                  f"{day(ctx.window.start)} to {day(ctx.window.end)}")
               for s, x, r, k in zip(e["eh_start_date"], e["eh_end_date"], e["_row"], keep)]
    return verdict(ctx, SPEC, child_id, bool(keep.any()), reasons)
