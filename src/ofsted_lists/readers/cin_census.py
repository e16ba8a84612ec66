"""The DfE CIN census XML (SPEC §3.5; annex-a-full.md §4), schemas 2017–18 to 2025–26.

`Message/Children/Child` becomes the canonical raw-text tables: `ChildIdentifiers` and
`ChildCharacteristics` → `children` and `disabilities` (undated codes); each `CINdetails`
(an episode of need) → one `referrals` row, its `Assessments` → `assessments`,
`CINPlanDates` → `cin_plans`, `Section47` → `s47` (the census holds only strategy
discussions that started an enquiry, so `S47ActualStartDate` is both dates; the ICPC date
from the `Section47`, else the episode), `ChildProtectionPlans` → `cp_plans` (the latest
review on or before the as-of date, `NumberOfPreviousCPP`). Values stay text, as a CSV
export's would (`0/1/true/false`, DfE codes): normalise parses and matches them. Team and
worker are not in the census. `_row` is the line of the record's element.

Several census files (years, in-year extracts) merge (`merge`): an episode of need
(`LAchildID` + `CINreferralDate`) and a child's details come from the file with the
latest `ReferenceDate`, the later file in folder order on a tie.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import quality
from ..quality import Findings
from . import Header, Source, _FileRead, xmlsafe
from .cms import _text_dtype

FORMAT = "CIN census XML"
COLLECTION = "CIN"

# Block element -> (the table its record goes to, element -> canonical column).
_CHILD = {"LAchildID": "child_id", "PersonBirthDate": "dob", "ExpectedPersonBirthDate": "expected_dob",
          "Sex": "gender", "GenderCurrent": "gender", "Ethnicity": "ethnicity"}
_BLOCKS = {
    "CINdetails": ("referrals", {
        "CINreferralDate": "referral_date", "ReferralSource": "referral_source", "ReferralNFA": "referral_nfa",
        "PrimaryNeedCode": "primary_need", "CINclosureDate": "closure_date", "ReasonForClosure": "closure_reason",
    }),
    "Assessments": ("assessments", {
        "AssessmentActualStartDate": "assessment_start_date", "AssessmentAuthorisationDate": "authorisation_date",
    }),
    "CINPlanDates": ("cin_plans", {"CINPlanStartDate": "cin_plan_start_date", "CINPlanEndDate": "cin_plan_end_date"}),
    "Section47": ("s47", {
        "S47ActualStartDate": "s47_start_date", "ICPCnotRequired": "icpc_not_required", "DateOfInitialCPC": "icpc_date",
    }),
    "ChildProtectionPlans": ("cp_plans", {
        "CPPstartDate": "cpp_start_date", "CPPendDate": "cpp_end_date", "InitialCategoryOfAbuse": "initial_category",
        "LatestCategoryOfAbuse": "latest_category", "NumberOfPreviousCPP": "previous_cp_plans",
    }),
}
# The tables in the order they are listed, with the columns the census fills.
COLUMNS = {
    "children": ("child_id", "dob", "expected_dob", "gender", "ethnicity"),
    "disabilities": ("child_id", "disability_code"),
    "referrals": ("child_id", "referral_date", "referral_source", "referral_nfa", "primary_need", "closure_date",
                  "closure_reason"),
    "assessments": ("child_id", "assessment_start_date", "authorisation_date"),
    "s47": ("child_id", "strategy_date", "s47_start_date", "icpc_not_required", "icpc_date"),
    "cin_plans": ("child_id", "cin_plan_start_date", "cin_plan_end_date"),
    "cp_plans": ("child_id", "cpp_start_date", "cpp_end_date", "initial_category", "latest_category",
                 "last_review_date", "previous_cp_plans"),
}
# The element each canonical column is read from, as `inspect` shows a table's headings.
_ELEMENTS = {
    "children": {v: k for k, v in _CHILD.items() if k != "GenderCurrent"} | {"gender": "Sex or GenderCurrent"},
    "disabilities": {"child_id": "LAchildID", "disability_code": "Disability"},
    **{table: {"child_id": "LAchildID", **{v: k for k, v in cols.items()}} for table, cols in _BLOCKS.values()},
}
_ELEMENTS["s47"]["strategy_date"] = "S47ActualStartDate"
_ELEMENTS["cp_plans"]["last_review_date"] = "CPPreviewDate"
# What says a CMS export holds the same record (with the child): readers.SAME_RECORD.
SAME_RECORD = {"children": None, "referrals": "referral_date", "assessments": "assessment_start_date",
               "s47": "s47_start_date", "cin_plans": "cin_plan_start_date", "cp_plans": "cpp_start_date"}
_OLD_SEX = {"0", "1", "2", "9"}  # GenderCurrent's codes, before 2024-25's Sex (M/F/U)


@dataclass
class Census:
    """What `merge` needs of one file: its ReferenceDate and each row's merge key."""

    reference: str
    keys: dict[str, list[str]] = field(default_factory=dict)


