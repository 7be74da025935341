"""The benchmark scripts run in quick mode (their figures are printed, not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_transfer.py", "bench_memory.py", "bench_kernel_memory.py"])
def test_benchmark_runs_in_quick_mode(script, tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", "--json", str(out)],
        env=dict(os.environ, NST_TEACH_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures  # the figures were written as JSON
    assert "wrote" in done.stdout
