"""The student's functions that pass their checks are kept outside the course folder, for notebook 05.

Functions are defined as a notebook cell defines them: from source registered in ``linecache``, so that
``inspect.getsource`` reads them back (IPython registers every cell the same way).
"""

from __future__ import annotations

import linecache
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from nst_teach import checks, kept_functions

CONTENT_COST = """
def _norm(a):
    _, n_H, n_W, n_C = a.shape
    return 4 * n_H * n_W * n_C


def content_cost(a_C, a_G):
    return tf.reduce_sum(tf.square(a_C - a_G)) / _norm(a_C)
"""


def _cell(source: str, name: str = "<cell 1>") -> dict:
    """Runs ``source`` as a notebook cell would: a namespace of its own, the code readable by ``inspect``."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace = {"tf": tf, "__name__": "__main__"}
    exec(compile(source, name, "exec"), namespace)
    return namespace


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(kept_functions.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


def test_a_passing_check_keeps_the_function_and_its_helper(home):
    assert checks.check_content_cost(_cell(CONTENT_COST)["content_cost"]).passed
    kept = kept_functions.kept("content_cost")
    assert kept.path == home / "functions" / "content_cost.py"
    assert kept.passed.startswith("passed check_content_cost on ")
    assert "def _norm(a):" in kept.source and kept.source.index("def _norm") < kept.source.index("def content_cost")
    namespace = {"tf": tf}  # a fresh kernel: the kept file alone defines both
    kept_functions.load_kept(namespace, "content_cost")
    a_C, a_G = np.ones((1, 2, 3, 4), np.float32), np.zeros((1, 2, 3, 4), np.float32)
    assert float(namespace["content_cost"](a_C, a_G)) == pytest.approx(24 / (4 * 24))


def test_a_failing_check_keeps_nothing_and_the_last_passing_version_stays(home):
    checks.check_content_cost(_cell(CONTENT_COST)["content_cost"])
    before = kept_functions.kept("content_cost").source
    wrong = _cell("def content_cost(a_C, a_G):\n    return tf.reduce_sum(tf.square(a_C - a_G))\n", "<cell 2>")
    assert not checks.check_content_cost(wrong["content_cost"]).passed
    assert kept_functions.kept("content_cost").source == before


def test_what_has_no_source_or_was_loaded_from_the_kept_file_is_not_kept_again(home):
    assert kept_functions.keep("content_cost", lambda a_C, a_G: 0) is None  # its source is the line around it
    assert kept_functions.keep("content_cost", np.add) is None  # no Python source at all
    checks.check_content_cost(_cell(CONTENT_COST)["content_cost"])
    namespace = {"tf": tf, "__name__": "__main__"}
    kept_functions.load_kept(namespace, "content_cost")
    stamp = kept_functions.kept("content_cost").path.stat().st_mtime_ns
    assert checks.check_content_cost(namespace["content_cost"]).passed
    assert kept_functions.kept("content_cost").path.stat().st_mtime_ns == stamp


def test_a_function_of_another_name_is_kept_under_the_exercises_name(home):
    mine = _cell(CONTENT_COST.replace("def content_cost", "def my_cost"), "<cell 3>")["my_cost"]
    assert checks.check_content_cost(mine).passed
    namespace = {"tf": tf}
    kept_functions.load_kept(namespace, "content_cost")
    assert namespace["content_cost"] is namespace["my_cost"]


def test_a_home_that_cannot_be_written_leaves_the_verdict(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(kept_functions.HOME_ENV, str(blocked))
    assert checks.check_content_cost(_cell(CONTENT_COST)["content_cost"]).passed
    assert kept_functions.kept("content_cost") is None


PREPROCESS = """
def preprocess(rgb, size):
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)
    x = bgr.astype(np.float32) - np.array(VGG_MEANS_BGR, np.float32)
    return x[np.newaxis]
"""


def test_a_kept_function_brings_the_modules_and_values_its_notebook_set_up(home):
    # Notebook 01's set-up imports cv2 and numpy and VGG_MEANS_BGR; notebook 05 has none of them.
    import cv2

    from nst_teach.defaults import VGG_MEANS_BGR

    linecache.cache["<cell 7>"] = (len(PREPROCESS), None, PREPROCESS.splitlines(True), "<cell 7>")
    namespace = {"cv2": cv2, "np": np, "VGG_MEANS_BGR": VGG_MEANS_BGR, "__name__": "__main__"}
    exec(compile(PREPROCESS, "<cell 7>", "exec"), namespace)
    assert checks.check_preprocess(namespace["preprocess"]).passed
    source = kept_functions.kept("preprocess").source
    assert "import cv2" in source and "import numpy as np" in source
    assert f"VGG_MEANS_BGR = {VGG_MEANS_BGR!r}" in source
    fresh: dict = {}  # notebook 05's kernel: nothing of 01's set-up
    kept_functions.load_kept(fresh, "preprocess")
    rgb = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    from nst_teach.images import preprocess

    assert np.allclose(fresh["preprocess"](rgb, (48, 36)), preprocess(rgb, (48, 36)))
