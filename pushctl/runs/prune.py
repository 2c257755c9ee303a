"""Which pushers are dead: rejected by their gateway, or of a device long unseen.

A pusher is dead when its gateway rejects its pushkey, or when its device has
not been seen for a given time. A pusher whose state cannot be told (gateway
unreachable, device unknown) is never deleted: it is listed with the reason.

:func:`find_dead` asks the homeserver and the gateways and judges;
:func:`plan` is the judging alone, pure. Deleting the dead is
:func:`pushctl.runs.deleting.delete_pushers` inside ``with target.writer()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from pushctl.acting.target import Target
from pushctl.pushers import kinds
from pushctl.pushers.devices import Activity, has_device_field, judge_activity
from pushctl.pushers.model import Pusher, key_of, select
from pushctl.runs.gateway import DELIVERED, REJECTED, Probe, ProbeSettings, probe_all


@dataclass(frozen=True)
class Verdict:
    pusher: Pusher
    reason: str


@dataclass(frozen=True)
class Plan:
    doomed: list[Verdict]
    undecided: list[Verdict]


def find_dead(
    target: Target,
    *,
    rejected: bool = False,
    inactive_seconds: int | None = None,
    app_id: str | None = None,
    probing: ProbeSettings | None = None,
) -> Plan:
    """The dead pushers of *target* (only *app_id*'s, if given), and those undecided.

    With *rejected*, the gateway of each pusher whose kind has one gets a test notification (sent
    with *probing*); with *inactive_seconds*, a pusher whose device has not
    been seen for that long is dead. Without either, nothing is.
    """
    pushers = select(target.pushers(), app_id=app_id)
    activity: list[Activity] = []
    if inactive_seconds is not None:
        known = target.devices() if any(has_device_field(p) for p in pushers) else []
        now_ms = int(time.time() * 1000)
        activity = judge_activity(pushers, known, inactive_seconds, now_ms)
    probes: list[Probe] = []
    if rejected:
        testable = [p for p in pushers if kinds.has_push_gateway(p)]
        probes = probe_all(testable, probing or ProbeSettings())
    return plan(pushers, probes, activity)


def plan(
    pushers: Iterable[Pusher],
    probes: Iterable[Probe] = (),
    activity: Iterable[Activity] = (),
) -> Plan:
    """Doomed: rejected by the gateway or inactive; undecided: could not be told."""
    reasons: dict[tuple[str, str], list[str]] = {}
    doubts: dict[tuple[str, str], list[str]] = {}
    for probe in probes:
        key = key_of(probe.pusher)
        if probe.result == REJECTED:
            reasons.setdefault(key, []).append("the gateway rejects its pushkey")
        elif probe.result != DELIVERED:
            doubts.setdefault(key, []).append(f"gateway test {probe.result}: {probe.reason}")
    for judged in activity:
        key = key_of(judged.pusher)
        if judged.inactive:
            reasons.setdefault(key, []).append(judged.reason)
        elif judged.inactive is None:
            doubts.setdefault(key, []).append(judged.reason)
    doomed, undecided = [], []
    for pusher in pushers:
        key = key_of(pusher)
        if key in reasons:
            doomed.append(Verdict(pusher, "; ".join(reasons[key])))
        elif key in doubts:
            undecided.append(Verdict(pusher, "; ".join(doubts[key])))
    return Plan(doomed, undecided)
