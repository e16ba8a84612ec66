"""Category of abuse (SPEC §4 "Codes": CIN census `NEG/PHY/SAB/EMO/MUL` and their labels -> `a) Neglect` …)."""

from __future__ import annotations

import re

from ..schema import norm
from .text import compile_rules, label_table, no_guess, words

LABELS = {
    "NEG": "a) Neglect", "PHY": "b) Physical abuse", "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse", "MUL": "e) Multiple/not recommended",
}
BLANK = ""  # a blank category stays blank

_CATEGORY_WORDS = compile_rules([
    (r"\b(neg|neglect\w*)\b", "NEG"),
    (r"\b(phy|phys|physab|physical\w*|pa)\b", "PHY"),
    (r"\b(sab|sexual\w*|sa)\b", "SAB"),
    (r"\b(emo|emotion\w*|ea)\b", "EMO"),
])
_CATEGORY_FLAGS = ("NEG", "PHY", "SAB", "EMO")  # Annex A order, used by Y/N flag strings ("NYNN")
STRICT = label_table(LABELS, ") ")


def named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code or label, or Y/N flags in Annex A order ("NYNN")."""
    n = norm(t)
    if n in STRICT:
        return STRICT[n]
    if re.fullmatch(r"[yn]{4}", n):
        named = [c for c, flag in zip(_CATEGORY_FLAGS, n) if flag == "y"]
        return None if not named else named[0] if len(named) == 1 else "MUL"
    return None


def keywords(raw: str, t: str) -> str | None:
    w = words(t)
    if re.search(r"\b(mul|multiple|more than one|not recommended)\b", w):
        return "MUL"
    named = {code for pattern, code in _CATEGORY_WORDS if pattern.search(w)}
    return None if not named else named.pop() if len(named) == 1 else "MUL"


guess = no_guess
