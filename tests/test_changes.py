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

from conftest import exports
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


def test_second_run_lists_the_joiner_and_the_leaver_and_the_summary_counts_them(inputs, tmp_path):
    out = tmp_path / "out"
    first = build(inputs, out, WEEK1)
    assert "Changes: No earlier workbook of this profile in" in first.output
    res = build(inputs, out, WEEK2)
    assert_week_two_changes(out / "ofsted-lists_2026-11-25.xlsx")
    assert "Changes since 18/11/2026: 1 joined, 1 left" in " ".join(res.output.split())
    for child in (STARTS, ENDS, STAYS):  # the terminal counts; the sheet names
        assert child not in res.output


def test_first_run_sheet_says_there_is_no_earlier_workbook(inputs, tmp_path):
    out = tmp_path / "out"
    (out).mkdir()
    (out / "ofsted-lists_2026-11-30.xlsx").write_bytes(b"a later run is not an earlier one")
    build(inputs, out, WEEK1, "--quiet")
    book = out / "ofsted-lists_2026-11-18.xlsx"
    assert openpyxl.load_workbook(book).sheetnames[-2:] == ["Changes", "Data quality"]
    assert rows(book, "Changes") == [("Changes",), (f"No earlier workbook of this profile in {out}",)]
    assert [r[0] for r in summary_block(book, "Changes since the last run")[1:]] == [
        "Changes", f"No earlier workbook of this profile in {out}"]


def test_encrypted_runs_decrypt_the_earlier_workbook_with_the_same_password(inputs, tmp_path):
    out, env = tmp_path / "out", {PASSWORD_VAR: "s3cret-weekly"}
    build(inputs, out, WEEK1, "--password-env", PASSWORD_VAR, env=env)
    build(inputs, out, WEEK2, "--password-env", PASSWORD_VAR, env=env)
    assert_week_two_changes(decrypt(out / "ofsted-lists_2026-11-25.xlsx", "s3cret-weekly"))
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith((".", "ofsted-lists_"))]


@pytest.mark.parametrize("second, why", [
    (["--password-env", "OTHER_PW"], "the password given does not open it, or it is damaged"),
    ([], "it is encrypted: run with the --password-env that wrote it"),
])
def test_an_earlier_workbook_that_cannot_be_decrypted_is_a_warning_not_a_failure(inputs, tmp_path, second, why):
    out, env = tmp_path / "out", {PASSWORD_VAR: "s3cret-weekly", "OTHER_PW": "not-the-same"}
    build(inputs, out, WEEK1, "--password-env", PASSWORD_VAR, env=env)
    res = build(inputs, out, WEEK2, "--quiet", *second, env=env)
    note = f"The earlier output ofsted-lists_2026-11-18.xlsx could not be read ({why})"
    assert res.stdout == ""
    assert res.stderr.strip() == f"warning: {note}, so the Changes sheet shows none (the lists are complete)"
    book = out / "ofsted-lists_2026-11-25.xlsx"
    book = decrypt(book, "not-the-same") if second else book
    assert rows(book, "Changes") == [("Changes",), (f"{note}, so no changes are shown.",)]


def test_a_damaged_earlier_workbook_is_a_warning_not_a_failure(inputs, tmp_path):
    out = tmp_path / "out"
    build(inputs, out, WEEK1, "--quiet")
    earlier = out / "ofsted-lists_2026-11-18.xlsx"
    earlier.write_bytes(earlier.read_bytes()[:2000])
    res = build(inputs, out, WEEK2, "--quiet")
    note = "The earlier output ofsted-lists_2026-11-18.xlsx could not be read (it is damaged or not a workbook)"
    assert res.stderr.strip() == f"warning: {note}, so the Changes sheet shows none (the lists are complete)"
    assert rows(out / "ofsted-lists_2026-11-25.xlsx", "Changes")[1] == (f"{note}, so no changes are shown.",)


def test_a_workbook_whose_summary_does_not_confirm_its_name_is_passed_over(inputs, tmp_path):
    """A copy renamed to a later date is not the run of that date: the older real one is used."""
    out = tmp_path / "out"
    build(inputs, out, WEEK1, "--quiet")
    shutil.copy(out / "ofsted-lists_2026-11-18.xlsx", out / "ofsted-lists_2026-11-21.xlsx")
    build(inputs, out, WEEK2, "--quiet")
    assert_week_two_changes(out / "ofsted-lists_2026-11-25.xlsx")


def test_csv_runs_compare_with_the_earlier_csv_folder(inputs, tmp_path, monkeypatch):
    """Without --out, each CSV run is a dated folder in ./out, beside the earlier ones."""
    monkeypatch.chdir(tmp_path)
    for as_of in (WEEK1, WEEK2):
        res = CliRunner().invoke(app, ["build", "--input", str(inputs), "--as-of", as_of, "--format", "csv", "-q"])
        assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / "ofsted-lists_2026-11-25"
    (changes,) = folder.glob("*_Changes.csv")
    assert changes.read_text(encoding="utf-8-sig").splitlines() == [
        "List,Change,Child Unique ID,Earlier as-of date",
        f"{CP},joined,{STARTS},18/11/2026",
        f"{CP},left,{ENDS},18/11/2026",
    ]
    assert "Changes since the run as at 18/11/2026 (ofsted-lists_2026-11-18)" in \
        (folder / "00_Summary.csv").read_text(encoding="utf-8-sig")


def test_a_week_with_no_change_says_so_with_the_earlier_date(inputs, tmp_path):
    out = tmp_path / "out"
    build(inputs, out, WEEK2, "--quiet")
    build(inputs, out, "2026-11-26", "--quiet")
    assert rows(out / "ofsted-lists_2026-11-26.xlsx", "Changes")[1:] == [
        ("every list", "no child joined or left", None, dt.datetime(2026, 11, 25))]


@pytest.mark.parametrize("missing_in, note", [
    (WEEK1, "not compared: the list was not produced in the earlier run"),
    (WEEK2, "not compared: the list was not produced in this run"),
])
def test_a_list_not_produced_in_either_run_is_not_compared(inputs, tmp_path, missing_in, note):
    """Not "every child joined": a list that could not be built has no children to compare."""
    without = shutil.copytree(inputs, tmp_path / "without")
    (without / "cp_plans.csv").unlink()
    out = tmp_path / "out"
    for as_of in (WEEK1, WEEK2):
        build(without if as_of == missing_in else inputs, out, as_of, "--allow-missing", "--quiet")
    book = out / "ofsted-lists_2026-11-25.xlsx"
    counts = {r[0]: r[1:4] for r in summary_block(book, "Changes since the run as at")[2:]}
    assert counts[CP] == (None, None, note)
    assert [r for r in rows(book, "Changes") if r[0] == CP] == []
