"""The package keeps the shape ``docs/architecture.md`` draws: layers, one idea per module, one home per rule.

These tests read the source (``ast``), they import nothing of nst_teach's, so they are quick and they
fail with the module and the line to look at.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nst_teach"
DOC = PACKAGE.parent / "docs" / "architecture.md"

#: The layers, bottom to top. A module may import modules of its own layer or of the layers below it,
#: never above. docs/architecture.md draws the same layers.
TIERS: dict[str, list[str]] = {
    "foundations": [
        "defaults",
        "errors",
        "validate",
        "_quiet",
        "download",
        "precision",
        "lbfgs",
        "panels",
        "paintings",
    ],
    "the network and its costs": [
        "layers",
        "image_io",
        "images",
        "costs",
        "training",
        "memory",
        "weights_file",
        "weights",
        "model",
    ],
    # checks sit under the loop: a run refuses a student's function in the words of its check (student_functions).
    "the loop": ["options", "checks", "student_functions", "objective", "optimizers", "scales", "history", "engine"],
    "pictures and the course": [
        "viz",
        "live",
        "live_grid",
        "samples",
        "gallery",
        "pace",
        "course",
        "quiz",
        "instructor",
        "classroom",
    ],
    "what people use": ["widgets", "servers", "cli_run", "cli", "__main__", "__init__"],
}
TIER_OF = {name: i for i, names in enumerate(TIERS.values()) for name in names}
DISPLAY = {"viz", "live", "live_grid", "panels", "widgets", "matplotlib", "ipywidgets", "IPython"}
MAX_LINES = 600


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for each import of ``path``: nst_teach's own by their top name, others as written."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            if node.module:
                found.append((".".join([*base, node.module]), node.lineno))
            else:
                found.extend((".".join([*base, alias.name]), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(
                (
                    node.module.removeprefix("nst_teach.")
                    if node.module.startswith("nst_teach.")
                    else "ext:" + node.module,
                    node.lineno,
                )
            )
        elif isinstance(node, ast.Import):
            found.extend(("ext:" + alias.name, node.lineno) for alias in node.names)
    return found


def test_every_module_has_a_layer():
    missing = sorted({top(name) for name in modules()} - set(TIER_OF))
    assert not missing, f"add {missing} to a layer in TIERS here and in docs/architecture.md"


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_go_down_the_layers(name):
    path = modules()[name]
    here = TIER_OF[top(name)]
    for target, line in imports(name, path):
        if target.startswith("ext:") or not target:
            continue
        there = TIER_OF.get(top(target))
        assert there is not None, f"{path.name}:{line} imports {target}, which has no layer"
        assert there <= here, (
            f"{path.relative_to(PACKAGE.parent)}:{line}: {name} ({list(TIERS)[here]}) imports {target} "
            f"({list(TIERS)[there]}), a higher layer"
        )


@pytest.mark.parametrize(
    "name", ["engine", "objective", "optimizers", "scales", "history", "options", "costs", "student_functions"]
)
def test_the_loop_never_imports_a_display_module(name):
    for target, line in imports(name, modules()[name]):
        module = top(target.removeprefix("ext:"))
        assert module not in DISPLAY, f"{name}.py:{line} imports {target}: the loop must not display"


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_600_lines(name):
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: it probably holds two ideas (see docs/architecture.md)"


def test_difflib_is_imported_in_one_module():
    users = sorted(name for name, path in modules().items() if ("ext:difflib" in {t for t, _ in imports(name, path)}))
    assert users == ["validate"], users


def test_the_architecture_page_names_every_module():
    text = DOC.read_text(encoding="utf-8")
    missing = [
        name
        for name in modules()
        if name not in ("__init__", "__main__") and f"`{name}`" not in text and f"`{name.split('.')[-1]}`" not in text
    ]
    assert not missing, f"docs/architecture.md does not describe {missing}"


def test_the_architecture_diagram_is_the_import_graph():
    import sys

    sys.path.insert(0, str(DOC.parent))
    try:
        from import_graph import mermaid
    finally:
        sys.path.remove(str(DOC.parent))
    assert f"```mermaid\n{mermaid()}\n```" in DOC.read_text(encoding="utf-8"), "run: python docs/import_graph.py"
