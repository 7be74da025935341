"""benchmarks/bench_course.py on notebooks 00 and 03 in quick mode: every cell timed, the table printed,
the JSON consistent with itself and with the notebooks it ran, the forecasts they printed collected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_course_times_every_cell_of_the_notebooks(tmp_path):
    out = tmp_path / "course.json"
    script = ROOT / "benchmarks" / "bench_course.py"
    notebooks = ["00_welcome.ipynb", "03_content_cost.ipynb"]
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--notebooks", *notebooks, "--json", str(out)],
        env=dict(os.environ, NST_TEACH_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    notebook, reconstructions = figures["notebooks"]
    assert notebook["notebook"] == "00_welcome.ipynb" and notebook["error"] is None
    assert reconstructions["notebook"] == "03_content_cost.ipynb" and reconstructions["error"] is None
    assert figures["course_s"] == pytest.approx(notebook["total_s"] + reconstructions["total_s"])

    source = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    code = [i for i, cell in enumerate(source.cells) if cell.cell_type == "code"]
    assert [c["cell"] for c in notebook["cells"]] == code  # every code cell, timed (not the one reading the peak)
    assert 300 < notebook["kernel_peak_mib"] < 8000, "the kernel's own VmHWM, TensorFlow loaded"
    seconds = [c["seconds"] for c in notebook["cells"]]
    assert all(s >= 0 for s in seconds)
    assert notebook["total_s"] == pytest.approx(sum(seconds))
    assert notebook["total_s"] <= notebook["wall_s"]  # the kernel's start is not a cell's
    assert notebook["slowest"]["seconds"] == max(seconds)

    # The first painting: the first cell after the first StyleTransfer that shows a picture.
    transfer = next(i for i in code if "StyleTransfer(" in source.cells[i].source)
    painting = notebook["first_painting"]
    assert painting["cell"] > transfer and "show_images" in source.cells[painting["cell"]].source
    upto = [c["seconds"] for c in notebook["cells"] if c["cell"] <= painting["cell"]]
    assert painting["since_start_s"] == pytest.approx(sum(upto))

    # Notebook 03's forecast, printed before its five reconstructions, next to the time their cell took.
    assert not any(c["forecasts"] for c in notebook["cells"])  # 00's first painting is not timed beforehand
    source_03 = nbformat.read(ROOT / "notebooks" / "03_content_cost.ipynb", as_version=4)
    (forecast,) = [c for c in reconstructions["cells"] if c["forecasts"]]
    assert "reconstruct_content(layer)" in source_03.cells[forecast["cell"]].source
    assert forecast["forecasts"] == ["quick mode: 5 run(s) of 3 iterations at 48×36"]
    assert f"| 03_content_cost.ipynb | {forecast['cell']} | quick mode: 5 run(s)" in done.stdout

    # The paintings each notebook made, from its kernel's run log: 00's at quick mode's first size (3 + 3
    # iterations in one StyleTransfer: two runs), 03's five reconstructions at the small size.
    assert [tuple(run["size"]) for run in notebook["runs"]] == [(48, 36), (48, 36)]
    assert notebook["paintings"] == "48×36 ×2"
    assert reconstructions["paintings"].startswith("48×36 ×") and len(reconstructions["runs"]) >= 5
    assert all(run["ended"] in ("converged", "limit") for run in notebook["runs"] + reconstructions["runs"])

    table = done.stdout
    assert "| 00_welcome.ipynb | " in table and "| **the course** |" in table
    assert "| 48×36 ×2 |" in table
    assert f"{notebook['total_s']:.1f}" in table
    assert figures["weights"] == "random" and figures["precision"] in ("float32", "bfloat16")
    assert figures["cpu"]["name"] and f"CPU: {figures['cpu']['name']}" in table
    assert "wrote" in done.stdout
