"""Benchmark: `ofsted-lists build` against the parse floor and a naive pandas+openpyxl pipeline.

    python benchmarks/run.py --contacts 1000000            # 3 interleaved reps, naive once
    python benchmarks/run.py --contacts 5000000 --reps 1 --skip-naive

Generates (and caches under benchmarks/data/) a synthetic local authority with
`ofsted_lists.demo.generate` in both .xlsx and .csv form, then times, per format and
interleaved rep by rep:

1. the parse floor: every input file read by the fastest reader available, nothing else;
   each candidate reader is measured and the fastest median is the floor;
2. `ofsted-lists build` end to end (`python -m ofsted_lists.cli build`);
3. (xlsx, once) the naive baseline: every table read with `pandas.read_excel(engine="openpyxl")`,
   the project's own rules on those frames, every sheet written with
   `DataFrame.to_excel(engine="openpyxl")`.

Every measurement is a whole fresh process, so interpreter start-up and imports count on
both sides of each ratio. Peak RSS is the larger of `os.wait4`'s figure for that process
and the resident memory of its whole process tree, sampled every 20 ms (child processes
included: their private pages summed, library pages counted once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DEFAULT_DATA = REPO / "benchmarks" / "data"
UNTIL = "2026-03-31"
TARGET_CONTACTS = 1_000_000  # the size the targets are set for
TARGETS = {  # name -> (limit, comparison) ; checked at TARGET_CONTACTS
    "xlsx build / parse floor": (1.25, "<="),
    "naive / xlsx build": (10.0, ">="),
    "xlsx build peak RSS (GB)": (1.5, "<="),
    "csv build / parse floor": (1.5, "<="),
    "cin-xml read / iterparse floor": (1.5, "<="),
    # issue 11: the full Annex A is no more than 20 % slower than the disabled-children lists
    "annex-a / disabled (xlsx)": (1.2, "<="),
    "annex-a / disabled (csv)": (1.2, "<="),
}

# The CIN census XML (issue 10): the LA's referrals, assessments, s47s and plans as one file,
# read by the tool's reader against the fastest plain parse of it (a loop that does nothing).
_XML_FLOOR = """
import sys, xml.etree.ElementTree as ET
for p in sys.argv[1:]:
    for _, e in ET.iterparse(p):
        e.clear()
"""
_XML_READ = """
import sys
from pathlib import Path
from ofsted_lists import readers
from ofsted_lists.config import Config
from ofsted_lists.quality import Findings
readers.read_folder(Path(sys.argv[1]), Config(), Findings())
"""

# Candidate floor readers: name -> (module that must import, program reading sys.argv[1:]).
# Each reads every sheet / file completely into memory and does nothing else.
_XLSX_READERS = {
    "fastexcel (calamine), typed": ("fastexcel", """
import sys, fastexcel
for p in sys.argv[1:]:
    r = fastexcel.read_excel(p)
    for s in r.sheet_names:
        r.load_sheet(s).to_arrow()
"""),
    "fastexcel (calamine), as text": ("fastexcel", """
import sys, fastexcel
for p in sys.argv[1:]:
    r = fastexcel.read_excel(p)
    for s in r.sheet_names:
        r.load_sheet(s, header_row=None, dtypes="string").to_arrow()
"""),
    "fastexcel (calamine), 2 threads": ("fastexcel", """
import os, sys, fastexcel
from concurrent.futures import ThreadPoolExecutor
def read(p):
    r = fastexcel.read_excel(p)
    for s in r.sheet_names:
        r.load_sheet(s).to_arrow()
# calamine releases the GIL: two files at a time, the largest first.
with ThreadPoolExecutor(2) as pool:
    list(pool.map(read, sorted(sys.argv[1:], key=os.path.getsize, reverse=True)))
"""),
    "python-calamine": ("python_calamine", """
import sys, python_calamine
for p in sys.argv[1:]:
    wb = python_calamine.CalamineWorkbook.from_path(p)
    for s in wb.sheet_names:
        wb.get_sheet_by_name(s).to_python()
"""),
}
# The xlsx set's 903 files are CSV (the return's form): each xlsx floor reads them first.
_CSV_BESIDE = """
import sys, pyarrow.csv as _pv
for _p in [a for a in sys.argv[1:] if a.endswith(".csv")]:
    _pv.read_csv(_p)
sys.argv[1:] = [a for a in sys.argv[1:] if not a.endswith(".csv")]
"""
_CSV_READERS = {
    "pandas C engine, typed": ("pandas", """
import sys, pandas as pd
for p in sys.argv[1:]:
    pd.read_csv(p)
