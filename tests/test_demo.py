import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ofsted_lists import demo
from ofsted_lists.errors import UsageError
from ofsted_lists.schema import AS_GIVEN, TABLES

UNTIL = dt.date(2026, 3, 31)
CIN_CODES = set(demo.DISABILITY_CODES)
DATE_COLUMNS = {
    name: [c.name for c in table.columns if c.kind in ("event_date", "end_date", "expected_dob")]
    for name, table in TABLES.items()
}


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in demo.TABLE_ORDER:
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for col in DATE_COLUMNS[name]:
            frame[col] = pd.to_datetime(frame[col].replace("", None), format="%Y-%m-%d")
        frames[name] = frame
    return frames


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _disabled(frames: dict[str, pd.DataFrame], as_of: dt.date) -> set[str]:
    """SPEC §3.1: a current real code in children.disability or the disabilities table."""
    kids = frames["children"]
    codes = kids.assign(code=kids["disability"].str.split(",")).explode("code")
    from_children = set(codes.loc[codes["code"].isin(CIN_CODES), "child_id"])
    dis = frames["disabilities"]
    ts = pd.Timestamp(as_of)
    current = (dis["start_date"].isna() | (dis["start_date"] <= ts)) & (dis["end_date"].isna() | (dis["end_date"] > ts))
    return from_children | set(dis.loc[current & dis["disability_code"].isin(CIN_CODES), "child_id"])


@pytest.fixture(scope="module")
def default_set(tmp_path_factory) -> tuple[dict[str, int], dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("demo")
    counts = demo.generate(out, seed=1, until=UNTIL)
    return counts, _read(out)


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("small")
    demo.generate(out, seed=7, children=300, until=UNTIL)
    return out, _read(out)


# --- determinism ------------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_different(tmp_path, small_set):
    small, _ = small_set
    again, other = tmp_path / "again", tmp_path / "other"
    demo.generate(again, seed=7, children=300, until=UNTIL)
    demo.generate(other, seed=8, children=300, until=UNTIL)
    assert _digest(again) == _digest(small)
    differ = {k for k, v in _digest(other).items() if v != _digest(small)[k]}
    assert differ == {f"{name}.csv" for name in demo.TABLE_ORDER}


def test_xlsx_same_seed_same_bytes(tmp_path):
    for folder in ("a", "b"):
        demo.generate(tmp_path / folder, seed=3, children=40, until=UNTIL, fmt="xlsx")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


# --- layout -----------------------------------------------------------------------

def demo_columns(name: str) -> list[str]:
    """The table's canonical columns in schema order, less the values only an Annex A gives."""
    return [c for c in TABLES[name].column_names if c not in AS_GIVEN.get(name, ())]



def test_one_csv_per_table_with_canonical_headers_in_schema_order(small_set):
    folder, _ = small_set
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in demo.TABLE_ORDER)
    for name in demo.TABLE_ORDER:
        with open(folder / f"{name}.csv", encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n").split(",") == demo_columns(name)


def test_returned_counts_match_rows_written(default_set):
    counts, frames = default_set
    assert counts == {name: len(frames[name]) for name in demo.TABLE_ORDER}
    assert all(counts[name] > 0 for name in demo.TABLE_ORDER)


def test_csv_quotes_only_values_that_need_it(small_set):
    folder, frames = small_set
    text = (folder / "children.csv").read_text(encoding="utf-8")
    pair = frames["children"]["disability"].str.contains(",")
    assert pair.any()
    assert text.count('"') == 2 * pair.sum()
    assert '"' not in (folder / "early_help.csv").read_text(encoding="utf-8")  # St Mary's needs none


def test_ids_are_text_with_leading_zeros(small_set):
    _, frames = small_set
    assert frames["children"]["child_id"].str.fullmatch(r"C\d{7}").all()
    assert frames["contacts"]["contact_id"].is_unique
    assert set(frames["contacts"]["child_id"]) <= set(frames["children"]["child_id"])


def test_rerun_in_other_format_replaces_the_previous_set(tmp_path):
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL)
    (tmp_path / "contacts_2.xlsx").write_bytes(b"stale part")
    (tmp_path / "notes.txt").write_text("kept")
    demo.generate(tmp_path, seed=1, children=30, until=UNTIL, fmt="xlsx")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([f"{t}.xlsx" for t in demo.TABLE_ORDER] + ["notes.txt"])


