"""Terminal conventions: colours, prompts, stdout versus stderr, JSON errors, pipes."""

from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Literal

import pytest

from pushctl.errors import Interrupted
from pushctl.output import render
from pushctl.output.environment import Environment
from pushctl.output.escaping import escape
from pushctl.output.plain import Cell
from tests.support.accounts import Account, clean_env

pytestmark = pytest.mark.inprocess


def run_in_terminal(
    args: list[str], env: dict[str, str], home: Path, answer: str | None = None
) -> tuple[int, str]:
    """Run pushctl with stdin, stdout and stderr on a pseudo-terminal, as a person would.

    If *answer* is given, it is typed once pushctl asks a question.
    """
    status, terminal, _ = on_a_terminal(args, env, home, answer)
    return status, terminal


def run_with_stdout_piped(
    args: list[str], env: dict[str, str], home: Path, answer: str
) -> tuple[int, str, str]:
    """Run pushctl with stdin and stderr on a pseudo-terminal and stdout in a pipe."""
    return on_a_terminal(args, env, home, answer, piped="stdout")


def run_with_stdout_on_a_terminal(
    args: list[str], env: dict[str, str], home: Path
) -> tuple[int, str, str]:
    """Run pushctl with stdout on a pseudo-terminal, stderr in a pipe: (status, shown, stderr)."""
    return on_a_terminal(args, env, home, None, piped="stderr")


def on_a_terminal(
    args: list[str],
    env: dict[str, str],
    home: Path,
    answer: str | None,
    piped: Literal["stdout", "stderr"] | None = None,
) -> tuple[int, str, str]:
    """(exit status, what the terminal showed, what the *piped* stream got).

    With stderr piped, no question can be seen, so stdin is empty rather than
    the terminal.
    """
    import pty

    master, slave = pty.openpty()
    streams: dict[str, int] = {"stdout": slave, "stderr": slave}
    if piped is not None:
        streams[piped] = subprocess.PIPE
    process = subprocess.Popen(
        [sys.executable, "-m", "pushctl", *args],
        stdin=subprocess.DEVNULL if piped == "stderr" else slave,
        stdout=streams["stdout"],
        stderr=streams["stderr"],
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
        stdout, stderr = process.communicate(timeout=30)
    finally:
        os.close(master)
    pipe = {"stdout": stdout, "stderr": stderr}.get(piped or "", b"") or b""
    return process.wait(timeout=30), output.decode("utf-8", "replace"), pipe.decode()


# -- colours -------------------------------------------------------------------


def test_piped_table_has_no_escape_codes(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="plain-key")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "plain-key" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\u2028", "\ufeff", "\u2066"])
def test_pushkeys_differing_by_an_invisible_character_look_different(
    account: Account, pushctl, hidden: str
) -> None:
    account.add_pusher(pushkey="abcdef")
    account.add_pusher(pushkey=f"abc{hidden}def")
    result = pushctl("list", env=account.env())
    assert result.returncode == 0, result.stderr
    assert hidden not in result.stdout
    assert f"abc\\u{ord(hidden):04x}def" in result.stdout
    assert " abcdef " in result.stdout


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


def test_server_text_in_messages_cannot_drive_the_terminal(httpserver, pushctl) -> None:
    answer = {"errcode": "M_UNKNOWN", "error": "bad\x1b]0;pwned\x07\x1b[2J"}
    httpserver.expect_request("/_matrix/client/v3/pushers").respond_with_json(answer, 400)
    env = {
        "PUSHCTL_HOMESERVER": httpserver.url_for("/").rstrip("/"),
        "PUSHCTL_ACCESS_TOKEN": "token-of-a-fake-server",
    }
    result = pushctl("--retries", "0", "-v", "list", env=env)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "bad\\x1b]0;pwned\\x07\\x1b[2J" in result.stderr
    # JSON escapes them in its own way, and keeps the text exact
    result = pushctl("--retries", "0", "list", "--json", env=env)
    assert json.loads(result.stderr)["error"]["message"].endswith(answer["error"])


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


# -- the rules, one by one -------------------------------------------------------


def environment(
    environ: dict[str, str] | None = None,
    stdin: str = "",
    terminals: str = "",
) -> Environment:
    """An Environment on fake streams; *terminals* names the ones that are terminals."""
    return Environment(
        stdin=io.StringIO(stdin),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=environ or {},
        stdin_isatty="stdin" in terminals,
        stdout_isatty="stdout" in terminals,
        stderr_isatty="stderr" in terminals,
    )


def text(stream: object) -> str:
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("environ", "terminals", "styled"),
    [
        ({}, "stdout", True),
        ({}, "", False),
        ({"NO_COLOR": "1"}, "stdout", False),
        ({"NO_COLOR": ""}, "stdout", True),
        ({"FORCE_COLOR": "1"}, "", True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "stdout", False),
        ({"TERM": "dumb"}, "stdout", False),
    ],
)
def test_colour_policy(environ: dict[str, str], terminals: str, styled: bool) -> None:
    env = environment(environ, terminals=terminals)
    assert env.stdout_colour is styled
    render.table(env, ["Name"], [["x"]])
    assert ("\x1b[1m" in text(env.stdout)) is styled


