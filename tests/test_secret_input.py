"""Tokens and passwords as scripts hand them over: line endings, junk, short passwords.

A token read with ``$(cat file)`` or piped with ``echo`` carries a line
ending; pushctl takes one off. Anything else that cannot go in an HTTP header
is refused with a message that names where the token came from, never the
token. A password is not blotted out of messages: a short one would hide
ordinary words.
"""

from __future__ import annotations

import json

import pytest

from tests.support.accounts import Account, assert_clean_failure

pytestmark = pytest.mark.synapse

#: no keyring at all: these logins keep their token in a 0600 file, if they get one
FILE_ONLY = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_token_variable_with_one_line_ending_works(
    account: Account, pushctl, ending: str
) -> None:
    result = pushctl("list", "--json", env=account.env(PUSHCTL_ACCESS_TOKEN=account.token + ending))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize("variable", ["PUSHCTL_ACCESS_TOKEN", "PUSHCTL_APPSERVICE_TOKEN"])
@pytest.mark.parametrize("junk", ["\n\n", "\nsecond-line", " ", "\t", "\x1b[2J", "é"])
def test_a_token_variable_with_junk_is_refused_without_showing_it(
    account: Account, pushctl, variable: str, junk: str
) -> None:
    env = account.env()
    del env["PUSHCTL_ACCESS_TOKEN"]
    env[variable] = account.token[:10] + junk + account.token[10:]
    result = pushctl("list", env=env)
    assert_clean_failure(result, 2)
    assert variable in result.stderr
    assert account.token[:10] not in result.stderr + result.stdout
    assert account.token[10:] not in result.stderr + result.stdout


def test_a_token_on_two_lines_is_refused_at_login(account: Account, pushctl) -> None:
    half = len(account.token) // 2
    result = pushctl(
        "login", "--homeserver", account.server.base_url, "--token-stdin", "--insecure-storage",
        input=account.token[:half] + "\n" + account.token[half:] + "\n",
        env=FILE_ONLY,
    )  # fmt: skip
    assert_clean_failure(result, 2)
    assert "access token" in result.stderr
    assert account.token[:half] not in result.stderr
    assert account.token[half:] not in result.stderr


def test_a_wrong_short_password_does_not_hide_words_of_the_message(
    account: Account, pushctl
) -> None:
    result = pushctl(
        "login", "--user", account.user_id, "--homeserver", account.server.base_url,
        "--password-stdin", "--insecure-storage", input="http\n", env=FILE_ONLY,
    )  # fmt: skip
    assert_clean_failure(result, 4)
    assert "<redacted>" not in result.stderr
    assert f"login refused by {account.server.base_url}" in result.stderr
