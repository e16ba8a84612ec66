"""Normalise stage: raw text tables -> typed tables, with every data-quality finding.

After this stage every table has all its canonical columns (absent ones are NA and
listed in `Dataset.absent`), dates are `datetime64[ns]`, yes/no columns are nullable
booleans, identifiers are text, coded values have a mapped `<column>_code` twin, and
`Dataset.children` holds one row of child details per child (SPEC §3: `children`
wins, else the child's latest event row that has a value).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import codes, quality, threads, uniques, values
from .config import Config
from .quality import Findings
from .schema import (
    CHILD_DETAILS, CODE, COUNT, DATE_KINDS, EVENT_DATE, EVENT_TABLES, ID, TABLES, Table,
    YESNO, all_columns, event_date, norm,
)

PROVENANCE = ["_file", "_sheet", "_row"]
# Coded event columns: canonical column -> codes kind.
CODED = {
    "contact_source": "source",
    "referral_source": "source",
    "primary_need": "primary_need",
    "initial_category": "abuse_category",
    "latest_category": "abuse_category",
}
# Work with an unborn child (pre-birth contacts, assessments, s47 enquiries, CP plans) is
# normal practice: an event is a finding only when it is more than 40 weeks before birth
# (SPEC §3.3; CIN rule 8606's allowance, applied to every event table).
PRE_BIRTH_ALLOWANCE = pd.Timedelta(weeks=40)
# Contact outcomes the tool itself writes, read back without a config mapping.
_BUILTIN_CONTACT_OUTCOMES = {"referral": True, "noreferral": False}


@dataclass
class Dataset:
    as_of: dt.date
    tables: dict[str, pd.DataFrame]
    children: pd.DataFrame                 # index child_id
    absent: dict[str, set[str]] = field(default_factory=dict)  # table -> canonical columns not in the input

    def has(self, table: str) -> bool:
        return table in self.tables

    def has_column(self, table: str, column: str) -> bool:
        """Whether the input gave `table` and a heading for its canonical `column`. A name
        that is no column of the table is a programming error, not a silent False/True."""
        if column not in {c.name for c in all_columns(TABLES[table])}:
            raise KeyError(f"{column!r} is not a column of the {table} table")
        return table in self.tables and column in self.tables[table].columns \
            and column not in self.absent.get(table, set())



def _with_all_columns(raw: pd.DataFrame, cols: list, absent: set[str]) -> pd.DataFrame:
    """Provenance and every canonical column, in schema order; absent ones as NA text."""
    df = raw.copy()
    for c in absent:
        df[c] = pd.Series(pd.NA, index=df.index, dtype="str")
    return df[[*PROVENANCE, *(c.name for c in cols)]]


def _identifiers(df: pd.DataFrame, cols: list, findings: Findings) -> pd.DataFrame:
    """Identifiers as text. -1, 0 and blank child ids are not identifiers: the row is left out."""
    for col in (c for c in cols if c.kind == ID):
        parsed = values.parse_ids(df[col.name])
        if col.name != "child_id":
            df[col.name] = parsed.values
            continue
        bad = parsed.bad | parsed.values.isna()
        # Messages are built for the flagged rows only: cheap when there are none.
        shown = df.loc[bad.to_numpy(), "child_id"]
        findings.add(df, bad, "child_id", quality.NOT_AN_ID,
                     "'" + shown.fillna("").astype(str) + "' is not a child identifier; row left out")
        df["child_id"] = parsed.values
        if bad.any():  # filtering copies every column, so only when something goes
            df = df[~bad.to_numpy()]
    return df


def _dates(df: pd.DataFrame, table: Table, cols: list, absent: set[str], as_of: dt.date,
           today: dt.date, keep: pd.Series, findings: Findings) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Dates parsed in place. An unparseable key date leaves its record out, any other
    reads blank. Returns `keep` updated and, per event-date column, where it is after today."""
    future: dict[str, pd.Series] = {}
    today_ts = pd.Timestamp(today)
    for col in (c for c in cols if c.kind in DATE_KINDS):
        if col.name in absent:
            df[col.name] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
            continue
        parsed = values.parse_dates(df[col.name], as_of)
        is_key = col.name in table.key_dates
        findings.add(df, parsed.bad, col.name, quality.UNPARSEABLE_DATE,
                     "unparseable date '" + df.loc[parsed.bad.to_numpy(), col.name].astype(str) + "'"
                     + (" — record left out" if is_key else " — read as blank"))
        if is_key:
            keep = keep & ~parsed.bad
        df[col.name] = parsed.values
        if col.kind == EVENT_DATE:
            future[col.name] = parsed.values > today_ts
    return keep, future


