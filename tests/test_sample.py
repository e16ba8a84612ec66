"""The inspection case sample (SPEC §6): reproducible, order-invariant, distinct children first."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import tomllib
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import exports, run_lists, write_csv
from ofsted_lists import config as config_mod
from ofsted_lists import sample
from ofsted_lists.lists import SPECS, ListResult
from ofsted_lists.workbook import write_xlsx

AS_OF = "2026-03-31"
ONLY = {c.key: 0 for c in sample.CATEGORIES}  # counts: nothing unless named


def only(**counts: int) -> dict[str, int]:
    return {**ONLY, **counts}


def kid(cid: str, disability: str = "LD") -> dict:
    return {"child_id": cid, "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": disability}


def day(i: int) -> str:
    return (dt.date(2025, 4, 1) + dt.timedelta(days=i % 360)).isoformat()


def la_tables(n: int = 60) -> dict[str, list[dict]]:
    """A small LA: n disabled children (C000…) and 10 not disabled (N000…), every list populated."""
    ids = [f"C{i:03d}" for i in range(n)]
    others = [f"N{i:03d}" for i in range(10)]
    outcomes = ["nfa", "other agency", "csc", "s47"]
    return {
        "children": [kid(c) for c in ids] + [kid(c, "NONE") for c in others],
        "contacts": [{"child_id": c, "contact_date": day(7 * i + k), "contact_source": "6",
                      "led_to_referral": "N" if k == 0 else "Y"}
                     for i, c in enumerate(ids + others) for k in (0, 1)],
        "referrals": [{"child_id": c, "referral_date": day(5 * i), "referral_nfa": "Y" if i % 2 else "N"}
                      for i, c in enumerate(ids)],
        "assessments": [{"child_id": c, "assessment_start_date": day(3 * i), "authorisation_date": day(3 * i + 20),
                         "assessment_outcome": outcomes[i % 4]} for i, c in enumerate(ids)],
        "s47": [{"child_id": c, "strategy_date": day(11 * i)} for i, c in enumerate(ids)],
        "cin_plans": [{"child_id": c, "cin_plan_start_date": day(i)} for i, c in enumerate(ids[:20])],
        "cp_plans": [{"child_id": c, "cpp_start_date": day(2 * i)} for i, c in enumerate(ids[20:30])],
        "early_help": [{"child_id": c, "eh_start_date": day(4 * i)} for i, c in enumerate(ids[30:])],
    }


@pytest.fixture(scope="module")
def la(tmp_path_factory):
    tables = la_tables()
    folder = exports(tmp_path_factory.mktemp("la"), **tables)
    return tables, run_lists(folder, AS_OF)


def same(a: sample.Sample, b: sample.Sample) -> None:
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.tally, b.tally)


# ---------------------------------------------------------------- reproducible, order-invariant


def test_same_seed_same_cases(la, tmp_path):
    tables, run = la
    first = sample.draw(run, 4242)
    same(first, sample.draw(run, 4242))
    same(first, sample.draw(run_lists(exports(tmp_path, **tables), AS_OF), 4242))
    assert len(first.cases) == 13 and first.cases["Case"].tolist() == list(range(1, 14))


def test_shuffled_rows_columns_and_split_files_give_the_same_cases(la, tmp_path):
    tables, run = la
    rng = random.Random(5)
    for name, rows in tables.items():
        rows = rows[:]
        rng.shuffle(rows)
        columns = list(rows[0])
        rng.shuffle(columns)
        if name == "contacts":  # one table exported in two files
            write_csv(tmp_path / "contacts_2.csv", rows[::2], columns)
            write_csv(tmp_path / "contacts_1.csv", rows[1::2], columns)
        else:
            write_csv(tmp_path / f"{name}.csv", rows, columns)
    moved = run_lists(tmp_path, AS_OF)
    for seed in (1, 77, 999999):
        same(sample.draw(run, seed), sample.draw(moved, seed))


def test_xlsx_input_gives_the_same_cases_as_csv(la, tmp_path):
    tables, run = la
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        columns = list(rows[0])
        ws.append(columns)
        for r in reversed(rows):  # real dates and numbers, as Excel exports hold them
            ws.append([dt.date.fromisoformat(v) if v and ("date" in k or k == "dob")
                       else int(v) if v.isdigit() else v or None for k, v in r.items()])
    wb.save(tmp_path / "exports.xlsx")
    same(sample.draw(run, 31), sample.draw(run_lists(tmp_path, AS_OF), 31))


def test_different_seeds_draw_differently_on_a_large_pool(la):
    _, run = la
    draws = {tuple(sample.draw(run, seed, only(contacts_no_referral=2)).cases["Child Unique ID"])
             for seed in range(1, 21)}
    assert sample.draw(run, 1).tally.loc["contacts_no_referral", "Eligible records"] == 60
    assert len(draws) >= 18  # 1770 possible pairs: a repeat is rare, never systematic


def test_score_is_the_documented_sha256():
    """The draw an LA can explain: lowest SHA-256 of seed, category and the row's values first."""
    frame = one_a([("C1", "2026-01-05"), ("C2", "2026-01-06")])
    texts = {c: f"{c}\x1fa) Male\x1fa) WBRI\x1f2015-06-01\x1f10\x1f{d}\x1fq) 6: Police\x1fNo referral\x1fLD"
             for c, d in (("C1", "2026-01-05"), ("C2", "2026-01-06"))}
    assert sample.canonical_text(frame).tolist() == list(texts.values())
    for seed in range(10):
        score = {c: hashlib.sha256(f"{seed}\x1fcontacts_no_referral\x1f{t}".encode()).hexdigest()
                 for c, t in texts.items()}
        got = sample.draw(fake_run({"1a": frame}), seed, only(contacts_no_referral=1)).cases
        assert got["Child Unique ID"].tolist() == [min(score, key=score.get)]


