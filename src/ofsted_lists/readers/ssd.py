"""Where Data to Insight's Standard Safeguarding Dataset (SSD) extracts are read: CSV or
Excel exports of the `ssd_*` tables under their own table and column names (SPEC §3.5;
annex-a-full.md §5; the field specifications in peer-data/ssd-data-model-next/schema).

A file or sheet is an SSD table when its header row holds that table's key fields (`SPECS`:
`cont_person_id` and `cont_contact_date` make `ssd_contacts`; extra columns allowed,
whatever the file is called), or when its name is the table's (`ssd_contacts.csv`,
`ssd_contacts_2026-03.csv`, a sheet `ssd_contacts`). `cms` reads it by the table's
fields (`OWN_TABLES`); `merge` then turns the SSD tables into canonical ones, once every
file is read, so that no `ssd_*` name reaches normalise:

- `ssd_person` -> `children`: `pers_person_id` is the child id (never `pers_legacy_id`,
  which D2I's CIN script uses: annex-a-full.md §5.1); gender from `pers_gender`'s
  00/01/02/09 codes, else `pers_sex`.
- `ssd_disability` -> `disabilities`, undated: the SSD keeps no dates, so every code is
  current; `NONE` rows are read as codes (normalise drops a NONE beside a real code).
- `ssd_contacts` -> `contacts`; `led_to_referral` from `cont_contact_outcome_json`
  (NEW_REFERRAL_FLAG Y: yes; another flag answered: no; none: blank, derived later).
- `ssd_early_help_episodes` -> `early_help`.
- `ssd_cin_episodes` -> `referrals` (the episode of need); the outcome JSON's NFA_FLAG
  where `cine_referral_nfa` is blank.
- `ssd_cin_assessments` -> `assessments`; `assessment_outcome` from the outcome JSON's
  first flag set (`_ASSESSMENT_FLAGS`), else `cina_assessment_outcome_nfa`.
- `ssd_s47_enquiry` + `ssd_initial_cp_conference` -> `s47`: the enquiry's start is also
  the strategy date; the ICPC (the earliest) joined on enquiry id and child; the outcome
  JSON's CP_CONFERENCE_FLAG gives `icpc_not_required`.
- `ssd_cin_plans` -> `cin_plans`.
- `ssd_cp_plans` + `ssd_cp_reviews` -> `cp_plans`: the latest review on or before the
  as-of date, joined on plan id and child; `cppl_cp_plan_ola` -> `ola`.
- `ssd_cin_visits`, `ssd_cp_visits`, `ssd_cla_visits` -> `visits` (visit_type cin, cp, cla).
- `ssd_professionals`, `ssd_department`, `ssd_involvements` -> team and worker: a
  `*_worker_id` is a `prof_professional_id` (-> `prof_professional_name`), a team that is
  a `dept_team_id` -> `dept_team_name` (else it is kept as written); CP plans and early
  help, which name no team (CP plans no worker either), take them from the child's
  latest-starting involvement that overlaps the record.

What the SSD cannot carry: a contact's team and worker, the assessment's type, the s47
outcome as the CMS words it, strategy discussions that started no enquiry and their own
date, the early help type, previous CP plans, the dates of disability records, and a
visit's worker and statutory flag. A join that finds no partner (an ICPC or a review of
no enquiry or plan read, a worker id or an involvement's professional in no
`ssd_professionals`) is a finding at its file and row; a side table missing altogether
is said once, and what it would have filled stays blank.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import quality
from ..quality import Findings
from ..schema import TEXT, Column, Table, norm
from ..uniques import factorize, spread
from . import Header, _FileRead

FORMAT = "SSD extract"
HEADER_SCAN_ROWS = 30  # as cms: a title line or two may sit above the header row
_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # the readers' text dtype


@dataclass(frozen=True)
class Spec:
    """One SSD table: the canonical table it feeds ("" for a side table), its fields that
    fill a canonical column as they are, the fields its header row must hold, and the
    fields read for a join, an outcome or a team and worker."""

    name: str
    feeds: str
    fields: dict[str, str]
    key: tuple[str, ...]
    other: tuple[str, ...] = ()
    team: str = ""            # a team: a dept_team_id or a name
    worker: str = ""          # a worker: a prof_professional_id
    outcome: str = ""         # the outcome JSON
    visit_type: str = ""

    @property
    def read(self) -> tuple[str, ...]:
        """Every field read, in the table's order."""
        extra = (self.team, self.worker, self.outcome, *self.other)
        return tuple(dict.fromkeys([*self.fields, *(f for f in extra if f)]))


SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("ssd_person", "children",
         {"pers_person_id": "child_id", "pers_dob": "dob", "pers_expected_dob": "expected_dob",
          "pers_ethnicity": "ethnicity"},
         key=("pers_person_id", "pers_dob"), other=("pers_gender", "pers_sex")),
    Spec("ssd_disability", "disabilities", {"disa_person_id": "child_id", "disa_disability_code": "disability_code"},
         key=("disa_person_id", "disa_disability_code")),
    Spec("ssd_contacts", "contacts",
         {"cont_contact_id": "contact_id", "cont_person_id": "child_id", "cont_contact_date": "contact_date",
          "cont_contact_source_code": "contact_source"},
         key=("cont_person_id", "cont_contact_date"), other=("cont_contact_source_desc",),
         outcome="cont_contact_outcome_json"),
    Spec("ssd_early_help_episodes", "early_help",
         {"earl_person_id": "child_id", "earl_episode_start_date": "eh_start_date",
          "earl_episode_end_date": "eh_end_date", "earl_episode_organisation": "lead_organisation"},
         key=("earl_person_id", "earl_episode_start_date"), worker="earl_episode_worker_id"),
    Spec("ssd_cin_episodes", "referrals",
         {"cine_referral_id": "referral_id", "cine_person_id": "child_id", "cine_referral_date": "referral_date",
          "cine_cin_primary_need_code": "primary_need", "cine_referral_source_code": "referral_source",
          "cine_referral_nfa": "referral_nfa", "cine_close_reason": "closure_reason",
          "cine_close_date": "closure_date"},
         key=("cine_person_id", "cine_referral_date"), other=("cine_referral_source_desc",),
         team="cine_referral_team", worker="cine_referral_worker_id", outcome="cine_referral_outcome_json"),
    Spec("ssd_cin_assessments", "assessments",
         {"cina_assessment_id": "assessment_id", "cina_person_id": "child_id",
          "cina_assessment_start_date": "assessment_start_date", "cina_assessment_child_seen": "child_seen",
          "cina_assessment_auth_date": "authorisation_date"},
         key=("cina_person_id", "cina_assessment_start_date"), other=("cina_assessment_outcome_nfa",),
         team="cina_assessment_team", worker="cina_assessment_worker_id", outcome="cina_assessment_outcome_json"),
    Spec("ssd_s47_enquiry", "s47",
         {"s47e_s47_enquiry_id": "s47_id", "s47e_person_id": "child_id", "s47e_s47_start_date": "s47_start_date"},
         key=("s47e_person_id", "s47e_s47_start_date"),
         team="s47e_s47_completed_by_team", worker="s47e_s47_completed_by_worker_id",
         outcome="s47e_s47_outcome_json"),
    Spec("ssd_initial_cp_conference", "",
         {"icpc_s47_enquiry_id": "enquiry", "icpc_person_id": "child_id", "icpc_icpc_date": "icpc_date",
          "icpc_icpc_outcome_cp_flag": "icpc_led_to_cpp"},
         key=("icpc_s47_enquiry_id", "icpc_icpc_date"), outcome="icpc_icpc_outcome_json"),
    Spec("ssd_cin_plans", "cin_plans",
         {"cinp_person_id": "child_id", "cinp_cin_plan_start_date": "cin_plan_start_date",
          "cinp_cin_plan_end_date": "cin_plan_end_date"},
         key=("cinp_person_id", "cinp_cin_plan_start_date"), team="cinp_cin_plan_team",
         worker="cinp_cin_plan_worker_id"),
    Spec("ssd_cp_plans", "cp_plans",
         {"cppl_person_id": "child_id", "cppl_cp_plan_start_date": "cpp_start_date",
          "cppl_cp_plan_end_date": "cpp_end_date", "cppl_cp_plan_initial_category": "initial_category",
          "cppl_cp_plan_latest_category": "latest_category", "cppl_cp_plan_ola": "ola"},
         key=("cppl_person_id", "cppl_cp_plan_start_date"), other=("cppl_cp_plan_id",)),
    Spec("ssd_cp_reviews", "", {"cppr_cp_plan_id": "plan", "cppr_person_id": "child_id",
                                "cppr_cp_review_date": "review"},
         key=("cppr_cp_plan_id", "cppr_cp_review_date")),
    Spec("ssd_cin_visits", "visits",
         {"cinv_person_id": "child_id", "cinv_cin_visit_date": "visit_date", "cinv_cin_visit_seen": "child_seen",
          "cinv_cin_visit_seen_alone": "seen_alone"},
         key=("cinv_person_id", "cinv_cin_visit_date"), visit_type="cin"),
    Spec("ssd_cp_visits", "visits",
         {"cppv_person_id": "child_id", "cppv_cp_visit_date": "visit_date", "cppv_cp_visit_seen": "child_seen",
          "cppv_cp_visit_seen_alone": "seen_alone"},
         key=("cppv_person_id", "cppv_cp_visit_date"), visit_type="cp"),
    Spec("ssd_cla_visits", "visits",
         {"clav_person_id": "child_id", "clav_cla_visit_date": "visit_date", "clav_cla_visit_seen": "child_seen",
          "clav_cla_visit_seen_alone": "seen_alone"},
         key=("clav_person_id", "clav_cla_visit_date"), visit_type="cla"),
    Spec("ssd_involvements", "",
         {"invo_person_id": "child_id", "invo_professional_id": "professional", "invo_professional_team": "team",
          "invo_involvement_start_date": "start", "invo_involvement_end_date": "end"},
         key=("invo_person_id", "invo_involvement_start_date")),
    Spec("ssd_professionals", "", {"prof_professional_id": "id", "prof_professional_name": "name"},
         key=("prof_professional_id", "prof_professional_name")),
    Spec("ssd_department", "", {"dept_team_id": "id", "dept_team_name": "name"},
         key=("dept_team_id", "dept_team_name")),
)}
# The SSD tables as `cms` reads them (readers.OWN_TABLES): every field read is a column.
OWN_TABLES: dict[str, tuple[Table, str]] = {
    s.name: (Table(s.name, (), tuple(Column(f, TEXT, required=f in s.key) for f in s.read), child_details=False),
             FORMAT)
    for s in SPECS.values()
}
# Canonical table -> what says a CMS export holds the same record, with the child (readers.SAME_RECORD).
SAME_RECORD = {"children": None, "contacts": "contact_date", "referrals": "referral_date",
               "assessments": "assessment_start_date", "s47": "s47_start_date", "cin_plans": "cin_plan_start_date",
               "cp_plans": "cpp_start_date", "early_help": "eh_start_date", "visits": "visit_date"}
