"""The entry points: console script, python -m, --version and --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pushctl


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
