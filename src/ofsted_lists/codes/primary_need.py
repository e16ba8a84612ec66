"""Primary need (SPEC §4 "Codes": CIN census `N0`…`N9` and their labels -> `N2 - Child's disability` …)."""

from __future__ import annotations

import re

from ..schema import norm
from .text import clear_or_guess, compile_rules, earliest, label_table, words

LABELS = {
    "N1": "N1 - Abuse or neglect", "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness", "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction", "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income", "N8": "N8 - Absent parenting",
    "N9": "N9 - Cases other than children in need", "N0": "N0 - Not stated",
}
BLANK = ""  # a blank need stays blank

_NEED_CODE = re.compile(r"(?<![a-z0-9])n ?([0-9])(?![0-9])")
_NEED_LOCAL = re.compile(r"^([1-9])[a-z]")  # "1c Emotional abuse", "7LOWINCM": a local sub-code of N1..N9
# Category abbreviations some systems prefix their sub-codes with ("ABS_PHYS", "FDS_CARE").
_NEED_ABBREVIATIONS = {"abs": "N1", "abu": "N1", "dis": "N2", "par": "N3", "fst": "N5", "fds": "N5",
                       "bhv": "N6", "beh": "N6", "inc": "N7", "abp": "N8"}
_NEED_RULES = compile_rules([
    # Substance misuse with no parent named sits under N1, as the LAs' own need lists file it.
    (r"\b(abuse|abused|neglect\w*|domestic (violence|abuse)|exploitation|cse|modern slavery|trafficking|"
     r"fgm|female genital|injur\w*|substance misuse|drugs?|alcohol\w*)\b", "N1"),
    (r"\bparent\w*\b.*\b(ill|illness|disab\w*|mental\w*|learning|alcohol\w*|drugs?|substance|addict\w*)\b|"
     r"\b(ill|illness|disab\w*|mental\w*|alcohol\w*|drugs?|addict\w*)\b.*\b(parents?|carers?)\b|"
     r"\bcapacity of their parents|\b(young )?carers?\b", "N3"),
    (r"\b(child\w* (with )?disab\w*|disab\w*|disablilty|learning (disab|difficult)\w*|sensory|"
     r"physical (disab|illness|support)\w*|cognitive|chronic health|serious\w* ill\w*|"
     r"long term (physical )?ill\w*|illness|speech|autis\w*|mental health|intrinsic condition|frailty|"
     r"hearing|visual)\b", "N2"),
    (r"\b(acute (stress|distress)|accute|temporary crisis|homeless\w*|eviction|rent arrears|bereave\w*|"
     r"death of|financial|sudden change|conditions of accommodation|missing)\b", "N4"),
    (r"\b(family (dysfunction|disfunction)|dysfunction\w*|disfunction|chronically inadequate|"
     r"inadequate parenting|parental relationships?|separated parents|poor attachment|control)\b", "N5"),
    (r"\b(socially unacceptable|unacceptable behaviour|offend\w*|anti social|disorderly|"
     r"non school attendance|truan\w*|unsafe sexual|radicali\w*|behaviou?r\w*|impacting detrimentally)\b",
     "N6"),
    (r"\b(low income|income|poverty|benefits|no recourse|nrpf|habitual\w* resident|asylum seeking famil\w*)\b",
     "N7"),
    (r"\b(absent parent\w*|parents? (died|absent)|parental absence|abandon\w*|home alone|unaccompanied|uasc|"
     r"no parents|orphan\w*|separation by)\b", "N8"),
    (r"\b(other than child\w* in need|not (a )?child\w* in need|not cin|no child in the case|"
     r"child not in need|but not in need|court rep\w*|adopt\w*|request for|notification only|"
     r"legal work only|educational needs statement)\b", "N9"),
    (r"\b(not stated|not recorded|not known|unknown)\b", "N0"),
])
STRICT = label_table(LABELS, " - ")


def named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code or label, an embedded N code or local sub-code."""
    n = norm(t)
    if n in STRICT:
        return STRICT[n]
    m = _NEED_CODE.search(t) or _NEED_LOCAL.match(t)
    return f"N{m.group(1)}" if m else None


def _read(raw: str, t: str) -> tuple[str | None, str | None]:
    """(code, doubt): the loose rules' code, and why it is no clear evidence (None when it is)."""
    first = re.match(r"[a-z]+", t)
    if first and first.group() in _NEED_ABBREVIATIONS and re.match(r"[a-z]+[_ ]", t):
        return _NEED_ABBREVIATIONS[first.group()], None
    w = words(t)
    code = earliest(_NEED_RULES, w)
    if code or not re.search(r"\bother\d*\b", w):
        return code, None
    # "Other" alone is the LAs' name for N9 ("CIN - N9 Other", "N9-Other"); beside words the
    # rules do not read ("Other parenting issues") it may be any need's "other".
    rest = re.sub(r"\b(other\d*|o|n9|cin|child|children|in|need|needs|category|reason)\b", " ", w).split()
    return "N9", rest and f'"other" suggests {LABELS["N9"]}, but "{" ".join(rest)}" is not read' or None


keywords, guess = clear_or_guess(_read)
