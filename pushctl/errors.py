"""Exit statuses and the exceptions that carry them.

Every failure pushctl reports is a :class:`PushctlError` whose ``exit_status``
is one of the documented codes; the CLI prints its message on one line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    INVALID_INPUT = 3
    AUTH = 4
    PARTIAL = 5
    INTERRUPTED = 130
    #: stdout was closed early (``pushctl list | head``); 128 + SIGPIPE, as for other tools
    BROKEN_PIPE = 141


class PushctlError(Exception):
    exit_status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        if status in (401, 403):
            self.exit_status = ExitStatus.AUTH


class MatrixError(PushctlError):
    """The homeserver answered with a Matrix error object."""

    def __init__(self, status: int, errcode: str, error: str, message: str | None = None) -> None:
        self.status = status
        self.errcode = errcode
        self.error = error
        super().__init__(message or f"homeserver refused: HTTP {status} {errcode}: {error}")
        if status in (401, 403):
            self.exit_status = ExitStatus.AUTH


class PartialFailure(PushctlError):
    exit_status = ExitStatus.PARTIAL


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
