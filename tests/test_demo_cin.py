"""`demo-data --format cin-xml`: the same synthetic LA as a CIN census XML (annex-a-full §4.2)
plus CSVs of what the census does not hold. Counted here with ElementTree, not the tool's reader."""

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import csv_rows, demo_through_cli
from ofsted_lists import demo

UNTIL = dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Path, Path]:
    """The same seed as CMS CSVs and as CIN census XML, through the real command line."""
    return tuple(demo_through_cli(tmp_path_factory, UNTIL, "csv", "cin-xml"))


def test_cin_xml_holds_the_census_records_of_the_csv_set_and_csvs_of_the_rest(both):
    cms, cin = both
    assert sorted(p.name for p in cin.iterdir()) == ["cin_census.xml", "contacts.csv", "early_help.csv",
                                                     "orders.csv", "strategy_discussions.csv", "visits.csv"]
    root = ET.parse(cin / "cin_census.xml").getroot()
    assert root.tag == "Message" and root.findtext("Header/CollectionDetails/Collection") == "CIN"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == UNTIL.isoformat()
    children = root.findall("Children/Child")
    assert [c.findtext("ChildIdentifiers/LAchildID") for c in children] == \
        [r["child_id"] for r in csv_rows(cms / "children.csv")]
    count = {tag: len(root.findall(f".//CINdetails/{tag}")) for tag in
             ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans")}
    assert len(root.findall(".//CINdetails")) == len(csv_rows(cms / "referrals.csv"))
    assert count["Assessments"] == len(csv_rows(cms / "assessments.csv"))
    assert count["CINPlanDates"] == len(csv_rows(cms / "cin_plans.csv"))
    # The LA's own plans: another LA's are not the census's.
    assert count["ChildProtectionPlans"] == sum(1 for r in csv_rows(cms / "cp_plans.csv") if r["ola"] != "Y")
    s47 = csv_rows(cms / "s47.csv")
    assert count["Section47"] == sum(1 for r in s47 if r["s47_start_date"])
    strategy_only = csv_rows(cin / "strategy_discussions.csv")
    assert [r["s47_id"] for r in strategy_only] == [r["s47_id"] for r in s47 if not r["s47_start_date"]]
    for name in ("contacts", "visits", "orders"):
        assert (cin / f"{name}.csv").read_bytes() == (cms / f"{name}.csv").read_bytes()


def test_each_record_sits_in_its_own_childs_episode_of_need(both):
    cms, cin = both
    root = ET.parse(cin / "cin_census.xml").getroot()
    starts = {}
    for child in root.findall("Children/Child"):
        for details in child.findall("CINdetails"):
            referral = details.findtext("CINreferralDate")
            for s47 in details.findall("Section47"):
                starts[(child.findtext("ChildIdentifiers/LAchildID"), s47.findtext("S47ActualStartDate"))] = referral
    expected = {(r["child_id"], r["s47_start_date"]) for r in csv_rows(cms / "s47.csv") if r["s47_start_date"]}
    assert set(starts) == expected
    referrals = {}
    for r in csv_rows(cms / "referrals.csv"):
        referrals.setdefault(r["child_id"], []).append(r["referral_date"])
    for (child, start), referral in starts.items():  # the latest referral on or before the enquiry
        before = [d for d in referrals[child] if d <= start]
        assert referral == (max(before) if before else min(referrals[child]))


def test_disabilities_are_the_childs_codes_undated_and_yes_no_are_0_or_1(both):
    cms, cin = both
    root = ET.parse(cin / "cin_census.xml").getroot()
    codes = {c.findtext("ChildIdentifiers/LAchildID"): {d.text for d in c.findall("ChildCharacteristics/Disabilities/Disability")}
             for c in root.findall("Children/Child")}
    expected = {r["child_id"]: {c for c in r["disability"].split(",") if c} for r in csv_rows(cms / "children.csv")}
    for r in csv_rows(cms / "disabilities.csv"):
        expected[r["child_id"]].add(r["disability_code"])
    assert codes == expected
    flags = {e.text for tag in ("ReferralNFA", "ICPCnotRequired") for e in root.iter(tag)}
    assert flags == {"0", "1"}


@pytest.mark.parametrize(("until", "element", "values"), [
    (dt.date(2024, 3, 31), "GenderCurrent", {"1", "2", "0", "9"}),
    (dt.date(2024, 4, 1), "Sex", {"M", "F", "U"}),
])
def test_gender_is_gendercurrent_until_2023_24_and_sex_after(tmp_path, until, element, values):
    demo.generate(tmp_path, seed=1, children=300, until=until, fmt="cin-xml")
    root = ET.parse(tmp_path / "cin_census.xml").getroot()
    found = {e.text for e in root.iter(element)}
    assert found and found <= values
    assert not list(root.iter("Sex" if element == "GenderCurrent" else "GenderCurrent"))


def test_cin_xml_replaces_a_csv_set_and_a_csv_set_replaces_it(tmp_path):
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL)
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL, fmt="cin-xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cin_census.xml", "contacts.csv", "early_help.csv",
                                                          "orders.csv", "strategy_discussions.csv", "visits.csv"]
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in demo.TABLE_ORDER)
