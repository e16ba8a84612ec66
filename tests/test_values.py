import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ofsted_lists.values import Parsed, blank, parse_dates, parse_ids, parse_yes_no, day

D = dt.date
AS_OF = D(2026, 11, 26)


def one_date(text, as_of=AS_OF):
    """(date or None, bad) for a single cell."""
    p = parse_dates(pd.Series([text], dtype=object), as_of)
    v = p.values.iloc[0]
    return (None if pd.isna(v) else v.date()), bool(p.bad.iloc[0])


# --- dates: accepted forms ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01",
        "2024-3-1",
        "2024/03/01",
        "2024-03-01 00:00:00",  # an Excel date cell read as text by fastexcel
        "2024-03-01T13:45",
        "2024-03-01T13:45:10.123456",
        "2024-03-01T13:45:10Z",
        "2024-03-01 13:45:10+01:00",
        "01/03/2024",
        "1/3/2024",
        "01/03/24",
        "01-03-2024",
        "01-03-24",
        "01.03.2024",
        "1.3.2024",
        "01 Mar 2024",
        "1 mar 2024",
        "01-Mar-24",
        "01-MAR-2024",
        "1 March 2024",
        "01 MARCH 2024",
        "01/03/2024 13:45",
        "01/03/2024 13:45:10",
        "01/03/2024 1:05 PM",
        "01/03/2024 1:05pm",
        "01 Mar 2024 13:45",
        "01-Mar-24 00:00:00",
        "  01/03/2024  ",
        "\xa001/03/2024\xa0",
        "45352",  # serial
        "45352.0",
        "45352.999",
    ],
)
def test_accepted_forms(text):
    assert one_date(text) == (D(2024, 3, 1), False)


def test_month_names():
    assert one_date("1 Sept 2024") == (D(2024, 9, 1), False)
    assert one_date("30 june 2024") == (D(2024, 6, 30), False)
    assert one_date("9-may-24") == (D(2024, 5, 9), False)


def test_bare_number_is_a_serial():
    assert one_date("2024") == (D(1905, 7, 16), False)


def test_day_first_always():
    assert one_date("01/02/2024") == (D(2024, 2, 1), False)
    assert one_date("12/11/2024") == (D(2024, 11, 12), False)


@pytest.mark.parametrize("text", ["03/25/2023", "12/31/2024", "2/29/2024 10:00"])
def test_month_first_only_is_bad(text):
    assert one_date(text) == (None, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("29/02/2024", (D(2024, 2, 29), False)), ("29/02/2023", (None, True)), ("2000-02-29", (D(2000, 2, 29), False))],
)
def test_leap_days(text, expected):
    assert one_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2024", "31/04/2024", "00/01/2024", "01/13/2024", "01/00/2024", "2024-13-01", "2024-02-30",
        "1900-02-29",  # not a leap year (Excel thinks it is)
        "32 Jan 2024", "1 Foo 2024", "01/02-2024", "2024-01/02", "abc", "01/02", "-1", "-45000",
        "1e5", "45000,5", "tomorrow", "01/02/2024 extra", "2024-03-01T", "1/2/3",
    ],
)
def test_invalid_is_bad(text):
    assert one_date(text) == (None, True)


def test_two_digit_year_pivot():
    # as_of + 1 year = 2027-11-26: on it is 20YY, after it 19YY
    assert one_date("26/11/27") == (D(2027, 11, 26), False)
    assert one_date("27/11/27") == (D(1927, 11, 27), False)
    assert one_date("25/11/27") == (D(2027, 11, 25), False)
    assert one_date("27-Nov-27") == (D(1927, 11, 27), False)
    assert one_date("01/01/00") == (D(2000, 1, 1), False)
    assert one_date("31/12/99") == (D(1999, 12, 31), False)
    assert one_date("15/06/26") == (D(2026, 6, 15), False)


def test_two_digit_year_pivot_from_leap_day():
    # as_of 2024-02-29 + 1 year clamps to 2025-02-28
    as_of = D(2024, 2, 29)
    assert one_date("28/02/25", as_of) == (D(2025, 2, 28), False)
    assert one_date("01/03/25", as_of) == (D(1925, 3, 1), False)


