"""The pure parts of the support commands: durations, device links, verdicts, notify bodies."""

from __future__ import annotations

from typing import Any

import pytest

from pushctl.errors import UsageError
from pushctl.pushers import devices
from pushctl.runs import gateway, prune
from tests.support.accounts import make_pusher

DAY_MS = 86400 * 1000
NOW_MS = 1_700_000_000_000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90d", 90 * 86400), ("12h", 12 * 3600), ("2w", 14 * 86400), ("30m", 1800), ("5s", 5)],
)
def test_durations(text: str, seconds: int) -> None:
    assert devices.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["90", "d", "1.5d", "-3d", "3y", "0d", ""])
def test_bad_durations_name_the_flag(text: str) -> None:
    with pytest.raises(UsageError, match="--inactive"):
        devices.parse_duration(text)


def _device(device_id: str, last_seen: int | None, name: str | None = None) -> dict[str, object]:
    return {"device_id": device_id, "display_name": name, "last_seen_ts": last_seen}


def test_activity_of_known_and_unknown_devices() -> None:
    old = make_pusher(pushkey="old", device_id="OLD")
    fresh = make_pusher(pushkey="fresh", device_id="NEW")
    never = make_pusher(pushkey="never", device_id="UNUSED")
    orphan = make_pusher(pushkey="orphan", device_id=None)
    vanished = make_pusher(pushkey="vanished", device_id="GONE")
    client_api = make_pusher(pushkey="client")  # no device field at all
    known = [
        _device("OLD", NOW_MS - 100 * DAY_MS, "Old phone"),
        _device("NEW", NOW_MS - DAY_MS),
        _device("UNUSED", None),
    ]
    judged = devices.judge_activity(
        [old, fresh, never, orphan, vanished, client_api], known, 90 * 86400, NOW_MS
    )
    verdicts = {a.pusher["pushkey"]: a for a in judged}
    assert verdicts["old"].inactive is True
    assert "OLD (Old phone)" in verdicts["old"].reason and "14 w ago" in verdicts["old"].reason
    assert verdicts["fresh"].inactive is False
    for undecidable in ("never", "orphan", "vanished", "client"):
        assert verdicts[undecidable].inactive is None, undecidable
    assert "never used" in verdicts["never"].reason
    assert "no device" in verdicts["orphan"].reason
    assert "no longer exists" in verdicts["vanished"].reason
    assert "MSC3881" in verdicts["client"].reason


def test_msc3881_device_field_links_too() -> None:
    pusher = make_pusher(**{devices.MSC3881_DEVICE_ID: "D1", devices.MSC3881_ENABLED: False})
    [linked] = devices.with_devices([pusher], [_device("D1", NOW_MS, "Tablet")])
    assert linked["device"]["display_name"] == "Tablet"
    assert devices.enabled_of(pusher) is False


def test_unknown_device_is_null_with_a_reason() -> None:
    [linked] = devices.with_devices([make_pusher()], [])
    assert linked["device"] is None and "MSC3881" in linked["device_unknown_reason"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5 s ago"), (120, "2 min ago"), (7200, "2 h ago"), (3 * 86400, "3 d ago"),
     (13 * 86400, "13 d ago"), (15 * 86400, "2 w ago"), (-5, "in the future")],
)  # fmt: skip
def test_ages(seconds: int, text: str) -> None:
    assert devices.describe_age(seconds) == text


def test_notification_follows_the_push_gateway_api() -> None:
    pusher = make_pusher(
        pushkey="pk", data={"url": "https://gw.pushctl.invalid/_matrix/push/v1/notify", "x": 1}
    )
    body = gateway.notification(pusher, "$pushctl-test-abc")["notification"]
    assert body["event_id"] == "$pushctl-test-abc"
    assert body["prio"] == "high" and body["counts"] == {"unread": 1}
    [device] = body["devices"]
    assert device["app_id"] == pusher["app_id"] and device["pushkey"] == "pk"
    assert device["data"] == {"x": 1}, "the url stays out of the device data"
    assert isinstance(device["pushkey_ts"], int) and device["tweaks"] == {}


@pytest.mark.parametrize(
    ("url", "allowed", "fragment"),
    [
        ("http://gw.pushctl.invalid/_matrix/push/v1/notify", False, "unencrypted"),
        ("ftp://gw.pushctl.invalid/_matrix/push/v1/notify", False, "not an http(s) URL"),
        ("https://gw.pushctl.invalid/notify", False, "path"),
    ],
)
def test_pushers_that_are_not_probed(url: str, allowed: bool, fragment: str) -> None:
    reason = gateway.refusal(make_pusher(data={"url": url}), allowed)
    assert reason is not None and fragment in reason


