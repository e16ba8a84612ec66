"""Who is disabled at the as-of date (SPEC §3.1).

Codes come from `children.disability` (which may have been filled from event
tables) and the long-form `disabilities` table, taken together. A record is
current when open at the as-of date. Disabled = at least one current code other
than NONE, or an explicit yes. Records but no current real code = not disabled.
No record at all = unknown: not listed, but counted per list in the Summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import codes, quality, uniques, values
from .config import Config
from .uniques import among
from .errors import InputError
from .normalise import PROVENANCE, Dataset
from .quality import Findings
from .schema import EVENT_TABLES

DISABLED = "disabled"
NOT_DISABLED = "not disabled"
UNKNOWN = "unknown"
DISABILITY_UNMAPPED = "maps to no CIN disability code; read as no record (map it under [values.disability])"
_ORDER = {c: i for i, c in enumerate(codes.DISABILITY_CODES)}


@dataclass
class Disability:
    status: pd.Series      # index child_id -> DISABLED / NOT_DISABLED (children with no record absent)
    codes_text: pd.Series  # index child_id -> "LD, AUT" or "Yes", for disabled children

    def of(self, child_ids: pd.Series) -> pd.Series:
        """Status for each id; a child with no record is UNKNOWN."""
        pos = uniques.id_positions(child_ids, self.status.index)
        known = pa.array(self.status, type=pa.large_string())  # no copy: `str` is arrow-backed
        chunks = known.chunks if isinstance(known, pa.ChunkedArray) else [known]
        labels = pa.chunked_array([*chunks, pa.array([UNKNOWN], type=pa.large_string())]).combine_chunks()
        found = labels.take(pa.array(np.where(pos < 0, len(self.status), pos)))
        return pd.Series(found, index=child_ids.index, dtype="str")


def has_source(ds: Dataset) -> bool:
    """Any disability source at all: children.disability, the disabilities table, or an event column."""
    if ds.has("disabilities"):
        return True
    return any(ds.has_column(t, "disability") for t in ("children", *EVENT_TABLES))


def _current(d: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """A disabilities record is current when open at the as-of date (SPEC §3.1)."""
    return (d["start_date"].isna() | (d["start_date"] <= as_of)) & (d["end_date"].isna() | (d["end_date"] > as_of))


def _counts(code: pd.Series, current: pd.Series) -> pd.Series:
    """A code that makes the child disabled: a real CIN code or an explicit yes, current."""
    return (code.isin(_ORDER) | (code == "YES")) & current.astype(bool)


def _records(ds: Dataset, config: Config, findings: Findings) -> pd.DataFrame:
    """Long form: one row per (child, code) with whether the record is current."""
    parts = []
    as_of = pd.Timestamp(ds.as_of)
    extra = config.mapping("disability")
    ch = ds.children.reset_index()
    if ch["disability"].notna().any():
        parsed = codes.parse_disability(ch["disability"], extra)
        findings.add_unmapped(ch, parsed.unmapped, "disability", DISABILITY_UNMAPPED)
        parts.append(pd.DataFrame({"child_id": ch["child_id"], "code": parsed.codes, "current": True,
                                   **{p: ch[p] for p in PROVENANCE}}))
    if ds.has("disabilities"):
        d = ds.tables["disabilities"]
        parsed = codes.parse_disability(d["disability_code"], extra)
        findings.add_unmapped(d, parsed.unmapped, "disability_code", DISABILITY_UNMAPPED)
        current = _current(d, as_of)
        parts.append(pd.DataFrame({"child_id": d["child_id"], "code": parsed.codes, "current": current,
                                   **{p: d[p] for p in PROVENANCE}}))
    if not parts:
        return pd.DataFrame(columns=["child_id", "code", "current", *PROVENANCE])
    long = pd.concat(parts, ignore_index=True).explode("code")
    return long[long["code"].notna()]


def _joined(ids: pd.Series, codes: pd.Series) -> pd.Series:
    """Per run of equal ids (ids sorted): the codes joined with ", ", index child_id.

    One list array cut at the runs and joined by pyarrow: a per-group Python join costs
    half a second for twenty thousand children."""
    ids_arr = ids.to_numpy(dtype=object)
    n = len(ids_arr)
    offsets = np.concatenate([[0], np.flatnonzero(ids_arr[1:] != ids_arr[:-1]) + 1, [n]]) if n else np.zeros(1)
    lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                     pa.array(codes.to_numpy(dtype=object), pa.large_string()))
    joined = pc.binary_join(lists, pa.scalar(", ", pa.large_string()))
    index = pd.Index(ids_arr[offsets[:-1].astype(np.int64)], name="child_id", dtype="str")
    return pd.Series(joined, index=index, dtype="str", name="code")


def assess(ds: Dataset, config: Config, findings: Findings, required: bool = True) -> Disability:
    """Every child's disability at the as-of date. Without any disability source the
    disabled-children lists cannot be made (`required`: an error); the full profile lists
    every child and reads them all unknown (a warning says so, `alerts`)."""
    if not has_source(ds) and not required:
        none = pd.Series([], index=pd.Index([], name="child_id", dtype="str"), dtype="str")
        return Disability(status=none, codes_text=none.copy())
    if not has_source(ds):
        raise InputError(
            "no disability source in the input: add a 'disability' column to children, "
            "or a disabilities export (child_id, disability_code), so disabled children can be listed"
        )
    long = _records(ds, config, findings)
    current_real = long[_counts(long["code"], long["current"])]
    disabled_ids = pd.Index(current_real["child_id"].unique())
    status = pd.Series(NOT_DISABLED, index=pd.Index(long["child_id"].unique(), name="child_id"), dtype="str")
    status[disabled_ids] = DISABLED

    none_rows = long[(long["code"] == "NONE").to_numpy(dtype=bool) & among(long["child_id"], disabled_ids)]
    findings.add(none_rows.drop_duplicates("child_id"), None, "disability", quality.NONE_WITH_CODES,
                 "NONE recorded beside real disability codes; NONE ignored")

    named = current_real[current_real["code"] != "YES"].drop_duplicates(["child_id", "code"])
    named = named.assign(_o=named["code"].map(_ORDER)).sort_values(["child_id", "_o"])
    codes_text = _joined(named["child_id"], named["code"]).reindex(disabled_ids).fillna("Yes")
    return Disability(status=status, codes_text=codes_text)


def _codes_words(found: tuple[str, ...], unmapped: bool) -> str:
    """What a disability value was read as."""
    if not found:
        return DISABILITY_UNMAPPED if unmapped else "no record (an unknown or blank value)"
    words = "→ " + ", ".join("an explicit yes" if c == "YES" else "NONE (no disability)" if c == "NONE" else c
                             for c in found)
    return words + (" (a part of it maps to no CIN disability code and is read as no record)" if unmapped else "")


def explain(ds: Dataset, config: Config, disability: Disability, child_id: str) -> tuple[str, list[str]]:
    """How the child's disability was decided: (the verdict, one line per record), using
    the same parser, "current" and "counts" rules as `assess`."""
    as_of = pd.Timestamp(ds.as_of)
    extra = config.mapping("disability")
    status = disability.of(pd.Series([child_id], dtype="str")).iloc[0]
    lines: list[str] = []
    value = ds.children["disability"].get(child_id) if child_id in ds.children.index else None
    if value is not None and pd.notna(value):
        own = ds.tables.get("children")
        row = own.loc[(own["child_id"] == child_id).to_numpy() & own["disability"].notna().to_numpy(), "_row"] \
            if own is not None else pd.Series(dtype="int64")
        source = f"children row {row.iloc[0]}" if len(row) else \
            "the disability column of the child's latest event record that has one (children has none)"
        parsed = codes.parse_disability(pd.Series([value], dtype="str"), extra)
        found = parsed.codes.iloc[0] or ()
        counted = _counts(pd.Series(list(found), dtype=object), pd.Series(True, index=range(len(found))))
        lines.append(f"{source}: disability '{value}' {_codes_words(found, bool(parsed.unmapped.iloc[0]))}"
                     + ("; current (a children value has no dates)" if counted.any() else ""))
    if ds.has("disabilities"):
        d = ds.tables["disabilities"]
        d = d[(d["child_id"] == child_id).to_numpy(dtype=bool)].sort_values(["start_date", "_row"], na_position="first")
        parsed = codes.parse_disability(d["disability_code"], extra)
        current = _current(d, as_of)
        for i, row in d.iterrows():
            found = parsed.codes.loc[i] or ()
            period = (f"from {values.day(row['start_date'])}" if pd.notna(row["start_date"]) else "with no start date") \
                + (f" to {values.day(row['end_date'])}" if pd.notna(row["end_date"]) else ", no end date")
            if current.loc[i]:
                when = f"current at {values.day(as_of)}"
            elif pd.notna(row["start_date"]) and row["start_date"] > as_of:
                when = f"starts after {values.day(as_of)}: not current yet"
            else:
                when = f"ended on or before {values.day(as_of)}: not current"
            lines.append(f"disabilities row {row['_row']}: '{row['disability_code']}' {period} "
                         f"{_codes_words(found, bool(parsed.unmapped.loc[i]))}; {when}")
    if status == DISABLED:
        head = f"disabled at {values.day(as_of)}: current codes {disability.codes_text.get(child_id)}"
    elif status == NOT_DISABLED:
        head = (f"not disabled at {values.day(as_of)}: the child has disability records but no current real code "
                "(only NONE, an explicit no, or codes ended or not yet started)")
    else:
        head = ("unknown disability: no disability record for the child (no disability value in children or on "
                "its event records, no row in disabilities; 'Unknown', blank and unmapped values are no record). "
                "It is on no list; the Summary counts it per list")
    return head, lines or ["no disability record"]
