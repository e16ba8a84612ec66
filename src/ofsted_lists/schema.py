"""The export contract (SPEC §3): tables, their canonical columns, aliases and value kinds.

Every other module asks this one what a table or column is; nothing else hard-codes
a heading or a file-name alias.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Value kinds. `event_date` records something that has happened (a future value is a
# finding); `end_date` and `expected_dob` may legitimately lie in the future.
ID = "id"
EVENT_DATE = "event_date"
END_DATE = "end_date"
EXPECTED_DOB = "expected_dob"
YESNO = "yesno"
TEXT = "text"
CODE = "code"  # a code of a national return: text, compared upper-cased (the 903's codes are case-insensitive)
# A count an input gives as it stands: a whole number >= 0, else a finding and blank. The
# history-dependent values of Annex A (12-month counts, previous plans) are such counts:
# any export may carry them, and a list derives one only where it is blank.
COUNT = "count"
DATE_KINDS = (EVENT_DATE, END_DATE, EXPECTED_DOB)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    # The record's key date(s): a record whose key date is unparseable is left out.
    # With two (s47), a record needs at least one of them.
    key_dates: tuple[str, ...] = ()
    # False: a record may have no key date (a disability record with no start is current);
    # an unparseable one still leaves the record out, a future one keeps it (not current yet).
    key_required: bool = True
    # (start, end) pair checked for "end before start".
    period: tuple[str, str] | None = None
    child_details: bool = True  # may carry dob/gender/... columns (SPEC §3)
    # The national return the table is a file of ("SSDA903"), or "". Such a table is
    # recognised by its headings only (ssda903.table_for), never by a file or sheet name,
    # and its rows repeat across collection years' files: a duplicate is one within a file.
    national: str = ""

    @property
    def who(self) -> str:
        """The column that says whose record a row is: `child_id`, or an adopter's id."""
        return "child_id" if "child_id" in self.column_names else self.columns[0].name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def norm(text: object) -> str:
    """Case-, space- and punctuation-insensitive form used to compare headings and names."""
    return re.sub(r"[^0-9a-z]", "", str(text).casefold().replace("’", "'"))


def closest(name: str, headings: Iterable[str], n: int = 3) -> list[str]:
    """The headings that look most like `name` (compared as `norm` text), best first: a
    heading containing the name, or contained in it, ranks first (`GENDER_MAIN_CODE` for
    `gender`); then difflib's similarity of at least 0.6. Each as first written, one per
    normalised form."""
    target = norm(name)
    scored: dict[str, tuple[float, str]] = {}  # norm form -> (score, heading as first written)
    for h in headings:
        key = norm(h)
        if not key or not target or key in scored:
            continue
        score = 1.0 + len(min(key, target, key=len)) / len(max(key, target, key=len)) \
            if target in key or key in target else difflib.SequenceMatcher(None, target, key).ratio()
        if score >= 0.6:
            scored[key] = (score, h)
    return [h for _, h in sorted(scored.values(), key=lambda sh: -sh[0])[:n]]


_TEAM = Column("team", TEXT, aliases=("Allocated Team", "Team"))
_WORKER = Column("worker", TEXT, aliases=("Allocated Worker", "Worker", "Social Worker"))
_CHILD_ID = Column(
    "child_id",
    ID,
    required=True,
    aliases=(
        "Child Unique ID", "LAchildID", "Person ID", "Child ID", "Client ID",
        "pers_person_id", "DIM_PERSON_ID",
    ),
)

# Child details: the columns of `children`, also accepted on every event table.
CHILD_DETAIL_COLUMNS: tuple[Column, ...] = (
    Column("dob", EVENT_DATE, aliases=("Date of Birth", "PersonBirthDate", "DOB", "Birth Date")),
    Column(
        "expected_dob",
        EXPECTED_DOB,
        aliases=("ExpectedPersonBirthDate", "Expected Date of Birth", "EDD"),
    ),
    Column("gender", TEXT, aliases=("Gender", "GenderCurrent", "Sex")),
    Column("ethnicity", TEXT, aliases=("Ethnicity", "Ethnic Origin", "Ethnicity Code")),
    Column(
        "disability",
        TEXT,
        aliases=("Disability", "Disabilities", "Disability Codes", "Does the Child have a Disability"),
    ),
)
CHILD_DETAILS = tuple(c.name for c in CHILD_DETAIL_COLUMNS)

