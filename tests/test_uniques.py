"""The integer-code join (`uniques.Keys`) and the per-child ranking built on plain sorts
give what pandas' merge and a whole-frame sort give."""

import pandas as pd
from hypothesis import given, settings, strategies as st

from ofsted_lists.lists._common import ranked_per_child
from ofsted_lists.uniques import Keys

ids = st.lists(st.sampled_from(["A1", "A2", "b3", "C 4", None]), max_size=12)


@settings(max_examples=50, deadline=None)
@given(left=ids, right=ids)
def test_keys_pairs_are_an_inner_merge_where_blank_matches_nothing(left, right):
    lhs, rhs = pd.Series(left, dtype="str"), pd.Series(right, dtype="str")
    i, j = Keys(lhs).pairs(rhs)
    merged = pd.DataFrame({"i": range(len(lhs)), "k": lhs}).dropna().merge(
        pd.DataFrame({"j": range(len(rhs)), "k": rhs}).dropna(), on="k")
    assert sorted(zip(i.tolist(), j.tolist())) == sorted(zip(merged["i"], merged["j"]))
    assert (lhs.to_numpy()[i] == rhs.to_numpy()[j]).all()


def test_keys_code_of_marks_values_not_among_the_keys():
    keys = Keys(pd.Series(["x", "y", "x"], dtype="str"))
    assert keys.code_of(pd.Series(["y", "z", None, "x"], dtype="str")).tolist() == [1, -1, -1, 0]


days = st.one_of(st.none(), st.dates(min_value=pd.Timestamp("2024-01-01").date(),
                                     max_value=pd.Timestamp("2024-01-05").date()))


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), days, days, st.sampled_from(["f2", "f1"]),
                                               st.integers(0, 2)),
                     max_size=10))
def test_ranked_per_child_picks_what_a_whole_frame_sort_picks(rows):
    df = pd.DataFrame({"child_id": pd.Series([r[0] for r in rows], dtype="str"),
                       "start": pd.Series([r[1] for r in rows], dtype="datetime64[ns]"),
                       "end": pd.Series([r[2] for r in rows], dtype="datetime64[ns]"),
                       "_file": pd.Series([r[3] for r in rows], dtype="str"),
                       "_row": pd.Series([r[4] for r in rows], dtype="int64")})
    df.index = pd.RangeIndex(len(rows)) * 10  # labels that are not positions
    chosen, others = ranked_per_child(df, "start", "end")
    # The rule as first written: latest start (blank latest), then later end (blank open,
    # latest), then the later row, then the later file.
    ref = df.assign(_end=df["end"].fillna(pd.Timestamp.max.normalize())).sort_values(
        ["child_id", "start", "_end", "_row", "_file"], kind="stable")
    want = ref.drop_duplicates("child_id", keep="last")
    assert sorted(chosen.index) == sorted(want.index)
    assert sorted(others.index) == sorted(set(df.index) - set(want.index))
    assert list(chosen.columns) == list(df.columns)


def test_ranked_per_child_same_day_same_row_number_goes_to_the_later_file_name():
    df = pd.DataFrame({"child_id": pd.Series(["A", "A"], dtype="str"),
                       "start": pd.Series(["2024-01-01"] * 2, dtype="datetime64[ns]"),
                       "end": pd.Series([None, None], dtype="datetime64[ns]"),
                       "_file": pd.Series(["b.csv", "a.csv"], dtype="str"), "_row": [2, 2]})
    chosen, others = ranked_per_child(df, "start", "end")
    assert chosen["_file"].tolist() == ["b.csv"] and others["_file"].tolist() == ["a.csv"]


def test_id_positions_finds_text_ids_and_ids_that_are_not_text():
    from ofsted_lists.uniques import id_positions

    assert id_positions(pd.Series(["C3", None, "C1", "C9"]), pd.Index(["C1", "C3"])).tolist() == [1, -1, 0, -1]
    # Not all text (an index of numbers): pandas' own lookup, the same answer.
    assert id_positions(pd.Series([3, 1, 7]), pd.Index([1, 3])).tolist() == [1, 0, -1]
