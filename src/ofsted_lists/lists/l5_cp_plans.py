"""List 5 — disabled children on a child protection plan at the as-of date (Annex A List 7)."""

from __future__ import annotations

import pandas as pd

from . import derive
from ._common import (
    DISABILITY_CODES, TEAM, WORKER, Context, Feed, ListResult, ListSpec, Verdict, explain_open, finish,
    given_or_derived, latest_open, not_after, yes_no,
)

# The table and its period: the same for `build` and `explain`.
PLAN = ("cp_plans", "cpp_start_date", "cpp_end_date")

PREVIOUS = "Number of Previous Child Protection Plans"
EPO = "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)"

SPEC = ListSpec(
    key="5",
    sheet="5 Child protection plans",
    annex_a="List 7: Child protection",
    needs=("cp_plans",),
    columns=(
        "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
        "Date of the Last Statutory Visit", "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date", EPO, PREVIOUS, TEAM, WORKER,
        "Days on Plan", DISABILITY_CODES,
    ),
    key_date="Child Protection Plan Start Date",
    disability_flag=True,
    rule="one row per child with a CP plan open at the as-of date (the latest-starting one)",
    feeds=(
        Feed("cpp_end_date", "every plan reads as open, so children whose plan has ended are listed"),
        Feed("initial_category", "Initial Category of Abuse will be blank"),
        Feed("latest_category", "Latest Category of Abuse will be blank"),
        Feed("last_review_date", "Date of latest review conference will be blank"),
        Feed("seen_alone", "Was the Child Seen Alone? will be c) Unknown at every visit", "visits"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def previous_plans(all_plans: pd.DataFrame, chosen: pd.DataFrame) -> pd.Series:
    """The child's CP plans that started before this one, not counting plans of another LA
    (`ola` yes: Ofsted counts the LA's own). Two plans starting the same day are two plans
    (exact duplicate rows are already gone)."""
    own = ~all_plans["ola"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    starts = all_plans.loc[own, ["child_id", "cpp_start_date"]]
    merged = chosen[["child_id", "cpp_start_date"]].reset_index().merge(
        starts, on="child_id", suffixes=("", "_other"))
    earlier = merged["cpp_start_date_other"] < merged["cpp_start_date"]
    return earlier.groupby(merged["index"]).sum().reindex(chosen.index).fillna(0).astype("Int64")


def annex_columns(ctx: Context, plans: pd.DataFrame, p: pd.DataFrame, ended: pd.Series) -> tuple[pd.DataFrame, str]:
    """The Annex A List 7 columns of each chosen plan of `p` (one per child, from all the
    child's `plans`), with `ended` its end as at the as-of date (NaT while open: a ceased
    plan's visits stop at its end day); and the Summary's words on where the previous-plans
    count came from. Sheet 5 and Annex A List 7 both write these."""
    # The LA's own count where the input gives it (the CIN census, an Annex A), else counted.
    previous, history = given_or_derived(PREVIOUS, p["previous_cp_plans"], previous_plans(plans, p))
    visit = derive.last_statutory_visit(ctx, p.assign(_ended=ended), "cpp_start_date", "_ended")
    # The flag as an Annex A List 7 gives it, else derived from orders and the 903.
    epo = yes_no(p["epo_6_months"]).fillna(derive.epo_last_six_months(ctx, p["child_id"]))
    return pd.DataFrame({
        "child_id": p["child_id"],
        "Child Protection Plan Start Date": p["cpp_start_date"],
        "Initial Category of Abuse": p["initial_category_code"],
        "Latest Category of Abuse": p["latest_category_code"],
        "Date of the Last Statutory Visit": visit["date"],
        "Was the Child Seen Alone?": visit["seen_alone"],
        "Date of latest review conference": not_after(p["last_review_date"], ctx.as_of),
        "Child Protection Plan End Date": ended,
        EPO: epo.astype("str"),
        PREVIOUS: previous,
        TEAM: p["team"],
        WORKER: p["worker"],
    }), history


def build(ctx: Context) -> ListResult:
    p = latest_open(ctx, *PLAN)
    # The plan is open at the as-of date: it has not ended yet.
    rows, history = annex_columns(ctx, ctx.ds.tables["cp_plans"], p,
                                  pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]"))
    rows["Days on Plan"] = (ctx.as_of - p["cpp_start_date"]).dt.days.astype("Int64")
    return finish(SPEC, ctx, rows, history=history)


def explain(ctx: Context, child_id: str) -> Verdict:
    return explain_open(ctx, SPEC, child_id, *PLAN, "CP plan")
