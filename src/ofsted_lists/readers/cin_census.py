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

A census of 16 MB or more is read in two parts at once (`xml_parts`): this process reads
its first 54 %, a second interpreter the rest; the tables, lines and findings are those
of the whole read, which is what is done whenever the cut or the second process fails.

Several census files (years, in-year extracts) merge (`merge`): an episode of need
(`LAchildID` + `CINreferralDate`) and a child's details come from the file with the
latest `ReferenceDate`, the later file in folder order on a tie.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import InputError
from . import xml_parts, xmlsafe

# The second process of a large census imports this module, and only what its parse needs
# (`xml_parts`): pandas and the readers package's own records are imported where used.
if TYPE_CHECKING:
    import pandas as pd

    from ..quality import Findings
    from . import Source, _FileRead

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
# Children read before their records are made into Arrow columns (see `_parse`).
CHUNK = 4096
_OLD_SEX = {"0", "1", "2", "9"}  # GenderCurrent's codes, before 2024-25's Sex (M/F/U)


@dataclass
class Census:
    """What `merge` needs of one file: its ReferenceDate and, for each table, the child
    of each row (and the referral dates, and each block's episode), from which `keys`
    works out each row's merge key when there are files to merge."""

    reference: str
    parts: dict[str, tuple[pa.Array, np.ndarray | None]] = field(default_factory=dict)
    referral_dates: pa.Array | None = None

    @property
    def keys(self) -> dict[str, pd.Series]:
        return _keys(self.parts, self.referral_dates)


class _LocalNames(dict):
    """Element tag -> its local name, each tag worked out once (a census repeats a few
    dozen tags millions of times)."""

    def __missing__(self, tag: str) -> str:
        self[tag] = name = xmlsafe.local(tag)
        return name


# Each record is a list: the table's COLUMNS, then its line, then (blocks of an episode)
# the episode's place in `referrals`. The slot of each element's value:
_SLOT = {table: {c: i for i, c in enumerate(columns)} for table, columns in COLUMNS.items()}
_CHILD_SLOT = {tag: _SLOT["children"][column] for tag, column in _CHILD.items()}
_BLOCK_SLOT = {kind: (table, {tag: _SLOT[table][c] for tag, c in columns.items()})
               for kind, (table, columns) in _BLOCKS.items()}


def read(src: Source) -> None:
    """Read one CIN census XML into `src`'s tables."""
    from .. import quality

    raw = src.box.pop()
    with xmlsafe.no_gc():
        bodies, reference, old_sex = _in_two(src.name, raw, src.as_of) or _parse(src.name, raw, src.as_of)
        del raw
    census = Census(reference, {table: (body.column("child_id"), episodes)
                                for table, (body, _, episodes) in bodies.items()},
                    bodies["referrals"][0].column("referral_date"))
    # Every table, even with no record: the census gives it (no CP plan is a fact, not a missing export).
    for table in COLUMNS:
        src.take(table, "", lambda: _frame(src, table, *bodies[table]))
    src.got.info.format = FORMAT
    src.got.merge = census
    for line, child in old_sex:
        src.got.findings.add_one(
            quality.OLD_CODE, "Sex holds a GenderCurrent code (1/2/0/9, the schema before 2024-25); read as that code",
            file=src.name, row=line, column="Sex", child_id=child)


def _in_two(name: str, raw: bytes, as_of: dt.date | None) -> tuple[dict, str, list] | None:
    """`_parse` of a large census, its second half read by a second interpreter at the
    same time (`xml_parts`); None when it is not cut, or either part fails (then read it
    whole, which says why)."""
    xmlsafe.check_prolog(name, raw)
    where = xml_parts.cut(raw, ("Message", "Children"), "Child")
    if where is None:
        return None
    try:
        second = xml_parts.SecondPart(raw, where, "cin_census", [as_of.isoformat() if as_of else "", str(where.lines)])
    except OSError:  # no second process to be had: one is enough
        return None
    try:
        try:
            bodies, reference, old_sex = _parse(name, xml_parts.FirstPart(raw, where), as_of)
        except InputError:
            return None
        theirs = second.tables()
    finally:
        second.close()
    if theirs is None:
        return None
    done = len(bodies["referrals"][1])  # their episodes' places in `referrals` come after these
    for table, (body, lines, episodes) in bodies.items():
        other = theirs[table]
        bodies[table] = (pa.concat_tables([body, other.select(list(COLUMNS[table]))]),
                         np.concatenate([lines, other.column("_line").to_numpy()]),
                         None if episodes is None else
                         np.concatenate([episodes, other.column("_episode").to_numpy() + done]))
    more = theirs["_old_sex"]
    return bodies, reference, old_sex + list(zip(more.column("line").to_pylist(), more.column("child").to_pylist()))


