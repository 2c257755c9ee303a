"""Send a test notification straight to a pusher's push gateway.

The request follows the Push Gateway API (``POST <data.url>``, path
``/_matrix/push/v1/notify``) as a homeserver sends it, with an event ID that
says it is a test. It goes through its own HTTP session: no ``Authorization``
header ever, so the homeserver's access token can never reach a gateway.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pushctl.accounts.settings import Settings
from pushctl.errors import redact_known
from pushctl.homeserver.concurrency import map_interruptibly
from pushctl.homeserver.sessions import (
    TIMED_OUT,
    failure_reason,
    json_body,
    new_session,
    no_credentials,
)
from pushctl.pushers import kinds
from pushctl.pushers.model import NOTIFY_PATH, PLAIN_HTTP_REFUSED, Pusher, is_loopback_host
from pushctl.urls import BadUrl, split_or_none, split_url

if TYPE_CHECKING:
    import requests


TEST_EVENT_PREFIX = "$pushctl-test-"

DELIVERED = "delivered"
REJECTED = "rejected"
UNREACHABLE = "unreachable"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Probe:
    """The outcome of one test notification."""

    pusher: Pusher
    result: str
    reason: str = ""
    http_status: int | None = None

    @property
    def delivered(self) -> bool:
        return self.result == DELIVERED

    def as_json(self) -> dict[str, Any]:
        return {
            "app_id": self.pusher.get("app_id"),
            "pushkey": self.pusher.get("pushkey"),
            "device_display_name": self.pusher.get("device_display_name"),
            "url": gateway_url(self.pusher),
            "result": self.result,
            "reason": self.reason,
            "http_status": self.http_status,
        }


@dataclass(frozen=True)
class ProbeSettings:
    timeout: tuple[float, float] = (10.0, 30.0)
    verify: bool | str = True
    allow_insecure_http: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ProbeSettings:
        """The timeouts, gateway CA bundle and plain-http permission of the connection settings."""
        return cls(
            timeout=settings.timeouts,
            verify=settings.gateway_verify,
            allow_insecure_http=settings.allow_insecure_http,
        )


def new_event_id() -> str:
    """A test event ID: recognisable by its prefix, unique per run."""
    return TEST_EVENT_PREFIX + secrets.token_hex(8)


gateway_url = kinds.gateway_url


def notification(pusher: Mapping[str, Any], event_id: str) -> dict[str, Any]:
    """The notify body for one pusher, as the Push Gateway API defines it."""
    data = pusher.get("data")
    device_data = {k: v for k, v in data.items() if k != "url"} if isinstance(data, Mapping) else {}
    return {
        "notification": {
            "event_id": event_id,
            "prio": "high",
            "counts": {"unread": 1},
            "devices": [
                {
                    "app_id": pusher.get("app_id"),
                    "pushkey": pusher.get("pushkey"),
                    # the pusher's own timestamp is not exposed by the APIs; "now" stands in
                    "pushkey_ts": int(time.time()),
                    "data": device_data,
                    "tweaks": {},
                }
            ],
        }
    }


def refusal(pusher: Mapping[str, Any], allow_insecure_http: bool) -> str | None:
    """Why this pusher must not be probed, or None."""
    if not kinds.has_push_gateway(pusher):
        return f"a {pusher.get('kind')!s} pusher has no push gateway"
    url = gateway_url(pusher)
    try:
        parts = split_url(url or "")
    except BadUrl as exc:
        return f"data.url {exc}: {url!r}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"data.url {url!r} is not an http(s) URL"
    if parts.path != NOTIFY_PATH:
        return f"data.url does not have the path {NOTIFY_PATH}"
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        return f"plain http to {parts.hostname} {PLAIN_HTTP_REFUSED}"
    return None


def probe(pusher: Pusher, event_id: str, settings: ProbeSettings) -> Probe:
    """Send one test notification and say what became of it."""
    import requests

    why_not = refusal(pusher, settings.allow_insecure_http)
    if why_not:
        return Probe(pusher, SKIPPED, why_not)
    url = gateway_url(pusher) or ""
    with new_session(settings.verify) as session:
        try:
            response = session.post(
                url,
                json=notification(pusher, event_id),
                timeout=settings.timeout,
                allow_redirects=False,
                auth=no_credentials,
            )
        except requests.RequestException as exc:
            return Probe(pusher, UNREACHABLE, failure_reason(exc))
    return _judge(pusher, response)


def probe_all(
    pushers: Iterable[Pusher],
    settings: ProbeSettings,
    event_id: str | None = None,
    concurrency: int = 4,
) -> list[Probe]:
    """Probe every pusher (a few at a time), in the given order, with one event ID.

    A gateway is waited for once: when the first probe sent to it timed out,
    its other pushers are reported unreachable for the same reason, unsent.
    Ctrl-C stops the wait at once: a gateway that never answers is abandoned.
    """

    event_id = event_id or new_event_id()
    gateways = _Gateways(settings, event_id)
    return map_interruptibly(gateways.probe, list(pushers), concurrency)


class _Gateways:
    """Probes grouped by gateway: the first to each one goes first, and the others
    wait for its outcome, so that a gateway that does not answer costs one timeout."""

    def __init__(self, settings: ProbeSettings, event_id: str) -> None:
        self.settings = settings
        self.event_id = event_id
        self._first_done: dict[str, threading.Event] = {}
        self._timed_out: dict[str, Probe] = {}
        self._lock = threading.Lock()

    def probe(self, pusher: Pusher) -> Probe:
        gateway = _origin(pusher)
        if gateway is None or refusal(pusher, self.settings.allow_insecure_http):
            return probe(pusher, self.event_id, self.settings)
        with self._lock:
            first = gateway not in self._first_done
            done = self._first_done.setdefault(gateway, threading.Event())
        if not first:
            done.wait()
            if gateway in self._timed_out:
                return replace(self._timed_out[gateway], pusher=pusher)
            return probe(pusher, self.event_id, self.settings)
        try:
            result = probe(pusher, self.event_id, self.settings)
            if result.result == UNREACHABLE and result.reason == TIMED_OUT:
                self._timed_out[gateway] = result
            return result
        finally:
            done.set()


def _origin(pusher: Pusher) -> str | None:
    """The gateway a pusher's notifications go to: scheme, host and port of its URL."""
    parts = split_or_none(gateway_url(pusher) or "")
    if parts is None:
        return None
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _judge(pusher: Pusher, response: requests.Response) -> Probe:
    status = response.status_code
    if 300 <= status < 400:
        where = redact_known(response.headers.get("Location", "elsewhere"))  # may echo a secret
        return Probe(pusher, UNREACHABLE, f"gateway redirects to {where}; not followed", status)
    if not 200 <= status < 300:
        return Probe(pusher, UNREACHABLE, f"gateway answered HTTP {status}", status)
    try:
        body = json_body(response)
    except ValueError:
        return Probe(pusher, UNREACHABLE, "gateway answered with a body that is not JSON", status)
    rejected = body.get("rejected", []) if isinstance(body, dict) else None
    if not isinstance(rejected, list):
        return Probe(pusher, UNREACHABLE, "gateway answered without a list of rejected", status)
    if pusher.get("pushkey") in rejected:
        return Probe(pusher, REJECTED, "the gateway rejected the pushkey", status)
    return Probe(pusher, DELIVERED, "", status)
