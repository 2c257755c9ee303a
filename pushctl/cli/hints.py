"""The command line's words for the ways out of core errors: its flags and commands.

A core message speaks to whoever called the library. When the way out is a
step of the command line, the error names it with a :class:`~pushctl.errors.Hint`
and carries the facts; :func:`message` turns that into what a ``pushctl`` user
reads. Texts inside results (why a gateway was not tested, why a device is
unknown) get their flag through :func:`annotate`.

Only the core's errors and the words of the pusher model are imported here: a
listing words the reasons it shows too, and needs none of the write machinery.
"""

from __future__ import annotations

from typing import Protocol

from pushctl.errors import Hint, PushctlError
from pushctl.pushers.devices import NO_DEVICE_FIELD
from pushctl.pushers.model import PLAIN_HTTP_REFUSED

LOG_IN = "run `pushctl login` or set PUSHCTL_ACCESS_TOKEN"

#: str.format templates: ``{message}`` is what went wrong as the core says it
#: (:attr:`~pushctl.errors.PushctlError.what`), the rest its details; each adds
#: only the command line's way out: its flags, variables and commands
_WORDS: dict[Hint, str] = {
    Hint.NO_TOKEN: "{message}: " + LOG_IN,
    Hint.TOKEN_REJECTED: "{message}; " + LOG_IN,
    Hint.NO_TOKEN_FOR_PROFILE: "{message}: run `pushctl login` or set PUSHCTL_ACCESS_TOKEN "
    "(or PUSHCTL_APPSERVICE_TOKEN)",
    Hint.NOT_LOGGED_IN: "{message}: " + LOG_IN,
    Hint.LOGGED_IN_ELSEWHERE: "{message}; run `pushctl login --homeserver {homeserver}` "
    "with another --profile, or set PUSHCTL_ACCESS_TOKEN",
    Hint.TOKEN_MISSING: "{message}: run `pushctl login` again",
    Hint.KEYRING: "{message}; ways forward: {ways}, "
    "or log in with --insecure-storage to keep the token in a 0600 file",
    Hint.NO_HOMESERVER: "{message}: pass --homeserver URL, set PUSHCTL_HOMESERVER, "
    "or run `pushctl login`",
    Hint.NO_HOMESERVER_TO_DISCOVER: "{message}: pass --homeserver URL, or --user with a "
    "full Matrix ID (@alice:example.org) to discover it",
    Hint.DISCOVERY_FAILED: "{message}; pass --homeserver URL",
    Hint.INSECURE_HOMESERVER: "{message} (or pass --allow-insecure-http)",
    Hint.PRIVATE_CA: "{message} (use --ca-bundle for a private CA)",
    Hint.USER_ID: "--user {message}",
    Hint.NEEDS_SERVER_ADMIN: "{message}; --user needs one",
    Hint.NO_ADMIN_API: "{message}: --user {needs}",
    Hint.NOT_APPSERVICE_TOKEN: "{message}, or drop --appservice / PUSHCTL_APPSERVICE_TOKEN "
    "to use --user through the Synapse admin API with a server admin's token",
    Hint.SESSION_TOKEN_AS_APPSERVICE: "{message}: log in without --appservice",
    Hint.APPSERVICE_NEEDS_TOKEN: "--appservice needs --token-stdin: {message}",
    Hint.DEVICE_NAME_WITH_TOKEN: "{message}: drop --device-name, or log in without --token-stdin",
    Hint.WHO_LOGS_IN: "{message}: --user @alice:example.org (or --token-stdin)",
    Hint.SINGLE_SIGN_ON: "{message} ({sso} and pass its token with --token-stdin)",
    Hint.CANNOT_REVOKE_APPSERVICE: "{message}; `pushctl logout` without --revoke forgets it here",
}


def message(exc: PushctlError) -> str:
    """The error as a ``pushctl`` user reads it: the core's message, its flag hint added."""
    words = _WORDS.get(exc.hint) if exc.hint is not None else None
    if words is None:
        return exc.message
    notes = "".join(f"; {note}" for note in exc.notes)
    return words.format(message=exc.what, **exc.details) + notes


class Failed(Protocol):
    """What :func:`outcome_error` reads of a write's outcome
    (:class:`pushctl.runs.report.Outcome`, which the errors of a listing never need)."""

    @property
    def error(self) -> str | None: ...

    @property
    def exception(self) -> PushctlError | None: ...


def outcome_error(outcome: Failed) -> str | None:
    """Why a write of a bulk run failed, as :func:`message` words it; None if it did not."""
    return message(outcome.exception) if outcome.exception is not None else outcome.error


def annotate(text: str) -> str:
    """A reason from a result, with the flag that gets past it named."""

    text = text.replace(
        PLAIN_HTTP_REFUSED, f"{PLAIN_HTTP_REFUSED}; pass --allow-insecure-http to test it anyway"
    )
    return text.replace(NO_DEVICE_FIELD, f"{NO_DEVICE_FIELD}; a server admin sees it with --user")
