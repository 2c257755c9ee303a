"""Every gateway URL of the homeserver's pushers: its verdict, and a look from this host.

The verdict is the homeserver's (:mod:`.blocklist`); the look is ``doctor``'s
fingerprint (:func:`pushctl.doctor.gateways.fingerprint`): a ``GET`` on the
notify URL, which sends no pushkey and so reaches no device.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pushctl.doctor import gateways
from pushctl.doctor.fingerprints import Fingerprint
from pushctl.homeserver.concurrency import map_interruptibly
from pushctl.homeserver_host import blocklist
from pushctl.pushers import kinds
from pushctl.runs.gateway import ProbeSettings


@dataclass(frozen=True)
class Gateway:
    url: str
    pushers: int
    verdict: blocklist.Verdict
    probe: Fingerprint | None = None

    @property
    def problem(self) -> bool:
        return self.verdict.verdict != blocklist.ALLOWED

    def as_json(self) -> dict[str, Any]:
        """One entry of ``fleet gateways --json`` (a contract: README)."""
        refused = self.verdict.blocked_by
        return {
            "url": self.url,
            "pushers": self.pushers,
            "verdict": self.verdict.verdict,
            "addresses": list(self.verdict.addresses),
            "blocked_by": next(iter(refused.values()), None),
            "refused": [{"address": a, "range": r} for a, r in refused.items()],
            "reason": self.verdict.reason,
            "advice": blocklist.advice(self.url, self.verdict) or None,
            "probe": None
            if self.probe is None
            else {"result": self.probe.kind, "detail": self.probe.detail or None},
        }


def urls(pushers: Iterable[dict[str, Any]]) -> Counter[str]:
    """How many pushers use each gateway URL (pushers without one are left out)."""
    return Counter(url for p in pushers if (url := kinds.gateway_url(p)))


def judge_all(
    counts: Counter[str], rules: blocklist.Rules, probe: ProbeSettings | None
) -> list[Gateway]:
    """Each URL's verdict (most used first) and, with *probe*, what answers there."""
    ordered = sorted(counts, key=lambda u: (-counts[u], u))
    judged = [Gateway(u, counts[u], blocklist.judge(u, rules)) for u in ordered]
    if probe is None:
        return judged
    from dataclasses import replace

    looks = map_interruptibly(
        lambda g: gateways.fingerprint(g.url, probe), judged, max(1, min(16, len(judged)))
    )
    return [replace(g, probe=look) for g, look in zip(judged, looks, strict=True)]
