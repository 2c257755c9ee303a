"""Help that says what goes after each option: ``--timeout SECONDS``, not ``<float range>``."""

from __future__ import annotations

import re

import pytest

from tests.support import COMMANDS

#: what Typer and click show when an option names no metavar
TYPE_NAMES = re.compile(r"<str>|<float|<int|\bTEXT\b|\bFLOAT\b|\bINTEGER\b")


def subcommands(help_text: str) -> list[str]:
    listed = help_text.split("Commands:", 1)[1] if "Commands:" in help_text else ""
    return [line.split()[0] for line in listed.splitlines() if re.match(r"  \S", line)]


@pytest.mark.inprocess
@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=" ".join)
def test_help_names_what_goes_after_each_option(command: list[str], pushctl) -> None:
    result = pushctl(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert TYPE_NAMES.findall(result.stdout) == [], result.stdout
    if command:  # and the help of a group's commands (fleet list, ...)
        for name in subcommands(result.stdout):
            inner = pushctl(*command, name, "--help")
            assert inner.returncode == 0, inner.stderr
            assert TYPE_NAMES.findall(inner.stdout) == [], inner.stdout


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=" ".join)
def test_help_on_stock_typer_names_them_too(command: list[str], pushctl_process) -> None:
    result = pushctl_process(*command, "--help", env={"PUSHCTL_STOCK_TYPER": "1"})
    assert result.returncode == 0, result.stderr
    assert TYPE_NAMES.findall(result.stdout) == [], result.stdout


def test_help_shows_the_metavars(pushctl_process) -> None:
    shown = pushctl_process("--help").stdout
    for usage in ("--homeserver URL", "--profile NAME", "--timeout SECONDS", "--retries N"):
        assert usage in shown
    shown = pushctl_process("set", "--help").stdout
    for usage in ("--pushkey KEY", "--app-id ID", "--lang LANG", "--url URL", "--data KEY=VALUE"):
        assert usage in shown
    shown = pushctl_process("import", "--help").stdout
    assert re.search(r"^  FILE  YAML or JSON", shown, flags=re.M)
    assert "--concurrency N" in shown
    assert "-o, --output FILE" in pushctl_process("export", "--help").stdout
    assert "-u, --user @USER:SERVER" in pushctl_process("login", "--help").stdout


def test_an_option_shown_as_file_completes_file_names(pushctl_process) -> None:
    # completion offers file names where help says FILE: now also export's -o
    for line in ("pushctl export -o /etc/ss", "pushctl --ca-bundle /etc/ss"):
        env = {"_PUSHCTL_COMPLETE": "complete_bash", "_PUSHCTL_COMPLETE_LINE": line}
        result = pushctl_process(env=env)
        assert (result.returncode, result.stdout.split()) == (0, ["file,/etc/ss"]), result
