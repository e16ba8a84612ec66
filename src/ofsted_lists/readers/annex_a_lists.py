"""Ofsted's Annex A Lists 1-11 as data: each list's headings (with the variants LAs'
workbooks carry, annex-a-full.md §6.5), the canonical column each one fills, what its
cells must be, and whether Annex A allows a blank (domain-reference.md §1.1, §2).
`annex_a.py` reads a workbook by these; nothing here reads a file.

Code lists: Ofsted's August 2019 Codes_used sheet (`data/annex_a_codes_2019.json`) plus
the codes of the newer layout (annex-a-full.md §6.2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from ..schema import norm

# The Annex A layouts a workbook can be written in (annex-a-full.md §6.2): the newer one
# (the 2023 schema, the January 2024 sample), the default, and Ofsted's August 2019 template.
NEWER, V2019 = "newer", "2019"
VERSIONS = (NEWER, V2019)

# What a cell must be, besides a code-list name (a key of CODES).
DATE, COUNT, TEXT, ID = "date", "count", "text", "id"
# Cells that fill no canonical column of the list's table, but another record of the row.
FLAG = "disability flag"          # -> a `disabilities` record (Lists 4-10)
SEEN = "last seen"                # List 6 -> a `visits` row, child seen
VISIT = "last statutory visit"    # List 7 -> a `visits` row, a statutory CP visit
SEEN_ALONE = "seen alone"         # List 7 -> that visit's seen_alone
UASC = "uasc"                     # Lists 8, 9 -> a 903 `uasc` record when a) Yes
REVIEW = "latest review"          # List 8 -> a 903 `reviews` row
SW_VISIT = "last cla visit"       # List 8 -> a `visits` row of type cla
IRO_VISIT = "last iro contact"    # List 8 -> a `visits` row of type iro
HEALTH = "last health check"      # List 8 -> a completed `health_checks` row of type health
DENTAL = "last dental check"      # List 8 -> a completed `health_checks` row of type dental
PLAN = "permanence plan"          # List 8 -> a `permanence_plans` row (no dates: current)


@dataclass(frozen=True)
class Heading:
    names: tuple[str, ...]   # the heading as each layout writes it (compared by schema.norm)
    column: str | None       # canonical column of the list's table, a record above, or None (checked only)
    check: str               # DATE, COUNT, TEXT, ID or a code list
    required: bool = False   # Annex A allows no blank
    t19: str | None = None        # the August 2019 template's heading, where it differs from names[0]
    t19_check: str | None = None  # its code list there, where it differs from `check`
    newer_only: bool = False      # a column the August 2019 template does not have (List 9's newer four)

    def heading(self, version: str = NEWER) -> str:
        """The heading a workbook of `version` writes ("2019" or the newer layout)."""
        return self.t19 if version == V2019 and self.t19 else self.names[0]

    def code_list(self, version: str = NEWER) -> str:
        return self.t19_check if version == V2019 and self.t19_check else self.check

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(norm(n) for n in self.names)


@dataclass(frozen=True)
class AnnexList:
    number: int
    title: str               # the template's title row, "List 1: Contacts"
    table: str               # the canonical table its rows are
    headings: tuple[Heading, ...]

    def own(self) -> tuple[Heading, ...]:
        """The headings that tell this list from the others (all but the child columns)."""
        return tuple(h for h in self.headings if h not in CHILD and h.column != FLAG)


def _h(names: str | tuple[str, ...], column: str | None, check: str, required: bool = False, **t19) -> Heading:
    return Heading((names,) if isinstance(names, str) else names, column, check, required, **t19)


_ID = _h("Child Unique ID", "child_id", ID, True)
CHILD = (
    _ID,
    _h("Gender", "gender", "gender", True),
    _h("Ethnicity", "ethnicity", "ethnicity", True),
    _h("Date of Birth", "dob", DATE),
    _h(("Age of Child (Years)", "Age"), None, TEXT),  # the tool derives the age from the date of birth
)
_DISABLED = _h("Does the Child have a Disability", FLAG, "yes_no_unknown", True)
_TEAM = _h("Allocated Team", "team", TEXT, True)
_WORKER = _h("Allocated Worker", "worker", TEXT, True)

LISTS: tuple[AnnexList, ...] = (
    AnnexList(1, "List 1: Contacts", "contacts", (
        *CHILD,
        _h("Date of Contact", "contact_date", DATE, True),
        _h("Contact Source", "contact_source", "source", True),
    )),
    AnnexList(2, "List 2: Early Help", "early_help", (
        *CHILD,
        _h("Assessment start date", "eh_start_date", DATE, True),
        _h("Assessment completion date", "eh_end_date", DATE),
        _h("Organisation completing assessment", "lead_organisation", TEXT, True),
    )),
    AnnexList(3, "List 3: Referral", "referrals", (
        *CHILD,
        _h("Date of referral", "referral_date", DATE, True),
        _h("Referral Source", "referral_source", "source", True),
        _h("Referral NFA?", "referral_nfa", "yes_no", True),
        _h("Number of Referrals in Last 12 Months", "referrals_12m", COUNT, True),
        _TEAM, _WORKER,
    )),
    AnnexList(4, "List 4: Assessments", "assessments", (
        *CHILD, _DISABLED,
        _h("Continuous Assessment Start Date", "assessment_start_date", DATE, True),
        _h("Child Seen During Continuous Assessment", "child_seen", "yes_no_unknown", True),
        _h("Continuous Assessment Date of Authorisation", "authorisation_date", DATE),
        _h("Was the child assessed as requiring LA children's social care support?", "assessment_outcome",
           "yes_no_unknown", t19="Was the child assessed as requiring LA children\u2019s social care support",
           t19_check="yes_no"),
        _TEAM, _WORKER,
    )),
    AnnexList(5, "List 5: Section 47 enquiries and Initial Child Protection Conferences", "s47", (
        *CHILD, _DISABLED,
        # The strategy discussion that started the enquiry: both of the table's dates (as the census gives them).
        _h("Strategy discussion initiating Section 47 Enquiry Start Date", "s47_start_date", DATE, True),
        _h("Was an Initial Child Protection Conference deemed unnecessary?", "icpc_not_required", "yes_no"),
        _h("Date of Initial Child Protection Conference", "icpc_date", DATE),
        _h("Did the Initial Child Protection Conference Result in a Child Protection Plan", "icpc_led_to_cpp",
           "yes_no"),
        _h("Number of Section 47 Enquiries in the last 12 months", "s47_12m", COUNT, True),
        _h("Number of ICPCs in the last 12 months", "icpc_12m", COUNT, True),
        _TEAM, _WORKER,
    )),
    AnnexList(6, "List 6: Children in Need", "referrals", (
        *CHILD, _DISABLED,
        _h("CIN Start Date", "referral_date", DATE, True),  # the episode of need: its referral
        _h("Primary Need Code", "primary_need", "primary_need", True),
        _h("Date Child Was Last Seen", SEEN, DATE),
        _h("CIN Closure Date", "closure_date", DATE),
        _h("Reason for Closure", "closure_reason", "closure_reason"),
        _h("Case Status", "case_status", "case_status", True, t19="Case status"),
        _TEAM, _WORKER,
    )),
    AnnexList(7, "List 7: Child protection", "cp_plans", (
        *CHILD, _DISABLED,
        _h("Child Protection Plan Start Date", "cpp_start_date", DATE, True),
        _h("Initial Category of Abuse", "initial_category", "category", True),
        _h("Latest Category of Abuse", "latest_category", "category", True),
        _h("Date of the Last Statutory Visit", VISIT, DATE),
        _h("Was the Child Seen Alone?", SEEN_ALONE, "yes_no_unknown"),
        _h("Date of latest review conference", "last_review_date", DATE),
        _h("Child Protection Plan End Date", "cpp_end_date", DATE),
        _h("Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
           "epo_6_months", "yes_no", True),
        _h("Number of Previous Child Protection Plans", "previous_cp_plans", COUNT, True),
        _TEAM, _WORKER,
    )),
    AnnexList(8, "List 8: Children in care", "episodes", (
        *CHILD,
        _h("Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", UASC, "yes_no", True),
        _DISABLED,
        _h("Date Started to be Looked After", "period_start", DATE, True),
        _h("Child's Category of Need", "cin", "primary_need", True),
        _h(("Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
            "Is this a second or subsequent episode of being a Looked After Child within the last 12 months (Y/N)"),
           "second_period", "yes_no", True),
        _h("Start date of current legal status", None, DATE, True),
        _h("Child's Legal Status", "ls", "legal_status", True),
        _h("Date of Latest Statutory Review", REVIEW, DATE),
        _h("Date of Last Social Work Visit", SW_VISIT, DATE),
        _h("What is the permanence plan for this child?", PLAN, "permanence_plan"),
        _h("Date of Last IRO Visit / Contact to the Child", IRO_VISIT, DATE),
        _h("Date of Last Health Assessment", HEALTH, DATE),
        _h("Date of Last Dental Check", DENTAL, DATE),
        _h("Number of Placements in the Last 12 months", "placements_12m", COUNT, True),
        _h("Date Ceased to be Looked After", "dec", DATE, t19="Date Ceased to be Looked After "),
        _h("Reason Ceased to be Looked After", "rec", "ceased_reason"),
        _h("Start Date of Most Recent Placement", "decom", DATE, True),
        _h("Placement Type", "place", "placement_type", True),
        _h("Placement Provider", "place_provider", "placement_provider", True),
        _h("Placement postcode", "pl_post", TEXT),
        _h("URN of Placement", "urn", TEXT),
        _h("Placement Location", None, "placement_location"),
        _h("LA of Placement", "placement_la", TEXT),
        _h("Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months", None, COUNT,
           t19="Number of Episodes the Child has been \u2018Missing\u2019 from their Placement in the last 12 months"),
        _h("Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months", None, COUNT,
           t19="Number of Episodes the Child has been \u2018Absent\u2019 from their Placement in the last 12 months"),
        _h("Was the child offered a Return Interview after their last missing episode (Y/N)?", None,
           "yes_no_unknown"),
        _h("Did the child accept a Return Interview after their last missing episode (Y/N)?", None,
           "yes_no_unknown"),
        _TEAM, _WORKER,
    )),
    AnnexList(9, "List 9: Care leavers", "care_leavers", (
        *CHILD,
        _h("Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", UASC, "yes_no",
           newer_only=True),
        _DISABLED, _TEAM, _WORKER,
        _h("Allocated Personal Advisor", "personal_advisor", TEXT, newer_only=True),
        _h("Eligibility Category", "eligibility", "eligibility", True),
        _h("Latest Pathway Plan Review Date", "pathway_plan_review_date", DATE, newer_only=True),
        _h("LA in Touch", "in_touch", "in_touch", True, t19="LA In Touch "),
        _h("Latest Date of Contact", "latest_contact_date", DATE, newer_only=True),
        _h("Type of Accommodation", "accommodation", "accommodation"),
        _h("Suitability of Accommodation", "accommodation_suitable", "suitability"),
        _h("Activity Status", "activity", "activity"),
    )),
    AnnexList(10, "List 10: Adoption", "placed_for_adoption", (
        _ID,
        _h("Family identifier", "family_id", TEXT),
        *CHILD[1:], _DISABLED,
        _h("Date the Child Entered Care", None, DATE, True),
        # The 903's DATE_PLACED is the date of the should-be-placed decision.
        _h("Date of Decision that Child Should be Placed for Adoption", "date_placed", DATE, True),
        _h("Date of Placement Order", None, DATE),
        _h("Date of Matching Child and Prospective Adopters", "date_match", DATE),
        _h("Date Placed for Adoption", None, DATE),
        _h("Date of Adoption Order", None, DATE, t19="Date of Adoption Order "),
        _h("Date of Decision that Child Should No Longer be Placed for Adoption", "date_placed_ceased", DATE),
        _h("Reason Why Child No Longer Placed for Adoption", "reason_placed_ceased", "rd_reason"),
        _h("Date the child was placed for fostering in FFA or concurrent planning placement", None, DATE),
    )),
    AnnexList(11, "List 11: Adopters", "adopters", (
        _h("Individual adopter identifier", "adopter_id", ID, True),
        _h("Family identifier", "family_id", TEXT),
        _h("Gender", "gender", "adopter_gender", True),
        _h("Ethnicity", "ethnicity", "ethnicity", True),
        _h("Disability", "disability", "yes_no", True),
        _h("Is the (prospective) adopter fostering for adoption?", "fostering_for_adoption", "adopter_ffa"),
        _h("Date enquiry received", "enquiry_date", DATE),
        _h("Date Stage 1 started", "stage1_start", DATE),
        _h("Date Stage 1 ended", "stage1_end", DATE),
        _h("Date Stage 2 started", "stage2_start", DATE),
        _h("Date Stage 2 ended", "stage2_end", DATE),
        _h("Date application submitted", "application_date", DATE),
        _h("Date application approved", "approval_date", DATE),
        _h("Date adopter matched with child(ren)", "matched_date", DATE),
        _h("Date child/children placed with adopter(s)", "placed_date", DATE),
        _h("No. of children placed", "children_placed", COUNT),
        _h("Date of Adoption Order", "adoption_order_date", DATE),
        _h("Date of leaving adoption process", "left_date", DATE),
        _h("Reason for leaving adoption process", "left_reason", "left_reason"),
    )),
)
BY_NUMBER = {x.number: x for x in LISTS}

# The sheets of Ofsted's template that hold guidance, not records: read by no one, reported by no one.
TEMPLATE_SHEETS = frozenset(norm(s) for s in ("Front_Sheet", "FAQ_and_changes", "Guidance", "Codes_used"))
_SHEET_NAME = re.compile(r"list[\s_-]*(\d{1,2})", re.IGNORECASE)


def numbered(sheet: str) -> AnnexList | None:
    """The list a sheet's name says it is (`List_1`, `List 1`, `list-1`), or None."""
    m = _SHEET_NAME.fullmatch(sheet.strip())
    return BY_NUMBER.get(int(m.group(1))) if m else None


