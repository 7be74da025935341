"""The course as an nbgrader course: ``nst-teach notebooks --nbgrader DIR``.

`nbgrader <https://nbgrader.readthedocs.io>`_ is the assignment workflow of a course's JupyterHub: an
instructor keeps a *source* version of each assignment (with the solutions), generates the *release*
version students get (solutions stripped), collects their submissions and grades them. This module
writes the course as such a source course, in nbgrader 0.9's own cell metadata
(``{"nbgrader": {"grade", "solution", "locked", "schema_version": 3, "grade_id", "points", "task"}}``):

* each exercise cell (``nst_teach.exercise``) is an **autograded answer** cell: its function's
  signature and docstring, then the reference solution (:mod:`nst_teach_instructor.solutions`) between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` — the release shows ``# YOUR CODE HERE`` there;
* each ``check_…`` cell is an **autograder test** cell worth :data:`POINTS` ``["check"]``: it shows the
  check's message, as the student's notebook does, asserts that the check passed, and runs a hidden test
  (``### BEGIN HIDDEN TESTS``: a case the check never shows, e.g. another shape), kept out of the release
  and put back by ``nbgrader autograde``;
* each quiz answer cell (``nst_teach.quiz``, notebook 07) is an autograded answer cell with its solved
  line (:func:`nst_teach_instructor.quiz.solution_source`), and its ``nst.quiz.check`` cell a test cell
  worth :data:`POINTS` ``["quiz"]`` that gives no verdict before grading: it only says the answer is
  recorded, and its hidden test asserts :func:`nst_teach_instructor.quiz.correct` (the instructor's
  package is installed where nbgrader grades) and prints the explanation, which the student reads in the
  feedback. The quiz's widgets, which would give the one graded try and its explanation at once, become a
  read-only line saying so;
* every open question under "## Exercises" gets a **manually graded** markdown answer cell holding its
  model answer (:mod:`nst_teach_instructor.answers`) as the solution, for the graders;
* prose and the set-up cell are **read-only** (locked). The other code cells stay editable: the
  exercises ask students to change them ("start from the content itself", "untick a layer").

Each notebook is one assignment, named after it (``03_content_cost``): nbgrader releases, collects and
grades per assignment, with one due date each, so a course that teaches a notebook per lesson releases
one per lesson; the grade of one lesson never depends on another. Notebook 05 reads the student's
functions of 03 and 04 from its own folder; in an nbgrader course those are in sibling folders, so it
paints with the package's functions (and says so) unless the student pastes theirs. ``nbgrader_config.py``
runs the grading kernels in quick mode: a grade depends on the checks only, not on the paintings.

The workflow, from the course folder (``cd course``; nbgrader 0.9: ``pip install nbgrader``)::

    nst-teach notebooks --nbgrader course              # the source course: course/source/<notebook>/
    nbgrader generate_assignment 03_content_cost       # course/release/03_content_cost/: solutions stripped
    nbgrader release_assignment 03_content_cost        # to the students (JupyterHub's exchange)
    nbgrader collect 03_content_cost                   # their submissions, into course/submitted/
    nbgrader autograde 03_content_cost                 # runs them (quick mode) and scores the checks

then grade the open questions in the formgrader, ``nbgrader generate_feedback 03_content_cost`` and
``nbgrader release_feedback 03_content_cost`` (the students press Fetch Feedback).
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nst_teach.course import GLOSSARY
from nst_teach.errors import NSTError, OptionError
from nst_teach.exercises import exercise

from .answers import answers_for, questions
from .quiz import solution_source as quiz_solution_source
from .solutions import solution_source

__all__ = [
    "POINTS",
    "COURSE_ID",
    "CONFIG",
    "HIDDEN_TESTS",
    "assignment_name",
    "source_notebook",
    "write_course",
    "NbgraderCourse",
]

#: Points of each kind of graded cell: a check of an exercise, a quiz question, an open question.
POINTS: dict[str, float] = {"check": 2.0, "quiz": 1.0, "question": 1.0}

#: The course's nbgrader id: the exchange's folder, and what students fetch from (``--course``).
COURSE_ID = "nst-teach"

#: The ``nbgrader_config.py`` written at the root of the course.
CONFIG = f"""\
# nbgrader's configuration of the nst-teach course, written by `nst-teach notebooks --nbgrader`.
# Run the nbgrader commands from this folder, the course directory (docs: nbgrader.readthedocs.io).
c = get_config()  # noqa: F821 - nbgrader defines it

c.CourseDirectory.course_id = "{COURSE_ID}"