# ---------------------------------------------------------------- pools


def test_every_case_belongs_to_its_pool(la):
    _, run = la
    lists = {r.spec.sheet: r.frame for r in run.lists}
    rules = {
        "Contact that did not lead to a referral": ("Contact Outcome", {"No referral"}),
        "Referral with no further action": ("Referral NFA?", {"a) Yes"}),
        "Assessment ending in NFA or other-agency action": ("Assessment Outcome", {"No further action", "Other agencies or early help"}),
    }
    for seed in range(1, 6):
        cases = sample.draw(run, seed, {k: 5 for k in ONLY}).cases
        assert len(cases) == 35
        for case in cases.itertuples():
            frame = lists[case.List]
            key_date = frame[next(r.spec.key_date for r in run.lists if r.spec.sheet == case.List)]
            match = frame[(frame["Child Unique ID"] == case[4]) & (key_date == case[5])]
            assert len(match) == 1, case
            if case.Category in rules:
                column, allowed = rules[case.Category]
                assert match[column].iloc[0] in allowed
                assert f"{column}: {match[column].iloc[0]}" in case.Details
        assert not cases["Child Unique ID"].str.startswith("N").any()  # not disabled: never listed


def test_details_describe_the_record_without_the_child_columns(la):
    _, run = la
    cases = sample.draw(run, 3, only(referrals_nfa=1)).cases
    details = cases["Details"].iloc[0]
    assert details.startswith("Date of referral: ") and "Referral NFA?: a) Yes" in details
    assert not any(c in details for c in ("Gender", "Ethnicity", "Date of Birth", "Age of Child", "Allocated"))
    assert not details.endswith(";")


def test_distinct_children_across_the_whole_sample(la):
    _, run = la
    for seed in range(1, 11):
        cases = sample.draw(run, seed).cases
        assert cases["Child Unique ID"].is_unique
        assert (cases["Note"] == "").all()


