"""The course itself: notebook settings (normal and quick mode), its pictures, the student's functions, solved copies.

Quick mode (``NST_TEACH_QUICK=1``) shrinks image sizes and iteration counts so
that every notebook runs top to bottom in seconds: the tests and CI use it,
and so can an instructor rehearsing a lesson on a slow laptop.

The course paints the classic pictures of the papers (Tübingen, The Starry
Night, ...) when they can be downloaded — checked and cached by
:mod:`nst_teach.gallery` — and the bundled look-alikes offline or in quick
mode; :func:`picture` says which.  Notebook 05 paints with the functions the
student wrote: :func:`load_exercises` brings those of notebooks 03 and 04,
:func:`my_functions` picks the ones that are written, to pass to the engine.

Exercise cells are marked in the notebooks' metadata
(``{"nst_teach": {"exercise": "content_cost"}}``); :func:`solve_notebook`
replaces each with the reference solution from :mod:`nst_teach.instructor.solutions`
(the instructor's side, which nothing a student imports reaches), so solved copies for
instructors are generated, never maintained by hand.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import linecache
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import defaults
from .pace import COURSE, DEEPEST, FIRST_PAINTING, fitted_sizes, measure

__all__ = [
    "CourseSettings",
    "quick_mode",
    "settings",
    "picture",
    "load_exercises",
    "my_functions",
    "MyFunctions",
    "in_colab",
    "exercise_name",
    "solve_notebook",
    "copy_notebooks",
    "copy_course",
    "CourseCopy",
    "course_files",
    "repository_root",
    "COURSE_DIR",
    "friendly_errors",
    "NOTEBOOKS",
]

#: The course, in order.
NOTEBOOKS: tuple[str, ...] = (
    "00_welcome.ipynb",
    "01_images.ipynb",
    "02_vgg19.ipynb",
    "03_content_cost.ipynb",
    "04_gram_and_style_cost.ipynb",
    "05_style_transfer_live.ipynb",
    "06_experiments.ipynb",
    "07_quiz.ipynb",
)


@dataclass(frozen=True)
class CourseSettings:
    """Sizes and iteration counts the notebooks use; the long runs' sizes fit the machine (:mod:`nst_teach.pace`).

    Attributes:
        quick: whether quick mode is on.
        size: working size (width, height) of the pictures looked at (notebooks 01 to 04).
        iterations: iterations of a full run in the notebooks.
        every: dashboard/printout refresh interval in iterations.
        small_iterations: iterations of each reconstruction / grid cell.
        full_size: the seed's sizes, not fitted to the machine's time (:data:`nst_teach.pace.COURSE`).
        small_size: size of the reconstructions and experiment grids (fitted).
        run_size: size of notebook 05's full run and its dashboard (fitted).
        first_size: size of notebook 00's first painting (:data:`nst_teach.pace.FIRST_PAINTING`, not timed).
    """

    quick: bool
    size: tuple[int, int]
    iterations: int
    every: int
    small_iterations: int
    full_size: bool = False

    def _size(self, which: str) -> tuple[int, int]:
        if self.quick:  # tiny and deterministic: nothing is timed
            return (64, 48) if which == "run" else (48, 36)
        if which == "first":  # before any timing
            return (200, 150) if self.full_size else FIRST_PAINTING
        iterations = (("run", self.iterations), ("small", self.small_iterations))
        return COURSE[which].full_size if self.full_size else fitted_sizes(self.pace, iterations)[which]

    small_size = property(lambda self: self._size("small"))
    run_size = property(lambda self: self._size("run"))
    first_size = property(lambda self: self._size("first"))
    pace = property(lambda self: None if self.quick else measure())  # this machine's, timed once per kernel

    def forecast(self, which: str, *, runs: int = 1, deepest: Any = None) -> str:
        """A line to print before a long cell: how long its runs take here, and at the seed's size.

        ``which`` is a cell of :data:`nst_teach.pace.COURSE`; the cell makes ``runs`` runs of the seed's
        costs, or one run per layer of ``deepest``, VGG-19 cut after that layer.
        """
        size, work = self._size(which), COURSE[which]
        iterations = self.iterations if which == "run" else self.small_iterations
        layers = list(deepest) if deepest is not None else [DEEPEST] * runs
        if self.quick:
            return f"quick mode: {len(layers)} run(s) of {iterations} iterations at {size[0]}×{size[1]}"
        return self.pace.forecast(size, iterations, full_size=work.full_size, optimizer=work.optimizer, deepest=layers)


def quick_mode() -> bool:
    """True when ``NST_TEACH_QUICK`` is set to 1/true/yes (tests, CI, rehearsals)."""
    return os.environ.get("NST_TEACH_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def settings(full_size: bool = False) -> CourseSettings:
    """The notebook settings for the current mode.

    Args:
        full_size: run at the seed's sizes (400×300 in notebook 05) instead of the sizes that fit
            this machine's time (:data:`nst_teach.pace.COURSE`).

    >>> settings().size == (400, 300) or quick_mode()
    True
    """
    if quick_mode():
        return CourseSettings(quick=True, size=(64, 48), iterations=6, every=2, small_iterations=3)
    return CourseSettings(quick=False, size=defaults.IMG_SIZE, iterations=defaults.ITERATIONS,
                          every=defaults.SAVE_EVERY, small_iterations=60, full_size=full_size)  # fmt: skip


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def exercise_name(cell: dict[str, Any]) -> str | None:
    """The exercise a notebook cell holds (from its metadata), or None."""
    return cell.get("metadata", {}).get("nst_teach", {}).get("exercise")


def solve_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy of a notebook (nbformat JSON dict): each exercise cell solved, the model answers after its exercises.

    The solutions come from :mod:`nst_teach.instructor.solutions`, the answers to the open questions
    from :mod:`nst_teach.instructor.answers` (a "Model answers" cell, when the notebook asks any).
    """
    from .instructor.answers import with_model_answers
    from .instructor.solutions import solution_source

    solved = json.loads(json.dumps(notebook))
    for cell in solved.get("cells", []):
        name = exercise_name(cell)
        if name and cell.get("cell_type") == "code":
            header = "# Reference solution (generated by `nst-teach notebooks --solutions`)"
            cell["source"] = f"{header}\n{solution_source(name).rstrip()}\n"
            cell["outputs"] = []
            cell["execution_count"] = None
    return with_model_answers(solved)


