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
        "convergence",  # the rule that ends a run when its picture is done: options' tolerance, the engine, the bar
        "paintings",
        "samples",  # the bundled pictures' records: image_io reads a sample by its name
        "kept_functions",  # the student's functions that passed their checks, kept for notebook 05
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
    "the loop": [
        "exercises",
        "options",
        "recipe",
        "checks",
        "student_functions",
        "objective",
        "optimizers",
        "scales",
        "history",
        "summaries",
        "engine",
    ],
    "pictures and the course": [
        "viz",
        "gallery",
        "pace",
        "course",
        "quiz",
        "classroom",
    ],
    "what people use": ["widgets", "servers", "cli_run", "cli", "__main__", "__init__"],
}
TIER_OF = {name: i for i, names in enumerate(TIERS.values()) for name in names}
DISPLAY = {"viz", "live", "live_grid", "panels", "widgets", "matplotlib", "ipywidgets", "IPython"}
MAX_LINES = 600


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package).with_suffix("").parts)
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


# --------------------------------------------------------------------------- circles, private names, shims


def import_records(name: str, path: Path, package_name: str = "nst_teach") -> list[tuple[str, tuple[str, ...], int]]:
    """(module, names, line) for each import of the package's own modules in ``path``, those inside functions too.

    ``module`` is the dotted name inside the package (``"checks.feedback"``); ``names`` what ``from ... import``
    takes from it (empty for ``import package.module``).
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            elif node.module and (node.module + ".").startswith(package_name + "."):
                module = node.module[len(package_name) + 1 :]
            else:
                continue
            found.append((module, names, node.lineno))
        elif isinstance(node, ast.Import):
            prefix = package_name + "."
            found.extend(
                (alias.name[len(prefix) :], (), node.lineno) for alias in node.names if alias.name.startswith(prefix)
            )
    return found


def import_graph(package: Path = PACKAGE, package_name: str = "nst_teach") -> dict[str, dict[str, int]]:
    """``{module: {module it imports: line}}`` over every import, at the top of a file or inside a function.

    ``from .checks import feedback`` imports ``checks.feedback``; importing a sub-package's module from
    outside runs the sub-package's ``__init__`` first, so it imports that too.
    """
    known = modules(package)
    graph: dict[str, dict[str, int]] = {name: {} for name in known}
    for name, path in known.items():
        for module, names, line in import_records(name, path, package_name):
            targets = [f"{module}.{n}" if f"{module}.{n}" in known else module for n in names] or [module]
            for target in targets:
                while target and target not in known:  # an attribute of a module: the module
                    target = target.rpartition(".")[0]
                parts = target.split(".")
                implied = [".".join(parts[:i]) for i in range(1, len(parts)) if top(target) != top(name)]
                for each in [*implied, target]:
                    if each and each != name:
                        graph[name].setdefault(each, line)
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every import circle: the strongly connected groups of two or more modules (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def describe(group: list[str], graph: dict[str, dict[str, int]], package: Path = PACKAGE) -> str:
    """One circle of ``group`` as the imports that make it: ``a.py:12 -> b, b.py:40 -> a``."""
    members = set(group)
    path, node = [group[0]], group[0]
    while True:
        node = next(n for n in sorted(graph[node]) if n in members and (n == group[0] or n not in path))
        if node == group[0] or len(path) > len(group):
            break
        path.append(node)
    hops = [*path, group[0]]
    files = modules(package)
    return ", ".join(
        f"{files[a].relative_to(package.parent)}:{graph[a][b]} imports {b}" for a, b in zip(hops, hops[1:])
    )


def test_no_import_circle():
    graph = import_graph()
    found = circles(graph)
    assert not found, "import circles (an import inside a function counts too): " + "; ".join(
        describe(group, graph) for group in found
    )


def test_a_planted_circle_is_found(tmp_path):
    """The test of the test: a package whose circle hides behind an import inside a function turns it red."""
    package = tmp_path / "planted"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("from .sub.high import helper\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "high.py").write_text("def helper():\n    from ..low import helper  # hidden\n")
    (package / "alone.py").write_text("from . import low\n")
    graph = import_graph(package, "planted")
    assert circles(graph) == [["low", "sub.high"]]
    assert describe(["low", "sub.high"], graph, package) == (
        "planted/low.py:1 imports sub.high, planted/sub/high.py:2 imports low"
    )
    (package / "sub" / "high.py").write_text("def helper():\n    pass\n")
    assert circles(import_graph(package, "planted")) == []


def borrowed_private_names(package: Path = PACKAGE, package_name: str = "nst_teach") -> list[tuple[str, str, str, int]]:
    """(importer, module, private name, line) for each ``_private`` name taken from another top-level module.

    A sub-package's modules share among themselves (``checks.style`` takes ``checks.feedback._run``).
    """
    found = []
    for name, path in modules(package).items():
        for module, names, line in import_records(name, path, package_name):
            if not module or top(module) == top(name):
                continue
            private_module = [part for part in module.split(".")[1:] if part.startswith("_")]
            taken = [n for n in names if n.startswith("_") and not n.startswith("__")] + private_module
            found.extend((name, module, taken_name, line) for taken_name in taken)
    return found


def test_no_module_borrows_another_modules_private_names():
    found = [
        f"{modules()[importer].relative_to(PACKAGE.parent)}:{line} takes {module}.{private}"
        for importer, module, private, line in borrowed_private_names()
    ]
    assert not found, "a name used across modules is an interface: name it without `_`: " + "; ".join(found)


def test_a_borrowed_private_name_is_found(tmp_path):
    package = tmp_path / "planted"
    (package / "sub").mkdir(parents=True)
    for file in ("__init__.py", "sub/__init__.py", "sub/_shared.py"):
        (package / file).write_text("")
    (package / "one.py").write_text("def _secret():\n    pass\n")
    (package / "sub" / "a.py").write_text("from ._shared import _x\nfrom . import _shared\n")  # its family: fine
    (package / "two.py").write_text("def f():\n    from .one import _secret, public\n\nfrom .sub import _shared\n")
    assert sorted(borrowed_private_names(package, "planted")) == [
        ("two", "one", "_secret", 2),
        ("two", "sub", "_shared", 4),
    ]


def module_getattrs(package: Path = PACKAGE) -> list[str]:
    """The modules, other than a package's ``__init__``, that define a module-level ``__getattr__``."""
    found = []
    for name, path in modules(package).items():
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            defined = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__getattr__"
            assigned = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__getattr__" for t in node.targets
            )
            if defined or assigned:
                found.append(name)
    return found


