"""What every command shares: settings and the environment from the context, prompts.

``json`` and ``logging`` are imported where they are used: this module is
loaded by every run, Tab completion included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from pushctl.accounts.settings import Settings
from pushctl.errors import ExitStatus, UsageError
from pushctl.output.environment import Environment, clean

YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
DryRunDelete = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
]


if TYPE_CHECKING:
    import logging

#: where the run's Environment is kept in the context (click's ``meta`` is shared by
#: the whole tree of contexts of one run)
ENVIRONMENT_KEY = "pushctl.output.environment"


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def environment(ctx: typer.Context) -> Environment:
    """The run's streams and terminal rules, as :func:`pushctl.cli.main` made them."""
    env = ctx.meta.get(ENVIRONMENT_KEY)
    if not isinstance(env, Environment):
        env = ctx.obj if isinstance(ctx.obj, Environment) else Environment.create()
        ctx.meta[ENVIRONMENT_KEY] = env
    return env


def _clean_record(record: logging.LogRecord) -> bool:
    record.msg = clean(record.getMessage())
    record.args = None
    return True


def setup_verbose(env: Environment) -> None:
    """Trace HTTP requests on stderr, with secrets hidden and control characters escaped."""
    import logging

    handler = logging.StreamHandler(env.stderr)
    handler.setFormatter(logging.Formatter("pushctl: %(name)s: %(message)s"))
    handler.addFilter(_clean_record)
    logger = logging.getLogger("pushctl")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def confirm(env: Environment, question: str, yes: bool, flag: str = "--yes") -> None:
    """Go on only if the user agreed; never prompt without a terminal."""
    if yes:
        return
    if not env.can_prompt:
        raise UsageError(f"{question.rstrip('?')}: refusing without a terminal; pass {flag}")
    if not env.confirm(question):
        env.info("cancelled: nothing was changed")
        raise typer.Exit(ExitStatus.ERROR)


def _not_a_json_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity


def parse_assignments(items: Iterable[str], flag: str) -> dict[str, object]:
    """``KEY=VALUE`` pairs as strings; ``KEY:=JSON`` for other types (as httpie does)."""
    import json

    result: dict[str, object] = {}
    for item in items:
        if ":=" in item and item.index(":=") < item.index("=") + 1:
            key, raw = item.split(":=", 1)
            try:
                result[key] = json.loads(raw, parse_constant=_not_a_json_constant)
            except (ValueError, RecursionError):
                raise UsageError(f"{flag} {item!r}: the value after := is not JSON") from None
        elif "=" in item:
            key, value = item.split("=", 1)
            result[key] = value
        else:
            raise UsageError(f"{flag} {item!r}: expected KEY=VALUE or KEY:=JSON")
        if not key:
            raise UsageError(f"{flag} {item!r}: the key is empty")
    return result