def _future_dates(df: pd.DataFrame, table: Table, future: dict[str, pd.Series], keep: pd.Series,
                  findings: Findings) -> pd.Series:
    """A date after today records something that has not happened yet. When it is the date
    the record is keyed by (the first of `key_dates` that is filled: an s47 record's
    strategy discussion, else its enquiry start) the record is never listed; any other
    such date reads blank. A disability record keeps its future start: not current yet."""
    owner = pd.Series("", index=df.index, dtype="str")
    for k in reversed(table.key_dates):
        owner = owner.mask(df[k].notna(), k)
    consequence = " — never listed" if table.key_required else " — not current yet"
    for name, fut in future.items():
        keyed = fut & (owner == name)
        at = fut.to_numpy(dtype=bool)  # messages for the flagged rows only
        problem = ("date " + df.loc[at, name].dt.strftime("%d/%m/%Y").fillna("") + " is after today"
                   + keyed[at].map({True: consequence, False: " — read as blank"}))
        findings.add(df, fut, name, quality.FUTURE_DATE, problem)
        if table.key_required:
            keep = keep & ~keyed
        df[name] = df[name].mask(fut & ~keyed)
    return keep


def _missing_key_date(df: pd.DataFrame, table: Table, keep: pd.Series, findings: Findings) -> pd.Series:
    """A record that needs a key date and has none is left out."""
    if not (table.key_dates and table.key_required):
        return keep
    all_blank = df[list(table.key_dates)].isna().all(axis=1) & keep
    findings.add(df, all_blank, " / ".join(table.key_dates), quality.MISSING_DATE,
                 "no " + " or ".join(table.key_dates) + "; record left out")
    return keep & ~all_blank


def _parsed(df: pd.DataFrame, cols: list, absent: set[str], findings: Findings, kind: str, parse, dtype: str,
            finding: str, why: str) -> None:
    """Each column of `kind` parsed in place by `parse` (a `values` parser); what it cannot
    read is a `finding` ("'<value>'" + `why`) and reads as NA."""
    for col in (c for c in cols if c.kind == kind):
        if col.name in absent:
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype=dtype)
            continue
        parsed = parse(df[col.name])
        findings.add(df, parsed.bad, col.name, finding,
                     "'" + df.loc[parsed.bad.to_numpy(), col.name].astype(str) + why)
        df[col.name] = parsed.values


def _yes_no(df: pd.DataFrame, cols: list, absent: set[str], findings: Findings) -> None:
    """Yes/no columns as nullable booleans; what is not yes/no reads unknown."""
    _parsed(df, cols, absent, findings, YESNO, values.parse_yes_no, "boolean", quality.UNPARSEABLE_YESNO,
            "' is not yes/no; read as unknown")


def _counts(df: pd.DataFrame, cols: list, absent: set[str], findings: Findings) -> None:
    """Counts as given (Int64): what is not a whole number >= 0 is reported and reads blank,
    so the list derives it (SPEC §3.5)."""
    _parsed(df, cols, absent, findings, COUNT, values.parse_counts, "Int64", quality.BAD_COUNT,
            "' is not a whole number of 0 or more; read as blank (derived where the list can)")


