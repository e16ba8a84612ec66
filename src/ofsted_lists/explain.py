"""`explain CHILD_ID` (SPEC §10.3): everything a run did with one child, in words.

The answer to an inspector's "why is this child (not) on the list?": the child's records
(file, sheet, row), the findings about it, how its disability was decided and, per list,
the rule that put it there or kept it off. No list rule is restated here: each list's
`explain` sits beside its `build` in lists/ and asks the same predicates, and
`disability.explain` beside `assess`. Only the child asked about is named.
"""

from __future__ import annotations

import pandas as pd

from . import disability, readers
from .config import Config
from .errors import InputError, UsageError
from .pipeline import Run
from .readers.annex_a_lists import numbered
from .schema import DATE_KINDS, TABLES
from .terminal import kind_of
from .values import day, parse_ids

INDENT = "  "


def child_key(text: str) -> str:
    """The identifier as the tool holds it (trimmed, `12345.0` → `12345`, leading zeros kept)."""
    parsed = parse_ids(pd.Series([text], dtype="str"))
    key = parsed.values.iloc[0]
    if parsed.bad.iloc[0] or pd.isna(key):
        raise UsageError(f"'{text}' is not a child identifier (blank, 0 and -1 identify no child)")
    return str(key)


def where(file: str, sheet: str, row, config: Config, verbose: bool) -> str:
    """A record's place. A file or sheet name that names no table may be personal data
    (`C0000444 Jane Smith.xlsx`): only --verbose names it."""
    shown = file if verbose or readers.recognise(file, config, sheet=False) is not None \
        else f"a {kind_of(file)} file (--verbose names it)"
    if isinstance(sheet, str) and sheet not in ("", "nan", "<NA>"):  # a CSV has no sheet
        # An Annex A list's sheet name is a fixed word, never personal.
        name = f"'{sheet}'" if verbose or readers.recognise(sheet, config, sheet=True) is not None \
            or numbered(sheet) is not None \
            else "(--verbose names it)"
        shown += f", sheet {name}"
    return shown + (f", row {row}" if row is not None and not pd.isna(row) else "")


def _records(run: Run, key: str, config: Config, verbose: bool) -> list[str]:
    """Each record of the child the lists were built from, with its dates."""
    lines = []
    for name, df in run.dataset.tables.items():
        if TABLES[name].who != "child_id":  # adopters: records of adults, never a child's
            continue
        mine = df[(df["child_id"] == key).to_numpy(dtype=bool)].sort_values(["_file", "_sheet", "_row"], kind="stable")
        dates = [c.name for c in TABLES[name].columns if c.kind in DATE_KINDS]
        for _, row in mine.iterrows():
            shown = ", ".join(f"{c} {day(row[c])}" for c in dates if pd.notna(row[c]))
            lines.append(f"{name}: {where(row['_file'], row['_sheet'], row['_row'], config, verbose)}"
                         + (f": {shown}" if shown else ""))
    return lines


def _findings(run: Run, key: str, config: Config, verbose: bool) -> list[str]:
    table = run.findings.table()
    mine = table[(table["Child Unique ID"] == key).fillna(False).to_numpy(dtype=bool)]
    return [f"{where(f.File, f.Sheet, f.Row, config, verbose)}" + (f", {f.Column}" if f.Column else "")
            + f": {f.Problem}" for f in mine.itertuples()]


def explain(run: Run, config: Config, child_id: str, verbose: bool = False) -> list[str]:
    """The lines `ofsted-lists explain` prints; InputError when the input has no record of
    the child."""
    key = child_key(child_id)
    ctx = run.context
    records, findings = _records(run, key, config, verbose), _findings(run, key, config, verbose)
    if not records and not findings and key not in run.dataset.children.index:
        raise InputError(f"no record of child '{key}' in the input: no export has a row with this identifier "
                         "(check it as the exports write it, leading zeros included)")
    lines = [f"Child {key}: as at {day(run.as_of)}, window {run.window.describe()}"]
    if key in ctx.children.index:
        shown = ctx.children.loc[key]
        age = shown["Age of Child (Years)"]
        lines.append(f"As the lists show it: Gender {shown['Gender']}, Ethnicity {shown['Ethnicity']}, "
                     f"Date of Birth {day(shown['Date of Birth'])}, Age {'blank' if pd.isna(age) else age}")
    lines += ["", f"Records read ({len(records)}, after the data-quality checks):"]
    lines += [INDENT + r for r in records] or [INDENT + "none kept"]
    lines += ["", f"Data-quality findings about the child ({len(findings)}):"]
    lines += [INDENT + f for f in findings] or [INDENT + "none"]
    head, detail = disability.explain(run.dataset, config, ctx.disability, key)
    lines += ["", f"Disability: {head}"] + [INDENT + d for d in detail]
    lines += ["", "Lists (every child is listed):" if run.profile.all_children
              else "Lists (only disabled children are listed):"]
    for module, result in zip(run.profile.lists, run.lists):
        if not result.produced:
            lines.append(f"{INDENT}{result.spec.sheet}: not produced (no {result.spec.needs_words} export)")
            continue
        verdict = module.explain(ctx, key)
        lines.append(f"{INDENT}{result.spec.sheet}: {'ON the list' if verdict.listed else 'not on the list'}")
        lines += [INDENT * 2 + r for r in verdict.reasons]
    return lines
