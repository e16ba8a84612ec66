"""normalise's identifiers and dates at their edges (mutmut survivors of normalise.py),
pinned through the pipeline on tiny exports."""

from __future__ import annotations

import datetime as dt

from conftest import TODAY, exports, run_lists
from ofsted_lists import quality

CHILD = {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}


def found(run, kind: str) -> list[str]:
    table = run.findings.table()
    return table.loc[table["Kind"] == kind, "Problem"].tolist()


def test_identifiers_are_trimmed_and_a_zero_or_minus_one_child_id_leaves_the_row_out(tmp_path):
    contacts = [{"contact_id": cid, "child_id": child, "contact_date": "2026-03-01", "contact_source": "1A"}
                for cid, child in (("101.0", " C1 "), (" 102 ", "0"), ("103", "-1"))]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], contacts=contacts), "2026-03-31")
    kept = run.dataset.tables["contacts"]
    assert kept["child_id"].tolist() == ["C1"] and kept["contact_id"].tolist() == ["101"]
    assert found(run, quality.NOT_AN_ID) == ["'0' is not a child identifier; row left out",
                                             "'-1' is not a child identifier; row left out"]


def test_a_date_that_is_today_is_not_in_the_future_and_tomorrow_is(tmp_path):
    today, tomorrow = TODAY.isoformat(), (TODAY + dt.timedelta(days=1)).isoformat()
    contacts = [{"child_id": "C1", "contact_date": d, "contact_source": "1A"} for d in (today, tomorrow)]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], contacts=contacts), today, today=TODAY)
    assert run.dataset.tables["contacts"]["contact_date"].dt.date.tolist() == [TODAY]
    assert found(run, quality.FUTURE_DATE) == [
        f"date {TODAY + dt.timedelta(days=1):%d/%m/%Y} is after today — never listed"]


def test_an_unparseable_date_that_keys_no_record_reads_blank_and_says_so(tmp_path):
    assessments = [{"child_id": "C1", "assessment_start_date": "2026-02-01", "authorisation_date": "31/31/2026"}]
    run = run_lists(exports(tmp_path / "in", children=[CHILD], assessments=assessments), "2026-03-31")
    assert run.dataset.tables["assessments"]["authorisation_date"].isna().tolist() == [True]
    assert found(run, quality.UNPARSEABLE_DATE) == ["unparseable date '31/31/2026' — read as blank"]
