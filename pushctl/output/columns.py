"""The one pusher table: its columns, with optional groups, for every listing of pushers.

``list``, ``list --user``/``--devices``, ``delete``'s selection and ``fleet
list`` all show pushers through :func:`pusher_columns`; the groups say which
columns a listing adds. The same columns make the CSV (:func:`pushctl.output.render.dump_csv`),
with JSON's field names as headers and every value whole.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.output.plain import Cell
from pushctl.output.render import Column, Item, field_value, shorten, show, table
from pushctl.pushers import devices
from pushctl.pushers.pusherstate import enabled_state
from pushctl.urls import split_or_none


def pusher_columns(
    wide: bool = False,
    *,
    user: bool = False,
    names: bool = True,
    device: bool = False,
    last_seen: bool = False,
    enabled: bool = False,
    whole_urls: bool | None = None,
) -> list[Column]:
    """The pusher table's columns; *wide* keeps pushkeys (and gateway URLs) whole.

    Groups: *user* (whose pusher, first), *names* (device, app and language
    names), *device* (the device ID, as the admin API or MSC3881 says),
    *last_seen* (the device's name and last-seen time, after
    :func:`pushctl.pushers.devices.with_devices`), *enabled* (whether the homeserver
    pushes to it, MSC3881; last). *whole_urls* defaults to *wide*.
    """
    whole = wide if whole_urls is None else whole_urls
    columns = [Column("User", "user_id", _text("user_id"))] if user else []
    columns += [
        Column("App ID", "app_id", _text("app_id")),
        Column("Pushkey", "pushkey", lambda p: _pushkey(p, wide)),
        Column("Kind", "kind", _text("kind")),
    ]
    if names:
        columns += [
            Column("Device", "device_display_name", _text("device_display_name")),
            Column("App", "app_display_name", _text("app_display_name")),
            Column("Lang", "lang", _text("lang")),
        ]
    columns.append(Column("Gateway", "data.url", lambda p: gateway_label(p, whole)))
    if device:
        columns.append(Column("Device ID", "device_id", _device_id, devices.device_id_of))
    if last_seen:
        now_ms = int(time.time() * 1000)
        columns += [
            Column("Device name", "device.display_name", _device_name),
            Column("Last seen", "device.last_seen_ts", lambda p: _last_seen(p, now_ms)),
        ]
    if enabled:
        columns.append(Column("Enabled", "enabled", _enabled, enabled_state))
    return columns


def report_state(pushers: Sequence[Item]) -> bool:
    """Whether the homeserver reports the enabled state (MSC3881) of any of *pushers*."""
    return any(enabled_state(p) is not None for p in pushers)


def pushers_table(env: Environment, pushers: Sequence[Item], wide: bool = False) -> None:
    """The plain pusher table, as ``list`` shows the token's own pushers: Enabled if reported."""
    columns = pusher_columns(wide, enabled=report_state(pushers))
    table(env, [c.header for c in columns], [[c.cell(p) for c in columns] for p in pushers])


def show_pushers(
    env: Environment, chosen: Any, pushers: Sequence[Item], columns: Sequence[Column]
) -> None:
    """Pushers in the chosen format; under the table, why some devices are unknown."""

    show(env, chosen, pushers, columns, empty="no pushers")
    if chosen is not Format.TABLE:
        return
    unknown = [p for p in pushers if "device" in p and p["device"] is None]
    for reason in sorted({str(p.get("device_unknown_reason")) for p in unknown}):
        count = sum(1 for p in unknown if p.get("device_unknown_reason") == reason)
        env.info(f"device unknown for {count} pusher{'' if count == 1 else 's'}: {reason}")


def gateway_label(pusher: Item, wide: bool) -> str:
    """The gateway's URL; only its origin when narrow (the path is always the same)."""

    url = _string(field_value(pusher, "data.url"))
    if wide or not url:
        return url
    parts = split_or_none(url)
    return f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else url


def _text(key: str) -> Any:
    return lambda pusher: _string(pusher.get(key))


def _string(value: Any) -> str:
    return "" if value is None else str(value)


def _pushkey(pusher: Item, wide: bool) -> str:
    value = _string(pusher.get("pushkey"))
    return value if wide else shorten(value)


def _device_id(pusher: Item) -> str | Cell:
    found = devices.device_id_of(pusher)
    return found or Cell("none" if devices.has_device_field(pusher) else "?", "unknown")


def _enabled(pusher: Item) -> str | Cell:
    """``yes``, ``no`` (in the disabled colour), or nothing when the state is unknown."""
    enabled = enabled_state(pusher)
    return "" if enabled is None else ("yes" if enabled else Cell("no", "disabled"))


def _device_name(pusher: Item) -> str | Cell:
    device = pusher.get("device")
    if not isinstance(device, dict):
        return Cell("?", "unknown")
    return _string(device.get("display_name") or "")


def _last_seen(pusher: Item, now_ms: int) -> str | Cell:
    device = pusher.get("device")
    if not isinstance(device, dict):
        return Cell("unknown", "unknown")
    seen = devices.last_seen_ms(device)
    return devices.describe_time(seen, now_ms) if seen is not None else Cell("never", "unknown")
