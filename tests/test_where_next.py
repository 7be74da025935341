"""The extension exercises that close the course (notebook 07's "Where next") run as written.

Each exercise is a markdown cell with a ```python block for the student to copy into a cell; the blocks
are run here in order, in one namespace, as a student runs them after the notebook's set-up cell (quick
mode: tiny pictures, a few iterations; seeded random filters offline).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_quiz.ipynb"


def where_next() -> list[str]:
    """The markdown of the section "Where next", cell by cell."""
    cells = ["".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]]
    start = next(i for i, text in enumerate(cells) if text.startswith("## Where next"))
    return cells[start:]


def test_the_section_names_the_three_directions_with_their_papers():
    text = "\n".join(where_next())
    for paper in ("1508.06576", "1603.08155", "1703.06868", "1604.08610"):
        assert f"https://arxiv.org/abs/{paper}" in text, paper
    assert len(re.findall(r"^### Exercise \d", text, flags=re.M)) == 3


@pytest.mark.slow
def test_the_extension_exercises_run_as_written(monkeypatch, capsys):
    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    import matplotlib

    matplotlib.use("Agg")
    import nst_teach as nst

    namespace = {"nst": nst, "np": np, "S": nst.course.settings()}
    blocks = [block for text in where_next() for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)]
    assert len(blocks) == 3
    for block in blocks:
        exec(compile(block, "<where next>", "exec"), namespace)  # noqa: S102 - the notebook's own code
    assert set(namespace["runs"]) == {"tv_weight = 0", "tv_weight = 1", "tv_weight = 10"}
    flickers = re.findall(r"flicker, .*: (\d+\.\d)", capsys.readouterr().out)
    assert len(flickers) == 2 and all(0 <= float(f) <= 255 for f in flickers)
