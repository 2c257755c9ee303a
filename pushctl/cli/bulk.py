"""``import``, ``export`` and ``validate``: many pushers at once, from and to a file."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from pushctl import importfile
from pushctl.cli.account import target
from pushctl.cli.common import YesFlag, confirm, environment
from pushctl.cli.ending import finish
from pushctl.cli.hints import outcome_error
from pushctl.cli.output import output_options
from pushctl.cli.selectors import UserOption
from pushctl.errors import InvalidInput, PushctlError, UsageError
from pushctl.files import write_output
from pushctl.importfile import Document, FileProblem
from pushctl.output import export, plain, render
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.pushers import model
from pushctl.pushers import plan as planning
from pushctl.pushers.plan import Action, Change, Plan
from pushctl.runs import executor, guard
from pushctl.runs.outcomes import imported
from pushctl.runs.report import Report
from pushctl.runs.verdict import Words
from pushctl.words import plural


class FileFormat(str, enum.Enum):
    """What ``export --format`` writes: the import format as YAML or JSON."""

    yaml = "yaml"
    json = "json"


FileArgument = Annotated[
    str, typer.Argument(metavar="FILE", help="YAML or JSON file of pushers; - reads stdin.")
]


# -- import ----------------------------------------------------------------------


@output_options()
def import_command(
    ctx: typer.Context,
    file: FileArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Also delete the pushers the file lacks.")
    ] = False,
    yes: YesFlag = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=64,
            metavar="N",
            help="At most N writes in flight (default: as many as the server takes, up to 32).",
        ),
    ] = None,
    user: UserOption = None,
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Remove each pushkey of the file from every other account (append: false).",
        ),
    ] = False,
    output: Format = Format.TABLE,
) -> None:
    """Make the account's pushers match a file: validate, plan, confirm, apply."""

    env = environment(ctx)
    document = _load_valid(env, file)
    words = _words(document)
    where = target(ctx, user)
    plan = planning.make_plan(document.entries, where.pushers(), prune=prune, take_over=take_over)
    as_json = output is Format.JSON
    if not as_json:
        _show_plan(env, plan, dry_run)
    if dry_run or not plan.writes:
        outcome = imported(document.source, plan, None, words, dry_run=dry_run, prune=prune)
        finish(env, outcome, output)
        return
    if as_json and not yes and env.can_prompt:  # a question comes with what it is about
        _show_plan(env.on_stderr(), plan, dry_run)
    confirm(env, _question(env, plan, where.client.homeserver), yes)
    with (
        env.progress("applying", len(plan.writes)) as advance,
        where.writer(on_revoke_failure=env.warn) as client,
    ):
        on_outcome = None if advance is None else lambda outcome: advance(outcome.ok)
        report = executor.apply(
            plan,
            client,
            concurrency=concurrency,
            on_outcome=on_outcome,
            guard=guard.for_target(where),
            whose=where.whose(),
        )
    if not as_json:
        _summary_table(env, plan, report)
    finish(env, imported(document.source, plan, report, words, dry_run=False, prune=prune), output)


def _load_valid(env: Environment, file: str) -> Document:
    """The valid document (warnings shown), or exit 3 listing every error."""

    try:
        document, found_warnings = importfile.load_valid(file, env.stdin)
    except InvalidInput as exc:
        _warn_all(env, importfile.source_name(file), importfile.warnings(exc.problems))
        raise
    _warn_all(env, document.source, found_warnings)
    return document


def _warn_all(env: Environment, source: str, problems: list[FileProblem]) -> None:
    for problem in problems:
        env.warn(problem.format(source))


def _question(env: Environment, plan: Plan, homeserver: str) -> str:
    """What to ask before applying; a warning first when the plan would empty the account."""

    deletes = plan.count(Action.DELETE)
    if deletes and deletes == len(plan.changes):  # said even with --yes: it may be a mistake
        env.warn(
            f"this plan deletes every pusher of the account on {homeserver} ({deletes}) and "
            "sets none: the file lists none of them"
        )
        return f"Delete all {_count(deletes, 'pusher')} of the account?"
    return f"Apply {_count(len(plan.writes), 'change')} to {homeserver}?"


def _count(number: int, noun: str) -> str:
    return plural(number, noun)


def _show_plan(env: Environment, plan: Plan, dry_run: bool) -> None:
    """The counts on stderr; one line per write on stdout (unchanged ones only counted)."""

    counts = plan.counts()
    parts = [f"{counts[a.value]} to {a.value}" for a in (Action.CREATE, Action.UPDATE)]
    parts.append(f"{counts['unchanged']} unchanged")
    if counts["delete"]:
        parts.append(f"{counts['delete']} to delete")
    env.info(("Plan (dry run): " if dry_run else "Plan: ") + ", ".join(parts))
    if not plan.writes:
        env.info("nothing to change")
        return
    _plan_table(env, plan.writes)


PLAN_SIGNS = {"create": "+", "update": "~", "delete": "-"}
TAKE_OVER_NOTE = "removes this pushkey from every other account"
PLAN_COLUMNS = ("ACTION", "WHERE", "APP ID", "PUSHKEY", "DEVICE", "FIELDS")


