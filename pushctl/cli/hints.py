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

#: str.format templates: ``{message}`` is the core's message, the rest its details
_WORDS: dict[Hint, str] = {
    Hint.NO_TOKEN: "{message}: " + LOG_IN,
    Hint.TOKEN_REJECTED: "{message}; " + LOG_IN,
    Hint.NO_TOKEN_FOR_PROFILE: "no access token for profile {profile!r}: run `pushctl login` "
    "or set PUSHCTL_ACCESS_TOKEN (or PUSHCTL_APPSERVICE_TOKEN)",
    Hint.NOT_LOGGED_IN: "not logged in (profile {profile!r}): " + LOG_IN,
    Hint.LOGGED_IN_ELSEWHERE: "not logged in on {homeserver}: profile {profile!r} is logged "
    "in on {issuer} and its token was not sent; run `pushctl login --homeserver {homeserver}` "
    "with another --profile, or set PUSHCTL_ACCESS_TOKEN",
    Hint.TOKEN_MISSING: "profile {profile!r} has no token in its {storage} "
    "(removed outside pushctl?): run `pushctl login` again",
    Hint.KEYRING: "cannot {what} the keyring ({reason}); ways forward: {ways}, "
    "or log in with --insecure-storage to keep the token in a 0600 file",
    Hint.NO_HOMESERVER: "no homeserver: pass --homeserver URL, set PUSHCTL_HOMESERVER, "
    "or run `pushctl login`",
    Hint.NO_HOMESERVER_TO_DISCOVER: "no homeserver: pass --homeserver URL, or --user with a "
    "full Matrix ID (@alice:example.org) to discover it",
    Hint.DISCOVERY_FAILED: "{message}; pass --homeserver URL",
    Hint.INSECURE_HOMESERVER: "{message} (or pass --allow-insecure-http)",
    Hint.PRIVATE_CA: "{message} (use --ca-bundle for a private CA)",
    Hint.USER_ID: "--user {message}",
    Hint.NEEDS_SERVER_ADMIN: "--user needs a Synapse server admin: this account is not one "
    "({errcode}: {error})",
    Hint.NO_ADMIN_API: "the homeserver does not offer the Synapse admin API ({detail}): "
    "--user needs Synapse with /_synapse/admin reachable (reverse proxies often block it)",
    Hint.NOT_APPSERVICE_TOKEN: "the homeserver ignored the assertion of {user_id} and answered "
    "as {actual}: this is not an application service's token. Use the service's as_token, "
    "or drop --appservice / PUSHCTL_APPSERVICE_TOKEN to use --user through the Synapse "
    "admin API with a server admin's token",
    Hint.SESSION_TOKEN_AS_APPSERVICE: "this token belongs to a session of {sender} (device "
    "{device_id}), not to an application service: log in without --appservice; "
    "nothing was stored",
    Hint.APPSERVICE_NEEDS_TOKEN: "--appservice needs --token-stdin: "
    "an application service has no password",
    Hint.DEVICE_NAME_WITH_TOKEN: "--device-name names a new session; "
    "--token-stdin reuses an existing one",
    Hint.WHO_LOGS_IN: "say who logs in: --user @alice:example.org (or --token-stdin)",
    Hint.SINGLE_SIGN_ON: "{refused} (if this server only offers single sign-on, log in with "
    "another client and pass its token with --token-stdin)",
    Hint.CANNOT_REVOKE_APPSERVICE: "--revoke cannot end an application service's token: it is "
    "not a session but the as_token of the service's registration on the homeserver, and "
    "only changing that registration revokes it; `pushctl logout` without --revoke "
    "forgets it here",
}


def message(exc: PushctlError) -> str:
    """The error as a ``pushctl`` user reads it: the core's message, its flag hint added."""
    words = _WORDS.get(exc.hint) if exc.hint is not None else None
    if words is None:
        return exc.message
    notes = "".join(f"; {note}" for note in exc.notes)
    base = exc.message.removesuffix(notes)
    return words.format(message=base, **exc.details) + notes


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
