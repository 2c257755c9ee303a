"""Can each pusher's push gateway be reached, is it one, and does it accept the pushkey?

Each gateway URL is looked at once: its host's addresses (homeservers refuse
private ones by default) and a ``GET`` on the notify path, whose answer tells
a push gateway (Sygnal answers 405, a UnifiedPush gateway
``{"unifiedpush": {"gateway": "matrix"}}``) from something else (an HTML 404
of a reverse proxy). Then each pusher gets the test notification ``pushctl
test`` sends (:func:`pushctl.gateway.probe`), unless pushing is off.

Host names are resolved through :func:`resolve`, which tests replace.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pushctl import gateway, model
from pushctl.doctor.findings import Finding, plural, problem, warning
from pushctl.doctor.pushers import describe

SYGNAL = "sygnal"
UNIFIED_PUSH = "unifiedpush"
UNKNOWN = "unknown"
NOT_MATRIX = "not-matrix"
UNREACHABLE = "unreachable"

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_APNS_HEX = re.compile(r"[0-9a-fA-F]{64}")


def resolve(host: str, port: int) -> list[str]:
    """The addresses *host* resolves to; [] when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def is_private(address: str) -> bool:
    """Loopback, private, link-local, CGNAT or ULA: what homeservers refuse by default."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip in _CGNAT


@dataclass(frozen=True)
class Fingerprint:
    """What answers on a gateway URL: SYGNAL, UNIFIED_PUSH, UNKNOWN, NOT_MATRIX or UNREACHABLE."""

    kind: str
    detail: str = ""
    private: tuple[str, ...] = ()


def fingerprint(url: str, settings: gateway.ProbeSettings) -> Fingerprint:
    """Resolve the host of *url* and ``GET`` it; never sends a pushkey."""
    import requests

    from pushctl.sessions import failure_reason, json_body, new_session

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    private = tuple(a for a in resolve(parts.hostname or "", port) if is_private(a))
    with new_session(settings.verify) as session:
        try:
            response = session.get(
                url, timeout=settings.timeout, allow_redirects=False, auth=_no_auth
            )
        except requests.RequestException as exc:
            return Fingerprint(UNREACHABLE, failure_reason(exc), private)
    if response.status_code == 405:
        return Fingerprint(SYGNAL, "", private)
    try:
        body = json_body(response)
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        detail = f"GET answered HTTP {response.status_code} with {kind}, not JSON"
        return Fingerprint(NOT_MATRIX, detail, private)
    unified = body.get("unifiedpush") if isinstance(body, dict) else None
    if isinstance(unified, dict) and unified.get("gateway") == "matrix":
        return Fingerprint(UNIFIED_PUSH, "", private)
    errcode = _matrix_refusal(response.status_code, body)
    if errcode:
        detail = (
            f"GET answered HTTP {response.status_code} with the Matrix error {errcode}, as a "
            "homeserver does for a path it does not serve"
        )
        return Fingerprint(NOT_MATRIX, detail, private)
    return Fingerprint(UNKNOWN, f"GET answered HTTP {response.status_code} with JSON", private)


def _matrix_refusal(status: int, body: Any) -> str | None:
    """The errcode of a homeserver's refusal (``404 M_UNRECOGNIZED``, ``401 M_MISSING_TOKEN``).

    A push gateway answers a GET on its notify path with 405 (Sygnal) or its
    UnifiedPush discovery document; a Matrix error there means a homeserver or
    another Matrix API answered instead.
    """
    errcode = body.get("errcode") if isinstance(body, dict) else None
    if status in (400, 401, 403, 404) and isinstance(errcode, str) and errcode.startswith("M_"):
        return errcode
    return None


def _no_auth(request: Any) -> Any:
    request.headers.pop("Authorization", None)
    return request


@dataclass
class _Fingerprints:
    """One fingerprint per URL, however many pushers share it (threads wait for the first)."""

    settings: gateway.ProbeSettings
    look: Callable[[str, gateway.ProbeSettings], Fingerprint] = fingerprint
    _done: dict[str, Fingerprint] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def of(self, url: str) -> Fingerprint:
        with self._guard:
            lock = self._locks.setdefault(url, threading.Lock())
        with lock:
            if url not in self._done:
                self._done[url] = self.look(url, self.settings)
            return self._done[url]


@dataclass(frozen=True)
class Examined:
    pusher: model.Pusher
    fingerprint: Fingerprint
    probe: gateway.Probe | None


def examine(
    pushers: Sequence[model.Pusher],
    settings: gateway.ProbeSettings,
    *,
    push: bool = True,
    concurrency: int = 16,
) -> list[Examined]:
    """Fingerprint each gateway and (with *push*) probe each pusher, all at once.

    Ctrl-C stops the wait at once (:func:`pushctl.concurrency.map_interruptibly`).
    """
    from pushctl.concurrency import map_interruptibly

    fingerprints = _Fingerprints(settings)
    event_id = gateway.new_event_id()

    def one(pusher: model.Pusher) -> Examined:
        seen = fingerprints.of(gateway.gateway_url(pusher) or "")
        if not push or seen.kind == UNREACHABLE:
            return Examined(pusher, seen, None)
        return Examined(pusher, seen, gateway.probe(pusher, event_id, settings))

    testable = [p for p in pushers if gateway.refusal(p, allow_insecure_http=True) is None]
    return map_interruptibly(one, testable, max(1, min(concurrency, len(testable))))


def check(examined: Sequence[Examined]) -> list[Finding]:
    """Findings about the gateways (one per URL) and about each pusher's probe."""
    found: list[Finding] = []
    first_of_url: dict[str, Examined] = {}
    for item in examined:
        first_of_url.setdefault(gateway.gateway_url(item.pusher) or "", item)
    for url, item in first_of_url.items():
        sharing = [e for e in examined if gateway.gateway_url(e.pusher) == url]
        found += _gateway_findings(url, item, sharing)
    for item in examined:
        found += _probe_findings(item)
        found += _pushkey_shape(item)
    return found