# `nbgrader autograde` runs each submission top to bottom. A grade depends only on the checks, not on the
# paintings, so its kernels run the course in quick mode (tiny pictures, a few iterations: seconds per
# notebook) unless NST_TEACH_QUICK is set otherwise where nbgrader runs (NST_TEACH_QUICK=0 for full size).
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    # ...and keep the graded functions in a folder of their own, not in the grader's ~/.nst-teach.
    "--InteractiveShellApp.exec_lines=import os, tempfile; os.environ.setdefault('NST_TEACH_QUICK', '1'); "
    "os.environ['NST_TEACH_HOME'] = tempfile.mkdtemp(prefix='nst-teach-grading-')",
]
c.Execute.timeout = 600  # seconds a cell may take (nbgrader's default, 30, is too short without quick mode)
"""

#: A case each exercise's check never shows, compared with an independent reference; run by the
#: autograder only (nbgrader's hidden tests). The names they define start with ``_`` and are deleted.
HIDDEN_TESTS: dict[str, str] = {
    "preprocess": """\
import numpy as _np
_rgb = _np.zeros((50, 53, 3), _np.uint8) + _np.array([200, 120, 40], _np.uint8)  # R, G, B far apart
_rgb[::3] //= 2  # stripes; resized to odd sides, one longer, one shorter
_x = _np.asarray(preprocess(_rgb, (67, 41)))
assert _x.shape == (1, 41, 67, 3) and _x.dtype == _np.float32, (_x.shape, _x.dtype)
_np.testing.assert_allclose(_x.mean(axis=(0, 1, 2)), nst.preprocess(_rgb, (67, 41)).mean(axis=(0, 1, 2)), atol=3)
del _np, _rgb, _x""",
    "build_extractor": """\
