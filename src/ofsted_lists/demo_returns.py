"""The synthetic LA's children in care (`demo-data --with-returns`): its SSDA903 return for
several collection years and the local tables Annex A Lists 8–11 read (SPEC §3, §9;
annex-a-full.md §2.8–§2.11, §3).

Care follows the chronology `demo` drew: a child comes into care after a referral, most
often when a CP plan ends or under an emergency protection order that an interim care order
follows (`orders`), teenagers also under section 20, a few as unaccompanied asylum seekers;
disabled children have short breaks (V3/V4). A period starts with an `S` episode and goes
on through `X1` ends (RNE P/L/T/U/B on the same day): legal status C1 → C2, V2, L1/L2 for
police protection and EPOs, E1 once a placement order is made; young children on the
adoption track have a should-be-placed decision, then a placement order, a match, an
A3–A6 placement and an adoption order (E11/E12), or the decision is reversed (RD1–RD4).
Care leavers are the young people who were looked after at 16 or later, with a few aged
18–20 who are added to `children` and `referrals` for the purpose.

Everything is drawn in whole numpy columns from rng stages of its own (the last of
`demo._STAGES`), so without `--with-returns` every other file is unchanged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import demo
from .demo import BLANK, Frame, _every, _ids, _labels, _non_overlapping, _rows

LOCAL_TABLES = demo._LOCAL_TABLES
RETURN_PREFIX = demo._RETURN_PREFIX
RETURN_TABLES = ("header", "episodes", "uasc", "reviews", "missing", "oc3", "ad1", "placed_for_adoption")
# The 903 columns of each file, in the return's order, then the local columns an export adds.
COLUMNS = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", "placement_la", "team", "worker"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END", "rhi_offered", "rhi_accepted"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED",
                            "family_id", "date_match"),
}
_EPOCH = dt.date(1970, 1, 1)
_SEX_FROM = dt.date(2024, 4, 1)  # 903 SEX: 1/2 before 2024-25, M/F/U from it
_K3_FROM = (dt.date(2024, 4, 1) - _EPOCH).days  # K3 (registered supported accommodation) from 2024-25

# Legal statuses (LS) and how a period's episodes are coded.
_LS = ("C1", "C2", "E1", "V2", "L1", "L2", "V3", "V4")
C1, C2, E1, V2, L1, L2, V3, V4 = range(8)
_PLACES = ("U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "K3", "A3", "A4", "A5", "A6")
_FOSTER_P = (0.06, 0.02, 0.07, 0.55, 0.05, 0.25)
_K2, _R1, _K3, _A3, _A4, _A5, _A6 = 6, 7, 8, 9, 10, 11, 12
_PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
_CIN = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
_CIN_P = (0.62, 0.03, 0.03, 0.15, 0.06, 0.03, 0.02, 0.06)
# REC: how a period ends (X1 is not an end); a general draw, then the routes' own.
_REC = ("X1", "E11", "E12", "E4A", "E13", "E41", "E45", "E46", "E3", "E8", "E17")
_X1, _E11, _E12, _E4A, _E17, _E8, _E3 = 0, 1, 2, 3, 10, 9, 8
_END_REC_P = (0, 0, 0, 0.42, 0.1, 0.05, 0.12, 0.05, 0.04, 0.22, 0)
_MOVE_REASONS = ("CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE", "OTHER")
_MOVE_P = (0.22, 0.05, 0.03, 0.12, 0.02, 0.1, 0.06, 0.08, 0.12, 0.1, 0.1)
_RNE = ("S", "L", "P", "T", "B", "U")
# Placements: in the LA (postcode area DM) or in a neighbouring one (fictional areas).
_LAS = ("Demoshire", "Northshire", "Westvale", "Eastborough")
_AREAS = ("DM", "QN", "QW", "QE")
_LA_P = (0.68, 0.14, 0.1, 0.08)
_CLA_TEAMS = ("Children in Care Team 1", "Children in Care Team 2", demo._CWD)
_LEAVING_CARE = "Leaving Care Team"
_ROUTE_CARE, _ROUTE_EPO, _ROUTE_EPO_ONLY, _ROUTE_PP, _ROUTE_S20, _ROUTE_UASC = range(6)


def build(ctx, people, ev, frames: dict[str, Frame]) -> dict[str, Frame]:
    """The local tables and the 903 files (by file stem) of the LA `demo.build` drew; adds
    the care leavers aged 18–20 to `children` and `referrals`, and CLA and IRO visits to
    `visits`, in `frames`."""
    care = _Care(ctx, people, ev, frames)
    out: dict[str, Frame] = {name: getattr(care, name)() for name in LOCAL_TABLES}
    frames["visits"] = care.visits()
    care.extend_children(frames)
    out.update(care.returns())
    return out


def _years(first: int, last: int) -> list[tuple[str, int, int]]:
    """(label, first day, last day) of each collection year (1 April–31 March) from the one
    holding day `first` to the one holding `last`; the last ends at `last` (in-year)."""
    d0, d1 = _EPOCH + dt.timedelta(days=int(first)), _EPOCH + dt.timedelta(days=int(last))
    y = d0.year - (d0 < dt.date(d0.year, 4, 1))
    out = []
    while dt.date(y, 4, 1) <= d1:
        start, end = (dt.date(y, 4, 1) - _EPOCH).days, (dt.date(y + 1, 3, 31) - _EPOCH).days
        out.append((f"{y}-{str(y + 1)[2:]}", start, min(end, int(last))))
        y += 1
    return out


def _birthday(birth: np.ndarray, years: int) -> np.ndarray:
    """The day of the `years`-th birthday (29 February's is 1 March in common years)."""
    b = birth.astype("datetime64[D]")
    month = b.astype("datetime64[M]")
    return ((month + 12 * years).astype("datetime64[D]") + (b - month.astype("datetime64[D]"))).astype(np.int64)


def _series(first: np.ndarray, count: np.ndarray, lo: int, hi: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(group, day) of `count[g]` days per group from `first[g]`, `lo`–`hi` days apart."""
    group = np.repeat(np.arange(first.size), count)
    gap = rng.integers(lo, hi, group.size)
    starts = np.cumsum(count) - count
    gap[starts[count > 0]] = 0
    total = np.cumsum(gap)
    return group, first[group] + total - total[np.repeat(starts, count)]


def _uniform(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day in [lo, hi] each (lo where hi < lo)."""
    return lo + (rng.random(lo.size) * (np.maximum(hi - lo, 0) + 1)).astype(np.int64)


def _ddmmyyyy(days: np.ndarray) -> pa.Array:
    """903 dates: DD/MM/YYYY, null for BLANK."""
    return pc.strftime(demo._dates(np.asarray(days, np.int64)).cast(pa.timestamp("s")), format="%d/%m/%Y")


def _codes(values, index: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    return _labels(values, index, blank).dictionary_decode()


class _Care:
    """Periods of care and everything drawn from them. Positions index the people: the
    demo's children, then the care leavers aged 18–20 added here."""

    def __init__(self, ctx, people, ev, frames: dict[str, Frame]):
        self.ctx, self.ev, self.u = ctx, ev, ctx.until
        self.frames = frames
        self.rng = ctx.rng("care")
        self.n = ctx.n
        self._older(people)
        self._periods()
        self._short_breaks()
        self._episodes()

    # --- people -------------------------------------------------------------------------

    def _older(self, people) -> None:
        """Young people of 18–20 who left care at 18 within the years drawn: each has a
        referral before coming into care at 14–17 (the demo's children are all under 18)."""
        rng, u, start = self.rng, self.u, self.ctx.start
        m = max(1, round(self.n * 0.004))
        eighteenth = _uniform(rng, np.full(m, start + 240), np.full(m, u - 1))
        birth = eighteenth - 6574  # about 18 years; the exact birthday follows from it
        birth = birth - (_birthday(birth, 18) - eighteenth)
        came = _uniform(rng, np.maximum(start + 60, _birthday(birth, 14)), eighteenth - 180)
        self.o_birth, self.o_came = birth, came
        self.o_referral = np.maximum(came - rng.integers(5, 60, m), start)
        self.m = m
        self.birth = np.r_[people.birth, birth]
        self.disabled = np.r_[people.disabled, np.zeros(m, bool)]
        self.ids = pa.concat_arrays([people.ids, _ids("C", np.arange(self.n + 1, self.n + m + 1), 7)])
        kids = self.frames["children"]
        gender = np.r_[kids["gender"].indices.to_numpy(zero_copy_only=False), rng.choice(2, m)]  # 1, 2
        self.gender = np.asarray(gender, np.int64)  # index into demo._GENDERS
        eth = rng.choice(len(demo._ETHNICITIES), m, p=np.divide(demo._ETHNICITY_P, sum(demo._ETHNICITY_P)))
        self.ethnicity = np.r_[np.asarray(kids["ethnicity"].indices.to_numpy(zero_copy_only=False), np.int64), eth]

    def extend_children(self, frames: dict[str, Frame]) -> None:
        """The care leavers aged 18–20 as children and referrals rows (closed when care ended)."""
        rng, m, n = self.ctx.rng("care_leavers"), self.m, self.n
        kids = frames["children"]
        frames["children"] = {
            "child_id": self.ids,
            "dob": np.r_[kids["dob"], self.o_birth],
            "expected_dob": np.r_[kids["expected_dob"], np.full(m, BLANK)],
            "gender": _labels(demo._GENDERS, self.gender),
            "ethnicity": _labels(demo._ETHNICITIES, self.ethnicity),
            "disability": pa.concat_arrays([demo._text(kids["disability"]),
                                            _codes(("", "NONE"), np.ones(m, np.int64), rng.random(m) < 0.3)]),
        }
        ref = frames["referrals"]
        nr = _rows(ref)
        closed = self.o_left
        frames["referrals"] = {
            "referral_id": pa.concat_arrays([ref["referral_id"], _ids("R", np.arange(nr + 1, nr + m + 1), 7)]),
            "child_id": pa.concat_arrays([demo._text(ref["child_id"]),
                                          _codes(self.ids, np.arange(n, n + m))]),
            "referral_date": np.r_[ref["referral_date"], self.o_referral],
            "referral_source": pa.concat_arrays([demo._text(ref["referral_source"]),
                                                 _codes(demo._SOURCES, rng.choice([6, 17, 12], m))]),
            "referral_nfa": pa.concat_arrays([demo._text(ref["referral_nfa"]), _codes(("N",), np.zeros(m, np.int64))]),
            "primary_need": pa.concat_arrays([demo._text(ref["primary_need"]),
                                              _codes(demo._NEEDS, rng.choice([0, 3, 7], m, p=[0.6, 0.3, 0.1]))]),
            "closure_date": np.r_[ref["closure_date"], closed],
            "closure_reason": pa.concat_arrays([demo._text(ref["closure_reason"]),
                                                _codes(("RC7",), np.zeros(m, np.int64), closed >= BLANK)]),
            "team": pa.concat_arrays([demo._text(ref["team"]), _codes(("Assessment Team 1",), np.zeros(m, np.int64))]),
            "worker": pa.concat_arrays([demo._text(ref["worker"]), _codes(self.ev.workers.names, self.o_worker)]),
        }

    # --- periods ------------------------------------------------------------------------

    def _periods(self) -> None:
        """Who comes into care when, by which route, and when each period ends."""
        rng, ev, u = self.rng, self.ev, self.u
        n = self.n
        birth = self.birth
        orders = self.frames["orders"]
        o_child = np.asarray(orders["child_id"].indices.to_numpy(zero_copy_only=False), np.int64)
        o_kind = np.asarray(orders["order_type"].indices.to_numpy(zero_copy_only=False), np.int64)
        o_start, o_end = orders["start_date"], orders["end_date"]
        # An ICO follows an EPO on the day it ends: the EPO (L2) starts the period, C1 from the ICO.
        epo, ico = np.flatnonzero(o_kind == 0), np.flatnonzero(o_kind == 2)
        epo_key = demo._key(o_child[epo], np.minimum(o_end[epo], u + 1))
        order = np.argsort(epo_key, kind="stable")
        pos = np.minimum(np.searchsorted(epo_key[order], demo._key(o_child[ico], o_start[ico])), max(epo.size - 1, 0))
        follows = epo.size > 0
        matched = epo[order][pos] if follows else np.zeros(ico.size, np.int64)
        ok = follows & (epo_key[order][pos] == demo._key(o_child[ico], o_start[ico])) if follows else np.zeros(ico.size, bool)
        epo_after = np.zeros(o_kind.size, bool)
        epo_after[matched[ok]] = True
        # Accommodated under police protection or an EPO that no ICO followed: half of them.
        short = np.flatnonzero((o_kind < 2) & ~epo_after & (o_end < BLANK) & (rng.random(o_kind.size) < 0.5))
        cp = np.flatnonzero((ev.p_end < BLANK) & (rng.random(ev.p_end.size) < 0.14))
        age = (ev.r_date - birth[ev.r_child]) / 365.25
        teen = np.flatnonzero(~ev.nfa & (age >= 12) & (age < 17.5) & (rng.random(age.size) < 0.035))
        uasc = np.flatnonzero((age >= 14) & (age < 17.5) & (rng.random(age.size) < 0.01))
        child = np.concatenate([o_child[ico], o_child[short], ev.p_child[cp], ev.r_child[teen], ev.r_child[uasc],
                                np.arange(n, n + self.m)])
        start = np.concatenate([
            np.where(ok, o_start[matched], o_start[ico]), o_start[short], ev.p_end[cp],
            ev.r_date[teen] + rng.integers(0, 30, teen.size), ev.r_date[uasc] + rng.integers(0, 8, uasc.size),
            self.o_came,
        ])
        route = np.concatenate([
            np.where(ok, _ROUTE_EPO, _ROUTE_CARE), np.where(o_kind[short] == 0, _ROUTE_EPO_ONLY, _ROUTE_PP),
            np.full(cp.size, _ROUTE_CARE), np.full(teen.size, _ROUTE_S20), np.full(uasc.size, _ROUTE_UASC),
            np.where(rng.random(self.m) < 0.5, _ROUTE_S20, _ROUTE_CARE),
        ])
        # The ICO's dates (C1 from its start, C2 from its end) for the EPO route.
        ico_start = np.concatenate([o_start[ico], np.full(child.size - ico.size, BLANK)])
        ico_end = np.concatenate([o_end[ico], np.full(child.size - ico.size, BLANK)])
        fixed_end = np.concatenate([np.full(ico.size, BLANK), o_end[short] + (o_end[short] == o_start[short]),
                                    np.full(child.size - ico.size - short.size, BLANK)])
        first_ref = np.full(n + self.m, BLANK)
        np.minimum.at(first_ref, np.r_[ev.r_child, np.arange(n, n + self.m)], np.r_[ev.r_date, self.o_referral])
        keep = (start <= u - 1) & (start >= birth[child]) & (start >= self.ctx.start) & (first_ref[child] <= start)
        child, start, route, ico_start, ico_end, fixed_end = (
            a[keep] for a in (child, start, route, ico_start, ico_end, fixed_end))
        k = child.size
        eighteenth = _birthday(birth[child], 18)
        length = np.maximum(7, rng.lognormal(np.log(480), 0.9, k)).astype(np.int64)
        end = np.minimum(start + length, eighteenth)
        end = np.where(fixed_end < BLANK, fixed_end, end)
        # Home again when the child's next CP plan starts.
        next_cp = demo._next_start(child, start, ev.p_child, ev.p_start)
        end = np.minimum(end, np.where(next_cp > start, next_cp, BLANK))
        rec = rng.choice(len(_REC), k, p=_END_REC_P)
        rec = np.where(end == eighteenth, rng.choice([_E17, _E8, _E3], k, p=[0.3, 0.5, 0.2]), rec)
        rec = np.where((end == next_cp) | (fixed_end < BLANK), _E4A, rec)
        older = child >= n
        end[older], rec[older] = eighteenth[older], np.where(rng.random(older.sum()) < 0.4, _E17, _E8)
        # The adoption track: young children in care proceedings with no CP plan after coming
        # into care; an adoption order only after the child's last record here.
        young = (start - birth[child] < 5 * 365) & (route <= _ROUTE_EPO) & (next_cp >= BLANK) & ~older
        track = young & (rng.random(k) < 0.8)
        rec = np.where(track, np.where(rng.random(k) < 0.9, _E11, _E12), rec)
        end[end > u] = BLANK
        # One period at a time (a new S the day after the last ended, at the earliest); an
        # adoption-track period lasts until its order, so nothing follows it.
        keep = _non_overlapping(child, start, np.where(track, BLANK, np.minimum(end + 1, BLANK)))
        idx = np.flatnonzero(keep)
        idx = idx[np.lexsort((start[idx], child[idx]))]
        child, start, end, route, rec, track = (a[idx] for a in (child, start, end, route, rec, track))
        self.child, self.start, self.route, self.rec, self.track = child, start, route, rec, track
        self.ico_start, self.ico_end = ico_start[idx], ico_end[idx]
        self._adoption(track, start)
        last = np.where(child >= n, start, self._last_record()[np.minimum(child, n - 1)])
        self.a_order[self.a_order <= last] = BLANK  # an adoption order after the child's last record only
        self._ensure_adoption(track, start, last)
        self.end = np.where(track, self.a_order, end)
        # The older care leavers' own period (their referral closes when it ends).
        left = np.full(self.m, BLANK)
        mine = self.child >= n
        left[self.child[mine] - n] = self.end[mine]
        self.o_left = left
        wrng = self.ctx.rng("returns_misc")
        social = self.ev.workers._social
        front = self.ev.workers._front
        self.o_worker = wrng.integers(front, social, self.m)
        p = self.child.size
        self.team = np.where(self.disabled[self.child] & (wrng.random(p) < 0.6), 2, wrng.integers(0, 2, p))
        self.worker = wrng.integers(front, social, p)
        self.cin = np.where(self.route == _ROUTE_UASC, 7, wrng.choice(len(_CIN), p, p=_CIN_P))
        self.home = wrng.integers(0, 10_000, p)

    def _last_record(self) -> np.ndarray:
        """Per demo child, the day of its latest contact, referral, plan or early help start."""
        ev, n = self.ev, self.n
        last = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(last, ev.c_child, ev.c_date)
        np.maximum.at(last, ev.r_child, ev.r_date)
        np.maximum.at(last, ev.p_child, ev.p_start)
        np.maximum.at(last, ev.n_child, ev.n_start)
        eh = self.frames["early_help"]
        np.maximum.at(last, np.asarray(eh["child_id"].indices.to_numpy(zero_copy_only=False), np.int64),
                      eh["eh_start_date"])
        return last

    def _adoption(self, track: np.ndarray, start: np.ndarray) -> None:
        """Should-be-placed decision, then (unless reversed) placement order (E1), match,
        A-placement and adoption order, each BLANK when it lies after `until` (or never)."""
        rng, u, k = self.ctx.rng("adoption"), self.u, track.size
        decision = start + rng.integers(60, 240, k)
        reversed_ = rng.random(k) < 0.22
        reversal = np.where(reversed_, decision + rng.integers(30, 250, k), BLANK)
        po = np.where(reversed_, BLANK, decision + rng.integers(14, 90, k))
        match = np.where(reversed_, BLANK, po + rng.integers(30, 150, k))
        placed = np.where(reversed_, BLANK, match + rng.integers(7, 30, k))
        order = np.where(reversed_, BLANK, placed + rng.integers(60, 240, k))
        for a in (decision, reversal, po, match, placed, order):
            a[(a > u) | ~track] = BLANK
        # Events after a BLANK one have not happened either.
        po[decision >= BLANK] = BLANK
        reversal[decision >= BLANK] = BLANK
        match[po >= BLANK] = BLANK
        placed[match >= BLANK] = BLANK
        order[placed >= BLANK] = BLANK
        self.a_decision, self.a_reversed, self.a_po = decision, reversal, po
        self.a_reason = rng.choice(4, k, p=[0.3, 0.3, 0.2, 0.2])
        self.a_match, self.a_placed, self.a_order = match, placed, order
        self.a_place = rng.choice([_A3, _A4, _A5, _A6], k, p=[0.04, 0.04, 0.17, 0.75])

    def _ensure_adoption(self, track: np.ndarray, start: np.ndarray, last: np.ndarray) -> None:
        """However small the LA, List 10's three kinds where the track allows: an adoption
        order in the last 12 months, a decision reversed in them and one still in force
        (the earliest-starting track children, their steps spaced to fit)."""
        u, B = self.u, BLANK
        used = np.zeros(track.size, bool)

        def pick(room: int) -> int | None:
            fit = np.flatnonzero(track & ~used & (start <= u - room) & (last < u - 30))
            if not fit.size:
                return None
            i = int(fit[np.argmin(start[fit])])
            used[i] = True
            return i

        in_year = lambda a: ((a >= u - 365) & (a < B)).any()  # noqa: E731
        if not in_year(self.a_order) and (i := pick(400)) is not None:
            order = max(u - 300, int(last[i]) + 1)
            span = order - int(start[i])
            self.a_decision[i], self.a_po[i], self.a_match[i], self.a_placed[i] = (
                start[i] + span * f // 100 for f in (30, 40, 65, 72))
            self.a_order[i], self.a_reversed[i] = order, B
        if not in_year(self.a_reversed) and (i := pick(120)) is not None:
            self.a_decision[i] = max(int(start[i]) + 60, u - 330)
            self.a_reversed[i] = min(int(self.a_decision[i]) + 60, u - 5)
            self.a_po[i] = self.a_match[i] = self.a_placed[i] = self.a_order[i] = B
        in_force = (self.a_decision < B) & (self.a_reversed >= B) & (self.a_order >= B)
        if not (in_force & track).any() and (i := pick(90)) is not None:
            self.a_decision[i] = min(int(start[i]) + 60, u - 10)
            self.a_reversed[i] = self.a_order[i] = B
            self.a_po[i] = self.a_po[i] if self.a_po[i] > self.a_decision[i] else B
            self.a_match[i] = self.a_placed[i] = B

    def _short_breaks(self) -> None:
        """Disabled children with a referral and no other care: a break of 1–4 days every
        few weeks (V3, one episode per break; V4 under an agreement), each its own period."""
        rng, ev, u = self.ctx.rng("short_breaks"), self.ev, self.u
        first_ref = np.full(self.n, BLANK)
        np.minimum.at(first_ref, ev.r_child, ev.r_date)
        cared = np.zeros(self.n + self.m, bool)
        cared[self.child] = True
        kids = np.flatnonzero(self.disabled[:self.n] & (first_ref < BLANK) & ~cared[:self.n]
                              & (first_ref - self.birth[:self.n] >= 3 * 365) & (rng.random(self.n) < 0.05))
        begin = first_ref[kids] + rng.integers(30, 200, kids.size)
        count = np.maximum(0, (u - begin) // 35 + 1)
        group, day = _series(begin, count, 21, 50, rng)
        stay = rng.integers(1, 5, group.size)
        keep = day + stay <= u
        group, day, stay = group[keep], day[keep], stay[keep]
        self.b_child, self.b_start, self.b_end = kids[group], day, day + stay
        self.b_ls = np.where(rng.random(kids.size) < 0.7, V3, V4)[group]
        self.b_place = np.where(rng.random(kids.size) < 0.6, _K2, 3)[group]  # a children's home or U4
        self.b_post = rng.integers(0, 10_000, kids.size)[group]
        self.b_home = rng.integers(0, 10_000, kids.size)[group]

    # --- episodes -----------------------------------------------------------------------

    def _episodes(self) -> None:
        """The periods' episodes: a start, then legal-status and placement changes, merged
        where they fall on one day; each ends X1 the day the next starts."""
        rng, u = self.ctx.rng("placements"), self.u
        p, s, e = self.child.size, self.start, self.end
        stop = np.minimum(e, u)
        route = self.route
        first_ls = np.select([route == _ROUTE_EPO, route == _ROUTE_EPO_ONLY, route == _ROUTE_PP, route >= _ROUTE_S20],
                             [L2, L2, L1, V2], C1)
        # Legal changes: (period, day, status). BLANK days are dropped with those after the end.
        c2_day = np.where(route == _ROUTE_EPO, self.ico_end, s + rng.integers(90, 300, p))
        s20_order = (route == _ROUTE_S20) & (rng.random(p) < 0.2)
        s20_c1 = np.where(s20_order, s + rng.integers(30, 200, p), BLANK)
        c2_day = np.where(route >= _ROUTE_S20, np.where(s20_order, s20_c1 + rng.integers(60, 250, p), BLANK), c2_day)
        c2_day = np.where((route == _ROUTE_EPO_ONLY) | (route == _ROUTE_PP), BLANK, c2_day)
        c2_day = np.where(self.track & (c2_day >= self.a_po), BLANK, c2_day)  # the placement order comes first
        legal = [
            (np.arange(p), s, first_ls),
            (np.arange(p), np.where(route == _ROUTE_EPO, self.ico_start, s20_c1), np.full(p, C1)),
            (np.arange(p), c2_day, np.full(p, C2)),
            (np.arange(p), self.a_po, np.full(p, E1)),
        ]
        # Placement changes: a new carer about once a year (more for teenagers), now and then
        # a new placement with the same carer; the adoption placement.
        years = (stop - s) / 365.25
        teen = (s - self.birth[self.child]) >= 12 * 365
        moves = rng.poisson(years * np.where(teen, 1.1, 0.6))
        moves[(route == _ROUTE_EPO_ONLY) | (route == _ROUTE_PP)] = 0
        mp = np.repeat(np.arange(p), moves)
        m_day = s[mp] + 1 + (rng.random(mp.size) * np.maximum(stop[mp] - s[mp] - 1, 0)).astype(np.int64)
        m_same = rng.random(mp.size) < 0.15
        placed = self.a_placed < BLANK
        ap = np.flatnonzero(placed)
        a_same = np.isin(self.a_place[ap], [_A3, _A5])  # with the current foster carer
        ev_period = np.concatenate([*(a[0] for a in legal), mp, ap])
        ev_day = np.concatenate([*(a[1] for a in legal), m_day, self.a_placed[ap]])
        ev_ls = np.concatenate([*(a[2] for a in legal), np.full(mp.size + ap.size, -1)])
        nl = ev_ls.size - mp.size - ap.size
        # Placement change: 0 none, 1 same carer, 2 new carer; the period's first always new.
        ev_move = np.concatenate([np.r_[np.full(p, 2), np.zeros(nl - p, np.int64)],
                                  np.where(m_same, 1, 2), np.where(a_same, 1, 2)])
        ev_place = np.concatenate([np.full(nl + mp.size, -1), self.a_place[ap]])
        # A legal change now and then comes with a move (B, or U with the same carer).
        with_move = (np.arange(ev_ls.size) >= p) & (np.arange(ev_ls.size) < nl) & (rng.random(ev_ls.size) < 0.15)
        ev_move = np.where(with_move, np.where(rng.random(ev_ls.size) < 0.3, 1, 2), ev_move)
        ok = (ev_day < BLANK) & (ev_day >= s[ev_period]) & ((ev_day < stop[ev_period]) | (ev_day == s[ev_period]))
        ev_period, ev_day, ev_ls, ev_move, ev_place = (a[ok] for a in (ev_period, ev_day, ev_ls, ev_move, ev_place))
        order = np.lexsort((ev_day, ev_period))
        ev_period, ev_day, ev_ls, ev_move, ev_place = (a[order] for a in (ev_period, ev_day, ev_ls, ev_move, ev_place))
        # One episode per period and day: the changes of that day together.
        new = np.r_[True, (ev_period[1:] != ev_period[:-1]) | (ev_day[1:] != ev_day[:-1])]
        at = np.flatnonzero(new)
        period, day = ev_period[at], ev_day[at]
        ls = np.maximum.reduceat(ev_ls, at)
        move = np.maximum.reduceat(ev_move, at)
        place = np.maximum.reduceat(ev_place, at)
        # The status runs on; a change to the status already held is no change.
        first = np.r_[True, period[1:] != period[:-1]]
        held = np.where(ls >= 0, np.arange(ls.size), 0)
        status = ls[np.maximum.accumulate(held)]
        prev = np.r_[-1, status[:-1]]
        changed = ~first & (status != prev)
        keep = first | changed | (move > 0)
        period, day, status, move, place, changed, first = (
            a[keep] for a in (period, day, status, move, place, changed, first))
        rne = np.select([first, changed & (move == 2), changed & (move == 1), changed, move == 2], [0, 4, 5, 1, 2], 3)
        # Placements: a new carer draws a type (by age and date), a same-carer change keeps it.
        q = period.size
        age = (day - self.birth[self.child[period]]) / 365.25
        foster = rng.choice(6, q, p=_FOSTER_P)
        kind = np.where(rng.random(q) < np.where(age >= 12, 0.25, 0.04), np.where(rng.random(q) < 0.8, _K2, _R1), foster)
        kind = np.where((age >= 16) & (day >= _K3_FROM) & (rng.random(q) < 0.5), _K3, kind)
        kind = np.where(self.route[period] == _ROUTE_UASC, np.where(age >= 16, _K3, 3), kind)
        kind = np.where(day < _K3_FROM, np.where(kind == _K3, 3, kind), kind)
        drawn = np.where(place >= 0, place, np.where(rne == 0, kind, np.where(move == 2, kind, -1)))
        # Same carer, or a legal change only: the placement held before (forward fill).
        holder = np.where(drawn >= 0, np.arange(q), 0)
        src = np.maximum.accumulate(holder)
        ptype = np.where(drawn >= 0, drawn, drawn[src])
        new_carer = (rne == 0) | (move == 2)
        carer = np.maximum.accumulate(np.where(new_carer, np.arange(q), 0))  # the row that chose the carer
        area = rng.choice(4, q, p=_LA_P)[carer]
        post = rng.integers(0, 10_000, q)[carer]
        provider = np.select([ptype < 6, ptype == _K3, ptype >= _A3], [np.where(rng.random(q) < 0.7, 1, 4),
                                                                        np.where(rng.random(q) < 0.5, 4, 5),
                                                                        np.where(rng.random(q) < 0.8, 1, 5)],
                             np.where(rng.random(q) < 0.75, 4, 1))[carer]
        urn = np.where(ptype >= _A3, -1, rng.integers(100_000, 1_000_000, q)[carer])
        # Ends: X1 the day the next episode of the period starts, else the period's end.
        last = np.r_[period[1:] != period[:-1], True]
        dec = np.where(last, self.end[period], np.r_[day[1:], BLANK])
        rec = np.where(last, np.where(self.end[period] < BLANK, self.rec[period], -1), _X1)
        next_move = np.r_[rne[1:], 0]
        reason = np.where(~last & np.isin(next_move, [2, 3, 4, 5]),
                          rng.choice(len(_MOVE_REASONS), q, p=_MOVE_P), -1)
        # Short breaks: one episode each.
        b = self.b_child.size
        self.e = {
            "child": np.r_[self.child[period], self.b_child],
            "period": np.r_[period, np.full(b, -1)],
            "decom": np.r_[day, self.b_start],
            "dec": np.r_[dec, self.b_end],
            "rne": np.r_[rne, np.zeros(b, np.int64)],
            "ls": np.r_[status, self.b_ls],
            "cin": np.r_[self.cin[period], np.ones(b, np.int64)],  # N2: the child's disability
            "place": np.r_[ptype, self.b_place],
            "provider": np.r_[provider, np.full(b, 1)],
            "rec": np.r_[rec, np.full(b, _E8)],
            "reason": np.r_[reason, np.full(b, -1)],
            "home": np.r_[self.home[period], self.b_home],
            "area": np.r_[area, np.zeros(b, np.int64)],
            "post": np.r_[post, self.b_post],
            "urn": np.r_[urn, np.full(b, 123_456)],
            "team": np.r_[self.team[period], np.full(b, 2)],
            "worker": np.r_[self.worker[period], np.full(b, self.ev.workers._front)],
        }
        order = np.lexsort((self.e["decom"], self.e["child"]))
        self.e = {k: v[order] for k, v in self.e.items()}

    # --- local tables -------------------------------------------------------------------

    def _reviews(self) -> tuple[np.ndarray, np.ndarray]:
        """(period, day) of statutory reviews: within 20 working days, 3 months later, then
        every 6 months while the period lasts; none for police protection or EPO-only stays."""
        rng = self.ctx.rng("returns_misc")
        stop = np.minimum(self.end, self.u)
        first = self.start + rng.integers(14, 28, self.start.size)
        long = (first <= stop) & (self.route != _ROUTE_PP) & (self.route != _ROUTE_EPO_ONLY)
        idx = np.flatnonzero(long)
        rec, day = _every(first[idx] + 90, stop[idx], 182, 10, rng)
        period = np.r_[idx, idx[rec]]
        day = np.r_[first[idx], day]
        order = np.lexsort((day, period))
        return period[order], day[order]

    def care_leavers(self) -> Frame:
        """Leaving-care involvements of the young people (16–20) who were looked after at 16
        or later: eligible while in care, relevant after it, former relevant from 18, and
        qualifying when they were looked after for under 13 weeks since 14."""
        rng, u = self.ctx.rng("care_leavers"), self.u
        persons = self.n + self.m
        sixteen, fourteen = _birthday(self.birth, 16), _birthday(self.birth, 14)
        stop = np.minimum(self.end, u + 1)
        since14 = np.maximum(0, stop - np.maximum(self.start, fourteen[self.child]))
        days = np.zeros(persons, np.int64)
        np.add.at(days, self.child, since14)
        after16 = np.zeros(persons, bool)
        after16[self.child[stop > sixteen[self.child]]] = True
        cared_now = np.zeros(persons, bool)
        cared_now[self.child[self.end >= BLANK]] = True
        left = np.full(persons, np.iinfo(np.int64).min)
        np.maximum.at(left, self.child, np.where(self.end < BLANK, self.end, np.iinfo(np.int64).min))
        age = (u - self.birth) / 365.25
        eligible = days >= 91
        # Eligible from 16; a qualifying care leaver from the day care ended (not while in care).
        who = np.flatnonzero(after16 & (age >= 16) & (age < 21) & (eligible | ~cared_now))
        start = np.where(eligible[who], sixteen[who], np.maximum(left[who], sixteen[who]))
        keep = start <= u
        who, start = who[keep], start[keep]
        k = who.size
        adult = age[who] >= 18
        eligible = eligible[who]
        category = np.select([~eligible, cared_now[who] & ~adult, ~adult], [2, 3, 0], 1)
        labels = ("a) Relevant child", "b) Former relevant child", "c) Qualifying care leaver", "d) Eligible child")
        end = np.where(rng.random(k) < 0.08, start + rng.integers(30, 400, k), BLANK)
        end[end > u] = BLANK
        touch = np.where(adult, rng.choice(5, k, p=[0.88, 0.05, 0.03, 0.02, 0.02]), 0)
        in_touch = touch == 0
        accom = rng.choice(10, k, p=[0.3, 0.22, 0.12, 0.12, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02])
        suitable = rng.random(k) < 0.92
        activity = rng.choice(11, k, p=[0.3, 0.05, 0.2, 0.05, 0.06, 0.02, 0.08, 0.02, 0.04, 0.14, 0.04])
        pa_n = max(4, persons // 400)
        adviser = rng.integers(0, pa_n, k)
        self.l_child, self.l_touch, self.l_accom, self.l_suitable, self.l_activity = who, touch, accom, suitable, activity
        self.l_left = np.where(cared_now[who], BLANK, left[who])  # OC3 only once out of care
        order = np.argsort(who, kind="stable")
        cols = {
            "child_id": _labels(self.ids, who),
            "start_date": start,
            "end_date": end,
            "eligibility": _labels(labels, category),
            "in_touch": _labels(("YES", "NO", "REFU", "NREQ", "RHOM"), touch),
            "latest_contact_date": np.where(in_touch, u - rng.integers(0, 60, k), BLANK),
            "accommodation": _labels(_ACCOM, accom, ~in_touch),
            "accommodation_suitable": _labels(("Y", "N"), np.where(suitable, 0, 1), ~in_touch),
            "activity": _labels(_ACTIV, activity, ~in_touch),
            "personal_advisor": _labels(_ids("Personal Adviser ", np.arange(1, pa_n + 1), 2), adviser),
            "pathway_plan_review_date": np.maximum(start, u - rng.integers(0, 200, k)),
            "team": _labels((_LEAVING_CARE,), np.zeros(k, np.int64)),
            "worker": _labels(self.ev.workers.names, self.ctx.rng("returns_misc").integers(
                self.ev.workers._front, self.ev.workers._social, k), adult),
        }
        return {c: (v[order] if isinstance(v, np.ndarray) else v.take(pa.array(order))) for c, v in cols.items()}

    def health_checks(self) -> Frame:
        """Health assessments (within a month of coming into care, then every 6 months under
        5 and yearly after) and dental checks, mostly completed."""
        rng = self.ctx.rng("returns_misc")
        stop = np.minimum(self.end, self.u)
        long = np.flatnonzero((self.route != _ROUTE_PP) & (self.route != _ROUTE_EPO_ONLY))
        under5 = (self.start[long] - self.birth[self.child[long]]) < 5 * 365
        parts = []
        for kind, first in ((0, self.start[long] + rng.integers(10, 28, long.size)),
                            (1, self.start[long] + rng.integers(30, 150, long.size))):
            rows = []
            for small, every in ((True, 182), (False, 365)):
                sel = np.flatnonzero(under5 == small)
                rec, day = _every(first[sel], stop[long[sel]], every, 14, rng)
                rows.append((long[sel][rec], day))
            period = np.r_[rows[0][0], rows[1][0]]
            day = np.r_[rows[0][1], rows[1][1]]
            parts.append((period, day, np.full(period.size, kind)))
        period = np.concatenate([x[0] for x in parts])
        day = np.concatenate([x[1] for x in parts])
        kind = np.concatenate([x[2] for x in parts])
        status = rng.choice(3, period.size, p=[0.93, 0.04, 0.03])
        child = self.child[period]
        order = np.lexsort((kind, day, child))
        return {
            "child_id": _labels(self.ids, child[order]),
            "check_date": day[order],
            "check_type": _labels(("health", "dental"), kind[order]),
            "status": _labels(("Completed", "Refused", ""), status[order], status[order] == 2),
        }

    def permanence_plans(self) -> Frame:
        """A plan agreed at about the second review; on the adoption track "return to family"
        until the should-be-placed decision, adoption after it, long-term fostering once
        that decision is reversed."""
        rng, u = self.ctx.rng("returns_misc"), self.u
        p = self.child.size
        agreed = self.start + rng.integers(20, 120, p)
        decided = self.a_decision
        reversed_ = self.a_reversed
        teen = (self.start - self.birth[self.child]) >= 15 * 365
        plan = np.where(teen, rng.choice(7, p, p=[0.25, 0, 0.03, 0.35, 0.12, 0.15, 0.1]),
                        rng.choice(7, p, p=[0.45, 0, 0.15, 0, 0.05, 0.3, 0.05]))
        plan = np.where(self.track, 0, plan)
        end1 = np.where(self.track & (decided < BLANK), decided, self.end)
        long = (self.route != _ROUTE_PP) & (self.route != _ROUTE_EPO_ONLY)
        one = np.flatnonzero(long & (agreed < end1) & (agreed <= u))
        two = np.flatnonzero(decided < BLANK)
        three = np.flatnonzero(reversed_ < BLANK)
        period = np.r_[one, two, three]
        start = np.r_[agreed[one], decided[two], reversed_[three]]
        end = np.r_[end1[one], np.minimum(reversed_[two], self.end[two]), self.end[three]]
        end[end > u] = BLANK
        plan = np.r_[plan[one], np.full(two.size, 1), np.full(three.size, 5)]
        child = self.child[period]
        order = np.lexsort((start, child))
        return {
            "child_id": _labels(self.ids, child[order]),
            "plan": _labels(_PLANS, plan[order]),
            "start_date": start[order],
            "end_date": end[order],
        }

    def adopters(self) -> Frame:
        """One row per adopter: a family (a couple, or one adopter) for each child matched,
        with its stages back from the match; families mid-process, families that left the
        process (some put on hold) and enquiries that went no further."""
        rng, u = self.ctx.rng("adopters"), self.u
        matched = np.flatnonzero(self.a_match < BLANK)
        fm = matched.size
        extra = max(2, round(fm * 0.7))
        left = max(1, round(fm * 0.35))
        enquiry = max(1, round(fm * 0.2))
        f = fm + extra + left + enquiry
        stage = np.r_[np.zeros(fm, np.int64), np.ones(extra, np.int64), np.full(left, 2), np.full(enquiry, 3)]
        approval = np.full(f, BLANK)
        approval[:fm] = self.a_match[matched] - rng.integers(30, 200, fm)
        s1 = np.full(f, BLANK)
        s1[fm:] = u - rng.integers(20, 420, f - fm)
        # Back from the approval for matched families, forwards from Stage 1 for the others.
        s2_end = np.where(stage == 0, approval - rng.integers(10, 30, f), BLANK)
        s2_start = np.where(stage == 0, s2_end - rng.integers(90, 130, f), BLANK)
        s1_end = np.where(stage == 0, s2_start - rng.integers(0, 30, f), BLANK)
        s1 = np.where(stage == 0, s1_end - rng.integers(40, 70, f), s1)
        fwd = stage > 0
        s1_end = np.where(fwd, s1 + rng.integers(40, 70, f), s1_end)
        s2_start = np.where(fwd, s1_end + rng.integers(0, 30, f), s2_start)
        s2_end = np.where(fwd, s2_start + rng.integers(90, 130, f), s2_end)
        approval = np.where(fwd, s2_end + rng.integers(10, 30, f), approval)
        left_day = np.where(stage == 2, s1 + rng.integers(20, 200, f), BLANK)
        left_day = np.where(left_day < BLANK, np.minimum(left_day, u), BLANK)
        for a in (s1_end, s2_start, s2_end, approval):
            a[(a > u) | (a >= left_day) | (stage == 3)] = BLANK
        s1[stage == 3] = BLANK
        enquired = np.where(stage == 3, u - rng.integers(5, 300, f), s1 - rng.integers(10, 60, f))
        enquired = np.minimum(enquired, u)
        reason = rng.choice(3, f, p=[0.45, 0.35, 0.2])
        couple = rng.random(f) < 0.7
        sexes = np.where(couple, rng.choice(3, f, p=[0.8, 0.12, 0.08]), 3 + rng.choice(2, f, p=[0.85, 0.15]))
        # Per family: MF, FF, MM, F1, M1; the adopters' genders from it.
        self.f_sex, self.f_couple, self.f_matched = sexes, couple, matched
        self.f_ids = _ids("FAM", np.arange(1, f + 1), 4)
        self.f_status = rng.choice(4, f, p=[0.6, 0.1, 0.25, 0.05])  # L0, L11, L2, L12 for couples
        size = np.where(couple, 2, 1)
        family = np.repeat(np.arange(f), size)
        second = np.arange(family.size) - np.repeat(np.cumsum(size) - size, size) == 1
        first_g = np.array([1, 2, 1, 2, 1])[sexes]  # 1 male, 2 female
        second_g = np.array([2, 2, 1, 0, 0])[sexes]
        gender = np.where(second, second_g[family], first_g[family])
        a = family.size
        ffa = np.zeros(f, bool)
        ffa[:fm] = np.isin(self.a_place[matched], [_A3, _A5])
        placed = np.full(f, BLANK)
        placed[:fm] = self.a_placed[matched]
        order_day = np.full(f, BLANK)
        order_day[:fm] = self.a_order[matched]
        match_day = np.full(f, BLANK)
        match_day[:fm] = self.a_match[matched]
        eth = rng.choice(len(demo._ETHNICITIES), a, p=np.divide(demo._ETHNICITY_P, sum(demo._ETHNICITY_P)))
        return {
            "adopter_id": _ids("AD", np.arange(1, a + 1), 5),
            "family_id": _labels(self.f_ids, family),
            "gender": _labels(demo._GENDERS, gender - 1 + 0),
            "ethnicity": _labels(demo._ETHNICITIES, eth),
            "disability": _labels(("Y", "N"), (rng.random(a) >= 0.04).astype(np.int64)),
            "fostering_for_adoption": _labels(("Y", "N"), np.where(ffa[family], 0, 1)),
            "enquiry_date": enquired[family],
            "stage1_start": s1[family],
            "stage1_end": s1_end[family],
            "stage2_start": s2_start[family],
            "stage2_end": s2_end[family],
            "application_date": s2_start[family],
            "approval_date": approval[family],
            "matched_date": match_day[family],
            "placed_date": placed[family],
            "children_placed": _labels(("1",), np.zeros(a, np.int64), (placed >= BLANK)[family]),
            "adoption_order_date": order_day[family],
            "left_date": left_day[family],
            "left_reason": _labels(_LEFT, reason[family], (left_day >= BLANK)[family]),
        }

    def visits(self) -> Frame:
        """The demo's CP and CIN visits with CLA visits (every six weeks of a period, by its
        worker) and IRO contacts (at each review), the last year's as the demo's."""
        rng, u = self.ctx.rng("returns_misc"), self.u
        v = self.frames["visits"]
        first = u - demo.VISITS_DAYS
        stop = np.minimum(self.end, u)
        long = np.flatnonzero((self.route != _ROUTE_PP) & (self.route != _ROUTE_EPO_ONLY))
        rec, cla_day = _every(self.start[long] + rng.integers(0, 7, long.size), stop[long], 42, 7, rng)
        cla = long[rec]
        period, review = self._reviews()
        iro_day = np.maximum(review - rng.integers(0, 10, review.size), self.start[period])
        day = np.r_[cla_day, iro_day]
        period = np.r_[cla, period]
        kind = np.r_[np.zeros(cla.size, np.int64), np.ones(iro_day.size, np.int64)]
        recent = (day >= first) & (day <= u)
        day, period, kind = day[recent], period[recent], kind[recent]
        n = day.size
        seen = np.where(kind == 0, rng.choice(3, n, p=[0.94, 0.04, 0.02]), 0)
        alone = np.where(seen == 1, 1, rng.choice(3, n, p=[0.6, 0.3, 0.1]))
        iro_names = _ids("IRO ", np.arange(1, max(3, self.child.size // 25) + 2), 2)
        names = pa.concat_arrays([self.ev.workers.names, iro_names])
        worker = np.where(kind == 0, self.worker[period], len(self.ev.workers.names) + period % len(iro_names))
        child = self.child[period]
        old = {c: demo._text(values) if not isinstance(values, np.ndarray) else values for c, values in v.items()}
        new = {
            "child_id": _codes(self.ids, child),
            "visit_date": day,
            "visit_type": _codes(("cla", "iro"), kind),
            "child_seen": _codes(("Y", "N", ""), seen, seen == 2),
            "seen_alone": _codes(("Y", "N", ""), alone, alone == 2),
            "statutory": _codes(("Y",), np.zeros(n, np.int64), np.ones(n, bool)),  # blank: yes for cla
            "worker": _codes(names, worker),
        }
        all_ = {c: (np.r_[old[c], new[c]] if isinstance(old[c], np.ndarray) else pa.concat_arrays([old[c], new[c]]))
                for c in old}
        keys = pc.sort_indices(pa.table({"d": all_["visit_date"], "c": all_["child_id"]}),
                               sort_keys=[("d", "ascending"), ("c", "ascending")])
        order = keys.to_numpy()
        return {c: (a[order] if isinstance(a, np.ndarray) else a.take(keys)) for c, a in all_.items()}

    # --- the 903 files ------------------------------------------------------------------

    def returns(self) -> dict[str, Frame]:
        """Each collection year's 903 files, by file stem (`ssda903_2024-25_episodes`)."""
        e = self.e
        first = min(int(e["decom"].min()) if e["decom"].size else self.u, self.u)
        period, review = self._reviews()
        miss = self._missing()
        out: dict[str, Frame] = {}
        for label, ys, ye in _years(first, self.u):
            files = self._year(ys, ye, dt.date(int(label[:4]), 4, 1) >= _SEX_FROM, (period, review), miss)
            for name in RETURN_TABLES:
                out[f"{RETURN_PREFIX}{label}_{name}"] = files[name]
        return out

    def _missing(self):
        """(period, type, start, end, offered, accepted) of missing (M) and away (A) episodes:
        teenagers far more often; a return interview is offered after most missing ones."""
        rng = self.ctx.rng("returns_misc")
        stop = np.minimum(self.end, self.u)
        years = np.maximum(stop - self.start, 0) / 365.25
        teen = (self.start - self.birth[self.child]) >= 11 * 365
        count = rng.poisson(years * np.where(teen, 1.6, 0.04) * rng.gamma(0.7, 1 / 0.7, self.child.size))
        period = np.repeat(np.arange(self.child.size), count)
        day = self.start[period] + (rng.random(period.size) * np.maximum(stop[period] - self.start[period], 0)).astype(np.int64)
        end = day + rng.choice(4, period.size, p=[0.5, 0.3, 0.15, 0.05])
        keep = _non_overlapping(period, day, end + 1)
        period, day, end = period[keep], day[keep], end[keep]
        end[end > self.u] = BLANK
        kind = (rng.random(period.size) < 0.4).astype(np.int64)  # 0 M, 1 A
        offered = np.where(kind == 0, rng.choice(3, period.size, p=[0.85, 0.1, 0.05]), 2)
        accepted = np.where(offered == 0, rng.choice(3, period.size, p=[0.6, 0.35, 0.05]), 2)
        order = np.lexsort((day, self.child[period]))
        return tuple(a[order] for a in (period, kind, day, end, offered, accepted))

    def _year(self, ys: int, ye: int, new_sex: bool, reviews, miss) -> dict[str, Frame]:
        e, u = self.e, self.u
        show = lambda days: np.where(days <= ye, days, BLANK)  # noqa: E731 (a date after the year is not known yet)
        inside = lambda days: (days >= ys) & (days <= ye)  # noqa: E731
        # Episodes open at any time in the year; an end after 31 March is not known yet.
        ep = np.flatnonzero((e["decom"] <= ye) & ((e["dec"] >= ys)))
        dec = show(e["dec"][ep])
        open_ = dec >= BLANK
        child = e["child"][ep]
        urn = e["urn"][ep]
        episodes = {
            "CHILD": _codes(self.ids, child),
            "DECOM": _ddmmyyyy(e["decom"][ep]),
            "RNE": _codes(_RNE, e["rne"][ep]),
            "LS": _codes(_LS, e["ls"][ep]),
            "CIN": _codes(_CIN, e["cin"][ep]),
            "PLACE": _codes(_PLACES, e["place"][ep]),
            "PLACE_PROVIDER": _codes(_PROVIDERS, e["provider"][ep]),
            "DEC": _ddmmyyyy(dec),
            "REC": _codes(_REC, np.maximum(e["rec"][ep], 0), open_ | (e["rec"][ep] < 0)),
            "REASON_PLACE_CHANGE": _codes(_MOVE_REASONS, np.maximum(e["reason"][ep], 0), open_ | (e["reason"][ep] < 0)),
            "HOME_POST": _postcodes(np.zeros(ep.size, np.int64), e["home"][ep]),
            "PL_POST": _postcodes(e["area"][ep], e["post"][ep]),
            "URN": pc.if_else(pa.array(urn < 0), "XXXXXXX",
                              pc.binary_join_element_wise("SC", pc.cast(pa.array(urn), pa.string()), "")),
            "placement_la": _codes(_LAS, e["area"][ep]),
            "team": _codes(_CLA_TEAMS, e["team"][ep]),
            "worker": _codes(self.ev.workers.names, e["worker"][ep]),
        }
        period, review = reviews
        rv = np.flatnonzero(inside(review))
        r_child = self.child[period[rv]]
        age_rv = review[rv] - self.birth[r_child]
        m_period, m_kind, m_start, m_end, offered, accepted = miss
        ms = np.flatnonzero(inside(m_start) | inside(np.where(m_end < BLANK, m_end, -1)))
        m_child = self.child[m_period[ms]]
        # OC3: care leavers at their 17th–21st birthdays in the year, after they left care.
        oc_child = []
        for age in range(17, 22):
            day = _birthday(self.birth[self.l_child], age)
            hit = np.flatnonzero(inside(day) & (day <= u) & (day > self.l_left))
            oc_child.append(hit)
        oc = np.concatenate(oc_child) if oc_child else np.zeros(0, np.int64)
        oc = np.sort(oc)
        in_touch = self.l_touch[oc] == 0
        # AD1: children adopted in the year; placed_for_adoption: decisions made or reversed in it.
        adopted = np.flatnonzero(self.track & inside(np.where(self.end < BLANK, self.end, -1))
                                 & np.isin(self.rec, [_E11, _E12]))
        fam = np.full(self.child.size, -1)
        fam[self.f_matched] = np.arange(self.f_matched.size)
        sbpa = np.flatnonzero(inside(self.a_decision) | inside(np.where(self.a_reversed < BLANK, self.a_reversed, -1)))
        ceased = show(self.a_reversed[sbpa])
        matched = show(self.a_match[sbpa])
        f_of = fam[sbpa]
        f_sex = self.f_sex[fam[adopted]]
        couple = self.f_couple[fam[adopted]]
        cared = np.unique(np.r_[child, r_child, m_child, self.child[adopted], self.child[sbpa], self.l_child[oc]])
        sex = self.gender[cared]
        uasc_kids = np.unique(self.child[self.route == _ROUTE_UASC])
        uasc = cared[np.isin(cared, uasc_kids)]
        duc = _birthday(self.birth[uasc], 18)
        year_end = np.full(cared.size, ye)
        upn_unknown = (year_end - self.birth[cared]) < 5 * 365
        mother = np.where((sex == 1) & (year_end - self.birth[cared] >= 12 * 365), 0, -1)
        dob = lambda kids: _ddmmyyyy(self.birth[kids])  # noqa: E731
        sex_codes = ("M", "F", "U", "U") if new_sex else ("1", "2", "1", "1")
        return {
            "header": {
                "CHILD": _codes(self.ids, cared),
                "SEX": _codes(sex_codes, sex),
                "DOB": dob(cared),
                "ETHNIC": _codes(demo._ETHNICITIES, self.ethnicity[cared]),
                "UPN": pc.if_else(pa.array(upn_unknown), "UN1", _ids("A", cared + 100_000_000_000, 12)),
                "MOTHER": _codes(("0",), np.zeros(cared.size, np.int64), mother < 0),
                "MC_DOB": pa.nulls(cared.size, pa.string()),
            },
            "episodes": episodes,
            "uasc": {
                "CHILD": _codes(self.ids, uasc),
                "SEX": _codes(sex_codes, self.gender[uasc]),
                "DOB": dob(uasc),
                "DUC": _ddmmyyyy(np.where(duc <= min(ye, u), duc, BLANK)),
            },
            "reviews": {
                "CHILD": _codes(self.ids, r_child),
                "DOB": dob(r_child),
                "REVIEW": _ddmmyyyy(review[rv]),
                "REVIEW_CODE": _codes(("PN0", "PN1", "PN2", "PN3", "PN4"),
                                      np.where(age_rv < 4 * 365, 0, np.where(period[rv] % 5 == 0, 2, 1))),
            },
            "missing": {
                "CHILD": _codes(self.ids, m_child),
                "DOB": dob(m_child),
                "MISSING": _codes(("M", "A"), m_kind[ms]),
                "MIS_START": _ddmmyyyy(m_start[ms]),
                "MIS_END": _ddmmyyyy(show(m_end[ms])),
                "rhi_offered": _codes(("Y", "N", ""), offered[ms], offered[ms] == 2),
                "rhi_accepted": _codes(("Y", "N", ""), accepted[ms], accepted[ms] == 2),
            },
            "oc3": {
                "CHILD": _codes(self.ids, self.l_child[oc]),
                "DOB": dob(self.l_child[oc]),
                "IN_TOUCH": _codes(("YES", "NO", "REFU", "NREQ", "RHOM"), self.l_touch[oc]),
                "ACTIV": _codes(_ACTIV_903, self.l_activity[oc], ~in_touch),
                "ACCOM": _codes(tuple(f"{a}{s}" for a in _ACCOM for s in "12"),
                                self.l_accom[oc] * 2 + ~self.l_suitable[oc], ~in_touch),
            },
            "ad1": {
                "CHILD": _codes(self.ids, self.child[adopted]),
                "DOB": dob(self.child[adopted]),
                "DATE_INT": _ddmmyyyy(self.a_decision[adopted]),
                "DATE_MATCH": _ddmmyyyy(self.a_match[adopted]),
                "FOSTER_CARE": _codes(("0", "1"), np.isin(self.a_place[adopted], [_A3, _A5]).astype(np.int64)),
                "NB_ADOPTR": _codes(("1", "2"), couple.astype(np.int64)),
                "SEX_ADOPTR": _codes(("MF", "FF", "MM", "F1", "M1"), f_sex),
                "LS_ADOPTR": _codes(("L0", "L11", "L2", "L12", "L3"),
                                    np.where(couple, self.f_status[fam[adopted]], 4)),
            },
            "placed_for_adoption": {
                "CHILD": _codes(self.ids, self.child[sbpa]),
                "DOB": dob(self.child[sbpa]),
                "DATE_PLACED": _ddmmyyyy(self.a_decision[sbpa]),
                "DATE_PLACED_CEASED": _ddmmyyyy(ceased),
                "REASON_PLACED_CEASED": _codes(("RD1", "RD2", "RD3", "RD4"), self.a_reason[sbpa], ceased >= BLANK),
                "family_id": _codes(self.f_ids, np.maximum(f_of, 0), (f_of < 0) | (matched >= BLANK)),
                "date_match": _ddmmyyyy(matched),
            },
        }


def _postcodes(area: np.ndarray, number: np.ndarray) -> pa.Array:
    """Made-up postcodes, `DM4 7HX`: the area, a district, a sector and two letters."""
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    text = np.char.add(np.char.add(np.array(_AREAS)[area], (1 + number % 9).astype(str)),
                       np.char.add(" ", (number // 9 % 10).astype(str)))
    text = np.char.add(text, np.char.add(letters[number // 90 % 20], letters[number // 1800 % 20]))
    return pa.array(text, pa.string())


_ACCOM = ("D", "U", "Z", "B", "E", "T", "C", "W", "S", "X")
_ACTIV = ("F1: Full time in higher education", "P1: Part time in higher education",
          "F2: Full time in education other than higher", "P2: Part time in education other than higher",
          "F5: Full time in training or employment (not apprenticeship)",
          "P5: Part time in training or employment (not apprenticeship)",
          "F4: Full time in an apprenticeship", "P4: Part time in an apprenticeship",
          "G4: Not in education, training or employment - illness or disability",
          "G5: Not in education, training or employment - other reasons",
          "G6: Not in education, training or employment - pregnancy or parenting")
_ACTIV_903 = tuple(a.split(":")[0] for a in _ACTIV)
_PLANS = ("a) Return to family", "b) Adoption", "c) SGO/CAO", "d) Supported living in the community",
          "e) Long-term residential placement", "f) Long-term fostering", "g) other")
_LEFT = ("1 - Adopter withdrew from process", "2 - Process put on hold", "3 - Application refused")