@pytest.mark.parametrize(
    "value",
    [
        "1900-01-01", "01/01/1900", "1 Jan 1900", "1900-01-01 00:00:00", "9999-12-31", "31/12/9999",
        "1899-12-30", "1899-12-31", "30/12/1899", "31-Dec-1899", "2958465", "1", "0", "60", "60.9", "0.0",
        "", "   ", "\t", None, np.nan, pd.NaT,
        D(1900, 1, 1), dt.datetime(9999, 12, 31, 23, 59), dt.datetime(1899, 12, 30), np.datetime64("9999-12-31"),
    ],
)
def test_placeholders_and_blanks_read_blank_not_bad(value):
    assert one_date(value) == (None, False)


def test_serials():
    assert one_date("45000") == (D(2023, 3, 15), False)
    assert one_date("45000.75") == (D(2023, 3, 15), False)
    assert one_date("61") == (D(1900, 3, 1), False)
    assert one_date("2958464") == (None, True)  # 9999-12-30: valid but beyond datetime64[ns]
    assert one_date("2958466") == (None, True)


def test_out_of_range_years_are_bad():
    assert one_date("0201-03-04") == (None, True)
    assert one_date("2999-01-01") == (None, True)
    assert one_date("1677-09-22") == (D(1677, 9, 22), False)
    assert one_date("2262-04-11") == (D(2262, 4, 11), False)


def test_output_shape_dtype_and_times_dropped():
    idx = pd.Index([7, 3, 9, 1])
    s = pd.Series(["2024-03-01 13:45:10", None, "2024-03-01", "bad"], index=idx, dtype="str")
    p = parse_dates(s, AS_OF)
    assert isinstance(p, Parsed)
    assert p.values.dtype == "datetime64[ns]" and p.bad.dtype == bool
    assert list(p.values.index) == list(idx) and list(p.bad.index) == list(idx)
    assert p.values.iloc[0] == pd.Timestamp("2024-03-01") == p.values.iloc[2]
    assert p.bad.tolist() == [False, False, False, True]


def test_object_values():
    s = pd.Series(
        [
            D(2024, 1, 1),
            dt.datetime(2024, 1, 2, 13, 30),
            pd.Timestamp("2024-01-03 23:30", tz="Europe/London"),
            np.datetime64("2024-01-04T10:00"),
            45000,
            45000.5,
            np.int64(45000),
            "05/01/2024",
            True,
            -5,
            float("inf"),
            decimal.Decimal("45000"),
            [1, 2],
            None,
        ],
        dtype=object,
    )
    p = parse_dates(s, AS_OF)
    got = [None if pd.isna(v) else v.date() for v in p.values]
    assert got[:8] == [
        D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3), D(2024, 1, 4),
        D(2023, 3, 15), D(2023, 3, 15), D(2023, 3, 15), D(2024, 1, 5),
    ]
    assert got[8:11] == [None, None, None]
    assert p.bad.tolist()[8:] == [True, True, True, False, True, False]
    assert got[11] == D(2023, 3, 15)


@pytest.mark.parametrize("number", [0, 0.5, 60, 61, 45000.5, -1, -0.5, 2958465, 2958466, 1e20])
def test_a_number_reads_the_same_among_text_as_in_a_number_column(number):
    """Excel serials at the edges: below 1900-03-01 blank, 9999-12-31 (2958465) a placeholder
    read blank, negative or beyond it bad, in an
    object column (numbers beside text and dates) exactly as in a float column."""
    mixed = parse_dates(pd.Series([number, "05/01/2024", D(2024, 1, 1)], dtype=object), AS_OF)
    typed = parse_dates(pd.Series([float(number)]), AS_OF)
    assert (mixed.values.iloc[0], bool(mixed.bad.iloc[0])) == (typed.values.iloc[0], bool(typed.bad.iloc[0])) \
        or pd.isna(mixed.values.iloc[0]) and pd.isna(typed.values.iloc[0]) and mixed.bad.iloc[0] == typed.bad.iloc[0]
    assert bool(typed.bad.iloc[0]) == (number < 0 or number > 2958465)
    assert pd.isna(typed.values.iloc[0]) == (number < 61 or number >= 2958465)


