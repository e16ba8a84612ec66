"""Coded values -> Annex A codes (the codes package): hand-built cases per kind (the rules),
config mappings, the known-spellings table, and the real local spellings of the
liia-tools-pipeline variant table (tests/data/peer), scored by the rules alone and with a
table built from the other half of its spellings."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ofsted_lists import codes
from ofsted_lists.codes import score
from ofsted_lists.codes.known import shipped as shipped_known_spellings
from ofsted_lists.errors import UsageError

PEER = Path(__file__).parent / "data" / "peer" / "annexa_value_variants_half.csv"


# No known spellings: the hand-built spelling cases pin down the rules themselves.
RULES_ALONE: codes.KnownSpellings = {}


def mapped(kind: str, values: list, extra=None, known=None) -> list:
    return codes.map_codes(kind, pd.Series(values, dtype=object), extra, known).values.tolist()


def flags(kind: str, values: list, extra=None, known=None) -> list[bool]:
    return codes.map_codes(kind, pd.Series(values, dtype=object), extra, known).unmapped.tolist()


def disability(values: list, extra=None, known=None) -> list[tuple[str, ...]]:
    return codes.parse_disability(pd.Series(values, dtype=object), extra, known).codes.tolist()


# ---------------------------------------------------------------------------
# Gender (SPEC §3.2)

@pytest.mark.parametrize("value, label", [
    ("1", "a) Male"), ("M", "a) Male"), ("male", "a) Male"), ("a) Male", "a) Male"),
    ("2", "b) Female"), ("f", "b) Female"), ("2 - Female", "b) Female"),
    ("9", "d) Neither"), ("I", "d) Neither"), ("Indeterminate", "d) Neither"), ("Neither", "d) Neither"),
    ("Other", "d) Neither"), ("Non-binary", "d) Neither"), ("Transgender female", "d) Neither"),
    ("0", "c) Not stated/recorded"), ("U", "c) Not stated/recorded"), ("Unknown", "c) Not stated/recorded"),
    ("Not stated", "c) Not stated/recorded"), ("0 - Not Recorded", "c) Not stated/recorded"),
    ("Unborn", "c) Not stated/recorded"), ("Withheld", "c) Not stated/recorded"),
    ("c) Not stated/recorded (or unborn)", "c) Not stated/recorded"),
])
def test_gender_spellings(value, label):
    assert mapped("gender", [value], known=RULES_ALONE) == [label]


def test_gender_blank_is_not_stated_and_not_unmapped():
    m = codes.map_codes("gender", pd.Series(["", "  ", None, "xyz "], dtype=object))
    assert m.values.tolist() == ["c) Not stated/recorded"] * 3 + ["xyz"]
    assert m.unmapped.tolist() == [False, False, False, True]


# ---------------------------------------------------------------------------
# Ethnicity (CBDS)

@pytest.mark.parametrize("value, label", [
    ("WBRI", "a) WBRI"), ("(A.A1) White - British", "a) WBRI"), ("White British", "a) WBRI"),
    ("WBRI - White British", "a) WBRI"), ("A1", "a) WBRI"), ("WENG", "a) WBRI"),
    ("White - Irish", "b) WIRI"), ("Traveller of Irish Heritage", "c) WIRT"),
    ("White (Polish)", "d) WOTH"), ("Gypsy/Roma", "e) WROM"),
    ("Mixed White and Black Caribbean", "f) MWBC"), ("BLACK AFRICAN & WHITE", "g) MWBA"),
    ("White & Pakistani", "h) MWAS"), ("Any other mixed background", "i) MOTH"),
    ("Mixed - Black and White", "i) MOTH"), ("Asian and Chinese", "i) MOTH"),
    ("Asian or Asian British - Indian", "j) AIND"), ("Pakistani", "k) APKN"), ("ABAN", "l) ABAN"),
    ("Any other Asian background", "m) AOTH"), ("Asian or Asian British - Caribbean Asian", "m) AOTH"),
    ("Black Caribbean", "n) BCRB"), ("Black or Black British - Nigerian", "o) BAFR"), ("BSOM", "o) BAFR"),
    ("Black European", "p) BOTH"), ("Black or Black British - Black British", "p) BOTH"),
    ("Chinese (E1)", "q) CHNE"), ("Asian / Asian British (Iraqi)", "r) OOTH"),
    ("Any other ethnic group", "r) OOTH"), ("Chinese or Other Ethnic Group/ Arab", "r) OOTH"),
    ("Refused", "s) REFU"), ("REFU", "s) REFU"), ("Parent/pupil preferred not to say.", "s) REFU"),
    ("Information not yet obtained", "s) NOBT"), ("Not stated", "s) NOBT"), ("NOBT", "s) NOBT"),
    ("s) NOBT", "s) NOBT"), ("XXXX", "s) NOBT"),
])
def test_ethnicity_spellings(value, label):
    assert mapped("ethnicity", [value], known=RULES_ALONE) == [label]


def test_ethnicity_blank_is_nobt_and_unreadable_is_unmapped():
    m = codes.map_codes("ethnicity", pd.Series([None, "", "Martian", "**DO NOT USE**"], dtype="str"),
                        known=RULES_ALONE)
    assert m.values.tolist() == ["s) NOBT", "s) NOBT", "Martian", "**DO NOT USE**"]
    assert m.unmapped.tolist() == [False, False, True, True]


# ---------------------------------------------------------------------------
# Contact / referral source (CIN census)

@pytest.mark.parametrize("value, code", [
    ("1A", "1A"), ("a) 1A: Individual", "1A"), ("Family member", "1A"), ("Grandmother", "1A"),
    ("Daughter in law", "1A"), ("Neighbour", "1B"), ("Individual - Acquaintance", "1B"), ("Self", "1C"),
    ("Member of the public", "1D"), ("Individual - Other - Councillors, Lawyers", "1D"),
    ("School", "2A"), ("Schools", "2A"), ("Education - Primary School", "2A"),
    ("Education", "2B"), ("Education welfare officer", "2B"),
    ("Education Support Services (not school based)", "2B"),
    ("GP", "3A"), ("Health Visitor", "3B"), ("School Nurse", "3C"), ("Midwife", "3D"),
    ("A&E", "3E"), ("Accident & Emergency", "3E"), ("Hospice", "3F"), ("Med - CAMHS", "3F"),
    ("Housing Association", "4"), ("LA - Housing", "4"),
    ("Adult Social Care", "5A"), ("Youth Offending Team", "5B"),
    ("LA SERVICES - other internal (dept other than social care, eg youth offending (excluding housing))", "5B"),
    ("Other Local Authority", "5C"), ("Early Help", "5D"), ("p1) 5D: LA services", "5D"),
    ("Police", "6"), ("q) 6: Police", "6"), ("‘6", "6"), ("01) Police", "6"),
    ("Probation", "7"), ("CAFCASS", "7"), ("Courts", "7"), ("HMP Prison Service", "7"), ("Immigration", "7"),
    ("Voluntary Organisation", "8"), ("NSPCC", "8"), ("Children's Centre", "8"),
    ("Anonymous", "9"), ("Not recorded", "10"), ("Unknown [10]", "10"),
    ("10) Housing (e.g. Housing Dept)", "4"),  # a pick-list number, not the code 10
])
def test_source_spellings(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


# Clear evidence only (issue 13): what the keywords would only guess stays unmapped, reported
# with its best guess, because a wrong code is worse than an unmapped one: no one sees it.

def unmapped_source(value: str) -> bool:
    m = codes.map_codes("source", pd.Series([value]), known=RULES_ALONE)
    return bool(m.unmapped.iloc[0]) and m.values.iloc[0] == value


@pytest.mark.parametrize("value", [
    "Services (excludes housing)", "Not housing", "Anything other than social care", "Excluding schools",
])
def test_source_named_only_in_a_negation_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value, code", [
    # the negated part is dropped and what is left is clear: "excludes" is a negation too
    ("LA Services - Other Internal (dept other than social care, excludes housing)", "5B"),
    ("Education - not school", "2B"), ("Hospital staff (not Social Work staff)", "3F"),
])
def test_source_negation_leaves_the_rest_to_decide(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


@pytest.mark.parametrize("value", [
    "Local Authority Services - WBC Children's Centre",  # CIN files children's centres under 8, the heading says LA
    "Legal - Police", "Adult Services - Mental Health", "Other - Probation", "Other (including strangers, MPs)",
    "EDU - Children's Centre", "Police/Court /Probation",
])
def test_source_heading_with_a_qualifier_naming_another_service_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value, code", [
    ("(CS) Education - Pre-School, Nursery, Childminders", "2A"),  # a nursery is no school nurse
    ("Health Services - A&E Dept", "3E"), ("Housing - Council", "4"), ("Education - Primary School", "2A"),
    ("Individual - Other - Councillors, Lawyers", "1D"),  # the qualifier names individuals too
    ("Health Services - School Nurse", "3C"), ("Other (Children centre/Ind Age/Vol Org,egNSPCC)", "8"),
])
def test_source_heading_with_a_qualifier_of_its_own_kind_maps(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


@pytest.mark.parametrize("value", [
    "DMBC - Family Support (Children Centres etc)", "Early Years and Early Intervention",
    "Nursery/Early Years Centre", "Advocate / Solicitor",
])
def test_source_naming_two_services_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value, code", [
    ("Family Court", "7"), ("Out of borough Family Nurse Partner", "3D"),  # a family word naming the service
    ("Local Authority Housing", "4"), ("Secondary School - Out of Borough", "2A"),  # whose or where, not what
])
def test_source_one_service_with_modifiers_maps(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


@pytest.mark.parametrize("value, expected", [
    ("WARD", None), ("NHSC", None), ("SHEL", None),  # local pick-list codes: not expanded, not guessed
    ("GP", "3A"), ("CPN", "3F"), ("LADO", "5A"), ("HV", "3B"), ("SELF", "1C"),  # abbreviations it expands
    ("Ward", "3F"),  # a word, not a code
])
def test_source_bare_abbreviations(value, expected):
    m = codes.map_codes("source", pd.Series([value]), known=RULES_ALONE)
    assert m.values.tolist() == [codes.SOURCE_LABELS[expected] if expected else value]
    assert m.unmapped.tolist() == [expected is None]


@pytest.mark.parametrize("value", [
    # services the LA, the NHS and providers each run, named without saying whose
    "Substance misuse staff", "Drug and Alcohol Team", "Occupational Therapy", "Parenting staff",
    "Family Support Worker", "Supported Housing Staff", "Community Safety Caseworker", "Early Years",
    "Legal Services",  # a legal agency, or the council's own lawyers
    "MP", "Councillor", "Resident",  # people who may refer on another's behalf
])
def test_source_service_many_bodies_run_without_saying_whose_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value, code", [
    ("Health - Substance Misuse", "3D"), ("Housing - Supported Housing", "4"),  # the heading says whose
    ("Local Authority - Parenting Team", "5D"), ("Occupational Therapist - NHS", "3D"),
    ("Early Help Family Support", "5D"),  # a keyword of its own names the service
    ("Legal Agency", "7"), ("Legal Services - Court", "7"), ("Individual - Other - Councillors, Lawyers", "1D"),
])
def test_source_service_many_bodies_run_with_whose_named_maps(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


@pytest.mark.parametrize("value, code", [
    ("Education (non school)", "2B"), ("Non-Police agency", "8"),  # "non" negates the word it joins
    ("Non-resident relative", "1A"), ("Non-Wirral Local Authority", "5C"),  # a word naming no service stays
])
def test_source_non_negates_the_service_it_joins(value, code):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS[code]]


@pytest.mark.parametrize("value", ["Non-police", "Non health professional"])
def test_source_named_only_after_non_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value, expected", [
    ("Department", None), ("Other Department", None), ("Safeguarding Team", None),  # whose is not said
    ("Council Department", "5B"), ("LA Dept", "5B"), ("Education Department", "2B"),
    ("Government Department", "8"),
])
def test_source_a_department_alone_is_unmapped(value, expected):
    m = codes.map_codes("source", pd.Series([value]), known=RULES_ALONE)
    assert m.values.tolist() == [codes.SOURCE_LABELS[expected] if expected else value]
    assert m.unmapped.tolist() == [expected is None]


@pytest.mark.parametrize("value", ["Family Hub", "Family Liaison Officer", "Carers Trust", "Parents Forum",
                                   "Family Matters"])
def test_source_family_word_naming_a_service_is_unmapped(value):
    assert unmapped_source(value)


@pytest.mark.parametrize("value", ["Family Member", "Family friend", "Family - Biological Parent",
                                   "Mother in law", "Foster Carer", "Parent / Carer"])
def test_source_family_member_maps(value):
    assert mapped("source", [value], known=RULES_ALONE) == [codes.SOURCE_LABELS["1A"]]


@pytest.mark.parametrize("value, expected", [
    ("LA Services - HSC", None), ("(CS) Education - ESBAS", None),  # the qualifier may name another service
    ("LA Services - YOT", "5B"), ("Health Services - GP", "3A"),  # abbreviations it expands
    ("KMBC - Adult Social Care", "5A"),  # a leading abbreviation says whose (the council), not what
])
def test_source_heading_with_an_unexpanded_abbreviation_as_its_qualifier(value, expected):
    m = codes.map_codes("source", pd.Series([value]), known=RULES_ALONE)
    assert m.values.tolist() == [codes.SOURCE_LABELS[expected] if expected else value]
    assert m.unmapped.tolist() == [expected is None]


@pytest.mark.parametrize("value", ["Unknown / Anonymous", "Anonymous/Not known"])
def test_source_naming_anonymous_and_unknown_is_unmapped(value):
    assert unmapped_source(value)  # 9 (the referrer chose not to be named) or 10 (not recorded): not said


def test_primary_need_other_beside_unread_words_is_unmapped():
    m = codes.map_codes("primary_need", pd.Series(["Other", "CIN - N9 Other", "Other parenting issues"]),
                        known=RULES_ALONE)
    assert m.values.tolist() == [codes.NEED_LABELS["N9"]] * 2 + ["Other parenting issues"]
    assert m.unmapped.tolist() == [False, False, True]


@pytest.mark.parametrize("kind, value, label, reason", [
    ("source", "Services (excludes housing)", "m) 4: Housing",
     'the word "housing" suggests m) 4: Housing, but "excludes housing" negates it'),
    ("source", "Local Authority Services - WBC Children's Centre", "s) 8: Other",
     'the heading "local authority" names LA services, but "childrens centre" names Other'),
    ("source", "Legal - Police", "r) 7: Other legal agency",
     'the heading "legal" names Other legal agency, but "police" names Police'),
    ("source", "DMBC - Family Support (Children Centres etc)", "s) 8: Other",
     '"family support" names LA services, but "children centres" names Other'),
    ("source", "WARD", "l) 3F: Health services",
     '"WARD" is a bare abbreviation the matcher cannot expand (read as a word it suggests l) 3F: Health services)'),
    ("source", "Substance misuse staff", "j) 3D: Health services",
     '"substance misuse" names a service the LA, the NHS or a provider may run, and the value does not say whose'),
    ("source", "Councillor", "d) 1D: Individual",
     '"councillor" names someone who may refer on another\'s behalf, and the value does not say on whose'),
    ("source", "LA Services - HSC", "o) 5B: LA services",
     'the qualifier "HSC" is an abbreviation the matcher cannot expand, and it may name another service'),
    ("source", "Non-police", "q) 6: Police", 'the word "police" suggests q) 6: Police, but "non-police" negates it'),
    ("source", "Other Department", "o) 5B: LA services",
     '"department" names no service, and the value does not say whose'),
    ("source", "Family Hub", "a) 1A: Individual",
     '"family hub" may name a service or an organisation, not a family member'),
    ("source", "Anonymous/Not known", "t) 9: Anonymous", '"anonymous" names Anonymous, but "not known" names Unknown'),
    ("primary_need", "Other parenting issues", "N9 - Cases other than children in need",
     '"other" suggests N9 - Cases other than children in need, but "parenting issues" is not read'),
])
def test_best_guess_names_the_label_and_why_it_was_not_taken(kind, value, label, reason):
    assert codes.best_guess(kind, value) == codes.Guess(label, reason)


@pytest.mark.parametrize("kind, value", [
    ("source", "Police"),  # it maps: nothing to guess
    ("source", "Zorgon"), ("source", ""), ("source", "**DO NOT USE** Housing"),  # nothing to go on
    ("ethnicity", "Martian"), ("gender", "Bloke"), ("abuse_category", "Bananas"),
    ("disability", "Diabetes"), ("assessment_outcome", "Purple"),  # no loose rules for these
])
def test_best_guess_is_none_without_a_guess(kind, value):
    assert codes.best_guess(kind, value) is None


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=40))
def test_best_guess_only_for_unmapped_values_and_always_a_label(text):
    for kind in codes.KINDS:
        found = codes.best_guess(kind, text)
        if found is not None:
            assert codes.map_codes(kind, pd.Series([text]), known=RULES_ALONE).unmapped.iloc[0]
            assert found.label in codes.LABELS[kind].values() and found.reason


def test_best_guess_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        codes.best_guess("colour", "red")


def test_known_spelling_confirming_the_best_guess_keeps_its_finer_code():
    known = spellings({"source": {"WARD": "health services", "Legal - Police": "police"}})
    assert mapped("source", ["WARD", "Legal - Police"], known=known) == ["l) 3F: Health services", "q) 6: Police"]


def test_source_blank_is_na_not_unmapped():
    m = codes.map_codes("source", pd.Series(["", None, "Zorgon"], dtype="str"))
    assert m.values.isna().tolist() == [True, True, False]
    assert m.values.iloc[2] == "Zorgon"
    assert m.unmapped.tolist() == [False, False, True]


# ---------------------------------------------------------------------------
# Primary need and category of abuse

@pytest.mark.parametrize("value, code", [
    ("N1", "N1"), ("n2", "N2"), ("N2 - Child’s Disability", "N2"), ("Child's disability", "N2"),
    ("Parental disability or illness", "N3"), ("Parental illness or disability: parents abuse alcohol", "N3"),
    ("Family in acute stress", "N4"), ("Family dysfunction", "N5"), ("Socially unacceptable behaviour", "N6"),
    ("Low income", "N7"), ("Absent parenting", "N8"), ("Cases other than children in need", "N9"),
    ("N0 - Not stated", "N0"), ("N1SA : Physical Abuse", "N1"), ("1c Emotional Abuse", "N1"),
    ("Abuse or Neglect: Domestic Violence", "N1"), ("Disability: Children with learning disabilities", "N2"),
    ("Family in Acute Stress - Health Development Concerns (inc Temporary Disability", "N4"),
    ("CIN-Unaccompanied Asylum Seeking Child", "N8"), ("Step Parent Adoption", "N9"),
])
def test_primary_need_spellings(value, code):
    assert mapped("primary_need", [value], known=RULES_ALONE) == [codes.NEED_LABELS[code]]


@pytest.mark.parametrize("value, code", [
    ("NEG", "NEG"), ("a) Neglect", "NEG"), ("Likelihood of Neglect", "NEG"), ("PHY", "PHY"),
    ("Physical injury", "PHY"), ("SAB", "SAB"), ("Sexual abuse", "SAB"), ("EMO", "EMO"),
    ("Emotional abuse", "EMO"), ("MUL", "MUL"), ("Multiple/not recommended", "MUL"),
    ("Neglect and Emotional", "MUL"), ("Emotional abuse; Physical abuse", "MUL"),
    ("NEGLECT/PHYSICAL ABUSE", "MUL"), ("Multiple: Neglect", "MUL"), ("Emotional Neglect", "MUL"),
    ("NYNN", "PHY"), ("YYNN", "MUL"),  # Y/N flags in Annex A order: neglect, physical, sexual, emotional
])
def test_abuse_category_spellings(value, code):
    assert mapped("abuse_category", [value], known=RULES_ALONE) == [codes.CATEGORY_LABELS[code]]


@pytest.mark.parametrize("kind", ["primary_need", "abuse_category"])
def test_blank_is_na_and_unknown_text_unmapped(kind):
    m = codes.map_codes(kind, pd.Series([" ", None, " Bananas  "], dtype="str"))
    assert m.values.isna().tolist() == [True, True, False]
    assert m.values.iloc[2] == "Bananas"  # written as it came, trimmed
    assert m.unmapped.tolist() == [False, False, True]


# ---------------------------------------------------------------------------
# Config mappings (`extra`)

@pytest.mark.parametrize("kind, extra, value, label", [
    ("source", {"Team Alpha": "3A"}, "team alpha", "g) 3A: Health services"),
    ("source", {"Team-Alpha": "g) 3A: Health services"}, "TEAM ALPHA", "g) 3A: Health services"),
    ("source", {"Police": "8"}, "police", "s) 8: Other"),  # config wins over the built-in table
    ("ethnicity", {"Martian": "WBRI"}, "martian", "a) WBRI"),
    ("primary_need", {"CWD": "N2"}, "C.W.D.", "N2 - Child's disability"),
    ("abuse_category", {"Cat 1": "NEG"}, "cat 1", "a) Neglect"),
    ("gender", {"Bloke": "M"}, "bloke", "a) Male"),
    ("gender", {"Z": "d) Neither"}, "z", "d) Neither"),
])
def test_extra_maps_local_values(kind, extra, value, label):
    m = codes.map_codes(kind, pd.Series([value]), extra)
    assert m.values.tolist() == [label]
    assert not m.unmapped.any()


@pytest.mark.parametrize("kind", codes.KINDS)
def test_extra_naming_no_code_is_a_usage_error_naming_the_key(kind):
    with pytest.raises(UsageError, match="Local Thing"):
        codes.map_codes(kind, pd.Series(["x"]), {"Local Thing": "ZZZ9"})


def test_extra_errors_for_disability_and_outcome():
    with pytest.raises(UsageError, match="Wobbly"):
        codes.parse_disability(pd.Series(["x"]), {"Wobbly": "ZZZ"})
    with pytest.raises(UsageError, match="Maybe"):
        codes.map_assessment_outcome(pd.Series(["x"]), {"Maybe": "perhaps"})


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        codes.map_codes("colour", pd.Series(["red"]))


# ---------------------------------------------------------------------------
# Disability (SPEC §3.1)

@pytest.mark.parametrize("value, expected", [
    ("LD,AUT", ("LD", "AUT")), ("aut; ld", ("LD", "AUT")), ("HAND HEAR", ("HAND", "HEAR")),
    ("VIS|MOB", ("MOB", "VIS")), ("Learning disability", ("LD",)), ("Autism", ("AUT",)),
    ("Autistic Spectrum Disorder", ("AUT",)), ("Asperger Syndrome", ("AUT",)),
    ("Diagnosed with autism or Asperger syndrome", ("AUT",)), ("Hearing impairment", ("HEAR",)),
    ("Visual impairment", ("VIS",)), ("Mobility", ("MOB",)), ("Epilepsy", ("CON",)), ("Seizures", ("CON",)),
    ("Behaviour", ("BEH",)), ("ADHD", ("BEH",)), ("Communication", ("COMM",)), ("Personal care", ("PC",)),
    ("Hand function", ("HAND",)), ("Incontinence", ("INC",)), ("Other DDA", ("DDA",)), ("Other", ("DDA",)),
    ("Learning disability, Autism", ("LD", "AUT")), ("LD Autism", ("LD", "AUT")),
    ("Y", ("YES",)), ("Yes", ("YES",)), ("a) Yes", ("YES",)), ("True", ("YES",)), ("1", ("YES",)),
    ("1 - Yes", ("YES",)), ("N", ("NONE",)), ("No", ("NONE",)), ("b) No", ("NONE",)), ("False", ("NONE",)),
    ("0", ("NONE",)), ("NONE", ("NONE",)), ("No disability", ("NONE",)),
    ("", ()), ("Unknown", ()), ("c) Unknown", ()), ("NOBT", ()), ("REFU", ()), ("N/A", ()),
    ("NONE, LD", ("LD", "NONE")),  # kept for the caller to report (SPEC §3.3)
    ("AUT, aut, LD", ("LD", "AUT")),  # duplicates removed, CIN census order
])
def test_disability_cells(value, expected):
    parsed = codes.parse_disability(pd.Series([value]))
    assert parsed.codes.tolist() == [expected]
    assert not parsed.unmapped.any()


def test_disability_unmapped_token_is_flagged_and_mapped_tokens_kept():
    parsed = codes.parse_disability(pd.Series(["LD; Diabetes", "Diabetes", None], dtype=object))
    assert parsed.codes.tolist() == [("LD",), (), ()]
    assert parsed.unmapped.tolist() == [True, True, False]


def test_disability_non_text_cells():
    assert disability([True, False, 1.0, 0, np.nan]) == [("YES",), ("NONE",), ("YES",), ("NONE",), ()]


def test_disability_extra_maps_local_labels_whole_and_as_tokens():
    extra = {"Cerebral palsy": "MOB", "ASC": "AUT", "Needs review": "Unknown"}
    assert disability(["cerebral palsy", "ASC, HEAR", "Needs review"], extra) == [
        ("MOB",), ("HEAR", "AUT"), ()]


# ---------------------------------------------------------------------------
# Assessment outcome (SPEC §4)

@pytest.mark.parametrize("value, outcome", [
    ("nfa", "nfa"), ("NFA", "nfa"), ("No further action", "nfa"), ("RC8", "nfa"),
    ("Case closed after assessment, no further action", "nfa"), ("b) No", "nfa"), ("No", "nfa"),
    ("other_agency", "other_agency"), ("Early help", "other_agency"), ("Step down", "other_agency"),
    ("RC9", "other_agency"), ("Signposting", "other_agency"), ("Referred to early help", "other_agency"),
    ("Services from other agencies", "other_agency"), ("Universal services", "other_agency"),
    ("Case closed after assessment, referred to early help", "other_agency"),
    ("csc", "csc"), ("CIN plan", "csc"), ("Child in need", "csc"), ("core assessment", "csc"),
    ("Further CSC action", "csc"), ("a) Yes", "csc"), ("Yes", "csc"), ("Continue assessment", "csc"),
    ("s47", "s47"), ("Section 47", "s47"), ("Strategy discussion", "s47"), ("Child protection enquiry", "s47"),
])
def test_assessment_outcome_spellings(value, outcome):
    m = codes.map_assessment_outcome(pd.Series([value]))
    assert m.values.tolist() == [outcome]
    assert not m.unmapped.any()


def test_assessment_outcome_unknowns():
    m = codes.map_assessment_outcome(pd.Series(["", None, "c) Unknown", "Purple"], dtype="str"))
    assert m.values.isna().all()  # an unmapped value reads as unknown, not as it came
    assert m.unmapped.tolist() == [False, False, False, True]


def test_assessment_outcome_extra_wins():
    m = codes.map_assessment_outcome(pd.Series(["Outcome 7", "No"]), {"Outcome 7": "s47", "No": "csc"})
    assert m.values.tolist() == ["s47", "csc"]


# ---------------------------------------------------------------------------
# Series handling: index, dtypes, odd cells

def test_index_and_dtypes_kept():
    values = pd.Series(["M", None, "zz"], index=[10, 5, 7], dtype="str")
    m = codes.map_codes("gender", values)
    assert m.values.index.tolist() == [10, 5, 7] and m.unmapped.index.tolist() == [10, 5, 7]
    assert pd.api.types.is_string_dtype(m.values.dtype) and m.unmapped.dtype == bool
    p = codes.parse_disability(values)
    assert p.codes.index.tolist() == [10, 5, 7] and p.unmapped.dtype == bool


def test_odd_cells_never_raise():
    values = pd.Series([1, 2.0, True, ["x"], {"a": 1}, b"\xff", "\udcff", pd.Timestamp("2020-01-01")],
                       dtype=object)
    for kind in codes.KINDS:
        m = codes.map_codes(kind, values)
        assert len(m.values) == len(values)
    assert mapped("gender", [1, 2.0]) == ["a) Male", "b) Female"]
    assert len(codes.parse_disability(values).codes) == len(values)
    assert len(codes.map_assessment_outcome(values).values) == len(values)


def test_categorical_input():
    values = pd.Series(["M", "F", "M"], dtype="category")
    assert codes.map_codes("gender", values).values.tolist() == ["a) Male", "b) Female", "a) Male"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=8))
def test_any_text_maps_to_a_label_or_comes_back_as_it_came(items):
    values = pd.Series(items, dtype=object)
    for kind in codes.KINDS:
        m = codes.map_codes(kind, values)
        labels = set(codes.LABELS[kind].values())
        for cell, out, bad in zip(items, m.values, m.unmapped):
            if bad:
                assert out == cell.strip()
            else:
                assert pd.isna(out) or out in labels
    p = codes.parse_disability(values)
    allowed = {*codes.DISABILITY_CODES, "NONE", "YES"}
    assert all(set(c) <= allowed and len(set(c)) == len(c) for c in p.codes)
    outcomes = codes.map_assessment_outcome(values).values
    assert all(pd.isna(o) or o in codes.OUTCOMES for o in outcomes)


# ---------------------------------------------------------------------------
# Known local spellings (data/known_spellings.csv; SPEC §4 "labels")

def spellings(table: dict[str, dict[str, str]]) -> codes.KnownSpellings:
    """A hand-built known-spellings table: kind -> {spelling: group}."""
    return codes.known_table((kind, spelling, group)
                             for kind, spellings in table.items() for spelling, group in spellings.items())


@pytest.mark.parametrize("kind, value, label", [
    ("source", "Zorgon", "q) 6: Police"),                 # rules find nothing: the group's code
    ("source", " a) ZORGON!! ", "q) 6: Police"),          # matched case-, space-, punctuation-insensitively
    ("source", "Police", "d) 1D: Individual"),            # rules in another group: the group's "other" code
    ("source", "Housing Association", "o) 5B: LA services"),
    ("source", "Schools", "l) 3F: Health services"),
    ("source", "GP", "g) 3A: Health services"),           # rules in the known group: their finer code kept
    ("source", "Grandmother", "a) 1A: Individual"),
    ("source", "7 - Law - Probation", "r) 7: Other legal agency"),  # a value naming its code keeps it
    ("source", "q) 6: Police", "q) 6: Police"),
    ("ethnicity", "Martian", "d) WOTH"),
    ("ethnicity", "British", "i) MOTH"),
    ("ethnicity", "Kurdish", "d) WOTH"),
    ("ethnicity", "WBRI - White British", "a) WBRI"),
    ("ethnicity", "Refused", "s) REFU"),                  # REFU is in the not-stated group: kept
    ("ethnicity", "Unknown", "s) NOBT"),
    ("primary_need", "Bananas", "N7 - Low income"),
    ("primary_need", "16/17 yr old homeless", "N8 - Absent parenting"),
    ("primary_need", "N0 - N/A (adoption)", "N0 - Not stated"),
    ("abuse_category", "Bananas", "e) Multiple/not recommended"),
    ("abuse_category", "Neglect, Physical", "a) Neglect"),
    ("abuse_category", "NYNN", "b) Physical abuse"),
    ("gender", "Bloke", "a) Male"),
    ("gender", "Man", "a) Male"),
])
def test_known_spelling_lands_in_its_group(kind, value, label):
    known = spellings({
        "source": {"Zorgon": "police", "Police": "individual", "Housing Association": "la services",
                   "Schools": "health services", "GP": "health services", "Grandmother": "individual",
                   "7 - Law - Probation": "police", "q) 6: Police": "other"},
        "ethnicity": {"Martian": "white", "British": "mixed", "Kurdish": "white",
                      "WBRI - White British": "mixed", "Refused": "not stated", "Unknown": "not stated"},
        "primary_need": {"Bananas": "low income", "16/17 yr old homeless": "absent parenting",
                         "N0 - N/A (adoption)": "not cin"},
        "abuse_category": {"Bananas": "multiple", "Neglect, Physical": "neglect", "NYNN": "neglect"},
        "gender": {"Bloke": "male", "Man": "female"},
    })
    m = codes.map_codes(kind, pd.Series([value]), known=known)
    assert m.values.tolist() == [label] and not m.unmapped.any()


def test_known_spellings_never_beat_config_or_fill_blanks():
    known = spellings({"source": {"Zorgon": "police", "N/A": "unknown"}, "ethnicity": {"Martian": "white"}})
    assert mapped("source", ["Zorgon"], {"Zorgon": "8"}, known) == ["s) 8: Other"]
    assert mapped("ethnicity", ["Martian"], {"Martian": "CHNE"}, known) == ["q) CHNE"]
    m = codes.map_codes("source", pd.Series(["N/A", None, "Zorgon's"], dtype="str"), known=known)
    assert m.values.isna().tolist() == [True, True, False]  # blank stays blank
    assert m.unmapped.tolist() == [False, False, True]      # an unknown spelling stays unmapped


def test_known_spellings_for_disability():
    known = spellings({"disability": {"Diabetes": "true", "Learning": "false", "Autism": "true",
                                      "Maybe": "unknown", "LD; Asthma": "true", "LD": "false"}})
    parsed = codes.parse_disability(pd.Series(["diabetes", "Learning", "Autism", "Maybe", "LD; Asthma", "LD",
                                               "Asthma"]), known=known)
    # a cell naming a code outright ("LD") keeps it; a known cell is never unmapped
    assert parsed.codes.tolist() == [("YES",), ("NONE",), ("AUT",), (), ("LD",), ("LD",), ()]
    assert parsed.unmapped.tolist() == [False, False, False, False, False, False, True]
    assert disability(["Diabetes"], {"Diabetes": "MOB"}, known) == [("MOB",)]
    assert disability(["Learning"], {"Learning": "HEAR"}, known) == [("HEAR",)]
    assert disability(["LD; Asthma"], {"Asthma": "MOB"}, known) == [("MOB", "LD")]


def test_known_table_drops_clashes_and_rejects_unknown_groups():
    table = codes.known_table([
        ("source", "Legal Services", "la services"), ("source", "LEGAL SERVICES.", "other legal agency"),
        ("source", "GP", "health services"), ("source", "gp", "health services"), ("source", "-", "other"),
        ("primary_need", "Legal Services", "not cin"),
    ])
    assert table == {"source": {"gp": "health services"}, "primary_need": {"legalservices": "not cin"}}
    with pytest.raises(ValueError, match="Zorgon"):
        codes.known_table([("source", "Zorgon", "martians")])


@pytest.mark.parametrize("kind, value, label, unmapped", [
    ("gender", "I", "d) Neither", False),  # SPEC §3.2, though the peer files "I" as not stated
    ("primary_need", "zzCodeError", "zzCodeError", True),
    ("primary_need", "9NOTCIN - Obsolete DO NOT USE", "9NOTCIN - Obsolete DO NOT USE", True),
    ("ethnicity", "**DO NOT USE**", "s) NOBT", False),  # the peer's own filing of a retired code
])
def test_shipped_table_edges(kind, value, label, unmapped):
    m = codes.map_codes(kind, pd.Series([value]))
    assert m.values.tolist() == [label] and m.unmapped.tolist() == [unmapped]


# ---------------------------------------------------------------------------
# Real local spellings: the liia-tools-pipeline variant table (a random half)
#
# The peer table files each observed spelling under a GROUPED code (pan-London
# minimisation), so our Annex A code is converted to the peer's group before comparing.
# data/known_spellings.csv is derived from this same table, so it is never scored on it:
# the known spellings are scored on spellings held out of the table they are built from.


def _peer() -> pd.DataFrame:
    return score.read_peer(PEER)


def test_shipped_known_spellings_are_derived_from_the_peer_table():
    shipped = resources.files("ofsted_lists").joinpath("data").joinpath("known_spellings.csv")
    with shipped.open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(table, codes.derive_known_spellings(_peer()))
    assert set(table["kind"]) == {*codes.KINDS, "disability"}
    assert codes.known_key("I") not in shipped_known_spellings()["gender"]


def _score(table: pd.DataFrame, title: str, known, groups=tuple(score.PEER_GROUPS), columns=None):
    """Rows right, wrong and unmapped per column group and overall (codes.score), printed with the misses."""
    scores, misses = score.score(table, known, groups, columns)
    print("\n" + score.report(title, scores, misses))
    return scores


# The rules alone must stay >= 90 % overall so they do not rot behind the table: about 6 % of
# source rows are single-LA pick-list codes with no words in them ("SHEL", "NURH", "PEM") that
# only the table knows. Measured 91.2 % right, 2.2 % wrong (70 of 3,127 rows), 6.6 % unmapped
# (before services many bodies run, family words naming a service, a department alone,
# unexpanded qualifiers and "Unknown / Anonymous" were left unmapped: 91.9 %, 3.2 %, 5.0 %;
# before any guess was left unmapped: 92.7 %, 3.6 %, 3.7 %).
_FLOOR_RULES_ALONE = 0.90
# Wrong is worse than unmapped: no one sees it. Ceiling just above the 2.2 % measured, so a rule
# that guesses again fails.
_CEILING_WRONG_RULES_ALONE = 0.023
# Issue 13 asks for 1 % (31 rows); the 70 left are not guesses a general rule can tell apart:
#  7 name their code outright ("7 - Law - Probation" and "1B Individual - Acquaintance ..." filed
#    under police and housing, "OKRD - Kurdish" under white);
# 19 open with a CIN heading whose own group, or its qualifier's, they get ("Legal Agency" filed under
#    other, "70) Legal Agency - Court" and "Health Services - Other Primary" under LA services,
#    "Education - Nursery" under education services while the peer files "Education - School" under schools);
# 19 are what the CIN guidance itself names for our code (probation, Cafcass and prison under police
#    or other, "Friend/Neighbour" under other, "Youth Offending Service (YOS)" under police, another
#    LA's social services under other, three categories of abuse under neglect);
#  3 are peoples the CBDS codes file under Other ethnic group (Afghan, Kurdish, Syrian) filed Asian or White;
# 22 are one LA's choices against a keyword's plain meaning ("Fire Brigade" under individual,
#    "Home Start" under housing, "CEOP" under LA services, "Nursing-School Nurse" under schools).
# Leaving those unmapped would need the peer's spellings in the rules, which the table already is.
_TARGET_WRONG = 0.01  # issue 13


def test_real_local_spellings_by_the_rules_alone():
    shares = _score(_peer(), "rules alone (no known spellings):", RULES_ALONE)
    assert shares["overall"].share >= _FLOOR_RULES_ALONE, shares
    assert shares["overall"].wrong_share <= _CEILING_WRONG_RULES_ALONE, shares


@pytest.mark.xfail(strict=True, reason="issue 13's target is not reached: the rules alone put 2.2 % of rows in "
                   "a wrong group, most of them values naming their code, heading or CIN example (see above)")
def test_rules_alone_put_at_most_one_percent_in_a_wrong_group():
    scores, _ = score.score(_peer(), RULES_ALONE)
    assert scores["overall"].wrong_share <= _TARGET_WRONG, scores["overall"]


def _half(spelling: str) -> int:
    """A stable half of the spellings (not Python's salted hash()); spellings that are one
    known spelling (same known_key) fall in the same half."""
    return hashlib.sha256(codes.known_key(spelling).encode("utf-8")).digest()[0] & 1


# Held-out half B (1,527 scored rows), share in the peer's group, measured with and without
# the half-A table alike: gender 16/16, ethnicity 398/404 (98.5 %), source 716/851 (84.1 %; 86.0 %
# before services many bodies run and unexpanded qualifiers were left unmapped, 87.3 % before any
# guess was), abuse_category 65/65, primary_need 160/163 (98.2 %), disability 28/28, overall 90.6 %
# (was 91.6 %, 92.3 %); wrong 40/1,527 (2.6 %).
# A spelling table is a lookup, so it cannot help a spelling it has not seen: the rules carry
# half B. Floors just below what is measured, so a rule change that loses groups fails.
_FLOOR_HELD_OUT = {"gender": 1.0, "ethnicity": 0.98, "source": 0.835, "abuse_category": 0.98,
                   "primary_need": 0.98, "disability": 1.0, "overall": 0.90}


def test_known_spellings_built_from_one_half_score_the_other():
    """The table built by the real generator from half A of the spellings maps half B, which it
    has never seen: each column group reaches its floor, and the table costs no spelling its group."""
    peer = _peer()
    in_a = peer["observed_variant"].map(_half).to_numpy() == 0
    assert 0.4 < in_a.mean() < 0.6
    half_a = codes.known_table(codes.derive_known_spellings(peer[in_a]).itertuples(index=False))
    held_out = peer[~in_a]
    assert not any(codes.known_key(v) in spellings_of_kind
                   for v in held_out["observed_variant"] for spellings_of_kind in half_a.values())
    rules = _score(held_out, "half B, rules alone:", RULES_ALONE)
    with_a = _score(held_out, "half B, rules + known spellings of half A:", half_a)
    for group, floor in _FLOOR_HELD_OUT.items():
        assert rules[group].share >= floor and with_a[group].share >= floor, (group, rules[group], with_a[group])
        assert with_a[group].right >= rules[group].right, (group, rules[group], with_a[group])


def test_known_spellings_generalise_across_source_columns():
    """Leave one column out: the table built from Referral Source rows scores Contact Source rows,
    and vice versa, estimating how the table helps on an LA's spellings it has not seen."""
    peer = _peer()
    total = score.Score(0, 0, 0)
    for learn, scored in (("Referral Source", "Contact Source"), ("Contact Source", "Referral Source")):
        known = codes.known_table(codes.derive_known_spellings(peer[peer["column"] == learn]).itertuples(index=False))
        rows = peer[peer["column"] == scored]
        total += _score(rows, f"known spellings from {learn} only, scoring {scored}:", known, ("source",))["source"]
    rules_alone = _score(peer, "rules alone, sources:", RULES_ALONE, ("source",))["source"]
    print(f"  cross-column source estimate {total.share:.1%} (rules alone {rules_alone.share:.1%})")
    assert total.share >= rules_alone.share
