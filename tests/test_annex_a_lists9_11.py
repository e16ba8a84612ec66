"""Annex A Lists 9-11 (SPEC §9, annex-a-full.md §2.9-§2.11): care leavers, adoption and
adopters, each rule pinned at its edges through `build_lists`, and the three sheets through
the CLI (headings in order, every coded cell in its code list)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TODAY, exports, write_csv
from ofsted_lists import quality
from ofsted_lists.cli import app
from ofsted_lists.codes import leaving_care as lc
from ofsted_lists.config import Config
from ofsted_lists.lists import not_produced
from ofsted_lists.lists._common import Verdict
from ofsted_lists.pipeline import build_lists, missing_tables
from ofsted_lists.profiles import ANNEX_A
from ofsted_lists.lists.annex_a import list9_care_leavers, list10_adoption, list11_adopters
from ofsted_lists.readers.annex_a_lists import BY_NUMBER, CHILD, CODES, code_lists
from ofsted_lists.schema import norm

D = pd.Timestamp
AS_OF = "2026-03-01"   # the 12 months of Lists 10 and 11 start 2025-03-01
EPISODE_HEADINGS = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
PFA_HEADINGS = ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"]
OC3_HEADINGS = ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"]
DECISION = "Date of Decision that Child Should be Placed for Adoption"
REVERSED = "Date of Decision that Child Should No Longer be Placed for Adoption"
RD_REASON = "Reason Why Child No Longer Placed for Adoption"


def kid(cid, dob="2007-06-01", **kw):
    return {"child_id": cid, "dob": dob, "gender": "1", "ethnicity": "WBRI", "disability": "N", **kw}


def leaver(cid, start="2025-01-01", end="", **kw):
    return {"child_id": cid, "start_date": start, "end_date": end, "eligibility": "Relevant", "in_touch": "",
            "accommodation": "", "accommodation_suitable": "", "activity": "", **kw}


def uk(iso: str) -> str:
    """An ISO date as the 903 writes it (DD/MM/YYYY)."""
    return "" if not iso else dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def ep(cid, decom, rne="S", ls="C2", place="U1", dec="", rec=""):
    row = dict.fromkeys(EPISODE_HEADINGS, "")
    row.update(CHILD=cid, DECOM=uk(decom), RNE=rne, LS=ls, CIN="N1", PLACE=place, PLACE_PROVIDER="PR1",
               DEC=uk(dec), REC=rec)
    return row


def decision(cid, placed, ceased="", reason=""):
    return {"CHILD": cid, "DOB": "01/01/2020", "DATE_PLACED": uk(placed), "DATE_PLACED_CEASED": uk(ceased),
            "REASON_PLACED_CEASED": reason}


def adopter(aid, family="F1", applied="2025-06-01", **kw):
    return {"adopter_id": aid, "family_id": family, "gender": "F", "ethnicity": "WBRI", "disability": "N",
            "fostering_for_adoption": "N", "stage1_start": applied, **kw}


def annex(folder, children=None, as_of=AS_OF, episodes=None, pfa=None, oc3=None, config=None, **tables):
    exports(folder, children=children or [kid("C1")], **tables)
    for name, rows, headings in (("episodes", episodes, EPISODE_HEADINGS), ("pfa", pfa, PFA_HEADINGS),
                                 ("oc3", oc3, OC3_HEADINGS)):
        if rows is not None:
            write_csv(folder / f"{name}.csv", rows, headings)
    return build_lists(folder, config or Config(), as_of=dt.date.fromisoformat(as_of), allow_missing=True,
                       today=TODAY, profile=ANNEX_A)


def listed(run, number: int) -> pd.DataFrame:
    return next(r.frame for r in run.lists if r.spec.key == str(number))


def result(run, number: int):
    return next(r for r in run.lists if r.spec.key == str(number))


def by_child(frame: pd.DataFrame, column: str, id_column: str = "Child Unique ID") -> dict:
    return dict(zip(frame[id_column], frame[column]))


def found(run, kind: str, column: str) -> pd.DataFrame:
    t = run.findings.table()
    return t[(t["Kind"] == kind) & (t["Column"] == column)]


# --- List 9: care leavers -----------------------------------------------------------------------

def test_list9_involvement_open_at_the_as_of_date_at_its_edges(tmp_path):
    rows = [leaver("ON_START", start=AS_OF), leaver("AFTER", start="2026-03-02"),
            leaver("ENDS_ON", end=AS_OF), leaver("ENDS_AFTER", end="2026-03-02"), leaver("UNDATED", start="")]
    run = annex(tmp_path, [kid(r["child_id"]) for r in rows], care_leavers=rows)
    assert sorted(listed(run, 9)["Child Unique ID"]) == ["ENDS_AFTER", "ON_START", "UNDATED"]


def test_list9_one_row_per_young_person_the_latest_starting_open_involvement(tmp_path):
    rows = [leaver("C1", start="2024-01-01", eligibility="Relevant"),
            leaver("C1", start="2025-01-01", eligibility="Former relevant"),
            leaver("C1", start="2025-06-01", end="2025-12-01", eligibility="Qualifying")]  # ended: not open
    run = annex(tmp_path, care_leavers=rows)
    assert listed(run, 9)["Eligibility Category"].tolist() == ["b) Former relevant child"]
    assert len(found(run, quality.OVERLAPPING_PLANS, "start_date")) == 1


def test_list9_a_blank_start_ranks_before_any_dated_one(tmp_path):
    rows = [leaver("C1", start="2020-01-01", eligibility="Relevant"), leaver("C1", start="", eligibility="Qualifying")]
    run = annex(tmp_path, care_leavers=rows)
    assert listed(run, 9)["Eligibility Category"].tolist() == ["a) Relevant child"]
    assert found(run, quality.OVERLAPPING_PLANS, "start_date")["Problem"].tolist() == [
        "another leaving-care involvement is open at the as-of date; the latest-starting one is used"]


def test_list9_oc3_fills_each_field_the_care_leavers_record_leaves_blank(tmp_path):
    rows = [leaver("C1", in_touch="NO", activity="F1"),   # accommodation and suitability blank: from oc3
            leaver("C2", accommodation="U", accommodation_suitable="2"),
            leaver("C3")]                                  # no oc3 row: blank
    oc3 = [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "YES", "ACTIV": "G5", "ACCOM": "B2"},
           {"CHILD": "C2", "DOB": "01/06/2007", "IN_TOUCH": "REFU", "ACTIV": "F4", "ACCOM": "Z1"}]
    run = annex(tmp_path, [kid(c) for c in ("C1", "C2", "C3")], care_leavers=rows, oc3=oc3)
    f = listed(run, 9).set_index("Child Unique ID")
    assert f.loc["C1", ["LA in Touch", "Type of Accommodation", "Suitability of Accommodation",
                        "Activity Status"]].tolist() == [
        "b) No", "B: Parents/relatives", "b) Unsuitable", "F1: Full time in higher education"]
    assert f.loc["C2", ["LA in Touch", "Type of Accommodation", "Suitability of Accommodation",
                        "Activity Status"]].tolist() == [
        "d) Refu", "U: Independent living", "b) Unsuitable", "F4: Full time in an apprenticeship"]
    assert f.loc["C3", ["LA in Touch", "Type of Accommodation", "Activity Status"]].isna().all()


def test_list9_latest_oc3_row_is_the_last_read_of_several_years_files(tmp_path):
    write_csv(tmp_path / "2024_oc3.csv", [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "NO", "ACTIV": "0",
                                           "ACCOM": "0"}], OC3_HEADINGS)
    write_csv(tmp_path / "2025_oc3.csv", [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "YES", "ACTIV": "G6",
                                           "ACCOM": "D1"}], OC3_HEADINGS)
    run = annex(tmp_path, care_leavers=[leaver("C1")])
    f = listed(run, 9)
    assert f[["LA in Touch", "Type of Accommodation", "Suitability of Accommodation"]].iloc[0].tolist() == [
        "a) Yes", "D: Semi-independent, transitional accommodation and self-contained accommodation", "a) Suitable"]
    assert f["Activity Status"].iloc[0].startswith("G6: ")


@pytest.mark.parametrize("accom, kind, suitable", [
    ("U1", "U: Independent living", "a) Suitable"), ("x2", "X: In custody", "b) Unsuitable"),
    ("Z1", "Z: With former foster carers", "a) Suitable"), ("0", None, None)])
def test_list9_oc3_accom_first_letter_is_the_type_second_character_the_suitability(tmp_path, accom, kind, suitable):
    oc3 = [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "YES", "ACTIV": "0", "ACCOM": accom}]
    run = annex(tmp_path, care_leavers=[leaver("C1")], oc3=oc3)
    row = listed(run, 9).iloc[0]
    got = [row["Type of Accommodation"], row["Suitability of Accommodation"], row["Activity Status"]]
    assert [None if pd.isna(v) else v for v in got] == [kind, suitable, None]
    assert found(run, quality.UNMAPPED_CODE, "accom").empty


def test_list9_activity_codes_with_or_without_labels_and_in_touch_codes():
    acts = lc.activity(pd.Series(["F1", "p5 - part time in training", "G4: Not in education", "F3", "0", "Q9"]))
    assert acts.values.tolist()[:4] == [
        "F1: Full time in higher education", "P5: Part time in training or employment (not apprenticeship)",
        "G4: Not in education, employment or training - illness or disability",
        "F3: Full time in training or employment"]
    assert pd.isna(acts.values[4]) and not acts.unmapped[4] and acts.unmapped[5]
    touch = lc.in_touch(pd.Series(["yes", "NO", "Died", "refu", "NREQ", "Rhom", "f) Rhom"]))
    assert touch.values.tolist() == [*CODES["in_touch"], "f) Rhom"]


def test_leaving_care_codes_read_labels_words_and_codes_in_any_case():
    accom = lc.accommodation(pd.Series(["U: Independent living", "independent living", "b1", "B", "Parents/relatives"]))
    assert accom.values.tolist() == ["U: Independent living"] * 2 + ["B: Parents/relatives"] * 3
    suit = lc.suitability(pd.Series(["a) Suitable", "unsuitable", "Not suitable", "1", "N"]))
    assert suit.values.tolist() == ["a) Suitable", "b) Unsuitable", "b) Unsuitable", "a) Suitable", "b) Unsuitable"]
    left = lc.left_reason(pd.Series(["Adopter withdrew from process", "3", "Application refused", "put on hold", "x"]))
    assert left.values.tolist()[:4] == [
        "1 - Adopter withdrew from process", "3 - Application refused", "3 - Application refused", lc.ON_HOLD]
    assert left.unmapped.tolist() == [False] * 4 + [True]
    rd = lc.rd_reason(pd.Series(["Any other reason", "RD3 - Prospective adopters could not be found", "rd 2"]))
    assert rd.values.tolist() == ["RD4 - Any other reason", "RD3 - Prospective adopters could not be found",
                                  "RD2 - The Court did not make a placement order"]
    touch = lc.in_touch(pd.Series(["Returned home", "not required", "Deceased", "a) Yes", "e"]))
    assert touch.values.tolist() == ["f) Rhom", "e) NREQ", "c) Died", "a) Yes", "e) NREQ"]


def test_leaving_care_codes_read_a_bare_code_and_a_label_s_words_alone():
    # Each label is named three ways: in full, by its code part alone, by its words alone.
    elig = lc.eligibility(pd.Series(["a", "B", "Relevant child", "former relevant child", "c)", "Qualifying care leaver"]))
    assert elig.values.tolist() == [CODES["eligibility"][i] for i in (0, 1, 0, 1, 2, 2)]
    acts = lc.activity(pd.Series(["Full time in higher education", "g5", "p3", "Part time in an apprenticeship"]))
    assert acts.values.tolist() == [CODES["activity"][i] for i in (0, 7, 5, 10)]
    rd = lc.rd_reason(pd.Series(["RD1", "The Court did not make a placement order", "rd4"]))
    assert rd.values.tolist() == [CODES["rd_reason"][i] for i in (0, 1, 3)]
    left = lc.left_reason(pd.Series(["2", "Adopter withdrew from process", "1 - withdrawn"]))
    assert left.values.tolist() == [CODES["left_reason"][i] for i in (1, 0, 0)]
    touch = lc.in_touch(pd.Series(["d", "Refu", "b) No"]))
    assert touch.values.tolist() == [CODES["in_touch"][i] for i in (3, 3, 1)]
    suit = lc.suitability(pd.Series(["a", "Suitable", "b"]))
    assert suit.values.tolist() == [lc.SUITABLE, lc.SUITABLE, lc.UNSUITABLE]
    accom = lc.accommodation(pd.Series(["Community home / residential care", "z", "With former foster carers"]))
    assert accom.values.tolist() == [CODES["accommodation"][1], CODES["accommodation"][15], CODES["accommodation"][15]]
    for got in (elig, acts, rd, left, touch, suit, accom):
        assert not got.unmapped.any()


def test_leaving_care_a_blank_value_is_blank_never_unmapped():
    for read in (lc.eligibility, lc.in_touch, lc.suitability, lc.rd_reason, lc.left_reason, lc.activity,
                 lc.accommodation):
        got = read(pd.Series(["", "   ", "\t"]))
        assert got.values.isna().all() and not got.unmapped.any(), read.__name__


def test_leaving_care_a_label_with_brackets_of_its_own_is_read_whole_before_any_aside_is_dropped():
    # "(not apprenticeship)" is part of F5's words: dropped as an aside, they would read as F3's.
    acts = lc.activity(pd.Series(["Full time in training or employment (not apprenticeship)",
                                  "Full time in training or employment (from 2023)"]))
    assert acts.values.tolist() == [CODES["activity"][11], CODES["activity"][4]]


def test_leaving_care_codes_keep_the_values_index_and_types():
    values = pd.Series(["a", "No current eligibility", None], index=[10, 20, 30])
    got = lc.eligibility(values)
    assert got.values.index.equals(values.index) and got.unmapped.index.equals(values.index)
    assert got.unmapped.dtype == bool and got.unmapped.tolist() == [False, True, False]
    assert got.values.dtype == "str" and (~got.unmapped).tolist() == [True, False, True]


def test_suitability_is_the_903_accommodation_digit_in_either_case():
    got = lc.suitability_in(pd.Series(["b2", "B1", "u 2", "z1", "U", "", "0", "B3"]))
    assert got.tolist()[:4] == [lc.UNSUITABLE, lc.SUITABLE, lc.UNSUITABLE, lc.SUITABLE]
    assert got[4:].isna().all()  # no digit: nothing said about suitability


def test_adopter_gender_moves_the_children_s_labels_to_list_11_s_order():
    from ofsted_lists.codes.mapping import Mapped
    given = Mapped(pd.Series(["a) Male", "b) Female", "c) Not stated/recorded", "d) Neither", "Zorgon", None],
                             dtype="str"), pd.Series([False] * 4 + [True, False]))
    got = lc.adopter_gender(given)
    assert got.values.tolist()[:5] == ["a) Male", "b) Female", "d) Not stated/recorded", "c) Neither", "Zorgon"]
    assert pd.isna(got.values[5]) and got.unmapped.tolist() == given.unmapped.tolist()


def test_list9_eligibility_as_recorded_mapped_and_an_unmappable_value_blank_with_a_finding(tmp_path):
    spellings = {"R": "Relevant", "FR": "former relevant (18+)", "Q": "QUALIFYING", "E": "d) Eligible child",
                 "X": "No Current Eligibility", "B": ""}
    rows = [leaver(c, eligibility=e) for c, e in spellings.items()]
    run = annex(tmp_path, [kid(c) for c in spellings], care_leavers=rows)
    got = by_child(listed(run, 9), "Eligibility Category")
    assert got["R"] == "a) Relevant child" and got["FR"] == "b) Former relevant child"
    assert got["Q"] == "c) Qualifying care leaver" and got["E"] == "d) Eligible child"
    assert pd.isna(got["X"]) and pd.isna(got["B"])
    bad = found(run, quality.UNMAPPED_CODE, "eligibility")
    assert bad["Child Unique ID"].tolist() == ["X"]
    assert bad["Problem"].tolist() == [
        "value 'No Current Eligibility' is no Annex A eligibility category; written blank (never guessed)"]


def test_list9_an_unmapped_oc3_code_is_blank_and_reported_at_its_oc3_row(tmp_path):
    oc3 = [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "MAYBE", "ACTIV": "Q9", "ACCOM": "Q1"}]
    run = annex(tmp_path, care_leavers=[leaver("C1", in_touch="yes")], oc3=oc3)
    row = listed(run, 9).iloc[0]
    assert row["LA in Touch"] == "a) Yes"  # the care leavers value: the oc3 one is not read
    assert pd.isna(row["Type of Accommodation"]) and pd.isna(row["Activity Status"])
    for column, value in (("accom", "Q1"), ("activ", "Q9")):
        bad = found(run, quality.UNMAPPED_CODE, column)
        assert bad["File"].tolist() == ["oc3.csv"]
        assert bad["Problem"].tolist() == [f"value '{value}' maps to no Annex A code; written blank"]
    assert found(run, quality.UNMAPPED_CODE, "in_touch").empty


def test_list9_contact_and_review_dates_after_the_as_of_date_are_blank(tmp_path):
    rows = [leaver("C1", latest_contact_date="2026-03-02", pathway_plan_review_date=AS_OF)]
    run = annex(tmp_path, care_leavers=rows)
    row = listed(run, 9).iloc[0]
    assert pd.isna(row["Latest Date of Contact"]) and row["Latest Pathway Plan Review Date"] == D(AS_OF)


def test_list9_eligibility_is_never_derived_from_the_care_history(tmp_path):
    # Looked after from 14 to 17: eligible by 903 rule 1001, but nothing is recorded.
    episodes = [ep("C1", "2021-06-01", dec="2024-07-01", rec="E8")]
    run = annex(tmp_path, [kid("C1")], care_leavers=[leaver("C1", eligibility="")], episodes=episodes)
    assert listed(run, 9)["Eligibility Category"].isna().all()


def test_list9_uasc_yes_with_any_uasc_record_even_ceased(tmp_path):
    uasc = [{"CHILD": "U", "SEX": "1", "DOB": "01/06/2007", "DUC": "01/06/2024"}]
    write_csv(tmp_path / "uasc.csv", uasc, ["CHILD", "SEX", "DOB", "DUC"])
    run = annex(tmp_path, [kid("U"), kid("N")], care_leavers=[leaver("U"), leaver("N")])
    assert by_child(listed(run, 9), list9_care_leavers.UASC) == {"U": "a) Yes", "N": "b) No"}


def test_list9_explain_says_which_involvement_and_what_came_from_oc3(tmp_path):
    oc3 = [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "YES", "ACTIV": "G5", "ACCOM": "B1"}]
    run = annex(tmp_path, care_leavers=[leaver("C1", start="2024-01-01", end="2025-01-01"), leaver("C1")], oc3=oc3)
    v = list9_care_leavers.explain(run.context, "C1")
    assert v.listed
    assert any("ended 01/01/2025" in r for r in v.reasons)
    assert any("the one listed; in_touch, accommodation, activity taken from the 903 oc3" in r for r in v.reasons)


def test_list9_explain_words_each_involvement_open_later_ended_undated_and_none(tmp_path):
    rows = [leaver("C1", start="2024-01-01", end="2025-01-01"),   # row 2: ended
            leaver("C1", start="2024-06-01"),                     # row 3: open, an earlier start
            leaver("C1", start="2025-01-01", in_touch="YES"),     # row 4: open, the latest start: listed
            leaver("C1", start="2026-03-02"),                     # row 5: after the as-of date
            leaver("C1", start=""),                               # row 6: open, no start date
            leaver("LATER", start="2026-03-02"),                  # row 7
            leaver("ONE_DAY", start=AS_OF, end=AS_OF),            # row 8: ended the day it started
            leaver("OWN", in_touch="YES")]                        # row 9: no oc3 row, nothing from it
    oc3 = [{"CHILD": "C1", "DOB": "01/06/2007", "IN_TOUCH": "NO", "ACTIV": "", "ACCOM": "B1"}]
    run = annex(tmp_path, [kid(c) for c in ("C1", "LATER", "ONE_DAY", "OWN")], care_leavers=rows, oc3=oc3)
    rule = list9_care_leavers.SPEC.rule
    assert list9_care_leavers.explain(run.context, "C1") == Verdict(True, [
        "leaving-care involvement from 01/01/2024 (row 2) ended 01/01/2025, on or before 01/03/2026: not open",
        "leaving-care involvement from 01/06/2024 (row 3) is open at 01/03/2026, but a later-starting open one is "
        "the one listed",
        # in_touch is recorded and oc3 gives no activity: only the accommodation comes from oc3
        "leaving-care involvement from 01/01/2025 (row 4) is open at 01/03/2026, the one listed; accommodation taken "
        "from the 903 oc3 return",
        "leaving-care involvement from 02/03/2026 (row 5) starts after the as-of date 01/03/2026: not open yet",
        "leaving-care involvement with no start date (row 6) is open at 01/03/2026, but a later-starting open one is "
        "the one listed",
        "on the list: the rule is met (this profile lists every child)"])
    assert list9_care_leavers.explain(run.context, "LATER") == Verdict(False, [
        "leaving-care involvement from 02/03/2026 (row 7) starts after the as-of date 01/03/2026: not open yet",
        f"not on the list: no record of the child meets the rule, {rule}"])
    assert list9_care_leavers.explain(run.context, "ONE_DAY") == Verdict(False, [
        "leaving-care involvement from 01/03/2026 (row 8) ended 01/03/2026, on or before 01/03/2026: not open",
        f"not on the list: no record of the child meets the rule, {rule}"])
    assert list9_care_leavers.explain(run.context, "OWN") == Verdict(True, [
        "leaving-care involvement from 01/01/2025 (row 9) is open at 01/03/2026, the one listed",
        "on the list: the rule is met (this profile lists every child)"])
    assert list9_care_leavers.explain(run.context, "NOBODY") == Verdict(False, [
        "not on the list: no leaving-care involvement (care_leavers record) for the young person"])
    assert sorted(listed(run, 9)["Child Unique ID"]) == ["C1", "OWN"]


# --- List 10: adoption ---------------------------------------------------------------------------

def adopted(cid, dec, decom="2023-01-10"):
    """A period from `decom`: care order, then a placement order, then an A3 placement, adopted on `dec`."""
    return [ep(cid, decom, ls="C2", dec="2023-06-01", rec="X1"),
            ep(cid, "2023-06-01", rne="L", ls="E1", dec="2024-02-01", rec="X1"),
            ep(cid, "2024-02-01", rne="P", ls="E1", place="A3", dec=dec, rec="E11")]


def test_list10_adoption_order_on_the_first_day_of_the_12_months_is_on_the_day_before_off(tmp_path):
    episodes = [*adopted("IN", "2025-03-01"), *adopted("BEFORE", "2025-02-28"), *adopted("AS_OF", AS_OF),
                *adopted("AFTER", "2026-03-02")]
    run = annex(tmp_path, [kid(c) for c in ("IN", "BEFORE", "AS_OF", "AFTER")], episodes=episodes)
    f = listed(run, 10)
    assert by_child(f, "Date of Adoption Order") == {"IN": D("2025-03-01"), "AS_OF": D(AS_OF)}


def test_list10_a_period_ending_any_other_way_is_no_adoption(tmp_path):
    episodes = [ep("HOME", "2024-01-01", dec="2025-06-01", rec="E13"),        # returned home in the 12 months
                ep("R", "2024-01-01", ls="E1", dec="2025-07-01", rec="E8")]
    pfa = [decision("R", "2024-03-01", "2025-06-01", "RD2")]
    run = annex(tmp_path, [kid("HOME"), kid("R")], episodes=episodes, pfa=pfa)
    f = listed(run, 10)
    assert f["Child Unique ID"].tolist() == ["R"]
    assert f["Date of Adoption Order"].isna().all() and f["Date of Placement Order"].tolist() == [D("2024-01-01")]


def test_list10_dates_from_the_episodes_of_the_period(tmp_path):
    episodes = adopted("C1", "2025-06-01")
    run = annex(tmp_path, episodes=episodes, pfa=[decision("C1", "2023-05-01")])
    row = listed(run, 10).iloc[0]
    assert row["Date the Child Entered Care"] == D("2023-01-10")
    assert row[DECISION] == D("2023-05-01")
    assert row["Date of Placement Order"] == D("2023-06-01")   # the E1 episode after the C2 one
    assert row["Date Placed for Adoption"] == D("2024-02-01")  # the first A3-A6 placement
    assert row["Date of Adoption Order"] == D("2025-06-01")
    assert pd.isna(row["Date the child was placed for fostering in FFA or concurrent planning placement"])


def test_list10_ffa_date_is_the_first_u2_or_u5_placement_and_a_later_placement_shows_nothing(tmp_path):
    episodes = [ep("C1", "2024-01-01", place="U1", dec="2024-05-01", rec="X1"),
                ep("C1", "2024-05-01", rne="P", place="U5", dec="2024-09-01", rec="X1"),
                ep("C1", "2024-09-01", rne="L", ls="E1", place="U5", dec="", rec=""),
                ep("C1", "2026-03-02", rne="P", ls="E1", place="A3")]  # after the as-of date
    run = annex(tmp_path, episodes=episodes, pfa=[decision("C1", "2024-04-01")])
    row = listed(run, 10).iloc[0]
    assert row["Date the child was placed for fostering in FFA or concurrent planning placement"] == D("2024-05-01")
    assert row["Date of Placement Order"] == D("2024-09-01")
    assert pd.isna(row["Date Placed for Adoption"]) and pd.isna(row["Date of Adoption Order"])


def test_list10_a_reversed_decision_in_the_12_months_with_its_reason(tmp_path):
    pfa = [decision("RD", "2024-05-01", "2025-06-01", "RD1"), decision("OLD", "2023-05-01", "2025-02-28", "RD2"),
           decision("FIRST_DAY", "2023-05-01", "2025-03-01", "RD2"), decision("AS_OF", "2023-05-01", AS_OF, "RD9")]
    run = annex(tmp_path, [kid(c) for c in ("RD", "OLD", "FIRST_DAY", "AS_OF")], pfa=pfa)
    f = listed(run, 10)
    assert by_child(f, REVERSED) == {"FIRST_DAY": D("2025-03-01"), "RD": D("2025-06-01"), "AS_OF": D(AS_OF)}
    reasons = by_child(f, RD_REASON)
    assert reasons["RD"] == "RD1 - The child\u2019s needs changed subsequent to the decision"
    assert reasons["FIRST_DAY"] == "RD2 - The Court did not make a placement order" and pd.isna(reasons["AS_OF"])
    bad = found(run, quality.UNMAPPED_CODE, "reason_placed_ceased")
    assert bad["Problem"].tolist() == ["value 'RD9' maps to no RD code; written blank"]
    assert bad[["Child Unique ID", "File"]].values.tolist() == [["AS_OF", "pfa.csv"]]  # at its child and file


def test_list10_a_decision_in_force_whatever_its_date_and_one_followed_by_an_adoption_order_is_not(tmp_path):
    pfa = [decision("FORCE", "2019-01-01"), decision("ORDERED", "2023-05-01"),
           decision("LATER", "2026-03-02"),                        # after the as-of date: not made yet
           decision("UNDONE", "2025-01-01", "2026-03-02", "RD3")]  # reversed after the as-of date: in force
    episodes = adopted("ORDERED", "2024-12-01")                     # adopted before the 12 months
    run = annex(tmp_path, [kid(c) for c in ("FORCE", "ORDERED", "LATER", "UNDONE")], episodes=episodes, pfa=pfa)
    f = listed(run, 10).set_index("Child Unique ID")
    assert sorted(f.index) == ["FORCE", "UNDONE"]
    assert pd.isna(f.loc["UNDONE", REVERSED]) and pd.isna(f.loc["UNDONE", RD_REASON])


def test_list10_a_decision_on_the_as_of_date_is_in_force_and_one_ended_by_an_order_that_day_is_not(tmp_path):
    pfa = [decision("TODAY", AS_OF), decision("SAME_DAY", "2024-12-01")]
    episodes = adopted("SAME_DAY", "2024-12-01")  # adopted on the decision's day, before the 12 months
    run = annex(tmp_path, [kid("TODAY"), kid("SAME_DAY")], episodes=episodes, pfa=pfa)
    assert listed(run, 10)["Child Unique ID"].tolist() == ["TODAY"]


def test_list10_the_period_is_the_one_containing_the_decision_else_the_latest(tmp_path):
    def two_periods(cid, second="2024-01-01"):
        return [ep(cid, "2019-01-01", dec="2021-01-01", rec="E8"), ep(cid, second)]
    episodes = [*two_periods("ON_START"), *two_periods("ON_END"), *two_periods("BETWEEN"),
                ep("LATE", AS_OF, ls="E1")]
    pfa = [decision("ON_START", "2019-01-01"), decision("ON_END", "2021-01-01"), decision("BETWEEN", "2022-06-01"),
           decision("LATE", "2025-01-01")]
    run = annex(tmp_path, [kid(c) for c in ("ON_START", "ON_END", "BETWEEN", "LATE")], episodes=episodes, pfa=pfa)
    f = listed(run, 10)
    assert by_child(f, "Date the Child Entered Care") == {
        "ON_START": D("2019-01-01"), "ON_END": D("2019-01-01"), "BETWEEN": D("2024-01-01"), "LATE": D(AS_OF)}
    assert by_child(f, "Date of Placement Order")["LATE"] == D(AS_OF)  # an E1 episode starting on the as-of date


def test_list10_one_row_per_child_the_latest_decision(tmp_path):
    pfa = [decision("C1", "2023-01-01", "2023-06-01", "RD3"), decision("C1", "2025-01-01")]
    run = annex(tmp_path, pfa=pfa)
    f = listed(run, 10)
    assert f[DECISION].tolist() == [D("2025-01-01")] and f[REVERSED].isna().all()


def test_list10_decision_from_ad1_when_there_is_no_placed_for_adoption_record(tmp_path):
    ad1 = [{"CHILD": "C1", "DOB": "01/01/2020", "DATE_INT": "01/05/2023", "DATE_MATCH": "01/12/2023",
            "FOSTER_CARE": "0", "NB_ADOPTR": "2", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L0"},
           {"CHILD": "C1", "DOB": "01/01/2020", "DATE_INT": "01/05/2021", "DATE_MATCH": "01/12/2021",  # an older one
            "FOSTER_CARE": "0", "NB_ADOPTR": "2", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L0"}]
    write_csv(tmp_path / "ad1.csv", ad1)
    run = annex(tmp_path, episodes=adopted("C1", "2025-06-01"))
    row = listed(run, 10).iloc[0]
    assert row[DECISION] == D("2023-05-01")
    assert row["Date of Matching Child and Prospective Adopters"] == D("2023-12-01")


def test_list10_ad1_decision_on_the_as_of_date_is_shown_and_one_after_it_is_not(tmp_path):
    def ad1(cid, date_int, match):
        return {"CHILD": cid, "DOB": "01/01/2020", "DATE_INT": uk(date_int), "DATE_MATCH": uk(match),
                "FOSTER_CARE": "0", "NB_ADOPTR": "2", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L0"}
    write_csv(tmp_path / "ad1.csv", [ad1("ON", "2025-01-01", "2025-02-01"), ad1("ON", AS_OF, AS_OF),
                                     ad1("AFTER", "2025-01-01", "2025-02-01"), ad1("AFTER", "2026-03-02", "2026-03-02")])
    run = annex(tmp_path, [kid("ON"), kid("AFTER")], episodes=[*adopted("ON", AS_OF), *adopted("AFTER", AS_OF)])
    f = listed(run, 10)
    assert by_child(f, DECISION) == {"ON": D(AS_OF), "AFTER": D("2025-01-01")}
    assert by_child(f, "Date of Matching Child and Prospective Adopters") == {"ON": D(AS_OF), "AFTER": D("2025-02-01")}


def test_list10_period_begun_before_the_files_gives_no_start_and_no_placement_order(tmp_path):
    episodes = [ep("C1", "2024-04-01", rne="P", ls="E1", place="U1", dec="2024-09-01", rec="X1"),
                ep("C1", "2024-09-01", rne="P", ls="E1", place="A4")]
    run = annex(tmp_path, episodes=episodes, pfa=[decision("C1", "2023-01-01")])
    row = listed(run, 10).iloc[0]
    assert pd.isna(row["Date the Child Entered Care"]) and pd.isna(row["Date of Placement Order"])
    assert row["Date Placed for Adoption"] == D("2024-09-01")


def test_list10_is_produced_with_only_episodes_and_with_only_placed_for_adoption(tmp_path):
    only_ep = annex(tmp_path / "ep", episodes=adopted("C1", "2025-06-01"))
    only_pfa = annex(tmp_path / "pfa", pfa=[decision("C1", "2025-01-01")])
    neither = annex(tmp_path / "none", contacts=[])
    assert result(only_ep, 10).produced and listed(only_ep, 10)["Child Unique ID"].tolist() == ["C1"]
    assert result(only_pfa, 10).produced and listed(only_pfa, 10)["Child Unique ID"].tolist() == ["C1"]
    assert not result(neither, 10).produced
    assert not_produced(result(neither, 10)) == "NOT PRODUCED: no episodes or placed_for_adoption export"


def test_needs_any_changes_no_other_list_and_counts_a_table_missing_only_when_all_are():
    spec = list10_adoption.SPEC
    assert spec.needs_any and not spec.lacks({"episodes"}) and not spec.lacks({"placed_for_adoption"})
    assert spec.lacks(set())
    assert all(not m.SPEC.needs_any for m in ANNEX_A.lists if m is not list10_adoption)
    assert list9_care_leavers.SPEC.lacks({"episodes"})
    strict = dataclasses.replace(ANNEX_A, optional=())  # as if Lists 8-11 were required
    assert "List 10" not in missing_tables({"placed_for_adoption"}, strict).get("episodes", [])
    assert missing_tables(set(), strict)["placed_for_adoption"] == ["List 10"]


def test_list10_explain_gives_each_decision_and_the_rule_met(tmp_path):
    run = annex(tmp_path, pfa=[decision("C1", "2023-01-01", "2023-06-01", "RD3"), decision("C1", "2025-01-01")])
    v = list10_adoption.explain(run.context, "C1")
    assert v.listed
    assert any("reversed 01/06/2023, before the 12 months" in r for r in v.reasons)
    assert any("in force at 01/03/2026" in r for r in v.reasons)
    assert not list10_adoption.explain(run.context, "NOBODY").listed


def test_list10_explain_words_each_decision_at_the_as_of_date_and_12_month_edges(tmp_path):
    pfa = [decision("FUTURE", "2026-03-02"),                          # row 2: not made yet
           decision("TODAY", AS_OF),                                  # row 3: made on the as-of date
           decision("REV_FIRST_DAY", "2024-01-01", "2025-03-01", "RD3"),  # row 4: reversed the 12 months' first day
           decision("REV_AS_OF", "2024-01-01", AS_OF, "RD3"),         # row 5: reversed on the as-of date
           decision("REV_LATER", "2025-01-01", "2026-03-02", "RD3"),  # row 6: reversed after it: in force
           decision("ADOPTED", "2023-05-01")]                         # row 7: an adoption order since
    kids = [kid(r["CHILD"]) for r in pfa]
    run = annex(tmp_path, kids, episodes=adopted("ADOPTED", "2025-06-01"), pfa=pfa)
    rule = list10_adoption.SPEC.rule
    on, off = "on the list: the rule is met (this profile lists every child)", f"not on the list: no record of " \
        f"the child meets the rule, {rule}"
    in_force = "the latest decision is in force at 01/03/2026 (not reversed, no adoption order since)"
    want = {
        "FUTURE": [False, "should-be-placed decision of 02/03/2026 (row 2) is after the as-of date 01/03/2026: "
                   "not made yet", "no decision in force at 01/03/2026, none reversed and no adoption order in the "
                   "12 months", off],
        "TODAY": [True, "should-be-placed decision of 01/03/2026 (row 3) was not reversed by 01/03/2026", in_force, on],
        "REV_FIRST_DAY": [True, "should-be-placed decision of 01/01/2024 (row 4) was reversed 01/03/2025, in the 12 "
                          "months from 01/03/2025", on],
        "REV_AS_OF": [True, "should-be-placed decision of 01/01/2024 (row 5) was reversed 01/03/2026, in the 12 "
                      "months from 01/03/2025", on],
        "REV_LATER": [True, "should-be-placed decision of 01/01/2025 (row 6) was not reversed by 01/03/2026",
                      in_force, on],
        "ADOPTED": [True, "should-be-placed decision of 01/05/2023 (row 7) was not reversed by 01/03/2026",
                    "a period of care ended with an adoption order (E11/E12) in the 12 months from 01/03/2025", on],
        "NOBODY": [False, "no should-be-placed decision, and no adoption order (E11/E12) in the 12 months from "
                   "01/03/2025", off],
    }
    for cid, (listed_, *reasons) in want.items():
        assert list10_adoption.explain(run.context, cid) == Verdict(listed_, reasons), cid
    assert sorted(listed(run, 10)["Child Unique ID"]) == sorted(c for c, w in want.items() if w[0])


# --- List 11: adopters ---------------------------------------------------------------------------

def test_list11_a_couple_is_two_rows_with_the_same_family_id(tmp_path):
    run = annex(tmp_path, adopters=[adopter("A1", "F7"), adopter("A2", "F7", gender="M")])
    f = listed(run, 11)
    assert f["Individual adopter identifier"].tolist() == ["A1", "A2"]
    assert f["Family identifier"].tolist() == ["F7", "F7"]
    assert result(run, 11).unknown_children == 0


def test_list11_who_is_listed(tmp_path):
    rows = [adopter("ENQUIRY", applied="", enquiry_date="2025-10-01"),
            adopter("ON_HOLD", left_date="2025-09-01", left_reason="On hold"),
            adopter("HOLD_CODE", left_date="2025-09-01", left_reason="2"),
            adopter("WITHDREW", left_date="2025-09-01", left_reason="1 - Adopter withdrew from process"),
            adopter("MID", applied="", application_date="2023-01-01", approval_date="2023-06-01"),
            adopter("LEFT_13M", applied="2023-01-01", left_date="2025-02-01", left_reason="1"),
            adopter("ADOPTED_OLD", applied="2022-01-01", adoption_order_date="2024-01-01"),
            adopter("FUTURE", applied="2026-03-02")]
    run = annex(tmp_path, adopters=rows)
    assert sorted(listed(run, 11)["Individual adopter identifier"]) == ["MID", "WITHDREW"]
    row = listed(run, 11).set_index("Individual adopter identifier").loc["WITHDREW"]
    assert row["Reason for leaving adoption process"] == "1 - Adopter withdrew from process"


def test_list11_edges_of_the_12_months_and_of_the_as_of_date(tmp_path):
    old = "2023-01-01"
    rows = [adopter("APPLIED_AS_OF", applied=AS_OF),                                    # mid-process: on
            adopter("LEFT_FIRST_DAY", applied=old, left_date="2025-03-01", left_reason="1"),  # a step that day: on
            adopter("LEFT_DAY_BEFORE", applied=old, left_date="2025-02-28", left_reason="1"),  # off
            adopter("LEFT_AS_OF", applied=old, left_date=AS_OF, left_reason="3"),            # a step that day: on
            adopter("HOLD_AS_OF", applied=old, left_date=AS_OF, left_reason="2"),            # on hold: off
            adopter("LEFT_NO_REASON", applied=old, left_date="2025-09-01")]                  # left, not on hold: on
    run = annex(tmp_path, adopters=rows)
    assert sorted(listed(run, 11)["Individual adopter identifier"]) == [
        "APPLIED_AS_OF", "LEFT_AS_OF", "LEFT_FIRST_DAY", "LEFT_NO_REASON"]


def test_list11_gender_in_its_own_order_and_the_other_codes(tmp_path):
    rows = [adopter("M", gender="Male"), adopter("F", gender="2"), adopter("N", gender="Neither"),
            adopter("U", gender="", disability="Y", fostering_for_adoption="Yes", children_placed="2",
                    ethnicity="Black African")]
    run = annex(tmp_path, adopters=rows)
    f = listed(run, 11).set_index("Individual adopter identifier")
    assert f["Gender"].to_dict() == {"F": "b) Female", "M": "a) Male", "N": "c) Neither", "U": "d) Not stated/recorded"}
    assert f.loc["U", ["Ethnicity", "Disability", "Is the (prospective) adopter fostering for adoption?",
                       "No. of children placed"]].tolist() == ["o) BAFR", "a) Yes", "Yes", 2]
    assert f.loc["M", ["Disability", "Is the (prospective) adopter fostering for adoption?"]].tolist() == [
        "b) No", "No"]


def test_list11_uses_the_configs_gender_and_ethnicity_mappings_and_reports_an_unmapped_reason(tmp_path):
    config = Config(values={"gender": {"Other identity": "9"}, "ethnicity": {"British (local)": "WBRI"}})
    rows = [adopter("A1", gender="Other identity", ethnicity="British (local)", left_date="2025-09-01",
                    left_reason="moved away")]
    run = annex(tmp_path, adopters=rows, config=config)
    row = listed(run, 11).iloc[0]
    assert [row["Gender"], row["Ethnicity"]] == ["c) Neither", "a) WBRI"]
    assert pd.isna(row["Reason for leaving adoption process"])
    assert found(run, quality.UNMAPPED_CODE, "left_reason")["Problem"].tolist() == [
        "value 'moved away' maps to no Annex A reason; written blank"]


def test_list11_dates_after_the_as_of_date_do_not_show(tmp_path):
    run = annex(tmp_path, adopters=[adopter("A1", approval_date="2026-03-02", left_date="2026-04-01",
                                            left_reason="3")])
    row = listed(run, 11).iloc[0]
    assert pd.isna(row["Date application approved"]) and pd.isna(row["Date of leaving adoption process"])
    assert pd.isna(row["Reason for leaving adoption process"])


def test_list11_explain_answers_adopters_are_not_children_or_judges_an_adopter(tmp_path):
    run = annex(tmp_path, adopters=[adopter("A1", left_date="2025-09-01", left_reason="on hold")])
    assert list11_adopters.explain(run.context, "C1").reasons == [
        "not on the list: List 11 lists adopters, not children"]
    v = list11_adopters.explain(run.context, "A1")
    assert not v.listed and "put on hold" in v.reasons[0]


def test_list11_explain_words_each_answer_of_the_rule(tmp_path):
    rows = [adopter("ENQUIRY", applied="", enquiry_date="2025-10-01"),
            adopter("ON_HOLD", left_date="2025-09-01", left_reason="2"),
            adopter("LEFT_13M", applied="2023-01-01", left_date="2025-02-01", left_reason="1"),
            adopter("MID", applied="2023-01-01"),
            adopter("WITHDREW", left_date="2025-09-01", left_reason="1")]
    run = annex(tmp_path, adopters=rows)
    on, off = "on the list (an adopter)", "not on the list"
    want = {
        "ENQUIRY": Verdict(False, ["adopter has not applied (no Stage 1 start or application on or before the as-of "
                                   "date); an enquiry alone does not count", off]),
        "ON_HOLD": Verdict(False, ["adopter left the process with reason 2 - Process put on hold, which Ofsted asks "
                                   "to leave out", off]),
        "LEFT_13M": Verdict(False, ["adopter has no dated step in the 12 months and is not mid-process at the as-of "
                                    "date", off]),
        "MID": Verdict(True, ["adopter applied, and is mid-process at the as-of date", on]),
        "WITHDREW": Verdict(True, ["adopter applied, and has a step in the 12 months", on]),
    }
    assert {a: list11_adopters.explain(run.context, a) for a in want} == want
    assert list11_adopters.explain(run.context, "C1") == Verdict(
        False, ["not on the list: List 11 lists adopters, not children"])
    assert sorted(listed(run, 11)["Individual adopter identifier"]) == ["MID", "WITHDREW"]


# --- the three sheets through the CLI --------------------------------------------------------------

def test_cli_build_annex_a_writes_lists_9_to_11_with_their_headings_and_codes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    leavers = [leaver("L1", in_touch="Yes", accommodation="U", accommodation_suitable="Y", activity="F1",
                      personal_advisor="PA", team="T", worker="W"),
               leaver("L2", eligibility="Former relevant")]
    oc3 = [{"CHILD": "L2", "DOB": "01/06/2005", "IN_TOUCH": "NREQ", "ACTIV": "G4", "ACCOM": "S2"}]
    pfa = [decision("A", "2023-05-01"), decision("R", "2024-01-01", "2025-05-01", "RD4")]
    adopters = [adopter("P1"), adopter("P2", gender="M", left_date="2025-10-01", left_reason="3")]
    kids = [kid(c) for c in ("L1", "L2", "A", "R")]
    annex(folder, kids, episodes=adopted("A", "2025-06-01"), pfa=pfa, oc3=oc3, care_leavers=leavers,
          adopters=adopters)
    out = tmp_path / "out"
    for as_of in ("2026-02-27", AS_OF):  # the second run compares its lists with the first's
        res = CliRunner().invoke(app, ["build", "--input", str(folder), "--as-of", as_of, "--out", str(out),
                                       "--profile", "annex-a", "--allow-missing", "-q"])
        assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out / f"ofsted-lists_annex-a_{AS_OF}.xlsx", read_only=True)
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "List 11"]
    # Adopters are compared by their identifier, as children are by theirs: P1 and P2 on both runs.
    assert summary and not any(isinstance(c, str) and "not compared" in c for r in summary for c in r), summary
    lists = [r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] in ("List 10", "List 11")]
    assert [r[1:3] for r in lists[:2]] == [(2, 2), (2, None)]  # adopters are rows, not children
    codes = code_lists("newer")
    for n, rows_wanted in ((9, 2), (10, 2), (11, 2)):
        rows = list(wb[f"List {n}"].iter_rows(values_only=True))
        assert list(rows[0]) == [h.heading() for h in BY_NUMBER[n].headings], n
        assert len(rows) == 1 + rows_wanted, n
        for i, h in enumerate(BY_NUMBER[n].headings):
            allowed = codes.get(h.code_list())
            if allowed is None or h in CHILD[3:]:
                continue
            values = {r[i] for r in rows[1:] if r[i] is not None}
            assert values, (n, h.heading())  # every coded column is filled here
            allowed = {norm(label) for label in allowed}
            assert not {v for v in values if norm(v) not in allowed}, (n, h.heading(), values)


def test_list10_a_decision_in_two_years_files_reversed_in_the_second_is_one_reversed_decision(tmp_path):
    """The 903 holds a decision in the year it was made and again in the year it was reversed;
    the first year's copy has no reversal date. It is one decision, reversed: not in force."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "pfa_2024-25.csv", [decision("R", "2025-01-10")], PFA_HEADINGS)
    run = annex(folder, [kid("R")], pfa=[decision("R", "2025-01-10", "2025-06-01", "RD1")])
    f = listed(run, 10)
    assert f["Child Unique ID"].tolist() == ["R"]
    assert by_child(f, REVERSED) == {"R": D("2025-06-01")}
    assert by_child(f, RD_REASON)["R"].startswith("RD1")
    # Reversed before the 12 months: off the list, not "in force" through the older copy.
    folder2 = tmp_path / "in2"
    folder2.mkdir()
    write_csv(folder2 / "pfa_2023-24.csv", [decision("R", "2024-01-10")], PFA_HEADINGS)
    run = annex(folder2, [kid("R")], pfa=[decision("R", "2024-01-10", "2025-02-01", "RD3")])
    assert listed(run, 10).empty


