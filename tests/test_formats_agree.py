"""The same synthetic LA read as CMS CSVs, as a CIN census XML and as SSD extracts gives
the same lists (issue 10): each national reader loses nothing its format carries. The CSV
set is first cut down to what the format can carry (README "Reading the national returns":
the census has no team, worker, record ids, assessment type, child-seen or outcome, s47
outcome, strategy date of its own, disability dates or another LA's CP plans; the SSD
lacks what `NOT_IN_SSD` lists, the strategy date of its own and disability dates); the XML and the extracts are
written from the uncut set by `demo-data --format cin-xml` and `--format ssd`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_lists
from ofsted_lists import demo, demo_cin

# What the SSD extracts cannot carry (README "SSD extracts"); the s47 outcome and strategy
# date, and the disability dates, are cut by `_ssd_only`.
NOT_IN_SSD = {
    "contacts": ["contact_outcome", "team", "worker"],
    "assessments": ["assessment_type"],
    "cp_plans": ["previous_cp_plans"],
    "early_help": ["eh_type"],
    "visits": ["statutory", "worker"],
}

NOT_IN_CENSUS = {
    "referrals": ["referral_id", "team", "worker"],
    "assessments": ["assessment_id", "assessment_type", "child_seen", "assessment_outcome", "team", "worker"],
    "cin_plans": ["team", "worker"],
    "cp_plans": ["team", "worker"],
}


def _load(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _ssd_only(folder: Path) -> None:
    """Rewrite a CMS CSV set in place as what SSD extracts of it would carry."""
    for name, columns in NOT_IN_SSD.items():
        frame = _load(folder, name)
        frame[columns] = ""
        frame.to_csv(folder / f"{name}.csv", index=False)
    s47 = _load(folder, "s47")
    enquiry = s47["s47_start_date"] != ""  # the SSD holds enquiries; strategy discussions alone stay CMS
    s47.loc[enquiry, "strategy_date"] = s47.loc[enquiry, "s47_start_date"]
    s47.loc[enquiry, "outcome"] = ""
    s47.to_csv(folder / "s47.csv", index=False)
    dis = _load(folder, "disabilities")
    dis[["start_date", "end_date"]] = ""
    dis.to_csv(folder / "disabilities.csv", index=False)


def _census_only(folder: Path, until: dt.date) -> None:
    """Rewrite a CMS CSV set in place as what a CIN census of it would carry."""
    def load(name):
        return _load(folder, name)

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
    cp = load("cp_plans")  # the census holds the LA's own plans only
    cp[cp["ola"] != "Y"].to_csv(folder / "cp_plans.csv", index=False)
    if until >= demo_cin._SEX_FROM:  # Sex has no "neither": 9 is written U
        kids = load("children")
        kids.loc[kids["gender"] == "9", "gender"] = "0"
        kids.to_csv(folder / "children.csv", index=False)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), until=st.sampled_from([dt.date(2024, 3, 31), dt.date(2026, 11, 25)]))
def test_cms_csvs_the_cin_census_xml_and_the_ssd_extracts_of_one_la_give_the_same_lists(tmp_path_factory, seed,
                                                                                       until):
    cms, cin, ssd = (tmp_path_factory.mktemp(n) for n in ("cms", "cin", "ssd"))
    for folder, fmt in ((cms, "csv"), (cin, "cin-xml"), (ssd, "ssd")):
        demo.generate(folder, seed=seed, children=150, until=until, fmt=fmt)
    cms_ssd = tmp_path_factory.mktemp("cms_ssd")
    shutil.copytree(cms, cms_ssd, dirs_exist_ok=True)
    _census_only(cms, until)
    _ssd_only(cms_ssd)
    for csvs, national in ((cms, cin), (cms_ssd, ssd)):
        a, b = run_lists(csvs, until.isoformat()), run_lists(national, until.isoformat())
        assert sum(len(r.frame) for r in a.lists) > 0
        national_format = "CIN census XML" if national == cin else "SSD extract"
        assert {f.format for f in b.read.files} == {"CMS export", national_format}
        for x, y in zip(a.lists, b.lists, strict=True):
            pd.testing.assert_frame_equal(x.frame.reset_index(drop=True), y.frame.reset_index(drop=True),
                                          check_dtype=False, obj=f"{national.name}: {x.spec.sheet}")
            assert x.unknown_children == y.unknown_children, x.spec.sheet
