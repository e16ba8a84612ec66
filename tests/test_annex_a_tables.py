"""The tables the full Annex A profile reads (SPEC §3: visits, orders, care_leavers,
health_checks, permanence_plans, adopters) are read, typed and checked like any export,
and change nothing in the disabled-children lists."""

from __future__ import annotations

import pandas as pd

from conftest import exports, run_lists
from ofsted_lists import quality

AS_OF = "2026-03-31"
CHILD = {"child_id": "C1", "dob": "2015-06-01", "disability": "LD"}
PLAN = {"child_id": "C1", "cpp_start_date": "2026-01-10"}


def _folder(tmp_path, **extra):
    return exports(tmp_path, children=[CHILD], cp_plans=[PLAN], **extra)


def test_visits_and_orders_are_typed_and_a_bad_key_date_leaves_the_record_out(tmp_path):
    run = run_lists(_folder(tmp_path, visits=[
        {"Child Unique ID": "C1", "Date of Visit": "03/03/2026", "Visit Type": "cp", "Seen": "Y",
         "Seen Alone": "No", "Statutory": ""},
        {"Child Unique ID": "C1", "Date of Visit": "31/02/2026", "Visit Type": "cp"},
    ], orders=[{"child_id": "C1", "order_type": "EPO", "start_date": "2026-01-08", "end_date": "2026-01-09"}]),
        AS_OF)
    visits = run.dataset.tables["visits"]
    assert list(visits["visit_date"]) == [pd.Timestamp("2026-03-03")]
    assert visits["child_seen"].tolist() == [True] and visits["seen_alone"].tolist() == [False]
    assert visits["statutory"].isna().all()  # blank stays blank: the rule that reads it decides
    found = run.findings.table()
    assert found.loc[found["Kind"] == quality.UNPARSEABLE_DATE, "Column"].tolist() == ["visit_date"]
    orders = run.dataset.tables["orders"]
    assert orders["end_date"].tolist() == [pd.Timestamp("2026-01-09")]


def test_an_order_ending_before_it_starts_is_left_out(tmp_path):
    run = run_lists(_folder(tmp_path, orders=[
        {"child_id": "C1", "order_type": "EPO", "start_date": "2026-01-08", "end_date": "2026-01-07"}]), AS_OF)
    assert run.dataset.tables["orders"].empty
    assert quality.END_BEFORE_START in run.findings.table()["Kind"].tolist()


def test_adopters_are_records_of_adults_keyed_by_their_own_id(tmp_path):
    row = {"adopter_id": "A1", "family_id": "F1", "enquiry_date": "01/01/2026", "approval_date": "bad"}
    run = run_lists(_folder(tmp_path, adopters=[row, row, {**row, "adopter_id": "A2"}]), AS_OF)
    adopters = run.dataset.tables["adopters"]
    assert adopters["adopter_id"].tolist() == ["A1", "A2"]  # the copy is kept once
    assert adopters["approval_date"].isna().all()
    kinds = run.findings.table()["Kind"].tolist()
    assert kinds.count(quality.DUPLICATE) == 1 and quality.UNPARSEABLE_DATE in kinds
    assert "A1" not in set(run.dataset.children.index)  # an adopter is not a child


def test_care_leavers_health_checks_and_permanence_plans_need_no_dates_but_their_own(tmp_path):
    run = run_lists(_folder(tmp_path,
                            care_leavers=[{"child_id": "C1", "eligibility": "Relevant", "in_touch": "Yes"}],
                            health_checks=[{"child_id": "C1", "check_date": "2026-02-01", "check_type": "dental"}],
                            permanence_plans=[{"child_id": "C1", "plan": "P1"}]), AS_OF)
    for table in ("care_leavers", "health_checks", "permanence_plans"):
        assert len(run.dataset.tables[table]) == 1, table
    base = run_lists(exports(tmp_path / "base", children=[CHILD], cp_plans=[PLAN]), AS_OF)
    for a, b in zip(run.lists, base.lists, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
