"""Where an Annex A workbook is read (SPEC §3.5): Ofsted's template (`List_1` … `List_11`,
a title row above the header row), a regional variant (`List 1` …), or any sheet whose
headings match a list, each list's rows turned into the canonical tables.

A sheet is a list by its name (`numbered`) or by its headings (every heading Annex A
requires a value under, child columns included); its header row is found among the first
rows. What each list fills (annex_a_lists.py declares every heading):

- Lists 1-5 -> contacts, early_help, referrals, assessments, s47 (List 5's date is both
  the strategy discussion and the enquiry's start, as the CIN census gives them);
- List 6 -> the episode of need, a `referrals` row (CIN Start Date = its referral date,
  closure date and reason, case status); a List 6 row with the date of a List 3 referral of
  the same child is that referral, completed; an episode whose case status is
  `c) Child in need plan` -> a `cin_plans` row from the episode's start to its closure
  (the workbook gives no plan dates); `Date Child Was Last Seen` -> a `visits` row;
- List 7 -> cp_plans (with end date and the EPO flag), the last statutory visit -> a CP
  `visits` row with its seen-alone answer;
- List 8 -> the current placement as a 903-style `episodes` row, the period's start and
  the given counts beside it; List 9 -> care_leavers; List 10 -> placed_for_adoption
  (the decision, its reversal, the match); List 11 -> adopters;
- the disability flag of Lists 4-10 -> `disabilities` records (`a) Yes` = disabled,
  `b) No` = a record, `c) Unknown` or blank = none); gender, ethnicity and date of birth
  ride on each list's rows (the "latest event row" rule of SPEC §3).

Checked here, as `validate` reports them (at sheet, row and column): a code not in
Ofsted's lists, a blank where Annex A allows none, and the dates and counts under
headings no table takes (the others are checked by `normalise` like any export's). A
history-dependent value (12-month counts, previous plans, case status) is passed on as
given; a bad one reads blank and is then derived by its list.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyarrow as pa

from .. import quality, values
from ..schema import TABLES, all_columns, norm
from . import Header, Source
from .annex_a_lists import (
    COUNT, DATE, DENTAL, FLAG, HEALTH, ID, IRO_VISIT, PLAN, REVIEW, SEEN, SEEN_ALONE, SW_VISIT, TEMPLATE_SHEETS, TEXT,
    UASC, VISIT, AnnexList, Heading, LISTS, is_code, numbered,
)
from .cms import HEADER_SCAN_ROWS, _frame_for, _heading, _report_unused, map_headings

FORMAT = "Annex A workbook"
# An LA's Annex A is made from its case records: a record a CMS export also holds (the same
# child and key date) is listed once, the CMS export's values first (readers.SAME_RECORD).
SAME_RECORD = {"contacts": "contact_date", "referrals": "referral_date", "assessments": "assessment_start_date",
               "s47": "s47_start_date", "cin_plans": "cin_plan_start_date", "cp_plans": "cpp_start_date",
               "early_help": "eh_start_date"}
CIN_PLAN = "c) Child in need plan"
# List 8's cells that are another record of the child: marker -> (table, the column the
# cell fills, the record's other columns). A record with no date (a plan) is current.
_RECORDS = {
    REVIEW: ("reviews", "review", {}),
    SW_VISIT: ("visits", "visit_date", {"visit_type": "cla", "statutory": "yes"}),
    IRO_VISIT: ("visits", "visit_date", {"visit_type": "iro"}),
    HEALTH: ("health_checks", "check_date", {"check_type": "health", "status": "completed"}),
    DENTAL: ("health_checks", "check_date", {"check_type": "dental", "status": "completed"}),
    PLAN: ("permanence_plans", "plan", {}),
}
# Headings whose cells `normalise` types in another table than the list's own.
_OTHER_RECORD = (SEEN, VISIT, *_RECORDS)
_YES = "a) Yes"
# Excel's error values: a formula that failed, never a recorded value.
_EXCEL_ERROR = re.compile(r"#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!)")
# The 903 code of an Annex A label: "E1" of "E1: Placement order", "U6" of "f) U6: Foster placement".
_LETTER = re.compile(r"^[a-z]{1,2}\d?\)\s*", re.IGNORECASE)
_903_CODE = re.compile(r"^([A-Za-z0-9]+)\s*(?::|-|$)")


def _rows(body: pa.Table) -> list[list[object]]:
    return [list(r) for r in zip(*(c.to_pylist() for c in body.slice(0, HEADER_SCAN_ROWS).columns))]


def _matched(row: list[object], annex: AnnexList) -> dict[int, Heading]:
    """Position -> the list's heading it is (each heading at most once, the leftmost)."""
    out: dict[int, Heading] = {}
    for i, cell in enumerate(row):
        if cell is None:
            continue
        key = norm(cell)
        h = next((h for h in annex.headings if key in h.keys and h not in out.values()), None)
        if h is not None:
            out[i] = h
    return out


