"""The inspectors' case sample (SPEC §6): a reproducible draw from the lists.

The draw depends only on the seed and the set of eligible records. Each record is scored
by SHA-256 of (seed, category, the record's values as text) and records are taken in
score order, so row order, file order, file format and how a table is split across
files make no difference. Within a category, children not yet in the sample come first
(one record each); an already-sampled child is taken again only when no other eligible
child is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from . import __version__
from .lists import ListResult, not_produced
from .lists._common import CHILD_COLUMNS, DISABILITY_FLAG, YES
from .lists.l3_assessments import OUTCOME_WORDS
from .pipeline import Run
from .workbook import Block, Report, Sheet

CHILD_ID = "Child Unique ID"
SEED_MAX = 999_999
PRE_SELECTED, DAY_ONE = "Pre-selected", "Day one"
RISK = "Child at immediate risk (Y/N)"
TRACKED_ON = "Date tracked"
TRACKING = ("Tracked with", TRACKED_ON, "Findings", RISK, "Action required")
# Room to write in, in the sample's empty case-tracking columns (characters).
TRACKING_WIDTHS = {"Tracked with": 24, TRACKED_ON: 14, "Findings": 50, RISK: 14, "Action required": 40}
SAMPLE_SHEET = "Sample"
HOW = (
    "Every eligible record gets a score, the SHA-256 hash of the seed, the category and the "
    "record's values; records are taken in score order, first one per child not yet in the sample, "
    "so the same seed and the same records give the same cases whatever the order of rows or files."
)
_SEP = "\x1f"  # ASCII unit separator: not found in real cell text, so fields cannot run together


@dataclass(frozen=True)
class Category:
    key: str                   # the config key ([sample.counts])
    stage: str
    label: str
    list_key: str              # ListSpec.key of the list drawn from
    default: int
    column: str | None = None  # eligibility: rows whose `column` is one of `values`; None = all rows
    values: tuple[str, ...] = ()

    def eligible(self, frame: pd.DataFrame) -> np.ndarray:
        if self.column is None:
            return np.ones(len(frame), dtype=bool)
        return frame[self.column].isin(self.values).to_numpy(dtype=bool)

    @property
    def rule(self) -> str:
        if self.column is None:
            return "every row"
        return f"{self.column} is " + " or ".join(f'"{v}"' for v in self.values)


CATEGORIES: tuple[Category, ...] = (
    Category("early_help", PRE_SELECTED, "Early help", "6", 3),
    Category("child_in_need", PRE_SELECTED, "Child in need", "4", 1),
    Category("child_protection", PRE_SELECTED, "Child protection", "5", 1),
    Category("contacts_no_referral", DAY_ONE, "Contact that did not lead to a referral", "1a", 2,
             "Contact Outcome", ("No referral",)),
    Category("referrals_nfa", DAY_ONE, "Referral with no further action", "1b", 2, "Referral NFA?", (YES,)),
    Category("assessments_nfa", DAY_ONE, "Assessment ending in NFA or other-agency action", "3", 2,
             "Assessment Outcome", tuple(OUTCOME_WORDS[k] for k in ("nfa", "other_agency"))),
    Category("strategy_s47", DAY_ONE, "Strategy discussion / s47 enquiry", "2", 2),
)


@dataclass
class Sample:
    seed: int
    cases: pd.DataFrame   # Case, Stage, Category, Child Unique ID, Key date, List, Details, Note
    tally: pd.DataFrame   # per category (index: key): Category, Stage, List, Eligible records,
                          # Eligible children, Wanted, Drawn, Shortfall, Note

    @property
    def wanted(self) -> dict[str, int]:
        return self.tally["Wanted"].to_dict()

    @property
    def drawn(self) -> dict[str, int]:
        return self.tally["Drawn"].to_dict()

    @property
    def shortfall(self) -> dict[str, int]:
        return self.tally["Shortfall"].to_dict()


def new_seed() -> int:
    """A fresh seed for a draw when none is given: 1..999999, short enough to read out."""
    return secrets.randbelow(SEED_MAX) + 1


def default_name(as_of: dt.date, seed: int) -> str:
    return f"ofsted-sample_{as_of:%Y-%m-%d}_seed{seed}.xlsx"


# ---------------------------------------------------------------- the draw


def _texts(s: pd.Series) -> np.ndarray:
    """A column as stable text (object array): dates ISO, with the time only when there
    is one, so a record's text never depends on the other rows; NA as ""."""
    if pdt.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        a = s.to_numpy(dtype="datetime64[s]")
        days = a.astype("datetime64[D]")
        out = np.datetime_as_string(days).astype(object)
        missing = np.isnat(a)
        timed = ~missing & (a != days)
        out[timed] = np.datetime_as_string(a[timed])
        out[missing] = ""
        return out
    return s.astype("str").to_numpy(dtype=object, na_value="")


