"""``doctor``: why does this account get no notifications?

Reads the account's pushers, their devices and gateways, its push rules and
account data, and reports findings (:class:`~pushctl.doctor.findings.Finding`),
each with a stable check ID. One module per area of checks, each a pure
function from data to findings; :func:`pushctl.doctor.collect.run` gathers the
data and runs them (imported from there: this package's modules are used
without it, by the homeserver-host commands).
Changes nothing (with ``push`` each gateway gets a test notification).
"""

from __future__ import annotations

from pushctl.doctor.findings import INFO, PROBLEM, WARNING, Finding, Report
from pushctl.errors import ProblemsFound

__all__ = ["INFO", "PROBLEM", "WARNING", "Finding", "ProblemsFound", "Report"]
