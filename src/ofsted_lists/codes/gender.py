"""Gender (SPEC §3.2, §4 "Codes"): `1/M/Male` … -> `a) Male`, `b) Female`,
`c) Not stated/recorded`, `d) Neither`."""

from __future__ import annotations

import re

from ..schema import norm
from .text import compile_rules, first, is_blank, no_guess, words

LABELS = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded", "N": "d) Neither"}
BLANK = "U"  # a blank gender is "not stated/recorded"

_EXACT = {
    **dict.fromkeys(("1", "m", "male", "boy", "man"), "M"),
    **dict.fromkeys(("2", "f", "female", "girl", "woman"), "F"),
    **dict.fromkeys(("9", "i", "neither", "other", "indeterminate", "x"), "N"),
    **dict.fromkeys(("0", "u", "unknown", "notknown", "notstated", "notrecorded", "notstatedrecorded",
                     "unborn", "withheld", "notstatedrecordedorunborn"), "U"),
}
STRICT = {norm(k): v for k, v in _EXACT.items()} | {norm(x): c for c, x in LABELS.items()}
_RULES = compile_rules([
    # Neither first: "Indeterminate gender (unknown if male or female)", "Transgender female".
    (r"\b(indeterminate|neither|non ?binary|nonbinary|trans\w*|intersex|gender ?(fluid|queer|diverse)|"
     r"agender|genderqueer|other|self describe)\b", "N"),
    (r"\b(unknown|not (known|stated|recorded|specified|given)|unspecified|unborn|withheld|refused|"
     r"declined|prefer\w* not)\b", "U"),
    (r"\b(female|girl|woman)\b", "F"),
    (r"\b(male|boy|man)\b", "M"),
])


def _gender(t: str) -> str | None:
    if is_blank(t):
        return "U"
    return _named(t) or first(_RULES, words(t))


def _named(t: str) -> str | None:
    code = _EXACT.get(norm(t))
    if code:
        return code
    m = re.match(r"^([0129])\s*[-:]\s*(.+)$", t)
    if m:
        return _gender(m.group(2)) or _EXACT[m.group(1)]
    return None


def named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code or label, or a DfE code prefix ("2 - Female")."""
    return _named(t)


def keywords(raw: str, t: str) -> str | None:
    return first(_RULES, words(t))


guess = no_guess
