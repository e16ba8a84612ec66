"""The config rules of SPEC §7 (issue 13): a column mapping must name a heading of its
table's files; every mistake of the file in one message; one `[columns]` mapping for
every table. Through config loading and through the real CLI (`build`)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, run_lists, sheet
from ofsted_lists import config, readers
from ofsted_lists.cli import app
from ofsted_lists.errors import InputError, UsageError
from ofsted_lists.quality import Findings
from ofsted_lists.schema import closest

runner = CliRunner()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """sample_data's first 300 children and their records; children's gender and
    ethnicity headed as in a Liquidlogic extract."""
    folder = tmp_path_factory.mktemp("small")
    keep = None
    # Not the 903 headers: their sex and ethnicity would fill what these tests take from children.
    files = [p for p in SAMPLE_DATA.glob("*.csv") if not p.name.endswith("_header.csv")]
    for src in sorted(files, key=lambda p: p.name != "children.csv"):
        frame = pd.read_csv(src, dtype=str, keep_default_na=False)
        if keep is None:
            frame = frame.head(300).rename(columns={"gender": "GENDER_MAIN_CODE", "ethnicity": "ETHNICITY_MAIN_CODE"})
            keep = set(frame["child_id"])
        key = next((c for c in ("child_id", "CHILD") if c in frame), None)  # the 903's, adopters' own
        (frame if key is None else frame[frame[key].isin(keep)]).to_csv(folder / src.name, index=False)
    return folder


@pytest.fixture(scope="module")
def plain(small):
    """The lists built from `small` with no config."""
    return run_lists(small, SAMPLE_AS_OF)


def renamed(src: Path, dest: Path, headings: dict[str, str], names: dict[str, str] | None = None) -> Path:
    """A copy of the export folder `src` with headings (and file names) renamed."""
    dest.mkdir()
    for f in src.glob("*.csv"):
        first, rest = f.read_text(encoding="utf-8").split("\n", 1)
        first = ",".join(headings.get(h, h) for h in first.split(","))
        (dest / (names or {}).get(f.name, f.name)).write_text(first + "\n" + rest, encoding="utf-8")
    return dest


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ofsted-lists.toml"
    path.write_text(text, encoding="utf-8")
    return path


def build(folder: Path, cfg: Path, tmp_path: Path, *extra: str):
    out = tmp_path / "out" / "lists.xlsx"
    res = runner.invoke(app, ["build", "--input", str(folder), "--config", str(cfg), "--as-of", SAMPLE_AS_OF,
                              "--out", str(out), *extra])
    return res, out


def usage_error(res, out: Path) -> str:
    """The one error line of a run that must stop with exit 2 having written nothing."""
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and not out.parent.exists()
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: config ofsted-lists.toml"), res.output
    return lines[0]


def no_cell_values(text: str, folder: Path) -> None:
    """No identifier or date of birth of the exports is in `text` (headings may be)."""
    children = pd.read_csv(folder / "children.csv", dtype=str)
    for value in [*children.iloc[:, 0], *children.iloc[:, 1].dropna()]:
        assert value not in text


# --- schema.closest ----------------------------------------------------------------------

def test_closest_compares_normalised_headings_best_first():
    headings = ["GENDER_MAIN_CODE", "Ethnicity main code", "ETHNICITY_MAIN_CODE", "PERSON_REF"]
    assert closest("ETHNICITY_MAIN_COD", headings) == ["Ethnicity main code", "GENDER_MAIN_CODE"]
    assert closest("dob", headings) == []  # too unlike every heading
    assert closest("person ref ", headings, n=1) == ["PERSON_REF"]


# --- item 1: a mapping must name a heading of its table --------------------------------

TYPO = """[input]
dir = "exports"

