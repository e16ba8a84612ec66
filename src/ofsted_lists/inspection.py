"""`inspect` and `inspect --write-config` (SPEC §10.2): how the tool reads this LA's exports.

Per file (and sheet): the table it was recognised as, or why not; each heading and the
canonical column it maps to, or "not used"; the table's columns not found; and per coded
column the distinct values that map to no code, with their counts and a best guess. No
cell value is shown other than headings and those coded values: never an identifier, a
date or a name. A file or sheet is named only when its name names a table (else with
--verbose), as everywhere else (terminal.describe_unread).

`config_text` turns what was found into an `ofsted-lists.toml` that, used as it is, reads
the exports the same way: every mapping made is written out explicitly, and every unused
heading, missing column and unmapped value is a comment for the analyst to confirm.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, codes, output, readers
from .config import _TARGETS, VALUE_MAPPINGS, Config, Problem, TableConfig, problems_error
from .errors import OutputError, UserError
from .normalise import CODED, contact_outcome_flags
from .pipeline import missing_tables
from .readers import Header, InputFile
from .readers.annex_a_lists import numbered
from .schema import TABLES, all_columns, closest, norm
from .terminal import kind_of, safe, without_file_names

# Every coded column -> its kind, as the [values.<kind>] tables of the config name them.
CODED_COLUMNS: dict[str, str] = {
    **CODED,
    "gender": "gender", "ethnicity": "ethnicity", "disability": "disability", "disability_code": "disability",
    "assessment_outcome": "assessment_outcome", "contact_outcome": "contact_outcome",
}
# Ofsted's Annex A sheet names ("List 1", "List_11"): fixed words, never personal, so named.
_DEFAULT_WINDOW_DAYS = Config().referral_window_days


@dataclass
class Entry:
    """One entry of the input folder, in name order."""

    number: int
    name: str
    info: InputFile | None = None            # an export that was opened
    unread_sheets: list[str] = field(default_factory=list)
    why_not: str = ""                        # why the whole file was not read


@dataclass
class Unmapped:
    """A distinct coded value that maps to no code."""

    table: str
    column: str
    kind: str
    value: str
    rows: int
    guess: codes.Guess | None


@dataclass
class Survey:
    folder: Path
    config: Config
    entries: list[Entry]
    present: list[str]                        # tables read, in schema order
    missing: dict[str, list[str]]             # table -> the sheets that need it
    unmapped: list[Unmapped]
    disability_source: bool
    mapping_problems: list[Problem] = field(default_factory=list)  # config mappings naming no heading


# --- reading ---------------------------------------------------------------------------

def survey(folder: Path, config: Config, progress: Callable[[str, int, int], None] | None = None) -> Survey:
    """Read every export of `folder` leniently (a file that cannot be read is reported, not
    fatal) and collect what `inspect` shows. InputError only for a folder that cannot be read."""
    read = readers.read_folder(folder, config, readers.Findings(), progress, lenient=True)
    by_name = {f.name: f for f in read.files}
    others = set(read.unrecognised) - {f.name for f in read.files} - {
        e for e in read.unrecognised if any(e.startswith(f"{n} [") for n in by_name)}
    skipped = dict(read.skipped)
    names = sorted({*by_name, *others, *skipped})
    entries = []
    for number, name in enumerate(names, 1):
        entry = Entry(number, name, by_name.get(name))
        if entry.info is not None:
            prefix = f"{name} ["
            entry.unread_sheets = [e[len(prefix):-1] for e in read.unrecognised
                                   if e.startswith(prefix) and e.endswith("]")]
            if name in read.unrecognised:
                entry.why_not = "its name names no table"
        elif name in skipped:
            entry.why_not = f"named like an export but a {skipped[name]}"
        else:
            entry.why_not = "not a CSV, Excel or XML file"
        entries.append(entry)
    present = [t for t in TABLES if t in read.tables]
    has_disability = "disabilities" in read.tables or any(
        "disability" in frame.columns for frame in read.tables.values())
    return Survey(folder, config, entries, present, missing_tables(set(present)),
                  unmapped_values(read.tables, config), has_disability, read.mapping_problems)


def _unmapped_mask(kind: str, values: pd.Series, config: Config) -> pd.Series:
    """Which of `values` map to no code, by the same readings `build` uses."""
    extra = config.mapping(kind)
    if kind == "disability":
        return codes.parse_disability(values, extra).unmapped
    if kind == "assessment_outcome":
        return codes.map_assessment_outcome(values, extra).unmapped
    if kind == "contact_outcome":
        return values.notna() & contact_outcome_flags(values, config).isna()
    return codes.map_codes(kind, values, extra).unmapped


def _guess(kind: str, value: str) -> codes.Guess | None:
    try:
        return codes.best_guess(kind, value)
    except ValueError:  # a kind the matcher has no labels for
        return None


def unmapped_values(tables: dict[str, pd.DataFrame], config: Config) -> list[Unmapped]:
    """Per table and coded column, the distinct values that map to no code, most rows first."""
    out = []
    for table in TABLES:
        frame = tables.get(table)
        if frame is None:
            continue
        for column, kind in CODED_COLUMNS.items():
            if column not in frame.columns:
                continue
            counts = frame[column].dropna().value_counts()
            if counts.empty:
                continue
            distinct = pd.Series(counts.index, dtype="str")
            bad = _unmapped_mask(kind, distinct, config).to_numpy(dtype=bool)
            for value, rows in zip(distinct[bad], counts.to_numpy()[bad]):
                out.append(Unmapped(table, column, kind, value, int(rows), _guess(kind, value)))
    return sorted(out, key=lambda u: (list(TABLES).index(u.table), u.column, -u.rows, u.value))


# --- naming what may be named ------------------------------------------------------------

def _names_table(name: str, config: Config, *, sheet: bool) -> bool:
    return readers.recognise(name, config, sheet=sheet) is not None


def file_label(entry: Entry, config: Config, verbose: bool) -> str:
    """The file's name when it names a table (or with --verbose), else its number and kind."""
    if verbose or _names_table(entry.name, config, sheet=False) or (
            entry.info is not None and entry.info.error is None and readers.shows_name(entry.info, config)):
        return safe(entry.name)
    return f"file {entry.number} ({kind_of(entry.name)})"


