"""The instructor's guide and the glossary: complete, linked, and their links resolve.

The guide (docs/instructor_guide.md) must cover every notebook of the course and every exercise the
checks know; its timings are measured ones or marked pending, never left pending once the benchmark's
section exists. Every relative link of the README, the guide and the glossary must find its file (and
its heading, for a link into a markdown page, by GitHub's anchor rule). The glossary lives beside the
notebooks (notebooks/glossary.md: copied with them and shipped in the wheel, where docs/ is not), and
the notebooks link to it relatively, ``glossary.md#gram-matrix``: every such link must find an entry,
and each entry is linked from the notebook it names, the first to use the term. docs/glossary.md keeps
the old addresses: one heading per entry, pointing to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from nst_teach import checks, course

ROOT = Path(__file__).resolve().parents[1]
GUIDE, GLOSSARY, BENCHMARKS = (
    ROOT / "docs" / "instructor_guide.md",
    ROOT / "notebooks" / "glossary.md",
    ROOT / "benchmarks",
)
#: The glossary's old address: a page of headings, each pointing to its entry in GLOSSARY.
OLD_GLOSSARY = ROOT / "docs" / "glossary.md"
PAGES = [ROOT / "README.md", GUIDE, GLOSSARY, OLD_GLOSSARY]
#: How the notebooks link to the glossary: relatively, so that the link works in the student's copy, offline.
GLOSSARY_LINK = "glossary.md"
PENDING = "TIMINGS: pending bench_course"
TIMINGS_SECTION = "the-course-on-a-students-cpu"
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but - and _ dropped, spaces as -.

    >>> slug("The course on a student's CPU"), slug("`07_quiz`: L-BFGS & Adam")
    ('the-course-on-a-students-cpu', '07_quiz-l-bfgs--adam')
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def prose(text: str) -> str:
    """The markdown without its fenced code blocks (a `# comment` there is no heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def anchors(path: Path) -> set[str]:
    """The anchors of a markdown page's headings (a repeated heading gets -1, -2, … as on GitHub)."""
    found: list[str] = []
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            count = sum(1 for a in found if a == base or re.fullmatch(rf"{re.escape(base)}-\d+", a))
            found.append(f"{base}-{count}" if count else base)
    return set(found)


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text(encoding="utf-8")))


def test_slug_and_anchors_follow_githubs_rule():
    assert slug("Gradient descent on pixels") == "gradient-descent-on-pixels"
    assert slug("L-BFGS") == "l-bfgs" and slug("Layer and block") == "layer-and-block"
    assert {"the-instructors-guide", "grading-with-nbgrader", "00_welcome"} <= anchors(GUIDE)
    assert "quick-mode" in anchors(GLOSSARY) and "quick-mode-1" not in anchors(GLOSSARY)


# --------------------------------------------------------------------------------------------------
# The guide
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", course.NOTEBOOKS)
def test_the_guide_has_a_section_for_every_notebook(name):
    stem = Path(name).stem
    assert stem in anchors(GUIDE), f"docs/instructor_guide.md has no '### {stem}' section"
    assert f"(../notebooks/{name})" in GUIDE.read_text(encoding="utf-8"), f"the course table does not link {name}"


@pytest.mark.parametrize("name", list(checks.EXERCISES))
def test_the_guide_names_every_exercise_and_its_check(name):
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split(f"### {Path(checks.EXERCISES[name].notebook).stem}", 1)[1].split("\n### ", 1)[0]
    assert f"`{name}`" in section and f"`check_{name}`" in section, f"{name} is not in its notebook's section"


def test_the_guide_has_the_plans_the_room_the_hub_and_nbgrader():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("one-90-minute-lesson", "two-sessions-of-90-minutes", "the-classroom-app-for-a-room", "jupyterhub"):
        assert heading in anchors(GUIDE), heading
    assert "NST_TEACH_WEIGHTS" in text and "nst-teach app --quick" in text and "--ip 0.0.0.0" in text
    commands = re.findall(r"^(nst-teach notebooks --nbgrader|nbgrader \w+)", text, flags=re.M)
    assert commands == [
        "nst-teach notebooks --nbgrader",
        "nbgrader generate_assignment",
        "nbgrader release_assignment",
        "nbgrader collect",
        "nbgrader autograde",
    ], "the nbgrader workflow in five commands"
    assert "nbgrader generate_feedback" in text


