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

from . import codes, quality, values
from .config import Config
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
        pos = values.id_positions(child_ids, self.status.index)
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
        current = (d["start_date"].isna() | (d["start_date"] <= as_of)) & (
            d["end_date"].isna() | (d["end_date"] > as_of))
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


def assess(ds: Dataset, config: Config, findings: Findings) -> Disability:
    if not has_source(ds):
        raise InputError(
            "no disability source in the input: add a 'disability' column to children, "
            "or a disabilities export (child_id, disability_code), so disabled children can be listed"
        )
    long = _records(ds, config, findings)
    real = long["code"].isin(_ORDER) | (long["code"] == "YES")
    current_real = long[real & long["current"].astype(bool)]
    disabled_ids = pd.Index(current_real["child_id"].unique())
    status = pd.Series(NOT_DISABLED, index=pd.Index(long["child_id"].unique(), name="child_id"), dtype="str")
    status[disabled_ids] = DISABLED

    none_rows = long[(long["code"] == "NONE") & long["child_id"].isin(disabled_ids)]
    findings.add(none_rows.drop_duplicates("child_id"), None, "disability", quality.NONE_WITH_CODES,
                 "NONE recorded beside real disability codes; NONE ignored")

    named = current_real[current_real["code"] != "YES"].drop_duplicates(["child_id", "code"])
    named = named.assign(_o=named["code"].map(_ORDER)).sort_values(["child_id", "_o"])
    codes_text = _joined(named["child_id"], named["code"]).reindex(disabled_ids).fillna("Yes")
    return Disability(status=status, codes_text=codes_text)
