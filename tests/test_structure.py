"""The package's layout stays easy to find one's way in: no import cycles, three analyses."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import afweging

PACKAGE = Path(afweging.__file__).resolve().parent


def _module_names(root: Path) -> dict[str, Path]:
    names = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Nodes inside ``if TYPE_CHECKING:`` blocks: they never run, so they cannot cycle."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
            for child in node.body:
                skip.update(id(n) for n in ast.walk(child))
    return skip


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> modules of the same package it imports at run time (any depth, also lazily).

    ``from pkg.sub import name`` counts as an import of ``pkg.sub.name`` when that is a
    module, else of ``pkg.sub``. Imports under ``if TYPE_CHECKING:`` are left out.
    """
    modules = _module_names(root)
    top = root.name
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    mod = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod
                           for a in node.names]
            graph[name].update(t for t in targets
                               if t in modules and t != name and t.split(".")[0] == top)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_the_package_has_no_import_cycles() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 60  # every module was parsed
    found = cycles(graph)
    assert not found, "Import cycles:\n" + "\n".join(
        " <-> ".join(c) + ": " + "; ".join(f"{m} -> {sorted(graph[m] & set(c))}" for m in c)
        for c in found
    )


def _write_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_cycle_check_finds_lazy_and_relative_cycles_but_not_type_hints(tmp_path: Path) -> None:
    root = _write_package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg.b import f\n",
        "b.py": "def f():\n    from . import c\n",
        "c.py": "import pkg.a\n",
        "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.e import E\n",
        "e.py": "from pkg import d\n",
        "sub/__init__.py": "from pkg.sub.x import y\n",
        "sub/x.py": "from ..sub import z\ny = 1\n",
        "sub/z.py": "",
    })  # fmt: skip
    graph = import_graph(root)
    assert graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.sub.x"] == {"pkg.sub.z"}
    assert graph["pkg.d"] == set()
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_analyses_are_subpackages_without_name_prefixes() -> None:
    analyses = PACKAGE / "analyses"
    subpackages = {p.name for p in analyses.iterdir() if (p / "__init__.py").exists()}
    assert {"plan", "priorities", "reach"} <= subpackages
    assert sorted(p.name for p in analyses.glob("*.py")) == ["__init__.py"]
    prefixed = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                if p.name.startswith(("_plan_", "_prio_"))]
    assert prefixed == []


def test_every_subpackage_states_its_public_functions() -> None:
    import importlib

    subs = sorted(p.name for p in (PACKAGE / "analyses").iterdir() if (p / "__init__.py").exists())
    for sub in subs:
        module = importlib.import_module(f"afweging.analyses.{sub}")
        assert module.__doc__ and "Public functions" in module.__doc__
        assert module.__all__, sub
        for name in module.__all__:
            assert hasattr(module, name), f"afweging.analyses.{sub}.{name}"
