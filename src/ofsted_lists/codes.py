"""Coded values: local spellings -> Annex A codes (SPEC §3.1, §3.2, §4 "Codes").

Local authorities export the same code in many spellings: the bare DfE code
(`3A`, `WBRI`, `N2`, `NEG`), the Annex A label (`g) 3A: Health services`), the
DfE description, a case-management-system label with its own prefix
(`(A.A1) White - British`, `N1SA : Physical Abuse`, `Med - CAMHS`) or free text
(`Health Visitor`, `Neglect and Emotional`). Each kind is read in the same
order: the whole value against a table of codes, labels and descriptions; then
a DfE code embedded in the value; then keywords drawn from the DfE meanings
(CIN census source, need and category definitions, CBDS ethnicity groups).

After the rules, a value that is a known local spelling (data/known_spellings.csv,
derived from the liia-tools-pipeline variant table) is checked against the group that
table files it under; config mappings (`extra`) win over both.

Everything runs once per distinct value and is spread back onto the rows, so a
million-row column costs no more than its distinct spellings. No value raises.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from importlib import resources
from typing import NamedTuple

import numpy as np
import pandas as pd

from .errors import UsageError
from .schema import norm


class Mapped(NamedTuple):
    values: pd.Series    # the Annex A label (or outcome); an unmapped value as it came, trimmed
    unmapped: pd.Series  # bool: a non-blank value that maps to no code


class DisabilityParsed(NamedTuple):
    codes: pd.Series     # tuple[str, ...] per row: CIN codes, then "NONE" / "YES"; () = no record
    unmapped: pd.Series  # bool: a non-blank value (or a token of it) that maps to nothing


KINDS = ("gender", "ethnicity", "source", "primary_need", "abuse_category")
DISABILITY_CODES = ("MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA")
OUTCOMES = ("nfa", "other_agency", "csc", "s47")

# ---------------------------------------------------------------------------
# Annex A labels (domain-reference §1.1, §2.1, §2.6, §2.7)

GENDER_LABELS = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded", "N": "d) Neither"}
ETHNICITY_LABELS = {
    code: f"{letter}) {code}"
    for letter, code in zip(
        "abcdefghijklmnopqrs",
        ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
         "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU"),
    )
}
ETHNICITY_LABELS["NOBT"] = "s) NOBT"  # Ofsted's template letters REFU and NOBT both "s)"
SOURCE_LABELS = {
    "1A": "a) 1A: Individual", "1B": "b) 1B: Individual", "1C": "c) 1C: Individual",
    "1D": "d) 1D: Individual", "2A": "e) 2A: Schools", "2B": "f) 2B: Education services",
    "3A": "g) 3A: Health services", "3B": "h) 3B: Health services", "3C": "i) 3C: Health services",
    "3D": "j) 3D: Health services", "3E": "k) 3E: Health services", "3F": "l) 3F: Health services",
    "4": "m) 4: Housing", "5A": "n) 5A: LA services", "5B": "o) 5B: LA services",
    "5C": "p) 5C: LA services", "5D": "p1) 5D: LA services", "6": "q) 6: Police",
    "7": "r) 7: Other legal agency", "8": "s) 8: Other", "9": "t) 9: Anonymous", "10": "u) 10: Unknown",
}
NEED_LABELS = {
    "N1": "N1 - Abuse or neglect", "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness", "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction", "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income", "N8": "N8 - Absent parenting",
    "N9": "N9 - Cases other than children in need", "N0": "N0 - Not stated",
}
CATEGORY_LABELS = {
    "NEG": "a) Neglect", "PHY": "b) Physical abuse", "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse", "MUL": "e) Multiple/not recommended",
}

# ---------------------------------------------------------------------------
# Text preparation

_MOJIBAKE = re.compile("[ÃÂâ]")
_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\xa0": " ", "\ufeff": "", "\\": "/",
})
_ANNEX_PREFIX = re.compile(r"^\s*[a-z]\d?\)\s*(?=\S)")  # "a) ", "p1) "
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}\)\s*(?=\S)")     # a local pick-list number, "60) Individual"
_BLANK_WORDS = frozenset({"", "nan", "null", "na", "nat", "n/a", "#n/a"})
_DO_NOT_USE = re.compile(r"\bdo not use\b")  # retired local codes: never guess what they meant


def _fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (`childrenâ€™s`), up to twice, as exports arrive double-encoded."""
    for _ in range(2):
        if not _MOJIBAKE.search(text):
            break
        try:
            text = text.encode("cp1252").decode("utf-8")
        except UnicodeError:
            break
    return text


def _prep(text: str) -> str:
    """Lower case, unified punctuation, without an Annex A letter or pick-list number prefix."""
    t = _fix_mojibake(text).translate(_PUNCT).casefold()
    t = _LIST_NUMBER.sub("", _ANNEX_PREFIX.sub("", t, count=1), count=1)
    return " ".join(t.split())


def _words(t: str) -> str:
    """Space-separated words of prepared text; `&` and `+` read as "and", apostrophes dropped."""
    t = t.replace("'", "").replace("&", " and ").replace("+", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", t))


def _is_blank(t: str) -> bool:
    return t.strip(" -_.'\"") in _BLANK_WORDS


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # 1.0 read from Excel is the code 1
    return str(value)


Rule = tuple[str, str]  # (regex over words, code)


def _compile(rules: Iterable[Rule]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), code) for p, code in rules]


def _earliest_match(rules: list[tuple[re.Pattern[str], str]], w: str) -> tuple[int, int, str] | None:
    """(position, rule number, code) of the rule matching earliest in the words (ties: listed first)."""
    found = [(m.start(), order, code) for order, (pattern, code) in enumerate(rules) if (m := pattern.search(w))]
    return min(found) if found else None


def _earliest(rules: list[tuple[re.Pattern[str], str]], w: str) -> str | None:
    best = _earliest_match(rules, w)
    return best[2] if best else None


def _first(rules: list[tuple[re.Pattern[str], str]], w: str) -> str | None:
    """Code of the first rule (in listed order) that matches anywhere."""
    return next((code for pattern, code in rules if pattern.search(w)), None)


# ---------------------------------------------------------------------------
# Per-unique machinery


def _factorize(values: pd.Series) -> tuple[np.ndarray, list[object]]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    try:
        codes, uniques = values.factorize(use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts) in an object column
        fixed = values.map(lambda v: v if isinstance(v, Hashable) else repr(v), na_action="ignore")
        codes, uniques = fixed.factorize(use_na_sentinel=True)
    return codes, list(uniques)


