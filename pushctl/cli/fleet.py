"""``fleet``: every local user's pushers, for Synapse server admins.

``list`` and ``stats`` read; ``move-gateway`` and ``delete`` plan, show the
plan, ask (or take ``--yes``) and write through tokens acting as each user
(:mod:`pushctl.fleet`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pushctl.accounts import credentials
from pushctl.accounts.settings import authenticate
from pushctl.cli import host, reads
from pushctl.cli.app import accepting_global_options
from pushctl.cli.common import YesFlag, confirm, environment, settings
from pushctl.cli.ending import finish
from pushctl.cli.hints import outcome_error
from pushctl.cli.host import SynapseConfigOption
from pushctl.cli.output import output_options
from pushctl.errors import AuthError, InvalidInput
from pushctl.fleet import inventory, planning, writing
from pushctl.fleet.counts import Inventory
from pushctl.fleet.planning import by_user
from pushctl.output import render
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.pushers import model
from pushctl.pushers.plan import Change, Plan
from pushctl.runs.outcomes import fleet_written
from pushctl.runs.verdict import Words
from pushctl.words import plural

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

GatewayOption = Annotated[
    str | None,
    typer.Option("--gateway", metavar="URL", help="Only pushers whose data.url is URL."),
]
AppIdOption = Annotated[
    str | None, typer.Option("--app-id", metavar="ID", help="Only pushers of this app ID.")
]
DryRunFlag = Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")]


def fleet_app() -> typer.Typer:
    """Every local user's pushers, for Synapse server admins: list, stats, move, delete."""
    app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, add_completion=False)
    for name, function in (
        ("list", list_command),
        ("stats", stats_command),
        ("move-gateway", move_gateway_command),
        ("delete", delete_command),
    ):
        app.command(name)(accepting_global_options(function))

    app.command("health")(accepting_global_options(host.health_command))
    app.command("gateways")(accepting_global_options(host.gateways_command))
    return app


# -- reading ---------------------------------------------------------------------


