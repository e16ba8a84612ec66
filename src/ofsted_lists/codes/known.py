"""Known local spellings (SPEC §4 "Codes": a code's labels include the real local spellings
of the liia-tools-pipeline variant table).

That table files each spelling under a group of its pan-London minimisation, not under an
Annex A code, so data/known_spellings.csv (derived from it by `derive`; MIT, see
data/LICENSE-liia-tools.txt) holds (kind, spelling, group). The rules still run first: when
they land in the known group their code is kept, being finer than the group; otherwise the
spelling only tells us the group, so it gets the group's "other" code (1D, WOTH, 5B ...),
or the one code of a one-code group.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType

import pandas as pd

from ..schema import norm
from .text import prep

KnownSpellings = Mapping[str, Mapping[str, str]]  # kind -> known_key(spelling) -> group

GROUPS: dict[str, dict[str, str]] = {  # kind -> Annex A code -> the variant table's group
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
GROUP_CODE: dict[str, dict[str, object]] = {
    kind: {group: code for code, group in groups.items()} for kind, groups in GROUPS.items()
}
GROUP_CODE["ethnicity"] = {"white": "WOTH", "mixed": "MOTH", "asian or asian british": "AOTH",
                           "black or black british": "BOTH", "other ethnic group": "OOTH", "not stated": "NOBT"}
GROUP_CODE["source"] = {"individual": "1D", "schools": "2A", "education services": "2B",
                        "health services": "3F", "housing": "4", "la services": "5B", "police": "6",
                        "other legal agency": "7", "other": "8", "anonymous": "9", "unknown": "10"}
GROUP_CODE["disability"] = {"true": ("YES",), "false": ("NONE",), "unknown": ()}

# The variant table's columns -> the code kind their spellings are known for.
PEER_KINDS = {
    "Gender": "gender", "Ethnicity": "ethnicity", "Contact Source": "source", "Referral Source": "source",
    "Primary Need Code": "primary_need", "Initial Category of Abuse": "abuse_category",
    "Latest Category of Abuse": "abuse_category", "Disability": "disability",
    "Does the Child have a Disability": "disability",
}


def known_key(text: str) -> str:
    """A spelling as it is looked up: case-, space- and punctuation-insensitive."""
    return norm(prep(text))


def known_table(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """kind -> normalised spelling -> group; a spelling filed under two groups of one kind is dropped."""
    table: dict[str, dict[str, str]] = {}
    clashes: set[tuple[str, str]] = set()
    for kind, spelling, group in rows:
        if group not in GROUP_CODE.get(kind, {}):
            raise ValueError(f"known spelling {spelling!r}: {group!r} is no {kind} group")
        key = known_key(spelling)
        if key and table.setdefault(kind, {}).setdefault(key, group) != group:
            clashes.add((kind, key))
    for kind, key in clashes:
        del table[kind][key]
    return table


@functools.cache
def shipped() -> KnownSpellings:
    """The table of data/known_spellings.csv, read once, read-only."""
    data = resources.files("ofsted_lists").joinpath("data").joinpath("known_spellings.csv")
    rows = csv.reader(io.StringIO(data.read_text("utf-8")))
    next(rows)  # header: kind, spelling, group
    table = known_table((kind, spelling, group) for kind, spelling, group in rows)
    return MappingProxyType({kind: MappingProxyType(spellings) for kind, spellings in table.items()})


def resolve(known: KnownSpellings | None) -> KnownSpellings:
    """The table to use: the one passed in ({} for the rules alone), else the shipped one."""
    return shipped() if known is None else known


def derive(peer: pd.DataFrame) -> pd.DataFrame:
    """The rows of data/known_spellings.csv from variant-table rows (column, peer_code,
    observed_variant): each spelling's group, without code errors, gender "I" (SPEC §3.2
    says I -> neither, the peer files it as not stated) or spellings filed under two groups
    of one kind."""
    rows = peer[peer["column"].isin(PEER_KINDS) & (peer["peer_code"] != "zzCodeError")]
    out = pd.DataFrame({
        "kind": rows["column"].map(PEER_KINDS),
        "spelling": rows["observed_variant"],
        "group": rows["peer_code"].str.replace(r"^[a-z]\) ", "", regex=True).str.strip().str.casefold(),
    })
    keys = out["spelling"].map(known_key)
    keep = ~((out["kind"] == "gender") & (keys == "i"))
    out, keys = out[keep], keys[keep]
    kept = known_table(out.itertuples(index=False))
    out = out[[key in kept.get(kind, {}) for kind, key in zip(out["kind"], keys)]]
    return out.drop_duplicates().sort_values(["kind", "group", "spelling"]).reset_index(drop=True)
