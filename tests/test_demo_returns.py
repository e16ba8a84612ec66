"""`demo-data --with-returns`: the synthetic LA's SSDA903 files (several collection years, in
the return's form) and the local tables of Annex A Lists 8–11, consistent with the rest of
its chronology, and without the option every file as before."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import run_lists
from ofsted_lists import care_history, demo, quality
from ofsted_lists.cli import app
from ofsted_lists.readers import ssda903

UNTIL = dt.date(2026, 11, 25)
AS_OF = UNTIL.isoformat()
CARE_KINDS = {quality.EPISODE_NOT_ENDED, quality.OVERLAPPING_EPISODES, quality.X1_NOT_CONTINUED,
              quality.PERIOD_NOT_STARTED_S, quality.PERIOD_BEFORE_FILES, quality.END_BEFORE_START}
SEEDS = (1, 2, 3)


def generate(folder: Path, seed: int = 1, children: int = 400, **kw) -> Path:
    demo.generate(folder, seed=seed, children=children, until=UNTIL, with_returns=True, **kw)
    return folder


@pytest.fixture(scope="module")
def las(tmp_path_factory) -> dict[int, Path]:
    """Three small LAs (400 children each), so that each kind of history occurs somewhere."""
    return {s: generate(tmp_path_factory.mktemp(f"la{s}"), s) for s in SEEDS}


@pytest.fixture(scope="module")
def runs(las):
    return {s: run_lists(folder, AS_OF) for s, folder in las.items()}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def files(folder: Path, table: str) -> list[Path]:
    return sorted(folder.glob(f"ssda903_*_{table}.csv"))


def test_the_903_files_are_the_return_s_tables_for_several_years_dated_dd_mm_yyyy(las):
    folder = las[1]
    years = sorted({p.name.split("_")[1] for p in folder.glob("ssda903_*.csv")})
    assert years == ["2023-24", "2024-25", "2025-26", "2026-27"]  # from the earliest care to the in-year file
    for path in folder.glob("ssda903_*.csv"):
        header = next(csv.reader(open(path, encoding="utf-8")))
        assert ssda903.table_for(header) == path.stem.split("_", 2)[2], path.name
    dates = [r[c] for p in files(folder, "episodes") for r in rows(p) for c in ("DECOM", "DEC") if r[c]]
    assert dates and all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates)
    sex = {p.name.split("_")[1]: {r["SEX"] for r in rows(p)} for p in files(folder, "header")}
    assert sex["2023-24"] <= {"1", "2"} and sex["2023-24"]
    assert all(sex[y] <= {"M", "F", "U"} and sex[y] for y in ("2024-25", "2025-26", "2026-27"))
    # The tool reads them as its 903 tables, by their columns.
    run = run_lists(folder, AS_OF)
    for table in ("header", "episodes", "reviews", "missing", "uasc"):
        assert len(run.dataset.tables[table]), table


def test_an_episode_open_at_31_march_is_in_that_year_s_file_and_again_in_the_next(las):
    for folder in las.values():
        by_year = [(p, {(r["CHILD"], r["DECOM"]): r for r in rows(p)}) for p in files(folder, "episodes")]
        carried = 0
        for (_, this), (_, later) in zip(by_year, by_year[1:]):
            for key, r in this.items():
                if not r["DEC"]:
                    assert key in later  # the same episode, with its end if it has one by then
                    assert later[key]["LS"] == r["LS"] and later[key]["PLACE"] == r["PLACE"]
                    carried += 1
        assert carried


def test_periods_chain_without_a_finding_and_follow_a_referral(runs):
    for run in runs.values():
        found = {k for k in run.findings.table()["Kind"]}
        assert not found & CARE_KINDS
        ep = run.dataset.tables["episodes"]
        p = care_history.periods(ep)
        assert not p[care_history.START_UNKNOWN].any()
        # Every episode of a period after its first continues it on the day the last one ended X1.
        first = ep.iloc[p["first"]]
        assert (first["rne"] == "S").all()
        refs = run.dataset.tables["referrals"].groupby("child_id")["referral_date"].min()
        entered = p.groupby("child_id")["start"].min()
        assert (refs.reindex(entered.index) <= entered).all()  # a referral first (the same day at the latest)
        assert (p["end"].isna() | (p["end"] <= pd.Timestamp(UNTIL))).all()


def test_an_adopted_child_s_period_ends_e11_or_e12_after_a_placement_order_and_an_a_placement(runs):
    adopted = 0
    for run in runs.values():
        ep = run.dataset.tables["episodes"]
        ep = ep.assign(period=care_history.period_of(ep))
        p = care_history.periods(ep)
        for i in p.index[p["rec"].isin(["E11", "E12"])]:
            eps = ep[ep["period"] == i]
            e1 = eps.index[eps["ls"] == "E1"]
            a = eps.index[eps["place"].isin(["A3", "A4", "A5", "A6"])]
            assert len(e1) and len(a) and e1[0] <= a[0], eps[["decom", "rne", "ls", "place"]]
            adopted += 1
        pfa = run.dataset.tables["placed_for_adoption"]
        po = ep[ep["ls"] == "E1"].groupby("child_id")["decom"].min()
        decided = pfa.groupby("child_id")["date_placed"].min()
        assert (decided.reindex(po.index) < po).all()  # the should-be-placed decision comes first
    assert adopted


def test_list_10_and_11_inputs_at_the_as_of_date(runs):
    """Adoption orders, decisions reversed and in force in the 12 months occur; adopters are
    one row each, couples two sharing a family id that placed_for_adoption names."""
    w12 = pd.Timestamp(UNTIL) - pd.DateOffset(months=12)
    seen = set()
    for run in runs.values():
        t = run.dataset.tables
        if "placed_for_adoption" not in t:  # no decision in any year's file of this LA
            continue
        pfa = t["placed_for_adoption"]
        adopted = t["ad1"]["child_id"] if "ad1" in t else []
        if (pfa["date_placed_ceased"] >= w12).any():
            seen.add("reversed")
        if (pfa["date_placed_ceased"].isna() & ~pfa["child_id"].isin(adopted)).any():
            seen.add("in force")
        assert pfa["reason_placed_ceased"].dropna().isin(["RD1", "RD2", "RD3", "RD4"]).all()
        assert (pfa["reason_placed_ceased"].isna() == pfa["date_placed_ceased"].isna()).all()
        if "ad1" in t:  # no ad1 file in a year with no adoption
            assert (t["ad1"]["date_int"] < t["ad1"]["date_match"]).all()
        periods = care_history.periods(t["episodes"])
        if ((periods["end"] >= w12) & periods["rec"].isin(["E11", "E12"])).any():
            seen.add("adopted")
        adopters = t["adopters"]
        size = adopters.groupby("family_id").size()
        assert set(size) == {1, 2}
        linked = set(pfa["family_id"].dropna())
        assert linked <= set(adopters["family_id"])
        assert adopters.loc[adopters["family_id"].isin(linked), "left_date"].isna().all()  # matched: not left
        left = adopters["left_date"].notna()
        assert (left == adopters["left_reason"].notna()).all()
        mid = adopters["stage1_start"].notna() & ~left & adopters["adoption_order_date"].isna()
        assert mid.any()  # applied and still in the process
        assert adopters.loc[adopters["stage1_start"].isna(), "enquiry_date"].notna().all()  # enquiries only
        assert (adopters["left_reason"] == "2 - Process put on hold").any() or len(size) < 6
    assert seen == {"reversed", "in force", "adopted"}


def test_local_tables_follow_the_children_in_care(runs):
    for run in runs.values():
        t = run.dataset.tables
        in_care = set(t["episodes"]["child_id"])
        assert set(t["health_checks"]["child_id"]) <= in_care
        assert set(t["permanence_plans"]["child_id"]) <= in_care
        leavers = t["care_leavers"]
        assert set(leavers["child_id"]) <= in_care and leavers["end_date"].isna().any()
        visits = t["visits"]
        assert set(visits.loc[visits["visit_type"].isin(["cla", "iro"]), "child_id"]) <= in_care
        assert {"cla", "iro", "cp", "cin"} <= set(visits["visit_type"])
    # Short-break children (V3/V4 only) and care leavers of 18 or more are in some LA.
    ep = pd.concat(r.dataset.tables["episodes"] for r in runs.values())
    only_breaks = ep.groupby("child_id")["ls"].agg(lambda s: set(s) <= {"V3", "V4"})
    assert only_breaks.any() and not only_breaks.all()


def test_same_seed_same_bytes_and_without_returns_the_other_files_unchanged(tmp_path):
    a = generate(tmp_path / "a", 5, 250)
    b = generate(tmp_path / "b", 5, 250)
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    assert all((a / p.name).read_bytes() == p.read_bytes() for p in b.iterdir())
    plain = tmp_path / "plain"
    demo.generate(plain, seed=5, children=250, until=UNTIL)
    assert sorted(p.name for p in plain.iterdir()) == [f"{t}.csv" for t in sorted(demo.TABLE_ORDER)]
    for p in plain.iterdir():
        if p.stem in ("children", "referrals"):  # the care leavers of 18-20 are added at the end
            assert (a / p.name).read_bytes().startswith(p.read_bytes())
        elif p.stem == "visits":  # CLA and IRO visits join the CP and CIN ones
            old = p.read_text().splitlines()
            new = (a / p.name).read_text().splitlines()
            assert [r for r in new if ",cla," not in r and ",iro," not in r] == old
        else:
            assert (a / p.name).read_bytes() == p.read_bytes(), p.name


def test_xlsx_and_ssd_formats_keep_the_903_as_csv(tmp_path):
    x = generate(tmp_path / "x", 1, 200, fmt="xlsx")
    assert {p.name for p in x.glob("*.csv")} == {p.name for p in x.glob("ssda903_*.csv")} != set()
    assert {f"{t}.xlsx" for t in demo._LOCAL_TABLES} <= {p.name for p in x.iterdir()}
    s = generate(tmp_path / "s", 1, 200, fmt="ssd")
    assert (s / "ssd_cla_visits.csv").is_file() and (s / "care_leavers.csv").is_file()
    assert set(pd.read_csv(s / "visits.csv")["visit_type"]) == {"iro"}
    # Without the option the SSD set has no CLA visits, as before.
    plain = tmp_path / "p"
    demo.generate(plain, seed=1, children=200, until=UNTIL, fmt="ssd")
    assert not (plain / "ssd_cla_visits.csv").exists() and not (plain / "visits.csv").exists()


def test_cli_demo_data_with_returns_then_validate_annex_a_reports_no_error(tmp_path):
    runner = CliRunner()
    out = tmp_path / "la"
    res = runner.invoke(app, ["demo-data", "--out", str(out), "--children", "300", "--until", AS_OF,
                              "--with-returns", "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert files(out, "episodes") and (out / "adopters.csv").is_file()
    res = runner.invoke(app, ["validate", "--input", str(out), "--as-of", AS_OF, "--profile", "annex-a", "-q"],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
