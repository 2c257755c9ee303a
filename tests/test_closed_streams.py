"""Streams a script closes: a reader that goes away, stdout or stdin closed outright.

``pushctl list --json | head -1`` must end quietly with 141, as Unix tools do
(128 + SIGPIPE), however much was still to be written; a closed
stdout ends the same way, never in a traceback. A closed stdin reads as an
empty file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.support.accounts import clean_env, make_pusher

PUSHERS = "/_matrix/client/v3/pushers"


@pytest.fixture
def many_pushers(httpserver: HTTPServer) -> dict[str, str]:
    """A fake homeserver whose listing is far larger than a pipe's buffer."""
    pushers = [make_pusher(pushkey=f"key-{n:05d}-" + "x" * 100) for n in range(3000)]
    httpserver.expect_request(PUSHERS).respond_with_json({"pushers": pushers})
    return {
        "PUSHCTL_HOMESERVER": httpserver.url_for("/").rstrip("/"),
        "PUSHCTL_ACCESS_TOKEN": "closed-streams-token",
    }


@pytest.mark.parametrize("command", [["list", "--json"], ["list"], ["export"]])
def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(
    many_pushers: dict[str, str], home: Path, command: list[str]
) -> None:
    shell = f"{sys.executable} -m pushctl {' '.join(command)} | head -c 10 >/dev/null"
    result = subprocess.run(
        ["bash", "-c", shell + "; echo ${PIPESTATUS[0]} >&2"],
        env=clean_env(home, many_pushers),
        capture_output=True,
        text=True,
        timeout=60,
    )
    *messages, status = result.stderr.strip().splitlines()
    assert status == "141", result.stderr
    assert messages == [], "a closed pipe is not an error worth a message"


def test_closed_stdout_is_one_line_not_a_traceback(
    many_pushers: dict[str, str], home: Path
) -> None:
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m pushctl list --json >&-"],
        env=clean_env(home, many_pushers),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 141, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "import"])
def test_closed_stdin_is_one_line_not_a_traceback(home: Path, command: str) -> None:
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m pushctl {command} - <&-"],
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "pushctl: error: <stdin>:1: the file is empty; "
        "expected a list of pushers, or a mapping with a pushers: list"
    ]