def _fits(found: dict[int, Heading], annex: AnnexList) -> bool:
    """A header row of the list by its headings alone: every heading Annex A needs a value
    under, and at least two of the list's own."""
    have = set(found.values())
    return all(h in have for h in annex.headings if h.required) and len(have & set(annex.own())) >= 2


def recognise(sheet: str, body: pa.Table) -> tuple[AnnexList, int, dict[int, Heading]] | None:
    """(the list, its header row's index, position -> heading) when the sheet is a list."""
    if body.num_rows == 0 or body.num_columns == 0:
        return None
    rows = _rows(body)
    named = numbered(sheet)
    best = None
    for i, row in enumerate(rows):
        for annex in ([named] if named else LISTS):
            found = _matched(row, annex)
            ok = (len(found) >= 2 and annex.headings[0] in found.values()) if named else _fits(found, annex)
            if ok and (best is None or len(found) > len(best[2])):
                best = (annex, i, found)
    return best


def read(src: Source, sheets: list[tuple[str, pa.Table]]) -> list[tuple[str, pa.Table]]:
    """The package's workbook hook: read the sheets that are Annex A lists into `src`, and
    hand back the others (Ofsted's guidance sheets are dropped quietly)."""
    lists = [(name, body, hit) for name, body in sheets if (hit := recognise(name, body))]
    if not lists:
        return sheets
    src.got.info.format = FORMAT
    taken = {name for name, _, _ in lists}
    parts: list[tuple[str, str, Header, pd.DataFrame]] = []
    for name, body, (annex, header_idx, found) in lists:
        parts.extend(_read_list(src, name, body, annex, header_idx, found))
    _one_referral(parts, {name: annex.number for name, _, (annex, _, _) in lists}, src.as_of or dt.date.today())
    parts = _flags_once(parts)
    headers = src.got.info.headers
    for table, sheet, header, frame in parts:
        def read_part(header=header, frame=frame) -> pd.DataFrame:
            headers.append(header)
            return frame
        src.take(table, sheet, read_part)
    return [(n, b) for n, b in sheets if n not in taken and norm(n) not in TEMPLATE_SHEETS]


