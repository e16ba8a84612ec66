"""Synthetic export set for a fictional local authority (`ofsted-lists demo-data`).

Every child follows a coherent chronology: contacts → referrals → assessments →
strategy discussions / s47 enquiries → ICPCs → CP plans, with CIN plans after
assessments that conclude CSC support is needed (and as step-down from CP plans), and
early help episodes beside them (domain-reference.md §5). All of it is drawn in whole
numpy columns, so a million contacts take seconds; the same seed and arguments give
byte-identical files.

Dates are held as int64 day numbers since 1970-01-01; `BLANK` stands for an open end
or something that has not happened by `until`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from .codes import DISABILITY_CODES
from .errors import UsageError
from .schema import AS_GIVEN, TABLES

FORMATS = ("csv", "xlsx", "cin-xml", "ssd")
TABLE_ORDER = (
    "children", "disabilities", "contacts", "referrals", "assessments", "s47",
    "cin_plans", "cp_plans", "early_help", "visits", "orders",
)
CONTACTS_PER_CHILD = 6
BLANK = np.int64(1 << 40)
_EPOCH = dt.date(1970, 1, 1)
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial number of 1970-01-01
XLSX_MAX_ROWS = 1_048_575  # data rows under the header row
_CHUNK = 50_000  # rows converted to text at a time

# A frame: canonical column name → int64 day numbers (a date column) or a pyarrow
# string or dictionary-of-string array (everything else, identifiers included).
Frame = dict[str, "np.ndarray | pa.Array"]

# --- code sets and their (made-up but plausible) frequencies -----------------------

_DISABILITY_P = (0.06, 0.02, 0.04, 0.02, 0.12, 0.25, 0.03, 0.03, 0.12, 0.03, 0.25, 0.03)

_AGE_P = np.repeat([0.08, 0.04, 0.06, 0.05, 0.04, 0.035], [1, 4, 5, 2, 4, 2])  # under-1s, teenagers common
_GENDERS = ("1", "2", "9", "0")
_GENDER_P = (0.505, 0.48, 0.003, 0.012)
_ETHNICITIES = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)
_ETHNICITY_P = (
    0.62, 0.005, 0.005, 0.04, 0.005, 0.03, 0.01, 0.01, 0.025, 0.02, 0.035,
    0.01, 0.015, 0.01, 0.035, 0.005, 0.003, 0.02, 0.02, 0.077,
)
# CIN census contact/referral sources; police and schools are the commonest.
_SOURCES = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
    "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
)
_SOURCE_P = (
    0.04, 0.01, 0.01, 0.01, 0.19, 0.015, 0.03, 0.03, 0.01, 0.02, 0.03, 0.02,
    0.02, 0.04, 0.03, 0.02, 0.04, 0.29, 0.03, 0.05, 0.01, 0.035,
)
# The tool reads these two without configuration; richer local outcomes need a mapping.
_CONTACT_OUTCOMES = ("Referral", "No referral")
_STEP_DOWN_P = 0.2  # contacts with no referral that the front door steps down to early help
_NEEDS = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9")
_NEED_P = (0.55, 0.02, 0.04, 0.10, 0.15, 0.03, 0.005, 0.025, 0.08)
_NEED_P_DISABLED = (0.30, 0.45, 0.03, 0.07, 0.08, 0.02, 0.0, 0.01, 0.04)
_OUTCOMES = ("nfa", "other_agency", "csc", "s47")
_OUTCOME_P = (0.28, 0.20, 0.27, 0.25)
_OUTCOME_P_DISABLED = (0.12, 0.14, 0.52, 0.22)
_CATEGORIES = ("NEG", "EMO", "PHY", "SAB", "MUL")
_CATEGORY_P = (0.50, 0.35, 0.08, 0.04, 0.03)
# Closure after plans or services; RC1 (adopted) and RC2 (died) are left out because
# the child's later records would then contradict them.
_PLAN_CLOSURES = ("RC7", "RC3", "RC4", "RC5", "RC6")
_PLAN_CLOSURE_P = (0.80, 0.04, 0.04, 0.10, 0.02)
_EH_TYPES = ("Early Help Assessment", "CAF", "TAF", "Targeted Family Support")
_EH_TYPE_P = (0.60, 0.15, 0.20, 0.05)
_LEAD_ORGS = (
    "St Mary's Primary School", "Oakfield Academy", "Riverside Primary School",
    "Northgate High School", "Health Visiting", "School Nursing", "Family Hub",
    "Youth Service", "Children's Centre", "Short Breaks Service", "Portage Service",
)
_LEAD_ORG_P = (0.14, 0.12, 0.10, 0.08, 0.14, 0.06, 0.20, 0.06, 0.06, 0.02, 0.02)
_LEAD_ORG_P_DISABLED = (0.08, 0.06, 0.06, 0.05, 0.10, 0.05, 0.14, 0.04, 0.04, 0.24, 0.14)
_CWD = "Children with Disabilities Team"
_ASSESSMENT_TEAMS = ("Assessment Team 1", "Assessment Team 2", "Assessment Team 3", _CWD)
_CIN_TEAMS = ("Child in Need Team 1", "Child in Need Team 2", _CWD)
_CP_TEAMS = ("Child Protection Team 1", "Child Protection Team 2", _CWD)
_EH_TEAMS = ("Early Help Hub", "Family Hub North", "Family Hub South", "Family Hub Central")
_S47_OUTCOMES = (
    "Strategy discussion - no s47 enquiry", "Concerns not substantiated",
    "Concerns substantiated - no ICPC", "Awaiting ICPC", "ICPC - child protection plan",
    "ICPC - no plan",
)


# The earliest `until`: the oldest child's birth, 18 years and the 3 years of activity
# before it, still lies in the dates the tool reads (window.FIRST_DATE, 1677-09-22).
EARLIEST_UNTIL = dt.date(1700, 1, 1)


def generate(
    out_dir: Path,
    *,
    seed: int = 1,
    children: int = 2000,
    contacts: int | None = None,
    until: dt.date | None = None,
    years: float = 3.0,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
    with_returns: bool = False,
) -> dict[str, int]:
    """Write a synthetic export set (one file per table) into `out_dir`; rows per table.

    `until` (default today) is the last day of activity; events span `years` before it.
    Without `contacts` a child has about six contacts; with it, the number of children
    grows to keep that proportion. `with_returns` adds the children in care: the SSDA903
    files of each collection year (always CSV, the return's form) and the local tables of
    Lists 8–11 (`demo_returns`). Existing files of these tables in `out_dir` (in either
    format) are replaced so that the folder reads as exactly this set.
    """
    if fmt not in FORMATS:
        raise UsageError(f"demo-data format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, not {fmt!r}")
    if seed < 0:
        raise UsageError("demo-data seed must be 0 or more")
    if children < 1:
        raise UsageError("demo-data needs at least one child")
    if contacts is not None and contacts < 0:
        raise UsageError("demo-data contacts cannot be negative")
    if not years > 0:
        raise UsageError("demo-data years must be more than 0")
    until = until or dt.date.today()
    if contacts is None:
        contacts = CONTACTS_PER_CHILD * children
    else:
        children = max(children, contacts // CONTACTS_PER_CHILD)
    say = progress or (lambda _message: None)

    say(f"generating {children:,} children and {contacts:,} contacts")
    frames = build(seed=seed, children=children, contacts=contacts, until=until, years=years,
                   with_returns=with_returns)
    returns = {name: frames.pop(name) for name in list(frames) if name.startswith(_RETURN_PREFIX)}
    local = {name: frames.pop(name) for name in _LOCAL_TABLES if name in frames}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(out_dir)
    if fmt == "cin-xml":
        from . import demo_cin

        say(f"writing {demo_cin.XML_NAME} and the CSVs of what the census lacks")
        counts = demo_cin.write(frames, out_dir, until)
    elif fmt == "ssd":
        from . import demo_ssd

        say("writing the SSD extracts (ssd_*.csv) and the CSV of what the SSD lacks")
        counts = demo_ssd.write(frames, out_dir, until)
    else:
        counts = {}
        for name in TABLE_ORDER:
            frame = frames.pop(name)  # free each table once written
            counts[name] = _rows(frame)
            say(f"writing {name} ({counts[name]:,} rows)")
            _write(frame, out_dir, name, fmt, until)
    # The local tables follow the format (CSV beside the census and the SSD, as their CMS exports).
    for name, frame in local.items():
        counts[name] = _rows(frame)
        say(f"writing {name} ({counts[name]:,} rows)")
        _write(frame, out_dir, name, "xlsx" if fmt == "xlsx" else "csv", until)
    if returns:
        say(f"writing the SSDA903 files of {len(returns) // 8} collection years")
    for stem, frame in returns.items():
        table = f"ssda903 {stem.split('_', 2)[2]}"
        counts[table] = counts.get(table, 0) + _rows(frame)
        if _rows(frame):  # a year with no adoption (say) has no ad1 file, rather than an empty one
            write_csv(frame, out_dir / f"{stem}.csv")
    return counts


def _write(frame: Frame, out_dir: Path, name: str, fmt: str, until: dt.date) -> None:
    if fmt == "csv":
        write_csv(frame, out_dir / f"{name}.csv")
    else:
        write_xlsx(frame, out_dir, name, created=until)


# --- generation ---------------------------------------------------------------------


@dataclass
class _Ctx:
    seed: int
    until: int  # day number
    start: int  # first day of activity
    n: int  # children

    def rng(self, stage: str) -> np.random.Generator:
        # One stream per stage, so changing one stage leaves the others' draws alone.
        return np.random.default_rng([self.seed, _STAGES.index(stage)])


_STAGES = (
    "children", "disabilities", "contacts", "referrals", "assessments", "s47", "cp_plans",
    "cin_plans", "early_help", "closures", "workers", "other_la", "visits", "orders",
    # demo_returns' (--with-returns), after the others so that those draw as before
    "care", "placements", "short_breaks", "care_leavers", "adoption", "adopters", "returns_misc",
)
_RETURN_PREFIX = "ssda903_"  # demo_returns' 903 files: ssda903_2024-25_episodes.csv, …
_LOCAL_TABLES = ("care_leavers", "health_checks", "permanence_plans", "adopters")


@dataclass
class _People:
    ids: pa.Array
    kind: np.ndarray  # 0 born, 1 unborn, 2 born with only the expected date of birth recorded
    birth: np.ndarray  # date of birth, else expected date of birth
    status: np.ndarray  # disability: 0 disabled, 1 unknown (blank), 2 none
    code1: np.ndarray  # disabled children's codes (index into DISABILITY_CODES) …
    code2: np.ndarray  # … and a second one, 12 for none
    source: np.ndarray  # where the codes are: 0 children only, 1 both, 2 disabilities only
    active: np.ndarray  # first day the child can have records (pre-birth work included)

    @property
    def disabled(self) -> np.ndarray:
        return self.status == 0


def build(*, seed: int, children: int, contacts: int, until: dt.date, years: float,
          with_returns: bool = False) -> dict[str, Frame]:
    """Every table as a frame (see `Frame`), in canonical column order; with `with_returns`
    also the local tables of Lists 8–11 and the 903 files (by file stem, 903 columns)."""
    u = (until - _EPOCH).days
    ctx = _Ctx(seed, u, u - max(1, round(years * 365.25)), children)
    people, children_frame = _children(ctx)
    frames: dict[str, Frame] = {"children": children_frame, "disabilities": _disabilities(ctx, people)}
    ev = _events(ctx, people, contacts)
    frames.update(ev.frames)
    returns: dict[str, Frame] = {}
    if with_returns:
        from . import demo_returns

        returns = demo_returns.build(ctx, people, ev, frames)
    names = TABLE_ORDER + tuple(n for n in _LOCAL_TABLES if n in returns)
    for name in names:
        frame = frames.get(name, returns.get(name))
        assert list(frame) == [c for c in TABLES[name].column_names if c not in AS_GIVEN.get(name, ())], name
    return {name: frames[name] for name in TABLE_ORDER} | returns


def _children(ctx: _Ctx) -> tuple[_People, Frame]:
    rng, n, u = ctx.rng("children"), ctx.n, ctx.until
    kind = rng.choice(3, n, p=[0.972, 0.022, 0.006])
    age = rng.choice(18, n, p=_AGE_P / _AGE_P.sum())
    # 18 years are at least 6574 days, so 6573 days back keeps every child under 18.
    back = np.minimum((age + rng.random(n)) * 365.25, 6573).astype(np.int64)
    dob = np.where(kind == 0, u - back, BLANK)
    born = np.flatnonzero(kind == 0)
    year = (_EPOCH + dt.timedelta(days=u)).year
    leap_days = [
        (dt.date(y, 2, 29) - _EPOCH).days
        for y in range(year - 18, year + 1)
        if y % 4 == 0 and (y % 100 or y % 400 == 0) and 0 <= u - (dt.date(y, 2, 29) - _EPOCH).days <= 6573
    ]
    if leap_days and born.size:
        picks = rng.choice(born, min(2, born.size), replace=False)
        dob[picks] = rng.choice(leap_days, picks.size)
    edd = np.full(n, BLANK)
    edd[kind == 1] = u + rng.integers(7, 190, (kind == 1).sum())
    edd[kind == 2] = u - rng.integers(1, 300, (kind == 2).sum())
    birth = np.where(kind == 0, dob, edd)
    # Pre-birth work (from about 20 weeks before birth, inside the 40 weeks the tool
    # allows) for unborn children and a few others.
    pre_birth = np.where(kind == 0, np.where(rng.random(n) < 0.1, 140, 0), 196)
    active = np.minimum(np.maximum(ctx.start, birth - pre_birth), u)

    gender = rng.choice(len(_GENDERS), n, p=_GENDER_P)
    gender[kind == 1] = rng.choice(4, (kind == 1).sum(), p=[0.05, 0.05, 0.0, 0.90])
    ethnicity = rng.choice(len(_ETHNICITIES), n, p=np.divide(_ETHNICITY_P, sum(_ETHNICITY_P)))
    ethnicity[(kind == 1) & (rng.random(n) < 0.6)] = _ETHNICITIES.index("NOBT")

    # Unborn children's disability is left blank (CIN census guidance).
    status = rng.choice(3, n, p=[0.125, 0.10, 0.775])
    status[kind == 1] = 1
    code1 = rng.choice(12, n, p=_DISABILITY_P)
    code2 = rng.choice(12, n, p=_DISABILITY_P)
    code2 = np.where(code2 == code1, (code1 + 1 + rng.integers(0, 11, n)) % 12, code2)
    code2[rng.random(n) >= 0.3] = 12  # 12 = no second code
    source = rng.choice(3, n, p=[0.55, 0.30, 0.15])
    disabled = status == 0
    labels = ["", "NONE"] + [
        ",".join(DISABILITY_CODES[c] for c in (a, b) if c < 12) for a in range(12) for b in range(13)
    ] + [f"NONE,{c}" for c in DISABILITY_CODES]
    value = np.where(status == 2, 1, 0)
    shown = disabled & (source < 2)
    value[shown] = 2 + code1[shown] * 13 + code2[shown]
    # A handful of spurious NONEs beside a real code (CIN rule 8790 breaches).
    candidates = np.flatnonzero(shown & (code2 == 12))
    spurious = candidates[rng.random(candidates.size) < 0.02]
    if candidates.size and not spurious.size:
        spurious = candidates[:1]
    value[spurious] = 2 + 12 * 13 + code1[spurious]

    ids = _ids("C", np.arange(1, n + 1), 7)
    frame: Frame = {
        "child_id": ids,
        "dob": dob,
        "expected_dob": edd,
        "gender": _labels(_GENDERS, gender),
        "ethnicity": _labels(_ETHNICITIES, ethnicity),
        "disability": _labels(labels, value, value == 0),
    }
    return _People(ids, kind, birth, status, code1, code2, source, active), frame


def _disabilities(ctx: _Ctx, people: _People) -> Frame:
    """Long-form codes: current rows for some disabled children, plus ended codes."""
    rng, u, n = ctx.rng("disabilities"), ctx.until, ctx.n
    birth = people.birth
    long_form = people.disabled & (people.source > 0)
    first = np.flatnonzero(long_form)
    second = first[people.code2[first] < 12]
    # An ended code beside current ones, or the only code of a child no longer disabled.
    extra = np.flatnonzero(long_form & (u - birth >= 2) & (rng.random(n) < 0.15))
    former = np.flatnonzero((people.status == 2) & (u - birth >= 730) & (rng.random(n) < 0.02))
    ended = np.concatenate([extra, former])
    ended_code = rng.choice(12, ended.size, p=_DISABILITY_P)
    clash = (ended_code == people.code1[ended]) & np.isin(ended, extra)
    clash |= (ended_code == people.code2[ended]) & np.isin(ended, extra)
    ended, ended_code = ended[~clash], ended_code[~clash]

    child = np.concatenate([first, second, ended])
    code = np.concatenate([people.code1[first], people.code2[second], ended_code])
    span = u - birth[child]
    start = birth[child] + (rng.random(child.size) * span).astype(np.int64)
    is_ended = np.arange(child.size) >= first.size + second.size
    start[is_ended] = birth[child[is_ended]] + (rng.random(is_ended.sum()) * span[is_ended] * 0.6).astype(np.int64)
    end = np.full(child.size, BLANK)
    room = u - start[is_ended]  # ≥ 1 for children at least two years old
    end[is_ended] = start[is_ended] + 1 + rng.integers(0, np.maximum(room, 1))
    order = np.lexsort((start, child))
    return {
        "child_id": _labels(people.ids, child[order]),
        "disability_code": _labels(DISABILITY_CODES, code[order]),
        "start_date": start[order],
        "end_date": end[order],
    }


class _Events:
    """Arrays the stages hand on: one row per record, `*_child` a child's position,
    `*_ref` the referral (episode) a record belongs to."""

    def __init__(self, ctx: _Ctx, people: _People):
        self.ctx, self.people, self.u = ctx, people, ctx.until
        self.workers = _Workers(ctx)
        self.window = ctx.until - people.active + 1  # days each child can have records in
        self.frames: dict[str, Frame] = {}


def _events(ctx: _Ctx, people: _People, n_contacts: int) -> _Events:
    ev = _Events(ctx, people)
    _contacts(ev, n_contacts)
    for stage in (_referrals, _assessments, _s47, _cp_plans, _cin_plans, _closures, _early_help, _visits, _orders):
        stage(ev)
    return ev


def _contacts(ev: _Events, n_contacts: int) -> None:
    """Skewed per child (a few children far busier than most), police and schools commonest."""
    ctx, people, u, rng = ev.ctx, ev.people, ev.u, ev.ctx.rng("contacts")
    window = ev.window
    weight = rng.gamma(0.8, size=ctx.n) * np.where(people.disabled, 1.3, 1.0) * window / (u - ctx.start + 1)
    p = weight / weight.sum()
    if n_contacts >= ctx.n:
        per_child = 1 + rng.multinomial(n_contacts - ctx.n, p)
    else:
        per_child = rng.multinomial(n_contacts, p)
    child = np.repeat(np.arange(ctx.n), per_child)
    date = people.active[child] + (rng.random(child.size) * window[child]).astype(np.int64)
    weekday = (date + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weekend_moved = (weekday >= 5) & (rng.random(child.size) < 0.7)
    date = np.where(weekend_moved, np.maximum(date - (weekday - 4), people.active[child]), date)
    order = np.lexsort((date, child))
    child, date = child[order], date[order]
    # Two approaches about one incident on one day (e.g. police and school).
    same_day = np.flatnonzero((rng.random(child.size) < 0.03)[1:] & (child[1:] == child[:-1])) + 1
    date[same_day] = date[same_day - 1]
    order = np.lexsort((child, date))
    child, date = child[order], date[order]
    n = child.size
    source = rng.choice(len(_SOURCES), n, p=np.divide(_SOURCE_P, sum(_SOURCE_P)))
    led = rng.random(n) < np.where(people.disabled[child], 0.34, 0.30)
    unrecorded = rng.random(n) < 0.03  # left for the tool to derive
    ev.c_child, ev.c_date, ev.c_source, ev.c_led = child, date, source, led
    ev.c_step_down = ~led & (rng.random(n) < _STEP_DOWN_P)
    ev.frames["contacts"] = {
        "contact_id": _ids("CT", np.arange(1, n + 1), 8),
        "child_id": _labels(people.ids, child),
        "contact_date": date,
        "contact_source": _labels(_SOURCES, source),
        "led_to_referral": _labels(("Y", "N"), np.where(led, 0, 1), unrecorded),
        "contact_outcome": _labels(_CONTACT_OUTCOMES, np.where(led, 0, 1), unrecorded),
        "team": _labels(("Front Door", "MASH"), (rng.random(n) < 0.3).astype(np.int64)),
        "worker": _labels(ev.workers.names, ev.workers.front_door(n)),
    }


def _referrals(ev: _Events) -> None:
    """On the contact day or a few days later; one per child per day. The frame is made
    by `_closures`, once the episodes' ends are known."""
    rng = ev.ctx.rng("referrals")
    lead = np.flatnonzero(ev.c_led)
    child = ev.c_child[lead]
    date = np.minimum(ev.c_date[lead] + rng.choice(6, lead.size, p=[0.6, 0.2, 0.08, 0.06, 0.04, 0.02]), ev.u)
    source = ev.c_source[lead]
    order = np.lexsort((date, child))
    keep = np.ones(order.size, bool)
    keep[1:] = (child[order][1:] != child[order][:-1]) | (date[order][1:] != date[order][:-1])
    order = order[keep]
    order = order[np.lexsort((child[order], date[order]))]
    ev.r_child, ev.r_date, ev.r_source = child[order], date[order], source[order]
    n = order.size
    disabled = ev.people.disabled[ev.r_child]
    ev.nfa = rng.random(n) < 0.15
    ev.need = np.where(
        disabled, rng.choice(9, n, p=_NEED_P_DISABLED), rng.choice(9, n, p=np.divide(_NEED_P, sum(_NEED_P)))
    )
    ev.need_blank = ev.nfa & (rng.random(n) < 0.2)
    ev.r_cwd = disabled & (rng.random(n) < 0.5)  # the episode is worked by the disabilities team
    ev.r_worker = ev.workers.social(n)


def _assessments(ev: _Events) -> None:
    """After most non-NFA referrals; authorised within 45 working days mostly."""
    rng, u = ev.ctx.rng("assessments"), ev.u
    ev.assessed = np.flatnonzero(~ev.nfa & (rng.random(ev.nfa.size) < 0.95))
    start = ev.r_date[ev.assessed] + rng.choice(8, ev.assessed.size, p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05])
    started = start <= u
    ev.not_started = ev.assessed[~started]
    ref, start = ev.assessed[started], start[started]
    order = np.lexsort((ev.r_child[ref], start))  # records numbered in date order
    ref, start = ref[order], start[order]
    n = ref.size
    child = ev.r_child[ref]
    working_days = np.where(rng.random(n) < 0.9, rng.integers(5, 46, n), rng.integers(46, 70, n))
    auth = _busday(start, working_days)
    auth[auth > u] = BLANK
    authorised = auth < BLANK
    disabled = ev.people.disabled[child]
    outcome = np.where(disabled, rng.choice(4, n, p=_OUTCOME_P_DISABLED), rng.choice(4, n, p=_OUTCOME_P))
    seen = rng.choice(3, n, p=[0.92, 0.06, 0.02])
    core = rng.random(n) < 0.05
    ev.a_ref, ev.a_child, ev.a_start, ev.a_auth, ev.a_outcome = ref, child, start, auth, outcome
    ev.authorised = authorised
    ev.frames["assessments"] = {
        "assessment_id": _ids("A", np.arange(1, n + 1), 7),
        "child_id": _labels(ev.people.ids, child),
        "assessment_start_date": start,
        "assessment_type": _labels(("Continuous Assessment", "Core Assessment"), core.astype(np.int64)),
        "authorisation_date": auth,
        "child_seen": _labels(("Y", "N", ""), seen, seen == 2),
        "assessment_outcome": _labels(_OUTCOMES, outcome, ~authorised),
        "team": _labels(_ASSESSMENT_TEAMS, np.where(ev.r_cwd[ref], 3, rng.integers(0, 3, n))),
        "worker": _labels(ev.workers.names, ev.r_worker[ref]),
    }


