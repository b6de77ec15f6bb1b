"""The package's import graph, read statically: no cycles, and nothing below the web layer imports it.

Every import counts, the ones inside functions too: a lazy import may keep boto3 or a document
reader off a cold start, but it must never be what hides a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "lambdachat"
# The composition root and the app may import everything; the web layer sits on the domain.
TOP = {"lambdachat.wiring", "lambdachat.server", "lambdachat.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Modules of the package this file imports (`from a.b import c` is `a.b.c` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
    return {name for name in found if name in modules}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) - {name} for name, path in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(graph()) == []


def in_web_layer(name: str) -> bool:
    """`lambdachat.web` and its modules (`lambdachat.websearch` is a domain package beside it)."""
    return name == "lambdachat.web" or name.startswith("lambdachat.web.")


def test_nothing_below_the_web_layer_imports_it():
    upward = {(name, target) for name, targets in graph().items() for target in targets
              if in_web_layer(target) and not in_web_layer(name) and name not in TOP}
    assert upward == set()


def test_only_the_composition_root_and_the_web_layer_import_the_wiring():
    users = {name for name, targets in graph().items() if "lambdachat.wiring" in targets}
    assert {u for u in users if not in_web_layer(u) and u not in TOP} == set()


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_the_cycle_finder_finds_cycles(edges, expected):
    assert cycles(edges) == expected


def test_imports_inside_functions_count(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from lambdachat.b import c\n")
    assert imports_of(source, {"lambdachat.b", "lambdachat.b.c"}) == {"lambdachat.b.c"}
