"""ofsted-lists.toml (SPEC §7): every setting parsed, every mistake a usage error naming key and line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO, SAMPLE_AS_OF, SAMPLE_DATA
from ofsted_lists import config
from ofsted_lists.cli import app
from ofsted_lists.errors import UsageError

runner = CliRunner()


def load_text(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "ofsted-lists.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, explicit=True)


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(UsageError) as exc:
        load_text(tmp_path, text)
    return str(exc.value)


def test_every_setting_is_read(tmp_path):
    cfg = load_text(tmp_path, """
[input]
dir = "exports"
[output]
dir = "lists"
[rules]
referral_window_days = 3
[tables.contacts]
files = "FACT_CONTACTS*"
sheets = ["Contacts*", "CONTACTS_*"]
[tables.contacts.columns]
child_id = "PERSON_REF"
[values]
core_assessment_types = ["CA"]
[values.disability]
"ASC" = "AUT"
[values.assessment_outcome]
"Step down to EH" = "other_agency"
[values.contact_outcome]
"Referred to CSC" = "yes"
"Advice given" = "No"
[values.source]
"Police (MASH)" = "6"
[values.gender]
"Boy" = "1"
[sample.counts]
early_help = 0
""")
    assert cfg.input_dir == tmp_path / "exports" and cfg.output_dir == tmp_path / "lists"
    assert cfg.referral_window_days == 3
    assert cfg.table("contacts").files == ["FACT_CONTACTS*"]
    assert cfg.table("contacts").sheets == ["Contacts*", "CONTACTS_*"]
    assert cfg.table("contacts").columns == {"child_id": "PERSON_REF"}
    assert cfg.table("referrals").files == []
    assert cfg.core_assessment_types == ["CA"]
    assert cfg.mapping("disability") == {"ASC": "AUT"}
    assert cfg.mapping("contact_outcome") == {"Referred to CSC": "yes", "Advice given": "No"}
    assert cfg.mapping("ethnicity") == {}
    assert cfg.sample_counts == {"early_help": 0}


def test_defaults_and_missing_files(tmp_path):
    assert config.load(tmp_path / "none.toml", explicit=False) == config.Config()
    assert config.Config().referral_window_days == 7
    with pytest.raises(UsageError, match="not found"):
        config.load(tmp_path / "none.toml", explicit=True)
    with pytest.raises(UsageError, match="is a folder"):
        config.load(tmp_path, explicit=True)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UsageError, match="UTF-8"):
        config.load(tmp_path / "bin.toml", explicit=True)


def test_a_bom_is_allowed(tmp_path):
    (tmp_path / "c.toml").write_bytes(b"\xef\xbb\xbf[rules]\nreferral_window_days = 2\n")
    assert config.load(tmp_path / "c.toml", explicit=True).referral_window_days == 2


@pytest.mark.parametrize("text,key,line", [
    ("foo = 1\n", "'foo'", 1),
    ("[input]\ndir = 'a'\n\n[inputs]\ndir = 'b'\n", "'inputs'", 4),
    ("[input]\ndir = 'a'\nfolder = 'b'\n", "'input.folder'", 3),
    ("[tables.contact]\nfiles = 'x'\n", "'tables.contact'", 1),
    ("[tables.contacts]\nfile = 'x'\n", "'tables.contacts.file'", 2),
    ("[tables.contacts]\nfiles = 'x'\n[tables.contacts.columns]\n\nchild = 'ID'\n", "'tables.contacts.columns.child'", 5),
    ("[tables.contacts]\ncolumns = { child_id = 'A', nope = 'B' }\n", "'tables.contacts.columns.nope'", 2),
    ("[values.disabilities]\nASC = 'AUT'\n", "'values.disabilities'", 1),
    ("[rules]\nwindow = 3\n", "'rules.window'", 2),
    ("[sample.counts]\nearly_help = 1\ncontacts = 2\n", "'sample.counts.contacts'", 3),
])
def test_unknown_keys_name_key_and_line(tmp_path, text, key, line):
    msg = error_of(tmp_path, text)
    assert key in msg and f"line {line}:" in msg and "unknown key" in msg


@pytest.mark.parametrize("text,key,line,needle", [
    ("[input]\ndir = 'x'\n[output]\ndir = 3\n", "'output.dir'", 4, "string"),
    ("[rules]\n# the window\nreferral_window_days = '3'\n", "'rules.referral_window_days'", 3, "whole number"),
    ("[rules]\nreferral_window_days = 400\n", "'rules.referral_window_days'", 2, "0 to 365"),
    ("[rules]\nreferral_window_days = true\n", "'rules.referral_window_days'", 2, "whole number"),
    ("[tables.contacts]\nfiles = [1, 2]\n", "'tables.contacts.files'", 2, "list of strings"),
    ("[tables.contacts]\nsheets = ''\n", "'tables.contacts.sheets'", 2, "list of strings"),
    ("[tables.contacts.columns]\nchild_id = 7\n", "'tables.contacts.columns.child_id'", 2, "string"),
    ("[tables]\ncontacts = 'x.csv'\n", "'tables.contacts'", 2, "must be a table"),
    ("input = 'exports'\n", "'input'", 1, "must be a table"),
    ("[values]\ncore_assessment_types = 3\n", "'values.core_assessment_types'", 2, "list of strings"),
    ("[values]\ndisability = ['AUT']\n", "'values.disability'", 2, "must be a table"),
    ("[sample.counts]\nearly_help = -1\n", "'sample.counts.early_help'", 2, "whole number"),
])
def test_wrong_types_name_key_and_line(tmp_path, text, key, line, needle):
    msg = error_of(tmp_path, text)
    assert key in msg and f"line {line}:" in msg and needle in msg


@pytest.mark.parametrize("kind,local,target", [
    ("disability", "ASC", "Spectrum"),
    ("assessment_outcome", "Step down", "somewhere else"),
    ("assessment_outcome", "Step down", "Unknown"),
    ("contact_outcome", "Referred to CSC", "perhaps"),
    ("contact_outcome", "Referred to CSC", "unknown"),
    ("gender", "Boy", "7"),
    ("ethnicity", "White English", "ZZZZ"),
    ("source", "MASH", "11Z"),
    ("primary_need", "Disability", "N12"),
    ("abuse_category", "Both", "XYZ"),
])
def test_value_mapping_targets_must_name_a_code(tmp_path, kind, local, target):
    msg = error_of(tmp_path, f'[input]\ndir = "in"\n\n[values.{kind}]\n"{local}" = "{target}"\n')
    assert "line 5:" in msg and f"values.{kind}." in msg and f"'{target}' names no valid code" in msg


@pytest.mark.parametrize("kind,target", [
    ("disability", "aut"), ("disability", "NONE"), ("disability", "Unknown"), ("disability", "yes"),
    ("assessment_outcome", "nfa"), ("assessment_outcome", "other_agency"), ("assessment_outcome", "S47"),
    ("contact_outcome", "Y"), ("contact_outcome", "b) No"),
    ("gender", "Female"), ("ethnicity", "MWBC"), ("source", "5D"), ("primary_need", "N2"),
    ("abuse_category", "MUL"),
])
def test_valid_value_mapping_targets(tmp_path, kind, target):
    assert load_text(tmp_path, f'[values.{kind}]\n"Local" = "{target}"\n').mapping(kind) == {"Local": target}


def test_a_key_with_dots_or_spaces_is_quoted_in_the_message(tmp_path):
    msg = error_of(tmp_path, '[values.disability]\n"Dr. Who\'s list" = "nothing"\n')
    assert "'values.disability.\"Dr. Who's list\"'" in msg and "line 2" in msg


def test_malformed_toml_names_the_line(tmp_path):
    msg = error_of(tmp_path, "[input]\ndir = 'x'\n[rules\nreferral_window_days = 3\n")
    assert "not valid TOML" in msg and "line 3" in msg
    msg = error_of(tmp_path, "[rules]\nreferral_window_days = 3\nreferral_window_days = 4\n")
    assert "line 3" in msg


def test_key_lines_follow_tables_dotted_keys_and_multiline_strings():
    text = ('a = 1\n[t."x y"]\nk.j = """\nz = 2\n"""\nm = 3\n[[arr]]\nq = 1\n')
    lines = config.key_lines(text)
    assert lines[("a",)] == 1
    assert lines[("t",)] == 2 and lines[("t", "x y")] == 2
    assert lines[("t", "x y", "k", "j")] == 3
    assert ("t", "x y", "z") not in lines  # inside a multi-line string
    assert lines[("t", "x y", "m")] == 6
    assert lines[("arr", "q")] == 8


def test_the_example_config_is_valid_and_uses_every_section():
    path = REPO / "ofsted-lists.example.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(raw) == {"input", "output", "rules", "columns", "tables", "values", "sample", "fail_on", "freshness",
                        "profile", "annex_a"}
    cfg = config.load(path, explicit=True)
    assert set(cfg.values) == set(config.VALUE_MAPPINGS)
    assert cfg.core_assessment_types and cfg.sample_counts and cfg.tables["children"].columns and cfg.columns
    text = path.read_text(encoding="utf-8")
    # Every section is explained: a comment line sits within the three lines above each header.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[") and not line.startswith("[tables."):
            assert any(x.startswith("#") for x in lines[max(0, i - 3):i + 3]), line


# sample_data as the Liquidlogic extracts the example config describes: file -> (its name, its headings).
LIQUIDLOGIC = {
    "children.csv": ("DIM_PERSON.csv", {"dob": "BIRTH_DTTM", "gender": "GENDER_MAIN_CODE",
                                        "ethnicity": "ETHNICITY_MAIN_CODE"}),
    "disabilities.csv": ("FACT_DISABILITY.csv", {"disability_code": "DISABILITY_CODE", "start_date": "START_DTTM",
                                                 "end_date": "END_DTTM"}),
    "contacts.csv": ("FACT_CONTACTS.csv", {"contact_date": "CONTACT_DTTM", "contact_source": "CONTACT_SOURCE_DESC",
                                           "contact_outcome": "OUTCOME_DESC"}),
    "referrals.csv": ("FACT_REFERRALS.csv", {}),
    "assessments.csv": ("FACT_SINGLE_ASSESSMENT.csv", {}),
    "early_help.csv": ("FACT_CAF_EPISODE.csv", {}),
}


def test_the_example_config_runs_on_the_exports_it_describes(tmp_path):
    """Its mappings name headings of the exports (SPEC §7: else a usage error), so it runs
    on sample_data renamed and re-headed as Liquidlogic extracts, not on sample_data."""
    args = ["validate", "--config", str(REPO / "ofsted-lists.example.toml"), "--as-of", SAMPLE_AS_OF]
    res = runner.invoke(app, [*args, "--input", str(SAMPLE_DATA), "--quiet"])
    assert res.exit_code == 2 and "'tables.children.columns.dob': heading 'BIRTH_DTTM'" in res.output
    folder = tmp_path / "exports"
    folder.mkdir()
    for src in SAMPLE_DATA.glob("*.csv"):
        name, headings = LIQUIDLOGIC.get(src.name, (src.name, {}))
        header, rest = src.read_text(encoding="utf-8").split("\n", 1)
        header = ",".join({"child_id": "PERSON_REF", **headings}.get(h, h) for h in header.split(","))
        (folder / name).write_text(header + "\n" + rest, encoding="utf-8")
    res = runner.invoke(app, [*args, "--input", str(folder)])
    assert res.exit_code == 0 and "Not read" not in res.output, res.output


def test_bad_config_through_the_cli_exits_2_naming_key_and_line(tmp_path):
    path = tmp_path / "ofsted-lists.toml"
    path.write_text('[rules]\nreferral_window_days = 7\n\n[values.disability]\n"ASC" = "Spectrum"\n')
    res = runner.invoke(app, ["build", "--config", str(path), "--input", str(SAMPLE_DATA),
                              "--out", str(tmp_path / "o.xlsx")])
    assert res.exit_code == 2
    assert "line 5" in res.output and "values.disability.ASC" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o.xlsx").exists()


def test_default_config_file_is_picked_up_from_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ofsted-lists.toml").write_text("[rules]\nreferral_window_days = 'x'\n")
    res = runner.invoke(app, ["validate", "--input", str(SAMPLE_DATA), "--as-of", SAMPLE_AS_OF])
    assert res.exit_code == 2 and "line 2" in res.output and "rules.referral_window_days" in res.output