def read(src: Source) -> None:
    """Read one CIN census XML into `src`'s tables."""
    raw = src.box.pop()
    rows, reference, old_sex = _parse(src.name, raw, src.as_of)
    del raw
    census = Census(reference)
    # Every table, even with no record: the census gives it (no CP plan is a fact, not a missing export).
    for table, columns in COLUMNS.items():
        census.keys[table] = [r.pop("_key") for r in rows[table]]
        src.take(table, "", lambda: _frame(src, table, columns, rows[table]))
    src.got.info.format = FORMAT
    src.got.merge = census
    for line, child in old_sex:
        src.got.findings.add_one(
            quality.OLD_CODE, "Sex holds a GenderCurrent code (1/2/0/9, the schema before 2024-25); read as that code",
            file=src.name, row=line, column="Sex", child_id=child)


def _frame(src: Source, table: str, columns: tuple[str, ...], rows: list[dict]) -> pd.DataFrame:
    elements = _ELEMENTS[table]
    header = Header("", table, 0, [elements[c] for c in columns], dict(enumerate(columns)), file=src.name,
                    mapped=False)
    src.got.info.headers.append(header)
    body = pa.table({c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in columns})
    frame = body.to_pandas(types_mapper=_text_dtype)
    frame["_row"] = np.array([r["_row"] for r in rows], dtype=np.int64)
    frame.insert(0, "_sheet", "")
    frame.insert(0, "_file", src.name)
    return frame


