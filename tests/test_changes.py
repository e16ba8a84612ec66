"""The Changes sheet (SPEC §10.4): two runs a week apart into the same output folder."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import exports, run_lists
from ofsted_lists import changes, pipeline
from ofsted_lists.cli import app

WEEK1, WEEK2 = "2026-11-18", "2026-11-25"
STARTS, ENDS, STAYS = "CHILD-STARTS-7", "CHILD-ENDS-8", "CHILD-STAYS-9"
CP = "5 Child protection plans"
PASSWORD_VAR = "OFSTED_TEST_CHANGES_PW"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """One child's CP plan starts between the runs, another's ends; a third's runs on."""
    disabled = {"dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}
    return exports(
        tmp_path_factory.mktemp("changes") / "in",
        children=[{"child_id": c, **disabled} for c in (STARTS, ENDS, STAYS)],
        cp_plans=[
            {"child_id": STARTS, "cpp_start_date": "2026-11-20", "cpp_end_date": ""},
            {"child_id": ENDS, "cpp_start_date": "2026-01-05", "cpp_end_date": "2026-11-22"},
            {"child_id": STAYS, "cpp_start_date": "2026-02-01", "cpp_end_date": ""},
        ],
        contacts=[{"child_id": STAYS, "contact_date": "2026-03-01"}],
        referrals=[], assessments=[], s47=[], cin_plans=[], early_help=[],
    )


def build(inputs: Path, out: Path, as_of: str, *extra: str, env: dict | None = None):
    res = CliRunner().invoke(app, ["build", "--input", str(inputs), "--as-of", as_of, "--out", str(out), *extra],
                             env=env)
    assert res.exit_code == 0, res.output
    return res


def rows(book: Path | bytes, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(book) if isinstance(book, bytes) else book)
    return [r for r in wb[sheet].iter_rows(values_only=True)]


def summary_block(book, title_start: str) -> list[tuple]:
    """The rows of the Summary block whose title starts with `title_start`, up to a blank row."""
    all_rows = rows(book, "Summary")
    start = next(i for i, r in enumerate(all_rows) if isinstance(r[0], str) and r[0].startswith(title_start))
    block = []
    for r in all_rows[start:]:
        if all(v is None for v in r):
            break
        block.append(r)
    return block


def decrypt(path: Path, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def assert_week_two_changes(book) -> None:
    week1 = dt.datetime(2026, 11, 18)
    changes = rows(book, "Changes")
    assert changes[0] == ("List", "Change", "Child Unique ID", "Earlier as-of date")
    assert changes[1:] == [(CP, "joined", STARTS, week1), (CP, "left", ENDS, week1)]
    block = summary_block(book, "Changes since the run as at 18/11/2026")
    assert block[0][0] == "Changes since the run as at 18/11/2026 (ofsted-lists_2026-11-18.xlsx)"
    counts = {r[0]: r[1:4] for r in block[2:]}
    assert counts[CP] == (1, 1, None)
    assert counts["1a Contacts"] == (0, 0, None)
    assert counts["1b Referrals"] == (0, 0, None)


@pytest.fixture(scope="module")
def weekly(inputs, tmp_path_factory):
    """Cron's folder: a later-dated stray file, week 1, a renamed copy of week 1 dated
    21/11 (its Summary still says 18/11), week 2, and a day later with no change."""
    out = tmp_path_factory.mktemp("weekly") / "out"
    out.mkdir()
    (out / "ofsted-lists_2026-11-30.xlsx").write_bytes(b"a later run is not an earlier one")
    first = build(inputs, out, WEEK1)
    shutil.copy(out / "ofsted-lists_2026-11-18.xlsx", out / "ofsted-lists_2026-11-21.xlsx")
    second = build(inputs, out, WEEK2)
    build(inputs, out, "2026-11-26", "--quiet")
    return out, first, second


def test_second_run_lists_the_joiner_and_the_leaver_and_the_summary_counts_them(weekly):
    out, _, second = weekly
    assert_week_two_changes(out / "ofsted-lists_2026-11-25.xlsx")  # the renamed copy was passed over
    assert "Changes since 18/11/2026: 1 joined, 1 left" in " ".join(second.output.split())
    for child in (STARTS, ENDS, STAYS):  # the terminal counts; the sheet names
        assert child not in second.output


def test_first_run_sheet_says_there_is_no_earlier_workbook(weekly):
    out, first, _ = weekly
    book = out / "ofsted-lists_2026-11-18.xlsx"
    assert f"Changes: No earlier workbook of this profile in {out}" in " ".join(first.output.split())
    assert openpyxl.load_workbook(book).sheetnames[-3:] == ["Changes", "Unknown disability", "Data quality"]
    assert rows(book, "Changes") == [("Changes",), (f"No earlier workbook of this profile in {out}",)]
    assert [r[0] for r in summary_block(book, "Changes since the last run")[1:]] == [
        "Changes", f"No earlier workbook of this profile in {out}"]


def test_a_week_with_no_change_says_so_with_the_earlier_date(weekly):
    out, _, _ = weekly
    assert rows(out / "ofsted-lists_2026-11-26.xlsx", "Changes")[1:] == [
        ("every list", "no child joined or left", None, dt.datetime(2026, 11, 25))]


@pytest.fixture(scope="module")
def encrypted(inputs, tmp_path_factory):
    """Two encrypted weeks, then a run with another password."""
    out = tmp_path_factory.mktemp("encrypted") / "out"
    env = {PASSWORD_VAR: "s3cret-weekly", "OTHER_PW": "not-the-same"}
    build(inputs, out, WEEK1, "--password-env", PASSWORD_VAR, env=env)
    build(inputs, out, WEEK2, "--password-env", PASSWORD_VAR, env=env)
    other = build(inputs, out, "2026-11-26", "--password-env", "OTHER_PW", "--quiet", env=env)
    return out, other


def test_encrypted_runs_decrypt_the_earlier_workbook_with_the_same_password(encrypted):
    out, _ = encrypted
    assert_week_two_changes(decrypt(out / "ofsted-lists_2026-11-25.xlsx", "s3cret-weekly"))
    assert not [p for p in out.iterdir() if not p.name.startswith((".", "ofsted-lists_"))]  # no plaintext copy


def test_another_password_is_a_warning_not_a_failure(encrypted):
    out, other = encrypted
    note = ("The earlier output ofsted-lists_2026-11-25.xlsx could not be read (the password given does not "
            "open it, or it is damaged)")
    assert other.stdout == ""
    assert other.stderr.strip().splitlines()[0] == \
        f"warning: {note}, so the Changes sheet shows none (the lists are complete)"
    book = decrypt(out / "ofsted-lists_2026-11-26.xlsx", "not-the-same")
    assert rows(book, "Changes") == [("Changes",), (f"{note}, so no changes are shown.",)]


@pytest.fixture(scope="module")
def week2(inputs):
    return run_lists(inputs, WEEK2)


def compare(run, folder: Path, password: str | None = None) -> changes.Changes:
    return changes.compare(run.lists, run.as_of, pipeline.PROFILE, folder, password=password)


def test_an_encrypted_earlier_workbook_and_no_password_is_said(encrypted, week2, tmp_path):
    shutil.copy(encrypted[0] / "ofsted-lists_2026-11-18.xlsx", tmp_path)
    found = compare(week2, tmp_path)
    why = "it is encrypted: run with the --password-env that wrote it"
    assert found.since is None
    assert found.note == f"The earlier output ofsted-lists_2026-11-18.xlsx could not be read ({why}), so no changes are shown."
    assert found.warning.startswith("warning: The earlier output ofsted-lists_2026-11-18.xlsx could not be read (")


def test_a_damaged_earlier_workbook_is_said_not_a_failure(weekly, week2, tmp_path):
    good = (weekly[0] / "ofsted-lists_2026-11-18.xlsx").read_bytes()
    (tmp_path / "ofsted-lists_2026-11-18.xlsx").write_bytes(good[:2000])
    found = compare(week2, tmp_path)
    assert found.note == ("The earlier output ofsted-lists_2026-11-18.xlsx could not be read (it is damaged or not "
                          "a workbook), so no changes are shown.")
    assert found.sheet().frame.iloc[0, 0] == found.note


def test_a_list_not_produced_is_not_compared(inputs, weekly, tmp_path):
    """Not "every child left": a list that could not be built has no children to compare."""
    without = shutil.copytree(inputs, tmp_path / "without")
    (without / "cp_plans.csv").unlink()
    shutil.copy(weekly[0] / "ofsted-lists_2026-11-18.xlsx", tmp_path)
    found = compare(run_lists(without, WEEK2), tmp_path)
    counts = found.counts.set_index("Sheet")
    assert counts.loc[CP, "Note"] == "not compared: the list was not produced in this run"
    assert counts.loc[CP, ["Joined", "Left"]].isna().all()
    assert CP not in set(found.frame["List"])
    assert counts.loc["1a Contacts", "Note"] == ""


def test_csv_runs_compare_with_the_earlier_csv_folder(inputs, tmp_path, monkeypatch):
    """Without --out, each CSV run is a dated folder in ./out, beside the earlier ones."""
    monkeypatch.chdir(tmp_path)
    for as_of in (WEEK1, WEEK2):
        res = CliRunner().invoke(app, ["build", "--input", str(inputs), "--as-of", as_of, "--format", "csv", "-q"])
        assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / "ofsted-lists_2026-11-25"
    (found,) = folder.glob("*_Changes.csv")
    assert found.read_text(encoding="utf-8-sig").splitlines() == [
        "List,Change,Child Unique ID,Earlier as-of date",
        f"{CP},joined,{STARTS},18/11/2026",
        f"{CP},left,{ENDS},18/11/2026",
    ]
    assert "Changes since the run as at 18/11/2026 (ofsted-lists_2026-11-18)" in \
        (folder / "00_Summary.csv").read_text(encoding="utf-8-sig")