@pytest.mark.parametrize(
    ("terminals", "environ", "drawn"),
    [
        ("stdin stdout stderr", {}, True),
        ("stdout stderr", {}, True),
        ("stdin stderr", {}, False),  # pushctl import FILE > out.txt
        ("stdin stdout", {}, False),  # pushctl import FILE 2> log.txt
        ("stdout stderr", {"TERM": "dumb"}, False),
    ],
)
def test_progress_only_when_a_person_watches(
    terminals: str, environ: dict[str, str], drawn: bool
) -> None:
    env = environment({"COLUMNS": "60", **environ}, terminals=terminals)
    with env.progress("applying", 2) as advance:
        assert (advance is not None) is drawn
        if advance is not None:
            advance(True)
            advance(False)
    shown = text(env.stderr)
    assert ("2/2" in shown and "1 failed" in shown) is drawn
    assert text(env.stdout) == ""


def test_questions_need_a_terminal_on_stdin_and_stderr() -> None:
    assert environment(terminals="stdin stderr").can_prompt
    assert not environment(terminals="stdin stdout").can_prompt
    assert not environment(terminals="stdout stderr").can_prompt


@pytest.mark.parametrize(
    ("typed", "answer"), [("y\n", True), ("YES\n", True), ("\n", False), ("no\n", False)]
)
def test_confirm_asks_on_stderr(typed: str, answer: bool) -> None:
    env = environment(stdin=typed, terminals="stdin stderr")
    assert env.confirm("Delete 2 pushers?") is answer
    assert text(env.stderr) == "Delete 2 pushers? [y/N]: "
    assert text(env.stdout) == ""


def test_confirm_asks_again_and_stops_at_end_of_input() -> None:
    env = environment(stdin="maybe\n", terminals="stdin stderr")
    with pytest.raises(Interrupted, match="aborted"):
        env.confirm("Delete?")
    assert "Error: invalid input" in text(env.stderr)


def test_one_escape_for_tables_and_messages() -> None:
    assert escape("a\x1b[31mb\x07\n\x9b") == "a\\x1b[31mb\\x07\\x0a\\x9b"
    assert escape("one\ntwo\x1b", keep_newlines=True) == "one\ntwo\\x1b"
    assert escape("pay\u202egnp.exe\u200b\u2028") == "pay\\u202egnp.exe\\u200b\\u2028"
    assert escape("Zoë's 日本 phone 😀") == "Zoë's 日本 phone 😀"
    env = environment()
    env.warn("name\x1b]0;x\x07")
    assert text(env.stderr) == "pushctl: warning: name\\x1b]0;x\\x07\n"


def test_only_the_environment_writes_to_the_process_streams() -> None:
    """One place decides the terminal rules: nothing else prints, prompts or asks isatty()."""
    direct = re.compile(
        r"sys\.std(out|err)|\bprint\(|\becho\(|getpass|\.isatty\(\)|(typer|click)\.(confirm|prompt)"
    )
    package = Path(render.__file__).parent
    found = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "environment.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


