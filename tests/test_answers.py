"""The model answers (instructor/nst_teach_instructor/answers.py): one for every open question of every notebook.

The questions are read from the notebooks themselves (the numbered list under "## Exercises" in the
last markdown cell), so a new question without an answer, or an answer left for a question that is
gone, fails here. The numbers the answers quote are recomputed from the package.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nst_teach import course, layers
from nst_teach_instructor.answers import ANSWERS, answers_for, notebook_key, questions, with_model_answers

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOK_DIR.glob("0*.ipynb"))


def _raw(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_notebooks_ask_about_28_questions() -> None:
    asked = {path.stem: questions(_raw(path)) for path in PATHS}
    assert sum(map(len, asked.values())) >= 28, asked
    for stem, numbered in asked.items():
        if numbered:
            assert sorted(numbered) == list(range(1, len(numbered) + 1)), f"{stem}: the list is not numbered 1, 2, …"


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_every_question_has_exactly_one_answer(path: Path) -> None:
    nb = _raw(path)
    asked = questions(nb)
    if not asked:
        assert path.stem not in ANSWERS, f"{path.stem} asks no questions but has model answers"
        return
    assert notebook_key(nb) == path.stem, "the notebook's title number finds its answers"
    written = ANSWERS.get(path.stem, {})
    assert sorted(written) == sorted(asked), (
        f"{path.name}: questions without an answer {sorted(set(asked) - set(written))}, "
        f"answers without a question {sorted(set(written) - set(asked))}"
    )
    assert answers_for(nb) == written


def test_no_answers_for_a_notebook_that_does_not_exist() -> None:
    assert set(ANSWERS) <= {path.stem for path in PATHS}


@pytest.mark.parametrize(("stem", "number"), [(stem, n) for stem, answers in ANSWERS.items() for n in answers], ids=str)
def test_an_answer_is_a_few_sentences(stem: str, number: int) -> None:
    answer = ANSWERS[stem][number]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`(])", answer) if s.strip()]
    assert 2 <= len(sentences) <= 9, f"{stem} {number}: {len(sentences)} sentences"
    assert len(answer) <= 1000, f"{stem} {number}: {len(answer)} characters; a model answer is a few sentences"
    assert "  " not in answer and not answer.endswith(" ")  # joined string pieces each end with one space


def test_questions_are_read_from_the_list_under_exercises_only() -> None:
    last = {
        "cell_type": "markdown",
        "source": "## Summary\n\n1. not a question\n\n## Exercises\n\n1. First,\n   on two lines?\n2. Second?\n\n"
        "## Later\n\n3. not one either",
    }
    nb = {"cells": [{"cell_type": "markdown", "source": "# 09 · Title"}, last, {"cell_type": "code", "source": ""}]}
    assert questions(nb) == {1: "First, on two lines?", 2: "Second?"}
    assert questions({"cells": [{"cell_type": "markdown", "source": "## Summary\n\n1. x"}]}) == {}
    assert notebook_key(nb) is None  # no notebook 09: no answers, and the copy has "no model answer written yet"
    assert "no model answer written yet" in with_model_answers(nb)["cells"][-1]["source"]


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_the_solved_copy_ends_with_the_model_answers(name: str) -> None:
    raw = _raw(NOTEBOOK_DIR / name)
    solved = course.solve_notebook(raw)
    nbformat.validate(nbformat.reads(json.dumps(solved), as_version=4))
    asked = questions(raw)
    if not asked:
        assert len(solved["cells"]) == len(raw["cells"])
        return
    assert len(solved["cells"]) == len(raw["cells"]) + 1
    cell = solved["cells"][-1]
    assert cell["cell_type"] == "markdown" and cell["source"].startswith("## Model answers")
    text = cell["source"]
    for number, question in asked.items():
        assert f"**{number}. {question}**" in text
        assert ANSWERS[Path(name).stem][number] in text
    assert text.index("**1.") < text.index(f"**{len(asked)}.")


def test_the_numbers_the_answers_quote() -> None:
    by_name = {layer.name: layer for layer in layers.VGG19_LAYERS}
    # 02, question 1: block2_conv1's receptive field; question 2: block5_conv1's activation at 400x300.
    assert by_name["block2_conv1"].receptive_field == 10 and "r = 6 + 2·2 = 10" in ANSWERS["02_vgg19"][1]
    n_h, n_w = by_name["block5_conv1"].output_size((400, 300))
    assert (n_h, n_w, by_name["block5_conv1"].channels) == (19, 25, 512)
    assert f"{n_h * n_w * 512:,}" in ANSWERS["02_vgg19"][2] and f"{300 * 400 * 64:,}" in ANSWERS["02_vgg19"][2]
    # 03, question 4: 4·n_H·n_W·n_C at block4_conv2 for 400x300.
    n_h, n_w = by_name["block4_conv2"].output_size((400, 300))
    assert (
        f"{4 * n_h * n_w * 512:,}" in ANSWERS["03_content_cost"][4]
        and f"({n_h}×{n_w}×512)" in ANSWERS["03_content_cost"][4]
    )
    # 01, question 3: the darkest and brightest pixels after preprocessing, B, G, R.
    from nst_teach.images import preprocess

    for value in (0, 255):
        got = preprocess(np.full((32, 32, 3), value, np.uint8), (32, 32))[0, 0, 0]
        quoted = ", ".join(f"{v:g}".replace("-", "−") for v in np.round(got.astype(np.float64), 3))
        assert f"({quoted})" in ANSWERS["01_images"][3], quoted
