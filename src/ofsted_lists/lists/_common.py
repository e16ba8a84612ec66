"""What every list shares: the child columns, yes/no codes, open-plan and 12-month rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import codes, quality
from ..config import Config
from ..disability import DISABLED, UNKNOWN, Disability
from ..normalise import Dataset
from ..quality import Findings
from ..window import Window, months_before_series

YES, NO, UNKNOWN_ANSWER = "a) Yes", "b) No", "c) Unknown"
NOT_STATED = "c) Not stated/recorded"
CHILD_COLUMNS = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY_FLAG = "Does the Child have a Disability"
DISABILITY_CODES = "Disability Codes"
TEAM, WORKER = "Allocated Team", "Allocated Worker"


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

    @property
    def all_columns(self) -> list[str]:
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

    @property
    def as_of(self) -> pd.Timestamp:
        return pd.Timestamp(self.window.end)


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


def latest_open(ctx: Context, table: str, start: str, end: str) -> pd.DataFrame:
    """One row per child: the latest-starting record open at the as-of date; on a same-day
    start the later end wins (open counts as latest). Other open ones are reported."""
    df = ctx.ds.tables[table]
    live = df[open_at(df[start], df[end], ctx.as_of).to_numpy(dtype=bool)]
    far = pd.Timestamp.max.normalize()
    ranked = live.assign(_end=live[end].fillna(far)).sort_values(
        ["child_id", start, "_end", "_row", "_file"], kind="stable")
    chosen = ranked.drop_duplicates("child_id", keep="last")
    others = ranked[~ranked.index.isin(chosen.index)]
    ctx.findings.add(others, None, start, quality.OVERLAPPING_PLANS,
                     f"another {table.replace('_', ' ')} record is open at the as-of date; the latest-starting one is used")
    return chosen.drop(columns="_end")


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


def finish(spec: ListSpec, ctx: Context, rows: pd.DataFrame, **extra) -> ListResult:
    """Keep disabled children, add the child columns, order and sort (SPEC §4).

    `rows` holds `child_id`, the spec's own columns and optionally `_key`, the key date
    when it is not simply the `key_date` column; children with unknown disability are
    kept (each one's latest key date) before they are dropped."""
    status = ctx.disability.of(rows["child_id"]).to_numpy()
    keys = rows["_key"] if "_key" in rows else rows[spec.key_date]
    unknown = pd.Series(keys.to_numpy(), index=rows["child_id"].to_numpy())[status == UNKNOWN]
    unknown = unknown.groupby(level=0).max() if len(unknown) else unknown.astype("datetime64[ns]")
    rows = rows[status == DISABLED]
    child = ctx.children.reindex(rows["child_id"].to_numpy()).reset_index(drop=True)
    own = rows.reset_index(drop=True)
    key = own.pop("_key") if "_key" in own else own[spec.key_date]
    frame = pd.concat([child, own.drop(columns="child_id")], axis=1)
    if spec.disability_flag:
        frame[DISABILITY_FLAG] = YES
    if DISABILITY_CODES in spec.columns:
        frame[DISABILITY_CODES] = ctx.disability.codes_text.reindex(own["child_id"].to_numpy()).to_numpy()
    frame = frame[spec.all_columns]
    # Key date, then id, then every other column: a total order, whatever the input order.
    tiebreak = {f"_t{i}": frame[c].astype("str") for i, c in enumerate(frame.columns) if c != "Child Unique ID"}
    order = frame.assign(_key=key.to_numpy(), **tiebreak).sort_values(
        ["_key", "Child Unique ID", *tiebreak], kind="stable", na_position="last").index
    return ListResult(spec, frame.loc[order].reset_index(drop=True), len(unknown),
                      key_dates=key.loc[order].reset_index(drop=True), unknown=unknown, **extra)


def empty(spec: ListSpec) -> ListResult:
    """A list whose table is missing (--allow-missing): header only, marked not produced."""
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in spec.all_columns})
    return ListResult(spec, frame, 0, key_dates=pd.Series(dtype="datetime64[ns]"), produced=False)
