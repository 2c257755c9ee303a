"""Start-up: --version, --help and Tab completion load nothing heavy.

Measured with ``python -X importtime``, which lists every module a run
imports. requests, urllib3, keyring and yaml belong to commands that talk to
a server or read files; rich tables and progress bars to output for people;
pydantic is what Typer 0.2x converts option values with, and costs more than
Typer itself (pushctl converts its simple options without it:
pushctl/cli/compat.py).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pushctl.cli.app import ROOT_FLAGS, command_named, make_app
from pushctl.cli.compat import click_command
from tests.support import COMMANDS, ROOT
from tests.support.accounts import Account, clean_env

HEAVY = ("requests", "urllib3", "keyring", "yaml", "rich.table", "rich.progress", "pydantic")


def imported_modules(
    args: list[str], home: Path, env: dict[str, str] | None = None
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pushctl", *args],
        env=clean_env(home, env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "pushctl.cli" in modules, result.stderr[-2000:]
    return modules, result


LOADED = """
import sys
from pushctl.cli import main
try:
    main(sys.argv[1:])
finally:
    print("\\n".join(sys.modules), file=sys.stderr)
"""


def loaded_modules(
    args: list[str], home: Path, env: dict[str, str] | None = None
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a run has loaded when it ends (``-X importtime`` misses the
    commands' modules: the registry imports them through importlib)."""
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        env=clean_env(home, env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return set(result.stderr.splitlines()), result


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["list", "--help"], ["set", "--help"], ["delete", "--help"]],
    ids=" ".join,
)
def test_version_and_help_import_nothing_heavy(args: list[str], home: Path) -> None:
    modules, result = imported_modules(args, home)
    assert result.returncode == 0, result.stderr[-2000:]
    assert heavy(modules) == []


@pytest.mark.parametrize(
    "line",
    ["pushctl li", "pushctl delete --pushkey ", "pushctl --timeout 5 set --app-id "],
)
def test_tab_completion_imports_nothing_heavy(line: str, home: Path) -> None:
    env = {"_PUSHCTL_COMPLETE": "complete_bash", "_PUSHCTL_COMPLETE_LINE": line}
    modules, result = imported_modules([], home, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert heavy(modules) == []


def test_help_is_plain_text_listing_every_command(pushctl) -> None:
    result = pushctl("--help")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout
    assert not set("╭│╰─") & set(result.stdout), "plain help, no rich panels"
    commands = result.stdout.split("Commands:", 1)[1]
    assert [line.split()[0] for line in commands.strip().splitlines()] == COMMANDS


def test_a_mistyped_command_suggests_the_right_one(pushctl) -> None:
    result = pushctl("lst")
    assert result.returncode == 2
    assert "No such command 'lst'" in result.stderr
    assert "'list'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "0", "list"], "--timeout': Input should be greater than or equal to 0.1"),
        (["--timeout", "soon", "list"], "--timeout': Input should be a valid number"),
        (["--retries", "1.5", "list"], "--retries': Input should be a valid integer"),
        (["--retries", "-1", "list"], "--retries': Input should be greater than or equal to 0"),
    ],
)
def test_bad_option_values_are_usage_errors(args: list[str], message: str, pushctl) -> None:
    result = pushctl(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


TOY_APP = """
import enum, io, sys
from contextlib import redirect_stdout
from pathlib import Path

import typer
from pushctl.cli.completion import complete
from pushctl.cli.compat import click_command

app = typer.Typer(rich_markup_mode=None)

class Format(str, enum.Enum):
    yaml = "yaml"
    json = "json"

@app.callback()
def root() -> None: ...

@app.command()
def load(file: Path, format: Format = Format.yaml, lines: typer.FileText = None) -> None:
    print(f"{type(file).__name__} {file} {format.value}")

with redirect_stdout(io.StringIO()):
    click_command(app).main(["load", "--help"], standalone_mode=False)
offered = complete(click_command(app), "toy load x --f")
assert [item.value for item in offered] == ["--format"], offered
offered = complete(click_command(app), "toy load da")
assert [(item.type, item.value) for item in offered] == [("file", "da")], offered
assert "pydantic" not in sys.modules, "help and Tab loaded pydantic"
click_command(app).main(["load", "data.yaml", "--format", "json"], standalone_mode=False)
"""


def test_paths_choices_and_files_wait_for_a_value_before_loading_pydantic() -> None:
    # commands of other types keep Typer's conversion, built only when a value comes
    result = subprocess.run(
        [sys.executable, "-c", TOY_APP], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "PosixPath data.yaml json\n"


def test_only_one_module_reaches_into_typer_internals() -> None:
    # everything else uses what `import typer` exports (see pushctl/cli/compat.py)
    reaching = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "pushctl").rglob("*.py")
        if any(PRIVATE_TYPER.match(name) for name in imported_names(path))
    )
    assert reaching == ["pushctl/cli/compat.py"]


