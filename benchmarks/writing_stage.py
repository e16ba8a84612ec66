"""The writing stage alone: `pipeline.report` + `workbook.render_xlsx`, on one `build_lists` run.

    python benchmarks/writing_stage.py benchmarks/data/contacts-1000000_seed-1_until-2026-03-31/csv [REPEATS]

Prints each render's seconds and the fastest; run it with another tree's `src` on PYTHONPATH to
compare two commits (the benchmark proper, `run.py`, times whole builds).
"""

import datetime as dt
import sys
import time
from pathlib import Path

from ofsted_lists import pipeline, workbook
from ofsted_lists.config import Config

folder = Path(sys.argv[1])
run = pipeline.build_lists(folder, Config(), as_of=dt.date(2026, 3, 31))
times = []
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    t = time.perf_counter()
    data = workbook.render_xlsx(pipeline.report(run))
    times.append(time.perf_counter() - t)
print(f"{workbook.__file__}: writing stage {' '.join(f'{x:.3f}' for x in times)} s, fastest {min(times):.3f} s, "
      f"{len(data):,} bytes")
