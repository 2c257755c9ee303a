"""The output flags, declared once.

:func:`output_options` gives a command ``--json`` and whichever of ``--yaml``
and ``--csv`` it offers, refuses two of them at once, and hands the command
the chosen :class:`~pushctl.output.formats.Format` as its ``output`` parameter (as
sqlite-utils' ``output_options`` serves every command). Every write run ends the
same way through :func:`pushctl.cli.ending.finish`, apart from this module:
Tab and ``--help`` load the flags of every command, and only runs need the ending.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from pushctl.cli import compat
from pushctl.errors import UsageError
from pushctl.output.formats import Format

Command = TypeVar("Command", bound=Callable[..., Any])

#: each format's flag and help; a table needs none (it is what a command shows without one)
FLAGS: dict[Format, tuple[str, str]] = {
    Format.JSON: ("--json", "Machine-readable JSON on stdout."),
    Format.YAML: ("--yaml", "YAML on stdout."),
    Format.CSV: ("--csv", "CSV on stdout: a header row of field names, whole values."),
    Format.PROMETHEUS: ("--prometheus", "Prometheus text format (node_exporter textfile)."),
}


def output_options(*offered: Format) -> Callable[[Command], Command]:
    """The command with ``--json`` and the flags of *offered*; its ``output`` gets the choice."""
    formats = (Format.JSON, *offered)

    def decorate(function: Command) -> Command:
        signature = inspect.signature(function, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "output"]
        flags = [_flag(chosen) for chosen in formats]

        @functools.wraps(function)
        def command(**kwargs: Any) -> Any:
            given = [chosen for chosen in formats if kwargs.pop(_name(chosen))]
            if len(given) > 1:
                first, second = (FLAGS[chosen][0] for chosen in given[:2])
                raise UsageError(f"{first} and {second} exclude each other")
            return function(**kwargs, output=given[0] if given else Format.TABLE)

        compat.set_signature(command, signature.replace(parameters=[*kept, *flags]))
        command.output_formats = formats  # type: ignore[attr-defined]
        return command  # type: ignore[return-value]

    return decorate


def _name(chosen: Format) -> str:
    return f"as_{chosen.value}"


def _flag(chosen: Format) -> inspect.Parameter:
    flag, help_text = FLAGS[chosen]
    return inspect.Parameter(
        _name(chosen),
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option(flag, help=help_text)],
    )
