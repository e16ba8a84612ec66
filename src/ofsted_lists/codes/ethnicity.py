"""Ethnicity (SPEC §4 "Codes": CBDS codes and their labels -> `a) WBRI` … `s) NOBT`).

Extended CBDS codes roll up to their main code; 2001-census codes (`A1`), system codes
(`(A.A1) White - British`) and descriptions are read too.
"""

from __future__ import annotations

import re

from ..schema import norm
from .text import compile_rules, earliest, no_guess, words

LABELS = {
    code: f"{letter}) {code}"
    for letter, code in zip(
        "abcdefghijklmnopqrs",
        ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
         "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU"),
    )
}
LABELS["NOBT"] = "s) NOBT"  # Ofsted's template letters REFU and NOBT both "s)"
BLANK = "NOBT"  # a blank ethnicity is "information not yet obtained"

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
_ETH_CODES = {c: c for c in LABELS} | {
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
STRICT = (
    {norm(c): m for c, m in _ETH_CODES.items()}
    | {norm(label): c for c, label in LABELS.items()}
    | {norm(d): c for c, d in _ETH_DESCRIPTIONS.items()}
)
_ETH_REFUSED = re.compile(
    r"\b(refus\w*|declin\w*|prefer\w* not|did not wish|does not wish|not divulged|not disclosed|"
    r"withheld|not to say)\b")
_ETH_NOT_OBTAINED = re.compile(
    r"\b(not (yet )?(obtained|available|known|stated|recorded|given|established|specified)|"
    r"information not|no (data|information|info)|undeclared|unknown|unborn|unable to provide|awaiting)\b")
# Census headings: a value's group when nothing more specific follows (removed before reading the rest).
_ETH_HEADINGS = compile_rules([
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
    return earliest(_ASIAN_RULES, w) or "AOTH"


_ASIAN_RULES = compile_rules([
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


def named(raw: str, t: str) -> str | None:
    """The code a value names outright: a code, label or description, or an embedded CBDS code."""
    n = norm(t)
    if n in STRICT:
        return STRICT[n]
    if n in _ETH_GROUP_LETTER:  # a bare census group letter, "(N)"
        return _ETH_GROUP_LETTER[n]
    for i, m in enumerate(_ETH_CODE_TOKEN.finditer(raw)):
        token = m.group(1)
        if token.upper() in _ETH_CODES and (token.isupper() or i == 0):
            return _ETH_CODES[token.upper()]
    return None


def keywords(raw: str, t: str) -> str | None:
    if re.fullmatch(r"x+", t.strip(" -_.")):  # a run of x letters is a placeholder
        return "NOBT"
    group = None
    m = _ETH_SYSTEM_PREFIX.match(t)
    if m:
        group = _ETH_GROUP_LETTER.get(m.group(1) or m.group(2))
        t = t[m.end():]
    t = re.sub(r"^[a-e]\d+\.\d+\s*", "", t)  # "A4.6 ..." is a local numbering, not a code
    code = _ethnicity_words(words(t))
    if code:
        return code
    old = _ETH_OLD_CODE.search(t)
    return _ETH_OLD[old.group(1)] if old else group


guess = no_guess