def _sheet_named(sheet: str, config: Config, verbose: bool) -> bool:
    return verbose or _names_table(sheet, config, sheet=True) or numbered(sheet) is not None


def _where(entry: Entry, header: Header, config: Config, verbose: bool) -> str:
    label = file_label(entry, config, verbose)
    if not header.sheet:
        return label
    # A one-sheet workbook is read by its file name, whatever its sheet is called.
    return f"{label}, " + (f"sheet '{safe(header.sheet)}'" if _sheet_named(header.sheet, config, verbose)
                           else "its one sheet")


def _unread_sheets(entry: Entry, config: Config, verbose: bool) -> str:
    """The sheets of a workbook that were not read: named when their names may be shown."""
    named = [f"'{safe(x)}'" for x in entry.unread_sheets if _sheet_named(x, config, verbose)]
    others = len(entry.unread_sheets) - len(named)
    parts = ([f"sheet{'s' if len(named) > 1 else ''} {', '.join(named)}"] if named else []) + (
        [f"{others} {'other ' if named else ''}sheet{'s' if others > 1 else ''} (--verbose names "
         f"{'them' if others > 1 else 'it'})"] if others else [])
    return " and ".join(parts)


def _error_text(exc: UserError, survey_: Survey, verbose: bool) -> str:
    if verbose:
        return exc.verbose or str(exc)
    return str(without_file_names(exc, survey_.folder, survey_.config))


# --- what each heading became ----------------------------------------------------------

def how_mapped(heading: str, canonical: str, table: str, config: Config) -> str:
    """Why a heading names its column: the config, the canonical name, or an alias."""
    local = config.table(table).columns.get(canonical)
    if local is not None and norm(local) == norm(heading):
        return "config"
    return "its name" if norm(heading) == norm(canonical) else "alias"


def not_found(header: Header) -> list[str]:
    """The table's own columns no heading named (child-detail columns on event tables are
    optional extras, not listed)."""
    found = set(header.mapping.values())
    return [c.name for c in TABLES[header.table].columns if c.name not in found]


