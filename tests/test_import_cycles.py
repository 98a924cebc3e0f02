"""No import circles inside ``review/`` and ``screening_app/``.

A circle is two or more modules that import each other, directly or round a loop. Every
``import`` and ``from ... import`` statement counts, wherever it stands: at module level, and
inside a function as well (a function-level import only hides a circle until the function
runs; it does not remove it). Only imports under ``if TYPE_CHECKING:`` are left out (they are
never run). ``from package import name`` is an edge to the module ``package.name`` when that
is a module, else to the package itself (its ``__init__``). The implicit import of a module's
own parent package is not an edge: a package's ``__init__`` re-exporting its modules is not a
circle.

On failure the message names each circle as a path of modules with the file and line of
each import in it, so the one name the circle hangs on can be moved.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("review", "screening_app")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under the packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                stack.extend(child.orelse)  # the else branch does run
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    """The edges from module ``name`` to the other modules of ``modules`` it imports."""
    is_package = path.name == "__init__.py"
    edges: list[Edge] = []

    def add(target: str, line: int) -> None:
        while target and target not in modules:  # review.x.y.Name -> review.x.y
            target = target.rpartition(".")[0]
        if target and target != name:
            edges.append(Edge(name, target, path, line))

    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
            continue
        if node.level:  # a relative import
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            add(submodule if submodule in modules else module, node.lineno)
    return edges


def find_cycles(modules: dict[str, Path]) -> list[list[Edge]]:
    """One circle (as its edges, in order round it) for each group of modules that import
    each other (each strongly connected component with more than one module)."""
    edges = {name: imports_of(name, path, modules) for name, path in modules.items()}
    graph = {name: sorted({e.target for e in out}) for name, out in edges.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(start: str) -> None:  # Tarjan's algorithm, without recursion
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [_one_circle(group, edges) for group in groups]


def _one_circle(group: set[str], edges: dict[str, list[Edge]]) -> list[Edge]:
    """A shortest circle through the group's first module (breadth-first within the group)."""
    start = min(group)
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for edge in edges[node]:
                if edge.target not in group:
                    continue
                if edge.target == start:
                    path = [edge]
                    while path[0].source != start:
                        path.insert(0, came[path[0].source])
                    return path
                if edge.target not in came:
                    came[edge.target] = edge
                    nxt.append(edge.target)
        frontier = nxt
    raise AssertionError(f"no circle found in the group {sorted(group)}")


def describe(circle: list[Edge], root: Path) -> str:
    steps = [f"{e.source} -> {e.target} ({e.path.relative_to(root)}:{e.line})" for e in circle]
    return " ; ".join(steps)


def test_no_import_cycles_in_review_and_the_app():
    modules = module_files(REPO, PACKAGES)
    assert "review.cli" in modules and "screening_app.app" in modules
    circles = find_cycles(modules)
    assert not circles, "import circles (move the name one of them hangs on):\n" + "\n".join(
        describe(c, REPO) for c in circles
    )


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return module_files(tmp_path, ["pkg"])


def test_the_check_names_a_circle_held_by_a_function_level_import(tmp_path):
    modules = _package(tmp_path, {
        "pkg/__init__.py": "from pkg.a import A\n",
        "pkg/a.py": "from pkg import b\nA = 1\n",
        "pkg/b.py": "def f():\n    from pkg.a import A\n    return A\n",
    })
    [circle] = find_cycles(modules)
    assert describe(circle, tmp_path) == "pkg.a -> pkg.b (pkg/a.py:1) ; pkg.b -> pkg.a (pkg/b.py:2)"


def test_the_check_follows_relative_imports_and_a_package_init(tmp_path):
    modules = _package(tmp_path, {
        "pkg/__init__.py": "from .a import A\n",
        "pkg/a.py": "from .sub.c import C\nA = 1\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "import pkg\nC = pkg.A\n",
    })
    [circle] = find_cycles(modules)
    assert [e.source for e in circle] == ["pkg", "pkg.a", "pkg.sub.c"]


def test_what_the_check_does_not_count(tmp_path):
    """A package importing its own modules, TYPE_CHECKING imports and outside imports."""
    modules = _package(tmp_path, {
        "pkg/__init__.py": "from pkg.a import A\nfrom pkg.b import B\n",
        "pkg/a.py": "import os\nfrom pkg.b import B\nA = B\n",
        "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\nB = 2\n",
    })
    assert find_cycles(modules) == []