def _spread(per_unique: list[object], codes: np.ndarray, fill: object, index: pd.Index, dtype) -> pd.Series:
    arr = np.empty(len(per_unique) + 1, dtype=object)
    arr[:-1] = per_unique
    arr[-1] = fill
    out = arr[codes]
    if dtype == "str":
        try:
            return pd.Series(out, index=index, dtype="str")
        except UnicodeEncodeError:  # lone surrogates from a file decoded with surrogateescape
            return pd.Series([v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v
                              for v in out], index=index, dtype="str")
    return pd.Series(out, index=index, dtype=dtype)


def _extra_table(
    extra: Mapping[str, str] | None, resolve: Callable[[str], object], what: str
) -> dict[str, object]:
    """Config mapping keyed by normalised local value; a value naming no code is a config error."""
    table: dict[str, object] = {}
    for key, value in (extra or {}).items():
        resolved = resolve(str(value))
        if resolved is None:
            raise UsageError(f"{what} mapping for {key!r}: {value!r} names no valid code")
        table[norm(key)] = resolved
        table.setdefault(norm(_prep(str(key))), resolved)
    return table


# ---------------------------------------------------------------------------
# Gender (SPEC §3.2)

_GENDER_EXACT = {
    **dict.fromkeys(("1", "m", "male", "boy", "man"), "M"),
    **dict.fromkeys(("2", "f", "female", "girl", "woman"), "F"),
    **dict.fromkeys(("9", "i", "neither", "other", "indeterminate", "x"), "N"),
    **dict.fromkeys(("0", "u", "unknown", "notknown", "notstated", "notrecorded", "notstatedrecorded",
                     "unborn", "withheld", "notstatedrecordedorunborn"), "U"),
}
_GENDER_RULES = _compile([
    # Neither first: "Indeterminate gender (unknown if male or female)", "Transgender female".
    (r"\b(indeterminate|neither|non ?binary|nonbinary|trans\w*|intersex|gender ?(fluid|queer|diverse)|"
     r"agender|genderqueer|other|self describe)\b", "N"),
    (r"\b(unknown|not (known|stated|recorded|specified|given)|unspecified|unborn|withheld|refused|"
     r"declined|prefer\w* not)\b", "U"),
    (r"\b(female|girl|woman)\b", "F"),
    (r"\b(male|boy|man)\b", "M"),
])


def _gender(t: str) -> str | None:
    if _is_blank(t):
        return "U"
    return _gender_named(t) or _first(_GENDER_RULES, _words(t))


def _gender_named(t: str) -> str | None:
    """The code a value names outright: a code or label, or a DfE code prefix ("2 - Female")."""
    code = _GENDER_EXACT.get(norm(t))
    if code:
        return code
    m = re.match(r"^([0129])\s*[-:]\s*(.+)$", t)
    if m:
        return _gender(m.group(2)) or _GENDER_EXACT[m.group(1)]
    return None


# ---------------------------------------------------------------------------
# Ethnicity (CBDS main codes; extended codes roll up to them)

_ETH_EXTENDED = {
    "WBRI": "WCOR WENG WSCO WWEL WNIR WOWB",
    "WOTH": "WALB WBOS WCRO WGRE WGRK WGRC WITA WKOS WPOR WSER WTUR WTUK WTCY WEUR WEEU WWEU WOTW",
    "MWAS": "MWAP MWAI MWAO",
    "MOTH": "MAOE MABL MACH MBOE MBCH MCOE MWCH MWOE MOTM",
    "APKN": "AMPK AKPA AOPK",
    "AOTH": "AAFR AKAO ANEP ASNL ASLT ASRO AOTA",
    "BAFR": "BANN BCON BGHA BNGN BSLN BSOM BSUD BAOF",
    "BOTH": "BEUR BNAM BOTB",
    "CHNE": "CHKC CMAL CSNG CTWN COCH",
    "OOTH": "OAFG OARA OEGY OFIL OIRN OIRQ OJPN OKOR OKRD OLAM OLEB OLIB OMAL OMRC OPOL OTHA OVIE OYEM OOEG",
}
_ETH_CODES = {c: c for c in ETHNICITY_LABELS} | {
    ext: main for main, exts in _ETH_EXTENDED.items() for ext in exts.split()
}
# The 2001-census style codes some systems still export (A1 White British ... E4 not obtained).
_ETH_OLD = {
    "a1": "WBRI", "a2": "WIRI", "a3": "WOTH", "a4": "WIRT", "a5": "WROM",
    "b1": "MWBC", "b2": "MWBA", "b3": "MWAS", "b4": "MOTH",
    "c1": "AIND", "c2": "APKN", "c3": "ABAN", "c4": "AOTH",
    "d1": "BCRB", "d2": "BAFR", "d3": "BOTH", "e1": "CHNE", "e2": "OOTH", "e3": "REFU", "e4": "NOBT",
    "f1": "NOBT",
}
# Their group letters, also the first letter of "(A.A1)"-style system codes; N/U/X: not stated.
_ETH_GROUP_LETTER = {"a": "WOTH", "b": "MOTH", "c": "AOTH", "d": "BOTH", "e": "OOTH",
                     "n": "NOBT", "u": "NOBT", "x": "NOBT"}
_ETH_DESCRIPTIONS = {
    "WBRI": "White British", "WIRI": "White Irish", "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background", "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean", "MWBA": "White and Black African", "MWAS": "White and Asian",
    "MOTH": "Any other mixed background", "AIND": "Indian", "APKN": "Pakistani", "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background", "BCRB": "Black Caribbean", "BAFR": "Black African",
    "BOTH": "Any other Black background", "CHNE": "Chinese", "OOTH": "Any other ethnic group",
    "REFU": "Refused", "NOBT": "Information not yet obtained",
}
_ETH_EXACT = (
    {norm(c): m for c, m in _ETH_CODES.items()}
    | {norm(label): c for c, label in ETHNICITY_LABELS.items()}
    | {norm(d): c for c, d in _ETH_DESCRIPTIONS.items()}
)
_ETH_REFUSED = re.compile(
    r"\b(refus\w*|declin\w*|prefer\w* not|did not wish|does not wish|not divulged|not disclosed|"
    r"withheld|not to say)\b")
_ETH_NOT_OBTAINED = re.compile(
    r"\b(not (yet )?(obtained|available|known|stated|recorded|given|established|specified)|"
    r"information not|no (data|information|info)|undeclared|unknown|unborn|unable to provide|awaiting)\b")
