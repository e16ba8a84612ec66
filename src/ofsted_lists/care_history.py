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
