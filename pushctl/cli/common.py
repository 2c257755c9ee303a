"""What every command shares: settings from the context, prompts, messages.

``json`` and ``logging`` are imported where they are used: this module is
loaded by every run, Tab completion included.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from pushctl.errors import ExitStatus, UsageError, redact_known
from pushctl.settings import Settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
DryRunDelete = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
]


if TYPE_CHECKING:
    import logging


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def report_error(message: str, status: int, as_json: bool) -> None:
    message = redact_known(message)
    if as_json:
        import json

        sys.stderr.write(json.dumps({"error": {"code": int(status), "message": message}}) + "\n")
    else:
        sys.stderr.write(f"pushctl: error: {message}\n")


def warn(message: str) -> None:
    sys.stderr.write(f"pushctl: warning: {redact_known(message)}\n")


def info(message: str) -> None:
    sys.stderr.write(f"{redact_known(message)}\n")


def _redact_record(record: logging.LogRecord) -> bool:
    record.msg = redact_known(record.getMessage())
    record.args = None
    return True


def setup_verbose() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pushctl: %(name)s: %(message)s"))
    handler.addFilter(_redact_record)
    logger = logging.getLogger("pushctl")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str, yes: bool, flag: str = "--yes") -> None:
    """Go on only if the user agreed; never prompt without a terminal."""
    if yes:
        return
    if not is_interactive():
        raise UsageError(f"{question.rstrip('?')}: refusing without a terminal; pass {flag}")
    if not typer.confirm(question, default=False, err=True):
        info("cancelled: nothing was changed")
        raise typer.Exit(ExitStatus.ERROR)


def parse_assignments(items: Iterable[str], flag: str) -> dict[str, object]:
    """``KEY=VALUE`` pairs as strings; ``KEY:=JSON`` for other types (as httpie does)."""
    import json

    result: dict[str, object] = {}
    for item in items:
        if ":=" in item and item.index(":=") < item.index("=") + 1:
            key, raw = item.split(":=", 1)
            try:
                result[key] = json.loads(raw)
            except ValueError:
                raise UsageError(f"{flag} {item!r}: the value after := is not JSON") from None
        elif "=" in item:
            key, value = item.split("=", 1)
            result[key] = value
        else:
            raise UsageError(f"{flag} {item!r}: expected KEY=VALUE or KEY:=JSON")
        if not key:
            raise UsageError(f"{flag} {item!r}: the key is empty")
    return result
