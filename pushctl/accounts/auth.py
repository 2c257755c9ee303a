"""Log in, log out and report who we are: the core behind login/logout/status.

A login leaves nothing behind that it cannot store: the token store is tried
before the server is asked for a session, and a session whose token could not
be stored after all is ended on the server again.

An application service's token (``login --appservice``) is stored the same
way, as a profile of kind ``appservice`` whose user is the service's sender.
It is never revoked from here (see :mod:`pushctl.acting.appservice`).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pushctl.accounts import config, credentials
from pushctl.accounts.settings import Settings
from pushctl.errors import (
    AuthError,
    Hint,
    MatrixError,
    PushctlError,
    UsageError,
    register_secret,
)
from pushctl.homeserver.address import normalise_homeserver
from pushctl.homeserver.discovery import discover
from pushctl.homeserver.ids import same_user, server_name

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client


@dataclass
class LoginRequest:
    profile: str
    user: str | None = None
    #: True: the secret read is an existing access token; False: a password
    with_token: bool = False
    device_name: str | None = None
    insecure_storage: bool = False
    #: the token is an application service's as_token (implies with_token)
    appservice: bool = False


@dataclass
class LoginResult:
    profile: config.Profile
    stored_in: str
    #: the login this one replaced in the same profile, if any
    replaced: config.Profile | None = None


@dataclass
class LogoutResult:
    profile: config.Profile
    revoked: bool = False
    #: the server no longer knew the token (already logged out or expired)
    token_was_dead: bool = False


#: the way past a server that only offers single sign-on, however the token is then given
SINGLE_SIGN_ON = "if this server only offers single sign-on, log in with another client"


def default_device_name() -> str:
    return f"pushctl on {socket.gethostname() or 'unknown host'}"


def login(settings: Settings, request: LoginRequest, read_secret: Callable[[], str]) -> LoginResult:
    """Authenticate, store the token and save the profile; see the module docstring."""
    config.check_profile_name(request.profile)
    if request.appservice and not request.with_token:
        raise UsageError(
            "an application service has no password",
            advice=": it logs in with its token",
            hint=Hint.APPSERVICE_NEEDS_TOKEN,
        )
    if request.with_token and request.device_name:
        raise UsageError(
            "a device name names a new session; logging in with a token reuses an existing one",
            hint=Hint.DEVICE_NAME_WITH_TOKEN,
        )
    if request.user is None and not request.with_token:
        raise UsageError(
            "say who logs in",
            advice=": a user ID such as @alice:example.org, or an access token",
            hint=Hint.WHO_LOGS_IN,
        )
    if not settings.homeserver:
        _discoverable_server_name(request.user)
    current = config.load(settings.environ)  # refuses a config others can read, before login
    storage = config.STORAGE_FILE if request.insecure_storage else config.STORAGE_KEYRING
    store = credentials.store_for(storage, settings.environ)
    if isinstance(store, credentials.KeyringStore):
        store.probe()
    secret = read_secret()
    if request.with_token:
        register_secret(secret)
        secret = credentials.checked_token(secret, "the access token")
    # A password is not registered for redaction: a short one ("http") would be
    # blotted out of every message. It goes only into the login body, which no
    # trace shows.
    homeserver = resolve_homeserver(settings, request.user)
    if request.appservice:
        token, user_id = _check_appservice_token(settings, homeserver, secret, request.user)
        device_id = None
    elif request.with_token:
        token, user_id, device_id = _check_token(settings, homeserver, secret, request.user)
    else:
        assert request.user is not None
        token, user_id, device_id = _password_login(
            settings, homeserver, request.user, secret, request.device_name
        )
    profile = config.Profile(
        name=request.profile,
        homeserver=homeserver,
        user_id=user_id,
        device_id=device_id,
        kind=config.KIND_APPSERVICE if request.appservice else config.KIND_USER,
        token_storage=storage,
    )
    replaced = current.profiles.get(request.profile)
    _remember(settings, current, profile, store, token, created=not request.with_token)
    if replaced and replaced.token_storage != storage:
        _forget_quietly(settings, replaced)
    return LoginResult(profile, store.describe(request.profile), replaced)


def resolve_homeserver(settings: Settings, user: str | None) -> str:

    if settings.homeserver:
        return normalise_homeserver(settings.homeserver, settings.allow_insecure_http)
    return discover(
        _discoverable_server_name(user),
        allow_insecure_http=settings.allow_insecure_http,
        timeout=settings.timeouts[0],
        verify=settings.verify,
    )


def _discoverable_server_name(user: str | None) -> str:
    """The user ID to discover the homeserver from; a usage error if there is none."""

    if not user or not user.startswith("@"):
        raise UsageError(
            "no homeserver",
            advice=": give its URL, or a full Matrix user ID (@alice:example.org) "
            "to discover it from",
            hint=Hint.NO_HOMESERVER_TO_DISCOVER,
        )
    server_name(user)
    return user


def _password_login(
    settings: Settings, homeserver: str, user: str, password: str, device_name: str | None
) -> tuple[str, str, str | None]:
    client = _client(settings, homeserver, None)
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "initial_device_display_name": device_name or default_device_name(),
    }
    try:
        answer = client.client_request("POST", "/login", body=body, auth=False, idempotent=False)
    except MatrixError as exc:
        if exc.status in (400, 401, 403) and exc.errcode != "M_LIMIT_EXCEEDED":
            refused = f"login refused by {homeserver}: {exc.errcode}: {exc.error}"
            if exc.status != 400:
                raise AuthError(refused) from None
            raise AuthError(
                refused,
                advice=f" ({SINGLE_SIGN_ON} and log in here with its token)",
                hint=Hint.SINGLE_SIGN_ON,
                sso=SINGLE_SIGN_ON,
            ) from None
        raise
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise PushctlError(f"{homeserver} answered the login without an access token")
    register_secret(token)
    return token, str(answer.get("user_id") or user), _optional(answer.get("device_id"))


def _check_token(
    settings: Settings, homeserver: str, token: str, expected_user: str | None
) -> tuple[str, str, str | None]:

    whoami = _client(settings, homeserver, token).whoami()
    user_id = str(whoami["user_id"])  # whoami() checked it is a non-empty string
    if expected_user and not same_user(expected_user, user_id):
        raise AuthError(f"the token belongs to {user_id}, not {expected_user}; nothing was stored")
    return token, user_id, _optional(whoami.get("device_id"))


def _check_appservice_token(
    settings: Settings, homeserver: str, token: str, expected_sender: str | None
) -> tuple[str, str]:
    """The token and the service's sender; refuses a token that is plainly a user's session.

    There is no request that tells the two kinds apart for sure, but a session
    token has a device and an application service's has none (the spec names
    application services as the case of a token without a device).
    """
    token, sender, device_id = _check_token(settings, homeserver, token, expected_sender)
    if device_id:
        raise AuthError(
            f"this token belongs to a session of {sender} (device {device_id}), not to an "
            "application service",
            advice=": log in as a user instead",
            hint=Hint.SESSION_TOKEN_AS_APPSERVICE,
            sender=sender,
            device_id=device_id,
        ).amend("nothing was stored")
    return token, sender


def _remember(
    settings: Settings,
    current: config.Config,
    profile: config.Profile,
    store: credentials.TokenStore,
    token: str,
    created: bool,
) -> None:
    """Store the token and save the profile; undo the login if either fails."""
    try:
        store.put(profile.name, token)
        try:
            with config.edit(settings.environ) as latest:
                latest.profiles[profile.name] = profile
            current.profiles[profile.name] = profile
        except PushctlError:
            _delete_quietly(store, profile.name)
            raise
    except PushctlError as exc:
        if not created:
            raise
        ended = _end_session(settings, profile.homeserver, token)
        undo = (
            "the new session was ended on the server"
            if ended
            else f"the new session (device {profile.device_id}) could not be ended on the "
            "server: remove it from another client"
        )
        raise exc.amend(undo) from None


def _end_session(settings: Settings, homeserver: str, token: str) -> bool:
    try:
        _client(settings, homeserver, token).logout()
    except PushctlError:
        return False
    return True


def _forget_quietly(settings: Settings, old: config.Profile) -> None:
    """Remove a token the profile kept in another store before this login."""
    _delete_quietly(credentials.store_for(old.token_storage, settings.environ), old.name)


def _delete_quietly(store: credentials.TokenStore, name: str) -> None:
    with contextlib.suppress(PushctlError):
        store.delete(name)


def stored_login(settings: Settings) -> config.Profile | None:
    config.check_profile_name(settings.profile)
    return config.load(settings.environ).profiles.get(settings.profile)


def logout(settings: Settings, profile: config.Profile, revoke: bool) -> LogoutResult:
    """Forget the profile's token (and, with *revoke*, end its session on the server first)."""
    if revoke and profile.kind == config.KIND_APPSERVICE:
        raise cannot_revoke_appservice()
    store = credentials.store_for(profile.token_storage, settings.environ)
    result = LogoutResult(profile)
    if revoke:
        token = store.get(profile.name)
        if token:
            register_secret(token)
            result.token_was_dead = not _revoke(settings, profile.homeserver, token)
            result.revoked = True
    store.delete(profile.name)
    with config.edit(settings.environ) as current:
        current.profiles.pop(profile.name, None)
    return result


