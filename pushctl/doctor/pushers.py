"""Checks on the pushers themselves: none at all, disabled, broken, vanished.

Pure code: each check takes the pushers (and what else it needs) and returns findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pushctl.doctor.findings import Finding, plural, problem, warning
from pushctl.pushers import kinds, model
from pushctl.pushers.devices import describe_time, enabled_of


def describe(pusher: Mapping[str, Any]) -> str:
    """``org.example.app (Phone)``: how a finding names a pusher."""
    name = pusher.get("device_display_name") or pusher.get("app_display_name")
    return f"{pusher.get('app_id')} ({name})" if name else str(pusher.get("app_id"))


def check_none(pushers: Sequence[model.Pusher]) -> list[Finding]:
    if pushers:
        return []
    return [
        problem(
            "pushers.none",
            "the account has no pushers: the homeserver sends notifications to no device",
            "open the app on the phone and turn notifications on (it registers a pusher); "
            "re-register after reinstalling",
        )
    ]


def check_disabled(pushers: Iterable[model.Pusher]) -> list[Finding]:
    return [
        problem(
            "pusher.disabled",
            f"pusher {describe(p)} is disabled (enabled: false): nothing is pushed to it",
            "turn notifications for this session back on in the client",
            pusher=p,
        )
        for p in pushers
        if enabled_of(p) is False
    ]


def check_invalid(pushers: Iterable[model.Pusher]) -> list[Finding]:
    found = []
    for pusher in pushers:
        spec_fields = {k: v for k, v in pusher.items() if k in model.FIELDS and v is not None}
        if not spec_fields.get("profile_tag"):
            spec_fields.pop("profile_tag", None)
        kind = kinds.of(pusher)
        if not kind.known:
            found.append(_unknown_kind(pusher, kind.name))
            continue
        errors = model.errors_only(model.validate_pusher(spec_fields))
        if errors:
            found.append(
                problem(
                    "pusher.invalid",
                    f"pusher {describe(pusher)} breaks the rules of a pusher: "
                    + "; ".join(str(e) for e in errors),
                    "delete it and let the app register it again (pushctl delete)",
                    pusher=pusher,
                )
            )
    return found


def _unknown_kind(pusher: model.Pusher, kind: str) -> Finding:
    # A warning, not a problem: the app chose the kind (gomuks' webpush, say) and a
    # homeserver that knows it pushes to it; Synapse stores any kind and pushes to http only.
    return warning(
        "pusher.unknown-kind",
        f"pusher {describe(pusher)} is of kind {kind!r}, which pushctl does not know; "
        "Synapse stores such a pusher and sends it nothing",
        "if that device should get notifications, let its app register an http pusher",
        pusher=pusher,
    )


def check_vanished(
    pushers: Iterable[model.Pusher],
    earlier: Iterable[Mapping[str, Any]],
    listed_at_ms: int | None,
    now_ms: int,
) -> list[Finding]:
    """Pushers of an earlier listing that are gone now."""
    present = {model.key_of(p) for p in pushers}
    when = f" (last seen {describe_time(listed_at_ms, now_ms)})" if listed_at_ms else ""
    found = []
    for gone in earlier:
        if model.key_of(gone) in present:
            continue
        found.append(
            warning(
                "pusher.vanished",
                f"pusher {describe(gone)} of an earlier listing is gone{when}",
                "the usual cause is its gateway rejecting the pushkey; open the app so that "
                "it registers again, and check the app's push setup (APNs sandbox or "
                "production, FCM project)",
                pusher=gone,
            )
        )
    return found


def summary(pushers: Sequence[model.Pusher]) -> str:
    return plural(len(pushers), "pusher")
