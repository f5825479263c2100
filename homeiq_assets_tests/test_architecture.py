"""The package's shape: the plain core never imports Dagster, modules import each other without a
cycle, and every package says in its docstring what it is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1] / "homeiq_assets"
PACKAGE = "homeiq_assets"
# the plain core: tested directly, usable without Dagster
CORE = ("sim", "collect", "export", "ml", "storage.py")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module an import statement names (anywhere in the file, lazy imports included),
    resolved to a module of the package where the name is a submodule."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((sub if sub in MODULES else node.module, node.lineno))
    return found


def _core_files() -> list[Path]:
    files = []
    for entry in CORE:
        target = ROOT / entry
        files += [target] if target.is_file() else sorted(target.rglob("*.py"))
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_dagster(path: Path) -> None:
    bad = [
        f"line {line}: {name}"
        for name, line in _imports(path)
        if name.split(".")[0] == "dagster"
        or name.startswith("dagster_")
        or name.startswith(f"{PACKAGE}.defs")
        or name == f"{PACKAGE}.definitions"
        or name.startswith(f"{PACKAGE}.cli")
    ]
    assert not bad, f"{path} imports the Dagster layer: {bad}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _import_graph() -> dict[str, set[str]]:
    return {
        name: {m for m, _ in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }


def test_no_import_cycle_inside_the_package() -> None:
    assert _cycles(_import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "init", sorted(ROOT.rglob("__init__.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_package_says_what_it_is(init: Path) -> None:
    doc = ast.get_docstring(ast.parse(init.read_text()))
    assert doc and len(doc.split()) >= 12, f"{init} needs a one-paragraph docstring"
