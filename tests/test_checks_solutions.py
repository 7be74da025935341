"""Tests for nst_teach.exercises and nst_teach_instructor.solutions: the exercise table and the solutions.

Each solution's code must pass its own check and give the package's results; nothing a student
imports (``nst_teach``, ``nst_teach.checks``) reaches the solutions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf

import nst_teach.checks
from nst_teach import costs
from nst_teach.checks import EXERCISES, check_content_cost
from nst_teach.defaults import VGG_MEANS_BGR
from nst_teach.errors import OptionError
from nst_teach_instructor.solutions import SOURCES, USES, solution, solution_source


def assert_passes(result) -> None:
    assert result.passed and result, str(result)
    assert result.mistake is None
    assert "Well done" in result.message


def test_registry_maps_names_to_check_reference_and_source():
    from nst_teach import images

    assert list(EXERCISES) == [
        "preprocess",
        "build_extractor",
        "content_cost",
        "gram_matrix",
        "layer_style_cost",
        "style_cost",
        "total_cost",
        "train_step",
    ]
    check, reference = EXERCISES["content_cost"]
    assert check is check_content_cost and reference is costs.content_cost
    assert EXERCISES["preprocess"].reference is images.preprocess
    assert sorted(SOURCES) == sorted(EXERCISES) == sorted(USES)
    for name, exercise in EXERCISES.items():
        assert solution_source(name).startswith(f"def {name}(")
        assert exercise.notebook.startswith("notebooks/") and exercise.notebook.endswith(".ipynb")
        assert not hasattr(exercise, "source") and not hasattr(exercise, "uses")


@pytest.mark.parametrize("name", list(EXERCISES))
def test_solutions_exec_into_functions_that_pass_their_checks(name):
    scope = {
        "tf": tf,
        "np": np,
        "cv2": cv2,
        "keras": keras,
        "VGG_MEANS_BGR": VGG_MEANS_BGR,
        "gram_matrix": solution("gram_matrix"),  # the earlier exercises' functions, as the solved notebook defines
        "layer_style_cost": solution("layer_style_cost"),  # them (the package's own would be refused)
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
    np.testing.assert_allclose(solution("total_cost")(1.5, 0.25, 3, 8), costs.total_cost(1.5, 0.25, 3, 8), rtol=1e-6)

    import keras

    from nst_teach.training import train_step

    target = tf.constant(rng.normal(size=(1, 5, 4, 3)).astype(np.float32))
    start = rng.normal(size=(1, 5, 4, 3)).astype(np.float32)
    images = []
    for step in (solution("train_step"), train_step):
        image = tf.Variable(start)
        adam = keras.optimizers.Adam(0.1)
        cost = step(image, adam, lambda g: tf.reduce_sum(tf.square(g - target)))
        images.append((float(cost), image.numpy()))
    assert images[0][0] == images[1][0]
    np.testing.assert_array_equal(images[0][1], images[1][1])


def test_unknown_exercise_names_the_choices():
    with pytest.raises(OptionError, match="content_cost"):
        solution_source("content_cots")
    with pytest.raises(OptionError, match="name must be one of"):
        solution("nope")


def test_what_a_student_imports_does_not_reach_the_solutions():
    """A fresh interpreter, as a notebook's kernel: the checks run, the solutions stay unloaded and unnamed."""
    code = (
        "import sys\n"
        "import nst_teach as nst\n"
        "import nst_teach.checks\n"
        "from nst_teach.checks import check_content_cost, check_all, EXERCISES\n"
        "assert nst.check_style_cost is nst_teach.checks.check_style_cost\n"
        "nst.checks.check_content_cost(lambda a, b: a)\n"
        "for owner, name in [(nst, 'instructor'), (nst.checks, 'solution'), (nst.checks, 'solution_source'),\n"
        "                    (nst.checks, 'solutions'), (nst.checks.EXERCISES['content_cost'], 'source')]:\n"
        "    assert not hasattr(owner, name), name\n"
        "    assert name not in dir(owner), name\n"
        "print(sorted(m for m in sys.modules if m.startswith('nst_teach.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "nst_teach.checks.content" in loaded  # the check itself was imported
    assert "nst_teach.instructor" not in loaded and "solutions" not in loaded
    assert not (Path(nst_teach.checks.__file__).parent / "solutions.py").exists()


def test_the_course_writes_solved_copies_from_the_instructor_side():
    from nst_teach import course

    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"nst_teach": {"exercise": "gram_matrix"}},
                "source": "def gram_matrix(A):\n    raise NotImplementedError\n",
                "outputs": [],
                "execution_count": None,
            }
        ]
    }
    solved = course.solve_notebook(notebook)
    assert solution_source("gram_matrix").strip() in solved["cells"][0]["source"]