def test_a_fresh_child_comes_before_another_record_of_a_sampled_child(tmp_path):
    contacts = [{"child_id": "A", "contact_date": day(i), "led_to_referral": "N"} for i in range(6)]
    contacts.append({"child_id": "B", "contact_date": day(40), "led_to_referral": "N"})
    run = run_lists(exports(tmp_path, children=[kid("A"), kid("B")], contacts=contacts), AS_OF)
    for seed in range(30):
        cases = sample.draw(run, seed, only(contacts_no_referral=2)).cases
        assert sorted(cases["Child Unique ID"]) == ["A", "B"], seed


def test_later_categories_avoid_children_already_sampled(tmp_path):
    folder = exports(
        tmp_path,
        children=[kid(c) for c in "ABCD"],
        early_help=[{"child_id": c, "eh_start_date": day(i)} for i, c in enumerate("ABC")],
        cin_plans=[{"child_id": c, "cin_plan_start_date": day(i)} for i, c in enumerate("AD")],
        cp_plans=[{"child_id": "B", "cpp_start_date": day(1)}],
    )
    run = run_lists(folder, AS_OF)
    for seed in range(20):
        s = sample.draw(run, seed)
        cases = s.cases.set_index("Category")
        assert sorted(cases.loc["Early help", "Child Unique ID"]) == ["A", "B", "C"]
        assert cases.loc["Child in need", "Child Unique ID"] == "D"
        # Only B is on a CP plan and B is already case 1–3: taken again, and said so.
        cp = cases.loc["Child protection"]
        first = s.cases.loc[s.cases["Child Unique ID"] == "B", "Case"].min()
        assert cp["Child Unique ID"] == "B"
        assert cp["Note"].startswith(f"same child as case {first}")


def test_repeat_within_a_category_when_only_one_child_is_eligible(tmp_path):
    contacts = [{"child_id": "A", "contact_date": day(i), "led_to_referral": "N"} for i in range(3)]
    run = run_lists(exports(tmp_path, children=[kid("A")], contacts=contacts), AS_OF)
    s = sample.draw(run, 9, only(contacts_no_referral=2))
    assert s.cases["Child Unique ID"].tolist() == ["A", "A"]
    assert s.cases["Key date"].is_unique  # two different contacts
    assert s.cases["Note"].tolist() == ["", "same child as case 1: no other eligible child was left for this category"]
    assert (s.drawn["contacts_no_referral"], s.shortfall["contacts_no_referral"]) == (2, 0)


# ---------------------------------------------------------------- shortfall and counts


def test_short_empty_and_missing_pools_report_the_shortfall(tmp_path):
    folder = exports(
        tmp_path,
        children=[kid("A"), kid("B")],
        contacts=[{"child_id": "A", "contact_date": day(1), "led_to_referral": "N"},
                  {"child_id": "A", "contact_date": day(1), "led_to_referral": "N"},  # the same contact twice
                  {"child_id": "B", "contact_date": day(2), "led_to_referral": "Y"}],
        referrals=[{"child_id": "B", "referral_date": day(2), "referral_nfa": "N"}],
    )  # no assessments, s47, plan or early help exports at all
    s = sample.draw(run_lists(folder, AS_OF), 5)
    t = s.tally
    assert t.loc["contacts_no_referral", ["Eligible records", "Wanted", "Drawn", "Shortfall"]].tolist() == [1, 2, 1, 1]
    assert t.loc["referrals_nfa", ["Eligible records", "Drawn", "Shortfall", "Note"]].tolist() == [
        0, 0, 2, "no eligible record"]
    assert t.loc["early_help", ["Drawn", "Shortfall", "Note"]].tolist() == [0, 3, "NOT PRODUCED: no early_help export"]
    assert t.loc["strategy_s47", "Note"] == "NOT PRODUCED: no s47 export"
    assert s.shortfall == {"early_help": 3, "child_in_need": 1, "child_protection": 1, "contacts_no_referral": 1,
                           "referrals_nfa": 2, "assessments_nfa": 2, "strategy_s47": 2}
    assert len(s.cases) == 1