def unused(header: Header) -> list[str]:
    return [h for i, h in enumerate(header.headings) if h and i not in header.mapping]


def suggestion(column: str, table: str, headings: list[str]) -> str | None:
    """The unused heading that most looks like `column` (GENDER_MAIN_CODE for gender), by its
    name or an alias, as the warnings and config errors judge it (`schema.closest`)."""
    col = next(c for c in all_columns(TABLES[table]) if c.name == column)
    for name in (col.name, *col.aliases):
        if len(norm(name)) >= 4 and (near := closest(name, headings, n=1)):
            return near[0]
    return None


# --- the terminal report -------------------------------------------------------------------

@dataclass
class TableView:
    """A table for the terminal: cli.py renders it (escaped) with rich."""

    title: str
    columns: list[str]
    rows: list[tuple]
    right: frozenset[str] = frozenset()


def report(s: Survey, verbose: bool) -> list[str | TableView]:
    """What `inspect` prints, in order: per file and sheet, then the coded values, then the tables."""
    cfg = s.config
    out: list[str | TableView] = [f"Exports in {safe(s.folder)}: {len(s.entries)} files"]
    if s.mapping_problems:  # `build` would stop on these: say so first
        err = problems_error(cfg.path, s.mapping_problems)
        text = err.verbose if verbose and err.verbose else str(err)
        out.append(f"Config mappings that build would refuse (no file has the heading): {safe(text)}")
    for entry in s.entries:
        label = file_label(entry, cfg, verbose)
        if entry.why_not:
            out.append(f"{label}: not read: {entry.why_not}")
            continue
        if entry.info.error is not None:
            out.append(f"{label}: could not be read: {_error_text(entry.info.error, s, verbose)}")
            continue
        if entry.info.format != readers.cms.FORMAT:
            out.append(f"{label}: read as {entry.info.format}")
        for header in entry.info.headers:
            out.extend(_header_report(entry, header, s, verbose))
        if entry.unread_sheets:
            out.append(f"{label}: not read, as no table has its name: {_unread_sheets(entry, cfg, verbose)}. "
                       "To read one, name it under [tables.<table>] sheets = [...] in ofsted-lists.toml.")
        if not entry.info.headers and not entry.unread_sheets:
            out.append(f"{label}: no sheet holds data")
    out.append(_values_report(s))
    out.extend(_tables_report(s))
    return out


def _header_report(entry: Entry, header: Header, s: Survey, verbose: bool) -> list[str | TableView]:
    where = _where(entry, header, s.config, verbose)
    title = f"{where}: table {header.table}"
    if not header.mapping:
        # The header row was not found: the row it would show may be a child's record.
        why = _error_text(header.error, s, verbose) if header.error else "no heading names one of its columns"
        return [f"{title}: could not be read: {why}"]
    if not header.mapped:  # a national format: its elements are fixed, there is nothing to map
        rows = [(heading, header.mapping.get(i, "not used")) for i, heading in enumerate(header.headings) if heading]
        return [TableView(f"{title}, {header.rows} records", ["Element", "Column"], rows)]
    rows = []
    for i, heading in enumerate(header.headings):
        if not heading:
            continue
        canonical = header.mapping.get(i)
        rows.append((heading, canonical or "not used",
                     how_mapped(heading, canonical, header.table, s.config) if canonical else ""))
    out: list[str | TableView] = [TableView(f"{title}, header row {header.row}", ["Heading", "Column", "Matched by"],
                                            rows)]
    missing = not_found(header)
    if missing:
        required = {c.name for c in TABLES[header.table].columns if c.required}
        out.append(f"{where}: columns of {header.table} not found: "
                   + ", ".join(f"{c} (required)" if c in required else c for c in missing))
    if header.error is not None:
        out.append(f"{where}: cannot be read until that is fixed: {_error_text(header.error, s, verbose)}")
    return out


def _values_report(s: Survey) -> str | TableView:
    if not s.unmapped:
        return "Every coded value maps to a code."
    rows = [(u.table, u.column, u.value, u.rows, u.guess.label if u.guess else "no guess",
             u.guess.reason if u.guess else "") for u in s.unmapped]
    return TableView("Coded values that map to no code (map them under [values.<kind>] in ofsted-lists.toml)",
                     ["Table", "Column", "Value", "Rows", "Best guess", "Why"], rows, frozenset({"Rows"}))