def _upper_codes(df: pd.DataFrame, cols: list, absent: set[str]) -> None:
    """A national return's codes are case-insensitive: compared upper-cased."""
    for col in (c for c in cols if c.kind == CODE and c.name not in absent):
        df[col.name] = df[col.name].str.upper()


def _end_before_start(df: pd.DataFrame, table: Table, keep: pd.Series, findings: Findings) -> pd.Series:
    """A period that ends before it starts is left out; ending the day it starts is fine."""
    if not table.period:
        return keep
    start, end = table.period
    backwards = df[end] < df[start]
    findings.add(df, backwards & keep, end, quality.END_BEFORE_START,
                 f"{end} is before {start}; record left out")
    return keep & ~backwards.fillna(False)


def _exported_twice(df: pd.DataFrame, table: Table, cols: list, findings: Findings) -> pd.DataFrame:
    """A record exported twice (same value in every column) is kept once. Copies share the
    child and key date, so only rows that do are compared in full: hashing every column
    of a million rows costs more than the rest of the normalise stage."""
    # A national return's files of two years repeat rows (a child's header, an episode open
    # at 31 March): only a copy within one file is exported twice.
    within = ["_file"] if table.national else []
    maybe = df.duplicated(subset=[*within, table.who, *table.key_dates[:1]], keep=False).to_numpy()
    dup = pd.Series(False, index=df.index)
    if maybe.any():
        dup[maybe] = df[maybe].duplicated(subset=[*within, *(c.name for c in cols)], keep="first").to_numpy()
    findings.add(df, dup, "", quality.DUPLICATE, "same values in every column as an earlier row; kept once")
    return df[~dup.to_numpy()] if dup.any() else df


def _coded(df: pd.DataFrame, absent: set[str], config: Config, findings: Findings) -> None:
    """Each coded column gets a `<column>_code` twin: its Annex A label, an unmapped value as
    it came (`codes.map_codes`: the one place that rule lives), NA where the column is absent."""
    for column, kind in CODED.items():
        if column not in df.columns:
            continue
        if column in absent:
            df[f"{column}_code"] = pd.Series(pd.NA, index=df.index, dtype="str")
            continue
        mapped = codes.map_codes(kind, df[column], config.mapping(kind))
        df[f"{column}_code"] = mapped.values
        findings.add_unmapped(df, mapped.unmapped, column)


def _normalise_table(name: str, raw: pd.DataFrame, as_of: dt.date, today: dt.date,
                     config: Config, findings: Findings) -> tuple[pd.DataFrame, set[str]]:
    """One raw table typed, one step per kind of finding; returns it and its absent columns."""
    table = TABLES[name]
    cols = all_columns(table)
    absent = {c.name for c in cols if c.name not in raw.columns}
    df = _identifiers(_with_all_columns(raw, cols, absent), cols, findings)
    # Steps type columns in place; those that leave records out narrow `keep`, and report
    # only rows still kept where a record could be reported twice.
    keep, future = _dates(df, table, cols, absent, as_of, today, pd.Series(True, index=df.index), findings)
    keep = _future_dates(df, table, future, keep, findings)
    keep = _missing_key_date(df, table, keep, findings)
    _yes_no(df, cols, absent, findings)
    _counts(df, cols, absent, findings)
    _upper_codes(df, cols, absent)
    keep = _end_before_start(df, table, keep, findings)
    if not keep.all():
        df = df[keep.to_numpy(dtype=bool)]
    df = _exported_twice(df, table, cols, findings)
    _coded(df, absent, config, findings)
    return df.reset_index(drop=True), absent


