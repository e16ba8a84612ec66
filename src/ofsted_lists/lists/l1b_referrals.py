"""List 1b — referrals about disabled children in the window (Annex A List 3)."""

from __future__ import annotations

import pandas as pd

from ._common import (
    DISABILITY_CODES, TEAM, WORKER, Context, Feed, ListResult, ListSpec, Verdict, count_last_12_months,
    explain_window, finish, given_or_derived, yes_no,
)

N_12 = "Number of Referrals in Last 12 Months"

SPEC = ListSpec(
    key="1b",
    sheet="1b Referrals",
    annex_a="List 3: Referral",
    needs=("referrals",),
    columns=(
        "Date of referral", "Referral Source", "Referral NFA?", N_12,
        TEAM, WORKER, DISABILITY_CODES,
    ),
    key_date="Date of referral",
    disability_flag=False,
    rule="one row per referral dated in the window",
    feeds=(
        Feed("referral_source", "Referral Source will be blank"),
        Feed("referral_nfa", "Referral NFA? will be blank"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def selected(ctx: Context, referrals: pd.DataFrame) -> pd.Series:
    """The rule: a referral dated in the window."""
    return ctx.window.contains(referrals["referral_date"])


def build(ctx: Context, spec: ListSpec = SPEC) -> ListResult:
    """The list of `spec` (this one, or a profile's list of the same rows: Annex A List 3)."""
    r = ctx.ds.tables["referrals"]
    # Only the columns used: filtering copies every column it keeps.
    happened = r.loc[(r["referral_date"] <= ctx.as_of).to_numpy(), ["child_id", "referral_date"]]
    # Counted over the child's referrals up to the as-of date, the same on every row (Annex A FAQ).
    counts = count_last_12_months(happened["child_id"], happened["referral_date"])
    r = r.loc[selected(ctx, r).to_numpy(),
              ["child_id", "referral_date", "referral_source", "referral_source_code", "referral_nfa", "team", "worker",
               "referrals_12m"]]
    derived = pd.Series(counts.reindex(r["child_id"].to_numpy()).fillna(0).to_numpy(), index=r.index)
    n_12, history = given_or_derived(N_12, r["referrals_12m"], derived)
    rows = pd.DataFrame({
        "child_id": r["child_id"],
        "Date of referral": r["referral_date"],
        "Referral Source": r["referral_source_code"],
        "Referral NFA?": yes_no(r["referral_nfa"]),
        N_12: n_12,
        TEAM: r["team"],
        WORKER: r["worker"],
    })
    return finish(spec, ctx, rows, history=history)


def explain(ctx: Context, child_id: str, spec: ListSpec = SPEC) -> Verdict:
    return explain_window(ctx, spec, child_id, "referrals", "referral_date", "referral", selected)
