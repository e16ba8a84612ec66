"""`ofsted-lists.toml` (SPEC §7): loaded, validated, and turned into plain settings.

Configuration exists only where local authorities really differ: where the files
are, what their headings and local values are called. Everything is optional.
Every mistake is a UsageError naming the key and the line it is on.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .output import path_problem
from .schema import TABLES, all_columns, closest

DEFAULT_NAME = "ofsted-lists.toml"

# [values.<name>]: local value -> code. The coded kinds are those of codes.map_codes.
CODE_KINDS = ("gender", "ethnicity", "source", "primary_need", "abuse_category")
VALUE_MAPPINGS = ("disability", "assessment_outcome", "contact_outcome", *CODE_KINDS)
_TARGETS = {
    "disability": "a CIN disability code (MOB, HAND, PC, INC, COMM, LD, HEAR, VIS, BEH, CON, AUT, DDA), "
                  "NONE, Yes, No or Unknown",
    "assessment_outcome": "nfa, other_agency, csc or s47",
    "contact_outcome": "yes or no (led to a referral)",
    "gender": "a CIN gender code or label (1/Male, 2/Female, 9/Neither, 0/Not stated)",
    "ethnicity": "a CBDS ethnicity code such as WBRI, MWBC or NOBT",
    "source": "a CIN source code such as 1A, 2A, 3A, 5D, 6 or 10",
    "primary_need": "a CIN need code N0 to N9",
    "abuse_category": "NEG, PHY, SAB, EMO or MUL",
}


@dataclass
class TableConfig:
    files: list[str] = field(default_factory=list)   # globs on file names
    sheets: list[str] = field(default_factory=list)  # globs on sheet names
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> local heading


@dataclass
class Config:
    path: Path | None = None
    input_dir: Path | None = None
    output_dir: Path | None = None
    tables: dict[str, TableConfig] = field(default_factory=dict)
    # [columns]: canonical -> local heading, for every table without its own mapping.
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    core_assessment_types: list[str] = field(default_factory=list)
    referral_window_days: int = 7
    sample_counts: dict[str, int] = field(default_factory=dict)
    # Mistakes found on loading with defer=True, reported by readers.read_folder together
    # with the mappings its files contradict.
    problems: list[Problem] = field(default_factory=list)
    key_lines: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False, compare=False)
    fail_on: frozenset[str] = frozenset()  # warning kinds that end a run with exit 4 (alerts.KINDS)
    freshness_days: int = 14  # an event table whose latest record is older than this is stale
    profile: str | None = None  # `profile = "annex-a"`: the profile when --profile is not given
    annex_a_version: str = "newer"  # [annex_a] version: "2019" writes the August 2019 layout (SPEC §9)
    # [annex_a] List 8 settings (annex-a-full.md §2.8 notes C, G, J; defaults PROPOSED).
    placements: str = "change-of-carer"  # or "every-placement": T/U moves count as placements too
    second_period: str = "overlap"  # or "start": a previous period starting in the 12 months (D2I)
    la_code: str | None = None  # the LA's own code (E10000014) and name: List 8's placement location
    la_name: str | None = None
    postcode_lookup: Path | None = None  # CSV of postcode -> LA code (and name), relative to the config

    def table(self, name: str) -> TableConfig:
        """The table's settings; its column mappings include those of [columns] it has no
        own mapping for."""
        own = self.tables.get(name, TableConfig())
        known = {c.name for c in all_columns(TABLES[name])} if name in TABLES else set()
        shared = {c: h for c, h in self.columns.items() if c in known and c not in own.columns}
        return replace(own, columns={**shared, **own.columns}) if shared else own

    def mapping(self, name: str) -> dict[str, str]:
        return self.values.get(name, {})

    def column_key(self, table: str, column: str) -> tuple[str, ...]:
        """The config key a table's column mapping comes from: its own, else [columns]'."""
        if column in self.tables.get(table, TableConfig()).columns:
            return ("tables", table, "columns", column)
        return ("columns", column)

    def problem(self, key: tuple[str, ...], text: str, verbose: str | None = None) -> Problem:
        return Problem(key, line_of(self.key_lines, key), text, verbose)


# --- where a key is in the file ------------------------------------------------------

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_PATH = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER_LINE = re.compile(rf"^\s*\[\[?\s*({_PATH})\s*\]\]?")
_KEY_LINE = re.compile(rf"^\s*({_PATH})\s*=")


def _parts(path: str) -> tuple[str, ...]:
    out = []
    for p in re.findall(_PART, path):
        if p[0] in "\"'":
            try:
                p = tomllib.loads(f"k = {p}")["k"]
            except tomllib.TOMLDecodeError:
                p = p[1:-1]
        out.append(p)
    return tuple(out)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Full key path -> the 1-based line that defines it (tables, their prefixes, keys)."""
    lines: dict[tuple[str, ...], int] = {}
    current: tuple[str, ...] = ()
    in_string = False
    for n, line in enumerate(text.splitlines(), 1):
        if in_string:  # inside a multi-line string: no keys here
            in_string = (line.count('"""') + line.count("'''")) % 2 == 0
            continue
        if m := _HEADER_LINE.match(line):
            current = _parts(m.group(1))
            for i in range(1, len(current) + 1):
                lines.setdefault(current[:i], n)
        elif m := _KEY_LINE.match(line):
            lines.setdefault(current + _parts(m.group(1)), n)
            in_string = (line.count('"""') + line.count("'''")) % 2 == 1
    return lines


