"""List 6 — disabled children with an early help episode (CAF / EHA / TAC) open at the
as-of date (Annex A List 2)."""

from __future__ import annotations

import pandas as pd

from ._common import (
    DISABILITY_CODES, TEAM, WORKER, Context, Feed, ListResult, ListSpec, Verdict, explain_open, finish, latest_open,
    not_after,
)

# The table and its period: the same for `build` and `explain`.
PLAN = ("early_help", "eh_start_date", "eh_end_date")

SPEC = ListSpec(
    key="6",
    sheet="6 Early help",
    annex_a="List 2: Early Help",
    needs=("early_help",),
    columns=(
        "Assessment start date", "Assessment completion date", "Organisation completing assessment",
        "Early Help Type", "Days Open", TEAM, WORKER, DISABILITY_CODES,
    ),
    key_date="Assessment start date",
    disability_flag=False,
    rule="one row per child with an early help episode open at the as-of date (the latest-starting one)",
    feeds=(
        Feed("eh_end_date", "every episode reads as open, so children whose episode has ended are listed"),
        Feed("eh_type", "Early Help Type will be blank"),
        Feed("lead_organisation", "Organisation completing assessment will be blank"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def build(ctx: Context) -> ListResult:
    return finish(SPEC, ctx, rows(ctx, latest_open(ctx, *PLAN)))


def rows(ctx: Context, e: pd.DataFrame) -> pd.DataFrame:
    """The columns of each early help episode of `e` (this sheet's, and Annex A List 2's)."""
    return pd.DataFrame({
        "child_id": e["child_id"],
        "Assessment start date": e["eh_start_date"],
        # Open at the as-of date, so any end date lies after it: blank while open.
        "Assessment completion date": not_after(e["eh_end_date"], ctx.as_of),
        "Organisation completing assessment": e["lead_organisation"],
        "Early Help Type": e["eh_type"],
        "Days Open": (ctx.as_of - e["eh_start_date"]).dt.days.astype("Int64"),
        TEAM: e["team"],
        WORKER: e["worker"],
    })


def explain(ctx: Context, child_id: str) -> Verdict:
    return explain_open(ctx, SPEC, child_id, *PLAN, "early help episode")