# --- sizes ------------------------------------------------------------------------


def test_contacts_count_is_as_requested_and_children_scale(tmp_path):
    counts = demo.generate(tmp_path, seed=2, children=10, contacts=1200, until=UNTIL)
    assert counts["contacts"] == 1200
    assert counts["children"] == 200  # max(children, contacts // 6)


def test_about_six_contacts_per_child_by_default(default_set):
    counts, _ = default_set
    assert counts["contacts"] == 6 * counts["children"] == 12_000


def test_fewer_contacts_than_children(tmp_path):
    counts = demo.generate(tmp_path, seed=2, children=100, contacts=30, until=UNTIL)
    assert counts["contacts"] == 30 and counts["children"] == 100


@pytest.mark.parametrize(
    "kwargs",
    [{"fmt": "json"}, {"children": 0}, {"contacts": -1}, {"years": 0}, {"seed": -1}],
)
def test_bad_arguments_are_usage_errors(tmp_path, kwargs):
    with pytest.raises(UsageError):
        demo.generate(tmp_path, **kwargs)


# --- chronology -------------------------------------------------------------------


def _check_chronology(frames: dict[str, pd.DataFrame], until: dt.date) -> None:
    end = pd.Timestamp(until)
    for name, frame in frames.items():
        for col in DATE_COLUMNS[name]:
            if col != "expected_dob":
                assert not (frame[col] > end).any(), (name, col)
        period = TABLES[name].period
        if period:
            both = frame[period[1]].notna()
            assert (frame.loc[both, period[1]] >= frame.loc[both, period[0]]).all(), name
    kids = frames["children"]
    unborn = kids["expected_dob"] > end
    assert kids.loc[unborn, "dob"].isna().all()
    assert (kids["dob"].notna() ^ kids["expected_dob"].notna()).all()
    dob = kids["dob"].dropna()
    assert ((dob <= end) & (dob > end - pd.DateOffset(years=18))).all()  # ages 0–17

    contacts, referrals = frames["contacts"], frames["referrals"]
    # every referral follows one of the child's contacts by 0–5 days
    pairs = referrals.merge(contacts, on="child_id")
    lag = (pairs["referral_date"] - pairs["contact_date"]).dt.days
    matched = pairs.loc[(lag >= 0) & (lag <= 5), "referral_id"]
    assert set(matched) == set(referrals["referral_id"])
    assert contacts["led_to_referral"].isin(["Y", "N", ""]).all()
    outcome = contacts["led_to_referral"].map({"Y": "Referral", "N": "No referral", "": ""})
    assert (contacts["contact_outcome"] == outcome).all()

    s47 = frames["s47"]
    started = s47["s47_start_date"].notna()
    gap = (s47.loc[started, "s47_start_date"] - s47.loc[started, "strategy_date"]).dt.days
    assert gap.isin([0, 1]).all()
    assert s47.loc[~started, ["icpc_date", "icpc_not_required", "icpc_led_to_cpp"]].replace("", None).isna().all().all()
    icpc = s47["icpc_date"].dropna()
    assert (icpc.dt.day_of_week < 5).all()  # CIN rule 8875: never at a weekend
    assert s47.loc[s47["icpc_date"].isna(), "icpc_led_to_cpp"].eq("").all()

    cp = frames["cp_plans"]
    led = s47[s47["icpc_led_to_cpp"] == "Y"]
    own = cp[cp["ola"] == "N"]
    assert set(zip(own["child_id"], own["cpp_start_date"])) == set(zip(led["child_id"], led["icpc_date"]))
    # Another LA's plans ended before the child's first record here, and carry no count of ours.
    other = cp[cp["ola"] == "Y"]
    first_here = pd.concat([frames[t][["child_id", d]].set_axis(["child_id", "date"], axis=1) for t, d in
                            (("contacts", "contact_date"), ("referrals", "referral_date"))])
    first_here = first_here.groupby("child_id")["date"].min()
    here = first_here.reindex(other["child_id"].to_numpy()).to_numpy()  # (map trips on an empty frame)
    assert (other["cpp_end_date"].to_numpy() < here).all()
    assert other["previous_cp_plans"].eq("").all() and other["worker"].eq("").all()

    visits, orders = frames["visits"], frames["orders"]
    assert visits["visit_type"].isin(["cp", "cin"]).all()
    assert visits["child_seen"].isin(["Y", "N", ""]).all() and visits["seen_alone"].isin(["Y", "N", ""]).all()
    assert visits.loc[visits["child_seen"] == "N", "seen_alone"].eq("N").all()
    # Every CP visit falls inside one of the child's own CP plans (its start and end days included).
    cpv = visits[visits["visit_type"] == "cp"].merge(own, on="child_id")
    inside = (cpv["visit_date"] >= cpv["cpp_start_date"]) & (cpv["cpp_end_date"].isna()
                                                            | (cpv["visit_date"] <= cpv["cpp_end_date"]))
    assert inside.groupby([cpv["child_id"], cpv["visit_date"]]).any().all()
    assert orders["order_type"].isin(["Emergency Protection Order", "Police Protection", "Interim Care Order"]).all()
    assert (orders["end_date"].isna() | (orders["end_date"] >= orders["start_date"])).all()
    assert (cp["cpp_end_date"].isna() | (cp["cpp_end_date"] > cp["cpp_start_date"])).all()
    review = cp["last_review_date"].notna()
    assert (cp.loc[review, "last_review_date"] > cp.loc[review, "cpp_start_date"]).all()

    for name, start, stop in (
        ("cp_plans", "cpp_start_date", "cpp_end_date"),
        ("cin_plans", "cin_plan_start_date", "cin_plan_end_date"),
        ("early_help", "eh_start_date", "eh_end_date"),
    ):
        frame = frames[name].sort_values(["child_id", start])
        nxt = frame.groupby("child_id")[start].shift(-1)
        overlap = nxt.notna() & (frame[stop].isna() | (frame[stop] > nxt))
        assert not overlap.any(), name  # one open plan/episode of a kind at a time

    referrals_closed = referrals["closure_date"].notna()
    assert referrals.loc[referrals_closed, "closure_reason"].str.fullmatch(r"RC[1-8]").all()
    assert referrals.loc[~referrals_closed, "closure_reason"].eq("").all()