def _s47(ev: _Events) -> None:
    """Strategy discussions during assessments; most start an s47 enquiry, many an ICPC
    10–15 working days later. The frame waits for `_cp_plans` (which may overrule a plan)."""
    rng, u = ev.ctx.rng("s47"), ev.u
    na = ev.a_ref.size
    source = np.flatnonzero((ev.authorised & (ev.a_outcome == 3)) | (~ev.authorised & (rng.random(na) < 0.10)))
    limit = np.minimum(ev.a_auth[source], u)
    strategy = ev.a_start[source] + np.minimum(rng.integers(0, 8, source.size), limit - ev.a_start[source])
    order = np.lexsort((ev.a_child[source], strategy))
    source, strategy = source[order], strategy[order]
    n = source.size
    enquiry = rng.random(n) >= 0.15
    not_required = enquiry & (rng.random(n) < 0.40)
    needs_icpc = enquiry & ~not_required
    icpc_days = np.where(rng.random(n) < 0.85, rng.integers(10, 16, n), rng.integers(16, 26, n))
    icpc = np.where(needs_icpc, _busday(strategy, icpc_days), BLANK)  # never at a weekend
    ev.awaiting = needs_icpc & (icpc > u)
    icpc[ev.awaiting] = BLANK
    ev.s_ref = ev.a_ref[source]
    ev.s_child = ev.r_child[ev.s_ref]
    ev.s_strategy = strategy
    ev.s_start = np.where(enquiry, np.minimum(strategy + (rng.random(n) < 0.2), u), BLANK)
    ev.enquiry, ev.not_required, ev.s_icpc, ev.held = enquiry, not_required, icpc, icpc < BLANK
    ev.led_cpp = ev.held & (rng.random(n) < 0.8)
    ev.s_team = np.where(ev.r_cwd[ev.s_ref], 3, rng.integers(0, 3, n))
    ev.s_substantiated = rng.random(n) < 0.4


