"""The CIN census XML reader (SPEC §3.5): the peer samples through the real CLI, counted
independently with xml.etree; the schema variants; several files merged; hostile XML."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import exports, run_lists, sheet
from ofsted_lists import quality, readers
from ofsted_lists.cli import app
from ofsted_lists.config import Config
from ofsted_lists.quality import Findings
from ofsted_lists.readers import xmlsafe

SAMPLES = sorted((Path(__file__).parent / "data" / "cin").glob("*/*.xml"))
AS_OF = "2026-03-31"
# Canonical table -> the census element that makes one of its records.
RECORD_ELEMENT = {"children": "Child", "disabilities": "Disability", "referrals": "CINdetails",
                  "assessments": "Assessments", "s47": "Section47", "cin_plans": "CINPlanDates",
                  "cp_plans": "ChildProtectionPlans"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def census(children: str, reference: str = "2026-03-31", collection: str = "CIN") -> str:
    return (f"<Message><Header><CollectionDetails><Collection>{collection}</Collection><Year>2026</Year>"
            f"<ReferenceDate>{reference}</ReferenceDate></CollectionDetails></Header>"
            f"<Children>{children}</Children></Message>")


def child(child_id: str, details: str = "", *, sex: str = "<Sex>F</Sex>", disabilities: str = "MOB") -> str:
    dis = "".join(f"<Disability>{d}</Disability>" for d in disabilities.split())
    return (f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID><PersonBirthDate>2015-06-01"
            f"</PersonBirthDate>{sex}</ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
            f"<Disabilities>{dis}</Disabilities></ChildCharacteristics>{details}</Child>")


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- the peer samples


def expected_counts(sample: Path) -> dict[str, int]:
    """The records each table should get, counted here with xml.etree (not by the tool)."""
    root = ET.parse(sample).getroot()
    return {t: len(root.findall(f".//{e}")) for t, e in RECORD_ELEMENT.items()}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_each_peer_sample_is_read_in_full(sample, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample, folder)
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0, res.output
    assert f"{sample.name}: read as CIN census XML" in res.output
    counted = {t: int(n) for t, n in re.findall(rf"{re.escape(sample.name)}: table (\w+), (\d+) records",
                                                 res.output)}
    assert counted == expected_counts(sample)


def test_the_samples_build_together_and_the_summary_gives_each_files_format(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, folder)
    out = tmp_path / "lists.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", AS_OF, "--allow-missing", "--out", str(out), "--quiet")
    assert res.exit_code == 0, res.output
    rows = list(openpyxl.load_workbook(out, read_only=True)["Summary"].values)
    head = next(i for i, r in enumerate(rows) if r[:3] == ("File", "Format", "Rows"))
    got = {r[0]: r[1:3] for r in rows[head + 1:head + 1 + len(SAMPLES)]}
    assert got == {s.name: ("CIN census XML", sum(expected_counts(s).values())) for s in SAMPLES}


def test_a_folder_of_census_xml_only_names_the_tables_the_census_cannot_give(tmp_path):
    folder = write(tmp_path / "in", census=census(child("C1")))
    out = tmp_path / "lists.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", AS_OF, "--out", str(out))
    assert res.exit_code == 3
    assert "no contacts export (needed by 1a Contacts); no early_help export (needed by 6 Early help)" in res.output
    assert not out.exists()
    res = invoke("validate", "--input", str(folder), "--as-of", AS_OF, "--allow-missing")
    assert res.exit_code == 0, res.output


# ---------------------------------------------------------------- schema variants


EPISODE = ("<CINdetails><CINreferralDate>2026-01-05</CINreferralDate><ReferralSource>1A</ReferralSource>"
           "<PrimaryNeedCode>N1</PrimaryNeedCode>{more}<ReferralNFA>{nfa}</ReferralNFA></CINdetails>")


def test_sex_and_gender_current_both_read_and_an_old_code_under_sex_reported(tmp_path):
    ep = EPISODE.format(more="", nfa="0")
    folder = write(tmp_path / "in", census=census(
        child("C1", ep, sex="<Sex>F</Sex>") + child("C2", ep, sex="<GenderCurrent>1</GenderCurrent>")
        + child("C3", ep, sex="<Sex>2</Sex>")))
    run = run_lists(folder, AS_OF)
    genders = sheet(run, "1b").set_index("Child Unique ID")["Gender"].to_dict()
    assert genders == {"C1": "b) Female", "C2": "a) Male", "C3": "b) Female"}
    old = run.findings.table()
    old = old[old["Kind"] == quality.OLD_CODE]
    assert list(old["Column"]) == ["Sex"] and list(old["Child Unique ID"]) == ["C3"]


def test_yes_no_as_0_1_true_false_in_any_case(tmp_path):
    kids = "".join(child(f"C{i}", EPISODE.format(more="", nfa=v)) for i, v in enumerate(["1", "0", "TRUE", "false"]))
    run = run_lists(write(tmp_path / "in", census=census(kids)), AS_OF)
    nfa = run.dataset.tables["referrals"].set_index("child_id")["referral_nfa"].to_dict()
    assert nfa == {"C0": True, "C1": False, "C2": True, "C3": False}
    assert not (run.findings.table()["Kind"] == quality.UNPARSEABLE_YESNO).any()


def test_icpc_date_from_the_enquiry_or_else_the_episode(tmp_path):
    s47 = "<Section47><S47ActualStartDate>{start}</S47ActualStartDate>{icpc}</Section47>"
    own = s47.format(start="2026-01-10", icpc="<DateOfInitialCPC>2026-01-20</DateOfInitialCPC>"
                     "<ICPCnotRequired>0</ICPCnotRequired>")
    bare = s47.format(start="2026-01-12", icpc="")
    kids = (child("C1", EPISODE.format(more=own, nfa="0"))
            + child("C2", EPISODE.format(more="<DateOfInitialCPC>2026-02-02</DateOfInitialCPC>" + bare, nfa="0")))
    run = run_lists(write(tmp_path / "in", census=census(kids)), AS_OF)
    s = run.dataset.tables["s47"].set_index("child_id")
    assert s["icpc_date"].dt.date.astype(str).to_dict() == {"C1": "2026-01-20", "C2": "2026-02-02"}
    # The census holds only the strategy discussions that started an enquiry: one date is both.
    assert (s["strategy_date"] == s["s47_start_date"]).all()


def test_cp_plan_takes_the_latest_review_on_or_before_the_as_of_date(tmp_path):
    reviews = "".join(f"<CPPreviewDate>{d}</CPPreviewDate>" for d in ("2026-01-10", "2026-04-10", "2026-02-10"))
    plan = ("<ChildProtectionPlans><CPPstartDate>2025-12-01</CPPstartDate><InitialCategoryOfAbuse>NEG"
            "</InitialCategoryOfAbuse><LatestCategoryOfAbuse>PHY</LatestCategoryOfAbuse><NumberOfPreviousCPP>2"
            f"</NumberOfPreviousCPP><Reviews>{reviews}</Reviews></ChildProtectionPlans>")
    folder = write(tmp_path / "in", census=census(child("C1", EPISODE.format(more=plan, nfa="0"))))
    plans = run_lists(folder, "2026-03-01").dataset.tables["cp_plans"]
    assert str(plans["last_review_date"].iloc[0].date()) == "2026-02-10"
    assert plans["previous_cp_plans"].iloc[0] == 2  # a count: checked and typed by normalise
    plans = run_lists(folder, "2026-05-01").dataset.tables["cp_plans"]
    assert str(plans["last_review_date"].iloc[0].date()) == "2026-04-10"


def test_several_files_merge_and_the_later_reference_date_wins(tmp_path):
    def episode(closure: str) -> str:
        return EPISODE.format(more=f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>RC1"
                              "</ReasonForClosure>", nfa="0")
    # In folder order the later census comes first: the date decides, not the order.
    folder = write(tmp_path / "in",
                   a_2026=census(child("C1", episode("2026-03-01")), reference="2026-03-31"),
                   b_2025=census(child("C1", episode("2026-02-01"), disabilities="HEAR")
                                 + child("C2", episode("2026-02-01")), reference="2025-03-31"))
    run = run_lists(folder, AS_OF)
    refs = run.dataset.tables["referrals"].sort_values("child_id")
    assert list(refs["child_id"]) == ["C1", "C2"]
    assert [str(d.date()) for d in refs["closure_date"]] == ["2026-03-01", "2026-02-01"]
    assert list(refs["_file"]) == ["a_2026.xml", "b_2025.xml"]
    dis = run.dataset.tables["disabilities"]
    assert list(dis.loc[dis["child_id"] == "C1", "disability_code"]) == ["MOB"]  # the later file's


def test_codes_and_lists_are_as_from_the_same_records_as_csv(tmp_path, disabled_child):
    """The census's DfE codes ("1A", "N1", "NEG"/"PHY", "WBRI", "MOB") give the same lists as
    a CMS export holding the same records."""
    plan = ("<ChildProtectionPlans><CPPstartDate>2026-01-20</CPPstartDate><InitialCategoryOfAbuse>NEG"
            "</InitialCategoryOfAbuse><LatestCategoryOfAbuse>PHY</LatestCategoryOfAbuse><Reviews><CPPreviewDate>"
            "2026-03-01</CPPreviewDate></Reviews></ChildProtectionPlans>")
    more = ("<Assessments><AssessmentActualStartDate>2026-01-06</AssessmentActualStartDate>"
            "<AssessmentAuthorisationDate>2026-01-16</AssessmentAuthorisationDate></Assessments>"
            "<CINPlanDates><CINPlanStartDate>2026-01-17</CINPlanStartDate></CINPlanDates>"
            "<Section47><S47ActualStartDate>2026-01-08</S47ActualStartDate><DateOfInitialCPC>2026-01-20"
            "</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>" + plan)
    xml = write(tmp_path / "xml", census=census(child("C1", EPISODE.format(more=more, nfa="0"))))
    csv = exports(
        tmp_path / "csv",
        children=[{"child_id": "C1", "dob": "2015-06-01", "gender": "F", "ethnicity": "WBRI"}],
        disabilities=[{"child_id": "C1", "disability_code": "MOB"}],
        referrals=[{"child_id": "C1", "referral_date": "2026-01-05", "referral_source": "1A",
                    "primary_need": "N1", "referral_nfa": "0"}],
        assessments=[{"child_id": "C1", "assessment_start_date": "2026-01-06", "authorisation_date": "2026-01-16"}],
        s47=[{"child_id": "C1", "strategy_date": "2026-01-08", "s47_start_date": "2026-01-08",
              "icpc_date": "2026-01-20", "icpc_not_required": "false"}],
        cin_plans=[{"child_id": "C1", "cin_plan_start_date": "2026-01-17"}],
        cp_plans=[{"child_id": "C1", "cpp_start_date": "2026-01-20", "initial_category": "NEG",
                   "latest_category": "PHY", "last_review_date": "2026-03-01"}],
    )
    from_xml, from_csv = run_lists(xml, AS_OF), run_lists(csv, AS_OF)
    for key in ("1b", "2", "3", "4", "5"):
        a, b = sheet(from_xml, key), sheet(from_csv, key)
        assert len(a) == 1, key
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


# ---------------------------------------------------------------- hostile XML


HOSTILE = {
    "billion laughs": ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                       + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                                 for i in range(1, 10))
                       + ']><Message><Header>&lol9;</Header></Message>', "declares a document type"),
    "external entity": ('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails>"
                        "</Header><Children>&x;</Children></Message>", "declares a document type"),
    "truncated": (census(child("C1", EPISODE.format(more="", nfa="0")))[:-60], "not a well-formed XML file"),
    "another return": (census("", collection="SSDA903"), "the DfE return XML of collection SSDA903"),
    "another root": ("<Workbook><Row>C1</Row></Workbook>", "an XML file with root <Workbook>"),
    "big text node": (census(child("C1" + "9" * 5000)), "a text node longer than 4,096 characters"),
}


# Refused by libxml2 itself, whatever TEXT_CAP is: an entity no DTD declares, and a text
# node over libxml2's 10 MB limit in an element the reader never reads.
HOSTILE["undeclared entity"] = (census(child("C1&x;")), "not a well-formed XML file")
HOSTILE["11 MB node in an unread element"] = (
    census(child("C1").replace("<PersonBirthDate>", "<UPN>" + "9" * (11 << 20) + "</UPN><PersonBirthDate>")),
    "text node longer than")


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_hostile_xml_is_refused_with_one_message_and_nothing_written(case, tmp_path, monkeypatch):
    text, needle = HOSTILE[case]
    monkeypatch.setattr(xmlsafe, "TEXT_CAP", 4096)
    folder = write(tmp_path / "in", return_file=text)
    out = tmp_path / "lists.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", AS_OF, "--allow-missing", "--out", str(out))
    assert res.exit_code == 3, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], res.output
    assert "Traceback" not in res.output and "C1" not in res.output and "passwd" not in res.output
    assert not out.exists()


def test_the_text_cap_is_per_text_node_not_the_space_between_records(tmp_path, monkeypatch):
    monkeypatch.setattr(xmlsafe, "TEXT_CAP", 4096)
    kids = "\n    ".join(child(f"C{i}") for i in range(1500))  # 6 KB of space between the Child elements
    folder = write(tmp_path / "in", census=census(kids))
    read = readers.read_folder(folder, Config(), Findings())
    assert len(read.tables["children"]) == 1500 and read.files[0].format == "CIN census XML"


def test_a_reader_that_knows_a_table_by_its_headings_plugs_in_in_one_line(tmp_path):
    """The hook the next readers use (the 903 files: "recognised by their columns, any file
    names"): consulted before the name, its format shown for the file."""
    def table_for(rows):
        return ("children", "Test return") if rows and rows[0][:2] == ["child_id", "dob"] else None

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x1.csv").write_text("child_id,dob\nC1,2015-06-01\n")
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    readers.HEADING_FORMATS.append(table_for)  # the one line a reader adds
    try:
        read = readers.read_folder(folder, Config(), Findings())
    finally:
        readers.HEADING_FORMATS.remove(table_for)
    assert list(read.tables["children"]["child_id"]) == ["C1"]
    assert [(f.name, f.format) for f in read.files] == [("notes.csv", "CMS export"), ("x1.csv", "Test return")]
    assert read.unrecognised == ["notes.csv"]


def test_a_record_in_the_census_and_a_cms_export_is_listed_once_cms_first(tmp_path):
    """SPEC §3.5: the same referral (the same child and date, written differently) from both
    sources is one row; the CMS export's values win, its blanks take the census's; the
    duplicate is counted in one informational finding, so --strict does not fail on it."""
    folder = write(tmp_path / "in", census=census(child("C1", EPISODE.format(more="", nfa="0"))
                                                 + child("C2", EPISODE.format(more="", nfa="0"))))
    exports(folder, referrals=[{"child_id": "C1", "referral_date": "05/01/2026", "referral_source": "2B",
                                "primary_need": "", "team": "Front door"}],
            children=[{"child_id": "C1", "dob": "2015-06-01", "gender": "", "ethnicity": "WBRI"}])
    run = run_lists(folder, AS_OF)
    listed = sheet(run, "1b").set_index("Child Unique ID")
    assert sorted(listed.index) == ["C1", "C2"]
    one = listed.loc["C1"]
    assert "2B" in one["Referral Source"] and one["Referral NFA?"] == "b) No"  # NFA: a column only the census has
    assert one["Allocated Team"] == "Front door" and one["Gender"] == "b) Female"
    found = run.findings.table()
    found = found[found["Kind"] == quality.TWO_SOURCES]
    assert sorted(found["Problem"]) == [f"1 {t} records also in a CMS export: listed once, the CMS export's value "
                                        "first" for t in ("children", "referrals")]
    assert set(found["File"]) == {"census.xml"}
    assert quality.TWO_SOURCES in quality.INFORMATIONAL


def test_a_census_in_a_default_namespace_reads_as_one_without(tmp_path):
    ep = EPISODE.format(more="<DateOfInitialCPC>2026-01-20</DateOfInitialCPC>", nfa="0")
    plain = census(child("C1", ep))
    spaced = plain.replace("<Message>", '<Message xmlns="http://www.example.org/cin">', 1)
    a = readers.read_folder(write(tmp_path / "a", census=plain), Config(), Findings()).tables
    b = readers.read_folder(write(tmp_path / "b", census=spaced), Config(), Findings()).tables
    assert set(a) == set(b) and len(b["referrals"]) == 1
    for table in a:
        pd.testing.assert_frame_equal(a[table].drop(columns="_file"), b[table].drop(columns="_file"))


def test_each_record_keeps_the_line_of_its_element(tmp_path):
    ep = EPISODE.format(more="", nfa="0").replace("<CINdetails>", "\n<CINdetails>")
    text = census("\n" + child("C1") + "\n\n" + child("C2", ep))
    read = readers.read_folder(write(tmp_path / "in", census=text), Config(), Findings())
    assert read.tables["children"]["_row"].tolist() == [2, 4]
    assert read.tables["referrals"]["_row"].tolist() == [5]


def test_a_child_whose_identifiers_come_after_its_episodes_gives_every_record_its_id(tmp_path):
    ep = EPISODE.format(more="<Assessments><AssessmentActualStartDate>2026-01-06</AssessmentActualStartDate>"
                             "</Assessments>", nfa="0")
    usual = child("C1", ep)
    out_of_order = child("C2", "").replace("<ChildIdentifiers>", ep + "<ChildIdentifiers>", 1)
    no_id = child("", ep)
    read = readers.read_folder(write(tmp_path / "in", census=census(usual + out_of_order + no_id)), Config(),
                               Findings())
    for table in ("referrals", "assessments", "disabilities"):
        assert read.tables[table]["child_id"].fillna("blank").tolist() == ["C1", "C2", "blank"], table


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_records_made_into_arrow_every_few_children_give_what_one_chunk_gives(chunk, tmp_path, monkeypatch):
    """`_parse` turns its records into Arrow every CHUNK children: each block must still
    point at its own episode, and every line, value and finding must be the same."""
    from ofsted_lists.readers import cin_census

    blocks = ("<Assessments><AssessmentActualStartDate>2026-01-06</AssessmentActualStartDate></Assessments>"
              "<Section47><S47ActualStartDate>2026-01-07</S47ActualStartDate></Section47>")
    episodes = [EPISODE.format(more=blocks + "<DateOfInitialCPC>2026-01-20</DateOfInitialCPC>", nfa="0"),
                EPISODE.format(more=blocks.replace("2026-01-0", "2025-06-0"), nfa="1")
                .replace("2026-01-05", "2025-06-05")]
    text = census("\n".join(child(f"C{i}", "".join(episodes[: i % 3]), sex=("<Sex>F</Sex>", "<Sex>1</Sex>")[i % 2])
                            for i in range(11)))
    # b, the older census: C2's June episode is a's too (b's is dropped), C3's is b's alone (kept).
    folder = write(tmp_path / "in", a=text, b=census(child("C2", episodes[1]) + child("C3", episodes[1]),
                                                       reference="2025-03-31"))

    def read():
        findings = Findings()
        got = readers.read_folder(folder, Config(), findings)
        return got.tables, sorted(map(str, findings.table().astype(str).to_dict("records")))

    whole_tables, whole_findings = read()
    monkeypatch.setattr(cin_census, "CHUNK", chunk)
    tables, found = read()
    assert set(tables) == set(whole_tables) and found == whole_findings
    for name in whole_tables:
        pd.testing.assert_frame_equal(tables[name], whole_tables[name])
    # Each enquiry kept or dropped with its own episode.
    s47 = tables["s47"].groupby("child_id")["s47_start_date"].apply(sorted).to_dict()
    assert s47 == {**{c: ["2026-01-07"] for c in ("C1", "C4", "C7", "C10")},
                   **{c: ["2025-06-07", "2026-01-07"] for c in ("C2", "C5", "C8")}, "C3": ["2025-06-07"]}
    assert tables["s47"]["icpc_date"].notna().sum() == 7  # the episode's ICPC on its own enquiry