def test_chronology_default_set(default_set):
    _, frames = default_set
    _check_chronology(frames, UNTIL)


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    children=st.integers(1, 150),
    contacts=st.one_of(st.none(), st.integers(0, 900)),
    years=st.floats(0.2, 5),
    until=st.dates(dt.date(2016, 1, 1), dt.date(2030, 12, 31)),
)
def test_chronology_holds_for_any_arguments(tmp_path_factory, seed, children, contacts, years, until):
    out = tmp_path_factory.mktemp("prop")
    counts = demo.generate(out, seed=seed, children=children, contacts=contacts, years=years, until=until)
    frames = _read(out)
    assert counts["contacts"] == (6 * children if contacts is None else contacts)
    _check_chronology(frames, until)
    first = pd.Timestamp(until) - pd.Timedelta(days=round(years * 365.25))
    assert (frames["contacts"]["contact_date"] >= first).all()


# --- realism the lists rely on ----------------------------------------------------


def test_children_details(default_set):
    _, frames = default_set
    kids, end = frames["children"], pd.Timestamp(UNTIL)
    unborn = (kids["expected_dob"] > end).mean()
    assert 0.005 < unborn < 0.05
    assert ((kids["expected_dob"] <= end) & kids["dob"].isna()).any()  # EDD passed, no DOB
    assert ((kids["dob"].dt.month == 2) & (kids["dob"].dt.day == 29)).sum() >= 1
    assert set(kids["gender"]) <= {"0", "1", "2", "9"}
    assert kids["ethnicity"].value_counts().index[0] == "WBRI"
    assert {"NOBT", "REFU"} <= set(kids["ethnicity"])
    assert (kids.loc[kids["expected_dob"] > end, "disability"] == "").all()
    assert 0.07 < (kids["disability"] == "").mean() < 0.15
    assert kids["disability"].str.fullmatch(r"NONE,[A-Z]+").sum() >= 1


def test_disability_share_and_long_form(default_set):
    _, frames = default_set
    disabled = _disabled(frames, UNTIL)
    assert 0.08 <= len(disabled) / len(frames["children"]) <= 0.18
    dis = frames["disabilities"]
    ended = dis["end_date"].notna()
    assert ended.any() and (~ended).any()
    # someone whose only codes ended is not disabled any more
    kids = frames["children"].set_index("child_id")
    formerly = set(dis.loc[ended, "child_id"]) - set(dis.loc[~ended, "child_id"])
    assert formerly and not formerly & disabled
    assert (kids.loc[sorted(formerly), "disability"] == "NONE").all()
    # some disabled children are known only from the long form
    assert (kids.loc[sorted(disabled), "disability"] == "").any()


