"""Contact and referral source (SPEC §4 "Codes": CIN census sources `1A`…`10` and their
labels -> `a) 1A: Individual` … ; domain-reference §2.11)."""

from __future__ import annotations

import re

from ..schema import norm
from .known import GROUPS
from .text import clear_or_guess, compile_rules, earliest, earliest_match, first, label_table, prep, words

LABELS = {
    "1A": "a) 1A: Individual", "1B": "b) 1B: Individual", "1C": "c) 1C: Individual",
    "1D": "d) 1D: Individual", "2A": "e) 2A: Schools", "2B": "f) 2B: Education services",
    "3A": "g) 3A: Health services", "3B": "h) 3B: Health services", "3C": "i) 3C: Health services",
    "3D": "j) 3D: Health services", "3E": "k) 3E: Health services", "3F": "l) 3F: Health services",
    "4": "m) 4: Housing", "5A": "n) 5A: LA services", "5B": "o) 5B: LA services",
    "5C": "p) 5C: LA services", "5D": "p1) 5D: LA services", "6": "q) 6: Police",
    "7": "r) 7: Other legal agency", "8": "s) 8: Other", "9": "t) 9: Anonymous", "10": "u) 10: Unknown",
}
BLANK = ""  # a blank source stays blank

_SOURCE_CODE = re.compile(r"^[\s'\"(\[]*(10|[1-9][a-f]?)(?![a-z0-9])")
_SOURCE_BRACKET = re.compile(r"\[\s*(10|[1-9][a-f]?)\s*\]\s*$")
_SYSTEM_TAG = re.compile(r"^\([a-z]{1,4}\)\s*(?=\S)")  # "(CS) Police"
_NEGATION = re.compile(  # "(not housing)", "excludes schools": what a source is not must not name it
    r"\b(?:not(?! (?:known|recorded|stated|mapped|given|obtained|yet|specified)\b)|exclud\w*|excl|except\w*|"
    r"other than|apart from)\b")

_SCHOOL_NURSE = r"\bschool (nurs(?!er)\w*|health)\b"  # "school nursery" is no nurse
_FAMILY = (r"famil(y|ies)|relatives?|parents?|mother|father|mum|dad|grand\w*|gran|grpa|aunt|uncle|"
           r"siblings?|brother|sister|sis|bro|son|daughters?|daug|step ?(father|mother|parent)|"
           r"stepfather|stepmother|husband|husb|wife|partner|carers?|foster carers?|adoptive|household|"
           r"house member|cousin|nephew|niece|guardian|inlaw|birth family")
_SOURCE_HEALTH = compile_rules([
    (r"\b(other primary|primary (health|care|link))\b", "3D"),
    (r"\bsecondary (health|care)\b", "3F"),
    (r"\b(a and e|aande|ae|accident|emergency (department|dept)|walk in|nhs 111|111|nhs direct|ambulance|"
     r"nwas|paramedic|urgent care|medical assessment unit)\b", "3E"),
    (r"\b(gp|gps|general pract\w*|gen pract|surgery|practice nurse|ocgp)\b", "3A"),
    (r"\b(health visit\w*|hv)\b", "3B"),
    (_SCHOOL_NURSE, "3C"),
    (r"\b(hospital\w*|hosptial|hosp|hospice|wards?|paediatric\w*|pediatric\w*|psychiatr\w*|camhs|cahms|"
     r"mental health|cmht|cpn|consultant|maternity|acute)\b", "3F"),
    (r"\b(midwi\w*|midw|community (health|nurs\w*|matron)|district nurse|dn|dentist|dental|pharmac\w*|"
     r"optometrist|optician|audiology|clinic|clinical|health cent(re|er)|pct|nurse|nurses|nursing|matron|nhs\w*|"
     r"family nurse\w*|fnp|therap\w*|ot|psychologist|substance misuse|drugs?|alcohol|pre birth|"
     r"birth notification|rapid response|medical|doctor|nhs|health|healthcare)\b", "3D"),
])
_SOURCE_SCHOOL = (r"\b(schools?|sch|academy|pru|pupil referral|nurser(y|ies)|pre ?school|sixth form|6th form|"
                  r"senco|primary school|secondary school|special school)\b")
_SOURCE_EDUCATION = (r"\b(education\w*|edu|ewo|connexions|college|further education|early years|"
                     r"educational psycholog\w*)\b")
