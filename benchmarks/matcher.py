"""The coded-value matcher on real local spellings: share right, wrong and unmapped.

    python benchmarks/matcher.py [--misses] [VARIANTS_CSV]

Scores the liia-tools-pipeline variant table (default tests/data/peer/annexa_value_variants_half.csv)
per column group and overall, by the rules alone (no known spellings) and with the shipped
known spellings (data/known_spellings.csv, derived from that same table, so this second
figure is in-sample: tests/test_codes.py scores the table on a held-out half). The scoring
is ofsted_lists.codes.score, the one the tests use. Takes a few seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ofsted_lists.codes import score

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="?", type=Path,
                        default=ROOT / "tests" / "data" / "peer" / "annexa_value_variants_half.csv")
    parser.add_argument("--misses", action="store_true", help="also list every row not mapped right")
    args = parser.parse_args(argv)
    peer = score.read_peer(args.variants)
    for title, known in (("rules alone (known spellings left out):", {}),
                         ("with the shipped known spellings (in-sample):", None)):
        scores, misses = score.score(peer, known)
        print(score.report(title, scores, misses if args.misses else ()))


if __name__ == "__main__":
    main()
