"""The DfE CIN census XML (SPEC §3.5; annex-a-full.md §4): not read yet."""

from __future__ import annotations

from ..errors import InputError

FORMAT = "CIN census XML"
COLLECTION = "CIN"


def read(src) -> None:
    raise InputError(f"{src.name} is a CIN census XML, which is not read yet")


def merge(reads, findings) -> None:
    """Nothing to merge yet."""
