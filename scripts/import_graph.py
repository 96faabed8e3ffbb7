#!/usr/bin/env python3
"""Print which Storedesk app imports which, and the import cycles between modules.

Reads the source with `ast` (no Django setup, nothing is executed), so it sees module-level
imports and the imports written inside functions alike; the second kind is counted separately
because a function-level import is usually a cycle being dodged.

    .venv/bin/python scripts/import_graph.py            # app matrix + module cycles
    .venv/bin/python scripts/import_graph.py --modules  # also every module-level edge
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "agents",
    "audit",
    "catalog",
    "config",
    "orders",
    "projects",
    "stores",
    "sync",
    "webhooks",
)
SKIPPED_PARTS = {"tests", "migrations", "sandbox", "management"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts):
                continue
            modules[_module_name(path)] = path
    return modules


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    """The longest known module that `target` names (`a.b.c` -> `a.b` if `c` is an attribute)."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, known: dict[str, Path]):
    """Yield (imported module, is_function_level) for every project import in one file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (found := _resolve(alias.name, known)) is not None:
                        yield found, in_function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in child.names:
                    found = _resolve(f"{base}.{alias.name}", known) or _resolve(base, known)
                    if found is not None:
                        yield found, in_function
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # typing-only imports never run
            else:
                yield from visit(child, nested)

    yield from visit(tree, False)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                strongconnect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="print every module-level edge")
    args = parser.parse_args()

    known = _project_modules()
    module_graph: dict[str, set[str]] = defaultdict(set)
    app_edges: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    function_level: dict[str, int] = defaultdict(int)
    for module, path in sorted(known.items()):
        for target, in_function in _imports(module, path, known):
            if target == module:
                continue
            if in_function:
                function_level[module] += 1
            module_graph[module].add(target)
            source_app, target_app = module.split(".")[0], target.split(".")[0]
            if source_app != target_app:
                app_edges[(source_app, target_app)][int(in_function)] += 1

    print("App imports (importer -> imported: module-level / function-level import statements)")
    for (source_app, target_app), (top, inner) in sorted(app_edges.items()):
        print(f"  {source_app:9} -> {target_app:9} {top:4} / {inner}")

    # `config` is both the shared kernel (db fields, pagination) and the composition root
    # (urls, celery, test helpers): its imports of the apps wire the house, they are not a knot.
    app_graph = defaultdict(set)
    for source_app, target_app in app_edges:
        if source_app != "config":
            app_graph[source_app].add(target_app)
    print("\nApp cycles (apps that import each other, directly or around a loop; config's own")
    print("imports of the apps are left out, it is the composition root)")
    for component in _cycles(app_graph) or [["none"]]:
        print("  {" + ", ".join(component) + "}")

    print("\nModule cycles (counting function-level imports too)")
    for component in _cycles(module_graph) or [["none"]]:
        print("  " + " <-> ".join(component))

    # AppConfig.ready() is where Django wants an app's wiring imports: counted apart.
    in_ready = sum(count for module, count in function_level.items() if module.endswith(".apps"))
    dodging = {module: count for module, count in function_level.items() if not module.endswith(".apps")}
    print(f"\nFunction-level imports of project modules: {sum(dodging.values())} (+ {in_ready} in AppConfig.ready)")
    for module, count in sorted(dodging.items(), key=lambda item: -item[1])[:10]:
        print(f"  {count:3}  {module}")

    if args.modules:
        print("\nModule-level edges")
        for module in sorted(module_graph):
            for target in sorted(module_graph[module]):
                print(f"  {module} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