def test_contact_and_referral_mix(default_set):
    _, frames = default_set
    contacts, referrals = frames["contacts"], frames["referrals"]
    share = contacts["led_to_referral"].value_counts(normalize=True)
    assert 0.25 <= share["Y"] <= 0.35 and 0.01 <= share[""] <= 0.06
    assert list(contacts["contact_source"].value_counts().index[:2]) == ["6", "2A"]
    assert contacts.duplicated(["child_id", "contact_date"]).any()
    assert 0.05 < (referrals["referral_nfa"] == "Y").mean() < 0.3
    disabled = referrals["child_id"].isin(_disabled(frames, UNTIL))
    need = referrals["primary_need"]
    assert (need[disabled] == "N2").mean() > 5 * (need[~disabled] == "N2").mean()
    assessed = frames["assessments"]
    assert assessed["assessment_type"].eq("Core Assessment").any()
    assert set(assessed["assessment_outcome"]) == {"nfa", "other_agency", "csc", "s47", ""}
    assert (assessed["authorisation_date"].isna() == (assessed["assessment_outcome"] == "")).all()
    assert 0.1 < frames["s47"]["s47_start_date"].isna().mean() < 0.2


def test_previous_cp_plans_exist(default_set):
    _, frames = default_set
    assert frames["cp_plans"]["child_id"].duplicated().any()


def _list_sizes(frames: dict[str, pd.DataFrame], until: dt.date) -> dict[str, int]:
    end = pd.Timestamp(until)
    start = end - pd.DateOffset(months=12)
    disabled = _disabled(frames, until)

    def of_disabled(name):
        return frames[name][frames[name]["child_id"].isin(disabled)]

    def in_window(series):
        return (series >= start) & (series <= end)

    def open_at(name, first, last):
        frame = of_disabled(name)
        return int(((frame[first] <= end) & (frame[last].isna() | (frame[last] > end))).sum())

    s47, assessments = of_disabled("s47"), of_disabled("assessments")
    return {
        "contacts": int(in_window(of_disabled("contacts")["contact_date"]).sum()),
        "referrals": int(in_window(of_disabled("referrals")["referral_date"]).sum()),
        "s47": int((in_window(s47["strategy_date"]) | in_window(s47["s47_start_date"])).sum()),
        "assessments": int(
            (in_window(assessments["assessment_start_date"])
             & ~assessments["assessment_type"].str.contains("core", case=False)).sum()
        ),
        "cin": open_at("cin_plans", "cin_plan_start_date", "cin_plan_end_date"),
        "cp": open_at("cp_plans", "cpp_start_date", "cpp_end_date"),
        "eh": open_at("early_help", "eh_start_date", "eh_end_date"),
    }


def test_every_list_has_rows_at_default_size(default_set):
    _, frames = default_set
    sizes = _list_sizes(frames, UNTIL)
    assert all(n > 0 for n in sizes.values()), sizes


def test_disabled_children_more_likely_on_cin_plans_and_early_help(default_set):
    _, frames = default_set
    disabled = _disabled(frames, UNTIL)
    kids = frames["children"]["child_id"]
    is_disabled = kids.isin(disabled)
    end = pd.Timestamp(UNTIL)
    for name, first, last in (
        ("cin_plans", "cin_plan_start_date", "cin_plan_end_date"),
        ("early_help", "eh_start_date", "eh_end_date"),
    ):
        frame = frames[name]
        open_now = frame[(frame[first] <= end) & (frame[last].isna() | (frame[last] > end))]
        has = kids.isin(open_now["child_id"])
        assert has[is_disabled].mean() > 1.5 * has[~is_disabled].mean(), name


def test_names_are_obviously_fictional(default_set):
    _, frames = default_set
    for name in (t for t in demo.TABLE_ORDER[2:] if "worker" in TABLES[t].column_names):
        assert frames[name]["worker"].str.fullmatch(r"((Family )?Worker \d+)?").all()


# --- interval helpers (hand-built edges) ----------------------------------------

B = demo.BLANK


