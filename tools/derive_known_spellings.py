"""Regenerate src/ofsted_lists/data/known_spellings.csv from the liia-tools-pipeline variant table.

    python tools/derive_known_spellings.py [VARIANTS_CSV]

VARIANTS_CSV defaults to tests/data/peer/annexa_value_variants_half.csv. The rules of the
derivation are `ofsted_lists.codes.known.derive`; tests/test_codes.py checks the shipped file
equals its output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ofsted_lists.codes.known import derive

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    variants = Path(argv[0]) if argv else ROOT / "tests" / "data" / "peer" / "annexa_value_variants_half.csv"
    peer = pd.read_csv(variants, dtype=str, keep_default_na=False)
    out = ROOT / "src" / "ofsted_lists" / "data" / "known_spellings.csv"
    derive(peer).to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
