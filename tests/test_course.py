"""Course settings, its pictures, the student's functions, solved copies and friendly notebook errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nst_teach import course
from nst_teach.errors import ImageError, OptionError


def test_quick_mode_shrinks_everything(monkeypatch):
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    normal = course.settings()
    assert normal.size == (400, 300) and normal.iterations == 500 and not normal.quick
    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    quick = course.settings()
    assert quick.quick
    assert quick.size[0] * quick.size[1] < normal.size[0] * normal.size[1] / 10
    assert quick.iterations < normal.iterations / 10 and quick.small_iterations < normal.small_iterations


def test_solve_notebook_replaces_only_exercise_cells():
    from nst_teach_instructor.solutions import solution_source

    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Goal"},
            {
                "cell_type": "code",
                "metadata": {"nst_teach": {"exercise": "content_cost"}},
                "source": (
                    "def content_cost(a_c, a_g):\n    ### START CODE HERE ###\n"
                    "    return None\n    ### END CODE HERE ###\n"
                ),
                "outputs": [],
                "execution_count": None,
            },
            {"cell_type": "code", "metadata": {}, "source": "print(1)", "outputs": [], "execution_count": None},
        ]
    }
    solved = course.solve_notebook(nb)
    assert solution_source("content_cost").strip() in solved["cells"][1]["source"]
    assert "START CODE HERE" not in solved["cells"][1]["source"]
    assert solved["cells"][0] == nb["cells"][0] and solved["cells"][2] == nb["cells"][2]
    assert "START CODE HERE" in nb["cells"][1]["source"]  # the original is untouched


def test_copy_notebooks_refuses_to_write_over_the_course(tmp_path):
    (tmp_path / "00_welcome.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    with pytest.raises(OptionError, match="course folder"):
        course.copy_notebooks(tmp_path, source=tmp_path)
    written = course.copy_notebooks(tmp_path / "out", solutions=True, source=tmp_path)
    assert [p.name for p in written] == ["00_welcome.ipynb"]


def test_friendly_errors_show_one_line_for_nst_errors_only():
    shell = pytest.importorskip("IPython.testing.globalipapp").get_ipython()
    assert course.friendly_errors(shell)
    registered = shell.custom_exceptions
    assert ImageError in registered or any(issubclass(ImageError, e) for e in registered)
    assert not any(issubclass(ZeroDivisionError, e) for e in registered)
    shell.set_custom_exc((), None)


# ------------------------------------------------------------------------ the course's pictures


@pytest.fixture
def fresh_pictures(monkeypatch, tmp_path):
    monkeypatch.setattr(course.pictures, "_PICTURES", {})
    monkeypatch.setenv("NST_TEACH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NST_TEACH_GALLERY_DIR", raising=False)
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)


def test_picture_in_quick_mode_is_the_bundled_stand_in_and_says_so(fresh_pictures, monkeypatch, capsys):
    from nst_teach import download, samples

    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    monkeypatch.setattr(download, "fetch", lambda *a, **k: pytest.fail("quick mode must not download"))
    rgb = course.picture("starry_night")
    np.testing.assert_array_equal(rgb, samples.load_sample("swirls"))
    said = capsys.readouterr().out
    assert "Quick mode" in said and "'swirls'" in said and "The Starry Night" in said


def test_picture_offline_falls_back_and_says_why(fresh_pictures, monkeypatch, capsys):
    from nst_teach import samples

    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    rgb = course.picture("tubingen")
    np.testing.assert_array_equal(rgb, samples.load_sample("cottage"))
    said = capsys.readouterr().out
    assert "Could not get the gallery image 'tubingen'" in said and "NST_TEACH_OFFLINE" in said
    assert "'cottage'" in said and "instead" in said


def test_picture_online_uses_the_download_once(fresh_pictures, monkeypatch, tmp_path, capsys):
    """The download is monkeypatched (never the network): it serves a generated picture, once."""
    from PIL import Image

    from nst_teach import download

    generated = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    asked = []

    def fake_fetch(url, **options):
        asked.append((url, options["expected_sha256"]))
        path = tmp_path / options["filename"]
        Image.fromarray(generated).save(path, format="PNG")
        return path

    monkeypatch.delenv("NST_TEACH_OFFLINE", raising=False)
    monkeypatch.setattr(download, "fetch", fake_fetch)
    first = course.picture("the_scream")
    second = course.picture("the_scream")
    np.testing.assert_array_equal(first, generated)
    np.testing.assert_array_equal(second, generated)
    assert [url for url, _ in asked] == [course_gallery_url("the_scream")]  # once: then the course remembers it
    said = capsys.readouterr().out
    assert said.count("Using 'The Scream' by Edvard Munch") == 2


def course_gallery_url(name):
    from nst_teach.gallery import GALLERY

    return GALLERY[name].url


def test_picture_names_a_mistake():
    with pytest.raises(OptionError, match="Did you mean 'tubingen'"):
        course.picture("tubingem")


# ------------------------------------------------------------------------ the student's functions


def test_load_exercises_defines_the_functions_of_saved_notebooks(tmp_path, capsys):
    saved = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# 03"},
            {
                "cell_type": "code",
                "metadata": {"nst_teach": {"exercise": "content_cost"}},
                "source": ["def content_cost(a_c, a_g):\n", "    return 42\n"],
            },
            {"cell_type": "code", "metadata": {}, "source": "raise SystemExit('not an exercise: never run')"},
        ]
    }
    (tmp_path / "03_content_cost.ipynb").write_text(json.dumps(saved), encoding="utf-8")
    namespace: dict = {}
    found = course.load_exercises(namespace, "03_content_cost.ipynb", "04_gram_and_style_cost.ipynb", folder=tmp_path)
    assert found == ["content_cost"] and namespace["content_cost"](1, 2) == 42
    said = capsys.readouterr().out
    assert "from 03_content_cost.ipynb: content_cost" in said
    assert "04_gram_and_style_cost.ipynb is not in" in said and "paste" in said
    import inspect

    assert "return 42" in inspect.getsource(namespace["content_cost"])  # AutoGraph can read it


def test_my_functions_passes_on_written_functions_right_or_wrong():
    import tensorflow as tf

    from nst_teach import costs
    from nst_teach.checks import check_gram_matrix
    from nst_teach.checks.hints import _ATTEMPTS, _forget_attempts
    from nst_teach_instructor.solutions import solution

    def gram_matrix(A):  # well shaped, twice too large: used, and the picture shows it
        return 2 * tf.matmul(A, tf.transpose(A))

    def train_step(generated, optimizer, cost_fn):
        raise NotImplementedError("train_step is not written yet")

    _forget_attempts()
    namespace = {
        "total_cost": solution("total_cost"),
        "gram_matrix": gram_matrix,
        "train_step": train_step,
        "content_cost": costs.content_cost,  # the package's own: not the student's
        "style_cost": lambda a_s, a_g, coefficients: costs.weighted_style_cost(
            [costs.layer_style_cost(a_s[n], a_g[n]) for n in coefficients], list(coefficients.values())
        ),  # the package's arithmetic inside: not the student's either
    }
    mine = course.my_functions(namespace)
    assert dict(mine) == {"gram_matrix": gram_matrix, "total_cost": namespace["total_cost"]}
    assert list(mine.verdicts) == [
        "content_cost",
        "gram_matrix",
        "layer_style_cost",
        "style_cost",
        "total_cost",
        "train_step",
    ]
    assert mine.verdicts["total_cost"] == (True, "correct")
    assert mine.verdicts["gram_matrix"][0] and "not correct" in mine.verdicts["gram_matrix"][1]
    assert mine.verdicts["train_step"] == (False, "not written yet (or it calls a function that is not)")
    assert mine.verdicts["content_cost"] == (False, "it is the package's own")
    assert mine.verdicts["style_cost"] == (False, "it calls the package's own cost functions")
    assert mine.verdicts["layer_style_cost"] == (False, "not defined here")
    assert str(mine).startswith("The run paints with your gram_matrix, total_cost.")
    assert "<table>" in mine._repr_html_()
    assert not _ATTEMPTS  # looking is not an attempt: the student's next check starts at the first hint
    check_gram_matrix(gram_matrix)
    assert sum(_ATTEMPTS.values()) == 1  # a check of its own counts
    _forget_attempts()


def test_my_preprocess_uses_a_written_preprocess_right_or_wrong_and_else_the_packages(capsys):
    import numpy as np

    from nst_teach.images import preprocess as packages
    from nst_teach_instructor.solutions import solution

    def unwritten(rgb, size):
        raise NotImplementedError("preprocess is not written yet")

    def rgb_order(rgb, size):  # runs, but keeps RGB (no BGR swap): used, and the picture shows it
        import cv2

        resized = cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.float32)
        return (resized - np.array([103.939, 116.779, 123.68], np.float32))[np.newaxis]

    assert course.my_preprocess({"preprocess": unwritten}) is packages  # notebook 05 of a course not done yet
    assert "the package's preprocess: not written yet" in capsys.readouterr().out
    assert course.my_preprocess({}) is packages
    assert course.my_preprocess({"preprocess": rgb_order}) is rgb_order
    assert "your preprocess: ✘ not correct" in capsys.readouterr().out
    right = solution("preprocess")
    assert course.my_preprocess({"preprocess": right}) is right
    assert capsys.readouterr().out.strip().endswith("your preprocess: correct")
    rgb = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    assert np.allclose(right(rgb, (48, 36)), packages(rgb, (48, 36)))
