"""``list`` and ``set``: one user's pushers, listed, and one at a time written.

``delete`` is with ``pause`` and ``resume`` (:mod:`pushctl.cli.selection`): they
share their selectors, and their runs share the write machinery a listing never needs.
What only a command's run needs (the account, the output of a listing) is imported
inside the command: Tab and ``--help`` load this module to build the options alone.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pushctl.cli.common import environment, parse_assignments
from pushctl.cli.completion import complete_app_id, complete_pushkey, remember_listing
from pushctl.cli.output import output_options
from pushctl.cli.selectors import AppIdFilter, UserOption
from pushctl.errors import InvalidInput, UsageError
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.pushers import kinds, model

# Where a field of a pusher comes from on the command line of `set`.
SET_FLAGS = {
    "app_id": "--app-id",
    "pushkey": "--pushkey",
    "kind": "--kind",
    "app_display_name": "--app-display-name",
    "device_display_name": "--device-display-name",
    "profile_tag": "--profile-tag",
    "lang": "--lang",
    "data": "--data",
    "data.url": "--url",
    "data.format": "--data-format",
}


@output_options(Format.YAML, Format.CSV)
def list_command(
    ctx: typer.Context,
    wide: Annotated[bool, typer.Option("--wide", help="Show full pushkeys.")] = False,
    app_id: AppIdFilter = None,
    kind: Annotated[
        str | None, typer.Option("--kind", metavar="KIND", help="Only this kind.")
    ] = None,
    user: UserOption = None,
    devices: Annotated[
        bool, typer.Option("--devices", help="Add each pusher's device and when it was last seen.")
    ] = False,
    output: Format = Format.TABLE,
) -> None:
    """Show the pushers of the account."""
    from pushctl.cli.account import add_devices, target
    from pushctl.output import columns

    env = environment(ctx)
    where = target(ctx, user)
    everything = where.pushers()
    remember_listing(ctx, where, everything)
    found = model.select(everything, app_id=app_id, kind=kind)
    if devices:
        found = add_devices(where, found)
    device = where.admin_api or devices
    shown = columns.pusher_columns(
        wide, device=device, last_seen=devices, enabled=device or columns.report_state(found)
    )
    columns.show_pushers(env, output, found, shown)


@output_options()
def set_command(
    ctx: typer.Context,
    pushkey: Annotated[
        str | None,
        typer.Option(
            "--pushkey", metavar="KEY", help="Device token.", autocompletion=complete_pushkey
        ),
    ] = None,
    app_id: Annotated[
        str | None,
        typer.Option(
            "--app-id",
            metavar="ID",
            help="Reverse-DNS app ID.",
            autocompletion=complete_app_id,
        ),
    ] = None,
    app_display_name: Annotated[
        str | None, typer.Option("--app-display-name", metavar="NAME")
    ] = None,
    device_display_name: Annotated[
        str | None, typer.Option("--device-display-name", metavar="NAME")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="LANG", help="Language tag, e.g. en-US.")
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", metavar="KIND", help=f"{' or '.join(kinds.NAMES)}.")
    ] = kinds.DEFAULT.name,
    url: Annotated[
        str | None, typer.Option("--url", metavar="URL", help="Push gateway notify URL.")
    ] = None,
    data_format: Annotated[
        str | None,
        typer.Option("--data-format", metavar="FORMAT", help="data.format (event_id_only)."),
    ] = None,
    old_data_format: Annotated[
        str | None, typer.Option("--format", metavar="FORMAT", hidden=True)
    ] = None,
    profile_tag: Annotated[str | None, typer.Option("--profile-tag", metavar="TAG")] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            metavar="KEY=VALUE",
            help="Extra data field KEY=VALUE (KEY:=JSON for non-strings).",
        ),
    ] = None,
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Remove this app ID and pushkey from every other account (append: false).",
        ),
    ] = False,
    append: Annotated[
        bool,
        typer.Option("--append", hidden=True, help="The default now; kept for old scripts."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the JSON body; send nothing.")
    ] = False,
    user: UserOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Create or replace one pusher."""
    from pushctl.cli.account import target
    from pushctl.output import render

    env = environment(ctx)
    data_format = _data_format(env, data_format, old_data_format)
    pusher_data: dict[str, Any] = parse_assignments(data or [], "--data")
    for key, value in (("url", url), ("format", data_format)):
        if value is not None:
            pusher_data[key] = value
    pusher = {
        "app_id": app_id if app_id is not None else kinds.named(kind).app_id,
        "pushkey": pushkey,
        "kind": kind,
        "app_display_name": app_display_name,
        "device_display_name": device_display_name,
        "profile_tag": profile_tag,
        "lang": lang,
        "data": pusher_data,
    }
    pusher = {k: v for k, v in pusher.items() if v is not None}
    if take_over and append:
        raise UsageError("--take-over and --append exclude each other")
    # Other accounts' pushers with this key stay unless a take-over is asked for.
    append = not take_over
    check_pusher(env, pusher)
    if dry_run:
        env.write(render.dump_json(model.set_body(pusher, append)))
        return
    where = target(ctx, user)
    pusher = _with_current_state(where.pushers(), pusher)
    with where.writer(on_revoke_failure=env.warn) as client:
        client.set_pusher(pusher, append=append)
    env.info(f"set pusher {pusher['app_id']} {render.shorten(str(pusher['pushkey']))}")
    if output is Format.JSON:  # the body as sent, as --dry-run shows it
        env.write(render.dump_json(model.set_body(pusher, append)))


def _data_format(env: Environment, new: str | None, old: str | None) -> str | None:
    """``--data-format``, or the deprecated ``--format`` it replaces (with a warning)."""
    if old is None:
        return new
    if new is not None:
        raise UsageError("--format is the old spelling of --data-format: give only --data-format")
    env.warn(
        "set --format is deprecated: use --data-format (--format means the output format "
        "elsewhere, as in export --format)"
    )
    return old


def _with_current_state(current: list[model.Pusher], pusher: model.Pusher) -> model.Pusher:
    """*pusher* with the enabled state of the one it replaces: an edit never resumes it."""
    key = model.key_of(pusher)
    found = next((p for p in current if model.key_of(p) == key), None)
    return pusher if found is None else model.with_state_of(pusher, found)


def check_pusher(env: Environment, pusher: dict[str, Any]) -> None:
    """Refuse a pusher that breaks a rule (exit 3); print warnings."""
    problems = model.validate_pusher(pusher)
    for problem in problems:
        if problem.warning:
            env.warn(str(problem))
    errors = model.errors_only(problems)
    if errors:
        lines = [
            f"{p} (set with {SET_FLAGS[p.field]})" if p.field in SET_FLAGS else str(p)
            for p in errors
        ]
        raise InvalidInput("invalid pusher, nothing sent:\n  " + "\n  ".join(lines), errors)