import keras as _keras
import numpy as _np
_vgg = _keras.applications.VGG19(include_top=False, weights=None)  # Keras' own filters: not the check's
_x = _np.random.default_rng(8).normal(0, 60, (1, 27, 45, 3)).astype(_np.float32)  # odd sides
_got = build_extractor(_vgg, ["block3_conv2", "block2_pool"])(_x)
assert sorted(_got) == ["block2_pool", "block3_conv2"], sorted(_got)
_a, _by_hand = _x, {}  # VGG-19's own layers in turn; each max pool a 2×2 mean, an odd side's last row kept alone
for _layer in _vgg.layers[1:12]:
    if isinstance(_layer, _keras.layers.MaxPooling2D):
        _h, _w = _a.shape[1:3]
        _p = _np.pad(_a, ((0, 0), (0, _h % 2), (0, _w % 2), (0, 0)), constant_values=_np.nan)
        _a = _np.nanmean(_p.reshape(1, (_h + 1) // 2, 2, (_w + 1) // 2, 2, -1), axis=(2, 4))
    else:
        _a = _np.asarray(_layer(_a))
    _by_hand[_layer.name] = _a
for _name in _got:
    _scale = _np.abs(_by_hand[_name]).max()
    _np.testing.assert_allclose(_np.asarray(_got[_name]), _by_hand[_name], rtol=1e-2, atol=1e-2 * _scale)
del _keras, _np, _vgg, _x, _got, _a, _by_hand, _layer, _h, _w, _p, _name, _scale""",
    "content_cost": """\
import tensorflow as _tf
_a, _b = (_tf.random.stateless_normal((1, 7, 5, 9), seed=(s, 1)) for s in (2, 3))
_expected = float(_tf.reduce_sum((_a - _b) ** 2)) / (4 * 7 * 5 * 9)
assert abs(float(content_cost(_a, _b)) - _expected) <= 1e-4 * _expected, (float(content_cost(_a, _b)), _expected)
del _tf, _a, _b, _expected""",
    "gram_matrix": """\
import numpy as _np
import tensorflow as _tf
_A = _np.random.default_rng(5).normal(size=(5, 11)).astype(_np.float32)  # not square: n_C != n_H·n_W
_np.testing.assert_allclose(_np.asarray(gram_matrix(_tf.constant(_A))), _A @ _A.T, rtol=1e-4, atol=1e-4)
del _np, _tf, _A""",
    "layer_style_cost": """\
import numpy as _np
import tensorflow as _tf
_a, _b = (_np.random.default_rng(s).normal(size=(1, 6, 4, 7)).astype(_np.float32) for s in (6, 7))
_ga, _gb = (m.reshape(-1, 7).T @ m.reshape(-1, 7) for m in (_a, _b))  # (n_C, n_C) from (n_H·n_W, n_C)
_expected = float(((_ga - _gb) ** 2).sum()) / (4 * 7**2 * (6 * 4) ** 2)
_got = float(layer_style_cost(_tf.constant(_a), _tf.constant(_b)))
assert abs(_got - _expected) <= 1e-4 * _expected, (_got, _expected)
del _np, _tf, _a, _b, _ga, _gb, _expected, _got""",
    "style_cost": """\
import tensorflow as _tf
_s = {n: _tf.random.stateless_normal((1, 3, 4, 2), seed=(9, i)) for i, n in enumerate("xyz")}
_g = {n: _tf.random.stateless_normal((1, 3, 4, 2), seed=(10, i)) for i, n in enumerate("xyz")}
_coefficients = {"y": 0.7, "x": 2.0}  # not the reference recipe's layers, not summing to 1, "z" not asked for
_expected = sum(c * float(nst.layer_style_cost(_s[n], _g[n])) for n, c in _coefficients.items())
_got = float(style_cost(_s, _g, _coefficients))
assert abs(_got - _expected) <= 1e-4 * _expected, (_got, _expected)
del _tf, _s, _g, _coefficients, _expected, _got""",
    "total_cost": """\
assert abs(float(total_cost(3.0, 5.0, alpha=2, beta=7)) - 41.0) < 1e-4  # 2·3 + 7·5
assert abs(float(total_cost(1.0, 1.0)) - 50.0) < 1e-4  # the reference recipe's α = 10, β = 40 by default""",
    "train_step": """\
import keras as _keras
import numpy as _np
import tensorflow as _tf
_image = _tf.Variable(_tf.ones((1, 4, 4, 3)))
_J = train_step(_image, _keras.optimizers.Adam(learning_rate=0.5), lambda g: _tf.reduce_sum(g**2))
assert abs(float(_J) - 48.0) < 1e-4, float(_J)  # the cost of the image the step started from
_np.testing.assert_allclose(_image.numpy(), 0.5, atol=1e-3)  # Adam's first step: learning rate × sign(gradient)
del _keras, _np, _tf, _image, _J""",
}

_CHECK = re.compile(r"^(\w+)\s*=\s*nst\.checks\.check_(\w+)\((\w+)\)\s*$", re.M)
_QUIZ_CHECK = re.compile(r"nst\.quiz\.check\(\s*[\"'](\w+)[\"']\s*,\s*(\w+)\s*\)")
_QUIZ_WIDGET = re.compile(r"^\s*nst\.quiz\.quiz_widget\(\s*[\"'](\w+)[\"']\s*\)\s*$")

#: What a quiz widget's cell becomes in the assignment: in a graded course the answer cell is the only try.
QUIZ_WIDGET_NOTE = (
    "*Graded assignment: write your answer in the answer cell below. Nothing says whether it is right before the "
    "assignment is graded; the explanation comes with your feedback.*"
)


def assignment_name(notebook_file: str) -> str:
    """The nbgrader assignment of a course notebook: its file name without ``.ipynb``.

    >>> assignment_name("03_content_cost.ipynb")
    '03_content_cost'
    """
    return Path(notebook_file).stem


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False, points=None) -> dict:
    """nbgrader 0.9's cell metadata (schema version 3); points only on graded cells."""
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3}
    meta.update({"solution": solution, "task": False})
    if grade:
        meta["points"] = points
    return meta


def _with(cell: dict[str, Any], source: str | None = None, **nbgrader: Any) -> dict[str, Any]:
    cell = json.loads(json.dumps(cell))
    if source is not None:
        cell["source"] = source
    cell.setdefault("metadata", {})["nbgrader"] = _meta(**nbgrader)
    return cell


