"""What typer, click and rich do not promise is relied on in one module only.

pushctl/cli/compat.py holds each such trick, checked against the installed
version, with a public way to the same result (taken under
``PUSHCTL_STOCK_TYPER=1``; tests/test_cli_basics.py runs whole commands and Tab
presses both ways). Here: nothing else reaches into those libraries, and the
public ways answer as the tricks do.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pushctl.cli import compat, completion, registry
from pushctl.cli.app import make_app
from pushctl.cli.shellwords import lex
from pushctl.output.environment import Environment
from tests.support import ROOT

COMPAT = ROOT / "pushctl" / "cli" / "compat.py"

# modules of the three libraries whose names say they are private or internal
PRIVATE_MODULE = re.compile(
    r"^(typer|click|rich)(\..*)?\._|^typer\.(main|core|models|utils|params)\b|^click\.(parser|core)\b"
)
# what is public Python or a public name that merely looks private
PUBLIC_UNDERSCORED = {"_replace", "_asdict", "_fields", "_make", "_exit", "_getframe"}
# public attributes that only the compat module may use for what they reach
TRICKS = {"make_parser", "__mro__", "__signature__", "display_type_rich", "_protected_args"}


def pushctl_sources(including_compat: bool) -> Iterator[Path]:
    for path in sorted((ROOT / "pushctl").rglob("*.py")):
        if including_compat or path != COMPAT:
            yield path


def defined_names(tree: ast.AST) -> set[str]:
    """The names a module defines or binds (its own private names among them)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.rpartition(".")[2])
    return names


def reaching_in(path: Path, own: set[str]) -> list[str]:
    """Each private use of typer, click or rich in *path*, as ``line: what``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            modules = []
        found += [f"{line}: import {name}" for name in modules if PRIVATE_MODULE.search(name)]
        if isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.endswith("__")
            if node.attr in TRICKS or (
                private and node.attr not in own and node.attr not in PUBLIC_UNDERSCORED
            ):
                found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.keyword) and (node.arg or "").startswith("_"):
            found += [f"{line}: {node.arg}="] if node.arg not in own else []
    return found


def test_no_private_typer_click_or_rich_outside_the_compat_module() -> None:
    own = set()  # pushctl's own names (a `self._cache` is no library's)
    for path in pushctl_sources(including_compat=False):
        own |= defined_names(ast.parse(path.read_text(encoding="utf-8")))
    reaching = {
        str(path.relative_to(ROOT)): found
        for path in pushctl_sources(including_compat=False)
        if (found := reaching_in(path, own))
    }
    assert reaching == {}


def test_the_check_finds_each_kind_of_trick(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typer._coercion import RuntimeParam\n"
        "import typer.main\n"
        "rest = ctx._protected_args + ctx.args\n"
        "parser = ctx.command.make_parser(ctx)\n"
        "Console(_environ={})\n"
        "f.__signature__ = s\n"
        "bases = typer.BadParameter.__mro__\n"
        "self._mine = 1\n"
        "print(self._mine, answer._replace(value=1))\n"
    )
    found = reaching_in(sample, own={"_mine"})
    assert sorted({int(item.partition(":")[0]) for item in found}) == list(range(1, 8)), found


# -- the public ways answer as the tricks do ------------------------------------------


def every_line() -> Iterator[str]:
    """Command lines up to a Tab press: each command and group, with options before,
    after and between, values missing, ``--`` and unknown options."""
    names = [command.name for command in registry.COMMANDS]
    before = ["", "--profile work ", "--timeout 5 ", "-v ", "--bogus ", "-- ", "--profile=w "]
    for name in names:
        for prefix in before:
            for tail in ("", "--", "--profile ", "--profile p --", "x --", "--help "):
                yield f"pushctl {prefix}{name} {tail}"
    for inner in ("", "li", "list ", "list --profile p --", "move-gateway --to "):
        yield f"pushctl --profile a fleet {inner}"
    yield "pushctl --profile"
    yield "pushctl "


@pytest.fixture
def stock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The public ways, in this process."""
    monkeypatch.setattr(compat, "STOCK", True)
    yield


def answers_and_profile(line: str) -> tuple[list[completion.Answer], object]:
    command = compat.click_command(make_app(completion.split_line(line)[1:]))
    words, _ = lex(line)
    ctx = completion._resolve_context(command, words[1:-1])
    profile = ctx.meta.get(completion._PROFILE_KEY)
    return completion.complete(command, line), profile


def test_completion_resolves_the_same_the_public_way(request: pytest.FixtureRequest) -> None:
    lines = list(every_line())
    tricks = [answers_and_profile(line) for line in lines]
    request.getfixturevalue("stock")
    public = [answers_and_profile(line) for line in lines]
    for line, by_trick, by_public in zip(lines, tricks, public, strict=True):
        assert by_public == by_trick, line
    assert "work" in [profile for _, profile in public]  # the lines do choose profiles


def test_leftover_args_the_public_way_match_the_groups_own() -> None:
    app = make_app(["fleet"])
    command = compat.click_command(app)
    for args in (
        [],
        ["fleet"],
        ["--profile", "p", "fleet", "list", "--json"],
        ["--", "fleet"],
        ["--profile"],
        ["--bogus", "fleet"],
        ["-v", "fleet", "x", "y"],
    ):
        with command.make_context("pushctl", list(args), resilient_parsing=True) as ctx:
            by_trick = compat.leftover_args(ctx, args)
            compat.STOCK = True
            try:
                by_public = compat.leftover_args(ctx, args)
            finally:
                compat.STOCK = False
        assert by_public == by_trick, args


def test_the_plain_converters_are_in_use_on_this_typer() -> None:
    assert compat.ENABLED


# -- rich: the Environment alone decides how a table looks -----------------------------


def drawn(environ: dict[str, str], app_id: str = "org.example.ios") -> str:
    from rich.table import Table

    env = Environment(
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=environ,
        stdin_isatty=False,
        stdout_isatty=True,
        stderr_isatty=True,
    )
    table = Table("name", "state", header_style="bold")
    table.add_row(app_id, "dead")
    env.draw(table)
    shown = env.stdout.getvalue()  # type: ignore[attr-defined]
    assert isinstance(shown, str)
    return shown


def widest(shown: str) -> int:
    return max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in shown.splitlines())


@pytest.mark.parametrize(
    ("own", "coloured"), [({"NO_COLOR": "1"}, False), ({}, True)], ids=["plain", "colour"]
)
def test_the_process_environment_does_not_change_a_table(
    own: dict[str, str], coloured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"COLUMNS": "60", **own}
    expected = drawn(environ)
    hostile = {
        "NO_COLOR": "1",
        "TERM": "unknown",
        "COLUMNS": "20",
        "LINES": "2",
        "TTY_COMPATIBLE": "0",
        "TTY_INTERACTIVE": "1",
        "COLORTERM": "truecolor",
        "JUPYTER_COLUMNS": "30",
    }
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    assert drawn(environ) == expected
    assert ("\x1b[1m" in expected) is coloured
    assert widest(expected) <= 60


def test_a_terminal_named_unknown_gets_tables_as_wide_as_it_is() -> None:
    # rich alone would take TERM=unknown for a dumb terminal, 80 columns wide
    app_id = "org.example." + "long" * 15
    table = drawn({"COLUMNS": "40", "TERM": "unknown"}, app_id)
    assert table == drawn({"COLUMNS": "40"}, app_id)
    assert widest(table) == 40
