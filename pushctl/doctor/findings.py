"""What ``doctor`` reports: findings, each with a stable check ID, and their summary.

Pure code: no I/O. A finding says what was seen and what to do; it may name
the pusher (``app_id`` and ``pushkey``) or the room it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pushctl.words import plural as plural

PROBLEM = "problem"
WARNING = "warning"
#: something only a test notification can tell; counted neither as a problem nor a warning
INFO = "info"
_SEVERITY_ORDER = {PROBLEM: 0, WARNING: 1, INFO: 2}

#: the area of each check ID prefix (what comes before its first dot); a finding
#: whose prefix is not here cannot be made (a new prefix is added here first)
AREAS = {
    "pushers": "Pushers",
    "pusher": "Pushers",
    "email": "Pushers",
    "pushkey": "Pushers",
    "gateway": "Push gateways",
    "push-rules": "Push rules",
    "device": "Devices and account",
    "account": "Devices and account",
    "users": "Devices and account",
}
#: the areas in report order
AREA_ORDER = tuple(dict.fromkeys(AREAS.values()))


@dataclass(frozen=True)
class Finding:
    """One thing that stops or may stop notifications."""

    check: str
    severity: str
    message: str
    advice: str
    pusher: Mapping[str, Any] | None = None
    room_id: str | None = None

    def __post_init__(self) -> None:
        if prefix_of(self.check) not in AREAS:
            raise ValueError(f"check {self.check!r}: its prefix is not one of AREAS")

    @property
    def area(self) -> str:
        return AREAS[prefix_of(self.check)]

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "advice": self.advice,
        }
        if self.pusher is not None:
            result["pusher"] = pusher_ref(self.pusher)
        if self.room_id is not None:
            result["room_id"] = self.room_id
        return result


def prefix_of(check: str) -> str:
    return check.split(".", 1)[0]


def pusher_ref(pusher: Mapping[str, Any]) -> dict[str, Any]:
    return {"app_id": pusher.get("app_id"), "pushkey": pusher.get("pushkey")}


def problem(check: str, message: str, advice: str, **about: Any) -> Finding:
    return Finding(check, PROBLEM, message, advice, **about)


def warning(check: str, message: str, advice: str, **about: Any) -> Finding:
    return Finding(check, WARNING, message, advice, **about)


def info(check: str, message: str, advice: str, **about: Any) -> Finding:
    return Finding(check, INFO, message, advice, **about)


@dataclass(frozen=True)
class NotChecked:
    """An area that could not be looked at, and why."""

    area: str
    reason: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)

    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def problems(self) -> int:
        return sum(1 for f in self.findings if f.severity == PROBLEM)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def by_area(self) -> list[tuple[str, list[Finding]]]:
        """The findings grouped by area, problems, then warnings, then the rest within each."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.area, []).append(finding)
        return [(a, sorted(groups[a], key=_severity_rank)) for a in AREA_ORDER if a in groups]

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [f.as_json() for f in self.findings],
            "summary": {"problems": self.problems, "warnings": self.warnings},
            "not_checked": [{"area": n.area, "reason": n.reason} for n in self.not_checked],
        }


def _severity_rank(finding: Finding) -> int:
    return _SEVERITY_ORDER.get(finding.severity, len(_SEVERITY_ORDER))
