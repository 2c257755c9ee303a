"""Pushkeys that look wrong for their gateway: a lint, since only the gateway can tell.

Pure code: takes what :mod:`pushctl.doctor.gateways` examined and returns findings.
A UnifiedPush pushkey is the URL of the device's endpoint. ntfy's own gateway
forwards only to its own topics (it rejects an endpoint elsewhere), but generic
UnifiedPush gateways (common-proxies, matrix.gateway.unifiedpush.org,
up.schildi.chat, used by Element Android, Element X and SchildiChat) forward to
any endpoint by design; both answer ``GET`` alike. So an endpoint on another
server is never a warning: the test notification decides when it ran, and
without one doctor says only that it could not tell.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pushctl.doctor.findings import Finding, info, warning
from pushctl.doctor.fingerprints import UNIFIED_PUSH, Examined
from pushctl.doctor.pushers import describe
from pushctl.runs import gateway

#: public gateways that forward a notification to any UnifiedPush endpoint
GENERIC_UNIFIEDPUSH_HOSTS = frozenset({"matrix.gateway.unifiedpush.org", "up.schildi.chat"})

_APNS_HEX = re.compile(r"[0-9a-fA-F]{64}")


def check_shape(item: Examined) -> list[Finding]:
    pushkey = str(item.pusher.get("pushkey", ""))
    if _APNS_HEX.fullmatch(pushkey):
        return [_lint(item, "looks like an APNs token in hex; Sygnal expects it in base64")]
    parts = urlsplit(gateway.gateway_url(item.pusher) or "")
    host = (parts.hostname or "").lower()
    unified = item.fingerprint.kind == UNIFIED_PUSH or host.startswith("ntfy")
    base = f"{parts.scheme}://{parts.netloc}/"
    if not unified or not pushkey.startswith(("http://", "https://")) or pushkey.startswith(base):
        return []
    if host in GENERIC_UNIFIEDPUSH_HOSTS or _gateway_decided(item):
        return []
    return [
        info(
            "pushkey.shape",
            f"the pushkey of pusher {describe(item.pusher)} is an endpoint on another server "
            f"than the gateway {base}: a generic UnifiedPush gateway forwards it, ntfy's own "
            "gateway rejects it; only a test notification can tell",
            "let the test notification decide: run doctor without --no-push, or pushctl test",
            pusher=item.pusher,
        )
    ]


def _gateway_decided(item: Examined) -> bool:
    """True when the gateway answered the test notification (a rejection is its own finding)."""
    return item.probe is not None and item.probe.result in (gateway.DELIVERED, gateway.REJECTED)


def _lint(item: Examined, why: str) -> Finding:
    return warning(
        "pushkey.shape",
        f"the pushkey of pusher {describe(item.pusher)} {why}",
        "if notifications do not arrive, check how the app registers its pushkey",
        pusher=item.pusher,
    )
