"""Prints the mermaid diagram of docs/architecture.md: nst_teach's modules as boxes, imports as arrows.

The arrows are the direct imports between modules (a package such as ``widgets`` counts as one box),
with the arrows that a longer path already implies left out, so the picture stays readable.
``python docs/import_graph.py`` prints it; tests/test_architecture.py checks the page holds exactly this.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nst_teach"
sys.path.insert(0, str(PACKAGE.parent / "tests"))

from test_architecture import TIERS, imports, modules, top  # noqa: E402  (the one definition of the layers)


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        source = top(name)
        if source in ("__init__", "__main__", "_quiet"):
            continue
        for target, _ in imports(name, path):
            target = top(target)
            if target.startswith("ext:") or target in (source, "_quiet") or not target:
                continue
            graph.setdefault(source, set()).add(target)
    return graph


def reduced(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    def reachable(start: str, skip: str) -> set[str]:
        seen, todo = set(), [n for n in graph.get(start, ()) if n != skip]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return seen

    return {src: {dst for dst in dsts if dst not in reachable(src, dst)} for src, dsts in graph.items()}


def mermaid() -> str:
    graph = reduced(edges())
    lines = ["flowchart BT"]
    for i, (tier, names) in enumerate(TIERS.items()):
        shown = [n for n in names if n not in ("__init__", "__main__", "_quiet") and n in {top(m) for m in modules()}]
        lines.append(f'  subgraph L{i}["{tier}"]')
        lines.extend(f"    {n}" for n in shown)
        lines.append("  end")
    for src in sorted(graph):
        lines.extend(f"  {src} --> {dst}" for dst in sorted(graph[src]))
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid())
