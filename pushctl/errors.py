"""Exit statuses and the exceptions that carry them.

Every failure pushctl reports is a :class:`PushctlError` whose ``exit_status``
is one of the documented codes; the CLI prints its message on one line.

A message speaks to whoever called the library. When the way out is a step of
a front end (the command line's ``--homeserver``, ``pushctl login``...), the
error keeps what went wrong (:attr:`~PushctlError.what`) apart from the
library's way out (``advice``), names the front end's step with a
:attr:`~PushctlError.hint` key and carries the facts in
:attr:`~PushctlError.details`; the front end adds its own words for the way
out to what went wrong (:mod:`pushctl.cli.hints`), never rewording it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    INVALID_INPUT = 3
    AUTH = 4
    PARTIAL = 5
    #: ``doctor`` found at least one problem
    DOCTOR_PROBLEMS = 6
    INTERRUPTED = 130
    #: stdout was closed early (``pushctl list | head``); 128 + SIGPIPE, as for other tools
    BROKEN_PIPE = 141


class Hint(str, enum.Enum):
    """The ways out that a front end words itself, each with the details it can use."""

    #: log in, or set PUSHCTL_ACCESS_TOKEN
    NO_TOKEN = "no-token"
    #: the same, after the homeserver refused the token
    TOKEN_REJECTED = "token-rejected"
    #: details: profile
    NO_TOKEN_FOR_PROFILE = "no-token-for-profile"
    #: details: profile
    NOT_LOGGED_IN = "not-logged-in"
    #: details: profile, issuer, homeserver
    LOGGED_IN_ELSEWHERE = "logged-in-elsewhere"
    #: details: profile, storage
    TOKEN_MISSING = "token-missing"
    #: details: what, reason, ways
    KEYRING = "keyring"
    #: no homeserver given and none stored with the profile
    NO_HOMESERVER = "no-homeserver"
    #: no homeserver given, and no user ID to discover it from
    NO_HOMESERVER_TO_DISCOVER = "no-homeserver-to-discover"
    DISCOVERY_FAILED = "discovery-failed"
    INSECURE_HOMESERVER = "insecure-homeserver"
    PRIVATE_CA = "private-ca"
    #: the user ID of acting for another user is malformed
    USER_ID = "user-id"
    #: details: errcode, error
    NEEDS_SERVER_ADMIN = "needs-server-admin"
    #: details: detail
    NO_ADMIN_API = "no-admin-api"
    #: details: user_id, actual
    NOT_APPSERVICE_TOKEN = "not-appservice-token"
    #: details: sender, device_id
    SESSION_TOKEN_AS_APPSERVICE = "session-token-as-appservice"
    APPSERVICE_NEEDS_TOKEN = "appservice-needs-token"
    DEVICE_NAME_WITH_TOKEN = "device-name-with-token"
    WHO_LOGS_IN = "who-logs-in"
    #: details: homeserver, errcode, error
    SINGLE_SIGN_ON = "single-sign-on"
    CANNOT_REVOKE_APPSERVICE = "cannot-revoke-appservice"


class PushctlError(Exception):
    exit_status: ExitStatus = ExitStatus.ERROR

    def __init__(
        self, message: str, *, hint: Hint | None = None, advice: str = "", **details: Any
    ) -> None:
        super().__init__(message + advice)
        #: what went wrong, without the way out: a front end adds its own words to it
        self.what = message
        #: the whole message a library user reads: what went wrong, then *advice*
        self.message = message + advice
        #: which way out a front end should offer in its own terms; None for none
        self.hint = hint
        #: the facts behind the message, for a front end to word it again
        self.details = details
        #: what happened after the error, in the order :meth:`amend` added it
        self.notes: list[str] = []

    def amend(self, note: str) -> PushctlError:
        """Add what happened afterwards (``; note`` ends the message); returns self."""
        self.notes.append(note)
        self.message = f"{self.message}; {note}"
        self.args = (self.message,)
        return self


class UsageError(PushctlError):
    exit_status = ExitStatus.USAGE


class InvalidInput(PushctlError):
    """Local validation failed; nothing was sent."""

    exit_status = ExitStatus.INVALID_INPUT

    def __init__(self, message: str, problems: Iterable[object] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class AuthError(PushctlError):
    exit_status = ExitStatus.AUTH


class NetworkError(PushctlError):
    exit_status = ExitStatus.ERROR


class ServerError(PushctlError):
    """The homeserver answered with something unusable (non-JSON, 5xx, ...)."""

    def __init__(
        self, message: str, status: int | None = None, *, hint: Hint | None = None, **details: Any
    ) -> None:
        super().__init__(message, hint=hint, **details)
        self.status = status
        if status in (401, 403):
            self.exit_status = ExitStatus.AUTH


class MatrixError(PushctlError):
    """The homeserver answered with a Matrix error object."""

    def __init__(
        self,
        status: int,
        errcode: str,
        error: str,
        message: str | None = None,
        *,
        hint: Hint | None = None,
    ) -> None:
        self.status = status
        self.errcode = errcode
        self.error = error
        super().__init__(
            message or f"homeserver refused: HTTP {status} {errcode}: {error}", hint=hint
        )
        if status in (401, 403):
            self.exit_status = ExitStatus.AUTH


class PartialFailure(PushctlError):
    exit_status = ExitStatus.PARTIAL


class ProblemsFound(PushctlError):
    """A check found a problem: ``doctor``, ``fleet health``, ``fleet gateways`` (exit 6)."""

    exit_status = ExitStatus.DOCTOR_PROBLEMS


class Interrupted(PushctlError):
    """Ctrl-C stopped a bulk operation; the message says what was applied."""

    exit_status = ExitStatus.INTERRUPTED


_KNOWN_SECRETS: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a secret so that :func:`redact_known` hides it from any output."""
    if secret and len(secret) >= 4:
        _KNOWN_SECRETS.add(secret)


def redact_known(text: str) -> str:
    return redact(text, sorted(_KNOWN_SECRETS, key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in *text* with a fixed marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text
