"""``delete``, ``pause`` and ``resume``: a selection of one user's pushers, written.

The three share their selectors (:mod:`pushctl.cli.selectors`). Tab and
``--help`` load this module to build their options; what their runs need
(the account, the plan, the writes, the outcome) is in :mod:`pushctl.cli.writes`,
imported by each command where it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pushctl.cli.common import DryRunDelete, YesFlag
from pushctl.cli.output import output_options
from pushctl.cli.selectors import (
    AllFlag,
    AppIdFilter,
    DeviceNameFilter,
    PushkeyFilter,
    UserOption,
)
from pushctl.errors import UsageError
from pushctl.output.formats import Format

DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; send nothing.")
]


@output_options()
def delete_command(
    ctx: typer.Context,
    app_id: AppIdFilter = None,
    pushkey: PushkeyFilter = None,
    device_name: DeviceNameFilter = None,
    all_pushers: AllFlag = False,
    yes: YesFlag = False,
    dry_run: DryRunDelete = False,
    user: UserOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Delete one pusher, or a selection of them."""
    filters = _selected(app_id, pushkey, device_name, all_pushers, "delete")
    from pushctl.cli.writes import delete

    delete(ctx, filters, yes, dry_run, output, user)


@output_options()
def pause_command(
    ctx: typer.Context,
    app_id: AppIdFilter = None,
    pushkey: PushkeyFilter = None,
    device_name: DeviceNameFilter = None,
    all_pushers: AllFlag = False,
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
    user: UserOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Stop a pusher's notifications without deleting it."""
    filters = _selected(app_id, pushkey, device_name, all_pushers, "pause")
    from pushctl.cli.writes import switch

    switch(ctx, False, filters, yes, dry_run, output, user)


@output_options()
def resume_command(
    ctx: typer.Context,
    app_id: AppIdFilter = None,
    pushkey: PushkeyFilter = None,
    device_name: DeviceNameFilter = None,
    all_pushers: AllFlag = False,
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
    user: UserOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Turn a paused pusher's notifications back on."""
    filters = _selected(app_id, pushkey, device_name, all_pushers, "resume")
    from pushctl.cli.writes import switch

    switch(ctx, True, filters, yes, dry_run, output, user)


def _selected(
    app_id: str | None, pushkey: str | None, device_name: str | None, all_pushers: bool, verb: str
) -> dict[str, str | None]:
    """The selectors given, as filters; exactly one of a selection and ``--all``."""
    filters = {"app_id": app_id, "pushkey": pushkey, "device_name": device_name}
    if all_pushers == any(v is not None for v in filters.values()):
        raise UsageError(
            f"say which pushers to {verb}: --app-id and --pushkey for one; "
            "--app-id, --device-name or --all for a selection"
        )
    return filters
