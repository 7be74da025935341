"""nst_teach.course's files: where the package keeps the notebooks, and copying them into a student's folder.

The copies are made from a small stand-in course in a temporary folder (two tiny notebooks), so that a
"new version" of the package is one edited file; the CLI tests use the real course.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nst_teach import cli, course, servers
from nst_teach.errors import NSTError, OptionError

ROOT = Path(__file__).resolve().parents[1]


def notebook(text: str) -> bytes:
    """A minimal valid notebook whose one markdown cell says ``text``."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture()
def package(tmp_path: Path) -> Path:
    """A stand-in for the package's course folder: 00_welcome and app, version 1."""
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "00_welcome.ipynb").write_bytes(notebook("welcome v1"))
    (folder / "app.ipynb").write_bytes(notebook("app v1"))
    return folder


# --- where the course is -----------------------------------------------------------------------------


def test_in_a_clone_the_course_is_the_repositorys_notebooks_folder_itself():
    assert course.course_files().resolve() == ROOT / "notebooks"
    on_disk = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert on_disk == sorted((*course.NOTEBOOKS, course.APP)), "a notebook is missing from course.NOTEBOOKS"
    link = ROOT / "nst_teach" / "data" / "notebooks"
    assert link.is_symlink() and Path(link.readlink()) == Path("../../notebooks"), "one copy: a relative link"


# --- copying into the student's folder -----------------------------------------------------------------


def test_a_first_copy_writes_every_notebook_and_records_what_it_wrote(package, tmp_path):
    copy = course.copy_course(tmp_path / "mine", source=package)
    assert [p.name for p in copy.written] == [p.name for p in copy.copied] == ["00_welcome.ipynb", "app.ipynb"]
    assert (tmp_path / "mine" / "00_welcome.ipynb").read_bytes() == notebook("welcome v1")
    assert copy.lines() == [f"the course is in {tmp_path / 'mine'}/: 2 notebooks (2 copied)"]
    record = json.loads((tmp_path / "mine" / course.RECORD).read_text())
    assert set(record["files"]) == {"00_welcome.ipynb", "app.ipynb"}


def test_an_edited_notebook_is_kept_and_an_unchanged_one_is_updated_to_the_new_version(package, tmp_path):
    mine = tmp_path / "mine"
    course.copy_course(mine, source=package)
    (mine / "00_welcome.ipynb").write_bytes(notebook("my answers"))  # the student's work
    (package / "00_welcome.ipynb").write_bytes(notebook("welcome v2"))  # a new version of nst-teach
    (package / "app.ipynb").write_bytes(notebook("app v2"))

    copy = course.copy_course(mine, source=package)

    assert (mine / "00_welcome.ipynb").read_bytes() == notebook("my answers")
    assert (mine / "app.ipynb").read_bytes() == notebook("app v2")
    assert [p.name for p in copy.kept] == ["00_welcome.ipynb"] and [p.name for p in copy.updated] == ["app.ipynb"]
    assert copy.lines() == [
        "kept 00_welcome.ipynb as you changed it (nst-teach's copy differs)",
        f"the course is in {mine}/: 2 notebooks (1 updated, 1 kept)",
    ]
    again = course.copy_course(mine, source=package)  # nothing new: the kept one is still kept
    assert [p.name for p in again.kept] == ["00_welcome.ipynb"] and [p.name for p in again.current] == ["app.ipynb"]
    assert again.written == []


def test_a_notebook_nst_teach_did_not_write_is_the_students_and_kept(package, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "app.ipynb").write_bytes(notebook("made by hand"))
    copy = course.copy_course(mine, source=package)
    assert [p.name for p in copy.kept] == ["app.ipynb"] and (mine / "app.ipynb").read_bytes() == notebook(
        "made by hand"
    )


