"""``login``, ``logout`` and ``status``: the stored credentials of a profile."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pushctl.accounts import auth, credentials
from pushctl.accounts.config import Profile
from pushctl.accounts.credentials import KIND_APPSERVICE
from pushctl.accounts.settings import Settings
from pushctl.cli.common import YesFlag, confirm, environment, settings
from pushctl.cli.output import output_options
from pushctl.errors import UsageError
from pushctl.output import render
from pushctl.output.environment import Environment
from pushctl.output.formats import Format

ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", metavar="NAME", help="Stored login to use (same as the global --profile)."
    ),
]


def _settings(ctx: typer.Context, profile: str | None, homeserver: str | None = None) -> Settings:
    current = settings(ctx)
    if profile is not None:
        current.profile = profile
    if homeserver is not None:
        current.homeserver = homeserver
    return current


@output_options()
def login_command(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", "-u", metavar="@USER:SERVER", help="Matrix user ID, e.g. @alice:example.org."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    token_stdin: Annotated[
        bool,
        typer.Option("--token-stdin", help="Read an existing access token from stdin instead."),
    ] = False,
    homeserver: Annotated[
        str | None,
        typer.Option(
            "--homeserver",
            metavar="URL",
            help="Homeserver base URL (default: discovered from --user).",
        ),
    ] = None,
    device_name: Annotated[
        str | None,
        typer.Option(
            "--device-name",
            metavar="NAME",
            help="Name of the new session (default: pushctl on HOST).",
        ),
    ] = None,
    insecure_storage: Annotated[
        bool,
        typer.Option(
            "--insecure-storage", help="Keep the token in a plain 0600 file, not the OS keyring."
        ),
    ] = False,
    appservice: Annotated[
        bool,
        typer.Option(
            "--appservice",
            help="The token is an application service's as_token (acts for its namespace).",
        ),
    ] = False,
    profile: ProfileOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Log in and keep the access token in the OS keyring."""

    if password_stdin and token_stdin:
        raise UsageError("--password-stdin and --token-stdin exclude each other")
    if appservice and password_stdin:
        raise UsageError("--appservice takes the service's token (--token-stdin), not a password")
    with_token = token_stdin or appservice
    env = environment(ctx)
    if not (password_stdin or token_stdin or env.stdin_isatty):
        wanted = "token: pass --token-stdin" if with_token else "password: pass --password-stdin"
        raise UsageError(f"no terminal to ask for the {wanted}")
    current = _settings(ctx, profile, homeserver)
    request = auth.LoginRequest(
        profile=current.profile,
        user=user,
        with_token=with_token,
        device_name=device_name,
        insecure_storage=insecure_storage,
        appservice=appservice,
    )

    def read_secret() -> str:
        if appservice:
            return _read_secret(
                env, "Application service token: ", "the application service token"
            ).strip()
        if token_stdin:
            return _read_secret(env, "Access token: ", "the access token").strip()
        return _read_secret(env, f"Password for {user}: ", "the password")

    result = auth.login(current, request, read_secret)
    done = result.profile
    old = result.replaced
    if old and (old.device_id != done.device_id or old.kind != done.kind):
        env.info(f"replaced the previous login of profile {done.name!r}: {_replaced(old)}")
    if insecure_storage:
        env.warn(
            f"the token is stored in plain text in {result.stored_in}: anyone who can "
            f"read that file can act as {_who(done)}; prefer the OS keyring"
        )
    if appservice:
        env.info(
            f"logged in as the application service whose sender is {done.user_id}, on "
            f"{done.homeserver} (profile {done.name!r}); token kept in the {result.stored_in}. "
            "--user @someone:server now acts for the users of its namespace"
        )
    else:
        env.info(
            f"logged in as {done.user_id} on {done.homeserver} (device {done.device_id}, "
            f"profile {done.name!r}); token kept in the {result.stored_in}"
        )
    if output is Format.JSON:
        replaced = _profile_json(old) if old else None
        _write_json(
            env, {**_profile_json(done), "token_location": result.stored_in, "replaced": replaced}
        )


def _profile_json(profile: Profile) -> dict[str, Any]:
    return {
        "profile": profile.name,
        "homeserver": profile.homeserver,
        "user_id": profile.user_id,
        "device_id": profile.device_id,
        "kind": profile.kind,
    }


def _write_json(env: Environment, document: dict[str, Any]) -> None:

    env.write(render.dump_json(document))


def _replaced(old: Profile) -> str:
    """What a new login replaced, and what became of it."""

    if old.kind == KIND_APPSERVICE:
        return f"the application service whose sender is {old.user_id}"
    return f"{old.user_id}, device {old.device_id}; that session stays open on the server"


def _who(profile: Profile) -> str:

    if profile.kind == KIND_APPSERVICE:
        return f"any user of the namespace of the application service {profile.user_id}"
    return str(profile.user_id)


