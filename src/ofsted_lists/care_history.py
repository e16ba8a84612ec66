"""Care history: the SSDA903 episodes of any number of collection years as one history per
child, and the periods of care chained from it (annex-a-full.md §3.4, SPEC §3.5).

`merge` runs once, after normalise (dates parsed, codes upper-cased): the same episode in
two years' files (open at 31 March in the first) becomes one, and episodes that do not
chain are findings. Nothing is repaired: no closing date is invented (liia's E99/LIIAF
repairs are not DfE codes). `periods` chains the merged episodes into periods of care.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import quality
from .normalise import Dataset
from .quality import Findings

X1 = "X1"  # REC: the episode ends and the next one starts the same day, in the same period
S = "S"    # RNE: started to be looked after, the first episode of a period
# Column added to the merged episodes: the child's first episode in the files is not an
# S episode, so its period began before the earliest file and its start is unknown.
START_UNKNOWN = "period_start_unknown"
_KEY = ["child_id", "decom"]


def merge(ds: Dataset, findings: Findings) -> None:
    """Replace the dataset's `episodes` by the merged history (when the input has any)."""
    if "episodes" in ds.tables:
        ds.tables["episodes"] = history(ds.tables["episodes"], findings)


def history(episodes: pd.DataFrame, findings: Findings) -> pd.DataFrame:
    """One row per episode, by child and start date, with START_UNKNOWN; findings for the
    episodes that do not chain, at the row kept (file, sheet, row and child)."""
    ep = _one_per_episode(episodes)
    before = ep["child_id"].eq(ep["child_id"].shift())  # the row before is the same child's
    after = before.shift(-1, fill_value=False)
    same, has_next = before.to_numpy(dtype=bool), after.to_numpy(dtype=bool)
    w = ep.assign(_prev_dec=ep["dec"].shift().where(before), _prev_rec=ep["rec"].shift().where(before),
                  _next_decom=ep["decom"].shift(-1).where(after))

    def report(mask: np.ndarray, column: str, kind: str, rule: str, text) -> None:
        rows = w[mask]
        if len(rows):
            findings.add(rows, None, column, kind, text(rows) + (f" (903 rule {rule})" if rule else ""))

    closed, x1 = ep["dec"].notna().to_numpy(), (ep["rec"] == X1).to_numpy(dtype=bool, na_value=False)
    not_s = (ep["rne"] != S).to_numpy(dtype=bool, na_value=True)
    overlap = same & (ep["decom"] < w["_prev_dec"]).to_numpy(dtype=bool, na_value=False)
    gap = has_next & (w["_next_decom"] > ep["dec"]).to_numpy(dtype=bool, na_value=False)
    # The previous episode ended, and not with X1: this one must start a new period.
    ended = w["_prev_dec"].notna().to_numpy() & ~w["_prev_rec"].isin([X1]).to_numpy() \
        & w["_prev_rec"].notna().to_numpy()
    first_not_s = ~same & not_s

    report(~closed & has_next, "dec", quality.EPISODE_NOT_ENDED, "142",
           lambda r: "episode has no end date (DEC), but the child's next episode starts " + _day(r["_next_decom"]))
    report(overlap, "decom", quality.OVERLAPPING_EPISODES, "501",
           lambda r: "episode starts " + _day(r["decom"]) + ", before the previous episode ended ("
           + _day(r["_prev_dec"]) + ")")
    report(x1 & closed & (~has_next | gap), "rec", quality.X1_NOT_CONTINUED, "388",
           lambda r: "episode ended X1 (a new episode the same day) on " + _day(r["dec"]) + ", but "
           + r["_next_decom"].map(lambda d: "no later episode follows" if pd.isna(d)
                                  else f"the next episode starts {d:%d/%m/%Y}"))
    report(ended & not_s, "rne", quality.PERIOD_NOT_STARTED_S, "432",
           lambda r: "the previous episode ended " + r["_prev_rec"].astype(str) + " on " + _day(r["_prev_dec"])
           + ", so this one starts a new period of care, but its RNE is " + _code(r["rne"]) + ", not S")
    report(first_not_s, "rne", quality.PERIOD_BEFORE_FILES, "",
           lambda r: "the child's first episode in the files has RNE " + _code(r["rne"]) + ", not S: its period "
           "of care began before the earliest file, so its start date is unknown")
    ep[START_UNKNOWN] = first_not_s
    return ep


