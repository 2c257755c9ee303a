"""Desired pushers against the server's: the plan, pure of I/O.

:func:`make_plan` compares after :func:`pushctl.pushers.model.normalise` (so an empty
``profile_tag`` equals none), and the enabled state (MSC3881) where the file
states one: each desired pusher is created, updated or left unchanged, and with
``prune`` each pusher the server has and the file lacks is deleted. An update
carries the server's enabled state unless the file states one, so a paused
pusher stays paused. A pusher to take over from other accounts is always
written: only the write can remove it from accounts this one cannot see.
:mod:`pushctl.runs.executor` applies a plan's writes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from pushctl.pushers import model


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"


WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE)


class Desired(Protocol):
    """A pusher the file asks for, and the line it is on."""

    @property
    def pusher(self) -> model.Pusher: ...

    @property
    def line(self) -> int: ...


@dataclass(frozen=True)
class Change:
    """One step of a plan."""

    action: Action
    #: the pusher to set (create, update, unchanged) or the server's (delete)
    pusher: model.Pusher
    #: line in the file; None for a delete (the file lacks the pusher)
    line: int | None = None
    #: fields that differ, for an update ("lang", "data.url", "enabled", ...)
    fields: tuple[str, ...] = ()
    #: the server's record of this key when the plan was made; None when it had none.
    #: A write goes ahead only while the server still holds exactly this
    #: (:mod:`pushctl.runs.guard`)
    seen: model.Pusher | None = None
    #: set with ``append: false``: the homeserver removes this app ID and pushkey
    #: from every other account
    take_over: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return model.key_of(self.pusher)


@dataclass
class Plan:
    changes: list[Change]

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action in WRITES]

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def counts(self) -> dict[str, int]:
        return {action.value: self.count(action) for action in Action}


def make_plan(
    desired: Iterable[Desired],
    current: Iterable[model.Pusher],
    prune: bool = False,
    take_over: bool = False,
) -> Plan:
    """Creates, updates and unchanged in file order, then deletes (with *prune*).

    *take_over* takes every pusher over, as ``take_over: true`` in an entry does.
    """
    remaining = {model.key_of(p): p for p in current}
    changes = []
    for item in desired:
        found = remaining.pop(model.key_of(item.pusher), None)
        taken = take_over or model.takes_over(item.pusher)
        if found is None:
            changes.append(Change(Action.CREATE, item.pusher, item.line, take_over=taken))
            continue
        pusher = model.with_state_of(item.pusher, found)
        differing = differences(found, pusher)
        action = Action.UPDATE if differing or taken else Action.UNCHANGED
        changes.append(Change(action, pusher, item.line, differing, seen=found, take_over=taken))
    if prune:
        changes += [deletion(p) for p in remaining.values()]
    return Plan(changes)


def deletion(pusher: model.Pusher) -> Change:
    """Delete the server's *pusher*, as long as the server still holds it as it is."""
    return Change(Action.DELETE, pusher, seen=pusher)


def differences(current: model.Pusher, desired: model.Pusher) -> tuple[str, ...]:
    """The fields (``data.KEY`` for data) whose normalised values differ.

    ``enabled`` differs when *desired* states a state other than the server's (a
    server that reports none pushes: MSC3881's default is enabled).
    """
    old, new = model.normalise(current), model.normalise(desired)
    state = model.enabled_state(desired)
    enabled = () if state is None or state == _server_state(current) else ("enabled",)
    if old == new:
        return enabled
    found = []
    for name in model.FIELDS:
        if old[name] == new[name]:
            continue
        if name == "data" and isinstance(old["data"], dict) and isinstance(new["data"], dict):
            keys = dict.fromkeys([*old["data"], *new["data"]])
            found += [f"data.{k}" for k in keys if old["data"].get(k) != new["data"].get(k)]
        else:  # a server's data that is no object differs as a whole
            found.append(name)
    return (*found, *enabled)


def _server_state(current: model.Pusher) -> bool:
    state = model.enabled_state(current)
    return True if state is None else state