def _tables_report(s: Survey) -> list[str]:
    out = [f"Tables read: {', '.join(s.present) or 'none'}."]
    for table, sheets in s.missing.items():
        out.append(f"no {table} export: {', '.join(sheets)} {'needs' if len(sheets) == 1 else 'need'} it.")
    if s.present and not s.disability_source:
        out.append("no disability source (no disability column, no disabilities export): no child can be listed.")
    return out


# --- the config file ---------------------------------------------------------------------

def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and what the terminal would escape
    (control characters, bidi overrides) escaped, so a heading or value can never end or
    disguise the line it is written on."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif safe(ch) != ch:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def _reads_the_same(headers: list[Header], table: str, tc: TableConfig) -> bool:
    return all(readers.map_headings(h.headings, TABLES[table], tc) == h.mapping for h in headers)


def _table_columns(table: str, headers: list[Header], config: Config) -> tuple[dict[str, str], list[str]]:
    """(canonical -> heading to write, comments): the heading each column was read by (the
    first file's, when files differ), checked to read every file of the table the same way."""
    chosen: dict[str, str] = {}
    notes = []
    for h in headers:
        for i, canonical in sorted(h.mapping.items()):
            heading = h.headings[i]
            if canonical not in chosen and "\x00" not in heading:
                chosen[canonical] = heading
    old = config.table(table)
    if not _reads_the_same(headers, table, TableConfig(old.files, old.sheets, chosen)):
        notes.append("The files of this table name a column by different headings in a way one mapping "
                     "cannot serve: the mappings of the config inspect ran with are kept.")
        chosen = dict(old.columns)
    return chosen, notes


def config_text(s: Survey, dest: Path, today: dt.date | None = None) -> str:
    """The `ofsted-lists.toml` for these exports (see the module docstring)."""
    cfg = s.config
    lines = [
        f"# ofsted-lists.toml written by `ofsted-lists inspect --write-config` (ofsted-lists {__version__}, "
        f"{(today or dt.date.today()):%d/%m/%Y}).",
        "# Used as it is, it reads the exports exactly as inspect did. Every heading mapping the tool made is",
        "# written out below; headings it did not use, columns it did not find and coded values that map to",
        "# no code are comments. Check them; to use a commented line, remove its leading \"# \".",
        "",
        "[input]",
        f"dir = {toml_string(_relative(s.folder, dest))}",
    ]
    if cfg.output_dir is not None:
        lines += ["", "[output]", f"dir = {toml_string(_relative(cfg.output_dir, dest))}"]
    if cfg.referral_window_days != _DEFAULT_WINDOW_DAYS:
        lines += ["", "[rules]", f"referral_window_days = {cfg.referral_window_days}"]
    lines += _tables_text(s)
    lines += _values_text(s)
    if cfg.sample_counts:
        lines += ["", "[sample.counts]", *(f"{k} = {v}" for k, v in cfg.sample_counts.items())]
    return "\n".join(lines) + "\n"


def _relative(path: Path, dest: Path) -> str:
    """`path` relative to the config file's folder (the config reads it so), else absolute."""
    target = path.absolute()
    try:
        return Path(os.path.relpath(target, dest.absolute().parent)).as_posix()
    except ValueError:  # another drive
        return str(target)


def _tables_text(s: Survey) -> list[str]:
    cfg = s.config
    per_table: dict[str, list[tuple[Entry, Header]]] = {}
    for entry in s.entries:
        for header in entry.info.headers if entry.info and not entry.why_not else []:
            if header.mapped:  # a national format's elements are fixed: nothing to write
                per_table.setdefault(header.table, []).append((entry, header))
    lines: list[str] = []
    for table in TABLES:
        found = per_table.get(table, [])
        old = cfg.table(table)
        if not found and table not in cfg.tables:
            continue
        if old.files or old.sheets:
            lines += ["", f"[tables.{table}]"]
            lines += [f"files = {_strings(old.files)}"] if old.files else []
            lines += [f"sheets = {_strings(old.sheets)}"] if old.sheets else []
        lines += ["", f"[tables.{table}.columns]"]
        for entry, header in found:
            where = _where(entry, header, cfg, verbose=False)
            if not header.mapping:
                lines.append(f"# {where}: no header row found (no heading names a column of {table}).")
            elif header.error is not None:
                lines.append(f"# {where}: cannot be read yet: {safe(_error_text(header.error, s, False))}")
            else:
                lines.append(f"# Read from {where}, header row {header.row}.")
        columns, notes = _table_columns(table, [h for _, h in found if h.mapping], cfg)
        lines += [f"# {n}" for n in notes]
        for canonical in (c.name for c in all_columns(TABLES[table])):
            if canonical in columns:
                lines.append(f"{canonical} = {toml_string(columns[canonical])}")
        lines += _column_comments(table, found, columns, cfg)
    return lines


