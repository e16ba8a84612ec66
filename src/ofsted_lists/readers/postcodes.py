"""The postcode-to-LA lookup named by `[annex_a] postcode_lookup` (SPEC §7, annex-a-full.md
§2.8 note J): a CSV of postcodes and the LA each lies in, such as the ONS postcode
directory (`pcds`/`pcd`, `laua` or `ladNNcd`, `utlaNNcd`) or a plain `postcode`,
`la_code`, `la_name` file. Postcodes are compared upper-case with no spaces."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..schema import norm

# Heading (as `norm` text) -> its part, most specific first: the upper-tier LA wins over the
# lower-tier one, as D2I maps LTLA to UTLA before comparing with the reporting LA.
_POSTCODE = (re.compile(r"postcode|pcds|pcd|pcd7|pcd8"),)
_CODE = (re.compile(r"lacode"), re.compile(r"utla(\d\d)?cd|utla"), re.compile(r"laua|lad(\d\d)?cd|lacd"))
_NAME = (re.compile(r"laname"), re.compile(r"utla(\d\d)?nm"), re.compile(r"lad(\d\d)?nm|lanm"))


def _pick(headings: list[str], patterns: tuple[re.Pattern, ...]) -> list[str]:
    """The headings matching `patterns`, the most specific first."""
    return [h for pattern in patterns for h in headings if pattern.fullmatch(norm(h))]


def _first(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per row, the first non-blank value of `columns` (an upper-tier code, else the lower-tier one)."""
    out = pd.Series(pd.NA, index=frame.index, dtype="object")
    for c in columns:
        out = out.fillna(frame[c].str.strip().replace("", pd.NA))
    return out


def postcode_key(postcodes: pd.Series) -> pd.Series:
    """A postcode as the lookup compares it: upper case, no spaces."""
    return postcodes.astype("str").str.upper().str.replace(r"\s+", "", regex=True)


def read(path: Path) -> pd.DataFrame:
    """The lookup as `postcode` (compared form), `la_code` and `la_name` (blank where the file
    has no names), one row per postcode. A missing or unreadable file, or one with no
    postcode or LA code heading, is a UsageError naming the file."""
    where = f"postcode lookup {path.name} ([annex_a] postcode_lookup)"
    try:
        headings = list(pd.read_csv(path, nrows=0, dtype="str", encoding="utf-8-sig").columns)
        postcode, code, name = _pick(headings, _POSTCODE), _pick(headings, _CODE), _pick(headings, _NAME)
        if not postcode or not code:
            raise UsageError(f"{where} has no {'postcode' if not postcode else 'LA code'} column; expected "
                             + ("pcds, pcd or postcode" if not postcode else "la_code, laua, ladNNcd or utlaNNcd"))
        used = list(dict.fromkeys([postcode[0], *code, *name]))
        frame = pd.read_csv(path, usecols=used, dtype="str", encoding="utf-8-sig", keep_default_na=False)
    except FileNotFoundError:
        raise UsageError(f"{where} not found: {path}") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise UsageError(f"cannot read {where}: {exc.__class__.__name__}") from None
    out = pd.DataFrame({"postcode": postcode_key(frame[postcode[0]]), "la_code": _first(frame, code),
                        "la_name": _first(frame, name)})
    out = out[(out["postcode"] != "") & out["la_code"].notna()]
    return out.drop_duplicates("postcode", keep="first").reset_index(drop=True)
