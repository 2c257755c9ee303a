"""``doctor --synapse-config``: the homeserver's side of one account's report.

``gateway.blocked`` is the homeserver's own verdict (:mod:`.blocklist`), so it
replaces ``doctor``'s guess ``gateway.private-address``; ``pusher.failing`` is
what Synapse recorded in its database (:mod:`.health`).
"""

from __future__ import annotations

from pushctl.doctor.findings import Finding, problem
from pushctl.homeserver_host import blocklist, database, health
from pushctl.homeserver_host.config import SynapseConfig
from pushctl.pushers import kinds

#: doctor's guess from the addresses alone, which the homeserver's verdict replaces
GUESS = "gateway.private-address"


def findings(found: SynapseConfig, user_id: str) -> list[Finding]:
    """``pusher.failing`` and ``gateway.blocked`` for *user_id*'s pushers."""
    with database.opened(found.database) as reader:
        stored = [s for s in database.pushers(reader) if s.pusher["user_id"] == user_id]
    result = [_failing(s) for s in stored if s.failing_since is not None]
    rules = blocklist.Rules.of(found.ip_blocklist, found.ip_allowlist)
    judged: dict[str, blocklist.Verdict] = {}
    for item in stored:
        url = kinds.gateway_url(item.pusher)
        if url is None or url in judged:
            continue
        judged[url] = verdict = blocklist.judge(url, rules)
        if verdict.verdict != blocklist.ALLOWED:
            result.append(_blocked(url, verdict, item.pusher))
    return result


def _failing(item: database.StoredPusher) -> Finding:
    since = health.iso(item.failing_since)
    success = health.iso(item.last_success) or "never"
    return problem(
        health.FAILING,
        f"the homeserver has failed to deliver to pusher {item.pusher['app_id']} since "
        f"{since} (last success: {success}); after 24 h of failing Synapse drops notifications",
        "check the gateway's logs and that the homeserver can reach it "
        "(pushctl fleet gateways --synapse-config)",
        pusher=item.pusher,
    )


def _blocked(url: str, verdict: blocklist.Verdict, pusher: dict[str, object]) -> Finding:
    if verdict.blocked_by:
        refused = ", ".join(f"{a} (in {r})" for a, r in verdict.blocked_by.items())
        seen = f"the homeserver refuses to push to {url}: {refused}"
    else:
        seen = f"the homeserver cannot push to {url}: {verdict.reason or 'it does not resolve'}"
    return problem("gateway.blocked", seen, blocklist.advice(url, verdict), pusher=pusher)
