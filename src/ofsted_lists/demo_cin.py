"""The synthetic LA of `demo` written as the DfE CIN census XML (annex-a-full.md §4.2),
with CSV exports of what the census does not hold (SPEC §3.5): contacts, early help,
visits, orders and strategy discussions that started no enquiry.

What the census cannot carry is left out, as a real census would leave it: team and
worker, record ids, the assessment's type, child-seen and outcome, the s47 outcome and
whether the ICPC made a plan, the strategy discussion's own date (the census has only the
enquiry's start), the dates of disability records (`Disability` is undated), and CP plans
of another LA (the census holds the LA's own plans).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa

from . import demo

XML_NAME = "cin_census.xml"
# Tables the census holds nothing of: written as the CMS export they would come from.
CSV_TABLES = ("contacts", "early_help", "visits", "orders")
STRATEGY_ONLY = "strategy_discussions"  # s47 rows with no enquiry, as a CSV of the s47 table
# From the 2024-25 census `Sex` (M/F/U) replaces `GenderCurrent` (1/2/0/9) (annex-a-full §4.1).
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}
_SEX_FROM = dt.date(2024, 4, 1)


def collection_year(until: dt.date) -> int:
    """The census year a collection ending after `until` is named by (2025-26 -> 2026)."""
    return until.year + (until >= dt.date(until.year, 4, 1))


def write(frames: dict[str, demo.Frame], out_dir: Path, until: dt.date) -> dict[str, int]:
    """Write `cin_census.xml` and the CSVs into `out_dir`; rows per table, as `demo.generate`."""
    counts = {name: demo._rows(frames[name]) for name in demo.TABLE_ORDER}
    s47 = _text(frames["s47"])
    strategy_only = s47[s47["s47_start_date"] == ""]
    for name in CSV_TABLES:
        demo.write_csv(frames[name], out_dir / f"{name}.csv")
    demo.write_csv({c: pa.array(strategy_only[c]) for c in strategy_only.columns},
                   out_dir / f"{STRATEGY_ONLY}.csv")
    tables = {name: _text(frames[name]) for name in ("children", "disabilities", "referrals", "assessments",
                                                     "cin_plans", "cp_plans")}
    tables["s47"] = s47[s47["s47_start_date"] != ""]
    tables["cp_plans"] = tables["cp_plans"][tables["cp_plans"]["ola"] != "Y"]
    with open(out_dir / XML_NAME, "w", encoding="utf-8", newline="\n") as out:
        for chunk in _message(tables, until):
            out.write(chunk)
    return counts


def _text(frame: demo.Frame) -> pd.DataFrame:
    """Every column as text, dates ISO, blanks as ""."""
    out = {}
    for name, values in frame.items():
        if isinstance(values, np.ndarray):
            values = demo._dates(values).cast(pa.string())
        else:
            values = demo._text(values)
        out[name] = values.to_pandas().fillna("").astype(object)
    return pd.DataFrame(out)


def _el(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else ""


def _yes_no(value: str) -> str:
    return {"Y": "1", "N": "0"}.get(value.upper(), "")


def _episode(referrals: pd.DataFrame, events: pd.DataFrame, date: str) -> np.ndarray:
    """Per event, the position in `referrals` of the child's episode of need it belongs to:
    the latest referral on or before the event's date, else the child's first."""
    if events.empty:
        return np.zeros(0, dtype=np.int64)
    refs = pd.DataFrame({"child_id": referrals["child_id"].to_numpy(dtype=object), "at": pd.to_datetime(referrals["referral_date"]),
                         "pos": np.arange(len(referrals))}).sort_values("at", kind="stable")
    ev = pd.DataFrame({"child_id": events["child_id"].to_numpy(dtype=object), "at": pd.to_datetime(events[date]),
                       "order": np.arange(len(events))}).sort_values("at", kind="stable")
    hit = pd.merge_asof(ev, refs, on="at", by="child_id", direction="backward")
    first = refs.drop_duplicates("child_id").set_index("child_id")["pos"]
    pos = hit["pos"].fillna(hit["child_id"].map(first)).fillna(-1).astype(np.int64)
    out = np.empty(len(events), dtype=np.int64)
    out[hit["order"].to_numpy()] = pos.to_numpy()
    return out


def _message(t: dict[str, pd.DataFrame], until: dt.date) -> Iterator[str]:
    year = collection_year(until)
    yield ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Message><Header><CollectionDetails>"
           f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{until.isoformat()}</ReferenceDate>"
           "</CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>999</LEA>"
           "<SoftwareCode>ofsted-lists demo-data</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo>"
           f"<DateTime>{until.isoformat()}T00:00:00</DateTime></Source></Header><Children>\n")
    refs = t["referrals"].reset_index(drop=True)
    nested = {name: defaultdict(list) for name in ("assessments", "cin_plans", "s47", "cp_plans")}
    for name, date in (("assessments", "assessment_start_date"), ("cin_plans", "cin_plan_start_date"),
                       ("s47", "s47_start_date"), ("cp_plans", "cpp_start_date")):
        frame = t[name].reset_index(drop=True)
        for pos, row in zip(_episode(refs, frame, date), frame.itertuples(index=False)):
            nested[name][int(pos)].append(row)
    episodes: dict[str, list[int]] = defaultdict(list)
    for pos, child in enumerate(refs["child_id"]):
        episodes[child].append(pos)
    codes: dict[str, list[str]] = defaultdict(list)
    for child, code in zip(t["disabilities"]["child_id"], t["disabilities"]["disability_code"]):
        codes[child].append(code)
    sex = until >= _SEX_FROM
    ref_rows = list(refs.itertuples(index=False))
    for child in t["children"].itertuples(index=False):
        all_codes = [c for c in child.disability.split(",") if c] + codes.get(child.child_id, [])
        gender = (_el("Sex", _SEX.get(child.gender, "")) if sex else _el("GenderCurrent", child.gender))
        parts = ["<Child><ChildIdentifiers>", _el("LAchildID", child.child_id), _el("PersonBirthDate", child.dob),
                 _el("ExpectedPersonBirthDate", child.expected_dob), gender, "</ChildIdentifiers>",
                 "<ChildCharacteristics>", _el("Ethnicity", child.ethnicity)]
        if all_codes:
            parts += ["<Disabilities>", *(_el("Disability", c) for c in dict.fromkeys(all_codes)), "</Disabilities>"]
        parts.append("</ChildCharacteristics>")
        for pos in episodes.get(child.child_id, []):
            parts.append(_details(ref_rows[pos], {name: nested[name].get(pos, []) for name in nested}))
        parts.append("</Child>\n")
        yield "".join(parts)
    yield "</Children></Message>\n"


def _details(r, inner: dict[str, list]) -> str:
    """One `CINdetails`: the episode of need and what happened in it, in the schema's order."""
    parts = ["<CINdetails>", _el("CINreferralDate", r.referral_date), _el("ReferralSource", r.referral_source),
             _el("PrimaryNeedCode", r.primary_need), _el("CINclosureDate", r.closure_date),
             _el("ReasonForClosure", r.closure_reason)]
    for a in inner["assessments"]:
        parts += ["<Assessments>", _el("AssessmentActualStartDate", a.assessment_start_date),
                  _el("AssessmentAuthorisationDate", a.authorisation_date), "</Assessments>"]
    for p in inner["cin_plans"]:
        parts += ["<CINPlanDates>", _el("CINPlanStartDate", p.cin_plan_start_date),
                  _el("CINPlanEndDate", p.cin_plan_end_date), "</CINPlanDates>"]
    for s in inner["s47"]:
        parts += ["<Section47>", _el("S47ActualStartDate", s.s47_start_date), _el("DateOfInitialCPC", s.icpc_date),
                  _el("ICPCnotRequired", _yes_no(s.icpc_not_required)), "</Section47>"]
    parts.append(_el("ReferralNFA", _yes_no(r.referral_nfa)))
    for p in inner["cp_plans"]:
        parts += ["<ChildProtectionPlans>", _el("CPPstartDate", p.cpp_start_date), _el("CPPendDate", p.cpp_end_date),
                  _el("InitialCategoryOfAbuse", p.initial_category), _el("LatestCategoryOfAbuse", p.latest_category),
                  _el("NumberOfPreviousCPP", p.previous_cp_plans)]
        if p.last_review_date:
            parts += ["<Reviews>", _el("CPPreviewDate", p.last_review_date), "</Reviews>"]
        parts.append("</ChildProtectionPlans>")
    parts.append("</CINdetails>")
    return "".join(parts)