_SOURCE_HOUSING = r"\b(housing|landlord|sheltered|warden|tenancy|homeless\w*|supported living|hou)\b"
_SOURCE_LA = compile_rules([
    (r"\b(other (la|las|local authorit\w*|ssd|council)|another (la|las|local authorit\w*)|ola|otla|"
     r"external|out of (borough|area|county|authority)|non \w+ local authority)\b", "5C"),
    (r"\b(early (help|intervention)|eha|caf|taf|tac|team around|targeted|family (support|work\w*|"
     r"partnership|service|intervention)|troubled families|stronger families|family recovery|key ?work\w*|"
     r"step up|parenting)\b", "5D"),
    (r"\b(other internal|internal other|internal dep\w*|youth (offending|justice|support|service\w*)|yot|yos|"
     r"yisp|young peoples? (support )?services?|portage|sen team|contact centre|benefits? service|"
     r"neighbourhood|anti social|asb|community safety)\b", "5B"),
    (r"\b(social (care|services|work\w*)|ssd|ssdt|csc|sw|edt|emergency duty|out of hours|ooh|adults?|"
     r"care manager|children with disabilit\w*|cwd|leaving care|personal advis\w*|lado|iro|mash|marac|"
     r"marat|safeguarding|children and families|children families|residential care|senior practitioner|"
     r"childrens services|step down|internal)\b", "5A"),
    (r"\b(council|local authority|la|las|dept|department)\b", "5B"),
])
_SOURCE_INDIVIDUAL = compile_rules([
    (rf"\b({_FAMILY})\b", "1A"),
    (r"\b(acq\w*|aquaint\w*|friends?|neighbours?|child ?minders?|known to family)\b", "1B"),
    (r"\b(self|in person)\b", "1C"),
])
_SOURCE_INDIVIDUAL_OTHER = (r"\b(individuals?|ind|strangers?|mps?|member of parliament|councillors?|"
                            r"elected member|member of (the )?public|general public|public|employers?|"
                            r"previous employee|service user|resident)\b")
_SOURCE_OTHER = (r"\b(voluntary|charit\w*|nspcc|barnardo\w*|childrens? cent(re|res|er)|sure start|"
                 r"independ\w*|providers?|agenc(y|ies)|church|faith|fire|ofsted|inspection|military|"
                 r"ministry of defence|mod|home office|government|third party|refuge|refugee|victim support|"
                 r"womens aid|young carers|home start|care home|residential home|childrens home|hostels?|vcs|"
                 r"advoca\w*|organi[sz]ation\w*|utilities|none? (la|local authority))\b")
_SOURCE_POLICE = r"\b(police|pol|constabulary|caiu|cait|ceop|child exploitation and online protection)\b"
# Central government agencies sit with the courts and immigration as statutory agencies (as LAs file them).
_SOURCE_LEGAL = (r"\b(courts?|cafcass|jafcass|probation|prisons?|hmp|yoi|immigration|solicitors?|lawyers?|"
                 r"legal|law|crc|nps|community rehabilitation|central government|government agency|"
                 r"benefits agency)\b")
_SOURCE_ANON = r"\b(anon|anonymous)\b"
_CHILDRENS_CENTRE = r"\bchild(ren)?s? cent(re|res|er)\b"
_SOURCE_UNKNOWN = r"\b(unknown|unkown|not known|nk|unk|not recorded|not mapped|not stated|not given)\b"

# A value opening with a CIN category name belongs to that category whatever follows
# ("Individual - Other - ... lawyers", "Health Services - ... hospital discharges").
_SOURCE_ANCHORS = compile_rules([
    (r"^(individuals?|ind|indiv)\b", "individual"),
    (r"^(health|med|medical|nhs|primary health|secondary health)\b", "health"),
    (r"^(schools?|sch)\b", "school"),
    (r"^(education|edu)\b", "education"),
    (r"^(la|las|local authority|council|adults? (social care|services?))\b(?!.*\bhousing\b)", "la"),
    (r"^(other legal|legal(?! services?$)|leg)\b", "legal"),  # "Legal Services": also the council's lawyers
    (r"^(police|pol)\b", "police"),
    (r"^(housing|hou)\b", "housing"),
])


