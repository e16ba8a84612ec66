"""Care leavers', adoption and adopters' coded values (Annex A Lists 9-11,
annex-a-full.md §2.9-§2.11, §3.2): local spellings and the 903 codes -> the Annex A labels.

A value is read by its `norm` form (case, spaces and punctuation ignored): the Annex A label
(`a) Relevant child`), its code part with or without the label (`F1`, `F1 - Full time in
higher education`, `RD2`), the 903 code (`REFU`, `B1`) or the words a CMS writes
(`Former relevant`, `Refused`, `Process put on hold`). What none of these names is unmapped:
the lists write it blank and report it; nothing is guessed from loose words.
"""

from __future__ import annotations

import re

import pandas as pd

from ..readers.annex_a_lists import CODES
from ..schema import norm
from ..uniques import factorize, spread
from .mapping import Mapped
from .text import as_text, is_blank, prep


def _by_code(kind: str, split: str) -> dict[str, str]:
    """Code part (`F1`, `RD1`, `1`, `B`) -> its Annex A label, from the code list."""
    return {label.split(split)[0].strip(): label for label in CODES[kind]}


def _words(labels: dict[str, str], split: str) -> dict[str, str]:
    """Every spelling by which a label is named outright: the label, its code, its words."""
    out = {}
    for code, label in labels.items():
        out[norm(label)] = out[norm(code)] = out[norm(label.split(split, 1)[-1])] = label
    return out