_KEYS = {name: frozenset(norm(f) for f in s.key) for name, s in SPECS.items()}

# The outcome JSON's flags (SSD field guidance: "all keys in structure regardless of data
# presence"), most telling first: the assessment outcome is the first whose flag is set.
_ASSESSMENT_FLAGS = (
    ("STRATEGY_DISCUSSION_FLAG", "s47"),
    *((f, "csc") for f in ("PROV_OF_SERVICES_FLAG", "PROV_OF_SB_CARE_FLAG", "CLA_REQUEST_FLAG", "LEGAL_ACTION_FLAG",
                           "PRIVATE_FOSTERING_FLAG", "SPECIALIST_ASSESSMENT_FLAG")),
    ("REFERRAL_TO_OTHER_AGENCY_FLAG", "other_agency"),
    ("NFA_FLAG", "nfa"), ("NFA_S47_END_FLAG", "nfa"),
)
_YES = {"y", "yes", "true", "t", "1"}
_NO = {"n", "no", "false", "f", "0"}
# `{ NFA_FLAG: "Y", ... }` as the field guidance writes it (keys unquoted): key and value.
_PAIR = re.compile(r'"?([A-Za-z_][A-Za-z0-9_]*)"?\s*:\s*(?:"([^"]*)"|([^,}\s]*))')