def test_replacing_an_edited_notebook_keeps_the_students_version_beside_it(package, tmp_path):
    mine = tmp_path / "mine"
    course.copy_course(mine, source=package)
    (mine / "00_welcome.ipynb").write_bytes(notebook("my answers"))
    (mine / "00_welcome-yours.ipynb").write_bytes(b"an older backup")
    asked = []

    def ask(path: Path) -> bool:
        asked.append(path.name)
        return True

    copy = course.copy_course(mine, source=package, replace_edited=ask)
    assert asked == ["00_welcome.ipynb"], "only the edited notebook is asked about"
    assert (mine / "00_welcome.ipynb").read_bytes() == notebook("welcome v1")
    assert (mine / "00_welcome-yours-1.ipynb").read_bytes() == notebook("my answers")
    assert (mine / "00_welcome-yours.ipynb").read_bytes() == b"an older backup"
    assert copy.lines()[0] == "replaced 00_welcome.ipynb by nst-teach's copy; yours is now 00_welcome-yours-1.ipynb"
    assert course.copy_course(mine, source=package).current == [mine / "00_welcome.ipynb", mine / "app.ipynb"]


def test_only_the_notebooks_named_and_the_folders_it_refuses(package, tmp_path):
    copy = course.copy_course(tmp_path / "app-only", source=package, names=(course.APP,))
    assert [p.name for p in copy.copied] == [course.APP] and not (tmp_path / "app-only" / "00_welcome.ipynb").exists()
    with pytest.raises(OptionError, match="course folder itself"):
        course.copy_course(package, source=package)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OptionError, match="is a file"):
        course.copy_course(tmp_path / "a-file", source=package)


# --- the command line ---------------------------------------------------------------------------------