# --- mutation-testing pins (issue 12): List 11's status and order -----------------------------------

def test_list11_a_leaving_reason_with_no_date_counts_as_left_and_is_shown(tmp_path):
    old = "2023-01-01"
    rows = [adopter("REASON_ONLY_OLD", applied=old, left_reason="1"),     # left, no step: off
            adopter("HOLD_NO_DATE", left_reason="2"),                     # left on hold: off
            adopter("REFUSED_NO_DATE", left_reason="3"),                  # applied in the 12 months: on
            adopter("STILL_IN", applied=old)]                             # mid-process: on
    run = annex(tmp_path, adopters=rows)
    f = listed(run, 11)
    assert sorted(f["Individual adopter identifier"]) == ["REFUSED_NO_DATE", "STILL_IN"]
    reasons = by_child(f, "Reason for leaving adoption process", "Individual adopter identifier")
    assert reasons["REFUSED_NO_DATE"] == "3 - Application refused" and pd.isna(reasons["STILL_IN"])


def test_list11_leaving_or_an_adoption_order_after_the_as_of_date_is_still_mid_process(tmp_path):
    old = "2023-01-01"
    rows = [adopter("HOLD_LATER", applied=old, left_date="2026-03-02", left_reason="2"),  # not left yet: on
            adopter("ORDER_LATER", applied=old, adoption_order_date="2026-03-02"),        # not adopted yet: on
            adopter("ORDER_IN_12M", applied=old, adoption_order_date="2025-03-01"),      # a step in the 12 months: on
            adopter("ORDER_BEFORE", applied=old, adoption_order_date="2025-02-28")]      # neither: off
    run = annex(tmp_path, adopters=rows)
    f = listed(run, 11)
    assert sorted(f["Individual adopter identifier"]) == ["HOLD_LATER", "ORDER_IN_12M", "ORDER_LATER"]
    row = f.set_index("Individual adopter identifier").loc["HOLD_LATER"]
    assert pd.isna(row["Date of leaving adoption process"]) and pd.isna(row["Reason for leaving adoption process"])
    s = list11_adopters.status(run.context, run.context.ds.tables["adopters"]).set_index(
        run.context.ds.tables["adopters"]["adopter_id"])
    assert s.loc["HOLD_LATER", ["left", "on_hold", "mid_process"]].tolist() == [False, False, True]
    assert s.loc["ORDER_IN_12M", ["mid_process", "step"]].tolist() == [False, True]


