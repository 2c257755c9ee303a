"""The runs of ``delete``, ``pause`` and ``resume``: what they show, ask and write.

Their flags are in :mod:`pushctl.cli.selection`, which imports this module only
in the command that runs. ``prune`` ends its deletions with the same words
(:func:`deletion_words`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from pushctl.cli.account import target
from pushctl.cli.common import confirm, environment
from pushctl.cli.ending import finish
from pushctl.cli.hints import outcome_error
from pushctl.output import render
from pushctl.output.columns import pushers_table
from pushctl.output.environment import Environment
from pushctl.output.formats import Format
from pushctl.pushers import model, pausing
from pushctl.pushers.plan import Action, Change, Plan
from pushctl.runs import executor
from pushctl.runs.deleting import delete_pushers
from pushctl.runs.guard import for_client, for_target
from pushctl.runs.outcomes import deleted, switched
from pushctl.runs.report import Report
from pushctl.runs.verdict import Words
from pushctl.words import plural

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

#: the words of pause and resume, by the state each sets
VERB = {False: "pause", True: "resume"}
DONE = {False: "paused", True: "resumed"}


# -- delete --------------------------------------------------------------------


def delete(
    ctx: typer.Context,
    filters: dict[str, str | None],
    yes: bool,
    dry_run: bool,
    output: Format,
    user: str | None,
) -> None:
    """Delete the pushers *filters* select (``--app-id`` and ``--pushkey``: exactly one)."""
    env = environment(ctx)
    where = target(ctx, user)
    doomed = model.select(where.pushers(), **filters)
    picked = [(p, None) for p in doomed]
    if not doomed:
        env.info("no pusher matches: nothing to delete")
    exact = filters["app_id"] is not None and filters["pushkey"] is not None
    if doomed and (dry_run or not exact) and output is not Format.JSON:
        _show_selection(env, doomed, dry_run)
    if dry_run or not doomed:
        finish(env, deleted(picked, None, deletion_words(), dry_run=dry_run), output)
        return
    if not exact:
        if output is Format.JSON and not yes and env.can_prompt:  # a question with its subject
            _show_selection(env.on_stderr(), doomed, dry_run=False)
        confirm(env, f"Delete {_count(len(doomed))}?", yes)

    with where.writer(on_revoke_failure=env.warn) as client:
        guarded = for_target(where)
        report = delete_pushers(client, doomed, guard=guarded, whose=where.whose()).report
    finish(env, deleted(picked, report, deletion_words(), dry_run=False), output)


def _show_selection(env: Environment, pushers: list[model.Pusher], dry_run: bool) -> None:

    env.info(f"{'Would delete' if dry_run else 'Will delete'} {_count(len(pushers))}:")
    pushers_table(env, pushers)


def deletion_words() -> Words:
    """How ``delete`` and ``prune`` speak of their runs."""

    return Words(
        "deleted", "pusher", name=lambda change: pusher_name(change.pusher), error=outcome_error
    )


def pusher_name(pusher: model.Pusher) -> str:

    return f"{pusher.get('app_id')} {render.shorten(str(pusher.get('pushkey', '')))}"


# -- pause and resume ----------------------------------------------------------


def switch(
    ctx: typer.Context,
    enabled: bool,
    filters: dict[str, str | None],
    yes: bool,
    dry_run: bool,
    output: Format,
    user: str | None,
) -> None:
    """Pause (*enabled* false) or resume the pushers *filters* select."""
    exact = filters["app_id"] is not None and filters["pushkey"] is not None
    as_json = output is Format.JSON
    env = environment(ctx)
    with target(ctx, user).writer(on_revoke_failure=env.warn) as client:
        plan = _plan(client, filters, enabled, user)
        if not as_json:
            _show(env, plan, enabled, dry_run, table=dry_run or not exact)
        if dry_run or not plan.writes:
            finish(env, switched(enabled, plan, None, _words(enabled), dry_run=dry_run), output)
            return
        if not exact:
            if as_json and not yes and env.can_prompt:  # a question comes with what it is about
                _show(env.on_stderr(), plan, enabled, False, table=True)
            confirm(env, f"{VERB[enabled].capitalize()} {_count(len(plan.writes))}?", yes)
        report = _apply(plan, client)
    finish(env, switched(enabled, plan, report, _words(enabled), dry_run=False), output)


def _plan(client: Client, filters: dict[str, str | None], enabled: bool, user: str | None) -> Plan:
    """The selected pushers' plan, read as the account's own clients read them.

    With ``--user`` too (through the acting token): only that answer says whether
    the homeserver honours the state, and it is the record to re-send.
    """

    selected = model.select(client.get_pushers(), **filters)
    if selected:
        pausing.require_support(selected, user or "this account")
    return pausing.state_plan(selected, enabled)


def _apply(plan: Plan, client: Client) -> Report:

    return executor.apply(plan, client, guard=for_client(client))


def _show(env: Environment, plan: Plan, enabled: bool, dry_run: bool, table: bool) -> None:

    if not plan.changes:
        env.info(f"no pusher matches: nothing to {VERB[enabled]}")
        return
    already = plan.count(Action.UNCHANGED)
    if already:
        env.info(f"{_count(already)} already {DONE[enabled]}: unchanged")
    if plan.writes and table:
        doing = "Would" if dry_run else "Will"
        env.info(f"{doing} {VERB[enabled]} {_count(len(plan.writes))}:")
        pushers_table(env, [pausing.as_found(c, enabled) for c in plan.writes])


def _words(enabled: bool) -> Words:
    """How ``pause`` and ``resume`` speak of their runs (:mod:`pushctl.runs.verdict`)."""

    return Words(verb=DONE[enabled], noun="pusher", again="run the same command again", name=_name)


def _name(change: Change) -> str:

    return f"{change.key[0]} {render.shorten(change.key[1])}"


def _count(number: int) -> str:
    return plural(number, "pusher")
