"""The whole job as a library call: read → normalise → disability → lists → report.

`build_lists(...)` is what the CLI's build, sample and validate commands share; it
can be imported and used from a notebook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, alerts, care_history, disability, quality, readers, threads
from .changes import Changes
from .config import Config
from .errors import InputError
from .lists import Context, ListResult, child_columns, empty, not_produced
from .lists.annex_a._spec import in_version
from .profiles import DISABLED_CHILDREN, Profile
from .normalise import Dataset, normalise
from .quality import Findings
from .readers import ReadResult
from .terminal import describe_unread
from .window import Window, make_window
from .workbook import Block, Chart, Report, Sheet

PROFILE = DISABLED_CHILDREN.name  # the default profile's name


@dataclass
class Run:
    window: Window
    today: dt.date
    read: ReadResult
    dataset: Dataset
    lists: list[ListResult]
    findings: Findings
    generated: dt.datetime
    context: Context | None = None  # what the lists were built from (`explain` asks it again)
    warnings: list[alerts.Warning] = field(default_factory=list)  # SPEC §10.1
    latest: dict[str, pd.Series] = field(default_factory=dict)  # event table -> file -> latest record date
    profile: Profile = DISABLED_CHILDREN

    @property
    def as_of(self) -> dt.date:
        return self.window.end


def missing_tables(present: set[str], profile: Profile = DISABLED_CHILDREN) -> dict[str, list[str]]:
    """Tables the profile's lists need and the input lacks -> the sheets that need them
    (lists the profile may leave "not produced" without --allow-missing are not counted)."""
    out: dict[str, list[str]] = {}
    for module in profile.lists:
        if module.SPEC.key in profile.optional or not module.SPEC.lacks(present):
            continue
        for table in module.SPEC.needs:
            if table not in present:
                out.setdefault(table, []).append(module.SPEC.sheet)
    return out


def build_lists(
    input_dir: Path,
    config: Config,
    *,
    as_of: dt.date,
    since: str | None = None,
    allow_missing: bool = False,
    profile: Profile = DISABLED_CHILDREN,
    today: dt.date | None = None,
    progress: Callable[[str, int, int], None] | None = None,  # (files being read, bytes done, bytes in all)
    stage: Callable[[str], None] | None = None,
) -> Run:
    today = today or dt.date.today()
    window = make_window(since or profile.since, as_of)
    findings = Findings()
    read = readers.read_folder(input_dir, config, findings, progress, as_of=as_of)
    missing = missing_tables(set(read.tables), profile)
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
    care_history.merge(ds, findings)
    say("building the lists")
    status = disability.assess(ds, config, findings, required=not profile.all_children)
    ctx = Context(ds=ds, window=window, disability=status, children=child_columns(ds, config, findings),
                  config=config, findings=findings, all_children=profile.all_children)
    results = _build_all(ctx, missing, profile)
    run = Run(window, today, read, ds, results, findings, dt.datetime.now().replace(microsecond=0), ctx,
              profile=profile)
    run.latest = alerts.latest_records(ds)
    run.warnings = alerts.collect(run, config)
    return run


def _build_all(ctx: Context, missing: dict[str, list[str]], profile: Profile) -> list[ListResult]:
    """Every list of the profile, two at a time; each collects its own findings, added in sheet order."""
    present = set(ctx.ds.tables)

    def one(module) -> tuple[ListResult, Findings]:
        if module.SPEC.lacks(present - set(missing)):
            return empty(module.SPEC), Findings()
        own = Findings()
        return module.build(replace(ctx, findings=own)), own

    built = threads.map_ordered(one, profile.lists)
    for _, own in built:
        ctx.findings.extend(own)
    return [result for result, _ in built]


def children(result: ListResult) -> int | None:
    """The distinct children on a list; None on a list of adopters (Annex A List 11), which
    has no child column: its rows are adults, counted as rows."""
    frame = result.frame
    return int(frame["Child Unique ID"].nunique()) if "Child Unique ID" in frame else None


def _note(result: ListResult) -> str:
    if not result.produced:
        return not_produced(result)
    return "no child met the criterion" if result.frame.empty else ""


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def month_label(month: pd.Period, window: Window) -> str:
    """"Nov 2025", or for a month the window cuts, "Nov 2025 (from 25th)", "Nov 2026 (to 24th)"."""
    first, last = month.start_time.date(), month.end_time.date()
    cut = [f"from {_ordinal(window.start.day)}"] if window.start > first else []
    cut += [f"to {_ordinal(window.end.day)}"] if window.end < last else []
    return f"{month:%b %Y}" + (f" ({' '.join(cut)})" if cut else "")


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
        "Month": [month_label(m, run.window) for m in months],
        "Contacts": count(*run.profile.chart[0]),
        "Referrals": count(*run.profile.chart[1]),
    })


def window_text(run: Run) -> str:
    """The window, and (in a profile with a standard window) whether it is Ofsted's (SPEC §9)."""
    text = run.window.describe()
    standard = run.profile.standard_since
    if standard and make_window(standard, run.as_of).start != run.window.start:
        text += f": not Ofsted's standard window ({standard} before the as-of date)"
    return text


def profile_text(run: Run) -> str:
    """The profile's name, as the Summary's Profile row holds it (`changes.py` reads it)."""
    return run.profile.name