def claim(rows: list[list[object]]) -> tuple[str, str] | None:
    """(SSD table, format) when one of a file's or sheet's first rows holds an SSD table's
    key fields: the package's `HEADING_FORMATS` hook."""
    for row in rows[:HEADER_SCAN_ROWS]:
        found = {norm(h) for h in row if h is not None and str(h).strip()}
        if hit := next((name for name, key in _KEYS.items() if key <= found), None):
            return hit, FORMAT
    return None


# --- the merge: SSD tables into canonical ones ----------------------------------------------

@dataclass
class _Part:
    got: _FileRead
    at: int                 # its place in got.found
    spec: Spec
    frame: pd.DataFrame     # the fields renamed (`Spec.fields`), provenance kept
    header: Header | None


@dataclass
class _Side:
    """The side tables, every file's rows together."""

    professionals: dict[str, str] | None = None
    departments: dict[str, str] | None = None
    involvements: pd.DataFrame | None = None
    icpc: pd.DataFrame | None = None
    reviews: pd.DataFrame | None = None
    unjoined: set[str] = field(default_factory=set)  # what is blank for a side table missing


def merge(reads: list[_FileRead], findings: Findings, as_of: dt.date | None = None) -> None:
    """Turn every SSD table read into the canonical table it feeds, joined with its side
    tables (`SPECS`); the side tables themselves leave the tables read."""
    as_of = as_of or dt.date.today()
    parts = []
    for got in reads:
        for at, (table, frame) in enumerate(got.found):
            if spec := SPECS.get(table):
                header = next((h for h in got.info.headers if h.table == table and h.file == got.info.name
                               and h.sheet == (frame["_sheet"].iloc[0] if len(frame) else h.sheet)), None)
                renamed = frame.rename(columns=spec.fields)
                parts.append(_Part(got, at, spec, renamed, header))
    side = _side(parts, findings, as_of)
    main = [p for p in parts if p.spec.feeds]
    if side.icpc is not None:
        _unmatched(side.icpc, [p.frame for p in main if p.spec.feeds == "s47"], "s47_id", findings,
                   "icpc_s47_enquiry_id", "ICPC's enquiry (with its child) is in no ssd_s47_enquiry file read; "
                   "the ICPC is not read")
    if side.reviews is not None:
        _unmatched(side.reviews, [p.frame for p in main if p.spec.feeds == "cp_plans"], "cppl_cp_plan_id",
                   findings, "cppr_cp_plan_id", "review's CP plan (with its child) is in no ssd_cp_plans file read; "
                   "the review is not read")
    for p in main:
        frame, headings = _canonical(p, side, findings, as_of)
        p.got.found[p.at] = (p.spec.feeds, frame)
        if p.header is not None:
            _relabel(p.header, p.spec, headings)
    for got in reads:  # the side tables have given what they hold
        got.found[:] = [(t, f) for t, f in got.found if not (t in SPECS and not SPECS[t].feeds)]
        got.info.tables = [SPECS[t].feeds or t if t in SPECS else t for t in got.info.tables]
    for what in sorted(side.unjoined):
        findings.add_one(quality.UNJOINED, what)