def test_list11_an_application_or_stage1_start_on_or_before_the_as_of_date_is_applied(tmp_path):
    rows = [adopter("APP_ONLY", applied="", application_date="2023-01-01"),            # mid-process: on
            adopter("STAGE1_LATER_APP_BEFORE", applied="2026-03-02", application_date="2023-01-01"),
            adopter("BOTH_LATER", applied="2026-03-02", application_date="2026-03-02"),  # not applied: off
            adopter("ENQUIRY_ONLY", applied="", enquiry_date="2025-06-01")]
    run = annex(tmp_path, adopters=rows)
    assert sorted(listed(run, 11)["Individual adopter identifier"]) == ["APP_ONLY", "STAGE1_LATER_APP_BEFORE"]


def test_list11_rows_sort_by_the_earlier_of_stage1_start_and_application(tmp_path):
    rows = [adopter("B", applied="2025-01-01"),
            adopter("A_LATE_STAGE1", applied="2025-06-01", application_date="2024-01-01"),
            adopter("C", applied="", application_date="2025-02-01")]
    run = annex(tmp_path, adopters=rows)
    assert listed(run, 11)["Individual adopter identifier"].tolist() == ["A_LATE_STAGE1", "B", "C"]
    assert result(run, 11).key_dates.tolist() == [D("2024-01-01"), D("2025-01-01"), D("2025-02-01")]