"""),
    "pandas C engine, as text": ("pandas", """
import sys, pandas as pd
for p in sys.argv[1:]:
    pd.read_csv(p, dtype="str", keep_default_na=False)
"""),
    "pyarrow.csv (threaded)": ("pyarrow", """
import sys, pyarrow.csv as pv
for p in sys.argv[1:]:
    pv.read_csv(p)
"""),
    "pandas pyarrow engine": ("pyarrow", """
import sys, pandas as pd
for p in sys.argv[1:]:
    pd.read_csv(p, engine="pyarrow")
"""),
    "polars": ("polars", """
import sys, polars as pl
for p in sys.argv[1:]:
    pl.read_csv(p, infer_schema_length=10000)
"""),
}


# --------------------------------------------------------------------------- processes


@dataclass
class Sample:
    secs: float
    rss_mb: float


@dataclass
class Series:
    label: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.secs for s in self.samples)

    @property
    def peak_rss_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)

    def describe(self) -> str:
        secs = [s.secs for s in self.samples]
        spread = f"{min(secs):.2f}–{max(secs):.2f}, " if len(secs) > 1 else ""
        return f"{self.median:8.2f} s  ({spread}n={len(secs)})  peak RSS {self.peak_rss_mb:,.0f} MB"


def _env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(SRC) + (os.pathsep + path if path else "")}


def _children(pid: int) -> list[int]:
    """The children of every thread of `pid`: a child started from a reader thread (the
    census's second process, a workbook parse) is listed under that thread's task only."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(p) for p in fh.read().split()]
        except (OSError, ValueError):
            continue
    return found


def _rss(pid: int, *, files: bool) -> int:
    """Resident bytes of `pid`: its private and shared-memory pages, and with `files` its
    file-backed pages too (library code, the same pages in every process of the tree)."""
    fields = ("RssAnon:", "RssShmem:", "RssFile:") if files else ("RssAnon:", "RssShmem:")
    total = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(fields):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return total


def _tree_rss(pid: int) -> int:
    """The resident memory of `pid` and all its descendants now: each one's private
    pages (pages a fork shares are counted in each), the file-backed pages once."""
    total, todo = _rss(pid, files=True), _children(pid)
    while todo:
        p = todo.pop()
        total += _rss(p, files=False)
        todo += _children(p)
    return total


class _TreeSampler(threading.Thread):
    """Peak resident memory of a process tree, sampled every 20 ms: wait4's ru_maxrss is
    the largest single process, so memory held in a child (ofsted-lists parses workbooks
    in child processes) would be hidden from it."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, _tree_rss(self.pid))


def run_process(cmd: list[str], *, quiet_ok: bool = True) -> Sample:
    """Run `cmd` to completion; wall time and peak RSS: the larger of that process's own
    (os.wait4) and its whole process tree's (sampled; Linux)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = _TreeSampler(proc.pid)
    sampler.start()
    # Drain the pipes first (a full pipe would block the child), then reap it with wait4,
    # which returns the rusage of exactly this child.
    out, err = proc.stdout.read(), proc.stderr.read()
    sampler.done.set()
    sampler.join()
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-3000:])
        raise SystemExit(f"benchmark step failed (exit {proc.returncode}): {' '.join(cmd[:4])} …")
    if out and not quiet_ok:
        sys.stdout.write(out.decode(errors="replace"))
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Sample(secs, max(usage.ru_maxrss * scale, sampler.peak) / 1e6)


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


# --------------------------------------------------------------------------- data


def _generate(base: Path, fmt: str, contacts: int, seed: int, regenerate: bool) -> Path:
    """`base/fmt`, the synthetic LA written by `demo.generate` in `fmt`, unless already cached."""
    folder, marker = base / fmt, base / f"{fmt}.complete.json"
    if regenerate or not marker.exists():
        print(f"generating {contacts:,} contacts as {fmt} into {folder} …", flush=True)
        t0 = time.perf_counter()
        cmd = [sys.executable, "-c", (
            "import datetime as dt, json, sys; from pathlib import Path; from ofsted_lists import demo; "
            f"c = demo.generate(Path(sys.argv[1]), seed={seed}, contacts={contacts}, "
            f"until=dt.date.fromisoformat('{UNTIL}'), fmt='{fmt}', with_returns=True); print(json.dumps(c))"
        ), str(folder)]
        marker.unlink(missing_ok=True)
        out = subprocess.run(cmd, env=_env(), check=True, capture_output=True, text=True).stdout
        marker.write_text(out)
        print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def _base(root: Path, contacts: int, seed: int) -> Path:
    return root / f"contacts-{contacts}_seed-{seed}_until-{UNTIL}_returns"  # with the 903 files and local tables


