"""What every list shares: the child columns, yes/no codes, open-plan and 12-month rules,
and the words `explain` gives for them (each beside the rule it explains)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import codes, quality, uniques
from ..config import Config
from ..disability import DISABLED, NOT_DISABLED, UNKNOWN, Disability
from ..normalise import Dataset
from ..quality import Findings
from ..uniques import id_positions
from ..values import day
from ..window import Window, months_before_series

YES, NO, UNKNOWN_ANSWER = "a) Yes", "b) No", "c) Unknown"
NOT_STATED = "c) Not stated/recorded"
CHILD_COLUMNS = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY_FLAG = "Does the Child have a Disability"
DISABILITY_CODES = "Disability Codes"
TEAM, WORKER = "Allocated Team", "Allocated Worker"


@dataclass(frozen=True)
class Feed:
    """An optional input column that fills a list column, and what the list shows when the
    export has no heading for it (a `missing-column` warning, SPEC §10.1)."""

    column: str                       # canonical column; "": the whole `table` (warned when no file gives it)
    effect: str                       # "Allocated Team will be blank"
    table: str = ""                   # "": the list's own table (its first `needs`)
    unless: tuple[str, ...] = ()      # columns that stand in for it: no warning when one is there


# Child details fill the child columns of every list (from `children`, else event rows).
CHILD_FEEDS = (
    Feed("gender", f"every child's Gender will be {NOT_STATED}", "children"),
    Feed("ethnicity", f"every child's Ethnicity will be {codes.ETHNICITY_LABELS[codes.ethnicity.BLANK]}",
         "children"),
    Feed("dob", "every child's Date of Birth and Age of Child (Years) will be blank", "children"),
)


@dataclass(frozen=True)
class ListSpec:
    key: str                   # "1a", "2", …
    sheet: str                 # the sheet name
    annex_a: str               # the matching Annex A list
    needs: tuple[str, ...]     # tables it cannot be built without
    columns: tuple[str, ...]   # the columns after the child columns (and disability flag)
    key_date: str              # the output column that dates a row (sort, sample)
    disability_flag: bool      # sheets 2–5 carry "Does the Child have a Disability"
    rule: str                  # the inclusion rule in plain words (README, Summary)
    feeds: tuple[Feed, ...] = ()  # optional input columns behind its columns
    headings: tuple[str, ...] = ()  # every heading in order, where not the child columns + flag + columns
    needs_any: bool = False    # built when ANY of `needs` is present (SPEC §2: "not produced" only when all are absent)

    def lacks(self, present: set[str]) -> bool:
        """Whether the tables `present` cannot build it: one of `needs` absent (all of them, for `needs_any`)."""
        absent = [t not in present for t in self.needs]
        return all(absent) if self.needs_any else any(absent)

    @property
    def needs_words(self) -> str:
        """Its tables as a "no … export" note names them: "episodes or placed_for_adoption" for `needs_any`."""
        return (" or " if self.needs_any else ", ").join(self.needs)

    @property
    def all_columns(self) -> list[str]:
        if self.headings:
            return list(self.headings)
        flag = [DISABILITY_FLAG] if self.disability_flag else []
        return [*CHILD_COLUMNS, *flag, *self.columns]


@dataclass
class Context:
    ds: Dataset
    window: Window
    disability: Disability
    children: pd.DataFrame     # output-ready child columns, index child_id
    config: Config
    findings: Findings
    # The profile's choice (profiles.py): False lists disabled children only (SPEC §4),
    # True lists every child and writes the disability flag a) / b) / c) (SPEC §9).
    all_children: bool = False

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.window.end)

    def listed(self, status: pd.Series) -> pd.Series:
        """Which children of `status` (disability per row) the profile lists."""
        return pd.Series(True, index=status.index) if self.all_children else listed_status(status)


@dataclass(frozen=True)
class Verdict:
    """`explain`'s answer for one list: whether the child is on it, and why, in words."""
    listed: bool
    reasons: list[str]


