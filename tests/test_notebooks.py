"""The course notebooks: well formed, committed clean, and runnable top to bottom.

The static tests read every notebook of :data:`nst_teach.course.NOTEBOOKS` with
nbformat: valid nbformat 4, no outputs committed, a goal at the top, a summary
with exercises at the end, the set-up cell first among the code cells, and
exercise cells that :mod:`nst_teach.checks` knows.

The slow tests execute each notebook with nbclient in quick mode
(``NST_TEACH_QUICK=1``, offline, random VGG-19 filters), in a temporary working
folder so nothing is written into the repository: once as committed (the
exercises unsolved: every check must say "not yet" instead of raising) and once
solved by :func:`nst_teach.course.solve_notebook` (every check must pass).
"""

from __future__ import annotations

import html
import json
import re
import signal
from pathlib import Path

import nbformat
import pytest

from nst_teach import checks, course
from nst_teach.cli import main
from nst_teach_instructor.answers import questions, with_model_answers
from nst_teach_instructor.solutions import solution_source

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
START, END = "### START CODE HERE ###", "### END CODE HERE ###"
QUIZ = "07_quiz.ipynb"  #: the end-of-course quiz (nst_teach.quiz)
CELL_TIMEOUT_S = 300


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / name, as_version=4)


def _solved(name: str) -> nbformat.NotebookNode:
    """The notebook solved by ``course.solve_notebook``, from its file as the CLI reads it."""
    raw = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
    return nbformat.reads(json.dumps(course.solve_notebook(raw)), as_version=4)


