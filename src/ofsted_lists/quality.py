"""Data-quality findings (SPEC §3.3): each one located by file, sheet, row and column.

Findings never stop a run. Frames passed to `Findings.add` carry the provenance
columns `_file`, `_sheet` and `_row` that the readers attach to every record.
"""

from __future__ import annotations

import pandas as pd

# The kinds of finding, in the order the Summary lists them.
UNPARSEABLE_DATE = "unparseable date"
UNPARSEABLE_YESNO = "unparseable yes/no"
NOT_AN_ID = "not an identifier"
MISSING_DATE = "missing key date"
END_BEFORE_START = "end before start"
FUTURE_DATE = "date in the future"
BEFORE_BIRTH = "event more than 40 weeks before birth"
DUPLICATE = "duplicate record"
CHILD_NOT_IN_CHILDREN = "child missing from children"
NONE_WITH_CODES = "NONE beside real disability codes"
OVERLAPPING_PLANS = "overlapping open plans"
DETAILS_DISAGREE = "child details disagree"
UNMAPPED_CODE = "unmapped coded value"
EXPECTED_DOB_PASSED = "expected date of birth passed, no date of birth"
# Care episodes of the SSDA903 return that do not chain (care_history; DfE rule numbers).
EPISODE_NOT_ENDED = "care episode not ended before the next"
OVERLAPPING_EPISODES = "overlapping care episodes"
X1_NOT_CONTINUED = "care episode ended X1 with no continuation"
PERIOD_NOT_STARTED_S = "new period of care not started with S"
PERIOD_BEFORE_FILES = "period of care started before the earliest file"
UNRECOGNISED = "unrecognised file or sheet"
UNUSED_COLUMN = "column not used"
DUPLICATE_CHILD = "child listed twice in children"
OLD_CODE = "code of an older schema"
TWO_SOURCES = "record in two sources"
# An SSD extract's row whose join finds no partner, or a side table missing (readers/ssd.py).
UNJOINED = "SSD record joined to nothing"
BAD_COUNT = "not a whole number"
# An Annex A workbook checked against Ofsted's template (readers/annex_a.py).
NOT_A_CODE = "not an Annex A code"
ANNEX_A_BLANK = "blank where Annex A needs a value"
# Annex A List 6: an open episode of need with none of the four statuses (annex-a-full.md §2.6).
NO_CASE_STATUS = "open episode with no case status"
# Annex A List 8: a 903 placement type newer than every Annex A template (annex-a-full.md §2.8
# note I), and placements whose location could not be worked out (note J).
NO_ANNEX_A_CODE = "903 code with no Annex A code"
NO_PLACEMENT_LA = "placement location not derived"

KINDS = (
    UNPARSEABLE_DATE, UNPARSEABLE_YESNO, NOT_AN_ID, MISSING_DATE, END_BEFORE_START,
    FUTURE_DATE, BEFORE_BIRTH, DUPLICATE, CHILD_NOT_IN_CHILDREN, NONE_WITH_CODES,
    OVERLAPPING_PLANS, DETAILS_DISAGREE, UNMAPPED_CODE, EXPECTED_DOB_PASSED,
    DUPLICATE_CHILD, OLD_CODE, EPISODE_NOT_ENDED, OVERLAPPING_EPISODES, X1_NOT_CONTINUED, PERIOD_NOT_STARTED_S,
    PERIOD_BEFORE_FILES, UNRECOGNISED, UNUSED_COLUMN, TWO_SOURCES, UNJOINED, BAD_COUNT, NOT_A_CODE,
    ANNEX_A_BLANK, NO_CASE_STATUS, NO_ANNEX_A_CODE, NO_PLACEMENT_LA,
)
# Informational kinds do not count as problems for --strict. A period of care that began
# before the earliest 903 file is what any LA's recent files hold, not a recording error;
# nor are a code newer than Annex A and a placement location with no lookup to work it out.
INFORMATIONAL = frozenset({UNUSED_COLUMN, TWO_SOURCES, PERIOD_BEFORE_FILES, NO_ANNEX_A_CODE, NO_PLACEMENT_LA})

COLUMNS = ["File", "Sheet", "Row", "Column", "Kind", "Problem", "Child Unique ID"]