# --------------------------------------------------------------------------------------------
# The course's files: inside the package, copied into a folder the student owns
# --------------------------------------------------------------------------------------------

#: The folder ``nst-teach tutorial`` and ``nst-teach app`` copy the course into (when not run from a clone).
COURSE_DIR = "nst-teach-course"

#: The classroom app, served by ``nst-teach app``; copied with the course.
APP = "app.ipynb"

#: In a course folder: what nst-teach wrote there, so that a student's edits are told from an older copy.
RECORD = ".nst-teach-course.json"


def course_files() -> Path:
    """The folder of the course's notebooks inside the package, ``nst_teach/data/notebooks``.

    Found with :mod:`importlib.resources`, so an installed wheel and a clone answer the same way: a
    wheel holds the notebooks themselves; in a clone, ``nst_teach/data/notebooks`` is a symbolic link
    to the repository's ``notebooks/``, the one copy (``git config core.symlinks true`` on Windows).

    Raises:
        NSTError: the notebooks are not there (a damaged installation).

    Introduced in ``notebooks/00_welcome.ipynb`` (``nst-teach tutorial``).
    """
    from .errors import NSTError

    folder = importlib.resources.files("nst_teach") / "data" / "notebooks"
    if not isinstance(folder, Path) or not (folder / NOTEBOOKS[0]).is_file():
        raise NSTError(
            f"the course's notebooks are missing from {folder}; reinstall nst-teach "
            "(pip install --force-reinstall nst-teach), or in a clone: git checkout nst_teach/data"
        )
    return folder


def repository_root() -> Path | None:
    """The clone of the repository nst-teach runs from (``pip install -e .``), or None when installed from a wheel.

    In a clone, ``nst-teach tutorial`` opens the repository's ``notebooks/`` in place.
    """
    notebooks = course_files().resolve()
    root = notebooks.parent
    return root if notebooks.name == "notebooks" and (root / "pyproject.toml").is_file() else None


@dataclass
class CourseCopy:
    """What :func:`copy_course` did in a folder, notebook by notebook (paths in course order).

    Attributes:
        folder: the course folder.
        written: every notebook written now: ``copied``, ``updated`` and the new copies of ``replaced``.
        copied: notebooks that were not in the folder.
        updated: notebooks nst-teach had copied there and nobody changed since, replaced by this version's.
        current: notebooks already the same as the package's.
        kept: notebooks the student changed, left as they are.
        replaced: notebooks the student changed, replaced on request: ``{notebook: where the student's went}``.
    """

    folder: Path
    written: list[Path] = field(default_factory=list)
    copied: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    current: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    replaced: dict[Path, Path] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What it did, to print: one line per notebook kept or replaced, then one for the folder."""
        lines = [f"kept {path.name} as you changed it (nst-teach's copy differs)" for path in self.kept]
        lines += [
            f"replaced {path.name} by nst-teach's copy; yours is now {mine.name}"
            for path, mine in self.replaced.items()
        ]
        counts = {"copied": self.copied, "updated": self.updated, "up to date": self.current, "kept": self.kept,
                  "replaced": self.replaced}  # fmt: skip
        total = sum(map(len, counts.values()))
        done = ", ".join(f"{len(paths)} {what}" for what, paths in counts.items() if paths)
        lines.append(f"the course is in {self.folder}{os.sep}: {total} notebook{'s' * (total != 1)} ({done})")
        return lines


def _write(path: Path, data: bytes) -> None:
    """Writes ``path`` whole or not at all (a full disk leaves the previous file)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _unused(path: Path, tag: str) -> Path:
    """``dir/name-tag.ipynb``, or ``name-tag-1.ipynb``...: the first that does not exist."""
    candidate, counter = path.with_name(f"{path.stem}-{tag}{path.suffix}"), 0
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.stem}-{tag}-{counter}{path.suffix}")
    return candidate


