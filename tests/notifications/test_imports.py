"""notifications/ imports one way: models <- channels, messages, quiet, directory <- derive, digest <- delivery <-
sweep <- tasks <- signals, each at module level (an import inside a function would only hide a loop)."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import notifications

ROOT = Path(notifications.__file__).parent


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = ("notifications", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return []


def test_notifications_modules_import_each_other_one_way():
    modules = _modules()
    graph = {
        name: {t for node in ast.walk(tree) for t in _imported(node) if t in modules} - {name}
        for name, tree in modules.items()
    }
    for name in modules:  # importing a submodule runs its package first
        parent = name.rpartition(".")[0]
        if parent in modules and parent != "notifications":
            graph[name].add(parent)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"an import loop: {exc.args[1]}") from None
    assert (
        order.index("notifications.delivery")
        < order.index("notifications.sweep")
        < order.index("notifications.tasks")
        < order.index("notifications.signals")
    )


def test_notifications_modules_import_nothing_of_their_own_inside_functions():
    inside = []
    for name, tree in _modules().items():
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            if name == "notifications.apps" and function.name == "ready":
                continue  # Django's hook for connecting signals once the apps are loaded
            inside += [
                f"{name}.{function.name}: {t}"
                for node in ast.walk(function)
                for t in _imported(node)[:1]
                if t.startswith("notifications")
            ]
    assert not inside
