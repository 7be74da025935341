"""The end-of-course quiz (nst_teach/quiz.py) and its notebook, notebooks/07_quiz.ipynb.

Every question's answer is judged right and every other choice wrong, with its reason and without
giving the answer away; the numeric question takes its tolerance; the facts the answers state are
recomputed here from the package (the Gram matrix's shape, the receptive field, α/β); the widgets
give their feedback when Check is clicked; the notebook holds each question as the module states it,
and runs in quick mode, unanswered and answered.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from nst_teach import costs, defaults, quiz
from nst_teach.errors import OptionError

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_quiz.ipynb"
MULTIPLE = [qid for qid, q in quiz.QUESTIONS.items() if not q.numeric]
WRONG = [(qid, c.key) for qid in MULTIPLE for c in quiz.QUESTIONS[qid].choices if c.key != quiz.QUESTIONS[qid].answer]


def test_eight_questions_q1_to_q8_at_least_one_numeric():
    assert list(quiz.QUESTIONS) == [f"q{i}" for i in range(1, 9)]
    assert [q.id for q in quiz.QUESTIONS.values()] == list(quiz.QUESTIONS)
    assert any(q.numeric for q in quiz.QUESTIONS.values()) and len(MULTIPLE) >= 6
    for qid in MULTIPLE:
        q = quiz.QUESTIONS[qid]
        assert q.keys == ("a", "b", "c", "d") and q.answer in q.keys
        assert len({c.text for c in q.choices}) == 4, f"{qid}: two choices read the same"
    assert len({quiz.QUESTIONS[qid].answer for qid in MULTIPLE}) >= 3, "the right letter should not always be the same"


@pytest.mark.parametrize("qid", list(quiz.QUESTIONS))
def test_the_answer_is_correct_and_explained(qid):
    q = quiz.QUESTIONS[qid]
    assert quiz.correct(qid, q.answer)
    said = quiz.feedback(qid, q.answer)
    assert said.startswith(f"✔ {qid}: correct.") and q.explanation in said
    assert len(q.explanation) > 80, "the explanation should say why, in a sentence or two"
    result = quiz.check(qid, q.answer)
    assert result and result.passed and str(result) == repr(result) == said


@pytest.mark.parametrize(("qid", "key"), WRONG, ids=[f"{qid}-{key}" for qid, key in WRONG])
def test_every_wrong_choice_is_wrong_with_its_reason_and_not_the_answer(qid, key):
    q = quiz.QUESTIONS[qid]
    choice = q.choice(key)
    assert not quiz.correct(qid, key)
    said = quiz.feedback(qid, key)
    assert said.startswith(f"✘ {qid}: not ({key}).")
    assert len(choice.why) > 30 and choice.why in said
    assert f"({q.answer})" not in said and q.choice(q.answer).text not in said, "the feedback gave the answer away"
    assert not quiz.check(qid, key)


@pytest.mark.parametrize("qid", MULTIPLE)
def test_letters_are_read_forgivingly_and_nothing_else_counts(qid):
    answer = quiz.QUESTIONS[qid].answer
    for spelling in (answer.upper(), f" {answer} ", f"({answer})"):
        assert quiz.correct(qid, spelling), spelling
    for value in (None, "", answer * 2, 1, ["a"], "e"):
        assert not quiz.correct(qid, value), value
    assert "not answered yet" in quiz.feedback(qid, None) and 'one of "a", "b", "c", "d"' in quiz.feedback(qid, None)
    assert "is not one of the choices" in quiz.feedback(qid, "e")


def test_the_numeric_question_takes_its_tolerance():
    # The reference recipe's α/β = 10/40; with β = 400 the same ratio needs α = 100.
    assert (defaults.ALPHA, defaults.BETA) == (10.0, 40.0)
    q = quiz.QUESTIONS["q7"]
    assert q.numeric and q.answer == pytest.approx(100) and q.tolerance == 0.5
    for value in (100, 100.0, 99.5, 100.5, "100", np.float32(100.2)):
        assert quiz.correct("q7", value), value
    for value in (99.4, 100.6, 10, 0.25, True, math.nan, math.inf, "a hundred", None):
        assert not quiz.correct("q7", value), value
    assert "painting's texture" in quiz.feedback("q7", 10) and "0.025" in quiz.feedback("q7", 10)
    assert "the photo" in quiz.feedback("q7", 1000) and "2.5" in quiz.feedback("q7", 1000)
    assert "is not a number" in quiz.feedback("q7", "a hundred")
    assert "100" not in quiz.feedback("q7", 10), "the feedback gave the answer away"


def test_the_answers_state_what_the_package_computes():
    # q1: the Gram matrix of n_C channels at n_H·n_W positions, by the package's own function.
    n_c, positions = 5, 12
    gram = costs.gram_matrix(tf.random.normal((n_c, positions)))
    assert quiz.QUESTIONS["q1"].choice("b").text == "(n_C, n_C)" and tuple(gram.shape) == (n_c, n_c)
    # q2: the reference recipe's content layer.
    assert quiz.QUESTIONS["q2"].choice(quiz.QUESTIONS["q2"].answer).text == "block4_conv2"
    # q6: block4_conv2's receptive field by the recurrence r_l = r_{l-1} + (k-1)·j_{l-1}, j_l = j_{l-1}·s.
    r, j = 1, 1
    for kind in ["conv"] * 2 + ["pool"] + ["conv"] * 2 + ["pool"] + ["conv"] * 4 + ["pool"] + ["conv"] * 2:
        r, j = (r + 2 * j, j) if kind == "conv" else (r + j, 2 * j)
    assert (r, j) == (84, 8)
    assert "84 px" in quiz.QUESTIONS["q6"].explanation and "8 times coarser" in quiz.QUESTIONS["q6"].explanation


@pytest.mark.parametrize("qid", list(quiz.QUESTIONS))
def test_solution_and_answer_cells_are_python_that_the_quiz_grades(qid):
    solved, blank = {}, {}
    exec(quiz.solution_source(qid), solved)  # noqa: S102 — the line a solved copy holds
    exec(quiz.answer_source(qid), blank)
    assert quiz.correct(qid, solved[qid])
    assert blank[qid] is None and "not answered yet" in quiz.feedback(qid, blank[qid])
    assert quiz.solution_source("q1") == 'q1 = "b"'


def test_an_unknown_question_is_refused_by_name():
    with pytest.raises(OptionError, match=r"qid must be one of \['q1'.*got 'q9'"):
        quiz.correct("q9", "a")


def test_the_result_shows_as_a_box_with_the_feedback_escaped():
    result = quiz.check("q1", "<b>")
    assert not result and "&lt;b&gt;" in result._repr_html_() and "<b>" not in result._repr_html_().split(">", 1)[1]


# --------------------------------------------------------------------------------------------------
# The widgets
# --------------------------------------------------------------------------------------------------


def _said(box) -> str:
    return "".join(output["text"] for output in box.output.outputs)


def test_a_choice_widget_gives_feedback_on_click():
    import ipywidgets

    box = quiz.quiz_widget("q1")
    assert isinstance(box.answer, ipywidgets.RadioButtons) and box.answer.value is None
    assert [value for _, value in box.answer.options] == ["a", "b", "c", "d"]
    assert [label for label, _ in box.answer.options][1] == "(b) (n_C, n_C)"
    assert box.output.outputs == ()
    box.button.click()
    assert _said(box) == quiz.feedback("q1", None) + "\n"
    box.answer.value = "a"
    box.button.click()
    assert _said(box).startswith("✘ q1: not (a).") and quiz.QUESTIONS["q1"].choice("a").why in _said(box)
    box.answer.value = "b"
    box.button.click()
    assert _said(box).startswith("✔ q1: correct.") and "not (a)" not in _said(box), "the old feedback stayed"


def test_the_number_widget_gives_feedback_on_click():
    import ipywidgets

    box = quiz.quiz_widget("q7")
    assert isinstance(box.answer, ipywidgets.FloatText)
    box.answer.value = 10
    box.button.click()
    assert _said(box).startswith("✘ q7: not 10.")
    box.answer.value = 100.2
    box.button.click()
    assert _said(box).startswith("✔ q7: correct.")


def test_the_whole_quiz_is_every_question_with_its_text():
    whole = quiz.quiz()
    assert len(whole.children) == len(quiz.QUESTIONS)
    for box, q in zip(whole.children, quiz.QUESTIONS.values()):
        assert html.unescape(box.children[0].value) == f"<b>{q.title}.</b> {q.text}"
        assert box.button.description == "Check"
    assert quiz.quiz_widget("q2").answer is not quiz.quiz_widget("q2").answer


# --------------------------------------------------------------------------------------------------
# The notebook
# --------------------------------------------------------------------------------------------------


def _cells() -> list[dict]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        cell["source"] = "".join(cell["source"])
    return cells


def test_the_notebook_asks_each_question_as_the_module_states_it():
    cells = _cells()
    answers = [i for i, cell in enumerate(cells) if cell["metadata"].get("nst_teach", {}).get("quiz")]
    assert [cells[i]["metadata"]["nst_teach"]["quiz"] for i in answers] == list(quiz.QUESTIONS)
    for number, (i, qid) in enumerate(zip(answers, quiz.QUESTIONS), start=1):
        question, widget, answer, check = cells[i - 2], cells[i - 1], cells[i], cells[i + 1]
        assert question["cell_type"] == "markdown" and question["source"] == quiz.question_markdown(qid, number)
        assert widget["cell_type"] == "code" and widget["source"] == f'nst.quiz.quiz_widget("{qid}")'
        assert answer["metadata"]["nst_teach"] == {"quiz": qid} and "quiz" in answer["metadata"]["tags"]
        assert answer["source"] == quiz.answer_source(qid)
        assert check["source"] == f'nst.quiz.check("{qid}", {qid})' and "check" in check["metadata"]["tags"]


def test_the_setup_cell_is_the_one_of_every_notebook():
    six = json.loads((NOTEBOOK.parent / "06_experiments.ipynb").read_text(encoding="utf-8"))["cells"]
    setup = next(cell for cell in six if "setup" in cell["metadata"].get("tags", []))
    assert next(cell for cell in _cells() if cell["cell_type"] == "code")["source"] == "".join(setup["source"])


@pytest.mark.slow
@pytest.mark.parametrize("answered", [False, True], ids=["unanswered", "answered"])
def test_the_notebook_runs_and_checks_the_answers(answered, tmp_path, monkeypatch):
    import nbformat
    from test_notebooks import _execute, _outputs_text

    nb = nbformat.read(NOTEBOOK, as_version=4)
    if answered:
        for cell in nb.cells:
            qid = cell.metadata.get("nst_teach", {}).get("quiz")
            if qid:
                cell.source = quiz.solution_source(qid)
    text = _outputs_text(_execute(nb, tmp_path / "work", monkeypatch))
    for qid in quiz.QUESTIONS:
        expected = f"✔ {qid}: correct." if answered else f"✘ {qid}: not answered yet."
        assert expected in text, qid
    view = "application/vnd.jupyter.widget-view+json"
    shown = [o for cell in nb.cells for o in cell.get("outputs", []) if view in o.get("data", {})]
    assert len(shown) == len(quiz.QUESTIONS)  # each widget cell showed its widget