def _cp_plans(ev: _Events) -> None:
    """From ICPCs that made a plan, starting on the ICPC date; a child already on a plan
    gets no second one (CIN rule 8935), so that ICPC is recorded as making none."""
    rng, u = ev.ctx.rng("cp_plans"), ev.u
    plan_s47 = np.flatnonzero(ev.led_cpp)
    child, start = ev.s_child[plan_s47], ev.s_icpc[plan_s47]
    median = np.where(ev.people.disabled[child], 330, 260)
    end = start + np.maximum(30, rng.lognormal(np.log(median), 0.6)).astype(np.int64)
    end[end > u] = BLANK
    keep = _non_overlapping(child, start, end)
    ev.led_cpp[plan_s47[~keep]] = False
    plan_s47, child, start, end = plan_s47[keep], child[keep], start[keep], end[keep]
    order = np.lexsort((child, start))
    plan_s47, child, start, end = plan_s47[order], child[order], start[order], end[order]
    n = plan_s47.size
    ref = ev.s_ref[plan_s47]
    initial = rng.choice(5, n, p=_CATEGORY_P)
    latest = np.where(rng.random(n) < 0.85, initial, rng.choice(5, n, p=_CATEGORY_P))
    # Reviews within 3 months, then every 6; a plan ends at a review conference.
    elapsed = np.minimum(end, u) - start
    last_offset = 90 + 182 * ((elapsed - 90) // 182) - rng.integers(0, 10, n)
    review = np.where(elapsed >= 90, _busday(start + last_offset, 0, roll="backward"), BLANK)
    review = np.where(end < BLANK, end, review)
    ev.p_child, ev.p_start, ev.p_end, ev.p_ref = child, start, end, ref
    team = np.where(ev.r_cwd[ref], 2, rng.integers(0, 2, n))
    # The LA's own count of earlier plans, as the CIN census gives it: the demo's earlier own plans.
    previous = _earlier(child, start).astype(str).astype(object)
    o_child, o_start, o_end = _other_la_plans(ev, child)
    m = o_child.size
    o_cat = ev.ctx.rng("other_la").choice(5, m, p=_CATEGORY_P)
    ola = np.r_[np.ones(n, np.int64), np.zeros(m, np.int64)]
    child, start, end = np.r_[child, o_child], np.r_[start, o_start], np.r_[end, o_end]
    order = np.lexsort((child, start))  # all plans in date order, another LA's among them
    own = ola[order] == 1
    ev.frames["cp_plans"] = {
        "child_id": _labels(ev.people.ids, child[order]),
        "cpp_start_date": start[order],
        "cpp_end_date": end[order],
        "initial_category": _labels(_CATEGORIES, np.r_[initial, o_cat][order]),
        "latest_category": _labels(_CATEGORIES, np.r_[latest, o_cat][order]),
        "last_review_date": np.r_[review, np.full(m, BLANK)][order],
        "ola": _labels(("Y", "N"), ola[order]),
        # Another LA's plan has no count of this LA's, team or worker.
        "previous_cp_plans": pa.array(np.r_[previous, np.full(m, None, object)][order], pa.string()),
        "team": _labels(_CP_TEAMS, np.r_[team, np.zeros(m, np.int64)][order], ~own),
        "worker": _labels(ev.workers.names, np.r_[ev.r_worker[ref], np.zeros(m, np.int64)][order], ~own),
    }

    s_outcome = np.select(
        [~ev.enquiry, ev.not_required & ~ev.s_substantiated, ev.not_required, ev.awaiting, ev.led_cpp],
        [0, 1, 2, 3, 4],
        5,
    )
    ev.frames["s47"] = {
        "s47_id": _ids("S", np.arange(1, ev.s_ref.size + 1), 7),
        "child_id": _labels(ev.people.ids, ev.s_child),
        "strategy_date": ev.s_strategy,
        "s47_start_date": ev.s_start,
        "icpc_not_required": _labels(("Y", "N"), np.where(ev.not_required, 0, 1), ~ev.enquiry),
        "icpc_date": ev.s_icpc,
        "icpc_led_to_cpp": _labels(("Y", "N"), np.where(ev.led_cpp, 0, 1), ~ev.held),
        "outcome": _labels(_S47_OUTCOMES, s_outcome),
        "team": _labels(_ASSESSMENT_TEAMS, ev.s_team),
        "worker": _labels(ev.workers.names, ev.r_worker[ev.s_ref]),
    }


def _other_la_plans(ev: _Events, own_child: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plans another LA made before the child came here (`ola` yes): about one in eight
    children on a plan here had one, started after birth and ended before the child's
    first record here (so none overlaps this LA's work)."""
    rng, people = ev.ctx.rng("other_la"), ev.people
    kids = np.unique(own_child)
    room = people.active[kids] - people.birth[kids]  # days from birth to the first record here
    chosen = (room >= 120) & (rng.random(kids.size) < 0.125)
    kids, room = kids[chosen], room[chosen]
    start = people.birth[kids] + (rng.random(kids.size) * (room - 90)).astype(np.int64)
    end = np.minimum(start + 30 + rng.integers(0, 300, kids.size), people.active[kids] - 1)
    return kids, start, end


def _cin_plans(ev: _Events) -> None:
    """After "csc" assessments, after s47 enquiries that made no CP plan, and as step-down
    from ended CP plans; one at a time and never beside a CP plan (CIN rules 4001, 4004)."""
    rng, u = ev.ctx.rng("cin_plans"), ev.u
    from_assessment = np.flatnonzero(ev.authorised & (ev.a_outcome == 2))
    from_s47 = np.flatnonzero((ev.not_required | (ev.held & ~ev.led_cpp)) & (rng.random(ev.s_ref.size) < 0.5))
    step_down = np.flatnonzero((ev.p_end < BLANK) & (rng.random(ev.p_ref.size) < 0.5))
    child = np.concatenate([ev.a_child[from_assessment], ev.s_child[from_s47], ev.p_child[step_down]])
    start = np.concatenate([
        ev.a_auth[from_assessment] + rng.integers(0, 15, from_assessment.size),
        np.where(ev.held[from_s47], ev.s_icpc[from_s47], ev.s_start[from_s47] + rng.integers(5, 20, from_s47.size)),
        ev.p_end[step_down],
    ])
    ref = np.concatenate([ev.a_ref[from_assessment], ev.s_ref[from_s47], ev.p_ref[step_down]])
    keep = start <= u
    child, start, ref = child[keep], start[keep], ref[keep]
    median = np.where(ev.people.disabled[child], 420, 200)  # disabled children's support lasts
    end = start + np.maximum(14, rng.lognormal(np.log(median), 0.7)).astype(np.int64)
    end[end > u] = BLANK
    child, start, end, ref = _one_at_a_time(ev, child, start, end, ref)
    n = child.size
    ev.n_child, ev.n_start, ev.n_end, ev.n_ref = child, start, end, ref
    ev.frames["cin_plans"] = {
        "child_id": _labels(ev.people.ids, child),
        "cin_plan_start_date": start,
        "cin_plan_end_date": end,
        "team": _labels(_CIN_TEAMS, np.where(ev.r_cwd[ref], 2, rng.integers(0, 2, n))),
        "worker": _labels(ev.workers.names, ev.r_worker[ref]),
    }


def _one_at_a_time(ev: _Events, child, start, end, *more):
    """Drop records starting during a CP plan, end the rest when a CP plan or the child's
    next record of the same kind starts, drop any left with no length; date order."""
    keep = ~_starts_inside(child, start, ev.p_child, ev.p_start, ev.p_end)
    child, start, end, *more = (a[keep] for a in (child, start, end, *more))
    end = np.minimum(end, _next_start(child, start, ev.p_child, ev.p_start))
    end = np.minimum(end, _next_in_child(child, start))
    keep = end > start
    child, start, end, *more = (a[keep] for a in (child, start, end, *more))
    order = np.lexsort((child, start))
    return tuple(a[order] for a in (child, start, end, *more))


def _closures(ev: _Events) -> None:
    """The referrals frame: an episode closes when the last thing it led to ended."""
    rng, u = ev.ctx.rng("closures"), ev.u
    n, nfa = ev.r_child.size, ev.nfa
    closed = np.where(nfa, np.minimum(ev.r_date + rng.integers(0, 4, n), u), BLANK)
    unassessed = ~nfa
    unassessed[ev.assessed] = False
    closed[unassessed] = ev.r_date[unassessed] + rng.integers(3, 30, unassessed.sum())
    closed[ev.a_ref] = np.where(ev.authorised, ev.a_auth + rng.integers(0, 8, ev.a_ref.size), BLANK)
    closed[ev.not_started] = BLANK
    s47_done = np.where(ev.awaiting, BLANK, np.where(ev.held, ev.s_icpc, ev.s_strategy))
    np.maximum.at(closed, ev.s_ref, s47_done)
    np.maximum.at(closed, ev.p_ref, ev.p_end)
    np.maximum.at(closed, ev.n_ref, ev.n_end)
    closed[closed > u] = BLANK
    result = np.full(n, -1)
    result[ev.a_ref] = np.where(ev.authorised, ev.a_outcome, -1)
    no_action = nfa | (result == 0) | ((result == 1) & (rng.random(n) < 0.6))
    reason = np.where(no_action, len(_PLAN_CLOSURES), rng.choice(len(_PLAN_CLOSURES), n, p=_PLAN_CLOSURE_P))
    reasons = _PLAN_CLOSURES + ("RC8",)  # RC8: case closed after assessment, no further action
    ev.frames["referrals"] = {
        "referral_id": _ids("R", np.arange(1, n + 1), 7),
        "child_id": _labels(ev.people.ids, ev.r_child),
        "referral_date": ev.r_date,
        "referral_source": _labels(_SOURCES, ev.r_source),
        "referral_nfa": _labels(("Y", "N"), np.where(nfa, 0, 1)),
        "primary_need": _labels(_NEEDS, ev.need, ev.need_blank),
        "closure_date": closed,
        "closure_reason": _labels(reasons, reason, closed == BLANK),
        "team": _labels(
            ("Front Door", "Assessment Team 1", "Assessment Team 2", _CWD),
            np.where(ev.r_cwd, 3, rng.choice(3, n, p=[0.6, 0.2, 0.2])),
        ),
        "worker": _labels(ev.workers.names, ev.r_worker, rng.random(n) < 0.03),  # a few unallocated
    }


def _early_help(ev: _Events) -> None:
    """Step-down from contacts and assessments, and families' own requests (more often
    for disabled children); none starts while the child is on a CP plan."""
    rng, u, people = ev.ctx.rng("early_help"), ev.u, ev.people
    from_contact = np.flatnonzero(ev.c_step_down & (rng.random(ev.c_child.size) < 0.5))
    from_assessment = np.flatnonzero(ev.authorised & (ev.a_outcome == 1) & (rng.random(ev.a_ref.size) < 0.5))
    own = rng.poisson(np.where(people.disabled, 0.6, 0.2) * ev.window / (u - ev.ctx.start + 1))
    own_child = np.repeat(np.arange(ev.ctx.n), own)
    child = np.concatenate([ev.c_child[from_contact], ev.a_child[from_assessment], own_child])
    start = np.concatenate([
        ev.c_date[from_contact] + rng.integers(0, 22, from_contact.size),
        ev.a_auth[from_assessment] + rng.integers(0, 15, from_assessment.size),
        people.active[own_child] + (rng.random(own_child.size) * ev.window[own_child]).astype(np.int64),
    ])
    keep = start <= u
    child, start = child[keep], start[keep]
    median = np.where(people.disabled[child], 250, 160)
    end = start + np.maximum(14, rng.lognormal(np.log(median), 0.6)).astype(np.int64)
    end[end > u] = BLANK
    child, start, end = _one_at_a_time(ev, child, start, end)
    n = child.size
    org = np.where(
        people.disabled[child],
        rng.choice(len(_LEAD_ORGS), n, p=_LEAD_ORG_P_DISABLED),
        rng.choice(len(_LEAD_ORGS), n, p=_LEAD_ORG_P),
    )
    ev.frames["early_help"] = {
        "child_id": _labels(people.ids, child),
        "eh_start_date": start,
        "eh_end_date": end,
        "eh_type": _labels(_EH_TYPES, rng.choice(len(_EH_TYPES), n, p=_EH_TYPE_P)),
        "lead_organisation": _labels(_LEAD_ORGS, org),
        "team": _labels(_EH_TEAMS, rng.integers(0, len(_EH_TEAMS), n)),
        "worker": _labels(ev.workers.names, ev.workers.early_help(n)),
    }


def _every(start: np.ndarray, stop: np.ndarray, step: int, jitter: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(record, date) of visits every `step` days from each record's `start` (the first
    within `jitter` days of it) up to its `stop`, both days included."""
    per = np.maximum(0, (stop - start) // step + 1)
    record = np.repeat(np.arange(start.size), per)
    k = np.arange(record.size) - np.repeat(np.cumsum(per) - per, per)
    date = start[record] + k * step + rng.integers(0, jitter + 1, record.size)
    keep = date <= stop[record]
    return record[keep], date[keep]


def _visits(ev: _Events) -> None:
    """Statutory child protection visits every ten working days or so of a CP plan, and
    CIN visits every six weeks of a CIN plan, by the plan's worker; now and then a second
    visit the same day (a joint visit), one of the two with the child seen alone. Only the
    last year's, as an LA exports them for the lists (a full history would be the largest
    table by far, and the lists look no further back than the plans open in that year)."""
    rng, u = ev.ctx.rng("visits"), ev.u
    first = u - VISITS_DAYS
    cp, cp_date = _every(ev.p_start, np.minimum(ev.p_end, u), 14, 3, rng)
    cin, cin_date = _every(ev.n_start, np.minimum(ev.n_end, u), 42, 7, rng)
    recent = cp_date >= first
    cp, cp_date = cp[recent], cp_date[recent]
    recent = cin_date >= first
    cin, cin_date = cin[recent], cin_date[recent]
    child = np.r_[ev.p_child[cp], ev.n_child[cin]]
    date = np.r_[cp_date, cin_date]
    kind = np.r_[np.zeros(cp.size, np.int64), np.ones(cin.size, np.int64)]  # 0 cp, 1 cin
    worker = np.r_[ev.r_worker[ev.p_ref[cp]], ev.r_worker[ev.n_ref[cin]]]
    n = child.size
    seen = rng.choice(3, n, p=[0.92, 0.06, 0.02])  # Y, N, blank
    alone = np.where(seen == 1, 1, rng.choice(3, n, p=[0.55, 0.35, 0.10]))  # not seen: not seen alone
    twice = np.flatnonzero((kind == 0) & (seen == 0) & (rng.random(n) < 0.03))
    child, date, kind, worker = (np.r_[a, a[twice]] for a in (child, date, kind, worker))
    seen = np.r_[seen, seen[twice]]
    alone = np.r_[alone, np.where(alone[twice] == 0, 1, 0)]  # the other one of the pair alone
    n = child.size
    # A cp visit is statutory unless recorded otherwise; CIN visits leave it blank.
    statutory = np.where(kind == 0, (rng.random(n) < 0.04).astype(np.int64), 0)
    order = np.lexsort((alone, child, date))
    ev.frames["visits"] = {
        "child_id": _labels(ev.people.ids, child[order]),
        "visit_date": date[order],
        "visit_type": _labels(("cp", "cin"), kind[order]),
        "child_seen": _labels(("Y", "N", ""), seen[order], seen[order] == 2),
        "seen_alone": _labels(("Y", "N", ""), alone[order], alone[order] == 2),
        "statutory": _labels(("Y", "N"), statutory[order], kind[order] == 1),
        "worker": _labels(ev.workers.names, worker[order]),
    }


VISITS_DAYS = 366  # the visits export reaches a year back from `until`
_ORDER_TYPES = ("Emergency Protection Order", "Police Protection", "Interim Care Order")


def _orders(ev: _Events) -> None:
    """Emergency protection orders (up to 8 days) and police protection (up to 3 days)
    around some s47 enquiries' strategy discussions, more often where a CP plan followed;
    an interim care order follows a third of the EPOs (an order that is neither)."""
    rng, u = ev.ctx.rng("orders"), ev.u
    ns = ev.s_ref.size
    pick = np.flatnonzero(ev.enquiry & (rng.random(ns) < np.where(ev.led_cpp, 0.25, 0.03)))
    child = ev.s_child[pick]
    start = np.maximum(ev.s_strategy[pick] - rng.integers(0, 2, pick.size), ev.people.active[child])
    kind = (rng.random(pick.size) < 0.4).astype(np.int64)  # 0 EPO, 1 police protection
    end = start + np.where(kind == 0, rng.integers(1, 9, pick.size), rng.integers(0, 4, pick.size))
    care = np.flatnonzero((kind == 0) & (end < u) & (rng.random(pick.size) < 1 / 3))
    child = np.r_[child, child[care]]
    start = np.r_[start, end[care]]
    end = np.r_[end, end[care] + rng.integers(30, 200, care.size)]
    kind = np.r_[kind, np.full(care.size, 2)]
    keep = start <= u
    child, start, end, kind = child[keep], start[keep], end[keep], kind[keep]
    end[end > u] = BLANK  # still in force
    order = np.lexsort((kind, child, start))
    ev.frames["orders"] = {
        "child_id": _labels(ev.people.ids, child[order]),
        "order_type": _labels(_ORDER_TYPES, kind[order]),
        "start_date": start[order],
        "end_date": end[order],
    }


class _Workers:
    """Obviously fictional staff names ("Worker 0042"), drawn from pools sized to the LA;
    the draws are positions in `names`."""

    def __init__(self, ctx: _Ctx):
        self._rng = ctx.rng("workers")
        self._social = max(20, ctx.n // 15)
        self._front = max(4, self._social // 10)  # the first workers staff the front door
        family = max(8, ctx.n // 60)
        self.names = pa.concat_arrays([
            _ids("Worker ", np.arange(1, self._social + 1), 4),
            _ids("Family Worker ", np.arange(1, family + 1), 3),
        ])

    def social(self, n: int) -> np.ndarray:
        return self._rng.integers(self._front, self._social, n)

    def front_door(self, n: int) -> np.ndarray:
        return self._rng.integers(0, self._front, n)

    def early_help(self, n: int) -> np.ndarray:
        return self._rng.integers(self._social, len(self.names), n)


# --- column helpers -----------------------------------------------------------------


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded number, built in Arrow (no Python string per row)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _earlier(group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """How many rows of the same group start earlier (a tie counted by row order)."""
    order = np.lexsort((start, group))  # by group, then start
    g = group[order]
    first = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1] if g.size else np.zeros(0, np.int64)
    rank = np.arange(g.size) - np.repeat(first, np.diff(np.r_[first, g.size]))
    out = np.empty(g.size, np.int64)
    out[order] = rank
    return out


def _labels(values, index: np.ndarray, blank: np.ndarray | None = None) -> pa.DictionaryArray:
    """values[index], null where `blank`, kept as indices into `values` until written."""
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(index, np.int32), mask=blank), values)


def _busday(days: np.ndarray, offset, roll: str = "forward") -> np.ndarray:
    return np.busday_offset(days.astype("datetime64[D]"), offset, roll=roll).astype(np.int64)


def _key(child: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Child-major, day-minor sort key (any day within ±2**31)."""
    return (child.astype(np.int64) << 32) | (day + _DAY_SHIFT)


_DAY_SHIFT = 1 << 31


def _next_in_child(child: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Start of the same child's next record (BLANK for the last); ties count as next."""
    order = np.lexsort((start, child))
    nxt = np.full(child.size, BLANK)
    same = child[order][1:] == child[order][:-1]
    nxt_sorted = np.where(same, start[order][1:], BLANK)
    nxt[order[:-1]] = nxt_sorted
    return nxt


def _next_start(child: np.ndarray, start: np.ndarray, o_child: np.ndarray, o_start: np.ndarray) -> np.ndarray:
    """Start of the child's first other-kind record that starts after `start` (else BLANK)."""
    if not o_child.size:
        return np.full(child.size, BLANK)
    other = np.sort(_key(o_child, o_start))
    pos = np.searchsorted(other, _key(child, start), side="right")
    hit = other[np.minimum(pos, other.size - 1)]
    same = (pos < other.size) & (hit >> 32 == child)
    return np.where(same, (hit & 0xFFFFFFFF) - _DAY_SHIFT, BLANK)


def _starts_inside(child, start, o_child, o_start, o_end) -> np.ndarray:
    """Whether `start` falls in [o_start, o_end) of one of the child's (non-overlapping) others."""
    if not o_child.size:
        return np.zeros(child.size, bool)
    key = _key(o_child, o_start)
    order = np.argsort(key, kind="stable")
    key, o_end = key[order], o_end[order]
    pos = np.searchsorted(key, _key(child, start), side="right") - 1
    valid = (pos >= 0) & (key[np.maximum(pos, 0)] >> 32 == child)
    return valid & (start < o_end[np.maximum(pos, 0)])


def _non_overlapping(child: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Mask keeping, per child, only records that start after the previous kept one ended."""
    keep = np.ones(child.size, bool)
    while True:  # a pass per level of nesting: a handful at most
        idx = np.flatnonzero(keep)
        idx = idx[np.lexsort((start[idx], child[idx]))]
        clash = (child[idx][1:] == child[idx][:-1]) & (start[idx][1:] < end[idx][:-1])
        if not clash.any():
            return keep
        keep[idx[1:][clash]] = False


def _rows(frame: Frame) -> int:
    return len(next(iter(frame.values())))


# --- writers ------------------------------------------------------------------------


def _remove_previous(out_dir: Path) -> None:
    for name in TABLE_ORDER + _LOCAL_TABLES:
        parts = [p for p in out_dir.glob(f"{name}_*.xlsx") if p.stem[len(name) + 1:].isdigit()]
        for path in [out_dir / f"{name}.csv", out_dir / f"{name}.xlsx", *parts]:
            if path.is_file():
                path.unlink()
    from .demo_ssd import FILES

    # demo_cin's and demo_ssd's own files
    for name in ("cin_census.xml", "strategy_discussions.csv", *(f"{f}.csv" for f in FILES)):
        if (out_dir / name).is_file():
            (out_dir / name).unlink()
    for path in out_dir.glob(f"{_RETURN_PREFIX}*_*.csv"):  # demo_returns' 903 files
        path.unlink()


def write_csv(frame: Frame, path: Path) -> None:
    """UTF-8, comma-separated, ISO dates, quotes only where a value needs them."""
    n = _rows(frame)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(frame) + "\n")
        for begin in range(0, n, _CHUNK):  # chunks keep the text of a big table out of memory
            size = min(_CHUNK, n - begin)
            cells = [_csv_cells(values, begin, size) for values in frame.values()]
            out.write("\n".join(pc.binary_join_element_wise(*cells, ",").to_pylist()) + "\n")


def _csv_cells(values: np.ndarray | pa.Array, begin: int, size: int) -> pa.Array:
    if isinstance(values, np.ndarray):
        return pc.fill_null(pc.cast(_dates(values[begin:begin + size]), pa.string()), "")
    text = _text(values.slice(begin, size))
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(pc.match_substring_regex(text, r'[",\r\n]'), quoted, text), "")


def _text(values: pa.Array) -> pa.Array:
    return values.dictionary_decode() if isinstance(values, pa.DictionaryArray) else values


def _dates(days: np.ndarray) -> pa.Array:
    blank = days >= BLANK
    return pa.array(np.where(blank, 0, days).astype(np.int32), mask=blank).cast(pa.date32())


def write_xlsx(frame: Frame, out_dir: Path, name: str, *, created: dt.date) -> list[Path]:
    """One sheet named after the table; a table too long for one sheet goes on in
    `<name>_2.xlsx`, … (SPEC §3 concatenates several files of one table)."""
    n = _rows(frame)
    paths = []
    for part, first in enumerate(range(0, max(n, 1), XLSX_MAX_ROWS), start=1):
        path = out_dir / (f"{name}.xlsx" if part == 1 else f"{name}_{part}.xlsx")
        last = min(n, first + XLSX_MAX_ROWS)
        book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        )
        # A fixed creation time keeps the file byte-identical between runs.
        book.set_properties({"created": dt.datetime.combine(created, dt.time())})
        sheet = book.add_worksheet(name)
        bold, date_format = book.add_format({"bold": True}), book.add_format({"num_format": "dd/mm/yyyy"})
        is_date = [isinstance(v, np.ndarray) for v in frame.values()]
        for col, (heading, date) in enumerate(zip(frame, is_date)):
            sheet.set_column(col, col, 12 if date else max(12, len(heading) + 2))
            sheet.write_string(0, col, heading, bold)
        row = 1
        for begin in range(first, last, _CHUNK):
            size = min(_CHUNK, last - begin)
            columns = []
            for values, date in zip(frame.values(), is_date):
                if date:
                    part_days = values[begin:begin + size]
                    serial = pa.array((part_days + _EXCEL_EPOCH_OFFSET).astype(np.float64), mask=part_days >= BLANK)
                    columns.append(serial.to_pylist())
                else:
                    columns.append(values.slice(begin, size).to_pylist())
            for record in zip(*columns):  # xlsxwriter takes a cell at a time, in row order
                for col, value in enumerate(record):
                    if value is None:
                        continue
                    if is_date[col]:
                        sheet.write_number(row, col, value, date_format)
                    else:
                        sheet.write_string(row, col, value)
                row += 1
        book.close()
        paths.append(path)
    return paths
