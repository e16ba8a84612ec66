"""Warnings that change the lists (SPEC §10.1), worked out once a run has built them.

A finding (quality.py) is about one record; a warning is about what the run could not
see at all: a column, a whole table, the recent records, a list, most of a column's
codes. Each names the file it is about (a recognised table's file, never a cell value)
and what it changes in the lists. `--fail-on` and `fail_on` turn kinds of them into
exit 4.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from . import quality
from .config import Config
from .lists import SPECS, ListSpec
from .lists._common import CHILD_FEEDS, Feed
from .normalise import Dataset
from .readers import Header, InputFile, recognise, shows_name
from .schema import CHILD_DETAILS, EVENT_TABLES, TABLES, all_columns, closest
from .terminal import kind_of

if TYPE_CHECKING:
    from .pipeline import Run

MISSING_COLUMN = "missing-column"
EMPTY_TABLE = "empty-table"
STALE = "stale"
NOT_PRODUCED = "not-produced"
UNMAPPED = "unmapped"
KINDS = (MISSING_COLUMN, EMPTY_TABLE, STALE, NOT_PRODUCED, UNMAPPED)

# What a value that maps to no code does in the lists, per coded column; and the
# [values.<name>] section that maps it. Child details are judged over `Dataset.children`.
_SHOWN_AS_IS = "the lists show them as they came, not as Annex A codes"
_NO_RECORD = "a child with only such codes has no disability record (unknown disability) and is not listed"
_UNMAPPED: dict[str, tuple[str, str]] = {
    "gender": (_SHOWN_AS_IS, "gender"),
    "ethnicity": (_SHOWN_AS_IS, "ethnicity"),
    "disability": (_NO_RECORD, "disability"),
    "disability_code": (_NO_RECORD, "disability"),
    "contact_source": (_SHOWN_AS_IS, "source"),
    "referral_source": (_SHOWN_AS_IS, "source"),
    "primary_need": (_SHOWN_AS_IS, "primary_need"),
    "initial_category": (_SHOWN_AS_IS, "abuse_category"),
    "latest_category": (_SHOWN_AS_IS, "abuse_category"),
    "contact_outcome": ("Contact Outcome is derived from the child's referrals instead", "contact_outcome"),
    "assessment_outcome": ("Assessment Outcome reads unknown for them", "assessment_outcome"),
}


@dataclass(frozen=True)
class Warning:
    kind: str  # one of KINDS
    file: str  # the file(s) it is about; "" when no file is
    text: str  # what is wrong and what it changes in the lists
    # Names in `text` of files whose own name names no table (a workbook read for a sheet
    # name): the terminal shows them only with --verbose, as they may be personal.
    private: tuple[str, ...] = ()

    def shown(self, verbose: bool) -> str:
        """The text for the terminal."""
        text = self.text
        if not verbose:
            for name in sorted(self.private, key=len, reverse=True):
                text = text.replace(name, f"a {kind_of(name)} file (--verbose names it)")
        return text


def parse_kinds(given: str | Iterable[str]) -> frozenset[str]:
    """Kinds from "stale,unmapped" or a list of them; "all" is every kind. A ValueError
    names an unknown kind and lists the valid ones."""
    items = [i.strip().casefold() for i in (given.split(",") if isinstance(given, str) else given)]
    out: set[str] = set()
    for item in (i for i in items if i):
        if item == "all":
            out.update(KINDS)
        elif item in KINDS:
            out.add(item)
        else:
            raise ValueError(f"unknown warning kind '{item}'; expected a comma list of {', '.join(KINDS)}, or all")
    if not out:
        raise ValueError(f"names no warning kind; expected a comma list of {', '.join(KINDS)}, or all")
    return frozenset(out)


def collect(run: Run, config: Config) -> list[Warning]:
    """Every warning of the run, kind by kind in KINDS order."""
    parts = [(f, p) for f in run.read.files for p in f.parts]
    built = {r.spec.sheet for r in run.lists if r.produced}
    specs = run.profile.specs
    found = [
        *_missing_columns(parts, built, config, specs),
        *_empty_tables(run.read.files, parts, config, specs),
        *_stale(run.latest, run.as_of, config.freshness_days, specs),
        *(Warning(NOT_PRODUCED, "", f"no {r.spec.needs_words} export: sheet {r.spec.sheet} is not "
                  "produced; its first row says NOT PRODUCED") for r in run.lists
          if not r.produced),
        *_unmapped(run.dataset, run.findings),
        *_no_disability_source(run),
    ]
    private = [f.name for f in run.read.files if f.parts and not shows_name(f, config)]
    return [replace(w, private=tuple(n for n in private if n in w.text)) for w in found]


def _no_disability_source(run: Run) -> list[Warning]:
    """The full profile runs without a disability source (a 903-only input, SPEC §3.5), but
    then every child's `Does the Child have a Disability` is c) Unknown: said, not silent."""
    from .disability import has_source  # imported here: disability is a pipeline stage

    if not run.profile.all_children or has_source(run.dataset):
        return []
    return [Warning(MISSING_COLUMN, "", "no disability source in the input (a 'disability' column of children, "
                    "or a disabilities export): Does the Child have a Disability reads c) Unknown for every child")]


