"""The entry points: console script, python -m, --version and --help."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pushctl
from pushctl.cli import registry
from tests.support.accounts import clean_env


def test_version(pushctl) -> None:
    result = pushctl("--version")
    assert result.returncode == 0
    assert result.stdout == f"pushctl {pushctl_version()}\n"


def pushctl_version() -> str:
    return pushctl.__version__


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "pushctl"
    assert script.exists(), "pip install must create the pushctl console script"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("pushctl ")


def test_help_lists_the_commands(pushctl) -> None:
    result = pushctl("--help")
    assert result.returncode == 0
    for command in ("list", "set", "delete", "login", "logout", "status"):
        assert command in result.stdout


def test_unknown_flag_is_a_usage_error(pushctl) -> None:
    result = pushctl("list", "--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# -- the command registry ----------------------------------------------------------


def test_each_command_summary_opens_its_docstring() -> None:
    # --help and Tab show the registry's summary without importing the command
    for command in registry.COMMANDS:
        first_paragraph = (inspect.getdoc(command.load()) or "").split("\n\n")[0]
        assert " ".join(first_paragraph.split()) == command.summary, command.name
    assert len(set(registry.NAMES)) == len(registry.NAMES)


def test_global_options_after_the_command_are_hidden_and_checked(pushctl) -> None:
    help_text = pushctl("list", "--help").stdout
    assert "--timeout" not in help_text and "--verbose" not in help_text
    result = pushctl("validate", "-", "--timeout", "soon", input="[]")
    assert result.returncode == 2
    assert "--timeout': Input should be a valid number" in result.stderr
    result = pushctl("validate", "-", "-v", "--retries", "2", input="[]")
    assert result.returncode == 0, result.stderr


# -- on stock Typer ------------------------------------------------------------------

STOCK = {"PUSHCTL_STOCK_TYPER": "1"}

RUNS = [
    ["--version"],
    ["--help"],
    ["list", "--help"],
    ["import", "--help"],
    ["lst"],
    ["list", "--no-such-flag"],
    ["--timeout", "abc", "list"],
    ["list", "--timeout", "abc"],
    ["--retries", "-1", "list", "--json"],
    ["import", "--concurrency", "0", "pushers.yaml"],
    ["export", "--format", "xml"],
    ["validate", "-", "--json"],
]

TAB_LINES = [
    "pushctl ",
    "pushctl li",
    "pushctl list --w",
    "pushctl --ca-bundle /etc/ss",
    "pushctl --timeout 5 set --ki",
    "pushctl list --timeout 5 --w",
    "pushctl export --format ",
    "pushctl --profile x fleet mo",
    "pushctl --timeout 5 fleet move-gateway --",
    "pushctl -- li",
]


def test_the_plain_converters_are_in_use_unless_stock_typer_is_asked_for(home: Path) -> None:
    check = "from pushctl.cli import compat; print(compat.ENABLED)"
    for extra, expected in (({}, "True"), (STOCK, "False")):
        command = [sys.executable, "-c", check]
        result = subprocess.run(command, env=clean_env(home, extra), capture_output=True, text=True)
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_stock_typer_gives_the_same_output(args: list[str], pushctl_process) -> None:
    # processes of their own: the choice is made once, when pushctl is imported
    plain = pushctl_process(*args, input="[]")
    stock = pushctl_process(*args, input="[]", env=STOCK)
    assert (stock.returncode, stock.stdout, stock.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_stock_typer_completes_the_same(shell: str, pushctl_process) -> None:
    for line in TAB_LINES:
        env = {"_PUSHCTL_COMPLETE": f"complete_{shell}", "_PUSHCTL_COMPLETE_LINE": line}
        plain = pushctl_process(env=env)
        stock = pushctl_process(env={**env, **STOCK})
        assert plain.returncode == 0 and plain.stdout.strip(), (line, plain.stderr)
        assert (stock.returncode, stock.stdout, stock.stderr) == (
            plain.returncode,
            plain.stdout,
            plain.stderr,
        ), line


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_an_argument_that_is_not_utf8_is_a_usage_error(home: Path, json_flag: list[str]) -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"pushctl", b"list", *[f.encode() for f in json_flag],
         b"--app-id", b"org.example\xff"],
        env=clean_env(home),
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert "not valid UTF-8" in stderr
    if json_flag:
        assert json.loads(stderr)["error"]["code"] == 2
