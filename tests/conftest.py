"""Shared helpers: hand-built export folders and a one-call pipeline run."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ofsted_lists import excel_worker
from ofsted_lists.config import Config
from ofsted_lists.pipeline import Run, build_lists
from ofsted_lists.schema import TABLES

# The test session reads hundreds of workbooks: keep the parse processes between reads.
excel_worker.KEEP_WARM = True

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
SAMPLE_AS_OF = "2026-11-25"  # the date sample_data was generated up to (README quick start)
TODAY = dt.date(2026, 11, 26)


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return path


def exports(folder: Path, **tables: list[dict]) -> Path:
    """Write each table as <name>.csv; a table given as [] gets its canonical header only."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_csv(folder / f"{name}.csv", rows, None if rows else TABLES[name].column_names)
    return folder


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file's records, read by the csv module (not the tool's reader)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def demo_through_cli(tmp_path_factory, until: dt.date, *formats: str) -> list[Path]:
    """One demo LA (seed 3, 200 children) written in each of `formats` by the real
    `demo-data` command, a folder each."""
    from typer.testing import CliRunner

    from ofsted_lists.cli import app

    folders = []
    for fmt in formats:
        folder = tmp_path_factory.mktemp(fmt.replace("-", ""))
        res = CliRunner().invoke(app, ["demo-data", "--out", str(folder), "--seed", "3", "--children", "200",
                                       "--until", until.isoformat(), "--format", fmt])
        assert res.exit_code == 0, res.output
        folders.append(folder)
    return folders


def run_lists(folder: Path, as_of: str, since: str = "12m", config: Config | None = None,
              today: dt.date = TODAY) -> Run:
    return build_lists(folder, config or Config(), as_of=dt.date.fromisoformat(as_of), since=since,
                       allow_missing=True, today=today)


def sheet(run: Run, key: str) -> pd.DataFrame:
    return next(r.frame for r in run.lists if r.spec.key == key)


def result(run: Run, key: str):
    return next(r for r in run.lists if r.spec.key == key)


@pytest.fixture
def disabled_child():
    """A disabled child born 2015-06-01."""
    return {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}
