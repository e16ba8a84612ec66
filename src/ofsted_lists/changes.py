"""Changes since the last run (SPEC §10.4): per list, the children who joined and who left.

The output folder is the only memory between runs. The earlier output is the latest
`ofsted-lists_<as-of>.xlsx` there (a CSV run: the folder `ofsted-lists_<as-of>`) dated
before this run, confirmed by its Summary's profile and as-of date; an encrypted one is
decrypted in memory with this run's password. Only its Summary and the first column of
its other sheets are read (Child Unique ID is every list sheet's first column). An
earlier output that cannot be read never fails the run: the sheet says why, and so does
a warning line.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import excel_worker
from .lists import ListResult
from .output import decrypt_xlsx
from .profiles import PROFILES
from .readers import encrypted
from .window import command_line_date
from .workbook import SUMMARY, Block, Sheet, _part_name, formula_like

SHEET = "Changes"
ID = "Child Unique ID"
JOINED, LEFT = "joined", "left"
NO_CHANGE = "no child joined or left"
COLUMNS = ["List", "Change", ID, "Earlier as-of date"]
# Every profile's default output name: `<stem>_<as-of>` (profiles.Profile.stem).
_DATED = "(?:" + "|".join(re.escape(p.stem) for p in PROFILES.values()) + r")_([0-9]{4}-[0-9]{2}-[0-9]{2})"
XLSX_NAME = re.compile(_DATED + r"\.xlsx")
CSV_NAME = re.compile(_DATED)
MAX_BYTES = 1 << 30  # an earlier workbook larger than this is not read into memory
MAX_PARTS = 16  # sheets a list may run over (16 million rows): the rest are not read
NOT_PRODUCED = "not produced"


class Unreadable(Exception):
    """Why an earlier output could not be read (no cell content in the text)."""


@dataclass
class Earlier:
    """What an earlier output says: its profile, as-of date and each sheet's first column."""

    profile: str | None
    as_of: dt.date | None
    first_columns: dict[str, list[str | None]]
    not_produced: set[str]  # list sheets its Summary marks not produced


@dataclass
class Changes:
    folder: Path
    since: dt.date | None = None  # the earlier output's as-of date; None: nothing compared
    source: str | None = None  # the earlier output's file or folder name
    note: str | None = None  # why nothing was compared
    warning: str | None = None  # the terminal's line when an earlier output could not be read
    frame: pd.DataFrame | None = None  # COLUMNS: a row per child that joined or left a list
    counts: pd.DataFrame | None = None  # Sheet, Joined, Left, Note

    def sheet(self) -> Sheet:
        if self.since is None:
            return Sheet(SHEET, pd.DataFrame({SHEET: [self.note]}))
        if self.frame.empty:  # one row, so the sheet still gives the earlier as-of date
            return Sheet(SHEET, pd.DataFrame({COLUMNS[0]: ["every list"], COLUMNS[1]: [NO_CHANGE],
                                              ID: [pd.NA], COLUMNS[3]: [pd.Timestamp(self.since)]}))
        return Sheet(SHEET, self.frame)

    def block(self) -> Block:
        """The Summary's count of the changes."""
        if self.since is None:
            return Block("Changes since the last run", pd.DataFrame({"Changes": [self.note]}))
        return Block(f"Changes since the run as at {self.since:%d/%m/%Y} ({self.source})", self.counts)

    def describe(self) -> str:
        """One line for the terminal: counts only, never a child."""
        if self.since is None:
            return f"Changes: {self.note}"
        joined, left = int(self.counts["Joined"].sum()), int(self.counts["Left"].sum())
        return (f"Changes since {self.since:%d/%m/%Y}: {joined:,} joined, {left:,} left a list "
                f"(the {SHEET} sheet names them)")


def compare(lists: list[ListResult], as_of: dt.date, profile: str, folder: Path, *,
            password: str | None = None, csv_output: bool = False) -> Changes:
    """The changes since the latest earlier output of `profile` in `folder`, before `as_of`."""
    folder = Path(folder)
    names = [r.spec.sheet for r in lists]
    for when, path in _candidates(folder, as_of, csv_output):
        try:
            earlier = _read_csv_folder(path, names) if csv_output else _read_xlsx(path, password, names)
        except Unreadable as exc:
            # The newest is the one to compare with: an older one would pass over a week unsaid.
            why = f"The earlier output {path.name} could not be read ({exc})"
            return Changes(folder, note=f"{why}, so no changes are shown.",
                           warning=f"warning: {why}, so the Changes sheet shows none (the lists are complete)")
        if earlier.profile == profile and earlier.as_of == when:
            return _diff(lists, earlier, when, path.name, folder)
    # Others (another profile; a renamed copy whose Summary gives another date) are passed over.
    kind = "CSV output" if csv_output else "workbook"
    return Changes(folder, note=f"No earlier {kind} of this profile in {folder}")


def _candidates(folder: Path, as_of: dt.date, csv_output: bool) -> list[tuple[dt.date, Path]]:
    """Earlier outputs by name, newest first."""
    pattern = CSV_NAME if csv_output else XLSX_NAME
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                m = pattern.fullmatch(entry.name)
                if not m:
                    continue
                try:
                    when = dt.date.fromisoformat(m.group(1))
                except ValueError:
                    continue
                if when < as_of:
                    found.append((when, Path(entry.path)))
    except OSError:  # no folder yet (a first run), or one we may not list: nothing to compare
        return []
    return sorted(found, reverse=True)


