"""``pause`` and ``resume``: turn pushers' notifications off and on without deleting them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pushctl.cli.common import YesFlag, confirm, environment
from pushctl.cli.completion import complete_app_id, complete_pushkey
from pushctl.cli.output import finish, output_options
from pushctl.cli.support import UserOption, target
from pushctl.errors import UsageError
from pushctl.output import render
from pushctl.output.columns import pushers_table
from pushctl.output.environment import Environment
from pushctl.output.render import Format
from pushctl.pushers import model, pausing
from pushctl.pushers.plan import Action, Change, Plan
from pushctl.runs import executor
from pushctl.runs.executor import Report
from pushctl.runs.guard import for_client
from pushctl.runs.outcomes import switched
from pushctl.runs.verdict import Words
from pushctl.words import plural

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

AppIdFilter = Annotated[
    str | None,
    typer.Option(
        "--app-id", metavar="ID", help="Only this app ID.", autocompletion=complete_app_id
    ),
]
PushkeyFilter = Annotated[
    str | None,
    typer.Option(
        "--pushkey", metavar="KEY", help="Only this pushkey.", autocompletion=complete_pushkey
    ),
]
DeviceNameFilter = Annotated[
    str | None,
    typer.Option("--device-name", metavar="NAME", help="Only this device display name."),
]
AllFlag = Annotated[bool, typer.Option("--all", help="Every pusher of the account.")]
DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; send nothing.")
]

#: the words of each command, by the state it sets
VERB = {False: "pause", True: "resume"}
DONE = {False: "paused", True: "resumed"}


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
    filters = {"app_id": app_id, "pushkey": pushkey, "device_name": device_name}
    _switch(ctx, False, filters, all_pushers, yes, dry_run, output, user)


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
    filters = {"app_id": app_id, "pushkey": pushkey, "device_name": device_name}
    _switch(ctx, True, filters, all_pushers, yes, dry_run, output, user)


def _switch(
    ctx: typer.Context,
    enabled: bool,
    filters: dict[str, str | None],
    all_pushers: bool,
    yes: bool,
    dry_run: bool,
    output: Format,
    user: str | None,
) -> None:

    if all_pushers == any(v is not None for v in filters.values()):
        raise UsageError(
            f"say which pushers to {VERB[enabled]}: --app-id and --pushkey for one; "
            "--app-id, --device-name or --all for a selection"
        )
    exact = filters["app_id"] is not None and filters["pushkey"] is not None
    as_json = output is Format.JSON
    env = environment(ctx)
    with target(ctx, user).writer(on_revoke_failure=env.warn) as client:
        plan = _plan(client, filters, enabled, user)
        if not as_json:
            _show(env, plan, enabled, dry_run, table=dry_run or not exact)
        if dry_run or not plan.writes:
            finish(env, switched(enabled, plan, None, _words(enabled), dry_run=dry_run), output)
            return
        if not exact:
            if as_json and not yes and env.can_prompt:  # a question comes with what it is about
                _show(env.on_stderr(), plan, enabled, False, table=True)
            confirm(env, f"{VERB[enabled].capitalize()} {_count(len(plan.writes))}?", yes)
        report = _apply(plan, client)
    finish(env, switched(enabled, plan, report, _words(enabled), dry_run=False), output)


def _plan(client: Client, filters: dict[str, str | None], enabled: bool, user: str | None) -> Plan:
    """The selected pushers' plan, read as the account's own clients read them.

    With ``--user`` too (through the acting token): only that answer says whether
    the homeserver honours the state, and it is the record to re-send.
    """

    selected = model.select(client.get_pushers(), **filters)
    if selected:
        pausing.require_support(selected, user or "this account")
    return pausing.state_plan(selected, enabled)


def _apply(plan: Plan, client: Client) -> Report:

    return executor.apply(plan, client, guard=for_client(client))


def _show(env: Environment, plan: Plan, enabled: bool, dry_run: bool, table: bool) -> None:

    if not plan.changes:
        env.info(f"no pusher matches: nothing to {VERB[enabled]}")
        return
    already = plan.count(Action.UNCHANGED)
    if already:
        env.info(f"{_count(already)} already {DONE[enabled]}: unchanged")
    if plan.writes and table:
        doing = "Would" if dry_run else "Will"
        env.info(f"{doing} {VERB[enabled]} {_count(len(plan.writes))}:")
        pushers_table(env, [pausing.as_found(c, enabled) for c in plan.writes])


def _words(enabled: bool) -> Words:
    """How ``pause`` and ``resume`` speak of their runs (:mod:`pushctl.runs.verdict`)."""

    return Words(verb=DONE[enabled], noun="pusher", again="run the same command again", name=_name)


def _name(change: Change) -> str:

    return f"{change.key[0]} {render.shorten(change.key[1])}"


def _count(number: int) -> str:
    return plural(number, "pusher")