def dataset(root: Path, contacts: int, seed: int, regenerate: bool) -> dict[str, Path]:
    """The cached synthetic input folders, {"xlsx": dir, "csv": dir}; generated when missing."""
    base = _base(root, contacts, seed)
    folders = {fmt: _generate(base, fmt, contacts, seed, regenerate) for fmt in ("xlsx", "csv")}
    counts = json.loads((base / "csv.complete.json").read_text())
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for fmt, folder in folders.items():
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{fmt}: {len(list(folder.iterdir()))} files, {size / 1e6:,.0f} MB")
    return folders


def cin_dataset(root: Path, contacts: int, seed: int, regenerate: bool) -> Path:
    """A folder holding only the synthetic LA's CIN census XML (`demo-data --format cin-xml`)."""
    folder = _generate(_base(root, contacts, seed), "cin-xml", contacts, seed, regenerate)
    only = folder.parent / "cin-xml-only"
    only.mkdir(exist_ok=True)
    if not (only / "cin_census.xml").exists() or not (only / "cin_census.xml").samefile(folder / "cin_census.xml"):
        (only / "cin_census.xml").unlink(missing_ok=True)
        os.link(folder / "cin_census.xml", only / "cin_census.xml")
    print(f"cin-xml: {(only / 'cin_census.xml').stat().st_size / 1e6:,.0f} MB")
    return only


def _files(folder: Path) -> list[str]:
    return [str(p) for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".xlsx", ".xml")]


def _warm(folders: dict[str, Path]) -> None:
    """Read every file once so no measurement pays for a cold page cache."""
    for folder in folders.values():
        for p in _files(folder):
            with open(p, "rb") as fh:
                while fh.read(1 << 24):
                    pass


# --------------------------------------------------------------------------- the three measurements


def floor_cmd(program: str, folder: Path) -> list[str]:
    return [sys.executable, "-c", program, *_files(folder)]


def build_cmd(folder: Path, out: Path, profile: str | None = None) -> list[str]:
    return [sys.executable, "-m", "ofsted_lists.cli", "build", "--input", str(folder), "--as-of", UNTIL,
            "--out", str(out), "--quiet", *(("--profile", profile) if profile else ())]


def naive_cmd(folder: Path, out: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--naive-worker", str(folder), str(out)]


def naive_worker(folder: Path, out: Path) -> None:
    """What an analyst would write: pandas+openpyxl in and out, the project's rules between.

    Every sheet is read with `pd.read_excel(engine="openpyxl", dtype=str)`, its headings
    mapped to the canonical names, and handed to the same normalise/disability/list code
    the tool runs (by standing in for the reader); every sheet is written with
    `DataFrame.to_excel(engine="openpyxl")`.
    """
    import pandas as pd

    from ofsted_lists import pipeline, readers
    from ofsted_lists.config import Config
    from ofsted_lists.readers import InputFile, ReadResult
    from ofsted_lists.schema import TABLES

    def read_folder(folder, config, findings, progress=None, **_):  # as_of: no census to read here
        parts: dict[str, list[pd.DataFrame]] = {}
        files = []
        for path in sorted(Path(folder).glob("*.xlsx")):
            info = InputFile(path.name, "")
            for sheet, df in pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype=str).items():
                table = readers.recognise(sheet, config, sheet=True) or readers.recognise(
                    path.name, config, sheet=False)
                mapping = readers.map_headings(list(df.columns), TABLES[table], config.table(table))
                df = df.iloc[:, sorted(mapping)].set_axis([mapping[i] for i in sorted(mapping)], axis=1)
                df = df.apply(lambda s: s.str.strip()).replace("", pd.NA)
                df.insert(0, "_file", path.name)
                df.insert(1, "_sheet", sheet)
                df["_row"] = range(2, len(df) + 2)
                parts.setdefault(table, []).append(df)
                info.rows += len(df)
                info.tables.append(table)
            files.append(info)
        tables = {t: pd.concat(f, ignore_index=True) for t, f in parts.items()}
        return ReadResult(tables, files, [])

    readers.read_folder = read_folder  # pipeline.build_lists calls readers.read_folder
    run = pipeline.build_lists(folder, Config(), as_of=dt.date.fromisoformat(UNTIL))
    rep = pipeline.report(run)
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        row = 0
        for block in rep.summary:
            block.frame.to_excel(xw, sheet_name="Summary", startrow=row, index=False)
            row += len(block.frame) + 2
        for sheet in rep.sheets:
            sheet.frame.to_excel(xw, sheet_name=sheet.name, index=False)


