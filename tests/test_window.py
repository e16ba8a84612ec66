import datetime as dt

import pandas as pd
import pytest

from ofsted_lists.errors import UsageError
from ofsted_lists.window import (
    Window,
    make_window,
    months_before,
    months_before_series,
    parse_as_of,
    parse_since,
)

D = dt.date
AS_OF = D(2026, 11, 30)


# --- --as-of -----------------------------------------------------------------


def test_as_of_defaults_to_today():
    assert parse_as_of(None, D(2026, 1, 2)) == D(2026, 1, 2)


def test_as_of_iso():
    assert parse_as_of("2026-03-31", D(2020, 1, 1)) == D(2026, 3, 31)


@pytest.mark.parametrize("text", ["25/11/2026", "25/11/2026 ", "5/1/2026"])
def test_as_of_day_first(text):
    """SPEC §2: DD/MM/YYYY is taken too, day first."""
    assert parse_as_of(text, D(2020, 1, 1)) == (D(2026, 11, 25) if text.startswith("25") else D(2026, 1, 5))


@pytest.mark.parametrize("text", ["31/02/2026", "11/25/2026", "25/11/26", "2026-3-31", "2026-02-30", "20260331",
                                  "", "today"])
def test_as_of_rejects_anything_but_iso_or_day_first(text):
    with pytest.raises(UsageError, match=r"--as-of must be a date as YYYY-MM-DD or DD/MM/YYYY, e\.g\. 2026-03-31 "
                                         r"or 31/03/2026; got '"):
        parse_as_of(text, D(2026, 1, 1))


def test_as_of_error_is_exit_code_2():
    with pytest.raises(UsageError) as err:
        parse_as_of("x", D(2026, 1, 1))
    assert err.value.exit_code == 2


@pytest.mark.parametrize("text", ["1677-09-21", "2262-04-12", "9999-12-31", "0001-01-01"])
def test_as_of_outside_the_dates_pandas_holds_is_a_usage_error_naming_the_range(text):
    with pytest.raises(UsageError, match=f"--as-of {text} is outside the dates ofsted-lists supports, "
                                         "1677-09-22 to 2262-04-11"):
        parse_as_of(text, D(2026, 1, 1))


@pytest.mark.parametrize("text", ["1677-09-22", "2262-04-11"])
def test_the_ends_of_the_supported_range_are_accepted_and_make_a_window(text):
    as_of = parse_as_of(text, D(2026, 1, 1))
    window = Window(as_of, as_of, "0d")
    assert window.contains(pd.Series(pd.to_datetime([text]))).tolist() == [True]


@pytest.mark.parametrize("since", ["12m", "1000y", "52w", "1677-09-21", "0001-01-01"])
def test_since_reaching_before_the_first_supported_date_is_a_usage_error(since):
    with pytest.raises(UsageError, match=f"--since '{since}' starts the window before 1677-09-22"):
        parse_since(since, D(1678, 1, 1))


# --- --since -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "start"),
    [
        ("12m", D(2025, 11, 30)),
        ("6m", D(2026, 5, 30)),
        ("1m", D(2026, 10, 30)),
        ("1y", D(2025, 11, 30)),
        ("2y", D(2024, 11, 30)),
        ("52w", D(2025, 12, 1)),  # 364 days
        ("1w", D(2026, 11, 23)),
        ("365d", D(2025, 11, 30)),
        ("1d", D(2026, 11, 29)),
        ("2025-04-01", D(2025, 4, 1)),
        ("2026-11-30", D(2026, 11, 30)),  # a one-day window
        (" 12M ", D(2025, 11, 30)),
        ("6 m", D(2026, 5, 30)),
        ("52W", D(2025, 12, 1)),
    ],
)
def test_since(since, start):
    assert parse_since(since, AS_OF) == start


def test_since_1y_equals_12m_on_leap_day():
    as_of = D(2024, 2, 29)
    assert parse_since("1y", as_of) == parse_since("12m", as_of) == D(2023, 2, 28)


def test_since_months_clamp_to_month_end():
    assert parse_since("6m", D(2026, 8, 31)) == D(2026, 2, 28)
    assert parse_since("6m", D(2024, 8, 31)) == D(2024, 2, 29)


@pytest.mark.parametrize(
    "since", ["0m", "-1m", "12", "m", "1.5y", "12months", "1q", "", "01/04/2025", "2025-02-30", "2025-4-1"]
)
def test_since_rejects_bad_values_and_says_what_is_accepted(since):
    with pytest.raises(UsageError) as err:
        parse_since(since, AS_OF)
    message = str(err.value)
    assert f"got '{since}'" in message
    for accepted in ("12m", "1y", "52w", "365d", "YYYY-MM-DD"):
        assert accepted in message


