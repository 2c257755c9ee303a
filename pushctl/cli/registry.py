"""Every command of pushctl, in the order of ``pushctl --help``: the one list of them.

Each entry names the command, the module and function that implement it, and
the one-line summary that ``--help`` and Tab show. The module is imported only
when a command line names the command (:func:`pushctl.cli.app.make_app`), so
``--version``, ``--help`` and Tab at the command name read this table alone. A
command's docstring starts with its summary (a test checks that they agree).

To add a command: write its function in a module of ``pushctl/cli/`` and add
a line here, where it belongs in ``--help``. A group of subcommands (``fleet``)
names a function that builds its Typer app, with ``group=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


class Command:
    # a plain class: a dataclass or NamedTuple costs a millisecond at every start
    __slots__ = ("function", "group", "module", "name", "summary")

    def __init__(
        self, name: str, module: str, function: str, summary: str, group: bool = False
    ) -> None:
        self.name = name
        self.module = module
        self.function = function
        self.summary = summary
        #: the function builds a Typer app of subcommands (``pushctl fleet list``)
        self.group = group

    def load(self) -> Callable[..., Any]:
        """The function that implements the command (imports its module)."""
        function: Callable[..., Any] = getattr(import_module(self.module), self.function)
        return function

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self.module!r}, {self.function!r})"


_AUTH = "pushctl.cli.auth"
_PUSHERS = "pushctl.cli.pushers"
_BULK = "pushctl.cli.bulk"
_SUPPORT = "pushctl.cli.support"
_SHELL = "pushctl.cli.shell"
_FLEET = "pushctl.cli.fleet"
_DOCTOR = "pushctl.cli.doctor"
_SELECTION = "pushctl.cli.selection"

#: logging in, one pusher at a time, files, support work, the shell
COMMANDS = (
    Command("login", _AUTH, "login_command", "Log in and keep the access token in the OS keyring."),
    Command(
        "logout",
        _AUTH,
        "logout_command",
        "Forget the stored token; with --revoke also end the session on the server.",
    ),
    Command(
        "status",
        _AUTH,
        "status_command",
        "Show who the token belongs to, where it came from, and the server's versions.",
    ),
    Command("list", _PUSHERS, "list_command", "Show the pushers of the account."),
    Command("set", _PUSHERS, "set_command", "Create or replace one pusher."),
    Command("delete", _SELECTION, "delete_command", "Delete one pusher, or a selection of them."),
    Command(
        "pause",
        _SELECTION,
        "pause_command",
        "Stop a pusher's notifications without deleting it.",
    ),
    Command(
        "resume",
        _SELECTION,
        "resume_command",
        "Turn a paused pusher's notifications back on.",
    ),
    Command(
        "import",
        _BULK,
        "import_command",
        "Make the account's pushers match a file: validate, plan, confirm, apply.",
    ),
    Command("export", _BULK, "export_command", "Write the account's pushers in the import format."),
    Command(
        "validate",
        _BULK,
        "validate_command",
        "Check an import file offline: no server, no token (for CI pipelines).",
    ),
    Command(
        "test",
        _SUPPORT,
        "test_command",
        "Send a test notification straight to each pusher's push gateway.",
    ),
    Command(
        "prune",
        _SUPPORT,
        "prune_command",
        "Delete dead pushers: rejected by their gateway, or of a device long unseen.",
    ),
    Command("doctor", _DOCTOR, "doctor_command", "Find out why an account gets no notifications."),
    Command(
        "fleet",
        _FLEET,
        "fleet_app",
        "Every local user's pushers, for Synapse server admins: list, stats, move, delete.",
        group=True,
    ),
    Command(
        "completion",
        _SHELL,
        "completion_command",
        "Print the Tab completion script for bash, zsh or fish.",
    ),
)

NAMES = tuple(command.name for command in COMMANDS)
