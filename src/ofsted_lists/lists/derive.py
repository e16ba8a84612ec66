"""Derivations both profiles share (SPEC §4 sheets 4 and 5; annex-a-full.md §2.6, §2.7, §2.12):
case status, the date a child was last seen, the last statutory visit of a plan and the
EPO / police-protection flag. Each takes the rows it answers for (a Series of child ids, or
a frame of plans) and returns a Series aligned with them, vectorised over all rows.

The open-at-as-of rule (`open_at`, `latest_open`) and the 12-month counts
(`count_last_12_months`) stay in `_common.py`, where `finish` and `explain` use them too
(moving them here would make `_common` and this module import each other); they are
re-exported here so that a list can take every shared derivation from one place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..care_history import SHORT_BREAKS
from ..schema import norm
from ..uniques import Keys, among
from ..window import months_before
from ._common import NO, UNKNOWN_ANSWER, YES, Context, count_last_12_months, latest_open, open_at, yes_no

__all__ = [
    "LOOKED_AFTER", "CP_PLAN", "CIN_PLAN", "OPEN_ASSESSMENT", "CLOSED_EPISODE", "NOT_LOOKED_AFTER_LS",
    "children_open", "status_flags", "case_status", "last_seen", "last_statutory_visit", "epo_last_six_months",
    "is_cp_visit", "is_protection_order", "open_at", "latest_open", "count_last_12_months", "leaving_care_open",
    "is_cla_visit", "is_iro_visit", "check_kind", "in_span", "latest_in_span", "count_in_span",
    "uasc_in_last_12_months",
]

# Annex A List 6 `Case Status` codes (annex-a-full.md §2.6). d) and e) belong to the full
# profile, which passes them as extra branches to `case_status`.
LOOKED_AFTER = "a) Looked after child"
CP_PLAN = "b) Child Protection plan"
CIN_PLAN = "c) Child in need plan"
OPEN_ASSESSMENT = "d) Open assessment"
CLOSED_EPISODE = "e) Closed episode"
# 903 legal statuses that are short breaks, not care: V3/V4 children are not "looked after" here.
NOT_LOOKED_AFTER_LS = SHORT_BREAKS
# 903 legal statuses of an emergency protection order (L2) and police protection (L1).
PROTECTION_LS = ("L1", "L2")
EPO_MONTHS = 6


def children_open(ctx: Context, table: str, start: str, end: str, keep=None) -> pd.Index:
    """The ids of the children with a `table` record open at the as-of date (`keep`: a
    further mask over the table's rows). Empty when the input has no such table."""
    if not ctx.ds.has(table):
        return pd.Index([], dtype="str")
    df = ctx.ds.tables[table]
    live = open_at(df[start], df[end], ctx.as_of)
    if keep is not None:
        live &= keep(df)
    return pd.Index(df.loc[live.to_numpy(dtype=bool), "child_id"].unique())


def leaving_care_open(involvements: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """A `care_leavers` involvement open at the as-of date (SPEC §9 List 9): start blank or
    ≤ as_of, end blank or > as_of. Unlike `open_at`, a blank start counts: a care-leaver
    export often dates only the end."""
    start, end = involvements["start_date"], involvements["end_date"]
    return (start.isna() | (start <= as_of)) & (end.isna() | (end > as_of))


def status_flags(ctx: Context, child_ids: pd.Series) -> pd.DataFrame:
    """Per row of `child_ids`, at the as-of date (SPEC §4 sheet 4, annex-a-full.md §2.6):
    `looked_after` (a 903 `episodes` row open, its LS not V3/V4), `cp_plan` (a CP plan
    open), `cin_plan` (a CIN plan open). All False where the table is absent."""
    la = children_open(ctx, "episodes", "decom", "dec",
                        lambda e: ~e["ls"].isin(NOT_LOOKED_AFTER_LS).to_numpy(dtype=bool))
    cp = children_open(ctx, "cp_plans", "cpp_start_date", "cpp_end_date")
    cin = children_open(ctx, "cin_plans", "cin_plan_start_date", "cin_plan_end_date")
    return pd.DataFrame({name: among(child_ids, ids)
                         for name, ids in (("looked_after", la), ("cp_plan", cp), ("cin_plan", cin))},
                        index=child_ids.index)


def case_status(ctx: Context, child_ids: pd.Series, first: tuple = (), last: tuple = (),
                flags: pd.DataFrame | None = None) -> pd.Series:
    """Annex A `Case Status`: the first branch that applies (SPEC §4 sheet 4). The branches
    are `first`, then a) looked after, b) CP plan, c) CIN plan (from `status_flags`), then
    `last`; none applies: `c) Child in need plan`. `first`/`last` are (mask, code) pairs,
    each mask row for row with `child_ids`: the full profile passes
    `first=((closed, CLOSED_EPISODE),)` and `last=((assessing, OPEN_ASSESSMENT),)`
    (annex-a-full.md §2.6) and can tell the rows no branch met from `status_flags`."""
    flags = status_flags(ctx, child_ids) if flags is None else flags  # a caller that needs them too passes them
    branches = [*first, (flags["looked_after"], LOOKED_AFTER), (flags["cp_plan"], CP_PLAN),
                (flags["cin_plan"], CIN_PLAN), *last]
    conditions = [np.asarray(pd.Series(m).fillna(False), dtype=bool) for m, _ in branches]
    out = np.select(conditions, [code for _, code in branches], default=CIN_PLAN)
    return pd.Series(out, index=child_ids.index, dtype="str")


def _seen(flags: pd.Series) -> pd.Series:
    """`child_seen` yes or blank (an export without the column reads as seen)."""
    return flags.astype("boolean").fillna(True).astype(bool)


def last_seen(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """`Date Child Was Last Seen` (SPEC §4 sheet 4, annex-a-full.md §2.6 column 9): the
    child's latest `visits` date on or before the as-of date with the child seen
    (`child_seen` yes or blank), any visit type. NaT without a visits table or such a visit."""
    if not ctx.ds.has("visits"):
        return pd.Series(pd.NaT, index=child_ids.index, dtype="datetime64[ns]")
    v = ctx.ds.tables["visits"]
    v = v.loc[((v["visit_date"] <= ctx.as_of) & _seen(v["child_seen"])).to_numpy(dtype=bool),
              ["child_id", "visit_date"]]
    latest = v.groupby("child_id")["visit_date"].max()
    return pd.Series(latest.reindex(child_ids.to_numpy()).to_numpy(), index=child_ids.index,
                     dtype="datetime64[ns]")


# Visit types that are child protection visits, compared as `norm` text ("CP", "Child
# Protection Visit"). No config mapping of visit types yet: a local label not matched
# here is not a CP visit.
_CP_VISIT = {"cp", "cpp", "cpvisit", "cppvisit"}


def _keys(values: pd.Series) -> pd.Series:
    """`norm` of each value, worked out once per distinct value (a visits table is large)."""
    codes, uniques = pd.factorize(values)
    keys = np.array([norm(u) for u in uniques] + [None], dtype=object)
    return pd.Series(keys[codes], index=values.index, dtype="str")


def _per_value(values: pd.Series, test) -> pd.Series:
    """`test` (`norm` keys -> booleans) of each value, judged once per distinct value and
    broadcast (a visits table has hundreds of thousands of rows and a few labels); False
    where blank."""
    codes, uniques = pd.factorize(values)
    keys = pd.Series([norm(u) for u in uniques], dtype="str")
    hit = np.append(np.asarray(test(keys).fillna(False), dtype=bool), False)
    return pd.Series(hit[codes], index=values.index)


def is_cp_visit(types: pd.Series) -> pd.Series:
    """`visit_type` names a child protection visit: `cp`, or a label containing
    "child protection" (case-, space- and punctuation-insensitive)."""
    return _per_value(types, lambda key: key.isin(_CP_VISIT) | key.str.contains("childprotection"))


def last_statutory_visit(ctx: Context, plans: pd.DataFrame, start: str = "cpp_start_date",
                         end: str | None = None) -> pd.DataFrame:
    """Per plan (a row of `plans`: `child_id` and its `start`), the latest statutory visit
    on or after the plan's start day and on or before the as-of date (and the plan's `end`
    when given: a ceased plan's visits stop at its end day) — SPEC §4 sheet 5,
    annex-a-full.md §2.7 columns 10–11.

    A visit is statutory when its `visit_type` is `cp` or blank and `statutory` is not no
    (blank = yes, SPEC §3). Returns `date` (NaT when none) and `seen_alone` (`a) Yes` /
    `b) No` / `c) Unknown` at that visit, blank when none), index that of `plans`.

    Two statutory visits on the same latest day: the one where the child was seen alone
    wins (yes, then no, then unknown), as D2I breaks the tie (seen-alone descending): the
    column asks whether the child was seen alone on the last visit, and a same-day visit
    alone answers yes. Still tied: the later row in the file (`_file`, `_row`), so repeated
    runs agree."""
    out = pd.DataFrame({"date": pd.Series(pd.NaT, index=plans.index, dtype="datetime64[ns]"),
                        "seen_alone": pd.Series(pd.NA, index=plans.index, dtype="str")})
    if not ctx.ds.has("visits") or plans.empty:
        return out
    v = ctx.ds.tables["visits"]
    statutory = (is_cp_visit(v["visit_type"]) | v["visit_type"].isna()) \
        & v["statutory"].astype("boolean").fillna(True).astype(bool)
    v = v.loc[(statutory & (v["visit_date"] <= ctx.as_of)).to_numpy(dtype=bool),
              ["child_id", "visit_date", "seen_alone", "_file", "_row"]]
    at, rec = Keys(plans["child_id"]).pairs(v["child_id"])
    when = v["visit_date"].to_numpy(dtype="datetime64[ns]")[rec]
    ends = plans[end].to_numpy(dtype="datetime64[ns]")[at] if end else np.full(len(at), np.datetime64("NaT", "ns"))
    inside = (when >= plans[start].to_numpy(dtype="datetime64[ns]")[at]) & (np.isnat(ends) | (when <= ends))
    m = v.iloc[rec[inside]].reset_index(drop=True)
    m.insert(0, "_plan", at[inside])
    # Rank within a day: seen alone yes (2) over no (1) over unknown (0).
    alone = m["seen_alone"].astype("boolean")
    m = m.assign(_alone=alone.map({True: 2, False: 1}).astype("float").fillna(0).to_numpy())
    m = m.sort_values(["_plan", "visit_date", "_alone", "_file", "_row"], kind="stable")
    chosen = m.drop_duplicates("_plan", keep="last")
    at = chosen["_plan"].to_numpy()
    out.iloc[at, 0] = chosen["visit_date"].to_numpy()
    out.iloc[at, 1] = yes_no(chosen["seen_alone"].astype("boolean"), unknown=UNKNOWN_ANSWER).to_numpy()
    return out


# Order types that are an emergency protection order (s44) or police protection (s46),
# compared as `norm` text.
_PROTECTION_ORDER = {"epo", "pp", "s44", "s46", "section44", "section46"}
_PROTECTION_WORDS = r"emergencyprotection|policeprotection|policepower"


def is_protection_order(types: pd.Series) -> pd.Series:
    """`order_type` is an EPO or police protection: `EPO`, `PP`, s44/s46, or a label with
    "emergency protection", "police protection" or "police powers" in it."""
    return _per_value(types, lambda key: key.isin(_PROTECTION_ORDER) | key.str.contains(_PROTECTION_WORDS))


def epo_last_six_months(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """`Subject to Emergency Protection Order or Protected Under Police Powers in Last Six
    Months (Y/N)` (SPEC §4 sheet 5, annex-a-full.md §2.7 note A): `a) Yes` when an `orders`
    row of type EPO or police protection, or a 903 episode with LS L1 or L2, overlaps
    [as_of − 6 months, as_of] (start ≤ as_of and end blank or ≥ the window's first day, so a
    spell ending on that day counts); `b) No` otherwise, also when neither table exists.
    The six months are calendar months, clamped to the month's end (`window.months_before`)."""
    as_of = ctx.as_of
    first = pd.Timestamp(months_before(as_of.date(), EPO_MONTHS))

    def overlapping(table: str, start: str, end: str, kind) -> pd.Index:
        if not ctx.ds.has(table):
            return pd.Index([], dtype="str")
        df = ctx.ds.tables[table]
        hit = (df[start] <= as_of) & (df[end].isna() | (df[end] >= first)) & kind(df)
        return pd.Index(df.loc[hit.to_numpy(dtype=bool), "child_id"].unique())

    orders = overlapping("orders", "start_date", "end_date", lambda o: is_protection_order(o["order_type"]))
    episodes = overlapping("episodes", "decom", "dec", lambda e: e["ls"].isin(PROTECTION_LS).to_numpy(dtype=bool))
    hit = among(child_ids, orders.union(episodes))
    return pd.Series(np.where(hit, YES, NO), index=child_ids.index, dtype="str")


# --- records in a span of each row (Annex A List 8; annex-a-full.md §2.8) ----------------

def in_span(ctx: Context, table: str, date: str, spans: pd.DataFrame, keep=None) -> pd.DataFrame:
    """The `table` records of each span's child dated in the span: `spans` holds `child_id`,
    `_lo` (NaT: no lower bound) and `_hi`, both days included; `keep` a further mask over
    the table's rows. One row per (span, record), `_span` the span's position, in date
    then file order; empty when the input has no such table."""
    if not ctx.ds.has(table) or spans.empty:
        return pd.DataFrame({"_span": pd.Series(dtype="int64"), date: pd.Series(dtype="datetime64[ns]")})
    df = ctx.ds.tables[table]
    if keep is not None:
        df = df[np.asarray(keep(df), dtype=bool)]
    # Paired by integer child codes and filtered on the dates before any record is copied:
    # a merge would copy every column of every record of a span's child (visits: 400,000).
    at, rec = Keys(spans["child_id"]).pairs(df["child_id"])
    when = df[date].to_numpy(dtype="datetime64[ns]")[rec]
    lo = spans["_lo"].to_numpy(dtype="datetime64[ns]")[at]
    inside = (np.isnat(lo) | (when >= lo)) & (when <= spans["_hi"].to_numpy(dtype="datetime64[ns]")[at])
    m = df.iloc[rec[inside]].reset_index(drop=True)
    m.insert(0, "_span", at[inside])
    return m.sort_values(["_span", date, "_file", "_row"], kind="stable")


def latest_in_span(ctx: Context, table: str, date: str, spans: pd.DataFrame, keep=None) -> pd.Series:
    """Per span (see `in_span`), the latest `date` of the child's records in it; NaT when none."""
    m = in_span(ctx, table, date, spans, keep)
    latest = m.groupby("_span")[date].max()
    return pd.Series(latest.reindex(np.arange(len(spans))).to_numpy(dtype="datetime64[ns]"), index=spans.index)


def count_in_span(ctx: Context, table: str, date: str, spans: pd.DataFrame, keep=None) -> pd.Series:
    """Per span (see `in_span`), how many of the child's records are dated in it (0 when none)."""
    n = in_span(ctx, table, date, spans, keep)["_span"].value_counts()
    return pd.Series(n.reindex(np.arange(len(spans)), fill_value=0).to_numpy(), index=spans.index, dtype="Int64")


# Visit types of a looked-after child's social work visit and of an IRO's visit or contact,
# as `norm` text (a blank type is any visit, SPEC §3).
_CLA_VISIT = {"cla", "lac", "clavisit", "lacvisit", "sw", "swvisit", "socialworkvisit"}
_IRO_VISIT = {"iro", "irovisit", "irocontact", "irovisitcontact"}


def is_cla_visit(types: pd.Series) -> pd.Series:
    """`visit_type` names a looked-after child's social work visit (`cla`, "LAC visit", a
    label with "looked after" or "child in care"), or is blank (any visit)."""
    return _per_value(types, lambda key: key.isin(_CLA_VISIT) | key.str.contains("lookedafter|childincare")) \
        | types.isna().to_numpy()


def is_iro_visit(types: pd.Series) -> pd.Series:
    """`visit_type` names an IRO visit or contact (`iro`, a label with "independent
    reviewing"), or is blank (any visit)."""
    return _per_value(types, lambda key: key.isin(_IRO_VISIT) | key.str.contains("independentreviewing")) \
        | types.isna().to_numpy()


HEALTH, DENTAL = "health", "dental"
_DONE = {"completed", "complete", "done", "yes", "y"}


def check_kind(checks: pd.DataFrame) -> pd.Series:
    """Per `health_checks` row, `dental` (a type with "dental" or "teeth"), `health` (any
    other type with "health" in it), else NA; NA too unless the status is completed or
    blank (annex-a-full.md §2.8 note F: planned, refused or cancelled checks do not count)."""
    key = _keys(checks["check_type"])
    kind = np.select([key.str.contains("dental|teeth", na=False).to_numpy(dtype=bool),
                      key.str.contains("health", na=False).to_numpy(dtype=bool)], [DENTAL, HEALTH], "")
    done = checks["status"].isna() | _per_value(checks["status"], lambda key: key.isin(_DONE))
    return pd.Series(kind, index=checks.index).where(done.to_numpy(dtype=bool) & (kind != ""))


UASC_MONTHS = 12


def uasc_in_last_12_months(ctx: Context, child_ids: pd.Series) -> pd.Series:
    """`a) Yes` when the child is in the 903 `uasc` table with DUC (the date UASC status
    ceased) blank or on or after as_of − 12 months (annex-a-full.md §2.8 column 6,
    PROPOSED); `b) No` otherwise, also without the table."""
    hit = np.zeros(len(child_ids), dtype=bool)
    if ctx.ds.has("uasc"):
        u = ctx.ds.tables["uasc"]
        first = pd.Timestamp(months_before(ctx.as_of.date(), UASC_MONTHS))
        hit = among(child_ids, u.loc[(u["duc"].isna() | (u["duc"] >= first)).to_numpy(dtype=bool), "child_id"])
    return pd.Series(np.where(hit, YES, NO), index=child_ids.index, dtype="str")
