"""Annex A List 3 — every referral dated in the window, one row per referral (SPEC §9,
annex-a-full.md §2.12): sheet 1b's rows and 12-month count for all children, Annex A
columns only."""

from __future__ import annotations

from .. import l1b_referrals
from .._common import Context, ListResult, Verdict
from ._spec import annex_spec

SPEC = annex_spec(3, ("referrals",), "one row per referral dated in the window", "Date of referral",
                  feeds=l1b_referrals.SPEC.feeds)


def build(ctx: Context) -> ListResult:
    return l1b_referrals.build(ctx, SPEC)


def explain(ctx: Context, child_id: str) -> Verdict:
    return l1b_referrals.explain(ctx, child_id, SPEC)
