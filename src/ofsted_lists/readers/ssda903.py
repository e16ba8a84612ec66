"""Where the SSDA903 return (children looked after) is read: its CSV files, recognised by
their headings (SPEC §3.5, annex-a-full.md §3.1).

Each 903 CSV has a fixed column set. A file (or sheet) is one of them when its header row
holds every 903 column of that kind, in any order, case or spacing, whatever the file is
called; the LA's extra columns are allowed (the local ones the tables know, such as
`episodes.placement_la`, are read; others are reported as unused, like any heading). The
tables' columns and value kinds are declared in schema.py, so normalise parses the 903
like any table (dates DD/MM/YYYY, codes upper-cased); care_history.py merges several
years' episodes into one history.

The return's XML form (`EXPSSDA903`, `read_xml`) gives the same tables, one record per
element; `sw_episodes` has no XML form known here.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from ..schema import SSDA903, TABLES, Column, norm

FORMAT = SSDA903
HEADER_SCAN_ROWS = 30  # as cms: a title line or two may sit above the header row
# The 903 file kinds, in the return's order.
KINDS: tuple[str, ...] = tuple(name for name, t in TABLES.items() if t.national == SSDA903)


def _names(column: Column) -> frozenset[str]:
    return frozenset(norm(n) for n in (column.name, *column.aliases))


# kind -> the normalised headings each required 903 column may have.
_REQUIRED: dict[str, tuple[frozenset[str], ...]] = {
    kind: tuple(_names(c) for c in TABLES[kind].columns if c.required) for kind in KINDS
}


def required(kind: str) -> list[str]:
    """The 903 columns a header row must hold to be `kind`, canonical names."""
    return [c.name for c in TABLES[kind].columns if c.required]


def optional(kind: str) -> list[str]:
    """The local columns an export of `kind` may add."""
    return [c.name for c in TABLES[kind].columns if not c.required]


def table_for(headings: Iterable[object]) -> str | None:
    """The 903 table a header row is, or None: the kind whose every 903 column it holds
    (extra headings allowed); of two such, the one with more 903 columns."""
    found = {norm(h) for h in headings if h is not None and str(h).strip()}
    if len(found) < 2:
        return None
    matches = [k for k in KINDS if all(names & found for names in _REQUIRED[k])]
    return max(matches, key=lambda k: len(_REQUIRED[k]), default=None)


def claim(rows: list[list[object]]) -> tuple[str, str] | None:
    """(903 table, format) when one of a file's or sheet's first rows is a 903 header row:
    the package's `HEADING_FORMATS` hook (content wins over the file name)."""
    return next(((t, FORMAT) for row in rows[:HEADER_SCAN_ROWS] if (t := table_for(row))), None)


# --- the XML form (`EXPSSDA903`) ------------------------------------------------------------
# annex-a-full.md §3.1: each `CHILD` holds a `HEADER` (the child's items, with its reviews,
# missing episodes, OC2, adoption and permanence records inside) and its `EPISODE`s. The
# items have the CSV's column names, but `CHILDID` (CHILD) and `PL` (PLACE).
XML_ROOT = "EXPSSDA903"
_XML_NAMES = {"CHILDID": "child_id", "PL": "place"}
# 903 file -> the element each of its records is: inside HEADER, or (episodes) inside CHILD.
_XML_RECORDS = {"episodes": "EPISODE", "reviews": "AREVIEW", "missing": "AMISSING", "oc2": "OC2",
                "placed_for_adoption": "AD_PLACED", "previous_permanence": "PERMANENCE"}
# 903 file -> the HEADER item whose presence makes the child a record of it (header: all).
_XML_HEADER_ROWS = {"uasc": "uasc", "oc3": "in_touch", "ad1": "date_int"}


def _column(tag: str) -> str:
    return _XML_NAMES.get(tag, tag.lower())


def read_xml(src) -> None:
    """Read a 903 return as XML into `src`'s tables: the same tables as its CSV files."""
    from . import Header, xmlsafe  # the package imports this module first

    raw = src.box.pop()
    rows: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    by_tag = {tag: kind for kind, tag in _XML_RECORDS.items()}

    def leaves(element, into: dict) -> dict:
        for item in element:
            if len(item) == 0 and isinstance(item.tag, str):
                into[_column(xmlsafe.local(item.tag))] = item.text
        return into

    def child(element) -> None:
        header, records = {"_row": element.sourceline}, []
        for part in element:
            tag = xmlsafe.local(part.tag)
            if tag == "HEADER":
                leaves(part, header)
                records += [(by_tag[t], sub) for sub in part if (t := xmlsafe.local(sub.tag)) in by_tag]
            elif tag == "EPISODE":
                records.append(("episodes", part))
        who = {k: header.get(k) for k in ("child_id", "dob", "sex")}
        rows["header"].append(header)
        for kind, item in _XML_HEADER_ROWS.items():
            if (header.get(item) or "").strip() not in ("", "0", "false"):
                rows[kind].append(header)
        for kind, element in records:
            rows[kind].append(leaves(element, {**who, "_row": element.sourceline}))

    xmlsafe.records(src.name, raw, ("CHILD",), child)
    del raw
    for kind in KINDS:
        columns = TABLES[kind].column_names
        try:
            body = {c: xmlsafe.text_column([r.get(c) for r in rows[kind]]) for c in columns}
        except xmlsafe.Refused as why:
            from ..errors import InputError
            raise InputError(f"{src.name} is not read: {why}") from None
        lines = [r["_row"] for r in rows[kind]]
        headings = [{v: k for k, v in _XML_NAMES.items()}.get(c, c.upper()) for c in columns]
        src.got.info.headers.append(Header("", kind, 0, headings, dict(enumerate(columns)), file=src.name,
                                           mapped=False))
        src.take(kind, "", lambda: xmlsafe.frame(pa.table(body), lines, src.name))
    src.got.info.format = FORMAT
