"""The quick path: read-only runs that scripts repeat, without building the Typer app.

``pushctl fleet list --json --synapse-config PATH`` is what a monitoring
script on the homeserver's host runs every minute. Importing Typer alone takes
about as long as a bare Python script needs to read Synapse's pushers table
and write it as JSON (benchmarks/host.py), so a command line made only of the
words of :data:`COMMANDS` runs here, through the same functions the Typer
commands call (:mod:`pushctl.cli.reads`).

Any other line goes whole to Typer, which runs it or says what is wrong: a
word not listed here (a misspelt or unknown flag, ``-v``, ``--help``, a global
option, ``--``), a value that looks like a flag, two formats, a table for a
person, or no Synapse configuration (the admin API is read then). So this
path never words a usage error of its own. ``tests/test_quick.py`` holds these
words to the Typer commands' own options, and what each line prints to what
Typer prints for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pushctl.output.environment import Environment
from pushctl.output.formats import Format

#: the option every quick command takes, repeatable, with its environment variable
SYNAPSE_CONFIG = "--synapse-config"

Show = Callable[[Environment, Any, Format, Mapping[str, str]], None]


class QuickCommand:
    """A command the quick path runs: its words, its output flags and its value options."""

    # a plain class: a dataclass costs this path more than the rest of its own modules
    __slots__ = ("formats", "options", "show", "words")

    def __init__(
        self, words: tuple[str, ...], formats: Mapping[str, Format], options: Mapping[str, str],
        show: Show,
    ) -> None:  # fmt: skip
        self.words = words
        #: each output flag, and the format it chooses
        self.formats = formats
        #: each option taking a value, and the keyword :attr:`show` takes it as
        self.options = options
        self.show = show


def _show_list(env: Environment, inventory: Any, output: Format, given: Mapping[str, str]) -> None:
    from pushctl.cli import reads

    reads.show_list(env, inventory, output, **given)


def _show_stats(env: Environment, inventory: Any, output: Format, _: Mapping[str, str]) -> None:
    from pushctl.cli import reads

    reads.show_stats(env, inventory, output)


COMMANDS = (
    QuickCommand(
        ("fleet", "list"),
        {"--json": Format.JSON, "--csv": Format.CSV},
        {"--gateway": "gateway", "--app-id": "app_id"},
        _show_list,
    ),
    QuickCommand(("fleet", "stats"), {"--json": Format.JSON}, {}, _show_stats),
)


class Parsed:
    __slots__ = ("command", "given", "output", "paths")

    def __init__(
        self, command: QuickCommand, output: Format, given: dict[str, str], paths: list[str]
    ) -> None:
        self.command = command
        self.output = output
        #: the values of the command's options, by keyword
        self.given = given
        self.paths = paths


def run(args: Sequence[str], env: Environment) -> int | None:
    """Run *args* here and give its exit status, or None when Typer must run it."""
    parsed = parse(args, env.environ)
    if parsed is None:
        return None
    from pushctl.cli import reads

    inventory = reads.read_inventory(parsed.paths)
    parsed.command.show(env, inventory, parsed.output, parsed.given)
    return 0


def parse(args: Sequence[str], environ: Mapping[str, str]) -> Parsed | None:
    """*args* read as click reads them, or None for a line this path leaves to Typer."""
    command = next((c for c in COMMANDS if tuple(args[: len(c.words)]) == c.words), None)
    if command is None:
        return None
    output: Format | None = None
    given: dict[str, str] = {}
    paths: list[str] = []
    words = iter(args[len(command.words) :])
    for word in words:
        name, equals, value = word.partition("=")
        if name in command.formats and not equals:
            if output not in (None, command.formats[name]):
                return None  # two formats: Typer says they exclude each other
            output = command.formats[name]
            continue
        if name not in command.options and name != SYNAPSE_CONFIG:
            return None
        if not equals:
            following = next(words, None)
            if following is None or following.startswith("-"):
                return None
            value = following
        if name == SYNAPSE_CONFIG:
            paths.append(value)
        else:
            given[command.options[name]] = value  # the last one counts, as in click
    if not paths:  # click splits a repeatable option's variable at whitespace
        from pushctl.homeserver_host.config import ENV_SYNAPSE_CONFIG

        paths = environ.get(ENV_SYNAPSE_CONFIG, "").split()
    if output is None or not paths:
        return None
    return Parsed(command, output, given, paths)