def _dotted(key: tuple[str, ...]) -> str:
    return ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else '"' + k.replace('"', '\\"') + '"' for k in key)


# --- validation ------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One mistake in the config file: its key, the line that key is on, what is wrong.
    `verbose`: the text with file names that may be personal, shown with --verbose."""

    key: tuple[str, ...]
    line: int | None
    text: str
    verbose: str | None = None


def line_of(lines: dict[tuple[str, ...], int], key: tuple[str, ...]) -> int | None:
    """The key's line, else its nearest enclosing table's (a key in an inline table)."""
    for i in range(len(key), 0, -1):
        if key[:i] in lines:
            return lines[key[:i]]
    return None


class _Bad(Exception):
    """A key's problem, already recorded: parsing goes on with the next key."""


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = key_lines(text)
        self.problems: list[Problem] = []

    def fail(self, key: tuple[str, ...], message: str) -> _Bad:
        self.problems.append(Problem(key, line_of(self.lines, key), message))
        return _Bad()

    @contextlib.contextmanager
    def each(self):
        """Check one key: its problem is recorded and the next key is checked all the same."""
        try:
            yield
        except _Bad:
            pass

    def table(self, value: Any, key: tuple[str, ...], allowed: set[str] | None = None,
              what: str | None = None) -> dict:
        """`value` as a table; each unknown key is recorded and left out. `what` describes
        the allowed keys when there are too many to list."""
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table (a [section] or { ... })")
        if allowed is None:
            return value
        for k in value:
            if k not in allowed:
                if what is None:
                    self.fail((*key, k), f"unknown key; expected one of: {', '.join(sorted(allowed))}")
                else:
                    near = " or ".join(repr(n) for n in closest(k, sorted(allowed)))
                    self.fail((*key, k), f"unknown key; {what}" + (f"; did you mean {near}?" if near else ""))
        return {k: v for k, v in value.items() if k in allowed}

    def string(self, value: Any, key: tuple[str, ...]) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        if "\x00" in value:  # no file name or heading holds one; a path with one is unusable
            raise self.fail(key, "must not contain a NUL character (\\u0000)")
        return value

    def strings(self, value: Any, key: tuple[str, ...]) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a string or a list of strings")
        return [self.string(v, key) for v in value]

    def integer(self, value: Any, key: tuple[str, ...], lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(key, f"must be a whole number from {lo} to {hi}")
        return value

    def target(self, kind: str, local: str, value: Any, key: tuple[str, ...]) -> str:
        """A value mapping's target must name a code the tool knows for that kind."""
        value = self.string(value, key)
        if not _valid_target(kind, local, value):
            raise self.fail(key, f"'{value}' names no valid code; expected {_TARGETS[kind]}")
        return value


def problems_error(path: Path | None, problems: list[Problem], note: str = "") -> UsageError:
    """One UsageError listing every problem, in the order of the file's lines: one run
    shows every mistake (SPEC §10.2). `note` is added at the end."""
    problems = sorted(problems, key=lambda p: p.line or 0)
    name = path.name if path else DEFAULT_NAME

    def message(verbose: bool) -> str:
        def one(p: Problem, lead: str) -> str:
            return f"{lead}'{_dotted(p.key)}': {p.verbose if verbose and p.verbose else p.text}"

        if len(problems) == 1:
            p = problems[0]
            text = one(p, f"config {name}, line {p.line}: " if p.line else f"config {name}: ")
        else:
            text = f"config {name}: {len(problems)} problems: " + "; ".join(
                one(p, f"({i}) line {p.line}: " if p.line else f"({i}) ") for i, p in enumerate(problems, 1))
        return text + note

    plain, full = message(False), message(True)
    return UsageError(plain, verbose=full if full != plain else None)


def _valid_target(kind: str, local: str, value: str) -> bool:
    # Imported here: codes and values are heavy and only needed when a mapping is given.
    import pandas as pd

    from . import codes, values

    empty = pd.Series([], dtype="str")
    try:
        if kind == "disability":
            codes.parse_disability(empty, {local: value})
        elif kind == "assessment_outcome":
            codes.map_assessment_outcome(empty, {local: value})
        elif kind == "contact_outcome":
            parsed = values.parse_yes_no(pd.Series([value], dtype="str"))
            return not parsed.bad.iloc[0] and not pd.isna(parsed.values.iloc[0])
        else:
            codes.map_codes(kind, empty, {local: value})
    except UsageError:
        return False
    return True


def _read_text(path: Path) -> str | None:
    """The file's text; None if there is no file. Opened without blocking and refused
    unless a regular file, so a FIFO or a device named as the config cannot hang a run."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UsageError(f"config file {path} is a folder; give the path of a .toml file") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {path_problem(exc)}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise UsageError(f"config file {path} is a folder; give the path of a .toml file")
        raise UsageError(f"config file {path} is not a regular file (a pipe, socket or device); "
                         "give the path of a .toml file")
    with os.fdopen(fd, "rb") as fh:
        try:
            return fh.read().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read config file {path.name}: {exc.__class__.__name__} "
                             "(it must be a UTF-8 text file)") from None


def load(path: Path | None, *, explicit: bool, defer: bool = False) -> Config:
    """Load the config at `path`; a missing default file is no error, a missing explicit one is.

    Every mistake in the file is reported in one UsageError. With `defer`, the mistakes
    are kept in `Config.problems` instead, for readers.read_folder to report together
    with the column mappings that name no heading of their table's files."""
    text = None if path is None else _read_text(path)
    if text is None:
        if explicit:
            raise UsageError(f"config file not found: {path}")
        return Config()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path.name} is not valid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"config {path.name} is nested too deeply to be a settings file") from None
    return parse(raw, path, text, defer=defer)


