"""The project's set-up files agree with each other."""

from __future__ import annotations

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
    out = subprocess.run([repo2docker, "--no-build", "--debug", str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
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