# Census headings: a value's group when nothing more specific follows (removed before reading the rest).
_ETH_HEADINGS = _compile([
    (r"\bblack( or)?( african( or)? caribbean( or)?)?( black)? brit(ish)?\b", "BOTH"),
    (r"\basian( or)?( asian| a)? bri(t|tish)?( asian)?\b", "AOTH"),
    (r"\bmixed( or)? (multiple|dual)( ethnic( groups?| background)?| heritage)?\b", "MOTH"),
    (r"\bchinese or( any)? other ethnic( groups?)?\b", "OOTH"),
])
_GROUP_WORDS = {  # explicit group names
    "W": r"\bwhite\b",
    "B": r"\bblack\b",
    "A": r"\basian\b",
    "C": r"\bchinese\b",
    "O": r"\b(other ethnic\w*|other eth|any other group|other group|arab\w*)\b",
}
_AFRICAN = (r"african|nigerian?|ghana\w*|ghanian|somali\w*|congo\w*|eritrea\w*|ethiopia\w*|sudan\w*|"
            r"gambia\w*|zimbabwe\w*|angola\w*|zaire\w*|cameroon\w*|sierra leone\w*|kenya\w*|uganda\w*|"
            r"rwanda\w*|burundi\w*|tanzania\w*|zambia\w*|malawi\w*|ivorian|senegal\w*|guinea\w*|liberia\w*|"
            r"togo\w*|benin\w*|burkina\w*|mali|namibia\w*|botswana\w*|south african")
_CARIBBEAN = (r"carib\w*|carrib\w*|jamaica\w*|west indian|trinidad\w*|tobago\w*|barbad\w*|bahama\w*|"
              r"antigua\w*|barbuda|kitts|nevis|grenad\w*|dominica|lucia\w*|vincent\w*|montserrat|"
              r"anguilla\w*|guyan\w*|bac")
_GROUP_IMPLIED = {  # nationalities and heritages that imply a group
    "W": (r"\b(british|english|scottish|welsh|cornish|irish|traveller\w*|gypsy|gyspy|gipsy|roma|romany|"
          r"romani|european|caucasian|polish|greek|albanian|bulgarian|portuguese|turkish|cypriot|italian|"
          r"spanish|french|german|dutch|kosovan|croatian|serbian|bosnian|latvian|lithuanian|estonian|"
          r"romanian|hungarian|czech|slovak\w*|russian|ukrainian|ussr|yugoslav\w*|scandinavian|"
          r"scandanavian|mediterranean|north american|american|canadian|australian|jersey)\b"),
    "B": rf"\b({_AFRICAN}|{_CARIBBEAN})\b",
    "A": (r"\b(indian|pakistan\w*|kashmiri|mirpuri|bangla\w*|bangaldeshi|bangldsh|sri lankan|tamil|"
          r"sinhalese|punjabi|sikh|nepal\w*|mauritian|bhutanese)\b"),
    "C": r"\b(hong kong|taiwan\w*|chinese)\b",
    "O": (r"\b(arab\w*|iran\w*|iraq\w*|kurd\w*|afghan\w*|syria\w*|leban\w*|libya\w*|yemen\w*|egypt\w*|"
          r"morocc\w*|morrocan|algeria\w*|tunisia\w*|japan\w*|vietnam\w*|filipino|philippin\w*|thai|korean|"
          r"malay\w*|polynesian|latin|south american|central american|brazilian)\b"),
}
_GROUP_DEFAULT = {"W": "WOTH", "B": "BOTH", "A": "AOTH", "C": "CHNE", "O": "OOTH"}
# "Mixed" beside a group name ("Mixed Black", "European mixed") qualifies that group; alone it is a group.
_QUALIFIED = frozenset("white black asian british chinese african caribbean indian pakistani european".split())


def _mixed_signal(w: str) -> bool:
    words = w.split()
    return any(
        word in ("mixed", "dual", "multiple", "multi")
        and not {words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else ""} & _QUALIFIED
        for i, word in enumerate(words)
    )


def _white_code(w: str) -> str:
    if re.search(r"\b(gypsy|gyspy|gipsy|roma|romany|romani)\b", w):
        return "WROM"
    if re.search(r"\b(traveller\w*|irish heritage)\b", w):
        return "WIRT"
    irish = re.search(r"(?<!northern )\birish\b", w)
    british = re.search(r"\b(british|english|scottish|welsh|cornish|northern irish)\b", w)
    if irish and (not british or irish.start() < british.start()):
        return "WIRI"
    return "WBRI" if british else "WOTH"


def _asian_code(w: str) -> str:
    if re.search(r"\b(any )?other asian\b|\b(african|caribbean) (asian|indian)\b", w):
        return "AOTH"
    return _earliest(_ASIAN_RULES, w) or "AOTH"


_ASIAN_RULES = _compile([
    (r"(?<!west )(?<!american )\bindian\b", "AIND"),
    (r"\b(pakistan\w*|kashmiri|mirpuri)\b", "APKN"),
    (r"\b(bangla\w*|bangaldeshi|bangldsh)\b", "ABAN"),
])


def _black_code(w: str) -> str:
    african = re.search(rf"\b({_AFRICAN})\b", w)
    caribbean = re.search(rf"\b({_CARIBBEAN})\b", w)
    if re.search(r"\b(any )?other black\b", w) or (african and caribbean):
        return "BOTH"
    return "BAFR" if african else "BCRB" if caribbean else "BOTH"


def _mixed_code(groups: set[str], w: str) -> str:
    if groups == {"W", "B"}:
        african = re.search(rf"\b({_AFRICAN})\b", w)
        caribbean = re.search(rf"\b({_CARIBBEAN})\b", w)
        if african and not caribbean:
            return "MWBA"
        if caribbean and not african:
            return "MWBC"
    if groups == {"W", "A"}:
        return "MWAS"
    return "MOTH"


def _ethnicity_words(w: str) -> str | None:
    """Ethnicity from a description: refusals, census headings, groups named or implied."""
    if _ETH_REFUSED.search(w):
        return "REFU"
    if _ETH_NOT_OBTAINED.search(w):
        return "NOBT"
    heading = None
    for pattern, code in _ETH_HEADINGS:
        m = pattern.search(w)
        if m:
            heading = heading or code
            w = " ".join((w[: m.start()] + " " + w[m.end():]).split())
    named = {g for g, p in _GROUP_WORDS.items() if re.search(p, w)}
    implied = {g for g, p in _GROUP_IMPLIED.items() if re.search(p, w)}
    if re.search(r"\b(african|caribbean) (asian|indian)\b", w):
        implied.discard("B")  # "African Asian" is an Asian heritage (CBDS AAFR)
    if (named | implied) - {"W"} and "W" not in named:
        implied.discard("W")  # "Black British", "Black European": the other group decides
    groups = named | implied
    positions = [(pos, g) for pos, g in _group_positions(w) if g in groups]
    if _mixed_signal(w) or len(groups) >= 2 and (
        re.search(r"\b(mixed|dual)\b", w) or _two_groups_joined(positions, w)
    ):
        return _mixed_code(groups, w)
    chosen = _pick_group(named, implied, positions)
    if chosen is None:
        return heading
    within = {"W": _white_code, "A": _asian_code, "B": _black_code}
    return within[chosen](w) if chosen in within else _GROUP_DEFAULT[chosen]


