"""Several pushctl logins at once, as a provisioning script may start them.

Each must end with its own profile in the config file and its token where the
profile says, whatever the others do at the same moment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.accounts import Account, clean_env

pytestmark = pytest.mark.synapse

PROFILES = [f"p{number}" for number in range(6)]


def login_all_at_once(account: Account, home: Path, env: dict[str, str], *extra: str) -> None:
    login = [sys.executable, "-m", "pushctl", "login", "--token-stdin"]
    server = ["--homeserver", account.server.base_url, *extra]
    processes = [
        subprocess.Popen(
            [*login, "--profile", name, *server],
            env=clean_env(home, env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in PROFILES
    ]
    for process in processes:
        _, stderr = process.communicate(account.token + "\n", timeout=120)
        assert process.returncode == 0, stderr


def stored_profiles(home: Path) -> set[str]:
    config = yaml.safe_load((home / ".config" / "pushctl" / "config.yaml").read_text())
    return set(config["profiles"])


def test_parallel_logins_keep_every_profile(account: Account, home: Path, pushctl) -> None:
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    login_all_at_once(account, home, no_keyring, "--insecure-storage")
    assert stored_profiles(home) == set(PROFILES)
    for name in PROFILES:
        result = pushctl("--profile", name, "list", "--json", env=no_keyring)
        assert result.returncode == 0, (name, result.stderr)
        assert pushctl("--profile", name, "logout", env=no_keyring).returncode == 0
    tokens = home / ".config" / "pushctl" / "tokens"
    assert not tokens.exists() or not list(tokens.iterdir()), "a token file was left"


@pytest.mark.keyring
def test_parallel_logins_with_the_real_keyring(
    account: Account, home: Path, pushctl, keyring_env: dict[str, str]
) -> None:
    login_all_at_once(account, home, keyring_env)
    assert stored_profiles(home) == set(PROFILES)
    for name in PROFILES:
        result = pushctl("--profile", name, "list", "--json", env=keyring_env)
        assert result.returncode == 0, (name, result.stderr)
