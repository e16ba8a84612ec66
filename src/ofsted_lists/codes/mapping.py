"""`map_codes`: one coded column -> Annex A labels, for the kinds of SPEC §4 "Codes".

Each value is read in the same order: a config mapping; the kind's code, label or
description named outright (or a DfE code embedded in it); keywords drawn from the DfE
meanings; then the known local spellings (known.py) check the group it landed in.
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


# Each kind module has LABELS (code -> Annex A label), STRICT (what a config value may name:
# a code or its label), BLANK (the code of a blank cell; "" stays blank), and named(raw, t)
# and keywords(raw, t) over the raw and the prepared text.
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


def _with_known(kind: str, text: str, key: str, code: str | None, known: KnownSpellings) -> str | None:
    """The rules' code, unless the spelling is known to sit in another group.

    Blanks stay blank, and a value naming its code outright keeps it: SPEC §4 maps codes
    and labels first, and the variant table has some filed against their own code
    ("7 - Law - Probation" under police).
    """
    group = known.get(kind, {}).get(key)
    if group is None or code == "" or code is not None and (
        GROUPS[kind][code] == group or _KINDS[kind].named(text, prep(text))
    ):
        return code
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


# interim: the matcher work replaces this
class Guess(NamedTuple):
    label: str    # the Annex A label it would map to
    reason: str   # why, in words an analyst reads


# interim: the matcher work replaces this
def best_guess(kind: str, value: str) -> Guess | None:
    """The code a value that maps to no code most likely means, for `inspect` to offer the
    analyst; None when nothing suggests one (and for kinds without Annex A labels)."""
    if kind not in _KINDS:
        return None
    code = _classify(kind, value)
    return Guess(LABELS[kind][code], "keywords suggest it") if code else None
