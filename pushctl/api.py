"""pushctl as a library: the names here are its promise.

Every other module of pushctl is private and may move between releases; what
a tool built on pushctl needs is here, under these names. The commands are
built on the same functions::

    from pushctl import api

    target = api.connect("https://matrix.example.org", token)
    for pusher in api.list_pushers(target):
        print(pusher["app_id"], pusher["pushkey"])

Failures raise :class:`PushctlError` subclasses; each carries the
``exit_status`` the command line would exit with (:class:`ExitStatus`), a
message that names no command-line flag, and, where a front end has a way
out (log in, give a homeserver, trust a private CA), a ``hint``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import IO, Any

from pushctl.accounts.credentials import ENV_TOKEN
from pushctl.accounts.settings import DEFAULT_PROFILE, Settings
from pushctl.acting.target import Target, open_target
from pushctl.doctor.collect import run as _doctor_run
from pushctl.doctor.findings import Finding
from pushctl.doctor.findings import Report as DoctorReport
from pushctl.errors import (
    AuthError,
    ExitStatus,
    Interrupted,
    InvalidInput,
    MatrixError,
    NetworkError,
    PartialFailure,
    PushctlError,
    ServerError,
    UsageError,
)
from pushctl.importfile import Document, load_valid
from pushctl.output import export as _export
from pushctl.pushers.model import Problem, Pusher, errors_only, validate_pusher, with_state_of
from pushctl.pushers.plan import Action, Change, Plan, make_plan
from pushctl.runs import guard
from pushctl.runs.deleting import delete_pushers
from pushctl.runs.executor import apply
from pushctl.runs.gateway import Probe, ProbeSettings, new_event_id
from pushctl.runs.gateway import probe as _probe
from pushctl.runs.prune import find_dead
from pushctl.runs.report import Report

__all__ = [
    "Action",
    "AuthError",
    "Change",
    "DoctorReport",
    "Document",
    "ExitStatus",
    "Finding",
    "Interrupted",
    "InvalidInput",
    "MatrixError",
    "NetworkError",
    "PartialFailure",
    "Plan",
    "Probe",
    "ProbeSettings",
    "Problem",
    "PushctlError",
    "Pusher",
    "Report",
    "ServerError",
    "Settings",
    "Target",
    "UsageError",
    "apply_plan",
    "connect",
    "delete_pushers",
    "doctor",
    "export",
    "find_dead",
    "list_pushers",
    "open_target",
    "plan_file",
    "probe_gateway",
    "set_pusher",
    "validate",
]


def connect(
    homeserver: str | None = None,
    token: str | None = None,
    *,
    user_id: str | None = None,
    profile: str = DEFAULT_PROFILE,
    environ: Mapping[str, str] | None = None,
    **options: Any,
) -> Target:
    """The account to work on: *token*'s own, or *user_id*'s (as ``--user``).

    Without *token*, the token comes from where the command line finds it
    (``PUSHCTL_ACCESS_TOKEN``, then the stored login of *profile*). *options*
    are the other :class:`Settings` (``timeout``, ``retries``, ``ca_bundle``, …).
    """
    environment = dict(os.environ if environ is None else environ)
    if token is not None:
        environment[ENV_TOKEN] = token
    settings = Settings(homeserver=homeserver, profile=profile, environ=environment, **options)
    return open_target(settings, user_id)


def list_pushers(target: Target) -> list[Pusher]:
    """The account's pushers, as the homeserver reports them."""
    return target.pushers()


def validate(pusher: Mapping[str, Any]) -> list[Problem]:
    """What breaks a rule in *pusher* (errors) or may not work (``warning`` set)."""
    return validate_pusher(pusher)


def set_pusher(target: Target, pusher: Mapping[str, Any], *, take_over: bool = False) -> Pusher:
    """Create or replace *pusher* (``pushctl set``): refused with :class:`InvalidInput`
    when it breaks a rule; a paused pusher it replaces stays paused. Other
    accounts' pushers with the same key stay, unless *take_over*."""
    problems = errors_only(validate_pusher(pusher))
    if problems:
        raise InvalidInput("; ".join(str(p) for p in problems))
    current = {(p["app_id"], p["pushkey"]): p for p in target.pushers()}
    found = current.get((pusher["app_id"], pusher["pushkey"]))
    written = dict(pusher) if found is None else with_state_of(dict(pusher), found)
    with target.writer() as client:
        client.set_pusher(written, append=not take_over)
    return written


def plan_file(
    target: Target, path: str, *, prune: bool = False, stdin: IO[Any] | None = None
) -> Plan:
    """What importing the file at *path* would change (``pushctl import --dry-run``).

    :class:`InvalidInput` lists every problem of the file, with its line.
    """
    document, _warnings = load_valid(path, stdin)
    return make_plan(document.entries, target.pushers(), prune=prune)


def apply_plan(target: Target, plan: Plan) -> Report:
    """Carry out *plan*'s writes on *target*, each checked against the server first."""
    with target.writer() as client:
        return apply(plan, client, guard=guard.for_target(target), whose=target.whose())


def export(pushers: Iterable[Mapping[str, Any]], fmt: str = "yaml") -> str:
    """An import file (``yaml`` or ``json``) that recreates *pushers* (``pushctl export``)."""
    return _export.dump(pushers, fmt)


def probe_gateway(pusher: Pusher, settings: ProbeSettings | None = None) -> Probe:
    """Send *pusher*'s gateway the test notification of ``pushctl test``."""
    return _probe(pusher, new_event_id(), settings or ProbeSettings())


def doctor(target: Target, settings: Settings | None = None, *, push: bool = True) -> DoctorReport:
    """``pushctl doctor``'s findings on *target*'s account; changes nothing.

    With *push*, each gateway also gets a test notification (it may reach the device).
    """
    return _doctor_run(target, settings or Settings(), push=push)
