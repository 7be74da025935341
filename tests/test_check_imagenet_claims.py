"""benchmarks/check_imagenet_claims.py: it refuses without the ImageNet weights, and runs (as a test) with random ones.

The script measures, before class, what the notebooks' "**With the ImageNet weights**" sentences describe.
Here no ImageNet weights can be had: it must refuse, saying why and how to get them; ``--allow-random``
runs it on a file of seeded random weights, in quick mode, to show that every section runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nst_teach.weights import WEIGHTS_FILENAME, write_random_weights

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "check_imagenet_claims.py"


def _run(*options: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NST_TEACH_OFFLINE="1", KERAS_HOME=str(home / "keras"))
    env.pop("NST_TEACH_WEIGHTS", None)
    return subprocess.run([sys.executable, str(SCRIPT), *options], env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip


def test_without_the_imagenet_weights_it_refuses_and_says_how_to_get_them(tmp_path):
    done = _run(home=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "check_imagenet_claims: refused" in done.stderr and WEIGHTS_FILENAME in done.stderr
    assert "nst-teach weights --download" in done.stderr and "--allow-random" in done.stderr
    assert done.stdout == ""  # not one figure


@pytest.mark.slow
def test_with_random_weights_it_refuses_unless_told_and_then_every_section_runs(tmp_path):
    weights = write_random_weights(tmp_path / "random.h5", 3)
    refused = _run("--quick", "--weights", str(weights), home=tmp_path)
    assert refused.returncode == 2 and "write_random_weights(seed=3)" in refused.stderr
    done = _run("--quick", "--allow-random", "--weights", str(weights), "--json", str(tmp_path / "f.json"),
                "--out", str(tmp_path / "pictures"), home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("RANDOM FILTERS")
    for section in ("notebook 02", "notebook 03", "notebook 04, 'Why the Gram matrix is style'",
                    "notebook 04, 'What style alone rebuilds'", "model answers 05.3 and 05.6"):  # fmt: skip
        assert f"== {section}" in done.stdout, section
    figures = json.loads((tmp_path / "f.json").read_text())
    assert not figures["pretrained"] and set(figures["rebuilt_difference"]) >= {"block1_conv2", "block5_conv2"}
    assert set(figures["shares"]) == {"painting S vs S, tiles shuffled", "painting S vs S, rolled by half",
                                      "photo C vs C with S's texture"}  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "pictures").glob("*.png")) == [
        "02-feature-maps-block1_conv1.png", "02-feature-maps-block4_conv2.png", "03-rebuilt.png",
        "04-style-rebuilt.png"]  # fmt: skip
