"""The benchmark scripts run in quick mode (their figures are printed, not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _quick(script: str, tmp_path: Path, *options: str) -> tuple[object, subprocess.CompletedProcess]:
    """Runs ``benchmarks/<script> --quick [options]`` offline; returns the figures it wrote as JSON, and the run."""
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *options, "--json", str(out)],
        env=dict(os.environ, NST_TEACH_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_transfer.py", "bench_memory.py", "bench_kernel_memory.py"])
def test_benchmark_runs_in_quick_mode(script, tmp_path):
    figures, done = _quick(script, tmp_path)
    assert figures  # the figures were written as JSON
    assert "wrote" in done.stdout


@pytest.mark.slow
def test_bench_convergence_stops_where_the_rule_says_in_quick_mode(tmp_path):
    from nst_teach.convergence import first_converged

    (figures,), done = _quick(
        "bench_convergence.py", tmp_path, "--reference", "--precisions", "float32", "--tolerances", "0.5,0.2"
    )
    assert figures["pair"] == "cottage + swirls" and figures["reference_cost"] > 0
    assert len(figures["totals"]) == 30  # the rule off: every iteration of the quick run
    for row in figures["rows"]:
        assert row["iteration"] == first_converged(figures["totals"], row["tolerance"])
        if row["iteration"] is not None:
            assert row["cost"] > 0 and row["seconds"] == figures["seconds"][row["iteration"] - 1]
    assert "CPU:" in done.stdout and "load average" in done.stdout
