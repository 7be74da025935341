"""The project's set-up files agree with each other."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def _name(requirement: str) -> str:
    """The normalised project name of a requirement string ('ipywidgets>=8' -> 'ipywidgets')."""
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _hidden(path: Path) -> bool:
    """A file no build packs: under a dot-folder (``.ipynb_checkpoints``) or in ``__pycache__``."""
    parts = path.relative_to(ROOT).parts
    return any(part.startswith(".") or part == "__pycache__" for part in parts)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment_pip_section() -> list[str]:
    """The entries of environment.yml's pip: section (read without a YAML library)."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    entries = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        entries.append(stripped.removeprefix("- ").strip())
    return entries


def test_environment_yml_lists_the_same_runtime_dependencies_as_pyproject():
    runtime = {_name(r): r.replace(" ", "") for r in _pyproject()["project"]["dependencies"]}
    pip_section = [e for e in _environment_pip_section() if not e.startswith("-e") and e != "."]
    conda = {_name(r): r.replace(" ", "") for r in pip_section}
    assert conda == runtime


def test_environment_yml_is_python_3_11_with_nothing_local_and_postbuild_installs_the_package():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M)
    local = [e for e in _environment_pip_section() if e.startswith(("-e", ".", "/", "file:")) or e == "."]
    assert not local, f"environment.yml names the repository ({local}): repo2docker then copies it before the install"
    post_build = (ROOT / "postBuild").read_text()
    assert re.search(r"^python -m pip install .*-e \.\s*$", post_build, re.M), "postBuild must install the package"