# --- code lists ------------------------------------------------------------------------

_T19 = json.loads(resources.files("ofsted_lists").joinpath("data/annex_a_codes_2019.json").read_text("utf-8"))
_NEWER = {  # annex-a-full.md §6.2: codes the newer layout adds
    "source": ["p1) 5D: LA services"],
    "closure_reason": ["RC9 - Case closed after assessment, referred to early help"],
    "ceased_reason": ["v) E17: Aged 18+ and remained with current carers"],
    "eligibility": ["d) Eligible child"],
    "activity": ["F4: Full time in an apprenticeship", "P4: Part time in an apprenticeship",
                 "F5: Full time in training or employment (not apprenticeship)",
                 "P5: Part time in training or employment (not apprenticeship)"],
}
_FROM_T19 = {
    "gender": "Gender", "ethnicity": "Ethnicity", "source": "Contact / Referral Source",
    "yes_no": "Referral NFA?", "yes_no_unknown": "Does the Child have a Disability",
    "primary_need": "Primary Need Code", "closure_reason": "Reason for Closure", "case_status": "Case status",
    "category": "Initial/Latest Category of Abuse", "legal_status": "Child's Legal Status",
    "permanence_plan": "What is the permanence plan for this child?",
    "ceased_reason": "Reason Ceased to be Looked After", "placement_type": "Placement Type",
    "placement_provider": "Placement Provider", "placement_location": "Placement Location",
    "eligibility": "Eligibility Category", "in_touch": "LA In Touch ", "accommodation": "Type of Accommodation",
    "suitability": "Suitability of Accommodation", "activity": "Activity Status",
    "rd_reason": "Reason Why Child No Longer Placed for Adoption", "left_reason": "Reason for leaving adoption process",
}
CODES: dict[str, tuple[str, ...]] = {
    key: (*_T19[t19], *_NEWER.get(key, ())) for key, t19 in _FROM_T19.items()
}
# The August 2019 template's code lists alone (`annex_a.version = "2019"` writes these).
CODES_2019: dict[str, tuple[str, ...]] = {key: tuple(_T19[t19]) for key, t19 in _FROM_T19.items()}
# List 11 orders gender its own way, and writes fostering for adoption without a letter (as the template does).
CODES["adopter_gender"] = ("a) Male", "b) Female", "c) Neither", "d) Not stated/recorded")
CODES["adopter_ffa"] = ("Yes", "No")
CODES_2019["adopter_gender"], CODES_2019["adopter_ffa"] = CODES["adopter_gender"], CODES["adopter_ffa"]