def _column_comments(table: str, found: list[tuple[Entry, Header]], columns: dict[str, str],
                     cfg: Config) -> list[str]:
    lines = []
    seen = {norm(h) for _, header in found for h in header.headings}
    for canonical, local in cfg.table(table).columns.items():
        if norm(local) not in seen:
            lines.append(f"# From the config inspect ran with, naming a heading found in no file: "
                         f"{canonical} = {toml_string(local)}")
    for entry, header in found:
        if not header.mapping:
            continue
        where = _where(entry, header, cfg, verbose=False)
        for i, canonical in sorted(header.mapping.items()):
            if norm(columns.get(canonical, "")) != norm(header.headings[i]):
                lines.append(f"# {where} names {canonical} {toml_string(header.headings[i])}.")
        spare = unused(header)
        if spare:
            lines.append(f"# {where}: headings not used (map one as  column = \"heading\"):")
            lines += [f"#   {toml_string(h)}" for h in spare]
        missing = [c for c in not_found(header) if c not in columns]
        if missing:
            lines.append(f"# {where}: columns not found: {', '.join(missing)}")
            for column in missing:
                if (near := suggestion(column, table, spare)) is not None:
                    lines.append(f"# {column} = {toml_string(near)}   # a guess from the heading: check it")
    return lines


def _values_text(s: Survey) -> list[str]:
    cfg = s.config
    lines: list[str] = []
    if cfg.core_assessment_types:
        lines += ["", "[values]", f"core_assessment_types = {_strings(cfg.core_assessment_types)}"]
    by_kind: dict[str, dict[str, list[Unmapped]]] = {}
    for u in s.unmapped:
        by_kind.setdefault(u.kind, {}).setdefault(u.value, []).append(u)
    for kind in VALUE_MAPPINGS:
        known, found = cfg.mapping(kind), by_kind.get(kind, {})
        if not known and not found:
            continue
        lines += ["", f"[values.{kind}]", f"# Target: {_TARGETS[kind]}."]
        lines += [f"{toml_string(local)} = {toml_string(code)}" for local, code in known.items()]
        if found:
            lines.append("# Values in the exports that map to no code (rows holding each) with the tool's best "
                         "guess. Check each, then remove the leading \"# \":")
        for value, seen in found.items():
            rows = sum(u.rows for u in seen)
            where = ", ".join(dict.fromkeys(f"{u.table}.{u.column}" for u in seen))
            guess = seen[0].guess
            target = toml_string(guess.label) if guess else '""'
            why = f"best guess: {guess.reason}" if guess else "no guess: write the code"
            lines.append(f"# {toml_string(value)} = {target}   # {rows} rows in {where}; {safe(why)}")
    return lines


# --- writing -----------------------------------------------------------------------------

def check_destination(dest: Path, force: bool) -> None:
    """Refuse, before any reading, to replace an existing file unless --force."""
    if (dest.exists() or dest.is_symlink()) and not force:
        raise OutputError(f"{dest} exists: give --force to replace it, or another --write-config FILE")
    if dest.is_dir():
        raise OutputError(f"cannot write {dest}: it is a folder")


def write_config(s: Survey, dest: Path, force: bool) -> None:
    """Write the config atomically with mode 0600 (output.atomic_write)."""
    check_destination(dest, force)
    text = config_text(s, dest).encode("utf-8")
    output.atomic_write(dest, lambda fh: fh.write(text))