def _read_secret(env: Environment, prompt: str, what: str) -> str:
    """A secret from stdin, or from a hidden prompt when stdin is a terminal."""
    secret = env.secret(prompt)
    if not secret:
        raise UsageError(f"{what} is empty: nothing was sent")
    return secret


@output_options()
def logout_command(
    ctx: typer.Context,
    revoke: Annotated[
        bool,
        typer.Option(
            "--revoke",
            help="Also end the session on the server (which deletes the pushers it created).",
        ),
    ] = False,
    yes: YesFlag = False,
    profile: ProfileOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Forget the stored token; with --revoke also end the session on the server."""

    env = environment(ctx)
    current = _settings(ctx, profile)
    stored = auth.stored_login(current)
    for variable in (credentials.ENV_TOKEN, credentials.ENV_APPSERVICE_TOKEN):
        if current.environ.get(variable):
            env.info(f"note: {variable} is set; logout does not touch it")
    if stored is None:
        env.info(f"not logged in (profile {current.profile!r}): nothing to forget")
        if output is Format.JSON:
            _write_json(env, _logout_json(current.profile, None, False, False))
        return
    if stored.kind == credentials.KIND_APPSERVICE:
        _forget_appservice(env, current, stored, revoke)
        if output is Format.JSON:
            _write_json(env, _logout_json(stored.name, stored, False, False))
        return
    if revoke:
        env.warn(
            f"--revoke ends the session of {stored.user_id} (device {stored.device_id}) on "
            f"{stored.homeserver}; the server then deletes every pusher created through that "
            "session, and those devices stop receiving notifications"
        )
        confirm(env, "End the session and delete its pushers?", yes)
    result = auth.logout(current, stored, revoke)
    if not revoke:
        ending = "the session stays open on the server (`pushctl logout --revoke` ends it)"
    elif result.token_was_dead:
        ending = "the server no longer knew the session"
    elif result.revoked:
        ending = "the session was ended on the server"
    else:
        ending = "no token was stored, so no session could be ended"
    env.info(f"logged out of profile {stored.name!r} ({stored.user_id}): token forgotten; {ending}")
    if output is Format.JSON:
        _write_json(env, _logout_json(stored.name, stored, result.revoked, result.token_was_dead))


def _logout_json(
    name: str, stored: Profile | None, revoked: bool, session_was_gone: bool
) -> dict[str, Any]:
    """``logout --json``: what was forgotten, and what became of the session."""
    known = _profile_json(stored) if stored else {"profile": name}
    return {
        **dict.fromkeys(("homeserver", "user_id", "device_id", "kind")),
        **known,
        "forgotten": stored is not None,
        "revoked": revoked and not session_was_gone,
        "session_was_gone": session_was_gone,
    }


def _forget_appservice(env: Environment, current: Settings, stored: Profile, revoke: bool) -> None:
    """Forget an application service's token; it is never sent to /logout."""

    if revoke:
        raise auth.cannot_revoke_appservice()
    auth.logout(current, stored, revoke=False)
    env.info(
        f"logged out of profile {stored.name!r} (application service, sender {stored.user_id}): "
        "token forgotten; it stays valid on the homeserver until the service's registration "
        "changes"
    )


@output_options()
def status_command(
    ctx: typer.Context,
    output: Format = Format.TABLE,
    profile: ProfileOption = None,
) -> None:
    """Show who the token belongs to, where it came from, and the server's versions."""

    report = auth.status(_settings(ctx, profile))
    env = environment(ctx)
    if output is Format.JSON:
        env.write(render.dump_json(report))
    else:
        render.fields(env, _status_fields(report))


def _status_fields(report: dict[str, Any]) -> list[tuple[str, str]]:

    versions = report["server_versions"]
    service = report["kind"] == KIND_APPSERVICE
    rows = [
        (
            "user",
            f"{report['user_id']}" + (" (the application service's sender)" if service else ""),
        ),
        (
            "credential",
            "application service token: --user acts for the users of its namespace"
            if service
            else "user access token",
        ),
        ("homeserver", report["homeserver"]),
        ("device", report["device_id"] or "(none: this token has no device)"),
        ("profile", report["profile"]),
        ("token from", report["token_location"]),
        ("server versions", _version_ranges(versions) or "(none announced)"),
    ]
    return [(label, str(value)) for label, value in rows]


def _version_ranges(versions: list[str]) -> str:
    """``r0.0.1-r0.6.1, v1.1-v1.15``: first and last of each family, in the server's order."""
    families: dict[str, list[str]] = {}
    for version in versions:
        families.setdefault(version.split(".")[0], []).append(version)
    return ", ".join(
        names[0] if len(names) == 1 else f"{names[0]}-{names[-1]}" for names in families.values()
    )