def _group_positions(w: str) -> list[tuple[int, str]]:
    found = []
    for table in (_GROUP_WORDS, _GROUP_IMPLIED):
        for g, p in table.items():
            found.extend((m.start(), g) for m in re.finditer(p, w))
    return sorted(found)


def _two_groups_joined(positions: list[tuple[int, str]], w: str) -> bool:
    """Different groups either side of "and"/"with": "White and Asian", "Black and any other ethnic group"."""
    for m in re.finditer(r"\b(and|with)\b", w):
        before = {g for pos, g in positions if pos < m.start()}
        after = {g for pos, g in positions if pos > m.start()}
        if any(a != b for a in before for b in after):
            return True
    return False


def _pick_group(named: set[str], implied: set[str], positions: list[tuple[int, str]]) -> str | None:
    """One group: a group named outright wins over one implied by a nationality; else the first."""
    for candidates in (named, implied):
        if candidates:
            return min((pos, g) for pos, g in positions if g in candidates)[1]
    return None


_ETH_CODE_TOKEN = re.compile(r"(?<![A-Za-z])([A-Za-z]{4})(?![A-Za-z])")
_ETH_SYSTEM_PREFIX = re.compile(r"^\(?([a-fnux])\.[a-z]{1,3}\d*\)?\s*:?\s*|^([a-e]):\s*[a-e]\d+\b\s*")
_ETH_OLD_CODE = re.compile(rf"(?<![\w.])({'|'.join(_ETH_OLD)})(?![\w.])")


