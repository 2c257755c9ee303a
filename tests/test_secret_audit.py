"""The secret audit: every command, run with -v, success and error paths alike,
never shows the access token on stdout or stderr, and leaves it in no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.accounts import Account, new_account
from tests.support.localsynapse import LocalSynapse
from tests.support.pushgateway import PushGateway

pytestmark = [pytest.mark.synapse, pytest.mark.inprocess]


def set_args(pushkey: str, url: str) -> list[str]:
    return [
        "set", "--pushkey", pushkey, "--app-id", "org.example.audit",
        "--app-display-name", "Audit", "--device-display-name", "Phone",
        "--lang", "en", "--url", url,
    ]  # fmt: skip


def commands(gateway_url: str, other_user: str, files: Path) -> list[list[str]]:
    """Every command of pushctl that talks to a homeserver, good runs and bad ones."""
    good = files / "good.yaml"
    good.write_text(
        "defaults: {app_id: org.example.bulk, app_display_name: Bulk, lang: en,\n"
        f"           data: {{url: '{gateway_url}'}}}}\n"
        "pushers:\n  - {pushkey: bulk-1, device_display_name: A}\n"
        "  - {pushkey: bulk-2, device_display_name: B}\n"
    )
    bad = files / "bad.yaml"
    bad.write_text("pushers:\n  - {pushkey: x, kind: carrier-pigeon}\n")
    return [
        ["validate", str(good)],
        ["validate", str(bad)],  # exit 3
        ["import", str(good), "--dry-run"],
        ["import", str(good)],  # no terminal, no --yes: exit 2
        ["import", str(good), "--yes", "--json"],
        ["import", str(bad), "--yes"],  # exit 3
        ["export", "-o", str(files / "out.yaml")],
        ["export", "--format", "json"],
        ["status"],
        ["status", "--json"],
        set_args("audit-1", gateway_url),
        set_args("audit-2", gateway_url),
        set_args("é" * 300, gateway_url),  # invalid: exit 3
        ["set", "--pushkey", "k", "--dry-run"],  # invalid: exit 3
        ["list"],
        ["list", "--json"],
        ["list", "--yaml", "--wide"],
        ["list", "--devices"],
        ["list", "--user", other_user],  # not an admin: exit 4
        ["test"],
        ["test", "--json"],
        ["prune", "--rejected", "--dry-run"],
        ["prune", "--inactive", "1d", "--dry-run"],
        ["delete", "--all"],  # no terminal, no --yes: exit 2
        ["delete", "--app-id", "org.example.audit", "--pushkey", "audit-1"],
        ["delete", "--all", "--yes", "--json"],
        ["delete", "--user", other_user, "--all", "--yes"],  # exit 4
    ]


def assert_not_leaked(token: str, *texts: str) -> None:
    for text in texts:
        assert token not in text
        # nor a recognisable part of it (a token cut in a log line)
        assert token[-12:] not in text


def test_no_command_shows_the_token(
    account: Account, gateway: PushGateway, pushctl, tmp_path: Path
) -> None:
    other = new_account(account.server)
    gateway.reject("audit-2")
    seen_codes = set()
    for args in commands(gateway.url, other.user_id, tmp_path):
        result = pushctl("-v", *args, env=account.env())
        seen_codes.add(result.returncode)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert_not_leaked(account.token, result.stdout, result.stderr)
    # the audit covered successes and each kind of failure
    assert {0, 2, 3, 4, 5} <= seen_codes


def test_error_paths_do_not_show_a_rejected_token(synapse: LocalSynapse, pushctl) -> None:
    bogus = "syt_bogus_token_that_must_stay_secret_0123456789"
    env = {"PUSHCTL_HOMESERVER": synapse.base_url, "PUSHCTL_ACCESS_TOKEN": bogus}
    for args in (
        ["list"],
        ["status", "--json"],
        set_args("k", "https://push.example.org/_matrix/push/v1/notify"),
        ["delete", "--all", "--yes"],
    ):
        result = pushctl("-v", *args, env=env)
        assert result.returncode == 4, (args, result.stderr)
        assert_not_leaked(bogus, result.stdout, result.stderr)


def test_unreachable_server_errors_do_not_show_the_token(pushctl) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = "fake-unreachable-server-token-0123456789abcdef"
    env = {"PUSHCTL_HOMESERVER": f"http://127.0.0.1:{port}", "PUSHCTL_ACCESS_TOKEN": token}
    for args in (["list"], ["status"], ["delete", "--all", "--yes"]):
        result = pushctl("-v", "--retries", "0", *args, env=env)
        assert result.returncode in (1, 4), (args, result.stderr)
        assert_not_leaked(token, result.stdout, result.stderr)


def test_the_token_is_in_no_file_after_a_session(
    account: Account, gateway: PushGateway, pushctl, home: Path
) -> None:
    for args in (
        set_args("file-audit", gateway.url),
        ["list"],
        ["test"],
        ["delete", "--all", "--yes"],
    ):
        pushctl("-v", *args, env=account.env())
    for path in home.rglob("*"):
        if path.is_file():
            assert account.token.encode() not in path.read_bytes(), path