def canonical_text(frame: pd.DataFrame) -> np.ndarray:
    """Per row: every column in the list's column order, as text, joined by a separator."""
    if not len(frame):
        return np.full(0, "", dtype=object)
    columns = iter(frame.columns)
    out = _texts(frame[next(columns)])
    for c in columns:
        out = out + _SEP + _texts(frame[c])
    return out


def scores(seed: int, category: str, canonical: np.ndarray) -> np.ndarray:
    """The record's score: SHA-256 of seed, category and canonical text, as hex."""
    prefix = f"{seed}{_SEP}{category}{_SEP}"
    # No vectorised SHA-256 exists in pandas/numpy; a pool is at most a list's rows.
    return np.array([hashlib.sha256((prefix + t).encode("utf-8")).hexdigest() for t in canonical], dtype=object)


@dataclass
class _Pool:
    """A category's eligible records, distinct, in draw order (score, then text)."""

    pos: np.ndarray    # row positions in the list sheet
    child: np.ndarray  # Child Unique ID per record

    def __len__(self) -> int:
        return len(self.pos)


def _pool(category: Category, frame: pd.DataFrame, seed: int) -> _Pool:
    pos = np.flatnonzero(category.eligible(frame))
    text = canonical_text(frame.iloc[pos])
    order = np.lexsort((text, scores(seed, category.key, text)))
    text, pos = text[order], pos[order]
    # Identical rows are one case (they share a score, so they are neighbours): keep one.
    first = np.ones(len(pos), dtype=bool)
    first[1:] = text[1:] != text[:-1]
    pos = pos[first]
    return _Pool(pos, frame[CHILD_ID].to_numpy(dtype=object, na_value="")[pos])


def _take(pool: _Pool, want: int, sampled: set[str]) -> np.ndarray:
    """Indexes into `pool` of up to `want` records: one per child not yet sampled first,
    then (only if that runs out) further records of children already in the sample."""
    fresh = np.flatnonzero(~np.isin(pool.child, np.array(list(sampled), dtype=object)))
    _, first = np.unique(pool.child[fresh], return_index=True)
    chosen = np.sort(fresh[first])[:want]
    if len(chosen) == want:
        return chosen
    rest = np.setdiff1d(np.arange(len(pool)), chosen)  # sorted: draw order
    return np.concatenate([chosen, rest[: want - len(chosen)]])


def _details(rows: pd.DataFrame) -> np.ndarray:
    """ "Column: value; …" over the record's own columns, blanks left out."""
    out = np.full(len(rows), "", dtype=object)
    if not len(rows):
        return out
    for c in rows.columns:
        if c in CHILD_COLUMNS or c == DISABILITY_FLAG:
            continue
        s = rows[c]
        if pdt.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%d/%m/%Y")
        text = s.astype("str").to_numpy(dtype=object, na_value="")
        out = out + np.where(text != "", f"{c}: " + text + "; ", "")
    return pd.Series(out, dtype="str").str.removesuffix("; ").to_numpy(dtype=object)