def count_text(warnings: list[Warning]) -> str:
    """ "3 warnings: missing-column 2, stale 1" """
    n = Counter(w.kind for w in warnings)
    per = ", ".join(f"{k} {n[k]}" for k in KINDS if n[k])
    return f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'}: {per}"


def table(warnings: list[Warning]) -> pd.DataFrame:
    """The Summary's Warnings block."""
    if not warnings:
        return pd.DataFrame({"Kind": ["none"], "File": [""], "Warning": [""]})
    return pd.DataFrame({"Kind": [w.kind for w in warnings], "File": [w.file for w in warnings],
                         "Warning": [w.text for w in warnings]})


# ---------------------------------------------------------------- the kinds

def _where(file: InputFile, part: Header, config: Config) -> str:
    """The file, and its sheet when the sheet's name names a table (else it may be personal)."""
    named = part.sheet and recognise(part.sheet, config, sheet=True) is not None
    return file.name + (f", sheet '{part.sheet}'" if named else "")


def _lookalikes(table: str, column: str, unused: tuple[str, ...]) -> str:
    """What to do: the unused headings that look like the column, if any."""
    col = next(c for c in all_columns(TABLES[table]) if c.name == column)
    near: list[str] = []
    for name in (column, *col.aliases):
        near += [h for h in closest(name, unused) if h not in near]
    where = f"[tables.{table}.columns]"
    if near:
        quoted = ", ".join(f"'{h}'" for h in near[:3])
        return f" (closest unused headings: {quoted}; map one under {where})"
    return f" (add the column to the export, or map its heading under {where})"


def _feeds(specs: tuple[ListSpec, ...] = SPECS) -> dict[tuple[str, str], list[tuple[str, Feed]]]:
    """(table, column) -> the (sheet, feed) pairs of every list of `specs` it fills."""
    out: dict[tuple[str, str], list[tuple[str, Feed]]] = {}
    for spec in specs:
        for feed in spec.feeds:
            out.setdefault((feed.table or spec.needs[0], feed.column), []).append((spec.sheet, feed))
    return out


def _missing_columns(parts: list[tuple[InputFile, Header]], built: set[str], config: Config,
                     specs: tuple[ListSpec, ...] = SPECS) -> list[Warning]:
    given = {p.table for _, p in parts}
    parts = [(f, p) for f, p in parts if p.rows]  # a file with no rows changes nothing (an empty-table warning)
    out = []
    for (table, column), uses in _feeds(specs).items():
        if not column:  # the whole table feeds the columns: missing when no file gives it
            effects = [f"on {sheet}, {feed.effect}" for sheet, feed in uses if sheet in built]
            if effects and table not in given:
                out.append(Warning(MISSING_COLUMN, "", f"no {table} export: " + "; ".join(effects)))
            continue
        for file, part in parts:
            if part.table != table or column in part.columns:
                continue
            effects = [f"on {sheet}, {feed.effect}" for sheet, feed in uses
                       if sheet in built and not set(feed.unless) & set(part.columns)]
            if effects and part.mapped:
                out.append(Warning(MISSING_COLUMN, file.name, f"{_where(file, part, config)} has no {column} column: "
                                   + "; ".join(effects) + _lookalikes(table, column, part.unused)))
            elif effects:  # a national format never carries it: said once per format, column and table
                text = (f"the {file.format} has no {column} for {table} (the format does not carry it): "
                        + "; ".join(effects) + "; a CMS export of the same records can give it")
                if all(w.text != text for w in out):
                    out.append(Warning(MISSING_COLUMN, "", text))
    children = [(f, p) for f, p in parts if p.table == "children"]
    for feed in CHILD_FEEDS:
        # A child detail may come from any table that carries it (SPEC §3): missing only when none does.
        if any(feed.column in p.columns for _, p in parts):
            continue
        # The 903 header gives date of birth, sex and ethnicity (normalise._HEADER_DETAILS).
        if any(p.table == "header" for _, p in parts):
            continue
        out += [Warning(MISSING_COLUMN, f.name, f"{_where(f, p, config)} has no {feed.column} column: {feed.effect}"
                        + _lookalikes("children", feed.column, p.unused)) for f, p in children]
        if not children:
            out.append(Warning(MISSING_COLUMN, "", f"no export has a {feed.column} column: {feed.effect}"))
    # Without `children.disability` and a disabilities table, only event rows say who is disabled
    # (with none of the three the run stops before this).
    if not any(p.table == "disabilities" for _, p in parts):
        out += [Warning(MISSING_COLUMN, f.name, f"{_where(f, p, config)} has no disability column and there is no "
                        "disabilities export: a child is disabled only by the event tables' disability columns, "
                        "and a child with none there has unknown disability and is not listed"
                        + _lookalikes("children", "disability", p.unused))
                for f, p in children if "disability" not in p.columns]
    return out


