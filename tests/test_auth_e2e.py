"""login, logout and status against a real Synapse and a real Secret Service (GNOME Keyring).

The server's state (devices, live tokens, pushers) and the keyring's entries are
read back directly, not through pushctl.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import urllib.error
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.accounts import GATEWAY, Account, assert_clean_failure, new_account
from tests.support.secretservice import SECRET_SERVICE_BACKEND, read_secrets

pytestmark = pytest.mark.synapse

ROOT = Path(__file__).resolve().parent.parent
FAIL_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
SET_ARGS = [
    "--app-id", "org.example.app.android",
    "--app-display-name", "Example",
    "--device-display-name", "Alice's phone",
    "--lang", "en",
    "--url", GATEWAY,
]  # fmt: skip


# -- helpers -------------------------------------------------------------------


@pytest.fixture
def login(pushctl, home: Path):  # type: ignore[no-untyped-def]
    """Log *account* in with its password; after a keyring login, check no file holds a token."""

    def run(account: Account, env: dict[str, str], *extra: str) -> Any:
        result = pushctl(
            "login",
            "--user", account.user_id,
            "--homeserver", account.server.base_url,
            "--password-stdin",
            *extra,
            input=account.user.password + "\n",
            env=env,
        )  # fmt: skip
        if result.returncode == 0 and env.get("PYTHON_KEYRING_BACKEND") == SECRET_SERVICE_BACKEND:
            tokens = read_secrets(env["DBUS_SESSION_BUS_ADDRESS"]).values()
            assert tokens, "a keyring login must leave a token in the keyring"
            for token in tokens:
                assert_in_no_file(home, token)
        return result

    return run


def whoami(account: Account, token: str) -> str | None:
    """The user the token belongs to, asked of the server; None when it is dead."""
    try:
        answer = account.server.call("GET", "/_matrix/client/v3/account/whoami", token=token)
    except urllib.error.HTTPError as exc:
        assert exc.code == 401
        return None
    return str(answer["user_id"])


def device_ids(account: Account) -> set[str]:
    """The account's devices, listed with the fixture's own token."""
    return {device["device_id"] for device in account.server.devices(account.token)}


def config_file(home: Path) -> Path:
    return home / ".config" / "pushctl" / "config.yaml"


def profiles(home: Path) -> dict[str, Any]:
    path = config_file(home)
    if not path.exists():
        return {}
    return dict(yaml.safe_load(path.read_text())["profiles"])


def assert_private(path: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)


def assert_in_no_file(directory: Path, secret: str) -> None:
    """No file under *directory* holds *secret* in plain text."""
    for path in directory.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"{path} holds the secret"


def assert_logged_in(result: Any, account: Account, home: Path, keyring: Any) -> str:
    """The login worked: token in the keyring and live on the server, nowhere else."""
    assert result.returncode == 0, result.stderr
    token = keyring.secrets()["default"]
    assert whoami(account, token) == account.user_id
    assert token not in result.stdout + result.stderr
    assert account.user.password not in result.stdout + result.stderr
    assert_in_no_file(home, token)
    assert_in_no_file(keyring.keyring_files, token)  # GNOME Keyring encrypts at rest
    assert_private(config_file(home))
    return token


# -- login ---------------------------------------------------------------------


def test_password_login_keeps_the_token_in_the_keyring(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    before = device_ids(account)
    result = login(account, keyring_env)
    token = assert_logged_in(result, account, home, secret_service)
    [new_device] = device_ids(account) - before
    names = {d["device_id"]: d["display_name"] for d in account.server.devices(account.token)}
    assert names[new_device] == f"pushctl on {socket.gethostname()}"
    assert profiles(home) == {
        "default": {
            "homeserver": account.server.base_url,
            "user_id": account.user_id,
            "device_id": new_device,
            "kind": "user",
            "token_storage": "keyring",
        }
    }
    assert account.user_id in result.stderr and new_device in result.stderr
    assert token not in config_file(home).read_text()


def test_device_name_can_be_chosen(
    account: Account, pushctl, login, keyring_env: dict[str, str]
) -> None:
    before = device_ids(account)
    result = login(account, keyring_env, "--device-name", "CI runner 7")
    assert result.returncode == 0, result.stderr
    [new_device] = device_ids(account) - before
    names = {d["device_id"]: d["display_name"] for d in account.server.devices(account.token)}
    assert names[new_device] == "CI runner 7"


def test_every_command_then_works_without_a_token_or_homeserver_in_sight(
    account: Account, pushctl, login, keyring_env: dict[str, str]
) -> None:
    assert login(account, keyring_env).returncode == 0
    result = pushctl("set", "--pushkey", "stored-login", *SET_ARGS, env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert [p["pushkey"] for p in account.pushers()] == ["stored-login"]
    listed = pushctl("list", "--json", env=keyring_env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == account.pushers()
    deleted = pushctl(
        "delete", "--app-id", "org.example.app.android", "--pushkey", "stored-login",
        env=keyring_env,
    )  # fmt: skip
    assert deleted.returncode == 0, deleted.stderr
    assert account.pushers() == []


def test_status_text_and_json(
    account: Account, pushctl, login, keyring_env: dict[str, str], secret_service: Any
) -> None:
    before = device_ids(account)
    assert login(account, keyring_env).returncode == 0
    token = secret_service.secrets()["default"]
    [device] = device_ids(account) - before
    text = pushctl("status", env=keyring_env)
    assert text.returncode == 0, text.stderr
    for fragment in (account.user_id, account.server.base_url, device, "keyring", "v1."):
        assert fragment in text.stdout
    assert token not in text.stdout + text.stderr
    report = json.loads(pushctl("status", "--json", env=keyring_env).stdout)
    versions = account.server.call("GET", "/_matrix/client/versions")["versions"]
    assert report["user_id"] == account.user_id
    assert report["device_id"] == device
    assert report["homeserver"] == account.server.base_url
    assert report["token_source"] == "keyring"
    assert report["kind"] == "user"
    assert report["server_versions"] == versions


def test_login_with_an_existing_token_checks_it_and_creates_no_device(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    session = account.server.login(account.user)
    before = device_ids(account)
    result = pushctl(
        "login", "--token-stdin", "--homeserver", account.server.base_url,
        input=session["access_token"] + "\n", env=keyring_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert secret_service.secrets()["default"] == session["access_token"]
    assert device_ids(account) == before
    assert profiles(home)["default"]["device_id"] == session["device_id"]
    assert profiles(home)["default"]["user_id"] == account.user_id
    assert_in_no_file(home, session["access_token"])
    assert session["access_token"] not in result.stdout + result.stderr


def test_token_of_another_user_is_refused(
    account: Account, pushctl, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    other = new_account(account.server)
    result = pushctl(
        "login", "--token-stdin", "--user", account.user_id,
        "--homeserver", account.server.base_url,
        input=other.token, env=keyring_env,
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert other.user_id in result.stderr
    assert secret_service.secrets() == {}
    assert profiles(home) == {}


@pytest.mark.parametrize("named", ["localpart", "localpart:server"])
def test_token_of_another_user_is_refused_when_the_user_is_named_by_localpart(
    account: Account, pushctl, home: Path, named: str
) -> None:
    other = new_account(account.server)
    localpart = account.user_id[1:].split(":")[0]
    given = localpart if named == "localpart" else account.user_id[1:]
    result = pushctl(
        "login", "--token-stdin", "--insecure-storage", "--user", given,
        "--homeserver", account.server.base_url,
        input=other.token, env=FAIL_BACKEND,
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert f"the token belongs to {other.user_id}, not {given}" in result.stderr
    assert other.token not in result.stdout + result.stderr
    assert profiles(home) == {}
    assert_in_no_file(home, other.token)
    mine = pushctl(
        "login", "--token-stdin", "--insecure-storage", "--user", localpart,
        "--homeserver", account.server.base_url,
        input=account.token, env=FAIL_BACKEND,
    )  # fmt: skip
    assert mine.returncode == 0, mine.stderr
    assert profiles(home)["default"]["user_id"] == account.user_id


def test_wrong_password_is_exit_4_and_stores_nothing(
    account: Account, pushctl, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    before = device_ids(account)
    result = pushctl(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", input="not the password\n", env=keyring_env,
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert "M_FORBIDDEN" in result.stderr and "not the password" not in result.stderr
    assert device_ids(account) == before
    assert secret_service.secrets() == {}
    assert not config_file(home).exists()


def test_no_terminal_and_no_password_stdin_is_a_usage_error(
    account: Account, pushctl, keyring_env: dict[str, str]
) -> None:
    before = device_ids(account)
    result = pushctl(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        env=keyring_env,
    )  # fmt: skip
    assert_clean_failure(result, 2)
    assert "--password-stdin" in result.stderr
    assert device_ids(account) == before


def test_verbose_login_shows_neither_password_nor_token(
    account: Account, pushctl, keyring_env: dict[str, str], secret_service: Any
) -> None:
    result = pushctl(
        "-v", "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", input=account.user.password, env=keyring_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "POST" in result.stderr and "/login" in result.stderr
    token = secret_service.secrets()["default"]
    assert token not in result.stderr and account.user.password not in result.stderr


# -- precedence and profiles ---------------------------------------------------


def test_environment_token_beats_the_keyring(
    account: Account, pushctl, login, keyring_env: dict[str, str]
) -> None:
    assert login(account, keyring_env).returncode == 0
    other = new_account(account.server)
    other.add_pusher(pushkey="bobs-key")
    env = {**keyring_env, "PUSHCTL_ACCESS_TOKEN": other.token}
    report = json.loads(pushctl("status", "--json", env=env).stdout)
    assert report["user_id"] == other.user_id
    assert report["token_source"] == "env"
    assert report["homeserver"] == account.server.base_url  # from the profile
    listed = pushctl("list", "--json", env=env)
    assert [p["pushkey"] for p in json.loads(listed.stdout)] == ["bobs-key"]


def test_a_second_profile_leaves_the_first_intact(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    other = new_account(account.server)
    assert login(account, keyring_env).returncode == 0
    result = login(other, {**keyring_env, "PUSHCTL_PROFILE": "work"})
    assert result.returncode == 0, result.stderr
    secrets = secret_service.secrets()
    assert whoami(account, secrets["default"]) == account.user_id
    assert whoami(account, secrets["work"]) == other.user_id
    stored = profiles(home)
    assert stored["default"]["user_id"] == account.user_id
    assert stored["work"]["user_id"] == other.user_id

    set_as_work = pushctl("--profile", "work", "set", "--pushkey", "work-key", *SET_ARGS,
                          env=keyring_env)  # fmt: skip
    assert set_as_work.returncode == 0, set_as_work.stderr
    assert [p["pushkey"] for p in other.pushers()] == ["work-key"]
    assert account.pushers() == []
    default = json.loads(pushctl("status", "--json", env=keyring_env).stdout)
    assert default["user_id"] == account.user_id

    out = pushctl("logout", "--profile", "work", env=keyring_env)
    assert out.returncode == 0, out.stderr
    assert set(secret_service.secrets()) == {"default"}
    assert set(profiles(home)) == {"default"}
    assert pushctl("list", env=keyring_env).returncode == 0


def test_unknown_profile_says_how_to_log_in(
    account: Account, pushctl, login, keyring_env: dict[str, str]
) -> None:
    assert login(account, keyring_env).returncode == 0
    result = pushctl("--profile", "nobody", "list", env=keyring_env)
    assert_clean_failure(result, 4)
    assert "pushctl login" in result.stderr and "nobody" in result.stderr


# -- rejected tokens -----------------------------------------------------------


def test_revoked_token_is_exit_4_with_the_login_hint(
    account: Account, pushctl, login, keyring_env: dict[str, str], secret_service: Any
) -> None:
    assert login(account, keyring_env).returncode == 0
    token = secret_service.secrets()["default"]
    account.server.call("POST", "/_matrix/client/v3/logout", {}, token=token)
    for command in (["list"], ["status"], ["status", "--json"]):
        result = pushctl(*command, env=keyring_env)
        assert_clean_failure(result, 4)
        assert "M_UNKNOWN_TOKEN" in result.stderr and "pushctl login" in result.stderr
        assert token not in result.stderr


def test_status_without_any_login_is_exit_4(pushctl, keyring_env: dict[str, str]) -> None:
    result = pushctl("status", env=keyring_env)
    assert_clean_failure(result, 4)
    assert "pushctl login" in result.stderr


# -- logout --------------------------------------------------------------------


def test_logout_forgets_the_token_and_leaves_the_session(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    assert login(account, keyring_env).returncode == 0
    token = secret_service.secrets()["default"]
    result = pushctl("logout", env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert "--revoke" in result.stderr
    assert secret_service.secrets() == {}
    assert profiles(home) == {}
    assert whoami(account, token) == account.user_id  # still a live session on the server
    assert_clean_failure(pushctl("list", env=keyring_env), 4)


def test_logout_revoke_warns_asks_and_ends_the_session(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    before = device_ids(account)
    assert login(account, keyring_env).returncode == 0
    token = secret_service.secrets()["default"]
    [device] = device_ids(account) - before
    assert pushctl("set", "--pushkey", "doomed", *SET_ARGS, env=keyring_env).returncode == 0
    account.add_pusher(pushkey="survivor")  # set through another session

    refused = pushctl("logout", "--revoke", env=keyring_env)
    assert_clean_failure(refused, 2)
    assert "--yes" in refused.stderr and "deletes every pusher" in refused.stderr
    assert whoami(account, token) == account.user_id
    assert secret_service.secrets() == {"default": token}

    result = pushctl("logout", "--revoke", "--yes", env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert "deletes every pusher created through that session" in result.stderr
    assert whoami(account, token) is None
    assert device not in device_ids(account)
    assert [p["pushkey"] for p in account.pushers()] == ["survivor"]
    assert secret_service.secrets() == {}
    assert profiles(home) == {}


def test_logout_revoke_of_a_dead_token_still_forgets_it(
    account: Account, pushctl, login, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    assert login(account, keyring_env).returncode == 0
    token = secret_service.secrets()["default"]
    account.server.call("POST", "/_matrix/client/v3/logout", {}, token=token)
    result = pushctl("logout", "--revoke", "--yes", env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert "no longer knew" in result.stderr
    assert secret_service.secrets() == {}
    assert profiles(home) == {}


def test_logout_without_a_login_is_harmless(pushctl, keyring_env: dict[str, str]) -> None:
    result = pushctl("logout", env=keyring_env)
    assert result.returncode == 0, result.stderr
    assert "not logged in" in result.stderr


# -- no usable keyring ---------------------------------------------------------


def assert_no_keyring_failure(result: Any, account: Account, before: set[str], home: Path) -> None:
    assert_clean_failure(result, 4)
    assert len(result.stderr.strip().splitlines()) == 1
    for way_forward in ("keyring", "PUSHCTL_ACCESS_TOKEN", "--insecure-storage"):
        assert way_forward in result.stderr
    assert device_ids(account) == before, "no session may be left behind on the server"
    assert not config_file(home).exists()


def test_fail_backend_is_exit_4_and_leaves_no_session(
    account: Account, pushctl, login, home: Path
) -> None:
    before = device_ids(account)
    result = login(account, FAIL_BACKEND)
    assert_no_keyring_failure(result, account, before, home)


def test_headless_machine_without_a_session_bus(
    account: Account, pushctl, login, home: Path
) -> None:
    before = device_ids(account)
    no_bus = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={home}/no-such-bus"}
    result = login(account, no_bus)
    assert_no_keyring_failure(result, account, before, home)


def test_keyring_failing_after_login_ends_the_new_session(
    account: Account, pushctl, login, home: Path
) -> None:
    before = device_ids(account)
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.support.keyring_backends.ProbeOnlyKeyring",
        "PYTHONPATH": str(ROOT),
    }
    result = login(account, env)
    assert_no_keyring_failure(result, account, before, home)
    assert "session was ended" in result.stderr


def test_insecure_storage_writes_a_private_file_with_a_warning(
    account: Account, pushctl, login, home: Path
) -> None:
    result = login(account, FAIL_BACKEND, "--insecure-storage")
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "plain text" in result.stderr
    token_file = home / ".config" / "pushctl" / "tokens" / "default"
    assert_private(token_file)
    assert_private(config_file(home))
    token = token_file.read_text().strip()
    assert whoami(account, token) == account.user_id
    assert token not in config_file(home).read_text()
    assert profiles(home)["default"]["token_storage"] == "file"

    account.add_pusher(pushkey="via-file")
    listed = pushctl("list", "--json", env=FAIL_BACKEND)
    assert [p["pushkey"] for p in json.loads(listed.stdout)] == ["via-file"]
    status = json.loads(pushctl("status", "--json", env=FAIL_BACKEND).stdout)
    assert status["token_source"] == "file"

    assert pushctl("logout", env=FAIL_BACKEND).returncode == 0
    assert not token_file.exists()
    assert profiles(home) == {}


@pytest.mark.parametrize("which", ["config", "token"])
def test_files_other_users_can_read_are_refused(
    account: Account, pushctl, login, home: Path, which: str
) -> None:
    assert login(account, FAIL_BACKEND, "--insecure-storage").returncode == 0
    path = config_file(home) if which == "config" else home / ".config/pushctl/tokens/default"
    os.chmod(path, 0o644)
    result = pushctl("list", env=FAIL_BACKEND)
    assert_clean_failure(result, 4)
    assert str(path) in result.stderr and "chmod 600" in result.stderr
    if which == "config":  # a new login refuses it too, before asking the server
        before = device_ids(account)
        assert_clean_failure(login(account, FAIL_BACKEND, "--insecure-storage"), 4)
        assert device_ids(account) == before


def test_locked_keyring_is_exit_4_before_and_after_login(
    account: Account, pushctl, login, home: Path, tmp_path: Path, secret_service: Any
) -> None:
    from tests.support.secretservice import SecretService

    own = SecretService(tmp_path / "own-keyring")  # locking the shared one would last
    own.start()
    try:
        assert login(account, own.env()).returncode == 0
        own.lock()
        result = pushctl("list", env=own.env())
        assert_clean_failure(result, 4)
        assert "locked" in result.stderr and "PUSHCTL_ACCESS_TOKEN" in result.stderr
        config_file(home).unlink()
        before = device_ids(account)
        result = login(account, own.env())
        assert_no_keyring_failure(result, account, before, home)
        assert "locked" in result.stderr
    finally:
        own.stop()


def test_empty_password_is_a_usage_error(
    account: Account, pushctl, keyring_env: dict[str, str]
) -> None:
    before = device_ids(account)
    result = pushctl(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", input="\n", env=keyring_env,
    )  # fmt: skip
    assert_clean_failure(result, 2)
    assert "password is empty" in result.stderr
    assert device_ids(account) == before


def test_logging_in_again_replaces_the_stored_login_and_says_so(
    account: Account, pushctl, login, keyring_env: dict[str, str], secret_service: Any
) -> None:
    assert login(account, keyring_env).returncode == 0
    first = secret_service.secrets()["default"]
    again = login(account, keyring_env)
    assert again.returncode == 0, again.stderr
    assert "replaced the previous login" in again.stderr and "stays open" in again.stderr
    second = secret_service.secrets()["default"]
    assert second != first
    assert whoami(account, first) == account.user_id  # not ended behind the user's back


# -- on a terminal -------------------------------------------------------------


def in_terminal(args: list[str], env: dict[str, str], answers: list[tuple[str, str]]) -> Any:
    """Run pushctl on a pseudo-terminal, answering each prompt; (exit code, all output)."""
    import pty
    import select
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: pushctl with the terminal as stdin, stdout and stderr
        os.execve(sys.executable, [sys.executable, "-m", "pushctl", *args], env)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        if pending and pending[0][0].encode() in output:
            os.write(fd, (pending.pop(0)[1] + "\n").encode())
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_password_prompt_and_revoke_question_on_a_terminal(
    account: Account, home: Path, keyring_env: dict[str, str], secret_service: Any
) -> None:
    from tests.support.accounts import clean_env

    env = clean_env(home, keyring_env)
    code, output = in_terminal(
        ["login", "--user", account.user_id, "--homeserver", account.server.base_url],
        env,
        [(f"Password for {account.user_id}:", account.user.password)],
    )
    assert code == 0, output
    assert account.user.password not in output, "the password must not be echoed"
    token = secret_service.secrets()["default"]
    assert whoami(account, token) == account.user_id

    code, output = in_terminal(["logout", "--revoke"], env, [("End the session", "n")])
    assert code == 1, output
    assert "deletes every pusher" in output and "cancelled" in output
    assert whoami(account, token) == account.user_id

    code, output = in_terminal(["logout", "--revoke"], env, [("End the session", "y")])
    assert code == 0, output
    assert whoami(account, token) is None
    assert secret_service.secrets() == {}