# PROPOSED (annex-a-full.md §6.2): a newer-only code written in the 2019 layout as the 2019
# code that covered it before the newer one was added (closed after assessment and referred
# to early help was RC8; early help, a 5D source, was another LA service, 5B); the newer
# "c) Unknown" of the requiring-support question, which 2019 codes a)/b) only, as a blank.
TO_2019 = {
    "source": {"p1) 5D: LA services": "o) 5B: LA services"},
    "closure_reason": {"RC9 - Case closed after assessment, referred to early help":
                       "RC8 - Case closed after assessment, no further action"},
    "yes_no": {"c) Unknown": None},
    # The 903 split F3/P3 (training or employment) into apprenticeships (F4/P4) and the rest
    # (F5/P5) in 2021-22; E17 (stayed with the carers at 18) is newer than 2019, when such
    # an end was "any other reason"; the 2019 template has no category for eligible children
    # (still looked after, so on List 8): blank.
    "activity": {"F4: Full time in an apprenticeship": "F3: Full time in training or employment",
                 "F5: Full time in training or employment (not apprenticeship)":
                     "F3: Full time in training or employment",
                 "P4: Part time in an apprenticeship": "P3: Part time in training or employment",
                 "P5: Part time in training or employment (not apprenticeship)":
                     "P3: Part time in training or employment"},
    "ceased_reason": {"v) E17: Aged 18+ and remained with current carers": "t) E8: Care ceased for any other reason"},
    "eligibility": {"d) Eligible child": None},
}


def code_lists(version: str = NEWER) -> dict[str, tuple[str, ...]]:
    """Every code list of `version`'s layout, by name (a Heading's `code_list`)."""
    return CODES_2019 if version == V2019 else CODES

# A code's own part, before its label: "a) 1A" of "a) 1A: Individual", "RC1" of "RC1 - Adopted".
_CODE_PART = re.compile(r"^(.+?)(?::| - )")


def _accepted(labels: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    parts = tuple(norm(m.group(1)) for label in labels if (m := _CODE_PART.match(label)))
    return frozenset(norm(label) for label in labels), parts


_ACCEPTED = {key: _accepted(labels) for key, labels in CODES.items()}


def is_code(value: str, code_list: str) -> bool:
    """Whether a cell is one of Ofsted's codes for the column: the label itself (compared
    as headings are), or its code part with any label after it ("N1 - Abuse or Neglect",
    the newer codes whose wording varies)."""
    labels, parts = _ACCEPTED[code_list]
    key = norm(value)
    if key in labels:
        return True
    m = _CODE_PART.match(value.strip())
    return bool(m) and norm(m.group(1)) in parts