def _source_family(family: str, w: str) -> str:
    if family == "individual":
        return earliest(_SOURCE_INDIVIDUAL, w) or "1D"
    if family == "health":
        return first(_SOURCE_HEALTH, w) or "3F"
    if family in ("school", "education"):
        return "2A" if family == "school" or re.search(_SOURCE_SCHOOL, w) else "2B"
    if family == "la":
        return first(_SOURCE_LA, w) or "5B"
    return {"legal": "7", "police": "6", "housing": "4"}[family]


# "non-school", "non police": "non" negates the one word it joins, when that word names a service
# ("Non-resident relative" and "Non Notts Local Authority", another LA, keep theirs).
_NON = re.compile(r"\bnon[- ]?([a-z]+)")


def _strip_negations(t: str) -> str:
    """Drop what a source says it is not: "(not housing)", "excluding schools", "other than social
    care", "non-school"."""
    previous = None
    while previous != t:  # innermost parenthesis first: "(... (excluding housing))"
        previous = t
        t = re.sub(rf"\([^()]*?{_NEGATION.pattern}[^()]*\)", " ", t)
    t = _NON.sub(lambda m: " " if _evidence(m.group(1)) else m.group(), t)
    return re.sub(rf"{_NEGATION.pattern}[^,;()]*", " ", t)


def _source_words(w: str) -> str | None:
    if re.search(_SCHOOL_NURSE, w) or re.search(r"\bsn\b", w):
        return "3C"  # a school nurse is health, whatever heading it sits under
    anchor = next((family for pattern, family in _SOURCE_ANCHORS if pattern.search(w)), None)
    # CIN census guidance files children's centres under "8 Other", even when the LA runs them.
    centre = re.search(_CHILDRENS_CENTRE, w)
    if centre and anchor in (None, "school", "education", "la"):
        return "8"
    if anchor:
        return _source_family(anchor, w)
    police, legal = re.search(_SOURCE_POLICE, w), re.search(_SOURCE_LEGAL, w)
    if police or legal:
        return "6" if police and (not legal or police.start() <= legal.start()) else "7"
    anonymous, unknown = re.search(_SOURCE_ANON, w), re.search(_SOURCE_UNKNOWN, w)
    if anonymous:  # "Unknown / Anonymous": the first named wins
        return "10" if unknown and unknown.start() < anonymous.start() else "9"
    if re.search(r"\beducation health (and )?care\b", w):
        return "2B"  # an EHC plan panel is the LA's education service
    health = first(_SOURCE_HEALTH, w)
    if health:
        return health
    if re.search(_SOURCE_SCHOOL, w):
        return "2A"
    if re.search(_SOURCE_EDUCATION, w):
        return "2B"
    if re.search(_SOURCE_HOUSING, w):
        return "4"
    other, la = re.search(_SOURCE_OTHER, w), earliest_match(_SOURCE_LA, w)
    if la and (not other or la[0] < other.start()):  # "Government department": the first named wins
        return first(_SOURCE_LA, w)
    if other:
        return "8"
    individual = earliest(_SOURCE_INDIVIDUAL, w)
    if individual:
        return individual
    if re.search(_SOURCE_INDIVIDUAL_OTHER, w):
        return "1D"
    if unknown:
        return "10"
    if re.search(r"\bother\w*\b", w):
        return "8"
    return None


# What each keyword names, to tell clear evidence from a guess: a value naming two services,
# or a heading whose qualifier names another ("Local Authority Services - Children's Centre"),
# is left unmapped with the loose reading as its best guess.
_EVIDENCE = [
    *((pattern, GROUPS["source"][code]) for rules in (_SOURCE_HEALTH, _SOURCE_LA, _SOURCE_INDIVIDUAL)
      for pattern, code in rules),
    *((re.compile(pattern), group) for pattern, group in (
        (_SOURCE_SCHOOL, "schools"), (_SOURCE_EDUCATION, "education services"), (_SOURCE_HOUSING, "housing"),
        (_SOURCE_INDIVIDUAL_OTHER, "individual"), (_SOURCE_OTHER, "other"), (_CHILDRENS_CENTRE, "other"),
        (_SOURCE_POLICE, "police"), (_SOURCE_LEGAL, "other legal agency"),
        (r"\beducation health (and )?care\b", "education services"))),
]
# Words that say whose a service is or where, not what it is ("Housing - Council", "Health - Adult").
_GENERIC = re.compile(r"adults?|dept|department|internal|external|agenc(y|ies)|providers?|independ\w*|"
                      r"organi[sz]ation\w*|la|las|local authority|council|out of (borough|area|county|authority)|"
                      r"safeguarding|public")
