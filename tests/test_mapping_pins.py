"""The config's value mappings for assessment and contact outcomes, and what an unknown
outcome is reported as (normalise): pinned through the pipeline on tiny exports."""

from __future__ import annotations

from conftest import exports, run_lists
from ofsted_lists import quality
from ofsted_lists.config import Config

AS_OF = "2026-03-31"
CHILD = {"child_id": "C1", "dob": "2015-06-01", "gender": "1", "ethnicity": "WBRI", "disability": "LD"}


def folder(tmp_path, **tables):
    return exports(tmp_path / "in", children=[CHILD], **tables)


def unmapped(run, column: str) -> list[str]:
    found = run.findings.table()
    return found.loc[(found["Kind"] == quality.UNMAPPED_CODE) & (found["Column"] == column), "Problem"].tolist()


def test_a_local_assessment_outcome_is_read_through_the_configs_mapping(tmp_path):
    data = folder(tmp_path, assessments=[{"child_id": "C1", "assessment_start_date": "2026-02-01",
                                          "authorisation_date": "2026-02-20", "assessment_outcome": "Outcome panel 3B"}])
    mapped = run_lists(data, AS_OF, config=Config(values={"assessment_outcome": {"Outcome panel 3B": "csc"}}))
    assert mapped.dataset.tables["assessments"]["assessment_outcome_code"].tolist() == ["csc"]
    assert unmapped(mapped, "assessment_outcome") == []
    plain = run_lists(data, AS_OF)
    assert plain.dataset.tables["assessments"]["assessment_outcome_code"].isna().all()
    assert unmapped(plain, "assessment_outcome") == [
        "value 'Outcome panel 3B' is not a known assessment outcome; read as unknown (map it under "
        "[values.assessment_outcome])"]


def test_a_local_contact_outcome_feeds_led_to_referral_and_an_unknown_one_is_reported_once(tmp_path):
    contacts = [{"child_id": "C1", "contact_date": f"2026-02-0{d}", "contact_source": "1A", "contact_outcome": o}
                for d, o in ((1, "Passed to MASH"), (2, "Advice given"), (3, "Advice given"))]
    run = run_lists(folder(tmp_path, contacts=contacts), AS_OF,
                    config=Config(values={"contact_outcome": {"Passed to MASH": "yes"}}))
    assert run.dataset.tables["contacts"]["led_to_referral"].astype(object).fillna("unknown").tolist() == [True, "unknown", "unknown"]
    assert unmapped(run, "contact_outcome") == [
        "value 'Advice given' is not a known contact outcome; map it under [values.contact_outcome]"]