def _answered(item: Examined) -> bool:
    """True when the test notification got a Push Gateway API answer."""
    return item.probe is not None and item.probe.result in (gateway.DELIVERED, gateway.REJECTED)


def _gateway_findings(url: str, item: Examined, sharing: list[Examined]) -> list[Finding]:
    seen = item.fingerprint
    users = len(sharing)
    host = urlsplit(url).hostname or url
    whose = f"the gateway {url} (used by {plural(users, 'pusher')})"
    found = []
    if seen.kind == UNREACHABLE:
        found.append(
            problem(
                "gateway.unreachable",
                f"{whose} cannot be reached: {seen.detail}",
                "check the URL, DNS, TLS certificate and firewall of the gateway; the "
                "homeserver must be able to reach it",
                pusher=item.pusher,
            )
        )
    elif seen.kind == NOT_MATRIX and not any(_answered(e) for e in sharing):
        found.append(
            problem(
                "gateway.not-matrix",
                f"{whose} is not a push gateway: {seen.detail}",
                "a reverse proxy probably does not forward /_matrix/push/v1/notify to the "
                "gateway; fix its configuration or the pusher's URL",
                pusher=item.pusher,
            )
        )
    if seen.private:
        found.append(
            warning(
                "gateway.private-address",
                f"{host} resolves to {', '.join(seen.private)}, an address homeservers refuse "
                "by default",
                "let the homeserver reach it (Synapse: ip_range_whitelist) or use a public address",
                pusher=item.pusher,
            )
        )
    if urlsplit(url).scheme == "http":
        found.append(
            warning(
                "gateway.plain-http",
                f"{whose} uses plain http: pushkeys and notifications cross the network "
                "unencrypted",
                "serve the gateway over https",
                pusher=item.pusher,
            )
        )
    return found


def _probe_findings(item: Examined) -> list[Finding]:
    probe = item.probe
    if probe is None or probe.result in (gateway.DELIVERED, gateway.SKIPPED):
        return []
    name = describe(item.pusher)
    if probe.result == gateway.REJECTED:
        return [
            problem(
                "gateway.rejected",
                f"the gateway rejects the pushkey of pusher {name}: the homeserver will delete "
                "this pusher at its next push",
                "open the app so that it registers a new pushkey; check the app's push setup "
                "(APNs sandbox or production, FCM project, UnifiedPush distributor)",
                pusher=item.pusher,
            )
        ]
    if item.fingerprint.kind == NOT_MATRIX:
        return []  # said once for its gateway
    check_id = "gateway.not-matrix" if probe.http_status is not None else "gateway.unreachable"
    return [
        problem(
            check_id,
            f"the test notification for pusher {name} failed: {probe.reason}",
            "check the gateway's logs and configuration for this app",
            pusher=item.pusher,
        )
    ]


def _pushkey_shape(item: Examined) -> list[Finding]:
    pushkey = str(item.pusher.get("pushkey", ""))
    url = gateway.gateway_url(item.pusher) or ""
    parts = urlsplit(url)
    if _APNS_HEX.fullmatch(pushkey):
        return [_shape(item, "looks like an APNs token in hex; Sygnal expects it in base64")]
    ntfy_like = item.fingerprint.kind == UNIFIED_PUSH or (parts.hostname or "").startswith("ntfy")
    base = f"{parts.scheme}://{parts.netloc}/"
    if ntfy_like and pushkey.startswith(("http://", "https://")) and not pushkey.startswith(base):
        return [_shape(item, f"does not start with the gateway's base URL {base}")]
    return []


def _shape(item: Examined, why: str) -> Finding:
    return warning(
        "pushkey.shape",
        f"the pushkey of pusher {describe(item.pusher)} {why}",
        "if notifications do not arrive, check how the app registers its pushkey",
        pusher=item.pusher,
    )
