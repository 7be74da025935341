"""What a student reads in the notebooks: short cells, claims that say which weights they need, a glossary that opens.

* No markdown cell is over :data:`MAX_MARKDOWN` characters: a longer one is a wall of text on a slide.
* The cells that show an idea are short: the plotting and widget plumbing lives in ``nst.viz`` / ``nst.widgets``.
* Every claim that needs VGG-19's ImageNet weights says so, and says what random filters (the offline
  fallback, and the tests) show instead; so do the model answers that rely on them.
* The glossary is copied with the course (``nst_teach.course.copy_course``), and every glossary link of every
  notebook finds its file and its heading in that copy, offline (``tests/test_packaging.py`` checks the wheel's).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_instructor_guide import anchors, links

from nst_teach import course
from nst_teach_instructor.answers import ANSWERS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MAX_MARKDOWN = 1500

#: How a claim that needs the ImageNet weights is marked, and what it says random filters show instead.
IMAGENET, RANDOM = "**With the ImageNet weights**", "**With random filters**"
#: The cells (by id) whose claims need the ImageNet weights.
CLAIMS = {
    "02_vgg19.ipynb": ["nb02-08"],
    "03_content_cost.ipynb": ["nb03-13"],
    "04_gram_and_style_cost.ipynb": ["nb04-19", "nb04-25"],
}
#: The model answers (notebook, question) whose answer depends on the ImageNet weights.
CLAIMED_ANSWERS = [
    ("02_vgg19", 4),
    ("03_content_cost", 3),
    ("04_gram_and_style_cost", 3),
    ("05_style_transfer_live", 3),
    ("05_style_transfer_live", 4),
    ("05_style_transfer_live", 5),
    ("05_style_transfer_live", 6),
]
#: The cells that were mostly plotting or widget plumbing, and the most a cell that shows one idea should hold.
SHOWN_IDEAS = {"00_welcome.ipynb": "nb00-16", "02_vgg19.ipynb": "nb02-05", "03_content_cost.ipynb": "nb03-14",
               "04_gram_and_style_cost.ipynb": "nb04-18"}  # fmt: skip
MAX_IDEA_CELL = 1000

#: A relative link to the glossary, as the notebooks write it: ``[Gram matrix](glossary.md#gram-matrix)``.
GLOSSARY_LINK = re.compile(r"\]\((glossary\.md)(?:#([^)\s]*))?\)")
#: How the notebooks linked to the glossary before it moved beside them: dead offline.
ABSOLUTE_LINKS = "https://github.com/nst-teach/nst-teach/blob/main/docs/glossary.md"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _by_id(name: str) -> dict[str, dict]:
    return {cell.get("id"): cell for cell in _cells(NOTEBOOKS / name)}


def _known_exception(name: str, reason: str) -> object:
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))


ALL = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
LONG_CELLS: dict[str, str] = {}  # a notebook known to hold a longer cell, and why (none now)


@pytest.mark.parametrize(
    "name", [_known_exception(n, LONG_CELLS[n]) if n in LONG_CELLS else n for n in ALL]
)  # fmt: skip
def test_no_markdown_cell_is_a_wall_of_text(name):
    long = [
        (i, cell.get("id"), len(_source(cell)))
        for i, cell in enumerate(_cells(NOTEBOOKS / name))
        if cell["cell_type"] == "markdown" and len(_source(cell)) > MAX_MARKDOWN
    ]
    assert not long, f"{name}: markdown cells over {MAX_MARKDOWN} characters (index, id, length): {long}"


@pytest.mark.parametrize("name", sorted(SHOWN_IDEAS))
def test_the_cells_that_were_plumbing_show_the_idea(name):
    cell = _by_id(name)[SHOWN_IDEAS[name]]
    assert len(_source(cell)) <= MAX_IDEA_CELL, f"{name} {SHOWN_IDEAS[name]}: {len(_source(cell))} characters"


def test_notebook_04_calls_the_size_a_size():
    source = _source(_by_id("04_gram_and_style_cost.ipynb")["nb04-18"])
    assert "size = S.size" in source and "small" not in source


@pytest.mark.parametrize(("name", "cell_id"), [(n, c) for n, ids in CLAIMS.items() for c in ids])
def test_each_claim_that_needs_the_imagenet_weights_says_so_and_what_random_filters_show(name, cell_id):
    text = _source(_by_id(name)[cell_id])
    assert IMAGENET in text and RANDOM in text, f"{name} {cell_id}: mark the claim and say what random filters show"


@pytest.mark.parametrize(("notebook", "question"), CLAIMED_ANSWERS)
def test_each_model_answer_that_needs_the_imagenet_weights_says_so(notebook, question):
    answer = ANSWERS[notebook][question]
    assert answer.startswith("*Needs the ImageNet weights.*"), f"{notebook} question {question}: not marked"
    assert "random filters" in answer.lower(), f"{notebook} question {question}: what do random filters show?"


# --- the glossary, in the student's copy of the course ---------------------------------------------------------


def explicit_anchors(glossary: Path) -> set[str]:
    """The ``<a id="…"></a>`` anchors of the glossary: what JupyterLab scrolls to (it names headings by their text)."""
    return set(re.findall(r'^<a id="([^"]+)"></a>$', glossary.read_text(encoding="utf-8"), flags=re.M))


def broken_glossary_links(folder: Path) -> dict[str, list[str]]:
    """Per notebook in ``folder``, its relative glossary links that find no file, or no entry there.

    An entry is found when GitHub finds it (a heading with that anchor) and JupyterLab too (an explicit anchor).
    """
    glossary = folder / "glossary.md"
    entries = anchors(glossary) & explicit_anchors(glossary) if glossary.is_file() else set()
    broken = {}
    for path in sorted(folder.glob("*.ipynb")):
        text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
        bad = [f"{file}#{anchor}" for file, anchor in GLOSSARY_LINK.findall(text)
               if not (folder / file).is_file() or (anchor and anchor not in entries)]  # fmt: skip
        if bad:
            broken[path.name] = bad
    return broken


@pytest.fixture(scope="module")
def copied(tmp_path_factory) -> Path:
    """The course as a student gets it: ``copy_course`` from the package's course files."""
    folder = tmp_path_factory.mktemp("course")
    copy = course.copy_course(folder, source=course.course_files())
    assert (folder / course.GLOSSARY) in copy.written
    return folder


