"""How well the matcher reads real local spellings: the liia-tools-pipeline variant table
(tests/data/peer) scored per column group as the share of rows mapped to the peer's group
(right), to another group (wrong) and to no code (unmapped).

The peer files each spelling under a grouped code (its pan-London minimisation), so our
Annex A code is compared through `known.GROUPS`. A row the peer files as a code error is
right when we leave it unmapped. Used by tests/test_codes.py and benchmarks/matcher.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .disability import parse_disability
from .known import GROUPS, KnownSpellings
from .mapping import LABELS, map_codes

# column group -> (the peer's columns, the code kind; None: disability)
PEER_GROUPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "gender": (("Gender",), "gender"),
    "ethnicity": (("Ethnicity",), "ethnicity"),
    "source": (("Contact Source", "Referral Source"), "source"),
    "abuse_category": (("Initial Category of Abuse", "Latest Category of Abuse"), "abuse_category"),
    "primary_need": (("Primary Need Code",), "primary_need"),
    "disability": (("Disability", "Does the Child have a Disability"), None),
}
_UNMAPPED = "zzcodeerror"  # the peer's group for a value that names no code


class Score(NamedTuple):
    right: int     # rows in the peer's group
    wrong: int     # rows mapped into another group
    unmapped: int  # rows mapped to no code

    @property
    def rows(self) -> int:
        return self.right + self.wrong + self.unmapped

    @property
    def share(self) -> float:
        return self.right / self.rows

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.rows

    @property
    def unmapped_share(self) -> float:
        return self.unmapped / self.rows

    def __add__(self, other):  # type: ignore[override]
        return Score(*(a + b for a, b in zip(self, other)))


class Miss(NamedTuple):
    group: str
    variant: str
    peer: str  # the peer's group
    ours: str  # our group, or "zzcodeerror" when unmapped


def read_peer(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _peer_group(codes: pd.Series) -> np.ndarray:
    """"a) Health services" -> "health services", as known.derive files them."""
    return codes.str.replace(r"^[a-z]\) ", "", regex=True).str.strip().str.casefold().to_numpy()


def _ours(kind: str | None, variants: pd.Series, known: KnownSpellings | None) -> tuple[np.ndarray, np.ndarray]:
    if kind is None:
        parsed = parse_disability(variants, known=known)
        ours = ["true" if set(c) - {"NONE"} else "false" if c else "unknown" for c in parsed.codes]
        return np.array(ours), parsed.unmapped.to_numpy()
    m = map_codes(kind, variants, known=known)
    code_of = {label: code for code, label in LABELS[kind].items()}
    ours = [_UNMAPPED if bad else GROUPS[kind][code_of[v]] for v, bad in zip(m.values, m.unmapped)]
    return np.array(ours), m.unmapped.to_numpy()


def score(table: pd.DataFrame, known: KnownSpellings | None, groups: Iterable[str] = tuple(PEER_GROUPS),
          columns: Iterable[str] | None = None) -> tuple[dict[str, Score], list[Miss]]:
    """Per column group and "overall": rows right, wrong and unmapped; and every row not right.

    `known` as for map_codes ({} scores the rules alone); `columns` narrows the peer columns.
    """
    scores: dict[str, Score] = {}
    misses: list[Miss] = []
    for group in groups:
        peer_columns, kind = PEER_GROUPS[group]
        rows = table[table["column"].isin(list(columns) if columns else peer_columns)]
        if group == "gender":
            # The peer files "I" under not stated; SPEC §3.2 says I -> neither: not scored.
            rows = rows[rows["observed_variant"] != "I"]
        expected = _peer_group(rows["peer_code"])
        ours, unmapped = _ours(kind, pd.Series(rows["observed_variant"].to_numpy(), dtype="str"), known)
        right = ours == expected
        scores[group] = Score(int(right.sum()), int((~right & ~unmapped).sum()), int((~right & unmapped).sum()))
        misses += [Miss(group, v, e, o) for v, e, o in zip(rows["observed_variant"][~right], expected[~right],
                                                          ours[~right])]
    scores["overall"] = sum(scores.values(), Score(0, 0, 0))
    return scores, misses


def report(title: str, scores: dict[str, Score], misses: Iterable[Miss] = ()) -> str:
    """The figures as lines an analyst reads (misses first, when given)."""
    lines = [title]
    lines += [f"      {'wrong' if m.ours != _UNMAPPED else 'unmapped'}: {m.variant!r} peer={m.peer!r} ours={m.ours!r}"
              for m in misses]
    for group, s in scores.items():
        lines.append(f"  {group:15} {s.rows:5} rows: {s.share:6.1%} right, {s.wrong_share:5.1%} wrong, "
                     f"{s.unmapped_share:5.1%} unmapped")
    return "\n".join(lines)
