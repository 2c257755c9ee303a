"""The flags that say whose pushers a command works on, and which of them.

Light on purpose: Tab and ``--help`` load a command's module to build its
options, and these flags are all they need of what the commands share. What
the flags lead to once a command runs is in :mod:`pushctl.cli.account`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pushctl.cli.completion import complete_app_id, complete_pushkey
from pushctl.homeserver.ids import check_user_id


def _check_user(value: str | None) -> str | None:
    return check_user_id(value) if value else None


UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        metavar="@USER:SERVER",
        callback=_check_user,
        help="Act for this user: through the Synapse admin API with a server admin's token, "
        "or by identity assertion with an application service's token.",
    ),
]

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