[tables.children.columns]
gender = "GENDER_MAIN_CODE"
ethnicity = "ETHNICITY_MAIN_COD"
"""


def test_a_mapping_to_a_heading_in_no_file_is_a_usage_error(small, tmp_path):
    res, out = build(small, toml(tmp_path, TYPO), tmp_path)
    line = usage_error(res, out)
    assert line == ("error: config ofsted-lists.toml, line 6: 'tables.children.columns.ethnicity': heading "
                    "'ETHNICITY_MAIN_COD' is in no file of table 'children' (read: children.csv); closest unused "
                    "headings: 'ETHNICITY_MAIN_CODE'")
    no_cell_values(res.output, small)


def test_the_pipeline_checks_the_mappings_of_a_deferred_config_against_the_headings_read(small, tmp_path):
    cfg = config.load(toml(tmp_path, TYPO + "[rules]\nreferral_window_days = -1\n"), explicit=True, defer=True)
    assert [p.key for p in cfg.problems] == [("rules", "referral_window_days")]
    with pytest.raises(UsageError) as exc:
        run_lists(small, SAMPLE_AS_OF, config=cfg)
    assert str(exc.value).startswith("config ofsted-lists.toml: 2 problems: (1) line 6: "
                                      "'tables.children.columns.ethnicity': heading 'ETHNICITY_MAIN_COD'")
    assert "(2) line 8: 'rules.referral_window_days'" in str(exc.value)


def test_the_headings_read_are_kept_per_table_file(small):
    read = readers.read_folder(small, config.Config(), Findings())
    children = next(h for h in read.headings if h.table == "children")
    assert (children.file, children.sheet) == ("children.csv", "")
    assert children.headings == ["child_id", "dob", "expected_dob", "GENDER_MAIN_CODE", "ETHNICITY_MAIN_CODE",
                                 "disability"]
    assert children.unused == ["GENDER_MAIN_CODE", "ETHNICITY_MAIN_CODE"]
    assert sorted({h.table for h in read.headings}) == sorted(read.tables)  # the 903's: a file per year


def test_the_corrected_mapping_is_used(small, tmp_path):
    cfg = config.load(toml(tmp_path, TYPO.replace("_COD\"", "_CODE\"")), explicit=True)
    children = sheet(run_lists(small, SAMPLE_AS_OF, config=cfg), "1a")
    assert children["Ethnicity"].str.startswith("s) NOBT").sum() < len(children)
    assert not children["Gender"].eq("c) Not stated/recorded").all()


def test_a_required_column_mapped_to_a_missing_heading_is_a_usage_error_not_an_input_error(small, tmp_path):
    folder = renamed(small, tmp_path / "in", {"child_id": "PERSON_REF"})
    res, out = build(folder, toml(tmp_path, "[tables.contacts.columns]\nchild_id = 'PERSON_RE'\n"), tmp_path)
    assert usage_error(res, out).endswith(
        "line 2: 'tables.contacts.columns.child_id': heading 'PERSON_RE' is in no file of table 'contacts' "
        "(read: contacts.csv); closest unused headings: 'PERSON_REF'")


def test_a_mapped_heading_missing_from_one_file_only_is_that_files_input_error(small, tmp_path):
    folder = renamed(small, tmp_path / "in", {"child_id": "PERSON_REF"})
    (folder / "contacts_2.csv").write_text("Ref,contact_date\nX1,01/02/2026\n", encoding="utf-8")
    res, out = build(folder, toml(tmp_path, "[columns]\nchild_id = 'PERSON_REF'\n"), tmp_path)
    assert res.exit_code == 3 and not out.parent.exists()
    assert ("contacts_2.csv: table 'contacts' has no column for 'child_id' (looked for 'PERSON_REF', 'child_id'"
            in res.output)


def test_no_unused_heading_close_lists_the_unused_ones(small, tmp_path):
    res, out = build(small, toml(tmp_path, "[tables.children.columns]\ngender = 'Sex of the child'\n"), tmp_path)
    assert usage_error(res, out).endswith("heading 'Sex of the child' is in no file of table 'children' (read: "
                                          "children.csv); no unused heading is close to it (unused: "
                                          "'GENDER_MAIN_CODE', 'ETHNICITY_MAIN_CODE')")


def test_a_table_with_no_file_is_not_judged(small, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in small.glob("*.csv"):
        if f.name != "early_help.csv":
            (folder / f.name).write_bytes(f.read_bytes())
    cfg = toml(tmp_path, "[tables.early_help.columns]\neh_type = 'EH type'\n")
    res, out = build(folder, cfg, tmp_path, "--allow-missing")
    assert res.exit_code == 0, res.output


def test_a_personal_workbook_name_is_named_only_with_verbose(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Children"
    book.active.append(["child_id", "dob", "ETHNICITY_MAIN_CODE"])
    book.active.append(["C0000444", "2015-06-01", "WBRI"])
    book.save(folder / "C0000444 Jane Smith.xlsx")
    cfg = toml(tmp_path, "[tables.children.columns]\nethnicity = 'ETHNICITY_MAIN_COD'\n")
    res, out = build(folder, cfg, tmp_path)
    line = usage_error(res, out)
    assert "(read: a .xlsx file, sheet 'Children'); closest unused headings: 'ETHNICITY_MAIN_CODE'" in line
    assert "Jane" not in line and "C0000444" not in line and "2015" not in line
    res, out = build(folder, cfg, tmp_path, "--verbose")
    assert "(read: C0000444 Jane Smith.xlsx, sheet 'Children')" in usage_error(res, out)


# --- item 2: every mistake in one message ----------------------------------------------

THREE = """[tables.contacts]
file = "FACT_CONTACTS*"

