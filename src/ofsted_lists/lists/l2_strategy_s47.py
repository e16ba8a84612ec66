"""List 2 — strategy discussions and section 47 enquiries about disabled children in the
window (Annex A List 5)."""

from __future__ import annotations

import pandas as pd

from ..window import months_before_series
from ._common import (
    DISABILITY_CODES, NO, TEAM, WORKER, YES, Context, Feed, ListResult, ListSpec, Verdict, child_rows, day, finish,
    given_or_derived, in_window_words, not_after, verdict, yes_no,
)

S47_START = "Strategy discussion initiating Section 47 Enquiry Start Date"
ICPC_DATE = "Date of Initial Child Protection Conference"
ICPC_RESULT = "Did the Initial Child Protection Conference Result in a Child Protection Plan"
N_S47 = "Number of Section 47 Enquiries in the last 12 months"
N_ICPC = "Number of ICPCs in the last 12 months"

SPEC = ListSpec(
    key="2",
    sheet="2 Strategy and S47",
    annex_a="List 5: Section 47 enquiries and Initial Child Protection Conferences",
    needs=("s47",),
    columns=(
        S47_START, "Was an Initial Child Protection Conference deemed unnecessary?", ICPC_DATE, ICPC_RESULT,
        N_S47, N_ICPC, TEAM, WORKER,
        "Strategy Discussion Date", "Section 47 Enquiry Started", "Outcome", DISABILITY_CODES,
    ),
    key_date="Strategy Discussion Date",  # else the enquiry start: see `_key` below
    disability_flag=True,
    rule="one row per strategy discussion / s47 enquiry with either date in the window",
    feeds=(
        Feed("strategy_date", "Strategy Discussion Date will be blank"),
        Feed("s47_start_date", "every Section 47 Enquiry Started will be b) No and the enquiry counts 0"),
        Feed("icpc_not_required", "Was an Initial Child Protection Conference deemed unnecessary? will be blank"),
        Feed("icpc_date", "Date of Initial Child Protection Conference will be blank"),
        Feed("outcome", "Outcome will be blank"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def s47_counts(s47: pd.DataFrame) -> pd.DataFrame:
    """Per child: enquiries in [L − 12 months, L] other than the latest (L = the latest
    enquiry's start), and how many of those other enquiries had an ICPC (Annex A FAQ:
    an earlier s47 five months before, with an ICPC, gives 1 and 1 on both rows).
    Only enquiries that started (s47_start_date set) count."""
    e = s47.loc[s47["_s47_start"].notna(), ["child_id", "_s47_start", "_icpc", "_row"]]
    e = e.sort_values(["child_id", "_s47_start", "_icpc", "_row"], kind="stable", na_position="first")
    is_latest = ~e["child_id"].duplicated(keep="last")
    latest = e["_s47_start"].where(is_latest).groupby(e["child_id"]).transform("max")
    inside = (e["_s47_start"] >= months_before_series(latest, 12)) & ~is_latest
    return pd.DataFrame({
        N_S47: inside.groupby(e["child_id"]).sum(),
        N_ICPC: (inside & e["_icpc"].notna()).groupby(e["child_id"]).sum(),
    }).astype("Int64")


def icpc_result(ctx: Context, s: pd.DataFrame) -> pd.Series:
    """From icpc_led_to_cpp; where blank, yes when one of the child's CP plans starts on the
    ICPC date (CIN rule 2885: a plan starts at the ICPC). Blank without an ICPC."""
    derived = pd.Series(False, index=s.index, dtype="boolean")
    if ctx.ds.has("cp_plans"):
        starts = ctx.ds.tables["cp_plans"][["child_id", "cpp_start_date"]].drop_duplicates()
        keys = pd.MultiIndex.from_frame(starts)
        derived = pd.Series(
            pd.MultiIndex.from_arrays([s["child_id"], s["_icpc"]]).isin(keys), index=s.index, dtype="boolean")
    result = s["icpc_led_to_cpp"].fillna(derived)
    return yes_no(result).where(s["_icpc"].notna())


def as_at(ctx: Context, s47: pd.DataFrame) -> pd.DataFrame:
    """The records as they stand at the as-of date: a later date has not happened yet."""
    s = s47.copy()
    s["_strategy"] = not_after(s["strategy_date"], ctx.as_of)
    s["_s47_start"] = not_after(s["s47_start_date"], ctx.as_of)   # not started yet: "b) No", not counted
    s["_icpc"] = not_after(s["icpc_date"], ctx.as_of)              # not held yet: date and result blank
    return s


def window_dates(ctx: Context, s: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Whether the strategy discussion, and the enquiry's start, lie in the window."""
    return ctx.window.contains(s["_strategy"]), ctx.window.contains(s["_s47_start"])


def selected(ctx: Context, s: pd.DataFrame) -> pd.Series:
    """The rule: the strategy discussion or the enquiry's start (either) in the window."""
    by_strategy, by_start = window_dates(ctx, s)
    return by_strategy | by_start


def build(ctx: Context, spec: ListSpec = SPEC) -> ListResult:
    """The list of `spec` (this one, or a profile's list of the same rows: Annex A List 5)."""
    s = as_at(ctx, ctx.ds.tables["s47"])
    counts = s47_counts(s)
    s = s[selected(ctx, s).to_numpy()]
    per_child = counts.reindex(s["child_id"].to_numpy()).fillna(0).astype("Int64").set_axis(s.index)
    n_s47, s47_from = given_or_derived(N_S47, s["s47_12m"], per_child[N_S47])
    n_icpc, icpc_from = given_or_derived(N_ICPC, s["icpc_12m"], per_child[N_ICPC])
    rows = pd.DataFrame({
        "child_id": s["child_id"],
        S47_START: s["_s47_start"],
        "Was an Initial Child Protection Conference deemed unnecessary?": yes_no(s["icpc_not_required"]),
        ICPC_DATE: s["_icpc"],
        ICPC_RESULT: icpc_result(ctx, s),
        N_S47: n_s47,
        N_ICPC: n_icpc,
        TEAM: s["team"],
        WORKER: s["worker"],
        "Strategy Discussion Date": s["_strategy"],
        "Section 47 Enquiry Started": s["_s47_start"].notna().map({True: YES, False: NO}),
        "Outcome": s["outcome"],
        # The key date (sort, sample) is the strategy discussion, else the enquiry start.
        "_key": s["_strategy"].fillna(s["_s47_start"]),
    })
    return finish(spec, ctx, rows, history=f"{s47_from}; {icpc_from}")


def explain(ctx: Context, child_id: str, spec: ListSpec = SPEC) -> Verdict:
    s = child_rows(ctx, "s47", child_id, "strategy_date")
    if s.empty:
        return Verdict(False, ["not on the list: no strategy discussion or s47 enquiry recorded for the child"])
    s = as_at(ctx, s)
    keep = selected(ctx, s)
    reasons = []
    by_strategy, by_start = window_dates(ctx, s)
    for i, row in s.iterrows():
        parts = [f"{what} {day(d)} {in_window_words(ctx.window, d, inside.loc[i])}" if pd.notna(d) else f"no {what} date"
                 for what, d, inside in (("strategy discussion", row["strategy_date"], by_strategy),
                                         ("s47 enquiry start", row["s47_start_date"], by_start))]
        reasons.append(f"s47 record (row {row['_row']}): " + "; ".join(parts))
    return verdict(ctx, spec, child_id, bool(keep.any()), reasons)
