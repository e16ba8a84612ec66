"""Coded values: local spellings -> Annex A codes (SPEC §3.1, §3.2, §4 "Codes").

Local authorities export the same code in many spellings: the bare DfE code
(`3A`, `WBRI`, `N2`, `NEG`), the Annex A label (`g) 3A: Health services`), the
DfE description, a case-management-system label with its own prefix
(`(A.A1) White - British`, `N1SA : Physical Abuse`, `Med - CAMHS`) or free text
(`Health Visitor`, `Neglect and Emotional`). One module per kind holds its rules;
`mapping` reads every kind in the same order, `known` holds the known local spellings.
Everything runs once per distinct value; no value raises.
"""

from .abuse_category import LABELS as CATEGORY_LABELS
from .disability import DISABILITY_CODES, DisabilityParsed, parse_disability
from .ethnicity import LABELS as ETHNICITY_LABELS
from .gender import LABELS as GENDER_LABELS
from .known import KnownSpellings, derive as derive_known_spellings, known_key, known_table
from .mapping import KINDS, LABELS, Guess, Mapped, best_guess, map_codes
from .outcome import OUTCOMES, map_assessment_outcome
from .primary_need import LABELS as NEED_LABELS
from .source import LABELS as SOURCE_LABELS

__all__ = [
    "CATEGORY_LABELS", "DISABILITY_CODES", "ETHNICITY_LABELS", "GENDER_LABELS", "KINDS", "LABELS",
    "NEED_LABELS", "OUTCOMES", "SOURCE_LABELS", "DisabilityParsed", "Guess", "KnownSpellings", "Mapped",
    "best_guess", "derive_known_spellings", "known_key", "known_table", "map_assessment_outcome", "map_codes",
    "parse_disability",
]