def test_list11_disability_and_ffa_blank_when_not_recorded(tmp_path):
    run = annex(tmp_path, adopters=[adopter("A1", disability="", fostering_for_adoption="")])
    row = listed(run, 11).iloc[0]
    assert pd.isna(row["Disability"]) and pd.isna(row["Is the (prospective) adopter fostering for adoption?"])


# --- mutation-testing pins (issue 12): List 9's UASC without an export, and its order --------------

def test_list9_without_a_uasc_export_every_young_person_is_not_uasc(tmp_path):
    run = annex(tmp_path, [kid("C1"), kid("C2")], care_leavers=[leaver("C1"), leaver("C2")])
    assert by_child(listed(run, 9), list9_care_leavers.UASC) == {"C1": "b) No", "C2": "b) No"}


def test_list9_rows_sort_by_the_involvements_start_not_the_latest_contact(tmp_path):
    rows = [leaver("LATE_START", start="2025-06-01", latest_contact_date="2025-02-01"),
            leaver("EARLY_START", start="2025-01-01", latest_contact_date="2025-12-01"),
            leaver("NO_START", start="", latest_contact_date="2024-01-01")]   # a blank start sorts last
    run = annex(tmp_path, [kid(r["child_id"]) for r in rows], care_leavers=rows)
    assert listed(run, 9)["Child Unique ID"].tolist() == ["EARLY_START", "LATE_START", "NO_START"]
    keys = result(run, 9).key_dates
    assert keys.iloc[:2].tolist() == [D("2025-01-01"), D("2025-06-01")] and pd.isna(keys.iloc[2])