def test_since_start_after_as_of_is_usage_error():
    with pytest.raises(UsageError, match="after the as-of date 2026-11-30"):
        parse_since("2026-12-01", AS_OF)


def test_since_reaching_before_the_supported_range_is_usage_error():
    # Past year 1 (calendar overflow) and past 1677-09-22 (pandas' first date) alike.
    for since in ("999999m", "99999999d", "4200m"):
        with pytest.raises(UsageError, match=f"'{since}' starts the window before 1677-09-22"):
            parse_since(since, AS_OF)


def test_since_not_given_is_a_usage_error_quoting_nothing():
    with pytest.raises(UsageError, match="got ''$"):
        parse_since(None, AS_OF)


def test_window_ending_on_the_last_representable_day_has_no_upper_bound():
    w = Window(D(2026, 1, 1), dt.date.max, "2026-01-01")
    dates = pd.Series(pd.to_datetime(["2025-12-31", "2026-06-01", "2262-04-01"])).astype("datetime64[ns]")
    assert w.contains(dates).tolist() == [False, True, True]


# --- months_before -----------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2026, 8, 31), 6, D(2026, 2, 28)),
        (D(2024, 8, 31), 6, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2023, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 2, 28)),
        (D(2026, 1, 15), 1, D(2025, 12, 15)),
        (D(2026, 1, 15), 13, D(2024, 12, 15)),
        (D(2026, 1, 31), 0, D(2026, 1, 31)),
        (D(2026, 1, 31), -1, D(2026, 2, 28)),  # negative: months after
        (D(2023, 2, 28), -12, D(2024, 2, 28)),
    ],
)
def test_months_before(d, n, expected):
    assert months_before(d, n) == expected


def test_months_before_series_matches_scalar_and_keeps_nat():
    days = [D(2026, 8, 31), D(2024, 8, 31), D(2024, 2, 29), D(2026, 3, 31), D(2026, 1, 15)]
    dates = pd.Series([pd.Timestamp(x) for x in days] + [pd.NaT], dtype="datetime64[ns]")
    for n in (1, 6, 12, 13):
        got = months_before_series(dates, n)
        assert got.dtype == dates.dtype
        assert list(got[:-1].dt.date) == [months_before(x, n) for x in days]
        assert pd.isna(got.iloc[-1])


# --- Window ------------------------------------------------------------------


def test_window_contains_both_ends_and_not_nat():
    w = make_window("12m", AS_OF)
    dates = pd.Series(
        pd.to_datetime(["2025-11-29", "2025-11-30", "2026-06-01", "2026-11-30", "2026-12-01", None]),
        index=[10, 11, 12, 13, 14, 15],
    ).astype("datetime64[ns]")
    got = w.contains(dates)
    assert got.dtype == bool
    assert list(got.index) == [10, 11, 12, 13, 14, 15]
    assert got.tolist() == [False, True, True, True, False, False]


def test_window_contains_a_time_on_the_last_day():
    w = Window(D(2026, 1, 1), D(2026, 1, 31), "2026-01-01")
    dates = pd.Series(pd.to_datetime(["2026-01-31 23:59", "2026-02-01 00:00", "2025-12-31 23:59"]))
    assert w.contains(dates).tolist() == [True, False, False]


def test_window_contains_all_nat():
    w = make_window("6m", AS_OF)
    assert w.contains(pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]")).tolist() == [False, False]


def test_make_window_and_describe():
    w = make_window(" 12m ", AS_OF)
    assert (w.start, w.end, w.since) == (D(2025, 11, 30), AS_OF, "12m")
    assert w.describe() == "30/11/2025 to 30/11/2026 (12m)"
    assert make_window("2025-04-01", AS_OF).describe() == "01/04/2025 to 30/11/2026 (2025-04-01)"


def test_make_window_bad_since():
    with pytest.raises(UsageError):
        make_window("soon", AS_OF)


def test_window_is_frozen():
    w = make_window("12m", AS_OF)
    with pytest.raises(AttributeError):
        w.start = D(2020, 1, 1)  # type: ignore[misc]


def test_a_window_may_start_on_the_first_supported_date_but_not_the_day_before():
    assert parse_since("12m", D(1678, 9, 22)) == D(1677, 9, 22)
    assert parse_since("1677-09-22", D(1678, 1, 1)) == D(1677, 9, 22)
    with pytest.raises(UsageError, match="before 1677-09-22"):
        parse_since("365d", D(1678, 9, 21))