def summary_blocks(run: Run) -> list[Block]:
    derived = sum(r.derived_outcomes for r in run.lists)
    about = pd.DataFrame({
        "Item": ["As-of date", "Window", "Profile", "Contact outcomes derived from referrals",
                 "Tool version", "Generated"],
        "Value": [run.as_of, window_text(run), profile_text(run), derived, f"ofsted-lists {__version__}",
                  run.generated.strftime("%d/%m/%Y %H:%M:%S")],
    })
    lists = pd.DataFrame({  # the counts beside the sheet names, the long text after them
        "Sheet": [r.spec.sheet for r in run.lists],
        "Rows": [len(r.frame) for r in run.lists],
        "Children": pd.array([children(r) for r in run.lists], dtype="Int64"),
        "Note": [_note(r) for r in run.lists],
        "Annex A list": [r.spec.annex_a for r in run.lists],
        "History-dependent values": [r.history for r in run.lists],
        "Rule" + ("" if run.profile.all_children else " (disabled children only)"): [r.spec.rule for r in run.lists],
    })
    if not run.profile.all_children:  # every child is listed in a profile of all children: none left out
        lists.insert(3, "Children with unknown disability (not listed)", [r.unknown_children for r in run.lists])
    counts = run.findings.counts()
    quality_block = pd.DataFrame({"Finding": list(counts), "Count": list(counts.values())}) if counts else \
        pd.DataFrame({"Finding": ["none"], "Count": [0]})
    latest = alerts.latest_by_file(run.latest)
    files = pd.DataFrame({
        "File": [f.name for f in run.read.files],
        "Format": [f.format for f in run.read.files],
        "Rows": [f.rows for f in run.read.files],
        "Tables": [", ".join(f.tables) or "not recognised" for f in run.read.files],
        # Only the date: it says how recent the export is, and nothing about a child.
        "Latest record date": pd.Series([latest.get(f.name) for f in run.read.files], dtype="object"),
        "SHA-256": [f.sha256 for f in run.read.files],
    })
    return [
        Block(run.profile.title, about),
        Block("Warnings", alerts.table(run.warnings)),
        Block("Lists", lists),
        Block("Data quality findings", quality_block),
        Block("Input files", files),
        Block(CHART_TITLE, per_month(run)),
    ]


CHART_TITLE = "Listed contacts and referrals per month"


UNKNOWN_SHEET = "Unknown disability"


def unknown_disability(run: Run) -> pd.DataFrame:
    """One row per child left off at least one list only because its disability is not
    recorded: the lists it would be on and its latest key date on them (latest first)."""
    parts = [(i, r.unknown) for i, r in enumerate(run.lists) if r.unknown is not None and len(r.unknown)]
    ids, codes = pd.factorize(np.concatenate([u.index.to_numpy(dtype=object) for _, u in parts] or [[]]))[::-1]
    # A child is once per list, so OR-ing one bit per list names the set of lists it would be on.
    bits = np.zeros(len(ids), dtype=np.int64)
    np.bitwise_or.at(bits, codes, np.concatenate([np.full(len(u), 1 << i) for i, u in parts] or [[]]).astype(np.int64))
    # NaT is int64's least value, so the maximum of the integers is the latest date.
    latest = np.full(len(ids), np.iinfo(np.int64).min)
    np.maximum.at(latest, codes, np.concatenate(
        [u.to_numpy(dtype="datetime64[ns]") for _, u in parts] or [[]]).astype("datetime64[ns]").view(np.int64))
    sheets = [r.spec.sheet for r in run.lists]
    names = {b: "; ".join(s for i, s in enumerate(sheets) if b >> i & 1) for b in np.unique(bits).tolist()}
    out = pd.DataFrame({
        "Child Unique ID": pd.Series(ids, dtype="str"),
        "Would be on": pd.Series([names[b] for b in bits.tolist()], dtype="str"),
        "Latest event date": latest.view("datetime64[ns]"),
    })
    return out.sort_values(["Latest event date", "Child Unique ID"], ascending=[False, True], na_position="last",
                           kind="stable").reset_index(drop=True)


def report(run: Run, changes: Changes | None = None) -> Report:
    """The workbook of `run`; with `changes` (SPEC §10.4), a Changes sheet after the lists
    and its counts at the end of the Summary."""
    version = run.context.config.annex_a_version if run.context is not None else "newer"
    sheets = [Sheet(r.spec.sheet, _in_layout(run, r, version), banner=None if r.produced else not_produced(r))
              for r in run.lists]
    blocks = summary_blocks(run)
    if changes is not None:
        sheets.append(changes.sheet())
        blocks.append(changes.block())
    if run.profile.unknown_sheet:
        sheets.append(Sheet(UNKNOWN_SHEET, unknown_disability(run)))
    # A problem is a sentence: it wraps rather than run under the next column.
    sheets.append(Sheet("Data quality", quality.sheet(run.findings.table(), run.read.la_headings()), wrap=("Problem",)))
    chart = next(i for i, b in enumerate(blocks) if b.title == CHART_TITLE)
    return Report(summary=blocks, chart=Chart(chart, CHART_TITLE), sheets=sheets)


def _in_layout(run: Run, result: ListResult, version: str) -> pd.DataFrame:
    """A list's frame as the workbook writes it: an Annex A list in the configured layout."""
    return in_version(result.spec, result.frame, version) if run.profile.all_children else result.frame
