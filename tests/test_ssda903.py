"""The SSDA903 return read as it is (SPEC §3.5): its CSV files recognised by their columns
under any name, several years' episodes merged into one history with the findings of
annex-a-full.md §3.4, and the disabled-children lists untouched by them."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLE_AS_OF, SAMPLE_DATA, run_lists, write_csv
from ofsted_lists import care_history, quality
from ofsted_lists.readers import ssda903
from ofsted_lists.cli import app

PEER = Path(__file__).parent / "data" / "ssda903"  # csc-validator-be-903's files, named as their tables
PEER_FILES = sorted(PEER.glob("*.csv"))
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "250"}, catch_exceptions=False)


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def data_rows(path: Path) -> int:
    """Records under the header row, blank lines left out: counted by the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for r in list(csv.reader(fh))[1:] if any(c.strip() for c in r))


def cells(frame: pd.DataFrame) -> list[list[str]]:
    """Each row as text: a date as YYYY-MM-DD, a blank as ""."""
    def text(v) -> str:
        return "" if pd.isna(v) else v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else str(v)
    return [[text(v) for v in row] for row in frame.itertuples(index=False)]


def renamed(folder: Path) -> dict[str, str]:
    """The peer 903 files copied under names that say nothing: new name -> the table it is."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for i, path in enumerate(PEER_FILES):
        name = f"export_{chr(97 + i)}.csv"
        shutil.copy(path, folder / name)
        names[name] = path.stem
    return names


def test_the_peer_903_files_under_any_names_are_read_as_their_tables_through_the_cli(tmp_path):
    assert len(PEER_FILES) == 11
    names = renamed(tmp_path / "903")
    res = invoke("inspect", "--input", str(tmp_path / "903"), "--verbose")
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    for name, table in names.items():
        assert f"{name}: table {table}, header row 1" in text
    # With a disability source beside them: validate reads all, and the Summary counts each file's rows.
    both = tmp_path / "both"
    renamed(both)
    children(both)
    res = invoke("validate", "--input", str(both), "--as-of", "2020-03-31", "--allow-missing")
    assert res.exit_code == 0, res.output
    assert "period of care started before the earliest file" in flat(res.stdout)
    out = tmp_path / "lists.xlsx"
    res = invoke("build", "--input", str(both), "--as-of", "2020-03-31", "--allow-missing", "--out", str(out))
    assert res.exit_code == 0, res.output
    rows = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    head = rows.index(next(r for r in rows if r[:4] == ("File", "Format", "Rows", "Tables")))
    files = {r[0]: r[1:4] for r in rows[head + 1:] if r[0] in names}
    assert files == {name: ("SSDA903", data_rows(both / name), table) for name, table in names.items()}


def test_the_disabled_children_lists_are_the_same_with_the_903_files_beside_them(tmp_path):
    cms = tmp_path / "cms"
    own = shutil.ignore_patterns("ssda903_*")  # sample_data's own 903 files: left out of both
    shutil.copytree(SAMPLE_DATA, cms, ignore=own)
    with_903 = tmp_path / "with"
    shutil.copytree(SAMPLE_DATA, with_903, ignore=own)
    renamed(with_903)
    without, with_ = run_lists(cms, SAMPLE_AS_OF), run_lists(with_903, SAMPLE_AS_OF)
    assert "episodes" in with_.dataset.tables and "episodes" not in without.dataset.tables
    for a, b in zip(without.lists, with_.lists, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert a.unknown_children == b.unknown_children


EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


def test_table_for_takes_a_903_column_set_in_any_case_with_extras_and_nothing_less():
    assert ssda903.table_for([h.lower() for h in EPISODE_HEADINGS]) == "episodes"
    assert ssda903.table_for(["Urn", *EPISODE_HEADINGS[:-1], "TEST_COLUMN", None, "placement_la"]) == "episodes"
    assert ssda903.table_for(EPISODE_HEADINGS[:-1]) is None
    assert ssda903.table_for(["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]) == "reviews"
    assert ssda903.table_for(["child", "sex", "dob", "duc", "ethnic", "upn", "mother", "mc_dob"]) == "header"
    assert ssda903.table_for([]) is None
    assert ssda903.required("missing") == ["child_id", "dob", "missing", "mis_start", "mis_end"]
    assert ssda903.optional("episodes") == ["placement_la", "team", "worker",  # and as an Annex A List 8 gives them:
                                            "period_start", "second_period", "placements_12m"]


def children(folder: Path) -> None:
    write_csv(folder / "children.csv", [{"child_id": "A", "dob": "2010-01-01", "disability": "LD"}])


def episode(child: str, decom: str, rne: str, dec: str = "", rec: str = "", **extra: str) -> dict:
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=child, DECOM=decom, RNE=rne, LS="C2", CIN="N1", PLACE="U1", PLACE_PROVIDER="PR1", DEC=dec,
               REC=rec, **extra)
    return row


def test_extra_local_columns_are_read_and_a_file_one_903_column_short_falls_back_to_its_name(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    children(folder)
    write_csv(folder / "la_extract.csv", [episode("A", "01/04/2020", "S", placement_la="E09000033",
                                                  team="CLA 1", TEST_COLUMN="x")])
    short = {k: v for k, v in episode("A", "01/05/2020", "S").items() if k != "URN"}
    write_csv(folder / "cla_episodes.csv", [short])
    run = run_lists(folder, "2021-03-31")
    ep = run.dataset.tables["episodes"]
    assert ep[["child_id", "placement_la", "team"]].values.tolist() == [["A", "E09000033", "CLA 1"]]
    assert [f.tables for f in run.read.files] == [["children"], [], ["episodes"]]
    table = run.findings.table()
    assert {(r.File, r.Kind) for r in table.itertuples() if r.Kind in (quality.UNRECOGNISED, quality.UNUSED_COLUMN)} \
        == {("cla_episodes.csv", quality.UNRECOGNISED), ("la_extract.csv", quality.UNUSED_COLUMN)}


def test_a_903_header_set_wins_over_the_file_name_and_one_column_short_the_name_decides(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    header = {"child_id": "A", "SEX": "1", "DOB": "01/01/2010", "ETHNIC": "WBRI", "UPN": "UN1", "MOTHER": "0",
              "disability": "LD"}
    write_csv(folder / "children.csv", [{**header, "MC_DOB": ""}])
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0 and "children.csv: table header, header row 1" in flat(res.stdout)
    write_csv(folder / "children.csv", [header])
    res = invoke("inspect", "--input", str(folder))
    assert res.exit_code == 0 and "children.csv: table children, header row 1" in flat(res.stdout)


def test_a_903_sheet_of_a_workbook_is_recognised_by_its_headings(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    children(folder)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(EPISODE_HEADINGS)
    ws.append(list(episode("A", "01/04/2020", "s").values()))
    wb.save(folder / "returns.xlsx")
    ep = run_lists(folder, "2021-03-31").dataset.tables["episodes"]
    assert ep[["_sheet", "_row", "child_id", "rne"]].values.tolist() == [["Sheet1", 2, "A", "S"]]


# Two years' files, the older one named to sort after the newer: the year is read from the dates.
OLD_YEAR = [  # 2019-20
    episode("A", "01/04/2019", "S"),                             # open at 31 March: in both years
    episode("A2", "01/06/2019", "S"),                            # open at both ends: identical rows
    episode("B", "01/05/2019", "s", "01/06/2019", "x1"),         # X1, continued the same day (lower case)
    episode("B", "01/06/2019", "P"),
]
NEW_YEAR = [  # 2020-21
    episode("A", "01/04/2019", "S", "10/06/2020", "X1"),         # row 2: the closed copy wins
    episode("A", "10/06/2020", "P"),
    episode("A2", "01/06/2019", "S"),                            # row 4
    episode("B", "01/06/2019", "P"),
    episode("C", "01/05/2020", "S", "01/06/2020", "X1"),         # row 6: continued a day later -> 388
    episode("C", "02/06/2020", "P"),
    episode("D", "01/05/2020", "S", "10/06/2020", "X1"),
    episode("D", "09/06/2020", "P"),                             # row 9: starts before D's last ended -> 501
    episode("E", "01/05/2020", "S"),                             # row 10: never ended, and another starts -> 142
    episode("E", "01/07/2020", "S"),
    episode("F", "01/05/2020", "S", "01/06/2020", "E11"),
    episode("F", "01/07/2020", "L"),                             # row 13: after E11, not S -> 432
    episode("F2", "01/05/2020", "S", "01/06/2020", "E11"),
    episode("F2", "01/07/2020", "S"),                            # after E11, S: no finding
    episode("G", "01/05/2020", "L", "01/08/2020", "X1"),         # row 16: first episode not S
    episode("G", "01/08/2020", "P", "01/09/2020", "E11"),
    episode("H", "01/05/2020", "S", "30/04/2020", "E11"),        # row 18: DEC before DECOM -> left out
    episode("H2", "01/05/2020", "S", "01/05/2020", "E11"),       # DEC = DECOM: no finding
    episode("X", "01/05/2020", "S", "01/06/2020", "X1"),         # row 20: X1 and nothing after -> 388
    episode("X", "01/05/2020", "S", "01/06/2020", "X1"),         # row 21: a copy within one file
]
CARE_KINDS = {quality.EPISODE_NOT_ENDED, quality.OVERLAPPING_EPISODES, quality.X1_NOT_CONTINUED,
              quality.PERIOD_NOT_STARTED_S, quality.PERIOD_BEFORE_FILES, quality.END_BEFORE_START,
              quality.DUPLICATE}


@pytest.fixture
def two_years(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    children(folder)
    write_csv(folder / "z_2019.csv", OLD_YEAR)
    write_csv(folder / "a_2020.csv", NEW_YEAR)
    return folder


def test_two_years_merge_into_one_history_with_each_chaining_finding_where_it_is(two_years):
    run = run_lists(two_years, "2021-03-31")
    ep = run.dataset.tables["episodes"]
    a = ep[ep["child_id"].isin(["A", "A2"])]
    assert cells(a[["_file", "_row", "child_id", "decom", "dec"]]) == [
        ["a_2020.csv", "2", "A", "2019-04-01", "2020-06-10"],
        ["a_2020.csv", "3", "A", "2020-06-10", ""],
        ["a_2020.csv", "4", "A2", "2019-06-01", ""],
    ]
    assert (ep["child_id"] == "B").sum() == 2 and "H" not in set(ep["child_id"])
    t = run.findings.table()
    found = {(r.File, r.Row, r.Column, r.Kind, r._7) for r in t.itertuples() if r.Kind in CARE_KINDS}
    new = "a_2020.csv"
    assert found == {
        (new, 6, "rec", quality.X1_NOT_CONTINUED, "C"),
        (new, 9, "decom", quality.OVERLAPPING_EPISODES, "D"),
        (new, 10, "dec", quality.EPISODE_NOT_ENDED, "E"),
        (new, 13, "rne", quality.PERIOD_NOT_STARTED_S, "F"),
        (new, 16, "rne", quality.PERIOD_BEFORE_FILES, "G"),
        (new, 18, "dec", quality.END_BEFORE_START, "H"),
        (new, 20, "rec", quality.X1_NOT_CONTINUED, "X"),
        (new, 21, "", quality.DUPLICATE, "X"),  # A2's copies in two years' files are no duplicate
    }
    problems = dict(zip(t["Child Unique ID"] + t["Kind"], t["Problem"]))
    assert problems["C" + quality.X1_NOT_CONTINUED] == (
        "episode ended X1 (a new episode the same day) on 01/06/2020, but the next episode starts 02/06/2020 "
        "(903 rule 388)")
    assert problems["X" + quality.X1_NOT_CONTINUED].endswith(
        "on 01/06/2020, but no later episode follows (903 rule 388)")
    assert problems["D" + quality.OVERLAPPING_EPISODES] == ("episode starts 09/06/2020, before the previous episode "
                                                            "ended (10/06/2020) (903 rule 501)")
    assert problems["F" + quality.PERIOD_NOT_STARTED_S] == (
        "the previous episode ended E11 on 01/06/2020, so this one starts a new period of care, but its RNE is "
        "'L', not S (903 rule 432)")
    assert problems["E" + quality.EPISODE_NOT_ENDED] == (
        "episode has no end date (DEC), but the child's next episode starts 01/07/2020 (903 rule 142)")
    assert problems["G" + quality.PERIOD_BEFORE_FILES] == (  # no 903 rule: the files start too late
        "the child's first episode in the files has RNE 'L', not S: its period of care began before the "
        "earliest file, so its start date is unknown")
    assert quality.PERIOD_BEFORE_FILES in quality.INFORMATIONAL  # recent files only: not a recording error


def test_periods_chain_s_through_same_day_x1_and_leave_an_unknown_start_blank(two_years):
    ep = run_lists(two_years, "2021-03-31").dataset.tables["episodes"]
    p = care_history.periods(ep)
    shown = {}
    for row in cells(p[["child_id", "start", "end", "rec", "episodes"]]):
        shown.setdefault(row[0], []).append(row[1:])
    assert shown["A"] == [["2019-04-01", "", "", "2"]]                      # across the two years' files
    assert shown["B"] == [["2019-05-01", "", "", "2"]]
    assert shown["G"] == [["", "2020-09-01", "E11", "2"]]                   # began before the files: no start
    assert p.loc[p["child_id"] == "G", care_history.START_UNKNOWN].tolist() == [True]
    assert shown["C"] == [["2020-05-01", "2020-06-01", "X1", "1"], ["2020-06-02", "", "", "1"]]
    assert [r[0] for r in shown["F"]] == ["2020-05-01", "2020-07-01"]
    assert not p.loc[p["child_id"] != "G", care_history.START_UNKNOWN].any()


def test_validate_reports_the_care_history_findings_and_strict_fails_on_them(two_years):
    res = invoke("validate", "--input", str(two_years), "--as-of", "2021-03-31", "--allow-missing")
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert f"{quality.X1_NOT_CONTINUED} 2" in text and f"{quality.OVERLAPPING_EPISODES} 1" in text
    assert "A2" not in text and "01/05/2020" not in text  # counts only: no child, no date
    res = invoke("validate", "--input", str(two_years), "--as-of", "2021-03-31", "--allow-missing", "--strict")
    assert res.exit_code == 4


# ---------------------------------------------------------------- the XML form (EXPSSDA903)

XML_PARTS = {"reviews": "AREVIEW", "missing": "AMISSING", "oc2": "OC2", "placed_for_adoption": "AD_PLACED",
             "previous_permanence": "PERMANENCE"}


def _peer(kind: str) -> pd.DataFrame:
    return pd.read_csv(PEER / f"{kind}.csv", dtype=str, keep_default_na=False)


def _peer_as_xml(children: list[str]) -> str:
    """The peer CSV files, for `children`, written by hand as the return's XML: each CHILD
    a HEADER (its items, UASC and DUC, OC3 and AD1 items, and the reviews, missing, OC2,
    adoption and permanence records inside) and its EPISODEs, `CHILDID` and `PL` renamed."""
    def items(row: dict, skip=("CHILD",)) -> str:
        return "".join(f"<{'PL' if k == 'PLACE' else k}>{v}</{'PL' if k == 'PLACE' else k}>"
                       for k, v in row.items() if k not in skip)

    tables = {k: _peer(k) for k in ("header", "uasc", "oc3", "ad1", "episodes", *XML_PARTS)}
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<EXPSSDA903>']
    for child in children:
        def rows(kind: str) -> list[dict]:
            t = tables[kind]
            return t[t["CHILD"] == child].to_dict("records")

        head = rows("header")[0]
        body = f"<CHILDID>{child}</CHILDID>" + items(head)
        for u in rows("uasc")[:1]:
            body += f"<UASC>1</UASC><DUC>{u['DUC']}</DUC>"
        for kind in ("oc3", "ad1"):
            for r in rows(kind)[:1]:
                body += items(r, skip=("CHILD", "DOB"))
        for kind, tag in XML_PARTS.items():
            body += "".join(f"\n<{tag}>{items(r, skip=('CHILD', 'DOB'))}</{tag}>" for r in rows(kind))
        episodes = "".join(f"\n<EPISODE>{items(r)}</EPISODE>" for r in rows("episodes"))
        out.append(f"\n<CHILD><HEADER>{body}</HEADER>{episodes}</CHILD>")
    out.append("\n</EXPSSDA903>\n")
    return "".join(out)


def test_the_903_xml_gives_the_tables_its_csv_files_give(tmp_path):
    header = _peer("header")
    children = list(dict.fromkeys(header["CHILD"]))
    folder = tmp_path / "xml"
    folder.mkdir()
    (folder / "return.xml").write_text(_peer_as_xml(children), encoding="utf-8")
    (folder / "children.csv").write_text("child_id,disability\n")  # the 903 holds no disability
    res = invoke("validate", "--input", str(folder), "--as-of", "2021-03-31", "--allow-missing")
    assert res.exit_code in (0, 1) and "Traceback" not in res.output, res.output
    from ofsted_lists import readers
    from ofsted_lists.config import Config
    from ofsted_lists.quality import Findings
    read = readers.read_folder(folder, Config(), Findings())
    assert [f.format for f in read.files if f.name == "return.xml"] == [ssda903.FORMAT]
    dob = header.drop_duplicates("CHILD").set_index("CHILD")["DOB"]
    sex = header.drop_duplicates("CHILD").set_index("CHILD")["SEX"]
    for kind in ("header", "uasc", "oc3", "ad1", "episodes", *XML_PARTS):
        want = _peer(kind)
        want = want[want["CHILD"].isin(children)].copy()
        if kind == "header":
            want = want.drop_duplicates("CHILD")
        if kind in ("uasc", "oc3", "ad1"):  # one record per child in the XML (a HEADER item)
            want = want.drop_duplicates("CHILD")
        if "DOB" in want and kind != "header":  # the XML holds a child's date of birth (and sex) once
            want["DOB"] = want["CHILD"].map(dob)
            if "SEX" in want:
                want["SEX"] = want["CHILD"].map(sex)
        want = want.rename(columns=str.lower).rename(columns={"child": "child_id"})
        got = read.tables[kind][list(want.columns)].fillna("")
        assert len(want) > 0 or kind not in ("header", "episodes", "reviews", "oc2"), kind
        assert sorted(map(tuple, got.astype(str).values.tolist())) == \
            sorted(map(tuple, want.astype(str).values.tolist())), kind


def test_a_903_xml_line_numbers_point_at_each_record(tmp_path):
    xml = ('<EXPSSDA903>\n<CHILD><HEADER><CHILDID>A1</CHILDID><SEX>1</SEX><DOB>01/01/2010</DOB>\n'
           '<AREVIEW><REVIEW>01/02/2020</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER>\n'
           '<EPISODE><DECOM>01/01/2020</DECOM><RNE>S</RNE><PL>U1</PL></EPISODE></CHILD>\n</EXPSSDA903>')
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cla.xml").write_text(xml)
    (folder / "children.csv").write_text("child_id,disability\n")
    run = run_lists(folder, "2021-03-31")
    assert run.dataset.tables["episodes"]["place"].tolist() == ["U1"]
    assert run.dataset.tables["episodes"]["_row"].tolist() == [4]
    assert run.dataset.tables["reviews"]["_row"].tolist() == [3]
    assert run.dataset.tables["header"]["_row"].tolist() == [2]


@pytest.mark.parametrize("text, needle", [
    ("<EXPSSDA903><CHILD><HEADER><CHILDID>A1</CHILDID></HEADER>", "not a well-formed XML file"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><EXPSSDA903>&a;</EXPSSDA903>', "declares a document type"),
])
def test_a_damaged_or_hostile_903_xml_is_refused_with_one_line(tmp_path, text, needle):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cla.xml").write_text(text)
    out = tmp_path / "out.xlsx"
    res = invoke("build", "--input", str(folder), "--as-of", "2021-03-31", "--allow-missing", "--out", str(out))
    assert res.exit_code == 3 and needle in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert "A1" not in res.output and not out.exists()


# --- the 903 as a source of children (SPEC §3.5: Lists 8-10 list 903-only children) ----------

def test_a_903_only_child_gets_a_row_with_the_header_details_and_children_still_win(tmp_path):
    from conftest import TODAY
    import datetime as dt
    from ofsted_lists.config import Config
    from ofsted_lists.pipeline import build_lists
    from ofsted_lists.profiles import ANNEX_A

    write_csv(tmp_path / "children.csv", [{"child_id": "BOTH", "dob": "2012-01-01", "gender": "2",
                                           "ethnicity": "WBRI", "disability": "N"}])
    header = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    write_csv(tmp_path / "a.csv", [dict(zip(header, ["BOTH", "1", "01/01/2013", "ABAN", "", "", ""])),
                                   dict(zip(header, ["ONLY", "M", "29/02/2012", "BAFR", "", "", ""]))], header)
    ep = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
          "HOME_POST", "PL_POST", "URN"]
    write_csv(tmp_path / "b.csv", [dict(zip(ep, ["NOHEADER", "01/05/2025", "S", "C2", "N1", "U1", "PR1", "", "",
                                                  "", "", "", ""]))], ep)
    run = build_lists(tmp_path, Config(), as_of=dt.date(2026, 3, 1), allow_missing=True, today=TODAY,
                      profile=ANNEX_A)
    ch = run.context.children
    assert set(ch.index) == {"BOTH", "ONLY", "NOHEADER"}
    assert ch.loc["BOTH", ["Gender", "Ethnicity"]].tolist() == ["b) Female", "a) WBRI"]  # children wins
    assert ch.loc["BOTH", "Date of Birth"] == pd.Timestamp("2012-01-01")
    assert ch.loc["ONLY", ["Gender", "Ethnicity"]].tolist() == ["a) Male", "o) BAFR"]
    assert ch.loc["ONLY", "Date of Birth"] == pd.Timestamp("2012-02-29")
    assert ch.loc["ONLY", "Age of Child (Years)"] == 14  # 29 February 2012 to 1 March 2026
    assert pd.isna(ch.loc["NOHEADER", "Date of Birth"])


def test_annex_a_runs_on_903_files_alone_every_disability_unknown_and_says_so(tmp_path):
    for path in PEER_FILES:
        shutil.copy(path, tmp_path / path.name)
    res = invoke("validate", "--input", str(tmp_path), "--as-of", "2022-03-01", "--profile", "annex-a",
                 "--allow-missing")
    assert res.exit_code in (0, 1), res.output
    text = flat(res.output)
    assert "no disability source in the input" in text and "reads c) Unknown for every child" in text
    assert "has no gender column" not in text and "no export has a gender column" not in text
    # The disabled-children profile cannot list disabled children without a disability source.
    res = invoke("validate", "--input", str(tmp_path), "--as-of", "2022-03-01", "--allow-missing")
    assert res.exit_code == 3 and "no disability source" in flat(res.output)


def test_a_closed_episode_with_a_blank_rec_ends_its_period_and_is_no_x1_without_continuation():
    """Only an X1 end promises a next episode the same day (rule 388): an episode closed with
    its REC left blank ends its period, and the next one, months later, starts another."""
    ep = pd.DataFrame({
        "child_id": ["K", "K"], "decom": pd.to_datetime(["2020-01-01", "2020-09-01"]),
        "dec": pd.to_datetime(["2020-03-01", None]), "rec": pd.Series([None, None], dtype="str"),
        "rne": ["S", "S"], "_file": ["f.csv", "f.csv"], "_sheet": ["", ""], "_row": [2, 3]})
    findings = quality.Findings()
    merged = care_history.history(ep, findings)
    assert quality.X1_NOT_CONTINUED not in set(findings.table()["Kind"])
    assert care_history.periods(merged)["start"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-09-01")]