def test_only_a_packages_init_has_a_module_getattr():
    found = module_getattrs()
    assert not found, f"{found} define a module __getattr__: a shim that hides where a name lives; import it instead"


def test_a_planted_module_getattr_is_found(tmp_path):
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("def __getattr__(name):\n    raise AttributeError(name)\n")
    (package / "shim.py").write_text("def __getattr__(name):\n    raise AttributeError(name)\n")
    assert module_getattrs(package) == ["shim"]


def uncommented_imports_in_functions(package: Path = PACKAGE, package_name: str = "nst_teach") -> dict[str, str]:
    """``{"file:line": module}`` for each import of the package's own modules inside a function, with no comment why.

    The comment stands on the import's line or just above its block of imports (``# images.py loads OpenCV``).
    """
    found = {}
    for name, path in modules(package).items():
        lines = path.read_text(encoding="utf-8").splitlines()
        functions = [
            n for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for node in (node for function in functions for node in ast.walk(function)):
            if not isinstance(node, ast.ImportFrom) or not (node.level or (node.module or "").startswith(package_name)):
                continue
            first = node.lineno - 1
            while first > 0 and lines[first - 1].strip().startswith(("from ", "import ")):
                first -= 1  # up to the top of the block of imports it stands in
            said = any("#" in line for line in lines[first : node.end_lineno]) or (
                first > 0 and lines[first - 1].strip().startswith("#")
            )
            if not said:
                found[f"{path.relative_to(package.parent)}:{node.lineno}"] = name
    return found


def test_an_import_inside_a_function_says_why():
    """Only a heavy library (TensorFlow, OpenCV, matplotlib...) is a reason to import inside a function."""
    found = list(uncommented_imports_in_functions())
    assert not found, f"imports inside functions with no comment saying which heavy library they delay: {found}"


def test_a_planted_uncommented_import_is_found(tmp_path):
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "heavy.py").write_text("")
    (package / "user.py").write_text(
        "def said():\n    from .heavy import x  # heavy.py loads OpenCV\n\n"
        "def above():\n    # heavy.py loads OpenCV\n    from .heavy import x\n    from .heavy import y\n\n"
        "def silent():\n    from .heavy import x\n"
    )
    assert uncommented_imports_in_functions(package, "planted") == {"planted/user.py:10": "user"}


# --------------------------------------------------------------------------- the instructor's package

INSTRUCTOR = PACKAGE.parent / "instructor" / "nst_teach_instructor"


def test_the_students_package_imports_the_instructors_only_when_asked():
    """nst_teach reaches nst_teach_instructor only inside a function (never at import time), in course.files and cli."""
    found = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            imported = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            imported += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(m.split(".")[0] == "nst_teach_instructor" for m in imported):
                found.append((name, node.lineno, id(node) in top_level))
    assert found, "the test reads no import of nst_teach_instructor: has the command moved?"
    assert {name for name, _, _ in found} <= {"course.files", "cli", "checks.hints"}, found
    assert not [f for f in found if f[2]], f"imported at the top of a module: {found}"


def test_the_instructors_package_borrows_no_private_name_of_the_students():
    found = []
    for path in sorted(INSTRUCTOR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nst_teach."):
                parts = node.module.split(".")[1:] + [alias.name for alias in node.names]
                found += [f"{path.name}:{node.lineno} takes {node.module}.{p}" for p in parts if p.startswith("_")]
    assert not found, "the instructor's package uses nst_teach's public interface only: " + "; ".join(found)
