"""The checks of pushctl doctor as pure functions, for what Synapse cannot be made to show.

Synapse deletes a device's pushers with the device, shows ``enabled`` only
through the admin API or MSC3881, and a device cannot be aged 90 days in a
test: those checks are tested on data here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pushctl.doctor import account, fingerprints, gateways, pushers, rules
from pushctl.doctor.findings import Report
from pushctl.pushers import listing_cache
from pushctl.runs.gateway import DELIVERED, Probe

DAY_MS = 86400 * 1000
NOW_MS = 1_800_000_000_000
URL = "https://push.example.org/_matrix/push/v1/notify"


def pusher(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "app_id": "org.example.app",
        "pushkey": "key",
        "kind": "http",
        "app_display_name": "Example",
        "device_display_name": "Phone",
        "lang": "en",
        "data": {"url": URL},
    }
    return {**base, **fields}


def test_a_disabled_pusher_is_a_problem() -> None:
    found = pushers.check_disabled([pusher(enabled=False), pusher(enabled=True), pusher()])
    assert [(f.check, f.severity) for f in found] == [("pusher.disabled", "problem")]
    found = pushers.check_disabled([pusher(**{"org.matrix.msc3881.enabled": False})])
    assert [f.check for f in found] == ["pusher.disabled"]


def test_extra_server_fields_do_not_make_a_pusher_invalid() -> None:
    fine = pusher(enabled=True, device_id="ABC", profile_tag="")
    assert pushers.check_invalid([fine]) == []
    assert [f.check for f in pushers.check_invalid([pusher(app_id="x" * 65)])] == ["pusher.invalid"]


def test_devices_gone_or_unseen_for_90_days() -> None:
    devices: list[dict[str, Any]] = [
        {"device_id": "OLD", "last_seen_ts": NOW_MS - 91 * DAY_MS},
        {"device_id": "NEW", "last_seen_ts": NOW_MS - DAY_MS},
        {"device_id": "NEVER", "last_seen_ts": None},
    ]
    found = account.check_devices(
        [
            pusher(pushkey="old", device_id="OLD"),
            pusher(pushkey="new", device_id="NEW"),
            pusher(pushkey="never", device_id="NEVER"),
            pusher(pushkey="gone", device_id="GONE"),
            pusher(pushkey="untold"),
        ],
        devices,
        NOW_MS,
    )
    assert [(f.check, f.severity, f.pusher and f.pusher["pushkey"]) for f in found] == [
        ("device.inactive", "warning", "old"),
        ("pusher.no-device", "warning", "gone"),
    ]


def test_email_addresses_compare_without_case() -> None:
    threepids = {"threepids": [{"medium": "email", "address": "alice@example.org"},
                               {"medium": "msisdn", "address": "4479"}]}  # fmt: skip
    email = pusher(kind="email", app_id="m.email", pushkey="Alice@Example.org", data={})
    other = pusher(kind="email", app_id="m.email", pushkey="4479", data={})
    found = account.check_email([email, other, pusher()], account.email_addresses(threepids))
    assert [f.pusher and f.pusher["pushkey"] for f in found] == ["4479"]


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.9", True),
        ("192.168.1.1", True),
        ("169.254.1.1", True),
        ("100.64.0.1", True),
        ("::1", True),
        ("fd00::1", True),
        ("fe80::1%eth0", True),
        ("::ffff:192.168.0.1", True),
        ("93.184.215.14", False),
        ("2606:4700::1111", False),
        ("not an address", False),
    ],
)
def test_private_addresses(address: str, private: bool) -> None:
    assert gateways.is_private(address) is private


def test_the_resolver_asks_getaddrinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(host: str, port: int, **kwargs: object) -> list[tuple[object, ...]]:
        assert (host, port) == ("push.example.org", 443)
        return [(2, 1, 6, "", ("10.0.0.7", 443)), (2, 1, 6, "", ("10.0.0.7", 443))]

    monkeypatch.setattr("socket.getaddrinfo", fake)
    assert gateways.resolve("push.example.org", 443) == ["10.0.0.7"]

    def failing(*args: object, **kwargs: object) -> list[object]:
        raise OSError("no such host")

    monkeypatch.setattr("socket.getaddrinfo", failing)
    assert gateways.resolve("push.example.org", 443) == []


def examined(
    item: dict[str, object], kind: str = fingerprints.SYGNAL, pushed: bool = True
) -> fingerprints.Examined:
    probe = Probe(item, DELIVERED) if pushed else None
    return fingerprints.Examined(item, fingerprints.Fingerprint(kind), probe)


def test_pushkey_shapes_are_a_lint() -> None:
    hex_token = "ab" * 32
    ntfy = "https://ntfy.example.org/_matrix/push/v1/notify"
    found = gateways.check(
        [
            examined(pusher(pushkey=hex_token)),
            examined(pusher(pushkey="AAAA/base64+token="), fingerprints.SYGNAL),
            examined(pusher(pushkey="https://other.example/up1", data={"url": ntfy}), pushed=False),
            examined(pusher(pushkey="https://ntfy.example.org/up2", data={"url": ntfy})),
            examined(
                pusher(pushkey="https://elsewhere.example/x", data={"url": URL}),
                fingerprints.UNIFIED_PUSH,
                pushed=False,
            ),
        ]
    )
    shapes = [(f.pusher and f.pusher["pushkey"], f.severity) for f in found
              if f.check == "pushkey.shape"]  # fmt: skip
    # an endpoint on another server than a UnifiedPush gateway: only a test notification
    # can tell whether the gateway forwards it (generic ones do, ntfy's does not)
    assert shapes == [
        (hex_token, "warning"),
        ("https://other.example/up1", "info"),
        ("https://elsewhere.example/x", "info"),
    ]
    report = Report(found)
    assert (report.problems, report.warnings) == (0, 1)  # info counts as neither


@pytest.mark.parametrize(
    "gateway_url",
    [
        "https://matrix.gateway.unifiedpush.org/_matrix/push/v1/notify",
        "https://up.schildi.chat/_matrix/push/v1/notify",
        "https://push.example.org/_matrix/push/v1/notify",  # common-proxies: told by GET
    ],
)
@pytest.mark.parametrize("pushed", [True, False])
def test_generic_unifiedpush_gateways_forward_to_any_endpoint(
    gateway_url: str, pushed: bool
) -> None:
    # as Element Android, Element X and SchildiChat register with a distributor's endpoint
    endpoint = pusher(pushkey="https://ntfy.sh/upAbCdEf?up=1", data={"url": gateway_url})
    found = gateways.check([examined(endpoint, fingerprints.UNIFIED_PUSH, pushed=pushed)])
    severities = [f.severity for f in found if f.check == "pushkey.shape"]
    known_host = "push.example.org" not in gateway_url
    assert severities == ([] if pushed or known_host else ["info"])


def test_default_rules_stripped_of_notify_and_rooms_muted_by_rules() -> None:
    ruleset = {
        "global": {
            "override": [
                {"rule_id": ".m.rule.master", "enabled": False, "actions": []},
                {
                    "rule_id": "!a:x",
                    "enabled": True,
                    "actions": ["dont_notify"],
                    "conditions": [{"kind": "event_match", "key": "room_id", "pattern": "!a:x"}],
                },
                {
                    "rule_id": "keyword-in-a",
                    "enabled": True,
                    "actions": [],
                    "conditions": [
                        {"kind": "event_match", "key": "room_id", "pattern": "!b:x"},
                        {"kind": "event_match", "key": "content.body", "pattern": "lunch"},
                    ],
                },
            ],
            "room": [
                {"rule_id": "!c:x", "enabled": True, "actions": []},
                {"rule_id": "!d:x", "enabled": False, "actions": []},
                {"rule_id": "!e:x", "enabled": True, "actions": ["notify"]},
            ],
            "underride": [
                {"rule_id": ".m.rule.message", "enabled": True, "actions": ["dont_notify"]},
                {"rule_id": ".m.rule.encrypted", "enabled": True, "actions": ["notify"]},
                {"rule_id": ".im.vector.jitsi", "enabled": False, "actions": []},
            ],
        }
    }
    assert rules.check_master(ruleset) == []
    assert [f.message for f in rules.check_defaults(ruleset)] == [
        "the default push rule .m.rule.message no longer notifies (its actions were changed)"
    ]
    assert rules.muted_rooms(ruleset) == ["!a:x", "!c:x"]
    assert rules.check_master({"global": "odd"}) == [] and rules.muted_rooms([]) == []


def test_the_report_json_and_its_summary() -> None:
    report = Report()
    report.add(pushers.check_none([]))
    report.add(rules.check_muted(["!r:x"], {"!r:x": "Room"}))
    assert report.as_json() == {
        "findings": [
            {
                "check": "pushers.none",
                "severity": "problem",
                "message": report.findings[0].message,
                "advice": report.findings[0].advice,
            },
            {
                "check": "push-rules.room-muted",
                "severity": "warning",
                "message": "room Room (!r:x) is muted: its messages do not notify",
                "advice": report.findings[1].advice,
                "room_id": "!r:x",
            },
        ],
        "summary": {"problems": 1, "warnings": 1},
        "not_checked": [],
    }
    assert [area for area, _ in report.by_area()] == ["Pushers", "Push rules"]


def test_the_listing_cache_keeps_one_listing_per_homeserver_and_user(tmp_path: Path) -> None:
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    hs, other_hs = "https://hs.example", "https://other.example"
    listing_cache.remember(hs, "@bob:x", [pusher(pushkey="bobs")], environ)
    listing_cache.remember(hs, "@alice:x", [pusher(pushkey="alices")], environ, profile="p")
    listing_cache.remember(other_hs, "@alice:x", [pusher(pushkey="elsewhere")], environ)
    listing = listing_cache.recall_listing("HTTPS://HS.example/", "@bob:x", environ)
    assert listing is not None and isinstance(listing.listed_at_ms, int)
    assert [e["pushkey"] for e in listing.pushers] == ["bobs"]
    alices = listing_cache.recall_listing(hs, "@alice:x", environ)
    assert alices is not None and [e["pushkey"] for e in alices.pushers] == ["alices"]
    assert listing_cache.recall_listing(hs, "@carol:x", environ) is None
    # Tab: the profile's own account, or the user on the line, on the profile's homeserver
    assert [e["pushkey"] for e in listing_cache.recall("p", None, environ)] == ["alices"]
    assert [e["pushkey"] for e in listing_cache.recall("p", "@bob:x", environ)] == ["bobs"]
    assert listing_cache.recall("q", None, environ) == []


def test_the_listing_cache_forgets_only_that_accounts_deleted_pushers(tmp_path: Path) -> None:
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    hs = "https://hs.example"
    both = [pusher(pushkey="shared"), pusher(pushkey="kept")]
    listing_cache.remember(hs, "@bob:x", both, environ)
    listing_cache.remember(hs, "@alice:x", both, environ)
    listing_cache.forget(hs, "@bob:x", [("org.example.app", "shared")], environ)
    bobs = listing_cache.recall_listing(hs, "@bob:x", environ)
    alices = listing_cache.recall_listing(hs, "@alice:x", environ)
    assert bobs is not None and [e["pushkey"] for e in bobs.pushers] == ["kept"]
    assert alices is not None and [e["pushkey"] for e in alices.pushers] == ["shared", "kept"]


def test_a_listing_cache_of_the_former_format_is_ignored(tmp_path: Path) -> None:
    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    path = listing_cache.cache_path(environ)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "account": "own", "pushers": [{"pushkey": "a"}]}))
    path.chmod(0o600)
    assert listing_cache.recall_listing("https://hs.example", "@bob:x", environ) is None
    assert listing_cache.recall("default", None, environ) == []
    listing_cache.remember("https://hs.example", "@bob:x", [pusher(pushkey="b")], environ)
    listing = listing_cache.recall_listing("https://hs.example", "@bob:x", environ)
    assert listing is not None and [e["pushkey"] for e in listing.pushers] == ["b"]


def test_vanished_pushers_name_when_they_were_last_seen() -> None:
    earlier = [{"app_id": "org.example.app", "pushkey": "gone"},
               {"app_id": "org.example.app", "pushkey": "key"}]  # fmt: skip
    found = pushers.check_vanished([pusher()], earlier, NOW_MS - DAY_MS, NOW_MS)
    assert [f.pusher and f.pusher["pushkey"] for f in found] == ["gone"]
    assert "(1 d ago)" in found[0].message


def test_rules_that_match_every_event_and_do_not_notify_silence_like_the_master() -> None:
    everything = [{"kind": "event_match", "key": "type", "pattern": "*"}]
    some = [{"kind": "event_match", "key": "type", "pattern": "m.room.*"}]
    ruleset = {
        "global": {
            "override": [
                {"rule_id": ".m.rule.master", "enabled": False, "actions": []},
                {"rule_id": "bare", "enabled": True, "actions": [], "conditions": []},
                {
                    "rule_id": "any-type",
                    "enabled": True,
                    "actions": ["dont_notify"],
                    "conditions": everything,
                },
                {"rule_id": "off", "enabled": False, "actions": [], "conditions": []},
                {"rule_id": "loud", "enabled": True, "actions": ["notify"], "conditions": []},
                {"rule_id": "some", "enabled": True, "actions": [], "conditions": some},
                {"rule_id": "odd", "enabled": True, "actions": [], "conditions": [{"kind": "x"}]},
            ],
            "underride": [
                {
                    "rule_id": "rooms",
                    "enabled": True,
                    "actions": [],
                    "conditions": [{"kind": "room_member_count", "is": ">=1"}],
                },
            ],
        }
    }
    found = rules.check_silencing(ruleset)
    assert [(f.check, f.severity) for f in found] == [("push-rules.silence-all", "problem")] * 3
    assert ["bare" in found[0].message, "any-type" in found[1].message] == [True, True]
    assert "underride push rule rooms" in found[2].message
    assert Report(found).by_area()[0][0] == "Push rules"


def test_forgetting_asks_whose_pushers_only_when_the_homeserver_has_a_listing(
    tmp_path: Path,
) -> None:
    from pushctl.pushers.plan import deletion

    environ = {"XDG_CACHE_HOME": str(tmp_path)}
    asked: list[str] = []

    def whoami() -> str:
        asked.append("whoami")
        return "@bob:x"

    gone = [deletion(pusher(pushkey="gone"))]
    listing_cache.Whose("https://hs.example", whoami, environ).forget(gone)
    assert asked == []  # nothing cached: no request to learn the user ID
    listing_cache.remember("https://hs.example", "@bob:x", [pusher(pushkey="gone")], environ)
    listing_cache.Whose("https://hs.example", whoami, environ).forget(gone)
    assert asked == ["whoami"]
    listing = listing_cache.recall_listing("https://hs.example", "@bob:x", environ)
    assert listing is not None and listing.pushers == []


def _check_ids_in_code() -> set[str]:
    """Every check ID the code makes a finding of: constants given to problem/warning/info."""
    import ast

    package = Path(__file__).resolve().parent.parent / "pushctl"
    trees = [ast.parse(path.read_text()) for path in package.rglob("*.py")]
    # module constants by name (FAILING = "pusher.failing"), used as health.FAILING too
    constants = {
        target.id: node.value.value
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            named = getattr(first, "id", getattr(first, "attr", None))
            if name not in ("problem", "warning", "info", "Finding"):
                continue
            if isinstance(first, ast.Constant):
                found.add(first.value)
            elif named in constants:
                found.add(constants[named])
    # problem/warning/info of findings, not of logging: check IDs look like "gateway.blocked"
    return {i for i in found if isinstance(i, str) and re.fullmatch(r"[a-z-]+\.[a-z0-9.-]+", i)}


def test_every_check_of_the_code_files_under_a_known_area() -> None:
    from pushctl.doctor.findings import AREA_ORDER, AREAS, prefix_of

    ids = _check_ids_in_code()
    assert {"pushers.none", "gateway.blocked", "pusher.failing", "email.no-3pid"} <= ids
    assert {i for i in ids if prefix_of(i) not in AREAS} == set()
    assert set(AREA_ORDER) == set(AREAS.values())


def test_a_finding_of_a_check_with_no_area_cannot_be_made() -> None:
    from pushctl.doctor.findings import problem

    with pytest.raises(ValueError, match=r"'webpush\.x'"):
        problem("webpush.x", "seen", "advice")