def _parse(name: str, raw: bytes, as_of: dt.date | None) -> tuple[dict[str, list[dict]], str, list]:
    """(rows per table, the ReferenceDate, (line, child) of each old code under `Sex`)."""
    rows: dict[str, list[dict]] = {t: [] for t in COLUMNS}
    path: list[str] = []
    line = [0]
    reference = [""]
    old_sex: list[tuple[int, str]] = []
    child: dict = {}           # the child's own fields, while in a Child
    pending: list[tuple[str, dict]] = []  # the child's other records, given its id at the end
    episode: dict = {}         # the CINdetails being read
    block: list[dict] = []     # the record of the block being read (Assessments, Section47, ...)
    reviews: list[str] = []
    sex_line = [0]

    def start(tag: str) -> None:
        path.append(tag)
        if tag == "Child":
            child.clear()
            child["_row"] = line[0]
            pending.clear()
        elif tag in _BLOCKS and "Child" in path:
            record = {"_row": line[0]}
            if tag == "CINdetails":
                episode.clear()
                episode.update(record=record, s47=[], icpc=None)
                pending.append(("referrals", record))
            else:
                block.append(record)
                reviews.clear()

    def end(tag: str, text: str) -> None:
        path.pop()
        value = text or None
        parent = path[-1] if path else ""
        if tag == "ReferenceDate" and parent == "CollectionDetails":
            reference[0] = text
        elif tag in _CHILD and parent in ("ChildIdentifiers", "ChildCharacteristics"):
            child[_CHILD[tag]] = value
            if tag == "Sex":
                sex_line[0] = line[0]
        elif tag == "Disability" and parent == "Disabilities":
            pending.append(("disabilities", {"_row": line[0], "disability_code": value}))
        elif tag == "CPPreviewDate" and parent == "Reviews":
            if value:
                reviews.append(value)
        elif tag == "DateOfInitialCPC" and parent == "CINdetails":
            episode["icpc"] = value
        elif tag in _BLOCKS and "Child" in path:
            table = _BLOCKS[tag][0]
            if tag == "CINdetails":
                _close_episode(episode)
            else:
                record = block.pop()
                if tag == "Section47":
                    record["strategy_date"] = record.get("s47_start_date")
                    episode.setdefault("s47", []).append(record)
                elif tag == "ChildProtectionPlans":
                    record["last_review_date"] = _latest(reviews, as_of)
                record["_episode"] = episode.get("record")
                pending.append((table, record))
        elif tag == "Child":
            _close_child()
        elif block and parent in _BLOCKS and tag in _BLOCKS[parent][1]:
            block[-1][_BLOCKS[parent][1][tag]] = value
        elif parent == "CINdetails" and tag in _BLOCKS["CINdetails"][1] and episode:
            episode["record"][_BLOCKS["CINdetails"][1][tag]] = value

    def _close_child() -> None:
        child_id = child.get("child_id")
        gender = child.get("gender")
        if gender in _OLD_SEX and sex_line[0]:
            old_sex.append((sex_line[0], child_id or ""))
        sex_line[0] = 0
        rows["children"].append({**child, "_key": child_id})
        for table, record in pending:
            record["child_id"] = child_id
            if table == "disabilities":
                key = child_id
            else:
                date = (record if table == "referrals" else record.pop("_episode") or {}).get("referral_date")
                key = f"{child_id}\x00{date}" if child_id and date else None  # None: merged with nothing
            record["_key"] = key
            rows[table].append(record)
        pending.clear()

    xmlsafe.parse(name, raw, start, end, line=line)
    return rows, reference[0], old_sex


def _close_episode(episode: dict) -> None:
    """An ICPC date recorded at the episode level goes to its latest enquiry that has none
    (a census records it at one level only)."""
    icpc = episode.get("icpc")
    if icpc:
        without = [s for s in episode.get("s47", []) if not s.get("icpc_date")]
        if without:
            max(without, key=lambda s: s.get("s47_start_date") or "")["icpc_date"] = icpc


def _latest(reviews: list[str], as_of: dt.date | None) -> str | None:
    """The latest review date on or before `as_of` (any, without one). A date that is not
    `YYYY-MM-DD` is kept only when no review is, so normalise reports it."""
    dated = []
    for r in reviews:
        try:
            dated.append((dt.date.fromisoformat(r), r))
        except ValueError:
            continue
    if not dated:
        return reviews[-1] if reviews else None
    usable = [d for d in dated if as_of is None or d[0] <= as_of]
    return max(usable)[1] if usable else None


def merge(reads: list[_FileRead], findings: Findings) -> None:
    """Keep each record from the census file with the latest ReferenceDate that has it
    (the later file in folder order on a tie): the same episode in two years' files, or in
    a census and an in-year extract, is one episode."""
    rank = {id(got): (got.merge.reference, i) for i, got in enumerate(reads)}
    for table in COLUMNS:
        best: dict[str, tuple] = {}
        for got in reads:
            for key in got.merge.keys.get(table, ()):
                if key is not None and (key not in best or rank[id(got)] > best[key]):
                    best[key] = rank[id(got)]
        for got in reads:
            keys = got.merge.keys.get(table)
            if keys is None:
                continue
            keep = np.array([k is None or best[k] == rank[id(got)] for k in keys], dtype=bool)
            if not keep.all():
                got.found[:] = [(t, f[keep].reset_index(drop=True) if t == table else f) for t, f in got.found]
