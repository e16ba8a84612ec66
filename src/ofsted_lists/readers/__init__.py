"""Read stage: find the input files, decide each one's format by its content, and
return the canonical tables of SPEC §3 as raw text.

One module per source format, each turning its files into canonical tables:

- `cms`: CMS exports, CSV and Excel tables shaped like the contract (recognised by
  file or sheet name);
- `cin_census`: the DfE CIN census XML (`Message` root, collection `CIN`);
- `ssda903`: the SSDA903 return, its CSV files (recognised by their headings, a
  `HEADING_FORMATS` claim) and its XML (`EXPSSDA903` root);
- `ssd`: Data to Insight's Standard Safeguarding Dataset extracts (`ssd_*` tables);
- `annex_a`: an Ofsted Annex A workbook (a `WORKBOOK_FORMATS` claim).

`xmlsafe` parses the XML returns with what an attacker could use turned off;
`xml_parts` reads a large one in two parts at once, the second in a fresh interpreter.

How a file's format is decided (`_reader_for`), never by a setting or the file name
alone: workbook bytes (zip or OLE) are read by `cms`; an XML document by the entry of
`XML_FORMATS` for its (root element, DfE collection); anything else is text, read by
`cms` as CSV. Within CSV and Excel, a table may be known by its headings before its
name: each function in `HEADING_FORMATS` takes a file's or sheet's first rows and
returns (table, format) or None; the first that claims the rows wins (a national
return's CSV files, "recognised by their columns, any file names", plug in here). A
workbook whose one sheet may give several tables (an Annex A list: referrals, visits,
disability records) is claimed first, whole, by a function in `WORKBOOK_FORMATS`: it
takes the workbook's sheets, reads those it knows through `Source.take` (setting the
file's format) and hands back the sheets it left, which `cms` reads as usual. A
format whose files are tables of its own (the SSD's `ssd_contacts`, no canonical table)
declares them in `OWN_TABLES` (name -> (Table, format)): `cms` reads such a file by that
Table's columns, and knows it by that name too. A format that must merge several files
of its own (census years), or turn its own tables into canonical ones (the SSD's joins),
registers a `MERGERS[format]` function, run once every file is read, with the as-of
date; it leaves no own table among the tables read. `SAME_RECORD[format]` says
how its records are matched with a CMS export's, so that a record both give is kept
once (the CMS export's values first). A reader adds its tables to
the file's `_FileRead` through `Source.take`; the stages after reading never learn
which format a table came from.

Every cell comes back as text (or NA): identifiers keep their leading zeros and no
reader guesses a type. Each record carries `_file`, `_sheet` and `_row` (the row a
spreadsheet program shows, or an XML file's line), so findings can point at it
(SPEC §3.3).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import excel_worker, quality, threads
from ..config import Config, Problem, problems_error
from ..errors import InputError, UserError
from ..output import path_problem
from ..quality import Findings
from ..schema import Table, closest, norm
from ..terminal import kind_of

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
XML_SUFFIXES = {".xml"}
# Files an operating system drops into any folder; never exports.
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}


@dataclass
class Header:
    """The header row a table was read by, for `inspect`: headings, never a data cell."""

    sheet: str
    table: str
    row: int                  # the spreadsheet row of the header row
    headings: list[str]       # its cells as text, trimmed ("" for a blank one)
    mapping: dict[int, str]   # position -> canonical column
    error: InputError | None = None  # why the table could not be read (lenient reads only)
    file: str = ""
    rows: int = 0             # data rows read under it (blank lines left out)
    mapped: bool = True       # headings a config may map (False: a national format's own element names)

    @property
    def columns(self) -> tuple[str, ...]:
        """The canonical columns its headings named."""
        return tuple(dict.fromkeys(self.mapping.values()))

    @property
    def own(self) -> dict[str, str]:
        """Canonical column -> the heading that named it, as the file has it."""
        return {canonical: self.headings[i] for i, canonical in self.mapping.items()}

    @property
    def named(self) -> list[str]:
        """Every non-blank heading, as written."""
        return [h for h in self.headings if h]

    @property
    def unused(self) -> list[str]:
        """The non-blank headings that name no column."""
        return [h for i, h in enumerate(self.headings) if h and i not in self.mapping]


@dataclass
class InputFile:
    """One input file as the Summary lists it."""

    name: str
    sha256: str
    rows: int = 0
    tables: list[str] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)
    error: InputError | None = None  # why the file could not be read (lenient reads only)
    as_text: bool = False  # an Excel name, but really text: read as CSV
    format: str = "CMS export"  # the source format its reader read it as

    @property
    def parts(self) -> list[Header]:
        """The header rows of the tables read from it (what the run warnings look at)."""
        return [h for h in self.headers if h.error is None and h.mapping]


@dataclass
class ReadResult:
    tables: dict[str, pd.DataFrame]  # raw text per table; `normalise` takes them (empty after)
    files: list[InputFile]
    unrecognised: list[str]  # "file" or "file [sheet]", in folder order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why) of export names not files
    headings: list[Header] = field(default_factory=list)  # each table file's or sheet's header row, in folder order
    mapping_problems: list[Problem] = field(default_factory=list)  # lenient reads only: config mappings to no heading

    def la_headings(self) -> dict[tuple[str, str], dict[str, str]]:
        """(file, sheet) -> canonical column -> the LA's heading for it."""
        out: dict[tuple[str, str], dict[str, str]] = {}
        for f in self.files:
            for h in f.parts:  # an Annex A list gives several tables from one sheet
                out.setdefault((f.name, h.sheet), {}).update(h.own)
        return out