def _ethnicity_named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code, label or description, or an embedded CBDS code."""
    n = norm(t)
    if n in _ETH_EXACT:
        return _ETH_EXACT[n]
    if n in _ETH_GROUP_LETTER:  # a bare census group letter, "(N)"
        return _ETH_GROUP_LETTER[n]
    for i, m in enumerate(_ETH_CODE_TOKEN.finditer(raw)):
        token = m.group(1)
        if token.upper() in _ETH_CODES and (token.isupper() or i == 0):
            return _ETH_CODES[token.upper()]
    return None


def _ethnicity_keywords(raw: str, t: str) -> str | None:
    if re.fullmatch(r"x+", t.strip(" -_.")):  # a run of x letters is a placeholder
        return "NOBT"
    group = None
    m = _ETH_SYSTEM_PREFIX.match(t)
    if m:
        group = _ETH_GROUP_LETTER.get(m.group(1) or m.group(2))
        t = t[m.end():]
    t = re.sub(r"^[a-e]\d+\.\d+\s*", "", t)  # "A4.6 ..." is a local numbering, not a code
    code = _ethnicity_words(_words(t))
    if code:
        return code
    old = _ETH_OLD_CODE.search(t)
    return _ETH_OLD[old.group(1)] if old else group


# ---------------------------------------------------------------------------
# Contact and referral source (CIN census codes, domain-reference §2.11)

_SOURCE_CODE = re.compile(r"^[\s'\"(\[]*(10|[1-9][a-f]?)(?![a-z0-9])")
_SOURCE_BRACKET = re.compile(r"\[\s*(10|[1-9][a-f]?)\s*\]\s*$")
_SYSTEM_TAG = re.compile(r"^\([a-z]{1,4}\)\s*(?=\S)")  # "(CS) Police"
_NEGATION = re.compile(  # "(not housing)", "excluding schools": what a source is not must not name it
    r"\b(?:not(?! (?:known|recorded|stated|mapped|given|obtained|yet|specified)\b)|excluding|excl|except|"
    r"other than|apart from)\b")

_FAMILY = (r"famil(y|ies)|relatives?|parents?|mother|father|mum|dad|grand\w*|gran|grpa|aunt|uncle|"
           r"siblings?|brother|sister|sis|bro|son|daughters?|daug|step ?(father|mother|parent)|"
           r"stepfather|stepmother|husband|husb|wife|partner|carers?|foster carers?|adoptive|household|"
           r"house member|cousin|nephew|niece|guardian|inlaw|birth family")
_SOURCE_HEALTH = _compile([
    (r"\b(other primary|primary (health|care|link))\b", "3D"),
    (r"\bsecondary (health|care)\b", "3F"),
    (r"\b(a and e|aande|ae|accident|emergency (department|dept)|walk in|nhs 111|111|nhs direct|ambulance|"
     r"nwas|paramedic|urgent care|medical assessment unit)\b", "3E"),
    (r"\b(gp|gps|general pract\w*|gen pract|surgery|practice nurse|ocgp)\b", "3A"),
    (r"\b(health visit\w*|hv)\b", "3B"),
    (r"\b(school nurs\w*|school health)\b", "3C"),
    (r"\b(hospital\w*|hosptial|hosp|hospice|wards?|paediatric\w*|pediatric\w*|psychiatr\w*|camhs|cahms|"
     r"mental health|cmht|cpn|consultant|maternity|acute)\b", "3F"),
    (r"\b(midwi\w*|midw|community (health|nurs\w*|matron)|district nurse|dn|dentist|dental|pharmac\w*|"
     r"optometrist|optician|audiology|clinic|clinical|health cent(re|er)|pct|nurse|nurses|nursing|matron|nhs\w*|"
     r"family nurse\w*|fnp|therap\w*|ot|psychologist|substance misuse|drugs?|alcohol|pre birth|"
     r"birth notification|rapid response|medical|doctor|nhs|health|healthcare)\b", "3D"),
])
_SOURCE_SCHOOL = (r"\b(schools?|sch|academy|pru|pupil referral|nurser(y|ies)|pre ?school|sixth form|6th form|"
                  r"senco|primary school|secondary school|special school)\b")
_SOURCE_EDUCATION = (r"\b(education\w*|edu|ewo|connexions|college|further education|early years|"
                     r"educational psycholog\w*)\b")
_SOURCE_HOUSING = r"\b(housing|landlord|sheltered|warden|tenancy|homeless\w*|supported living|hou)\b"
_SOURCE_LA = _compile([
    (r"\b(other (la|las|local authorit\w*|ssd|council)|another (la|las|local authorit\w*)|ola|otla|"
     r"external|out of (borough|area|county|authority)|non \w+ local authority)\b", "5C"),
    (r"\b(early (help|intervention)|eha|caf|taf|tac|team around|targeted|family (support|work\w*|"
     r"partnership|service|intervention)|troubled families|stronger families|family recovery|key ?work\w*|"
     r"step up|parenting)\b", "5D"),
    (r"\b(other internal|internal other|internal dep\w*|youth (offending|justice|support|service\w*)|yot|yos|"
     r"yisp|young peoples? (support )?services?|portage|sen team|contact centre|benefits? service|"
     r"neighbourhood|anti social|asb|community safety)\b", "5B"),
    (r"\b(social (care|services|work\w*)|ssd|ssdt|csc|sw|edt|emergency duty|out of hours|ooh|adults?|"
     r"care manager|children with disabilit\w*|cwd|leaving care|personal advis\w*|lado|iro|mash|marac|"
     r"marat|safeguarding|children and families|children families|residential care|senior practitioner|"
     r"childrens services|step down|internal)\b", "5A"),
    (r"\b(council|local authority|la|las|dept|department)\b", "5B"),
])
_SOURCE_INDIVIDUAL = _compile([
    (rf"\b({_FAMILY})\b", "1A"),
    (r"\b(acq\w*|aquaint\w*|friends?|neighbours?|child ?minders?|known to family)\b", "1B"),
    (r"\b(self|in person)\b", "1C"),
])
_SOURCE_INDIVIDUAL_OTHER = (r"\b(individuals?|ind|strangers?|mps?|member of parliament|councillors?|"
                            r"elected member|member of (the )?public|general public|public|employers?|"
                            r"previous employee|service user|resident)\b")
_SOURCE_OTHER = (r"\b(voluntary|charit\w*|nspcc|barnardo\w*|childrens? cent(re|res|er)|sure start|"
                 r"independ\w*|providers?|agenc(y|ies)|church|faith|fire|ofsted|inspection|military|"
                 r"ministry of defence|mod|home office|government|third party|refuge|refugee|victim support|"
                 r"womens aid|young carers|home start|care home|residential home|childrens home|hostels?|vcs|"
                 r"advoca\w*|organi[sz]ation\w*|utilities|none? (la|local authority))\b")
_SOURCE_POLICE = r"\b(police|pol|constabulary|caiu|cait|ceop|child exploitation and online protection)\b"
# Central government agencies sit with the courts and immigration as statutory agencies (as LAs file them).
_SOURCE_LEGAL = (r"\b(courts?|cafcass|jafcass|probation|prisons?|hmp|yoi|immigration|solicitors?|lawyers?|"
                 r"legal|law|crc|nps|community rehabilitation|central government|government agency|"
                 r"benefits agency)\b")
_SOURCE_ANON = r"\b(anon|anonymous)\b"
_SOURCE_UNKNOWN = r"\b(unknown|unkown|not known|nk|unk|not recorded|not mapped|not stated|not given)\b"

# A value opening with a CIN category name belongs to that category whatever follows
# ("Individual - Other - ... lawyers", "Health Services - ... hospital discharges").
_SOURCE_ANCHORS = _compile([
    (r"^(individuals?|ind|indiv)\b", "individual"),
    (r"^(health|med|medical|nhs|primary health|secondary health)\b", "health"),
    (r"^(schools?|sch)\b", "school"),
    (r"^(education|edu)\b", "education"),
    (r"^(la|las|local authority|council|adults? (social care|services?))\b(?!.*\bhousing\b)", "la"),
    (r"^(other legal|legal|leg)\b", "legal"),
    (r"^(police|pol)\b", "police"),
    (r"^(housing|hou)\b", "housing"),
])


def _source_family(family: str, w: str) -> str:
    if family == "individual":
        return _earliest(_SOURCE_INDIVIDUAL, w) or "1D"
    if family == "health":
        return _first(_SOURCE_HEALTH, w) or "3F"
    if family in ("school", "education"):
        return "2A" if family == "school" or re.search(_SOURCE_SCHOOL, w) else "2B"
    if family == "la":
        return _first(_SOURCE_LA, w) or "5B"
    return {"legal": "7", "police": "6", "housing": "4"}[family]


def _strip_negations(t: str) -> str:
    """Drop what a source says it is not: "(not housing)", "excluding schools", "other than social care"."""
    previous = None
    while previous != t:  # innermost parenthesis first: "(... (excluding housing))"
        previous = t
        t = re.sub(rf"\([^()]*?{_NEGATION.pattern}[^()]*\)", " ", t)
    return re.sub(rf"{_NEGATION.pattern}[^,;()]*", " ", t)


def _source_words(w: str) -> str | None:
    if re.search(r"\bschool (nurs\w*|health)\b|\bsn\b", w):
        return "3C"  # a school nurse is health, whatever heading it sits under
    anchor = next((family for pattern, family in _SOURCE_ANCHORS if pattern.search(w)), None)
    # CIN census guidance files children's centres under "8 Other", even when the LA runs them.
    centre = re.search(r"\bchild(ren)?s? cent(re|res|er)\b", w)
    if centre and anchor in (None, "school", "education", "la"):
        return "8"
    if anchor:
        return _source_family(anchor, w)
    police, legal = re.search(_SOURCE_POLICE, w), re.search(_SOURCE_LEGAL, w)
    if police or legal:
        return "6" if police and (not legal or police.start() <= legal.start()) else "7"
    anonymous, unknown = re.search(_SOURCE_ANON, w), re.search(_SOURCE_UNKNOWN, w)
    if anonymous:  # "Unknown / Anonymous": the first named wins
        return "10" if unknown and unknown.start() < anonymous.start() else "9"
    if re.search(r"\beducation health (and )?care\b", w):
        return "2B"  # an EHC plan panel is the LA's education service
    health = _first(_SOURCE_HEALTH, w)
    if health:
        return health
    if re.search(_SOURCE_SCHOOL, w):
        return "2A"
    if re.search(_SOURCE_EDUCATION, w):
        return "2B"
    if re.search(_SOURCE_HOUSING, w):
        return "4"
    other, la = re.search(_SOURCE_OTHER, w), _earliest_match(_SOURCE_LA, w)
    if la and (not other or la[0] < other.start()):  # "Government department": the first named wins
        return _first(_SOURCE_LA, w)
    if other:
        return "8"
    individual = _earliest(_SOURCE_INDIVIDUAL, w)
    if individual:
        return individual
    if re.search(_SOURCE_INDIVIDUAL_OTHER, w):
        return "1D"
    if unknown:
        return "10"
    if re.search(r"\bother\w*\b", w):
        return "8"
    return None


def _source_keywords(raw: str, t: str) -> str | None:
    t = _SYSTEM_TAG.sub("", t)
    return _source_words(_words(_strip_negations(t)).replace(" in law", " inlaw"))


def _source_named(raw: str, t: str) -> str | None:
    """The code a value names outright: a leading or bracketed CIN code, a code or label."""
    t = _SYSTEM_TAG.sub("", t)
    for pattern in (_SOURCE_CODE, _SOURCE_BRACKET):
        m = pattern.search(t)
        if m and m.group(1).upper() in SOURCE_LABELS:
            return m.group(1).upper()
    return _SOURCE_EXACT.get(norm(t))


_SOURCE_EXACT = (
    {norm(c): c for c in SOURCE_LABELS}
    | {norm(label): c for c, label in SOURCE_LABELS.items()}
    | {norm(label.split(") ", 1)[1]): c for c, label in SOURCE_LABELS.items()}
)

# ---------------------------------------------------------------------------
# Primary need (CIN census N0-N9)

_NEED_CODE = re.compile(r"(?<![a-z0-9])n ?([0-9])(?![0-9])")
_NEED_LOCAL = re.compile(r"^([1-9])[a-z]")  # "1c Emotional abuse", "7LOWINCM": a local sub-code of N1..N9
# Category abbreviations some systems prefix their sub-codes with ("ABS_PHYS", "FDS_CARE").
_NEED_ABBREVIATIONS = {"abs": "N1", "abu": "N1", "dis": "N2", "par": "N3", "fst": "N5", "fds": "N5",
                       "bhv": "N6", "beh": "N6", "inc": "N7", "abp": "N8"}
_NEED_RULES = _compile([
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
_NEED_EXACT = (
    {norm(c): c for c in NEED_LABELS}
    | {norm(label): c for c, label in NEED_LABELS.items()}
    | {norm(label.split(" - ", 1)[1]): c for c, label in NEED_LABELS.items()}
)


def _primary_need_named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code or label, an embedded N code or local sub-code."""
    n = norm(t)
    if n in _NEED_EXACT:
        return _NEED_EXACT[n]
    m = _NEED_CODE.search(t) or _NEED_LOCAL.match(t)
    return f"N{m.group(1)}" if m else None