def _side(parts: list[_Part], findings: Findings, as_of: dt.date) -> _Side:
    from ..values import parse_dates, parse_ids

    def rows(name: str) -> pd.DataFrame | None:
        frames = [p.frame for p in parts if p.spec.name == name]
        return pd.concat(frames, ignore_index=True) if frames else None

    def lookup(name: str) -> dict[str, str] | None:
        frame = rows(name)
        if frame is None:
            return None
        ids = parse_ids(frame["id"]).values
        keep = ids.notna() & frame["name"].notna()
        return dict(zip(ids[keep].to_numpy(dtype=object), frame.loc[keep, "name"].to_numpy(dtype=object)))

    side = _Side(lookup("ssd_professionals"), lookup("ssd_department"))
    if (inv := rows("ssd_involvements")) is not None:
        inv["child_id"] = parse_ids(inv["child_id"]).values
        inv["_start"] = parse_dates(inv["start"], as_of).values
        inv["_end"] = parse_dates(inv["end"], as_of).values if "end" in inv else pd.NaT
        inv["worker"] = _worker(inv, "professional", side, findings, "invo_professional_id")
        inv["team"] = _team(inv.get("team"), side, inv.index)
        side.involvements = inv.dropna(subset=["child_id", "_start"])
    if (icpc := rows("ssd_initial_cp_conference")) is not None:
        icpc["_key"] = _key(icpc, "enquiry")
        _, made_plan = _from_outcome(SPECS["ssd_initial_cp_conference"], icpc, findings)
        icpc["icpc_led_to_cpp"] = _text(icpc.get("icpc_led_to_cpp"), icpc.index).fillna(made_plan)
        icpc["_date"] = parse_dates(icpc["icpc_date"], as_of).values
        side.icpc = icpc
    if (reviews := rows("ssd_cp_reviews")) is not None:
        reviews["_key"] = _key(reviews, "plan")
        reviews["_date"] = parse_dates(reviews["review"], as_of).values
        side.reviews = reviews
    return side


def _key(frame: pd.DataFrame, id_column: str) -> pd.Series:
    """The id and the child, as one join key (NA when either is blank): Mosaic's group
    working gives siblings one step id (domain-reference.md §7 pitfall 9)."""
    from ..values import parse_ids

    if id_column not in frame or "child_id" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype=_STR)
    return (parse_ids(frame[id_column]).values + "\x00" + parse_ids(frame["child_id"]).values).astype(_STR)


def _unmatched(side_rows: pd.DataFrame, mains: list[pd.DataFrame], id_column: str, findings: Findings,
               column: str, problem: str) -> None:
    """A side table's rows whose key (`_key`) no main table's row has: one finding each."""
    known = pd.concat([_key(f, id_column) for f in mains]) if mains else pd.Series(dtype=_STR)
    findings.add(side_rows, ~side_rows["_key"].isin(set(known.dropna())), column, quality.UNJOINED,
                 problem)