def test_non_overlapping_keeps_the_first_and_any_starting_on_the_previous_end():
    child = np.array([0, 0, 0, 0, 1])
    start = np.array([10, 20, 40, 50, 15])
    end = np.array([40, 30, 50, B, 20])
    # 20 starts inside 10–40; 40 starts on its end (allowed); 50 starts on 40–50's end
    assert demo._non_overlapping(child, start, end).tolist() == [True, False, True, True, True]


def test_non_overlapping_drops_everything_after_an_open_record():
    child = np.array([3, 3, 3])
    assert demo._non_overlapping(child, np.array([5, 9, 7]), np.array([B, 12, 8])).tolist() == [True, False, False]


def test_starts_inside_and_next_start_per_child():
    o_child, o_start, o_end = np.array([0, 0, 1]), np.array([10, 30, 5]), np.array([20, B, 6])
    child, start = np.array([0, 0, 0, 0, 1, 2]), np.array([9, 10, 20, 31, 6, 10])
    assert demo._starts_inside(child, start, o_child, o_start, o_end).tolist() == [
        False, True, False, True, False, False,
    ]
    assert demo._next_start(child, start, o_child, o_start).tolist() == [10, 30, 30, B, B, B]
    assert demo._next_start(child, start, o_child[:0], o_start[:0]).tolist() == [B] * 6


def test_next_in_child_counts_a_same_day_record_as_next():
    child, start = np.array([1, 0, 1, 1]), np.array([5, 3, 5, 9])
    nxt = demo._next_in_child(child, start).tolist()
    assert sorted([nxt[0], nxt[2]]) == [5, 9] and nxt[1] == B and nxt[3] == B


# --- xlsx -------------------------------------------------------------------------


def test_xlsx_has_real_dates_and_text_ids(tmp_path):
    counts = demo.generate(tmp_path, seed=5, children=60, until=UNTIL, fmt="xlsx")
    csv_dir = tmp_path / "csv"
    demo.generate(csv_dir, seed=5, children=60, until=UNTIL)
    expected = _read(csv_dir)
    for name in demo.TABLE_ORDER:
        book = openpyxl.load_workbook(tmp_path / f"{name}.xlsx", read_only=True)
        assert book.sheetnames == [name]
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == demo_columns(name)
        assert len(rows) - 1 == counts[name]
        columns = dict(zip(rows[0], zip(*rows[1:]))) if len(rows) > 1 else {}
        for col, values in columns.items():
            want = expected[name][col]
            if col in DATE_COLUMNS[name]:
                assert all(v is None or isinstance(v, dt.datetime) for v in values)
                assert [v and v.date() for v in values] == [None if pd.isna(v) else v.date() for v in want]
            else:
                assert all(v is None or isinstance(v, str) for v in values)
                assert [v or "" for v in values] == want.tolist()
        book.close()
    book = openpyxl.load_workbook(tmp_path / "children.xlsx")
    cell = book["children"]["B2"]
    assert cell.is_date and cell.number_format == "dd/mm/yyyy"
    assert book["children"]["A2"].data_type == "s"


def test_xlsx_splits_a_table_longer_than_a_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "XLSX_MAX_ROWS", 500)
    counts = demo.generate(tmp_path, seed=1, children=200, until=UNTIL, fmt="xlsx")
    parts = sorted(tmp_path.glob("contacts*.xlsx"))
    assert [p.name for p in parts] == ["contacts.xlsx", "contacts_2.xlsx", "contacts_3.xlsx"]
    rows = 0
    for part in parts:
        book = openpyxl.load_workbook(part, read_only=True)
        data = list(book["contacts"].iter_rows(values_only=True))
        assert list(data[0]) == TABLES["contacts"].column_names
        rows += len(data) - 1
        book.close()
    assert rows == counts["contacts"] == 1200


def test_progress_is_reported_per_table(tmp_path):
    messages: list[str] = []
    demo.generate(tmp_path, children=20, until=UNTIL, progress=messages.append)
    assert len(messages) == 1 + len(demo.TABLE_ORDER)
    assert messages[-1] == "writing orders (%d rows)" % len(_read(tmp_path)["orders"])
    assert not any("C0" in m for m in messages)  # never a child id


def test_default_until_is_today(tmp_path):
    demo.generate(tmp_path, children=50)
    frames = _read(tmp_path)
    today = pd.Timestamp(dt.date.today())
    latest = frames["contacts"]["contact_date"].max()
    assert today - pd.Timedelta(days=60) <= latest <= today