_HEADING_GROUPS = {
    "individual": {"individual"}, "health": {"health services"}, "la": {"la services"},
    "school": {"schools", "education services"}, "education": {"schools", "education services"},
    "legal": {"other legal agency"}, "police": {"police"}, "housing": {"housing"},
}
# Bare upper-case tokens the rules can read: abbreviations they expand and the short words they
# know. Any other ("WARD", "NHSC", "SHEL") is a local pick-list code whose meaning is not ours to guess.
_ABBREVIATIONS = frozenset("""
    ae anon asb aunt bro caf caiu cait camhs cahms ceop cmht cpn crc csc cwd dad daug dn eha edt edu ewo fire
    fnp gp gps gran grpa hmp hosp hou husb hv ind indiv iro la lado las leg marac marat mash med midw mod mp mps
    mum nhs nhsd nk nps nspcc ocgp ola otla ot pct pol pru sch self sen senco sis sn son ssd ssdt sw taf tac unk
    vcs wife yisp yoi yos yot
""".split())
_BARE = re.compile(r"[A-Z]{2,5}")
_LONE_QUALIFIER = re.compile(r"^(?:\s*\([A-Za-z]{1,4}\))?(.*\w)\s*[-:\u2013]\s*([A-Z]{2,6})\s*$")  # "LA Services - HSC"
_FAMILY_WORD = re.compile(_FAMILY)
_GROUP_NAME = {GROUPS["source"][code]: label.split(": ", 1)[1] for code, label in LABELS.items()}  # "LA services"


def _evidence(w: str) -> list[tuple[int, int, str]]:
    """(start, end, group) of each keyword naming a service, in order. Dropped: a keyword inside
    a longer one ("school nurse" is no school), generic words, and a family word beside another
    service, which it names ("Family Court", "Family Nurse Partner")."""
    found = [(m.start(), m.end(), group) for pattern, group in _EVIDENCE for m in pattern.finditer(w)]
    found = sorted(a for a in found if not _GENERIC.fullmatch(w[a[0]:a[1]]) and not any(
        b[0] <= a[0] and a[1] <= b[1] and b[1] - b[0] > a[1] - a[0] for b in found))
    return [a for i, a in enumerate(found) if not (_FAMILY_WORD.fullmatch(w[a[0]:a[1]]) and any(
        b[2] != a[2] and (b[0] == a[1] + 1 or b[1] + 1 == a[0]) for b in found[max(i - 1, 0):i + 2]))]


# Services the LA, the NHS and providers each run or commission ("Substance misuse staff",
# "Parenting staff", "Legal Services"), and people who may refer on another's behalf ("MP"):
# named without a heading saying whose, LAs file them under different groups, so they are no
# clear evidence of one.
_SHARED = [
    (re.compile(r"\b(substance misuse|drugs?|alcohol|occupational therap\w*|ot|parent\w* support|parenting|"
                r"family (support|intervention)|supported (housing|living)|community safety|early years|"
                r"legal services?)\b"),
     "names a service the LA, the NHS or a provider may run, and the value does not say whose"),
    (re.compile(r"\b(mps?|member of parliament|councillors?|elected members?|residents?)\b"),
     "names someone who may refer on another's behalf, and the value does not say on whose"),
]

# "Other - Probation", "Other (including strangers)": the CIN heading "Other" with a qualifier.
_OTHER_HEADING = re.compile(r"^(other|oth)\b\s*([-:(/]|including\b|incl\b|eg\b|e\.g\b)")


# A department or a safeguarding team alone ("Other Department", "Safeguarding"): the NHS, the
# police and schools have them too.
_WHOSE_UNSAID = re.compile(r"(?:other )?(dept|department|safeguarding)(?: (?:team|staff|services?))?")
_FAMILY_THEN = re.compile(
    rf"\b(?P<family>{_FAMILY})\b (?!(?:{_FAMILY}|members?|friends?|and|or|of|in|law|inlaw)\b)(?P<next>[a-z]+)")


def _service_named_for_family(t: str) -> str | None:
    """A family word joined to a word naming no person ("Family Hub", "Carers Trust", "Parents
    Forum"): the name of a service, whose group the words do not say."""
    m = _FAMILY_THEN.search(t)
    return f"{m['family']} {m['next']}" if m else None


