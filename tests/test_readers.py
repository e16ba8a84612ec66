"""The read stage (SPEC §3): table recognition, headings, header rows, encodings, provenance."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from ofsted_lists import quality, readers
from ofsted_lists.config import Config, TableConfig
from ofsted_lists.errors import InputError
from ofsted_lists.quality import Findings
from ofsted_lists.schema import TABLES


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with the given sheets; a row of [] is a blank row."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    ws.cell(r, c, value)
    wb.save(path)
    return path


def read(folder: Path, config: Config | None = None) -> tuple[readers.ReadResult, pd.DataFrame]:
    findings = Findings()
    result = readers.read_folder(folder, config or Config(), findings)
    return result, findings.table()


def one(folder: Path, name: str, data: bytes | str, encoding: str = "utf-8", config: Config | None = None):
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return read(folder, config)


# --- recognising tables ----------------------------------------------------------------

@pytest.mark.parametrize("name,table", [
    ("contacts.csv", "contacts"), ("Contacts.CSV", "contacts"), ("CONTACTS.xlsx", "contacts"),
    ("contacts_2026-03.csv", "contacts"), ("Contacts 2.csv", "contacts"), ("contacts-20260301.csv", "contacts"),
    ("Contacts (2).csv", "contacts"), ("contacts_2026-03 (1).csv", "contacts"), ("contacts 01.03.2026.csv", "contacts"),
    ("Persons.csv", "children"), ("child details.csv", "children"), ("Child-Details_2026.csv", "children"),
    ("s47.csv", "s47"), ("s 47.csv", "s47"), ("section47.csv", "s47"), ("Section 47 2.csv", "s47"), ("S47_2026-01.csv", "s47"),
    ("CIN Plans.csv", "cin_plans"), ("child_protection_plans.xlsx", "cp_plans"), ("EH.csv", "early_help"),
    ("early-help 2026.csv", "early_help"), ("Disability.csv", "disabilities"), ("referrals_1.csv", "referrals"),
])
def test_file_names(name, table):
    assert readers.recognise(name, Config(), sheet=False) == table


@pytest.mark.parametrize("name", ["notes.csv", "2026-03.csv", "contactsx.csv", "s4.csv", "s.csv", "List 6.xlsx", "List 11.xlsx",
                                  "contacts_v2.csv", "47.csv"])
def test_names_that_are_no_table(name):
    assert readers.recognise(name, Config(), sheet=False) is None


def test_sheet_names_keep_the_dot_and_config_globs_win():
    assert readers.recognise("Child.Details", Config(), sheet=True) == "children"
    assert readers.recognise("Referrals 2", Config(), sheet=True) == "referrals"
    cfg = Config(tables={"children": TableConfig(files=["DIM_PERSON*"], sheets=["People ?"]),
                         "contacts": TableConfig(files=["fact_contacts.csv"]),
                         "referrals": TableConfig(files=["contacts_old"])})
    assert readers.recognise("dim_person_2026.csv", cfg, sheet=False) == "children"
    assert readers.recognise("FACT_CONTACTS.CSV", cfg, sheet=False) == "contacts"
    assert readers.recognise("contacts_old.csv", cfg, sheet=False) == "referrals"  # glob without extension
    assert readers.recognise("People 1", cfg, sheet=True) == "children"
    assert readers.recognise("DIM_PERSON", cfg, sheet=True) is None  # file globs are not sheet globs


# --- headings --------------------------------------------------------------------------

def test_headings_case_space_punctuation_and_curly_apostrophes():
    t = TABLES["assessments"]
    m = readers.map_headings(
        ["  child unique id ", "CONTINUOUS_ASSESSMENT_START_DATE", "Was the child assessed as requiring LA "
         "children’s social care support", "child-seen", None, float("nan"), "Notes"], t, TableConfig())
    assert m == {0: "child_id", 1: "assessment_start_date", 2: "assessment_outcome", 3: "child_seen"}


def test_config_mapping_and_canonical_names_beat_aliases():
    t = TABLES["referrals"]
    # "Source" is an alias of referral_source, but the config gives it to primary_need.
    m = readers.map_headings(["Child ID", "Source", "Referral Date", "ReferralSource"], t,
                             TableConfig(columns={"primary_need": "source"}))
    assert m == {0: "child_id", 1: "primary_need", 2: "referral_date", 3: "referral_source"}
    # A canonical heading wins over an alias of the same column appearing earlier.
    m = readers.map_headings(["Person ID", "child_id", "Referral Date"], t, TableConfig())
    assert m == {1: "child_id", 2: "referral_date"}


def test_a_repeated_heading_is_used_once():
    m = readers.map_headings(["Child ID", "Contact Date", "Contact Date"], TABLES["contacts"], TableConfig())
    assert m == {0: "child_id", 1: "contact_date"}


# --- header rows -----------------------------------------------------------------------

def test_title_and_blank_rows_above_the_header_in_csv(tmp_path):
    text = ("Contacts export for Ofsted\n"
            "Run on 01/03/2026,,\n"
            "\n"
            "Child ID,Contact Date,Notes\n"
            "C1,01/02/2026,x\n"
            "\n"
            "C2,02/02/2026,y\n")
    res, f = one(tmp_path / "in", "contacts.csv", text)
    c = res.tables["contacts"]
    assert c["child_id"].tolist() == ["C1", "C2"]
    assert c["_row"].tolist() == [5, 7]
    unused = f[f["Kind"] == quality.UNUSED_COLUMN]
    assert unused[["Row", "Column"]].values.tolist() == [[4, "Notes"]]


def test_missing_header_is_an_input_error_not_a_data_row(tmp_path):
    text = "C1,01/02/2026,Police\nC2,02/02/2026,School\n"
    with pytest.raises(InputError, match="found no header row in the first 30 rows for table 'contacts'"):
        one(tmp_path / "in", "contacts.csv", text)


def test_a_data_row_that_happens_to_hold_a_heading_is_not_taken_for_the_header(tmp_path):
    # No header; a cell reads "Outcome" (a contacts alias): not enough for a header row.
    with pytest.raises(InputError, match="no column for 'child_id'"):
        one(tmp_path / "in", "contacts.csv", "C1,01/02/2026,Outcome\nC2,02/02/2026,NFA\n")


def test_header_beyond_the_first_30_rows_is_not_found(tmp_path):
    text = "title\n" * 30 + "Child ID,Contact Date\nC1,01/01/2026\n"
    with pytest.raises(InputError, match="no header row"):
        one(tmp_path / "in", "contacts.csv", text)
    text = "title\n" * 29 + "Child ID,Contact Date\nC1,01/01/2026\n"
    res, _ = one(tmp_path / "in2", "contacts.csv", text)
    assert res.tables["contacts"]["_row"].tolist() == [31]


def test_required_column_missing(tmp_path):
    with pytest.raises(InputError, match=r"contacts.csv: table 'contacts' has no column for 'contact_date'.*"
                                         r"\[tables.contacts.columns\]"):
        one(tmp_path / "in", "contacts.csv", "Child ID,Source\nC1,Police\n")
    with pytest.raises(InputError, match="needs at least one of the columns strategy_date, s47_start_date"):
        one(tmp_path / "in2", "s47.csv", "Child ID,ICPC Date\nC1,01/01/2026\n")


# --- CSV dialects and encodings --------------------------------------------------------

@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters(tmp_path, sep):
    text = sep.join(["Child ID", "Contact Date", "Contact Source"]) + "\n" + sep.join(["C1", "01/02/2026", "6"]) + "\n"
    res, _ = one(tmp_path / "in", "contacts.csv", text)
    assert res.tables["contacts"][["child_id", "contact_date", "contact_source"]].values.tolist() == [
        ["C1", "01/02/2026", "6"]]


def test_windows_1252(tmp_path):
    text = "Child ID,Contact Date,Team,Worker\r\nC1,01/02/2026,Équipe £5,Zoë Brontë\r\n"
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    res, _ = one(tmp_path / "in", "contacts.csv", raw)
    assert res.tables["contacts"][["team", "worker"]].values.tolist() == [["Équipe £5", "Zoë Brontë"]]


def test_utf8_bom_and_utf16(tmp_path):
    text = "Child ID,Contact Date,Team\nC1,01/02/2026,Café\n"
    res, _ = one(tmp_path / "a", "contacts.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert res.tables["contacts"][["child_id", "team"]].values.tolist() == [["C1", "Café"]]
    res, _ = one(tmp_path / "b", "contacts.txt", text.replace(",", "\t").encode("utf-16"))
    assert res.tables["contacts"][["child_id", "team"]].values.tolist() == [["C1", "Café"]]


def test_bytes_undefined_in_windows_1252_still_read(tmp_path):
    res, _ = one(tmp_path / "in", "contacts.csv", b"Child ID,Contact Date,Team\nC1,01/02/2026,A\x81B\n")
    assert res.tables["contacts"]["team"].tolist() == ["A\x81B"]


def test_null_and_whitespace_read_as_blank_and_values_are_trimmed(tmp_path):
    res, _ = one(tmp_path / "in", "contacts.csv",
                 "Child ID,Contact Date,Team,Worker\n  007 ,01/02/2026,NULL,   \nC2,NULL,null,\u00a0W\u00a0\n")
    c = res.tables["contacts"]
    assert c["child_id"].tolist() == ["007", "C2"]
    assert c["team"].isna().all() and c["worker"].isna().tolist() == [True, False]
    assert c["worker"].iloc[1] == "W" and pd.isna(c["contact_date"].iloc[1])


def test_quoted_line_breaks_count_as_one_spreadsheet_row(tmp_path):
    text = ('"Contacts\nexport"\n'
            'Child ID,Contact Date,Notes\n'
            'C1,01/02/2026,"line one\nline two"\n'
            'C2,02/02/2026,z\n')
    res, _ = one(tmp_path / "in", "contacts.csv", text)
    assert res.tables["contacts"][["child_id", "_row"]].values.tolist() == [["C1", 3], ["C2", 4]]


def test_short_and_long_rows_never_shift_columns(tmp_path):
    text = ("Child ID,Contact Date,Notes,Contact Source\n"
            "C1,01/02/2026\n"
            "C2,02/02/2026,n,6,extra,more\n"
            "C3,03/02/2026,n,2A\n")
    res, _ = one(tmp_path / "in", "contacts.csv", text)
    c = res.tables["contacts"]
    assert c[["child_id", "contact_date", "contact_source"]].fillna("").values.tolist() == [
        ["C1", "01/02/2026", ""], ["C2", "02/02/2026", "6"], ["C3", "03/02/2026", "2A"]]


def test_header_only_csv_gives_an_empty_table(tmp_path):
    res, _ = one(tmp_path / "in", "contacts.csv", "Child ID,Contact Date\n")
    assert res.tables["contacts"].empty and res.files[0].rows == 0


@pytest.mark.parametrize("data,needle", [
    (b"", "is empty"),
    (b"  \r\n\r\n", "is empty"),
    (b"Child ID,Contact Date\x00\x01\x02", "binary data"),
    (b'Child ID,Contact Date\nC1,"01/02/2026\n', "could not be read as CSV"),
])
def test_unreadable_csv(tmp_path, data, needle):
    with pytest.raises(InputError, match=needle):
        one(tmp_path / "in", "contacts.csv", data)


# --- Excel -----------------------------------------------------------------------------

def test_excel_rows_are_the_rows_excel_shows(tmp_path):
    path = write_xlsx(tmp_path / "contacts.xlsx", {"Contacts": [
        ["Contacts for Ofsted"], [], [None, "Child ID", "Contact Date", "Ignored"],
        [None, 12345, dt.date(2026, 2, 1)], [], [None, "00123", 46054], [None, 12345.0, "01/02/2026"],
    ]})
    res, f = read(path.parent)
    c = res.tables["contacts"]
    assert c[["child_id", "contact_date", "_row"]].values.tolist() == [
        ["12345", "2026-02-01 00:00:00", 4], ["00123", "46054", 6], ["12345", "01/02/2026", 7]]
    assert set(c["_sheet"]) == {"Contacts"} and set(c["_file"]) == {"contacts.xlsx"}
    assert f.loc[f["Kind"] == quality.UNUSED_COLUMN, ["Sheet", "Row", "Column"]].values.tolist() == [
        ["Contacts", 3, "Ignored"]]


def test_workbook_of_several_tables_with_unrecognised_and_empty_sheets(tmp_path):
    write_xlsx(tmp_path / "export.xlsx", {
        "Children": [["Child ID", "Gender"], ["C1", "F"]],
        "Contacts": [["Child ID", "Contact Date"], ["C1", "01/02/2026"]],
        "Contacts 2": [["Child ID", "Contact Date", "Team"], ["C2", "02/02/2026", "MASH"]],
        "Read me": [["This workbook holds our exports"]],
        "Sheet3": [],
    })
    res, f = read(tmp_path)
    assert set(res.tables) == {"children", "contacts"}
    assert res.tables["contacts"][["child_id", "_sheet", "team"]].fillna("").values.tolist() == [
        ["C1", "Contacts", ""], ["C2", "Contacts 2", "MASH"]]
    assert res.unrecognised == ["export.xlsx [Read me]"]
    assert f.loc[f["Kind"] == quality.UNRECOGNISED, ["File", "Sheet"]].values.tolist() == [["export.xlsx", "Read me"]]
    assert res.files[0].tables == ["children", "contacts", "contacts"] and res.files[0].rows == 3


def test_file_name_names_the_only_sheet_holding_data(tmp_path):
    write_xlsx(tmp_path / "referrals_2026-03.xlsx", {
        "Sheet1": [["Child ID", "Referral Date"], ["C1", "01/02/2026"]], "Sheet2": [], "Sheet3": []})
    res, f = read(tmp_path)
    assert res.tables["referrals"]["child_id"].tolist() == ["C1"] and res.unrecognised == []
    assert f.empty


def test_file_name_does_not_name_one_of_several_data_sheets(tmp_path):
    write_xlsx(tmp_path / "referrals.xlsx", {"Sheet1": [["Child ID", "Referral Date"], ["C1", "01/02/2026"]],
                                             "Sheet2": [["x"]]})
    res, _ = read(tmp_path)
    assert res.tables == {} and res.unrecognised == ["referrals.xlsx [Sheet1]", "referrals.xlsx [Sheet2]"]


def test_empty_recognised_sheet_is_an_input_error(tmp_path):
    write_xlsx(tmp_path / "x.xlsx", {"Contacts": [], "Children": [["Child ID"], ["C1"]]})
    with pytest.raises(InputError, match="x.xlsx, sheet 'Contacts' is empty"):
        read(tmp_path)


def test_text_saved_with_an_excel_name_is_read_as_csv(tmp_path):
    res, _ = one(tmp_path / "in", "contacts.xls", "Child ID\tContact Date\nC1\t01/02/2026\n")
    assert res.tables["contacts"]["child_id"].tolist() == ["C1"]


@pytest.mark.parametrize("name,data,needle", [
    ("contacts.xls", b"<html><body><table><tr><td>Child ID</td></tr></table></body></html>", "web page"),
    ("contacts.xlsx", b"\xef\xbb\xbf<?xml version='1.0'?><Workbook/>", "web page or XML"),
    ("contacts.xlsx", b"PK\x03\x04 this is not a zip at all", "could not be opened as an Excel workbook"),
    ("contacts.xlsx", b"", "is empty"),
    ("contacts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "could not be opened"),
])
def test_unreadable_workbooks(tmp_path, name, data, needle):
    with pytest.raises(InputError, match=needle):
        one(tmp_path / "in", name, data)


def test_password_protected_workbook(tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", {"Contacts": [["Child ID", "Contact Date"], ["C1", "01/02/2026"]]})
    folder = tmp_path / "in"
    folder.mkdir()
    out = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("secret", out)
    (folder / "contacts.xlsx").write_bytes(out.getvalue())
    with pytest.raises(InputError, match="contacts.xlsx is password-protected"):
        read(folder)


# --- the folder ------------------------------------------------------------------------

def test_unrecognised_and_other_files_are_listed_hidden_and_lock_files_are_not(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "contacts.csv").write_text("Child ID,Contact Date\nC1,01/02/2026\n")
    (folder / "notes.csv").write_text("a,b\n")
    (folder / "README.pdf").write_bytes(b"%PDF")
    (folder / ".hidden.csv").write_text("x")
    (folder / "~$contacts.xlsx").write_bytes(b"lock")
    (folder / "Thumbs.db").write_bytes(b"x")
    (folder / "sub").mkdir()
    res, f = read(folder)
    assert res.unrecognised == ["notes.csv", "README.pdf"]
    rows = f[f["Kind"] == quality.UNRECOGNISED]
    assert rows[["File", "Problem"]].values.tolist() == [
        ["notes.csv", "file name matches no table; not read"], ["README.pdf", "not a CSV, Excel or XML file; not read"]]
    assert [i.name for i in res.files] == ["contacts.csv", "notes.csv"]
    assert res.files[1].tables == [] and len(res.files[0].sha256) == 64


def test_folder_problems(tmp_path):
    with pytest.raises(InputError, match="input folder not found"):
        read(tmp_path / "nope")
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        read(tmp_path / "file.csv")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.pdf").write_bytes(b"x")
    with pytest.raises(InputError, match="holds no .csv"):
        read(tmp_path / "empty")


def test_two_files_with_different_columns_concatenate(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "contacts_2026-01.csv").write_text("Child ID,Contact Date,Contact Source\nC1,01/01/2026,6\n")
    (folder / "Contacts 2.csv").write_text("Title\nContact Date;Person ID;Team\n02/01/2026;C2;MASH\n03/01/2026;C3;\n")
    res, _ = read(folder)
    c = res.tables["contacts"]
    assert c[["_file", "_row", "child_id", "contact_date", "contact_source", "team"]].fillna("").values.tolist() == [
        ["Contacts 2.csv", 3, "C2", "02/01/2026", "", "MASH"],
        ["Contacts 2.csv", 4, "C3", "03/01/2026", "", ""],
        ["contacts_2026-01.csv", 2, "C1", "01/01/2026", "6", ""],
    ]
    assert [(i.name, i.tables, i.rows) for i in res.files] == [
        ("Contacts 2.csv", ["contacts"], 2), ("contacts_2026-01.csv", ["contacts"], 1)]


def test_progress_reports_each_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("children.csv", "contacts.csv"):
        (folder / name).write_text("Child ID,Contact Date\nC1,01/01/2026\n")
    (folder / "referrals.csv").write_text("Child ID,Referral Date\nC1,01/01/2026\nC2,02/01/2026\n")
    seen = []
    readers.read_folder(folder, Config(), Findings(), lambda n, i, t: seen.append((n, i, t)))
    total = sum(p.stat().st_size for p in folder.iterdir())
    # Files are read two at a time, so the order of calls may vary; what holds always:
    assert seen[0][1] == 0 and seen[-1] == ("", total, total)
    assert all(t == total for _, _, t in seen)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)  # bytes done only grow
    named = {name for names, _, _ in seen for name in names.split(", ") if name}
    assert named == {"children.csv", "contacts.csv", "referrals.csv"}
    # The largest file starts first.
    assert seen[0][0].split(", ")[0] == "referrals.csv"


def test_a_rule_line_under_the_header_is_not_a_record(tmp_path):
    text = "Child ID,Contact Date,Team\n--------,------------,----\nC1,01/02/2026,-\n- -,==,\n--,--,--\n"
    res, _ = one(tmp_path / "in", "contacts.csv", text)
    c = res.tables["contacts"]
    assert c[["child_id", "contact_date", "team", "_row"]].fillna("").values.tolist() == [
        ["C1", "01/02/2026", "-", 3], ["- -", "==", "", 4], ["--", "--", "--", 5]]


def test_a_bom_before_windows_1252_text_falls_back_to_windows_1252(tmp_path):
    raw = b"\xef\xbb\xbfChild ID,Contact Date,Team\nC1,01/02/2026," + "£ Équipe".encode("cp1252") + b"\n"
    res, _ = one(tmp_path / "in", "contacts.csv", raw)
    assert res.tables["contacts"][["child_id", "team"]].values.tolist() == [["C1", "£ Équipe"]]


def test_encoding_is_checked_over_the_whole_file_in_chunks():
    raw = "é".encode("utf-8") * 10
    assert readers.cms._decodes(raw, "utf-8", chunk=3)  # a character split across chunks is fine
    assert not readers.cms._decodes(raw + b"\xa3", "utf-8", chunk=3)


def test_a_workbook_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path):
    book = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": [["Child ID", "Contact Date"], ["C1", "01/02/2026"]]})
    res, _ = one(tmp_path / "in", "contacts.csv", book.read_bytes())
    assert res.tables["contacts"][["child_id", "_sheet", "_row"]].values.tolist() == [["C1", "Sheet1", 2]]


def test_a_zip_directory_naming_a_too_new_zip_version_is_no_crash(tmp_path):
    """The padding check lists the parts with zipfile, which refuses such an entry with
    NotImplementedError (found by test_fuzz_files: exit 1); calamine still reads it."""
    path = write_xlsx(tmp_path / "children.xlsx", {"children": [["child_id", "dob"], ["C1", "2015-01-01"]]})
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")  # the first central directory entry: its "version needed" field
    raw[at + 6:at + 8] = b"\xff\x00"
    path.write_bytes(bytes(raw))
    read = readers.read_folder(tmp_path, Config(), Findings())
    assert read.tables["children"]["child_id"].tolist() == ["C1"]


def test_each_file_s_sha256_is_of_its_bytes_small_or_large(tmp_path):
    import hashlib

    folder = tmp_path / "in"
    folder.mkdir()
    rows = "".join(f"C{i},K{i},2025-06-01\n" for i in range(80_000))  # over 1 MB: hashed beside the parse
    (folder / "contacts.csv").write_text("child_id,contact_id,contact_date\n" + rows)
    (folder / "children.csv").write_text("child_id,dob\nC1,2015-01-01\n")
    res = readers.read_folder(folder, readers.Config(), readers.Findings())
    assert (folder / "contacts.csv").stat().st_size > 1 << 20
    assert {f.name: f.sha256 for f in res.files} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
