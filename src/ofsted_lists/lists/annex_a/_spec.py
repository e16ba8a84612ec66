"""What every Annex A list module shares: its ListSpec made from the Annex A headings held
as data in `readers/annex_a_lists.py` (the one source of truth for reading and writing
Annex A), and a sheet rewritten in the August 2019 layout (`annex_a.version = "2019"`)."""

from __future__ import annotations

import pandas as pd

from ...readers.annex_a_lists import BY_NUMBER, CHILD, FLAG, NEWER, TO_2019, V2019, code_lists
from .._common import CHILD_COLUMNS, DISABILITY_FLAG, Feed, ListSpec


def annex_spec(number: int, needs: tuple[str, ...], rule: str, key_date: str, feeds: tuple[Feed, ...] = (),
               needs_any: bool = False) -> ListSpec:
    """Annex A List `number` as a sheet `List N`: exactly its headings, in order (SPEC §9)."""
    annex = BY_NUMBER[number]
    names = tuple(h.heading() for h in annex.headings)
    own = tuple(h.heading() for h in annex.headings if h not in CHILD and h.column != FLAG)
    flag = any(h.column == FLAG for h in annex.headings)
    standard = names == (*CHILD_COLUMNS, *([DISABILITY_FLAG] if flag else []), *own)
    return ListSpec(key=str(number), sheet=f"List {number}", annex_a=annex.title, needs=needs, columns=own,
                    key_date=key_date, disability_flag=flag, rule=rule, feeds=feeds,
                    headings=() if standard else names, needs_any=needs_any)


def in_version(spec: ListSpec, frame: pd.DataFrame, version: str) -> pd.DataFrame:
    """The sheet of `spec` in `version`'s layout: the newer one as built; the 2019 one with
    the 2019 headings, without the newer-only columns, and each coded column's newer-only
    codes as the 2019 code (`TO_2019`)."""
    if version == NEWER:
        return frame
    out = frame.copy()
    for h in BY_NUMBER[int(spec.key)].headings:
        name = h.heading()
        if name not in out:
            continue
        old = code_lists(V2019).get(h.code_list(V2019))
        newer_only = TO_2019.get(h.code_list(V2019), {}) if old is not None else {}
        if newer_only:
            col = out[name]
            hit = col.isin(list(newer_only)).to_numpy(dtype=bool)
            if hit.any():
                out[name] = col.mask(hit, col.map(newer_only))
    gone = [h.heading() for h in BY_NUMBER[int(spec.key)].headings if h.newer_only and h.heading() in out]
    return out.drop(columns=gone).rename(
        columns={h.heading(): h.heading(version) for h in BY_NUMBER[int(spec.key)].headings})
