"""The nbgrader course (instructor/nst_teach_instructor/nbgrader.py), checked by nbgrader itself.

The fast tests validate every notebook's source version with nbgrader's own metadata validator and
check what each kind of cell became; the hidden tests are run against the reference solutions and
against typical mistakes. The slow test runs the real nbgrader command line on the course written by
``nst-teach notebooks --nbgrader``, in a temporary course folder with its own gradebook:
``generate_assignment`` strips every solution from every notebook, and ``autograde`` (quick mode,
offline, random filters) gives full points to a submission with the solutions filled in and zero to the
untouched release.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator

from nst_teach import course
from nst_teach.cli import main
from nst_teach.errors import NSTError
from nst_teach_instructor import nbgrader as grader
from nst_teach_instructor import quiz as keys
from nst_teach_instructor.answers import ANSWERS, questions
from nst_teach_instructor.solutions import solution, solution_source

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _raw(name: str) -> dict:
    return json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))


def _text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _ours(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nst_teach", {})


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _body(name: str) -> list[str]:
    """The lines of an exercise's reference solution after its ``def`` and docstring: what must not be released."""
    return [line.strip() for line in solution_source(name).splitlines()[2:] if line.strip()]


# ------------------------------------------------------------------------------------------------
# The source notebooks
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_each_source_notebook_is_valid_for_nbgrader(name: str) -> None:
    raw = _raw(name)
    source = grader.source_notebook(raw)
    node = nbformat.from_dict(source)
    nbformat.validate(node)
    MetadataValidator().validate_nb(node)  # nbgrader's own check: schema, grade ids, points, markdown answers
    ids = [_nbgrader(cell)["grade_id"] for cell in source["cells"] if _nbgrader(cell)]
    assert len(ids) == len(set(ids))
    assert all(_nbgrader(cell)["schema_version"] == 3 for cell in source["cells"] if _nbgrader(cell))


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_each_kind_of_cell_becomes_what_nbgrader_expects(name: str) -> None:
    raw = _raw(name)
    source = grader.source_notebook(raw)
    exercises = [course.exercise_name(cell) for cell in raw["cells"] if course.exercise_name(cell)]
    quizzes = [cell["metadata"]["nst_teach"]["quiz"] for cell in raw["cells"] if "quiz" in _ours(cell)]
    checks = [cell for cell in raw["cells"] if "check" in cell["metadata"].get("tags", [])]
    answers = {_nbgrader(c)["grade_id"]: c for c in source["cells"] if _nbgrader(c).get("solution")}
    graded_code = [c for c in source["cells"] if _nbgrader(c).get("grade") and c["cell_type"] == "code"]
    tests = {_nbgrader(c)["grade_id"]: c for c in graded_code}
    # Autograded answers: each exercise, its solution's body between the markers; each quiz question, answered.
    for exercise in exercises:
        cell, meta = answers[exercise], _nbgrader(answers[exercise])
        assert cell["cell_type"] == "code" and not meta["grade"] and not meta["locked"]
        region = _text(cell).split(BEGIN)[1].split(END)[0]
        assert all(line in region for line in _body(exercise))
        assert f"def {exercise}(" in _text(cell).split(BEGIN)[0]
    for quiz_id in quizzes:
        assert keys.solution_source(quiz_id) in _text(answers[quiz_id]).split(BEGIN)[1].split(END)[0]
    # Autograder tests: one per check cell, locked, with points, asserting that the check passed.
    assert len(tests) == len(checks) == len(exercises) + len(quizzes)
    for exercise in exercises:
        meta, text = _nbgrader(tests[f"check_{exercise}"]), _text(tests[f"check_{exercise}"])
        assert meta["locked"] and meta["points"] == grader.POINTS["check"]
        assert f"nst.checks.check_{exercise}({exercise})" in text and re.search(r"^assert \w+\.passed", text, re.M)
        assert grader.HIDDEN_TESTS[exercise] in text.split("### BEGIN HIDDEN TESTS")[1]
    for quiz_id in quizzes:  # no verdict in sight: the hidden test grades with the instructor's keys
        shown, hidden = _text(tests[f"check_{quiz_id}"]).split("### BEGIN HIDDEN TESTS")
        assert "is recorded" in shown and not re.search(r"correct|nst\.quiz|assert", shown)
        assert "from nst_teach_instructor.quiz import correct" in hidden
        assert f"assert _correct({quiz_id!r}, {quiz_id})" in hidden
        assert _nbgrader(tests[f"check_{quiz_id}"])["points"] == grader.POINTS["quiz"]
    widgets = [c for c in raw["cells"] if c["cell_type"] == "code" and "nst.quiz.quiz_widget(" in _text(c)]
    notes = [c for c in source["cells"] if c["cell_type"] == "markdown" and _text(c) == grader.QUIZ_WIDGET_NOTE]
    assert len(widgets) == len(notes) == len(quizzes) and [c["id"] for c in widgets] == [c["id"] for c in notes]
    # Manually graded: each open question, the model answer as its solution.
    asked = questions(raw)
    for number, question in asked.items():
        cell, meta = answers[f"question_{number}"], _nbgrader(answers[f"question_{number}"])
        assert cell["cell_type"] == "markdown" and meta["grade"] and meta["points"] == grader.POINTS["question"]
        assert question in _text(cell).split(BEGIN)[0]
        assert ANSWERS[Path(name).stem][number] in _text(cell).split(BEGIN)[1].split(END)[0]
    # Read-only: every other markdown cell and the set-up cell; every other code cell as it was.
    graded = {id(c) for c in [*answers.values(), *tests.values()]}
    others = [c for c in source["cells"] if id(c) not in graded]
    for cell in others:
        if cell["cell_type"] == "markdown" or "setup" in cell["metadata"].get("tags", []):
            assert _nbgrader(cell)["locked"] and not _nbgrader(cell)["grade"] and not _nbgrader(cell)["solution"]
        else:
            assert not _nbgrader(cell)
    marked = {"exercise", "check", "quiz", "setup"}
    untouched = [
        c
        for c in raw["cells"]
        if c["cell_type"] == "code"
        and not marked & set(c["metadata"].get("tags", []))
        and "nst.quiz.quiz_widget(" not in _text(c)  # a note in a graded course (above)
    ]
    assert [_text(c) for c in untouched] == [_text(c) for c in others if c["cell_type"] == "code" and not _nbgrader(c)]
    assert len(source["cells"]) == len(raw["cells"]) + (len(asked) + 1 if asked else 0)


