"""List 4 — disabled children on a child in need plan at the as-of date (Annex A List 6)."""

from __future__ import annotations

import pandas as pd

from . import derive
from ..uniques import among
from ._common import (
    DISABILITY_CODES, TEAM, WORKER, Context, Feed, ListResult, ListSpec, Verdict, explain_open, finish, latest_open,
)

# The table and its period: the same for `build` and `explain`.
PLAN = ("cin_plans", "cin_plan_start_date", "cin_plan_end_date")
PLAN_START = "CIN Plan Start Date"

SPEC = ListSpec(
    key="4",
    sheet="4 Child in need plans",
    annex_a="List 6: Children in Need",
    needs=("cin_plans",),
    columns=("CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
             "Reason for Closure", "Case Status", TEAM, WORKER, PLAN_START, "Days on Plan", DISABILITY_CODES),
    key_date=PLAN_START,
    disability_flag=True,
    rule="one row per child with a CIN plan open at the as-of date (the latest-starting one)",
    feeds=(
        Feed("cin_plan_end_date", "every plan reads as open, so children whose plan has ended are listed"),
        Feed("primary_need", "Primary Need Code will be blank", "referrals"),
        Feed("child_seen", "every visit counts as the child seen for Date Child Was Last Seen", "visits"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def _referrals(ctx: Context, child_ids: pd.Series) -> pd.DataFrame:
    """The referrals of `child_ids` on or before the as-of date, by date then spreadsheet
    order (the later row wins a same-day tie). The children's first: the few listed
    children's referrals are sorted, not every referral of the LA."""
    r = ctx.ds.tables["referrals"]
    keep = among(r["child_id"], child_ids.unique()) & (r["referral_date"] <= ctx.as_of).to_numpy(dtype=bool)
    r = r.loc[keep, ["child_id", "referral_date", "primary_need", "primary_need_code", "_file",
                                          "_row"]]
    return r.sort_values(["referral_date", "_file", "_row"], kind="stable")


def episode_referral(ctx: Context, plans: pd.DataFrame) -> pd.DataFrame:
    """Per plan, the referral that opened its episode of need: the child's latest referral
    on or before the plan's start (SPEC §4 sheet 4). Returns `referral_date` (the CIN Start
    Date; NaT when the child has none) and `primary_need_code`, index that of `plans`."""
    out = pd.DataFrame({"referral_date": pd.Series(pd.NaT, index=plans.index, dtype="datetime64[ns]"),
                        "primary_need_code": pd.Series(pd.NA, index=plans.index, dtype="str")})
    if not ctx.ds.has("referrals") or plans.empty:
        return out
    r = _referrals(ctx, plans["child_id"])
    left = pd.DataFrame({"_at": range(len(plans)), "child_id": plans["child_id"].to_numpy(),
                         "_start": plans["cin_plan_start_date"].to_numpy(dtype="datetime64[ns]")})
    right = r[["child_id", "referral_date", "primary_need_code"]].astype({"referral_date": "datetime64[ns]"})
    # merge_asof takes, per plan, the last referral (in the sorted order) dated on or before its start.
    m = pd.merge_asof(left.sort_values("_start", kind="stable"), right, left_on="_start", right_on="referral_date",
                      by="child_id", direction="backward").sort_values("_at")
    out["referral_date"] = m["referral_date"].to_numpy()
    out["primary_need_code"] = pd.Series(m["primary_need_code"].to_numpy(), dtype="str").to_numpy()
    return out


def primary_need(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """From the child's latest referral on or before the as-of date that records one."""
    if not ctx.ds.has("referrals"):
        return pd.Series(pd.NA, index=child_ids.index, dtype="str")
    r = _referrals(ctx, child_ids)
    r = r[r["primary_need"].notna().to_numpy(dtype=bool)].drop_duplicates("child_id", keep="last")
    need = r.set_index("child_id")["primary_need_code"]
    return pd.Series(need.reindex(child_ids.to_numpy()).to_numpy(), index=child_ids.index, dtype="str")


def build(ctx: Context) -> ListResult:
    p = latest_open(ctx, *PLAN)
    episode = episode_referral(ctx, p)
    # The episode's referral's need; where it records none, the latest one that does.
    need = episode["primary_need_code"].fillna(primary_need(ctx, p["child_id"]))
    rows = pd.DataFrame({
        "child_id": p["child_id"],
        "CIN Start Date": episode["referral_date"],
        "Primary Need Code": need.astype("str"),
        "Date Child Was Last Seen": derive.last_seen(ctx, p["child_id"]),
        # The plan is open, so its episode is: no closure yet.
        "CIN Closure Date": pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]"),
        "Reason for Closure": pd.Series(pd.NA, index=p.index, dtype="str"),
        "Case Status": derive.case_status(ctx, p["child_id"]),
        TEAM: p["team"],
        WORKER: p["worker"],
        PLAN_START: p["cin_plan_start_date"],
        "Days on Plan": (ctx.as_of - p["cin_plan_start_date"]).dt.days.astype("Int64"),
    })
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    return explain_open(ctx, SPEC, child_id, *PLAN, "CIN plan")
