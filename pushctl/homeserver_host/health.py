"""Pusher health from Synapse's ``pushers`` table: failing, and nothing will remove them.

Synapse records ``failing_since`` when a push to the gateway fails and clears
it on the next success (``last_success``); it retries with a back-off of 1 s
to 1 h, and after 24 h of failing it drops that notification, sets
``failing_since`` anew and carries on (``synapse/push/httppusher.py``). A
pusher with no device and no access token (set through the admin API's
login-as token or an application service) is removed by no logout and no
device deletion. Pure code, but for :func:`prometheus_text`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pushctl.errors import UsageError
from pushctl.homeserver_host.database import StoredPusher
from pushctl.pushers import kinds

FAILING = "pusher.failing"
NO_DEVICE = "pusher.no-device"
#: after this long failing, Synapse drops the notification it could not deliver
DROP_AFTER_MS = 24 * 3600 * 1000
_EPOCH = datetime(1970, 1, 1)  # naive: UTC
EXTRA_HINT = "pip install 'pushctl[synapse]'"


@dataclass(frozen=True)
class Checked:
    stored: StoredPusher
    problems: tuple[str, ...]
    #: the gateway (``data.url``); None for a pusher without one
    url: str | None

    def dropping(self, now_ms: int) -> bool:
        since = self.stored.failing_since
        return since is not None and now_ms - since >= DROP_AFTER_MS


def check(stored: Iterable[StoredPusher]) -> list[Checked]:
    """Every pusher with the problems found on it (none for a healthy one)."""
    checked = []
    for item in stored:
        problems: tuple[str, ...] = () if item.failing_since is None else (FAILING,)
        if not item.has_device:
            problems += (NO_DEVICE,)
        checked.append(Checked(item, problems, kinds.gateway_url(item.pusher)))
    return checked


def iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC (``2024-05-01T12:00:00Z``)."""
    if ms is None:
        return None
    # as datetime.fromtimestamp(ms / 1000, timezone.utc) gives it, in half the time
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.isoformat(timespec="seconds") + "Z"


@functools.lru_cache(maxsize=4096)  # a few gateways serve a whole server's pushers
def gateway_label(url: str | None) -> str:
    """``scheme://host:port`` of a gateway URL: no path, so few distinct values."""
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"{parts.scheme}://{parts.hostname or ''}"
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port}"


def as_json(checked: Sequence[Checked], shown: Sequence[Checked], now_ms: int) -> dict[str, Any]:
    """The ``fleet health --json`` document (a contract: README)."""
    return {
        "pushers": [_pusher_json(c) for c in shown],
        "summary": summary(checked, now_ms),
    }


def _pusher_json(item: Checked) -> dict[str, Any]:
    pusher = item.stored.pusher
    return {
        "user_id": pusher["user_id"],
        "app_id": pusher["app_id"],
        "pushkey": pusher["pushkey"],
        "kind": pusher["kind"],
        "url": item.url,
        "device_id": pusher["device_id"],
        "failing_since": iso(item.stored.failing_since),
        "last_success": iso(item.stored.last_success),
        "problems": list(item.problems),
    }


def summary(checked: Sequence[Checked], now_ms: int) -> dict[str, Any]:
    """Counts over all pushers, by gateway (``scheme://host:port``) and by app ID."""
    return {
        "pushers": len(checked),
        "failing": sum(1 for c in checked if FAILING in c.problems),
        "dropping": sum(1 for c in checked if c.dropping(now_ms)),
        "no_device": sum(1 for c in checked if NO_DEVICE in c.problems),
        "by_gateway": _grouped(checked, "gateway", lambda c: gateway_label(c.url) or None),
        "by_app_id": _grouped(checked, "app_id", lambda c: c.stored.pusher["app_id"]),
    }


def _grouped(
    checked: Sequence[Checked], name: str, key: Callable[[Checked], Any]
) -> list[dict[str, Any]]:
    total: Counter[Any] = Counter()
    failing: Counter[Any] = Counter()
    no_device: Counter[Any] = Counter()
    for item in checked:
        value = key(item)
        total[value] += 1
        failing[value] += FAILING in item.problems
        no_device[value] += NO_DEVICE in item.problems
    ordered = sorted(total, key=lambda v: (-failing[v], -total[v], "" if v is None else str(v)))
    return [
        {name: v, "pushers": total[v], "failing": failing[v], "no_device": no_device[v]}
        for v in ordered
    ]


def prometheus_text(checked: Sequence[Checked], now_ms: int) -> str:
    """The text exposition format, for node_exporter's textfile collector."""
    try:
        from prometheus_client import CollectorRegistry, Gauge, generate_latest
    except ImportError:
        raise UsageError(f"--prometheus needs pushctl's synapse extra: {EXTRA_HINT}") from None

    registry = CollectorRegistry()
    labels = ("app_id", "gateway")
    gauges = {
        "all": Gauge("pushctl_synapse_pushers", "Pushers", labels, registry=registry),
        FAILING: Gauge(
            "pushctl_synapse_pushers_failing",
            "Pushers the homeserver fails to deliver to (failing_since set)",
            labels,
            registry=registry,
        ),
        "dropping": Gauge(
            "pushctl_synapse_pushers_dropping",
            "Pushers failing for 24 h or more: Synapse drops their notifications",
            labels,
            registry=registry,
        ),
        NO_DEVICE: Gauge(
            "pushctl_synapse_pushers_no_device",
            "Pushers with no device and no access token: nothing will ever remove them",
            labels,
            registry=registry,
        ),
    }
    for item in checked:
        values = (str(item.stored.pusher["app_id"]), gateway_label(item.url))
        gauges["all"].labels(*values).inc()
        for problem in item.problems:
            gauges[problem].labels(*values).inc()
        if item.dropping(now_ms):
            gauges["dropping"].labels(*values).inc()
    for values in {(str(c.stored.pusher["app_id"]), gateway_label(c.url)) for c in checked}:
        for gauge in gauges.values():
            gauge.labels(*values)  # a zero, not a missing series, where nothing is wrong
    return generate_latest(registry).decode()
