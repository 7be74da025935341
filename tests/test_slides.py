"""The course as slides: every notebook carries the slide types of :mod:`nst_teach_instructor.slides`.

The committed notebooks must be the rule's output (a cell added without re-running
``python -m nst_teach_instructor.slides notebooks/0*.ipynb`` fails here); every notebook starts
with a slide, each section heading starts one, and no (sub-)slide holds more than one big output —
told here by the cell's source with this file's own patterns, not by the module's.
The rule itself is checked on small notebooks made here.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from nst_teach_instructor import slides
from nst_teach_instructor.slides import apply_slides, apply_to_file, big_output, heading_level, slide_types, spans

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
COURSE = sorted(path.name for path in NOTEBOOK_DIR.glob("0*.ipynb"))  # 00 … 06, and any notebook added after them

#: What draws a big output, said independently of the module: figures, the package's pictures and tables,
#: widgets, a run that prints as it goes.
BIG = re.compile(
    r"plt\.show\(|\.imshow\(|\bnst\.viz\.\w+\(|\blayer_table\(|\bwidgets\.\w+\(|Dashboard\(|Explorer\(|callback="
)


def _read(name: str) -> dict:
    return json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))


def _without_comments(source: str | list[str]) -> str:
    lines = ("".join(source) if isinstance(source, list) else source).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def _kind(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _code(source: str, *tags: str) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {"cell_type": "code", "metadata": metadata, "source": source, "outputs": [], "execution_count": None}


def test_the_course_is_found():
    assert {"00_welcome.ipynb", "05_style_transfer_live.ipynb", "06_experiments.ipynb"} <= set(COURSE)


# --- the committed notebooks ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", COURSE)
def test_every_cell_has_a_slide_type_and_the_notebook_starts_with_a_slide(name):
    cells = _read(name)["cells"]
    kinds = [_kind(cell) for cell in cells]
    assert all(kind in slides.SLIDE_TYPES for kind in kinds), list(enumerate(kinds))
    assert kinds[0] == "slide"


@pytest.mark.parametrize("name", COURSE)
def test_each_section_heading_starts_a_slide(name):
    for i, cell in enumerate(_read(name)["cells"]):
        first = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown" and re.match(r"#{1,2} ", first):
            assert _kind(cell) == "slide", f"{name}: cell {i} ({first.splitlines()[0]!r}) starts no slide"


@pytest.mark.parametrize("name", COURSE)
def test_no_slide_holds_more_than_one_big_output(name):
    cells = _read(name)["cells"]
    big = [
        i
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "code" and BIG.search(_without_comments(cell["source"]))
    ]
    if name == "07_quiz.ipynb":  # the quiz shows only its small answer widgets, each with its question
        assert not big, "the quiz draws something big: give it a sub-slide of its own"
        return
    assert big, f"{name}: no cell draws anything? (the pattern BIG is out of date)"
    for span in spans(cells):
        held = [i for i in span if i in big]
        assert len(held) <= 1, f"{name}: one slide (cells {span[0]}–{span[-1]}) holds the big outputs of cells {held}"


@pytest.mark.parametrize("name", COURSE)
def test_the_committed_notebook_is_the_rules_output(name):
    committed = _read(name)
    expected = copy.deepcopy(committed)
    changed = apply_slides(expected)
    assert not changed and expected == committed, (
        f"{name}'s slide types are not the rule's: run python -m nst_teach_instructor.slides notebooks/0*.ipynb"
    )


# --- the rule, on small notebooks -------------------------------------------------------------------------


def test_headings_start_slides_and_sub_slides():
    cells = [
        _md("# 09 · A title\n\n**Goal of this notebook:** ..."),
        _md("## A section"),
        _md("prose, then a section\n\n## Another section"),
        _md("### A part of it"),
        _md("#hashtag is no heading, nor is\n```python\n# a comment in a fence\n```"),
    ]
    assert slide_types(cells) == ["slide", "slide", "slide", "subslide", "fragment"]
    assert [heading_level(c["source"]) for c in cells] == [1, 2, 2, 3, None]


def test_the_first_cell_is_a_slide_whatever_it_is():
    assert slide_types([_code("x = 1"), _md("text")]) == ["slide", "fragment"]
    assert slide_types([_md("no heading")]) == ["slide"]


def test_formula_code_picture_steps_are_fragments_and_a_check_goes_with_its_exercise():
    cells = [
        _md("## Exercise"),
        _md("The cost is $J = \\sum (a - b)^2$:"),
        _code("def cost(a, b):\n    raise NotImplementedError", "exercise"),
        _code("check = nst.checks.check_cost(cost)\ncheck", "check"),
        _code("print(cost(a, b))"),
    ]
    assert slide_types(cells) == ["slide", "fragment", "fragment", "-", "fragment"]


@pytest.mark.parametrize(
    "source",
    [
        "fig, ax = plt.subplots()\nax.plot(x)\nplt.show()",
        "ax.imshow(g, cmap='magma')",
        "nst.viz.show_images({'content': c})",
        "display(nst.viz.feature_maps(a, 'block1_conv1'))",
        "nst.layer_table(S.size)",
        "picker = nst.widgets.ImagePicker()\npicker",
        "explorer = nst.widgets.LayerExplorer(picker)\ndisplay(picker, explorer)",
        "import ipywidgets as widgets\nwidgets.VBox([widgets.Image()])",
        "dashboard = StyleTransferDashboard(c, s)\ndashboard",
        "result = transfer.run(500, every=20, callback=report)",
        "%matplotlib inline\nplt.show()",
        "def unfinished(:\n    nst.viz.show_images(x)",  # does not parse: judged by its words
    ],
)
def test_a_cell_that_draws_something_big_starts_a_sub_slide(source):
    assert big_output(source)
    assert slide_types([_md("## Section"), _md("prose"), _code(source)])[-1] == "subslide"


@pytest.mark.parametrize(
    "source",
    [
        "print(x.shape)",
        "status = nst.weights_status()\nstatus",
        "picker = nst.widgets.ImagePicker()",  # made, not shown (the classroom app shows it later)
        "# plt.show() in a comment\nx = 1",
        "label = 'nst.viz.show_images('",
        "def cost(:",
    ],
)
def test_a_cell_with_a_small_output_is_a_fragment(source):
    assert not big_output(source)
    assert slide_types([_md("## Section"), _code(source)])[-1] == "fragment"


def test_two_big_outputs_in_a_row_get_a_sub_slide_each():
    cells = [_md("## Section"), _code("plt.show()"), _md("what it shows"), _code("nst.viz.show_images(x)")]
    assert slide_types(cells) == ["slide", "subslide", "fragment", "subslide"]


def test_the_setup_cell_has_a_slide_of_its_own():
    cells = [
        _md("# 09 · Title"),
        _code("import nst_teach as nst", "setup"),
        _md("All experiments use ..."),
        _code("x = 1"),
        _md("## Section"),
    ]
    assert slide_types(cells) == ["slide", "subslide", "subslide", "fragment", "slide"]
    assert slide_types(cells[:2] + cells[4:]) == ["slide", "subslide", "slide"]


def test_spans_split_at_slides_and_sub_slides_and_leave_out_skipped_cells():
    cells = [_md(str(i)) for i in range(7)]
    for cell, kind in zip(cells, ["slide", "fragment", "subslide", "-", "skip", "slide", "notes"]):
        cell["metadata"]["slideshow"] = {"slide_type": kind}
    assert spans(cells) == [[0, 1], [2, 3], [5]]


def _notebook() -> dict:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 09 · Title"),
            nbformat.v4.new_code_cell("import nst_teach as nst", metadata={"tags": ["setup"]}),
            nbformat.v4.new_markdown_cell("## Section", metadata={"slideshow": {"slide_type": "notes", "x": 1}}),
            nbformat.v4.new_code_cell("plt.show()"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    return json.loads(nbformat.writes(notebook))


def test_applying_is_idempotent_and_keeps_everything_else():
    notebook = _notebook()
    before = copy.deepcopy(notebook)
    assert apply_slides(notebook) is True
    once = copy.deepcopy(notebook)
    assert apply_slides(notebook) is False
    assert notebook == once
    assert [_kind(c) for c in notebook["cells"]] == ["slide", "subslide", "slide", "subslide"]
    assert notebook["cells"][1]["metadata"]["tags"] == ["setup"]
    assert notebook["cells"][2]["metadata"]["slideshow"]["x"] == 1  # other slideshow keys stay
    assert notebook["metadata"]["kernelspec"] == before["metadata"]["kernelspec"]
    assert notebook["metadata"]["rise"] == {"theme": "white", "scroll": True}
    for cell, old in zip(notebook["cells"], before["cells"]):
        assert cell["source"] == old["source"] and cell.get("outputs") == old.get("outputs")


def test_an_instructors_own_rise_setting_stays():
    notebook = _notebook()
    notebook["metadata"]["rise"] = {"theme": "serif"}
    apply_slides(notebook)
    assert notebook["metadata"]["rise"] == {"theme": "serif", "scroll": True}


def test_the_command_line_re_applies_the_rule_and_writes_as_nbformat_does(tmp_path, capsys):
    path = tmp_path / "09_title.ipynb"
    original = json.dumps(_notebook(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(original, encoding="utf-8")
    assert slides.main(["--check", str(path)]) == 1  # would change it, and does not
    assert path.read_text(encoding="utf-8") == original
    assert slides.main([str(path)]) == 0
    written = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(written, as_version=4)
    nbformat.validate(notebook)
    assert written == nbformat.writes(notebook) + "\n"  # the bytes nbformat itself writes: a minimal git diff
    assert slides.main(["--check", str(path)]) == 0
    assert apply_to_file(path) is False and path.read_text(encoding="utf-8") == written
    assert "already follow" in capsys.readouterr().out