@output_options(Format.CSV)
def list_command(
    ctx: typer.Context,
    gateway: GatewayOption = None,
    app_id: AppIdOption = None,
    synapse_config: SynapseConfigOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Show every local user's pushers (deactivated users are left out)."""

    env = environment(ctx)
    reads.show_list(env, _read_from(ctx, env, synapse_config), output, gateway, app_id)


@output_options()
def stats_command(
    ctx: typer.Context, synapse_config: SynapseConfigOption = None, output: Format = Format.TABLE
) -> None:
    """Count every local user's pushers by gateway and by app ID, and users with none."""

    env = environment(ctx)
    reads.show_stats(env, _read_from(ctx, env, synapse_config), output)


def _admin_client(ctx: typer.Context) -> Client:

    credential, client = authenticate(settings(ctx))
    if credential.kind == credentials.KIND_APPSERVICE:
        raise AuthError(
            "fleet commands need a Synapse server admin's user token, not an application service's"
        )
    return client


def _read_from(ctx: typer.Context, env: Environment, synapse_config: list[str] | None) -> Inventory:
    """Through Synapse's database when its config is given, else through the admin API."""
    if synapse_config:
        return reads.read_inventory(synapse_config)
    return _read(env, _admin_client(ctx))


def _read(env: Environment, client: Client) -> Inventory:

    users = inventory.list_users(client)
    with env.progress("reading users", len(users)) as advance:
        return inventory.read_inventory(client, users, on_user=advance)


# -- writing ---------------------------------------------------------------------


@output_options()
def move_gateway_command(
    ctx: typer.Context,
    old_url: Annotated[
        str, typer.Option("--from", metavar="URL", help="The gateway URL to move away from.")
    ],
    new_url: Annotated[str, typer.Option("--to", metavar="URL", help="The new gateway URL.")],
    app_id: AppIdOption = None,
    dry_run: DryRunFlag = False,
    yes: YesFlag = False,
    output: Format = Format.TABLE,
) -> None:
    """Point every local user's pushers on one gateway to another, each kept on its device."""

    problems = planning.check_gateway_url(new_url)
    if problems:
        raise InvalidInput(f"--to {new_url}: " + "; ".join(problems))
    env = environment(ctx)
    for warning in model.gateway_url_problems(new_url):  # the errors were refused above
        env.warn(f"--to {warning.message}")
    client = _admin_client(ctx)
    inventory = _read(env, client)
    plan = planning.move_plan(inventory.pushers, old_url, new_url, app_id)
    what = f"move {{pushers}} of {{users}} from {old_url} to {new_url}"
    disabled = sum(1 for change in plan.changes if change.pusher.get("enabled") is False)
    if disabled:  # Synapse sets enabled on every /pushers/set unless MSC3881 is on
        env.warn(
            f"{_count(disabled, 'planned pusher')} disabled (enabled: false); rewriting "
            "enables it again unless the server has MSC3881 turned on for the user"
        )
    _run(
        env,
        client,
        inventory,
        plan,
        "move-gateway",
        what,
        dry_run=dry_run,
        yes=yes,
        output=output,
    )


@output_options()
def delete_command(
    ctx: typer.Context,
    app_id: Annotated[
        str, typer.Option("--app-id", metavar="ID", help="Delete the pushers of this app ID.")
    ],
    gateway: GatewayOption = None,
    dry_run: DryRunFlag = False,
    yes: YesFlag = False,
    output: Format = Format.TABLE,
) -> None:
    """Delete every local user's pushers of an app ID (on one gateway, with --gateway)."""

    env = environment(ctx)
    client = _admin_client(ctx)
    inventory = _read(env, client)
    plan = planning.delete_plan(inventory.pushers, app_id, gateway)
    on = f" on {gateway}" if gateway else ""
    what = f"delete {{pushers}} of {{users}} (app ID {app_id}{on})"
    _run(env, client, inventory, plan, "delete", what, dry_run=dry_run, yes=yes, output=output)


def _run(
    env: Environment,
    client: Client,
    inventory: Inventory,
    plan: Plan,
    operation: str,
    what: str,
    *,
    dry_run: bool,
    yes: bool,
    output: Format,
) -> None:
    """Show the plan, ask, apply, report; the exit status says how it went."""

    words = _words(operation)
    unreadable = inventory.unreadable
    users = len({c.pusher["user_id"] for c in plan.changes})
    described = what.format(
        pushers=_count(len(plan.changes), "pusher"), users=_count(users, "user")
    )
    as_json = output is Format.JSON
    if not as_json or (not yes and not dry_run and plan.changes and env.can_prompt):
        _show_plan(env if not as_json else env.on_stderr(), plan, described, dry_run)
    if dry_run or not plan.changes:
        outcome = fleet_written(
            operation, plan, None, words, dry_run=dry_run, unreadable=unreadable
        )
    else:
        writing.check_acting_possible(client)
        confirm(env, f"{described[0].upper()}{described[1:]} on {client.homeserver}?", yes)
        with env.progress("writing", len(plan.changes)) as advance:
            on_outcome = None if advance is None else lambda outcome: advance(outcome.ok)
            report = writing.apply(
                plan, client, on_outcome=on_outcome, on_revoke_failure=env.warn, environ=env.environ
            )
        outcome = fleet_written(
            operation, plan, report, words, dry_run=False, unreadable=unreadable
        )
    finish(env, outcome, output)
    reads.unreadable_fails(inventory)


def _show_plan(env: Environment, plan: Plan, described: str, dry_run: bool) -> None:

    env.info(("Plan (dry run): " if dry_run else "Plan: ") + described)
    if not plan.changes:
        env.info("nothing to change")
        return
    rows = []
    for user, changes in by_user(plan.changes).items():
        for number, change in enumerate(changes):
            pusher = change.pusher
            rows.append(
                [
                    user if number == 0 else "",
                    str(pusher.get("app_id") or ""),
                    render.shorten(str(pusher.get("pushkey") or "")),
                    str(pusher.get("device_id") or ""),
                    str(pusher.get("device_display_name") or ""),
                ]
            )
    render.table(env, ("USER", "APP ID", "PUSHKEY", "DEVICE ID", "DEVICE"), rows)


def _words(operation: str) -> Words:
    """How ``fleet move-gateway|delete`` speak of their runs (:mod:`pushctl.runs.verdict`)."""

    def name(change: Change) -> str:
        pusher = change.pusher
        pushkey = render.shorten(str(pusher.get("pushkey")))
        return f"{pusher['user_id']}: {pusher.get('app_id')} {pushkey}"

    return Words(
        "moved" if operation == "move-gateway" else "deleted",
        "pusher",
        "run the same command again (it writes only what is left)",
        name=name,
        error=outcome_error,
    )


def _count(number: int, noun: str) -> str:
    return plural(number, noun)