def _read_list(src: Source, sheet: str, body: pa.Table, annex: AnnexList, header_idx: int,
               found: dict[int, Heading]) -> list[tuple[str, str, Header, pd.DataFrame]]:
    """The tables one list sheet gives: (table, sheet, header, frame) each."""
    findings = src.got.findings
    headings = [_heading(h) for h in _rows(body)[header_idx]]
    table = TABLES[annex.table]
    # Headings the list does not have, but the table knows (a regional variant's extras).
    rest = [h if i not in found else None for i, h in enumerate(headings)]
    extra = map_headings(rest, table, src.config.table(table.name))
    extra = {i: c for i, c in extra.items() if c not in {h.column for h in found.values()}}
    keys = {i: f"_{i}" for i in (*found, *extra)}
    cells = _frame_for(body.slice(header_idx + 1), keys, header_idx + 2, src.name, sheet)
    cells = cells.rename(columns={f"_{i}": f"h{i}" for i in keys})
    where = {h: f"h{i}" for i, h in found.items()}
    # The record's child, for the findings (an adopter is no child).
    cells["child_id"] = cells[where[annex.headings[0]]] if annex.table != "adopters" else pd.NA
    _report_unused(headings, {**{i: "" for i in found}, **extra}, src.name, sheet, header_idx + 1, findings)
    columns = {c.name for c in all_columns(table)}  # with the child details where the table takes them
    # The cells `normalise` types (and so checks) in a table: the list's own, and its visits.
    typed = {h for h in found.values() if h.column in columns or h.column in _OTHER_RECORD
             or (annex.number in _HEADER_LISTS and h.column in _HEADER)}
    _check(cells, where, headings, found, typed, src, findings)

    def header(tbl: str, mapping: dict[int, str]) -> Header:
        return Header(sheet, tbl, header_idx + 1, list(headings), mapping, file=src.name, mapped=False)

    own = {i: h.column for i, h in found.items() if h.column in columns}
    own.update(extra)
    main = _frame(cells, {c: f"h{i}" for i, c in own.items()})
    main_header = header(annex.table, own)
    if annex.number == 5 and "s47_start_date" in main:  # the strategy discussion that started the enquiry
        main["strategy_date"] = main["s47_start_date"]
        start = next(i for i, c in own.items() if c == "s47_start_date")
        main_header.headings.append(headings[start])  # one heading, two columns (as the CIN census reader does)
        main_header.mapping[len(headings)] = "strategy_date"
    if annex.number == 8:
        for code in ("cin", "ls", "place", "place_provider", "rec"):
            if code in main:
                main[code] = main[code].map(_code_903, na_action="ignore").astype("str")
        if {"decom", "period_start"} <= set(main.columns):  # a placement from the period's first day starts it
            main["rne"] = pd.Series("S", index=main.index, dtype="str").where(main["decom"] == main["period_start"])
    out = [(annex.table, sheet, main_header, main)]
    pos = {h: i for i, h in found.items()}
    by_column = {h.column: h for h in found.values()}
    child_pos = pos[annex.headings[0]]
    if FLAG in by_column:
        flag = by_column[FLAG]
        d = _frame(cells, {"child_id": where[annex.headings[0]], "disability_code": where[flag]})
        d = d[d["disability_code"].notna().to_numpy()]
        out.append(("disabilities", sheet, header("disabilities", {child_pos: "child_id", pos[flag]: "disability_code"}),
                    d.reset_index(drop=True)))
    if annex.number == 6:
        out.extend(_list6(sheet, cells, where, by_column, header, child_pos, pos))
    if annex.number in (8, 9):
        out.extend(_other_records(sheet, cells, where[annex.headings[0]], by_column, header, child_pos, pos))
    if annex.number in _HEADER_LISTS:
        out.extend(_details(sheet, cells, where[annex.headings[0]], by_column, header, child_pos, pos))
    if annex.number == 7 and VISIT in by_column:
        v = _frame(cells, {"child_id": where[annex.headings[0]], "visit_date": where[by_column[VISIT]],
                           **({"seen_alone": where[by_column[SEEN_ALONE]]} if SEEN_ALONE in by_column else {})})
        v = v[v["visit_date"].notna().to_numpy()].assign(visit_type="cp", statutory="yes")
        mapping = {child_pos: "child_id", pos[by_column[VISIT]]: "visit_date"}
        if SEEN_ALONE in by_column:
            mapping[pos[by_column[SEEN_ALONE]]] = "seen_alone"
        out.append(("visits", sheet, header("visits", mapping), v.reset_index(drop=True)))
    return out


