"""Annex A List 5 — every strategy discussion / s47 enquiry with either date in the window
(SPEC §9, annex-a-full.md §2.12): sheet 2's rows and 12-month counts for all children,
Annex A columns only, disability `a) Yes` / `b) No` / `c) Unknown`."""

from __future__ import annotations

from .. import l2_strategy_s47
from .._common import Context, ListResult, Verdict
from ._spec import annex_spec

SPEC = annex_spec(5, ("s47",), "one row per strategy discussion / s47 enquiry with either date in the window",
                  l2_strategy_s47.S47_START,
                  feeds=tuple(f for f in l2_strategy_s47.SPEC.feeds if f.column not in ("strategy_date", "outcome")))


def build(ctx: Context) -> ListResult:
    return l2_strategy_s47.build(ctx, SPEC)


def explain(ctx: Context, child_id: str) -> Verdict:
    return l2_strategy_s47.explain(ctx, child_id, SPEC)