def _primary_need_keywords(raw: str, t: str) -> str | None:
    first = re.match(r"[a-z]+", t)
    if first and first.group() in _NEED_ABBREVIATIONS and re.match(r"[a-z]+[_ ]", t):
        return _NEED_ABBREVIATIONS[first.group()]
    w = _words(t)
    # "Other" alone is the LAs' name for N9 ("CIN - N9 Other", "N9-Other").
    return _earliest(_NEED_RULES, w) or ("N9" if re.search(r"\bother\d*\b", w) else None)


# ---------------------------------------------------------------------------
# Category of abuse (CIN census NEG/PHY/SAB/EMO/MUL)

_CATEGORY_WORDS = _compile([
    (r"\b(neg|neglect\w*)\b", "NEG"),
    (r"\b(phy|phys|physab|physical\w*|pa)\b", "PHY"),
    (r"\b(sab|sexual\w*|sa)\b", "SAB"),
    (r"\b(emo|emotion\w*|ea)\b", "EMO"),
])
_CATEGORY_FLAGS = ("NEG", "PHY", "SAB", "EMO")  # Annex A order, used by Y/N flag strings ("NYNN")
_CATEGORY_EXACT = (
    {norm(c): c for c in CATEGORY_LABELS}
    | {norm(label): c for c, label in CATEGORY_LABELS.items()}
    | {norm(label.split(") ", 1)[1]): c for c, label in CATEGORY_LABELS.items()}
)


