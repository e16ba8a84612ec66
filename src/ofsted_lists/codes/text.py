"""What every code kind shares: text preparation, keyword rules, config mapping tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from ..errors import UsageError
from ..schema import norm

_MOJIBAKE = re.compile("[ÃÂâ]")
_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\xa0": " ", "\ufeff": "", "\\": "/",
})
_ANNEX_PREFIX = re.compile(r"^\s*[a-z]\d?\)\s*(?=\S)")  # "a) ", "p1) "
_LIST_NUMBER = re.compile(r"^\s*\d{1,2}\)\s*(?=\S)")     # a local pick-list number, "60) Individual"
_BLANK_WORDS = frozenset({"", "nan", "null", "na", "nat", "n/a", "#n/a"})
DO_NOT_USE = re.compile(r"\bdo not use\b")  # retired local codes: never guess what they meant


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (`childrenâ€™s`), up to twice, as exports arrive double-encoded."""
    for _ in range(2):
        if not _MOJIBAKE.search(text):
            break
        try:
            text = text.encode("cp1252").decode("utf-8")
        except UnicodeError:
            break
    return text


def prep(text: str) -> str:
    """Lower case, unified punctuation, without an Annex A letter or pick-list number prefix."""
    t = fix_mojibake(text).translate(_PUNCT).casefold()
    t = _LIST_NUMBER.sub("", _ANNEX_PREFIX.sub("", t, count=1), count=1)
    return " ".join(t.split())


def words(t: str) -> str:
    """Space-separated words of prepared text; `&` and `+` read as "and", apostrophes dropped."""
    t = t.replace("'", "").replace("&", " and ").replace("+", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", t))


def no_guess(raw: str, t: str) -> None:
    """The `guess` of a kind whose keywords never hold back a reading."""
    return None


Read = Callable[[str, str], tuple[str | None, str | None]]  # (raw, t) -> (loose code, doubt)
Keywords = Callable[[str, str], str | None]
Guesses = Callable[[str, str], tuple[str, str] | None]


def clear_or_guess(read: Read) -> tuple[Keywords, Guesses]:
    """A kind's `keywords` (the code on clear evidence only) and `guess` ((code, doubt) where
    the evidence is not clear) from its reading, which gives the loose code and any doubt."""
    def keywords(raw: str, t: str) -> str | None:
        code, doubt = read(raw, t)
        return None if doubt else code

    def guess(raw: str, t: str) -> tuple[str, str] | None:
        code, doubt = read(raw, t)
        return (code, doubt) if code and doubt else None

    return keywords, guess


def is_blank(t: str) -> bool:
    return t.strip(" -_.'\"") in _BLANK_WORDS


def as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # 1.0 read from Excel is the code 1
    return str(value)


Rule = tuple[str, str]  # (regex over words, code)
Rules = list[tuple[re.Pattern[str], str]]


def compile_rules(rules: Iterable[Rule]) -> Rules:
    return [(re.compile(p), code) for p, code in rules]


def earliest_match(rules: Rules, w: str) -> tuple[int, int, str] | None:
    """(position, rule number, code) of the rule matching earliest in the words (ties: listed first)."""
    found = [(m.start(), order, code) for order, (pattern, code) in enumerate(rules) if (m := pattern.search(w))]
    return min(found) if found else None


def earliest(rules: Rules, w: str) -> str | None:
    best = earliest_match(rules, w)
    return best[2] if best else None


def first(rules: Rules, w: str) -> str | None:
    """Code of the first rule (in listed order) that matches anywhere."""
    return next((code for pattern, code in rules if pattern.search(w)), None)


def label_table(labels: Mapping[str, str], prefix_end: str) -> dict[str, str]:
    """Normalised code, label, and label without its code prefix (up to `prefix_end`) -> code."""
    return (
        {norm(c): c for c in labels}
        | {norm(label): c for c, label in labels.items()}
        | {norm(label.split(prefix_end, 1)[1]): c for c, label in labels.items()}
    )


def extra_table(
    extra: Mapping[str, str] | None, resolve: Callable[[str], object], what: str
) -> dict[str, object]:
    """Config mapping keyed by normalised local value; a value naming no code is a config error."""
    table: dict[str, object] = {}
    for key, value in (extra or {}).items():
        resolved = resolve(str(value))
        if resolved is None:
            raise UsageError(f"{what} mapping for {key!r}: {value!r} names no valid code")
        table[norm(key)] = resolved
        table.setdefault(norm(prep(str(key))), resolved)
    return table