PRIVATE_TYPER = re.compile(r"typer\.(_|main\b|models\b|core\b)")


def imported_names(path: Path) -> list[str]:
    """Every module and ``module.name`` an ``import`` in *path* names."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


@pytest.mark.parametrize(
    ("args", "loaded", "not_loaded"),
    [
        (["fleet", "list", "--help"], "pushctl.cli.fleet", "pushctl.cli.pushers"),
        (
            ["--profile", "list", "fleet", "list", "--help"],
            "pushctl.cli.fleet",
            "pushctl.cli.pushers",
        ),
        (["list", "--help"], "pushctl.cli.pushers", "pushctl.cli.fleet"),
    ],
    ids=" ".join,
)
def test_only_the_command_the_line_runs_is_loaded(
    args: list[str], loaded: str, not_loaded: str, home: Path
) -> None:
    # `fleet list`'s "list" is fleet's subcommand, and a profile named "list" is a value
    modules, result = loaded_modules(args, home)
    assert result.returncode == 0, result.stderr[-2000:]
    assert loaded in modules
    assert not_loaded not in modules


def test_tab_in_a_group_loads_only_the_group(home: Path) -> None:
    env = {"_PUSHCTL_COMPLETE": "complete_bash", "_PUSHCTL_COMPLETE_LINE": "pushctl fleet list --"}
    modules, result = loaded_modules([], home, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "--json" in result.stdout
    assert "pushctl.cli.fleet" in modules
    assert "pushctl.cli.pushers" not in modules


def test_the_root_flags_are_the_root_options_without_a_value() -> None:
    root = click_command(make_app([]))
    flags = {name for p in root.params if getattr(p, "is_flag", False) for name in p.opts}
    assert flags | {"-h", "--help"} == ROOT_FLAGS


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["fleet", "list"], "fleet"),
        (["--timeout", "5", "list", "--json"], "list"),
        (["--timeout=5", "-v", "delete"], "delete"),
        (["-vh", "set"], "set"),
        (["--profile", "fleet"], None),
        (["--", "list"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_no_option_takes(
    words: list[str], command: str | None
) -> None:
    assert command_named(words) == command


#: what only a command's run needs: acting for an account, the client, applying writes
RUN_ONLY = ("pushctl.acting", "pushctl.runs", "pushctl.homeserver.client", "pushctl.cli.hints")


def run_only(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in RUN_ONLY))


@pytest.mark.parametrize(
    "line",
    [
        "pushctl --timeout 5 list --w",
        "pushctl delete --pushkey ",
        "pushctl pause --app-id ",
        "pushctl set --app-id ",
    ],
)
def test_tab_on_a_commands_options_loads_nothing_only_its_run_needs(line: str, home: Path) -> None:
    # Tab builds the command's options and never runs it
    env = {"_PUSHCTL_COMPLETE": "complete_bash", "_PUSHCTL_COMPLETE_LINE": line}
    modules, result = loaded_modules([], home, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert run_only(modules) == []


@pytest.mark.parametrize("args", [["list", "--json"], ["set", "--help"]], ids=" ".join)
def test_listing_and_setting_load_no_write_machinery(
    args: list[str], home: Path, account: Account
) -> None:
    # the modules of delete, pause, prune and import are theirs alone
    modules, result = loaded_modules(args, home, account.env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(m for m in modules if m.startswith("pushctl.runs")) == []
    assert "pushctl.cli.support" not in modules


LEFT_FOR_THE_COLLECTOR = """
import atexit, gc, sys
from pushctl.cli import main
atexit.register(lambda: print("tracked", len(gc.get_objects()), file=sys.stderr))
main()
"""


def test_a_run_leaves_the_collector_nothing_to_walk_on_the_way_out(home: Path) -> None:
    # Python walks every object its collector tracks once more at exit: what a
    # run loaded (a command's module; requests for a listing) is frozen first
    result = subprocess.run(
        [sys.executable, "-c", LEFT_FOR_THE_COLLECTOR, "list", "--help"],
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tracked = int(result.stderr.split("tracked")[-1])
    assert tracked < 100