def _canonical(p: _Part, side: _Side, findings: Findings, as_of: dt.date) -> tuple[pd.DataFrame, dict[str, str]]:
    """The canonical frame of one SSD table read, and the fields (or side-table headings)
    that filled a column other than their own in `Spec.fields` -> that column."""
    f, spec = p.frame, p.spec
    headings: dict[str, str] = {}
    cols = [c for c in dict.fromkeys(spec.fields.values()) if c in f]
    out = f[["_file", "_sheet", *cols, "_row"]].copy()
    if spec.feeds == "children" and ("pers_gender" in f or "pers_sex" in f):
        gender = _per_value(f.get("pers_gender"), f.index, _nhs_gender)
        out["gender"] = gender.fillna(_text(f.get("pers_sex"), f.index))
        headings.update({g: "gender" for g in ("pers_gender", "pers_sex") if g in f})
    for desc, source in (("cont_contact_source_desc", "contact_source"),
                         ("cine_referral_source_desc", "referral_source")):
        if desc in f:  # the description where the code is blank
            out[source] = _text(f.get(source), f.index).fillna(f[desc])
            headings[desc] = source
    if spec.outcome in f or "cina_assessment_outcome_nfa" in f:
        column, values = _from_outcome(spec, f, findings)
        out[column] = values
        headings |= {h: column for h in (spec.outcome, "cina_assessment_outcome_nfa") if h in f}
    if spec.visit_type:
        out["visit_type"] = pd.Series(spec.visit_type, index=f.index, dtype=_STR)
    if spec.feeds == "s47":  # the SSD holds enquiries only: the strategy discussion that started one
        out["strategy_date"] = out["s47_start_date"]
        headings["s47e_s47_start_date (the strategy discussion's date)"] = "strategy_date"
        if side.icpc is not None:
            _join_icpc(out, f, side.icpc)
            headings |= {"ssd_initial_cp_conference.icpc_icpc_date": "icpc_date",
                         "ssd_initial_cp_conference.icpc_icpc_outcome_cp_flag": "icpc_led_to_cpp"}
        if "icpc_date" in out:  # an ICPC held was needed
            given = _text(out.get("icpc_not_required"), out.index)
            out["icpc_not_required"] = given.mask(given.isna() & out["icpc_date"].notna(), "N")
    if spec.feeds == "cp_plans" and side.reviews is not None:
        out["last_review_date"] = _latest_review(f, side.reviews, as_of)
        headings["ssd_cp_reviews.cppr_cp_review_date"] = "last_review_date"
    if spec.worker in f:
        out["worker"] = _worker(f, spec.worker, side, findings, spec.worker)
        if side.professionals is not None:
            headings[spec.worker] = "worker"
    if spec.team in f:
        out["team"] = _team(f[spec.team], side, f.index)
        headings[spec.team] = "team"
    wanted = [c for c in ("team", "worker") if c not in out]
    if wanted and spec.feeds in ("cp_plans", "early_help") and len(f):
        if side.involvements is None:
            side.unjoined.add("no ssd_involvements extract: CP plans have no team or worker, early help no team")
        else:
            found = _involved(out, spec, side.involvements, as_of)
            for c in wanted:
                out[c] = found[c]
                headings[f"ssd_involvements.{'invo_professional_team' if c == 'team' else 'invo_professional_id'}"] = c
    return out, headings


def _from_outcome(spec: Spec, f: pd.DataFrame, findings: Findings) -> tuple[str, pd.Series]:
    """The canonical column an outcome JSON fills, and its values (text)."""
    def answered(fl: dict[str, str]) -> bool:
        return any(v in ("Y", "N") for v in fl.values())

    if spec.feeds == "contacts":  # a new referral: led to one; any other flag answered: did not
        return "led_to_referral", _outcome(f, spec.outcome, findings, lambda fl: "Y" if fl.get(
            "NEW_REFERRAL_FLAG") == "Y" else "N" if answered(fl) else None)
    if spec.feeds == "referrals":
        nfa = _outcome(f, spec.outcome, findings, lambda fl: fl.get("NFA_FLAG") or None)
        return "referral_nfa", _text(f.get("referral_nfa"), f.index).fillna(nfa)
    if spec.feeds == "assessments":
        outcome = _outcome(f, spec.outcome, findings,
                           lambda fl: next((o for k, o in _ASSESSMENT_FLAGS if fl.get(k) == "Y"), None))
        nfa = _per_value(f.get("cina_assessment_outcome_nfa"), f.index,
                         lambda v: "nfa" if _yes_no(v) == "Y" else None)
        return "assessment_outcome", outcome.fillna(nfa)
    if spec.feeds == "s47":  # a conference asked for: one was needed; another outcome: not
        return "icpc_not_required", _outcome(f, spec.outcome, findings, lambda fl: "N" if fl.get(
            "CP_CONFERENCE_FLAG") == "Y" else "Y" if answered(fl) else None)
    return "icpc_led_to_cpp", _outcome(f, spec.outcome, findings, lambda fl: fl.get("CP_FLAG") or None)