def test_the_guide_cites_the_measured_memory():
    text, bench = GUIDE.read_text(encoding="utf-8"), (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|") and "MiB" in line]  # the memory tables
    figures = {figure for row in rows for figure in re.findall(r"\d[\d ]* MiB", row.replace("*", ""))}
    assert {"1499 MiB", "1871 MiB", "1280 MiB", "1370 MiB"} <= figures, "the app's and the notebooks' peaks"
    for figure in figures:
        assert figure in bench, f"{figure}: the guide quotes a figure benchmarks/README.md lacks"


def test_the_timings_are_measured_or_marked_pending():
    text = GUIDE.read_text(encoding="utf-8")
    assert "python benchmarks/bench_course.py" in text
    assert f"../benchmarks/README.md#{TIMINGS_SECTION}" in text, "the timings should cite the benchmark's section"
    rows = [line for line in text.splitlines() if re.match(r"\| `0\d_\w+` \|", line) and "pending" in line]
    if TIMINGS_SECTION in anchors(BENCHMARKS / "README.md"):
        assert PENDING not in text, (
            "benchmarks/README.md now has 'The course on a student's CPU': copy its figures (and its machine) "
            "into the guide's timings table instead of the TIMINGS: pending lines"
        )
    else:
        assert len(rows) == len(course.NOTEBOOKS), "every notebook's row is marked pending until it is measured"


# --------------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------------


def _relative(page: Path) -> list[str]:
    return [t for t in links(page) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]  # no http:, https:, mailto:


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_resolves(page):
    pending = PENDING in GUIDE.read_text(encoding="utf-8")
    targets = _relative(page)
    assert targets, f"{page.name}: no relative link found: the pattern no longer matches"
    for target in targets:
        path, _, anchor = unquote(target).partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: {target} points at a missing file"
        if anchor and file.suffix == ".md":
            if pending and file == (BENCHMARKS / "README.md").resolve() and anchor == TIMINGS_SECTION:
                continue  # the benchmark's section comes with its figures (test above)
            assert anchor in anchors(file), f"{page.name}: {target}: no heading with the anchor #{anchor}"


def _glossary_links() -> dict[str, list[str]]:
    """Per notebook of the course (and the app), the glossary anchors it links to, in order."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
        found[path.name] = re.findall(rf"\]\({re.escape(GLOSSARY_LINK)}(?:#([^)\s]*))?\)", text)
    return found


def test_every_glossary_link_in_the_notebooks_finds_its_entry():
    entries = anchors(GLOSSARY)
    linked = _glossary_links()
    assert sum(map(len, linked.values())) >= 15, linked
    for name, targets in linked.items():
        for anchor in targets:
            assert anchor == "" or anchor in entries, f"{name} links to {GLOSSARY_LINK}#{anchor}: no such entry"
    raw = "\n".join((ROOT / "notebooks" / name).read_text(encoding="utf-8") for name in linked)
    others = re.sub(rf"\]\({re.escape(GLOSSARY_LINK)}", "", raw)
    assert "glossary.md" not in others, "a notebook links the glossary another way"


def _introduced() -> dict[str, str]:
    """Each glossary entry's anchor and the notebook its "Introduced in" line names."""
    text = GLOSSARY.read_text(encoding="utf-8")
    entries = re.split(r"^## ", text, flags=re.M)[1:]
    found = {}
    for entry in entries:
        heading, _, body = entry.partition("\n")
        named = re.search(r"\*Introduced in \[`(\w+)`\]\((\w+)\.ipynb\)\.\*", body)
        assert named and named.group(1) == named.group(2), f"glossary entry {heading!r}: no 'Introduced in' line"
        found[slug(heading)] = f"{named.group(2)}.ipynb"
    return found


def test_each_glossary_entry_is_linked_where_it_is_introduced_and_not_before():
    introduced, linked = _introduced(), _glossary_links()
    assert len(introduced) >= 15
    for anchor, name in introduced.items():
        assert name in course.NOTEBOOKS, f"#{anchor}: {name} is not a notebook of the course"
        assert anchor in linked[name], f"{name} introduces #{anchor} (the glossary says) but does not link to it"
        earlier = course.NOTEBOOKS[: course.NOTEBOOKS.index(name)]
        before = [n for n in earlier if anchor in linked[n]]
        assert not before, f"#{anchor} is linked in {before} before {name}, which the glossary says introduces it"


def test_the_glossary_has_the_terms_the_course_needs():
    entries = anchors(GLOSSARY)
    for term in (
        "content-representation",
        "style-representation",
        "gram-matrix",
        "receptive-field",
        "feature-map",
        "activation",
        "layer-and-block",
        "average-pooling",
        "l-bfgs",
        "adam",
        "total-variation",
        "preprocessing-and-the-imagenet-means",
        "gradient-descent-on-pixels",
        "bfloat16",
        "quick-mode",
        "tensor",
        "tfvariable",
        "gradienttape",
        "tffunction",
        "gradient",
        "learning-rate",
        "relu",
        "imagenet",
        "vgg-19",
        "noisy-start",
        "reference-recipe",
        "content-style-and-generated-images",
    ):
        assert term in entries, term


def test_the_old_glossary_page_points_to_every_entry_of_the_new_one():
    """docs/glossary.md keeps the addresses the glossary had before it moved: each heading links to its entry."""
    entries, old = anchors(GLOSSARY) - {"glossary"}, anchors(OLD_GLOSSARY) - {"glossary-moved"}
    assert old == entries, f"docs/glossary.md lacks {entries - old} or has {old - entries}"
    targets = [unquote(t) for t in links(OLD_GLOSSARY) if "#" in t]
    assert {t.partition("#")[2] for t in targets} == entries
    assert all(t.startswith("../notebooks/glossary.md#") for t in targets), targets


def test_the_guide_says_what_a_student_can_read_where_in_each_way_of_teaching():
    section = GUIDE.read_text(encoding="utf-8").split("## What a student can read where", 1)[1].split("\n## ", 1)[0]
    for place in ("the public repository", "the student's install", "the instructor's package"):
        assert f"| {place}" in section, place
    for setting in ("**Self-study**", "**A graded course with nbgrader.**", "**The classroom app**"):
        assert setting in section, setting
    assert "pip install ./instructor" in section and "tests/test_packaging.py" in section
    assert "NST_TEACH_FULL_HINTS=1" in section and "one graded try" in section


# --------------------------------------------------------------------------------------------------
# The lesson plans, and teaching with them (issue 26)
# --------------------------------------------------------------------------------------------------


def _section(heading: str) -> str:
    """The text of the guide's section under ``heading`` (up to the next heading of the same level or above)."""
    text = GUIDE.read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    body = text.split(f"\n{heading}\n", 1)[1]
    return re.split(rf"\n#{{1,{len(level)}}} ", body, maxsplit=1)[0]


def _plan(heading: str) -> list[tuple[str, int, int, str]]:
    """A plan's table as (session, start, end, what): the minutes of each row."""
    rows = []
    for line in _section(heading).splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        minutes = next((c for c in cells if re.fullmatch(r"\d+–\d+", c)), None)
        if line.startswith("|") and minutes:
            start, end = map(int, minutes.split("–"))
            session = cells[0] if cells[0] != minutes else "1"
            rows.append((session, start, end, " ".join(cells[cells.index(minutes) + 1 :])))
    return rows


@pytest.mark.parametrize("heading", ["### One 90-minute lesson", "### Two sessions of 90 minutes"])
def test_each_plan_fills_its_90_minutes_without_gaps_and_starts_with_the_set_up(heading):
    rows = _plan(heading)
    for session in sorted({row[0] for row in rows}):
        mine = [row for row in rows if row[0] == session]
        assert mine[0][1] == 0 and mine[-1][2] == 90, f"{heading}, session {session}: not 0–90"
        assert all(a[2] == b[1] for a, b in zip(mine, mine[1:])), f"{heading}, session {session}: a gap or overlap"
        assert "set-up" in mine[0][3], f"{heading}, session {session}: no set-up time first"
        assert all(end - start <= 30 for _, start, end, _ in mine), "a block over 30 minutes"


def test_the_90_minute_lesson_has_at_most_one_exercise_per_block_and_quotes_the_measured_times():
    rows = _plan("### One 90-minute lesson")
    for _, start, end, what in rows:
        written = re.findall(r"write `(\w+)`(?: and `(\w+)`)?", what)
        assert sum(len([w for w in pair if w]) for pair in written) <= 1, f"{start}–{end}: two exercises at once"
    seconds = re.findall(r"\[(\d+) s", _section("### One 90-minute lesson"))
    assert seconds and all(int(s) <= 40 for s in seconds), "the compute times quoted should be the measured ones"


def test_the_two_sessions_paint_with_the_students_functions_and_close_with_the_quiz():
    rows = _plan("### Two sessions of 90 minutes")
    written = {name for *_, what in rows for name in re.findall(r"`(\w+)`", what)}
    assert {"preprocess", "content_cost", "gram_matrix", "layer_style_cost", "style_cost"} <= written
    assert {"total_cost", "train_step"} <= written
    assert any("05" in what and "their functions paint" in what for *_, what in rows)
    last_taught = [what for *_, what in rows if re.match(r"0\d:", what)][-1]
    assert last_taught.startswith("07:"), "the quiz closes the course"


@pytest.mark.parametrize(
    "heading",
    ["## Misconceptions to expect", "## Discussion prompts", "## Before class: check what the ImageNet weights show"],
)
def test_the_guide_has_the_sections_for_teaching(heading):
    assert heading in GUIDE.read_text(encoding="utf-8").splitlines(), heading


@pytest.mark.parametrize("heading", ["## Misconceptions to expect", "## Discussion prompts"])
def test_misconceptions_and_prompts_cover_every_notebook(heading):
    section = _section(heading)
    for name in course.NOTEBOOKS:
        assert f"- **{name[:2]}" in section, f"{heading}: nothing for {name}"


def test_the_misconceptions_name_every_exercise_and_what_its_check_catches():
    section = _section("## Misconceptions to expect")
    for name in checks.EXERCISES:
        assert f"`{name}`" in section, name
    for mistake in ("BGR", "batch axis", "reduce_mean", "transpose", "+=", "swapped", "apply_gradients"):
        assert mistake in section, mistake


def test_the_guide_tells_the_instructor_to_check_the_imagenet_claims_before_class():
    section = _section("## Before class: check what the ImageNet weights show")
    assert "python benchmarks/check_imagenet_claims.py" in section and "nst-teach weights --download" in section
    assert (BENCHMARKS / "check_imagenet_claims.py").is_file()
