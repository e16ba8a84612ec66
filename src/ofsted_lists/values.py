"""Parsing cell values (SPEC §3.2): dates, yes/no, identifiers and free text, vectorised.

Every parser works on the column's distinct values (factorize, parse the uniques, map
back), so a million-row column with a few thousand distinct values costs little more
than the factorize. No parser raises on any cell value: what cannot be read comes back
missing with `bad` set, and the caller reports it.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ofsted_lists.uniques import factorize, spread, str_series
from ofsted_lists.window import months_before


class Parsed(NamedTuple):
    values: pd.Series  # parsed values, same index as the input
    bad: pd.Series  # bool, same index: a non-blank value that could not be read


# ---------------------------------------------------------------------------
# Shared: distinct values and their text


def _is_text(uniques: pd.Index) -> bool:
    return pd.api.types.is_string_dtype(uniques.dtype) and (
        uniques.dtype != object or pd.api.types.infer_dtype(uniques, skipna=True) in ("string", "empty")
    )


def _text(uniques: pd.Index) -> pd.Series:
    """The distinct values as a `str` Series (non-text objects through `str()`)."""
    if uniques.dtype != object and _is_text(uniques):
        return pd.Series(uniques.array).astype("str")
    return str_series([v if isinstance(v, str) else str(v) for v in uniques])


def blank(values: pd.Series) -> pd.Series:
    """True where the cell is NA or only whitespace."""
    codes, uniques = factorize(values)
    per_unique = (_text(uniques).str.strip() == "").to_numpy(dtype=bool)
    return spread(per_unique, codes, True, values.index, bool)


# ---------------------------------------------------------------------------
# Dates

_T = r"(?:t|\s+)"  # ISO "T" or spaces before a time (the text is lower-cased first)
_TIME = (
    rf"(?:{_T}[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:[.,][0-9]+)?)?"
    r"(?:\s*[ap]\.?m\.?)?(?:\s*(?:z|utc|gmt|[+-][0-9]{2}(?::?[0-9]{2})?))?)?"
)
# Named groups only, so pandas hands the extraction to pyarrow's regex kernel.
_ISO = rf"^(?P<y>[0-9]{{4}})(?P<s1>[-/])(?P<m>[0-9]{{1,2}})(?P<s2>[-/])(?P<d>[0-9]{{1,2}}){_TIME}$"
_DMY = (
    rf"^(?P<d>[0-9]{{1,2}})(?P<s1>[-/.])(?P<m>[0-9]{{1,2}})(?P<s2>[-/.])"
    rf"(?P<y>[0-9]{{4}}|[0-9]{{2}}){_TIME}$"
)
_DMONY = rf"^(?P<d>[0-9]{{1,2}})[\s-]+(?P<mon>[a-z]+)\.?[\s-]+(?P<y>[0-9]{{4}}|[0-9]{{2}}){_TIME}$"
_SERIAL = r"^(?P<n>[0-9]{1,9})(?P<frac>\.[0-9]*)?$"

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = pa.array(list(_MONTHS))
_MONTH_NUMBERS = np.array([0, *_MONTHS.values()])
_PLACEHOLDERS = ((1900, 1, 1), (9999, 12, 31), (1899, 12, 30), (1899, 12, 31))
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
# Serials below 61 are 1900 dates, where Excel's fictitious 29/02/1900 also lives;
# in an export they only ever stand for "no date", like the 1900-01-01 placeholder.
_FIRST_SERIAL = 61
_LAST_SERIAL = 2958465  # 9999-12-31
# datetime64[ns] covers 1677-09-21 12:12 .. 2262-04-11 23:47; whole days inside it:
_FIRST_DAY = np.datetime64("1677-09-22", "D")
_LAST_DAY = np.datetime64("2262-04-11", "D")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

# Per-unique state while parsing.
_UNREAD, _BLANK, _YMD, _BAD = 0, 1, 2, 3


class _Ymd:
    """Year/month/day per unique value, filled in by whichever form matched."""

    def __init__(self, n: int):
        self.state = np.full(n, _UNREAD, dtype=np.int8)
        self.y = np.zeros(n, dtype=np.int64)
        self.m = np.zeros(n, dtype=np.int64)
        self.d = np.zeros(n, dtype=np.int64)
        self.two_digit = np.zeros(n, dtype=bool)

    def set(self, where: np.ndarray, y, m, d, two_digit=False) -> None:
        self.state[where] = _YMD
        self.y[where], self.m[where], self.d[where] = y, m, d
        self.two_digit[where] = two_digit

    def set_days(self, where: np.ndarray, days: np.ndarray) -> None:
        """From datetime64[D] values."""
        months = days.astype("datetime64[M]")
        self.set(
            where,
            months.astype("datetime64[Y]").astype(np.int64) + 1970,
            months.astype(np.int64) % 12 + 1,
            (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
        )


def _read_text(text: pd.Series, out: _Ymd, where: np.ndarray) -> None:
    """Fill `out` at positions `where` from the text forms of §3.2."""
    # pyarrow's regex kernel directly: pandas' str.extract builds Python objects per row.
    arr = pa.array(text, type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    empty = np.asarray(pc.fill_null(pc.equal(t, ""), True), dtype=bool)
    out.state[where[empty]] = _BLANK
    todo = ~empty

    for pattern in (_ISO, _DMY, _DMONY, _SERIAL):
        if not todo.any():
            return
        rows = np.flatnonzero(todo)
        parts = pc.extract_regex(t.take(pa.array(rows)), pattern)
        hit = np.asarray(parts.is_valid(), dtype=bool)
        parts = parts.filter(pa.array(hit))
        rows = rows[hit]
        field = {name: parts.field(name) for name in parts.type.names}
        if pattern is _SERIAL:
            _read_serials(np.asarray(pc.cast(field["n"], pa.int64())), out, where[rows])
        else:
            if pattern is _DMONY:
                found = pc.fill_null(pc.index_in(field["mon"], _MONTH_NAMES), -1)
                month = _MONTH_NUMBERS[np.asarray(found) + 1]  # unknown name -> 0
                ok = month > 0
            else:  # 01/02-2024 is not a form anyone writes
                month = np.asarray(pc.cast(field["m"], pa.int64()))
                ok = np.asarray(pc.equal(field["s1"], field["s2"]), dtype=bool)
            year = field["y"]
            rows, keep = rows[ok], pa.array(ok)
            out.set(
                where[rows],
                np.asarray(pc.cast(year.filter(keep), pa.int64())),
                month[ok],
                np.asarray(pc.cast(field["d"].filter(keep), pa.int64())),
                np.asarray(pc.equal(pc.utf8_length(year.filter(keep)), 2), dtype=bool),
            )
        todo[rows] = False
    out.state[where[todo]] = _BAD


def _read_serials(serial: np.ndarray, out: _Ymd, where: np.ndarray) -> None:
    """Excel serial day numbers (already truncated to whole days)."""
    low = serial < _FIRST_SERIAL
    high = serial > _LAST_SERIAL
    out.state[where[low]] = _BLANK
    out.state[where[high]] = _BAD
    ok = ~(low | high)
    out.set_days(where[ok], _EXCEL_EPOCH + serial[ok].astype("timedelta64[D]"))


def _read_objects(uniques: pd.Index, out: _Ymd) -> None:
    """Distinct values of an object column: date objects, numbers and text together."""
    text_at, text = [], []
    serial_at, serials = [], []
    for i, v in enumerate(uniques):
        if isinstance(v, str):
            text_at.append(i)
            text.append(v)
        elif isinstance(v, (bool, np.bool_)):
            out.state[i] = _BAD
        elif isinstance(v, (int, float, np.integer, np.floating)):
            f = float(v)
            if np.isfinite(f) and f >= 0:
                serial_at.append(i)
                serials.append(min(int(f), _LAST_SERIAL + 1))
            else:
                out.state[i] = _BAD
        elif isinstance(v, datetime.date):  # also datetime and pd.Timestamp
            out.set(np.array([i]), v.year, v.month, v.day)
        else:  # np.datetime64 and anything else: its text form (9999-12-31 survives)
            text_at.append(i)
            text.append(str(v))
    if serial_at:
        _read_serials(np.array(serials, dtype=np.int64), out, np.array(serial_at))
    if text_at:
        _read_text(str_series(text), out, np.array(text_at))


def _days(out: _Ymd, as_of: datetime.date) -> tuple[np.ndarray, np.ndarray]:
    """Resolve year/month/day to datetime64[ns] per unique, and which uniques are bad."""
    y, m, d = out.y.copy(), out.m, out.d
    ymd = out.state == _YMD

    # Two-digit years: 20YY unless that is more than a year after as_of.
    limit = months_before(as_of, -12)
    two = ymd & out.two_digit
    y[two] += 2000
    late = two & (y * 10000 + m * 100 + d > limit.year * 10000 + limit.month * 100 + limit.day)
    y[late] -= 100

    month_ok = (m >= 1) & (m <= 12)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    last_day = _DAYS_IN_MONTH[np.where(month_ok, m, 0)] + (leap & (m == 2))
    valid = ymd & month_ok & (d >= 1) & (d <= last_day)

    placeholder = np.zeros_like(valid)
    for py, pm, pd_ in _PLACEHOLDERS:
        placeholder |= (y == py) & (m == pm) & (d == pd_)
    placeholder &= valid

    months = np.where(valid, (y - 1970) * 12 + (m - 1), 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(valid, d - 1, 0).astype("timedelta64[D]")
    in_range = (days >= _FIRST_DAY) & (days <= _LAST_DAY)

    good = valid & ~placeholder & in_range
    dates = np.where(good, days, np.datetime64("NaT", "D")).astype("datetime64[ns]")
    bad = (out.state == _BAD) | (ymd & ~valid) | (valid & ~placeholder & ~in_range)
    return dates, bad


def parse_dates(values: pd.Series, as_of: datetime.date) -> Parsed:
    """Dates as datetime64[ns] at midnight; blanks and placeholders NaT, unreadable NaT + bad."""
    index = values.index
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)  # the wall-clock date is the recorded one

    if pd.api.types.is_datetime64_dtype(values.dtype):
        codes, uniques = factorize(values)
        out = _Ymd(len(uniques))
        out.set_days(np.arange(len(uniques)), uniques.to_numpy().astype("datetime64[D]"))
    elif pd.api.types.is_numeric_dtype(values.dtype):
        codes, uniques = factorize(values)
        out = _Ymd(len(uniques))
        serial = uniques.to_numpy(dtype=np.float64)
        finite = np.isfinite(serial) & (serial >= 0)
        out.state[~finite] = _BAD
        whole = np.minimum(np.where(finite, serial, 0), _LAST_SERIAL + 1).astype(np.int64)
        _read_serials(whole[finite], out, np.flatnonzero(finite))
    else:
        codes, uniques = factorize(values)
        out = _Ymd(len(uniques))
        if _is_text(uniques):
            _read_text(_text(uniques), out, np.arange(len(uniques)))
        else:
            _read_objects(uniques, out)

    dates, bad = _days(out, as_of)
    return Parsed(
        spread(dates, codes, np.datetime64("NaT", "ns"), index, "datetime64[ns]"),
        spread(bad, codes, False, index, bool),
    )


# ---------------------------------------------------------------------------
# Yes/no

_YES = {"y", "yes", "true", "t", "1", "a) yes"}
_NO = {"n", "no", "false", "f", "0", "b) no"}
_UNKNOWN = {"", "unknown", "c) unknown"}


def parse_yes_no(values: pd.Series) -> Parsed:
    """Yes/no as nullable boolean; unknown and blank are NA, anything else NA + bad."""
    codes, uniques = factorize(values)
    key = (
        _text(uniques)
        .str.strip()
        .str.lower()
        .str.replace(r"^([a-c])\)\s*", r"\1) ", regex=True)  # "a)Yes" as "a) Yes"
        .str.replace(r"^([01])\.0*$", r"\1", regex=True)  # 1.0 from a numeric cell
    )
    answer = np.select(
        [key.isin(_YES).to_numpy(dtype=bool), key.isin(_NO).to_numpy(dtype=bool)],
        [1.0, 0.0],
        np.nan,
    )
    bad = ~(key.isin(_YES) | key.isin(_NO) | key.isin(_UNKNOWN)).to_numpy(dtype=bool)
    parsed = pd.Series(spread(answer, codes, np.nan, values.index), dtype="boolean")
    return Parsed(parsed, spread(bad, codes, False, values.index, bool))


# ---------------------------------------------------------------------------
# Counts

_WHOLE = r"^\s*([0-9]+)(?:\.0*)?\s*$"  # 2, or 2.0 from a numeric cell


def parse_counts(values: pd.Series) -> Parsed:
    """Whole numbers of 0 or more (a count as an export gives it) as Int64; blank is NA,
    anything else (-1, 2.5, x) NA + bad."""
    codes, uniques = factorize(values)
    text = _text(uniques).str.strip()
    whole = text.str.extract(_WHOLE, expand=False)
    bad = (whole.isna() & (text != "")).to_numpy(dtype=bool)
    numbers = pd.to_numeric(whole, errors="coerce").to_numpy(dtype=np.float64)
    parsed = pd.Series(spread(numbers, codes, np.nan, values.index), dtype="float64").astype("Int64")
    return Parsed(parsed, spread(bad, codes, False, values.index, bool))


# ---------------------------------------------------------------------------
# Identifiers

_ARROW_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`
_FLOAT_ARTEFACT = r"^([0-9]+)\.0+$"
_NOT_AN_ID = r"^(?:[+-]?(?:0+(?:\.0*)?|\.0+)|-0*1(?:\.0*)?)$"  # numerically 0 or -1


def parse_ids(values: pd.Series) -> Parsed:
    """Identifiers as trimmed text; blank is NA, 0 and -1 are NA + bad."""
    if values.dtype == _ARROW_STR:
        # Ids are mostly distinct (contact_id …): pyarrow kernels on the whole column beat
        # factorizing first. Same operations as below, so the same results.
        text = values.str.strip()
        not_id = text.str.fullmatch(_NOT_AN_ID).fillna(False).to_numpy(dtype=bool)
        drop = (text == "").to_numpy(dtype=bool) | not_id
        ids = text.str.replace(_FLOAT_ARTEFACT, r"\1", regex=True)
        return Parsed(ids.where(~drop), pd.Series(not_id, index=values.index))
    codes, uniques = factorize(values)
    text = _text(uniques).str.strip()
    empty = (text == "").to_numpy(dtype=bool)
    not_id = text.str.fullmatch(_NOT_AN_ID).fillna(False).to_numpy(dtype=bool)
    ids = text.str.replace(_FLOAT_ARTEFACT, r"\1", regex=True)
    per_unique = ids.where(~(empty | not_id)).to_numpy(dtype=object)
    return Parsed(
        spread(per_unique, codes, None, values.index, "str"),
        spread(not_id, codes, False, values.index, bool),
    )


def day(value) -> str:
    """A date as an analyst reads it, DD/MM/YYYY; "blank" when there is none."""
    return "blank" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y}"