def _outcome(frame: pd.DataFrame, column: str, findings: Findings, read) -> pd.Series:
    """`read(flags)` per row of an outcome JSON column, flags as {KEY: "Y" | "N" | ""}. A
    value that is no JSON object of flags is a finding at its first row and reads blank;
    the value itself is never quoted (its COMMENTS may name people)."""
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype=_STR)
    codes, uniques = factorize(frame[column])
    flags = [_parse_flags(str(u)) for u in uniques]
    bad = spread(np.array([fl is None for fl in flags], dtype=bool), codes, False, frame.index).to_numpy(dtype=bool)
    if bad.any():
        first = frame[bad].drop_duplicates(subset=[column])
        findings.add(first, None, column, quality.UNMAPPED_CODE,
                     "is not an SSD outcome (a JSON object of Y/N flags); read as blank")
    return spread([read(fl) if fl is not None else None for fl in flags], codes, None, frame.index, "str")


def _per_value(values: pd.Series | None, index: pd.Index, fn) -> pd.Series:
    """`fn` of each distinct value, spread back (text; NA stays NA)."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype=_STR)
    codes, uniques = factorize(values)
    return spread([fn(u) for u in uniques], codes, None, index, "str")


def _parse_flags(text: str) -> dict[str, str] | None:
    try:
        obj = json.loads(text)
    except ValueError:
        obj = None
    if isinstance(obj, list) and len(obj) == 1:  # FOR JSON PATH wraps one object in a list
        obj = obj[0]
    if isinstance(obj, dict):
        pairs = obj.items()
    elif text.strip().startswith("{") and (found := _PAIR.findall(text)):
        pairs = [(k, quoted or bare) for k, quoted, bare in found]
    else:
        return None
    return {str(k).upper(): _yes_no(v) for k, v in pairs if str(k).upper().endswith("_FLAG")}


def _yes_no(value: object) -> str:
    text = str(value).strip().lower() if value is not None and not isinstance(value, float) else ""
    if value is True or text in _YES:
        return "Y"
    if value is False or text in _NO:
        return "N"
    return ""


def _nhs_gender(code: object) -> str:
    """`pers_gender`'s two-digit codes (00 not known, 01 male, 02 female, 09 and the local
    10-99 other) as the one-digit codes the gender reader knows; other values as they are."""
    text = str(code).strip()
    if re.fullmatch(r"\d{2}", text):
        return {"00": "0", "01": "1", "02": "2"}.get(text, "9")
    return str(code)


def _text(values: pd.Series | None, index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype=_STR) if values is None else values.astype(_STR)


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None).astype(_STR)


def _worker(frame: pd.DataFrame, column: str, side: _Side, findings: Findings, heading: str) -> pd.Series:
    """Each row's worker: the professional its id names (blank, and a finding, for an id in
    no ssd_professionals; blank for all without one, said once)."""
    from ..values import parse_ids

    if side.professionals is None:
        if frame[column].notna().any():
            side.unjoined.add("no ssd_professionals extract: the SSD's worker ids name no one, so the SSD's "
                              "records have no worker")
        return pd.Series(pd.NA, index=frame.index, dtype=_STR)
    ids = parse_ids(frame[column]).values
    names = ids.map(side.professionals)
    findings.add(frame, ids.notna() & names.isna(), heading, quality.UNJOINED,
                 "worker id is in no ssd_professionals file read; the worker is blank")
    return _as_text(names)


def _team(values: pd.Series | None, side: _Side, index: pd.Index) -> pd.Series:
    """A team: the department its id names, else as written (an SSD team may be a name)."""
    from ..values import parse_ids

    if values is None:
        return pd.Series(pd.NA, index=index, dtype=_STR)
    if not side.departments:
        return values.astype(_STR)
    names = parse_ids(values).values.map(side.departments)
    return _as_text(names.where(names.notna(), values))


def _join_icpc(out: pd.DataFrame, f: pd.DataFrame, icpc: pd.DataFrame) -> None:
    """Each enquiry's ICPC (the earliest, if several): its date and whether it made a plan."""
    key = _key(f, "s47_id")
    first = icpc.dropna(subset=["_key"]).sort_values(["_date", "_row"], kind="stable", na_position="last")
    first = first.drop_duplicates("_key").set_index("_key")
    for column in ("icpc_date", "icpc_led_to_cpp"):
        if column in first:
            found = key.map(first[column])
            out[column] = _as_text(found)