def test_counts_come_from_the_config(la, tmp_path):
    _, run = la
    text = "[sample.counts]\nearly_help = 0\nchild_in_need = 4\ncontacts_no_referral = 10\n"
    cfg = config_mod.parse(tomllib.loads(text), tmp_path / "ofsted-lists.toml", text)
    s = sample.draw(run, 12, cfg.sample_counts)
    assert s.wanted == {"early_help": 0, "child_in_need": 4, "child_protection": 1, "contacts_no_referral": 10,
                        "referrals_nfa": 2, "assessments_nfa": 2, "strategy_s47": 2}
    assert s.drawn == s.wanted
    assert "Early help" not in set(s.cases["Category"])
    assert (s.cases["Category"] == "Contact that did not lead to a referral").sum() == 10
    assert len(sample.draw(run, 12, ONLY).cases) == 0


def test_defaults_follow_the_briefing_and_bad_counts_are_refused(la):
    _, run = la
    assert sample.draw(run, 1).wanted == {"early_help": 3, "child_in_need": 1, "child_protection": 1,
                                          "contacts_no_referral": 2, "referrals_nfa": 2, "assessments_nfa": 2,
                                          "strategy_s47": 2}
    with pytest.raises(ValueError, match="unknown"):
        sample.draw(run, 1, {"contacts": 2})
    with pytest.raises(ValueError, match="negative"):
        sample.draw(run, 1, {"contacts_no_referral": -1})


# ---------------------------------------------------------------- output


def test_workbook_summary_first_sample_sheet_dropdown_no_formulas(la, tmp_path):
    _, run = la
    s = sample.draw(run, 271828)
    dest = write_xlsx(sample.sample_report(s, run), tmp_path / sample.default_name(run.as_of, s.seed))
    assert dest.name == "ofsted-sample_2026-03-31_seed271828.xlsx"
    book = openpyxl.load_workbook(dest)
    assert book.sheetnames == ["Summary", "Sample"]
    ws = book["Sample"]
    header = [c.value for c in ws[1]]
    assert header == ["Case", "Stage", "Category", "Child Unique ID", "Key date", "List", "Details", "Tracked with",
                      "Date tracked", "Findings", "Child at immediate risk (Y/N)", "Action required", "Note"]
    [dv] = ws.data_validations.dataValidation
    assert (dv.type, dv.formula1, str(dv.sqref)) == ("list", '"Y,N"', "K2:K14")
    assert ws.max_row == 14 and all(ws.cell(r, 11).value is None for r in range(2, 15))
    assert ws["E2"].is_date and ws["A2"].value == 1
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True)}
    assert summary["Seed"] == 271828 and summary["As-of date"] == dt.datetime(2026, 3, 31)
    assert summary["Window"] == run.window.describe() and "SHA-256" in summary["How the draw is made"]
    assert summary["Early help"] == "Pre-selected"  # the pools table
    for sheet in book:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_terminal_rows_hide_the_child_unless_verbose(la):
    _, run = la
    s = sample.draw(run, 8)
    quiet, loud = sample.terminal_rows(s, False), sample.terminal_rows(s, True)
    assert len(quiet) == len(s.cases) == 13
    first = s.cases.iloc[0]
    assert quiet[0] == ("1", "Early help", first["Key date"].strftime("%d/%m/%Y"))
    assert loud[0] == ("1", "Early help", first["Child Unique ID"], first["Key date"].strftime("%d/%m/%Y"))
    assert not any(cid in row for row in quiet for cid in s.cases["Child Unique ID"])
    assert len(sample.terminal_columns(False)) == 3 and len(sample.terminal_columns(True)) == 4


def test_new_seed_is_in_range():
    seeds = {sample.new_seed() for _ in range(200)}
    assert all(1 <= s <= 999_999 for s in seeds) and len(seeds) > 150


