"""`ofsted-lists.toml` (SPEC §7): loaded, validated, and turned into plain settings.

Configuration exists only where local authorities really differ: where the files
are, what their headings and local values are called. Everything is optional.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .schema import TABLES, all_columns

DEFAULT_NAME = "ofsted-lists.toml"

VALUE_MAPPINGS = (
    "disability", "assessment_outcome", "contact_outcome", "gender", "ethnicity",
    "source", "primary_need", "abuse_category",
)
SAMPLE_CATEGORIES = (
    "early_help", "child_in_need", "child_protection", "contacts_no_referral",
    "referrals_nfa", "assessments_nfa", "strategy_s47",
)


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

    def table(self, name: str) -> TableConfig:
        return self.tables.get(name, TableConfig())

    def mapping(self, name: str) -> dict[str, str]:
        return self.values.get(name, {})


def _line_of(text: str, key: str) -> int | None:
    """Best-effort line number of a key in the TOML text, for error messages."""
    pattern = re.compile(rf'^\s*(\[+[^\]]*\b{re.escape(key)}\b[^\]]*\]+|"?{re.escape(key)}"?\s*=)', re.M)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def fail(self, key: str, message: str) -> UsageError:
        line = _line_of(self.text, key.rsplit(".", 1)[-1])
        where = f"{self.path.name}, line {line}" if line else self.path.name
        return UsageError(f"config {where}: '{key}': {message}")

    def table(self, value: Any, key: str, allowed: set[str] | None = None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table (a [section])")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    raise self.fail(f"{key}.{k}", f"unknown key; expected one of: {', '.join(sorted(allowed))}")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def strings(self, value: Any, key: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a string or a list of strings")
        return list(value)

    def integer(self, value: Any, key: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(key, f"must be a whole number from {lo} to {hi}")
        return value


def load(path: Path | None, *, explicit: bool) -> Config:
    """Load the config at `path`; a missing default file is no error, a missing explicit one is."""
    if path is None or not path.exists():
        if explicit:
            raise UsageError(f"config file not found: {path}")
        return Config()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config file {path.name}: {exc.__class__.__name__}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path.name} is not valid TOML: {exc}") from None
    return parse(raw, path, text)


def parse(raw: dict, path: Path, text: str = "") -> Config:
    c = _Checker(path, text)
    cfg = Config(path=path)
    c.table(raw, "", {"input", "output", "tables", "values", "rules", "sample"})
    base = path.parent
    if "input" in raw:
        section = c.table(raw["input"], "input", {"dir"})
        if "dir" in section:
            cfg.input_dir = base / c.string(section["dir"], "input.dir")
    if "output" in raw:
        section = c.table(raw["output"], "output", {"dir"})
        if "dir" in section:
            cfg.output_dir = base / c.string(section["dir"], "output.dir")
    if "tables" in raw:
        for name, section in c.table(raw["tables"], "tables", set(TABLES)).items():
            key = f"tables.{name}"
            c.table(section, key, {"files", "sheets", "columns"})
            tc = TableConfig(
                files=c.strings(section.get("files", []), f"{key}.files"),
                sheets=c.strings(section.get("sheets", []), f"{key}.sheets"),
            )
            known = {col.name for col in all_columns(TABLES[name])}
            for canonical, local in c.table(section.get("columns", {}), f"{key}.columns", known).items():
                tc.columns[canonical] = c.string(local, f"{key}.columns.{canonical}")
            cfg.tables[name] = tc
    if "values" in raw:
        values = c.table(raw["values"], "values", {*VALUE_MAPPINGS, "core_assessment_types"})
        for name, mapping in values.items():
            if name == "core_assessment_types":
                cfg.core_assessment_types = c.strings(mapping, "values.core_assessment_types")
                continue
            c.table(mapping, f"values.{name}")
            cfg.values[name] = {k: c.string(v, f"values.{name}.{k}") for k, v in mapping.items()}
    if "rules" in raw:
        section = c.table(raw["rules"], "rules", {"referral_window_days"})
        if "referral_window_days" in section:
            cfg.referral_window_days = c.integer(section["referral_window_days"], "rules.referral_window_days", 0, 365)
    if "sample" in raw:
        section = c.table(raw["sample"], "sample", {"counts"})
        counts = c.table(section.get("counts", {}), "sample.counts", set(SAMPLE_CATEGORIES))
        cfg.sample_counts = {k: c.integer(v, f"sample.counts.{k}", 0, 1000) for k, v in counts.items()}
    return cfg
