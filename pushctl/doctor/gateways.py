"""Can each pusher's push gateway be reached, is it one, and does it accept the pushkey?

Each gateway URL is looked at once: its host's addresses (homeservers refuse
private ones by default) and a ``GET`` on the notify path, whose answer tells
a push gateway (Sygnal answers 405, a UnifiedPush gateway
``{"unifiedpush": {"gateway": "matrix"}}``) from something else (an HTML 404
of a reverse proxy, a homeserver's Matrix error). Then, unless pushing is off,
its pushers get the test notification ``pushctl test`` sends
(:func:`pushctl.runs.gateway.probe`): the first alone, the others only if the
gateway answered it, so that a gateway that hangs costs one timeout. What
went wrong is said once per gateway, with how many pushers use it.

Host names are resolved through :func:`resolve`, which tests replace.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from pushctl.doctor.findings import Finding, plural, problem, warning
from pushctl.doctor.fingerprints import (
    NOT_MATRIX,
    SYGNAL,
    UNIFIED_PUSH,
    UNKNOWN,
    UNREACHABLE,
    Examined,
    Fingerprint,
)
from pushctl.doctor.pushers import describe
from pushctl.doctor.pushkeys import check_shape
from pushctl.homeserver.concurrency import map_interruptibly
from pushctl.homeserver.sessions import (
    TLS_FAILED,
    TLS_HANDSHAKE_FAILED,
    failure_reason,
    json_body,
    new_session,
    no_credentials,
)
from pushctl.pushers import model
from pushctl.pushers.model import is_loopback_host
from pushctl.runs import gateway

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


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


def fingerprint(url: str, settings: gateway.ProbeSettings) -> Fingerprint:
    """Resolve the host of *url* and ``GET`` it; never sends a pushkey."""
    import requests

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    private = tuple(a for a in resolve(parts.hostname or "", port) if is_private(a))
    with new_session(settings.verify) as session:
        try:
            response = session.get(
                url, timeout=settings.timeout, allow_redirects=False, auth=no_credentials
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


#: the reason of a test notification not sent because its gateway did not answer another
NOT_SENT = "not sent: the gateway did not answer an earlier test notification"


def examine(
    pushers: Sequence[model.Pusher],
    settings: gateway.ProbeSettings,
    *,
    push: bool = True,
    concurrency: int = 16,
) -> list[Examined]:
    """Fingerprint each gateway once and (with *push*) probe its pushers, gateways at once.

    Each gateway first gets its fingerprint and one test notification; only a
    gateway that answered that one gets the others, and once one goes
    unanswered the rest are not sent: a gateway that hangs costs one timeout,
    not one per pusher. Ctrl-C stops the wait at once
    (:func:`pushctl.homeserver.concurrency.map_interruptibly`).
    """

    testable = [p for p in pushers if gateway.refusal(p, allow_insecure_http=True) is None]
    groups: dict[str, list[model.Pusher]] = {}
    for pusher in testable:
        groups.setdefault(gateway.gateway_url(pusher) or "", []).append(pusher)
    event_id = gateway.new_event_id()
    silent: set[str] = set()  # gateways that left a test notification unanswered

    def probe(pusher: model.Pusher, seen: Fingerprint) -> Examined:
        url = gateway.gateway_url(pusher) or ""
        if not push or seen.kind == UNREACHABLE:
            return Examined(pusher, seen, None)
        if url in silent:
            return Examined(pusher, seen, gateway.Probe(pusher, gateway.SKIPPED, NOT_SENT))
        result = gateway.probe(pusher, event_id, settings)
        if _unanswered(result):
            silent.add(url)
        return Examined(pusher, seen, result)

    def first(url: str) -> Examined:
        return probe(groups[url][0], fingerprint(url, settings))

    def workers(count: int) -> int:
        return max(1, min(concurrency, count))

    heads = map_interruptibly(first, list(groups), workers(len(groups)))
    seen = {gateway.gateway_url(h.pusher) or "": h.fingerprint for h in heads}
    rest = [p for url, members in groups.items() for p in members[1:]]
    others = map_interruptibly(
        lambda p: probe(p, seen[gateway.gateway_url(p) or ""]), rest, workers(len(rest))
    )
    done = {id(e.pusher): e for e in [*heads, *others]}
    return [done[id(p)] for p in testable]


def _unanswered(probe: gateway.Probe) -> bool:
    """True when a test notification got no HTTP answer at all (refused, timed out, …)."""
    return probe.result == gateway.UNREACHABLE and probe.http_status is None


def check(examined: Sequence[Examined]) -> list[Finding]:
    """Findings about each gateway (one per URL and kind) and each pusher's pushkey."""
    found: list[Finding] = []
    by_url: dict[str, list[Examined]] = {}
    for item in examined:
        by_url.setdefault(gateway.gateway_url(item.pusher) or "", []).append(item)
    for url, sharing in by_url.items():
        found += _gateway_findings(url, sharing[0], sharing)
        found += _probe_findings(url, sharing)
    for item in examined:
        found += _rejected(item)
        found += check_shape(item)
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
                _unreachable_advice(seen.detail),
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
        found.append(_plain_http(url, whose, item))
    return found