def draw(run: Run, seed: int, counts: Mapping[str, int] | None = None) -> Sample:
    """Draw the sample from `run.lists`; `counts` (category key -> n) override the defaults."""
    counts = dict(counts or {})
    unknown = set(counts) - {cat.key for cat in CATEGORIES}
    if unknown:
        raise ValueError(f"unknown sample categories: {', '.join(sorted(unknown))}")
    if any(n < 0 for n in counts.values()):
        raise ValueError("sample counts cannot be negative")
    by_key = {r.spec.key: r for r in run.lists}
    sampled: set[str] = set()
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("Stage", "Category", CHILD_ID, "Key date", "List", "Details")}
    tally = []
    for cat in CATEGORIES:
        result = by_key[cat.list_key]
        frame = result.frame
        want = counts.get(cat.key, cat.default)
        pool = _pool(cat, frame, seed)
        taken = pool.pos[_take(pool, want, sampled)]
        keys = result.key_dates if result.key_dates is not None else frame[result.spec.key_date]
        child = frame[CHILD_ID].to_numpy(dtype=object, na_value="")[taken]
        sampled.update(child)
        n = len(taken)
        parts["Stage"].append(np.full(n, cat.stage, dtype=object))
        parts["Category"].append(np.full(n, cat.label, dtype=object))
        parts[CHILD_ID].append(child)
        parts["Key date"].append(keys.to_numpy(dtype="datetime64[ns]")[taken])
        parts["List"].append(np.full(n, result.spec.sheet, dtype=object))
        parts["Details"].append(_details(frame.iloc[taken]))
        note = not_produced(result) if not result.produced else ("no eligible record" if len(pool) == 0 else "")
        tally.append({
            "key": cat.key, "Category": cat.label, "Stage": cat.stage, "List": result.spec.sheet,
            "Eligible": cat.rule, "Eligible records": len(pool), "Eligible children": len(np.unique(pool.child)),
            "Wanted": want, "Drawn": n, "Shortfall": want - n, "Note": note,
        })
    cases = pd.DataFrame({k: np.concatenate(v) for k, v in parts.items()})
    cases = cases.astype({"Stage": "str", "Category": "str", CHILD_ID: "str", "List": "str", "Details": "str"})
    cases.insert(0, "Case", np.arange(1, len(cases) + 1, dtype="int64"))
    first = cases.groupby(CHILD_ID)["Case"].transform("min")
    repeat = cases["Case"] != first
    cases["Note"] = ("same child as case " + first.astype("str")
                     + ": no other eligible child was left for this category").where(repeat, "").astype("str")
    return Sample(seed, cases, pd.DataFrame(tally).set_index("key"))


# ---------------------------------------------------------------- output


def sample_report(sample: Sample, run: Run) -> Report:
    """The sample workbook: Summary (seed, window, how, pools) and the Sample sheet."""
    c = sample.cases
    sheet = pd.DataFrame({
        **{k: c[k] for k in ("Case", "Stage", "Category", CHILD_ID, "Key date", "List", "Details")},
        **{k: pd.Series(pd.NaT if k == TRACKED_ON else pd.NA, index=c.index,  # a date column: date-formatted
                        dtype="datetime64[ns]" if k == TRACKED_ON else "str") for k in TRACKING},
        "Note": c["Note"].replace("", pd.NA),
    })
    about = pd.DataFrame({
        "Item": ["Seed", "As-of date", "Window", "How the draw is made", "Cases", "Tool version", "Generated"],
        "Value": [sample.seed, run.as_of, run.window.describe(), HOW, len(c), f"ofsted-lists {__version__}",
                  run.generated.strftime("%d/%m/%Y %H:%M:%S")],
    })
    t = sample.tally
    pools = pd.DataFrame({
        "Category": t["Category"], "Stage": t["Stage"], "List": t["List"], "Drawn from": t["Eligible"],
        "Pool size (records)": t["Eligible records"], "Pool (children)": t["Eligible children"],
        "Wanted": t["Wanted"], "Drawn": t["Drawn"], "Shortfall": t["Shortfall"], "Note": t["Note"],
    }).reset_index(drop=True)
    files = pd.DataFrame({
        "File": [f.name for f in run.read.files],
        "Format": [f.format for f in run.read.files],
        "Rows": [f.rows for f in run.read.files],
        "SHA-256": [f.sha256 for f in run.read.files],
    })
    return Report(
        summary=[
            Block("Ofsted inspection case sample (rehearsal)", about),
            Block("Pools and draws per category", pools),
            Block("Input files", files),
        ],
        chart=None,
        sheets=[Sheet(SAMPLE_SHEET, sheet, dropdowns={RISK: ["Y", "N"]}, widths=TRACKING_WIDTHS,
                      wrap=("Details", *TRACKING))],
    )


def terminal_columns(verbose: bool) -> tuple[str, ...]:
    return ("Case", "Category", CHILD_ID, "Key date") if verbose else ("Case", "Category", "Key date")


def terminal_rows(sample: Sample, verbose: bool) -> list[tuple[str, ...]]:
    """What the terminal shows per case; the child's identifier only with --verbose."""
    c = sample.cases
    key = c["Key date"].dt.strftime("%d/%m/%Y").fillna("")
    cols = [c["Case"].astype("str"), c["Category"]] + ([c[CHILD_ID].fillna("")] if verbose else []) + [key]
    return list(zip(*(s.tolist() for s in cols)))
