"""The whole job as a library call: read → normalise → disability → lists → report.

`build_lists(...)` is what the CLI's build, sample and validate commands share; it
can be imported and used from a notebook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from . import __version__, disability, readers, threads
from .changes import Changes
from .config import Config
from .errors import InputError
from .lists import LISTS, Context, ListResult, child_columns, empty
from .normalise import Dataset, normalise
from .quality import Findings
from .readers import ReadResult
from .terminal import describe_unread
from .window import Window, make_window
from .workbook import Block, Chart, Report, Sheet

PROFILE = "disabled-children"


@dataclass
class Run:
    window: Window
    today: dt.date
    read: ReadResult
    dataset: Dataset
    lists: list[ListResult]
    findings: Findings
    generated: dt.datetime

    @property
    def as_of(self) -> dt.date:
        return self.window.end


def missing_tables(present: set[str]) -> dict[str, list[str]]:
    """Tables the lists need and the input lacks -> the sheets that need them."""
    out: dict[str, list[str]] = {}
    for module in LISTS:
        for table in module.SPEC.needs:
            if table not in present:
                out.setdefault(table, []).append(module.SPEC.sheet)
    return out


def build_lists(
    input_dir: Path,
    config: Config,
    *,
    as_of: dt.date,
    since: str = "12m",
    allow_missing: bool = False,
    today: dt.date | None = None,
    progress: Callable[[str, int, int], None] | None = None,  # (files being read, bytes done, bytes in all)
    stage: Callable[[str], None] | None = None,
) -> Run:
    today = today or dt.date.today()
    window = make_window(since, as_of)
    findings = Findings()
    read = readers.read_folder(input_dir, config, findings, progress)
    missing = missing_tables(set(read.tables))
    if missing and not allow_missing:
        lines = "; ".join(f"no {t} export (needed by {', '.join(s)})" for t, s in missing.items())
        fix = f" Add the export to {input_dir}, name it in ofsted-lists.toml, or give --allow-missing to write the other lists"

        def message(verbose: bool) -> str:
            # A file or sheet name can be personal data: counted, and named only with --verbose.
            books = {f.name for f in read.files}
            unread = f" Not recognised: {describe_unread(read.unrecognised, books, verbose)}." \
                if read.unrecognised else ""
            return f"{lines}.{unread}{fix}"

        raise InputError(message(False), verbose=message(True))
    say = stage or (lambda text: None)
    say("checking the data")
    ds = normalise(read.tables, as_of, today, config, findings)
    say("building the lists")
    status = disability.assess(ds, config, findings)
    ctx = Context(ds=ds, window=window, disability=status, children=child_columns(ds, config, findings),
                  config=config, findings=findings)
    results = _build_all(ctx, missing)
    return Run(window, today, read, ds, results, findings, dt.datetime.now().replace(microsecond=0))


def _build_all(ctx: Context, missing: dict[str, list[str]]) -> list[ListResult]:
    """Every list, two at a time; each collects its own findings, added in sheet order."""

    def one(module) -> tuple[ListResult, Findings]:
        if any(t in missing for t in module.SPEC.needs):
            return empty(module.SPEC), Findings()
        own = Findings()
        return module.build(replace(ctx, findings=own)), own

    built = threads.map_ordered(one, LISTS)
    for _, own in built:
        ctx.findings.extend(own)
    return [result for result, _ in built]


def _note(result: ListResult) -> str:
    if not result.produced:
        return "not produced: no " + ", ".join(result.spec.needs) + " export"
    return "no child met the criterion" if result.frame.empty else ""


def per_month(run: Run) -> pd.DataFrame:
    """Listed contacts and referrals per calendar month of the window (for the chart)."""
    start, end = pd.Timestamp(run.window.start), pd.Timestamp(run.window.end)
    months = pd.period_range(start.to_period("M"), end.to_period("M"), freq="M")
    by_key = {r.spec.key: r for r in run.lists}

    def count(key: str, column: str) -> list[int]:
        frame = by_key[key].frame
        if frame.empty or column not in frame:
            return [0] * len(months)
        per = pd.to_datetime(frame[column]).dt.to_period("M").value_counts()
        return [int(per.get(m, 0)) for m in months]

    return pd.DataFrame({
        "Month": [m.strftime("%b %Y") for m in months],
        "Contacts": count("1a", "Date of Contact"),
        "Referrals": count("1b", "Date of referral"),
    })


def summary_blocks(run: Run) -> list[Block]:
    derived = sum(r.derived_outcomes for r in run.lists)
    about = pd.DataFrame({
        "Item": ["As-of date", "Window", "Profile", "Contact outcomes derived from referrals",
                 "Tool version", "Generated"],
        "Value": [run.as_of, run.window.describe(), PROFILE, derived, f"ofsted-lists {__version__}",
                  run.generated.strftime("%d/%m/%Y %H:%M:%S")],
    })
    lists = pd.DataFrame({
        "Sheet": [r.spec.sheet for r in run.lists],
        "Annex A list": [r.spec.annex_a for r in run.lists],
        "Rule (disabled children only)": [r.spec.rule for r in run.lists],
        "Rows": [len(r.frame) for r in run.lists],
        "Children": [int(r.frame["Child Unique ID"].nunique()) for r in run.lists],
        "Children with unknown disability (not listed)": [r.unknown_children for r in run.lists],
        "Note": [_note(r) for r in run.lists],
    })
    counts = run.findings.counts()
    quality_block = pd.DataFrame({"Finding": list(counts), "Count": list(counts.values())}) if counts else \
        pd.DataFrame({"Finding": ["none"], "Count": [0]})
    files = pd.DataFrame({
        "File": [f.name for f in run.read.files],
        "Tables": [", ".join(f.tables) or "not recognised" for f in run.read.files],
        "Rows": [f.rows for f in run.read.files],
        "SHA-256": [f.sha256 for f in run.read.files],
    })
    return [
        Block("Ofsted inspection lists: protecting disabled children", about),
        Block("Lists", lists),
        Block("Data quality findings", quality_block),
        Block("Input files", files),
        Block("Listed contacts and referrals per month", per_month(run)),
    ]


CHART_BLOCK = 4


def report(run: Run, changes: Changes | None = None) -> Report:
    """The workbook of `run`; with `changes` (SPEC §10.4), a Changes sheet after the lists
    and its counts at the end of the Summary."""
    sheets = [Sheet(r.spec.sheet, r.frame) for r in run.lists]
    summary = summary_blocks(run)
    if changes is not None:
        sheets.append(changes.sheet())
        summary.append(changes.block())
    sheets.append(Sheet("Data quality", run.findings.table()))
    return Report(summary=summary, chart=Chart(CHART_BLOCK, "Listed contacts and referrals per month"),
                  sheets=sheets)
