"""The account a pusher command works on (``--user``), and the devices a listing adds.

``--user @bob:example.org`` makes a command work on another user's pushers:
through the Synapse admin API with a server admin's token, or through identity
assertion with an application service's token (see :mod:`pushctl.acting.target`).

Only a command's run needs this module: command functions import it where they
run, so that Tab and ``--help`` build their options without it (the flags are
in :mod:`pushctl.cli.selectors`).
"""

from __future__ import annotations

from typing import Any

import typer

from pushctl.acting.target import Target, open_target
from pushctl.cli.common import settings
from pushctl.cli.hints import annotate
from pushctl.pushers import model
from pushctl.pushers.devices import has_device_field, with_devices


def target(ctx: typer.Context, user: str | None) -> Target:
    """The account the command works on: the token's own, or ``--user``'s."""

    return open_target(settings(ctx), user)


def add_devices(where: Target, pushers: list[model.Pusher]) -> list[Any]:
    """The pushers with their ``device`` (or null and ``device_unknown_reason``)."""

    needed = any(has_device_field(p) for p in pushers)
    linked = with_devices(pushers, where.devices() if needed else [])
    for pusher in linked:
        if pusher.get("device_unknown_reason"):
            pusher["device_unknown_reason"] = annotate(pusher["device_unknown_reason"])
    return linked