def _empty_tables(files: list[InputFile], parts: list[tuple[InputFile, Header]], config: Config,
                  specs: tuple[ListSpec, ...] = SPECS) -> list[Warning]:
    out = [Warning(EMPTY_TABLE, f.name, f"{f.name} has an Excel name but is really a text (CSV) file: it was read "
                   "as text; check it is the export meant, and name it .csv") for f in files if f.as_text and f.parts]
    rows = Counter()
    for _, p in parts:
        rows[p.table] += p.rows
    for file, part in parts:
        if part.rows:
            continue
        sheets = [s.sheet for s in specs if part.table in s.needs]
        if rows[part.table]:
            effect = f"it adds no {part.table} records"
        elif sheets:
            effect = f"there are no {part.table} records, so {', '.join(sheets)} will be empty"
        else:
            effect = f"there are no {part.table} records"
        out.append(Warning(EMPTY_TABLE, file.name, f"{_where(file, part, config)} has no data rows: {effect}"))
    return out


def latest_records(ds: Dataset) -> dict[str, pd.Series]:
    """Per event table with records: file -> the latest record date (its key date)."""
    out = {}
    for name in EVENT_TABLES:
        df = ds.tables.get(name)
        if df is None or df.empty:
            continue
        # Per file and column first, then across the (few) columns: no row-wide max over a million rows.
        per = df.groupby("_file", observed=True, sort=False)[list(TABLES[name].key_dates)].max().max(axis=1)
        per = per.dropna()
        per.index = per.index.astype("str")
        if len(per):
            out[name] = per
    return out


def latest_by_file(latest: dict[str, pd.Series]) -> dict[str, dt.date]:
    """File -> the latest record date of the event tables it holds (for the Summary), from
    `latest_records`."""
    out: dict[str, dt.date] = {}
    for per in latest.values():
        for file, when in per.items():
            out[file] = max(out.get(file, when.date()), when.date())
    return out


def _stale(latest: dict[str, pd.Series], as_of: dt.date, days: int,
           specs: tuple[ListSpec, ...] = SPECS) -> list[Warning]:
    as_of = pd.Timestamp(as_of)
    out = []
    for name, per in latest.items():
        latest = per.max()
        if latest >= as_of - pd.Timedelta(days=days):
            continue
        files = ", ".join(per.index)
        sheets = ", ".join(s.sheet for s in specs if name in s.needs)
        out.append(Warning(STALE, files, (
            f"{files}: the latest {name} record is dated {latest:%d/%m/%Y}, {(as_of - latest).days} days before "
            f"the as-of date {as_of:%d/%m/%Y} (more than {days}): the export looks out of date, and {sheets} "
            "will miss anything recorded since")))
    return out


def _unmapped(ds: Dataset, findings: quality.Findings) -> list[Warning]:
    counts = findings.per_column(quality.UNMAPPED_CODE)
    out = []
    for column, (effect, section) in _UNMAPPED.items():
        if not counts.get(column):
            continue
        if column in CHILD_DETAILS:
            frames = [ds.children]
        else:
            frames = [df for t, df in ds.tables.items() if column in TABLES[t].column_names
                      and column not in ds.absent.get(t, set())]
        given = [df.loc[df[column].notna(), [column, "_file"]] for df in frames]
        values = pd.concat(given) if given else pd.DataFrame(columns=[column, "_file"])
        total = values[column].nunique()
        if counts[column] * 2 <= total:
            continue
        files = ", ".join(pd.unique(values["_file"].astype("str")))
        out.append(Warning(UNMAPPED, files, (
            f"{files}: {counts[column]} of the {total} distinct {column} values map to no code: {effect}; "
            f"map them under [values.{section}]")))
    return out
