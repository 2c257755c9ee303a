"""``fleet list`` and ``fleet stats``: what they show, and Synapse's database read for them.

The Typer commands (:mod:`pushctl.cli.fleet`) and the quick path
(:mod:`pushctl.cli.quick`) both end here, so a command line shows the same
whichever of the two read it. No Typer here, and nothing heavier than the run needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pushctl import collector
from pushctl.errors import PartialFailure, UsageError
from pushctl.fleet import counts
from pushctl.fleet.counts import Inventory
from pushctl.homeserver_host import config, database
from pushctl.homeserver_host.config import SynapseConfig
from pushctl.output import columns, render
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.words import plural


def synapse_config(paths: Sequence[str] | None, command: str) -> SynapseConfig:
    """Synapse's configuration at *paths*; exit 2 when none was given."""
    if not paths:
        raise UsageError(
            f"{command} reads Synapse's database: pass --synapse-config PATH "
            f"(or set {config.ENV_SYNAPSE_CONFIG})"
        )
    return config.load(paths)


def read_inventory(paths: Sequence[str]) -> Inventory:
    """``fleet list``/``stats`` from the database: the users and pushers the admin API gives."""
    found = synapse_config(paths, "this command")
    with database.opened(found.database) as reader, collector.paused():
        users = database.local_users(reader)
        stored = database.pushers(reader)
    return Inventory(users=users, pushers=[s.pusher for s in stored])


def show_list(
    env: Environment,
    inventory: Inventory,
    output: Format,
    gateway: str | None = None,
    app_id: str | None = None,
) -> None:
    """Every pusher of *inventory* (on *gateway*, of *app_id*, when given), as *output*."""
    pushers = counts.select(inventory.pushers, gateway=gateway, app_id=app_id)
    shown = columns.pusher_columns(
        user=True, names=False, device=True, enabled=True, whole_urls=True
    )
    columns.show_pushers(env, output, pushers, shown)
    if output is Format.TABLE:
        env.info(f"{plural(len(pushers), 'pusher')} of {plural(len(inventory.users), 'user')}")
    unreadable_fails(inventory)


def show_stats(env: Environment, inventory: Inventory, output: Format) -> None:
    """The counts by gateway and by app ID of *inventory*, and its users with no pusher."""
    found = counts.stats(inventory.pushers, len(inventory.users), inventory.users_without_pushers())
    if output is Format.JSON:
        found["unreadable_users"] = [
            {"user_id": user, "error": error} for user, error in inventory.unreadable
        ]
        env.write(render.dump_json(found))
    else:
        env.write(
            f"{plural(found['users'], 'user')}, {plural(found['pushers'], 'pusher')}, "
            f"{found['users_without_pushers']} users without any\n\n"
        )
        rows = [
            [g["url"] or "(none)", str(g["pushers"]), str(g["users"])] for g in found["by_gateway"]
        ]
        render.table(env, ("GATEWAY", "PUSHERS", "USERS"), rows)
        env.write("\n")
        rows = [[str(a["app_id"]), str(a["pushers"]), str(a["users"])] for a in found["by_app_id"]]
        render.table(env, ("APP ID", "PUSHERS", "USERS"), rows)
    unreadable_fails(inventory)


def unreadable_fails(inventory: Inventory) -> None:
    """Exit 5 naming the users whose pushers could not be read (through the admin API)."""
    if inventory.unreadable:
        lines = "\n".join(f"{user}: {error}" for user, error in inventory.unreadable)
        raise PartialFailure(
            f"the pushers of {plural(len(inventory.unreadable), 'user')} could not be read:\n"
            + lines
        )
