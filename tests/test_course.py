"""Course settings, solved copies and friendly notebook errors."""

from __future__ import annotations

import json

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
    from nst_teach.checks.solutions import solution_source

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