def copy_course(
    dest: str | os.PathLike[str],
    *,
    names: tuple[str, ...] | None = None,
    solutions: bool = False,
    replace_edited: bool | Callable[[Path], bool] = False,
    source: Path | None = None,
) -> CourseCopy:
    """Copies the course's notebooks into ``dest``, a folder the student owns, never losing their changes.

    A notebook not in ``dest`` is copied. One that nst-teach copied there and nobody changed since
    (its SHA-256 is the one :data:`RECORD` noted) is updated to this version's. One the student
    changed is kept as it is, unless ``replace_edited`` says to replace it; the student's is then
    renamed ``NAME-yours.ipynb`` first, never deleted.

    Args:
        dest: the folder (created if needed). It must not be the source folder.
        names: the notebooks to copy (default: :data:`NOTEBOOKS` and :data:`APP`).
        solutions: write each exercise solved (:func:`solve_notebook`), for instructors.
        replace_edited: True to replace every changed notebook, or a function asked for each
            (``nst-teach``'s prompt); False keeps them.
        source: the folder to copy from (default: :func:`course_files`).

    Returns:
        A :class:`CourseCopy`; its :meth:`~CourseCopy.lines` say what was kept.

    Raises:
        OptionError: ``dest`` is the source folder, or a file.
    """
    from nst_teach import __version__

    from .errors import OptionError

    source = Path(source) if source is not None else course_files()
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise OptionError(f"{dest} is a file; name a folder to copy the course into")
    if dest.exists() and source.exists() and dest.resolve() == source.resolve():
        raise OptionError(
            f"dest {dest} is the course folder itself; choose another folder so the originals stay as they are"
        )
    dest.mkdir(parents=True, exist_ok=True)
    record_path = dest / RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        record = {}
    done = CourseCopy(dest)
    for name in names or (*NOTEBOOKS, APP):
        if not (source / name).is_file():
            continue
        data = (source / name).read_bytes()
        if solutions:
            solved = solve_notebook(json.loads(data.decode("utf-8")))
            data = (json.dumps(solved, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        target = dest / name
        there = target.read_bytes() if target.is_file() else None
        if there == data:
            done.current.append(target)
        elif there is not None and hashlib.sha256(there).hexdigest() != record.get(name):  # the student's work
            asked = replace_edited(target) if callable(replace_edited) else replace_edited
            if not asked:
                done.kept.append(target)
                continue
            done.replaced[target] = _unused(target, "yours")
            os.replace(target, done.replaced[target])
        else:
            (done.updated if there is not None else done.copied).append(target)
        if there != data:
            _write(target, data)
            done.written.append(target)
        record[name] = hashlib.sha256(data).hexdigest()
    _write(record_path, (json.dumps({"nst-teach": __version__, "files": record}, indent=1) + "\n").encode())
    return done


def copy_notebooks(dest: Path, *, solutions: bool = False, source: Path | None = None) -> list[Path]:
    """Copies the course notebooks into ``dest``, solved when ``solutions`` is true (:func:`copy_course`).

    Args:
        dest: folder to write into (created if needed). It must not be the source folder.
        solutions: replace every exercise with its reference solution.
        source: the folder holding the notebooks (default: :func:`course_files`).

    Returns:
        The paths written, in course order (a notebook the student changed is kept, not written).
    """
    return copy_course(dest, solutions=solutions, source=source).written


# --------------------------------------------------------------------------------------------
# The course's pictures: the classic ones when they can be had
# --------------------------------------------------------------------------------------------

#: Seconds a notebook waits for a gallery download before it takes the bundled stand-in.
PICTURE_TIMEOUT = 10.0

#: What :func:`picture` found for each name in this process: (path, message).  A classroom without
#: internet waits for a download once per kernel, not once per cell.
_PICTURES: dict[str, tuple[Path, str]] = {}


def picture(name: str) -> Any:
    """A classic picture of the course as a ``uint8`` RGB array, or its bundled stand-in; prints which.

    The gallery's pictures (:func:`nst_teach.gallery.gallery_names`: ``"tubingen"``,
    ``"golden_gate"``, ``"starry_night"``, ``"the_scream"``) are downloaded the first time,
    checked by SHA-256 and cached (:func:`nst_teach.gallery.gallery_or_fallback`).  Offline, or
    in quick mode (where every second counts and the pictures are thumbnails anyway), the
    bundled sample that stands in for it is used (``"cottage"`` for Tübingen, ``"swirls"`` for
    The Starry Night, ...).  One line says which picture it is and why.

    Args:
        name: a gallery name, e.g. ``"starry_night"``.

    Returns:
        The picture, ``(H, W, 3)`` ``uint8`` RGB.

    Raises:
        OptionError: ``name`` is not a gallery picture (the error suggests the closest).

    Introduced in ``notebooks/01_images.ipynb``.
    """
    from .gallery import gallery_item, gallery_or_fallback
    from .image_io import read_image
    from .samples import SAMPLES, sample_path

    item = gallery_item(name)
    if quick_mode():
        stand_in = SAMPLES[item.fallback]
        found = (
            sample_path(stand_in.name),
            f"Quick mode: the bundled sample {stand_in.name!r} ({stand_in.title}) stands in for {item.title} "
            f"({item.author}).",
        )
    elif name in _PICTURES:
        found = _PICTURES[name]
    else:
        found = _PICTURES[name] = gallery_or_fallback(name, timeout=PICTURE_TIMEOUT)
    print(found[1])
    return read_image(found[0])


# --------------------------------------------------------------------------------------------
# The student's functions in the run
# --------------------------------------------------------------------------------------------


def load_exercises(
    namespace: dict[str, Any], *notebooks: str, folder: str | os.PathLike[str] | None = None
) -> list[str]:
    """Defines in ``namespace`` the functions the student wrote in other notebooks of the course.

    Each notebook is read from its saved file (save it first); the code of its exercise cells
    (marked in the cells' metadata) runs in ``namespace``, as if pasted there.  A notebook that is
    not in the folder is named, and nothing of it is defined.  One line per notebook says what
    was found.

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
        if not path.is_file():
            print(f"{name} is not in {folder}: paste your functions of that notebook into a cell here instead.")
            continue
        found = []
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            exercise = exercise_name(cell)
            if exercise and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else source
                filename = f"<{name}: {exercise}>"
                # Registered like a file: tracebacks show the line, and tf.function's AutoGraph can read the code.
                linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
                exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the student's own code
                found.append(exercise)
        defined.extend(found)
        print(f"from {name}: {', '.join(found) if found else 'no exercise cells'}")
    return defined


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
        import html

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
    from .checks import EXERCISES
    from .checks.hints import not_counted
    from .options import FUNCTIONS

    functions: dict[str, Any] = {}
    verdicts: dict[str, tuple[bool, str]] = {}
    with not_counted():
        for name in FUNCTIONS:
            fn = namespace.get(name)
            if not callable(fn):
                verdicts[name] = (False, "not defined here")
                continue
            result = EXERCISES[name].check(fn)
            if result.mistake == "not_written":
                verdicts[name] = (False, "not written yet (or it calls a function that is not)")
            elif result.mistake == "uses_reference":
                verdicts[name] = (False, "it is the package's own")
            else:
                functions[name] = fn
                said = (
                    "correct"
                    if result.passed
                    else f"✘ not correct ({result.mistake or 'see its check'}): the picture will show it"
                )
                verdicts[name] = (True, said)
    return MyFunctions(functions, verdicts)


def friendly_errors(ip: Any = None) -> bool:
    """Shows nst-teach's own errors in a notebook as one red line, not a traceback wall.

    An :class:`~nst_teach.errors.NSTError` says what was wrong and what to do; the
    forty lines of TensorFlow/Python frames above it only hide that.  Other
    exceptions (bugs in a student's own code) keep their full traceback.

    Args:
        ip: the IPython shell (default: the running one).

    Returns:
        True if installed (inside IPython), False elsewhere.

    Introduced in ``notebooks/00_welcome.ipynb``.
    """
    from .errors import NSTError

    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython is a Jupyter dependency
            return False
        ip = get_ipython()
    if ip is None:
        return False

    def show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        import html

        from IPython.display import HTML, display

        display(
            HTML(
                '<div style="border-left:4px solid #c0392b;background:#fdecea;padding:6px 10px;font-family:sans-serif">'
                f"<b>{html.escape(etype.__name__)}</b>: {html.escape(str(value))}</div>"
            )
        )
        return None

    ip.set_custom_exc((NSTError,), show)
    return True