def _plain_http(url: str, whose: str, item: Examined) -> Finding:
    if is_loopback_host(urlsplit(url).hostname or ""):
        # loopback traffic never leaves the machine; but it is the homeserver's machine
        return warning(
            "gateway.plain-http",
            f"{whose} uses plain http on a loopback address: the homeserver reaches it only "
            "if the gateway runs on the homeserver's own machine (the traffic stays there)",
            "nothing to do if the gateway runs beside the homeserver; otherwise give the "
            "pusher the gateway's https URL",
            pusher=item.pusher,
        )
    return warning(
        "gateway.plain-http",
        f"{whose} uses plain http: pushkeys and notifications cross the network unencrypted",
        "serve the gateway over https",
        pusher=item.pusher,
    )


def _unreachable_advice(reason: str) -> str:

    if reason.startswith(TLS_HANDSHAKE_FAILED):
        return (
            "the port does not answer in TLS: check the URL's scheme and port (https:// on a "
            "plain-http port?)"
        )
    if reason.startswith(TLS_FAILED):
        return (
            "the gateway's TLS certificate is not trusted: check that it is valid for the "
            "host and issued by a public CA (a private CA: --gateway-ca-bundle)"
        )
    return "check the URL, DNS and firewall of the gateway; the homeserver must be able to reach it"


def _probe_findings(url: str, sharing: list[Examined]) -> list[Finding]:
    """One finding per gateway for test notifications without a Push Gateway API answer."""
    if sharing[0].fingerprint.kind == NOT_MATRIX:
        return []  # said once for its gateway
    failed = [e for e in sharing if e.probe is not None and e.probe.result == gateway.UNREACHABLE]
    unanswered = [e for e in failed if e.probe is not None and _unanswered(e.probe)]
    refused = [e for e in failed if e not in unanswered]
    whose = f"the gateway {url} (used by {plural(len(sharing), 'pusher')})"
    found = []
    if unanswered:
        not_sent = sum(1 for e in sharing if e.probe is not None and e.probe.reason == NOT_SENT)
        rest = f"; {plural(not_sent, 'other pusher')} not tried" if not_sent else ""
        found.append(
            problem(
                "gateway.unreachable",
                f"{whose} did not answer the test notification for "
                f"{_of(unanswered, sharing)}: {_reason(unanswered[0])}{rest}",
                _unreachable_advice(_reason(unanswered[0])),
                pusher=unanswered[0].pusher,
            )
        )
    if refused:
        found.append(
            problem(
                "gateway.not-matrix",
                f"{whose} answered the test notification for {_of(refused, sharing)} without a "
                f"Push Gateway API answer: {_reason(refused[0])}",
                "check the gateway's logs and configuration for this app",
                pusher=refused[0].pusher,
            )
        )
    return found


def _of(some: list[Examined], sharing: list[Examined]) -> str:
    if len(sharing) == 1:
        return "its pusher " + describe(some[0].pusher)
    return f"{len(some)} of its {len(sharing)} pushers"


def _reason(item: Examined) -> str:
    return item.probe.reason if item.probe is not None else ""


def _rejected(item: Examined) -> list[Finding]:
    if item.probe is None or item.probe.result != gateway.REJECTED:
        return []
    return [
        problem(
            "gateway.rejected",
            f"the gateway rejects the pushkey of pusher {describe(item.pusher)}: the homeserver "
            "will delete this pusher at its next push",
            "open the app so that it registers a new pushkey; check the app's push setup "
            "(APNs sandbox or production, FCM project, UnifiedPush distributor)",
            pusher=item.pusher,
        )
    ]
