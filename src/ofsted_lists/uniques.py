"""Work once per distinct value: factorize a column, then spread the per-value results
back onto its rows, so a million-row column costs no more than its distinct values."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 for NA) and the distinct non-NA values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        return values.factorize(use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts) in an object column
        fixed = values.map(lambda v: v if isinstance(v, Hashable) else repr(v), na_action="ignore")
        return fixed.factorize(use_na_sentinel=True)


def spread(per_unique: np.ndarray | Sequence[object], codes: np.ndarray, fill, index: pd.Index,
           dtype=None) -> pd.Series:
    """Map one value per unique back onto the rows; NA rows (code -1) get `fill`.

    A list may hold any objects: tuples stay whole, one per row."""
    if dtype == "str" and fill is None:
        # pyarrow's take: a million Python strings would cost five times as much.
        try:
            text = pa.array(per_unique, type=pa.large_string(), from_pandas=True)
            return pd.Series(text.take(pa.array(codes, mask=codes < 0)), index=index, dtype="str")
        except (pa.ArrowException, UnicodeEncodeError):
            pass
    dt = per_unique.dtype if isinstance(per_unique, np.ndarray) else object
    extended = np.empty(len(per_unique) + 1, dtype=dt)
    extended[:-1] = per_unique
    extended[-1] = fill
    if dtype == "str":
        return str_series(extended[codes], index)
    return pd.Series(extended[codes], index=index, dtype=dtype)


def str_series(items: Sequence[object], index: pd.Index | None = None) -> pd.Series:
    """A `str` Series of text (and NA) items."""
    try:
        return pd.Series(items, index=index, dtype="str")
    except UnicodeEncodeError:  # lone surrogates, e.g. from a file decoded with surrogateescape
        return pd.Series([v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v
                          for v in items], index=index, dtype="str")


def among(values: pd.Series, pool) -> np.ndarray:
    """`values.isin(pool)` as a bool array, by pyarrow's hash set: pandas' `isin` on
    arrow-backed text turns every pool value into a Python object first (a tenth of a
    second for a pool of child ids). NA is in no pool."""
    pool = pd.Series(pool, dtype="object").dropna()
    if not len(values) or not len(pool):
        return np.zeros(len(values), dtype=bool)
    try:
        arr = pa.array(values, from_pandas=True)
        found = pc.is_in(arr, value_set=pa.array(pool.astype(str).to_numpy(), type=pa.string()).cast(arr.type))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return values.isin(pool).to_numpy(dtype=bool)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def id_positions(ids: pd.Series | pd.Index, index: pd.Index) -> np.ndarray:
    """`index.get_indexer(ids)` for identifiers (-1 where absent), hashed by pyarrow: pandas
    turns text ids into Python objects first, ten times slower at a million rows."""
    try:
        pos = pc.index_in(pa.array(ids, type=pa.large_string()), value_set=pa.array(index, type=pa.large_string()))
    except (pa.ArrowException, UnicodeEncodeError):  # ids that are not all text
        return index.get_indexer(ids)
    return np.asarray(pc.fill_null(pos, -1))


class Keys:
    """One key column (a table's `child_id`s) factorised once, for inner joins of other
    tables onto it by integer codes: no key text is copied and each side is hashed once."""

    def __init__(self, values: pd.Series):
        self.codes, self.distinct = factorize(values)
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.distinct))
        self._order = np.argsort(self.codes, kind="stable")  # rows grouped by code, NA first
        self._counts = counts
        self._first = np.cumsum(counts) - counts + int((self.codes < 0).sum())

    def code_of(self, values: pd.Series) -> np.ndarray:
        """Each value's code among `distinct` (-1: not a key, or NA)."""
        return id_positions(values, self.distinct).astype(np.int64)

    def pairs(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Positions (i, j) of every pair with key row i equal to `values` row j, as an inner
        merge on the key pairs them, ordered by j then i."""
        code = self.code_of(values)
        right = np.flatnonzero(code >= 0)
        code = code[right]
        n = self._counts[code]
        ends = np.cumsum(n)
        within = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - n, n)
        return self._order[np.repeat(self._first[code], n) + within], np.repeat(right, n)
