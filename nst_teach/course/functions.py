"""The student's functions in the run: those written in other notebooks, and the ones that are written.

Notebook 05 paints with the functions the student wrote: :func:`load_exercises` brings those of
notebooks 03 and 04, :func:`my_functions` picks the ones that are written, to pass to the engine.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import ast
import html
import json
import linecache
import os
from pathlib import Path, PurePosixPath
from typing import Any

from .. import kept_functions
from ..exercises import EXERCISES, RUN_FUNCTIONS
from .files import exercise_name

__all__ = ["load_exercises", "MyFunctions", "my_functions", "my_preprocess"]


def load_exercises(
    namespace: dict[str, Any], *notebooks: str, folder: str | os.PathLike[str] | None = None
) -> list[str]:
    """Defines in ``namespace`` the functions the student wrote in other notebooks of the course.

    Each function is the latest version that passed its check (:mod:`nst_teach.kept_functions`, kept outside
    the course folder, so it is found wherever the course runs). A function whose check has not passed here
    yet comes from its notebook's saved file in ``folder`` (save it first), if that file is there: the code
    of its exercise cells (marked in the cells' metadata) runs in ``namespace``, as if pasted there. One
    line per notebook, then one per kept function, says whose function it is and where it came from.

    Args:
        namespace: where to define them, a notebook's ``globals()``.
        *notebooks: file names, e.g. ``"03_content_cost.ipynb"``.
        folder: where the notebooks are (default: the current folder, the notebook's own).

    Returns:
        The names defined, in the notebooks' order.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    folder = Path(folder) if folder is not None else Path.cwd()
    defined: list[str] = []
    for name in notebooks:
        path = folder / name
        found = _run_exercise_cells(path, namespace) if path.is_file() else []
        if path.is_file():
            print(f"from {name}: {', '.join(found) if found else 'no exercise cells'}")
        exercises = [ex.name for ex in EXERCISES.values() if PurePosixPath(ex.notebook).name == name]
        # Last in the notebook's order first: a kept file holds the helpers its function called (a kept
        # layer_style_cost holds a gram_matrix), and each exercise's own kept version must be the one that stays.
        kept = [k for k in (kept_functions.load_kept(namespace, ex) for ex in reversed(exercises)) if k][::-1]
        for k in kept:  # the latest version that passed its check wins over the notebook's saved one
            print(f"{k.name}: yours as it {k.passed}, kept in {k.path}")
        if not path.is_file() and not kept:
            print(f"{name} is not in {folder}, and none of its functions has passed its check here yet: run its "
                  "checks there, or paste your functions of that notebook into a cell here.")  # fmt: skip
        defined.extend(dict.fromkeys([*found, *(k.name for k in kept)]))
    return defined


def _imports(cells: list[dict[str, Any]]) -> str:
    """The import statements at the top level of the notebook's code cells (its set-up), one per line."""
    found: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        plain = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(plain)
        except SyntaxError:
            continue
        found.extend(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
    return "\n".join(dict.fromkeys(found))


def _run_exercise_cells(path: Path, namespace: dict[str, Any]) -> list[str]:
    """Runs the exercise cells of the saved notebook ``path`` in ``namespace``, after the imports of its set-up
    (``cv2``, ``VGG_MEANS_BGR``... which the student's functions use); returns their exercises."""
    found = []
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    exec(_imports(cells), namespace)  # noqa: S102 - the notebook's own import lines
    for cell in cells:
        exercise = exercise_name(cell)
        if exercise and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            filename = f"<{path.name}: {exercise}>"
            # Registered like a file: tracebacks show the line, and tf.function's AutoGraph can read the code.
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the student's own code
            found.append(exercise)
    return found


class MyFunctions(dict):
    """The student's course functions, by name, to pass on as ``StyleTransfer(..., **functions)``.

    A dict of the functions that are used; shown in a notebook it lists all six, each with what
    its check says: the student's own (correct or not: a wrong one makes a wrong picture), or the
    package's (not written yet, not defined).

    Attributes:
        verdicts: ``{name: (used, what)}`` for each of the six, in notebook order.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    def __init__(self, functions: dict[str, Any], verdicts: dict[str, tuple[bool, str]]) -> None:
        super().__init__(functions)
        self.verdicts = verdicts

    @property
    def costs(self) -> dict[str, Any]:
        """The cost functions only, without ``train_step``: for a run whose optimizer takes its own steps (L-BFGS).

        ``train_step`` is one Adam step; nst-teach's defaults use L-BFGS, which computes the cost with the
        student's cost functions and steps by itself.
        """
        return {name: fn for name, fn in self.items() if name != "train_step"}

    def lines(self) -> list[str]:
        """One line per course function: whose it is in the run, and why."""
        return [
            f"{'yours  ' if used else 'package'}  {name:16s} {what}" for name, (used, what) in self.verdicts.items()
        ]

    def __str__(self) -> str:
        mine = [name for name, (used, _) in self.verdicts.items() if used]
        head = (
            f"The run paints with your {', '.join(mine)}." if mine else "The run paints with the package's functions."
        )
        return "\n".join([head, *self.lines()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✔ yours' if used else 'the package&#x27;s'}</td><td><code>{name}</code></td>"
            f"<td>{html.escape(what)}</td></tr>"
            for name, (used, what) in self.verdicts.items()
        )
        head = html.escape(str(self).splitlines()[0])
        return f"<p><b>{head}</b></p><table>{rows}</table>"


def my_functions(namespace: dict[str, Any]) -> MyFunctions:
    """The course functions the student defined in ``namespace``, to paint with them.

    Looks for the six functions of the exercises that the engine can run (``content_cost``,
    ``gram_matrix``, ``layer_style_cost``, ``style_cost``, ``total_cost``, ``train_step``) and
    runs each one's check.  A function is passed on if it is written — right *or wrong*: a wrong
    one makes a wrong picture, which is the point of painting with it (one that cannot run at all
    is refused by the engine, with the check's words).  It is left out, and the package's is used,
    if it is not defined, not written yet (it raises ``NotImplementedError``, or calls a function
    that does) or is the package's own.

    Args:
        namespace: a notebook's ``globals()``.

    Returns:
        A :class:`MyFunctions` dict, e.g. ``StyleTransfer(content, style, **my_functions(globals()))``;
        displayed, it says which of the six are the student's.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    functions: dict[str, Any] = {}
    verdicts: dict[str, tuple[bool, str]] = {}
    for name in RUN_FUNCTIONS:
        verdicts[name] = _verdict(name, namespace.get(name))
        if verdicts[name][0]:
            functions[name] = namespace[name]
    return MyFunctions(functions, verdicts)


def _verdict(name: str, fn: Any) -> tuple[bool, str]:
    """Whether the student's ``name`` is used (written: right or wrong), and what its check says."""
    from ..checks.hints import not_counted  # the checks load TensorFlow: only when the functions are looked at

    if not callable(fn):
        return False, "not defined here"
    with not_counted():
        result = EXERCISES[name].check(fn)
    if result.mistake == "not_written":
        return False, "not written yet (or it calls a function that is not)"
    if result.mistake == "uses_reference":
        return False, "it is the package's own"
    if result.mistake == "uses_package":
        return False, "it calls the package's own cost functions"
    if result.passed:
        return True, "correct"
    return True, f"✘ not correct ({result.mistake or 'see its check'}): the picture will show it"


def my_preprocess(namespace: dict[str, Any]) -> Any:
    """The student's ``preprocess`` (notebook 01) to prepare a run's pictures, if it is written; else the package's.

    As :func:`my_functions` decides for the cost functions: a written one is used, right or wrong (a wrong
    one makes a wrong picture), and one line says whose prepares the pictures and what its check says.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    from ..images import preprocess  # images loads OpenCV: only when a notebook asks

    used, what = _verdict("preprocess", namespace.get("preprocess"))
    print(f"the pictures are prepared by {'your' if used else 'the package' + chr(39) + 's'} preprocess: {what}")
    return namespace["preprocess"] if used else preprocess