# An Annex A workbook's sheets (List 1 … List 11) are read by readers/annex_a.py, never by
# a table alias: one list may give several tables.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "children",
            ("persons", "people", "person", "child", "child_details"),
            (_CHILD_ID, *CHILD_DETAIL_COLUMNS),
            child_details=False,
        ),
        Table(
            "disabilities",
            ("disability",),
            (
                _CHILD_ID,
                Column(
                    "disability_code",
                    TEXT,
                    required=True,
                    aliases=("Disability", "Disability Code", "disa_disability_code"),
                ),
                Column("start_date", EVENT_DATE, aliases=("Start Date",)),
                Column("end_date", END_DATE, aliases=("End Date",)),
            ),
            key_dates=("start_date",),
            key_required=False,
            period=("start_date", "end_date"),
            child_details=False,
        ),
        Table(
            "contacts",
            (),
            (
                Column("contact_id", ID, aliases=("Contact ID",)),
                _CHILD_ID,
                Column("contact_date", EVENT_DATE, required=True, aliases=("Date of Contact", "Contact Date")),
                Column("contact_source", TEXT, aliases=("Contact Source", "Source of Contact", "Source")),
                Column(
                    "led_to_referral",
                    YESNO,
                    aliases=("Led to Referral", "Contact Led to Referral", "Referral Made"),
                ),
                Column("contact_outcome", TEXT, aliases=("Contact Outcome", "Outcome")),
                _TEAM,
                _WORKER,
            ),
            key_dates=("contact_date",),
        ),
        Table(
            "referrals",
            (),
            (
                Column("referral_id", ID, aliases=("Referral ID",)),
                _CHILD_ID,
                Column(
                    "referral_date",
                    EVENT_DATE,
                    required=True,
                    aliases=("Date of referral", "CINreferralDate", "Referral Date"),
                ),
                Column("referral_source", TEXT, aliases=("Referral Source", "ReferralSource", "Source")),
                Column("referral_nfa", YESNO, aliases=("Referral NFA?", "ReferralNFA", "NFA")),
                Column("primary_need", TEXT, aliases=("Primary Need Code", "PrimaryNeedCode", "Primary Need")),
                Column("closure_date", END_DATE, aliases=("CIN Closure Date", "CINclosureDate")),
                Column("closure_reason", TEXT, aliases=("Reason for Closure", "ReasonForClosure")),
                Column("referrals_12m", COUNT, aliases=("Number of Referrals in Last 12 Months",)),
                # Annex A List 6's case status of the episode, as given (a listed code)
                Column("case_status", TEXT, aliases=("Case Status",)),
                _TEAM,
                _WORKER,
            ),
            key_dates=("referral_date",),
            period=("referral_date", "closure_date"),
        ),
        Table(
            "assessments",
            (),
            (
                Column("assessment_id", ID, aliases=("Assessment ID",)),
                _CHILD_ID,
                Column(
                    "assessment_start_date",
                    EVENT_DATE,
                    required=True,
                    aliases=(
                        "Continuous Assessment Start Date", "AssessmentActualStartDate",
                        "Assessment Start Date",
                    ),
                ),
                Column("assessment_type", TEXT, aliases=("Assessment Type", "Type")),
                Column(
                    "authorisation_date",
                    EVENT_DATE,
                    aliases=(
                        "Continuous Assessment Date of Authorisation", "AssessmentAuthorisationDate",
                        "Authorisation Date",
                    ),
                ),
                Column(
                    "child_seen",
                    YESNO,
                    aliases=("Child Seen During Continuous Assessment", "Child Seen"),
                ),
                Column(
                    "assessment_outcome",
                    TEXT,
                    aliases=(
                        "Assessment Outcome", "Outcome",
                        "Was the child assessed as requiring LA children's social care support?",
                    ),
                ),
                _TEAM,
                _WORKER,
            ),
            key_dates=("assessment_start_date",),
            period=("assessment_start_date", "authorisation_date"),
        ),
        Table(
            "s47",
            ("section47", "strategy", "s47_enquiries", "strategy_discussions"),
            (
                Column("s47_id", ID, aliases=("S47 ID",)),
                _CHILD_ID,
                Column(
                    "strategy_date",
                    EVENT_DATE,
                    aliases=("Strategy Discussion Date", "Strategy Meeting Date"),
                ),
                Column(
                    "s47_start_date",
                    EVENT_DATE,
                    aliases=(
                        "Strategy discussion initiating Section 47 Enquiry Start Date",
                        "S47ActualStartDate", "Section 47 Start Date", "S47 Start Date",
                    ),
                ),
                Column(
                    "icpc_not_required",
                    YESNO,
                    aliases=(
                        "Was an Initial Child Protection Conference deemed unnecessary?",
                        "ICPCnotRequired",
                    ),
                ),
                Column(
                    "icpc_date",
                    EVENT_DATE,
                    aliases=("Date of Initial Child Protection Conference", "DateOfInitialCPC", "ICPC Date"),
                ),
                Column(
                    "icpc_led_to_cpp",
                    YESNO,
                    aliases=("Did the Initial Child Protection Conference Result in a Child Protection Plan",),
                ),
                Column("outcome", TEXT, aliases=("Outcome",)),
                Column("s47_12m", COUNT, aliases=("Number of Section 47 Enquiries in the last 12 months",)),
                Column("icpc_12m", COUNT, aliases=("Number of ICPCs in the last 12 months",)),
                _TEAM,
                _WORKER,
            ),
            key_dates=("strategy_date", "s47_start_date"),
        ),
        Table(
            "cin_plans",
            ("cin", "cin_plan", "child_in_need_plans"),
            (
                _CHILD_ID,
                Column(
                    "cin_plan_start_date",
                    EVENT_DATE,
                    required=True,
                    aliases=("CINPlanStartDate", "CIN Plan Start Date", "CIN Start Date"),
                ),
                Column("cin_plan_end_date", END_DATE, aliases=("CINPlanEndDate", "CIN Plan End Date")),
                _TEAM,
                _WORKER,
            ),
            key_dates=("cin_plan_start_date",),
            period=("cin_plan_start_date", "cin_plan_end_date"),
        ),
        Table(
            "cp_plans",
            ("cpp", "cp_plan", "child_protection_plans"),
            (
                _CHILD_ID,
                Column(
                    "cpp_start_date",
                    EVENT_DATE,
                    required=True,
                    aliases=("Child Protection Plan Start Date", "CPPstartDate", "CP Plan Start Date"),
                ),
                Column(
                    "cpp_end_date",
                    END_DATE,
                    aliases=("Child Protection Plan End Date", "CPPendDate", "CP Plan End Date"),
                ),
                Column("initial_category", TEXT, aliases=("Initial Category of Abuse", "InitialCategoryOfAbuse")),
                Column("latest_category", TEXT, aliases=("Latest Category of Abuse", "LatestCategoryOfAbuse")),
                Column(
                    "last_review_date",
                    EVENT_DATE,
                    aliases=("Date of latest review conference", "CPPreviewDate", "Last Review Date"),
                ),
                Column("ola", YESNO),  # a plan of another LA
                Column("previous_cp_plans", COUNT, aliases=("NumberOfPreviousCPP",
                                                            "Number of Previous Child Protection Plans")),
                Column("epo_6_months", YESNO, aliases=(  # Annex A List 7's flag, as given
                    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",)),
                _TEAM,
                _WORKER,
            ),
            key_dates=("cpp_start_date",),
            period=("cpp_start_date", "cpp_end_date"),
        ),
        Table(
            "early_help",
            ("eh", "caf", "eha", "tac", "early_help_episodes"),
            (
                _CHILD_ID,
                Column(
                    "eh_start_date",
                    EVENT_DATE,
                    required=True,
                    aliases=("Assessment start date", "Early Help Start Date", "Episode Start Date"),
                ),
                Column(
                    "eh_end_date",
                    END_DATE,
                    aliases=("Assessment completion date", "Early Help End Date", "Episode End Date"),
                ),
                Column("eh_type", TEXT, aliases=("Early Help Type", "Type")),
                Column(
                    "lead_organisation",
                    TEXT,
                    aliases=(
                        "Organisation completing assessment", "Lead Organisation",
                        "Lead Professional Organisation",
                    ),
                ),
                _TEAM,
                _WORKER,
            ),
            key_dates=("eh_start_date",),
            period=("eh_start_date", "eh_end_date"),
        ),
    )
}


