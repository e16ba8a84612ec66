"""The benchmark script runs end to end at a tiny size, so it cannot rot. Nothing is timed here."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def _module():
    spec = importlib.util.spec_from_file_location("benchmark_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_at_a_tiny_size_and_prints_every_ratio(tmp_path, capsys):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--contacts", "2000", "--reps", "1", "--data-dir", str(tmp_path), "--cin-xml",
         "--annex-a"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for line in ("xlsx build / parse floor", "naive / xlsx build", "xlsx build peak RSS (GB)", "csv build / parse floor",
                 "cin-xml read / iterparse floor", "annex-a / disabled (xlsx)", "annex-a / disabled (csv)"):
        assert re.search(rf"^{re.escape(line)}\s+\d+\.\d\d", out, re.MULTILINE), line
    # Away from 1,000,000 contacts the targets are shown but not judged.
    assert "PASS" not in out and "FAIL" not in out
    assert out.count("<- parse floor") == 2  # one floor per input format
    assert "naive output has the same rows per sheet as the build: yes" in out
    assert "build output has the same rows per sheet for xlsx and csv inputs: yes" in out

    # The generated inputs, in both forms, are cached and reused.
    folders = _module().dataset(tmp_path, 2000, 1, regenerate=False)
    assert "generating" not in capsys.readouterr().out
    # The 903 files (with_returns) are CSV in either form, as the return is.
    assert {p.suffix for p in folders["xlsx"].iterdir() if not p.name.startswith("ssda903_")} == {".xlsx"}
    assert any(p.name.startswith("ssda903_") for p in folders["xlsx"].iterdir())
    assert {p.suffix for p in folders["csv"].iterdir()} == {".csv"}
