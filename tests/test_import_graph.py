"""pushctl's import graph: no cycle, packages in layers, own modules imported at the top.

The graph is read from the source (every ``import``: at the top, under
``TYPE_CHECKING`` and inside functions), not from a run, so that a cycle an
in-function import hides is found too. docs/architecture.md draws the layers,
and says where an import may wait inside a function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pushctl"

#: libraries that cost start-up time: pushctl imports them only inside the
#: functions that need them, and may import its own modules that load them there too
HEAVY = (
    "requests",
    "urllib3",
    "keyring",
    "yaml",
    "rich",
    "psycopg",
    "prometheus_client",
    "pydantic",
)

#: the layers, lowest first (docs/architecture.md): a module imports only from
#: its own layer's modules and from layers below
LAYERS = [
    {"pushctl", "pushctl.errors", "pushctl.words", "pushctl.files", "pushctl.urls"},
    {"pushctl.collector"},
    {"pushctl.pushers"},
    {"pushctl.homeserver"},
    {"pushctl.accounts"},
    {"pushctl.acting"},
    {"pushctl.runs", "pushctl.output"},
    {"pushctl.importfile", "pushctl.doctor", "pushctl.fleet"},
    {"pushctl.homeserver_host"},
    {"pushctl.cli", "pushctl.api"},
    {"pushctl.__main__"},
]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a pushctl module, or a library's top name)
    line: int
    at_top: bool  # run when the module is imported (not in a function or TYPE_CHECKING)
    guarded: bool  # under ``if TYPE_CHECKING:``
    function: str | None = None  # the module-level function it is in, if any


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def package_of(module: str) -> str:
    """The layer unit of *module*: its subpackage, or itself at the top."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and modules()[module].name == "__init__.py"):
        return ".".join(parts[:2])
    return module


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        here = module.split(".")
        if modules()[module].name != "__init__.py":
            here = here[:-1]
        base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in modules() else base


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


Found = tuple[ast.AST, bool, bool, str | None]


def _walk(node: ast.AST, in_function: bool, guarded: bool, name: str | None) -> Iterator[Found]:
    for child in ast.iter_child_nodes(node):
        is_function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        function = in_function or is_function
        if isinstance(node, ast.Module) and isinstance(child, ast.FunctionDef):
            name = child.name
        named = name if function else None
        yield child, function, guarded, named
        yield from _walk(child, function, guarded or _is_type_checking(child), named)


@cache
def imports() -> tuple[Import, ...]:
    found = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, in_function, guarded, function in _walk(tree, False, False, None):
            if isinstance(node, ast.Import | ast.ImportFrom):
                at_top = not in_function and not guarded
                found += [
                    Import(module, target, node.lineno, at_top, guarded, function)
                    for target in _targets(module, node)
                ]
    return tuple(found)


def own(found: Import) -> bool:
    return found.target == "pushctl" or found.target.startswith("pushctl.")


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@cache
def heavy_at_import(module: str) -> bool:
    """Whether importing *module* loads a heavy library (through its own top imports)."""
    for found in imports():
        if found.source != module or not found.at_top:
            continue
        if found.target.split(".")[0] in HEAVY:
            return True
        if own(found) and found.target != module and heavy_at_import(found.target):
            return True
    return False


def test_no_module_imports_itself_back() -> None:
    edges = {(i.source, i.target) for i in imports() if own(i) and i.source != i.target}
    # a package's __init__ runs before its modules: importing it is no dependency
    edges = {(s, t) for s, t in edges if not s.startswith(t + ".")}
    assert cycles(edges) == []


def test_packages_depend_only_on_the_layers_below() -> None:
    layer = {unit: n for n, units in enumerate(LAYERS) for unit in units}
    upward = sorted(
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports()
        if own(i) and layer[package_of(i.target)] > layer[package_of(i.source)]
    )
    assert upward == []
    edges = {
        (package_of(i.source), package_of(i.target))
        for i in imports()
        if own(i) and package_of(i.source) != package_of(i.target)
    }
    assert cycles(edges) == []


def test_every_module_has_a_layer() -> None:
    layered = set().union(*LAYERS)
    assert sorted({package_of(m) for m in modules()} - layered) == []


