"""The lists of disabled children (SPEC §4: sheets 1a, 1b, 2–6), one module per sheet, in workbook order.

Where is list N decided? In `lN_*.py`: its SPEC (sheet, columns, rule), `build`, and
`explain` (the same rule in words, for `ofsted-lists explain`).
"""

from . import l1a_contacts, l1b_referrals, l2_strategy_s47, l3_assessments, l4_cin_plans, l5_cp_plans, l6_early_help
from ._common import Context, ListResult, ListSpec, Verdict, child_columns, empty, not_produced

LISTS = (l1a_contacts, l1b_referrals, l2_strategy_s47, l3_assessments, l4_cin_plans, l5_cp_plans, l6_early_help)
SPECS: tuple[ListSpec, ...] = tuple(m.SPEC for m in LISTS)

__all__ = ["LISTS", "SPECS", "Context", "ListResult", "ListSpec", "Verdict", "child_columns", "empty", "not_produced"]
