"""Core errors carry a hint and their facts; the command line words them with its flags.

The words a ``pushctl`` user reads are pinned here as they were when the core
still named the flags itself; the core's own messages name none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pushctl.accounts import auth, credentials
from pushctl.accounts.settings import Settings
from pushctl.acting import admin
from pushctl.cli.hints import annotate, message
from pushctl.errors import AuthError, Hint, MatrixError, PushctlError
from pushctl.homeserver import address, answers, discovery, ids
from pushctl.pushers.devices import NO_DEVICE_FIELD


def raised(call: Callable[[], object]) -> PushctlError:
    with pytest.raises(PushctlError) as caught:
        call()
    return caught.value


def no_flag(text: str) -> bool:
    return re.search(r"(?<![\w-])--[a-z]", text) is None and "pushctl login" not in text


CASES: list[tuple[str, Callable[[], PushctlError], str]] = [
    (
        "bad --user",
        lambda: raised(lambda: ids.check_user_id("bob")),
        "--user 'bob': expected a full Matrix user ID such as @bob:example.org",
    ),
    (
        "bad login --user",
        lambda: raised(lambda: ids.server_name("bob")),
        "--user 'bob' is not a Matrix user ID like @alice:example.org",
    ),
    (
        "plain http homeserver",
        lambda: raised(lambda: address.normalise_homeserver("http://matrix.pushctl.invalid")),
        "refusing plain http to matrix.pushctl.invalid: the access token would cross the "
        "network unencrypted; use https:// (or pass --allow-insecure-http)",
    ),
    (
        "no homeserver",
        lambda: raised(lambda: Settings(environ={}).homeserver_url()),
        "no homeserver: pass --homeserver URL, set PUSHCTL_HOMESERVER, or run `pushctl login`",
    ),
    (
        "token rejected",
        lambda: answers.matrix_error(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "nope"}),
        "the homeserver rejected the access token (M_UNKNOWN_TOKEN: nope); "
        "run `pushctl login` or set PUSHCTL_ACCESS_TOKEN",
    ),
    (
        "not a server admin",
        lambda: admin._explain(
            MatrixError(403, "M_FORBIDDEN", "You are not a server admin"), "@b:x"
        ),
        "this account is not a Synapse server admin (M_FORBIDDEN: You are not a server "
        "admin); --user needs one",
    ),
    (
        "no admin API",
        lambda: admin._no_admin_api("HTTP 404 without a Matrix error"),
        "the homeserver does not offer the Synapse admin API (HTTP 404 without a Matrix "
        "error): --user needs Synapse with /_synapse/admin reachable (reverse proxies often "
        "block it)",
    ),
    (
        "revoke an application service",
        auth.cannot_revoke_appservice,
        "an application service's token cannot be revoked: it is not a session but the "
        "as_token of the service's registration on the homeserver, and only changing that "
        "registration revokes it; `pushctl logout` without --revoke forgets it here",
    ),
    (
        "login without a user",
        lambda: raised(lambda: auth.login(Settings(environ={}), auth.LoginRequest("default"), str)),
        "say who logs in: --user @alice:example.org (or --token-stdin)",
    ),
    (
        "application service with a password",
        lambda: raised(
            lambda: auth.login(
                Settings(environ={}), auth.LoginRequest("default", appservice=True), str
            )
        ),
        "--appservice needs --token-stdin: an application service has no password",
    ),
    (
        "discovery failed",
        lambda: discovery._failed("https://x.invalid/.well-known/matrix/client", "HTTP 500"),
        "homeserver discovery through https://x.invalid/.well-known/matrix/client failed: "
        "HTTP 500; pass --homeserver URL",
    ),
]


@pytest.mark.parametrize(("name", "make", "words"), CASES, ids=[c[0] for c in CASES])
def test_the_core_names_no_flag_and_the_command_line_words_it_as_before(
    name: str, make: Callable[[], PushctlError], words: str
) -> None:
    error = make()
    assert error.hint is not None, name
    assert no_flag(error.message), error.message
    assert message(error) == words


def test_a_note_added_later_follows_the_command_lines_words(tmp_path: Path) -> None:
    error = credentials.KeyringUnavailable(
        "cannot store the token in the keyring (the keyring is locked)",
        advice=f"; ways forward: {credentials.WAYS_FORWARD}, or keep the token in a 0600 file "
        "instead",
        hint=Hint.KEYRING,
        what="store the token in",
        reason="the keyring is locked",
        ways=credentials.WAYS_FORWARD,
    )
    error.amend("the new session was ended on the server")
    assert error.message.endswith("instead; the new session was ended on the server")
    assert message(error) == (
        "cannot store the token in the keyring (the keyring is locked); ways forward: "
        f"{credentials.WAYS_FORWARD}, or log in with --insecure-storage to keep the token "
        "in a 0600 file; the new session was ended on the server"
    )


def test_an_error_without_a_hint_is_told_as_it_is() -> None:
    assert message(AuthError("not allowed: HTTP 403 M_FORBIDDEN: no")) == (
        "not allowed: HTTP 403 M_FORBIDDEN: no"
    )


def test_every_hint_has_command_line_words() -> None:
    from pushctl.cli import hints

    assert set(hints._WORDS) == set(Hint)


FLAG_WORDING = re.compile(r"--[a-z]|PUSHCTL_[A-Z_]+|`pushctl [a-z]")


@pytest.mark.parametrize("hint", list(Hint), ids=[h.value for h in Hint])
def test_the_command_line_adds_its_way_out_and_never_rewords_the_core(hint: Hint) -> None:
    from pushctl.cli import hints

    words = hints._WORDS[hint]
    assert words.count("{message}") == 1, "the core's words, as they are, once"
    added = re.sub(r"\{[a-z_]+\}", "", words)
    assert FLAG_WORDING.search(added), f"{hint}: adds no flag, variable or command: {words!r}"
    assert len(re.sub(r"\W", "", added)) < 120, f"{hint}: more than a way out: {words!r}"


def test_a_library_user_reads_what_went_wrong_and_the_librarys_way_out() -> None:
    error = raised(lambda: Settings(environ={}).homeserver_url())
    assert error.what == "no homeserver"
    assert error.message == "no homeserver: none was given, and the profile has none stored"
    assert str(error) == error.message


def test_why_a_device_is_unknown_names_the_flag_on_the_command_line() -> None:
    assert no_flag(NO_DEVICE_FIELD)
    assert annotate(NO_DEVICE_FIELD).endswith("; a server admin sees it with --user")