@cache
def loaded_at_start() -> frozenset[str]:
    """What every run imports before it parses its command line (``pushctl --version``):
    the entry point, and the Typer app that every line but the quick path's goes to."""
    return loaded_by("pushctl.__main__") | loaded_by("pushctl.cli.app")


@cache
def loaded_by(first: str) -> frozenset[str]:
    """The modules importing *first* loads (through the imports at their tops)."""
    loaded: set[str] = set()
    todo = [first]
    while todo:
        module = todo.pop()
        if module in loaded:
            continue
        loaded.add(module)
        for found in imports():
            if found.source == module and found.at_top and found.target in modules():
                todo.append(found.target)
                parts = found.target.split(".")
                todo += [".".join(parts[:n]) for n in range(1, len(parts))]
    return frozenset(loaded)


@cache
def command_functions() -> frozenset[tuple[str, str]]:
    """(module, function) of each command the registry names (not the builders of groups)."""
    from pushctl.cli.registry import COMMANDS

    return frozenset((c.module, c.function) for c in COMMANDS if not c.group)


def waits_for_its_use(found: Import) -> bool:
    """May *found* sit inside a function (or under ``TYPE_CHECKING``)?

    Only when the module it imports loads a heavy library; when a module
    every run loads (at every Tab press) imports one that only some runs need;
    or in a command's function, for what only the command's run needs: Tab and
    ``--help`` load a command's module to build its options, and never run it.
    """
    if heavy_at_import(found.target):
        return True
    for start in (loaded_by("pushctl.__main__"), loaded_at_start()):  # quick path, Typer's
        if found.source in start and found.target not in start:
            return True
    return run_only(found)


def run_only(found: Import) -> bool:
    """An import in a command's function of what its module does not already load."""
    command = (found.source, found.function) in command_functions()
    return command and not found.guarded and found.target not in loaded_by(found.source)


def test_own_modules_are_imported_at_the_top() -> None:
    hidden = sorted(
        f"{i.source}:{i.line} imports {i.target}"
        for i in imports()
        if own(i) and not i.at_top and not waits_for_its_use(i)
    )
    assert hidden == []


def test_every_run_loads_few_of_pushctls_modules() -> None:
    # the command line, the output layer's core and the settings; commands load the rest
    start = loaded_at_start()
    assert {"pushctl.cli", "pushctl.cli.registry", "pushctl.accounts.settings"} <= start
    assert not start & {"pushctl.cli.hints", "pushctl.acting.target", "pushctl.runs.executor"}
    assert len(start) < 25, sorted(start)
    # the quick path starts with fewer still: no Typer app, registry or settings
    entry = loaded_by("pushctl.__main__")
    assert {"pushctl.cli", "pushctl.cli.quick", "pushctl.output.environment"} <= entry
    assert not entry & {"pushctl.cli.app", "pushctl.cli.registry", "pushctl.cli.reads"}
    assert len(entry) < 12, sorted(entry)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({("a", "b"), ("b", "c")}, []),
        ({("a", "b"), ("b", "a"), ("b", "c")}, [["a", "b"]]),
        ({("a", "b"), ("b", "c"), ("c", "a")}, [["a", "b", "c"]]),
    ],
)
def test_cycles_are_found(edges: set[tuple[str, str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected


def test_the_graph_sees_imports_inside_functions_and_type_checking() -> None:
    seen = {(i.source, i.target, i.at_top, i.guarded) for i in imports()}
    # pushctl.homeserver.sessions loads requests only where it makes a session
    assert ("pushctl.homeserver.sessions", "requests", False, False) in seen
    assert heavy_at_import("pushctl.homeserver.client")
    assert not heavy_at_import("pushctl.errors")


def test_a_command_function_may_import_what_only_its_run_needs() -> None:
    # list and set build their options without the account, the client or the runs
    hidden = {(i.source, i.function, i.target) for i in imports() if run_only(i)}
    assert ("pushctl.cli.pushers", "list_command", "pushctl.cli.account") in hidden
    assert ("pushctl.cli.selection", "delete_command", "pushctl.cli.writes") in hidden
    assert not loaded_by("pushctl.cli.pushers") & {"pushctl.acting.target", "pushctl.runs"}
    # only the functions the registry names: a helper's imports are at the top
    assert ("pushctl.cli.writes", "delete") not in command_functions()
    assert ("pushctl.cli.fleet", "fleet_app") not in command_functions()