def test_nst_teach_notebooks_says_what_it_kept_and_force_replaces_it(tmp_path, capsys):
    assert cli.main(["notebooks", str(tmp_path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(course.NOTEBOOKS) + 2  # written: the app and glossary too
    (tmp_path / "03_content_cost.ipynb").write_text("my answers")
    assert cli.main(["notebooks", str(tmp_path)]) == 0  # stdin is no terminal here: nothing is asked
    out, err = capsys.readouterr()
    assert out == "" and "nst-teach: kept 03_content_cost.ipynb as you changed it" in err and "--force" in err
    assert (tmp_path / "03_content_cost.ipynb").read_text() == "my answers"
    assert cli.main(["notebooks", "--force", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "03_content_cost.ipynb")
    assert (tmp_path / "03_content_cost-yours.ipynb").read_text() == "my answers"
    assert (tmp_path / "03_content_cost.ipynb").read_bytes() == (
        ROOT / "notebooks" / "03_content_cost.ipynb"
    ).read_bytes()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer, replaced", [("y\n", True), ("\n", False)])
def test_on_a_terminal_nst_teach_asks_before_replacing(tmp_path, capsys, monkeypatch, answer, replaced):
    cli.main(["notebooks", str(tmp_path)])
    (tmp_path / "01_images.ipynb").write_text("my answers")
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert cli.main(["notebooks", str(tmp_path)]) == 0
    assert f"you changed {tmp_path / '01_images.ipynb'}; replace it" in capsys.readouterr().out
    assert ((tmp_path / "01_images.ipynb").read_text() != "my answers") is replaced


@pytest.fixture()
def served(monkeypatch) -> list[servers.ServerCommand]:
    """The commands ``tutorial`` and ``app`` would start (nothing is started)."""
    started: list[servers.ServerCommand] = []
    monkeypatch.setattr(servers, "serve", lambda command, **kwargs: started.append(command) or 0)
    return started


def test_tutorial_opens_a_copy_in_the_current_folder(tmp_path, monkeypatch, served, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["tutorial", "--no-browser", "--ip", "127.0.0.1"]) == 0
    folder = tmp_path / course.COURSE_DIR
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted((*course.NOTEBOOKS, course.APP))
    assert f"--ServerApp.root_dir={folder.resolve()}" in served[0].argv
    assert "/lab/tree/00_welcome.ipynb?token=" in served[0].url
    count = len(course.NOTEBOOKS) + 1  # and the app
    said = f"the course is in nst-teach-course/: {count} notebooks and the glossary ({count + 1} copied)"
    assert said in capsys.readouterr().err
    assert (folder / course.GLOSSARY).is_file()  # the notebooks' glossary links work in the copy

    (folder / "00_welcome.ipynb").write_text("my notes")
    assert cli.main(["tutorial", "--no-browser", "--ip", "127.0.0.1"]) == 0
    assert "kept 00_welcome.ipynb as you changed it" in capsys.readouterr().err
    assert (folder / "00_welcome.ipynb").read_text() == "my notes"


def test_the_app_serves_its_copy(tmp_path, monkeypatch, served):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["app", "--no-browser", "--ip", "127.0.0.1", "--dir", "room"]) == 0
    assert [p.name for p in (tmp_path / "room").glob("*.ipynb")] == [course.APP]
    assert str(tmp_path / "room" / course.APP) in served[0].argv


def test_in_a_clone_tutorial_serves_a_copy_and_the_clone_stays_clean(monkeypatch, served):
    """Run from the clone's own folder, as the README's Quick start does: the student works on a copy.

    JupyterLab saves a notebook that ran (its outputs) into the file it serves: served in place, that
    was a tracked file of the clone, and the next ``git pull`` conflicted.
    """
    tracked = {path: path.read_bytes() for path in (ROOT / "notebooks").glob("*.ipynb")}
    copy = ROOT / course.COURSE_DIR
    existed = copy.exists()
    monkeypatch.chdir(ROOT)
    try:
        assert cli.main(["tutorial", "--no-browser", "--ip", "127.0.0.1"]) == 0
        assert f"--ServerApp.root_dir={copy}" in served[0].argv and f"--ServerApp.root_dir={ROOT}" not in served[0].argv
        (copy / "00_welcome.ipynb").write_text("as JupyterLab saves it after a run")  # the student's work
    finally:
        if not existed:
            shutil.rmtree(copy, ignore_errors=True)
    assert {path: path.read_bytes() for path in (ROOT / "notebooks").glob("*.ipynb")} == tracked
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", f"{course.COURSE_DIR}/00_welcome.ipynb"], cwd=ROOT, check=False
    ).returncode
    assert ignored in (0, 128), f"{course.COURSE_DIR}/ is not in .gitignore: it would show in git status"  # 128: no git


# --- the instructor's side ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--solutions", "--nbgrader"])
def test_without_the_instructors_package_the_command_says_to_install_it_and_writes_nothing(
    tmp_path, capsys, monkeypatch, flag
):
    monkeypatch.setitem(sys.modules, "nst_teach_instructor", None)  # as in a student's install
    argv = ["notebooks", str(tmp_path / "out"), "--solutions"] if flag == "--solutions" else [
        "notebooks", "--nbgrader", str(tmp_path / "out")]  # fmt: skip
    assert cli.main(argv) == cli.EXIT_USAGE
    said = capsys.readouterr().err
    assert f"nst-teach notebooks {flag} needs the instructor's package" in said
    assert "pip install nst-teach-instructor" in said and "pip install ./instructor" in said
    assert not (tmp_path / "out").exists()
    with pytest.raises(NSTError, match="needs the instructor's package"):
        course.copy_course(tmp_path / "out", solutions=True)
    assert not (tmp_path / "out").exists()


def test_with_the_instructors_package_the_solved_copy_holds_the_solution(tmp_path):
    from nst_teach_instructor.solutions import solution_source

    written = course.copy_notebooks(tmp_path, solutions=True)
    solved = json.loads((tmp_path / "03_content_cost.ipynb").read_text(encoding="utf-8"))
    code = "".join("".join(cell["source"]) for cell in solved["cells"])
    assert tmp_path / "03_content_cost.ipynb" in written and solution_source("content_cost").strip() in code
