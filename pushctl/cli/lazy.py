"""A Typer app that turns a command's function into a click command only when needed.

Typer inspects every parameter of every registered command (type hints,
defaults, help) before it parses a single argument. That costs a few
milliseconds per command, on every run: ``--version`` and each Tab press would
pay for all commands, and more with each new one. Here the root group holds
the registered commands unbuilt and builds one the first time it is looked up,
so a run builds the command it runs (or completes) and nothing else. Simple
option values are converted without pydantic (:mod:`pushctl.cli.plain_values`).

Help listings and command-name completion only need a command's name, help
line and visibility, which come straight from the registration.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.shell_completion import CompletionItem
from typer._click.utils import make_default_short_help
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo

from pushctl.cli.plain_values import use_plain_values

#: What a global option given after the command does: ``(context, name, value)``.
LateGlobal = Callable[[Any, str, Any], None]


class Typer(typer.Typer):
    """``typer.Typer`` whose top-level commands are built lazily when it is called.

    With *late_global*, the root's options are also accepted after the command
    (``pushctl list -v``), as gh and kubectl accept theirs; *late_global* applies
    such a value once the root's own callback has run.
    """

    def __init__(self, *args: Any, late_global: LateGlobal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.late_global = late_global

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return build(self)(*args, **kwargs)


def build(app: typer.Typer) -> Command:
    """The root click group of *app*, with its commands left unbuilt."""
    shell = copy.copy(app)
    shell.registered_commands = []
    group = get_group(shell)
    if not isinstance(group, LazyGroup):
        raise TypeError("the app needs cls=LazyGroup")
    use_plain_values(group.params)

    def make(info: CommandInfo) -> Command:
        if info.cls in (None, TyperCommand):
            info = copy.copy(info)
            info.cls = PlainCommand
        command = get_command_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
        )
        use_plain_values(command.params)
        late_global = getattr(app, "late_global", None)
        if late_global is not None:
            add_global_options(command, group.params, late_global)
        return command

    group.commands = LazyCommands(app.registered_commands, make, built=group.commands)
    return group


def add_global_options(command: Command, options: list[Any], apply: LateGlobal) -> None:
    """Accept the root's options after the command too, hidden from its help.

    An option the command has itself (``login --homeserver``) keeps its own meaning.
    """
    taken = {name for param in command.params for name in param.opts + param.secondary_opts}
    for option in options:
        if option.name in ("version", "help") or set(option.opts) & taken:
            continue
        late = copy.copy(option)
        late.hidden = True
        late.expose_value = False
        late.envvar = None
        late.default = False if option.is_flag else None
        late.callback = _late_callback(apply)
        command.params.append(late)


def _late_callback(apply: LateGlobal) -> Callable[[Context, Any, Any], None]:
    def callback(ctx: Context, param: Any, value: Any) -> None:
        from typer._click.core import ParameterSource

        if ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
            apply(ctx, param.name, value)

    return callback


def command_name(info: CommandInfo) -> str:
    if info.name:
        return info.name
    assert info.callback is not None
    return info.callback.__name__.lower().replace("_", "-")


class LazyCommands(MutableMapping[str, Command]):
    """Commands by name, in registration order; each built on first access."""

    def __init__(
        self,
        infos: list[CommandInfo],
        make: Callable[[CommandInfo], Command],
        built: MutableMapping[str, Command] | None = None,
    ) -> None:
        self._make = make
        self._pending = {command_name(info): info for info in infos}
        self._built: dict[str, Command] = dict(built or {})
        self._order = [*self._built, *(n for n in self._pending if n not in self._built)]

    def pending(self, name: str) -> CommandInfo | None:
        return self._pending.get(name)

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            self._built[name] = self._make(self._pending.pop(name))
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._order:
            self._order.append(name)
        self._pending.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._order:
            raise KeyError(name)
        self._order.remove(name)
        self._pending.pop(name, None)
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._pending or name in self._built

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


class PlainCommand(TyperCommand):
    """A command whose help flag, too, is converted without pydantic."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        use_plain_values([option] if option else [])
        return option


class LazyGroup(TyperGroup):
    """A group that lists and describes its commands without building them."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        use_plain_values([option] if option else [])
        return option

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return self.commands.get(cmd_name)

    def summary(self, name: str, limit: int = 45) -> tuple[bool, str] | None:
        """``(hidden, short help)`` of a command, without building it."""
        info = self.commands.pending(name) if isinstance(self.commands, LazyCommands) else None
        if info is None:
            command = self.commands.get(name)
            return None if command is None else (command.hidden, command.get_short_help_str(limit))
        return info.hidden, short_help(info, limit)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        limit = formatter.width - 6 - max((len(n) for n in self.commands), default=0)
        for name in self.list_commands(ctx):
            found = self.summary(name, limit)
            if found and not found[0]:
                rows.append((name, found[1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        results = []
        for name in self.list_commands(ctx):
            found = self.summary(name) if name.startswith(incomplete) else None
            if found and not found[0]:
                results.append(CompletionItem(name, help=found[1]))
        # the group's own options, as click offers them
        results.extend(Command.shell_complete(self, ctx, incomplete))
        return results


def short_help(info: CommandInfo, limit: int = 45) -> str:
    if info.short_help:
        text = inspect.cleandoc(info.short_help)
    else:
        doc = info.help if info.help is not None else inspect.getdoc(info.callback)
        text = make_default_short_help(inspect.cleandoc(doc or ""), limit)
    if info.deprecated:
        text = f"{text} (DEPRECATED)"
    return text.strip()
