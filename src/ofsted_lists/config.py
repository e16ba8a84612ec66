"""`ofsted-lists.toml` (SPEC §7): loaded, validated, and turned into plain settings.

Configuration exists only where local authorities really differ: where the files
are, what their headings and local values are called. Everything is optional.
Every mistake is a UsageError naming the key and the line it is on.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .output import path_problem
from .schema import TABLES, all_columns

DEFAULT_NAME = "ofsted-lists.toml"
TOP_KEYS = frozenset({"input", "output", "tables", "values", "rules", "sample", "fail_on", "freshness"})

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
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    core_assessment_types: list[str] = field(default_factory=list)
    referral_window_days: int = 7
    sample_counts: dict[str, int] = field(default_factory=dict)
    fail_on: frozenset[str] = frozenset()  # warning kinds that end a run with exit 4 (alerts.KINDS)
    freshness_days: int = 14  # an event table whose latest record is older than this is stale

    def table(self, name: str) -> TableConfig:
        return self.tables.get(name, TableConfig())

    def mapping(self, name: str) -> dict[str, str]:
        return self.values.get(name, {})


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

class _Checker:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = key_lines(text)

    def line(self, key: tuple[str, ...]) -> int | None:
        """The key's line, else its nearest enclosing table's (a key in an inline table)."""
        for i in range(len(key), 0, -1):
            if key[:i] in self.lines:
                return self.lines[key[:i]]
        return None

    def fail(self, key: tuple[str, ...], message: str) -> UsageError:
        line = self.line(key)
        where = f"{self.path.name}, line {line}" if line else self.path.name
        return UsageError(f"config {where}: '{_dotted(key)}': {message}")

    def table(self, value: Any, key: tuple[str, ...], allowed: set[str] | None = None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table (a [section] or { ... })")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    raise self.fail((*key, k), f"unknown key; expected one of: {', '.join(sorted(allowed))}")
        return value

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


def load(path: Path | None, *, explicit: bool) -> Config:
    """Load the config at `path`; a missing default file is no error, a missing explicit one is."""
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
    return parse(raw, path, text)


def parse(raw: dict, path: Path, text: str = "") -> Config:
    """Validate a parsed TOML document into a Config; `text` gives error messages line numbers."""
    c = _Checker(path, text)
    cfg = Config(path=path)
    for k in raw:
        if k not in TOP_KEYS:
            raise c.fail((k,), f"unknown key; expected one of: {', '.join(sorted(TOP_KEYS))}")
    base = path.parent
    if "input" in raw:
        section = c.table(raw["input"], ("input",), {"dir"})
        if "dir" in section:
            cfg.input_dir = base / c.string(section["dir"], ("input", "dir"))
    if "output" in raw:
        section = c.table(raw["output"], ("output",), {"dir"})
        if "dir" in section:
            cfg.output_dir = base / c.string(section["dir"], ("output", "dir"))
    if "tables" in raw:
        for name, section in c.table(raw["tables"], ("tables",), set(TABLES)).items():
            key = ("tables", name)
            c.table(section, key, {"files", "sheets", "columns"})
            tc = TableConfig(
                files=c.strings(section.get("files", []), (*key, "files")),
                sheets=c.strings(section.get("sheets", []), (*key, "sheets")),
            )
            known = {col.name for col in all_columns(TABLES[name])}
            for canonical, local in c.table(section.get("columns", {}), (*key, "columns"), known).items():
                tc.columns[canonical] = c.string(local, (*key, "columns", canonical))
            cfg.tables[name] = tc
    if "values" in raw:
        section = c.table(raw["values"], ("values",), {*VALUE_MAPPINGS, "core_assessment_types"})
        for name, mapping in section.items():
            if name == "core_assessment_types":
                cfg.core_assessment_types = c.strings(mapping, ("values", name))
                continue
            c.table(mapping, ("values", name))
            cfg.values[name] = {k: c.target(name, k, v, ("values", name, k)) for k, v in mapping.items()}
    if "rules" in raw:
        section = c.table(raw["rules"], ("rules",), {"referral_window_days"})
        if "referral_window_days" in section:
            cfg.referral_window_days = c.integer(section["referral_window_days"],
                                                 ("rules", "referral_window_days"), 0, 365)
    if "fail_on" in raw:
        from .alerts import parse_kinds  # imported here: alerts needs the lists

        try:
            kinds = raw["fail_on"] if raw["fail_on"] == [] else c.strings(raw["fail_on"], ("fail_on",))
            cfg.fail_on = parse_kinds(kinds) if kinds else frozenset()
        except ValueError as exc:
            raise c.fail(("fail_on",), str(exc)) from None
    if "freshness" in raw:
        section = c.table(raw["freshness"], ("freshness",), {"days"})
        if "days" in section:
            cfg.freshness_days = c.integer(section["days"], ("freshness", "days"), 0, 3650)
    if "sample" in raw:
        from .sample import CATEGORIES  # imported here: sample needs the whole pipeline

        section = c.table(raw["sample"], ("sample",), {"counts"})
        counts = c.table(section.get("counts", {}), ("sample", "counts"), {cat.key for cat in CATEGORIES})
        cfg.sample_counts = {k: c.integer(v, ("sample", "counts", k), 0, 1000) for k, v in counts.items()}
    return cfg
