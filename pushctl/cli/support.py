"""Support work: ``test`` and ``prune``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any

import typer

from pushctl.cli.account import target
from pushctl.cli.common import DryRunDelete, YesFlag, confirm, environment, settings
from pushctl.cli.ending import finish
from pushctl.cli.hints import annotate
from pushctl.cli.output import output_options
from pushctl.cli.selectors import UserOption
from pushctl.cli.writes import deletion_words, pusher_name
from pushctl.errors import PartialFailure, UsageError
from pushctl.output import plain, render
from pushctl.output.columns import gateway_label
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.output.plain import Cell
from pushctl.pushers import model
from pushctl.pushers.devices import parse_duration
from pushctl.runs import gateway
from pushctl.runs.deleting import delete_pushers
from pushctl.runs.gateway import Probe, ProbeSettings
from pushctl.runs.guard import for_target
from pushctl.runs.outcomes import Picked, deleted
from pushctl.runs.prune import Plan, Verdict, find_dead
from pushctl.words import plural

# -- test ----------------------------------------------------------------------


@output_options()
def test_command(
    ctx: typer.Context,
    app_id: Annotated[
        str | None, typer.Option("--app-id", metavar="ID", help="Only this app ID.")
    ] = None,
    pushkey: Annotated[
        str | None, typer.Option("--pushkey", metavar="KEY", help="Only this pushkey.")
    ] = None,
    user: UserOption = None,
    wide: Annotated[bool, typer.Option("--wide", help="Show full pushkeys and URLs.")] = False,
    output: Format = Format.TABLE,
) -> None:
    """Send a test notification straight to each pusher's push gateway."""

    env = environment(ctx)
    options = settings(ctx)
    found = model.select(target(ctx, user).pushers(), app_id=app_id, pushkey=pushkey)
    if not found:
        env.info("no pusher matches: nothing to test")
        if output is Format.JSON:
            env.write(render.dump_json([]))
        return
    event_id = gateway.new_event_id()
    env.info(f"sending test event {event_id} to {_count(len(found))}")
    probing = gateway.ProbeSettings.from_settings(options)
    probes = [
        replace(p, reason=annotate(p.reason))
        for p in gateway.probe_all(found, probing, event_id=event_id)
    ]
    if output is Format.JSON:
        env.write(render.dump_json([{**p.as_json(), "event_id": event_id} for p in probes]))
    else:
        _probes_table(env, probes, wide)
    missed = [p for p in probes if not p.delivered]
    if missed:
        raise PartialFailure(
            f"{len(missed)} of {_count(len(probes))} not delivered: "
            + "; ".join(f"{pusher_name(p.pusher)}: {p.result} ({p.reason})" for p in missed)
        )


def _probes_table(env: Environment, probes: Sequence[Probe], wide: bool) -> None:

    rows: list[list[str | Cell]] = [
        [
            str(p.pusher.get("app_id", "")),
            _pushkey(p.pusher, wide),
            str(p.pusher.get("device_display_name", "")),
            gateway_label(p.pusher, wide),
            plain.Cell(p.result, p.result),
            p.reason,
        ]
        for p in probes
    ]
    columns = ["App ID", "Pushkey", "Device", "Gateway", "Result", "Reason"]
    render.table(env, columns, rows)


# -- prune ---------------------------------------------------------------------


@output_options()
def prune_command(
    ctx: typer.Context,
    rejected: Annotated[
        bool, typer.Option("--rejected", help="Pushers whose gateway rejects the pushkey.")
    ] = False,
    inactive: Annotated[
        str | None,
        typer.Option(
            "--inactive",
            metavar="DURATION",
            help="Pushers whose device has not been seen for this long (90d, 12h, 2w).",
        ),
    ] = None,
    app_id: Annotated[
        str | None, typer.Option("--app-id", metavar="ID", help="Only this app ID.")
    ] = None,
    user: UserOption = None,
    dry_run: DryRunDelete = False,
    yes: YesFlag = False,
    output: Format = Format.TABLE,
) -> None:
    """Delete dead pushers: rejected by their gateway, or of a device long unseen."""

    words = deletion_words()
    if not rejected and inactive is None:
        raise UsageError("say what to prune: --rejected, --inactive DURATION, or both")
    idle = parse_duration(inactive) if inactive is not None else None
    env = environment(ctx)
    probing = ProbeSettings.from_settings(settings(ctx))
    where = target(ctx, user)
    plan = _worded(
        find_dead(where, rejected=rejected, inactive_seconds=idle, app_id=app_id, probing=probing)
    )
    doomed, undecided = _picked(plan.doomed), _picked(plan.undecided)
    if output is not Format.JSON:
        _show_plan(env, plan, dry_run)
    if dry_run or not plan.doomed:
        finish(env, deleted(doomed, None, words, dry_run=dry_run, undecided=undecided), output)
        return
    whose = f" of {user}" if user else ""
    if output is Format.JSON and not yes and env.can_prompt:  # a question with its subject
        _show_plan(env.on_stderr(), plan, dry_run=False)
    confirm(env, f"Delete {_count(len(plan.doomed))}{whose}?", yes)

    with where.writer(on_revoke_failure=env.warn) as client:
        pushers = [v.pusher for v in plan.doomed]
        guarded = for_target(where)
        report = delete_pushers(client, pushers, guard=guarded, whose=where.whose()).report
    finish(env, deleted(doomed, report, words, dry_run=False, undecided=undecided), output)


def _picked(verdicts: list[Verdict]) -> list[Picked]:
    return [(v.pusher, v.reason) for v in verdicts]


def _worded(plan: Plan) -> Plan:
    """The plan with the flag that gets past a reason named in it."""

    def worded(verdicts: list[Verdict]) -> list[Verdict]:
        return [replace(v, reason=annotate(v.reason)) for v in verdicts]

    return Plan(worded(plan.doomed), worded(plan.undecided))


def _show_plan(env: Environment, plan: Plan, dry_run: bool) -> None:
    if plan.undecided:
        env.info(f"Keeping {_count(len(plan.undecided))} whose state cannot be told:")
        _verdicts_table(env, plan.undecided, doomed=False)
    if not plan.doomed:
        env.info("no dead pushers found: nothing to delete")
        return
    env.info(f"{'Would delete' if dry_run else 'Will delete'} {_count(len(plan.doomed))}:")
    _verdicts_table(env, plan.doomed, doomed=True)


def _verdicts_table(env: Environment, verdicts: Sequence[Any], doomed: bool) -> None:

    rows: list[list[str | Cell]] = [
        [
            str(v.pusher.get("app_id", "")),
            _pushkey(v.pusher, False),
            str(v.pusher.get("device_display_name", "")),
            plain.Cell(v.reason, _verdict_state(v.reason, doomed)),
        ]
        for v in verdicts
    ]
    render.table(env, ["App ID", "Pushkey", "Device", "Reason"], rows)


def _verdict_state(reason: str, doomed: bool) -> str:
    """The colour of a reason on a terminal (only that: the words stay the core's)."""
    if not doomed:
        return "undecided"
    return "rejected" if "gateway rejects" in reason else "inactive"


# -- small things --------------------------------------------------------------


def _pushkey(pusher: model.Pusher, wide: bool) -> str:

    value = str(pusher.get("pushkey", ""))
    return value if wide else render.shorten(value)


def _count(number: int) -> str:
    return plural(number, "pusher")