[rules]
referral_window_days = "seven"

[values.disability]
"ASC" = "Spectrum"
"""


def test_three_mistakes_in_one_message_on_loading(tmp_path):
    with pytest.raises(UsageError) as exc:
        config.load(toml(tmp_path, THREE), explicit=True)
    assert str(exc.value) == (
        "config ofsted-lists.toml: 3 problems: "
        "(1) line 2: 'tables.contacts.file': unknown key; expected one of: columns, files, sheets; "
        "(2) line 5: 'rules.referral_window_days': must be a whole number from 0 to 365; "
        "(3) line 8: 'values.disability.ASC': 'Spectrum' names no valid code; expected a CIN disability code "
        "(MOB, HAND, PC, INC, COMM, LD, HEAR, VIS, BEH, CON, AUT, DDA), NONE, Yes, No or Unknown")


def test_deferred_loading_keeps_the_problems_and_the_good_keys(tmp_path):
    cfg = config.load(toml(tmp_path, THREE + '"SEMH" = "BEH"\n[output]\ndir = "lists"\n'), explicit=True, defer=True)
    assert [(p.key, p.line) for p in cfg.problems] == [
        (("tables", "contacts", "file"), 2), (("rules", "referral_window_days"), 5),
        (("values", "disability", "ASC"), 8)]
    assert cfg.mapping("disability") == {"SEMH": "BEH"} and cfg.output_dir == tmp_path / "lists"


def test_three_mistakes_and_a_heading_in_one_run(small, tmp_path):
    res, out = build(small, toml(tmp_path, THREE + TYPO.split("\n", 3)[3]), tmp_path)
    line = usage_error(res, out)
    assert line.startswith("error: config ofsted-lists.toml: 4 problems: (1) line 2: 'tables.contacts.file'")
    assert "(2) line 5: 'rules.referral_window_days'" in line and "(3) line 8: 'values.disability.ASC'" in line
    assert line.endswith("(4) line 11: 'tables.children.columns.ethnicity': heading 'ETHNICITY_MAIN_COD' is in no "
                         "file of table 'children' (read: children.csv); closest unused headings: "
                         "'ETHNICITY_MAIN_CODE'")


def test_config_mistakes_come_first_when_the_exports_cannot_be_read(tmp_path):
    res, out = build(tmp_path / "nowhere", toml(tmp_path, THREE), tmp_path)
    line = usage_error(res, out)
    assert "3 problems" in line and "input folder not found" not in line
    assert line.endswith("(the exports could not all be read, so the column mappings were not checked against "
                         "their headings)")


# --- item 3: [columns] -----------------------------------------------------------------

def test_one_columns_mapping_serves_every_table(small, plain, tmp_path):
    folder = renamed(small, tmp_path / "in", {"child_id": "PERSON_REF"})
    with pytest.raises(InputError, match="has no column for 'child_id'"):
        run_lists(folder, SAMPLE_AS_OF)
    cfg = config.load(toml(tmp_path, "[columns]\nchild_id = 'PERSON_REF'\n"), explicit=True)
    assert cfg.table("contacts").columns == {"child_id": "PERSON_REF"}
    mapped = run_lists(folder, SAMPLE_AS_OF, config=cfg)
    assert sum(len(r.frame) for r in plain.lists) > 0
    for got, want in zip(mapped.lists, plain.lists, strict=True):
        pd.testing.assert_frame_equal(got.frame, want.frame)


def test_a_tables_own_mapping_wins_over_columns(small, tmp_path):
    folder = renamed(small, tmp_path / "in", {"contact_source": "SOURCE_A"})
    contacts = folder / "contacts.csv"
    frame = pd.read_csv(contacts, dtype=str, keep_default_na=False)
    frame["SOURCE_B"] = "Police"
    frame.to_csv(contacts, index=False)
    cfg = config.load(toml(tmp_path, "[columns]\ncontact_source = 'SOURCE_A'\ngender = 'GENDER_MAIN_CODE'\n"
                                     "[tables.contacts.columns]\ncontact_source = 'SOURCE_B'\n"), explicit=True)
    assert cfg.table("contacts").columns == {"contact_source": "SOURCE_B", "gender": "GENDER_MAIN_CODE"}
    assert cfg.table("disabilities").columns == {}  # gender is no column of disabilities
    listed = sheet(run_lists(folder, SAMPLE_AS_OF, config=cfg), "1a")
    assert len(listed) and listed["Contact Source"].eq("q) 6: Police").all()


def test_a_columns_key_must_be_a_canonical_column(tmp_path):
    with pytest.raises(UsageError) as exc:
        config.load(toml(tmp_path, "[columns]\nchild_id = 'A'\nchild = 'B'\ndob = 3\n"), explicit=True)
    assert str(exc.value) == (
        "config ofsted-lists.toml: 2 problems: (1) line 3: 'columns.child': unknown key; not a canonical column of "
        "any table (the README lists them); did you mean 'child_id' or 'child_seen' or 'children_placed'?; (2) line 4: 'columns.dob': "
        "must be a non-empty string")


def test_a_columns_mapping_found_in_no_table_is_a_usage_error(small, tmp_path):
    res, out = build(small, toml(tmp_path, "# shared\n[columns]\nethnicity = 'ETHNICITY_MAIN_COD'\n"), tmp_path)
    line = usage_error(res, out)
    assert line.startswith("error: config ofsted-lists.toml, line 3: 'columns.ethnicity': heading "
                           "'ETHNICITY_MAIN_COD' is in no file of the tables it serves (")
    assert "closest unused headings: 'ETHNICITY_MAIN_CODE'" in line


def test_a_columns_mapping_found_in_some_tables_only_serves_those(small, plain, tmp_path):
    """Only children.csv has the headings: the mappings serve it, through `build`."""
    cfg = toml(tmp_path, "[columns]\nethnicity = 'ETHNICITY_MAIN_CODE'\ngender = 'GENDER_MAIN_CODE'\n")
    res, out = build(small, cfg, tmp_path)
    assert res.exit_code == 0 and out.exists(), res.output
    rows = list(openpyxl.load_workbook(out, read_only=True)["1a Contacts"].values)
    top = next(i for i, r in enumerate(rows) if "Ethnicity" in r)
    ethnicity = [r[rows[top].index("Ethnicity")] for r in rows[top + 1:] if any(r)]
    unmapped = sheet(plain, "1a")["Ethnicity"]
    assert unmapped.str.startswith("s) NOBT").all() and len(ethnicity) == len(unmapped) > 0
    assert not all(e.startswith("s) NOBT") for e in ethnicity)


def test_messages_escape_control_characters_in_headings(small, tmp_path):
    res, out = build(small, toml(tmp_path, '[tables.children.columns]\ngender = "GENDER\\u001b[2J"\n'), tmp_path)
    line = usage_error(res, out)
    assert "\x1b" not in line and re.search(r"heading 'GENDER\\x1b\[2J'", line)