def part(stream, as_of: str, lines: str) -> Iterator[tuple[str, pa.Table]]:
    """The tables of the second part of a census (`xml_parts` worker), one at a time as
    each is made: each `_body` with its lines (the file's) and episodes as columns, then
    the old `Sex` codes."""
    with xmlsafe.no_gc():
        bodies, _, old_sex = _parse("", stream, dt.date.fromisoformat(as_of) if as_of else None)
    offset = int(lines)
    for table in COLUMNS:
        body, at, episodes = bodies.pop(table)
        body = body.append_column("_line", pa.array(at + offset, pa.int64()))
        yield table, body if episodes is None else body.append_column("_episode", pa.array(episodes, pa.int64()))
    yield "_old_sex", pa.table({"line": pa.array([line + offset for line, _ in old_sex], pa.int64()),
                                "child": pa.array([child for _, child in old_sex], pa.string())})


def _body(table: str, rows: list[list]) -> tuple[pa.Table, np.ndarray, np.ndarray | None]:
    """(the table's text, stripped, blanks as nulls; each row's line; each row's episode
    in `referrals`, for the blocks of an episode). A value longer than TEXT_CAP: Refused."""
    columns = COLUMNS[table]
    width = len(columns)
    slots = list(zip(*rows)) if rows else [()] * (width + 2)
    arrays = {column: xmlsafe.text_column(values) for column, values in zip(columns, slots)}
    lines = np.array(slots[width], dtype=np.int64)
    episodes = np.array(slots[width + 1], dtype=np.int64) if table not in ("children", "disabilities", "referrals") \
        else None
    return pa.table(arrays), lines, episodes


def _joined(chunks: list[tuple[pa.Table, np.ndarray, np.ndarray | None]]) -> tuple[pa.Table, np.ndarray,
                                                                               np.ndarray | None]:
    """One `_body` of a table's chunks, in order (the table's chunks stay Arrow chunks)."""
    if len(chunks) == 1:
        return chunks[0]
    tables, lines, episodes = zip(*chunks)
    return (pa.concat_tables(tables), np.concatenate(lines),
            None if episodes[0] is None else np.concatenate(episodes))


def _keys(parts: dict, referral_dates: pa.Array) -> dict[str, pd.Series]:
    """Each row's merge key: the child (children, disabilities), else the child and the
    episode's referral date; NA where either is blank (merged with nothing)."""
    import pandas as pd

    def text(column: pa.Array) -> pd.Series:
        return column.to_pandas().astype(object)

    child = {table: text(column) for table, (column, _) in parts.items()}
    episode = child["referrals"] + "\x00" + text(referral_dates)
    keys = {"children": child["children"], "disabilities": child["disabilities"], "referrals": episode}
    for table, (_, episodes) in parts.items():
        if table not in keys:
            keys[table] = pd.Series(episode.to_numpy()[episodes] if len(episode) else [], dtype=object)
    return keys


def _frame(src: Source, table: str, body: pa.Table, lines: np.ndarray, _episodes: object) -> pd.DataFrame:
    from . import Header

    columns = COLUMNS[table]
    elements = _ELEMENTS[table]
    src.got.info.headers.append(Header("", table, 0, [elements[c] for c in columns], dict(enumerate(columns)),
                                       file=src.name, mapped=False))
    return xmlsafe.frame(body, lines, src.name)