SECTIONS = {"input", "output", "tables", "columns", "values", "rules", "sample", "fail_on", "freshness", "profile",
            "annex_a"}
# [annex_a] version: the layout written (annex-a-full.md §6.5); "2023" names the newer one.
ANNEX_A_VERSIONS = {"2019": "2019", "2023": "newer", "newer": "newer"}
# [annex_a] choices of List 8 (annex-a-full.md §2.8): the allowed values, the default first.
ANNEX_A_CHOICES = {"placements": ("change-of-carer", "every-placement"), "second_period": ("overlap", "start")}
ANNEX_A_KEYS = {"version", *ANNEX_A_CHOICES, "la_code", "la_name", "postcode_lookup"}


def parse(raw: dict, path: Path, text: str = "", *, defer: bool = False) -> Config:
    """Validate a parsed TOML document into a Config; `text` gives error messages line numbers.

    Every key is checked, a bad one left out; then every problem is raised at once as a
    UsageError, or with `defer` kept in `Config.problems`."""
    c = _Checker(path, text)
    cfg = Config(path=path, key_lines=c.lines)
    raw = c.table(raw, (), SECTIONS)
    base = path.parent
    with c.each():
        section = c.table(raw.get("input", {}), ("input",), {"dir"})
        if "dir" in section:
            cfg.input_dir = base / c.string(section["dir"], ("input", "dir"))
    with c.each():
        section = c.table(raw.get("output", {}), ("output",), {"dir"})
        if "dir" in section:
            cfg.output_dir = base / c.string(section["dir"], ("output", "dir"))
    with c.each():
        for name, section in c.table(raw.get("tables", {}), ("tables",), set(TABLES)).items():
            with c.each():
                cfg.tables[name] = _table_config(c, name, section)
    with c.each():
        known = {col.name for t in TABLES.values() for col in all_columns(t)}
        what = "not a canonical column of any table (the README lists them)"
        for canonical, local in c.table(raw.get("columns", {}), ("columns",), known, what).items():
            with c.each():
                cfg.columns[canonical] = c.string(local, ("columns", canonical))
    with c.each():
        section = c.table(raw.get("values", {}), ("values",), {*VALUE_MAPPINGS, "core_assessment_types"})
        for name, mapping in section.items():
            with c.each():
                if name == "core_assessment_types":
                    cfg.core_assessment_types = c.strings(mapping, ("values", name))
                    continue
                cfg.values[name] = {}
                for k, v in c.table(mapping, ("values", name)).items():
                    with c.each():
                        cfg.values[name][k] = c.target(name, k, v, ("values", name, k))
    with c.each():
        section = c.table(raw.get("rules", {}), ("rules",), {"referral_window_days"})
        if "referral_window_days" in section:
            cfg.referral_window_days = c.integer(section["referral_window_days"],
                                                 ("rules", "referral_window_days"), 0, 365)
    if "fail_on" in raw:
        from .alerts import parse_kinds  # imported here: alerts needs the lists

        with c.each():
            try:
                kinds = raw["fail_on"] if raw["fail_on"] == [] else c.strings(raw["fail_on"], ("fail_on",))
                cfg.fail_on = parse_kinds(kinds) if kinds else frozenset()
            except ValueError as exc:
                raise c.fail(("fail_on",), str(exc)) from None
    with c.each():
        section = c.table(raw.get("freshness", {}), ("freshness",), {"days"})
        if "days" in section:
            cfg.freshness_days = c.integer(section["days"], ("freshness", "days"), 0, 3650)
    if "profile" in raw:
        from .profiles import PROFILES  # imported here: the profiles need the lists

        with c.each():
            name = c.string(raw["profile"], ("profile",)).strip().lower()
            if name not in PROFILES:
                raise c.fail(("profile",), f"profile must be {' or '.join(PROFILES)}, not '{raw['profile']}'")
            cfg.profile = name
    with c.each():
        section = c.table(raw.get("annex_a", {}), ("annex_a",), ANNEX_A_KEYS)
        if "version" in section:
            given = section["version"]  # `version = 2019` (a number) means the same as "2019"
            version = str(given) if isinstance(given, int) and not isinstance(given, bool) else \
                c.string(given, ("annex_a", "version")).strip().lower()
            if version not in ANNEX_A_VERSIONS:
                raise c.fail(("annex_a", "version"), f"annex_a.version must be \"2019\" or \"2023\" (the newer "
                                                     f"layout), not '{section['version']}'")
            cfg.annex_a_version = ANNEX_A_VERSIONS[version]
        _annex_a_list8(c, section, cfg, base)
    if "sample" in raw:
        from .sample import CATEGORIES  # imported here: sample needs the whole pipeline

        with c.each():
            section = c.table(raw["sample"], ("sample",), {"counts"})
            counts = c.table(section.get("counts", {}), ("sample", "counts"), {cat.key for cat in CATEGORIES})
            for k, v in counts.items():
                with c.each():
                    cfg.sample_counts[k] = c.integer(v, ("sample", "counts", k), 0, 1000)
    cfg.problems = sorted(c.problems, key=lambda p: p.line or 0)
    if cfg.problems and not defer:
        raise problems_error(path, cfg.problems)
    return cfg


