"""``fleet health`` and ``fleet gateways``, and ``--synapse-config`` for the commands that take it.

On the homeserver's host, these read Synapse's own configuration and database
(:mod:`pushctl.homeserver_host`); they need no access token and write nothing.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from pushctl import collector
from pushctl.cli.common import environment, settings
from pushctl.cli.output import output_options
from pushctl.cli.reads import synapse_config
from pushctl.errors import ProblemsFound, PushctlError, UsageError
from pushctl.files import replace_file
from pushctl.homeserver_host import blocklist, config, database, gateways, health
from pushctl.homeserver_host.config import SynapseConfig
from pushctl.homeserver_host.gateways import Gateway
from pushctl.homeserver_host.health import FAILING, Checked
from pushctl.output import render
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.runs.gateway import ProbeSettings
from pushctl.words import plural

SynapseConfigOption = Annotated[
    list[str] | None,
    typer.Option(
        "--synapse-config",
        metavar="PATH",
        envvar=config.ENV_SYNAPSE_CONFIG,
        help="Synapse's config file or directory of *.yaml (repeatable, merged as Synapse "
        "does): read its database instead of the admin API.",
    ),
]


# -- fleet health ------------------------------------------------------------------


@output_options(Format.PROMETHEUS)
def health_command(
    ctx: typer.Context,
    paths: SynapseConfigOption = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every pusher, not only those with a problem.")
    ] = False,
    destination: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="With --prometheus: write FILE."),
    ] = None,
    output: Format = Format.TABLE,
) -> None:
    """Failing pushers and pushers nothing will remove, from Synapse's database."""

    if destination is not None and output is not Format.PROMETHEUS:
        raise UsageError("--output goes with --prometheus")
    found = synapse_config(paths, "fleet health")
    env = environment(ctx)
    with collector.paused():
        _health(env, found, show_all, output, destination)


def _health(
    env: Environment,
    found: SynapseConfig,
    show_all: bool,
    output: Format,
    destination: str | None,
) -> None:

    with database.opened(found.database) as reader:
        checked = health.check(database.pushers(reader))
    now_ms = int(time.time() * 1000)
    if output is Format.PROMETHEUS:
        _write_prometheus(env, health.prometheus_text(checked, now_ms), destination)
        return
    shown = checked if show_all else [c for c in checked if c.problems]
    if output is Format.JSON:
        render.write_json(env, health.as_json(checked, shown, now_ms))
    else:
        _health_report(env, checked, shown, now_ms)
    _failing_fails(checked)


def _write_prometheus(env: Environment, text: str, destination: str | None) -> None:
    if destination is None or destination == "-":
        env.write(text)
        return
    from pathlib import Path

    try:  # the textfile collector must never read half a file: replaced whole, readable
        replace_file(Path(destination), text, mode=0o644)
    except OSError as exc:
        raise PushctlError(f"cannot write {destination}: {exc.strerror or exc}") from None


def _health_report(
    env: Environment, checked: list[Checked], shown: list[Checked], now_ms: int
) -> None:

    def pushkey(value: str) -> str:
        return render.shorten(value) if env.stdout_drawn else value

    rows = [
        [
            str(c.stored.pusher["user_id"]),
            str(c.stored.pusher["app_id"]),
            pushkey(str(c.stored.pusher["pushkey"])),
            c.url or "",
            str(c.stored.pusher["device_id"] or ""),
            health.iso(c.stored.failing_since) or "",
            health.iso(c.stored.last_success) or "",
            " ".join(c.problems),
        ]
        for c in shown
    ]
    columns = ("USER", "APP ID", "PUSHKEY", "GATEWAY", "DEVICE", "FAILING SINCE", "LAST SUCCESS")
    render.table(env, (*columns, "PROBLEMS"), rows)
    summary = health.summary(checked, now_ms)
    env.write("\n")
    render.table(
        env,
        ("GATEWAY", "PUSHERS", "FAILING", "NO DEVICE"),
        [_counts(g, "gateway") for g in summary["by_gateway"]],
    )
    env.write("\n")
    render.table(
        env,
        ("APP ID", "PUSHERS", "FAILING", "NO DEVICE"),
        [_counts(a, "app_id") for a in summary["by_app_id"]],
    )
    _explain(env, summary)


def _counts(group: dict[str, object], key: str) -> list[str]:
    numbers = (str(group[k]) for k in ("pushers", "failing", "no_device"))
    return [str(group[key] or "(none)"), *numbers]


def _explain(env: Environment, summary: dict[str, int]) -> None:
    if summary["failing"]:
        dropping = summary["dropping"]
        env.info(
            f"problem: pusher.failing: the homeserver has failed to deliver to "
            f"{_count(summary['failing'], 'pusher')} since FAILING SINCE"
            + (
                f"; {dropping} for more than 24 h: Synapse is dropping their notifications"
                if dropping
                else ""
            )
        )
    if summary["no_device"]:
        env.info(
            f"warning: pusher.no-device: {_count(summary['no_device'], 'pusher')} with no "
            "device and no token: no logout or device deletion will ever remove them"
        )
    env.info(f"{_count(summary['pushers'], 'pusher')} in Synapse's database")


def _failing_fails(checked: list[Checked]) -> None:

    failing = sum(1 for c in checked if FAILING in c.problems)
    if failing:
        raise ProblemsFound(f"{_count(failing, 'pusher')} failing")


# -- fleet gateways ----------------------------------------------------------------


@output_options()
def gateways_command(
    ctx: typer.Context,
    paths: SynapseConfigOption = None,
    no_probe: Annotated[
        bool, typer.Option("--no-probe", help="Do not contact the gateways from this host.")
    ] = False,
    output: Format = Format.TABLE,
) -> None:
    """Each gateway of the pushers, and whether the homeserver may push to it."""

    found = synapse_config(paths, "fleet gateways")
    rules = blocklist.Rules.of(found.ip_blocklist, found.ip_allowlist)
    env = environment(ctx)
    with database.opened(found.database) as reader, collector.paused():
        counts = gateways.urls(s.pusher for s in database.pushers(reader))
    probe = None if no_probe else ProbeSettings.from_settings(settings(ctx))
    judged = gateways.judge_all(counts, rules, probe)
    if output is Format.JSON:
        env.write(render.dump_json({"gateways": [g.as_json() for g in judged]}))
    else:
        _gateways_report(env, judged)
    refused = [g for g in judged if g.problem]
    if refused:
        raise ProblemsFound(
            f"the homeserver cannot push to {_count(len(refused), 'gateway')} of {len(judged)}"
        )


def _gateways_report(env: Environment, judged: list[Gateway]) -> None:

    rows = []
    for item in judged:
        fields = item.as_json()
        probe = fields["probe"]
        rows.append(
            [
                item.url,
                str(item.pushers),
                item.verdict.verdict,
                ", ".join(item.verdict.addresses),
                fields["blocked_by"] or "",
                "" if probe is None else probe["result"],
            ]
        )
    render.table(env, ("GATEWAY", "PUSHERS", "VERDICT", "ADDRESSES", "BLOCKED BY", "PROBE"), rows)
    for item in judged:
        advice = item.as_json()["advice"]
        if advice:
            env.info(f"{item.url}: {item.verdict.verdict}: {advice}")


def _count(number: int, noun: str) -> str:
    return plural(number, noun)