def _sheet_rows(path: Path) -> dict[str, int]:
    import fastexcel

    r = fastexcel.read_excel(str(path))
    # The naive pipeline compares with no earlier run, so it has no Changes sheet.
    return {s: r.load_sheet(s, header_row=None, dtypes="string").height for s in r.sheet_names
            if s not in ("Summary", "Changes")}


# --------------------------------------------------------------------------- main


def _check(name: str, value: float, at_target_size: bool) -> str:
    limit, op = TARGETS[name]
    ok = value <= limit if op == "<=" else value >= limit
    verdict = ("PASS" if ok else "FAIL") if at_target_size else ("pass" if ok else "fail") + " (targets are for 1,000,000 contacts)"
    unit = "×" if "/" in name else ""
    return f"{name:<28} {value:8.2f}{unit:<2} target {op} {limit:g}{unit}   {verdict}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=TARGET_CONTACTS, help="contacts in the synthetic LA")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3, help="interleaved repeats of floor and build")
    ap.add_argument("--skip-naive", action="store_true", help="leave out the (slow) pandas+openpyxl baseline")
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="cache of generated inputs")
    ap.add_argument("--regenerate", action="store_true", help="generate the inputs even when cached")
    ap.add_argument("--ssd", action="store_true",
                    help="also build the LA written as SSD extracts (demo-data --format ssd), against the CSV floor")
    ap.add_argument("--cin-xml", action="store_true",
                    help="also time reading the LA as one CIN census XML against an iterparse loop")
    ap.add_argument("--annex-a", action="store_true",
                    help="also build the xlsx and csv sets with --profile annex-a (Annex A Lists 1-11)")
    ap.add_argument("--naive-worker", nargs=2, metavar=("INPUT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.naive_worker:
        naive_worker(Path(args.naive_worker[0]), Path(args.naive_worker[1]))
        return 0

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.platform(terse=True)}")
    folders = dataset(args.data_dir, args.contacts, args.seed, args.regenerate)
    if args.ssd:  # the SSD extracts are CSV files: the CSV readers are their floor
        folders["ssd"] = _generate(_base(args.data_dir, args.contacts, args.seed), "ssd", args.contacts, args.seed,
                                   args.regenerate)
    xml = cin_dataset(args.data_dir, args.contacts, args.seed, args.regenerate) if args.cin_xml else None
    _warm({**folders, **({"cin-xml": xml} if xml else {})})
    xml_floor, xml_read = Series("iterparse, nothing else"), Series("ofsted-lists read (CIN census XML)")
    readers = {
        "xlsx": {k: _CSV_BESIDE + v for k, (mod, v) in _XLSX_READERS.items() if _importable(mod)},
        "csv": {k: v for k, (mod, v) in _CSV_READERS.items() if _importable(mod)},
    }
    if "ssd" in folders:
        readers["ssd"] = readers["csv"]
    floors = {fmt: {name: Series(name) for name in progs} for fmt, progs in readers.items()}
    builds = {fmt: Series(f"ofsted-lists build ({fmt})") for fmt in folders}
    full = [fmt for fmt in ("xlsx", "csv") if args.annex_a]  # the sets also built as the full Annex A
    annex = {fmt: Series(f"ofsted-lists build --profile annex-a ({fmt})") for fmt in full}
    naive = Series("naive pandas+openpyxl (xlsx)")

    with tempfile.TemporaryDirectory(prefix="ofsted-bench-") as tmp:
        outs = {fmt: Path(tmp) / f"build-{fmt}.xlsx" for fmt in folders}
        for rep in range(1, args.reps + 1):
            for fmt, folder in folders.items():
                for name, program in readers[fmt].items():
                    sample = run_process(floor_cmd(program, folder))
                    floors[fmt][name].samples.append(sample)
                    print(f"rep {rep} {fmt} floor  {name:<30} {sample.secs:8.2f} s  {sample.rss_mb:,.0f} MB", flush=True)
                sample = run_process(build_cmd(folder, outs[fmt]))
                builds[fmt].samples.append(sample)
                print(f"rep {rep} {fmt} build  {'':<30} {sample.secs:8.2f} s  {sample.rss_mb:,.0f} MB", flush=True)
                if fmt in annex:
                    sample = run_process(build_cmd(folder, Path(tmp) / f"annex-a-{fmt}.xlsx", "annex-a"))
                    annex[fmt].samples.append(sample)
                    print(f"rep {rep} {fmt} build  {'--profile annex-a':<30} {sample.secs:8.2f} s  "
                          f"{sample.rss_mb:,.0f} MB", flush=True)
            if xml:
                for series, cmd in ((xml_floor, floor_cmd(_XML_FLOOR, xml)),
                                    (xml_read, [sys.executable, "-c", _XML_READ, str(xml)])):
                    sample = run_process(cmd)
                    series.samples.append(sample)
                    print(f"rep {rep} cin-xml {series.label:<32} {sample.secs:8.2f} s  {sample.rss_mb:,.0f} MB",
                          flush=True)
        same = _sheet_rows(outs["xlsx"]) == _sheet_rows(outs["csv"])
        ssd_same = _sheet_rows(outs["ssd"]) == _sheet_rows(outs["csv"]) if "ssd" in outs else None
        if not args.skip_naive:
            print("naive baseline (runs once: it takes minutes at 1,000,000 contacts) …", flush=True)
            naive_out = Path(tmp) / "naive.xlsx"
            naive.samples.append(run_process(naive_cmd(folders["xlsx"], naive_out)))
            naive_same = _sheet_rows(naive_out) == _sheet_rows(outs["xlsx"])

    at_target = args.contacts == TARGET_CONTACTS
    print()
    print(f"=== summary: {args.contacts:,} contacts, medians of {args.reps} interleaved reps; each figure is a "
          "whole process (interpreter start and imports included) ===")
    ratios = {}
    for fmt in folders:
        best = min(floors[fmt].values(), key=lambda s: s.median)
        for s in floors[fmt].values():
            mark = "  <- parse floor" if s is best else ""
            print(f"{fmt:<4} read  {s.label:<32} {s.describe()}{mark}")
        print(f"{fmt:<4} build {'ofsted-lists build':<32} {builds[fmt].describe()}")
        print(f"{fmt:<4} build − parse floor {builds[fmt].median - best.median:22.2f} s  "
              "(imports, checking, rules, writing: what the build adds to reading)")
        ratios[f"{fmt} build / parse floor"] = builds[fmt].median / best.median
        if fmt in annex:
            print(f"{fmt:<4} build {'--profile annex-a':<32} {annex[fmt].describe()}")
            ratios[f"annex-a / disabled ({fmt})"] = annex[fmt].median / builds[fmt].median
    if naive.samples:
        print(f"xlsx naive {'pandas+openpyxl, n=1':<27} {naive.describe()}")
        ratios["naive / xlsx build"] = naive.median / builds["xlsx"].median
    print(f"build output has the same rows per sheet for xlsx and csv inputs: {'yes' if same else 'NO'}")
    if ssd_same is not None:
        print(f"build output has the same rows per sheet for ssd and csv inputs: {'yes' if ssd_same else 'no'} "
              "(the SSD cannot carry every column a list filters on: README, Reading the national returns)")
    if naive.samples:
        print(f"naive output has the same rows per sheet as the build: {'yes' if naive_same else 'NO'}")
    print()
    print(_check("xlsx build / parse floor", ratios["xlsx build / parse floor"], at_target))
    if "naive / xlsx build" in ratios:
        print(_check("naive / xlsx build", ratios["naive / xlsx build"], at_target))
    else:
        print(f"{'naive / xlsx build':<28} skipped (--skip-naive)")
    print(_check("xlsx build peak RSS (GB)", builds["xlsx"].peak_rss_mb / 1000, at_target))
    print(_check("csv build / parse floor", ratios["csv build / parse floor"], at_target))
    print(f"csv build peak RSS (GB)      {builds['csv'].peak_rss_mb / 1000:8.2f}")
    if "ssd" in builds:
        print(f"ssd build / parse floor      {ratios['ssd build / parse floor']:8.2f}  (no target yet)")
        print(f"ssd build peak RSS (GB)      {builds['ssd'].peak_rss_mb / 1000:8.2f}")
    for fmt in annex:
        print(f"{fmt} annex-a build / parse floor {annex[fmt].median / min(s.median for s in floors[fmt].values()):6.2f}×"
              f"   peak RSS (GB) {annex[fmt].peak_rss_mb / 1000:.2f}")
        print(_check(f"annex-a / disabled ({fmt})", ratios[f"annex-a / disabled ({fmt})"], at_target))
    if xml:
        print(f"cin-xml read  {xml_floor.label:<32} {xml_floor.describe()}")
        print(f"cin-xml read  {xml_read.label:<32} {xml_read.describe()}")
        print(_check("cin-xml read / iterparse floor", xml_read.median / xml_floor.median, at_target))
    print(f"run completed at {args.contacts:,} contacts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
