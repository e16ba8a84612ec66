"""List 3 — assessments of disabled children started in the window, core assessments left
out (Annex A List 4)."""

from __future__ import annotations

import pandas as pd

from ..schema import norm
from ._common import (
    DISABILITY_CODES, NO, TEAM, UNKNOWN_ANSWER, WORKER, YES, Context, Feed, ListResult, ListSpec, Verdict,
    child_rows, day, finish, in_window_words, not_after, verdict, yes_no,
)

REQUIRING_SUPPORT = "Was the child assessed as requiring LA children's social care support?"
# nfa and other_agency mean "not requiring CSC support"; csc and s47 mean it is required.
SUPPORT = {"nfa": NO, "other_agency": NO, "csc": YES, "s47": YES}
# The four outcomes in the words an inspector reads (SPEC §4 sheet 3, `Assessment Outcome`).
OUTCOME_WORDS = {"nfa": "No further action", "other_agency": "Other agencies or early help",
                 "csc": "Children's social care", "s47": "Section 47"}

SPEC = ListSpec(
    key="3",
    sheet="3 Assessments",
    annex_a="List 4: Assessments",
    needs=("assessments",),
    columns=(
        "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation", REQUIRING_SUPPORT, TEAM, WORKER,
        "Assessment Type", "Assessment Outcome", DISABILITY_CODES,
    ),
    key_date="Continuous Assessment Start Date",
    disability_flag=True,
    rule="one row per assessment started in the window that is not a core assessment",
    feeds=(
        Feed("child_seen", f"Child Seen During Continuous Assessment will be {UNKNOWN_ANSWER}"),
        Feed("authorisation_date", "Continuous Assessment Date of Authorisation will be blank"),
        Feed("assessment_outcome", f"Assessment Outcome and {REQUIRING_SUPPORT} will be blank"),
        Feed("assessment_type", "Assessment Type will be blank and no core assessment is left out"),
        Feed("team", f"{TEAM} will be blank"), Feed("worker", f"{WORKER} will be blank"),
    ),
)


def is_core(types: pd.Series, configured: list[str]) -> pd.Series:
    """A core assessment (pre-2014 two-stage model) is not an initial/continuous one: a type
    containing "core", or one the config lists."""
    listed = {norm(t) for t in configured}
    hit = {t for t in types.dropna().unique() if isinstance(t, str) and norm(t) in listed} if listed else set()
    return types.str.contains("core", case=False, na=False) | types.isin(hit)


def in_window(ctx: Context, a: pd.DataFrame) -> pd.Series:
    return ctx.window.contains(a["assessment_start_date"])


def core(ctx: Context, a: pd.DataFrame) -> pd.Series:
    return is_core(a["assessment_type"], ctx.config.core_assessment_types)


def selected(ctx: Context, a: pd.DataFrame) -> pd.Series:
    """The rule: started in the window and not a core assessment."""
    return in_window(ctx, a) & ~core(ctx, a)


def annex_columns(ctx: Context, a: pd.DataFrame) -> pd.DataFrame:
    """The Annex A List 4 columns of each assessment of `a`, as at the as-of date: the
    authorisation and the outcome are known only once authorised (when the export has
    authorisation dates at all). Sheet 3 and Annex A List 4 both write these."""
    authorised = not_after(a["authorisation_date"], ctx.as_of)
    support = a["assessment_outcome_code"].map(SUPPORT)
    if ctx.ds.has_column("assessments", "authorisation_date"):
        support = support.where(authorised.notna())
    return pd.DataFrame({
        "child_id": a["child_id"],
        "Continuous Assessment Start Date": a["assessment_start_date"],
        "Child Seen During Continuous Assessment": yes_no(a["child_seen"], unknown=UNKNOWN_ANSWER),
        "Continuous Assessment Date of Authorisation": authorised,
        REQUIRING_SUPPORT: support.astype("str"),
        TEAM: a["team"],
        WORKER: a["worker"],
    })


def build(ctx: Context) -> ListResult:
    a = ctx.ds.tables["assessments"]
    a = a[selected(ctx, a).to_numpy()]
    rows = annex_columns(ctx, a)
    rows["Assessment Type"] = a["assessment_type"]
    outcome = a["assessment_outcome_code"].where(~(a["authorisation_date"] > ctx.as_of))
    rows["Assessment Outcome"] = outcome.map(OUTCOME_WORDS).astype("str")
    return finish(SPEC, ctx, rows)


def explain(ctx: Context, child_id: str) -> Verdict:
    a = child_rows(ctx, "assessments", child_id, "assessment_start_date")
    if a.empty:
        return Verdict(False, ["not on the list: no assessment recorded for the child"])
    inside, is_core_type = in_window(ctx, a), core(ctx, a)
    reasons = []
    for i, row in a.iterrows():
        what = f"assessment started {day(row['assessment_start_date'])} (row {row['_row']})"
        kind = "no type recorded" if pd.isna(row["assessment_type"]) else f"type '{row['assessment_type']}'"
        if not inside.loc[i]:
            reasons.append(f"{what} {in_window_words(ctx.window, row['assessment_start_date'], False)}")
        elif is_core_type.loc[i]:
            reasons.append(f"{what} is in the window, but is a core assessment ({kind}), which this list leaves out")
        else:
            reasons.append(f"{what} is in the window and is not a core assessment ({kind})")
    return verdict(ctx, SPEC, child_id, bool(selected(ctx, a).any()), reasons)
