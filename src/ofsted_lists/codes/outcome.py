"""Assessment outcome (SPEC §4 "`assessment_outcome` values map onto four outcomes"):
nfa, other_agency, csc, s47."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ..schema import norm
from ..uniques import factorize, spread
from .mapping import Mapped
from .text import as_text, compile_rules, extra_table, first, is_blank, prep, words

OUTCOMES = ("nfa", "other_agency", "csc", "s47")

_OUTCOME_RULES = compile_rules([
    (r"\b(s47|s 47|section 47|strategy|child protection|cp enquiry|icpc)\b", "s47"),
    (r"\b(other agenc\w*|early help|step\w* down|rc9|signpost\w*|universal|referred to|refer\w* on|"
     r"partner agenc\w*|targeted|tac|taf|caf)\b", "other_agency"),
    (r"\b(nfa|no further (action|involvement)|rc8|no services?)\b", "nfa"),
    (r"\b(csc|cin|child in need|core assessment|further (csc )?(action|assessment)|continue\w*|"
     r"social care|looked after|care proceedings|plan|yes|y)\b", "csc"),
    (r"\b(closed?|no|n)\b", "nfa"),
])
_OUTCOME_UNKNOWN = re.compile(r"\b(unknown|not known|not recorded|c unknown)\b")
_OUTCOME_EXACT = {norm(o): o for o in OUTCOMES} | {"otheragency": "other_agency"}


def _outcome(text: str) -> str | None:
    t = prep(text)
    if is_blank(t):
        return ""
    n = norm(t)
    if n in _OUTCOME_EXACT:
        return _OUTCOME_EXACT[n]
    w = words(t)
    if _OUTCOME_UNKNOWN.search(w):
        return ""
    return first(_OUTCOME_RULES, w)


def map_assessment_outcome(values: pd.Series, extra: Mapping[str, str] | None = None) -> Mapped:
    """One of OUTCOMES per row, or NA; an unmapped value reads as unknown (NA) and is flagged."""
    config = extra_table(extra, lambda v: _outcome(v) or None, "assessment_outcome")
    codes, uniques = factorize(values)
    out: list[object] = []
    bad: list[bool] = []
    for u in uniques:
        text = as_text(u).strip()
        code = config.get(norm(text)) or config.get(norm(prep(text))) or _outcome(text)
        out.append(code or None)
        bad.append(code is None)
    return Mapped(spread(out, codes, None, values.index, "str"),
                  spread(bad, codes, False, values.index, bool))
