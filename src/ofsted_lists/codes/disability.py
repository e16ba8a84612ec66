"""Disability (SPEC §3.1, §4 "Disability Codes"): cells -> CIN census disability codes
(MOB … DDA), "NONE" for an explicit no and "YES" for a yes with no code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pandas as pd

from ..schema import norm
from ..uniques import factorize, spread
from .known import GROUP_CODE, KnownSpellings, known_key, resolve
from .text import as_text, compile_rules, extra_table, is_blank, prep, words

DISABILITY_CODES = ("MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA")


class DisabilityParsed(NamedTuple):
    codes: pd.Series     # tuple[str, ...] per row: CIN codes, then "NONE" / "YES"; () = no record
    unmapped: pd.Series  # bool: a non-blank value (or a token of it) that maps to nothing


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
_DISABILITY_WORDS = compile_rules([
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
    t = re.sub(r"^[0-9]\s*-\s*(?=\S)", "", prep(raw))  # DfE code prefix, "1 - Yes"
    if is_blank(t):
        return ()
    n = norm(t)
    if n in _DISABILITY_EXACT:
        return _DISABILITY_EXACT[n]
    w = words(t)
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


def _disability_cell(raw: str, config: dict[str, object], known: KnownSpellings) -> tuple[tuple[str, ...], bool]:
    """(codes, unmapped) for one cell: config, then the rules, then the known spellings' group."""
    text = raw.strip()
    key = known_key(text)
    for k in (norm(text), key):
        if k in config:
            return config[k], False  # type: ignore[return-value]
    codes, unmapped = _disability_rules(text, config)
    group = known.get("disability", {}).get(key)
    if group is None or key in _DISABILITY_EXACT or (
        config and any(norm(p) in config for p in _DISABILITY_SPLIT.split(text))
    ):
        return codes, unmapped
    found = "true" if set(codes) - {"NONE"} else "false" if codes else "unknown"
    if found != group:
        codes = GROUP_CODE["disability"][group]  # type: ignore[assignment]
    return codes, False


def _disability_rules(text: str, config: dict[str, object]) -> tuple[tuple[str, ...], bool]:
    """(codes, unmapped) by the rules: the whole cell, else each part between separators."""
    if known_key(text) in _DISABILITY_EXACT or not _DISABILITY_SPLIT.search(text):  # "N/A", "Autism"
        whole = _disability_part(text)
        return _ordered(whole or ()), whole is None
    codes: list[str] = []
    unmapped = False
    for part in filter(str.strip, _DISABILITY_SPLIT.split(text)):
        key = norm(part)
        found = config[key] if key in config else _disability_part(part)
        unmapped |= found is None
        codes.extend(found or ())  # type: ignore[arg-type]
    return _ordered(codes), unmapped


def _ordered(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(codes), key=_DISABILITY_ORDER.__getitem__))


def parse_disability(values: pd.Series, extra: Mapping[str, str] | None = None,
                     known: KnownSpellings | None = None) -> DisabilityParsed:
    """CIN disability codes per cell: one or several codes, a description, or an explicit yes/no.

    `extra` is the config mapping; `known` the spelling table (None: the shipped one, {}: none).
    """
    config = extra_table(extra, _disability_part, "disability")
    table = resolve(known)
    codes, uniques = factorize(values)
    parsed = [_disability_cell(as_text(u), config, table) for u in uniques]
    return DisabilityParsed(spread([p[0] for p in parsed], codes, (), values.index, object),
                            spread([p[1] for p in parsed], codes, False, values.index, bool))
