"""``doctor``: why does this account get no notifications?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from pushctl.cli.account import target
from pushctl.cli.common import environment, settings
from pushctl.cli.hints import annotate
from pushctl.cli.host import SynapseConfigOption
from pushctl.cli.output import output_options
from pushctl.cli.reads import synapse_config
from pushctl.cli.selectors import UserOption
from pushctl.doctor import Finding, Report, collect
from pushctl.doctor.findings import plural
from pushctl.errors import ProblemsFound
from pushctl.homeserver_host import doctoring
from pushctl.output import render
from pushctl.output.environment import Environment
from pushctl.output.escaping import escape
from pushctl.output.formats import Format

_MARK = {"problem": "PROBLEM", "warning": "warning", "info": "info"}


@output_options()
def doctor_command(
    ctx: typer.Context,
    output: Format = Format.TABLE,
    user: UserOption = None,
    no_push: Annotated[
        bool,
        typer.Option(
            "--no-push", help="Do not send test notifications (they can reach the device)."
        ),
    ] = False,
    synapse_config: SynapseConfigOption = None,
) -> None:
    """Find out why an account gets no notifications."""

    env = environment(ctx)
    where = target(ctx, user)
    report = collect.run(where, settings(ctx), push=not no_push, on_revoke_failure=env.warn)
    if synapse_config:
        _homeserver_side(report, synapse_config, where.user_id or where.client.whoami()["user_id"])
    report.findings = [_worded(f, annotate) for f in report.findings]
    if output is Format.JSON:
        env.write(render.dump_json(report.as_json()))
    else:
        _write_report(env, report)
    if report.problems:
        raise ProblemsFound(
            f"found {plural(report.problems, 'problem')} and {plural(report.warnings, 'warning')}"
        )


def _homeserver_side(report: Report, paths: list[str], user_id: str) -> None:
    """The homeserver's verdicts replace doctor's guess about private addresses."""

    found = doctoring.findings(synapse_config(paths, "doctor"), str(user_id))
    report.findings = [f for f in report.findings if f.check != doctoring.GUESS] + found


def _worded(finding: Finding, annotate: Callable[[str], str]) -> Finding:
    from dataclasses import replace

    return replace(finding, message=annotate(finding.message))


def _write_report(env: Environment, report: Report) -> None:

    lines: list[str] = []
    for area, findings in report.by_area():
        lines.append(f"{area}:")
        for finding in findings:
            lines.append(
                f"  {_MARK[finding.severity]:<8} {finding.check}: {escape(finding.message)}"
            )
            lines.append(f"           fix: {escape(finding.advice)}")
    for skipped in report.not_checked:
        lines.append(f"not checked: {skipped.area}: {escape(skipped.reason)}")
    lines.append(_verdict(report, plural))
    env.write("\n".join(lines) + "\n")


def _verdict(report: Report, plural: Callable[[int, str], str]) -> str:
    if report.problems:
        return (
            f"Verdict: notifications are blocked or lost: {plural(report.problems, 'problem')}, "
            f"{plural(report.warnings, 'warning')}."
        )
    if report.warnings:
        return f"Verdict: no problem found; {plural(report.warnings, 'warning')} worth a look."
    return "Verdict: no problem found: pushers, gateways and push rules look right."