def test_list11_an_adoption_order_on_the_as_of_date_ends_the_process_that_day(tmp_path):
    run = annex(tmp_path, adopters=[adopter("ORDER_AS_OF", applied="2023-01-01", adoption_order_date=AS_OF),
                                    adopter("ORDER_LATER", applied="2023-01-01", adoption_order_date="2026-03-02")])
    assert list11_adopters.explain(run.context, "ORDER_AS_OF") == Verdict(True, [
        "adopter applied, and has a step in the 12 months", "on the list (an adopter)"])
    assert list11_adopters.explain(run.context, "ORDER_LATER") == Verdict(True, [
        "adopter applied, and is mid-process at the as-of date", "on the list (an adopter)"])
    assert by_child(listed(run, 11), "Date of Adoption Order", "Individual adopter identifier")["ORDER_AS_OF"] == D(AS_OF)


def test_list11_a_gender_or_ethnicity_only_the_config_maps_is_read_through_the_config(tmp_path):
    config = Config(values={"gender": {"Local G9": "9"}, "ethnicity": {"Local E77": "WBRI"}})
    rows = [adopter("A1", gender="Local G9", ethnicity="Local E77")]
    assert listed(annex(tmp_path / "with", adopters=rows, config=config), 11).iloc[0][["Gender", "Ethnicity"]] \
        .tolist() == ["c) Neither", "a) WBRI"]
    plain = annex(tmp_path / "without", adopters=rows)   # no mapping: written as it came, and reported
    assert listed(plain, 11).iloc[0][["Gender", "Ethnicity"]].tolist() == ["Local G9", "Local E77"]
    assert len(found(plain, quality.UNMAPPED_CODE, "gender")) == 1
