"""Annex A Lists 9–11 — not built yet (the next issue): each is a "not produced" sheet with
its Annex A headings, naming the table that will produce it (SPEC §9)."""

from __future__ import annotations

from .._common import Context, ListResult, Verdict, empty
from ._spec import annex_spec


class Pending:
    """A list of the profile that is always "not produced" (no `build` of its own yet)."""

    def __init__(self, number: int, table: str, rule: str):
        first = "Individual adopter identifier" if number == 11 else "Child Unique ID"
        self.SPEC = annex_spec(number, (table,), rule, first, pending=True)

    def build(self, ctx: Context) -> ListResult:
        return empty(self.SPEC)

    def explain(self, ctx: Context, child_id: str) -> Verdict:
        return Verdict(False, [f"not built by this version yet (produced from the {self.SPEC.needs[0]} export)"])


LIST9 = Pending(9, "care_leavers", "care leavers with a leaving-care involvement open at the as-of date")
LIST10 = Pending(10, "placed_for_adoption", "children adopted, or with a should-be-placed decision, in the 12 months")
LIST11 = Pending(11, "adopters", "adopters who applied and had a step in the 12 months or are mid-process")
