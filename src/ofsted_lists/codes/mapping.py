"""`map_codes`: one coded column -> Annex A labels, for the kinds of SPEC §4 "Codes".

Each value is read in the same order: a config mapping; the kind's code, label or
description named outright (or a DfE code embedded in it); keywords drawn from the DfE
meanings; then the known local spellings (known.py) check the group it landed in.
Keywords map a value only on clear evidence: where they would only guess (a negation, a
qualifier naming another service, a bare abbreviation or one as a heading's qualifier, a
service the LA, the NHS or a provider may each run named without saying whose, a family word
naming a service, two codes named side by side) the value is left unmapped and `best_guess`
says what the guess would have been and why it was not taken. A wrong code is worse than an
unmapped one: an unmapped value is written as it came and reported (and `inspect` shows the
guess), while a wrong code is seen by no one; so where the evidence is not clear, the value
stays unmapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import NamedTuple

import pandas as pd

from ..schema import norm
from ..uniques import factorize, spread
from . import abuse_category, ethnicity, gender, primary_need, source
from .known import GROUP_CODE, GROUPS, KnownSpellings, known_key, resolve
from .text import DO_NOT_USE, as_text, extra_table, is_blank, prep


class Mapped(NamedTuple):
    values: pd.Series    # the Annex A label (or outcome); an unmapped value as it came, trimmed
    unmapped: pd.Series  # bool: a non-blank value that maps to no code


class Guess(NamedTuple):
    label: str   # the Annex A label it would map to
    reason: str  # why, in words an analyst reads


# Each kind module has LABELS (code -> Annex A label), STRICT (what a config value may name:
# a code or its label), BLANK (the code of a blank cell; "" stays blank), and, over the raw
# and the prepared text, named(raw, t), keywords(raw, t) (a code on clear evidence only) and
# guess(raw, t) ((code, reason) where the keywords would only guess).
_KINDS: dict[str, ModuleType] = {
    "gender": gender, "ethnicity": ethnicity, "source": source,
    "primary_need": primary_need, "abuse_category": abuse_category,
}
KINDS = tuple(_KINDS)
LABELS: dict[str, dict[str, str]] = {kind: module.LABELS for kind, module in _KINDS.items()}


def _strict(kind: str, value: str) -> str | None:
    strict = _KINDS[kind].STRICT
    return strict.get(norm(value)) or strict.get(norm(prep(value)))


def _classify(kind: str, text: str) -> str | None:
    """The Annex A code key for one value ("" for blank, None when it maps to no code):
    a code or label named outright wins over keywords."""
    raw, t = text.strip(), prep(text)
    module = _KINDS[kind]
    if is_blank(t):
        return module.BLANK
    if DO_NOT_USE.search(t):
        return None
    return module.named(raw, t) or module.keywords(raw, t)


def _guess(kind: str, text: str) -> tuple[str, str] | None:
    """(code, reason) the loose rules would give a value _classify leaves unmapped."""
    raw, t = text.strip(), prep(text)
    if is_blank(t) or DO_NOT_USE.search(t) or _classify(kind, text) is not None:
        return None
    return _KINDS[kind].guess(raw, t)


def best_guess(kind: str, value: str) -> Guess | None:
    """For a value the rules leave unmapped, the label the loose rules would give it and why
    that was not taken; None when the value maps, or there is no guess. Kinds: KINDS, and
    "disability" and "assessment_outcome" (which have no guesses)."""
    if kind in ("disability", "assessment_outcome"):
        return None
    if kind not in _KINDS:
        raise ValueError(f"unknown code kind {kind!r}; expected one of {KINDS}")
    found = _guess(kind, as_text(value))
    return Guess(LABELS[kind][found[0]], found[1]) if found else None


def _with_known(kind: str, text: str, key: str, code: str | None, known: KnownSpellings) -> str | None:
    """The rules' code, unless the spelling is known to sit in another group.

    Blanks stay blank, and a value naming its code outright keeps it: SPEC §4 maps codes
    and labels first, and the variant table has some filed against their own code
    ("7 - Law - Probation" under police). A value the rules leave unmapped on doubt takes
    its best guess when the spelling is known to sit in the guess's group.
    """
    group = known.get(kind, {}).get(key)
    if group is None or code == "" or code is not None and (
        GROUPS[kind][code] == group or _KINDS[kind].named(text, prep(text))
    ):
        return code
    if code is None and (found := _guess(kind, text)) and GROUPS[kind][found[0]] == group:
        return found[0]
    return GROUP_CODE[kind][group]  # type: ignore[return-value]


def map_codes(kind: str, values: pd.Series, extra: Mapping[str, str] | None = None,
              known: KnownSpellings | None = None) -> Mapped:
    """Annex A labels for a coded column; unmapped values come out as they came (trimmed).

    `extra` maps local values to a code or label and is checked before the built-in tables
    and the known local spellings; `known` is the spelling table (None: the shipped one,
    {}: the rules alone).
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown code kind {kind!r}; expected one of {KINDS}")
    labels = LABELS[kind]
    table = resolve(known)
    config = extra_table(extra, lambda v: _strict(kind, v), kind)
    blank_label = labels.get(_KINDS[kind].BLANK)
    codes, uniques = factorize(values)
    out: list[object] = []
    bad: list[bool] = []
    for u in uniques:
        text = as_text(u).strip()
        key = known_key(text)
        code = config.get(norm(text)) or config.get(key)
        if code is None:
            code = _with_known(kind, text, key, _classify(kind, text), table)
        if code == "":
            out.append(blank_label)
            bad.append(False)
        elif code is None:
            out.append(text)
            bad.append(True)
        else:
            out.append(labels[code])
            bad.append(False)
    return Mapped(spread(out, codes, blank_label, values.index, "str"),
                  spread(bad, codes, False, values.index, bool))
