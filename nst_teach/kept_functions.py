"""The student's functions that passed their checks, kept for the notebooks that paint with them.

When a ``check_…`` passes, the student's function is written to a folder of its own, outside the course
(``~/.nst-teach/functions/``, or ``$NST_TEACH_HOME/functions/``): its source and the source of the helpers
it calls that were written beside it, with when it passed and where. Notebook 05 loads the latest
passing version of each from there (:func:`nst_teach.course.load_exercises`), so the student's own
functions paint wherever the course runs: a clone, a pip install, Colab, an nbgrader course with a
folder per assignment, and after a kernel restart.

Introduced in ``notebooks/03_content_cost.ipynb``; used in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import datetime
import inspect
import linecache
import os
import tempfile
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["HOME_ENV", "Kept", "home", "folder", "keep", "kept", "load_kept"]

#: The folder nst-teach keeps a student's things in (default ``~/.nst-teach``); the functions go in ``functions/``.
HOME_ENV = "NST_TEACH_HOME"

_KEPT_PREFIX = "<kept "  # the file name kept functions are compiled under: such a function is not kept again


@dataclass(frozen=True)
class Kept:
    """A kept function: its file, its source (helpers first), and the line saying when and where it passed."""

    name: str
    path: Path
    source: str
    passed: str  #: "passed check_content_cost on 2026-12-05 14:03 (03_content_cost.ipynb)"


def home() -> Path:
    """The folder nst-teach keeps a student's things in: ``$NST_TEACH_HOME``, or ``~/.nst-teach``."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".nst-teach").expanduser()


def folder() -> Path:
    """Where the kept functions are: ``$NST_TEACH_HOME/functions``, or ``~/.nst-teach/functions``."""
    return home() / "functions"


def keep(name: str, fn: Any) -> Path | None:
    """Writes the function ``fn``, which passed ``check_<name>``, to :func:`folder` as ``<name>.py``.

    The file holds the source of ``fn`` and of the helpers it calls that were written beside it (plain
    functions of the same module, not a library's), helpers first, after what the notebook's set-up gave
    them (the modules they use, imported as they name them, and plain values such as ``VGG_MEANS_BGR``),
    under a comment saying when it passed and in which notebook; a function of another name is kept under
    ``name`` too. Nothing is written for what has no source of its own to read (a lambda, a
    ``functools.partial``, a NumPy ufunc), or for a function that was itself loaded from the kept file.

    Returns:
        The file written, or None.
    """
    fn = inspect.unwrap(fn)
    if not isinstance(fn, types.FunctionType) or fn.__name__ == "<lambda>":  # a lambda's source is its whole line
        return None
    if fn.__code__.co_filename.startswith(_KEPT_PREFIX):
        return None
    seen: list[types.FunctionType] = []
    sources = _sources(fn, seen)
    if not sources:
        return None
    needs = _needs(seen)
    if needs:  # the modules and values the notebook's set-up gave it (import cv2, VGG_MEANS_BGR...)
        sources.insert(0, "\n".join(needs) + "\n")
    if fn.__name__ != name:  # check_content_cost(my_cost): notebook 05 looks for content_cost
        sources.append(f"{name} = {fn.__name__}\n")
    where = os.environ.get("JPY_SESSION_NAME") or os.getcwd()  # the notebook's path, where Jupyter says it
    stamp = f"{datetime.datetime.now():%Y-%m-%d %H:%M}"
    text = f"# passed check_{name} on {stamp} ({Path(where).name or where})\n\n" + "\n\n".join(sources)
    path = folder() / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _sources(fn: types.FunctionType, seen: list[types.FunctionType]) -> list[str]:
    """The source of ``fn``, after the sources of the helpers it calls (each once); [] if it has none."""
    try:
        own = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return []
    seen.append(fn)
    sources: list[str] = []
    for helper in _helpers(fn):
        if helper not in seen:
            sources.extend(_sources(helper, seen))
    return [*sources, own]


def _names(fn: types.FunctionType) -> list[str]:
    """Every global name ``fn``'s code (and the code nested in it) uses, in order, once each."""
    names: list[str] = []
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        names.extend(code.co_names)
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    return list(dict.fromkeys(names))


def _needs(functions: list[types.FunctionType]) -> list[str]:
    """The lines that give the kept ``functions`` what their notebook's set-up gave them.

    A module they use is imported under the name they use (``import numpy as np``); a function or class of a
    library, imported from its module; a plain value (a number, a string, a tuple or list of them), written
    out.  Names of the functions themselves, and what none of these covers, are left out.
    """
    own = {fn.__name__ for fn in functions}
    lines: list[str] = []
    for fn in functions:
        for name in _names(fn):
            if name in own or name not in fn.__globals__:
                continue
            value = fn.__globals__[name]
            if isinstance(value, types.ModuleType):
                module = value.__name__
                line = f"import {module}" if module == name else f"import {module} as {name}"
                if "." in module and module.rsplit(".", 1)[1] == name:
                    line = f"from {module.rsplit('.', 1)[0]} import {name}"
            elif isinstance(value, (types.FunctionType, type)) and value.__module__ not in (fn.__module__, None):
                line = f"from {value.__module__} import {value.__name__}" + (
                    "" if value.__name__ == name else f" as {name}"
                )
            elif _literal(value):
                line = f"{name} = {value!r}"
            else:
                continue
            if line not in lines:
                lines.append(line)
    return lines


def _literal(value: Any) -> bool:
    """Whether ``repr(value)`` writes ``value`` back as Python: a number, a string, or a tuple or list of them."""
    if isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, (tuple, list)) and len(value) <= 64 and all(_literal(v) for v in value)


def _helpers(fn: types.FunctionType) -> list[types.FunctionType]:
    """The plain functions of ``fn``'s own module that its code names (its helpers), in the order it names them."""
    found = []
    for name in _names(fn):
        helper = fn.__globals__.get(name)
        if isinstance(helper, types.FunctionType) and helper.__module__ == fn.__module__ and helper is not fn:
            found.append(helper)
    return found


def kept(name: str) -> Kept | None:
    """The kept version of the student's ``name``, or None if no check of it has passed here yet."""
    path = folder() / f"{name}.py"
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        return None
    first = source.splitlines()[0] if source else ""
    return Kept(name, path, source, first.removeprefix("# ").strip())


def load_kept(namespace: dict[str, Any], name: str) -> Kept | None:
    """Defines the kept ``name`` (and its helpers) in ``namespace``, as if its cells had run there."""
    found = kept(name)
    if found is None:
        return None
    filename = f"{_KEPT_PREFIX}{found.path}>"
    # Registered like a file: tracebacks show the line, and tf.function's AutoGraph can read the code.
    linecache.cache[filename] = (len(found.source), None, found.source.splitlines(True), filename)
    exec(compile(found.source, filename, "exec"), namespace)  # noqa: S102 - the student's own code, kept
    return found
