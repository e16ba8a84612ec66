"""Annex A List 1 — every contact dated in the window, one row per contact (SPEC §9,
annex-a-full.md §2.12): sheet 1a's rows for all children, Annex A columns only."""

from __future__ import annotations

from .. import l1a_contacts
from .._common import Context, ListResult, Verdict
from ._spec import annex_spec

SPEC = annex_spec(1, ("contacts",), "one row per contact dated in the window", "Date of Contact",
                  feeds=tuple(f for f in l1a_contacts.SPEC.feeds if f.column == "contact_source"))


def build(ctx: Context) -> ListResult:
    return l1a_contacts.build(ctx, SPEC)


def explain(ctx: Context, child_id: str) -> Verdict:
    return l1a_contacts.explain(ctx, child_id, SPEC)
