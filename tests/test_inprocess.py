"""The in-process runner answers as a subprocess does, and a run leaves nothing behind."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from pushctl import errors
from tests.support import inprocess
from tests.support.accounts import clean_env

NO_SERVER = {"PUSHCTL_HOMESERVER": "https://pushctl-test.invalid"}


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["--version"], ""),
        (["--help"], ""),
        ([], ""),
        (["nosuch"], ""),
        (["list", "--json"], ""),
        (["list", "--json", "--yaml"], ""),
        (["--timeout", "0", "list"], ""),
        (["validate", "-"], "pushers:\n  - {pushkey: k, app_id: a.b}\n"),
        (["validate", "--json", "-"], "pushers: [}"),
        (["delete", "--all", "--json"], ""),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_same_answers_as_a_subprocess(
    args: list[str], stdin: str, pushctl_process, home: Path
) -> None:
    expected = pushctl_process(*args, env=NO_SERVER, input=stdin)
    got = inprocess.run(args, clean_env(home, NO_SERVER), stdin)
    assert (got.returncode, got.stdout, got.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )


def test_a_run_leaves_no_state_behind(home: Path) -> None:
    logger = logging.getLogger("pushctl")
    handlers, level = list(logger.handlers), logger.level
    environ = dict(os.environ)
    token = "token-that-must-not-stay-registered"
    env = clean_env(home, {**NO_SERVER, "PUSHCTL_ACCESS_TOKEN": token, "NO_COLOR": "1"})
    result = inprocess.run(["-v", "--retries", "0", "list"], env)
    assert result.returncode == 1, result.stderr
    assert token not in result.stdout + result.stderr
    assert (logger.handlers, logger.level) == (handlers, level)
    assert dict(os.environ) == environ
    assert errors.redact_known(token) == token, "the run's secrets are forgotten"
