"""The course as slides: the slideshow metadata that RISE (``jupyterlab-rise``) reads, assigned by one rule.

An instructor presents the notebook they hand out. Each cell gets
``metadata.slideshow.slide_type`` from :func:`slide_types`, which reads only the cells themselves
(their kind, their source, their tags), so re-applying it changes nothing and a new cell gets its
type from the same rule as the others:

===================================================  ==============  ===========================================
the cell                                             slide type      why
===================================================  ==============  ===========================================
the first cell (the notebook's title)                ``slide``       every slideshow starts with a slide
markdown with a ``#`` or ``##`` heading              ``slide``       one slide per section
markdown with a ``###`` heading                      ``subslide``    a part of a section, one step down
the set-up cell (tag ``setup``)                      ``subslide``    a slide of its own, so it can be run in the
                                                                     show (Shift+Enter); skipped, it could not
                                                                     be, and every later cell needs it
the cell after the set-up cell                       ``subslide``    (unless it starts a slide): the set-up's
                                                                     slide holds the set-up alone
code that draws something big (:func:`big_output`)   ``subslide``    one big output per (sub-)slide, on a slide
                                                                     of its own: it fills the screen
a check (tag ``check``)                              ``-``           shown with the exercise it checks
any other cell                                       ``fragment``    the steps formula → code → picture appear
                                                                     one at a time
===================================================  ==============  ===========================================

``python -m nst_teach_instructor.slides notebooks/0*.ipynb`` re-applies the rule to notebook files
(after a cell is added or moved); ``--check`` only says which files it would change.
``tests/test_slides.py`` fails when a committed notebook is not the rule's output.

To present: ``pip install nst-teach[slides]``, open the notebook in JupyterLab and press the
"Render as Reveal Slideshow" button of its toolbar (Alt+R; ``RISE:preview``), or give the command
palette's "Open as Reveal Slideshow" for a tab of its own (``RISE:slideshow``). Run the set-up slide first.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "SLIDE_TYPES",
    "RISE_SETTINGS",
    "big_output",
    "heading_level",
    "slide_types",
    "apply_slides",
    "spans",
    "apply_to_file",
    "main",
]

#: The slide types RISE knows; ``"-"`` continues the (sub-)slide or fragment before it.
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")

#: Calls that draw a picture, a figure or a table, wherever they are in the cell.
DRAWS = frozenset({"show", "imshow", "layer_table", "show_images", "feature_maps", "gram_heatmaps", "cost_curves"})
#: Modules every call through which draws (``nst.viz.anything(...)``).
DRAWING_MODULES = frozenset({"viz"})
#: Modules whose calls make widgets (``nst.widgets`` and ``ipywidgets`` as the notebooks import it).
WIDGET_MODULES = frozenset({"widgets", "ipywidgets"})
#: How the names of nst-teach's big widgets end (the classroom app imports them without their module).
WIDGET_NAMES = ("Dashboard", "Explorer", "Picker", "Grid")
#: A keyword with which a run reports as it goes (``transfer.run(..., callback=report)``): a long log.
REPORTING_KEYWORDS = frozenset({"callback"})

#: The slideshow's settings, in the notebook's ``metadata.rise`` (RISE reads them there, over the user's own):
#: reveal.js's "white" theme has its fonts bundled (the default "simple" theme fetches them from the web,
#: which a classroom without internet cannot), and a slide taller than the screen scrolls.
RISE_SETTINGS: dict[str, Any] = {"theme": "white", "scroll": True}

_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def heading_level(markdown: str) -> int | None:
    """The level of the highest heading in a markdown text (1 for ``#``), or None without one.

    Lines inside code fences do not count (a ``# comment`` in a code example is no heading).

    >>> heading_level("## The layer table\\n\\nWithout its classifier ...")
    2
    >>> heading_level("prose\\n```python\\n# a comment\\n```") is None
    True
    """
    levels, fenced = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (found := _HEADING.match(line)):
            levels.append(len(found.group(1)))
    return min(levels, default=None)


def _called(node: ast.expr) -> list[str]:
    """The dotted parts of what a call calls: ``nst.viz.show_images`` -> ``["nst", "viz", "show_images"]``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def _python(source: str) -> ast.Module | None:
    """The cell's code without its IPython lines (``%matplotlib``, ``!pip``), parsed; None if it does not parse."""
    lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def big_output(source: str) -> bool:
    """Whether a code cell's output fills a screen: a figure, a picture, a table, a widget, a run's log.

    Decided by what the cell calls, before it ever ran (the notebooks are committed without outputs):

    - anything that draws (:data:`DRAWS`, or any call through ``nst.viz``);
    - a widget (a call through ``nst.widgets`` / ``ipywidgets``, or a name ending in one of
      :data:`WIDGET_NAMES`), when the cell shows it: it ends in an expression, or calls ``display``;
    - a run that reports as it goes (a ``callback=`` keyword).

    A cell that does not parse (an exercise half written) is judged by its words instead.

    >>> big_output("plt.show()"), big_output("print(x.shape)")
    (True, False)
    >>> big_output("picker = nst.widgets.ImagePicker()"), big_output("picker = nst.widgets.ImagePicker()\\npicker")
    (False, True)
    """
    tree = _python(source)
    if tree is None:
        drawing = "|".join(sorted(DRAWS))
        return bool(re.search(rf"\b(?:{drawing})\s*\(|\bviz\.\w+\s*\(", source))
    shows = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    widget = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        parts = _called(node.func)
        if not parts:
            continue
        if parts[-1] in DRAWS or DRAWING_MODULES & set(parts[:-1]):
            return True
        if any(keyword.arg in REPORTING_KEYWORDS for keyword in node.keywords):
            return True
        shows = shows or parts == ["display"]
        widget = widget or bool(WIDGET_MODULES & set(parts[:-1])) or parts[-1].endswith(WIDGET_NAMES)
    return widget and shows


def _slide_type(cell: dict[str, Any], index: int) -> str:
    if index == 0:
        return "slide"
    if cell.get("cell_type") == "markdown":
        level = heading_level(_source(cell))
        if level is not None and level <= 2:
            return "slide"
        return "subslide" if level == 3 else "fragment"
    if cell.get("cell_type") != "code":
        return "fragment"
    tags = _tags(cell)
    if "setup" in tags or big_output(_source(cell)):
        return "subslide"
    return "-" if "check" in tags else "fragment"


def slide_types(cells: Sequence[dict[str, Any]]) -> list[str]:
    """The slide type of each cell of a notebook, by the rule in this module's table.

    Args:
        cells: the notebook's cells (``notebook["cells"]``, as JSON dicts or nbformat nodes).

    >>> slide_types([
    ...     {"cell_type": "markdown", "source": "# 02 · VGG-19"},
    ...     {"cell_type": "markdown", "source": "## The layer table"},
    ...     {"cell_type": "code", "source": "nst.layer_table(S.size)"},
    ...     {"cell_type": "markdown", "source": "The receptive field grows:"},
    ...     {"cell_type": "code", "source": "print(r)"},
    ... ])
    ['slide', 'slide', 'subslide', 'fragment', 'fragment']
    """
    kinds = [_slide_type(cell, i) for i, cell in enumerate(cells)]
    for i in range(1, len(kinds)):  # the set-up cell's slide holds the set-up alone
        if "setup" in _tags(cells[i - 1]) and kinds[i] in ("fragment", "-"):
            kinds[i] = "subslide"
    return kinds


def apply_slides(notebook: dict[str, Any]) -> bool:
    """Sets every cell's ``metadata.slideshow.slide_type`` by the rule; True if anything changed.

    The notebook's ``metadata.rise`` gets each of :data:`RISE_SETTINGS` it does not set yet (an
    instructor's own choice stays). Everything else in the notebook stays as it is (other ``slideshow``
    keys too); applying it twice changes nothing the second time.
    """
    rise = notebook.setdefault("metadata", {}).setdefault("rise", {})
    changed = any(key not in rise for key in RISE_SETTINGS)
    for key, value in RISE_SETTINGS.items():
        rise.setdefault(key, value)
    for cell, kind in zip(notebook["cells"], slide_types(notebook["cells"])):
        slideshow = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if slideshow.get("slide_type") != kind:
            slideshow["slide_type"] = kind
            changed = True
    return changed


def spans(cells: Sequence[dict[str, Any]]) -> list[list[int]]:
    """The cells of each (sub-)slide, as RISE shows them: a new span at every ``slide`` or ``subslide``.

    Reads the cells' own metadata (not the rule); ``skip`` and ``notes`` cells are on no slide.
    """
    found: list[list[int]] = []
    for i, cell in enumerate(cells):
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not found:
            found.append([])
        found[-1].append(i)
    return found


def _dumps(notebook: dict[str, Any]) -> str:
    """The notebook as nbformat writes it (the course's notebooks are kept so): sorted keys, indent 1."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def apply_to_file(path: Path, *, write: bool = True) -> bool:
    """Applies the rule to one notebook file; True if the file was (or, without ``write``, would be) changed.

    The file is read and written in one go (other tools may edit the same notebook's other cells).
    """
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    apply_slides(notebook)
    new = _dumps(notebook)
    if new == text:
        return False
    if write:
        path.write_text(new, encoding="utf-8")
    return True


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m nst_teach_instructor.slides NOTEBOOK...``: (re-)applies the slideshow rule to the files."""
    parser = argparse.ArgumentParser(
        prog="python -m nst_teach_instructor.slides",
        description="Give the notebooks' cells the slide types RISE presents them with (one slide per section).",
    )
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK", help="the .ipynb files to update")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = parser.parse_args(None if argv is None else list(argv))
    changed = [path for path in args.notebooks if apply_to_file(path, write=not args.check)]
    for path in changed:
        print(f"{'would update' if args.check else 'updated'} {path}")
    if not changed:
        print(f"{len(args.notebooks)} notebook(s) already follow the slide rule")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