def _plan_table(env: Environment, changes: list[Change]) -> None:
    """One aligned line per write, as a diff: ``+ create  line 12  APP_ID  PUSHKEY ...``."""

    rows: list[list[str | plain.Cell]] = [
        [
            plain.Cell(
                f"{PLAN_SIGNS[change.action.value]} {change.action.value}", change.action.value
            ),
            "(server)" if change.line is None else f"line {change.line}",
            change.key[0],  # a server's pusher to delete may lack either
            render.shorten(change.key[1]),
            str(change.pusher.get("device_display_name") or ""),
            ", ".join([*change.fields, *[TAKE_OVER_NOTE] * change.take_over]),
        ]
        for change in changes
    ]
    render.table(env, PLAN_COLUMNS, rows)


def _summary_table(env: Environment, plan: Plan, report: Report) -> None:

    rows = []
    for action in Action:
        changes = [c for c in plan.changes if c.action is action]
        if action is Action.UNCHANGED:
            rows.append([action.value, str(len(changes)), *["-"] * 5])
            continue
        failed = sum(1 for o in report.failed if o.change.action is action)
        rows.append(
            [
                action.value,
                str(len(changes)),
                str(report.applied_count(action)),
                plain.Cell(str(failed), "failed") if failed else str(failed),
                str(sum(1 for o in report.skipped if o.change.action is action)),
                str(sum(1 for c in report.not_started if c.action is action)),
                str(sum(1 for c in report.unknown if c.action is action)),
            ]
        )
    columns = ["Action", "Planned", "Applied", "Failed", "Skipped", "Not started", "Unknown"]
    render.table(env, columns, rows)


def _words(document: Document) -> Words:
    """How ``import`` speaks of its run (:mod:`pushctl.runs.verdict`)."""

    return Words(
        again="run the same import again",
        name=lambda change: _change_name(document, change),
        error=outcome_error,
    )


def _change_name(document: Document, change: Change) -> str:

    where = document.source + (f":{change.line}" if change.line is not None else " (server)")
    app_id, pushkey = change.key
    return f"{where}: {change.action.value} {app_id} {render.shorten(pushkey)}"


def _write_json(env: Environment, value: Any) -> None:

    env.write(render.dump_json(value))


# -- export ----------------------------------------------------------------------


@output_options()
def export_command(
    ctx: typer.Context,
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="yaml or json (default: from -o's suffix, else yaml)."),
    ] = None,
    destination: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."),
    ] = None,
    user: UserOption = None,
    output: Format = Format.TABLE,
) -> None:
    """Write the account's pushers in the import format."""

    to_stdout = destination is None or destination == "-"
    if output is Format.JSON and to_stdout:
        raise UsageError(
            "--json summarises an export to a file (-o FILE); "
            "for the pushers themselves as JSON, use --format json"
        )
    env = environment(ctx)
    fmt = file_format.value if file_format else _format_of(destination)
    pushers = target(ctx, user).pushers()
    _warn_unimportable(env, pushers)
    text = export.dump(pushers, fmt)
    if destination is None or to_stdout:
        env.write(text)
        return
    _write_file(destination, text)
    env.info(f"exported {_count(len(pushers), 'pusher')} to {destination}")
    if output is Format.JSON:
        _write_json(env, {"file": destination, "format": fmt, "pushers": len(pushers)})


def _warn_unimportable(env: Environment, pushers: list[model.Pusher]) -> None:
    """Say which server pushers break a rule: the exported file will not import as is."""

    for pusher in pushers:
        errors = model.errors_only(model.validate_pusher(export.exportable(pusher)))
        if errors:
            name = f"{pusher.get('app_id')} {render.shorten(str(pusher.get('pushkey', '')))}"
            problems = "; ".join(str(problem) for problem in errors)
            env.warn(
                f"the server's pusher {name} breaks a rule ({problems}); fix it in the file "
                "before importing it again"
            )


def _format_of(path: str | None) -> str:
    return "json" if path and path.lower().endswith(".json") else "yaml"


def _write_file(path: str, text: str) -> None:
    """Write *path* as ``>`` would, except that a failed export never leaves half a file."""
    from pathlib import Path

    try:
        write_output(Path(path), text)
    except OSError as exc:
        raise PushctlError(f"cannot write {path}: {exc.strerror or exc}") from None


# -- validate --------------------------------------------------------------------


@output_options()
def validate_command(ctx: typer.Context, file: FileArgument, output: Format = Format.TABLE) -> None:
    """Check an import file offline: no server, no token (for CI pipelines)."""

    env = environment(ctx)
    if output is not Format.JSON:
        document = _load_valid(env, file)
        count = _count(len(document.entries), "pusher")
        env.write(f"{document.source}: {count}, valid\n")
        return
    try:
        document, found_warnings = importfile.load_valid(file, env.stdin)
    except InvalidInput as exc:
        problems = exc.problems or [importfile.FileProblem(0, "", exc.message)]
        found = importfile.errors(problems)
        source = importfile.source_name(file)
        _write_json(env, _validation(source, None, found, importfile.warnings(problems)))
        raise
    _write_json(env, _validation(document.source, len(document.entries), [], found_warnings))


def _validation(
    source: str, entries: int | None, errors: list[Any], found_warnings: list[FileProblem]
) -> dict[str, Any]:
    def problem(p: Any) -> dict[str, Any]:
        return {"line": p.line or None, "field": p.field, "message": p.message}

    return {
        "source": source,
        "valid": not errors,
        "entries": entries,
        "errors": [problem(p) for p in errors],
        "warnings": [problem(p) for p in found_warnings],
    }