# ---------------------------------------------------------------- properties on hand-built lists


def one_a(records: list[tuple[str, str]], outcomes: list[str] | None = None) -> pd.DataFrame:
    spec = next(s for s in SPECS if s.key == "1a")
    n = len(records)
    return pd.DataFrame({
        "Child Unique ID": pd.Series([c for c, _ in records], dtype="str"),
        "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": pd.Series([pd.Timestamp("2015-06-01")] * n, dtype="datetime64[ns]"),
        "Age of Child (Years)": pd.Series([10] * n, dtype="Int64"),
        "Date of Contact": pd.to_datetime(pd.Series([d for _, d in records], dtype="str")).astype("datetime64[ns]"),
        "Contact Source": "q) 6: Police",
        "Contact Outcome": pd.Series(outcomes or ["No referral"] * n, dtype="str"),
        "Disability Codes": "LD",
    })[spec.all_columns]


EMPTY = {spec.key: ListResult(spec, pd.DataFrame({c: pd.Series(dtype="str") for c in spec.all_columns}), 0,
                              pd.Series(dtype="datetime64[ns]")) for spec in SPECS}


def fake_run(frames: dict[str, pd.DataFrame]) -> SimpleNamespace:
    """A Run-shaped object holding only lists (all the draw reads); absent lists are empty."""
    results = [EMPTY[spec.key] for spec in SPECS]
    for i, spec in enumerate(SPECS):
        if spec.key in frames:
            frame = frames[spec.key].reset_index(drop=True)
            results[i] = ListResult(spec, frame, 0, frame[spec.key_date])
    return SimpleNamespace(lists=results)


records = st.lists(
    st.tuples(st.sampled_from("ABCDEF"), st.integers(0, 40), st.sampled_from(["No referral", "Referral"])),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=records, seed=st.integers(0, 10**6), want=st.integers(0, 8), perm_seed=st.integers(0, 2**32 - 1))
def test_property_order_invariant_distinct_first_and_complete(rows, seed, want, perm_seed):
    recs = [(c, day(d)) for c, d, _ in rows]
    frame = one_a(recs, [o for *_, o in rows])
    counts = only(contacts_no_referral=want)
    got = sample.draw(fake_run({"1a": frame}), seed, counts)
    perm = np.random.default_rng(perm_seed).permutation(len(frame))
    same(got, sample.draw(fake_run({"1a": frame.iloc[perm]}), seed, counts))

    pool = frame[frame["Contact Outcome"] == "No referral"].drop_duplicates()
    assert got.drawn["contacts_no_referral"] == min(want, len(pool))
    assert got.shortfall["contacts_no_referral"] == want - min(want, len(pool))
    cases = got.cases
    assert not cases.duplicated(["Child Unique ID", "Key date"]).any()  # never the same record twice
    repeats = cases["Note"] != ""
    # A child comes twice only once every child of the pool is in the sample.
    assert cases.loc[~repeats, "Child Unique ID"].is_unique
    if repeats.any():
        assert set(cases["Child Unique ID"]) == set(pool["Child Unique ID"])
        assert not repeats.iloc[: pool["Child Unique ID"].nunique()].any()


def test_an_s47_case_with_no_strategy_date_is_dated_by_its_enquiry_start(tmp_path):
    """Sheet 2's key date is the strategy discussion, else the enquiry start (its `_key`):
    the sample's Key date follows it, never a blank."""
    kid = {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}
    rows = [{"child_id": "C1", "strategy_date": "", "s47_start_date": "2026-02-10", "icpc_date": ""}]
    run = run_lists(exports(tmp_path, children=[kid], s47=rows), "2026-03-01")
    drawn = sample.draw(run, 7)
    case = drawn.cases[drawn.cases["List"] == "2 Strategy and S47"]
    assert case["Key date"].tolist() == [pd.Timestamp("2026-02-10")]