def _annex_a_list8(c: _Checker, section: dict, cfg: Config, base: Path) -> None:
    """[annex_a]'s List 8 keys: the two counting choices, the LA's code and name, the lookup file."""
    for key, allowed in ANNEX_A_CHOICES.items():
        with c.each():
            if key in section:
                value = c.string(section[key], ("annex_a", key)).strip().lower()
                if value not in allowed:
                    raise c.fail(("annex_a", key), f"annex_a.{key} must be " + " or ".join(f'"{a}"' for a in allowed)
                                 + f", not '{section[key]}'")
                setattr(cfg, key, value)
    for key in ("la_code", "la_name"):
        with c.each():
            if key in section:
                setattr(cfg, key, c.string(section[key], ("annex_a", key)).strip())
    with c.each():
        if "postcode_lookup" in section:
            cfg.postcode_lookup = base / c.string(section["postcode_lookup"], ("annex_a", "postcode_lookup"))


def _table_config(c: _Checker, name: str, section: Any) -> TableConfig:
    key = ("tables", name)
    section = c.table(section, key, {"files", "sheets", "columns"})
    tc = TableConfig()
    with c.each():
        tc.files = c.strings(section.get("files", []), (*key, "files"))
    with c.each():
        tc.sheets = c.strings(section.get("sheets", []), (*key, "sheets"))
    with c.each():
        known = {col.name for col in all_columns(TABLES[name])}
        for canonical, local in c.table(section.get("columns", {}), (*key, "columns"), known).items():
            with c.each():
                tc.columns[canonical] = c.string(local, (*key, "columns", canonical))
    return tc