class Findings:
    """Collects findings as small frames; `table()` concatenates them once."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        frame: pd.DataFrame,
        mask: pd.Series | None,
        column: str,
        kind: str,
        problem: str | pd.Series | None = None,
    ) -> int:
        """Record one finding per row of `frame` where `mask` is true; returns how many."""
        rows = frame if mask is None else frame[mask.to_numpy(dtype=bool, na_value=False)]
        if rows.empty:
            return 0
        if isinstance(problem, pd.Series):
            problem = problem.loc[rows.index]
        part = pd.DataFrame(
            {
                "File": rows["_file"].astype("str"),
                "Sheet": rows["_sheet"].astype("str"),
                "Row": rows["_row"].astype("int64"),
                "Column": column,
                "Kind": kind,
                "Problem": kind if problem is None else problem,
                "Child Unique ID": rows["child_id"] if "child_id" in rows else pd.NA,
            }
        )
        self._parts.append(part)
        return len(part)

    def extend(self, other: Findings) -> None:
        """Append another collection's findings after these."""
        self._parts.extend(other._parts)

    def add_unmapped(self, frame: pd.DataFrame, mask: pd.Series, column: str,
                     consequence: str = "maps to no Annex A code; written as it came") -> int:
        """A coded value that maps to no code: one finding per distinct value, at its first
        row (with that row's child), so a value used 10,000 times is one line to fix."""
        bad = frame[mask.to_numpy(dtype=bool, na_value=False)].drop_duplicates(subset=[column])
        return self.add(bad, None, column, UNMAPPED_CODE, "value '" + bad[column].astype(str) + "' " + consequence)

    def add_one(
        self,
        kind: str,
        problem: str,
        *,
        file: str = "",
        sheet: str = "",
        row: int | None = None,
        column: str = "",
        child_id: str | None = None,
    ) -> None:
        self._parts.append(
            pd.DataFrame(
                {
                    "File": [file], "Sheet": [sheet], "Row": pd.array([row], dtype="Int64"),
                    "Column": [column], "Kind": [kind], "Problem": [problem],
                    "Child Unique ID": [child_id],
                }
            )
        )

    def table(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS}).astype({"Row": "Int64"})
        out = pd.concat(self._parts, ignore_index=True)
        out["Row"] = out["Row"].astype("Int64")
        out = out.astype({c: "str" for c in COLUMNS if c != "Row"})
        out["Child Unique ID"] = out["Child Unique ID"].replace({"<NA>": pd.NA, "None": pd.NA, "nan": pd.NA})
        return out[COLUMNS]

    def counts(self) -> dict[str, int]:
        """Findings per kind, in KINDS order, leaving out kinds with none."""
        if not self._parts:
            return {}
        n = pd.concat([p["Kind"] for p in self._parts]).value_counts()
        return {k: int(n[k]) for k in KINDS if k in n.index}

    def per_column(self, kind: str) -> dict[str, int]:
        """Findings of `kind` per column."""
        n = [p.loc[p["Kind"] == kind, "Column"] for p in self._parts]
        return {str(k): int(v) for k, v in pd.concat(n).value_counts().items()} if n else {}

    def problem_count(self) -> int:
        return sum(v for k, v in self.counts().items() if k not in INFORMATIONAL)


SHEET_COLUMNS = ["File", "Sheet", "Row", "Column", "Column (canonical)", "Kind", "Problem", "Child Unique ID"]


def sheet(table: pd.DataFrame, headings: dict[tuple[str, str], dict[str, str]]) -> pd.DataFrame:
    """The Data quality sheet (SPEC §5): `table`'s findings sorted by file, sheet and row,
    the column named by the LA's own heading for it (`headings`: (file, sheet) -> canonical
    -> heading), the canonical name beside it.

    A finding's column that the file's headings do not map (an unused heading, a file-level
    finding) is shown as it is, with no canonical name."""
    own = pd.DataFrame([(f, s, c, h) for (f, s), names in headings.items() for c, h in names.items()],
                       columns=["File", "Sheet", "Column", "_heading"], dtype="str")
    out = table.merge(own, on=["File", "Sheet", "Column"], how="left", validate="many_to_one")
    out["Column (canonical)"] = out["Column"].where(out["_heading"].notna())
    out["Column"] = out["_heading"].fillna(out["Column"])
    out = out.sort_values(["File", "Sheet", "Row"], kind="stable", na_position="first")
    return out[SHEET_COLUMNS].reset_index(drop=True)
