"""The reporting window (SPEC §2): `--as-of` and `--since`."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

import pandas as pd

from ofsted_lists.errors import UsageError

# The dates pandas can hold (nanosecond timestamps: 1677-09-21 00:12 to 2262-04-11 23:47),
# whole days only. Every date of a run (the as-of date, the window's start) lies in it.
FIRST_DATE = datetime.date(1677, 9, 22)
LAST_DATE = datetime.date(2262, 4, 11)
_RANGE = f"{FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAY_FIRST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_SPAN = re.compile(r"([0-9]+)\s*([mywd])")
_SINCE_HELP = (
    "--since must be a number of months, years, weeks or days (12m, 6m, 1y, 52w, 365d) "
    "or the window's first day as YYYY-MM-DD"
)


def _iso_date(text: str) -> datetime.date | None:
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def command_line_date(text: str) -> datetime.date | None:
    """A date as the command line takes it (SPEC §2): ISO `YYYY-MM-DD` or day-first
    `DD/MM/YYYY`; None for anything else, an impossible day included."""
    day_first = _DAY_FIRST.fullmatch(text.strip())
    if not day_first:
        return _iso_date(text)
    day, month, year = map(int, day_first.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_as_of(text: str | None, today: datetime.date, *, option: str = "--as-of",
                earliest: datetime.date = FIRST_DATE) -> datetime.date:
    """The reference date: `today` when not given, else a strict `command_line_date` from
    `earliest` to `LAST_DATE`; `option` names the option in messages."""
    if text is None:
        return today
    as_of = command_line_date(text)
    if as_of is None:
        raise UsageError(f"{option} must be a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 2026-03-31 or 31/03/2026; "
                         f"got '{text}'")
    if not earliest <= as_of <= LAST_DATE:
        raise UsageError(f"{option} {as_of.isoformat()} is outside the dates ofsted-lists supports, "
                         f"{earliest.isoformat()} to {LAST_DATE.isoformat()}")
    return as_of


def months_before(d: datetime.date, months: int) -> datetime.date:
    """`d` moved back `months` calendar months (forward when negative), the day clamped to the month."""
    year, month0 = divmod(d.year * 12 + d.month - 1 - months, 12)
    month = month0 + 1
    return datetime.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def months_before_series(dates: pd.Series, months: int) -> pd.Series:
    """`months_before` over a datetime64 Series; NaT stays NaT, the time of day is kept."""
    # DateOffset(months=) is applied column-wise and clamps to the month's last day.
    return dates - pd.DateOffset(months=months)


def parse_since(text: str, as_of: datetime.date) -> datetime.date:
    """The window's first day for `--since` (SPEC §2)."""
    given = "" if text is None else str(text)
    spec = given.strip().lower()
    start = _iso_date(spec)
    if start is None:
        match = _SPAN.fullmatch(spec)
        n = int(match.group(1)) if match else 0
        if n <= 0:
            raise UsageError(f"{_SINCE_HELP}; got '{given}'")
        unit = match.group(2)
        try:
            if unit in "my":
                start = months_before(as_of, n * 12 if unit == "y" else n)
            else:
                start = as_of - datetime.timedelta(days=n * 7 if unit == "w" else n)
        except (ValueError, OverflowError):
            start = datetime.date.min
    if start < FIRST_DATE:
        raise UsageError(f"--since '{given}' starts the window before {FIRST_DATE.isoformat()}, the first date "
                         f"ofsted-lists supports (dates from {_RANGE})")
    if start > as_of:
        raise UsageError(
            f"--since '{given}' starts the window on {start.isoformat()}, after the as-of date "
            f"{as_of.isoformat()}; {_SINCE_HELP}"
        )
    return start


@dataclass(frozen=True)
class Window:
    start: datetime.date
    end: datetime.date  # the as-of date
    since: str  # as given, for the Summary

    def contains(self, dates: pd.Series) -> pd.Series:
        """True where the date lies in [start, end], both ends inclusive; NaT is False."""
        # `< end + 1 day` keeps a datetime with a time of day on the last day inside.
        inside = dates >= pd.Timestamp(self.start)
        if self.end < datetime.date.max:
            inside &= dates < pd.Timestamp(self.end + datetime.timedelta(days=1))
        return inside.fillna(False).astype(bool)

    def describe(self) -> str:
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y} ({self.since})"


def make_window(since: str, as_of: datetime.date) -> Window:
    """The window for `--since` ending at `as_of`."""
    return Window(parse_since(since, as_of), as_of, str(since).strip())