def test_the_answer_cells_keep_the_notebooks_signature_and_docstring() -> None:
    for name in course.NOTEBOOKS:
        for cell in _raw(name)["cells"]:
            exercise = course.exercise_name(cell)
            if exercise:
                student_head = _text(cell).split("### START CODE HERE ###")[0].rstrip().splitlines()
                assert student_head == solution_source(exercise).splitlines()[: len(student_head)], exercise


def test_the_hidden_tests_pass_the_reference_solutions_and_fail_typical_mistakes() -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    import nst_teach as nst

    for name, code in grader.HIDDEN_TESTS.items():
        scope = {"nst": nst, name: solution(name)}
        exec(code, scope)  # noqa: S102 - our own test code
        assert not [key for key in scope if key.startswith("_") and key != "__builtins__"], "they clean up"

    layer_style_cost = solution("layer_style_cost")

    def no_step(generated, optimizer, cost_fn):
        return cost_fn(generated)  # the cost, but no update

    mistakes = {
        "preprocess": lambda rgb, size: nst.preprocess(rgb[..., ::-1].copy(), size),  # RGB order
        "build_extractor": lambda vgg, layers: keras.Model(vgg.input, {n: vgg.get_layer(n).output for n in layers}),
        "content_cost": lambda a_c, a_g: tf.reduce_mean(tf.square(a_c - a_g)),  # the 4 is missing
        "gram_matrix": lambda A: tf.matmul(tf.transpose(A), A),  # AᵀA: (n_H·n_W, n_H·n_W)
        "layer_style_cost": lambda a_s, a_g: 2 * layer_style_cost(a_s, a_g),
        "style_cost": lambda a_s, a_g, coefficients: sum(layer_style_cost(a_s[n], a_g[n]) for n in coefficients),
        "total_cost": lambda J_content, J_style, alpha=10, beta=40: beta * J_content + alpha * J_style,
        "train_step": no_step,
    }
    assert sorted(mistakes) == sorted(grader.HIDDEN_TESTS)
    for name, wrong in mistakes.items():
        with pytest.raises(AssertionError):
            exec(grader.HIDDEN_TESTS[name], {"nst": nst, name: wrong, "np": np})  # noqa: S102