class _HeaderError(InputError):
    """A header row lacks a required column. Raised by read_folder once every file is
    read, and only when the config has no problem: a config mapping to a heading in no
    file of the table is the cause to report first (a usage error), and the config's
    mistakes are all reported in one run."""



def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"



# --- the folder ----------------------------------------------------------------------

def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _hashing(raw: bytes) -> Callable[[], str]:
    """`_sha256(raw)`, worked out in a thread beside the parse (hashlib lets go of the GIL:
    a tenth of a second per 180 MB off the read's path); the call waits for it."""
    if len(raw) < 1 << 20:
        digest = _sha256(raw)
        return lambda: digest
    out: list[str] = []
    thread = threading.Thread(target=lambda: out.append(_sha256(raw)), name="ofsted-lists-sha256", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        return out[0]
    return result


def _not_a_file(path: Path) -> str | None:
    """Why the entry at `path` is not a file to read (None: it is a regular file, or a
    link to one)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "link to nothing" if path.is_symlink() else "file gone while the folder was listed"
    for test, what in ((stat.S_ISREG, None), (stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "named pipe"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return what
    return "device"


def _listing(folder: Path) -> tuple[list[Path], list[Path], list[tuple[str, str]]]:
    """(export files, other files, (name, why) of entries named like exports that are no
    files) in the folder, by name; hidden and lock files left out."""
    try:
        if not folder.exists():
            raise InputError(f"input folder not found: {folder} (give --input DIR or set input.dir in "
                             "ofsted-lists.toml)")
        if not folder.is_dir():
            raise InputError(f"--input must be a folder of exports; {folder} is a file")
        entries = [(p, _not_a_file(p)) for p in sorted(folder.iterdir()) if not p.name.startswith((".", "~$"))]
    except OSError as exc:  # a folder we may not search or list, a name too long
        raise InputError(f"cannot read the input folder {folder}: {path_problem(exc)}") from None
    named = CSV_SUFFIXES | EXCEL_SUFFIXES | XML_SUFFIXES
    exports = [p for p, why in entries if why is None and p.suffix.lower() in named]
    others = [p for p, why in entries if why is None and p.suffix.lower() not in named
              and p.name.lower() not in _SYSTEM_FILES]
    skipped = [(p.name, why) for p, why in entries if why is not None and p.suffix.lower() in named]
    if not exports:
        raise InputError(f"input folder {folder} holds no .csv, .xlsx, .xlsm, .xls or .xml files")
    return exports, others, skipped


def names_input(path: Path, config: Config) -> bool:
    """Whether a file is a recognised input, so that a message may name it: its name names
    a table, or it is an XML document of a format read (by its root and collection)."""
    if recognise(path.name, config, sheet=False) is not None:
        return True
    return path.suffix.lower() in XML_SUFFIXES and _xml_format(path) in XML_FORMATS


def _xml_format(path: Path) -> tuple[str, str] | None:
    """(root element, DfE collection) of an XML file, from its first bytes; None when it
    is not XML or cannot be read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
        return xmlsafe.identify(path.name, head, partial=True) if xmlsafe.looks_like_xml(head) else None
    except (OSError, InputError):
        return None


def shows_name(info: InputFile, config: Config) -> bool:
    """Whether a file read may be named: its name names a table, or its content made it a
    table's file (a format other than the CMS exports' recognised it)."""
    return info.format != cms.FORMAT or recognise(info.name, config, sheet=False) is not None


def input_files(folder: Path) -> list[Path]:
    """Every file in the input folder that the tool may name in a message (exports and
    others), by name."""
    exports, others, _ = _listing(folder)
    return sorted([*exports, *others])


@dataclass
class _FileRead:
    """What one file gave: kept apart per file so files can be read at once and still be
    put together in folder order (findings and concatenation never depend on timing)."""

    info: InputFile
    found: list[tuple[str, pd.DataFrame]]
    unrecognised: list[str]
    findings: Findings
    header_error: _HeaderError | None = None  # raised once the config is checked (read_folder)
    merge: object = None  # what the format's MERGERS entry needs of this file (its census date)


@dataclass
class Source:
    """One file as a format's reader gets it. `box` holds its bytes; a reader that hands
    them on (to a parse process) empties it, so they are not held twice. `take(table,
    sheet, read)` runs `read()` for one table and keeps its frame, or its error as the
    run's leniency says."""

    name: str
    box: list[bytes]
    config: Config
    got: _FileRead
    take: Callable[[str, str, Callable[[], pd.DataFrame]], None]
    as_of: dt.date | None = None


def _memory() -> int:
    """Bytes of memory this process may use: the machine's, or less under a ulimit."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 1 << 62
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            total = min(total, soft)
    except (ImportError, OSError, ValueError):
        pass
    return total


# Reading a file takes its bytes, a table of its text and the typed columns made from it:
# files up to this fraction of memory are read; a larger one is refused before reading.
MEMORY_SHARE = 4


def _too_large(name: str, size: int | None = None) -> InputError:
    limit = _memory() // MEMORY_SHARE
    what = f"{name} is {_gb(size)}, too large" if size else f"{name} is too large"
    return InputError(f"{what} to read in this machine's memory (files up to {_gb(limit)}, a quarter of "
                      "the memory, are read): split the export into smaller files")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes. A file too large for memory is refused before reading; a file
    rewritten or replaced while it is read (its size, time or inode changed) is read
    again, once: an export still being written never gives half a table."""
    for _ in range(2):
        try:
            with path.open("rb") as fh:
                before = os.fstat(fh.fileno())
                if before.st_size > _memory() // MEMORY_SHARE:
                    raise _too_large(path.name, before.st_size)
                raw = fh.read()
                after, now = os.fstat(fh.fileno()), os.stat(path)
        except PermissionError:
            raise InputError(f"cannot read {path.name}: permission denied") from None
        except MemoryError:
            raise _too_large(path.name) from None
        except OSError as exc:
            raise InputError(f"cannot read {path.name}: {exc.strerror or exc}") from None
        same = ((before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) == (len(raw), now.st_mtime_ns)
                and (before.st_ino, before.st_dev) == (now.st_ino, now.st_dev))
        if same:
            return raw
        del raw
    raise InputError(f"{path.name} changed while it was being read, twice: an export is still being written "
                     "into the input folder; run again when it has finished")


# --- which reader reads a file ------------------------------------------------------

# Readers that know a CSV file or a sheet by its first rows: rows -> (table, format) | None.
HEADING_FORMATS: list[Callable[[list[list[object]]], tuple[str, str] | None]] = []
# A format's own tables, read by `cms` before its MERGERS entry turns them into canonical
# ones: name -> (the Table its headings are mapped by, the format). Never reach normalise.
OWN_TABLES: dict[str, tuple[Table, str]] = {}
# Readers that know a workbook's sheets by their names and headings: (source, [(sheet,
# its cells as text)]) -> the sheets they did not read, for `cms`.
WORKBOOK_FORMATS: list[Callable[[Source, list], list]] = []

from . import annex_a, cin_census, cms, ssd, ssda903, xml_parts, xmlsafe  # noqa: E402  (they use the records above)

HEADING_FORMATS.append(ssda903.claim)
HEADING_FORMATS.append(ssd.claim)
OWN_TABLES.update(ssd.OWN_TABLES)
WORKBOOK_FORMATS.append(annex_a.read)
from .cms import NA_TEXT, _where, encrypted, map_headings, recognise  # noqa: E402,F401  (re-exported)

# (root element, DfE collection) -> the reader of that XML format.
XML_FORMATS: dict[tuple[str, str], Callable[[Source], None]] = {
    ("Message", cin_census.COLLECTION): cin_census.read,
    (ssda903.XML_ROOT, ""): ssda903.read_xml,
}
# XML readers that read a large document in two parts (`xml_parts`) -> the module their
# second part runs in, whose worker `_read_files` starts ahead.
IN_PARTS: dict[Callable[[Source], None], str] = {cin_census.read: "cin_census"}
# format -> merge(that format's file reads in folder order, findings, the as-of date or
# None), run once all are read.
MERGERS: dict[str, Callable[[list[_FileRead], Findings, dt.date | None], None]] = {
    cin_census.FORMAT: cin_census.merge,
    ssd.FORMAT: ssd.merge,
}
# format -> {table: the date that, with the child, says two sources hold the same record
# (None: the child alone)}. A record of such a format that a CMS export also holds is
# listed once: the CMS export's value wins where it has one (SPEC §3.5).
SAME_RECORD: dict[str, dict[str, str | None]] = {
    cin_census.FORMAT: cin_census.SAME_RECORD,
    ssd.FORMAT: ssd.SAME_RECORD,
    annex_a.FORMAT: annex_a.SAME_RECORD,
}


def _reader_for(name: str, raw: bytes) -> Callable[[Source], None]:
    """The reader for a file, by its content: a workbook or text goes to `cms`; an XML
    document to its format's reader, or is refused as an XML no reader knows."""
    if raw.startswith(cms.WORKBOOK_MAGIC) or not xmlsafe.looks_like_xml(raw):
        return cms.read
    excel_name = Path(name).suffix.lower() in EXCEL_SUFFIXES
    try:
        root, collection = xmlsafe.identify(name, raw)
    except InputError:
        if excel_name:  # a web page saved as .xls: cms says what that is
            return cms.read
        raise
    if reader := XML_FORMATS.get((root, collection)):
        return reader
    if excel_name:
        return cms.read  # which says what an XML file under an Excel name is
    known = ", ".join(f"<{r}> of collection {c}" if c else f"<{r}>" for r, c in XML_FORMATS)
    what = f"the DfE return XML of collection {collection}" if collection else f"an XML file with root <{root}>"
    raise InputError(f"{name} is {what}, not a format this tool reads (its XML readers read: {known})")


def _read_file(path: Path, config: Config, lenient: bool = False, as_of: dt.date | None = None) -> _FileRead:
    """One file's tables, by the reader its content calls for. `lenient` (for `inspect`):
    a table that cannot be read is recorded on its header (`Header.error`) and the file's
    other tables are still read."""
    box = [_read_bytes(path)]
    digest = _hashing(box[0])
    got = _FileRead(InputFile(path.name, ""), [], [], Findings())
    headers = got.info.headers

    def take(table: str, sheet: str, read: Callable[[], pd.DataFrame]) -> None:
        try:
            frame = read()
            headers[-1].rows = len(frame)  # the header row the read just recorded
            got.found.append((table, frame))
        except InputError as exc:
            if not lenient:
                if not isinstance(exc, _HeaderError):
                    raise
                # reported by read_folder once every file is read and the config checked
                got.header_error = got.header_error or exc
                return
            if not headers or (headers[-1].sheet, headers[-1].table) != (sheet, table) or headers[-1].error:
                headers.append(Header(sheet, table, 0, [], {}, file=path.name))  # failed before its header
            headers[-1].error = exc

    try:
        _reader_for(path.name, box[0])(Source(path.name, box, config, got, take, as_of))
    finally:
        got.info.sha256 = digest()
    for table, frame in got.found:
        got.info.rows += len(frame)
        got.info.tables.append(table)
    return got


def _read_files(paths: list[Path], config: Config, progress: Callable[[str, int, int], None] | None,
                lenient: bool = False, as_of: dt.date | None = None) -> list[_FileRead]:
    """Every file read, two at a time (largest first, so the longest parse starts at
    once); results in `paths` order. `progress(files being read, bytes done, bytes in
    all)` is called as files start and finish, from the reader threads too, one call at a
    time. An error stops the rest; the first bad file in folder order is the one reported
    (a header row that lacks a required column is no such error: read_folder reports it
    once every file is read). `lenient`: an error is kept on its file (`InputFile.error`,
    `Header.error`) instead."""
    sizes = {p: _size(p) for p in paths}
    total, done, reading = sum(sizes.values()), [0], []
    lock = threading.Lock()  # reports come from the reader threads and the calling thread

    def report(change: Callable[[], None]) -> None:
        with lock:
            change()
            if progress:
                progress(", ".join(reading), done[0], total)

    def start(path: Path) -> _FileRead:
        report(lambda: reading.append(path.name))
        if not lenient:  # as_of only when given: the reading tests stand in for _read_file(path, config)
            return _read_file(path, config) if as_of is None else _read_file(path, config, as_of=as_of)
        try:
            return _read_file(path, config, lenient=True, as_of=as_of)
        except InputError as exc:
            return _FileRead(InputFile(path.name, "", error=exc), [], [], Findings())

    def finished(path: Path, _: _FileRead) -> None:
        def change() -> None:
            reading.remove(path.name)
            done[0] += sizes[path]
        report(change)
        _release_memory()

    excel = [p for p in paths if p.suffix.lower() in EXCEL_SUFFIXES]
    excel_worker.POOL.prestart(min(len(excel), threads.WORKERS))  # their start overlaps the CSV reads
    _prestart_parts(paths, sizes)
    try:
        return threads.map_ordered(start, paths, start_first=sizes.__getitem__, on_done=finished)
    finally:
        if not excel_worker.KEEP_WARM:
            excel_worker.POOL.close()  # idle parse processes would hold memory through the build
        xml_parts.discard()


def _prestart_parts(paths: list[Path], sizes: dict[Path, int]) -> None:
    """Start the second interpreter of the largest XML return read in two parts
    (`xml_parts`) before its file is read, so that its start overlaps the reading."""
    for path in sorted(paths, key=sizes.__getitem__, reverse=True):
        if sizes[path] < xml_parts.MIN_BYTES:
            return
        if module := IN_PARTS.get(XML_FORMATS.get(_xml_format(path) or ("", ""))):
            xml_parts.prestart(module)
            return


def _release_memory() -> None:
    """Hand memory freed by a finished parse back to the system. calamine allocates in
    the reader threads' malloc arenas, which glibc keeps after the parse (a third of a GB
    at a million contacts) unless asked; elsewhere this does nothing."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_folder(
    folder: Path,
    config: Config,
    findings: Findings,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    lenient: bool = False,
    as_of: dt.date | None = None,
) -> ReadResult:
    """Read every recognised table in `folder`; several files for one table are concatenated.

    The config's problems, with its column mappings that name a heading in no file of
    their table, are raised here as one UsageError, before anything is built or written;
    then the first header row, in folder order, that lacks a required column (often the
    work of such a mapping, so it waits for the rest to be read and checked).
    `lenient` (for `inspect`): a file or table that cannot be read is recorded on its
    `InputFile` (`error`, `headers`) and left out; the rest are read. `as_of`: the
    date the lists are as at, for a format that must choose by it (a CP plan's latest
    review in the CIN census)."""
    parts: dict[str, list[pd.DataFrame]] = {}
    unrecognised: list[str] = []
    try:
        paths, others, skipped = _listing(folder)
        reads = _read_files(paths, config, progress, lenient, as_of)
    except UserError:
        if config.problems:  # the config's mistakes come first: they may be why reading failed
            raise problems_error(config.path, config.problems, note=(
                " (the exports could not all be read, so the column mappings were not checked against "
                "their headings)")) from None
        raise
    seen = [h for got in reads for h in got.info.headers if h.mapping and h.error is None]
    mapped = mapping_problems(config, [h for h in seen if h.mapped])
    # `inspect` shows a mapping to a heading in no file beside the headings it has; only the
    # config's own mistakes stop it (with every mapping problem, so one run shows them all).
    if (problems := [*config.problems, *mapped]) and (config.problems or not lenient):
        raise problems_error(config.path, problems)
    if header_error := next((got.header_error for got in reads if got.header_error), None):
        raise header_error
    for fmt, merge in MERGERS.items():
        if same := [got for got in reads if got.info.format == fmt and got.found]:
            merge(same, findings, as_of)
    _once_from_two_sources(reads, findings, as_of or dt.date.today())
    for got in reads:
        findings.extend(got.findings)
        unrecognised.extend(got.unrecognised)
        for table, frame in got.found:
            parts.setdefault(table, []).append(frame)
    for path in others:
        unrecognised.append(path.name)
        findings.add_one(quality.UNRECOGNISED, "not a CSV, Excel or XML file; not read", file=path.name)
    for name, why in skipped:
        findings.add_one(quality.UNRECOGNISED, f"named like an export but a {why}; not read", file=name)
    tables = {name: pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
              for name, frames in parts.items()}
    return ReadResult(tables, [got.info for got in reads], unrecognised, skipped, seen, mapped)


# --- one record from two sources (SPEC §3.5) ---------------------------------------------

def _once_from_two_sources(reads: list[_FileRead], findings: Findings, as_of: dt.date) -> None:
    """A record a national format and a CMS export both hold (the same child, and the same
    key date read as a date) is kept once, in the CMS export's frame, its blank cells
    filled from the other source; how many were merged is one finding per file."""
    from ..values import parse_dates, parse_ids  # reading needs them only here

    def keys(frame: pd.DataFrame, date: str | None) -> pd.Series:
        """Per row: the child, and the date, as the lists would read them (NA: no key)."""
        if "child_id" not in frame or (date and date not in frame):
            return pd.Series(None, index=frame.index, dtype="object")
        key = parse_ids(frame["child_id"]).values.astype("str")
        if date:  # NA where either part is
            key = key + "\x00" + parse_dates(frame[date], as_of).values.dt.strftime("%Y-%m-%d")
        return key

    for fmt, tables in SAME_RECORD.items():
        others = [got for got in reads if got.info.format == fmt]
        for table, date in tables.items():
            other_parts = [(got, j) for got in others for j, (t, _) in enumerate(got.found) if t == table]
            cms_parts = [(got, i) for got in reads if got.info.format == cms.FORMAT
                         for i, (t, _) in enumerate(got.found) if t == table]
            if not cms_parts or not other_parts:  # nothing to match: a million CMS rows are not keyed
                continue
            # key -> the first CMS frame (its place in cms_parts) and row that hold it
            first = pd.concat([pd.DataFrame({"key": keys(got.found[i][1], date).to_numpy(dtype=object), "part": n,
                                             "row": got.found[i][1].index})
                               for n, (got, i) in enumerate(cms_parts)], ignore_index=True)
            first = first.dropna(subset=["key"]).drop_duplicates("key").set_index("key")
            for other, j in other_parts:
                t, frame = other.found[j]
                found = keys(frame, date)
                twice = found.isin(first.index).to_numpy(dtype=bool)
                if not twice.any():
                    continue
                hits = first.loc[found[twice].to_numpy(dtype=object)]
                pairs = pd.DataFrame({"part": hits["part"].to_numpy(), "at": hits["row"].to_numpy(),
                                      "row": frame.index[twice]}).drop_duplicates(["part", "at"])
                for part, pair in pairs.groupby("part", sort=False):
                    got, i = cms_parts[part]
                    _fill(got, i, pair["at"].to_numpy(), frame.loc[pair["row"].to_numpy()])
                other.found[j] = (t, frame[~twice].reset_index(drop=True))
                findings.add_one(quality.TWO_SOURCES, f"{int(twice.sum())} {table} records also in a CMS "
                                 "export: listed once, the CMS export's value first", file=other.info.name)


def _fill(got: _FileRead, i: int, at: np.ndarray, values: pd.DataFrame) -> None:
    """The CMS records at rows `at` take the other source's values (`values`, row for row)
    in their blank cells."""
    table, frame = got.found[i]
    for column in values.columns:
        if column.startswith("_"):
            continue
        given = values[column].to_numpy(dtype=object)
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype=frame["child_id"].dtype)
        current = frame.loc[at, column]
        frame.loc[at, column] = current.where(current.notna(), given)
    got.found[i] = (table, frame)


# --- column mappings against the headings read (SPEC §7) ---------------------------------

def mapping_problems(config: Config, seen: list[Header]) -> list[Problem]:
    """Column mappings that name a heading found in no file of their table. A [columns]
    mapping is wrong only when no table it serves has the heading. A table not read is
    not judged: its absence is reported on its own."""
    by_table: dict[str, list[Header]] = {}
    for h in seen:
        by_table.setdefault(h.table, []).append(h)
    problems: list[Problem] = []
    shared: dict[str, list[str]] = {}  # [columns] key -> the tables read that it serves
    for table, heads in by_table.items():
        for column, heading in config.table(table).columns.items():
            key = config.column_key(table, column)
            if key[0] == "columns":
                shared.setdefault(column, []).append(table)
            elif not _has(heads, heading):
                problems.append(_missed(config, key, heading, heads, f"table '{table}'"))
    for column, tables in shared.items():
        heads = [h for t in tables for h in by_table[t]]
        if not _has(heads, config.columns[column]):
            served = f"the table it serves ('{tables[0]}')" if len(tables) == 1 else \
                f"the tables it serves ({', '.join(tables)})"
            problems.append(_missed(config, ("columns", column), config.columns[column], heads, served))
    return problems


def _has(heads: list[Header], heading: str) -> bool:
    return norm(heading) in {norm(h) for head in heads for h in head.named}


def _shown(heading: str) -> str:
    return "'" + (heading if len(heading) <= 60 else heading[:57] + "...") + "'"


def _missed(config: Config, key: tuple[str, ...], heading: str, heads: list[Header], where: str) -> Problem:
    taken = {norm(h) for head in heads for h in head.named if h not in head.unused}
    unused = []
    for h in (h for head in heads for h in head.unused):
        if norm(h) not in taken:
            taken.add(norm(h))
            unused.append(h)
    near = closest(heading, unused)
    if near:
        hint = f"closest unused headings: {', '.join(map(_shown, near))}"
    elif unused:
        more = f", and {len(unused) - 5} more" if len(unused) > 5 else ""
        hint = f"no unused heading is close to it (unused: {', '.join(map(_shown, unused[:5]))}{more})"
    else:
        hint = "every heading of its files names another column"

    def text(verbose: bool) -> str:
        files = list(dict.fromkeys(_file_of(h, config, verbose) for h in heads))
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        return f"heading {_shown(heading)} is in no file of {where} (read: {', '.join(files[:3])}{more}); {hint}"

    plain, full = text(False), text(True)
    return config.problem(key, plain, full if full != plain else None)


def _file_of(h: Header, config: Config, verbose: bool) -> str:
    """Where a table's headings were read: a file or sheet named only when its name names
    a table (then it says nothing personal), or with --verbose."""
    if verbose:
        return _where(h.file, h.sheet)
    file = h.file if recognise(h.file, config, sheet=False) else f"a {kind_of(h.file)} file"
    if not h.sheet:
        return file
    return f"{file}, sheet '{h.sheet}'" if recognise(h.sheet, config, sheet=True) else f"{file}, a sheet"