def _exercise_cells(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    return [(i, course.exercise_name(cell)) for i, cell in enumerate(nb.cells) if course.exercise_name(cell)]


# ------------------------------------------------------------------------------------------------
# Static checks
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_notebook_is_valid_and_committed_without_outputs(name: str) -> None:
    path = NOTEBOOK_DIR / name
    assert path.is_file(), f"{path} is missing"
    nb = _read(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata, "widget state was saved with the notebook: clear it before committing"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs committed"
            assert cell.execution_count is None, f"cell {i} has an execution count committed"


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_notebook_starts_with_its_goal_and_ends_with_summary_and_exercises(name: str) -> None:
    nb = _read(name)
    first, last = nb.cells[0], nb.cells[-1]
    number = name.split("_")[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {number} · ", first.source), "the first cell should be the numbered title"
    assert "**Goal of this notebook:**" in first.source
    assert last.cell_type == "markdown"
    assert "## Summary" in last.source
    if name == QUIZ:  # the quiz's eight questions are its exercises, answered and graded cell by cell
        assert "## Exercises" not in last.source, "the quiz asks no open questions: its questions are graded"
        assert any(cell.metadata.get("nst_teach", {}).get("quiz") for cell in nb.cells)
        return
    assert "## Exercises" in last.source
    assert re.search(r"^1\. ", last.source, flags=re.M), "the exercises should be a numbered list"


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_first_code_cell_is_the_setup_cell(name: str) -> None:
    nb = _read(name)
    setup = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert 'if "google.colab" in sys.modules:' in setup.source
    assert '%pip install -q "nst-teach @ git+' in setup.source
    assert "import nst_teach as nst" in setup.source
    assert "S = nst.course.settings()" in setup.source
    assert "S.quick" in setup.source  # says whether quick mode is on


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_exercise_cells_are_known_marked_and_checked(name: str) -> None:
    nb = _read(name)
    for i, exercise in _exercise_cells(nb):
        cell = nb.cells[i]
        assert exercise in checks.EXERCISES, f"cell {i}: unknown exercise {exercise!r}"
        assert checks.EXERCISES[exercise].notebook == f"notebooks/{name}"
        assert cell.cell_type == "code"
        assert "exercise" in cell.metadata.get("tags", [])
        assert f"def {exercise}(" in cell.source
        assert START in cell.source and END in cell.source
        body = cell.source.split(START, 1)[1].split(END, 1)[0]
        assert "raise NotImplementedError" in body or "return None" in body
        following = next(c for c in nb.cells[i + 1 :] if c.cell_type == "code")
        assert f"nst.checks.check_{exercise}({exercise})" in following.source, (
            f"the cell after exercise {exercise!r} should run its check"
        )


def test_every_exercise_is_in_the_notebook_that_checks_names() -> None:
    found = {exercise: name for name in course.NOTEBOOKS for _, exercise in _exercise_cells(_read(name))}
    assert sorted(found) == sorted(checks.EXERCISES)
    for exercise, name in found.items():
        assert checks.EXERCISES[exercise].notebook == f"notebooks/{name}"


def test_solve_notebook_replaces_each_exercise_with_its_solution() -> None:
    for name in course.NOTEBOOKS:
        solved = _solved(name)
        nbformat.validate(solved)
        original = _read(name)
        asked = bool(questions(original))  # then the model answers follow the exercises, in one more cell
        assert len(solved.cells) == len(original.cells) + asked
        if asked:
            assert solved.cells[-1].source.startswith("## Model answers")
        for i, exercise in _exercise_cells(original):
            assert START not in solved.cells[i].source
            assert solution_source(exercise).strip() in solved.cells[i].source
        others = [i for i, cell in enumerate(original.cells) if not course.exercise_name(cell)]
        assert all(solved.cells[i].source == original.cells[i].source for i in others)


def test_cli_writes_solved_copies(tmp_path: Path) -> None:
    assert main(["notebooks", "--solutions", str(tmp_path)]) == 0
    for name in course.NOTEBOOKS:
        nb = nbformat.read(tmp_path / name, as_version=4)
        nbformat.validate(nb)
        exercises = _exercise_cells(nb)
        assert exercises == _exercise_cells(_read(name))
        for i, exercise in exercises:
            assert START not in nb.cells[i].source and END not in nb.cells[i].source
            assert f"def {exercise}(" in nb.cells[i].source


def test_cli_copies_the_notebooks_unchanged_without_solutions(tmp_path: Path) -> None:
    assert main(["notebooks", str(tmp_path)]) == 0
    for name in course.NOTEBOOKS:
        assert (tmp_path / name).read_bytes() == (NOTEBOOK_DIR / name).read_bytes()


# ------------------------------------------------------------------------------------------------
# Running the notebooks
# ------------------------------------------------------------------------------------------------


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    """All text the executed notebook printed or displayed (streams and text/plain)."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def _execute(
    nb: nbformat.NotebookNode, workdir: Path, monkeypatch: pytest.MonkeyPatch, home: Path | None = None
) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    monkeypatch.setenv("NST_TEACH_OFFLINE", "1")
    monkeypatch.setenv("NST_TEACH_CACHE", str(workdir / "cache"))
    monkeypatch.delenv("NST_TEACH_WEIGHTS", raising=False)
    monkeypatch.setenv("NST_TEACH_HOME", str(home or workdir.parent / "home"))  # this run's kept functions only
    workdir.mkdir(exist_ok=True)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    found = signal.getsignal(signal.SIGINT)
    try:
        client.execute()  # raises CellExecutionError, naming the cell, on any error
    finally:  # nbclient leaves SIGINT at Python's default, whatever it was (tests/conftest.py)
        signal.signal(signal.SIGINT, found)
    return nb


def _notebook_files() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in NOTEBOOK_DIR.iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_notebook_runs_as_committed(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _notebook_files()
    nb = _execute(_read(name), tmp_path / "work", monkeypatch)
    text = _outputs_text(nb)
    assert "Quick mode is ON" in text
    for _, exercise in _exercise_cells(nb):
        assert f"✘ {exercise}: not yet" in text, f"the check of {exercise!r} should report 'not yet'"
    assert _notebook_files() == before, "running the notebook changed files in notebooks/"


EXERCISE_NOTEBOOKS = [name for name in course.NOTEBOOKS if _exercise_cells(_read(name))]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISE_NOTEBOOKS)
def test_notebook_runs_solved_and_every_check_passes(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = _execute(_solved(name), tmp_path / "work", monkeypatch)
    text = _outputs_text(nb)
    exercises = [exercise for _, exercise in _exercise_cells(nb)]
    assert exercises
    for exercise in exercises:
        assert f"✔ {exercise}: correct" in text, f"the check of {exercise!r} did not pass in the solved copy"
        assert f"✘ {exercise}" not in text
    assert "not done yet" not in text  # the notebook went on with the student's functions


def test_notebooks_without_exercises_are_their_own_solution() -> None:
    for name in course.NOTEBOOKS:
        if name in EXERCISE_NOTEBOOKS:
            continue
        raw = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
        assert course.solve_notebook(raw) == with_model_answers(raw)  # nothing to solve: only the model answers


# ------------------------------------------------------------------------------------------------
# Notebook 05 paints with the student's functions
# ------------------------------------------------------------------------------------------------

LIVE = "05_style_transfer_live.ipynb"
COURSE_FUNCTIONS = ("content_cost", "gram_matrix", "layer_style_cost", "style_cost", "total_cost", "train_step")

#: Injected before ``my_functions``: each course function of the kernel is wrapped so that its calls while the
#: engine steps (``_phase == "run"``) are counted; the notebook's own functions call one another through these names.
_COUNT_CALLS = f"""
import collections, functools, json

_engine_calls, _phase = collections.Counter(), "set-up"
def _counted(name, fn):
    @functools.wraps(fn)
    def counted(*args, **kwargs):
        if _phase == "run":
            _engine_calls[name] += 1
        return fn(*args, **kwargs)
    return counted
for _name in {COURSE_FUNCTIONS!r}:
    globals()[_name] = _counted(_name, globals()[_name])
"""


def _insert_before(nb: nbformat.NotebookNode, marker: str, source: str) -> None:
    """Inserts a code cell before the first cell whose code contains ``marker``."""
    index = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and marker in cell.source)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))


def _live_solved(workdir: Path, *, with_earlier_notebooks: bool) -> nbformat.NotebookNode:
    """Notebook 05 solved; the solved notebooks 03 and 04 beside it if asked (it reads their functions)."""
    workdir.mkdir(exist_ok=True)
    if with_earlier_notebooks:
        for name in ("01_images.ipynb", "03_content_cost.ipynb", "04_gram_and_style_cost.ipynb"):
            nbformat.write(_solved(name), workdir / name)
    return _solved(LIVE)


@pytest.mark.slow
def test_notebook_05_paints_with_the_students_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workdir = tmp_path / "work"
    nb = _live_solved(workdir, with_earlier_notebooks=True)
    _insert_before(nb, "nst.course.my_functions(globals())", _COUNT_CALLS)
    _insert_before(nb, "reference.steps(", '_phase = "run"')
    nb.cells.append(nbformat.v4.new_code_cell('print("ENGINE CALLS", json.dumps(dict(_engine_calls)))'))
    nb = _execute(nb, workdir, monkeypatch)
    text = _outputs_text(nb)
    calls = json.loads(re.search(r"ENGINE CALLS (\{.*\})", text).group(1))
    assert all(calls.get(name, 0) > 0 for name in COURSE_FUNCTIONS), calls  # the run itself called each one
    assert "from 03_content_cost.ipynb: content_cost" in text
    assert "from 01_images.ipynb: preprocess" in text and "the pictures are prepared by your preprocess" in text
    assert (
        "The run paints with your content_cost, gram_matrix, layer_style_cost, style_cost, total_cost, train_step"
        in text
    )
    assert f"the engine computes with your {', '.join(COURSE_FUNCTIONS)}" in text
    assert "the engine's first cost is the same" in text  # the solutions give the formulas' numbers


@pytest.mark.slow
def test_notebook_05_paints_a_wrong_gram_matrix_and_shows_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _live_solved(tmp_path / "work", with_earlier_notebooks=False)  # gram_matrix alone: the engine's style cost
    _insert_before(
        nb,
        "nst.course.my_functions(globals())",
        "def gram_matrix(A):\n    return 2 * tf.matmul(A, A, transpose_b=True)",
    )
    text = _outputs_text(_execute(nb, tmp_path / "work", monkeypatch))
    assert re.search(r"yours\s+gram_matrix\s+✘ not correct", text), text
    by_hand = float(re.search(r"J_content = \S+\s+J_style = (\S+)", text).group(1))
    engine = float(re.search(r"iteration 1: J = \S+\s+J_content = \S+\s+J_style = (\S+)", text).group(1))
    assert engine == pytest.approx(4 * by_hand, rel=2e-3)  # G twice too large: every layer's cost ×4
    assert "the picture will show the difference" in text
    assert re.search(r"(converged at iteration|reached the limit of) \d+", text)  # the run went on, painting with it


@pytest.mark.slow
def test_notebook_05_paints_with_the_functions_kept_when_their_checks_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Colab or in an nbgrader course: 03 and 04 ran in another folder, 05 runs alone in its own."""
    home = tmp_path / "home"  # the student's ~/.nst-teach
    for name in ("01_images.ipynb", "03_content_cost.ipynb", "04_gram_and_style_cost.ipynb"):  # checks pass there
        _execute(_solved(name), tmp_path / "earlier", monkeypatch, home=home)
    kept = home / "functions" / "gram_matrix.py"
    assert sorted(p.stem for p in kept.parent.glob("*.py")) == ["content_cost", "gram_matrix", "layer_style_cost",
                                                               "preprocess", "style_cost"]  # fmt: skip
    # Deliberately scaled, so that the engine's cost shows whose gram_matrix it computed with.
    kept.write_text(kept.read_text(encoding="utf-8").replace("return tf.matmul(", "return 2 * tf.matmul("))
    workdir = tmp_path / "work"
    nb = _live_solved(workdir, with_earlier_notebooks=False)  # no 03, no 04 beside it
    text = _outputs_text(_execute(nb, workdir, monkeypatch, home=home))
    for name in ("preprocess", "content_cost", "gram_matrix", "layer_style_cost", "style_cost"):
        assert f"{name}: yours as it passed check_{name} on " in text, text  # whose, and where from
    assert "the pictures are prepared by your preprocess" in text  # the student's preprocess made the pictures
    assert f"kept in {kept}" in text
    assert re.search(r"yours\s+gram_matrix\s+✘ not correct", text), text  # never used silently
    by_hand = float(re.search(r"J_content = \S+\s+J_style = (\S+)", text).group(1))
    engine = float(re.search(r"iteration 1: J = \S+\s+J_content = \S+\s+J_style = (\S+)", text).group(1))
    assert engine == pytest.approx(4 * by_hand, rel=2e-3)  # the kept G, twice too large: every layer's cost ×4


@pytest.mark.slow
def test_notebook_05_refuses_a_gram_matrix_that_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient.exceptions import CellExecutionError

    nb = _live_solved(tmp_path / "work", with_earlier_notebooks=False)
    _insert_before(
        nb, "nst.course.my_functions(globals())", "def gram_matrix(A):\n    return tf.matmul(tf.transpose(A), A)"
    )
    with pytest.raises(CellExecutionError) as info:
        _execute(nb, tmp_path / "work", monkeypatch)
    assert "nst.StyleTransfer(" in str(info.value)  # the cell that makes the engine stopped the notebook
    shown = [  # friendly_errors shows nst-teach's errors as one red box (HTML), not a traceback
        html.unescape(output.data["text/html"])
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.output_type == "display_data" and "text/html" in output.data
    ]
    said = next(text for text in shown if "OptionError" in text)
    assert "gram_matrix: your function cannot drive the run" in said
    assert "check_gram_matrix(gram_matrix) says" in said and "Aᵀ·A" in said
