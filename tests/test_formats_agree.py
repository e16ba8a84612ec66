"""The same synthetic LA read as CMS CSVs and as a CIN census XML gives the same lists
(issue 10): the census reader loses nothing the census carries. The CSV set is first cut
down to what the census can carry (README "Reading the national returns": no team, worker,
record ids, assessment type, child-seen or outcome, s47 outcome, strategy date of its own,
or disability dates); the XML is written from the uncut set by `demo-data --format cin-xml`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_lists
from ofsted_lists import demo, demo_cin

NOT_IN_CENSUS = {
    "referrals": ["referral_id", "team", "worker"],
    "assessments": ["assessment_id", "assessment_type", "child_seen", "assessment_outcome", "team", "worker"],
    "cin_plans": ["team", "worker"],
    "cp_plans": ["team", "worker"],
}


def _census_only(folder: Path, until: dt.date) -> None:
    """Rewrite a CMS CSV set in place as what a CIN census of it would carry."""
    def load(name):
        return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)

    for name, columns in NOT_IN_CENSUS.items():
        frame = load(name)
        frame[columns] = ""
        frame.to_csv(folder / f"{name}.csv", index=False)
    s47 = load("s47")
    enquiry = s47["s47_start_date"] != ""
    s47.loc[enquiry, "strategy_date"] = s47.loc[enquiry, "s47_start_date"]
    s47.loc[enquiry, ["s47_id", "outcome", "icpc_led_to_cpp", "team", "worker"]] = ""
    s47.to_csv(folder / "s47.csv", index=False)
    dis = load("disabilities")
    dis[["start_date", "end_date"]] = ""
    dis.to_csv(folder / "disabilities.csv", index=False)
    if until >= demo_cin._SEX_FROM:  # Sex has no "neither": 9 is written U
        kids = load("children")
        kids.loc[kids["gender"] == "9", "gender"] = "0"
        kids.to_csv(folder / "children.csv", index=False)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), until=st.sampled_from([dt.date(2024, 3, 31), dt.date(2026, 11, 25)]))
def test_cms_csvs_and_the_cin_census_xml_of_one_la_give_the_same_lists(tmp_path_factory, seed, until):
    cms, cin = tmp_path_factory.mktemp("cms"), tmp_path_factory.mktemp("cin")
    for folder, fmt in ((cms, "csv"), (cin, "cin-xml")):
        demo.generate(folder, seed=seed, children=150, until=until, fmt=fmt)
    _census_only(cms, until)
    a, b = run_lists(cms, until.isoformat()), run_lists(cin, until.isoformat())
    assert sum(len(r.frame) for r in a.lists) > 0
    for x, y in zip(a.lists, b.lists, strict=True):
        pd.testing.assert_frame_equal(x.frame.reset_index(drop=True), y.frame.reset_index(drop=True),
                                      check_dtype=False, obj=x.spec.sheet)
        assert x.unknown_children == y.unknown_children, x.spec.sheet