@pytest.mark.parametrize(
    "command", [["delete", "--all", "--json"], ["prune", "--rejected", "--json"]]
)
def test_a_question_under_json_shows_what_it_is_about_first(
    account: Account, home: Path, command: list[str]
) -> None:
    from tests.support.pushgateway import PushGateway

    with PushGateway() as gateway:
        gateway.reject("first-doomed-key", "second-doomed-key")
        for key in ("first-doomed-key", "second-doomed-key"):
            account.add_pusher(pushkey=key, data={"url": gateway.url})
        status, terminal, stdout = run_with_stdout_piped(command, account.env(), home, "y")
    assert status == 0, terminal
    question = terminal.index("[y/N]")
    assert "first-doomed-key" in terminal[:question]
    assert "second-doomed-key" in terminal[:question]
    assert {p["pushkey"] for p in json.loads(stdout)["deleted"]} == {
        "first-doomed-key",
        "second-doomed-key",
    }
    assert account.pushers() == []


# -- tables: drawn on a terminal, plain columns elsewhere --------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lines_of(shown: str) -> list[str]:
    """What a terminal shows, line by line, without the colours."""
    return [line for line in ANSI.sub("", shown).replace("\r\n", "\n").split("\n") if line]


def test_piped_list_keeps_its_plain_columns_byte_for_byte(account: Account, pushctl) -> None:
    account.add_pusher(pushkey="k" * 30 + "-end", device_display_name="Küche")
    result = pushctl("list", env=account.env(FORCE_COLOR="1", COLUMNS="60"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "\x1b[1mApp ID               Pushkey                   Kind  Device  App      Lang"
        "  Gateway\x1b[0m\n"
        "org.example.app.ios  kkkkkkkkkkk…kkkkkkkk-end  http  Küche   Example  en"
        "    https://push.example.org\n"
    )


def test_list_on_a_terminal_is_a_framed_table(account: Account, home: Path) -> None:
    account.add_pusher(pushkey="framed-key", device_display_name="[bold]x[/]")
    status, shown, errors = run_with_stdout_on_a_terminal(["list"], account.env(), home)
    assert status == 0, errors
    assert "\x1b[1m App ID" in shown  # a bold header
    assert "\x1b[2m╭" in shown and "│" in shown and "╰" in shown  # a frame, dimmed
    header, *rows = lines_of(shown)[1:-1]
    assert header.split("│")[1:3] == [" App ID              ", " Pushkey    "]
    assert "[bold]x[/]" in rows[1]  # no markup read from the server's text
    status, plain, errors = run_with_stdout_on_a_terminal(["list"], account.env(NO_COLOR="1"), home)
    assert status == 0, errors
    assert "\x1b" not in plain
    assert lines_of(plain) == lines_of(shown)


def test_test_results_on_a_terminal_show_their_state_in_colour(
    account: Account, home: Path
) -> None:
    from tests.support.pushgateway import PushGateway

    with PushGateway() as gateway:
        gateway.reject("rejected-key")
        account.add_pusher(pushkey="delivered-key", data={"url": gateway.url})
        account.add_pusher(pushkey="rejected-key", data={"url": gateway.url})
        unreachable = "https://push.pushctl-test.invalid/_matrix/push/v1/notify"
        account.add_pusher(pushkey="unreachable-key", data={"url": unreachable})
        status, shown, errors = run_with_stdout_on_a_terminal(["test"], account.env(), home)
    assert status == 5, errors
    assert re.search(r"\x1b\[32m delivered", shown)
    assert re.search(r"\x1b\[1;31m rejected", shown)
    assert re.search(r"\x1b\[33m unreachable", shown)


def test_tables_fit_60_columns_one_row_per_pusher(account: Account, home: Path) -> None:
    keys = [f"{start}{'Xp/MzCt8+aB3k9QvLw2N' * 8}{end}" for start, end in ("AB", "CD", "EF")]
    for key in keys:
        account.add_pusher(pushkey=key, device_display_name=f"Phone {key[:2]}")
    for command in (["list"], ["list", "--wide"], ["list", "--devices"], ["delete", "--all"]):
        args = [*command, "--dry-run"] if command[0] == "delete" else command
        status, shown, errors = run_with_stdout_on_a_terminal(args, account.env(COLUMNS="60"), home)
        assert status == 0, errors
        lines = lines_of(shown)
        assert all(display_width(line) <= 60 for line in lines), "\n".join(lines)
        for key in keys:  # both ends of each pushkey, on one line
            assert len([line for line in lines if key[:2] in line]) == 1, (command, lines)
            assert [line for line in lines if key[:2] in line and key[-2:] in line], lines
        assert len(lines) == 2 + len(keys), lines  # header, rule, one line each


def test_status_on_a_terminal_is_framed_and_plain_in_a_pipe(
    account: Account, home: Path, pushctl
) -> None:
    status, shown, errors = run_with_stdout_on_a_terminal(["status"], account.env(), home)
    assert status == 0, errors
    assert "╭" in shown and f"│ {account.user_id}" in ANSI.sub("", shown)
    plain = pushctl("status", env=account.env()).stdout
    assert plain.startswith(f"user:            {account.user_id}\ncredential:      user")


def test_status_escapes_what_the_server_says(httpserver, pushctl) -> None:
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": "@evil\x1b]0;pwned\x07:example.org", "device_id": "DEV\x1b[2J"}
    )
    httpserver.expect_request("/_matrix/client/versions").respond_with_json(
        {"versions": ["v1.1\x1b[31m"]}
    )
    env = {
        "PUSHCTL_HOMESERVER": httpserver.url_for("/").rstrip("/"),
        "PUSHCTL_ACCESS_TOKEN": "token-of-a-fake-server",
    }
    result = pushctl("status", env=env)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "user:            @evil\\x1b]0;pwned\\x07:example.org\n" in result.stdout
    assert "device:          DEV\\x1b[2J\n" in result.stdout


