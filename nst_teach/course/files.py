"""The course's files: the notebooks inside the package, copied into a folder the student owns, or solved.

:func:`copy_course` copies the notebooks and the glossary they link to (``nst-teach tutorial``,
``nst-teach app``) and never loses a student's changes.  Exercise cells are marked in the notebooks' metadata
(``{"nst_teach": {"exercise": "content_cost"}}``); :func:`solve_notebook` replaces each with the
reference solution from the instructor's package (``nst-teach-instructor``, which a student's install does
not hold), so solved copies for instructors are generated, never maintained by hand.

Introduced in ``notebooks/00_welcome.ipynb`` (``nst-teach tutorial``).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nst_teach import __version__

from ..errors import NSTError, OptionError

__all__ = [
    "NOTEBOOKS",
    "COURSE_DIR",
    "APP",
    "GLOSSARY",
    "RECORD",
    "course_files",
    "CourseCopy",
    "copy_course",
    "copy_notebooks",
    "exercise_name",
    "solve_notebook",
    "instructor_package",
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


def exercise_name(cell: dict[str, Any]) -> str | None:
    """The exercise a notebook cell holds (from its metadata), or None."""
    return cell.get("metadata", {}).get("nst_teach", {}).get("exercise")


def instructor_package(what: str) -> Any:
    """The instructor's package, ``nst_teach_instructor``, or an NSTError saying how to install it.

    Args:
        what: what needs it, for the message (``"--solutions"``).
    """
    try:  # the instructor's side: never installed with the student's package, imported only when asked
        import nst_teach_instructor
    except ImportError:
        raise NSTError(
            f"{what} needs the instructor's package, nst-teach-instructor, which holds the solutions, the model "
            "answers and the hidden tests and is not part of a student's install. Install it: pip install "
            "nst-teach-instructor (from a clone of the course's repository: pip install ./instructor)"
        ) from None
    return nst_teach_instructor


def solve_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy of a notebook (nbformat JSON dict): each exercise cell solved, the model answers after its exercises.

    Done by the instructor's package (``nst_teach_instructor.solve``); without it, an NSTError says how to
    install it.
    """
    instructor_package("nst-teach notebooks --solutions")
    from nst_teach_instructor.solve import solve_notebook as solve  # the instructor's side: only when asked

    return solve(notebook)


#: The folder ``nst-teach tutorial`` and ``nst-teach app`` copy the course into (when not run from a clone).
COURSE_DIR = "nst-teach-course"

#: The classroom app, served by ``nst-teach app``; copied with the course.
APP = "app.ipynb"

#: The glossary the notebooks link to (``[Gram matrix](glossary.md#gram-matrix)``): copied with them, so the
#: links work in the student's folder, offline.
GLOSSARY = "glossary.md"

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
    folder = importlib.resources.files("nst_teach") / "data" / "notebooks"
    if not isinstance(folder, Path) or not (folder / NOTEBOOKS[0]).is_file():
        raise NSTError(
            f"the course's notebooks are missing from {folder}; reinstall nst-teach "
            "(pip install --force-reinstall nst-teach), or in a clone: git checkout nst_teach/data"
        )
    return folder


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
        files = [Path(path).name for paths in counts.values() for path in paths]
        notebooks = sum(name.endswith(".ipynb") for name in files)
        held = f"{notebooks} notebook{'s' * (notebooks != 1)}" + (" and the glossary" if GLOSSARY in files else "")
        done = ", ".join(f"{len(paths)} {what}" for what, paths in counts.items() if paths)
        lines.append(f"the course is in {self.folder}{os.sep}: {held} ({done})")
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
        names: the files to copy (default: :data:`NOTEBOOKS`, :data:`APP` and :data:`GLOSSARY`).
        solutions: write each exercise solved (:func:`solve_notebook`), for instructors.
        replace_edited: True to replace every changed notebook, or a function asked for each
            (``nst-teach``'s prompt); False keeps them.
        source: the folder to copy from (default: :func:`course_files`).

    Returns:
        A :class:`CourseCopy`; its :meth:`~CourseCopy.lines` say what was kept.

    Raises:
        OptionError: ``dest`` is the source folder, or a file.
        NSTError: ``solutions`` without the instructor's package installed.
    """
    if solutions:  # before anything is written: without the instructor's package, say how to get it
        instructor_package("nst-teach notebooks --solutions")
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
    for name in names or (*NOTEBOOKS, APP, GLOSSARY):
        if not (source / name).is_file():
            continue
        data = (source / name).read_bytes()
        if solutions and name.endswith(".ipynb"):
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