def test_typed_columns():
    nums = parse_dates(pd.Series([45000.0, np.nan, 1.0, -3.0]), AS_OF)
    assert nums.values.iloc[0] == pd.Timestamp("2023-03-15")
    assert nums.values.iloc[1:].isna().all()
    assert nums.bad.tolist() == [False, False, False, True]

    real = pd.Series([pd.Timestamp("2024-01-01 13:00"), pd.Timestamp("1900-01-01"), pd.NaT])
    p = parse_dates(real, AS_OF)
    assert p.values.iloc[0] == pd.Timestamp("2024-01-01")
    assert p.values.iloc[1:].isna().all() and not p.bad.any()

    tz = pd.Series(pd.to_datetime(["2024-06-30 23:30"]).tz_localize("Europe/London"))
    assert parse_dates(tz, AS_OF).values.iloc[0] == pd.Timestamp("2024-06-30")

    cat = pd.Series(["01/02/2024", "x", None], dtype="category")
    p = parse_dates(cat, AS_OF)
    assert p.values.iloc[0] == pd.Timestamp("2024-02-01") and p.bad.tolist() == [False, True, False]


def test_a_true_false_column_is_not_a_date():
    # Read as numbers, TRUE would be serial 1 (01/01/1900) and FALSE serial 0 (blank).
    p = parse_dates(pd.Series([True, False], index=[3, 4]), AS_OF)
    assert p.values.isna().all() and p.bad.tolist() == [True, True]
    assert p.values.index.tolist() == [3, 4]
    p = parse_dates(pd.Series([True, None], dtype="boolean"), AS_OF)
    assert p.values.isna().all() and p.bad.tolist() == [True, False]


def test_undecodable_text_does_not_raise():
    s = pd.Series(["\udcff01/02/2024", "01/02/2024", "AB\udcff"], dtype=object)
    assert parse_dates(s, AS_OF).bad.tolist() == [True, False, True]
    assert parse_ids(s).values.iloc[2] == "AB?"
    assert parse_yes_no(s).bad.all()
    assert not blank(s).any()


def test_empty_and_all_na():
    for s in (pd.Series([], dtype="str"), pd.Series([], dtype=object), pd.Series([None, None])):
        p = parse_dates(s, AS_OF)
        assert len(p.values) == len(s) and p.values.isna().all() and not p.bad.any()


def test_repeated_values_map_back():
    s = pd.Series(["01/02/2024", "bad", "01/02/2024", None, "bad", "45000"] * 3, dtype="str")
    p = parse_dates(s, AS_OF)
    assert p.bad.tolist() == [False, True, False, False, True, False] * 3
    assert p.values.iloc[[0, 2, 6, 8]].eq(pd.Timestamp("2024-02-01")).all()
    assert p.values.iloc[5] == pd.Timestamp("2023-03-15")


# --- dates: properties --------------------------------------------------------

_FORMS = [
    lambda d: d.strftime("%Y-%m-%d"),
    lambda d: d.strftime("%Y-%m-%d 00:00:00"),
    lambda d: d.strftime("%Y-%m-%dT13:45:10.123456Z"),
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: d.strftime("%d-%m-%Y"),
    lambda d: d.strftime("%d.%m.%Y"),
    lambda d: d.strftime("%d %b %Y"),
    lambda d: d.strftime("%d-%b-%Y").upper(),
    lambda d: d.strftime("%d %B %Y").lower(),
    lambda d: d.strftime("%d/%m/%Y 1:05 PM"),
    lambda d: d.strftime("%d/%m/%Y 13:45:10"),
    lambda d: str((d - D(1899, 12, 30)).days),
    lambda d: f"{(d - D(1899, 12, 30)).days}.75",
]
_PLACEHOLDER_DATES = {D(1900, 1, 1), D(1899, 12, 30), D(1899, 12, 31), D(9999, 12, 31)}
_valid_dates = st.dates(D(1900, 3, 1), D(2262, 4, 11)).filter(lambda d: d not in _PLACEHOLDER_DATES)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_valid_dates, st.integers(0, len(_FORMS) - 1)), min_size=1, max_size=20))
def test_valid_dates_round_trip_in_every_form(cells):
    texts = [_FORMS[form](d) for d, form in cells]
    p = parse_dates(pd.Series(texts, dtype="str"), AS_OF)
    assert not p.bad.any(), texts
    assert [v.date() for v in p.values] == [d for d, _ in cells]