@dataclass
class ListResult:
    spec: ListSpec
    frame: pd.DataFrame
    unknown_children: int
    key_dates: pd.Series | None = None   # per row of `frame`: the date the row is sorted and sampled by
    produced: bool = True
    derived_outcomes: int = 0
    # The children left out only because their disability is unknown: each one's latest key
    # date on this list (index child_id; `unknown_children` counts them).
    unknown: pd.Series | None = None
    history: str = ""  # where its history-dependent values came from (`given_or_derived`), for the Summary


def completed_years(born: pd.Series, as_of: dt.date) -> pd.Series:
    """Age in completed years. A 29 February birthday falls on 1 March in common years,
    which the (month, day) comparison gives without a special case."""
    before_birthday = (as_of.month < born.dt.month) | (
        (as_of.month == born.dt.month) & (as_of.day < born.dt.day))
    return (as_of.year - born.dt.year - before_birthday.astype("int64")).astype("Int64")


def child_columns(ds: Dataset, config: Config, findings: Findings) -> pd.DataFrame:
    """The five Annex A child columns for every child, at the as-of date (SPEC §4)."""
    ch = ds.children
    as_of = pd.Timestamp(ds.as_of)
    dob, edd = ch["dob"], ch["expected_dob"]
    unborn = (dob.isna() & (edd > as_of)) | (dob > as_of)
    shown = dob.where(dob <= as_of)
    shown = shown.fillna(edd.where(dob.isna() & (edd <= as_of)))  # expected date passed: shown and aged from it
    shown = shown.mask(unborn, edd)
    age = completed_years(shown, ds.as_of).mask(unborn, -1)

    gender = codes.map_codes("gender", ch["gender"], config.mapping("gender"))
    ethnicity = codes.map_codes("ethnicity", ch["ethnicity"], config.mapping("ethnicity"))
    frame = ch.reset_index()
    for column, mapped in (("gender", gender), ("ethnicity", ethnicity)):
        findings.add_unmapped(frame, mapped.unmapped, column)
    return pd.DataFrame(
        {
            "Child Unique ID": ch.index.astype("str"),
            "Gender": gender.values.mask(unborn, NOT_STATED).astype("str"),
            "Ethnicity": ethnicity.values.astype("str"),
            "Date of Birth": shown.astype("datetime64[ns]"),
            "Age of Child (Years)": age,
        },
        index=ch.index,
    )


def yes_no(flags: pd.Series, unknown: str | None = None) -> pd.Series:
    """Nullable booleans -> "a) Yes" / "b) No"; unknown is blank unless the code list has c) Unknown."""
    out = flags.map({True: YES, False: NO}).astype("str")
    return out.fillna(unknown) if unknown is not None else out


