"""Writes conditional on what was planned: a change whose pusher moved on is skipped.

A plan is made from a listing. Between that listing and the writes (a person
reading the plan at ``[y/N]``, a long ``fleet`` run) a phone may log out (its
pusher is deleted), register again (its pusher changes), or the account may
be deactivated or locked. ``/pushers/set`` creates or replaces whatever it
is sent, and the Matrix API has no conditional write; so just before an
account's first write, a :class:`Guard` reads that account once (its state,
where the admin API tells it, and its pushers) and lets a change through only
while the server's record of its ``(app_id, pushkey)`` is exactly the one the
plan saw (:attr:`pushctl.pushers.plan.Change.seen`). Anything else is *skipped*,
with the reason: neither applied nor failed, and planned afresh by a re-run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pushctl.acting import admin
from pushctl.acting.target import Target
from pushctl.homeserver.clones import PerThread
from pushctl.pushers.model import Pusher, key_of
from pushctl.pushers.plan import Change

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

DELETED = "deleted on the server since the plan"
CHANGED = "changed on the server since the plan"
CREATED = "created on the server since the plan"
DEACTIVATED = "the account is deactivated"
LOCKED = "the account is locked"

#: an account's pushers, read with a client of the guard's own
ReadPushers = Callable[["Client", str | None], list[Pusher]]
#: why nothing may be written into an account (deactivated, locked), or None
ReadProblem = Callable[["Client", str | None], str | None]

_Records = dict[tuple[str, str], Pusher]


class Guard:
    """One run's check of each change against the server, one read per account.

    Thread-safe: the bulk writer's workers call :meth:`check`; the first
    change of an account reads it (the others of that account wait for that
    read), each worker thread with its own HTTP session. A read that fails
    raises, for every change of that account: nothing unverified is written.
    """

    def __init__(
        self,
        client: Client,
        read_pushers: ReadPushers,
        read_problem: ReadProblem | None = None,
    ) -> None:
        self.client = client
        self.read_pushers = read_pushers
        self.read_problem = read_problem
        self.lock = threading.Lock()
        self.account_locks: dict[str | None, threading.Lock] = {}
        self.accounts: dict[str | None, tuple[str | None, _Records] | Exception] = {}
        self.clients = PerThread(client)

    def check(self, change: Change) -> str | None:
        """Why *change* must not be written now; None when it still may."""
        problem, records = self._account(account_of(change))
        if problem is not None:
            return problem
        return judge(change, records.get(change.key))

    def close(self) -> None:
        self.clients.close()

    def _account(self, account: str | None) -> tuple[str | None, _Records]:
        with self.lock:
            account_lock = self.account_locks.setdefault(account, threading.Lock())
        with account_lock:
            known = self.accounts.get(account)
            if known is None:
                known = self.accounts[account] = self._read(account)
        if isinstance(known, Exception):
            raise known
        return known

    def _read(self, account: str | None) -> tuple[str | None, _Records] | Exception:
        client = self.clients.own()
        try:
            problem = self.read_problem(client, account) if self.read_problem else None
            if problem is not None:
                return problem, {}
            return None, {key_of(p): p for p in self.read_pushers(client, account)}
        except Exception as exc:  # kept: each change of this account fails with it
            return exc


def account_of(change: Change) -> str | None:
    """The account a change writes into: its ``user_id`` (fleet), else the run's one account."""
    user = change.pusher.get("user_id")
    return str(user) if user is not None else None


def judge(change: Change, now: Pusher | None) -> str | None:
    """Why the server's record *now* no longer allows *change*; None when it does."""
    if now == change.seen:
        return None
    if change.seen is None:
        return CREATED
    return DELETED if now is None else CHANGED


def account_problem(state: dict[str, Any]) -> str | None:
    """Why nothing may be written into an account the admin API describes as *state*."""
    if state.get("deactivated"):
        return DEACTIVATED
    if state.get("locked"):
        return LOCKED
    return None


def for_target(target: Target) -> Guard:
    """The guard of a run on one account (the token's own, or ``--user``'s).

    Through the admin API it also refuses a deactivated or locked account.
    """

    if not target.admin_api:
        return for_client(target.client)
    user = target.user_id
    assert user is not None
    return Guard(
        target.client,
        lambda client, _: admin.user_pushers(client, user),
        lambda client, _: account_problem(admin.account_state(client, user)),
    )


def for_client(client: Client) -> Guard:
    """The guard of a run whose plan came from *client*'s own ``GET /pushers``.

    An acting token's account state is not read: a locked or deactivated
    account refuses the read itself, so nothing is written there either.
    """
    return Guard(client, lambda reader, _: reader.get_pushers())


def for_fleet(client: Client) -> Guard:
    """The guard of a fleet run: each change's ``user_id`` read through the admin API.

    The records carry ``user_id`` as :mod:`pushctl.fleet.inventory` adds it.
    """

    def read_pushers(reader: Client, user: str | None) -> list[Pusher]:
        assert user is not None
        return [{**p, "user_id": user} for p in admin.user_pushers(reader, user)]

    def read_problem(reader: Client, user: str | None) -> str | None:
        assert user is not None
        return account_problem(admin.account_state(reader, user))

    return Guard(client, read_pushers, read_problem)