def _also(labels: dict[str, str], words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Local spellings: each of a code's `words` -> its label."""
    return {norm(w): labels[code] for code, spellings in words.items() for w in spellings}


_ELIGIBILITY_CODES = _by_code("eligibility", ")")                # "a" -> "a) Relevant child"
_ELIGIBILITY = _words(_ELIGIBILITY_CODES, ") ") | _also(_ELIGIBILITY_CODES, {
    "a": ("Relevant",), "b": ("Former relevant",), "c": ("Qualifying",), "d": ("Eligible",)})
# Annex A's a)-f) carry the 903 IN_TOUCH codes (rule 131) as their words: YES NO DIED REFU NREQ RHOM.
_IN_TOUCH_CODES = _by_code("in_touch", ")")
_IN_TOUCH = _words(_IN_TOUCH_CODES, ") ") | _also(_IN_TOUCH_CODES, {
    "a": ("y", "true", "in touch"), "b": ("n", "false", "not in touch"),
    "c": ("deceased", "young person died"), "d": ("refused", "young person refused contact"),
    "e": ("not required", "no longer requires services", "no longer requires contact"),
    "f": ("returned home", "returned home to parents")})
_ACCOMMODATION = _by_code("accommodation", ":")                 # "B" -> "B: Parents/relatives"
_ACCOMMODATION_WORDS = _words(_ACCOMMODATION, ":")
_SUITABILITY_CODES = _by_code("suitability", ")")
SUITABLE, UNSUITABLE = _SUITABILITY_CODES["a"], _SUITABILITY_CODES["b"]
# The 903 ACCOM digit: 1 suitable, 2 unsuitable (annex-a-full.md §2.9, UNCONFIRMED reading).
_SUITABILITY_DIGIT = {"1": SUITABLE, "2": UNSUITABLE}
_SUITABILITY = _words(_SUITABILITY_CODES, ") ") | _also(_SUITABILITY_CODES, {
    "a": ("1", "y", "yes", "true"), "b": ("2", "not suitable", "n", "no", "false")})
_ACTIVITY = _by_code("activity", ":")
_ACTIVITY_WORDS = _words(_ACTIVITY, ":")
_RD = _by_code("rd_reason", " - ")
_RD_WORDS = _words(_RD, " - ")
_LEFT = _by_code("left_reason", " - ")
_LEFT_WORDS = _words(_LEFT, " - ") | _also(_LEFT, {
    "1": ("withdrew", "adopter withdrew", "withdrawn"), "2": ("on hold", "put on hold"),
    "3": ("refused", "application refused")})
ON_HOLD = _LEFT["2"]
# 903 codes of "none / not applicable" in ACCOM and ACTIV: a blank cell, not an unmapped one.
_NOTHING = frozenset({"0"})
# A remark in brackets after the value: "Former relevant (18+)".
_ASIDE = re.compile(r"\([^)]*\)")
# A code with its label after it: "F1 - Full time…", "B: Parents", "a) Yes".
_CODE_FIRST = re.compile(r"^\s*([A-Za-z]{1,4}\d?|\d)\s*(?::|-|–|\)|\s)\s*\S")


def _read(values: pd.Series, lookup) -> Mapped:
    """`lookup(text)` ("" blank, None unmapped, else the label) once per distinct value."""
    codes, uniques = factorize(values)
    out, bad = [], []
    for u in uniques:
        label = lookup(as_text(u).strip())
        out.append(label or None)
        bad.append(label is None)
    return Mapped(spread(out, codes, None, values.index, "str"), spread(bad, codes, False, values.index, bool))


def _named(table: dict[str, str], text: str) -> str | None:
    """The label `text` names: itself, or its code part before a label."""
    if is_blank(prep(text)):
        return ""
    label = table.get(norm(text)) or table.get(norm(_ASIDE.sub("", text)))
    if label is None and (m := _CODE_FIRST.match(text)):
        label = table.get(norm(m.group(1)))
    return label


def eligibility(values: pd.Series) -> Mapped:
    """`Relevant`, `Former Relevant`, `Qualifying`, `Eligible` (the SSD's values), the letter,
    or the Annex A label -> a) … d); anything else ("No current eligibility") unmapped."""
    return _read(values, lambda t: _named(_ELIGIBILITY, t))


def in_touch(values: pd.Series) -> Mapped:
    """903 IN_TOUCH (YES NO DIED REFU NREQ RHOM), the Annex A label, or its words -> a) … f)."""
    return _read(values, lambda t: _named(_IN_TOUCH, t))


def _accommodation(text: str) -> str | None:
    if text in _NOTHING:
        return ""
    m = re.fullmatch(r"([A-Za-z])\s*[12]?", text)  # "B" (one letter) or the 903's "B1"
    return _ACCOMMODATION.get(m.group(1).upper()) if m else _named(_ACCOMMODATION_WORDS, text)


def accommodation(values: pd.Series) -> Mapped:
    """Type of accommodation: the letter (`U`), the 903 letter + digit (`U1`), the label or
    its words -> `U: Independent living`; 903 `0` blank."""
    return _read(values, _accommodation)


def _digit(text: str) -> str | None:
    m = re.fullmatch(r"[A-Za-z]\s*([12])", text)
    return _SUITABILITY_DIGIT[m.group(1)] if m else ""


def suitability_in(accom: pd.Series) -> pd.Series:
    """The suitability an accommodation code carries: the 903 ACCOM's digit (`B1` suitable,
    `B2` unsuitable); blank where it has none."""
    return _read(accom, _digit).values


def suitability(values: pd.Series) -> Mapped:
    """`1`/`2`, yes/no, `Suitable`/`Unsuitable` or the label -> a) Suitable / b) Unsuitable."""
    return _read(values, lambda t: _named(_SUITABILITY, t))


def activity(values: pd.Series) -> Mapped:
    """903 ACTIV (F1 … G6, F3/P3 of older years), with or without its label, or the label's
    words -> the Annex A label; 903 `0` blank."""
    return _read(values, lambda t: "" if t in _NOTHING else _named(_ACTIVITY_WORDS, t))


def rd_reason(values: pd.Series) -> Mapped:
    """903 REASON_PLACED_CEASED RD1-RD4, with or without a label -> `RD1 - …`."""
    return _read(values, lambda t: _named(_RD_WORDS, t))


def left_reason(values: pd.Series) -> Mapped:
    """`1`-`3`, `2 - Process put on hold`, or the words (`on hold`, `withdrew`, `refused`) -> `1 - …`."""
    return _read(values, lambda t: _named(_LEFT_WORDS, t))


# List 11 orders gender its own way (annex-a-full.md §2.11): the children's labels moved over.
_ADOPTER_GENDER = dict(zip(("a) Male", "b) Female", "d) Neither", "c) Not stated/recorded"), CODES["adopter_gender"]))


def adopter_gender(mapped: Mapped) -> Mapped:
    """The children's gender labels (`map_codes("gender", …)`) in List 11's order:
    `c) Neither`, `d) Not stated/recorded`. An unmapped value stays as it came."""
    return Mapped(mapped.values.map(lambda v: _ADOPTER_GENDER.get(v, v), na_action="ignore").astype("str"),
                  mapped.unmapped)