def contact_outcome_flags(outcomes: pd.Series, config: Config) -> pd.Series:
    """Whether each contact outcome says the contact led to a referral (nullable boolean):
    the config's value mapping, the tool's own outcomes, else a yes/no; NA where blank or
    where the outcome maps to neither."""
    mapping = {norm(k): v for k, v in config.mapping("contact_outcome").items()}
    uniques = pd.Series(outcomes.dropna().unique())
    table: dict[str, object] = {}
    for u in uniques:
        key = norm(u)
        if key in mapping:
            parsed = values.parse_yes_no(pd.Series([mapping[key]], dtype="str"))
            table[u] = parsed.values.iloc[0]
        elif key in _BUILTIN_CONTACT_OUTCOMES:
            table[u] = _BUILTIN_CONTACT_OUTCOMES[key]
        else:
            yn = values.parse_yes_no(pd.Series([u], dtype="str"))
            table[u] = yn.values.iloc[0] if not yn.bad.iloc[0] else None
    # Through the distinct values: `map` on a million text cells takes half a second.
    codes_, distinct = outcomes.factorize()
    per_value = [table.get(u) for u in distinct]
    flags = np.array([np.nan if v is None or pd.isna(v) else float(v) for v in per_value] + [np.nan])
    return pd.Series(flags[codes_], index=outcomes.index).astype("boolean")


def _contact_outcomes(df: pd.DataFrame, absent: set[str], config: Config, findings: Findings) -> pd.DataFrame:
    """A local `contact_outcome` feeds `led_to_referral` through the config's value mapping."""
    if "contact_outcome" in absent:
        return df
    outcome = contact_outcome_flags(df["contact_outcome"], config)
    unmapped = df["contact_outcome"].notna() & outcome.isna()
    findings.add_unmapped(df, unmapped, "contact_outcome", "is not a known contact outcome; map it under [values.contact_outcome]")
    df["led_to_referral"] = df["led_to_referral"].fillna(outcome)
    return df


def _assessment_outcomes(df: pd.DataFrame, config: Config, findings: Findings) -> pd.DataFrame:
    mapped = codes.map_assessment_outcome(df["assessment_outcome"], config.mapping("assessment_outcome"))
    df["assessment_outcome_code"] = mapped.values
    findings.add_unmapped(df, mapped.unmapped, "assessment_outcome", "is not a known assessment outcome; read as unknown (map it under [values.assessment_outcome])")
    return df