# The tables of the full Annex A profile (SPEC §3, §9): read and checked now; the lists
# that use them (Lists 6-11) are built on them.
TABLES.update((t.name, t) for t in (
    Table(
        "visits",
        ("visit", "cin_visits", "cp_visits", "cla_visits", "statutory_visits"),
        (
            _CHILD_ID,
            Column("visit_date", EVENT_DATE, required=True, aliases=("Visit Date", "Date of Visit")),
            # cin, cp, cla, iro or another (local labels mapped in the config); blank = any
            Column("visit_type", TEXT, aliases=("Visit Type", "Type of Visit")),
            Column("child_seen", YESNO, aliases=("Child Seen", "Seen", "Was the Child Seen?")),
            Column("seen_alone", YESNO, aliases=("Seen Alone", "Child Seen Alone", "Was the Child Seen Alone?")),
            # blank = yes for cp and cla visits (SPEC §3)
            Column("statutory", YESNO, aliases=("Statutory", "Statutory Visit")),
            _WORKER,
        ),
        key_dates=("visit_date",),
    ),
    Table(
        "orders",
        ("legal_orders", "protection_orders", "epo"),
        (
            _CHILD_ID,
            # EPO, police protection or any other order (labels mapped in the config)
            Column("order_type", TEXT, required=True, aliases=("Order Type", "Order", "Legal Order")),
            Column("start_date", EVENT_DATE, required=True, aliases=("Order Start Date", "Start Date")),
            Column("end_date", END_DATE, aliases=("Order End Date", "End Date")),
        ),
        key_dates=("start_date",),
        period=("start_date", "end_date"),
    ),
    Table(
        "care_leavers",
        ("leaving_care", "care_leaver"),
        (
            _CHILD_ID,
            Column("start_date", EVENT_DATE, aliases=("Start Date", "Leaving Care Start Date")),
            Column("end_date", END_DATE, aliases=("End Date", "Leaving Care End Date")),
            Column("eligibility", TEXT, aliases=("Eligibility", "Care Leaver Eligibility",
                                                 "Eligibility Category")),
            Column("in_touch", TEXT, aliases=("In Touch", "LA In Touch")),
            Column("latest_contact_date", EVENT_DATE, aliases=("Latest Date of Contact", "Latest Contact Date")),
            Column("accommodation", TEXT, aliases=("Accommodation", "Type of Accommodation")),
            Column("accommodation_suitable", TEXT, aliases=("Accommodation Suitable", "Suitability of Accommodation")),
            Column("activity", TEXT, aliases=("Activity", "Activity Status", "Main Activity")),
            Column("personal_advisor", TEXT, aliases=("Personal Advisor", "Allocated Personal Advisor")),
            Column("pathway_plan_review_date", EVENT_DATE, aliases=("Latest Pathway Plan Review Date",
                                                                    "Pathway Plan Review Date")),
            _TEAM,
            _WORKER,
        ),
        key_dates=("start_date",),
        key_required=False,
        period=("start_date", "end_date"),
    ),
    Table(
        "health_checks",
        ("cla_health",),
        (
            _CHILD_ID,
            Column("check_date", EVENT_DATE, required=True, aliases=("Check Date", "Health Check Date")),
            Column("check_type", TEXT, required=True, aliases=("Check Type", "Health Check Type")),  # health / dental
            Column("status", TEXT, aliases=("Status", "Health Check Status")),  # only completed or blank counts
        ),
        key_dates=("check_date",),
    ),
    Table(
        "permanence_plans",
        ("care_plans",),
        (
            _CHILD_ID,
            Column("plan", TEXT, required=True, aliases=("Permanence Plan", "Care Plan")),  # List 8 codes or labels
            Column("start_date", EVENT_DATE, aliases=("Start Date", "Plan Start Date")),
            Column("end_date", END_DATE, aliases=("End Date", "Plan End Date")),
        ),
        key_dates=("start_date",),
        key_required=False,
        period=("start_date", "end_date"),
    ),
    # Adopters are adults: no child, and no child details; a record is one adopter.
    Table(
        "adopters",
        (),
        (
            Column("adopter_id", ID, required=True, aliases=("Adopter ID", "Individual Adopter Identifier")),
            Column("family_id", TEXT, aliases=("Family ID", "Adoptive Family Identifier")),
            Column("gender", TEXT, aliases=("Gender", "Sex")),
            Column("ethnicity", TEXT, aliases=("Ethnicity",)),
            Column("disability", YESNO, aliases=("Disability",)),
            Column("fostering_for_adoption", YESNO, aliases=("Fostering for Adoption",)),
            Column("enquiry_date", EVENT_DATE, aliases=("Date enquiry received", "Enquiry Date")),
            Column("stage1_start", EVENT_DATE, aliases=("Date Stage 1 started", "Stage 1 Start")),
            Column("stage1_end", EVENT_DATE, aliases=("Date Stage 1 ended", "Stage 1 End")),
            Column("stage2_start", EVENT_DATE, aliases=("Date Stage 2 started", "Stage 2 Start")),
            Column("stage2_end", EVENT_DATE, aliases=("Date Stage 2 ended", "Stage 2 End")),
            Column("application_date", EVENT_DATE, aliases=("Date application submitted", "Application Date")),
            Column("approval_date", EVENT_DATE, aliases=("Date application approved", "Approval Date")),
            Column("matched_date", EVENT_DATE, aliases=("Date adopter matched with child(ren)", "Matched Date")),
            Column("placed_date", EVENT_DATE, aliases=("Date child/children placed with adopter(s)", "Placed Date")),
            Column("children_placed", COUNT, aliases=("No. of children placed", "Children Placed")),
            Column("adoption_order_date", EVENT_DATE, aliases=("Date of Adoption Order",)),
            Column("left_date", EVENT_DATE, aliases=("Date of leaving adoption process", "Left Date")),
            Column("left_reason", TEXT, aliases=("Reason for leaving adoption process", "Left Reason")),
        ),
        child_details=False,
    ),
))