@pytest.mark.parametrize(
    ("environ", "terminals", "drawn", "coloured"),
    [
        ({}, "stdout", True, True),
        ({"NO_COLOR": "1"}, "stdout", True, False),
        ({"TERM": "dumb"}, "stdout", False, False),
        ({"FORCE_COLOR": "1"}, "", False, True),
        ({}, "", False, False),
    ],
)
def test_table_policy(environ: dict[str, str], terminals: str, drawn: bool, coloured: bool) -> None:
    env = environment({"COLUMNS": "60", **environ}, terminals=terminals)
    assert env.stdout_drawn is drawn
    render.table(env, ["Name", "Enabled"], [["phone", Cell("no", "disabled")]])
    shown = text(env.stdout)
    assert ("╭" in shown) is drawn
    assert ("\x1b[" in shown) is coloured
    assert ("\x1b[31m no" in shown) is (drawn and coloured)
    if not drawn:  # the plain columns, a Cell shown as its text
        assert ANSI.sub("", shown) == "Name   Enabled\nphone  no\n"


@pytest.mark.parametrize(
    ("state", "code"), [("rejected", "1;31"), ("unreachable", "33"), ("disabled", "31")]
)
def test_states_have_colours(state: str, code: str) -> None:
    env = environment(terminals="stdout")
    render.table(env, ["State"], [[Cell(state, state)]])
    assert f"\x1b[{code}m {state}" in text(env.stdout)


def test_admin_listing_with_devices_fits_60_columns() -> None:
    from pushctl.output.columns import pusher_columns, show_pushers
    from tests.support.accounts import make_pusher

    day_ms = 86_400_000
    pushers = []
    for number in range(3):
        pusher = make_pusher(pushkey=f"{number}-{'Xp/MzCt8+aB3k9QvLw2N' * 8}-end{number}")
        device = {"device_id": f"DEVICE{number}", "display_name": "Phone", "last_seen_ts": day_ms}
        pushers.append({**pusher, "device_id": f"DEVICE{number}", "enabled": number != 1})
        pushers[-1]["device"] = device
    env = environment({"COLUMNS": "60"}, terminals="stdout")
    shown_columns = pusher_columns(device=True, last_seen=True, enabled=True)
    show_pushers(env, render.Format.TABLE, pushers, shown_columns)
    shown = text(env.stdout)
    assert "\x1b[31mno" in shown  # disabled
    lines = lines_of(shown)
    assert all(display_width(line) <= 60 for line in lines), "\n".join(lines)
    assert len(lines) == 2 + len(pushers)
    for number, line in enumerate(lines[2:]):  # both ends of the pushkey, however narrow
        pushkey = line.split()[1]
        assert pushkey.startswith(f"{number}-") and pushkey.endswith(f"{number}"), line