def _abuse_category_named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code or label, or Y/N flags in Annex A order ("NYNN")."""
    n = norm(t)
    if n in _CATEGORY_EXACT:
        return _CATEGORY_EXACT[n]
    if re.fullmatch(r"[yn]{4}", n):
        named = [c for c, flag in zip(_CATEGORY_FLAGS, n) if flag == "y"]
        return None if not named else named[0] if len(named) == 1 else "MUL"
    return None


def _abuse_category_keywords(raw: str, t: str) -> str | None:
    w = _words(t)
    if re.search(r"\b(mul|multiple|more than one|not recommended)\b", w):
        return "MUL"
    named = {code for pattern, code in _CATEGORY_WORDS if pattern.search(w)}
    return None if not named else named.pop() if len(named) == 1 else "MUL"


# ---------------------------------------------------------------------------
# map_codes

_LABELS = {"gender": GENDER_LABELS, "ethnicity": ETHNICITY_LABELS, "source": SOURCE_LABELS,
           "primary_need": NEED_LABELS, "abuse_category": CATEGORY_LABELS}
_KEYWORDS: dict[str, Callable[[str, str], str | None]] = {
    "gender": lambda raw, t: _first(_GENDER_RULES, _words(t)),
    "ethnicity": _ethnicity_keywords,
    "source": _source_keywords,
    "primary_need": _primary_need_keywords,
    "abuse_category": _abuse_category_keywords,
}
# What a blank means: gender and ethnicity have "not recorded" codes; the others stay blank.
_BLANK_CODE = {"gender": "U", "ethnicity": "NOBT"}
_NAMED: dict[str, Callable[[str, str], str | None]] = {
    "gender": lambda raw, t: _gender_named(t),
    "ethnicity": _ethnicity_named,
    "source": _source_named,
    "primary_need": _primary_need_named,
    "abuse_category": _abuse_category_named,
}
_STRICT = {  # what a config value may name: a code or its label
    "gender": {norm(k): v for k, v in _GENDER_EXACT.items()} | {norm(x): c for c, x in GENDER_LABELS.items()},
    "ethnicity": _ETH_EXACT,
    "source": _SOURCE_EXACT,
    "primary_need": _NEED_EXACT,
    "abuse_category": _CATEGORY_EXACT,
}


def _strict(kind: str, value: str) -> str | None:
    strict = _STRICT[kind]
    return strict.get(norm(value)) or strict.get(norm(_prep(value)))


def _classify(kind: str, text: str) -> str | None:
    """The Annex A code key for one value ("" for blank, None when it maps to no code):
    a code or label named outright wins over keywords."""
    raw, t = text.strip(), _prep(text)
    if _is_blank(t):
        return _BLANK_CODE.get(kind, "")
    if _DO_NOT_USE.search(t):
        return None
    return _NAMED[kind](raw, t) or _KEYWORDS[kind](raw, t)


# ---------------------------------------------------------------------------
# Known local spellings (SPEC §4 "Codes")
#
# SPEC §4 defines a code's labels as the DfE descriptions *and* the real local spellings of
# the liia-tools-pipeline variant table. That table files each spelling under a group of its
# pan-London minimisation, not under an Annex A code, so data/known_spellings.csv (derived
# from it; MIT, see data/LICENSE-liia-tools.txt) holds (kind, spelling, group). The rules
# still run first: when they land in the known group their code is kept, being finer than
# the group; otherwise the spelling only tells us the group, so it gets the group's "other"
# code (1D, WOTH, 5B ...), or the one code of a one-code group.

_GROUPS: dict[str, dict[str, str]] = {  # kind -> Annex A code -> the variant table's group
    "gender": {"M": "male", "F": "female", "U": "not stated/recorded", "N": "neither"},
    "ethnicity": {
        **dict.fromkeys(("WBRI", "WIRI", "WIRT", "WOTH", "WROM"), "white"),
        **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH"), "mixed"),
        **dict.fromkeys(("AIND", "APKN", "ABAN", "AOTH"), "asian or asian british"),
        **dict.fromkeys(("BCRB", "BAFR", "BOTH"), "black or black british"),
        **dict.fromkeys(("CHNE", "OOTH"), "other ethnic group"),
        **dict.fromkeys(("REFU", "NOBT"), "not stated"),
    },
    "source": {
        **dict.fromkeys(("1A", "1B", "1C", "1D"), "individual"), "2A": "schools",
        "2B": "education services", **dict.fromkeys(("3A", "3B", "3C", "3D", "3E", "3F"), "health services"),
        "4": "housing", **dict.fromkeys(("5A", "5B", "5C", "5D"), "la services"), "6": "police",
        "7": "other legal agency", "8": "other", "9": "anonymous", "10": "unknown",
    },
    "primary_need": {
        "N1": "abuse or neglect", "N2": "child's disability", "N3": "parents illness or disability",
        "N4": "family in acute stress", "N5": "family dysfunction", "N6": "socially unacceptable behaviour",
        "N7": "low income", "N8": "absent parenting", "N9": "not cin", "N0": "not stated",
    },
    "abuse_category": {"NEG": "neglect", "PHY": "physical abuse", "SAB": "sexual abuse",
                       "EMO": "emotional abuse", "MUL": "multiple"},
}
# kind -> group -> the code of a spelling known only by its group
_GROUP_CODE: dict[str, dict[str, object]] = {
    kind: {group: code for code, group in groups.items()} for kind, groups in _GROUPS.items()
}
_GROUP_CODE["ethnicity"] = {"white": "WOTH", "mixed": "MOTH", "asian or asian british": "AOTH",
                            "black or black british": "BOTH", "other ethnic group": "OOTH", "not stated": "NOBT"}
_GROUP_CODE["source"] = {"individual": "1D", "schools": "2A", "education services": "2B",
                         "health services": "3F", "housing": "4", "la services": "5B", "police": "6",
                         "other legal agency": "7", "other": "8", "anonymous": "9", "unknown": "10"}
_GROUP_CODE["disability"] = {"true": ("YES",), "false": ("NONE",), "unknown": ()}


def _known_key(text: str) -> str:
    return norm(_prep(text))


def _known_table(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """kind -> normalised spelling -> group; a spelling filed under two groups of one kind is dropped."""
    table: dict[str, dict[str, str]] = {}
    clashes: set[tuple[str, str]] = set()
    for kind, spelling, group in rows:
        if group not in _GROUP_CODE.get(kind, {}):
            raise ValueError(f"known spelling {spelling!r}: {group!r} is no {kind} group")
        key = _known_key(spelling)
        if key and table.setdefault(kind, {}).setdefault(key, group) != group:
            clashes.add((kind, key))
    for kind, key in clashes:
        del table[kind][key]
    return table


def _read_known_spellings() -> dict[str, dict[str, str]]:
    data = resources.files(__package__).joinpath("data").joinpath("known_spellings.csv")
    rows = csv.reader(io.StringIO(data.read_text("utf-8")))
    next(rows)  # header: kind, spelling, group
    return _known_table((kind, spelling, group) for kind, spelling, group in rows)


# Tests swap this for {} to score the rules alone.
_KNOWN: dict[str, dict[str, str]] = _read_known_spellings()


def _with_known(kind: str, text: str, key: str, code: str | None) -> str | None:
    """The rules' code, unless the spelling is known to sit in another group.

    Blanks stay blank, and a value naming its code outright keeps it: SPEC §4 maps codes
    and labels first, and the variant table has some filed against their own code
    ("7 - Law - Probation" under police).
    """
    group = _KNOWN.get(kind, {}).get(key)
    if group is None or code == "" or code is not None and (
        _GROUPS[kind][code] == group or _NAMED[kind](text, _prep(text))
    ):
        return code
    return _GROUP_CODE[kind][group]  # type: ignore[return-value]


def map_codes(kind: str, values: pd.Series, extra: Mapping[str, str] | None = None) -> Mapped:
    """Annex A labels for a coded column; unmapped values come out as they came (trimmed).

    `extra` maps local values to a code or label and is checked before the built-in tables
    and the known local spellings.
    """
    if kind not in _LABELS:
        raise ValueError(f"unknown code kind {kind!r}; expected one of {KINDS}")
    labels = _LABELS[kind]
    extra_table = _extra_table(extra, lambda v: _strict(kind, v), kind)
    blank_label = labels["U"] if kind == "gender" else labels["NOBT"] if kind == "ethnicity" else None
    codes, uniques = _factorize(values)
    out: list[object] = []
    bad: list[bool] = []
    for u in uniques:
        text = _as_text(u).strip()
        key = _known_key(text)
        code = extra_table.get(norm(text)) or extra_table.get(key)
        if code is None:
            code = _with_known(kind, text, key, _classify(kind, text))
        if code == "":
            out.append(blank_label)
            bad.append(False)
        elif code is None:
            out.append(text)
            bad.append(True)
        else:
            out.append(labels[code])
            bad.append(False)
    return Mapped(_spread(out, codes, blank_label, values.index, "str"),
                  _spread(bad, codes, False, values.index, bool))


# ---------------------------------------------------------------------------
# Disability (CIN census codes, domain-reference §3.1; SPEC §3.1)

_DISABILITY_ORDER = {c: i for i, c in enumerate((*DISABILITY_CODES, "NONE", "YES"))}
_DISABILITY_EXACT: dict[str, tuple[str, ...]] = {
    **{c.lower(): (c,) for c in DISABILITY_CODES},
    **dict.fromkeys(("y", "yes", "true", "t", "1", "disabled", "hasadisability", "yesdisabled"), ("YES",)),
    **dict.fromkeys(("n", "no", "false", "f", "0", "none", "nodisability", "notdisabled", "nil",
                     "nodisabilities"), ("NONE",)),
    **dict.fromkeys(("unknown", "notknown", "nobt", "refu", "refused", "notobtained", "notyetobtained",
                     "informationnotyetobtained", "notrecorded", "notstated", "nan", "null", "na"), ()),
}
_DISABILITY_UNKNOWN = re.compile(
    r"\b(unknown|not known|nobt|refu|refused|not (yet )?obtained|not recorded|not stated)\b")
_DISABILITY_WORDS = _compile([
    (r"\b(mobility|getting about|wheelchair\w*|physical (disab|impair)\w*)\b", "MOB"),
    (r"\b(hand function|hand|holding)\b", "HAND"),
    (r"\b(personal care|self care)\b", "PC"),
    (r"\b(incontinen\w*|continence)\b", "INC"),
    (r"\b(communicat\w*|speech|speaking)\b", "COMM"),
    (r"\b(learning|intellectual|developmental delay|global delay)\b", "LD"),
    (r"\b(hearing|deaf\w*)\b", "HEAR"),
    (r"\b(vision|visual\w*|sight\w*|blind\w*)\b", "VIS"),
    (r"\b(behaviou?r\w*|adhd|attention deficit|hyperactiv\w*)\b", "BEH"),
    (r"\b(consciousness|seizures?|epilep\w*|fits)\b", "CON"),
    (r"\b(autis\w*|asperger\w*|asd)\b", "AUT"),
    (r"\b(dda|other)\b", "DDA"),
])
_DISABILITY_NO = re.compile(r"\b(no disabilit\w*|not disabled|no known disabilit\w*)\b")
_DISABILITY_YES = re.compile(r"\b(disabled|has (a )?disabilit\w*)\b")
_DISABILITY_TOKENS = frozenset(c.lower() for c in (*DISABILITY_CODES, "NONE"))
_DISABILITY_SPLIT = re.compile(r"[,;|/]")


def _disability_part(raw: str) -> tuple[str, ...] | None:
    """Codes for a cell or one separated part of it; None when nothing in it maps."""
    t = re.sub(r"^[0-9]\s*-\s*(?=\S)", "", _prep(raw))  # DfE code prefix, "1 - Yes"
    if _is_blank(t):
        return ()
    n = norm(t)
    if n in _DISABILITY_EXACT:
        return _DISABILITY_EXACT[n]
    w = _words(t)
    tokens = w.split()
    if tokens and all(tok in _DISABILITY_TOKENS for tok in tokens):
        return tuple(tok.upper() for tok in tokens)  # "HAND HEAR"
    if _DISABILITY_NO.search(w):
        return ("NONE",)
    found = [code for pattern, code in _DISABILITY_WORDS if pattern.search(w)]
    found += [tok for tok in re.findall(r"[A-Za-z]+", raw) if tok in DISABILITY_CODES]  # upper case: "LD Autism"
    if found:
        return tuple(found)
    if _DISABILITY_UNKNOWN.search(w):
        return ()
    return ("YES",) if _DISABILITY_YES.search(w) else None


def _disability_cell(raw: str, extra_table: dict[str, object]) -> tuple[tuple[str, ...], bool]:
    """(codes, unmapped) for one cell: config, then the rules, then the known spellings' group."""
    text = raw.strip()
    key = _known_key(text)
    for k in (norm(text), key):
        if k in extra_table:
            return extra_table[k], False  # type: ignore[return-value]
    codes, unmapped = _disability_rules(text, extra_table)
    group = _KNOWN.get("disability", {}).get(key)
    if group is None or key in _DISABILITY_EXACT or (
        extra_table and any(norm(p) in extra_table for p in _DISABILITY_SPLIT.split(text))
    ):
        return codes, unmapped
    found = "true" if set(codes) - {"NONE"} else "false" if codes else "unknown"
    if found != group:
        codes = _GROUP_CODE["disability"][group]  # type: ignore[assignment]
    return codes, False


