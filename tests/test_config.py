"""The profiles file as a user meets it: where it lives, and what pushctl refuses in it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from tests.support.accounts import assert_clean_failure

pytestmark = pytest.mark.inprocess

FAIL_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
TOKEN = "token-for-the-config-tests"


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "pushctl" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def token_login(httpserver: HTTPServer, pushctl, env: dict[str, str]):  # type: ignore[no-untyped-def]
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": "@alice:localhost", "device_id": "DEV"}
    )
    return pushctl(
        "login", "--token-stdin", "--insecure-storage",
        "--homeserver", httpserver.url_for("/").rstrip("/"),
        input=TOKEN, env={**FAIL_BACKEND, **env},
    )  # fmt: skip


def test_config_goes_to_xdg_config_home(httpserver: HTTPServer, pushctl, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = token_login(httpserver, pushctl, {"XDG_CONFIG_HOME": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    config = elsewhere / "pushctl" / "config.yaml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    profile = yaml.safe_load(config.read_text())["profiles"]["default"]
    assert profile["user_id"] == "@alice:localhost" and profile["kind"] == "user"


def test_broken_yaml_names_the_file_and_line(pushctl, home: Path) -> None:
    path = write_config(home, "profiles:\n  default:\n    homeserver: [unclosed\n")
    result = pushctl("list")
    assert_clean_failure(result, 1)
    assert f"{path}:" in result.stderr and "YAML" in result.stderr


def test_profile_without_homeserver_is_refused(pushctl, home: Path) -> None:
    write_config(home, "profiles:\n  default:\n    user_id: '@a:b'\n")
    result = pushctl("list")
    assert_clean_failure(result, 1)
    assert "homeserver" in result.stderr


@pytest.mark.parametrize("name", ["../escape", "", "a/b", ".hidden"])
def test_odd_profile_names_are_usage_errors(pushctl, name: str) -> None:
    result = pushctl("--profile", name, "status")
    assert_clean_failure(result, 2)
    assert "profile name" in result.stderr


def test_config_writable_by_the_group_is_refused(pushctl, home: Path) -> None:
    path = write_config(home, "profiles: {}\n")
    path.chmod(0o620)
    result = pushctl("status")
    assert_clean_failure(result, 4)
    assert "chmod 600" in result.stderr


def test_unknown_kind_of_credential_is_refused(pushctl, home: Path) -> None:
    text = "profiles:\n  default:\n    homeserver: http://127.0.0.1:1\n    kind: robot\n"
    path = write_config(home, text)
    result = pushctl("list")
    assert_clean_failure(result, 1)
    assert str(path) in result.stderr and "kind must be one of user, appservice" in result.stderr