def test_every_glossary_entry_has_an_anchor_that_jupyterlab_finds():
    """JupyterLab's markdown viewer names a heading after its text ("Gram-matrix"); links use GitHub's anchors."""
    glossary = NOTEBOOKS / "glossary.md"
    headings = anchors(glossary) - {"glossary"}
    assert explicit_anchors(glossary) == headings
    text = glossary.read_text(encoding="utf-8")
    for anchor in headings:  # right before its heading, a blank line between (an HTML block ends at one)
        assert re.search(rf'^<a id="{anchor}"></a>\n\n## ', text, flags=re.M), anchor


def test_the_glossary_is_copied_with_the_course_and_every_glossary_link_resolves_there(copied):
    assert (copied / "glossary.md").read_bytes() == (NOTEBOOKS / "glossary.md").read_bytes()
    assert broken_glossary_links(copied) == {}
    linked = sum(len(GLOSSARY_LINK.findall(path.read_text(encoding="utf-8"))) for path in copied.glob("*.ipynb"))
    assert linked >= 20, "the notebooks should link to the glossary where a term first appears"
    for target in links(copied / "glossary.md"):  # the glossary's own links: other notebooks, or the web
        if not re.match(r"[a-z][a-z0-9+.-]*:", target):
            assert (copied / target.partition("#")[0]).is_file(), f"glossary.md links to {target}: not in the copy"


@pytest.mark.parametrize("name", ALL)
def test_a_notebook_links_the_glossary_relatively_so_that_the_link_works_offline(name):
    raw = (NOTEBOOKS / name).read_text(encoding="utf-8")
    assert ABSOLUTE_LINKS not in raw, f"{name}: link the glossary as glossary.md#entry, not by its GitHub address"