def _new(cell_type: str, source: str, cell_id: str, **nbgrader: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": cell_type, "id": cell_id[:64], "metadata": {}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return _with(cell, **nbgrader)


def _answer_source(cell_source: str, name: str) -> str:
    """An exercise's answer cell: the solution's ``def`` and docstring, its body between the solution markers."""
    solution = solution_source(name).rstrip("\n")
    function = ast.parse(solution).body[0]
    assert isinstance(function, ast.FunctionDef)
    first = function.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
    lines = solution.splitlines()
    head_end = first.end_lineno if has_doc else function.body[0].lineno - 1
    head, body = lines[:head_end], lines[head_end:]
    indent = re.match(r"\s*", body[0]).group(0)
    hint = re.search(r"### START CODE HERE ###\s*\((.*)\)", cell_source)
    hint_lines = [f"{indent}# {hint.group(1)}"] if hint else []
    return "\n".join([*head, *hint_lines, f"{indent}### BEGIN SOLUTION", *body, f"{indent}### END SOLUTION"])


def _test_source(cell_source: str) -> tuple[str, str]:
    """A ``check_…`` cell as an autograder test: (the exercise it checks, the test's source)."""
    found = _CHECK.search(cell_source)
    if not found:
        raise NSTError(f"a check cell should read `check = nst.checks.check_NAME(NAME)`, got: {cell_source!r}")
    variable, checked, argument = found.groups()
    name = exercise(checked).name
    lines = [
        f"{variable} = nst.checks.check_{checked}({argument})",
        f"display({variable})  # the check's message, as in the student's notebook",
        f'assert {variable}.passed, "{name} does not pass its check yet: its message is above"',
    ]
    if name in HIDDEN_TESTS:
        lines += ["### BEGIN HIDDEN TESTS", HIDDEN_TESTS[name], "### END HIDDEN TESTS"]
    return name, "\n".join(lines)


def _quiz_test_source(quiz_id: str, variable: str) -> str:
    """The autograder test of a quiz answer: no verdict in the release; the hidden test grades and explains."""
    return "\n".join(
        [
            f'print(f"{quiz_id} = {{{variable}!r}} is recorded: it is graded with the assignment.")',
            "### BEGIN HIDDEN TESTS",
            "from nst_teach_instructor.quiz import correct as _correct, feedback as _feedback",
            f"print(_feedback({quiz_id!r}, {variable}))  # read in the feedback, after grading",
            f'assert _correct({quiz_id!r}, {variable}), "{quiz_id} is not the right answer"',
            "del _correct, _feedback",
            "### END HIDDEN TESTS",
        ]
    )


def _quiz_answer_source(cell_source: str, quiz_id: str) -> tuple[str, str]:
    """A quiz answer cell, answered between the solution markers: (its source, the variable it sets)."""
    solved = quiz_solution_source(quiz_id).strip("\n")
    assigned = re.match(r"\s*(\w+)\s*=", solved)
    variable = assigned.group(1) if assigned else quiz_id
    lines = []
    for line in cell_source.splitlines():
        placeholder = re.match(rf"\s*{re.escape(variable)}\s*=[^#]*(?:#\s*(.*))?$", line)
        if placeholder:  # `q1 = None  # your answer: …` -> what to write, as a comment above the stub
            hint = re.sub(r"\s*\(your first answer is your graded try\)", "", placeholder.group(1) or "")
            lines.append(f"# {variable} = …" + (f"  ({hint})" if hint else ""))  # graded here: by hidden tests
        else:
            lines.append(line)
    return "\n".join([*lines, "### BEGIN SOLUTION", solved, "### END SOLUTION"]), variable


def _question_cells(notebook: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """After the exercises: a read-only line, then one manually graded answer cell per open question."""
    asked, answers = questions(notebook), answers_for(notebook)
    if not asked:
        return []
    intro = "## Your answers\n\nWrite your answer to each question of the exercises above in the cell under it."
    cells = [_new("markdown", intro, f"{prefix}-answers", grade_id="answers", locked=True)]
    for number, question in asked.items():
        answer = answers.get(number, "(no model answer written yet)")
        text = f"**{number}. {question}**\n\n### BEGIN SOLUTION\n{answer}\n### END SOLUTION"
        cells.append(
            _new("markdown", text, f"{prefix}-question-{number}", grade_id=f"question_{number}", grade=True,
                 solution=True, points=POINTS["question"])
        )  # fmt: skip
    return cells


def source_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """The nbgrader source version of a course notebook (nbformat JSON dict), as the module docstring says.

    Args:
        notebook: a course notebook, as committed (exercises unsolved).

    Returns:
        A new notebook: exercise and quiz answer cells as autograded answers, their checks as
        autograder tests (with hidden tests), prose and set-up read-only, the open questions as
        manually graded answer cells holding the model answers.

    Raises:
        NSTError: a check cell is neither ``check = nst.checks.check_NAME(NAME)`` nor
            ``nst.quiz.check("qN", qN)``.
    """
    cells = notebook.get("cells", [])
    number = re.match(r"# (\d+) · ", _source(cells[0])) if cells else None
    prefix = f"nb{number.group(1)}" if number else "nb"
    out: list[dict[str, Any]] = []
    quiz_checks = {found.group(1) for cell in cells if (found := _QUIZ_CHECK.search(_source(cell)))}
    last_markdown = max((i for i, cell in enumerate(cells) if cell.get("cell_type") == "markdown"), default=-1)
    for i, cell in enumerate(cells):
        metadata, kind = cell.get("metadata", {}), cell.get("cell_type")
        tags, ours = metadata.get("tags", []), metadata.get("nst_teach", {})
        cell_id = re.sub(r"[^A-Za-z0-9_-]", "-", str(cell.get("id", i)))
        if kind == "code" and ours.get("exercise"):
            name = ours["exercise"]
            out.append(_with(cell, _answer_source(_source(cell), name), grade_id=name, solution=True))
        elif kind == "code" and "check" in tags and _QUIZ_CHECK.search(_source(cell)):
            quiz_id, variable = _QUIZ_CHECK.search(_source(cell)).groups()
            test = _quiz_test_source(quiz_id, variable)
            out.append(_with(cell, test, grade_id=f"check_{quiz_id}", grade=True, locked=True, points=POINTS["quiz"]))
        elif kind == "code" and "check" in tags:
            name, test = _test_source(_source(cell))
            out.append(_with(cell, test, grade_id=f"check_{name}", grade=True, locked=True, points=POINTS["check"]))
        elif kind == "code" and _QUIZ_WIDGET.match(_source(cell)):
            note = {key: cell[key] for key in ("id", "metadata") if key in cell}
            note.update(cell_type="markdown", source=QUIZ_WIDGET_NOTE)
            out.append(_with(note, grade_id=f"locked_{cell_id}", locked=True))
        elif kind == "code" and ours.get("quiz"):
            quiz_id = str(ours["quiz"])
            answer, variable = _quiz_answer_source(_source(cell), quiz_id)
            out.append(_with(cell, answer, grade_id=quiz_id, solution=True))
            if quiz_id not in quiz_checks:  # no check cell of its own follows: the test that grades it
                test = _quiz_test_source(quiz_id, variable)
                out.append(_new("code", test, f"{prefix}-{quiz_id}-test", grade_id=f"check_{quiz_id}", grade=True,
                                locked=True, points=POINTS["quiz"]))  # fmt: skip
        elif kind == "markdown" or "setup" in tags:
            out.append(_with(cell, grade_id=f"locked_{cell_id}", locked=True))
        else:
            out.append(json.loads(json.dumps(cell)))
        if i == last_markdown:
            out.extend(_question_cells(notebook, prefix))
    copy = json.loads(json.dumps({key: value for key, value in notebook.items() if key != "cells"}))
    copy["cells"] = out
    return copy


@dataclass
class NbgraderCourse:
    """What :func:`write_course` wrote.

    Attributes:
        folder: the course directory (where ``nbgrader_config.py`` is).
        written: the files written now.
        kept: files that were there with other contents, left as they are (``force`` replaces them).
        assignments: the assignments, in course order.
    """

    folder: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)


def _put(path: Path, data: str, done: NbgraderCourse, force: bool) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == data:
        return
    if path.exists() and not force:
        done.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(data, encoding="utf-8")
    os.replace(partial, path)
    done.written.append(path)


def write_course(
    dest: str | os.PathLike[str], source: Path, names: tuple[str, ...], *, force: bool = False
) -> NbgraderCourse:
    """Writes the nbgrader source course: ``dest/nbgrader_config.py``, ``dest/source/<assignment>/<notebook>``.

    Each assignment's folder also holds the glossary (``glossary.md``) its notebook links to, so that
    ``nbgrader generate_assignment`` releases it beside the notebook.

    Args:
        dest: the course directory (created if needed).
        source: the folder of the course's notebooks (:func:`nst_teach.course.course_files`).
        names: the notebooks, in course order (:data:`nst_teach.course.NOTEBOOKS`); one assignment each.
        force: replace files that are there with other contents (an instructor's edits); without it they are kept.

    Returns:
        A :class:`NbgraderCourse`.

    Raises:
        OptionError: ``dest`` is a file.
    """
    folder = Path(dest)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"--nbgrader {folder} is a file; name a folder for the nbgrader course")
    done = NbgraderCourse(folder)
    _put(folder / "nbgrader_config.py", CONFIG, done, force)
    for name in names:
        notebook = json.loads((Path(source) / name).read_text(encoding="utf-8"))
        assignment = assignment_name(name)
        text = json.dumps(source_notebook(notebook), indent=1, ensure_ascii=False) + "\n"
        _put(folder / "source" / assignment / name, text, done, force)
        glossary = Path(source) / GLOSSARY
        if glossary.is_file():  # the notebook's glossary links are relative: the file goes beside it, and is released
            _put(folder / "source" / assignment / GLOSSARY, glossary.read_text(encoding="utf-8"), done, force)
        done.assignments.append(assignment)
    return done
