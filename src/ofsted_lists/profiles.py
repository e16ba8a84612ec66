"""The profiles `build` and `validate` can produce (SPEC §2 `--profile`, §4, §9): each names
its list sheets in order (one module per list), whom it lists and its default window.

Where is List N decided in a profile? In the module this file names for it."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError
from .lists import LISTS as DISABLED_CHILDREN_LISTS
from .lists.annex_a import LISTS as ANNEX_A_LISTS


@dataclass(frozen=True)
class Profile:
    name: str
    title: str                  # the Summary's heading
    lists: tuple                # the list modules, in sheet order (each: SPEC, build, explain)
    all_children: bool          # False: disabled children only (SPEC §4)
    since: str                  # the window when --since is not given
    standard_since: str | None  # Ofsted's window: another --since is said on the Summary
    chart: tuple[tuple[str, str], tuple[str, str]]  # (list key, date column) of contacts, of referrals
    unknown_sheet: bool         # the `Unknown disability` sheet (SPEC §5)
    optional: tuple[str, ...] = ()  # list keys "not produced" without --allow-missing when their table is absent
    stem: str = "ofsted-lists"  # the default output's name before `_<as-of>`: each profile its own file

    @property
    def specs(self):
        return tuple(m.SPEC for m in self.lists)


DISABLED_CHILDREN = Profile(
    "disabled-children", "Ofsted inspection lists: protecting disabled children", DISABLED_CHILDREN_LISTS,
    all_children=False, since="12m", standard_since=None,
    chart=(("1a", "Date of Contact"), ("1b", "Date of referral")), unknown_sheet=True)
ANNEX_A = Profile(
    "annex-a", "Ofsted ILACS Annex A: Lists 1-11, all children", ANNEX_A_LISTS,
    all_children=True, since="6m", standard_since="6m",
    chart=(("1", "Date of Contact"), ("3", "Date of referral")), unknown_sheet=False,
    optional=("8", "9", "10", "11"), stem="ofsted-lists_annex-a")

PROFILES = {p.name: p for p in (DISABLED_CHILDREN, ANNEX_A)}
DEFAULT = DISABLED_CHILDREN.name


def get(name: str | None) -> Profile:
    """The profile called `name` (None: the default); another name is a usage error."""
    if name is None:
        return PROFILES[DEFAULT]
    found = PROFILES.get(str(name).strip().lower())
    if found is None:
        raise UsageError(f"--profile must be {' or '.join(PROFILES)}, not '{name}'")
    return found
