"""Tests for nst_teach.checks.exercises and nst_teach.checks.solutions: the registry and the solutions.

Each solution's code must pass its own check and give the package's results; importing the checks
must not import the solutions.
"""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf

import nst_teach.checks
from nst_teach import costs
from nst_teach.checks import EXERCISES, check_content_cost
from nst_teach.checks.solutions import solution, solution_source
from nst_teach.defaults import VGG_MEANS_BGR
from nst_teach.errors import OptionError


def assert_passes(result) -> None:
    assert result.passed and result, str(result)
    assert result.mistake is None
    assert "Well done" in result.message


def test_registry_maps_names_to_check_reference_and_source():
    from nst_teach import images

    assert list(EXERCISES) == ["preprocess", "content_cost", "gram_matrix", "layer_style_cost", "style_cost"]
    check, reference, source = EXERCISES["content_cost"]
    assert check is check_content_cost and reference is costs.content_cost
    assert source == solution_source("content_cost")
    assert EXERCISES["preprocess"].reference is images.preprocess
    for name, exercise in EXERCISES.items():
        assert exercise.source.startswith(f"def {name}(")
        assert exercise.notebook.startswith("notebooks/") and exercise.notebook.endswith(".ipynb")


@pytest.mark.parametrize("name", list(EXERCISES))
def test_solutions_exec_into_functions_that_pass_their_checks(name):
    scope = {
        "tf": tf,
        "np": np,
        "cv2": cv2,
        "VGG_MEANS_BGR": VGG_MEANS_BGR,
        "gram_matrix": costs.gram_matrix,
        "layer_style_cost": costs.layer_style_cost,
    }
    exec(solution_source(name), scope)  # noqa: S102 - what the solved notebooks will do
    assert_passes(EXERCISES[name].check(scope[name]))
    assert_passes(EXERCISES[name].check(solution(name)))


def test_solutions_match_the_package_functions_on_fresh_inputs():
    from nst_teach.images import preprocess

    rng = np.random.default_rng(123)
    rgb = rng.integers(0, 256, (50, 41, 3), dtype=np.uint8)
    np.testing.assert_array_equal(solution("preprocess")(rgb, (33, 47)), preprocess(rgb, (33, 47)))

    a, b = (tf.constant(rng.random((1, 9, 5, 7), dtype=np.float32)) for _ in range(2))
    np.testing.assert_allclose(solution("content_cost")(a, b), costs.content_cost(a, b), rtol=1e-5)
    np.testing.assert_allclose(solution("layer_style_cost")(a, b), costs.layer_style_cost(a, b), rtol=1e-5)
    m = tf.constant(rng.random((6, 11), dtype=np.float32))
    np.testing.assert_allclose(solution("gram_matrix")(m), m.numpy() @ m.numpy().T, rtol=1e-5)
    layers = {"block1_conv1": 0.7, "block4_conv1": 1.3}
    c, d = ({n: rng.random((1, 4, 3, 2), dtype=np.float32) for n in layers} for _ in range(2))
    np.testing.assert_allclose(solution("style_cost")(c, d, layers), costs.style_cost(c, d, layers), rtol=1e-5)


def test_unknown_exercise_names_the_choices():
    with pytest.raises(OptionError, match="content_cost"):
        solution_source("content_cots")
    with pytest.raises(OptionError, match="name must be one of"):
        solution("nope")


def test_importing_the_checks_does_not_import_the_solutions():
    code = (
        "import sys\n"
        "import nst_teach as nst\n"
        "import nst_teach.checks\n"
        "from nst_teach.checks import check_content_cost, check_all, EXERCISES\n"
        "assert nst.check_style_cost is nst_teach.checks.check_style_cost\n"
        "print(sorted(m for m in sys.modules if m.startswith('nst_teach.checks')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "nst_teach.checks.content" in loaded  # the check itself was imported
    assert "nst_teach.checks.solutions" not in loaded


def test_the_solutions_stay_reachable_from_the_checks():
    assert nst_teach.checks.solution_source is solution_source
    assert nst_teach.checks.solution is solution