def test_a_check_cell_in_another_form_is_named() -> None:
    nb = {
        "cells": [{"cell_type": "code", "metadata": {"tags": ["check"]}, "source": "nst.checks.check_gram_matrix(g)"}]
    }
    with pytest.raises(NSTError, match="check = nst.checks.check_NAME"):
        grader.source_notebook(nb)


def _holds_no_key_and_no_verdict(release: nbformat.NotebookNode) -> None:
    """The quiz as a student gets it in a graded course: no key, no text that gives one away, no verdict.

    Every released test cell runs, with the right answer and with a wrong one, and says the same thing but
    the answer it shows.
    """
    text = "\n".join(cell.source for cell in release.cells)
    leaked = [secret for secret in keys.secret_texts() if secret in text]
    assert not leaked, f"the released quiz gives away {leaked}"
    code = "\n".join(cell.source for cell in release.cells if cell.cell_type == "code")
    for said in ("nst.quiz.check", "quiz_widget", "correct(", "_correct", "_feedback", "HIDDEN", "SOLUTION"):
        assert said not in code, f"the released quiz runs {said!r}"
    tests = [cell for cell in release.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == len(keys.QUESTIONS)
    for cell in tests:
        qid = cell.metadata["nbgrader"]["grade_id"].removeprefix("check_")
        q = keys.QUESTIONS[qid]
        solved: dict = {}
        exec(keys.solution_source(qid), solved)  # noqa: S102 - the solved line
        wrong = next(c.key for c in q.choices if c.key != q.answer) if q.choices else q.answer + 1000
        said = {}
        for value in (solved[qid], wrong):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(cell.source, {qid: value})  # noqa: S102 - the released cell: print only
            said[value] = out.getvalue().replace(repr(value), "…")
        assert len(set(said.values())) == 1 and "is recorded" in next(iter(said.values())), said


def test_the_released_quiz_holds_no_key_and_gives_no_verdict() -> None:
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    release = nbformat.reads(json.dumps(grader.source_notebook(_raw("07_quiz.ipynb"))), as_version=4)
    for clear in (ClearSolutions(), ClearHiddenTests()):  # what `nbgrader generate_assignment` strips
        release, _ = clear.preprocess(release, {})
    _holds_no_key_and_no_verdict(release)


# ------------------------------------------------------------------------------------------------
# The command line and the course folder
# ------------------------------------------------------------------------------------------------


def test_cli_writes_the_course_and_keeps_what_the_instructor_changed(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "course"
    assert main(["notebooks", "--nbgrader", str(folder)]) == 0
    assert (folder / "nbgrader_config.py").read_text(encoding="utf-8") == grader.CONFIG
    for name in course.NOTEBOOKS:
        written = json.loads((folder / "source" / Path(name).stem / name).read_text(encoding="utf-8"))
        assert written == grader.source_notebook(_raw(name))
        glossary = folder / "source" / Path(name).stem / course.GLOSSARY  # what its relative links open
        assert glossary.read_bytes() == (NOTEBOOK_DIR / course.GLOSSARY).read_bytes()
    assert "nbgrader generate_assignment 00_welcome" in capsys.readouterr().err
    config = folder / "nbgrader_config.py"
    config.write_text(grader.CONFIG + "c.Execute.timeout = 60\n", encoding="utf-8")
    assert main(["notebooks", "--nbgrader", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"kept {config}" in err  # nothing new to write, the edited config kept
    assert main(["notebooks", "--nbgrader", str(folder), "--force"]) == 0
    assert config.read_text(encoding="utf-8") == grader.CONFIG
    assert capsys.readouterr().out.strip() == str(config)


def test_cli_needs_a_folder(tmp_path: Path, capsys) -> None:
    assert main(["notebooks"]) == 2
    assert "--nbgrader DIR" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["notebooks", "--nbgrader", str(tmp_path / "file")]) == 2


def test_the_config_runs_the_grading_kernels_in_quick_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, nbclient_resets_sigint: None
) -> None:
    from nbclient import NotebookClient
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    (tmp_path / "nbgrader_config.py").write_text(grader.CONFIG, encoding="utf-8")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    execute = Execute(config=config)
    assert config.CourseDirectory.course_id == "nst-teach" and execute.timeout == 600
    cell = nbformat.v4.new_code_cell("import os; print(os.environ.get('NST_TEACH_QUICK'))")
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    nb = nbformat.v4.new_notebook(
        cells=[cell], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    NotebookClient(nb, kernel_name="python3", extra_arguments=execute.extra_arguments, timeout=120).execute()
    assert cell.outputs[0]["text"].strip() == "1"
    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    assert course.quick_mode()  # what the notebooks' set-up cell reads
    monkeypatch.setenv("NST_TEACH_QUICK", "0")  # set where nbgrader runs, it wins
    NotebookClient(nb, kernel_name="python3", extra_arguments=execute.extra_arguments, timeout=120).execute()
    assert cell.outputs[0]["text"].strip() == "0"


# ------------------------------------------------------------------------------------------------
# The real nbgrader, end to end
# ------------------------------------------------------------------------------------------------

#: Graded end to end: the exercises' notebook with the most checks, and the quiz.
GRADED = [name for name in ("04_gram_and_style_cost.ipynb", "07_quiz.ipynb") if name in course.NOTEBOOKS]


def _environment(tmp_path: Path) -> dict[str, str]:
    """nbgrader's environment: this Python as the notebooks' kernel, quick mode, offline, no user config."""
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "language": "python",
            "display_name": "Python 3 (nst-teach tests)"}  # fmt: skip
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "NST_TEACH_WEIGHTS"}
    env.update(JUPYTER_PATH=str(tmp_path / "jupyter"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    env.update(NST_TEACH_QUICK="1", NST_TEACH_OFFLINE="1")
    env.setdefault("NST_TEACH_CACHE", str(tmp_path / "cache"))
    # nbgrader runs `alembic` by name (nbgrader.api.get_alembic_version): the environment's scripts must be
    # on PATH, as they are in an activated environment but not when .ci/run calls .venv-test/bin/python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _run(args: list[str], folder: Path, env: dict[str, str], db: Path) -> str:
    command = [sys.executable, "-m", "nbgrader", *args, "--force", f"--db=sqlite:///{db}"]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    assert "[ERROR]" not in done.stderr, done.stderr
    return done.stderr


def solved_notebook(release: dict, source: dict) -> dict:
    """The released notebook ``release`` with each answer cell filled with the source's (the instructor's)."""
    answers = {_nbgrader(c)["grade_id"]: _text(c) for c in source["cells"] if _nbgrader(c).get("solution")}
    release = json.loads(json.dumps(release))
    for cell in release["cells"]:
        if _nbgrader(cell).get("solution"):
            kept = [line for line in answers[_nbgrader(cell)["grade_id"]].split("\n") if "SOLUTION" not in line]
            cell["source"] = "\n".join(kept)
    return release


def _submit(folder: Path, student: str, name: str, solved: bool) -> None:
    """A student's submission: the release as handed out, or with each answer cell filled with the source's."""
    assignment = Path(name).stem
    release = json.loads((folder / "release" / assignment / name).read_text(encoding="utf-8"))
    if solved:
        source = json.loads((folder / "source" / assignment / name).read_text(encoding="utf-8"))
        release = solved_notebook(release, source)
    target = folder / "submitted" / student / assignment / name
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(release, indent=1), encoding="utf-8")


@pytest.mark.slow
def test_nbgrader_generates_the_release_and_autogrades_the_submissions(tmp_path: Path) -> None:
    folder, db, env = tmp_path / "course", tmp_path / "gradebook.db", _environment(tmp_path)
    grader.write_course(folder, course.course_files(), course.NOTEBOOKS)
    _run(["generate_assignment", "*"], folder, env, db)

    # Every notebook released, every solution and hidden test stripped, the stubs in their place.
    for name in course.NOTEBOOKS:
        raw = _raw(name)
        shown = "\n".join(_text(cell) for cell in raw["cells"])  # a line the lesson itself shows is no leak
        release = nbformat.read(folder / "release" / Path(name).stem / name, as_version=4)
        MetadataValidator().validate_nb(release)
        assert (folder / "release" / Path(name).stem / course.GLOSSARY).is_file(), "the glossary links would be dead"
        text = "\n".join(cell.source for cell in release.cells)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        for cell in release.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                assert "# YOUR CODE HERE\nraise NotImplementedError()" in cell.source.replace("    ", "")
            elif meta.get("solution"):
                assert cell.source.endswith("YOUR ANSWER HERE")
        for exercise in [course.exercise_name(cell) for cell in raw["cells"] if course.exercise_name(cell)]:
            leaked = [line for line in _body(exercise) if line in text and line not in shown]
            assert not leaked, f"{exercise}'s solution was released"
            assert not [line for line in grader.HIDDEN_TESTS[exercise].splitlines() if line in text]
        for answer in ANSWERS.get(Path(name).stem, {}).values():
            assert answer not in text
        if name == "07_quiz.ipynb":
            _holds_no_key_and_no_verdict(release)

    # Two students: one hands in the solutions, one the release untouched.
    for name in GRADED:
        _submit(folder, "solved", name, solved=True)
        _submit(folder, "blank", name, solved=False)
    log = _run(["autograde", "*"], folder, env, db)
    with Gradebook(f"sqlite:///{db}") as gradebook:
        for name in GRADED:
            assignment, raw = Path(name).stem, _raw(name)
            checks = [cell for cell in raw["cells"] if "check" in cell["metadata"].get("tags", [])]
            points = sum(grader.POINTS["quiz" if "nst.quiz" in _text(c) else "check"] for c in checks)
            solved = gradebook.find_submission_notebook(assignment, assignment, "solved")
            blank = gradebook.find_submission_notebook(assignment, assignment, "blank")
            auto = {g.name: g for g in solved.grades if g.cell_type == "code"}
            assert len(auto) == len(checks) and sum(g.max_score for g in auto.values()) == points
            assert {n: g.auto_score for n, g in auto.items()} == {n: g.max_score for n, g in auto.items()}, log
            manual = [g for g in solved.grades if g.cell_type == "markdown"]
            assert len(manual) == len(questions(raw)) and all(g.auto_score is None for g in manual)  # for the graders
            assert blank.grades and all(g.auto_score == 0 for g in blank.grades), [
                (g.name, g.auto_score) for g in blank.grades
            ]
            graded = (folder / "autograded" / "solved" / assignment / name).read_text(encoding="utf-8")
            assert "Quick mode is ON" in graded
            if any(course.exercise_name(cell) for cell in raw["cells"]):
                assert "BEGIN HIDDEN TESTS" in graded  # nbgrader put them back, and they passed