def _disability_rules(text: str, extra_table: dict[str, object]) -> tuple[tuple[str, ...], bool]:
    """(codes, unmapped) by the rules: the whole cell, else each part between separators."""
    if _known_key(text) in _DISABILITY_EXACT or not _DISABILITY_SPLIT.search(text):  # "N/A", "Autism"
        whole = _disability_part(text)
        return _ordered(whole or ()), whole is None
    codes: list[str] = []
    unmapped = False
    for part in filter(str.strip, _DISABILITY_SPLIT.split(text)):
        key = norm(part)
        found = extra_table[key] if key in extra_table else _disability_part(part)
        unmapped |= found is None
        codes.extend(found or ())  # type: ignore[arg-type]
    return _ordered(codes), unmapped


def _ordered(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(codes), key=_DISABILITY_ORDER.__getitem__))


def parse_disability(values: pd.Series, extra: Mapping[str, str] | None = None) -> DisabilityParsed:
    """CIN disability codes per cell: one or several codes, a description, or an explicit yes/no."""
    extra_table = _extra_table(extra, _disability_part, "disability")
    codes, uniques = _factorize(values)
    parsed = [_disability_cell(_as_text(u), extra_table) for u in uniques]
    return DisabilityParsed(_spread([p[0] for p in parsed], codes, (), values.index, object),
                            _spread([p[1] for p in parsed], codes, False, values.index, bool))


# ---------------------------------------------------------------------------
# Assessment outcome (SPEC §4)

_OUTCOME_RULES = _compile([
    (r"\b(s47|s 47|section 47|strategy|child protection|cp enquiry|icpc)\b", "s47"),
    (r"\b(other agenc\w*|early help|step\w* down|rc9|signpost\w*|universal|referred to|refer\w* on|"
     r"partner agenc\w*|targeted|tac|taf|caf)\b", "other_agency"),
    (r"\b(nfa|no further (action|involvement)|rc8|no services?)\b", "nfa"),
    (r"\b(csc|cin|child in need|core assessment|further (csc )?(action|assessment)|continue\w*|"
     r"social care|looked after|care proceedings|plan|yes|y)\b", "csc"),
    (r"\b(closed?|no|n)\b", "nfa"),
])
_OUTCOME_UNKNOWN = re.compile(r"\b(unknown|not known|not recorded|c unknown)\b")


def _outcome(text: str) -> str | None:
    t = _prep(text)
    if _is_blank(t):
        return ""
    n = norm(t)
    if n in _OUTCOME_EXACT:
        return _OUTCOME_EXACT[n]
    w = _words(t)
    if _OUTCOME_UNKNOWN.search(w):
        return ""
    return _first(_OUTCOME_RULES, w)


_OUTCOME_EXACT = {norm(o): o for o in OUTCOMES} | {"otheragency": "other_agency"}


def map_assessment_outcome(values: pd.Series, extra: Mapping[str, str] | None = None) -> Mapped:
    """One of OUTCOMES per row, or NA; an unmapped value reads as unknown (NA) and is flagged."""
    extra_table = _extra_table(extra, lambda v: _outcome(v) or None, "assessment_outcome")
    codes, uniques = _factorize(values)
    out: list[object] = []
    bad: list[bool] = []
    for u in uniques:
        text = _as_text(u).strip()
        code = extra_table.get(norm(text)) or extra_table.get(norm(_prep(text))) or _outcome(text)
        out.append(code or None)
        bad.append(code is None)
    return Mapped(_spread(out, codes, None, values.index, "str"),
                  _spread(bad, codes, False, values.index, bool))