@settings(max_examples=100, deadline=None)
@given(_valid_dates, st.sampled_from(["%d/%m/%y", "%d-%m-%y", "%d-%b-%y"]), st.dates(D(2000, 1, 1), D(2090, 12, 31)))
def test_two_digit_year_is_20yy_unless_more_than_a_year_after_as_of(d, fmt, as_of):
    got, bad = one_date(d.strftime(fmt), as_of)
    assert not bad and got is not None
    yy = d.year % 100
    assert (got.month, got.day) == (d.month, d.day)
    limit = D(as_of.year + 1, as_of.month, 28 if (as_of.month, as_of.day) == (2, 29) else as_of.day)
    if got.year == 2000 + yy:
        assert got <= limit
    else:
        assert got.year == 1900 + yy
        assert (d.month, d.day) == (2, 29) and yy % 4 or D(2000 + yy, d.month, d.day) > limit


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.text(alphabet="0123456789/-.: ", max_size=20)), max_size=20))
def test_random_text_never_raises(texts):
    p = parse_dates(pd.Series(texts, dtype=object), AS_OF)
    assert len(p.values) == len(texts) and p.values.dtype == "datetime64[ns]"
    # a cell is either read, or blank, or bad: never a date and bad
    assert not (p.values.notna() & p.bad).any()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(), st.integers(), st.floats(), st.booleans(), st.dates(), st.datetimes(), st.text(max_size=10)
        ),
        max_size=15,
    )
)
def test_random_objects_never_raise(cells):
    p = parse_dates(pd.Series(cells, dtype=object), AS_OF)
    assert len(p.values) == len(cells)


# --- yes/no -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Y", "y", "Yes", "YES", " yes ", "True", "true", "T", "t", "1", "1.0", "1.00", "a) Yes", "A) YES", "a)Yes"]
)
def test_yes(text):
    p = parse_yes_no(pd.Series([text], dtype="str"))
    assert p.values.iloc[0] is True or p.values.iloc[0] == True  # noqa: E712
    assert not p.bad.iloc[0]


@pytest.mark.parametrize("text", ["N", "n", "No", "NO", "False", "f", "F", "0", "0.0", "b) No", "B) no"])
def test_no(text):
    p = parse_yes_no(pd.Series([text], dtype="str"))
    assert p.values.iloc[0] == False  # noqa: E712
    assert not p.bad.iloc[0]


@pytest.mark.parametrize("value", [None, "", "  ", "Unknown", "UNKNOWN", "c) Unknown", "C) unknown"])
def test_unknown_not_bad(value):
    p = parse_yes_no(pd.Series([value], dtype=object))
    assert pd.isna(p.values.iloc[0]) and not p.bad.iloc[0]


@pytest.mark.parametrize("value", ["U", "maybe", "2", "-1", "Yes please", "d) Yes", "10", "NA"])
def test_yes_no_other_is_bad(value):
    p = parse_yes_no(pd.Series([value], dtype="str"))
    assert pd.isna(p.values.iloc[0]) and p.bad.iloc[0]