def cannot_revoke_appservice() -> UsageError:
    """Why revoking refuses an application service's token (never sent to /logout)."""
    return UsageError(
        "an application service's token cannot be revoked: it is not a session but the "
        "as_token of the service's registration on the homeserver, and only changing that "
        "registration revokes it",
        advice="; logging out without revoking forgets it here",
        hint=Hint.CANNOT_REVOKE_APPSERVICE,
    )


def _revoke(settings: Settings, homeserver: str, token: str) -> bool:
    """End the session; False when the server no longer knew the token."""
    try:
        _client(settings, homeserver, token).logout()
    except MatrixError as exc:
        if exc.status == 401:
            return False
        raise
    return True


def status(settings: Settings) -> dict[str, Any]:
    """Who the token belongs to and what the server speaks; AuthError if the token fails."""
    credential = settings.credential()
    if not credential.token:
        raise AuthError(
            f"not logged in (profile {settings.profile!r})",
            advice=f": no token is stored for it and {credentials.ENV_TOKEN} is not set",
            hint=Hint.NOT_LOGGED_IN,
            profile=settings.profile,
        )
    client = settings.client(credential)
    whoami = client.whoami()
    versions = client.versions()
    return {
        "profile": settings.profile,
        "kind": credential.kind,
        "user_id": whoami.get("user_id"),
        "device_id": whoami.get("device_id"),
        "homeserver": client.homeserver,
        "token_source": credential.source,
        "token_location": credential.detail,
        "server_versions": [v for v in versions.get("versions", []) if isinstance(v, str)],
    }


def _client(settings: Settings, homeserver: str, token: str | None) -> Client:
    return settings.client_for(homeserver, token)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