def _child_details(tables: dict[str, pd.DataFrame], absent: dict[str, set[str]],
                   findings: Findings, positions: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per child: `children` wins; else the latest event row with a value.

    When the children table alone gives the result, `positions` receives each event
    row's position in its index, for `_cross_checks`."""
    if "children" in tables:
        ch = tables["children"]
        dup = ch.duplicated(subset=["child_id"], keep="first")
        findings.add(ch, dup, "child_id", quality.DUPLICATE_CHILD,
                     "child appears more than once in children; the first row is used")
        base = ch[~dup.to_numpy()].set_index("child_id")
    else:
        base = pd.DataFrame(columns=[*PROVENANCE, *CHILD_DETAILS]).set_index(pd.Index([], name="child_id", dtype="str"))
    base = base[[*PROVENANCE, *CHILD_DETAILS]].copy()

    # Usual case: no event table carries child details and every child is in `children`;
    # then nothing below would change `base`, and sorting every event row is skipped.
    named = [n for n in EVENT_TABLES if n in tables]
    if all(c in absent[n] for n in named for c in CHILD_DETAILS):
        found = dict(zip(named, threads.map_ordered(
            lambda n: uniques.id_positions(tables[n]["child_id"], base.index), named,
            start_first=lambda n: len(tables[n]))))
        if all((pos >= 0).all() for pos in found.values()):
            if positions is not None:
                positions.update(found)
            return base

    events = []
    for name in EVENT_TABLES:
        if name not in tables:
            continue
        df = tables[name]
        present = [c for c in CHILD_DETAILS if c not in absent[name]]
        ids = df[["child_id", *PROVENANCE]].copy()
        ids["_when"] = df[event_date(TABLES[name])]
        if name == "s47":
            ids["_when"] = ids["_when"].fillna(df["s47_start_date"])
        for c in CHILD_DETAILS:
            ids[c] = df[c] if c in present else pd.Series(pd.NA, index=df.index, dtype=df[c].dtype)
        events.append(ids)
    if not events:
        return base
    ev = pd.concat(events, ignore_index=True).sort_values("_when", kind="stable")

    # Children seen only in events get a row, with provenance of their first event row.
    new_ids = pd.Index(ev["child_id"].unique()).difference(base.index)
    if len(new_ids):
        first = ev.drop_duplicates("child_id", keep="first").set_index("child_id").loc[new_ids, PROVENANCE]
        add = pd.DataFrame(index=new_ids, columns=CHILD_DETAILS)
        for c in CHILD_DETAILS:
            add[c] = pd.Series(pd.NA, index=new_ids, dtype=base[c].dtype if c in base else "object")
        base = pd.concat([base, pd.concat([first, add], axis=1)])
        base.index.name = "child_id"

    for c in CHILD_DETAILS:
        have = ev[ev[c].notna()]
        if have.empty:
            continue
        latest = have.drop_duplicates("child_id", keep="last").set_index("child_id")[c]
        current = base[c]
        # Disagreement with children: reported once per child and column, at the first such row.
        if "children" in tables:
            theirs = current.reindex(have["child_id"]).to_numpy()
            mine = have[c].to_numpy()
            if c in ("dob", "expected_dob"):
                differ = pd.notna(theirs) & (pd.to_datetime(pd.Series(theirs)) != pd.to_datetime(pd.Series(mine))).to_numpy()
            else:
                t = pd.Series(theirs, dtype="object").map(lambda v: norm(v) if pd.notna(v) else None)
                m = pd.Series(mine, dtype="object").map(norm)
                differ = (t.notna() & (t != m)).to_numpy()
            disagree = have[differ].drop_duplicates("child_id")
            findings.add(disagree, None, c, quality.DETAILS_DISAGREE,
                         f"{c} differs from the children table; children wins")
        base[c] = current.fillna(latest.reindex(base.index)) if current.notna().any() else latest.reindex(base.index)
    return base


# Tables that name a child but carry no child details: the 903's files and the local
# looked-after and care-leaver tables. Lists 8-10 list their children, who may be in no
# CMS export (a 903-only child), so each child in them gets a row of `children`.
_OTHER_CHILD_TABLES = ("care_leavers", "health_checks", "permanence_plans")
# 903 header column -> child detail it fills (SEX 1/2 or M/F/U, ETHNIC a CBDS code).
_HEADER_DETAILS = {"dob": "dob", "sex": "gender", "ethnic": "ethnicity"}


def _returns_children(tables: dict[str, pd.DataFrame], base: pd.DataFrame) -> pd.DataFrame:
    """`base` with a row for every child of the 903 and local looked-after tables, and the
    903 `header`'s date of birth, sex and ethnicity where `children` and the events give
    none (the latest collection year's file wins: files are read in folder order)."""
    names = [n for n, t in TABLES.items() if n in tables and (t.national or n in _OTHER_CHILD_TABLES)]
    if not names:
        return base
    first = pd.concat([tables[n][["child_id", *PROVENANCE]] for n in names], ignore_index=True)
    first = first.drop_duplicates("child_id", keep="first").set_index("child_id")
    new_ids = first.index.difference(base.index)
    if len(new_ids):
        add = pd.DataFrame({c: pd.Series(pd.NA, index=new_ids, dtype=base[c].dtype) for c in CHILD_DETAILS})
        base = pd.concat([base, pd.concat([first.loc[new_ids, PROVENANCE], add], axis=1)])
        base.index.name = "child_id"
    if "header" in tables:
        h = tables["header"]
        for column, detail in _HEADER_DETAILS.items():
            have = h.loc[h[column].notna().to_numpy(dtype=bool), ["child_id", column]]
            if len(have):
                latest = have.drop_duplicates("child_id", keep="last").set_index("child_id")[column]
                base[detail] = base[detail].fillna(latest.reindex(base.index).astype(base[detail].dtype))
    return base


def _cross_checks(tables: dict[str, pd.DataFrame], children: pd.DataFrame, has_children: bool,
                  as_of: dt.date, findings: Findings, positions: dict[str, np.ndarray] | None = None) -> None:
    dob = children["dob"]
    # Which of `children`'s rows come from the children table (the others only from events).
    known = pd.Index(tables["children"]["child_id"].unique()) if has_children else None
    # (one extra False at the end, for position -1: not in `children` at all).
    from_table = np.append(uniques.id_positions(children.index, known) >= 0, False) if has_children else None
    for name in EVENT_TABLES:
        if name not in tables:
            continue
        df = tables[name]
        # One hash pass serves both checks (made already by `_child_details` when it could).
        pos = positions[name] if positions and name in positions else uniques.id_positions(df["child_id"], dob.index)
        if has_children:
            missing = pd.Series(~from_table[pos], index=df.index)
            findings.add(df, missing, "child_id", quality.CHILD_NOT_IN_CHILDREN,
                         "child is not in the children table; event kept")
        when = df[event_date(TABLES[name])]
        if name == "s47":
            when = when.fillna(df["s47_start_date"])
        born = np.where(pos >= 0, dob.to_numpy()[pos], np.datetime64("NaT", "ns"))
        limit = pd.Series(born, index=df.index) - PRE_BIRTH_ALLOWANCE
        findings.add(df, when < limit, event_date(TABLES[name]), quality.BEFORE_BIRTH,
                     "event is more than 40 weeks before the child's date of birth; kept and listed")
    passed = children["dob"].isna() & (children["expected_dob"] <= pd.Timestamp(as_of))
    rows = children[passed].reset_index()
    findings.add(rows, None, "expected_dob", quality.EXPECTED_DOB_PASSED,
                 "no date of birth and the expected date of birth has passed; age computed from it")


def normalise(raw: dict[str, pd.DataFrame], as_of: dt.date, today: dt.date,
              config: Config, findings: Findings) -> Dataset:
    """Type every table of `raw`, which is emptied as it goes: each raw table is let go
    once its typed twin exists, so a million-row export is never held twice."""

    def typed(name: str) -> tuple[pd.DataFrame, set[str], Findings, Findings]:
        own, outcomes = Findings(), Findings()
        df, absent_cols = _normalise_table(name, raw.pop(name), as_of, today, config, own)
        if name == "contacts":
            df = _contact_outcomes(df, absent_cols, config, outcomes)
        elif name == "assessments":
            df = _assessment_outcomes(df, config, outcomes)
        return df, absent_cols, own, outcomes

    # Two tables at once (largest first), each with its own findings, added in table order.
    names = [n for n in TABLES if n in raw]
    done = threads.map_ordered(typed, names, start_first=lambda n: len(raw[n]))
    tables = {n: df for n, (df, _, _, _) in zip(names, done)}
    absent = {n: cols for n, (_, cols, _, _) in zip(names, done)}
    for _, _, own, _ in done:
        findings.extend(own)
    for _, _, _, outcomes in done:
        findings.extend(outcomes)
    positions: dict[str, np.ndarray] = {}  # event rows -> positions in `children`
    children = _returns_children(tables, _child_details(tables, absent, findings, positions))
    for c in ("dob", "expected_dob"):
        children[c] = pd.to_datetime(children[c]).astype("datetime64[ns]")
    _cross_checks(tables, children, "children" in tables, as_of, findings, positions)
    return Dataset(as_of=as_of, tables=tables, children=children, absent=absent)