def _parse(name: str, raw: bytes | io.RawIOBase, as_of: dt.date | None) -> tuple[dict[str, tuple], str, list]:
    """(each table's `_body`, the ReferenceDate, (line, child) of each old code under `Sex`)
    of a document or of one part of it.

    Each `Child` is read as a whole, by the census's structure: its identifiers and
    characteristics, then each `CINdetails` with the blocks inside it. Values are as the
    file has them; `_body` strips them. Every CHUNK children, the records made so far
    become Arrow columns: held as Python lists, a census's records take several times
    the memory."""
    rows: dict[str, list[list]] = {t: [] for t in COLUMNS}
    chunks: dict[str, list[tuple]] = {t: [] for t in COLUMNS}
    before = [0]  # the episodes (referrals) already made into chunks
    width = {t: len(c) for t, c in COLUMNS.items()}
    reference = [""]
    old_sex: list[tuple[int, str]] = []
    names = _LocalNames()
    referrals = rows["referrals"]
    review_slot = _SLOT["cp_plans"]["last_review_date"]
    icpc_slot, start_slot = _SLOT["s47"]["icpc_date"], _SLOT["s47"]["s47_start_date"]
    strategy_slot = _SLOT["s47"]["strategy_date"]

    gender = _SLOT["children"]["gender"]
    child_slots = {tag: slot for tag, slot in _CHILD_SLOT.items() if tag != "Sex"}  # Sex: its line is kept
    episode_items = ("DateOfInitialCPC", *(k for k in _BLOCK_SLOT if k != "CINdetails"))

    def fill(into: list, element, slots: dict, wanted: tuple[str, ...]) -> list:
        """Each item of `element` named in `slots` put in its slot; (tag, item) of those in `wanted`."""
        found = []
        for item in element:
            tag = names[item.tag]
            slot = slots.get(tag)
            if slot is not None:
                into[slot] = item.text or ""
            elif tag in wanted:
                found.append((tag, item))
        return found

    def record(element) -> None:
        if names[element.tag] == "ReferenceDate":
            parent = element.getparent()
            if parent is not None and names[parent.tag] == "CollectionDetails":
                reference[0] = xmlsafe.text(element) or ""
            return
        child = [""] * width["children"] + [element.sourceline]
        # A child's records carry its LAchildID, which the schema puts first; records made
        # before it (a file out of order) are given it at the end, from `first` on.
        first = None
        sex_line = 0
        for part in element:
            kind = names[part.tag]
            if not child[0] and first is None and kind != "ChildIdentifiers":
                first = {t: len(r) for t, r in rows.items()}
            if kind == "ChildIdentifiers" or kind == "ChildCharacteristics":
                for tag, item in fill(child, part, child_slots, ("Sex", "Disabilities")):
                    if tag == "Sex":
                        child[gender], sex_line = item.text or "", item.sourceline
                    else:
                        rows["disabilities"].extend([child[0], d.text or "", d.sourceline]
                                                    for d in item if names[d.tag] == "Disability")
            elif kind == "CINdetails":
                episode(part, child[0])
        child_id = child[0]
        rows["children"].append(child)
        if first is not None and child_id:
            for table, records in rows.items():
                for at in range(first[table], len(records)):
                    records[at][0] = child_id
        if sex_line and child[gender].strip() in _OLD_SEX:
            old_sex.append((sex_line, child_id.strip()))
        if len(rows["children"]) >= CHUNK:
            flush()

    def flush() -> None:
        before[0] += len(referrals)
        for table, records in rows.items():
            chunks[table].append(_body(table, records))
            records.clear()

    def episode(details, child_id: str) -> None:
        referral = [child_id] + [""] * (width["referrals"] - 1) + [details.sourceline]
        place = before[0] + len(referrals)
        referrals.append(referral)
        icpc, enquiries = None, []
        for kind, part in fill(referral, details, _BLOCK_SLOT["CINdetails"][1], episode_items):
            if kind == "DateOfInitialCPC":
                icpc = part.text
                continue
            table, slots = _BLOCK_SLOT[kind]
            found = [child_id] + [""] * (width[table] - 1) + [part.sourceline, place]
            reviews = [r.text for _, item in fill(found, part, slots, ("Reviews",))
                       for r in item if names[r.tag] == "CPPreviewDate"]
            if kind == "Section47":
                found[strategy_slot] = found[start_slot]
                enquiries.append(found)
            elif kind == "ChildProtectionPlans":
                found[review_slot] = _latest(reviews, as_of) or ""
            rows[table].append(found)
        if icpc and icpc.strip():
            _close_episode(icpc, enquiries, icpc_slot, start_slot)

    xmlsafe.records(name, raw, ("ReferenceDate", "Child"), record)
    try:
        flush()
    except xmlsafe.Refused as why:
        raise InputError(f"{name} is not read: {why}") from None
    return {table: _joined(made) for table, made in chunks.items()}, reference[0], old_sex


def _close_episode(icpc: str, enquiries: list[list], icpc_slot: int, start_slot: int) -> None:
    """An ICPC date recorded at the episode level goes to its latest enquiry that has none
    (a census records it at one level only)."""
    without = [s for s in enquiries if not (s[icpc_slot] or "").strip()]
    if without:
        max(without, key=lambda s: (s[start_slot] or "").strip())[icpc_slot] = icpc


def _latest(reviews: list[str | None], as_of: dt.date | None) -> str | None:
    """The latest review date on or before `as_of` (any, without one). A date that is not
    `YYYY-MM-DD` is kept only when no review is, so normalise reports it."""
    reviews = [r.strip() for r in reviews if r and r.strip()]
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


def merge(reads: list[_FileRead], findings: Findings, as_of: dt.date | None = None) -> None:
    """Keep each record from the census file with the latest ReferenceDate that has it
    (the later file in folder order on a tie): the same episode in two years' files, or in
    a census and an in-year extract, is one episode."""
    if len(reads) < 2:
        return
    import pandas as pd

    order = sorted(range(len(reads)), key=lambda i: (reads[i].merge.reference, i))
    rank = {id(reads[i]): r for r, i in enumerate(order)}
    every_key = [(got, got.merge.keys) for got in reads]
    for table in COLUMNS:
        keyed = [(got, keys[table]) for got, keys in every_key if table in keys]
        every = pd.concat([pd.DataFrame({"key": keys.to_numpy(dtype=object), "rank": rank[id(got)]})
                           for got, keys in keyed], ignore_index=True).dropna(subset=["key"])
        best = every.groupby("key", sort=False)["rank"].max()
        for got, keys in keyed:
            keep = (keys.isna() | (keys.map(best) == rank[id(got)])).to_numpy(dtype=bool)
            if not keep.all():
                got.found[:] = [(t, f[keep].reset_index(drop=True) if t == table else f) for t, f in got.found]