@pytest.mark.slow
def test_repo2docker_installs_the_environment_before_copying_the_repository(tmp_path):
    """Binder's cache: the real repo2docker (no Docker needed for --no-build) renders the Dockerfile."""
    import shutil
    import subprocess

    repo2docker = shutil.which("repo2docker") or str(Path(sys.executable).with_name("repo2docker"))
    if not Path(repo2docker).exists():
        pytest.skip("jupyter-repo2docker is not installed (it is in the test extra)")
    # Only the files repo2docker looks at, so the test does not depend on what else is in the working tree.
    for name in ("environment.yml", "postBuild"):
        shutil.copy2(ROOT / name, tmp_path / name)
    out = subprocess.run(
        [repo2docker, "--no-build", "--debug", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    dockerfile = (out.stdout + out.stderr).splitlines()
    copy_env = next(i for i, line in enumerate(dockerfile) if re.match(r"COPY .*src/environment\.yml ", line))
    env_update = next(i for i, line in enumerate(dockerfile) if "env update" in line and "environment.yml" in line)
    copy_repo = next(i for i, line in enumerate(dockerfile) if re.match(r"COPY .*src/ \$\{REPO_DIR\}/?$", line))
    post_build = next(i for i, line in enumerate(dockerfile) if line.strip() == "RUN ./postBuild")
    assert copy_env < env_update < copy_repo < post_build


def test_required_dependencies_are_declared():
    project = _pyproject()["project"]
    names = {_name(r) for r in project["dependencies"]}
    assert {"tensorflow", "numpy", "opencv-python-headless", "matplotlib", "ipywidgets", "jupyterlab"} <= names
    assert "opencv-python" not in names, "opencv-python needs desktop GUI libraries; use the headless build"
    assert "test" in project["optional-dependencies"]
    assert project["requires-python"] == ">=3.10"


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", section, re.S)
    commands = [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    assert "bash .ci/run" in commands[1]


# --- one version -----------------------------------------------------------------------------------------


def test_one_version_read_by_pyproject_printed_by_the_cli_and_named_by_the_changelog(capsys):
    import nst_teach
    from nst_teach import cli

    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nst_teach.__version__"}
    assert "version" not in _pyproject()["project"] and "version" in _pyproject()["project"]["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", nst_teach.__version__)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"nst-teach {nst_teach.__version__}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (\S+)", changelog, re.M)
    assert first and first.group(1) == nst_teach.__version__, "CHANGELOG.md's first entry is not this version"


def test_the_weights_status_and_the_dashboard_say_which_nst_teach_speaks():
    import nst_teach
    from nst_teach import widgets
    from nst_teach.samples import load_sample
    from nst_teach.weights import weights_status

    assert str(weights_status("random")).splitlines()[-1] == f"nst-teach {nst_teach.__version__}"
    dashboard = widgets.StyleTransferDashboard(load_sample("cottage"), load_sample("swirls"), size=(48, 32),
                                               weights="random")  # fmt: skip
    assert dashboard.status.startswith("Ready") and f"nst-teach {nst_teach.__version__}" in dashboard.status


# --- the wheel ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_wheel(tmp_path_factory) -> Path:
    """The student's wheel: the one .ci/run built (``NST_TEACH_STUDENT_WHEEL``), else one built here.

    Built with ``python -m build --wheel`` from a copy of the working tree (the clone stays untouched).
    """
    import shutil
    import subprocess

    if os.environ.get("NST_TEACH_STUDENT_WHEEL"):
        return Path(os.environ["NST_TEACH_STUDENT_WHEEL"])
    pytest.importorskip("build", reason="build is in the test extra")
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "src"
    junk = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
                                  ".hypothesis", "tests", "benchmarks", "docs", "nst-teach-output")  # fmt: skip
    shutil.copytree(ROOT, source, symlinks=True, ignore=junk)  # the link nst_teach/data/notebooks stays a link
    out = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("nst_teach-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_pictures_the_voila_template_and_every_notebook(student_wheel):
    import zipfile

    wheel = student_wheel
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
            inside = f"nst_teach/data/notebooks/{notebook.name}"
            assert inside in names, f"{notebook.name} is not in the wheel"
            assert archive.read(inside) == notebook.read_bytes(), f"{inside} is not the repository's notebook"
        data = [p for p in (ROOT / "nst_teach" / "data").rglob("*") if p.is_file() and not _hidden(p)]
        for path in data:  # the pictures, SOURCES.md, the Voila template and the Jupyter server config
            assert path.relative_to(ROOT).as_posix() in names, f"{path.relative_to(ROOT)} is not in the wheel"
    assert any(name.startswith("nst_teach/data/jupyter/voila/templates/nst-teach/") for name in names)
    assert "nst_teach/data/jupyter/labconfig/page_config.json" in names  # no news pop-up in the tutorial
    assert {name.split("/")[0] for name in names} == {"nst_teach", wheel.name.split("-py3")[0] + ".dist-info"}


# --- what the student's install holds: no answers -------------------------------------------------------------


@pytest.mark.slow
def test_the_students_wheel_holds_no_model_answer_no_quiz_key_and_no_hidden_test(student_wheel):
    """Every model answer (sentence by sentence), quiz key and hidden test line of the instructor's package: none."""
    from nst_teach_instructor.secrets import search, secret_texts

    secrets = secret_texts()
    sizes = {kind: len(texts) for kind, texts in secrets.items()}
    assert sizes["model answer"] > 100 and sizes["hidden test"] >= 7 and sizes["quiz key"] >= 8, sizes
    found = search(student_wheel, secrets)
    assert not found, f"{student_wheel.name} holds the instructor's texts:\n" + "\n".join(map(str, found))


def test_the_search_finds_what_is_planted_however_it_is_written(tmp_path):
    """The test of the test: a split string constant, a notebook cell's lines, re-indented code are all found."""
    import json
    import zipfile

    from nst_teach_instructor.secrets import search, secret_texts

    secrets = secret_texts()
    answer, test_line, key = secrets["model answer"][5], secrets["hidden test"][0], secrets["quiz key"][0]
    half = len(answer) // 2
    planted = tmp_path / "nst_teach-0-py3-none-any.whl"
    with zipfile.ZipFile(planted, "w") as wheel:
        wheel.writestr("nst_teach/a.py", f"TEXT = (\n    {answer[:half]!r}\n    {answer[half:]!r}\n)\n")
        cell = {"cell_type": "code", "source": [w + " " for w in test_line.split(" ")], "metadata": {}}
        wheel.writestr("nst_teach/data/notebooks/x.ipynb", json.dumps({"cells": [cell]}, indent=1))
        wheel.writestr("nst_teach/data/b.txt", "\n    ".join(key.split(" ")))
        wheel.writestr("nst_teach/clean.py", "CLEAN = 'nothing here'\n")
    found = {(f.kind, f.file) for f in search(planted, secrets)}
    assert found >= {("model answer", "nst_teach/a.py"), ("hidden test", "nst_teach/data/notebooks/x.ipynb"),
                     ("quiz key", "nst_teach/data/b.txt")}, found  # fmt: skip
    assert not [f for f in found if f[1] == "nst_teach/clean.py"]


def test_the_instructors_package_is_the_same_version_and_depends_on_the_students():
    import nst_teach
    import nst_teach_instructor

    instructor = tomllib.loads((ROOT / "instructor" / "pyproject.toml").read_text())
    assert nst_teach_instructor.__version__ == nst_teach.__version__
    assert instructor["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nst_teach_instructor.__version__"}
    assert "nst-teach" in [_name(r) for r in instructor["project"]["dependencies"]]
    assert not any("instructor" in _name(r) for r in _pyproject()["project"]["dependencies"])


@pytest.mark.slow
def test_the_wheel_ships_the_glossary_and_every_notebook_s_glossary_link_finds_it(student_wheel, tmp_path):
    """The notebooks link to glossary.md beside them (issue 26): the wheel's course folder must hold it."""
    import zipfile

    from test_notebook_cells import broken_glossary_links

    with zipfile.ZipFile(student_wheel) as archive:
        inside = [n for n in archive.namelist() if n.startswith("nst_teach/data/notebooks/")]
        assert "nst_teach/data/notebooks/glossary.md" in inside, "the glossary is not in the wheel"
        for name in inside:
            (tmp_path / Path(name).name).write_bytes(archive.read(name))
    assert (tmp_path / "glossary.md").read_bytes() == (ROOT / "notebooks" / "glossary.md").read_bytes()
    assert broken_glossary_links(tmp_path) == {}