def _conflict(t: str) -> str | None:
    """Why the prepared text (negations removed) is no clear evidence, or None."""
    w = _words(t)
    if re.search(_SCHOOL_NURSE, w):
        return None  # a school nurse is health, whatever heading it sits under
    evidence = _evidence(w)
    heading = next(((m.group(), m.end(), _HEADING_GROUPS[family]) for pattern, family in _SOURCE_ANCHORS
                    if (m := pattern.search(w))), None)
    if heading is None and (m := _OTHER_HEADING.match(t)):
        heading = (m.group(1), len(words(t[:m.end()])), {"other"})
    if heading:
        name, end, allowed = heading
        after = [e for e in evidence if e[0] >= end]
        if after and not {g for *_, g in after} & allowed:
            start, stop, group = after[0]
            names = " or ".join(sorted(_GROUP_NAME[g] for g in allowed))
            return f'the heading "{name}" names {names}, but "{w[start:stop]}" names {_GROUP_NAME[group]}'
        return None
    for start, end, group in evidence[1:]:
        if group != evidence[0][2]:
            first_start, first_end, first_group = evidence[0]
            return (f'"{w[first_start:first_end]}" names {_GROUP_NAME[first_group]}, '
                    f'but "{w[start:end]}" names {_GROUP_NAME[group]}')
    if (anonymous := re.search(_SOURCE_ANON, w)) and (unknown := re.search(_SOURCE_UNKNOWN, w)):
        return f'"{anonymous.group()}" names Anonymous, but "{unknown.group()}" names Unknown'
    if not evidence and (vague := _WHOSE_UNSAID.fullmatch(w)):
        return f'"{vague.group(1)}" names no service, and the value does not say whose'
    if evidence and {g for *_, g in evidence} == {"individual"} and (named := _service_named_for_family(t)):
        return f'"{named}" may name a service or an organisation, not a family member'
    shared = [(m, why) for pattern, why in _SHARED for m in pattern.finditer(w)]
    if evidence and shared and all(any(m.start() <= s and e <= m.end() for m, _ in shared) for s, e, _ in evidence):
        m, why = min(shared, key=lambda found: found[0].start())
        return f'"{m.group()}" {why}'
    return None


def _read(raw: str, t: str) -> tuple[str | None, str | None]:
    """(code, doubt): the loose rules' code, and why it is no clear evidence (None when it is)."""
    t = _SYSTEM_TAG.sub("", t)
    full = _words(t)
    loose = _source_words(full)
    if loose is None:
        return None, None
    if _BARE.fullmatch(raw) and raw.casefold() not in _ABBREVIATIONS:
        return loose, (f'"{raw}" is a bare abbreviation the matcher cannot expand '
                       f'(read as a word it suggests {LABELS[loose]})')
    if (m := _LONE_QUALIFIER.match(raw)) and m.group(2).casefold() not in _ABBREVIATIONS and any(
            pattern.search(_words(prep(m.group(1)))) for pattern, _ in _SOURCE_ANCHORS):
        return loose, (f'the qualifier "{m.group(2)}" is an abbreviation the matcher cannot expand, '
                       f'and it may name another service')
    kept = _strip_negations(t)
    code = _source_words(_words(kept))
    if code is None:  # only what the value says it is not names a source
        phrase = re.search(rf"{_NEGATION.pattern}[^,;()]*|{_NON.pattern}", t)
        said = next((full[s:e] for s, e, group in _evidence(full) if group == GROUPS["source"][loose]), full)
        negation = phrase.group().strip() if phrase else t
        return loose, f'the word "{said}" suggests {LABELS[loose]}, but "{negation}" negates it'
    return code, _conflict(kept)


def _words(t: str) -> str:
    return words(t).replace(" in law", " inlaw")


keywords, guess = clear_or_guess(_read)


def named(raw: str, t: str) -> str | None:
    """The code a value names outright: a leading or bracketed CIN code, a code or label."""
    t = _SYSTEM_TAG.sub("", t)
    for pattern in (_SOURCE_CODE, _SOURCE_BRACKET):
        m = pattern.search(t)
        if m and m.group(1).upper() in LABELS:
            return m.group(1).upper()
    return STRICT.get(norm(t))


STRICT = label_table(LABELS, ") ")
