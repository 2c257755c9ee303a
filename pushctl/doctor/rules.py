"""Push rules that silence an account: the master rule or one like it, default rules, muted rooms.

Pure code: each check takes the answer of ``GET /pushrules/`` (and, for muted
rooms, the names of the rooms it could read) and returns findings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pushctl.doctor.findings import Finding, problem, warning

MASTER = ".m.rule.master"
#: server-default rules that notify unless someone changed them (override and underride)
NOTIFYING_DEFAULTS = (
    ".m.rule.invite_for_me",
    ".m.rule.is_user_mention",
    ".m.rule.is_room_mention",
    ".m.rule.contains_display_name",
    ".m.rule.roomnotif",
    ".m.rule.contains_user_name",
    ".m.rule.call",
    ".m.rule.encrypted_room_one_to_one",
    ".m.rule.room_one_to_one",
    ".m.rule.message",
    ".m.rule.encrypted",
)
KINDS = ("override", "content", "room", "sender", "underride")
#: event keys every event has, so that the pattern ``*`` on them matches every event
ALWAYS_PRESENT_KEYS = ("type", "room_id", "sender")
#: ``room_member_count`` tests every room passes: a room has at least its reader in it
ANY_MEMBER_COUNT = (">=0", ">0", ">=1")


def global_rules(ruleset: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(kind, rule) for each rule of the ``global`` ruleset, tolerating odd answers."""
    scope = ruleset.get("global") if isinstance(ruleset, Mapping) else None
    if not isinstance(scope, Mapping):
        return
    for kind in KINDS:
        rules = scope.get(kind)
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, Mapping) and isinstance(rule.get("rule_id"), str):
                yield kind, rule


def notifies(rule: Mapping[str, Any]) -> bool:
    actions = rule.get("actions")
    return isinstance(actions, list) and "notify" in actions


def enabled(rule: Mapping[str, Any]) -> bool:
    return rule.get("enabled", True) is not False


def check_master(ruleset: Any) -> list[Finding]:
    for kind, rule in global_rules(ruleset):
        if kind == "override" and rule["rule_id"] == MASTER and enabled(rule):
            return [
                problem(
                    "push-rules.master",
                    "the master push rule (.m.rule.master) is enabled: every notification "
                    "of the account is off",
                    "turn notifications for the account back on in the client's settings "
                    "(disable .m.rule.master)",
                )
            ]
    return []


def check_silencing(ruleset: Any) -> list[Finding]:
    """Enabled override or underride rules other than the master rule that mute every event."""
    found = []
    for kind, rule in global_rules(ruleset):
        if kind not in ("override", "underride") or rule["rule_id"] == MASTER:
            continue
        if not enabled(rule) or notifies(rule) or not matches_every_event(rule):
            continue
        found.append(_silencing(kind, rule["rule_id"]))
    return found


def _silencing(kind: str, rule_id: str) -> Finding:
    if kind == "override":
        effect = "every notification of the account is off, as with the master rule"
    else:
        # underrides come last: mentions, keywords and room rules still notify
        effect = "messages that no earlier rule (mentions, keywords, rooms) picks out never notify"
    return problem(
        "push-rules.silence-all",
        f"the {kind} push rule {rule_id} matches every event and does not notify: {effect}",
        "disable or delete the rule if the account should be notified (a client's advanced "
        f"notification settings, or DELETE /_matrix/client/v3/pushrules/global/{kind}/{rule_id})",
    )


def matches_every_event(rule: Mapping[str, Any]) -> bool:
    """True when every condition of *rule* (none at all included) holds for any event."""
    conditions = rule.get("conditions", [])
    if not isinstance(conditions, list):
        return False
    return all(_always_holds(c) for c in conditions)


def _always_holds(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False  # a condition the server cannot read never matches
    kind = condition.get("kind")
    if kind == "event_match":
        pattern = condition.get("pattern")
        return (
            condition.get("key") in ALWAYS_PRESENT_KEYS
            and isinstance(pattern, str)
            and pattern != ""
            and set(pattern) == {"*"}
        )
    if kind == "room_member_count":
        return str(condition.get("is", "")).replace(" ", "") in ANY_MEMBER_COUNT
    return False


def check_defaults(ruleset: Any) -> list[Finding]:
    found = []
    for _, rule in global_rules(ruleset):
        rule_id = rule["rule_id"]
        if rule_id not in NOTIFYING_DEFAULTS:
            continue
        if not enabled(rule):
            state = "is disabled"
        elif not notifies(rule):
            state = "no longer notifies (its actions were changed)"
        else:
            continue
        found.append(
            warning(
                "push-rules.default-disabled",
                f"the default push rule {rule_id} {state}",
                "restore the client's default notification settings if these events should notify",
            )
        )
    return found


def muted_rooms(ruleset: Any) -> list[str]:
    """Rooms silenced by an enabled override or room rule that does not notify."""
    rooms: list[str] = []
    for kind, rule in global_rules(ruleset):
        if not enabled(rule) or notifies(rule):
            continue
        room_id = None
        if kind == "room" and not rule["rule_id"].startswith("."):
            room_id = rule["rule_id"]
        elif kind == "override":
            room_id = _only_room_condition(rule)
        if room_id and room_id not in rooms:
            rooms.append(room_id)
    return rooms


def _only_room_condition(rule: Mapping[str, Any]) -> str | None:
    """The room of an override whose only condition is ``room_id`` == that room."""
    conditions = rule.get("conditions")
    if not isinstance(conditions, list) or len(conditions) != 1:
        return None
    [condition] = conditions
    if not isinstance(condition, Mapping) or condition.get("kind") != "event_match":
        return None
    if condition.get("key") != "room_id" or not isinstance(condition.get("pattern"), str):
        return None
    pattern: str = condition["pattern"]
    return pattern if pattern.startswith("!") and "*" not in pattern else None


def check_muted(rooms: list[str], names: Mapping[str, str]) -> list[Finding]:
    found = []
    for room_id in rooms:
        name = names.get(room_id)
        shown = f"{name} ({room_id})" if name else room_id
        found.append(
            warning(
                "push-rules.room-muted",
                f"room {shown} is muted: its messages do not notify",
                "unmute the room in the client if its messages should notify",
                room_id=room_id,
            )
        )
    return found