# The SSDA903 return's CSV files (SPEC §3.5, annex-a-full.md §3.1): their 903 columns
# lower-cased, CHILD as `child_id`; every 903 column is required in the header row (the
# return's column set), the local columns an export may add are not.
SSDA903 = "SSDA903"
_903_CHILD = Column("child_id", ID, required=True, aliases=("CHILD", "CHILDID"))


def _c903(spec: str, kind: str = CODE) -> Column:
    return Column(spec.lower(), kind, required=True)


def _903(name: str, *columns: Column, key: str = "", period: tuple[str, str] | None = None) -> Table:
    return Table(name, (), (_903_CHILD, *columns), key_dates=(key,) if key else (), period=period,
                 child_details=False, national=SSDA903)


_903_DOB = _c903("DOB", EVENT_DATE)
_903_TABLES = (
    _903("header", _c903("SEX"), _903_DOB, _c903("ETHNIC"), _c903("UPN", TEXT), _c903("MOTHER", YESNO),
         _c903("MC_DOB", EVENT_DATE)),
    _903("episodes", _c903("DECOM", EVENT_DATE), _c903("RNE"), _c903("LS"), _c903("CIN"), _c903("PLACE"),
         _c903("PLACE_PROVIDER"), _c903("DEC", END_DATE), _c903("REC"), _c903("REASON_PLACE_CHANGE"),
         _c903("HOME_POST", TEXT), _c903("PL_POST", TEXT), _c903("URN", TEXT),
         Column("placement_la", TEXT), _TEAM, _WORKER,
         # As an Annex A List 8 gives them: the period's start and two history-dependent values.
         Column("period_start", EVENT_DATE), Column("second_period", YESNO), Column("placements_12m", COUNT),
         key="decom", period=("decom", "dec")),
    _903("uasc", _c903("SEX"), _903_DOB, _c903("DUC", END_DATE)),
    _903("reviews", _903_DOB, _c903("REVIEW", EVENT_DATE), _c903("REVIEW_CODE"), key="review"),
    _903("missing", _903_DOB, _c903("MISSING"), _c903("MIS_START", EVENT_DATE), _c903("MIS_END", END_DATE),
         Column("rhi_offered", CODE), Column("rhi_accepted", CODE),
         key="mis_start", period=("mis_start", "mis_end")),
    # OC2's health items are 0/1 flags, not dates (annex-a-full.md §2.8 note F).
    _903("oc2", _903_DOB, _c903("SDQ_SCORE", TEXT), _c903("SDQ_REASON"),
         *(_c903(n, YESNO) for n in ("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
                                     "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
                                     "INTERVENTION_OFFERED"))),
    _903("oc3", _903_DOB, _c903("IN_TOUCH"), _c903("ACTIV"), _c903("ACCOM")),
    _903("ad1", _903_DOB, _c903("DATE_INT", EVENT_DATE), _c903("DATE_MATCH", EVENT_DATE),
         _c903("FOSTER_CARE", YESNO), _c903("NB_ADOPTR", TEXT), _c903("SEX_ADOPTR"), _c903("LS_ADOPTR")),
    # DATE_PLACED is the date of the decision that the child should be placed for adoption.
    _903("placed_for_adoption", _903_DOB, _c903("DATE_PLACED", EVENT_DATE),
         _c903("DATE_PLACED_CEASED", END_DATE), _c903("REASON_PLACED_CEASED"),
         Column("family_id", TEXT), Column("date_match", EVENT_DATE),
         key="date_placed", period=("date_placed", "date_placed_ceased")),
    # DATE_PERM may be partial (zz/MM/YYYY): text, not a date.
    _903("previous_permanence", _903_DOB, _c903("PREV_PERM"), _c903("LA_PERM", TEXT), _c903("DATE_PERM", TEXT)),
    _903("sw_episodes", _903_DOB, _c903("SW_ID", TEXT), _c903("SW_DECOM", EVENT_DATE), _c903("SW_DEC", END_DATE),
         _c903("SW_REASON"), key="sw_decom", period=("sw_decom", "sw_dec")),
)
TABLES.update((t.name, t) for t in _903_TABLES)

# Values an Annex A workbook gives as they stand (SPEC §3.5), which the tool otherwise derives
# or does not need: any export may carry them; the demo LA's exports never do.
AS_GIVEN: dict[str, tuple[str, ...]] = {
    "referrals": ("referrals_12m", "case_status"),
    "s47": ("s47_12m", "icpc_12m"),
    "cp_plans": ("epo_6_months",),
    "episodes": ("period_start", "second_period", "placements_12m"),
}

EVENT_TABLES = ("contacts", "referrals", "assessments", "s47", "cin_plans", "cp_plans", "early_help")


def all_columns(table: Table) -> tuple[Column, ...]:
    """The table's own columns plus, for event tables, the child-detail columns."""
    if not table.child_details:
        return table.columns
    own = set(table.column_names)
    return table.columns + tuple(c for c in CHILD_DETAIL_COLUMNS if c.name not in own)


def event_date(table: Table) -> str:
    """The date that orders a table's events (for 'latest event row' child details)."""
    return table.key_dates[0] if table.key_dates else ""