def _frame(cells: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A table's frame: canonical column -> the sheet's column, with the row's provenance."""
    out = cells[["_file", "_sheet"]].copy()
    for canonical, source in columns.items():
        out[canonical] = cells[source]
    out["_row"] = cells["_row"]
    return out


def _list6(sheet, cells, where, by_column, header, child_pos, pos):
    """List 6's other records: the child's last visit seen, and the CIN plan of an episode
    whose case status is `c) Child in need plan`."""
    out = []
    child = where[by_column["child_id"]]
    if SEEN in by_column:
        v = _frame(cells, {"child_id": child, "visit_date": where[by_column[SEEN]]})
        v = v[v["visit_date"].notna().to_numpy()].assign(child_seen="yes")
        out.append(("visits", sheet, header(
            "visits", {child_pos: "child_id", pos[by_column[SEEN]]: "visit_date"}), v.reset_index(drop=True)))
    if "case_status" in by_column and "referral_date" in by_column:
        # The plan lasts as long as its episode: open at the as-of date when the episode is.
        columns = {"child_id": child, "cin_plan_start_date": where[by_column["referral_date"]]}
        columns.update({c: where[by_column[c]] for c in ("team", "worker") if c in by_column})
        if "closure_date" in by_column:
            columns["cin_plan_end_date"] = where[by_column["closure_date"]]
        p = _frame(cells, columns)
        status = cells[where[by_column["case_status"]]].map(norm, na_action="ignore")
        p = p[(status == norm(CIN_PLAN)).to_numpy(dtype=bool)]
        mapping = {child_pos: "child_id", pos[by_column["referral_date"]]: "cin_plan_start_date"}
        if "closure_date" in by_column:
            mapping[pos[by_column["closure_date"]]] = "cin_plan_end_date"
        out.append(("cin_plans", sheet, header("cin_plans", mapping), p.reset_index(drop=True)))
    return out


def _other_records(sheet, cells, child, by_column, header, child_pos, pos):
    """Lists 8 and 9's cells that are records of other tables (`_RECORDS`), one record per
    filled cell, and a `uasc` record for each `a) Yes` to the UASC question: so that the list
    built from the workbook shows what the workbook showed."""
    out = []
    for marker, (table, column, fixed) in _RECORDS.items():
        if marker not in by_column:
            continue
        h = by_column[marker]
        r = _frame(cells, {"child_id": child, column: f"h{pos[h]}"})
        r = r[r[column].notna().to_numpy()].assign(**fixed)
        out.append((table, sheet, header(table, {child_pos: "child_id", pos[h]: column}), r.reset_index(drop=True)))
    if UASC in by_column:
        h = by_column[UASC]
        u = _frame(cells, {"child_id": child})
        said = cells[f"h{pos[h]}"].map(norm, na_action="ignore")
        u = u[(said == norm(_YES)).to_numpy(dtype=bool)]
        out.append(("uasc", sheet, header("uasc", {child_pos: "child_id"}), u.reset_index(drop=True)))
    return out


# The child columns of Lists 8-10 as the 903 header holds them (the tables of these lists
# carry no child details; `normalise` takes a child's details from the header).
_HEADER = {"dob": "dob", "gender": "sex", "ethnicity": "ethnic"}
_HEADER_LISTS = (8, 9, 10)


def _details(sheet, cells, child, by_column, header, child_pos, pos):
    """Lists 8-10's gender, ethnicity and date of birth, as 903 `header` rows."""
    given = {_HEADER[c]: f"h{pos[by_column[c]]}" for c in _HEADER if c in by_column}
    if not given:
        return []
    d = _frame(cells, {"child_id": child, **given})
    return [("header", sheet, header("header", {child_pos: "child_id", **{pos[by_column[c]]: _HEADER[c]
                                                                      for c in _HEADER if c in by_column}}),
             d.reset_index(drop=True))]


# Tables a list's cells make records of, kept only where the workbook gives some.
_SOME_ONLY = frozenset({"visits", "uasc", *(table for table, _, _ in _RECORDS.values())})


def _flags_once(parts: list[tuple[str, str, Header, pd.DataFrame]]) -> list:
    """The disability flags of all the lists as one `disabilities` frame, each child's answer
    once per value (a child on four lists is not four duplicate records), kept even when
    empty (the workbook has a disability column); a list's other records only where it has some."""
    flags = [p for p in parts if p[0] == "disabilities"]
    kept = [p for p in parts if p[0] != "disabilities" and (p[0] not in _SOME_ONLY or len(p[3]))]
    if flags:
        frame = pd.concat([p[3] for p in flags], ignore_index=True)
        once = frame.assign(_code=frame["disability_code"].map(norm)).drop_duplicates(["child_id", "_code"])
        kept.append((*flags[0][:3], once.drop(columns="_code").reset_index(drop=True)))
    return kept


def _code_903(label: str) -> str:
    """The 903 code an Annex A label carries ("f) U6: Foster placement" -> "U6")."""
    m = _903_CODE.match(_LETTER.sub("", label.strip()))
    return m.group(1).upper() if m else label


def _check(cells: pd.DataFrame, where: dict[Heading, str], headings: list[str],
           found: dict[int, Heading], typed: set[Heading], src: Source, findings: quality.Findings) -> None:
    """What Annex A asks of each cell: a listed code, no blank where it allows none, and,
    under a heading no table types (not `typed`), a date or a whole number. Excel error
    values read blank; a bad case status reads blank (its list derives it)."""
    as_of = src.as_of or dt.date.today()
    for i, h in found.items():
        col, column = where[h], _column(h, headings[i], typed)
        text = cells[col]
        error = text.str.fullmatch(_EXCEL_ERROR).fillna(False).astype(bool)
        if error.any():
            findings.add(cells, error, column, quality.ANNEX_A_BLANK,
                         "Excel error value '" + text[error].astype(str) + "' where a value should be; read as blank")
            cells[col] = text = text.mask(error)
        if h.required:
            findings.add(cells, text.isna(), column, quality.ANNEX_A_BLANK,
                         f"blank under '{headings[i]}', where Annex A needs a value")
        if h.check in (DATE, COUNT, TEXT, ID):
            if h not in typed and h.check == DATE:
                bad = values.parse_dates(text, as_of).bad
                findings.add(cells, bad, column, quality.UNPARSEABLE_DATE,
                             "unparseable date '" + text[bad].astype(str) + "'")
            elif h not in typed and h.check == COUNT:
                bad = values.parse_counts(text).bad
                findings.add(cells, bad, column, quality.BAD_COUNT,
                             "'" + text[bad].astype(str) + "' is not a whole number of 0 or more")
            continue
        verdict = {v: is_code(v, h.check) for v in text.dropna().unique()}  # once per distinct value
        bad = text.notna() & ~text.map(verdict, na_action="ignore").astype("boolean").fillna(True).astype(bool)
        findings.add(cells, bad, column, quality.NOT_A_CODE,
                     "'" + text[bad].astype(str) + f"' is not one of Ofsted's codes for '{headings[i]}'")
        if h.column == "case_status":  # history-dependent: a bad one is derived, never used
            cells[col] = text.mask(bad)


def _column(h: Heading, heading: str, typed: set[Heading]) -> str:
    """A finding's column: the canonical one where the heading fills a table's column (the
    Data quality sheet shows the LA's heading beside it), else the heading itself."""
    return h.column if h in typed and h.column not in _OTHER_RECORD else heading


def _one_referral(parts: list[tuple[str, str, Header, pd.DataFrame]], numbers: dict[str, int],
                  as_of: dt.date) -> None:
    """A List 6 episode whose referral List 3 also lists (the same child and date) is that
    referral: List 3's row takes List 6's values where it has none, and List 6's is dropped.
    `numbers`: sheet -> the list it is."""
    def of(n: int) -> list[int]:
        return [i for i, (t, sheet, _, frame) in enumerate(parts)
                if t == "referrals" and numbers[sheet] == n and "referral_date" in frame]

    three, six = of(3), of(6)
    if not three or not six:
        return

    def keys(frame: pd.DataFrame) -> pd.Series:
        day = values.parse_dates(frame["referral_date"], as_of).values.dt.strftime("%Y-%m-%d")
        return frame["child_id"].astype("str") + "|" + day

    for i in three:
        t, sheet, header, frame = parts[i]
        k3 = keys(frame)
        for j in six:
            t6, sheet6, header6, episodes = parts[j]
            k6 = keys(episodes)
            hit = k6.isin(k3.dropna()).to_numpy(dtype=bool)
            if not hit.any():
                continue
            given = episodes[hit].assign(_key=k6[hit].to_numpy()).drop_duplicates("_key").set_index("_key")
            for column in (c for c in given.columns if not c.startswith("_") and c != "child_id"):
                mine = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index, dtype="str")
                theirs = pd.Series(given[column].reindex(k3.to_numpy()).to_numpy(), index=frame.index)
                frame[column] = mine.fillna(theirs).astype("str")
            parts[j] = (t6, sheet6, header6, episodes[~hit].reset_index(drop=True))
        parts[i] = (t, sheet, header, frame)