def _diff(lists: list[ListResult], earlier: Earlier, since: dt.date, source: str, folder: Path) -> Changes:
    rows, counts = [], []
    for r in lists:
        name = r.spec.sheet
        if ID not in r.frame:  # List 11: its rows are adopters
            counts.append((name, pd.NA, pd.NA, "not compared: a list of adopters, not children"))
            continue
        before = _ids(earlier, name)
        if not r.produced or before is None or name in earlier.not_produced:
            which = "this run" if not r.produced else "the earlier run"
            counts.append((name, pd.NA, pd.NA, f"not compared: the list was not produced in {which}"))
            continue
        now = set(r.frame[ID].dropna().astype(str))
        joined, left = sorted(now - before), sorted(before - now)
        rows += [(name, JOINED, c) for c in joined] + [(name, LEFT, c) for c in left]
        counts.append((name, len(joined), len(left), ""))
    frame = pd.DataFrame(rows, columns=COLUMNS[:3])
    frame[COLUMNS[3]] = pd.Series([pd.Timestamp(since)] * len(frame), dtype="datetime64[ns]")
    table = pd.DataFrame(counts, columns=["Sheet", "Joined", "Left", "Note"])
    table[["Joined", "Left"]] = table[["Joined", "Left"]].astype("Int64")
    return Changes(folder, since=since, source=source, frame=frame, counts=table)


def _ids(earlier: Earlier, name: str) -> set[str] | None:
    """The children on list sheet `name` (and its overflow parts) of the earlier output;
    None when it has no such sheet."""
    if name not in earlier.first_columns:
        return None
    ids: set[str] = set()
    part = 0
    while (sheet := _part_name(name, part)) in earlier.first_columns:
        column = earlier.first_columns[sheet]
        if any(isinstance(v, str) and v.startswith("NOT PRODUCED") for v in column[:1]):
            return None  # a sheet marked not produced above its header
        try:
            start = column.index(ID) + 1  # below the header (each part has its own)
        except ValueError:
            return None
        ids.update(v for v in column[start:] if v)
        part += 1
    return ids


def _summary(rows: Iterable[list[str | None]], first_columns: dict[str, list[str | None]]) -> Earlier:
    """An Earlier from its Summary's cells: the value right of "Profile" and of
    "As-of date", wherever the layout puts them, and the lists it marks not produced."""
    profile = as_of = None
    not_produced = set()
    for row in rows:
        cells = [c.strip() if isinstance(c, str) else c for c in row]
        for i, c in enumerate(cells[:-1]):
            if c == "Profile" and profile is None:
                profile = cells[i + 1]
            elif c == "As-of date" and as_of is None and cells[i + 1]:
                as_of = command_line_date(cells[i + 1].split(" ")[0])
        if cells and cells[0] in first_columns and any(
                isinstance(c, str) and c.lower().startswith(NOT_PRODUCED) for c in cells[1:]):
            not_produced.add(cells[0])
    return Earlier(profile, as_of, first_columns, not_produced)


# --- reading an earlier output -------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    """A regular file's bytes; a link, a pipe or a device is not opened, let alone read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or "cannot open it"
        raise Unreadable(why) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("it is not a regular file")
        if st.st_size > MAX_BYTES:
            raise Unreadable(f"it is larger than {MAX_BYTES >> 20} MB")
        try:
            return fh.read()
        except OSError as exc:
            raise Unreadable(exc.strerror or "cannot read it") from None


def _read_xlsx(path: Path, password: str | None, lists: list[str]) -> Earlier:
    raw = _read_bytes(path)
    if encrypted(raw):
        if password is None:
            raise Unreadable("it is encrypted: run with the --password-env that wrote it")
        raw = decrypt_xlsx(raw, password)
        if raw is None:
            raise Unreadable("the password given does not open it, or it is damaged")
    try:
        wanted = [SUMMARY] + [_part_name(name, part) for name in lists for part in range(MAX_PARTS)]
        sheets = excel_worker.parse([raw], sheets=wanted, first_column_except=(SUMMARY,))
    except excel_worker.ParseFailure:
        raise Unreadable("it is damaged or not a workbook") from None
    finally:
        if not excel_worker.KEEP_WARM:
            excel_worker.POOL.close()
    tables = {name: table for name, table in sheets}
    if SUMMARY not in tables:
        return Earlier(None, None, {}, set())
    first = {name: (t.column(0).to_pylist() if t.num_columns else []) for name, t in tables.items() if name != SUMMARY}
    summary = tables[SUMMARY]
    rows = zip(*(summary.column(i).to_pylist() for i in range(summary.num_columns))) if summary.num_columns else []
    return _summary((list(r) for r in rows), first)


def _csv_rows(path: Path) -> list[list[str]]:
    text = _read_bytes(path).decode("utf-8-sig", errors="replace")
    return [[_unquote(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _unquote(cell: str) -> str:
    # The CSV writer puts "'" before text a spreadsheet could take for a formula.
    return cell[1:] if cell.startswith("'") and formula_like(cell[1:]) else cell


def _read_csv_folder(folder: Path, lists: list[str]) -> Earlier:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise Unreadable(exc.strerror or "cannot list it") from None
    by_sheet: dict[str, Path] = {}
    for name in names:
        m = re.fullmatch(r"([0-9]{2})_(.*)\.csv", name, re.S)
        if m:
            by_sheet[m.group(2)] = folder / name
    summary = by_sheet.pop(SUMMARY, None)
    if summary is None:
        return Earlier(None, None, {}, set())
    # `csv_file_name` wrote the sheet's spaces as "_" (no sheet name of ours has a "_")
    first = {stem.replace("_", " "): [row[0] if row else None for row in _csv_rows(path)]
             for stem, path in by_sheet.items() if stem.replace("_", " ") in lists}
    return _summary(_csv_rows(summary), first)
