"""The full Annex A (SPEC §9, `--profile annex-a`): one module per list, `List 1` … `List 11`.

Where is List N decided? In `listN_*.py`: its SPEC (sheet, Annex A headings from
`readers/annex_a_lists.py`, rule), `build` and `explain`."""

from . import (
    list1_contacts, list2_early_help, list3_referrals, list4_assessments, list5_s47, list6_cin, list7_cp, list8_cla,
    list9_care_leavers, list10_adoption, list11_adopters,
)

LISTS = (list1_contacts, list2_early_help, list3_referrals, list4_assessments, list5_s47, list6_cin, list7_cp,
         list8_cla, list9_care_leavers, list10_adoption, list11_adopters)