def _day(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%d/%m/%Y").fillna("")


def _code(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: "blank" if pd.isna(c) else f"'{c}'")


def _one_per_episode(episodes: pd.DataFrame) -> pd.DataFrame:
    """The same episode (child and DECOM) in several files is one: the row with an end date
    (DEC) wins, else the later year's file, the one whose dates reach furthest (folder
    order breaks a tie: file names say nothing reliable about the year)."""
    part = episodes["_file"].astype(str) + "\0" + episodes["_sheet"].astype(str)
    reach = episodes[["decom", "dec"]].max(axis=1).groupby(part, sort=False).max()
    files = pd.DataFrame({"reach": reach, "order": range(len(reach))}).sort_values(["reach", "order"])
    year = part.map(pd.Series(range(len(files)), index=files.index))
    ep = episodes.assign(_closed=episodes["dec"].notna(), _year=year)
    ep = ep.sort_values([*_KEY, "_closed", "_year"], ascending=[True, True, False, False], kind="stable")
    ep = ep.drop_duplicates(_KEY, keep="first").drop(columns=["_closed", "_year"])
    return ep.sort_values(_KEY, kind="stable").reset_index(drop=True)


def continues(episodes: pd.DataFrame) -> np.ndarray:
    """Per row of `history`'s episodes: the episode continues the period of the row before
    (same child, that one ended X1 on the day this one starts, and this one is not an S)."""
    same = episodes["child_id"].eq(episodes["child_id"].shift())
    return (same & (episodes["rec"].shift() == X1) & (episodes["decom"] == episodes["dec"].shift())
            & (episodes["rne"] != S)).to_numpy(dtype=bool, na_value=False)


def period_of(episodes: pd.DataFrame) -> np.ndarray:
    """Per row of `history`'s episodes, the number of its period of care: the row of
    `periods(episodes)` it belongs to (0, 1, … in the same order)."""
    return np.cumsum(~continues(episodes)) - 1


def periods(episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per period of care, from `history`'s episodes: a period starts at an S
    episode (or at the child's first episode in the files, or after an episode that did
    not end X1), continues through each X1 end whose next episode starts that day, and
    ends at the first other end. `start` is blank when the period began before the
    earliest file (never the first episode's DECOM); `end` is blank while it is open.
    `first` and `last` are the positions (row numbers) of its first and last episodes."""
    cont = continues(episodes)
    ends = ~pd.Series(cont).shift(-1, fill_value=False).to_numpy(dtype=bool)
    first, last = episodes[~cont], episodes[ends]
    unknown = first[START_UNKNOWN].to_numpy(dtype=bool)
    return pd.DataFrame({
        "child_id": first["child_id"].to_numpy(),
        "start": first["decom"].mask(unknown).to_numpy(),
        START_UNKNOWN: unknown,
        "end": last["dec"].to_numpy(),
        "rec": last["rec"].to_numpy(),
        "episodes": np.diff(np.append(np.flatnonzero(~cont), len(episodes))),
        "first": np.flatnonzero(~cont),
        "last": np.flatnonzero(ends),
    })


# --- the history at a date, and the facts List 8 reads from it (annex-a-full.md §2.8) -----

# LS of a short break (V3 one episode per break, V4 the agreement): not care for List 8,
# nor "looked after" for Case Status.
SHORT_BREAKS = ("V3", "V4")
# RNE of an episode that starts a new placement: S, P and B with a new carer, T and U with
# the same carer (note H); L changes the legal status only.
NEW_CARER = ("S", "P", "B")
SAME_CARER = ("T", "U")


def as_at(episodes: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """`history`'s episodes as they stood at `as_of`: an episode starting after it does not
    exist yet, and an end after it has not happened (DEC, REC and the reason blank). The
    index (the row of `episodes`) is kept."""
    ep = episodes[(episodes["decom"] <= as_of).to_numpy(dtype=bool)].copy()
    later = (ep["dec"] > as_of).to_numpy(dtype=bool)
    if later.any():
        for column in ("dec", "rec", "reason_place_change"):
            if column in ep:
                ep[column] = ep[column].mask(later)
    return ep


def short_breaks_only(episodes: pd.DataFrame) -> np.ndarray:
    """Per period of `periods(episodes)`: every episode of it has LS V3 or V4."""
    breaks = episodes["ls"].isin(SHORT_BREAKS).to_numpy(dtype=bool)
    return pd.Series(breaks).groupby(period_of(episodes)).all().to_numpy(dtype=bool)


def _first_of_period(period: np.ndarray) -> np.ndarray:
    return np.r_[True, period[1:] != period[:-1]] if len(period) else np.zeros(0, dtype=bool)


def _since_mark(episodes: pd.DataFrame, marks: np.ndarray) -> pd.Series:
    """Per episode, the DECOM of the latest marked episode of its period at or before it
    (NaT when none is)."""
    started = episodes["decom"].where(marks)
    return started.groupby(period_of(episodes)).ffill()


def legal_status_start(episodes: pd.DataFrame) -> pd.Series:
    """Per episode, the start of its legal status (note D): the DECOM of the earliest episode
    of the period's run of the same LS ending at it. NaT when the run reaches back to the
    start of a period that began before the earliest file (the start is not in the data)."""
    first = _first_of_period(period_of(episodes))
    changed = first | (episodes["ls"].ne(episodes["ls"].shift())).to_numpy(dtype=bool)
    # START_UNKNOWN marks a child's first episode, which starts its first period.
    return _since_mark(episodes, changed & ~episodes[START_UNKNOWN].to_numpy(dtype=bool))


def placement_start(episodes: pd.DataFrame) -> pd.Series:
    """Per episode, the start of its placement (note H): the DECOM of the latest episode of
    the period at or before it with RNE S, P, B, T or U, or the period's first episode
    when that started the period. NaT when the placement began before the earliest file."""
    first = _first_of_period(period_of(episodes))
    new = episodes["rne"].isin(NEW_CARER + SAME_CARER).to_numpy(dtype=bool)
    known_first = first & ~episodes[START_UNKNOWN].to_numpy(dtype=bool)
    return _since_mark(episodes, new | known_first)


def placements_in_12_months(episodes: pd.DataFrame, spans: pd.DataFrame, since: pd.Timestamp,
                            as_of: pd.Timestamp, same_carer: bool) -> np.ndarray:
    """Per row of `spans` (rows of `periods(episodes)`), the placements of the period in
    [since, as_of] (note G): 1 for the placement held at max(since, period start), plus one
    for each later episode starting in (that day, as_of] with a new carer (RNE S, P, B),
    or with `same_carer` any new placement (T, U too). 0 for a period that ended before `since`."""
    held = (spans["end"].isna() | (spans["end"] >= since)).to_numpy(dtype=bool)
    moves = NEW_CARER + SAME_CARER if same_carer else NEW_CARER
    period = period_of(episodes)
    later = (episodes["decom"] > since) & (episodes["decom"] <= as_of) & episodes["rne"].isin(moves)
    # A period's first episode is the placement held at its start, never a later one.
    first = _first_of_period(period)
    counted = pd.Series(later.to_numpy(dtype=bool) & ~first).groupby(period).sum().to_numpy()
    return np.where(held, 1 + counted[period[spans["first"].to_numpy(dtype=int)]], 0)


OVERLAP, START = "overlap", "start"  # the two readings of "second or subsequent period" (note C)


def second_period(spans: pd.DataFrame, short_breaks: np.ndarray, since: pd.Timestamp,
                  rule: str = OVERLAP) -> np.ndarray:
    """Per row of `spans` (all of a child's periods, in `periods` order), whether an earlier
    period of the child that is not short breaks only lies in the 12 months (note C):
    `overlap` (PROPOSED) one that ended on or after `since`; `start` (D2I) one that started
    on or after it."""
    in_months = spans["end"] >= since if rule == OVERLAP else spans["start"] >= since
    counts = (in_months.to_numpy(dtype=bool) & ~short_breaks).astype(int)
    before = pd.Series(counts).groupby(spans["child_id"].to_numpy()).cumsum().to_numpy() - counts
    return before > 0
