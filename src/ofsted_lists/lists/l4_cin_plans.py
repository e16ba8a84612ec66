"""List 4 — disabled children on a child in need plan at the as-of date (Annex A List 6)."""

from __future__ import annotations

import pandas as pd

from ._common import (
    DISABILITY_CODES, TEAM, WORKER, Context, Feed, ListResult, ListSpec, Verdict, explain_open, finish, latest_open,
)

# The table and its period: the same for `build` and `explain`.
PLAN = ("cin_plans", "cin_plan_start_date", "cin_plan_end_date")

SPEC = ListSpec(
    key="4",
    sheet="4 Child in need plans",
    annex_a="List 6: Children in Need",
    needs=("cin_plans",),
    columns=("CIN Start Date", "Primary Need Code", TEAM, WORKER, "Days on Plan", DISABILITY_CODES),
    key_date="CIN Start Date",
    disability_flag=True,
    rule="one row per child with a CIN plan open at the as-of date (the latest-starting one)",
    feeds=(
        Feed("cin_plan_end_date", "every plan reads as open, so children whose plan has ended are listed"),
        Feed("primary_need", "Primary Need Code will be blank", "referrals"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def primary_need(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """From the child's latest referral on or before the as-of date that records one."""
    if not ctx.ds.has("referrals"):
        return pd.Series(pd.NA, index=child_ids.index, dtype="str")
    r = ctx.ds.tables["referrals"]
    r = r.loc[(r["referral_date"] <= ctx.as_of) & r["primary_need"].notna(),
              ["child_id", "referral_date", "_row", "primary_need", "primary_need_code"]]
    r = r.sort_values(["referral_date", "_row"], kind="stable").drop_duplicates("child_id", keep="last")
    need = r.set_index("child_id")["primary_need_code"]
    return pd.Series(need.reindex(child_ids.to_numpy()).to_numpy(), index=child_ids.index, dtype="str")


def build(ctx: Context) -> ListResult:
    p = latest_open(ctx, *PLAN)
    rows = pd.DataFrame({
        "child_id": p["child_id"],
        "CIN Start Date": p["cin_plan_start_date"],
        "Primary Need Code": primary_need(ctx, p["child_id"]),
        TEAM: p["team"],
        WORKER: p["worker"],
        "Days on Plan": (ctx.as_of - p["cin_plan_start_date"]).dt.days.astype("Int64"),
    })
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    return explain_open(ctx, SPEC, child_id, *PLAN, "CIN plan")
