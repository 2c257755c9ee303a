"""Terminal conventions: colours, prompts, stdout versus stderr, JSON errors, pipes."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from tests.support.accounts import Account, clean_env


def run_in_terminal(
    args: list[str], env: dict[str, str], home: Path, answer: str | None = None
) -> tuple[int, str]:
    """Run pushctl with stdin, stdout and stderr on a pseudo-terminal, as a person would.

    If *answer* is given, it is typed once pushctl asks a question.
    """
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pushctl", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=clean_env(home, {"TERM": "xterm-256color", **env}),
        close_fds=True,
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: pushctl has exited
                    break
                if not chunk:
                    break
                output += chunk
                if answer is not None and b"[y/N]" in output:
                    os.write(master, answer.encode() + b"\n")
                    answer = None
            elif process.poll() is not None:
                break
    finally:
        os.close(master)
    return process.wait(timeout=30), output.decode("utf-8", "replace")


# -- colours -------------------------------------------------------------------


def test_piped_table_has_no_escape_codes(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="plain-key")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "plain-key" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr


def test_table_on_a_terminal_is_styled_but_not_under_no_color(account: Account, home: Path) -> None:
    account.add_pusher(pushkey="tty-key")
    status, styled = run_in_terminal(["list"], account.env(), home)
    assert status == 0, styled
    assert "tty-key" in styled and "\x1b[" in styled
    status, plain = run_in_terminal(["list"], account.env(NO_COLOR="1"), home)
    assert status == 0, plain
    assert "tty-key" in plain and "\x1b" not in plain


def test_server_values_cannot_drive_the_terminal(account: Account, pushctl, home: Path) -> None:
    name = "evil\x1b]0;pwned\x07 [bold]x[/]"
    account.add_pusher(pushkey="odd-key", device_display_name=name)
    account.add_pusher(pushkey="markup-key", device_display_name="[/]")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "  [/]  " in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "evil\\x1b]0;pwned\\x07 [bold]x[/]" in result.stdout
    # on a terminal only pushctl's own styles are escape codes
    status, shown = run_in_terminal(["list"], account.env(), home)
    assert status == 0, shown
    assert "\x1b]0;" not in shown and "\x07" not in shown
    # JSON keeps the value exactly as the server has it
    listed = json.loads(pushctl("list", "--json", env=account.env()).stdout)
    on_server = account.pushers()
    assert [p["device_display_name"] for p in listed] == [name, "[/]"]
    assert [p["device_display_name"] for p in on_server] == [name, "[/]"]


def test_table_is_one_aligned_line_per_pusher(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="k1", device_display_name="Küche")
    account.add_pusher(pushkey="k2", device_display_name="電話 📱")
    account.add_pusher(pushkey="k3", device_display_name="Tablet")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["App", "ID", "Pushkey", "Kind", "Device", "App", "Lang", "Gateway"]
    assert [row.split()[1] for row in rows] == ["k1", "k2", "k3"]
    # every App column starts where its header does, counting wide characters twice
    column = header.index("App  ", 1)
    for row in rows:
        assert display_width(row[: row.index("Example")]) == column, row


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# -- prompts -------------------------------------------------------------------


def test_no_prompt_without_a_terminal(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="keep-me")
    result = pushctl("delete", "--all", env=account.env())
    assert result.returncode == 2
    assert "refusing without a terminal; pass --yes" in result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["keep-me"]


def test_no_prompt_without_a_terminal_in_json(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="keep-me")
    result = pushctl("delete", "--all", "--json", env=account.env())
    assert result.returncode == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == 2 and "--yes" in error["message"]
    assert len(account.pushers()) == 1


def test_a_terminal_is_asked_and_no_keeps_everything(account: Account, home: Path) -> None:
    account.add_pusher(pushkey="asked-key")
    status, shown = run_in_terminal(["delete", "--all"], account.env(), home, answer="n")
    assert "Delete 1 pusher? [y/N]" in shown
    assert status == 1 and "cancelled: nothing was changed" in shown
    assert [p["pushkey"] for p in account.pushers()] == ["asked-key"]


def test_a_terminal_is_asked_and_yes_deletes(account: Account, home: Path) -> None:
    account.add_pusher(pushkey="asked-key")
    status, shown = run_in_terminal(["delete", "--all"], account.env(), home, answer="y")
    assert status == 0, shown
    assert "deleted 1 pusher" in shown
    assert account.pushers() == []


# -- stdout is for data, stderr for everything else ------------------------------


def test_messages_go_to_stderr_and_data_to_stdout(account: Account, pushctl) -> None:
    result = pushctl("list", env=account.env())
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "no pushers\n")
    result = pushctl("list", "--json", env=account.env())
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["list", "--json", "--no-such-flag"], 2, "No such option: --no-such-flag"),
        (["--timeout", "0", "list", "--json"], 2, "--timeout"),
        (["list", "--json", "--yaml"], 2, "--json and --yaml exclude each other"),
        (["nosuch", "--json"], 2, "No such command 'nosuch'"),
        (["list", "--json"], 4, "no access token"),
    ],
    ids=["unknown flag", "bad value", "exclusive flags", "unknown command", "no token"],
)
def test_json_errors_are_one_json_line_on_stderr(
    args: list[str], code: int, words: str, pushctl
) -> None:
    result = pushctl(*args, env={"PUSHCTL_HOMESERVER": "https://pushctl-test.invalid"})
    assert result.returncode == code
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_closed_stdout_ends_quietly(account: Account, home: Path) -> None:
    # `pushctl list --json | head -c0`: the reader is gone before pushctl writes
    for number in range(3):
        account.add_pusher(pushkey=f"pipe-key-{number}")
    process = subprocess.Popen(
        [sys.executable, "-m", "pushctl", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(home, account.env()),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert errors == ""