def test_yes_no_dtype_index_and_objects():
    s = pd.Series([True, False, 1, 0.0, None, "x"], index=list("abcdef"), dtype=object)
    p = parse_yes_no(s)
    assert p.values.dtype == "boolean" and list(p.values.index) == list("abcdef")
    assert p.values.tolist()[:4] == [True, False, True, False] and pd.isna(p.values["e"])
    assert p.bad.tolist() == [False, False, False, False, False, True]
    assert list(p.bad.index) == list("abcdef") and p.bad.dtype == bool
    assert parse_yes_no(pd.Series([1.0, 0.0, np.nan])).values.tolist()[:2] == [True, False]


# --- ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345", "12345"),
        (" 12345 ", "12345"),
        ("12345.0", "12345"),
        ("12345.00", "12345"),
        ("00123", "00123"),
        ("00123.0", "00123"),
        ("AB12 ", "AB12"),
        ("abc-1", "abc-1"),
        ("12345.5", "12345.5"),
        ("1", "1"),
        (12345, "12345"),
        (12345.0, "12345"),
    ],
)
def test_ids(value, expected):
    p = parse_ids(pd.Series([value], dtype=object))
    assert p.values.iloc[0] == expected and not p.bad.iloc[0]


@pytest.mark.parametrize("value", ["-1", "0", "-1.0", "0.0", "000", " 0 ", "-0", "-01", 0, -1, -1.0])
def test_not_identifiers_are_bad(value):
    p = parse_ids(pd.Series([value], dtype=object))
    assert pd.isna(p.values.iloc[0]) and p.bad.iloc[0]


@pytest.mark.parametrize("value", [None, "", "   ", np.nan])
def test_blank_ids_na_not_bad(value):
    p = parse_ids(pd.Series([value], dtype=object))
    assert pd.isna(p.values.iloc[0]) and not p.bad.iloc[0]


def test_ids_dtype_and_index():
    s = pd.Series(["1", None, "2.0"], index=[5, 6, 7], dtype="str")
    p = parse_ids(s)
    assert p.values.dtype == "str" and list(p.values.index) == [5, 6, 7]
    assert p.values.iloc[2] == "2"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats()), max_size=20))
def test_random_ids_never_raise(cells):
    p = parse_ids(pd.Series(cells, dtype=object))
    assert len(p.values) == len(cells)
    for v in p.values.dropna():
        assert v == v.strip() and v != ""


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[0-9]{1,12}", fullmatch=True))
def test_digit_ids_kept_unless_zero(digits):
    p = parse_ids(pd.Series([digits, digits + ".0"], dtype="str"))
    if int(digits) == 0:
        assert p.bad.all() and p.values.isna().all()
    else:
        assert p.values.tolist() == [digits, digits] and not p.bad.any()


# --- blank ------------------------------------------------------------------


def test_blank():
    s = pd.Series(["a", " ", "", None, "\t\n", np.nan, 0, " b "], dtype=object)
    assert blank(s).tolist() == [False, True, True, True, True, True, False, False]
    assert blank(pd.Series(["x", None], dtype="str", index=[3, 4])).index.tolist() == [3, 4]


@pytest.mark.parametrize("value", [None, pd.NaT, np.nan, np.datetime64("NaT")])
def test_day_in_a_finding_reads_blank_when_there_is_no_date(value):
    assert day(value) == "blank"


def test_day_in_a_finding_is_dd_mm_yyyy():
    assert day(pd.Timestamp(2024, 3, 5)) == "05/03/2024"
    assert day(D(1999, 12, 31)) == "31/12/1999"


@pytest.mark.parametrize("dtype", ["str", object])
def test_parse_ids_keeps_the_index_and_drops_blank_text_either_way(dtype):
    # "str" takes the whole-column pyarrow path, object the per-distinct-value one: same results.
    values = pd.Series(["C1", "  ", "0", "-1.0", "7.0", None], index=[10, 20, 30, 40, 50, 60], dtype=dtype)
    got = parse_ids(values)
    assert got.values.index.equals(values.index) and got.bad.index.equals(values.index)
    assert got.values.isna().tolist() == [False, True, True, True, False, True]
    assert got.values[[10, 50]].tolist() == ["C1", "7"]
    assert got.bad.dtype == bool and got.bad.tolist() == [False, False, True, True, False, False]
