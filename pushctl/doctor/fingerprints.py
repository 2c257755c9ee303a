"""What answers on a push gateway's URL, and a pusher's gateway as doctor examined it.

Shared by the gateway checks (:mod:`pushctl.doctor.gateways`), the pushkey
checks (:mod:`pushctl.doctor.pushkeys`) and the host's gateway report.
"""

from __future__ import annotations

from dataclasses import dataclass

from pushctl.pushers import model
from pushctl.runs import gateway

SYGNAL = "sygnal"
UNIFIED_PUSH = "unifiedpush"
UNKNOWN = "unknown"
NOT_MATRIX = "not-matrix"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Fingerprint:
    """What answers on a gateway URL: SYGNAL, UNIFIED_PUSH, UNKNOWN, NOT_MATRIX or UNREACHABLE."""

    kind: str
    detail: str = ""
    private: tuple[str, ...] = ()


@dataclass(frozen=True)
class Examined:
    pusher: model.Pusher
    fingerprint: Fingerprint
    probe: gateway.Probe | None
