"""Which pushers are dead, and removing them one by one.

A pusher is dead when its gateway rejects its pushkey, or when its device has
not been seen for a given time. A pusher whose state cannot be told (gateway
unreachable, device unknown) is never deleted: it is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pushctl.devices import Activity
from pushctl.gateway import DELIVERED, REJECTED, Probe
from pushctl.model import Pusher, key_of

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Verdict:
    pusher: Pusher
    reason: str


@dataclass(frozen=True)
class Plan:
    doomed: list[Verdict]
    undecided: list[Verdict]


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