def not_after(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """A date after the as-of date has not happened yet: blank."""
    return dates.where(dates <= as_of)


def open_at(start: pd.Series, end: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Open at the as-of date: start ≤ as_of and (end blank or end > as_of). A plan ending on
    the as-of date is not open."""
    return (start <= as_of) & (end.isna() | (end > as_of))


def _open_ranked(df: pd.DataFrame, start: str, end: str, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(chosen, others) among the records of `df` open at the as-of date: per child the
    latest-starting one; on a same-day start the later end wins (open counts as latest)."""
    live = df[open_at(df[start], df[end], as_of).to_numpy(dtype=bool)]
    return ranked_per_child(live, start, end)


def ranked_per_child(df: pd.DataFrame, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(chosen, others) among the records of `df`: per child the latest-starting one; on a
    same-day start the later `end` wins (blank, open, counts as latest), then the later row."""
    # Ranked by np.lexsort on integer keys, then each part taken from `df` once: sorting
    # the whole frame would move every column (text ones by Arrow take) to keep a few rows.
    # Children are grouped by first appearance, not in id order: `finish` orders the rows.
    child = uniques.factorize(df["child_id"])[0]
    latest = np.iinfo(np.int64).max  # a blank start ranks latest, a blank end too (open)
    begins = df[start].to_numpy(dtype="datetime64[ns]").view(np.int64)
    ends = df[end].to_numpy(dtype="datetime64[ns]").view(np.int64)
    begins = np.where(begins == np.iinfo(np.int64).min, latest, begins)
    ends = np.where(ends == np.iinfo(np.int64).min, latest, ends)
    files = pd.factorize(df["_file"], sort=True)[0]
    order = np.lexsort((files, df["_row"].to_numpy(dtype=np.int64), ends, begins, child))
    ranked = child[order]
    last = np.append(ranked[1:] != ranked[:-1], True) if len(order) else np.zeros(0, dtype=bool)
    return df.iloc[order[last]], df.iloc[order[~last]]


def latest_open(ctx: Context, table: str, start: str, end: str) -> pd.DataFrame:
    """One row per child: the latest-starting record open at the as-of date. Other open
    ones are reported."""
    chosen, others = _open_ranked(ctx.ds.tables[table], start, end, ctx.as_of)
    ctx.findings.add(others, None, start, quality.OVERLAPPING_PLANS,
                     f"another {table.replace('_', ' ')} record is open at the as-of date; the latest-starting one is used")
    return chosen


def count_last_12_months(child_ids: pd.Series, dates: pd.Series) -> pd.Series:
    """Per child: events dated in [L − 12 months, L], minus the latest itself, where L is the
    child's latest date (Ofsted Annex A FAQ). Index child_id."""
    ev = pd.DataFrame({"child_id": child_ids.to_numpy(), "date": dates.to_numpy()}).dropna()
    if ev.empty:
        return pd.Series(dtype="Int64")
    latest = ev.groupby("child_id")["date"].transform("max")
    lower = months_before_series(latest, 12)
    inside = (ev["date"] >= lower) & (ev["date"] <= latest)
    return (inside.groupby(ev["child_id"]).sum() - 1).astype("Int64")


def given_or_derived(column: str, given: pd.Series, derived: pd.Series,
                     dtype: str = "Int64") -> tuple[pd.Series, str]:
    """A value that needs history an input may not hold (SPEC §3.5: the 12-month counts,
    previous CP plans, a period of care's start): the input's own where it gives one
    (normalise has checked it, a bad one reads blank), derived only where blank. Returns
    the values (of `dtype`), row for row with `derived`, and the Summary's words for where
    they came from."""
    own = pd.Series(given.to_numpy(), index=derived.index).astype(dtype)
    values = own.fillna(derived.astype(dtype)).astype(dtype)
    n, taken = len(own), int(own.notna().sum())
    if n and taken == n:
        how = "taken from the input as given"
    elif taken:
        how = f"taken from the input for {taken} of {n} rows, derived for the rest"
    else:
        how = "derived from the records"
    return values, f"{column}: {how}"


def listed_status(status: pd.Series) -> pd.Series:
    """Only disabled children are listed (SPEC §4); unknown and not disabled are not."""
    return status == DISABLED


# `Does the Child have a Disability` for every child (SPEC §9, §3.1): disabled / records
# but not disabled / no record.
DISABILITY_ANSWERS = {DISABLED: YES, NOT_DISABLED: NO, UNKNOWN: UNKNOWN_ANSWER}


def finish(spec: ListSpec, ctx: Context, rows: pd.DataFrame, **extra) -> ListResult:
    """Keep the children the profile lists (disabled ones, SPEC §4; all, SPEC §9), add the
    child columns, keep the spec's columns, order and sort.

    `rows` holds `child_id`, the spec's own columns (others are dropped) and optionally
    `_key`, the key date when it is not simply the `key_date` column; children left out
    for unknown disability are kept (each one's latest key date) before they are dropped."""
    status = ctx.disability.of(rows["child_id"])
    keys = rows["_key"] if "_key" in rows else rows[spec.key_date]
    left_out = (status == UNKNOWN).to_numpy() & (not ctx.all_children)
    unknown = pd.Series(keys.to_numpy(), index=rows["child_id"].to_numpy())[left_out]
    unknown = unknown.groupby(level=0).max() if len(unknown) else unknown.astype("datetime64[ns]")
    listed = ctx.listed(status).to_numpy()
    rows, status = rows[listed], status[listed]
    child = _child_rows(ctx.children, rows["child_id"])
    own = rows.reset_index(drop=True)
    key = own.pop("_key") if "_key" in own else own[spec.key_date]
    frame = pd.concat([child, own.drop(columns="child_id")], axis=1)
    if spec.disability_flag:
        frame[DISABILITY_FLAG] = status.map(DISABILITY_ANSWERS).to_numpy() if ctx.all_children else YES
    if DISABILITY_CODES in spec.columns:
        frame[DISABILITY_CODES] = ctx.disability.codes_text.reindex(own["child_id"].to_numpy()).to_numpy()
    frame = frame[spec.all_columns]
    order = sorted_rows(frame, key, "Child Unique ID")
    return ListResult(spec, frame.loc[order].reset_index(drop=True), len(unknown),
                      key_dates=key.loc[order].reset_index(drop=True), unknown=unknown, **extra)


def _child_rows(children: pd.DataFrame, child_ids: pd.Series) -> pd.DataFrame:
    """`children.reindex(child_ids)` with a fresh index, the ids hashed by pyarrow (`id_positions`)."""
    pos = id_positions(child_ids, children.index)
    if (pos < 0).any():  # a child with no details: a row of blanks, as reindex gives
        return children.reindex(child_ids.to_numpy()).reset_index(drop=True)
    return children.take(pos).reset_index(drop=True)


def sorted_rows(frame: pd.DataFrame, key: pd.Series, first: str) -> pd.Index:
    """The order of a sheet's rows: key date, then the `first` (id) column, then every other
    column: a total order, whatever the input order. `key` is row for row with `frame`.

    Only rows that share a key date and an id need the other columns: the rest are ordered
    by those two alone, and the tied rows, sorted among themselves on every column, take the
    places the tied rows held (the same order as sorting all rows on every column, without
    writing every cell of a list of every child as text)."""
    keys = pd.DataFrame({"_key": key.to_numpy(), first: frame[first].reset_index(drop=True)})
    order = keys.sort_values(["_key", first], kind="stable", na_position="last").index.to_numpy().copy()
    tied = keys.duplicated(["_key", first], keep=False).to_numpy()
    if tied.any():
        at = np.flatnonzero(tied)
        sub = frame.iloc[at].reset_index(drop=True)
        tiebreak = {f"_t{i}": sub[c].astype("str") for i, c in enumerate(sub.columns) if c != first}
        among = sub.assign(_key=key.to_numpy()[at], **tiebreak).sort_values(
            ["_key", first, *tiebreak], kind="stable", na_position="last").index.to_numpy()
        order[tied[order]] = at[among]
    return frame.index[order]


def finish_rows(spec: ListSpec, rows: pd.DataFrame, key: pd.Series) -> ListResult:
    """A list whose rows are not children (List 11, adopters): no child columns and no
    disability filter; its columns in order, sorted as `finish` sorts (`sorted_rows`)."""
    frame = rows.reset_index(drop=True)[spec.all_columns]
    key = pd.Series(key.to_numpy(), index=frame.index)
    order = sorted_rows(frame, key, spec.all_columns[0])
    return ListResult(spec, frame.loc[order].reset_index(drop=True), 0, key_dates=key.loc[order].reset_index(drop=True))


def not_produced(result: ListResult) -> str:
    """The banner of a list not produced, and its note on the Summary (SPEC §2, §9)."""
    return "NOT PRODUCED: no " + result.spec.needs_words + " export"


def empty(spec: ListSpec) -> ListResult:
    """A list whose table is missing (--allow-missing): header only, marked not produced."""
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in spec.all_columns})
    return ListResult(spec, frame, 0, key_dates=pd.Series(dtype="datetime64[ns]"), produced=False)


# --- explain: the same rules, in words an analyst can read out ------------------------

def child_rows(ctx: Context, table: str, child_id: str, by: str) -> pd.DataFrame:
    """The child's records of `table` (as normalised), in date order then spreadsheet order."""
    df = ctx.ds.tables[table]
    mine = df.iloc[np.flatnonzero((df["child_id"] == child_id).to_numpy(dtype=bool))]
    return mine.sort_values([by, "_file", "_row"], kind="stable", na_position="last") if len(mine) > 1 else mine


def in_window_words(window: Window, date, inside: bool) -> str:
    """Why a record's `date` is (`inside`, as the window rule judged it) or is not in the window."""
    if inside:
        return f"is in the window {day(window.start)} to {day(window.end)}"
    if date is None or pd.isna(date):
        return "has no date"
    if pd.Timestamp(date) < pd.Timestamp(window.start):
        return f"is before the window start {day(window.start)}"
    return f"is after the as-of date {day(window.end)}"


def explain_window(ctx: Context, spec: ListSpec, child_id: str, table: str, date: str, noun: str,
                   selected) -> Verdict:
    """Lists 1a and 1b: each of the child's records judged by `selected` (the mask `build`
    filters with), its date placed against the window."""
    rows = child_rows(ctx, table, child_id, date)
    if rows.empty:
        return Verdict(False, [f"not on the list: no {noun} recorded for the child"])
    keep = selected(ctx, rows)
    reasons = [f"{noun} {day(d)} (row {r}) {in_window_words(ctx.window, d, k)}"
               for d, r, k in zip(rows[date], rows["_row"], keep)]
    return verdict(ctx, spec, child_id, bool(keep.any()), reasons)


def explain_open(ctx: Context, spec: ListSpec, child_id: str, table: str, start: str, end: str,
                 noun: str) -> Verdict:
    """Lists 4–6: each of the child's records, open at the as-of date or not, and which
    open one is listed (the same choice `latest_open` makes)."""
    rows = child_rows(ctx, table, child_id, start)
    if rows.empty:
        return Verdict(False, [f"not on the list: no {noun} recorded for the child"])
    chosen, others = _open_ranked(rows, start, end, ctx.as_of)
    at = day(ctx.as_of)
    reasons = []
    for i, row in rows.iterrows():
        what = f"{noun} from {day(row[start])} (row {row['_row']})"
        ending = f", ending {day(row[end])}" if pd.notna(row[end]) else ""
        if i in chosen.index:
            used = "; the latest-starting open one, the one listed" if len(others) else ""
            reasons.append(f"{what} is open at {at}{ending}{used}")
        elif i in others.index:
            reasons.append(f"{what} is open at {at}{ending}, but a later-starting open one is the one listed")
        elif row[start] > ctx.as_of:
            reasons.append(f"{what} starts after the as-of date {at}: not open yet")
        else:
            reasons.append(f"{what} ended {day(row[end])}, on or before {at}: not open")
    return verdict(ctx, spec, child_id, not chosen.empty, reasons)


def verdict(ctx: Context, spec: ListSpec, child_id: str, meets_rule: bool, reasons: list[str]) -> Verdict:
    """The list's own rule, then disability (the same `listed_status` `finish` applies)."""
    if not meets_rule:
        return Verdict(False, [*reasons, f"not on the list: no record of the child meets the rule, {spec.rule}"])
    status = ctx.disability.of(pd.Series([child_id], dtype="str"))
    if ctx.all_children:
        return Verdict(True, [*reasons, "on the list: the rule is met (this profile lists every child)"])
    if listed_status(status).iloc[0]:
        return Verdict(True, [*reasons, "on the list: the rule is met and the child is disabled"])
    why = ("disability unknown (no disability record); counted in the Summary's unknown-disability column"
           if status.iloc[0] == UNKNOWN else "not disabled at the as-of date (see Disability)")
    return Verdict(False, [*reasons, f"not on the list: the rule is met, but the child is {why}"])