def test_a_cut_keeps_both_ends_of_a_pushkey_and_the_start_of_other_text() -> None:
    from pushctl.output.tables import cut, fit_widths

    assert cut("abcdefghij", 5, keep_ends=True) == "ab…ij"
    assert cut("abcdefghij", 5) == "abcd…"
    assert cut("電話電話電話", 5) == "電話…"
    assert cut("short", 5) == "short"
    assert cut("abcdefghij", 24, keep_ends=True) == "abcdefghij"
    long_key = "x" * 30 + "yz"
    assert cut(long_key, 24, keep_ends=True) == render.shorten(long_key)
    # the widest give way first; the narrow keep their width
    assert fit_widths([4, 30, 20, 6], 40) == [4, 15, 15, 6]
    assert fit_widths([4, 30, 20, 6], 100) == [4, 30, 20, 6]
    assert sum(fit_widths([50, 50, 50], 31)) == 31


def test_an_import_that_would_empty_the_account_says_so_before_asking(
    account: Account, home: Path, tmp_path: Path
) -> None:
    for key in ("kept-a", "kept-b", "kept-c"):
        account.add_pusher(pushkey=key)
    empty = tmp_path / "empty.yaml"
    empty.write_text("pushers: []\n")
    command = ["import", str(empty), "--prune", "--json"]
    status, terminal, stdout = run_with_stdout_piped(command, account.env(), home, "n")
    question = terminal.index("[y/N]")
    assert "deletes every pusher of the account" in terminal[:question]
    assert "Delete all 3 pushers of the account?" in terminal
    assert "kept-a" in terminal[:question], "the plan is shown before the question"
    assert status == 1 and stdout == ""
    assert len(account.pushers()) == 3


def test_an_import_that_empties_the_account_warns_even_with_yes(
    account: Account, pushctl, tmp_path: Path
) -> None:
    account.add_pusher(pushkey="only-one")
    empty = tmp_path / "empty.yaml"
    empty.write_text("pushers: []\n")
    result = pushctl("import", str(empty), "--prune", "--yes", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "pushctl: warning: this plan deletes every pusher of the account" in result.stderr
    assert account.pushers() == []


def test_json_output_escapes_what_would_act_on_a_terminal(account: Account, pushctl) -> None:
    sneaky = "key\u202e\u200b\x9b2J-end"
    account.add_pusher(pushkey=sneaky)
    result = pushctl("list", "--json", env=account.env())
    assert result.returncode == 0, result.stderr
    assert "\u202e" not in result.stdout and "\x9b" not in result.stdout
    assert "\\u202e\\u200b\\u009b2J-end" in result.stdout
    assert [p["pushkey"] for p in json.loads(result.stdout)] == [sneaky]


@pytest.mark.parametrize("command", [["list", "--yaml"], ["export"]])
def test_yaml_output_escapes_what_would_act_on_a_terminal(
    account: Account, pushctl, command: list[str]
) -> None:
    import yaml

    sneaky = "yaml\u202e\u200b-end"
    account.add_pusher(pushkey=sneaky)
    result = pushctl(*command, env=account.env())
    assert result.returncode == 0, result.stderr
    assert "\u202e" not in result.stdout and "\u200b" not in result.stdout
    assert '"yaml\\u202e\\u200b-end"' in result.stdout
    document = yaml.safe_load(result.stdout)
    pushers = document if isinstance(document, list) else document["pushers"]
    assert [p["pushkey"] for p in pushers] == [sneaky]


def test_csv_on_a_terminal_escapes_control_characters_and_in_a_pipe_keeps_them() -> None:
    from pushctl.output.columns import pusher_columns

    pushers = [{"app_id": "a", "pushkey": "k", "device_display_name": "\x1b]0;title\x07"}]
    shown = environment(terminals="stdout")
    render.show(shown, render.Format.CSV, pushers, pusher_columns())
    assert "\x1b" not in text(shown.stdout) and "\\x1b]0;title\\x07" in text(shown.stdout)
    piped = environment()
    render.show(piped, render.Format.CSV, pushers, pusher_columns())
    assert "\x1b]0;title\x07" in text(piped.stdout), "a program reads the server's value"
