"""care_history at its edges (mutmut survivors): which copy of an episode in two years' files
is kept, and what an episode looks like as at an earlier date."""

import pandas as pd
from ofsted_lists import care_history
from ofsted_lists.quality import Findings

T = pd.Timestamp


def _episodes(rows):
    cols = ["_file", "_sheet", "_row", "child_id", "decom", "dec", "rec", "rne", "ls", "place", "reason_place_change"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("decom", "dec"):
        df[c] = pd.to_datetime(df[c])
    return df


def test_an_episode_in_two_years_files_is_the_closed_copy_else_the_later_years():
    ep = _episodes([
        # c.csv is read first but reaches only 2020-05: b.csv, reaching 2021-03, is the later year.
        ("c.csv", "", 2, "A", "2020-04-01", "2020-05-01", "E11", "S", "C2", "U1", None),
        ("c.csv", "", 3, "B", "2020-04-01", None, None, "S", "C2", "U4", None),
        ("b.csv", "", 2, "A", "2020-04-01", None, None, "S", "C2", "U2", None),
        ("b.csv", "", 3, "B", "2020-04-01", None, None, "S", "C2", "U3", None),
        ("b.csv", "", 4, "Z", "2021-03-01", None, None, "S", "C2", "U1", None),
    ])
    got = care_history.history(ep, Findings())
    assert got.set_index("child_id").loc[["A", "B"], "place"].tolist() == ["U1", "U3"]


def test_as_at_an_earlier_date_an_episode_has_not_ended_yet():
    ep = _episodes([("a.csv", "", 2, "A", "2020-01-01", "2021-06-01", "E11", "S", "C2", "U1", "CHILD"),
                    ("a.csv", "", 3, "B", "2020-01-01", "2020-06-01", "E11", "S", "C2", "U1", "CHILD")])
    got = care_history.as_at(ep, T("2021-03-31"))
    assert got["dec"].isna().tolist() == [True, False]
    assert got["rec"].isna().tolist() == [True, False]
    assert got["reason_place_change"].isna().tolist() == [True, False]


def test_a_period_that_starts_in_the_year_counts_its_first_placement_once():
    # The first row of all: an S that starts the first child's period within the 12 months.
    ep = care_history.history(_episodes([
        ("a.csv", "", 2, "A", "2020-06-01", "2020-09-01", "X1", "S", "C2", "U1", None),
        ("a.csv", "", 3, "A", "2020-09-01", None, None, "P", "C2", "U2", None),
        ("a.csv", "", 4, "B", "2020-07-01", None, None, "S", "C2", "U1", None)]), Findings())
    spans = care_history.periods(ep)
    got = care_history.placements_in_12_months(ep, spans, T("2020-04-01"), T("2021-03-31"), same_carer=False)
    assert got.tolist() == [2, 1]