def _latest_review(f: pd.DataFrame, reviews: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Each plan's latest review on or before the as-of date, as written; a plan whose
    reviews are all unreadable dates takes one, so normalise reports it."""
    key = _key(f, "cppl_cp_plan_id")
    dated = reviews[reviews["_date"].notna() & (reviews["_date"] <= pd.Timestamp(as_of))]
    latest = dated.sort_values("_date", kind="stable").drop_duplicates("_key", keep="last").set_index("_key")
    unreadable = reviews[reviews["_date"].isna() & reviews["review"].notna()].drop_duplicates("_key").set_index("_key")
    return _as_text(key.map(latest["review"])).fillna(_as_text(key.map(unreadable["review"])))


def _involved(out: pd.DataFrame, spec: Spec, inv: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per record, the team and worker of the child's involvement that overlaps it (the
    record from its start to its end, or to the as-of date while open; the latest-starting
    such involvement, started by the as-of date)."""
    from ..values import parse_dates, parse_ids

    start_col, end_col = {"cp_plans": ("cpp_start_date", "cpp_end_date"),
                          "early_help": ("eh_start_date", "eh_end_date")}[spec.feeds]
    limit = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    rec = pd.DataFrame({"child_id": parse_ids(out["child_id"]).values,
                        "s": parse_dates(out[start_col], as_of).values,
                        "e": parse_dates(out[end_col], as_of).values if end_col in out else pd.NaT,
                        "pos": np.arange(len(out))})
    rec["e"] = rec["e"].fillna(limit).clip(upper=limit)
    rec = rec.dropna(subset=["child_id", "s"])
    inv = inv[inv["_start"] <= pd.Timestamp(as_of)]
    pairs = rec.merge(inv[["child_id", "_start", "_end", "_row", "team", "worker"]], on="child_id")
    overlap = (pairs["_start"] < pairs["e"]) & (pairs["_end"].isna() | (pairs["_end"] > pairs["s"]))
    best = pairs[overlap].sort_values(["_start", "_row"], kind="stable").drop_duplicates("pos", keep="last")
    result = pd.DataFrame({c: pd.Series(pd.NA, index=out.index, dtype=_STR) for c in ("team", "worker")})
    where = out.index[best["pos"].to_numpy()]
    for c in ("team", "worker"):
        result.loc[where, c] = best[c].to_numpy(dtype=object)
    return result


def _relabel(header: Header, spec: Spec, headings: dict[str, str]) -> None:
    """The header row as the canonical table's (`inspect`, the warnings, the Data quality
    sheet): each field -> the column it fills, or what it is read for; the columns filled
    from a side table, or a second time from a field, as headings of their own
    ("ssd_cp_reviews.cppr_cp_review_date")."""
    mapping = {}
    for i, field_ in header.mapping.items():
        mapping[i] = spec.fields.get(field_) or headings.get(field_) or _ROLES.get(field_, "(read)")
    fields = set(header.mapping.values())
    for heading, column in headings.items():
        if heading not in fields and heading not in spec.read:
            header.headings.append(heading)
            mapping[len(header.headings) - 1] = column
    header.table, header.mapping = spec.feeds, mapping


# What a field read for a join (not a column of its own) is for, as `inspect` shows it.
_ROLES = {"cppl_cp_plan_id": "(joins ssd_cp_reviews)",
          "cine_referral_worker_id": "(worker id; no ssd_professionals)",
          "cina_assessment_worker_id": "(worker id; no ssd_professionals)",
          "s47e_s47_completed_by_worker_id": "(worker id; no ssd_professionals)",
          "cinp_cin_plan_worker_id": "(worker id; no ssd_professionals)",
          "earl_episode_worker_id": "(worker id; no ssd_professionals)"}
