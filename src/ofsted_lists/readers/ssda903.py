"""Where the SSDA903 return (children looked after) is read: its CSV files, recognised by
their headings (SPEC §3.5, annex-a-full.md §3.1).

Each 903 CSV has a fixed column set. A file (or sheet) is one of them when its header row
holds every 903 column of that kind, in any order, case or spacing, whatever the file is
called; the LA's extra columns are allowed (the local ones the tables know, such as
`episodes.placement_la`, are read; others are reported as unused, like any heading). The
tables' columns and value kinds are declared in schema.py, so normalise parses the 903
like any table (dates DD/MM/YYYY, codes upper-cased); care_history.py merges several
years' episodes into one history.

XML (`EXPSSDA903`) is not read yet: export the return's CSV files.
"""

from __future__ import annotations

from collections.abc import Iterable

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