def test_the_command_line_names_the_flag_that_allows_plain_http() -> None:
    from pushctl.cli.hints import annotate

    url = "http://gw.pushctl.invalid/_matrix/push/v1/notify"
    reason = str(gateway.refusal(make_pusher(data={"url": url}), False))
    assert "--" not in reason, "the core names no flag"
    assert annotate(reason) == (
        "plain http to gw.pushctl.invalid would send the pushkey unencrypted; "
        "pass --allow-insecure-http to test it anyway"
    )


def test_plain_http_is_probed_on_loopback_or_when_allowed() -> None:
    loopback = make_pusher(data={"url": "http://127.0.0.1:9/_matrix/push/v1/notify"})
    remote = make_pusher(data={"url": "http://gw.pushctl.invalid/_matrix/push/v1/notify"})
    assert gateway.refusal(loopback, False) is None
    assert gateway.refusal(remote, True) is None
    assert "email" in str(gateway.refusal(make_pusher(kind="email"), False))


def test_prune_plan_deletes_only_what_is_known_dead() -> None:
    dead, fine, lost, idle = (make_pusher(pushkey=k) for k in ("dead", "fine", "lost", "idle"))
    probes = [
        gateway.Probe(dead, gateway.REJECTED, "rejected"),
        gateway.Probe(fine, gateway.DELIVERED),
        gateway.Probe(lost, gateway.UNREACHABLE, "connection refused"),
        gateway.Probe(idle, gateway.DELIVERED),
    ]
    activity = [
        devices.Activity(dead, None, "device unknown"),
        devices.Activity(fine, False, "seen today"),
        devices.Activity(lost, None, "device unknown"),
        devices.Activity(idle, True, "last seen long ago"),
    ]
    plan = prune.plan([dead, fine, lost, idle], probes, activity)
    assert [(v.pusher["pushkey"], v.reason) for v in plan.doomed] == [
        ("dead", "the gateway rejects its pushkey"),
        ("idle", "last seen long ago"),
    ]
    [undecided] = plan.undecided
    assert undecided.pusher["pushkey"] == "lost"
    assert "unreachable: connection refused" in undecided.reason
    assert "device unknown" in undecided.reason


class FakeTarget:
    """The reads of an acting.Target, from lists in memory."""

    def __init__(self, pushers: list[dict[str, object]], devices: list[dict[str, object]]):
        self._pushers, self._devices = pushers, devices
        self.device_reads = 0

    def pushers(self) -> list[dict[str, object]]:
        return self._pushers

    def devices(self) -> list[dict[str, object]]:
        self.device_reads += 1
        return self._devices


def test_find_dead_judges_a_targets_pushers_without_the_command_line() -> None:
    import time

    now_ms = int(time.time() * 1000)
    idle = make_pusher(pushkey="idle", device_id="OLD")
    fresh = make_pusher(pushkey="fresh", device_id="NEW")
    other_app = make_pusher(pushkey="other", app_id="org.example.other", device_id="OLD")
    where: Any = FakeTarget(
        [idle, fresh, other_app],
        [_device("OLD", now_ms - 100 * DAY_MS), _device("NEW", now_ms - DAY_MS)],
    )
    found = prune.find_dead(where, inactive_seconds=90 * 86400, app_id=idle["app_id"])
    assert [v.pusher["pushkey"] for v in found.doomed] == ["idle"]
    assert found.undecided == []
    assert prune.find_dead(where).doomed == [], "no criterion: nothing is dead"


def test_find_dead_reads_no_devices_when_no_pusher_names_one() -> None:
    where: Any = FakeTarget([make_pusher(pushkey="client")], [])
    found = prune.find_dead(where, inactive_seconds=86400)
    assert found.doomed == [] and where.device_reads == 0
    [undecided] = found.undecided
    assert "MSC3881" in undecided.reason


def test_find_dead_sends_nothing_to_a_gateway_it_must_not_probe() -> None:
    plain = make_pusher(
        pushkey="plain", data={"url": "http://gw.pushctl.invalid/_matrix/push/v1/notify"}
    )
    mail = make_pusher(pushkey="a@example.org", kind="email", app_id="m.email")
    mine: Any = FakeTarget([plain, mail], [])
    found = prune.find_dead(mine, rejected=True)
    assert found.doomed == []
    [undecided] = found.undecided
    assert undecided.pusher is plain and "gateway test skipped" in undecided.reason
