"""``doctor``: why does this account get no notifications?

Reads the account's pushers, their devices and gateways, its push rules and
account data, and reports findings (:class:`~pushctl.doctor.findings.Finding`),
each with a stable check ID. One module per area of checks, each a pure
function from data to findings; :func:`run` gathers the data and runs them.
Changes nothing (with ``push`` each gateway gets a test notification).
"""

from __future__ import annotations

from pushctl.doctor.collect import run
from pushctl.doctor.findings import INFO, PROBLEM, WARNING, Finding, ProblemsFound, Report

__all__ = ["INFO", "PROBLEM", "WARNING", "Finding", "ProblemsFound", "Report", "run"]
